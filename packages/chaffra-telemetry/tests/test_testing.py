"""The helpers shipped for users' tests."""

from __future__ import annotations

import pytest

from chaffra_telemetry import TelemetryAudience, TelemetryCollector, TelemetryConfig, project
from chaffra_telemetry.testing import FakeClock, InMemoryCapture, capture_run


def _collector() -> TelemetryCollector:
    collector = TelemetryCollector(TelemetryConfig(audience=TelemetryAudience.ON))
    collector.record_module_call("dead-code", 12, had_error=True)
    collector.record_module_findings("dead-code", 1, {"info": 1})
    return collector


def test_capture_run_projects_for_the_collectors_own_audience_by_default() -> None:
    capture = capture_run(_collector())
    assert TelemetryAudience.ON is capture.last.audience
    assert {
        "chaffra.module.call_duration_ms",
        "chaffra.module.error_total",
        "chaffra.analysis.findings_total",
        "chaffra.analysis.findings_by_severity",
    } == capture.metric_names()


def test_capture_run_can_preview_another_audience() -> None:
    capture = capture_run(_collector(), TelemetryAudience.USER_ONLY)
    assert "user-only" == capture.payloads[0]["audience"]
    assert {"chaffra.analysis.findings_total", "chaffra.analysis.findings_by_severity"} == (
        capture.metric_names()
    )


def test_the_capture_refuses_raw_snapshots_and_can_be_cleared() -> None:
    capture = InMemoryCapture()
    snapshot = _collector().snapshot()
    with pytest.raises(TypeError, match="only a ProjectedSnapshot"):
        capture.flush(snapshot)  # type: ignore[arg-type]
    capture.flush(project(snapshot, TelemetryAudience.OFF))
    assert 1 == len(capture.snapshots)
    assert "in-memory capture" == capture.test_connection()
    assert '"audience": "off"' in capture.inspect(capture.last)
    capture.clear()
    with pytest.raises(IndexError):
        _ = capture.last


def test_the_fake_clock_drives_a_collectors_timestamps_and_duration() -> None:
    clock = FakeClock(start_ms=1_000)
    collector = TelemetryCollector(clock_ms=clock.clock_ms, monotonic_s=clock.monotonic_s)
    clock.advance(1_500)
    snapshot = collector.snapshot()
    assert (2_500, 1_500) == (snapshot.timestamp_ms, snapshot.user_summary.analysis_duration_ms)
