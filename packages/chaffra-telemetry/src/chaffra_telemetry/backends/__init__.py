"""Telemetry backends: where a :class:`~chaffra_telemetry.ProjectedSnapshot` goes.

Every backend's ``flush`` and ``inspect`` accept only a projected snapshot
(``TypeError`` otherwise), so audience projection always happens first.
:func:`create_backends` builds them from configuration and reports their status.
"""

from __future__ import annotations

from chaffra_telemetry.backends._asgi import prometheus_asgi_app
from chaffra_telemetry.backends._base import Backend, BackendStatus
from chaffra_telemetry.backends._cloudwatch import CloudWatchBackend
from chaffra_telemetry.backends._factory import create_backend, create_backends
from chaffra_telemetry.backends._format import format_number
from chaffra_telemetry.backends._json_file import JsonFileBackend
from chaffra_telemetry.backends._otlp import OtlpBackend
from chaffra_telemetry.backends._prometheus import (
    SCRAPE_HINT,
    PrometheusBackend,
    exposed_metric_names,
    render_prometheus,
)
from chaffra_telemetry.backends._statsd import StatsdBackend
from chaffra_telemetry.backends._stderr import StderrBackend

__all__ = [
    "SCRAPE_HINT",
    "Backend",
    "BackendStatus",
    "CloudWatchBackend",
    "JsonFileBackend",
    "OtlpBackend",
    "PrometheusBackend",
    "StatsdBackend",
    "StderrBackend",
    "create_backend",
    "create_backends",
    "exposed_metric_names",
    "format_number",
    "prometheus_asgi_app",
    "render_prometheus",
]
