"""The OpenAPI pieces of the report endpoints (files, functions, findings, file, badge)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from chaffra_management._report_api import FILES, FINDINGS, FUNCTIONS
from chaffra_management._report_query import (
    DEFAULT_LIMIT,
    MAX_LIMIT,
    MAX_OFFSET,
    ORDERS,
    ListSpec,
)
from chaffra_telemetry.report import SEVERITIES, ContributorKind

__all__ = ["REPORT_ROUTES", "REPORT_SCHEMAS", "report_operations"]

_INT = {"type": "integer", "minimum": 0}
_STR = {"type": "string"}
_STR_OR_NULL = {"type": ["string", "null"]}
_SCORE = {"type": ["number", "null"]}
_GRADES = {"enum": ["A", "B", "C", "D", "F", "\u2014"]}


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(properties)}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _array(items: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": items}


_COUNTS = _object(dict.fromkeys(SEVERITIES, _INT))
_FILE = {
    "file": _STR,
    "lines": _INT,
    "score": _SCORE,
    "grade": _GRADES,
    "functions": _INT,
    "findings": _COUNTS,
    "trend": _array({"type": "number"}),
}


def _page(item: str, **extra: Any) -> dict[str, Any]:
    return _object(
        {
            "run": {"oneOf": [_ref("Run"), {"type": "null"}]},
            "total": _INT,
            "limit": {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
            "offset": _INT,
            "items": _array(_ref(item)),
            **extra,
        }
    )


_COUNT_MAP = {"type": "object", "additionalProperties": _INT}
REPORT_SCHEMAS: dict[str, Any] = {
    "ReportError": _object({"error": _STR}),
    "Run": _object({"id": _STR, "timestamp_ms": _INT, "source": {"enum": ["live", "seeded"]}}),
    "FileItem": _object(_FILE),
    "FunctionItem": _object(
        {
            "file": _STR,
            "name": _STR,
            "line": {"type": "integer"},
            "end_line": {"type": "integer"},
            "cyclomatic": {"type": "integer"},
            "cognitive": {"type": "integer"},
            "lines": {"type": "integer"},
            "max_nesting": {"type": "integer"},
        }
    ),
    "FindingItem": _object(
        {
            "fingerprint": _STR,
            "module": _STR,
            "rule_id": _STR,
            "severity": {"enum": list(SEVERITIES)},
            "file": _STR,
            "line": {"type": "integer"},
            "column": {"type": "integer"},
            "symbol": _STR_OR_NULL,
            "message": _STR,
            "new": {"type": "boolean"},
        }
    ),
    "HealthContributor": _object(
        {
            "kind": {"enum": [k.value for k in ContributorKind]},
            "file": _STR_OR_NULL,
            "symbol": _STR_OR_NULL,
            "rule_id": _STR_OR_NULL,
            "cost": {"type": "number"},
            "detail": _STR,
        }
    ),
    "FilesPage": _page("FileItem"),
    "FunctionsPage": _page("FunctionItem"),
    "FindingsPage": _page(
        "FindingItem",
        facets=_object({"module": _COUNT_MAP, "severity": _COUNT_MAP, "rule": _COUNT_MAP}),
    ),
    "FileDetail": _object(
        {
            "run": {"oneOf": [_ref("Run"), {"type": "null"}]},
            "file": {"oneOf": [_ref("FileItem"), {"type": "null"}]},
            "functions": _array(_ref("FunctionItem")),
            "findings": _array(_ref("FindingItem")),
            "trend": _array(_object({"timestamp_ms": _INT, "score": {"type": "number"}})),
        }
    ),
}

HEALTH_PROPERTIES: Mapping[str, Any] = {
    "files": _array(
        _object({"file": _STR, "score": {"type": "number"}, "grade": _GRADES, "lines": _INT})
    ),
    "contributors": _array(_ref("HealthContributor")),
    "model": _INT,
    "total_files": _INT,
    "unscored_files": _INT,
}

REPORT_ROUTES = (
    ("/api/v1/files", "files", "FilesPage", "Files of the newest run: health, size, findings."),
    ("/api/v1/functions", "functions", "FunctionsPage", "Per-function metrics, worst first."),
    ("/api/v1/findings", "findings", "FindingsPage", "Findings of the newest run, filtered."),
    ("/api/v1/file", "file", "FileDetail", "One file: its findings, functions and trend."),
)
_FILTER_SCHEMAS: Mapping[str, dict[str, Any]] = {
    "q": _STR,
    "file": {"type": "string", "minLength": 1},
    "module": {"type": "string", "minLength": 1},
    "rule": {"type": "string", "minLength": 1},
    "severity": {"enum": list(SEVERITIES)},
    "new": {"enum": ["true", "false"]},
}
_SPECS: Mapping[str, ListSpec] = {
    "/api/v1/files": FILES,
    "/api/v1/functions": FUNCTIONS,
    "/api/v1/findings": FINDINGS,
}


def _parameter(name: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "schema": schema}


def _list_parameters(spec: ListSpec) -> list[dict[str, Any]]:
    return [
        _parameter(
            "limit",
            {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT},
        ),
        _parameter(
            "offset", {"type": "integer", "minimum": 0, "maximum": MAX_OFFSET, "default": 0}
        ),
        _parameter("sort", {"enum": list(spec.sorts), "default": spec.default_sort}),
        _parameter("order", {"enum": list(ORDERS)}),
        *(_parameter(name, _FILTER_SCHEMAS[name]) for name in spec.filters),
    ]


def report_operations(json: Callable[..., dict[str, Any]]) -> dict[str, Any]:
    """The path items of the report routes; ``json(schema, description)`` makes a response."""
    paths: dict[str, Any] = {}
    bad = json(_ref("ReportError"), "Invalid query parameter")
    for path, operation_id, schema, summary in REPORT_ROUTES:
        spec = _SPECS.get(path)
        parameters = (
            _list_parameters(spec)
            if spec is not None
            else [_parameter("path", {"type": "string", "minLength": 1}, required=True)]
        )
        responses = {"200": json(_ref(schema)), "400": bad}
        if spec is None:
            responses["404"] = json(_ref("ReportError"), "The newest report has no such file")
        paths[path] = {
            "get": {
                "operationId": operation_id,
                "summary": summary,
                "parameters": parameters,
                "responses": responses,
            }
        }
    svg = {"image/svg+xml": {"schema": {"type": "string"}}}
    paths["/badge.svg"] = {
        "get": {
            "operationId": "badge",
            "summary": "The health badge (SVG).",
            "responses": {"200": {"description": "OK", "content": svg}},
        }
    }
    return paths
