"""The JSON shape of snapshots and the cattrs round trip of every wire type."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chaffra_telemetry._audience import TelemetryAudience
from chaffra_telemetry._converter import CONVERTER, dumps, make_converter
from chaffra_telemetry._metrics import MetricDataPoint, MetricDefinition, MetricKind, SpanData
from chaffra_telemetry._projection import project
from chaffra_telemetry._snapshot import (
    ModuleSummary,
    OperatorSummary,
    TelemetrySnapshot,
    UserSummary,
)
from chaffra_telemetry.errors import TelemetrySerializationError
from chaffra_telemetry.testing.strategies import data_points, definitions, snapshots, spans

EXAMPLE = TelemetrySnapshot(
    timestamp_ms=1718003600000,
    definitions={
        "chaffra.findings.new": MetricDefinition(
            name="chaffra.findings.new",
            kind=MetricKind.COUNTER,
            description="Findings absent from the previous run",
            unit="count",
        )
    },
    data_points=(
        MetricDataPoint(
            name="chaffra.module.call_duration_ms",
            value=37,
            labels={"module": "dead-code"},
            timestamp_ms=1718003599950,
        ),
        MetricDataPoint(
            name="chaffra.analysis.findings_by_severity",
            value=2.0,
            labels={"severity": "warning", "module": "dead-code"},
            timestamp_ms=1718003599951,
        ),
    ),
    user_summary=UserSummary(
        analysis_duration_ms=41,
        files_total=12,
        findings_by_severity={"warning": 2},
        findings_by_module={"dead-code": 2},
        module_summaries={"dead-code": ModuleSummary(duration_ms=37, finding_count=2)},
    ),
    operator_summary=OperatorSummary(module_call_durations={"dead-code": 37}),
)


def test_the_on_payload_has_the_documented_shape() -> None:
    assert {
        "timestamp_ms": 1718003600000,
        "definitions": {
            "chaffra.findings.new": {
                "name": "chaffra.findings.new",
                "kind": "counter",
                "description": "Findings absent from the previous run",
                "unit": "count",
            }
        },
        "data_points": [
            {
                "name": "chaffra.module.call_duration_ms",
                "value": 37.0,
                "labels": {"module": "dead-code"},
                "timestamp_ms": 1718003599950,
            },
            {
                "name": "chaffra.analysis.findings_by_severity",
                "value": 2.0,
                "labels": {"module": "dead-code", "severity": "warning"},
                "timestamp_ms": 1718003599951,
            },
        ],
        "spans": [],
        "user_summary": {
            "analysis_duration_ms": 41,
            "files_total": 12,
            "findings_by_severity": {"warning": 2},
            "findings_by_module": {"dead-code": 2},
            "module_summaries": {
                "dead-code": {"duration_ms": 37, "finding_count": 2, "metrics": {}}
            },
        },
        "operator_summary": {"module_call_durations": {"dead-code": 37}, "module_error_counts": {}},
        "audience": "on",
    } == json.loads(project(EXAMPLE, TelemetryAudience.ON).to_json())


def test_struct_fields_keep_their_order_and_map_keys_are_sorted() -> None:
    text = project(EXAMPLE, TelemetryAudience.ON).to_json(indent=None)
    keys = list(json.loads(text))
    assert [
        "timestamp_ms",
        "definitions",
        "data_points",
        "spans",
        "user_summary",
        "operator_summary",
        "audience",
    ] == keys
    assert '"labels": {"module": "dead-code", "severity": "warning"}' in text
    assert '"value": 37.0' in text


def test_withheld_sections_keep_their_keys_with_empty_values() -> None:
    document = project(EXAMPLE, TelemetryAudience.OPERATOR_ONLY).to_dict()
    assert {
        "analysis_duration_ms": 0,
        "files_total": 0,
        "findings_by_severity": {},
        "findings_by_module": {},
        "module_summaries": {},
    } == document["user_summary"]


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf])
def test_non_finite_values_serialize_as_null(value: float) -> None:
    point = MetricDataPoint(name="chaffra.health.score", value=value, timestamp_ms=1)
    snapshot = TelemetrySnapshot(timestamp_ms=1, data_points=(point,))
    text = project(snapshot, TelemetryAudience.ON).to_json()
    assert "NaN" not in text
    assert "Infinity" not in text
    assert json.loads(text)["data_points"][0]["value"] is None


def test_null_values_load_back_as_nan() -> None:
    payload: dict[str, object] = {"name": "x", "value": None, "labels": {}, "timestamp_ms": 1}
    assert math.isnan(CONVERTER.structure(payload, MetricDataPoint).value)


@pytest.mark.parametrize("bad", [True, "1.0", [1]])
def test_values_that_are_not_numbers_do_not_load(bad: object) -> None:
    payload = {"name": "x", "value": bad, "labels": {}, "timestamp_ms": 1}
    with pytest.raises(Exception, match="MetricDataPoint"):
        CONVERTER.structure(payload, MetricDataPoint)


def test_provenance_is_never_serialized_nor_read() -> None:
    text = project(EXAMPLE, TelemetryAudience.ON).to_json()
    assert "provenance" not in text
    payload = {"name": "x", "value": 1.0, "labels": {}, "timestamp_ms": 1, "provenance": "x"}
    with pytest.raises(Exception, match="MetricDataPoint"):
        CONVERTER.structure(payload, MetricDataPoint)


def test_dumps_reports_unserializable_documents() -> None:
    with pytest.raises(TelemetrySerializationError, match="serialization error"):
        dumps({"x": object()})


def _round_trip(value: Any, cls: type[Any]) -> Any:
    converter = make_converter()
    return converter.structure(json.loads(json.dumps(converter.unstructure(value, cls))), cls)


@given(snapshots())
def test_snapshots_round_trip_through_json(snapshot: TelemetrySnapshot) -> None:
    loaded = _round_trip(snapshot, TelemetrySnapshot)
    # Provenance is not serialized: a loaded snapshot is trusted, so compare the wire forms.
    assert CONVERTER.unstructure(snapshot, TelemetrySnapshot) == CONVERTER.unstructure(
        loaded, TelemetrySnapshot
    )


@given(st.one_of(data_points, definitions, spans))
def test_metric_wire_types_round_trip(item: MetricDataPoint | MetricDefinition | SpanData) -> None:
    cls = type(item)
    loaded = _round_trip(item, cls)
    assert CONVERTER.unstructure(item, cls) == CONVERTER.unstructure(loaded, cls)


@given(st.builds(ModuleSummary), st.builds(OperatorSummary))
def test_summaries_round_trip(module: ModuleSummary, operator: OperatorSummary) -> None:
    assert module == _round_trip(module, ModuleSummary)
    assert operator == _round_trip(operator, OperatorSummary)
