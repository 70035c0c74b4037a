"""Audience projection: the privacy boundary."""

from __future__ import annotations

import copy
import json
import pickle
from typing import Any

import attrs
import pytest
from hypothesis import given

from chaffra_telemetry._audience import TelemetryAudience
from chaffra_telemetry._catalog import OPERATOR, Scope, classify
from chaffra_telemetry._metrics import MetricDataPoint, Provenance, SpanData
from chaffra_telemetry._projection import (
    USER_SUMMARY_FIELDS,
    ProjectedSnapshot,
    admits,
    project,
    require_projected,
)
from chaffra_telemetry._snapshot import (
    ModuleSummary,
    OperatorSummary,
    TelemetrySnapshot,
    UserSummary,
)
from chaffra_telemetry.testing.strategies import audiences, snapshots

USER_ONLY = TelemetryAudience.USER_ONLY
OPERATOR_ONLY = TelemetryAudience.OPERATOR_ONLY
ON = TelemetryAudience.ON
OFF = TelemetryAudience.OFF


def _items(projected: ProjectedSnapshot) -> list[Any]:
    return [*projected.data_points, *projected.definitions.values(), *projected.spans]


def _assert_no_operator_data(document: dict[str, Any]) -> None:
    names = {p["name"] for p in document["data_points"]} | set(document["definitions"])
    assert set() == names & OPERATOR
    assert [] == document["spans"]
    assert {"module_call_durations": {}, "module_error_counts": {}} == document["operator_summary"]
    durations = [m["duration_ms"] for m in document["user_summary"]["module_summaries"].values()]
    assert all(d == 0 for d in durations)


@given(snapshots())
def test_user_only_json_holds_no_operator_name_span_or_module_duration(
    snapshot: TelemetrySnapshot,
) -> None:
    projected = project(snapshot, USER_ONLY)
    _assert_no_operator_data(json.loads(projected.to_json()))
    assert all(item.provenance is Provenance.TRUSTED for item in _items(projected))


@given(snapshots())
def test_user_only_and_operator_only_admit_no_untrusted_or_unclassified_item(
    snapshot: TelemetrySnapshot,
) -> None:
    for audience in (USER_ONLY, OPERATOR_ONLY):
        projected = project(snapshot, audience)
        for point in projected.data_points:
            assert Scope.UNCLASSIFIED is not classify(point.name, point.provenance)
        assert all(item.provenance is Provenance.TRUSTED for item in _items(projected))


@given(snapshots())
def test_off_is_an_empty_shell_with_the_original_timestamp(snapshot: TelemetrySnapshot) -> None:
    projected = project(snapshot, OFF)
    assert project(TelemetrySnapshot(timestamp_ms=snapshot.timestamp_ms), OFF) == projected
    _assert_no_operator_data(projected.to_dict())
    assert UserSummary() == projected.user_summary


@given(snapshots())
def test_on_is_the_identity(snapshot: TelemetrySnapshot) -> None:
    projected = project(snapshot, ON)
    assert snapshot.data_points == projected.data_points
    assert snapshot.definitions == projected.definitions
    assert snapshot.spans == projected.spans
    assert snapshot.user_summary == projected.user_summary
    assert snapshot.operator_summary == projected.operator_summary


@given(snapshots(), audiences, audiences)
def test_projecting_twice_equals_projecting_once_with_the_intersection(
    snapshot: TelemetrySnapshot, first: TelemetryAudience, second: TelemetryAudience
) -> None:
    assert project(snapshot, first.intersect(second)) == project(project(snapshot, first), second)


@given(snapshots(), audiences)
def test_projection_is_idempotent(snapshot: TelemetrySnapshot, audience: TelemetryAudience) -> None:
    once = project(snapshot, audience)
    assert once == project(once, audience)


@given(snapshots())
def test_restricted_projections_only_hold_items_of_the_on_projection(
    snapshot: TelemetrySnapshot,
) -> None:
    everything = _items(project(snapshot, ON))
    for audience in (USER_ONLY, OPERATOR_ONLY):
        for item in _items(project(snapshot, audience)):
            assert item in everything


@given(snapshots(), audiences)
def test_projected_items_are_admitted_by_their_audience(
    snapshot: TelemetrySnapshot, audience: TelemetryAudience
) -> None:
    projected = project(snapshot, audience)
    for point in projected.data_points:
        assert admits(audience, classify(point.name, point.provenance))


def test_all_sixteen_audience_pairs_intersect_by_scope() -> None:
    for a in TelemetryAudience:
        for b in TelemetryAudience:
            both = a.intersect(b)
            assert both.user_enabled == (a.user_enabled and b.user_enabled)
            assert both.operator_enabled == (a.operator_enabled and b.operator_enabled)


def _point(name: str, value: float = 1.0, **labels: str) -> MetricDataPoint:
    return MetricDataPoint(name=name, value=value, labels=labels, timestamp_ms=1)


def test_an_untrusted_point_named_like_a_user_metric_is_dropped_but_the_trusted_one_kept() -> None:
    trusted = _point("chaffra.analysis.findings_total", 2.0, module="dead-code")
    spoofed = attrs.evolve(trusted, value=99.0, provenance=Provenance.UNTRUSTED)
    snapshot = TelemetrySnapshot(timestamp_ms=1, data_points=(trusted, spoofed))
    assert (trusted,) == project(snapshot, USER_ONLY).data_points
    assert (trusted, spoofed) == project(snapshot, ON).data_points


def test_user_only_prunes_modules_that_only_disclose_they_ran() -> None:
    summary = UserSummary(
        findings_by_module={"dead-code": 2, "complexity": 0},
        module_summaries={
            "dead-code": ModuleSummary(duration_ms=30, finding_count=2),
            "complexity": ModuleSummary(duration_ms=10, metrics={"health_score": 80.0}),
            "security": ModuleSummary(duration_ms=50),
        },
    )
    snapshot = TelemetrySnapshot(
        timestamp_ms=1,
        data_points=(
            _point("chaffra.analysis.findings_total", 0.0, module="security"),
            _point("chaffra.analysis.findings_total", 2.0, module="dead-code"),
        ),
        user_summary=summary,
    )
    projected = project(snapshot, USER_ONLY)
    assert {"dead-code": 2} == dict(projected.user_summary.findings_by_module)
    assert {
        "dead-code": ModuleSummary(duration_ms=0, finding_count=2),
        "complexity": ModuleSummary(duration_ms=0, metrics={"health_score": 80.0}),
    } == dict(projected.user_summary.module_summaries)
    assert [2.0] == [p.value for p in projected.data_points]


def test_operator_only_keeps_trusted_spans_and_operator_summary_but_empties_user_summary() -> None:
    trusted = SpanData(name="a", trace_id="t", span_id="1", start_time_ms=1, end_time_ms=2)
    untrusted = attrs.evolve(trusted, name="b", provenance=Provenance.UNTRUSTED)
    operator = OperatorSummary(module_call_durations={"x": 4}, module_error_counts={"x": 1})
    snapshot = TelemetrySnapshot(
        timestamp_ms=1,
        spans=(trusted, untrusted),
        user_summary=UserSummary(files_total=3),
        operator_summary=operator,
    )
    projected = project(snapshot, OPERATOR_ONLY)
    assert (trusted,) == projected.spans
    assert operator == projected.operator_summary
    assert UserSummary() == projected.user_summary


def test_every_summary_field_has_a_privacy_decision() -> None:
    """Field audit: adding a summary field fails here until it is classified."""
    fields = {f"UserSummary.{f.name}" for f in attrs.fields(UserSummary)} | {
        f"ModuleSummary.{f.name}" for f in attrs.fields(ModuleSummary)
    }
    assert fields == set(USER_SUMMARY_FIELDS)


def test_a_raw_snapshot_is_refused_at_every_output_boundary() -> None:
    with pytest.raises(TypeError, match="only a ProjectedSnapshot"):
        require_projected(TelemetrySnapshot(timestamp_ms=1))


def test_projected_snapshots_cannot_be_built_altered_or_pickled() -> None:
    projected = project(TelemetrySnapshot(timestamp_ms=1), ON)
    with pytest.raises(TypeError, match="made only by project"):
        ProjectedSnapshot(object(), TelemetrySnapshot(timestamp_ms=1), ON)
    with pytest.raises(AttributeError, match="read-only"):
        projected._audience = OFF
    with pytest.raises(AttributeError, match="read-only"):
        del projected._audience
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(projected)
    assert copy.copy(projected) is projected
    assert copy.deepcopy(projected) is projected


def test_projection_rejects_wrong_types() -> None:
    with pytest.raises(TypeError, match="TelemetryAudience"):
        project(TelemetrySnapshot(timestamp_ms=1), "on")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="cannot project a dict"):
        project({}, ON)  # type: ignore[arg-type]


def test_projected_snapshot_compares_by_audience_and_content() -> None:
    snapshot = TelemetrySnapshot(timestamp_ms=1)
    assert project(snapshot, ON) != project(snapshot, USER_ONLY)
    assert project(snapshot, ON) != snapshot
    assert "audience='on'" in repr(project(snapshot, ON))
