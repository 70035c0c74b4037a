"""The Grafana dashboard: its document, its panels, and that it queries only exposed metrics."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest

from chaffra_telemetry import TelemetryAudience, TelemetryCollector, TelemetryConfig, project
from chaffra_telemetry._grafana import DASHBOARD_UID, dashboard_json, generate_grafana_dashboard
from chaffra_telemetry._seed import seeded_snapshots
from chaffra_telemetry.backends import exposed_metric_names, render_prometheus

DATASOURCE = {"type": "prometheus", "uid": "${DS_PROMETHEUS}"}
TIME_RANGE = "&from=${__from}&to=${__to}"
DRILL_URL = "/d/${__dashboard.uid}?var-module=${__field.labels.module}" + TIME_RANGE

# (id, type, title, (h, w, x, y)) of the top-level panels, in order.
TOP_LEVEL = [
    (0, "row", "Overview", (1, 24, 0, 0)),
    (1, "timeseries", "Health Score Trend", (8, 12, 0, 1)),
    (2, "barchart", "Finding Count by Module", (8, 12, 12, 1)),
    (3, "timeseries", "Finding Churn", (8, 24, 0, 13)),
    (4, "row", "Per-module Detail", (1, 24, 0, 21)),
    (5, "timeseries", "Module Call Duration", (8, 12, 0, 22)),
    (6, "piechart", "Findings by Severity", (8, 12, 12, 30)),
    (7, "row", "Module: $module", (1, 24, 0, 38)),
    (8, "row", "Operational", (1, 24, 0, 51)),
    (9, "timeseries", "Error Rates", (8, 12, 0, 52)),
    (10, "timeseries", "Startup Time", (8, 12, 12, 60)),
    (11, "timeseries", "Parse Cache Hit Rate", (8, 12, 0, 68)),
    (12, "timeseries", "Parse Cache Lookups", (8, 12, 12, 68)),
]

MODULE_ROW = [
    (107, "stat", "Health Score", (4, 6, 0, 39)),
    (108, "stat", "Findings", (4, 6, 6, 39)),
    (109, "stat", "Call Duration", (4, 6, 12, 39)),
    (110, "stat", "Errors", (4, 6, 18, 39)),
    (111, "piechart", "Findings by Severity", (8, 12, 0, 43)),
    (112, "timeseries", "Call Duration Over Time", (8, 12, 12, 43)),
]

SEVERITY_COLOURS = {"error": "red", "warning": "orange", "info": "blue"}

# An expression is a metric selector, optionally wrapped in ``sum by (<labels>) (...)``.
SELECTOR = re.compile(r"(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<matchers>[^}]*)\})?")
SUM_BY = re.compile(r"sum by \((?P<by>[a-z_, ]+)\) \((?P<inner>.*)\)")
MATCHER = re.compile(r'(?P<label>[a-zA-Z_][a-zA-Z0-9_]*)(?:=~|=)"[^"]*"')
LABEL_VALUES = re.compile(r"label_values\((?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*), (?P<label>\w+)\)")
SERIES = re.compile(r"^(?P<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(?P<labels>[^}]*)\})? ", re.M)


def all_panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for panel in dashboard["panels"]:
        yield panel
        yield from panel.get("panels", [])


def queried_series(dashboard: dict[str, Any]) -> list[tuple[str, frozenset[str]]]:
    """(metric name, label names it relies on) for every target and template variable."""
    queries: list[tuple[str, frozenset[str]]] = []
    for panel in all_panels(dashboard):
        for target in panel.get("targets", []):
            expr = target["expr"]
            by: set[str] = set()
            if wrapped := SUM_BY.fullmatch(expr):
                expr = wrapped["inner"]
                by = {label.strip() for label in wrapped["by"].split(",")}
            selector = SELECTOR.fullmatch(expr)
            assert selector is not None, f"unexpected query shape: {target['expr']}"
            labels = {m["label"] for m in MATCHER.finditer(selector["matchers"] or "")}
            queries.append((selector["name"], frozenset(labels | by)))
    for variable in dashboard["templating"]["list"]:
        if variable["type"] == "query":
            match = LABEL_VALUES.fullmatch(variable["query"])
            assert match is not None
            queries.append((match["name"], frozenset({match["label"]})))
    return queries


def exposed_series() -> dict[str, set[str]]:
    """Metric name -> label names, as the Prometheus renderer exposes them.

    Over the 12 seeded snapshots plus one live run recording startup times,
    which the seeded data does not contain.
    """
    live = TelemetryCollector(
        TelemetryConfig(audience=TelemetryAudience.ON), clock_ms=lambda: 1_718_594_000_000
    )
    live.register_core_metrics()
    live.record_module_startup("dead-code", 12)
    live.record_startup_total(40)
    snapshots = [project(s, TelemetryAudience.ON) for s in (*seeded_snapshots(), live.snapshot())]
    series: dict[str, set[str]] = {}
    for snapshot in snapshots:
        names = exposed_metric_names(snapshot)
        for match in SERIES.finditer(render_prometheus(snapshot)):
            assert match["name"] in names
            keys = {pair.split("=", 1)[0] for pair in (match["labels"] or "").split(",") if pair}
            series.setdefault(match["name"], set()).update(keys)
        for name in names:
            series.setdefault(name, set())
    return series


def test_dashboard_document_has_the_documented_top_level_keys() -> None:
    dashboard = generate_grafana_dashboard()

    assert [
        {
            "name": "DS_PROMETHEUS",
            "label": "Prometheus",
            "type": "datasource",
            "pluginId": "prometheus",
        }
    ] == dashboard["__inputs"]
    assert {"list": []} == dashboard["annotations"]
    assert (True, 0, 1) == (
        dashboard["editable"],
        dashboard["fiscalYearStartMonth"],
        dashboard["graphTooltip"],
    )
    assert (39, 1) == (dashboard["schemaVersion"], dashboard["version"])
    assert ["chaffra", "codebase-intelligence"] == dashboard["tags"]
    assert {"from": "now-7d", "to": "now"} == dashboard["time"]
    assert ({}, "browser", "5m") == (
        dashboard["timepicker"],
        dashboard["timezone"],
        dashboard["refresh"],
    )
    assert "Chaffra Codebase Intelligence" == dashboard["title"]
    assert [
        {
            "title": "Module Detail",
            "type": "link",
            "icon": "dashboard",
            "tooltip": "Drill into a specific module",
            "url": "/d/${__dashboard.uid}?var-module=${__data.fields.module}" + TIME_RANGE,
            "targetBlank": False,
        }
    ] == dashboard["links"]


def test_dashboard_has_a_stable_uid_and_no_instance_id() -> None:
    """A fixed uid makes re-imports update the same dashboard (Beyond 21)."""
    dashboard = generate_grafana_dashboard()

    assert ("chaffra-overview", None) == (dashboard["uid"], dashboard["id"])
    assert DASHBOARD_UID == dashboard["uid"]


def test_dashboard_has_the_three_template_variables() -> None:
    variables = generate_grafana_dashboard()["templating"]["list"]

    def query_variable(name: str, query: str) -> dict[str, Any]:
        return {
            "name": name,
            "type": "query",
            "datasource": DATASOURCE,
            "query": query,
            "refresh": 2,
            "includeAll": True,
            "multi": True,
            "allValue": ".*",
            "current": {"selected": True, "text": "All", "value": "$__all"},
            "hide": 0,
            "sort": 1,
        }

    assert [
        {
            "name": "DS_PROMETHEUS",
            "type": "datasource",
            "query": "prometheus",
            "current": {},
            "hide": 0,
        },
        query_variable("module", "label_values(chaffra_analysis_findings_total, module)"),
        query_variable(
            "severity", "label_values(chaffra_analysis_findings_by_severity_total, severity)"
        ),
    ] == variables


def test_top_level_panels_have_the_documented_ids_types_titles_and_positions() -> None:
    panels = generate_grafana_dashboard()["panels"]

    assert TOP_LEVEL == [
        (p["id"], p["type"], p["title"], tuple(p["gridPos"][k] for k in "hwxy")) for p in panels
    ]


def test_health_and_finding_count_panels_sit_side_by_side_under_the_overview_row() -> None:
    """Panel 2 starts at y = 1 beside panel 1, not below it (Beyond 21)."""
    panels = {p["id"]: p for p in generate_grafana_dashboard()["panels"]}

    assert {"h": 8, "w": 12, "x": 0, "y": 1} == panels[1]["gridPos"]
    assert {"h": 8, "w": 12, "x": 12, "y": 1} == panels[2]["gridPos"]


def test_four_rows_carry_no_datasource_and_only_the_module_row_repeats() -> None:
    rows = [p for p in generate_grafana_dashboard()["panels"] if p["type"] == "row"]

    assert ["Overview", "Per-module Detail", "Module: $module", "Operational"] == [
        r["title"] for r in rows
    ]
    assert [False, False, True, False] == [r["collapsed"] for r in rows]
    assert all("datasource" not in r and "fieldConfig" not in r for r in rows)
    assert [[], [], []] == [r["panels"] for r in rows if r["id"] != 7]
    module_row = rows[2]
    assert ("module", "h") == (module_row["repeat"], module_row["repeatDirection"])
    assert all("repeat" not in r for r in rows if r["id"] != 7)


def test_module_row_holds_six_panels_matching_one_module_exactly() -> None:
    row = generate_grafana_dashboard()["panels"][7]

    assert MODULE_ROW == [
        (p["id"], p["type"], p["title"], tuple(p["gridPos"][k] for k in "hwxy"))
        for p in row["panels"]
    ]
    exprs = [t["expr"] for p in row["panels"] for t in p["targets"]]
    assert [
        'chaffra_module_health_score{module="$module"}',
        'chaffra_analysis_findings_total{module="$module"}',
        'chaffra_module_call_duration_seconds{module="$module"}',
        'chaffra_module_error_total{module="$module"}',
        'sum by (severity) (chaffra_analysis_findings_by_severity_total{module="$module"})',
        'chaffra_module_call_duration_seconds{module="$module"}',
    ] == exprs


def test_every_non_row_panel_uses_the_prometheus_datasource_and_lettered_targets() -> None:
    panels = [p for p in all_panels(generate_grafana_dashboard()) if p["type"] != "row"]

    assert 15 == len(panels)
    for panel in panels:
        assert DATASOURCE == panel["datasource"]
        assert {"defaults", "overrides"} == set(panel["fieldConfig"])
        refs = [t["refId"] for t in panel["targets"]]
        assert ["A", "B", "C"][: len(refs)] == refs
        assert all(DATASOURCE == t["datasource"] for t in panel["targets"])


def test_top_level_targets_query_the_documented_expressions_and_legends() -> None:
    panels = generate_grafana_dashboard()["panels"]

    assert {
        1: [('chaffra_module_health_score{module=~"$module"}', "{{module}}")],
        2: [('chaffra_analysis_findings_total{module=~"$module"}', "{{module}}")],
        3: [
            ("chaffra_findings_new_total", "New"),
            ("chaffra_findings_resolved_total", "Resolved"),
            ("chaffra_findings_unchanged_total", "Unchanged"),
        ],
        5: [('chaffra_module_call_duration_seconds{module=~"$module"}', "{{module}}")],
        6: [
            (
                "sum by (severity) (chaffra_analysis_findings_by_severity_total"
                '{module=~"$module",severity=~"$severity"})',
                "{{severity}}",
            )
        ],
        9: [('chaffra_module_error_total{module=~"$module"}', "{{module}}")],
        10: [
            ("chaffra_startup_total_duration_seconds", "Total"),
            ('chaffra_module_startup_duration_seconds{module=~"$module"}', "{{module}}"),
        ],
        11: [("chaffra_parse_cache_hit_rate", "Hit rate")],
        12: [
            ("chaffra_parse_cache_hits_total", "Hits"),
            ("chaffra_parse_cache_misses_total", "Misses"),
        ],
    } == {
        p["id"]: [(t["expr"], t["legendFormat"]) for t in p["targets"]]
        for p in panels
        if p["type"] != "row"
    }


def test_health_panels_query_one_family_with_a_module_label_not_a_name_regex() -> None:
    """The Prometheus backend exposes one ``chaffra_module_health_score`` family (Beyond 11)."""
    text = dashboard_json()

    assert "__name__" not in text
    assert "${module:raw}" not in text


def test_field_defaults_carry_units_ranges_thresholds_and_drill_links() -> None:
    defaults = {
        p["id"]: p["fieldConfig"]["defaults"]
        for p in all_panels(generate_grafana_dashboard())
        if p["type"] != "row"
    }
    drill = {"title": "Drill into ${__field.labels.module}", "url": DRILL_URL, "targetBlank": False}

    def steps(*pairs: tuple[str, int | None]) -> dict[str, Any]:
        return {"mode": "absolute", "steps": [{"color": c, "value": v} for c, v in pairs]}

    assert {
        "unit": "percent",
        "min": 0,
        "max": 100,
        "thresholds": steps(("red", None), ("orange", 40), ("yellow", 60), ("green", 80)),
        "links": [drill],
    } == defaults[1]
    assert {
        "unit": "short",
        "links": [
            {"title": "Filter to ${__field.labels.module}", "url": DRILL_URL, "targetBlank": False}
        ],
    } == defaults[2]
    assert {"unit": "s", "links": [drill]} == defaults[5]
    assert {
        "unit": "short",
        "links": [
            {
                "title": "Filter to ${__field.name} severity",
                "url": "/d/${__dashboard.uid}?var-severity=${__field.name}" + TIME_RANGE,
                "targetBlank": False,
            }
        ],
    } == defaults[6]
    assert {
        "unit": "short",
        "thresholds": steps(("green", None), ("red", 1)),
        "links": [
            {
                "title": "Drill into ${__field.labels.module} errors",
                "url": DRILL_URL,
                "targetBlank": False,
            }
        ],
    } == defaults[9]
    assert {"unit": "s"} == defaults[10]
    assert {"unit": "percentunit", "min": 0, "max": 1} == defaults[11]
    assert {
        "unit": "percent",
        "min": 0,
        "max": 100,
        "thresholds": steps(("red", None), ("yellow", 60), ("green", 80)),
    } == defaults[107]
    assert {"unit": "short", "thresholds": steps(("green", None), ("red", 1))} == defaults[110]
    assert ["short", "s", "short", "s"] == [defaults[i]["unit"] for i in (108, 109, 111, 112)]


def test_colour_overrides_pin_churn_and_severity_series() -> None:
    panels = {p["id"]: p for p in all_panels(generate_grafana_dashboard())}

    def colours(panel_id: int) -> dict[str, str]:
        result = {}
        for override in panels[panel_id]["fieldConfig"]["overrides"]:
            assert "byName" == override["matcher"]["id"]
            [prop] = override["properties"]
            assert ("color", "fixed") == (prop["id"], prop["value"]["mode"])
            result[override["matcher"]["options"]] = prop["value"]["fixedColor"]
        return result

    assert {"New": "red", "Resolved": "green", "Unchanged": "blue"} == colours(3)
    assert SEVERITY_COLOURS == colours(6)
    assert SEVERITY_COLOURS == colours(111)
    assert {"Hits": "green", "Misses": "orange"} == colours(12)
    assert [] == panels[1]["fieldConfig"]["overrides"]


def test_finding_count_panel_is_a_horizontal_unstacked_bar_chart() -> None:
    panel = generate_grafana_dashboard()["panels"][2]

    assert {"orientation": "horizontal", "stacking": "none"} == panel["options"]


def test_dashboard_json_round_trips_unchanged() -> None:
    text = dashboard_json()

    assert generate_grafana_dashboard() == json.loads(text)
    assert text == json.dumps(json.loads(text), indent=2)
    assert text.startswith('{\n  "__inputs": [')


def test_generation_is_deterministic_and_returns_a_fresh_document() -> None:
    first = generate_grafana_dashboard()
    first["panels"][1]["datasource"]["uid"] = "mutated"

    assert dashboard_json() == dashboard_json()
    assert DATASOURCE == generate_grafana_dashboard()["panels"][1]["datasource"]


@pytest.mark.parametrize("forbidden", ["tenant_id", "environment", "$project"])
def test_dashboard_references_no_tenant_environment_or_project(forbidden: str) -> None:
    assert forbidden not in dashboard_json()


def test_every_queried_metric_is_exposed_by_the_prometheus_renderer() -> None:
    """Names after stripping label selectors and ``sum by`` wrappers, over seeded + live data."""
    exposed = exposed_series()

    missing = sorted(
        {name for name, _ in queried_series(generate_grafana_dashboard())} - set(exposed)
    )

    assert [] == missing


def test_every_label_a_query_relies_on_is_carried_by_the_exposed_series() -> None:
    exposed = exposed_series()

    gaps = [
        (name, sorted(labels - exposed.get(name, set())))
        for name, labels in queried_series(generate_grafana_dashboard())
        if not labels <= exposed.get(name, set())
    ]

    assert [] == gaps


def test_consistency_check_catches_a_per_module_health_name() -> None:
    """The per-module spelling ``chaffra_module_dead_code_health_score`` is not exposed."""
    exposed = exposed_series()

    assert "chaffra_module_health_score" in exposed
    assert "chaffra_module_dead_code_health_score" not in exposed
