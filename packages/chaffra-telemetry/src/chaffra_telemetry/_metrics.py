"""The metric model: definitions, data points and spans, each tagged with its provenance."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from types import MappingProxyType

import attrs

from chaffra_telemetry._compat import StrEnum

__all__ = [
    "MetricDataPoint",
    "MetricDefinition",
    "MetricKind",
    "Provenance",
    "SpanData",
    "freeze_mapping",
]


class MetricKind(StrEnum):
    """What a metric measures; the values are the JSON spellings."""

    COUNTER = "counter"
    GAUGE = "gauge"
    HISTOGRAM = "histogram"

    @classmethod
    def from_wire(cls, code: int) -> MetricKind:
        """Decode the numeric kind used by out-of-process modules (1, 2, 3).

        Raises:
            ValueError: for any other code (the original silently made it a counter).
        """
        try:
            return _WIRE_KINDS[code]
        except (KeyError, TypeError):
            raise ValueError(f"unknown metric kind code: {code!r} (expected 1, 2 or 3)") from None


_WIRE_KINDS = {1: MetricKind.COUNTER, 2: MetricKind.GAUGE, 3: MetricKind.HISTOGRAM}


class Provenance(enum.Enum):
    """Where an item came from. Never serialized: it would disclose which plugin names were seen."""

    TRUSTED = "trusted"
    UNTRUSTED = "untrusted"


def freeze_mapping(mapping: Mapping[str, str]) -> Mapping[str, str]:
    """A read-only copy of ``mapping`` (already-frozen mappings are kept as they are)."""
    if isinstance(mapping, MappingProxyType):
        return mapping
    return MappingProxyType(dict(mapping))


_EMPTY: Mapping[str, str] = MappingProxyType({})


@attrs.frozen(kw_only=True)
class MetricDefinition:
    """Metadata of a metric. Recording a point never requires a definition."""

    name: str
    kind: MetricKind
    description: str
    unit: str
    provenance: Provenance = Provenance.TRUSTED


@attrs.frozen(kw_only=True)
class MetricDataPoint:
    """One recorded value. ``labels`` is read-only."""

    name: str
    value: float
    labels: Mapping[str, str] = attrs.field(default=_EMPTY, converter=freeze_mapping)
    timestamp_ms: int
    provenance: Provenance = Provenance.TRUSTED


@attrs.frozen(kw_only=True)
class SpanData:
    """A timed operation reported by a module. Spans are operator data."""

    name: str
    trace_id: str
    span_id: str
    parent_span_id: str = ""
    start_time_ms: int
    end_time_ms: int
    attributes: Mapping[str, str] = attrs.field(default=_EMPTY, converter=freeze_mapping)
    status: str = "unset"
    provenance: Provenance = Provenance.TRUSTED

    @property
    def duration_ms(self) -> int:
        """Elapsed time, never negative."""
        return max(0, self.end_time_ms - self.start_time_ms)
