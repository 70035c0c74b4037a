"""The immutable view of a collector at one instant, and its summaries."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs

from chaffra_telemetry._metrics import MetricDataPoint, MetricDefinition, SpanData

__all__ = [
    "ModuleSummary",
    "OperatorSummary",
    "TelemetrySnapshot",
    "UserSummary",
    "freeze",
]


def freeze(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    """A read-only copy of ``mapping``."""
    if isinstance(mapping, MappingProxyType):
        return mapping
    return MappingProxyType(dict(mapping))


def _empty() -> Mapping[str, Any]:
    return MappingProxyType({})


@attrs.frozen(kw_only=True)
class ModuleSummary:
    """What one module did in a run. ``duration_ms`` is operator-derived."""

    duration_ms: int = 0
    finding_count: int = 0
    metrics: Mapping[str, float] = attrs.field(factory=_empty, converter=freeze)


@attrs.frozen(kw_only=True)
class UserSummary:
    """The run as the user sees it."""

    analysis_duration_ms: int = 0
    files_total: int = 0
    findings_by_severity: Mapping[str, int] = attrs.field(factory=_empty, converter=freeze)
    findings_by_module: Mapping[str, int] = attrs.field(factory=_empty, converter=freeze)
    module_summaries: Mapping[str, ModuleSummary] = attrs.field(factory=_empty, converter=freeze)


@attrs.frozen(kw_only=True)
class OperatorSummary:
    """The run as the operator of the tool sees it."""

    module_call_durations: Mapping[str, int] = attrs.field(factory=_empty, converter=freeze)
    module_error_counts: Mapping[str, int] = attrs.field(factory=_empty, converter=freeze)


@attrs.frozen(kw_only=True)
class TelemetrySnapshot:
    """Everything a collector held at ``timestamp_ms``.

    A raw snapshot never leaves the process: every output accepts only a
    :class:`~chaffra_telemetry.ProjectedSnapshot` made by ``project``.
    """

    timestamp_ms: int
    definitions: Mapping[str, MetricDefinition] = attrs.field(factory=_empty, converter=freeze)
    data_points: tuple[MetricDataPoint, ...] = ()
    spans: tuple[SpanData, ...] = ()
    user_summary: UserSummary = attrs.Factory(UserSummary)
    operator_summary: OperatorSummary = attrs.Factory(OperatorSummary)
