"""Encoding projected snapshots for persistence, provenance included.

The public JSON of a snapshot never carries provenance. A store, however, must
re-project an entry for each reader, and an untrusted item captured under
``on`` must stay untrusted after a round trip, or a plugin's metric named like
a user metric would cross ``user-only`` once reloaded. So the store keeps the
positions of untrusted items beside the payload, and decoding goes through
:func:`project` again with the captured audience: nothing read back can hold
more than that audience admitted.
"""

from __future__ import annotations

import json
from typing import Any

import attrs

from chaffra_telemetry._audience import TelemetryAudience
from chaffra_telemetry._converter import CONVERTER, dumps
from chaffra_telemetry._metrics import Provenance
from chaffra_telemetry._projection import ProjectedSnapshot, project
from chaffra_telemetry._snapshot import TelemetrySnapshot
from chaffra_telemetry.errors import TelemetrySerializationError

__all__ = ["EncodedSnapshot", "decode_snapshot", "encode_snapshot"]


@attrs.frozen(kw_only=True)
class EncodedSnapshot:
    """What a store persists for one snapshot."""

    timestamp_ms: int
    audience: str
    payload: str
    untrusted: str


def encode_snapshot(snapshot: ProjectedSnapshot) -> EncodedSnapshot:
    """Encode a projected snapshot and the positions of its untrusted items."""
    document = snapshot.to_dict()
    del document["audience"]
    untrusted = {
        "data_points": [
            i for i, p in enumerate(snapshot.data_points) if p.provenance is Provenance.UNTRUSTED
        ],
        "spans": [i for i, s in enumerate(snapshot.spans) if s.provenance is Provenance.UNTRUSTED],
        "definitions": sorted(
            n for n, d in snapshot.definitions.items() if d.provenance is Provenance.UNTRUSTED
        ),
    }
    return EncodedSnapshot(
        timestamp_ms=snapshot.timestamp_ms,
        audience=snapshot.audience.value,
        payload=dumps(document),
        untrusted=dumps(untrusted) if any(untrusted.values()) else "",
    )


def decode_snapshot(encoded: EncodedSnapshot) -> ProjectedSnapshot:
    """Rebuild a projected snapshot, re-projected for the audience it was captured under.

    Raises:
        TelemetrySerializationError: the payload or the audience is malformed.
    """
    try:
        audience = TelemetryAudience(encoded.audience)
        snapshot = CONVERTER.structure(json.loads(encoded.payload), TelemetrySnapshot)
        if encoded.untrusted:
            snapshot = _mark_untrusted(snapshot, json.loads(encoded.untrusted))
    except Exception as error:  # JSON, lookup and cattrs (exception group) errors alike
        raise TelemetrySerializationError(f"stored snapshot is malformed: {error}") from error
    return project(snapshot, audience)


def _mark_untrusted(snapshot: TelemetrySnapshot, positions: dict[str, Any]) -> TelemetrySnapshot:
    untrusted = Provenance.UNTRUSTED
    points = list(snapshot.data_points)
    for i in positions["data_points"]:
        points[i] = attrs.evolve(points[i], provenance=untrusted)
    spans = list(snapshot.spans)
    for i in positions["spans"]:
        spans[i] = attrs.evolve(spans[i], provenance=untrusted)
    definitions = dict(snapshot.definitions)
    for name in positions["definitions"]:
        definitions[name] = attrs.evolve(definitions[name], provenance=untrusted)
    return attrs.evolve(
        snapshot, data_points=tuple(points), spans=tuple(spans), definitions=definitions
    )
