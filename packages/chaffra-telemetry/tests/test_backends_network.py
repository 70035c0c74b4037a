"""OTLP/HTTP and StatsD export against real receivers on loopback (port 0)."""

from __future__ import annotations

import contextlib
import json
import math
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version
from typing import Any

import pytest

from chaffra_telemetry import (
    MetricDataPoint,
    MetricDefinition,
    MetricKind,
    TelemetryAudience,
    TelemetrySnapshot,
    project,
)
from chaffra_telemetry._projection import ProjectedSnapshot
from chaffra_telemetry.backends import OtlpBackend, StatsdBackend
from chaffra_telemetry.errors import BackendError, InvalidBackendConfig

TIMEOUT = 5.0


class Collector(ThreadingHTTPServer):
    """An OTLP/HTTP receiver that records every request."""

    status = 200
    requests: list[tuple[str, str, bytes]]


class _Handler(BaseHTTPRequestHandler):
    server: Collector

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.requests.append((self.path, self.headers["Content-Type"], body))
        self.send_response(self.server.status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""


@contextlib.contextmanager
def collector(status: int = 200) -> Iterator[Collector]:
    server = Collector(("127.0.0.1", 0), _Handler)
    server.status, server.requests = status, []
    thread = threading.Thread(target=server.serve_forever)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()
        thread.join(TIMEOUT)


def _url(server: Collector) -> str:
    return f"http://127.0.0.1:{server.server_address[1]}"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def _snapshot() -> ProjectedSnapshot:
    definitions = [
        MetricDefinition(name="c", kind=MetricKind.COUNTER, description="a counter", unit="count"),
        MetricDefinition(name="g", kind=MetricKind.GAUGE, description="", unit="ratio"),
        MetricDefinition(name="h", kind=MetricKind.HISTOGRAM, description="", unit="ms"),
    ]
    points = (
        MetricDataPoint(name="c", value=2.0, labels={"z": "1", "a": "2"}, timestamp_ms=1000),
        MetricDataPoint(name="g", value=0.5, timestamp_ms=1001),
        MetricDataPoint(name="c", value=3.0, labels={"a": "3"}, timestamp_ms=1002),
        MetricDataPoint(name="h", value=62.0, labels={"module": "x"}, timestamp_ms=1003),
        MetricDataPoint(name="u", value=1.5, timestamp_ms=2**42),
    )
    raw = TelemetrySnapshot(
        timestamp_ms=1, definitions={d.name: d for d in definitions}, data_points=points
    )
    return project(raw, TelemetryAudience.ON)


def _attr(key: str, value: str) -> dict[str, Any]:
    return {"key": key, "value": {"stringValue": value}}


def test_otlp_posts_grouped_metrics_as_otlp_json() -> None:
    with collector() as server:
        OtlpBackend(_url(server)).flush(_snapshot())
    ((path, content_type, body),) = server.requests
    assert ("/v1/metrics", "application/json") == (path, content_type)
    (resource,) = json.loads(body)["resourceMetrics"]
    assert [_attr("service.name", "chaffra")] == resource["resource"]["attributes"]
    (scope,) = resource["scopeMetrics"]
    assert {"name": "chaffra-telemetry", "version": version("chaffra-telemetry")} == (
        scope["scope"]
    )
    counter, gauge, histogram, undefined = scope["metrics"]
    assert {
        "name": "c",
        "description": "a counter",
        "unit": "count",
        "sum": {
            "dataPoints": [
                {
                    "attributes": [_attr("a", "2"), _attr("z", "1")],
                    "timeUnixNano": "1000000000",
                    "asDouble": 2.0,
                },
                {"attributes": [_attr("a", "3")], "timeUnixNano": "1002000000", "asDouble": 3.0},
            ],
            "aggregationTemporality": 2,
            "isMonotonic": True,
        },
    } == counter
    assert {"dataPoints": [{"attributes": [], "timeUnixNano": "1001000000", "asDouble": 0.5}]} == (
        gauge["gauge"]
    )
    assert ("ratio", "ms", "") == (gauge["unit"], histogram["unit"], undefined["unit"])
    assert "gauge" in histogram
    assert str(2**42 * 1_000_000) == undefined["gauge"]["dataPoints"][0]["timeUnixNano"]


def test_otlp_inspect_previews_the_payload_and_spells_non_finite_values() -> None:
    raw = TelemetrySnapshot(
        timestamp_ms=1,
        data_points=tuple(
            MetricDataPoint(name=n, value=v, timestamp_ms=1)
            for n, v in (("nan", math.nan), ("inf", math.inf), ("ninf", -math.inf))
        ),
    )
    payload = json.loads(OtlpBackend().inspect(project(raw, TelemetryAudience.ON)))
    metrics = payload["resourceMetrics"][0]["scopeMetrics"][0]["metrics"]
    assert ["NaN", "Infinity", "-Infinity"] == [
        m["gauge"]["dataPoints"][0]["asDouble"] for m in metrics
    ]


def test_otlp_reports_a_non_2xx_answer() -> None:
    with collector(status=500) as server, pytest.raises(BackendError) as raised:
        OtlpBackend(_url(server)).flush(_snapshot())
    assert f"backend error: OTLP collector at {_url(server)}/v1/metrics answered HTTP 500" in str(
        raised.value
    )


def test_otlp_reports_a_refused_connection_as_unreachable() -> None:
    backend = OtlpBackend(f"http://127.0.0.1:{_closed_port()}")
    with pytest.raises(BackendError, match=r"OTLP collector unreachable at http://127\.0\.0\.1"):
        backend.flush(_snapshot())
    with pytest.raises(BackendError, match="OTLP collector unreachable"):
        backend.test_connection()


def test_otlp_gives_up_on_a_collector_that_never_answers() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)  # the kernel completes the handshake; nobody ever reads
        backend = OtlpBackend(f"http://127.0.0.1:{listener.getsockname()[1]}", timeout=0.2)
        with pytest.raises(BackendError, match=r"unreachable.*timed out"):
            backend.flush(_snapshot())


def test_otlp_reports_a_malformed_answer() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)

        def answer_garbage() -> None:
            connection, _ = listener.accept()
            with connection:
                connection.recv(65536)
                connection.sendall(b"garbage\r\n\r\n")

        thread = threading.Thread(target=answer_garbage)
        thread.start()
        backend = OtlpBackend(f"http://127.0.0.1:{listener.getsockname()[1]}", timeout=TIMEOUT)
        with pytest.raises(BackendError, match="unreachable"):
            backend.flush(_snapshot())
        thread.join(TIMEOUT)


def test_otlp_test_connection_reports_a_reachable_collector() -> None:
    with collector() as server:
        message = OtlpBackend(_url(server) + "/v1/metrics/").test_connection()
    assert f"OTLP collector reachable at {_url(server)}/v1/metrics" == message
    assert [] == server.requests


def test_otlp_endpoint_defaults_the_port_from_the_scheme() -> None:
    assert ("collector", 443) == OtlpBackend("https://collector").address
    assert ("collector", 80) == OtlpBackend("http://collector/").address


@pytest.mark.parametrize(
    "endpoint", ["localhost:4318", "ftp://host", "http://", "http://host:99999", ""]
)
def test_otlp_rejects_a_malformed_endpoint(endpoint: str) -> None:
    with pytest.raises(InvalidBackendConfig, match="endpoint"):
        OtlpBackend(endpoint)


@pytest.mark.parametrize("timeout", [0.0, -1.0, math.nan, math.inf])
def test_otlp_rejects_an_invalid_timeout(timeout: float) -> None:
    with pytest.raises(InvalidBackendConfig, match="timeout"):
        OtlpBackend(timeout=timeout)


@contextlib.contextmanager
def udp_receiver() -> Iterator[socket.socket]:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(TIMEOUT)
        yield sock


def _receive(sock: socket.socket, count: int) -> list[bytes]:
    return [sock.recvfrom(65536)[0] for _ in range(count)]


def test_statsd_sends_typed_lines_over_udp() -> None:
    raw = TelemetrySnapshot(
        timestamp_ms=1,
        definitions={
            d.name: d
            for d in (
                MetricDefinition(name="c", kind=MetricKind.COUNTER, description="", unit=""),
                MetricDefinition(name="g", kind=MetricKind.GAUGE, description="", unit=""),
                MetricDefinition(
                    name="chaffra.module.call_duration_ms",
                    kind=MetricKind.HISTOGRAM,
                    description="",
                    unit="ms",
                ),
            )
        },
        data_points=(
            MetricDataPoint(name="c", value=2.0, timestamp_ms=1),
            MetricDataPoint(name="g", value=0.1875, timestamp_ms=1),
            MetricDataPoint(
                name="chaffra.module.call_duration_ms",
                value=62.0,
                labels={"module": "complexity"},
                timestamp_ms=1,
            ),
            MetricDataPoint(
                name="we:ird|na,me#@\n", value=1.0, labels={"t|a#g": "v:1,2@\r\n"}, timestamp_ms=1
            ),
            MetricDataPoint(name=":|", value=1.0, timestamp_ms=1),
            MetricDataPoint(name="nan", value=math.nan, timestamp_ms=1),
            MetricDataPoint(name="u", value=3.0, labels={"#": "dropped"}, timestamp_ms=1),
        ),
    )
    projected = project(raw, TelemetryAudience.ON)
    with udp_receiver() as sock:
        backend = StatsdBackend(f"127.0.0.1:{sock.getsockname()[1]}")
        backend.flush(projected)
        (datagram,) = _receive(sock, 1)
    expected = [
        "c:2|c",
        "g:0.1875|g",
        "chaffra.module.call_duration_ms:62|ms|#module:complexity",
        "weirdname:1|g|#tag:v12",
        "u:3|g",
    ]
    assert expected == datagram.decode().split("\n")
    assert "\n".join(expected) == backend.inspect(projected)


def test_statsd_packs_lines_into_datagrams_under_1432_bytes() -> None:
    points = tuple(
        MetricDataPoint(name=f"metric.{i:03}.{'x' * 40}", value=float(i), timestamp_ms=1)
        for i in range(200)
    )
    projected = project(TelemetrySnapshot(timestamp_ms=1, data_points=points), TelemetryAudience.ON)
    expected = StatsdBackend().inspect(projected).split("\n")
    with udp_receiver() as sock:
        StatsdBackend(f"localhost:{sock.getsockname()[1]}").flush(projected)
        received: list[bytes] = []
        while sum(d.count(b"\n") + 1 for d in received) < len(expected):
            received.extend(_receive(sock, 1))
    assert all(len(d) <= 1432 for d in received)
    assert len(received) == math.ceil(len("\n".join(expected).encode()) / 1432)
    assert expected == b"\n".join(received).decode().split("\n")


def test_statsd_reports_how_many_datagrams_failed() -> None:
    points = (
        MetricDataPoint(name="ok", value=1.0, timestamp_ms=1),
        MetricDataPoint(name="x" * 70000, value=1.0, timestamp_ms=1),  # over the UDP maximum
    )
    projected = project(TelemetrySnapshot(timestamp_ms=1, data_points=points), TelemetryAudience.ON)
    with udp_receiver() as sock:
        backend = StatsdBackend(f"127.0.0.1:{sock.getsockname()[1]}")
        with pytest.raises(BackendError, match="1 of 2 datagrams failed"):
            backend.flush(projected)
        assert [b"ok:1|g"] == _receive(sock, 1)


def test_statsd_sends_nothing_for_an_empty_snapshot(monkeypatch: pytest.MonkeyPatch) -> None:
    def never(*args: object, **kwargs: object) -> None:
        raise AssertionError("resolved an endpoint for nothing")

    monkeypatch.setattr(socket, "getaddrinfo", never)
    StatsdBackend().flush(project(TelemetrySnapshot(timestamp_ms=1), TelemetryAudience.ON))


def test_statsd_reports_resolution_and_socket_failures(monkeypatch: pytest.MonkeyPatch) -> None:
    projected = _snapshot()
    backend = StatsdBackend("[::1]:8125")
    assert ("::1", 8125) == (backend.host, backend.port)
    assert "127.0.0.1" in StatsdBackend().test_connection()

    def refuse_socket(*args: object, **kwargs: object) -> None:
        raise OSError("no sockets left")

    monkeypatch.setattr(socket, "socket", refuse_socket)
    with pytest.raises(BackendError, match="cannot open a UDP socket: no sockets left"):
        StatsdBackend().flush(projected)

    def fail(*args: object, **kwargs: object) -> None:
        raise socket.gaierror("name unknown")

    monkeypatch.setattr(socket, "getaddrinfo", fail)
    with pytest.raises(BackendError, match=r"cannot resolve StatsD host statsd\.example"):
        StatsdBackend("statsd.example:8125").flush(projected)
    with pytest.raises(BackendError, match="cannot resolve"):
        StatsdBackend("statsd.example:8125").test_connection()


@pytest.mark.parametrize(
    "endpoint", ["no-port", ":8125", "host:", "host:0", "host:65536", "host:x", "host:٣"]
)
def test_statsd_rejects_a_malformed_endpoint(endpoint: str) -> None:
    with pytest.raises(InvalidBackendConfig, match="expected host:port"):
        StatsdBackend(endpoint)
