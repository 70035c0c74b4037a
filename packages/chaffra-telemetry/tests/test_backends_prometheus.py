"""Prometheus exposition: valid text, stable names, and the ASGI scrape endpoint."""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import pytest
from hypothesis import given
from prometheus_client.parser import text_string_to_metric_families

from chaffra_telemetry import (
    MetricDataPoint,
    MetricDefinition,
    MetricKind,
    TelemetryAudience,
    TelemetrySnapshot,
    project,
)
from chaffra_telemetry._projection import ProjectedSnapshot
from chaffra_telemetry.backends import (
    SCRAPE_HINT,
    PrometheusBackend,
    exposed_metric_names,
    prometheus_asgi_app,
    render_prometheus,
)
from chaffra_telemetry.testing.strategies import audiences, snapshots

NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")


def _point(name: str, value: float, **labels: str) -> MetricDataPoint:
    return MetricDataPoint(name=name, value=value, labels=labels, timestamp_ms=1)


def _define(name: str, kind: MetricKind, description: str = "") -> MetricDefinition:
    return MetricDefinition(name=name, kind=kind, description=description, unit="")


def _projected(
    *points: MetricDataPoint, definitions: tuple[MetricDefinition, ...] = ()
) -> ProjectedSnapshot:
    raw = TelemetrySnapshot(
        timestamp_ms=1, definitions={d.name: d for d in definitions}, data_points=points
    )
    return project(raw, TelemetryAudience.ON)


def _raw_names(text: str) -> set[str]:
    """Family names as written (the parser strips ``_total`` from counter families)."""
    names = set()
    for family in text_string_to_metric_families(text):
        written = f"{family.name}_total"
        counter = family.type == "counter" and f"# TYPE {written} counter\n" in text
        names.add(written if counter else family.name)
    return names


def test_render_prometheus_exposes_sorted_merged_families() -> None:
    projected = _projected(
        _point("chaffra.analysis.findings_total", 3.0, module="security"),
        _point("chaffra.module.dead-code.health_score", 92.0),
        _point("chaffra.module.security.health_score", 71.5, module="spoofed"),
        _point("chaffra.analysis.findings_total", 4.0, module="security"),
        _point("chaffra.analysis.duration_ms", 1012.0),
        _point("no.definition", -0.0),
        definitions=(
            _define("chaffra.analysis.findings_total", MetricKind.COUNTER, "Findings\\total"),
            _define("chaffra.analysis.duration_ms", MetricKind.HISTOGRAM, "Wall\ntime"),
            _define("unused.metric", MetricKind.GAUGE, "never shown"),
        ),
    )
    assert (
        "# HELP chaffra_analysis_duration_seconds Wall\\ntime\n"
        "# TYPE chaffra_analysis_duration_seconds gauge\n"
        "chaffra_analysis_duration_seconds 1.012\n"
        "# HELP chaffra_analysis_findings_total Findings\\\\total\n"
        "# TYPE chaffra_analysis_findings_total counter\n"
        'chaffra_analysis_findings_total{module="security"} 4\n'
        "# HELP chaffra_module_health_score Per-module summary value health_score,"
        " one series per module\n"
        "# TYPE chaffra_module_health_score gauge\n"
        'chaffra_module_health_score{module="dead-code"} 92\n'
        'chaffra_module_health_score{module="security"} 71.5\n'
        "# HELP no_definition chaffra metric no.definition\n"
        "# TYPE no_definition gauge\n"
        "no_definition -0\n"
    ) == render_prometheus(projected)


def test_a_counter_ends_in_total_and_gets_help_text_without_a_description() -> None:
    projected = _projected(
        _point("chaffra.findings.new", 2.0),
        definitions=(_define("chaffra.findings.new", MetricKind.COUNTER, ""),),
    )
    assert (
        "# HELP chaffra_findings_new_total chaffra metric chaffra.findings.new\n"
        "# TYPE chaffra_findings_new_total counter\n"
        "chaffra_findings_new_total 2\n"
    ) == render_prometheus(projected)


def test_milliseconds_are_exposed_in_seconds_whatever_the_metric() -> None:
    """Prometheus wants base units: ``_ms`` becomes ``_seconds`` and the value is divided."""
    projected = _projected(
        _point("chaffra.module.call_duration_ms", 850.0, module="security"),
        _point("chaffra.module.complexity.scan_ms", 20.0),
        _point("plugin.wait_ms", 1.0),
        _point("chaffra.analysis.duration_ms", 207.0),
    )
    families = {f.name: f for f in text_string_to_metric_families(render_prometheus(projected))}
    assert {
        "chaffra_module_call_duration_seconds": [({"module": "security"}, 0.85)],
        "chaffra_module_scan_seconds": [({"module": "complexity"}, 0.02)],
        "plugin_wait_seconds": [({}, 0.001)],
        "chaffra_analysis_duration_seconds": [({}, 0.207)],
    } == {name: [(s.labels, s.value) for s in f.samples] for name, f in families.items()}


def test_module_summary_keys_that_shadow_catalog_names_get_a_summary_family() -> None:
    projected = _projected(
        _point("chaffra.module.load.error_total", 1.0),
        _point("chaffra.module.error_total", 2.0, module="load"),
    )
    assert {"chaffra_module_summary_error_total", "chaffra_module_error_total"} == (
        exposed_metric_names(projected)
    )


def test_hostile_names_and_labels_render_as_valid_exposition() -> None:
    hostile = 'a\\b"c\nd'
    projected = _projected(
        _point("1-bad.name é", 1.0, **{"label-x": hostile, "9": "n", "__name__": "x"}),
        _point("chaffra.module.dead-code.a.b", math.nan, module=hostile),
        _point("inf", math.inf),
        _point("neg.inf", -math.inf),
        definitions=(_define("1-bad.name é", MetricKind.GAUGE, 'help "quoted" \\ \n end'),),
    )
    text = render_prometheus(projected)
    families = {f.name: f for f in text_string_to_metric_families(text)}
    assert {"_1_bad_name__", "chaffra_module_a_b", "inf", "neg_inf"} == set(families)
    bad = families["_1_bad_name__"]
    assert 'help "quoted" \\ \n end' == bad.documentation
    assert [({"label_x": hostile, "_9": "n", "l__name__": "x"}, 1.0)] == [
        (s.labels, s.value) for s in bad.samples
    ]
    (summary,) = families["chaffra_module_a_b"].samples
    assert {"module": "dead-code"} == summary.labels
    assert math.isnan(summary.value)
    assert [math.inf, -math.inf] == [families[n].samples[0].value for n in ("inf", "neg_inf")]


@given(snapshots(), audiences)
def test_every_snapshot_renders_parseable_exposition(
    snapshot: TelemetrySnapshot, audience: TelemetryAudience
) -> None:
    projected = project(snapshot, audience)
    text = render_prometheus(projected)
    families = list(text_string_to_metric_families(text))
    assert exposed_metric_names(projected) == _raw_names(text)
    for family in families:
        assert NAME.fullmatch(family.name)
        assert family.samples, "HELP/TYPE only for families with points"
        for sample in family.samples:
            assert all(LABEL.fullmatch(k) and not k.startswith("__") for k in sample.labels)
    series = [(s.name, tuple(sorted(s.labels.items()))) for f in families for s in f.samples]
    assert len(set(series)) == len(series)
    assert text == render_prometheus(projected)


def test_prometheus_backend_keeps_the_latest_exposition_and_prints_nothing(
    capsys: pytest.CaptureFixture[str],
) -> None:
    backend = PrometheusBackend()
    assert (None, None) == (backend.latest_exposition(), backend.latest_snapshot())
    projected = _projected(_point("chaffra.health.score", 80.0))
    backend.flush(projected)
    assert render_prometheus(projected) == backend.latest_exposition()
    assert projected is backend.latest_snapshot()
    assert backend.inspect(projected) == backend.latest_exposition()
    assert ("", "") == tuple(capsys.readouterr())
    assert SCRAPE_HINT == backend.test_connection()
    assert "9090" not in SCRAPE_HINT


def _drive(
    app: Callable[..., Any], scope: Mapping[str, Any], incoming: list[dict[str, Any]] | None = None
) -> list[dict[str, Any]]:
    """Run one ASGI call to completion and return what the app sent."""
    sent: list[dict[str, Any]] = []
    queue = list(incoming or [{"type": "http.request", "body": b"", "more_body": False}])

    async def receive() -> dict[str, Any]:
        return queue.pop(0)

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app(dict(scope), receive, send))
    return sent


def _http(method: str = "GET", path: str = "/", root_path: str = "") -> dict[str, Any]:
    return {"type": "http", "method": method, "path": path, "root_path": root_path}


def _status_headers_body(sent: list[dict[str, Any]]) -> tuple[int, dict[bytes, bytes], bytes]:
    start, body = sent
    assert ("http.response.start", "http.response.body") == (start["type"], body["type"])
    return start["status"], dict(start["headers"]), body["body"]


def test_asgi_app_serves_the_exposition_on_its_root() -> None:
    projected = _projected(_point("chaffra.health.score", 80.0))
    app = prometheus_asgi_app(lambda: projected)
    status, headers, body = _status_headers_body(_drive(app, _http()))
    assert 200 == status
    assert b"text/plain; version=0.0.4; charset=utf-8" == headers[b"content-type"]
    assert render_prometheus(projected).encode() == body
    assert str(len(body)).encode() == headers[b"content-length"]
    mounted = _drive(app, _http(path="/metrics", root_path="/metrics"))
    assert 200 == _status_headers_body(mounted)[0]
    assert 200 == _status_headers_body(_drive(app, _http(path="")))[0]


def test_asgi_app_answers_head_without_a_body() -> None:
    app = prometheus_asgi_app(lambda: _projected(_point("chaffra.health.score", 1.0)))
    status, headers, body = _status_headers_body(_drive(app, _http("HEAD")))
    assert (200, b"") == (status, body)
    assert int(headers[b"content-length"]) > 0


def test_asgi_app_answers_404_405_and_503() -> None:
    app = prometheus_asgi_app(lambda: None)
    assert 404 == _status_headers_body(_drive(app, _http(path="/other")))[0]
    assert 404 == _status_headers_body(_drive(app, _http(path="/m/x", root_path="/m")))[0]
    assert 404 == _status_headers_body(_drive(app, _http(path="/x", root_path="/m")))[0]
    status, headers, _ = _status_headers_body(_drive(app, _http("POST")))
    assert (405, b"GET, HEAD") == (status, headers[b"allow"])
    status, _, body = _status_headers_body(_drive(app, _http()))
    assert (503, b"no telemetry flushed yet\n") == (status, body)


def test_asgi_app_completes_the_lifespan_protocol() -> None:
    app = prometheus_asgi_app(lambda: None)
    incoming = [
        {"type": "lifespan.startup"},
        {"type": "lifespan.unknown"},
        {"type": "lifespan.shutdown"},
    ]
    assert [
        {"type": "lifespan.startup.complete"},
        {"type": "lifespan.shutdown.complete"},
    ] == _drive(app, {"type": "lifespan"}, incoming)


def test_asgi_app_refuses_websockets() -> None:
    app = prometheus_asgi_app(lambda: None)
    sent = _drive(app, {"type": "websocket", "path": "/"}, [{"type": "websocket.connect"}])
    assert [{"type": "websocket.close", "code": 1000}] == sent
