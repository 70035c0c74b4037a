"""``chaffra_telemetry`` and the telemetry each analysing call records, per audience."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from chaffra_core import CliOverrides
from chaffra_mcp._dispatch import Dispatcher
from chaffra_telemetry import LiveTelemetryState, SqliteStore, TelemetryAudience

ON = '[modules.telemetry]\naudience = "on"\n'
SOURCE = {"pkg/tangled.py": "def f(a):\n" + "    if a:\n        a += 1\n" * 12 + "    return a\n"}


def call(dispatcher: Dispatcher, name: str, **arguments: Any) -> dict[str, Any]:
    outcome = dispatcher.call(name, arguments)
    assert not outcome.is_error, outcome.summary
    assert outcome.structured is not None
    return dict(outcome.structured)


def stored(root: Path) -> int:
    with SqliteStore(root / ".chaffra" / "telemetry.db") as store:
        return LiveTelemetryState(store).snapshot_count()


def test_an_analysing_call_stores_one_snapshot_in_the_project(
    make_project: Callable[..., Path], make_dispatcher: Callable[..., Dispatcher]
) -> None:
    root = make_project(SOURCE)
    dispatcher = make_dispatcher(root)
    call(dispatcher, "chaffra_complexity")
    call(dispatcher, "chaffra_health")
    assert 2 == stored(root)
    history = call(dispatcher, "chaffra_telemetry", action="history", limit=1)
    assert ("live", 2) == (history["source"], history["page"]["total"])
    older = call(dispatcher, "chaffra_telemetry", cursor=history["page"]["next_cursor"])
    assert history["snapshots"][0]["timestamp_ms"] >= older["snapshots"][0]["timestamp_ms"]
    first = history["snapshots"][0]
    assert 1 == first["user_summary"]["files_total"]
    assert {} == dict(first["operator_summary"]["module_call_durations"])


def test_paging_a_result_does_not_run_or_record_again(
    make_project: Callable[..., Path], make_dispatcher: Callable[..., Dispatcher]
) -> None:
    root = make_project({f"m{i}.py": "x = 1\n" for i in range(4)})
    dispatcher = make_dispatcher(root)
    first = call(dispatcher, "chaffra_health", limit=1)
    call(dispatcher, "chaffra_health", cursor=first["page"]["next_cursor"])
    assert 1 == stored(root)


def test_the_snapshot_is_projected_for_the_projects_audience_and_arguments_cannot_widen_it(
    make_project: Callable[..., Path], make_dispatcher: Callable[..., Dispatcher]
) -> None:
    root = make_project(SOURCE)
    dispatcher = make_dispatcher(root)
    call(dispatcher, "chaffra_complexity")
    plain = call(dispatcher, "chaffra_telemetry", action="snapshot")
    widened = call(dispatcher, "chaffra_telemetry", action="snapshot", audience="on")
    assert plain == widened
    snapshot = plain["snapshot"]
    assert "user-only" == plain["audience"] == snapshot["audience"]
    assert "chaffra.module.call_duration_ms" not in snapshot["definitions"]
    assert {} == dict(snapshot["operator_summary"]["module_call_durations"])
    assert all(s["duration_ms"] == 0 for s in snapshot["user_summary"]["module_summaries"].values())
    for action in ("status", "backends"):
        gated = call(dispatcher, "chaffra_telemetry", action=action, audience="on")
        assert [] == gated["backends"]
        assert "withheld" in gated["notes"][0]


def test_an_operator_audience_sees_backends_and_durations(
    make_project: Callable[..., Path], make_dispatcher: Callable[..., Dispatcher]
) -> None:
    root = make_project({**SOURCE, ".chaffra.toml": ON})
    dispatcher = make_dispatcher(root)
    call(dispatcher, "chaffra_complexity")
    snapshot = call(dispatcher, "chaffra_telemetry", action="snapshot")["snapshot"]
    assert "chaffra.module.call_duration_ms" in snapshot["definitions"]
    assert "complexity" in snapshot["operator_summary"]["module_call_durations"]
    backends = call(dispatcher, "chaffra_telemetry", action="backends")["backends"]
    assert [{"kind": "json-file", "endpoint": None, "path": ".chaffra/telemetry.json"}] == backends
    status = call(dispatcher, "chaffra_telemetry")
    assert ["json-file"] == [b["kind"] for b in status["backends"]]


def test_a_user_only_flag_beats_a_project_that_opts_in(
    make_project: Callable[..., Path], make_dispatcher: Callable[..., Dispatcher]
) -> None:
    root = make_project({**SOURCE, ".chaffra.toml": ON})
    dispatcher = make_dispatcher(root, overrides=CliOverrides(telemetry="user-only"))
    call(dispatcher, "chaffra_complexity")
    snapshot = call(dispatcher, "chaffra_telemetry", action="snapshot")
    assert "user-only" == snapshot["audience"]
    assert "chaffra.module.call_duration_ms" not in snapshot["snapshot"]["definitions"]


@pytest.mark.parametrize("source", ["flag", "file"])
def test_under_off_nothing_is_written_and_the_reads_say_so(
    source: str, make_project: Callable[..., Path], make_dispatcher: Callable[..., Dispatcher]
) -> None:
    files = dict(SOURCE)
    options: dict[str, Any] = {}
    if source == "file":
        files[".chaffra.toml"] = '[modules.telemetry]\naudience = "off"\n'
    else:
        options["overrides"] = CliOverrides(telemetry="off")
    root = make_project(files)
    dispatcher = make_dispatcher(root, **options)
    for name in ("chaffra_health", "chaffra_complexity", "chaffra_changes"):
        call(dispatcher, name)
    snapshot = call(dispatcher, "chaffra_telemetry", action="snapshot")
    history = call(dispatcher, "chaffra_telemetry", action="history", window="7d")
    assert (None, "off") == (snapshot["snapshot"], snapshot["audience"])
    assert ([], "empty") == (history["snapshots"], history["source"])
    assert not (root / ".chaffra").exists()


def test_reading_telemetry_of_a_project_without_runs_creates_nothing(
    make_project: Callable[..., Path], make_dispatcher: Callable[..., Dispatcher]
) -> None:
    root = make_project(SOURCE)
    dispatcher = make_dispatcher(root)
    assert None is call(dispatcher, "chaffra_telemetry", action="snapshot")["snapshot"]
    assert [] == call(dispatcher, "chaffra_telemetry", action="history")["snapshots"]
    assert not (root / ".chaffra").exists()


def test_a_project_root_outside_the_roots_gets_no_telemetry(
    make_project: Callable[..., Path], make_dispatcher: Callable[..., Dispatcher]
) -> None:
    outer = make_project({".chaffra.toml": "", "inner/a.py": "x = 1\n"})
    dispatcher = make_dispatcher(outer / "inner")
    result = call(dispatcher, "chaffra_health")
    assert any("outside the server's roots" in note for note in result["notes"])
    assert not (outer / ".chaffra").exists()


AUDIENCES = [a.value for a in TelemetryAudience]
CALLS: list[tuple[str, dict[str, Any]]] = [
    ("chaffra_health", {}),
    ("chaffra_complexity", {}),
    ("chaffra_dead_code", {}),
    ("chaffra_explain", {"rule_id": "complexity:high-cognitive"}),
    ("chaffra_changes", {}),
    ("chaffra_changes", {}),
    *[("chaffra_telemetry", {"action": a}) for a in ("status", "snapshot", "history", "backends")],
]


def _definition_names(dispatcher: Dispatcher) -> set[str]:
    return set(call(dispatcher, "chaffra_telemetry", action="snapshot")["snapshot"]["definitions"])


def _operator_canaries(
    root: Path, make_dispatcher: Callable[..., Dispatcher], host: Any
) -> set[str]:
    """Names a run records under ``on`` that a ``user-only`` reader must never see."""
    recorder = make_dispatcher(root, host=host, overrides=CliOverrides(telemetry="on"))
    call(recorder, "chaffra_complexity")
    reader = make_dispatcher(root, host=host, overrides=CliOverrides(telemetry="user-only"))
    canaries = _definition_names(recorder) - _definition_names(reader)
    assert "chaffra.module.call_duration_ms" in canaries
    return canaries


@pytest.mark.parametrize("audience", AUDIENCES)
def test_privacy_canary_operator_data_never_reaches_a_result_without_operator_scope(
    audience: str,
    make_project: Callable[..., Path],
    make_dispatcher: Callable[..., Dispatcher],
    host_with: Callable[..., Any],
    dead_code_double: Any,
) -> None:
    """Every tool, under every audience: operator-only telemetry reaches no user-only result."""
    root = make_project({**SOURCE, "b.py": "def unused_x():\n    pass\n"})
    host = host_with(dead_code_double())
    canaries = _operator_canaries(root, make_dispatcher, host)
    dispatcher = make_dispatcher(root, host=host, overrides=CliOverrides(telemetry=audience))
    texts, operator_entries = [], []
    for name, arguments in CALLS:
        outcome = dispatcher.call(name, arguments)
        assert not outcome.is_error, (name, outcome.summary)
        texts.append(outcome.summary + json.dumps(outcome.structured))
        operator_entries.extend(_operator_entries(outcome.structured))
    if TelemetryAudience(audience).operator_enabled:
        assert operator_entries
    else:
        assert [] == operator_entries
        assert set() == {c for c in canaries if any(c in text for text in texts)}


def _operator_entries(structured: Any) -> list[object]:
    """Per-module durations and error counts anywhere in a result (operator-scoped data)."""
    found: list[object] = []
    if isinstance(structured, dict):
        for key, value in structured.items():
            if key in ("module_call_durations", "module_error_counts") and isinstance(value, dict):
                found.extend(value)
            elif key == "duration_ms" and value:
                found.append(value)
            else:
                found.extend(_operator_entries(value))
    elif isinstance(structured, list):
        for item in structured:
            found.extend(_operator_entries(item))
    return found
