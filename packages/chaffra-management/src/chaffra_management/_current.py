"""Current-value endpoints: read → project → aggregate → serialize, one snapshot per request.

Each handler reads the live state once (``current(audience=...)`` returns the
newest snapshot already projected for the app's audience) and derives its
answer from that projected snapshot only. Handlers are plain functions:
Starlette runs them in a worker thread, so a blocking store read never
stalls the event loop.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, cast

from starlette.requests import Request
from starlette.responses import Response

from chaffra_management._badge import badge_svg
from chaffra_management._context import AppContext
from chaffra_management._report_api import ReportHandlers
from chaffra_management._serialize import ApiResponse, data_point_entry, sorted_counts
from chaffra_telemetry import ProjectedSnapshot, TelemetryAudience, to_display
from chaffra_telemetry.catalog import (
    FINDINGS_CHURN_RATE,
    FINDINGS_NEW,
    FINDINGS_RESOLVED,
    FINDINGS_UNCHANGED,
    HEALTH_SCORE_KEY,
    STORE_UNREADABLE_SNAPSHOTS,
    health_grade,
    summary_key,
)

__all__ = ["CurrentHandlers", "grade"]

_CHURN_NAMES = {
    FINDINGS_NEW: "new_count",
    FINDINGS_RESOLVED: "resolved_count",
    FINDINGS_UNCHANGED: "unchanged_count",
}
_CHURN_POINTS = frozenset({*_CHURN_NAMES, FINDINGS_CHURN_RATE})
_CAPABILITIES = ("analyze", "explain")
NO_GRADE = "\u2014"


def grade(score: float | None) -> str:
    """``A``..``F`` for a score, the em dash for none."""
    if score is None:
        return NO_GRADE
    return health_grade(score)


def _count(value: float) -> int:
    """A point value as a count: truncated toward zero, at least 0, NaN as 0."""
    return int(value) if math.isfinite(value) and value > 0 else 0


def _timestamp(snapshot: ProjectedSnapshot | None) -> int | None:
    return None if snapshot is None else snapshot.timestamp_ms


class CurrentHandlers:
    """The handlers of ``/metrics``, ``/modules``, ``/findings/*``, ``/health``, ``/config``.

    ``/health`` and ``/badge.svg`` take the newest run report's health when the
    audience may see one (``reports``).
    """

    def __init__(self, context: AppContext, reports: ReportHandlers) -> None:
        self._context = context
        self._reports = reports

    def _current(self) -> ProjectedSnapshot | None:
        context = self._context
        return context.live_state.current(audience=context.audience)

    def metrics(self, request: Request) -> ApiResponse:
        """Files, duration and data points of the current snapshot; backends for operators.

        Operators also get ``chaffra.store.unreadable_snapshots``: rows of the
        store that could not be decoded and are left out of every answer.
        """
        snapshot = self._current()
        body: dict[str, Any] = {
            "files_total": 0,
            "analysis_duration_ms": 0,
            "data_points": [],
            "backends": [],
            "snapshot_timestamp_ms": _timestamp(snapshot),
        }
        if snapshot is not None:
            body["files_total"] = snapshot.user_summary.files_total
            body["analysis_duration_ms"] = snapshot.user_summary.analysis_duration_ms
            body["data_points"] = [data_point_entry(p) for p in snapshot.data_points]
        if self._context.audience.operator_enabled:
            unreadable = self._context.live_state.status().unreadable
            body["data_points"].append(
                {"name": STORE_UNREADABLE_SNAPSHOTS, "value": unreadable, "labels": {}}
            )
            body["backends"] = [
                {"name": s.name, "kind": s.kind, "connected": s.connected, "message": s.message}
                for s in self._context.backend_statuses.statuses()
            ]
        return ApiResponse(body)

    def modules(self, request: Request) -> ApiResponse:
        """One row per module the projected snapshot describes, sorted by id."""
        snapshot = self._current()
        rows: list[dict[str, Any]] = []
        if snapshot is not None:
            rows = _module_rows(snapshot, self._context.audience)
        return ApiResponse({"modules": rows, "snapshot_timestamp_ms": _timestamp(snapshot)})

    def findings_summary(self, request: Request) -> ApiResponse:
        """Finding totals by module and severity from the projected user summary."""
        snapshot = self._current()
        by_module: dict[str, int] = {}
        by_severity: dict[str, int] = {}
        if snapshot is not None:
            by_module = sorted_counts(snapshot.user_summary.findings_by_module)
            by_severity = sorted_counts(snapshot.user_summary.findings_by_severity)
        return ApiResponse(
            {
                "total": sum(by_module.values()),
                "by_module": by_module,
                "by_severity": by_severity,
                "snapshot_timestamp_ms": _timestamp(snapshot),
            }
        )

    def findings_churn(self, request: Request) -> ApiResponse:
        """New, resolved and unchanged finding counts, the churn rate, and ``compared``.

        ``compared`` tells a run that compared its findings with the previous
        one (its counts may well be 0) from one that compared nothing (a
        ``chaffra health`` run, a first run, no run, or an audience without the
        user scope): then every count is 0 and means "no comparison".
        """
        snapshot = self._current()
        body: dict[str, Any] = dict.fromkeys(_CHURN_NAMES.values(), 0)
        body["churn_rate"] = 0.0
        seen: set[str] = set()
        for point in () if snapshot is None else snapshot.data_points:
            if point.name in seen:
                continue
            seen.add(point.name)
            if point.name in _CHURN_NAMES:
                body[_CHURN_NAMES[point.name]] = _count(point.value)
            elif point.name == FINDINGS_CHURN_RATE:
                body["churn_rate"] = point.value if math.isfinite(point.value) else 0.0
        body["compared"] = not seen.isdisjoint(_CHURN_POINTS)
        body["snapshot_timestamp_ms"] = _timestamp(snapshot)
        return ApiResponse(body)

    def health_body(self) -> dict[str, Any]:
        """The newest visible run report's health; without one, the mean of the module scores.

        The mean is of the finite per-module health scores of the projected
        snapshot (seeded data, or a store without reports).
        """
        snapshot = self._current()
        scores = [
            p.value
            for p in (() if snapshot is None else snapshot.data_points)
            if summary_key(p.name) == HEALTH_SCORE_KEY and math.isfinite(p.value)
        ]
        score = math.fsum(scores) / len(scores) if scores else None
        body: dict[str, Any] = {
            "score": score,
            "grade": grade(score),
            "files": [],
            "contributors": [],
            "model": 0,
            "total_files": 0,
            "unscored_files": 0,
        }
        body.update(self._reports.health_rows() or {})
        body["snapshot_timestamp_ms"] = _timestamp(snapshot)
        return body

    def health(self, request: Request) -> ApiResponse:
        """Score, grade, worst files and top contributors (see :meth:`health_body`)."""
        return ApiResponse(self.health_body())

    def badge(self, request: Request) -> Response:
        """The health badge as an SVG image ("not graded" without a score)."""
        body = self.health_body()
        return Response(
            badge_svg(body["score"], body["grade"]),
            media_type="image/svg+xml",
            headers={"Cache-Control": "no-cache"},
        )

    def config(self, request: Request) -> ApiResponse:
        """Audience, and for operator audiences the sampling policy and backend kinds."""
        config = self._context.config
        shown = to_display(config, include_operator=config.audience.operator_enabled)
        backends = cast("list[Mapping[str, Any]]", shown.get("backends", []))
        return ApiResponse(
            {
                "audience": shown["audience"],
                "sampling_rate": shown.get("sampling_rate"),
                "sampling_strategy": shown.get("sampling_strategy"),
                "backends": [backend["kind"] for backend in backends],
            }
        )

    def status(self, request: Request) -> ApiResponse:
        """Source, audience, history size, newest timestamp and unreadable stored rows."""
        context = self._context
        if context.audience is TelemetryAudience.OFF:
            body: dict[str, Any] = {"source": "empty", "newest_timestamp_ms": None}
            count = unreadable = 0
        else:
            status = context.live_state.status()
            body = {
                "source": status.source.value,
                "newest_timestamp_ms": status.newest_timestamp_ms,
            }
            count, unreadable = status.snapshot_count, status.unreadable
        body["audience"] = context.audience.value
        body["snapshot_count"] = count
        body["unreadable_snapshots"] = unreadable
        body["anchor_ms"] = body["newest_timestamp_ms"]
        return ApiResponse(body)


def _module_rows(snapshot: ProjectedSnapshot, audience: TelemetryAudience) -> list[dict[str, Any]]:
    summaries = snapshot.user_summary.module_summaries
    durations = snapshot.operator_summary.module_call_durations
    errors = snapshot.operator_summary.module_error_counts
    ids = set(summaries)
    if audience.operator_enabled:
        # Under operator-only the user summary is empty: list the modules the
        # operator summary knows (Beyond 9); under ``on`` take the union.
        ids |= set(durations) | set(errors)
    rows = []
    for module in sorted(ids):
        summary = summaries.get(module)
        if summary is not None:
            finding_count: int | None = summary.finding_count
            duration = summary.duration_ms
        else:
            finding_count, duration = None, durations.get(module, 0)
        failed = audience.operator_enabled and errors.get(module, 0) > 0
        rows.append(
            {
                "id": module,
                "status": "error" if failed else "healthy",
                "finding_count": finding_count,
                "duration_ms": duration,
                "capabilities": list(_CAPABILITIES),
            }
        )
    return rows
