"""Under user-only, no backend's actual output carries an operator metric or a span."""

from __future__ import annotations

import contextlib
import io
import json
import socket
import tempfile
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from prometheus_client.parser import text_string_to_metric_families

from chaffra_telemetry import TelemetryAudience, TelemetrySnapshot, project
from chaffra_telemetry._catalog import OPERATOR
from chaffra_telemetry.backends import (
    CloudWatchBackend,
    JsonFileBackend,
    OtlpBackend,
    PrometheusBackend,
    StatsdBackend,
    StderrBackend,
)
from chaffra_telemetry.backends._prometheus import sanitize_metric_name
from chaffra_telemetry.backends._statsd import pack_datagrams, statsd_lines
from chaffra_telemetry.testing.strategies import snapshots

TIMEOUT = 5.0


class _Collector(ThreadingHTTPServer):
    bodies: list[bytes]


class _Handler(BaseHTTPRequestHandler):
    server: _Collector

    def do_POST(self) -> None:
        self.server.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


@pytest.fixture(scope="module")
def otlp_collector() -> Iterator[_Collector]:
    server = _Collector(("127.0.0.1", 0), _Handler)
    server.bodies = []
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(TIMEOUT)


@pytest.fixture(scope="module")
def statsd_receiver() -> Iterator[socket.socket]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(TIMEOUT)
        yield sock


@contextlib.contextmanager
def _directory() -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as name:
        yield Path(name)


def _json_names(text: str) -> set[str]:
    document = json.loads(text)
    assert [] == document["spans"]
    assert {"module_call_durations": {}, "module_error_counts": {}} == document["operator_summary"]
    definitions = document["definitions"]
    return (
        {p["name"] for p in document["data_points"]}
        | set(definitions)
        | {d["name"] for d in definitions.values()}
    )


def _prometheus_names(text: str) -> set[str]:
    """Family names as written (the parser strips ``_total`` from counter families)."""
    names = set()
    for family in text_string_to_metric_families(text):
        written = f"{family.name}_total"
        counter = family.type == "counter" and f"# TYPE {written} counter\n" in text
        names.add(written if counter else family.name)
    return names


def _otlp_names(body: bytes) -> set[str]:
    (resource,) = json.loads(body)["resourceMetrics"]
    (scope,) = resource["scopeMetrics"]
    return {m["name"] for m in scope["metrics"]}


def _emf_names(text: str) -> set[str]:
    names = set()
    for line in text.splitlines():
        record = json.loads(line)
        for directive in record["_aws"]["CloudWatchMetrics"]:
            names |= {m["Name"] for m in directive["Metrics"]}
        names |= set(record) - {"_aws"}
    return names


@settings(deadline=None, max_examples=60, suppress_health_check=[HealthCheck.too_slow])
@given(snapshots())
def test_user_only_output_of_every_backend_has_no_operator_metric_or_span(
    otlp_collector: _Collector, statsd_receiver: socket.socket, snapshot: TelemetrySnapshot
) -> None:
    projected = project(snapshot, TelemetryAudience.USER_ONLY)
    span_names = {s.name for s in snapshot.spans}
    forbidden = OPERATOR | span_names
    outputs: dict[str, set[str]] = {}

    with _directory() as directory:
        JsonFileBackend("t.json", project_root=directory).flush(projected)
        outputs["json-file"] = _json_names((directory / "t.json").read_text(encoding="utf-8"))
        CloudWatchBackend(path="emf.log", project_root=directory).flush(projected)
        emf = directory / "emf.log"
        outputs["cloudwatch"] = (
            _emf_names(emf.read_text(encoding="utf-8")) if emf.exists() else set()
        )

    stream = io.StringIO()
    StderrBackend(stream).flush(projected)
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    outputs["stderr"] = {line.get("name", line.get("event")) for line in lines}

    otlp_collector.bodies.clear()
    OtlpBackend(f"http://127.0.0.1:{otlp_collector.server_address[1]}").flush(projected)
    (body,) = otlp_collector.bodies
    outputs["otlp"] = _otlp_names(body)

    StatsdBackend(f"127.0.0.1:{statsd_receiver.getsockname()[1]}").flush(projected)
    expected = len(pack_datagrams(statsd_lines(projected)))
    datagrams = [statsd_receiver.recvfrom(65536)[0] for _ in range(expected)]
    outputs["statsd"] = {
        line.split(":", 1)[0] for d in datagrams for line in d.decode("utf-8").split("\n")
    }

    for name, names in outputs.items():
        assert set() == names & forbidden, name

    prometheus = PrometheusBackend()
    prometheus.flush(projected)
    text = prometheus.latest_exposition()
    assert text is not None
    sanitized = {sanitize_metric_name(n) for n in forbidden}
    assert set() == _prometheus_names(text) & sanitized
