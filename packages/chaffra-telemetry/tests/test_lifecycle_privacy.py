"""No path through the lifecycle emits operator-scoped data under ``user-only``.

Hypothesis drives whole runs (module calls and errors, findings, per-module
metrics, cache metrics, spans, and plugin data named like user metrics) and
checks the actual output of every backend and of the persisted history.
"""

from __future__ import annotations

import io
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chaffra_telemetry import (
    LiveTelemetryState,
    MetricDataPoint,
    ParseCacheMetrics,
    SpanData,
    SqliteStore,
    TelemetryAudience,
    TelemetryCollector,
    TelemetryConfig,
    finalize_and_flush,
)
from chaffra_telemetry._catalog import OPERATOR
from chaffra_telemetry.backends import JsonFileBackend, PrometheusBackend, StderrBackend
from chaffra_telemetry.testing import InMemoryCapture
from chaffra_telemetry.testing.strategies import metric_names, module_ids

SPAN_CANARY = "span-canary-7f3a"
PLUGIN_CANARY = 424242.5

_calls = st.lists(st.tuples(module_ids, st.integers(0, 10_000), st.booleans()), max_size=4)
_findings = st.lists(st.tuples(module_ids, st.integers(0, 50)), max_size=4)
_plugin_names = st.lists(metric_names, max_size=4)


def _prometheus_name(name: str) -> str:
    return name.replace(".", "_").replace("-", "_")


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_calls, _findings, _plugin_names, st.booleans())
def test_user_only_runs_emit_no_operator_data_on_any_backend_or_history(
    calls: list[tuple[str, int, bool]],
    findings: list[tuple[str, int]],
    plugin_names: list[str],
    with_cache: bool,
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        collector = TelemetryCollector(TelemetryConfig(audience=TelemetryAudience.USER_ONLY))
        collector.register_core_metrics()
        for module, duration, error in calls:
            collector.record_module_call(module, duration, had_error=error)
            collector.record_module_summary_metric(module, "health_score", 50.0)
        for module, count in findings:
            collector.record_module_findings(module, count, {"warning": count})
        collector.record_span(
            SpanData(name=SPAN_CANARY, trace_id="t", span_id="s", start_time_ms=0, end_time_ms=1)
        )
        collector.record_untrusted_data_points(
            MetricDataPoint(name=name, value=PLUGIN_CANARY, timestamp_ms=0) for name in plugin_names
        )
        if with_cache:
            cache = ParseCacheMetrics()
            cache.record_hit()
            cache.flush_to_collector(collector)
        stderr = io.StringIO()
        prometheus = PrometheusBackend()
        capture = InMemoryCapture()
        with SqliteStore(root / "history.db") as store:
            finalize_and_flush(
                collector,
                LiveTelemetryState(store),
                root,
                scope="test",
                backends=[
                    JsonFileBackend(root / "out.json"),
                    StderrBackend(stderr),
                    prometheus,
                    capture,
                ],
                stderr=io.StringIO(),
            )
            reopened = SqliteStore(root / "history.db")
            try:
                stored = LiveTelemetryState(reopened).history(audience=TelemetryAudience.ON)
            finally:
                reopened.close()

        documents = [
            json.loads((root / "out.json").read_text(encoding="utf-8")),
            *capture.payloads,
            *(s.to_dict() for s in stored.snapshots),
        ]
        for document in documents:
            names = {p["name"] for p in document["data_points"]} | set(document["definitions"])
            assert set() == names & OPERATOR
            assert [] == document["spans"]
            assert {"module_call_durations": {}, "module_error_counts": {}} == document[
                "operator_summary"
            ]
            modules = document["user_summary"]["module_summaries"].values()
            assert all(0 == m["duration_ms"] for m in modules)
            assert PLUGIN_CANARY not in [p["value"] for p in document["data_points"]]
        lines = [json.loads(line) for line in stderr.getvalue().splitlines()]
        assert set() == {line.get("name") for line in lines} & OPERATOR
        exposition = prometheus.latest_exposition() or ""
        for name in OPERATOR:
            assert f"\n{_prometheus_name(name)} " not in f"\n{exposition}"
            assert f"\n{_prometheus_name(name)}{{" not in f"\n{exposition}"
        assert SPAN_CANARY not in exposition + stderr.getvalue()
        assert str(PLUGIN_CANARY) not in exposition + stderr.getvalue()
