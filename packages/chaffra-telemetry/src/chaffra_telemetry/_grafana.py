"""The Grafana dashboard over the Prometheus exposition (``chaffra telemetry dashboard``).

Generation is pure and deterministic: every call builds the same fresh document.
Queries use exactly the names the Prometheus backend exposes (``.`` and ``-``
become ``_``, durations in seconds, counters end in ``_total``); per-module
summary metrics are one family per key with a ``module`` label, so the health
panels query ``chaffra_module_health_score``.
"""

from __future__ import annotations

import json
from typing import Any

__all__ = ["DASHBOARD_FILE", "DASHBOARD_UID", "dashboard_json", "generate_grafana_dashboard"]

DASHBOARD_FILE = "chaffra-grafana-dashboard.json"
DASHBOARD_UID = "chaffra-overview"
"""Stable, so re-importing updates the dashboard and drill links keep working."""

_DATASOURCE = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
_TIME_RANGE = "&from=${__from}&to=${__to}"
_DRILL_URL = "/d/${__dashboard.uid}?var-module=${__field.labels.module}" + _TIME_RANGE


def generate_grafana_dashboard() -> dict[str, Any]:
    """The importable dashboard document (a fresh, JSON-ready dict on every call)."""
    return {
        "__inputs": [
            {
                "name": "DS_PROMETHEUS",
                "label": "Prometheus",
                "type": "datasource",
                "pluginId": "prometheus",
            }
        ],
        "annotations": {"list": []},
        "editable": True,
        "fiscalYearStartMonth": 0,
        "graphTooltip": 1,
        "id": None,
        "uid": DASHBOARD_UID,
        "links": [
            {
                "title": "Module Detail",
                "type": "link",
                "icon": "dashboard",
                "tooltip": "Drill into a specific module",
                "url": "/d/${__dashboard.uid}?var-module=${__data.fields.module}" + _TIME_RANGE,
                "targetBlank": False,
            }
        ],
        "schemaVersion": 39,
        "version": 1,
        "tags": ["chaffra", "codebase-intelligence"],
        "time": {"from": "now-7d", "to": "now"},
        "timepicker": {},
        "timezone": "browser",
        "refresh": "5m",
        "title": "Chaffra Codebase Intelligence",
        "templating": {"list": _variables()},
        "panels": _panels(),
    }


def dashboard_json() -> str:
    """The dashboard as pretty JSON (2-space indent), without a trailing newline."""
    return json.dumps(generate_grafana_dashboard(), indent=2, allow_nan=False)


def _variables() -> list[dict[str, Any]]:
    return [
        {
            "name": "DS_PROMETHEUS",
            "type": "datasource",
            "query": "prometheus",
            "current": {},
            "hide": 0,
        },
        _query_variable("module", "label_values(chaffra_analysis_findings_total, module)"),
        _query_variable(
            "severity", "label_values(chaffra_analysis_findings_by_severity_total, severity)"
        ),
    ]


def _query_variable(name: str, query: str) -> dict[str, Any]:
    return {
        "name": name,
        "type": "query",
        "datasource": dict(_DATASOURCE),
        "query": query,
        "refresh": 2,
        "includeAll": True,
        "multi": True,
        "allValue": ".*",
        "current": {"selected": True, "text": "All", "value": "$__all"},
        "hide": 0,
        "sort": 1,
    }


def _panels() -> list[dict[str, Any]]:
    drill = _link("Drill into ${__field.labels.module}", _DRILL_URL)
    return [
        _row(0, "Overview", y=0),
        _panel(
            1,
            "timeseries",
            "Health Score Trend",
            grid=(8, 12, 0, 1),
            defaults=_defaults(
                "percent",
                minimum=0,
                maximum=100,
                steps=[("red", None), ("orange", 40), ("yellow", 60), ("green", 80)],
                links=[drill],
            ),
            targets=[('chaffra_module_health_score{module=~"$module"}', "{{module}}")],
        ),
        _panel(
            2,
            "barchart",
            "Finding Count by Module",
            grid=(8, 12, 12, 1),
            defaults=_defaults(
                "short", links=[_link("Filter to ${__field.labels.module}", _DRILL_URL)]
            ),
            targets=[('chaffra_analysis_findings_total{module=~"$module"}', "{{module}}")],
            options={"orientation": "horizontal", "stacking": "none"},
        ),
        _panel(
            3,
            "timeseries",
            "Finding Churn",
            grid=(8, 24, 0, 13),
            defaults=_defaults("short"),
            targets=[
                ("chaffra_findings_new_total", "New"),
                ("chaffra_findings_resolved_total", "Resolved"),
                ("chaffra_findings_unchanged_total", "Unchanged"),
            ],
            overrides=_colours({"New": "red", "Resolved": "green", "Unchanged": "blue"}),
        ),
        _row(4, "Per-module Detail", y=21),
        _panel(
            5,
            "timeseries",
            "Module Call Duration",
            grid=(8, 12, 0, 22),
            defaults=_defaults("s", links=[drill]),
            targets=[('chaffra_module_call_duration_seconds{module=~"$module"}', "{{module}}")],
        ),
        _panel(
            6,
            "piechart",
            "Findings by Severity",
            grid=(8, 12, 12, 30),
            defaults=_defaults(
                "short",
                links=[
                    _link(
                        "Filter to ${__field.name} severity",
                        "/d/${__dashboard.uid}?var-severity=${__field.name}" + _TIME_RANGE,
                    )
                ],
            ),
            targets=[
                (
                    "sum by (severity) (chaffra_analysis_findings_by_severity_total"
                    '{module=~"$module",severity=~"$severity"})',
                    "{{severity}}",
                )
            ],
            overrides=_severity_colours(),
        ),
        {
            **_row(7, "Module: $module", y=38, collapsed=True),
            "repeat": "module",
            "repeatDirection": "h",
            "panels": _module_row_panels(),
        },
        _row(8, "Operational", y=51),
        _panel(
            9,
            "timeseries",
            "Error Rates",
            grid=(8, 12, 0, 52),
            defaults=_defaults(
                "short",
                steps=[("green", None), ("red", 1)],
                links=[_link("Drill into ${__field.labels.module} errors", _DRILL_URL)],
            ),
            targets=[('chaffra_module_error_total{module=~"$module"}', "{{module}}")],
        ),
        _panel(
            10,
            "timeseries",
            "Startup Time",
            grid=(8, 12, 12, 60),
            defaults=_defaults("s"),
            targets=[
                ("chaffra_startup_total_duration_seconds", "Total"),
                ('chaffra_module_startup_duration_seconds{module=~"$module"}', "{{module}}"),
            ],
        ),
        _panel(
            11,
            "timeseries",
            "Parse Cache Hit Rate",
            grid=(8, 12, 0, 68),
            defaults=_defaults("percentunit", minimum=0, maximum=1),
            targets=[("chaffra_parse_cache_hit_rate", "Hit rate")],
        ),
        _panel(
            12,
            "timeseries",
            "Parse Cache Lookups",
            grid=(8, 12, 12, 68),
            defaults=_defaults("short"),
            targets=[
                ("chaffra_parse_cache_hits_total", "Hits"),
                ("chaffra_parse_cache_misses_total", "Misses"),
            ],
            overrides=_colours({"Hits": "green", "Misses": "orange"}),
        ),
    ]


def _module_row_panels() -> list[dict[str, Any]]:
    # Inside the repeated row "$module" is one value, so every match is exact.
    return [
        _panel(
            107,
            "stat",
            "Health Score",
            grid=(4, 6, 0, 39),
            defaults=_defaults(
                "percent",
                minimum=0,
                maximum=100,
                steps=[("red", None), ("yellow", 60), ("green", 80)],
            ),
            targets=[('chaffra_module_health_score{module="$module"}', None)],
        ),
        _panel(
            108,
            "stat",
            "Findings",
            grid=(4, 6, 6, 39),
            defaults=_defaults("short"),
            targets=[('chaffra_analysis_findings_total{module="$module"}', None)],
        ),
        _panel(
            109,
            "stat",
            "Call Duration",
            grid=(4, 6, 12, 39),
            defaults=_defaults("s"),
            targets=[('chaffra_module_call_duration_seconds{module="$module"}', None)],
        ),
        _panel(
            110,
            "stat",
            "Errors",
            grid=(4, 6, 18, 39),
            defaults=_defaults("short", steps=[("green", None), ("red", 1)]),
            targets=[('chaffra_module_error_total{module="$module"}', None)],
        ),
        _panel(
            111,
            "piechart",
            "Findings by Severity",
            grid=(8, 12, 0, 43),
            defaults=_defaults("short"),
            targets=[
                (
                    "sum by (severity)"
                    ' (chaffra_analysis_findings_by_severity_total{module="$module"})',
                    "{{severity}}",
                )
            ],
            overrides=_severity_colours(),
        ),
        _panel(
            112,
            "timeseries",
            "Call Duration Over Time",
            grid=(8, 12, 12, 43),
            defaults=_defaults("s"),
            targets=[('chaffra_module_call_duration_seconds{module="$module"}', "duration")],
        ),
    ]


def _row(panel_id: int, title: str, *, y: int, collapsed: bool = False) -> dict[str, Any]:
    return {
        "id": panel_id,
        "type": "row",
        "title": title,
        "gridPos": {"h": 1, "w": 24, "x": 0, "y": y},
        "collapsed": collapsed,
        "panels": [],
    }


def _panel(
    panel_id: int,
    panel_type: str,
    title: str,
    *,
    grid: tuple[int, int, int, int],
    defaults: dict[str, Any],
    targets: list[tuple[str, str | None]],
    overrides: list[dict[str, Any]] | None = None,
    options: dict[str, Any] | None = None,
) -> dict[str, Any]:
    h, w, x, y = grid
    panel: dict[str, Any] = {
        "id": panel_id,
        "type": panel_type,
        "title": title,
        "gridPos": {"h": h, "w": w, "x": x, "y": y},
        "datasource": dict(_DATASOURCE),
        "fieldConfig": {"defaults": defaults, "overrides": overrides or []},
    }
    if options is not None:
        panel["options"] = options
    panel["targets"] = [
        _target(chr(ord("A") + index), expr, legend) for index, (expr, legend) in enumerate(targets)
    ]
    return panel


def _target(ref_id: str, expr: str, legend: str | None) -> dict[str, Any]:
    target: dict[str, Any] = {"refId": ref_id, "datasource": dict(_DATASOURCE), "expr": expr}
    if legend is not None:
        target["legendFormat"] = legend
    return target


def _defaults(
    unit: str,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
    steps: list[tuple[str, float | None]] | None = None,
    links: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    defaults: dict[str, Any] = {"unit": unit}
    if minimum is not None:
        defaults["min"] = minimum
    if maximum is not None:
        defaults["max"] = maximum
    if steps is not None:
        defaults["thresholds"] = {
            "mode": "absolute",
            "steps": [{"color": colour, "value": value} for colour, value in steps],
        }
    if links is not None:
        defaults["links"] = links
    return defaults


def _link(title: str, url: str) -> dict[str, Any]:
    return {"title": title, "url": url, "targetBlank": False}


def _colours(by_name: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "matcher": {"id": "byName", "options": name},
            "properties": [{"id": "color", "value": {"mode": "fixed", "fixedColor": colour}}],
        }
        for name, colour in by_name.items()
    ]


def _severity_colours() -> list[dict[str, Any]]:
    return _colours({"error": "red", "warning": "orange", "info": "blue"})
