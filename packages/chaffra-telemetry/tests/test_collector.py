"""TelemetryCollector: recording, provenance, bounds and thread safety."""

from __future__ import annotations

import math
import threading
import warnings

import attrs
import pytest

from chaffra_telemetry._audience import TelemetryAudience
from chaffra_telemetry._catalog import CORE_DEFINITIONS
from chaffra_telemetry._churn import ChurnResult, FindingFingerprint
from chaffra_telemetry._collector import TelemetryCollector
from chaffra_telemetry._config import TelemetryConfig
from chaffra_telemetry._metrics import (
    MetricDataPoint,
    MetricDefinition,
    MetricKind,
    Provenance,
    SpanData,
)
from chaffra_telemetry.errors import MetricAlreadyRegistered, UnclassifiedMetricWarning
from chaffra_telemetry.testing import FakeClock

ON = TelemetryConfig(audience=TelemetryAudience.ON)


def _collector(
    audience: TelemetryAudience = TelemetryAudience.ON, **kwargs: int
) -> tuple[TelemetryCollector, FakeClock]:
    clock = FakeClock()
    collector = TelemetryCollector(
        TelemetryConfig(audience=audience),
        clock_ms=clock.clock_ms,
        monotonic_s=clock.monotonic_s,
        **kwargs,
    )
    return collector, clock


def _names(collector: TelemetryCollector) -> list[str]:
    return [p.name for p in collector.snapshot().data_points]


def test_module_calls_record_duration_and_cumulative_errors_with_one_timestamp() -> None:
    collector, _ = _collector()
    collector.record_module_call("dead-code", 30, had_error=True)
    collector.record_module_call("dead-code", 12, had_error=True)
    snapshot = collector.snapshot()
    assert [
        ("chaffra.module.call_duration_ms", 30.0),
        ("chaffra.module.error_total", 1.0),
        ("chaffra.module.call_duration_ms", 12.0),
        ("chaffra.module.error_total", 2.0),
    ] == [(p.name, p.value) for p in snapshot.data_points]
    assert {"dead-code": 42} == dict(snapshot.operator_summary.module_call_durations)
    assert {"dead-code": 2} == dict(snapshot.operator_summary.module_error_counts)


def test_module_findings_accumulate_per_module_and_severity() -> None:
    collector, _ = _collector()
    collector.record_module_call("dead-code", 5, had_error=False)
    collector.record_module_findings("dead-code", 2, {"warning": 2})
    collector.record_module_findings("dead-code", 1, {"error": 1})
    collector.record_module_findings("security", 0, {})
    summary = collector.snapshot().user_summary
    assert {"dead-code": 3, "security": 0} == dict(summary.findings_by_module)
    assert {"warning": 2, "error": 1} == dict(summary.findings_by_severity)
    assert ["dead-code"] == list(summary.module_summaries)
    assert 3 == summary.module_summaries["dead-code"].finding_count


def test_module_summary_metrics_come_from_trusted_points_only() -> None:
    collector, _ = _collector()
    collector.record_module_call("complexity", 5, had_error=False)
    collector.record_module_summary_metric("complexity", "health_score", 70)
    collector.record_module_summary_metric("complexity", "health_score", 81.5)
    spoofed = MetricDataPoint(name="chaffra.module.complexity.cve_count", value=9.0, timestamp_ms=1)
    assert 1 == collector.record_untrusted_data_points([spoofed])
    metrics = collector.snapshot().user_summary.module_summaries["complexity"].metrics
    assert {"health_score": 81.5} == dict(metrics)


def test_module_ids_with_dots_get_their_own_summary_metrics() -> None:
    collector, _ = _collector()
    collector.record_module_call("acme.lint", 5, had_error=False)
    collector.record_module_summary_metric("acme.lint", "health_score", 64.0)
    collector.record_module_summary_metric("other", "health_score", 1.0)
    summaries = collector.snapshot().user_summary.module_summaries
    assert {"health_score": 64.0} == dict(summaries["acme.lint"].metrics)


def test_the_admission_cache_stays_bounded_and_still_decides(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("chaffra_telemetry._collector._ADMISSION_CACHE_SIZE", 1)
    collector, _ = _collector(TelemetryAudience.USER_ONLY)
    collector.record("chaffra.health.score", 1.0)
    collector.record("chaffra.module.call_duration_ms", 1.0)
    collector.record("chaffra.module.call_duration_ms", 2.0)
    assert ["chaffra.health.score"] == _names(collector)


def test_churn_points_are_the_four_findings_metrics_in_order() -> None:
    collector, _ = _collector()
    collector.record_finding_churn(ChurnResult(new=1, resolved=2, unchanged=3, churn_rate=0.25))
    points = collector.snapshot().data_points
    assert [
        ("chaffra.findings.new", 1.0),
        ("chaffra.findings.resolved", 2.0),
        ("chaffra.findings.unchanged", 3.0),
        ("chaffra.findings.churn_rate", 0.25),
    ] == [(p.name, p.value) for p in points]
    assert 1 == len({p.timestamp_ms for p in points})


def test_prebuilt_points_are_recorded_in_order() -> None:
    collector, _ = _collector()
    first = MetricDataPoint(name="chaffra.health.score", value=80.0, timestamp_ms=5)
    second = MetricDataPoint(name="plugin.x", value=1.0, labels={"a": "b"}, timestamp_ms=6)
    collector.record_data_point(first)
    collector.record_data_points([second])
    assert (first, second) == collector.snapshot().data_points


def test_every_operator_recorder_appends_its_catalog_metric() -> None:
    collector, _ = _collector()
    collector.record_module_load_error("x", "registration_failed")
    collector.record_module_startup("x", 3)
    collector.record_startup_total(9)
    assert [
        "chaffra.module.load_error_total",
        "chaffra.module.startup_duration_ms",
        "chaffra.startup.total_duration_ms",
    ] == _names(collector)


def test_finish_analysis_records_duration_and_files_total() -> None:
    collector, clock = _collector()
    collector.set_files_total(12)
    clock.advance(250)
    collector.finish_analysis()
    snapshot = collector.snapshot()
    assert [("chaffra.analysis.duration_ms", 250.0), ("chaffra.analysis.files_total", 12.0)] == [
        (p.name, p.value) for p in snapshot.data_points
    ]
    assert 250 == snapshot.user_summary.analysis_duration_ms
    assert 12 == snapshot.user_summary.files_total


def test_analysis_duration_never_goes_negative() -> None:
    collector, clock = _collector()
    clock.advance(-5000)
    assert 0 == collector.snapshot().user_summary.analysis_duration_ms


def test_identical_registration_is_a_no_op_and_a_conflict_raises() -> None:
    collector, _ = _collector()
    collector.register_core_metrics()
    collector.register_core_metrics()
    changed = attrs.evolve(CORE_DEFINITIONS[0], description="different")
    with pytest.raises(MetricAlreadyRegistered, match=CORE_DEFINITIONS[0].name):
        collector.register_metrics("core", [changed])
    assert CORE_DEFINITIONS[0] == collector.snapshot().definitions[CORE_DEFINITIONS[0].name]


def test_an_untrusted_definition_never_replaces_a_trusted_one() -> None:
    collector, _ = _collector()
    collector.register_core_metrics()
    name = "chaffra.analysis.findings_total"
    spoof = MetricDefinition(name=name, kind=MetricKind.GAUGE, description="x", unit="")
    plugin = MetricDefinition(name="plugin.metric", kind=MetricKind.GAUGE, description="", unit="")
    assert 1 == collector.register_untrusted_metrics("plugin", [spoof, plugin])
    definitions = collector.snapshot().definitions
    assert Provenance.TRUSTED is definitions[name].provenance
    assert Provenance.UNTRUSTED is definitions["plugin.metric"].provenance


def test_a_trusted_definition_replaces_an_untrusted_one() -> None:
    collector, _ = _collector()
    name = "chaffra.findings.new"
    spoof = MetricDefinition(name=name, kind=MetricKind.GAUGE, description="x", unit="")
    collector.register_untrusted_metrics("plugin", [spoof])
    collector.register_core_metrics()
    assert Provenance.TRUSTED is collector.snapshot().definitions[name].provenance


@pytest.mark.parametrize(
    "point",
    [
        MetricDataPoint(name="ok.name", value=math.nan, timestamp_ms=1),
        MetricDataPoint(name="ok.name", value=math.inf, timestamp_ms=1),
        MetricDataPoint(name="Bad Name", value=1.0, timestamp_ms=1),
        MetricDataPoint(name="x" * 201, value=1.0, timestamp_ms=1),
        MetricDataPoint(name="ok.name", value=1.0, labels={"k": "v" * 201}, timestamp_ms=1),
        MetricDataPoint(
            name="ok.name", value=1.0, labels={str(i): "" for i in range(33)}, timestamp_ms=1
        ),
    ],
)
def test_untrusted_points_that_are_malformed_are_rejected_and_counted(
    point: MetricDataPoint,
) -> None:
    collector, _ = _collector()
    assert 0 == collector.record_untrusted_data_points([point])
    assert [("chaffra.telemetry.rejected_items", 1.0)] == [
        (p.name, p.value) for p in collector.snapshot().data_points
    ]


def test_untrusted_spans_are_tagged_and_malformed_ones_rejected() -> None:
    collector, _ = _collector()
    good = SpanData(
        name="plugin.analyze", trace_id="t", span_id="1", start_time_ms=1, end_time_ms=2
    )
    bad = attrs.evolve(good, name="Not Valid")
    assert 1 == collector.record_untrusted_spans([good, bad])
    collector.record_span(good)
    collector.record_spans([good])
    assert [Provenance.UNTRUSTED, Provenance.TRUSTED, Provenance.TRUSTED] == [
        s.provenance for s in collector.snapshot().spans
    ]


def test_user_only_collectors_do_not_keep_operator_or_unclassified_data() -> None:
    """Data minimization: what the audience could never emit is not stored."""
    collector, _ = _collector(TelemetryAudience.USER_ONLY)
    collector.record_module_call("dead-code", 5, had_error=True)
    collector.record_module_findings("dead-code", 1, {"info": 1})
    with pytest.warns(UnclassifiedMetricWarning, match="'plugin.private' is not in"):
        collector.record("plugin.private", 1.0)
    collector.record_span(
        SpanData(name="s", trace_id="t", span_id="1", start_time_ms=1, end_time_ms=2)
    )
    plugin = MetricDefinition(name="plugin.x", kind=MetricKind.GAUGE, description="", unit="")
    assert 0 == collector.register_untrusted_metrics("plugin", [plugin])
    snapshot = collector.snapshot()
    assert ["chaffra.analysis.findings_total", "chaffra.analysis.findings_by_severity"] == [
        p.name for p in snapshot.data_points
    ]
    assert () == snapshot.spans
    assert {} == dict(snapshot.definitions)


def test_off_collectors_keep_no_points() -> None:
    collector, _ = _collector(TelemetryAudience.OFF)
    collector.record_module_findings("dead-code", 1, {"info": 1})
    assert [] == _names(collector)


def test_the_collector_is_bounded_and_counts_what_it_dropped() -> None:
    collector, _ = _collector(max_items=3)
    for i in range(5):
        collector.record("chaffra.health.score", float(i))
    span = SpanData(name="s", trace_id="t", span_id="1", start_time_ms=1, end_time_ms=2)
    collector.record_spans([span] * 4)
    snapshot = collector.snapshot()
    assert [2.0, 3.0, 4.0] == [p.value for p in snapshot.data_points[:3]]
    assert ("chaffra.telemetry.dropped_items", 3.0) == (
        snapshot.data_points[3].name,
        snapshot.data_points[3].value,
    )
    assert 3 == len(snapshot.spans)


def test_a_batch_larger_than_the_bound_keeps_the_newest_points() -> None:
    collector, _ = _collector(max_items=2)
    collector.record_data_points(
        MetricDataPoint(name="chaffra.health.score", value=float(i), timestamp_ms=i)
        for i in range(5)
    )
    values = [p.value for p in collector.snapshot().data_points]
    assert [3.0, 4.0, 3.0] == values  # the last one is the dropped-items counter


def test_a_collector_needs_room_for_at_least_one_item() -> None:
    with pytest.raises(ValueError, match="max_items must be at least 1"):
        TelemetryCollector(max_items=0)


def test_snapshots_are_not_changed_by_later_recordings() -> None:
    collector, _ = _collector()
    collector.record_module_call("a", 1, had_error=False)
    before = collector.snapshot()
    collector.record_module_call("a", 1, had_error=True)
    collector.set_files_total(3)
    assert 1 == len(before.data_points)
    assert {} == dict(before.operator_summary.module_error_counts)
    assert 0 == before.user_summary.files_total


def test_fingerprints_are_replaced_and_reset_clears_everything() -> None:
    collector, clock = _collector()
    first = FindingFingerprint(rule_id="r", file="a.py", start_line=1)
    second = FindingFingerprint(rule_id="r", file="b.py", start_line=2)
    collector.set_finding_fingerprints([first])
    collector.set_finding_fingerprints([second])
    assert frozenset({second}) == collector.finding_fingerprints()
    collector.record_module_call("a", 1, had_error=True)
    clock.advance(100)
    collector.reset()
    snapshot = collector.snapshot()
    assert frozenset() == collector.finding_fingerprints()
    assert () == snapshot.data_points
    assert 0 == snapshot.user_summary.analysis_duration_ms


def test_concurrent_threads_recording_different_modules_all_appear() -> None:
    collector, _ = _collector()
    start = threading.Barrier(8)

    def work(module: str) -> None:
        start.wait(timeout=10)
        for _ in range(200):
            collector.record_module_call(module, 1, had_error=False)
            collector.record_module_findings(module, 1, {"info": 1})

    threads = [threading.Thread(target=work, args=(f"m{i}",)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    snapshot = collector.snapshot()
    assert {f"m{i}": 200 for i in range(8)} == dict(snapshot.operator_summary.module_call_durations)
    assert {"info": 1600} == dict(snapshot.user_summary.findings_by_severity)
    assert 8 * 200 * 3 == len(snapshot.data_points)


def test_a_pinned_analysis_duration_is_what_points_and_snapshots_report() -> None:
    """The producer's measure of a run is the one telemetry records (one source)."""
    ticks = iter([0.0, 5.0, 9.0, 12.0])
    collector = TelemetryCollector(monotonic_s=lambda: next(ticks))
    collector.set_analysis_duration(74)
    collector.finish_analysis()
    snapshot = collector.snapshot()
    assert 74 == snapshot.user_summary.analysis_duration_ms
    assert [74.0] == [
        p.value for p in snapshot.data_points if p.name == "chaffra.analysis.duration_ms"
    ]
    with pytest.raises(ValueError, match="must not be negative, got -1"):
        collector.set_analysis_duration(-1)


def test_an_uncatalogued_metric_dropped_by_the_audience_warns_once_per_name() -> None:
    """A third-party ``record("mytool.files_scanned", 42)`` is not dropped silently."""
    collector, _ = _collector(TelemetryAudience.USER_ONLY)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(3):
            collector.record("mytool.files_scanned", 42)
    assert [UnclassifiedMetricWarning] == [w.category for w in caught]
    assert "recorded only under 'on'" in str(caught[0].message)
    assert () == collector.snapshot().data_points


def test_an_uncatalogued_metric_is_kept_without_a_warning_under_on() -> None:
    collector, _ = _collector(TelemetryAudience.ON)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        collector.record("mytool.files_scanned", 42)
    assert ["mytool.files_scanned"] == [p.name for p in collector.snapshot().data_points]
