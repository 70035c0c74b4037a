"""``/metrics/history``: query validation, then read → project → filter → serialize.

The query is validated completely before the live state is read; every bad
request is a 400 with the same JSON shape as a good one plus the offending
``parameter`` and its ``allowed`` values. Projection happens inside
``LiveTelemetryState.history`` before its filters run, so a filter can never
act as an oracle for data the audience may not see.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from starlette.requests import Request

from chaffra_management._context import AppContext
from chaffra_management._serialize import ApiResponse, snapshot_documents
from chaffra_telemetry import WINDOWS, StateSource, TelemetryAudience

__all__ = [
    "DEFAULT_WINDOW",
    "EMPTY_MESSAGE",
    "MAX_LIMIT",
    "HistoryHandler",
    "HistoryQuery",
    "QueryError",
    "parse_query",
]

DEFAULT_WINDOW = "7d"
MAX_LIMIT = 1000
FIELDS = ("full", "summary")
_FILTERS = ("module", "severity", "metric")
KNOWN_PARAMETERS = ("window", *_FILTERS, "limit", "fields")
_ECHO_LIMIT = 64

EMPTY_MESSAGE = (
    "No telemetry data yet. Run `chaffra health .` on a project, "
    "or start this server with --seeded for demo data."
)
OFF_MESSAGE = "Telemetry audience is off; no data is served."
NO_MATCH_MESSAGE = "No snapshots match the applied filter within the {window} window."
SOURCE_MESSAGES = {
    StateSource.LIVE: "Live telemetry from analysis runs.",
    StateSource.SEEDED: (
        "Seeded demo data. Run `chaffra management --path <dir>` to serve live analysis data."
    ),
}
_ALLOWED_WINDOWS = ", ".join(WINDOWS)
_ALLOWED = {
    "window": f"one of {_ALLOWED_WINDOWS}, at most once",
    "module": "a non-empty string, at most once",
    "severity": "a non-empty string, at most once",
    "metric": "a non-empty string, at most once",
    "limit": f"an integer from 1 to {MAX_LIMIT}, at most once",
    "fields": f"one of {', '.join(FIELDS)}, at most once",
}


class QueryError(ValueError):
    """A rejected history query: the parameter, the echoed window, the message."""

    def __init__(self, parameter: str, window: str, message: str) -> None:
        super().__init__(message)
        self.parameter = parameter
        self.window = window
        self.message = message

    def body(self) -> dict[str, Any]:
        """The 400 response body."""
        return {
            "window": self.window,
            "snapshots": [],
            "status": "error",
            "message": self.message,
            "parameter": self.parameter,
            "allowed": _ALLOWED[self.parameter],
        }


@dataclasses.dataclass(frozen=True)
class HistoryQuery:
    """A validated history query."""

    window: str = DEFAULT_WINDOW
    module: str | None = None
    severity: str | None = None
    metric: str | None = None
    limit: int | None = None
    summary_only: bool = False

    @property
    def filtered(self) -> bool:
        """True when any dimension filter is given."""
        return any(value is not None for value in (self.module, self.severity, self.metric))


def _invalid(name: str, window: str, reason: str) -> QueryError:
    return QueryError(name, window, f"Invalid query parameter '{name}': {reason}.")


def parse_query(params: dict[str, list[str]]) -> HistoryQuery:
    """Validate the history parameters (``name -> every value given``); unknown names are ignored.

    Raises:
        QueryError: §5.1 rows 1 and 2, and a bad ``limit`` or ``fields``.
    """
    windows = params.get("window", [])
    echo = windows[0][:_ECHO_LIMIT] if windows else DEFAULT_WINDOW
    if len(windows) == 1 and windows[0] not in WINDOWS:
        raise QueryError(
            "window", echo, f"Unsupported window '{echo}'. Supported windows: {_ALLOWED_WINDOWS}."
        )
    single: dict[str, str] = {}
    for name in KNOWN_PARAMETERS:
        values = params.get(name, [])
        if len(values) > 1:
            raise _invalid(name, echo, "given more than once")
        if values:
            single[name] = values[0]
    for name in _FILTERS:
        if single.get(name) == "":
            raise _invalid(name, echo, "must not be empty")
    limit = single.get("limit")
    if limit is not None and not (
        limit.isascii() and limit.isdigit() and 1 <= int(limit) <= MAX_LIMIT
    ):
        raise _invalid("limit", echo, f"expected an integer from 1 to {MAX_LIMIT}")
    fields = single.get("fields", "full")
    if fields not in FIELDS:
        raise _invalid("fields", echo, f"expected one of {', '.join(FIELDS)}")
    return HistoryQuery(
        window=single.get("window", DEFAULT_WINDOW),
        module=single.get("module"),
        severity=single.get("severity"),
        metric=single.get("metric"),
        limit=None if limit is None else int(limit),
        summary_only=fields == "summary",
    )


class HistoryHandler:
    """The history endpoint of one app."""

    def __init__(self, context: AppContext) -> None:
        self._context = context

    def handle(self, request: Request) -> ApiResponse:
        """Snapshots of the window, projected, filtered (AND), newest ``limit``."""
        params: dict[str, list[str]] = {}
        for name, value in request.query_params.multi_items():
            params.setdefault(name, []).append(value)
        try:
            query = parse_query(params)
        except QueryError as error:
            return ApiResponse(error.body(), status_code=400)
        return ApiResponse(self.answer(query))

    def answer(self, query: HistoryQuery) -> dict[str, Any]:
        """The 200 body for a valid query (§5.1 rows 3 to 6)."""
        body: dict[str, Any] = {
            "window": query.window,
            "snapshots": [],
            "status": "empty",
            "message": OFF_MESSAGE,
            "anchor_ms": None,
            "window_start_ms": None,
            "window_end_ms": None,
        }
        context = self._context
        if context.audience is TelemetryAudience.OFF:
            return body
        view = context.live_state.history(
            query.window,
            audience=context.audience,
            module=query.module,
            severity=query.severity,
            metric=query.metric,
        )
        if view.source is StateSource.EMPTY:
            body["message"] = EMPTY_MESSAGE
            return body
        snapshots = view.snapshots
        if query.limit is not None:
            snapshots = snapshots[-query.limit :]
        body["status"] = view.source.value
        body["message"] = SOURCE_MESSAGES[view.source]
        if query.filtered and not snapshots:
            body["message"] = NO_MATCH_MESSAGE.format(window=query.window)
        body["snapshots"] = snapshot_documents(snapshots, summary_only=query.summary_only)
        if view.anchor_ms or view.snapshots:
            body["anchor_ms"] = view.anchor_ms
            body["window_start_ms"] = max(0, view.anchor_ms - WINDOWS[query.window])
            body["window_end_ms"] = view.anchor_ms
        return body
