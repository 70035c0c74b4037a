"""Persisted snapshots keep their audience and the provenance of every item."""

from __future__ import annotations

import attrs
import pytest
from hypothesis import given

from chaffra_telemetry import (
    MetricDataPoint,
    MetricDefinition,
    MetricKind,
    SpanData,
    TelemetryAudience,
    TelemetrySnapshot,
    project,
)
from chaffra_telemetry._metrics import Provenance
from chaffra_telemetry._snapshot_codec import EncodedSnapshot, decode_snapshot, encode_snapshot
from chaffra_telemetry.errors import TelemetrySerializationError
from chaffra_telemetry.testing.strategies import audiences, snapshots

UNTRUSTED = Provenance.UNTRUSTED


@given(snapshots(), audiences)
def test_a_projected_snapshot_survives_encoding_exactly(
    snapshot: TelemetrySnapshot, audience: TelemetryAudience
) -> None:
    projected = project(snapshot, audience)
    assert projected == decode_snapshot(encode_snapshot(projected))


def test_untrusted_items_stay_untrusted_and_never_reach_user_only_after_reload() -> None:
    spoof = MetricDataPoint(
        name="chaffra.analysis.findings_total", value=9.0, timestamp_ms=1, provenance=UNTRUSTED
    )
    span = SpanData(
        name="p", trace_id="t", span_id="s", start_time_ms=0, end_time_ms=1, provenance=UNTRUSTED
    )
    definition = MetricDefinition(
        name="chaffra.findings.new",
        kind=MetricKind.GAUGE,
        description="spoof",
        unit="",
        provenance=UNTRUSTED,
    )
    snapshot = TelemetrySnapshot(
        timestamp_ms=1,
        data_points=(spoof,),
        spans=(span,),
        definitions={definition.name: definition},
    )
    reloaded = decode_snapshot(encode_snapshot(project(snapshot, TelemetryAudience.ON)))
    assert (UNTRUSTED, UNTRUSTED, UNTRUSTED) == (
        reloaded.data_points[0].provenance,
        reloaded.spans[0].provenance,
        reloaded.definitions["chaffra.findings.new"].provenance,
    )
    user_view = project(reloaded, TelemetryAudience.USER_ONLY)
    assert ((), (), {}) == (user_view.data_points, user_view.spans, dict(user_view.definitions))


def test_a_trusted_only_snapshot_stores_no_provenance_column() -> None:
    point = MetricDataPoint(name="chaffra.health.score", value=80.0, timestamp_ms=1)
    encoded = encode_snapshot(
        project(TelemetrySnapshot(timestamp_ms=1, data_points=(point,)), TelemetryAudience.ON)
    )
    assert ("", "on") == (encoded.untrusted, encoded.audience)


@pytest.mark.parametrize(
    ("audience", "payload", "untrusted"),
    [
        ("sideways", '{"timestamp_ms": 1}', ""),
        ("on", "{not json", ""),
        ("on", '{"timestamp_ms": "soon"}', ""),
        ("on", '{"timestamp_ms": 1}', '{"data_points": [3], "spans": [], "definitions": []}'),
    ],
)
def test_malformed_stored_snapshots_are_reported_not_guessed(
    audience: str, payload: str, untrusted: str
) -> None:
    encoded = EncodedSnapshot(
        timestamp_ms=1, audience=audience, payload=payload, untrusted=untrusted
    )
    with pytest.raises(TelemetrySerializationError, match="stored snapshot is malformed"):
        decode_snapshot(encoded)


def test_the_captured_audience_bounds_what_a_tampered_row_can_hold() -> None:
    point = MetricDataPoint(name="chaffra.module.call_duration_ms", value=5.0, timestamp_ms=1)
    encoded = encode_snapshot(
        project(TelemetrySnapshot(timestamp_ms=1, data_points=(point,)), TelemetryAudience.ON)
    )
    tampered = attrs.evolve(encoded, audience="user-only")
    assert () == decode_snapshot(tampered).data_points
