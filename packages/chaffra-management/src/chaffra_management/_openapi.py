"""The OpenAPI 3.1 description of every route, served at ``/api/v1/openapi.json``."""

from __future__ import annotations

import copy
from typing import Any

from chaffra_management._history import FIELDS, MAX_LIMIT
from chaffra_management._openapi_reports import (
    HEALTH_PROPERTIES,
    REPORT_ROUTES,
    REPORT_SCHEMAS,
    report_operations,
)
from chaffra_telemetry import WINDOWS, BackendKind, SamplingStrategy, TelemetryAudience

__all__ = ["openapi_document"]

_INT = {"type": "integer", "minimum": 0}
_INT_OR_NULL = {"type": ["integer", "null"], "minimum": 0}
_NUMBER_OR_NULL = {"type": ["number", "null"]}
_STR = {"type": "string"}
_STR_MAP = {"type": "object", "additionalProperties": _STR}
_COUNT_MAP = {"type": "object", "additionalProperties": _INT}
_AUDIENCES = [a.value for a in TelemetryAudience]
_TIMESTAMP = {**_INT_OR_NULL, "description": "Timestamp (Unix ms) of the snapshot answered from."}


def _object(properties: dict[str, Any], *, optional: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": properties,
        "required": [name for name in properties if name not in optional],
    }


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


_SCHEMAS: dict[str, Any] = {
    "Error": _object({"status": {"const": "error"}, "message": _STR}),
    "Index": _object(
        {
            "name": _STR,
            "version": _STR,
            "endpoints": _array(_object({"path": _STR, "description": _STR})),
        }
    ),
    "Metrics": _object(
        {
            "files_total": _INT,
            "analysis_duration_ms": _INT,
            "data_points": _array(
                _object({"name": _STR, "value": _NUMBER_OR_NULL, "labels": _STR_MAP})
            ),
            "backends": _array(
                _object(
                    {
                        "name": _STR,
                        "kind": {"enum": [k.value for k in BackendKind]},
                        "connected": {"type": "boolean"},
                        "message": _STR,
                    }
                )
            ),
            "snapshot_timestamp_ms": _TIMESTAMP,
        }
    ),
    "Modules": _object(
        {
            "modules": _array(
                _object(
                    {
                        "id": _STR,
                        "status": {"enum": ["healthy", "error"]},
                        "finding_count": _INT_OR_NULL,
                        "duration_ms": _INT,
                        "capabilities": _array(_STR),
                    }
                )
            ),
            "snapshot_timestamp_ms": _TIMESTAMP,
        }
    ),
    "FindingsSummary": _object(
        {
            "total": _INT,
            "by_module": _COUNT_MAP,
            "by_severity": _COUNT_MAP,
            "snapshot_timestamp_ms": _TIMESTAMP,
        }
    ),
    "Churn": _object(
        {
            "new_count": _INT,
            "resolved_count": _INT,
            "unchanged_count": _INT,
            "churn_rate": {"type": "number"},
            "compared": {
                "type": "boolean",
                "description": "Whether the run compared its findings with the previous run;"
                " when false every count is 0 and means no comparison, not no change.",
            },
            "snapshot_timestamp_ms": _TIMESTAMP,
        }
    ),
    "Health": _object(
        {
            "score": _NUMBER_OR_NULL,
            "grade": {"enum": ["A", "B", "C", "D", "F", "\u2014"]},
            **HEALTH_PROPERTIES,
            "snapshot_timestamp_ms": _TIMESTAMP,
        }
    ),
    "Config": _object(
        {
            "audience": {"enum": _AUDIENCES},
            "sampling_rate": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
            "sampling_strategy": {"enum": [*(s.value for s in SamplingStrategy), None]},
            "backends": _array({"enum": [k.value for k in BackendKind]}),
        }
    ),
    "Status": _object(
        {
            "source": {"enum": ["live", "seeded", "empty"]},
            "audience": {"enum": _AUDIENCES},
            "snapshot_count": _INT,
            "unreadable_snapshots": _INT,
            "newest_timestamp_ms": _INT_OR_NULL,
            "anchor_ms": _INT_OR_NULL,
        }
    ),
    "Snapshot": _object(
        {
            "timestamp_ms": _INT,
            "definitions": {
                "type": "object",
                "additionalProperties": _object(
                    {
                        "name": _STR,
                        "kind": {"enum": ["counter", "gauge", "histogram"]},
                        "description": _STR,
                        "unit": _STR,
                    }
                ),
            },
            "data_points": _array(
                _object(
                    {
                        "name": _STR,
                        "value": _NUMBER_OR_NULL,
                        "labels": _STR_MAP,
                        "timestamp_ms": _INT,
                    }
                )
            ),
            "spans": _array(
                _object(
                    {
                        "name": _STR,
                        "trace_id": _STR,
                        "span_id": _STR,
                        "parent_span_id": _STR,
                        "start_time_ms": {"type": "integer"},
                        "end_time_ms": {"type": "integer"},
                        "attributes": _STR_MAP,
                        "status": _STR,
                    }
                )
            ),
            "user_summary": _object(
                {
                    "analysis_duration_ms": _INT,
                    "files_total": _INT,
                    "findings_by_severity": _COUNT_MAP,
                    "findings_by_module": _COUNT_MAP,
                    "module_summaries": {
                        "type": "object",
                        "additionalProperties": _object(
                            {
                                "duration_ms": _INT,
                                "finding_count": _INT,
                                "metrics": {
                                    "type": "object",
                                    "additionalProperties": _NUMBER_OR_NULL,
                                },
                            }
                        ),
                    },
                }
            ),
            "operator_summary": _object(
                {"module_call_durations": _COUNT_MAP, "module_error_counts": _COUNT_MAP}
            ),
            "audience": {"enum": _AUDIENCES},
        },
        optional=("definitions", "spans"),
    ),
    "History": _object(
        {
            "window": _STR,
            "snapshots": _array(_ref("Snapshot")),
            "status": {"enum": ["live", "seeded", "empty", "error"]},
            "message": _STR,
            "anchor_ms": _INT_OR_NULL,
            "window_start_ms": _INT_OR_NULL,
            "window_end_ms": _INT_OR_NULL,
            "parameter": {"enum": ["window", "module", "severity", "metric", "limit", "fields"]},
            "allowed": _STR,
        },
        optional=("anchor_ms", "window_start_ms", "window_end_ms", "parameter", "allowed"),
    ),
}

_NON_EMPTY = {"type": "string", "minLength": 1}
_HISTORY_PARAMETERS = [
    (
        "window",
        {"enum": list(WINDOWS), "default": "7d"},
        "Time span ending at the newest snapshot.",
    ),
    ("module", _NON_EMPTY, "Keep snapshots that mention this module id."),
    ("severity", _NON_EMPTY, "Keep snapshots with findings of this severity."),
    ("metric", _NON_EMPTY, "Keep snapshots with a data point of this metric name (prefix)."),
    ("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}, "Newest N snapshots."),
    ("fields", {"enum": list(FIELDS), "default": "full"}, "summary: omit definitions, spans."),
]

_JSON_ROUTES = (
    ("/api/v1/", "index", "Index", "The endpoints of this API."),
    ("/api/v1/metrics", "metrics", "Metrics", "Current metric values and backend statuses."),
    ("/api/v1/metrics/history", "history", "History", "Snapshot history, windowed and filtered."),
    ("/api/v1/modules", "modules", "Modules", "Per-module status of the current snapshot."),
    ("/api/v1/findings/summary", "findingsSummary", "FindingsSummary", "Finding totals."),
    ("/api/v1/findings/churn", "findingsChurn", "Churn", "New, resolved, unchanged findings."),
    ("/api/v1/health", "health", "Health", "Health score, grade, worst files, contributors."),
    ("/api/v1/config", "config", "Config", "Effective telemetry configuration (redacted)."),
    ("/api/v1/status", "status", "Status", "Data source, audience and history size."),
    ("/api/v1/openapi.json", "openapi", None, "This document."),
)

ENDPOINTS: tuple[tuple[str, str], ...] = (
    *((path, summary) for path, _, _, summary in _JSON_ROUTES),
    *((path, summary) for path, _, _, summary in REPORT_ROUTES),
    ("/badge.svg", "The health badge (SVG)."),
    ("/metrics", "The newest snapshot as Prometheus text (a scrape target)."),
    ("/api/v1/events", "Server-sent events announcing each new snapshot."),
    ("/", "The dashboard."),
)


def _json(schema: dict[str, Any], description: str = "OK") -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _operation(operation_id: str, summary: str, responses: dict[str, Any]) -> dict[str, Any]:
    return {"get": {"operationId": operation_id, "summary": summary, "responses": responses}}


def openapi_document(*, root_path: str, version: str, secured: bool) -> dict[str, Any]:
    """The document for an app mounted at ``root_path``; ``secured`` adds the bearer scheme."""
    paths: dict[str, Any] = {}
    for path, operation_id, schema, summary in _JSON_ROUTES:
        body = _ref(schema) if schema else {"type": "object"}
        paths[path] = _operation(operation_id, summary, {"200": _json(body)})
    history = paths["/api/v1/metrics/history"]["get"]
    history["parameters"] = [
        {"name": name, "in": "query", "required": False, "schema": schema, "description": text}
        for name, schema, text in _HISTORY_PARAMETERS
    ]
    history["responses"]["400"] = _json(_ref("History"), "Invalid query parameter")
    stream = {"text/event-stream": {"schema": {"type": "string"}}}
    paths["/api/v1/events"] = _operation(
        "events", ENDPOINTS[-2][1], {"200": {"description": "OK", "content": stream}}
    )
    exposition = {"text/plain": {"schema": {"type": "string"}}}
    paths["/metrics"] = _operation(
        "prometheus",
        ENDPOINTS[-3][1],
        {
            "200": {"description": "OK", "content": exposition},
            "503": {"description": "No snapshot yet", "content": exposition},
        },
    )
    paths.update(report_operations(_json))
    html = {"text/html": {"schema": {"type": "string"}}}
    paths["/"] = _operation(
        "dashboard", "The dashboard.", {"200": {"description": "OK", "content": html}}
    )
    document: dict[str, Any] = {
        "openapi": "3.1.0",
        "info": {"title": "chaffra management API", "version": version},
        "servers": [{"url": root_path or "/"}],
        "paths": paths,
        "components": {"schemas": copy.deepcopy({**_SCHEMAS, **REPORT_SCHEMAS})},
    }
    if secured:
        document["components"]["securitySchemes"] = {"bearer": {"type": "http", "scheme": "bearer"}}
        document["security"] = [{"bearer": []}]
        unauthorized = _json(_ref("Error"), "Missing or invalid bearer token")
        for item in paths.values():
            item["get"]["responses"]["401"] = unauthorized
    return document
