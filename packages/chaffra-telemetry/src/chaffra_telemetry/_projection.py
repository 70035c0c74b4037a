"""Audience projection: the only way telemetry data leaves the process.

``project(snapshot, audience)`` returns a :class:`ProjectedSnapshot`, the one
type every output path accepts. Projection composes as an intersection:
projecting a projected snapshot again admits only what both audiences admit.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, NoReturn

import attrs

from chaffra_telemetry._audience import TelemetryAudience
from chaffra_telemetry._catalog import (
    ANALYSIS_FINDINGS_BY_SEVERITY,
    ANALYSIS_FINDINGS_TOTAL,
    Scope,
    classify,
)
from chaffra_telemetry._metrics import MetricDataPoint, MetricDefinition, Provenance, SpanData
from chaffra_telemetry._snapshot import (
    OperatorSummary,
    TelemetrySnapshot,
    UserSummary,
)

__all__ = [
    "USER_SUMMARY_FIELDS",
    "ProjectedSnapshot",
    "admits",
    "project",
    "require_projected",
    "span_scope",
]

_TOKEN = object()

# Field audit: every summary field is classified here, and a test fails when a
# field is added without a decision. "user" fields are kept under user-only;
# "operator-derived" fields are zeroed there.
USER_SUMMARY_FIELDS: Mapping[str, str] = {
    "UserSummary.analysis_duration_ms": "user",
    "UserSummary.files_total": "user",
    "UserSummary.findings_by_severity": "user",
    "UserSummary.findings_by_module": "user (zero counts pruned)",
    "UserSummary.module_summaries": "user (payload-empty entries pruned)",
    "ModuleSummary.duration_ms": "operator-derived",
    "ModuleSummary.finding_count": "user",
    "ModuleSummary.metrics": "user",
}

_ZERO_COUNT_POINTS = frozenset({ANALYSIS_FINDINGS_TOTAL, ANALYSIS_FINDINGS_BY_SEVERITY})


class ProjectedSnapshot:
    """A snapshot already reduced to what one audience may see. Read-only.

    Made only by :func:`project`; there is deliberately no way to build one
    from JSON, a dict or a pickle.
    """

    __slots__ = ("_audience", "_snapshot")

    _audience: TelemetryAudience
    _snapshot: TelemetrySnapshot

    def __init__(
        self, token: object, snapshot: TelemetrySnapshot, audience: TelemetryAudience
    ) -> None:
        if token is not _TOKEN:
            raise TypeError("a ProjectedSnapshot is made only by project(snapshot, audience)")
        object.__setattr__(self, "_snapshot", snapshot)
        object.__setattr__(self, "_audience", audience)

    def __setattr__(self, name: str, value: object) -> NoReturn:
        raise AttributeError("ProjectedSnapshot is read-only")

    def __delattr__(self, name: str) -> NoReturn:
        raise AttributeError("ProjectedSnapshot is read-only")

    def __reduce_ex__(self, protocol: object) -> NoReturn:
        raise TypeError("a ProjectedSnapshot cannot be pickled; serialize it with to_dict()")

    def __copy__(self) -> ProjectedSnapshot:
        return self

    def __deepcopy__(self, memo: object) -> ProjectedSnapshot:
        return self

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, ProjectedSnapshot):
            return NotImplemented
        return self._audience is other._audience and self._snapshot == other._snapshot

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"ProjectedSnapshot(audience={self._audience.value!r}, "
            f"timestamp_ms={self.timestamp_ms}, data_points={len(self.data_points)})"
        )

    @property
    def audience(self) -> TelemetryAudience:
        """The audience this snapshot was projected for."""
        return self._audience

    @property
    def timestamp_ms(self) -> int:
        """When the underlying snapshot was taken (Unix ms)."""
        return self._snapshot.timestamp_ms

    @property
    def definitions(self) -> Mapping[str, MetricDefinition]:
        """Admitted metric definitions by name."""
        return self._snapshot.definitions

    @property
    def data_points(self) -> tuple[MetricDataPoint, ...]:
        """Admitted data points in recording order."""
        return self._snapshot.data_points

    @property
    def spans(self) -> tuple[SpanData, ...]:
        """Admitted spans in recording order."""
        return self._snapshot.spans

    @property
    def user_summary(self) -> UserSummary:
        """The user summary (emptied when the user scope is withheld)."""
        return self._snapshot.user_summary

    @property
    def operator_summary(self) -> OperatorSummary:
        """The operator summary (emptied when the operator scope is withheld)."""
        return self._snapshot.operator_summary

    def to_dict(self) -> dict[str, Any]:
        """The JSON document: the snapshot's fields, then ``audience``."""
        from chaffra_telemetry._converter import CONVERTER

        document: dict[str, Any] = CONVERTER.unstructure(self._snapshot, TelemetrySnapshot)
        document["audience"] = self._audience.value
        return document

    def to_json(self, *, indent: int | None = 2) -> str:
        """Strict JSON (non-finite numbers become ``null``)."""
        from chaffra_telemetry._converter import dumps

        return dumps(self.to_dict(), indent=indent)


def require_projected(value: object) -> ProjectedSnapshot:
    """Guard for output boundaries: accept only a projected snapshot.

    Raises:
        TypeError: for anything else, in particular a raw ``TelemetrySnapshot``.
    """
    if isinstance(value, ProjectedSnapshot):
        return value
    raise TypeError(
        f"telemetry output accepts only a ProjectedSnapshot, got {type(value).__name__}; "
        "call project(snapshot, audience) first"
    )


def project(
    snapshot: TelemetrySnapshot | ProjectedSnapshot, audience: TelemetryAudience
) -> ProjectedSnapshot:
    """Reduce ``snapshot`` to what ``audience`` may see.

    A projected snapshot may be projected again: the result is the projection
    for the intersection of both audiences.

    Raises:
        TypeError: if ``snapshot`` or ``audience`` has the wrong type.
    """
    if not isinstance(audience, TelemetryAudience):
        raise TypeError(f"audience must be a TelemetryAudience, got {type(audience).__name__}")
    if isinstance(snapshot, ProjectedSnapshot):
        effective = snapshot.audience.intersect(audience)
        if effective is snapshot.audience:
            return snapshot  # projection is idempotent: nothing more to remove
        base = snapshot._snapshot
    elif isinstance(snapshot, TelemetrySnapshot):
        effective, base = audience, snapshot
    else:
        raise TypeError(f"cannot project a {type(snapshot).__name__}")
    return ProjectedSnapshot(_TOKEN, _project(base, effective), effective)


def admits(audience: TelemetryAudience, scope: Scope) -> bool:
    """Whether ``audience`` may see an item of ``scope`` (unclassified needs both scopes)."""
    if scope is Scope.USER:
        return audience.user_enabled
    if scope is Scope.OPERATOR:
        return audience.operator_enabled
    return audience is TelemetryAudience.ON


def span_scope(span: SpanData) -> Scope:
    """Trusted spans are operator data; untrusted ones are unclassified."""
    return Scope.OPERATOR if span.provenance is Provenance.TRUSTED else Scope.UNCLASSIFIED


def _project(snapshot: TelemetrySnapshot, audience: TelemetryAudience) -> TelemetrySnapshot:
    if audience is TelemetryAudience.ON:
        return snapshot
    if audience is TelemetryAudience.OFF:
        return TelemetrySnapshot(timestamp_ms=snapshot.timestamp_ms)
    scrub = audience.user_enabled and not audience.operator_enabled
    points = tuple(
        p
        for p in snapshot.data_points
        if admits(audience, classify(p.name, p.provenance))
        and not (scrub and p.name in _ZERO_COUNT_POINTS and p.value == 0)
    )
    return TelemetrySnapshot(
        timestamp_ms=snapshot.timestamp_ms,
        definitions={
            name: d
            for name, d in snapshot.definitions.items()
            if admits(audience, classify(d.name, d.provenance))
        },
        data_points=points,
        spans=tuple(s for s in snapshot.spans if admits(audience, span_scope(s))),
        user_summary=_scrub_user(snapshot.user_summary) if scrub else UserSummary(),
        operator_summary=(
            snapshot.operator_summary if audience.operator_enabled else OperatorSummary()
        ),
    )


def _scrub_user(summary: UserSummary) -> UserSummary:
    """Remove operator-derived values and anything disclosing which modules merely ran."""
    modules = {
        module: attrs.evolve(entry, duration_ms=0)
        for module, entry in summary.module_summaries.items()
        if entry.finding_count or entry.metrics
    }
    return attrs.evolve(
        summary,
        findings_by_module={m: n for m, n in summary.findings_by_module.items() if n},
        module_summaries=modules,
    )
