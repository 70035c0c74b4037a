"""ProjectSession: one file re-analysed from memory, project-level findings re-combined."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chaffra_core import (
    AnalysisResult,
    CliOverrides,
    ConfigError,
    FileContext,
    FileResult,
    FileSummary,
    Finding,
    FixResult,
    Location,
    ModuleConfig,
    ModuleHost,
    ModuleInfo,
    ProjectContext,
    ProjectSession,
    Rule,
    RuleExplanation,
    Severity,
    discover,
    discover_directories,
    is_discovered,
    resolve_effective_config,
    run_analysis,
)
from chaffra_core.analyzers.complexity import ComplexityModule
from chaffra_core.testing import TANGLED, open_session, write_project
from chaffra_telemetry import LiveTelemetryState, SqliteStore, TelemetryAudience
from chaffra_telemetry.report import StoredReport


class _Names:
    """Collects top-level ``def`` names and every loaded name of one file."""

    def __init__(self) -> None:
        self.defined: list[tuple[str, int]] = []
        self.used: set[str] = set()
        self._depth = 0

    def enter_FunctionDef(self, node: object) -> None:
        if self._depth == 0:
            self.defined.append((node.name, node.lineno))  # type: ignore[attr-defined]
        self._depth += 1

    def leave_FunctionDef(self, node: object) -> None:
        self._depth -= 1

    def enter_Name(self, node: object) -> None:
        self.used.add(node.id)  # type: ignore[attr-defined]


class _UnusedAnalyzer:
    needs_functions = False

    def visitor(self, file: FileContext) -> _Names:
        return _Names()

    def finish(self, file: FileContext, visitor: object | None) -> FileResult:
        assert isinstance(visitor, _Names)
        return FileResult(
            facts={"defined": visitor.defined, "used": sorted(visitor.used)},
        )


class UnusedModule:
    """A small cross-file module: a top-level function no file uses is reported."""

    def describe(self) -> ModuleInfo:
        rule = Rule(
            id="unused:function",
            name="unused function",
            description="never used",
            default_severity=Severity.WARNING,
            category="dead-code",
        )
        return ModuleInfo(
            id="unused",
            name="unused",
            version="1",
            languages=("python",),
            capabilities=(),
            rules=(rule,),
        )

    def file_analyzer(self, config: ModuleConfig) -> _UnusedAnalyzer:
        if config.get("strict") not in (None, True, False):
            raise ConfigError("invalid value modules.unused.strict: expected true or false")
        return _UnusedAnalyzer()

    def combine(
        self, files: Sequence[FileSummary], config: ModuleConfig, project: ProjectContext
    ) -> AnalysisResult:
        used = {name for f in files for name in f.results["unused"].facts["used"]}
        findings = tuple(
            Finding(
                rule_id="unused:function",
                message=f"function `{name}` is never used",
                severity=Severity.WARNING,
                location=Location(file=f.path, start_line=line, end_line=line),
            )
            for f in files
            for name, line in f.results["unused"].facts["defined"]
            if name not in used
        )
        return AnalysisResult(findings=findings)

    def explain(self, rule: str) -> RuleExplanation:
        raise NotImplementedError

    def fix(self, findings: Sequence[Finding], *, dry_run: bool) -> list[FixResult]:
        return []


def _host() -> ModuleHost:
    return ModuleHost([ComplexityModule(), UnusedModule()])


def _session(root: Path, telemetry: str | None = None) -> ProjectSession:
    return open_session(root, telemetry=telemetry, host=_host(), use_cache=False)


def _rules(findings: Sequence[Finding]) -> list[tuple[str, str, int]]:
    return sorted((f.location.file, f.rule_id, f.location.start_line) for f in findings)


def test_an_edit_in_memory_republishes_the_other_files_whose_cross_file_findings_changed(
    tmp_path: Path,
) -> None:
    """Deleting the only use of ``helper`` in b.py makes a.py's ``helper`` unused."""
    root = write_project(
        tmp_path,
        {"a.py": "def helper():\n    return 1\n", "b.py": "def main():\n    return helper()\n"},
    )
    session = _session(root, telemetry="off")
    session.start(command="lsp")
    assert [("b.py", "unused:function", 1)] == _rules(session.findings())

    update = session.update({root / "b.py": "def main():\n    return 2\n"})

    assert ["a.py", "b.py"] == sorted(update.findings)
    assert [("a.py", "unused:function", 1)] == _rules(update.findings["a.py"])
    assert "def main():\n    return helper()\n" == (root / "b.py").read_text()
    assert update.result is None


def test_an_update_that_changes_nothing_elsewhere_names_only_the_edited_file(
    tmp_path: Path,
) -> None:
    root = write_project(tmp_path, {"a.py": "x = 1\n", "b.py": "y = 2\n"})
    session = _session(root, telemetry="off")
    session.start(command="lsp")

    update = session.update({root / "a.py": TANGLED})

    assert ["a.py"] == list(update.findings)
    assert {"complexity:high-cyclomatic", "unused:function"} <= {
        f.rule_id for f in update.findings["a.py"]
    }
    assert ("tangled",) == tuple(m.name for m in session.functions(root / "a.py"))


def test_the_session_after_edits_equals_a_fresh_run_over_the_same_files(tmp_path: Path) -> None:
    texts = {
        "a.py": "def helper():\n    return 1\n",
        "b.py": "def main():\n    return helper()\n",
    }
    root = write_project(tmp_path, texts)
    session = _session(root, telemetry="off")
    session.start(command="lsp")

    @settings(
        max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(
        st.lists(
            st.tuples(
                st.sampled_from(["a.py", "b.py", "c.py"]),
                st.sampled_from(
                    [
                        None,
                        "def helper():\n    return 1\n",
                        "x = helper()\n",
                        "def main(:\n",
                        TANGLED,
                        "import os\n# chaffra: ignore[unused:function]\ndef main():\n    pass\n",
                    ]
                ),
            ),
            max_size=6,
        )
    )
    def check(edits: list[tuple[str, str | None]]) -> None:
        for name, text in edits:
            session.update({root / name: text})
            if text is None:
                (root / name).unlink(missing_ok=True)
            else:
                (root / name).write_text(text, encoding="utf-8")
        config = resolve_effective_config(root, None, CliOverrides(telemetry="off"))
        fresh = run_analysis(config, command="lsp", host=_host(), use_cache=False)
        assert _rules(fresh.findings) == _rules(session.findings())

    check()


def test_a_syntax_error_in_the_buffer_is_a_finding_and_the_session_goes_on(
    tmp_path: Path,
) -> None:
    root = write_project(tmp_path, {"a.py": "x = 1\n"})
    session = _session(root, telemetry="off")
    session.start(command="lsp")

    broken = session.update({root / "a.py": "def f(:\n"})
    fixed = session.update({root / "a.py": "x = 2\n"})

    assert ["parse:syntax-error"] == [f.rule_id for f in broken.findings["a.py"]]
    assert () == fixed.findings["a.py"]


def test_recording_runs_the_lifecycle_over_the_kept_summaries(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"a.py": TANGLED})
    session = _session(root, telemetry="on")
    session.start(command="lsp", stderr=io.StringIO())
    (root / "a.py").write_text("gone on disk, the buffer wins\n", encoding="utf-8")

    update = session.update({root / "a.py": TANGLED}, record="lsp", stderr=io.StringIO())

    assert update.result is not None
    assert 1 == update.result.files_analyzed
    assert "complexity:high-cyclomatic" in {f.rule_id for f in update.result.findings}
    store = SqliteStore.for_project(root)
    try:
        assert 2 == LiveTelemetryState(store).snapshot_count()
        current = LiveTelemetryState(store).current(audience=TelemetryAudience.ON)
        assert current is not None
        assert 1 == current.user_summary.files_total
    finally:
        store.close()
        session.close()


def test_a_record_soon_runs_in_the_background_and_calls_back_once_its_report_is_stored(
    tmp_path: Path,
) -> None:
    root = write_project(tmp_path, {"a.py": TANGLED})
    session = _session(root, telemetry="on")
    session.start(command="lsp", stderr=io.StringIO())
    session.update({root / "a.py": TANGLED + "\ndef unused():\n    return 1\n"})
    reports: list[StoredReport | None] = []
    kept: list[StoredReport | None] = []

    def then(last: StoredReport | None) -> None:
        kept.append(last)
        store = SqliteStore.for_project(root)
        try:
            reports.append(LiveTelemetryState(store).report(audience=TelemetryAudience.ON))
        finally:
            store.close()

    session.record_soon(command="lsp", stderr=io.StringIO(), then=then)
    assert session.wait(30)

    (stored,) = reports
    assert stored is not None
    assert [stored.report.run_id] == [k.report.run_id for k in kept if k is not None]
    new = {(f.symbol, f.rule_id, f.new) for f in stored.report.findings}
    assert (None, "unused:function", True) in new  # vs the start's report, kept in memory
    assert ("tangled", "complexity:high-cyclomatic", False) in new
    session.record_soon(command="lsp", stderr=io.StringIO())
    session.close()  # the queued record is done first
    store = SqliteStore.for_project(root)
    try:
        assert 3 == LiveTelemetryState(store).snapshot_count()
    finally:
        store.close()


def test_recording_under_off_writes_nothing(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"a.py": TANGLED})
    session = _session(root, telemetry="off")
    session.start(command="lsp")
    before = sorted(os.listdir(root))

    result = session.record(command="lsp")

    assert before == sorted(os.listdir(root))
    assert 1 == result.files_analyzed


def test_refresh_reads_changed_files_and_drops_deleted_and_ignored_ones(tmp_path: Path) -> None:
    root = write_project(
        tmp_path,
        {
            ".chaffra.toml": '[project]\nignore = ["vendor/**"]\n',
            "a.py": "x = 1\n",
            "b.py": "y = 1\n",
        },
    )
    session = _session(root, telemetry="off")
    session.start(command="watch")
    (root / "a.py").write_text(TANGLED, encoding="utf-8")
    (root / "b.py").unlink()
    write_project(root, {"vendor/v.py": TANGLED})

    update = session.refresh([root / "a.py", root / "b.py", root / "vendor" / "v.py"])

    assert ["a.py"] == [s.path for s in session.summaries()]
    assert {"a.py", "b.py", "vendor/v.py"} == set(update.paths)
    assert update.findings["a.py"]
    assert () == update.findings["vendor/v.py"]


def test_a_module_rejecting_its_config_fails_the_session_closed(tmp_path: Path) -> None:
    root = write_project(tmp_path, {".chaffra.toml": "[modules.unused]\nstrict = 3\n", "a.py": ""})
    config = resolve_effective_config(root, None, CliOverrides(telemetry="off"))

    with pytest.raises(ConfigError):
        ProjectSession(config, host=_host())


def test_files_outside_the_target_are_not_covered(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"pkg/a.py": "", "other/b.py": ""})
    config = resolve_effective_config(root / "pkg", None, CliOverrides(telemetry="off"))
    session = ProjectSession(config, host=_host())

    assert session.covers(root / "pkg" / "a.py")
    assert not session.covers(root / "other" / "b.py")
    assert "/elsewhere/c.py" == session.relative(Path("/elsewhere/c.py"))


_TREE = {
    ".gitignore": "generated/\n*.tmp.py\n!keep.tmp.py\n",
    "a.py": "",
    "keep.tmp.py": "",
    "drop.tmp.py": "",
    "generated/g.py": "",
    "pkg/.gitignore": "local.py\n",
    "pkg/local.py": "",
    "pkg/mod.py": "",
    "node_modules/n.py": "",
    "env/pyvenv.cfg": "",
    "env/lib/site.py": "",
    "vendor/v.py": "",
    "notes.txt": "",
}


def test_is_discovered_agrees_with_discovery_on_every_file(tmp_path: Path) -> None:
    root = write_project(tmp_path, _TREE)
    ignore = ("vendor/",)
    found = set(discover(root, ignore=ignore, root=root))

    every = {root / name for name in _TREE}

    assert found == {p for p in every if is_discovered(p, root=root, ignore=ignore)}
    assert is_discovered(root / "pkg" / "new.py", root=root)  # not created yet
    assert not is_discovered(root / "a.py", root=root / "pkg")
    assert not is_discovered(root, root=root)


def test_watched_directories_leave_out_what_discovery_skips(tmp_path: Path) -> None:
    root = write_project(tmp_path, _TREE)

    directories = discover_directories(root, ignore=("vendor/",), root=root)

    assert {root, root / "pkg"} == set(directories)
    assert [root / "pkg"] == discover_directories(root / "pkg", root=root)
    with pytest.raises(FileNotFoundError):
        discover_directories(root / "a.py")
    with pytest.raises(ValueError, match="not inside"):
        discover_directories(root, root=root / "pkg")
