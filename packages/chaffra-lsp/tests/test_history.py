"""A function's trend comes from the project's stored runs, whichever producer made them."""

from __future__ import annotations

from pathlib import Path

import attrs
from lsprotocol import types

from chaffra_core import (
    CliOverrides,
    FunctionMetrics,
    ModuleHost,
    resolve_effective_config,
    run_analysis,
)
from chaffra_core.analyzers.complexity import ComplexityModule
from chaffra_lsp import ServerSettings, create_server
from chaffra_lsp._history import FunctionHistory, FunctionRun
from chaffra_lsp._hover import function_markdown
from chaffra_lsp.testing import LspClient
from chaffra_telemetry import LiveTelemetryState, SqliteStore, TelemetryAudience
from chaffra_telemetry.report import StoredReport


def branchy(branches: int) -> str:
    body = "".join(f"    if a == {i}:\n        a += 1\n" for i in range(branches))
    return f"def grows(a):\n{body}    return a\n\n\ngrows(1)\n"


def cli_run(root: Path, text: str, *, audience: str = "user-only") -> None:
    """What ``chaffra complexity`` does: one run, its snapshot and report stored."""
    (root / "m.py").write_text(text, encoding="utf-8")
    config = resolve_effective_config(root, None, CliOverrides(telemetry=audience))
    run_analysis(config, command="complexity", host=ModuleHost([ComplexityModule()]))


def project(tmp_path: Path, *branches: int) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / ".chaffra.toml").write_text("", encoding="utf-8")
    for count in branches:
        cli_run(root, branchy(count))
    return root


def test_the_history_keeps_the_newest_runs_and_reads_only_new_reports(tmp_path: Path) -> None:
    root = project(tmp_path, 1, 2, 3)
    history = FunctionHistory(runs=3)
    history.load(root, TelemetryAudience.USER_ONLY)
    assert [2, 3, 4] == [run.cyclomatic for run in history.series(root, "m.py", "grows")]
    history.load(root, TelemetryAudience.USER_ONLY)  # nothing new: nothing read
    assert 3 == len(history.series(root, "m.py", "grows"))

    cli_run(root, branchy(7))
    history.load(root, TelemetryAudience.USER_ONLY)

    assert [3, 4, 8] == [run.cyclomatic for run in history.series(root, "m.py", "grows")]
    assert () == history.series(root, "m.py", "missing")


def _marked(root: Path, cyclomatic: int) -> StoredReport:
    """The newest stored report, as if this process kept it in memory (marked to tell)."""
    store = SqliteStore.for_project(root)
    try:
        stored = LiveTelemetryState(store).report(audience=TelemetryAudience.USER_ONLY)
    finally:
        store.close()
    assert stored is not None
    report = stored.report
    functions = tuple(attrs.evolve(f, cyclomatic=cyclomatic) for f in report.functions)
    return attrs.evolve(stored, report=attrs.evolve(report, functions=functions))


def test_a_report_this_process_stored_is_taken_from_memory_when_it_is_the_only_new_one(
    tmp_path: Path,
) -> None:
    root = project(tmp_path, 1)
    history = FunctionHistory(runs=3)
    history.load(root, TelemetryAudience.USER_ONLY)
    cli_run(root, branchy(2))

    history.load(root, TelemetryAudience.USER_ONLY, own=_marked(root, 99))
    assert [2, 99] == [run.cyclomatic for run in history.series(root, "m.py", "grows")]

    cli_run(root, branchy(3))  # another producer's run first: the store is read
    cli_run(root, branchy(4))
    history.load(root, TelemetryAudience.USER_ONLY, own=_marked(root, 77))
    assert [99, 4, 5] == [run.cyclomatic for run in history.series(root, "m.py", "grows")]


def test_a_function_that_went_away_leaves_the_history_once_its_runs_are_out(
    tmp_path: Path,
) -> None:
    root = project(tmp_path, 3)
    history = FunctionHistory(runs=2)
    history.load(root, TelemetryAudience.USER_ONLY)
    cli_run(root, "x = 1\n")
    cli_run(root, "x = 2\n")
    history.load(root, TelemetryAudience.USER_ONLY)

    assert () == history.series(root, "m.py", "grows")


def test_nothing_is_read_under_off_or_without_a_store(tmp_path: Path) -> None:
    root = project(tmp_path, 1, 2)
    history = FunctionHistory()
    history.load(root, TelemetryAudience.OFF)
    history.load(tmp_path, TelemetryAudience.USER_ONLY)
    assert not history.loaded(root)
    assert not history.loaded(tmp_path)
    assert not (tmp_path / ".chaffra").exists()

    history.load(root, TelemetryAudience.OPERATOR_ONLY)  # a report is user data: none shown
    assert () == history.series(root, "m.py", "grows")
    history.load(root, TelemetryAudience.USER_ONLY)  # another audience: read again
    assert 2 == len(history.series(root, "m.py", "grows"))
    history.clear()
    assert not history.loaded(root)


def test_an_unchanged_function_says_so() -> None:
    function = FunctionMetrics(
        name="f",
        qualified_name="f",
        kind="function",
        start_line=1,
        end_line=2,
        cyclomatic=1,
        cognitive=0,
        lines=2,
        max_nesting=0,
    )
    runs = [FunctionRun(timestamp_ms=t, cyclomatic=1, cognitive=0) for t in (1, 2, 3)]

    text = function_markdown(function, history=runs)

    assert "- cognitive 0, unchanged over the last 3 runs" in text


def test_the_hover_shows_the_trend_of_runs_other_producers_stored(tmp_path: Path) -> None:
    root = project(tmp_path, 1, 4, 8)  # e.g. `chaffra complexity` in a terminal, three times
    server = create_server(
        ServerSettings(use_cache=False, debounce_ms=0), host=ModuleHost([ComplexityModule()])
    )
    client = LspClient.in_thread(server.start_io)
    try:
        client.initialize(root)
        uri = client.open(root / "m.py")
        client.diagnostics(uri)
        hover: types.Hover | None = client.request(
            types.TEXT_DOCUMENT_HOVER,
            types.HoverParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                position=types.Position(line=0, character=5),
            ),
            types.Hover | None,
        )
    finally:
        client.close()

    assert hover is not None
    assert isinstance(hover.contents, types.MarkupContent)
    # The three runs, then the server's own first run on opening: four stored runs.
    assert "- cyclomatic 2 → 9 over the last 4 runs" in hover.contents.value
