"""Telemetry backends: where a :class:`~chaffra_telemetry.ProjectedSnapshot` goes.

Every backend's ``flush`` and ``inspect`` accept only a projected snapshot
(``TypeError`` otherwise), so audience projection always happens first.
:func:`create_backends` builds them from configuration and reports their status;
:func:`flush_each` hands a snapshot to each. A backend's module is imported when
it is first used (PEP 562), not with this package.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from chaffra_telemetry.backends._base import Backend, BackendStatus
from chaffra_telemetry.backends._factory import (
    FlushOutcome,
    create_backend,
    create_backends,
    flush_each,
)

if TYPE_CHECKING:
    from chaffra_telemetry.backends._asgi import prometheus_asgi_app
    from chaffra_telemetry.backends._cloudwatch import CloudWatchBackend
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
    "FlushOutcome",
    "JsonFileBackend",
    "OtlpBackend",
    "PrometheusBackend",
    "StatsdBackend",
    "StderrBackend",
    "create_backend",
    "create_backends",
    "exposed_metric_names",
    "flush_each",
    "format_number",
    "prometheus_asgi_app",
    "render_prometheus",
]

_HOMES = {
    "prometheus_asgi_app": "_asgi",
    "CloudWatchBackend": "_cloudwatch",
    "format_number": "_format",
    "JsonFileBackend": "_json_file",
    "OtlpBackend": "_otlp",
    "SCRAPE_HINT": "_prometheus",
    "PrometheusBackend": "_prometheus",
    "exposed_metric_names": "_prometheus",
    "render_prometheus": "_prometheus",
    "StatsdBackend": "_statsd",
    "StderrBackend": "_stderr",
}


def __getattr__(name: str) -> object:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
