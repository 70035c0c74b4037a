"""The ``otlp`` backend: OTLP/HTTP JSON export of metrics to ``<endpoint>/v1/metrics``."""

from __future__ import annotations

import http.client
import math
import socket
import urllib.error
import urllib.request
from importlib.metadata import version
from typing import Any

from chaffra_telemetry._endpoints import parse_http_url
from chaffra_telemetry._metrics import MetricDataPoint, MetricKind
from chaffra_telemetry._projection import ProjectedSnapshot, require_projected
from chaffra_telemetry.backends._format import compact_json, pretty_json
from chaffra_telemetry.errors import BackendError, InvalidBackendConfig

__all__ = ["DEFAULT_OTLP_ENDPOINT", "OtlpBackend", "otlp_payload"]

DEFAULT_OTLP_ENDPOINT = "http://localhost:4318"
_CUMULATIVE = 2  # AGGREGATION_TEMPORALITY_CUMULATIVE
_CONNECT_PROBE_TIMEOUT = 1.0


def otlp_payload(snapshot: ProjectedSnapshot) -> dict[str, Any]:
    """The ``ExportMetricsServiceRequest`` for ``snapshot`` in the OTLP JSON mapping.

    Points are grouped per metric name (first-seen order); counters become a
    monotonic cumulative ``sum``, gauges, histograms and undefined metrics a
    ``gauge``. 64-bit integers (``timeUnixNano``) are strings, as the mapping requires.

    Raises:
        TypeError: ``snapshot`` is not a :class:`ProjectedSnapshot`.
    """
    snapshot = require_projected(snapshot)
    grouped: dict[str, list[MetricDataPoint]] = {}
    for point in snapshot.data_points:
        grouped.setdefault(point.name, []).append(point)
    metrics = []
    for name, points in grouped.items():
        definition = snapshot.definitions.get(name)
        metric: dict[str, Any] = {
            "name": name,
            "description": definition.description if definition else "",
            "unit": definition.unit if definition else "",
        }
        data = {"dataPoints": [_point(p) for p in points]}
        if definition is not None and definition.kind is MetricKind.COUNTER:
            metric["sum"] = {**data, "aggregationTemporality": _CUMULATIVE, "isMonotonic": True}
        else:
            metric["gauge"] = data
        metrics.append(metric)
    scope = {"name": "chaffra-telemetry", "version": version("chaffra-telemetry")}
    return {
        "resourceMetrics": [
            {
                "resource": {"attributes": [_attribute("service.name", "chaffra")]},
                "scopeMetrics": [{"scope": scope, "metrics": metrics}],
            }
        ]
    }


def _point(point: MetricDataPoint) -> dict[str, Any]:
    return {
        "attributes": [_attribute(k, point.labels[k]) for k in sorted(point.labels)],
        "timeUnixNano": str(point.timestamp_ms * 1_000_000),
        "asDouble": _double(point.value),
    }


def _attribute(key: str, value: str) -> dict[str, Any]:
    return {"key": key, "value": {"stringValue": value}}


def _double(value: float) -> float | str:
    # The protobuf JSON mapping spells non-finite doubles as strings.
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


class OtlpBackend:
    """POST each flush to an OTLP/HTTP collector (JSON encoding, stdlib only).

    Raises:
        InvalidBackendConfig: ``endpoint`` is not an ``http``/``https`` URL with a
            host, or ``timeout`` is not a positive number.
    """

    name = "otlp"

    def __init__(self, endpoint: str = DEFAULT_OTLP_ENDPOINT, *, timeout: float = 5.0) -> None:
        if not (math.isfinite(timeout) and timeout > 0):
            raise InvalidBackendConfig("timeout", timeout, "a positive number of seconds")
        self.url, self.address = parse_http_url(endpoint)
        """The metrics URL and the ``(host, port)`` :meth:`test_connection` probes."""
        self.timeout = timeout

    def flush(self, snapshot: ProjectedSnapshot) -> None:
        """POST the payload; any non-2xx answer, refusal or timeout raises.

        Raises:
            TypeError: ``snapshot`` is not a :class:`ProjectedSnapshot`.
            BackendError: the collector is unreachable, timed out or answered non-2xx.
        """
        body = compact_json(otlp_payload(snapshot)).encode("utf-8")
        request = urllib.request.Request(
            self.url, data=body, method="POST", headers={"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                response.read()
        except urllib.error.HTTPError as error:
            error.close()  # it holds the open response
            raise BackendError(
                f"OTLP collector at {self.url} answered HTTP {error.code} {error.reason}"
            ) from error
        except (OSError, http.client.HTTPException) as error:
            # URLError (an OSError) wraps refusals and connect timeouts in ``reason``;
            # a timeout while waiting for the answer arrives as a bare TimeoutError.
            detail = error.reason if isinstance(error, urllib.error.URLError) else error
            raise BackendError(f"OTLP collector unreachable at {self.url}: {detail}") from error

    def test_connection(self) -> str:
        """A TCP connect to the collector's host and port with a short timeout.

        Raises:
            BackendError: the connection was refused or timed out.
        """
        timeout = min(self.timeout, _CONNECT_PROBE_TIMEOUT)
        try:
            with socket.create_connection(self.address, timeout=timeout):
                pass
        except OSError as error:
            raise BackendError(f"OTLP collector unreachable at {self.url}: {error}") from error
        return f"OTLP collector reachable at {self.url}"

    def inspect(self, snapshot: ProjectedSnapshot) -> str:
        """The payload :meth:`flush` sends, pretty-printed.

        Raises:
            TypeError: ``snapshot`` is not a :class:`ProjectedSnapshot`.
        """
        return pretty_json(otlp_payload(snapshot))
