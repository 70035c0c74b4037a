"""The shared lifecycle: every row of the failure matrix, ordering and privacy of warnings."""

from __future__ import annotations

import io
import json
import os
import random
from collections.abc import Sequence
from pathlib import Path

import pytest

from chaffra_telemetry import (
    BackendConfig,
    BackendKind,
    ChurnResult,
    FindingFingerprint,
    SamplingDecision,
    SamplingStrategy,
    TelemetryAudience,
    TelemetryCollector,
    TelemetryConfig,
    merge_config,
    project,
    project_lock,
)
from chaffra_telemetry._atomic import PROJECT_DIR
from chaffra_telemetry._audit import event_name, read_log
from chaffra_telemetry._churn_state import state_path
from chaffra_telemetry._lifecycle import (
    FinalizeResult,
    finalize_and_flush,
    flush_snapshot,
    flush_to_backends,
)
from chaffra_telemetry._live_state import LiveTelemetryState
from chaffra_telemetry._projection import ProjectedSnapshot
from chaffra_telemetry.backends import Backend
from chaffra_telemetry.errors import BackendError, ConfigError, TelemetryIOError
from chaffra_telemetry.testing import InMemoryCapture

ON = TelemetryAudience.ON
USER_ONLY = TelemetryAudience.USER_ONLY
OPERATOR_ONLY = TelemetryAudience.OPERATOR_ONLY
OFF = TelemetryAudience.OFF
CHURN_NAMES = {
    "chaffra.findings.new",
    "chaffra.findings.resolved",
    "chaffra.findings.unchanged",
    "chaffra.findings.churn_rate",
}


class FailingBackend:
    """A backend whose export always fails, naming its (operator-shaped) endpoint."""

    def __init__(self, name: str = "otlp") -> None:
        self.name = name

    def flush(self, snapshot: ProjectedSnapshot) -> None:
        raise BackendError("OTLP collector unreachable at http://10.1.2.3:4318")

    def test_connection(self) -> str:
        return "never"

    def inspect(self, snapshot: ProjectedSnapshot) -> str:
        return ""


def _fingerprint(line: int, rule: str = "dead-code:unused-function") -> FindingFingerprint:
    return FindingFingerprint(rule_id=rule, file="pkg/a.py", start_line=line)


def _run(
    root: Path,
    audience: TelemetryAudience = USER_ONLY,
    *,
    fingerprints: frozenset[FindingFingerprint] = frozenset({_fingerprint(1)}),
    scope: str = "dead-code",
    backends: Sequence[Backend] = (),
    state: LiveTelemetryState | None = None,
    sampling_strategy: SamplingStrategy = SamplingStrategy.RATE,
    sampling_rate: float = 1.0,
) -> tuple[InMemoryCapture, LiveTelemetryState, str, FinalizeResult]:
    capture = InMemoryCapture()
    live = state if state is not None else LiveTelemetryState()
    config = TelemetryConfig(
        audience=audience, sampling_strategy=sampling_strategy, sampling_rate=sampling_rate
    )
    collector = TelemetryCollector(config)
    collector.register_core_metrics()
    collector.record_module_call("dead-code", 20, had_error=False)
    collector.record_module_findings("dead-code", len(fingerprints), {"warning": len(fingerprints)})
    collector.set_finding_fingerprints(fingerprints)
    err = io.StringIO()
    result = finalize_and_flush(
        collector,
        live,
        root,
        scope=scope,
        backends=[capture, *backends],
        rng=random.Random(0),
        stderr=err,
    )
    return capture, live, err.getvalue(), result


def _names(snapshot: ProjectedSnapshot) -> set[str]:
    return {p.name for p in snapshot.data_points}


def test_off_leaves_no_trace_anywhere(tmp_path: Path) -> None:
    capture, live, err, result = _run(tmp_path, OFF, backends=[FailingBackend()])
    assert ([], 0, "", []) == (capture.snapshots, live.snapshot_count(), err, os.listdir(tmp_path))
    assert None is result.snapshot


def test_invalid_config_fails_before_any_telemetry_is_produced(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="sampling-rate"):
        merge_config(TelemetryConfig(), {"sampling-rate": "nan"}, project_root=tmp_path)
    assert [] == os.listdir(tmp_path)


def test_a_first_run_pushes_and_flushes_without_churn_and_writes_the_state(tmp_path: Path) -> None:
    capture, live, err, _ = _run(tmp_path)
    assert "" == err
    assert 1 == live.snapshot_count()
    assert set() == _names(capture.last) & CHURN_NAMES
    assert state_path(tmp_path).is_file()


def test_churn_is_recorded_before_the_snapshot_on_the_next_run(tmp_path: Path) -> None:
    _run(tmp_path)
    capture, live, _, result = _run(
        tmp_path, fingerprints=frozenset({_fingerprint(1), _fingerprint(9)})
    )
    assert CHURN_NAMES <= _names(capture.last)
    current = live.current(audience=ON)
    assert current is not None
    assert CHURN_NAMES <= _names(current)
    assert ChurnResult(new=1, resolved=0, unchanged=1, churn_rate=0.5) == result.churn


def test_churn_is_scoped_per_command(tmp_path: Path) -> None:
    """dead-code then security must not report every dead-code finding as resolved."""
    _run(tmp_path, scope="dead-code")
    _, _, _, security = _run(
        tmp_path, scope="security", fingerprints=frozenset({_fingerprint(3, "security:x")})
    )
    assert None is security.churn
    _, _, _, again = _run(tmp_path, scope="dead-code")
    assert ChurnResult(new=0, resolved=0, unchanged=1, churn_rate=0.0) == again.churn


def test_a_corrupt_state_file_is_preserved_and_churn_skipped_with_a_warning(tmp_path: Path) -> None:
    _run(tmp_path)
    path = state_path(tmp_path)
    path.write_text("{ not json", encoding="utf-8")
    capture, live, err, result = _run(tmp_path)
    assert "skipping churn and preserving existing state" in err
    assert "{ not json" == path.read_text(encoding="utf-8")
    assert set() == _names(capture.last) & CHURN_NAMES
    assert 1 == live.snapshot_count()
    assert SamplingDecision.EMIT is result.decision


def test_a_failed_state_write_keeps_the_old_file_and_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _run(tmp_path)
    before = state_path(tmp_path).read_bytes()

    def refuse(src: object, dst: object) -> None:
        raise OSError("disk full")

    monkeypatch.setattr("chaffra_telemetry._atomic.os.replace", refuse)
    capture, live, err, _ = _run(tmp_path, fingerprints=frozenset({_fingerprint(2)}))
    assert "failed to persist telemetry churn state to" in err
    assert before == state_path(tmp_path).read_bytes()
    assert CHURN_NAMES <= _names(capture.last)
    assert 1 == live.snapshot_count()


def test_on_change_sampling_skips_an_unchanged_run_but_still_delivers_user_data(
    tmp_path: Path,
) -> None:
    """Sampling gates only operator-scoped output (Beyond the original, item 2)."""
    on_change = SamplingStrategy.ON_CHANGE
    _run(tmp_path, ON, sampling_strategy=on_change)
    capture, live, _, result = _run(tmp_path, ON, sampling_strategy=on_change)
    assert SamplingDecision.SKIP is result.decision
    assert USER_ONLY is capture.last.audience
    assert "chaffra.module.call_duration_ms" not in _names(capture.last)
    assert 1 == live.snapshot_count()
    operator_capture, _, _, _ = _run(tmp_path, OPERATOR_ONLY, sampling_strategy=on_change)
    assert [] == operator_capture.snapshots


def test_rate_zero_sampling_never_emits_operator_data(tmp_path: Path) -> None:
    capture, _, _, result = _run(tmp_path, ON, sampling_rate=0.0)
    assert SamplingDecision.SKIP is result.decision
    assert USER_ONLY is capture.last.audience


def test_one_failing_backend_does_not_stop_the_others(tmp_path: Path) -> None:
    capture, _, err, _ = _run(tmp_path, ON, backends=[FailingBackend(), InMemoryCapture("second")])
    assert 1 == len(capture.snapshots)
    assert "Warning: telemetry backend 'otlp' flush failed: backend error: OTLP" in err


def test_user_only_flush_failures_are_reported_without_operator_details(tmp_path: Path) -> None:
    _, _, err, _ = _run(tmp_path, USER_ONLY, backends=[FailingBackend()])
    assert "Warning: telemetry export failed\n" == err
    assert "otlp" not in err
    assert "10.1.2.3" not in err


def test_the_error_path_pushes_and_flushes_unsampled_without_touching_churn_state(
    tmp_path: Path,
) -> None:
    collector = TelemetryCollector(TelemetryConfig(audience=ON, sampling_rate=0.0))
    collector.record_module_call("dead-code", 5, had_error=True)
    capture = InMemoryCapture()
    live = LiveTelemetryState()
    result = flush_snapshot(collector, live, tmp_path, backends=[capture], stderr=io.StringIO())
    assert "chaffra.module.error_total" in _names(capture.last)
    assert 1 == live.snapshot_count()
    assert not state_path(tmp_path).exists()
    assert capture.last == result.snapshot


def test_the_error_path_under_off_does_nothing(tmp_path: Path) -> None:
    collector = TelemetryCollector(TelemetryConfig(audience=OFF))
    capture = InMemoryCapture()
    assert None is flush_snapshot(collector, None, tmp_path, backends=[capture]).snapshot
    assert [] == capture.snapshots


def test_backends_are_flushed_after_the_project_lock_is_released(tmp_path: Path) -> None:
    class LockProbe(InMemoryCapture):
        def flush(self, snapshot: ProjectedSnapshot) -> None:
            with project_lock(tmp_path, timeout_s=0.5):
                super().flush(snapshot)

    probe = LockProbe()
    _run(tmp_path, backends=[probe])
    assert 1 == len(probe.snapshots)


def test_a_held_project_lock_skips_churn_with_a_warning(tmp_path: Path) -> None:
    _run(tmp_path)
    with project_lock(tmp_path):
        collector = TelemetryCollector(TelemetryConfig(audience=USER_ONLY))
        collector.set_finding_fingerprints({_fingerprint(4)})
        err = io.StringIO()
        capture = InMemoryCapture()
        result = finalize_and_flush(
            collector,
            None,
            tmp_path,
            scope="dead-code",
            backends=[capture],
            stderr=err,
            lock_timeout_s=0.05,
        )
    assert "skipping churn" in err.getvalue()
    assert None is result.churn
    assert 1 == len(capture.snapshots)


def test_history_push_failures_warn_and_the_run_goes_on(tmp_path: Path) -> None:
    class BrokenStore(LiveTelemetryState):
        def push_snapshot(self, snapshot: ProjectedSnapshot) -> None:
            raise TelemetryIOError("database is locked")

    capture, _, err, _ = _run(tmp_path, state=BrokenStore())
    assert "telemetry history was not updated" in err
    assert 1 == len(capture.snapshots)


def test_configured_backends_are_built_from_config_and_unusable_ones_reported(
    tmp_path: Path,
) -> None:
    out = tmp_path / "telemetry.json"
    config = TelemetryConfig(
        audience=ON,
        backends=(
            BackendConfig(kind=BackendKind.JSON_FILE, path=str(out)),
            BackendConfig(kind=BackendKind.JSON_FILE, path=str(tmp_path / "missing" / "x.json")),
        ),
    )
    collector = TelemetryCollector(config)
    collector.record_module_findings("dead-code", 1, {"info": 1})
    err = io.StringIO()
    flush_snapshot(collector, None, tmp_path, stderr=err)
    assert "on" == json.loads(out.read_text(encoding="utf-8"))["audience"]
    assert "flush failed" in err.getvalue()


def test_an_unbuildable_configured_backend_is_reported_by_audience(tmp_path: Path) -> None:
    bad = BackendConfig(kind=BackendKind.STATSD, endpoint="no-port-here")
    for audience, expected in ((ON, "telemetry backend 'statsd' flush failed"), (USER_ONLY, "")):
        collector = TelemetryCollector(TelemetryConfig(audience=audience, backends=(bad,)))
        err = io.StringIO()
        flush_snapshot(collector, None, tmp_path, stderr=err)
        assert expected in err.getvalue()
        assert "no-port-here" not in err.getvalue() or audience is ON


def test_an_unsampled_finalize_always_emits(tmp_path: Path) -> None:
    collector = TelemetryCollector(TelemetryConfig(audience=ON, sampling_rate=0.0))
    capture = InMemoryCapture()
    result = finalize_and_flush(
        collector, None, tmp_path, scope="x", sampled=False, backends=[capture]
    )
    assert (SamplingDecision.EMIT, ON) == (result.decision, capture.last.audience)


def test_flush_to_backends_under_off_contacts_nothing(tmp_path: Path) -> None:
    capture = InMemoryCapture()
    snapshot = TelemetryCollector(TelemetryConfig(audience=ON)).snapshot()
    warnings = flush_to_backends(
        project(snapshot, ON), TelemetryConfig(audience=OFF), backends=[capture]
    )
    assert ([], []) == (warnings, capture.snapshots)


def test_each_emitting_run_writes_one_audit_event_and_off_none(tmp_path: Path) -> None:
    _run(tmp_path, USER_ONLY)
    _run(tmp_path, ON)
    assert [("telemetry_emitted", USER_ONLY), ("telemetry_emitted", ON)] == [
        (event_name(e), getattr(e, "audience", None)) for e in read_log(tmp_path).events
    ]
    off_root = tmp_path / "off"
    off_root.mkdir()
    _run(off_root, OFF)
    assert not (off_root / PROJECT_DIR).exists()


class ExplodingBackend(FailingBackend):
    """A backend with a bug: it raises something no backend is documented to raise."""

    def flush(self, snapshot: ProjectedSnapshot) -> None:
        raise KeyError("bug")


@pytest.mark.parametrize("entry", ["finalize", "flush"])
def test_an_unsafe_project_dir_skips_telemetry_with_one_warning_and_writes_nothing(
    tmp_path: Path, entry: str
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    root = tmp_path / "project"
    root.mkdir()
    (root / PROJECT_DIR).symlink_to(elsewhere)
    if entry == "finalize":
        capture, live, err, result = _run(root, ON)
    else:
        capture, live, out = InMemoryCapture(), LiveTelemetryState(), io.StringIO()
        collector = TelemetryCollector(TelemetryConfig(audience=ON))
        result = flush_snapshot(collector, live, root, backends=[capture], stderr=out)
        err = out.getvalue()
    assert [
        f"Warning: telemetry skipped, nothing written: refusing to use {root / PROJECT_DIR}:"
        " it is a symbolic link (chaffra never writes through one)"
    ] == err.splitlines()
    assert (None, [], 0) == (result.snapshot, capture.snapshots, live.snapshot_count())
    assert [] == list(elsewhere.iterdir())


@pytest.mark.parametrize("entry", ["finalize", "flush"])
def test_an_unexpected_error_in_telemetry_is_a_warning_never_an_exception(
    tmp_path: Path, entry: str
) -> None:
    if entry == "finalize":
        _, _, err, result = _run(tmp_path, ON, backends=[ExplodingBackend()])
    else:
        out = io.StringIO()
        collector = TelemetryCollector(TelemetryConfig(audience=ON))
        result = flush_snapshot(
            collector, LiveTelemetryState(), tmp_path, backends=[ExplodingBackend()], stderr=out
        )
        err = out.getvalue()
    assert None is result.snapshot
    assert ["Warning: telemetry failed (KeyError: 'bug'); the run is unaffected"] == (
        err.splitlines()
    )


def test_a_lock_file_that_cannot_be_made_skips_churn_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / PROJECT_DIR).mkdir()
    (tmp_path / PROJECT_DIR / "telemetry-state.lock").symlink_to(tmp_path / "elsewhere")
    capture, _, err, result = _run(tmp_path)
    assert "symbolic link" in err
    assert "skipping churn" in err
    assert (1, None) == (len(capture.snapshots), result.churn)
    assert not (tmp_path / "elsewhere").exists()
