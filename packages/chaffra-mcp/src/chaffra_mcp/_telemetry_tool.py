"""``chaffra_telemetry``: a project's telemetry as the project's configured audience may see it.

The read audience comes from the same resolution as an analysis (``--telemetry``
> ``[modules.telemetry] audience`` > ``user-only``); no argument can widen it.
Backend status and definitions are operator-shaped (they disclose where
telemetry goes), so they are withheld unless the audience admits the operator
scope. Snapshots are read from the project's store, already projected at
capture and projected again for the reader (an intersection). Reading never
creates the store.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from chaffra_mcp._context import Resolved, ToolContext
from chaffra_mcp._paths import confine
from chaffra_mcp._registry import Listing, PageInfo, ToolOutcome, ToolSpec
from chaffra_mcp._schema import CURSOR, LIMIT, NOTES, PAGE, PATH, object_schema
from chaffra_telemetry import (
    DB_FILE,
    PROJECT_DIR,
    WINDOWS,
    LiveTelemetryState,
    SqliteStore,
    TelemetryAudience,
)
from chaffra_telemetry.backends import create_backends

__all__ = ["ACTIONS", "WITHHELD", "telemetry_spec"]

JsonObject = Mapping[str, Any]
WITHHELD = "backend details withheld: the project's telemetry audience has no operator scope"
_OFF = "telemetry is off for this project: nothing is collected or stored"
_EMPTY = "No telemetry snapshots available yet."


def _store_path(resolved: Resolved) -> Path:
    return resolved.config.project_root / PROJECT_DIR / DB_FILE


def _header(resolved: Resolved, action: str, notes: list[str]) -> dict[str, Any]:
    return {
        "action": action,
        "audience": resolved.config.telemetry.audience.value,
        "notes": [*resolved.notes, *notes],
    }


def _status(context: ToolContext, resolved: Resolved, _arguments: JsonObject) -> ToolOutcome:
    telemetry = resolved.config.telemetry
    if not telemetry.audience.operator_enabled:
        return ToolOutcome(
            summary=f"Audience {telemetry.audience.value}: {WITHHELD}.",
            structured={**_header(resolved, "status", [WITHHELD]), "backends": []},
        )
    _, statuses = create_backends(telemetry.backends, project_root=resolved.config.project_root)
    backends = [
        {"name": s.name, "kind": s.kind, "connected": s.connected, "message": s.message}
        for s in statuses
    ]
    connected = sum(1 for s in statuses if s.connected)
    return ToolOutcome(
        summary=f"{connected} of {len(backends)} telemetry backends reachable.",
        structured={**_header(resolved, "status", []), "backends": backends},
    )


def _backends(context: ToolContext, resolved: Resolved, _arguments: JsonObject) -> ToolOutcome:
    telemetry = resolved.config.telemetry
    if not telemetry.audience.operator_enabled:
        return ToolOutcome(
            summary=f"Audience {telemetry.audience.value}: {WITHHELD}.",
            structured={**_header(resolved, "backends", [WITHHELD]), "backends": []},
        )
    backends = [
        {"kind": b.kind.value, "endpoint": b.endpoint, "path": b.path} for b in telemetry.backends
    ]
    return ToolOutcome(
        summary=f"{len(backends)} telemetry backends configured.",
        structured={**_header(resolved, "backends", []), "backends": backends},
    )


def _open_state(resolved: Resolved) -> LiveTelemetryState | None:
    """The project's history, when it has one; close it (``with``) after use."""
    path = _store_path(resolved)
    if not path.is_file():
        return None
    return LiveTelemetryState(SqliteStore(path))


def _snapshot(context: ToolContext, resolved: Resolved, _arguments: JsonObject) -> ToolOutcome:
    audience = resolved.config.telemetry.audience
    if audience is TelemetryAudience.OFF:
        return ToolOutcome(
            summary=f"Audience off: {_OFF}.",
            structured={**_header(resolved, "snapshot", [_OFF]), "snapshot": None},
        )
    opened = _open_state(resolved)
    current = None
    if opened is not None:
        with opened as state:
            current = state.current(audience=audience)
    if current is None:
        return ToolOutcome(
            summary=_EMPTY, structured={**_header(resolved, "snapshot", [_EMPTY]), "snapshot": None}
        )
    files = current.user_summary.files_total
    return ToolOutcome(
        summary=(
            f"Latest snapshot (timestamp_ms {current.timestamp_ms}, {files} files), "
            f"projected for audience {audience.value}."
        ),
        structured={**_header(resolved, "snapshot", []), "snapshot": current.to_dict()},
    )


def _describe_history(header: JsonObject, page: PageInfo) -> str:
    text = f"{page.total} snapshots in the last {header['window']}"
    if page.returned:
        text += f"; {page.offset + 1}-{page.offset + page.returned}, newest first"
    if page.next_cursor:
        text += "; more with cursor=page.next_cursor"
    return text + "."


def _history(context: ToolContext, resolved: Resolved, arguments: JsonObject) -> Listing:
    audience = resolved.config.telemetry.audience
    window: str = arguments.get("window", "24h")
    notes: list[str] = []
    entries: list[JsonObject] = []
    source = "empty"
    opened = _open_state(resolved) if audience is not TelemetryAudience.OFF else None
    if audience is TelemetryAudience.OFF:
        notes.append(_OFF)
    elif opened is not None:
        with opened as state:
            view = state.history(window, audience=audience)
        source = view.source.value
        for snapshot in reversed(view.snapshots):
            document = snapshot.to_dict()
            entries.append(
                {
                    "timestamp_ms": document["timestamp_ms"],
                    "user_summary": document["user_summary"],
                    "operator_summary": document["operator_summary"],
                }
            )
    header = {**_header(resolved, "history", notes), "window": window, "source": source}
    return Listing(header=header, key="snapshots", items=tuple(entries), describe=_describe_history)


ActionHandler = Callable[[ToolContext, Resolved, JsonObject], "ToolOutcome | Listing"]
ACTIONS: Mapping[str, ActionHandler] = {
    "status": _status,
    "snapshot": _snapshot,
    "history": _history,
    "backends": _backends,
}
"""The actions, by name (the input schema's enum is built from this registry)."""


def _handle(context: ToolContext, arguments: JsonObject) -> ToolOutcome | Listing:
    resolved = context.resolve(confine(arguments.get("path"), context.settings))
    return ACTIONS[arguments.get("action", "status")](context, resolved, arguments)


def telemetry_spec() -> ToolSpec:
    """The ``chaffra_telemetry`` tool."""
    windows = list(WINDOWS)
    return ToolSpec(
        name="chaffra_telemetry",
        title="Project telemetry",
        description=(
            "The telemetry chaffra stored for the project at `path`, as its configured audience "
            "may see it (--telemetry flag, else [modules.telemetry] audience, else user-only; "
            "no argument widens it). action=status: backend reachability; backends: configured "
            "backends (both withheld unless the audience includes operator data); snapshot: "
            "the latest run's snapshot; history: run summaries of a window, newest first."
        ),
        input_schema=object_schema(
            {
                "action": {"type": "string", "enum": list(ACTIONS), "default": "status"},
                "path": PATH,
                "window": {
                    "type": "string",
                    "enum": windows,
                    "default": "24h",
                    "description": "History window (action=history).",
                },
                "limit": LIMIT,
                "cursor": CURSOR,
            }
        ),
        output_schema=object_schema(
            {
                "action": {"type": "string", "enum": list(ACTIONS)},
                "audience": {"type": "string"},
                "notes": NOTES,
                "backends": {"type": "array", "items": {"type": "object"}},
                "snapshot": {"type": ["object", "null"]},
                "window": {"type": "string"},
                "source": {"type": "string"},
                "snapshots": {"type": "array", "items": {"type": "object"}},
                "page": PAGE,
            },
            required=("action", "audience", "notes"),
        ),
        handler=_handle,
        aliases=("chaffra/telemetry",),
        read_only=True,
    )
