"""Build backends from configuration and report whether each is usable."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from chaffra_telemetry._config import DEFAULT_JSON_FILE_PATH, BackendConfig, BackendKind
from chaffra_telemetry.backends._base import Backend, BackendStatus
from chaffra_telemetry.backends._cloudwatch import DEFAULT_NAMESPACE, CloudWatchBackend
from chaffra_telemetry.backends._format import parse_timeout
from chaffra_telemetry.backends._json_file import JsonFileBackend
from chaffra_telemetry.backends._otlp import DEFAULT_OTLP_ENDPOINT, OtlpBackend
from chaffra_telemetry.backends._prometheus import PrometheusBackend
from chaffra_telemetry.backends._statsd import DEFAULT_STATSD_ENDPOINT, StatsdBackend
from chaffra_telemetry.backends._stderr import StderrBackend
from chaffra_telemetry.errors import InvalidBackendConfig, TelemetryError

__all__ = ["create_backend", "create_backends"]

_DEFAULT_PROMETHEUS_PORT = 9090


def create_backend(config: BackendConfig, *, project_root: Path | None = None) -> Backend:
    """The backend ``config`` describes, with the documented defaults for missing fields.

    ``project_root`` anchors relative file paths (``json-file``, ``cloudwatch``).
    Options: ``prometheus`` reads ``port``; ``otlp`` reads ``timeout`` (seconds,
    default 5); ``cloudwatch`` reads ``namespace`` (default ``chaffra``) and writes
    to ``path`` or, without one, to stdout.

    Raises:
        InvalidBackendConfig: an endpoint or option is malformed.
    """
    kind = config.kind
    if kind is BackendKind.JSON_FILE:
        return JsonFileBackend(config.path or DEFAULT_JSON_FILE_PATH, project_root=project_root)
    if kind is BackendKind.STDERR:
        return StderrBackend()
    if kind is BackendKind.PROMETHEUS:
        return PrometheusBackend(port=_port(config.options.get("port")))
    if kind is BackendKind.OTLP:
        timeout = parse_timeout(config.options, default=5.0)
        return OtlpBackend(config.endpoint or DEFAULT_OTLP_ENDPOINT, timeout=timeout)
    if kind is BackendKind.STATSD:
        return StatsdBackend(config.endpoint or DEFAULT_STATSD_ENDPOINT)
    return CloudWatchBackend(
        namespace=config.options.get("namespace") or DEFAULT_NAMESPACE,
        path=config.path,
        project_root=project_root,
    )


def _port(raw: str | None) -> int:
    if raw is None:
        return _DEFAULT_PROMETHEUS_PORT
    port = int(raw) if raw.isascii() and raw.isdigit() else 0
    if not 0 < port < 65536:
        raise InvalidBackendConfig("port", raw, "a port from 1 to 65535")
    return port


def create_backends(
    configs: Iterable[BackendConfig], *, project_root: Path | None = None
) -> tuple[list[Backend], list[BackendStatus]]:
    """Construct every configured backend and test it; one status per config, in order.

    ``kind`` and ``name`` of a status are the config spelling (``json-file``...).
    A backend that cannot be constructed gets ``connected=False`` with the error
    text and is not returned; one whose :meth:`~Backend.test_connection` fails is
    returned (a later flush may succeed) with ``connected=False``. Statuses carry
    endpoints and paths: show them only with the operator scope enabled.
    """
    backends: list[Backend] = []
    statuses: list[BackendStatus] = []
    for config in configs:
        spelling = config.kind.value
        try:
            backend = create_backend(config, project_root=project_root)
        except TelemetryError as error:
            statuses.append(
                BackendStatus(name=spelling, kind=spelling, connected=False, message=str(error))
            )
            continue
        backends.append(backend)
        try:
            message, connected = backend.test_connection(), True
        except TelemetryError as error:
            message, connected = str(error), False
        statuses.append(
            BackendStatus(name=backend.name, kind=spelling, connected=connected, message=message)
        )
    return backends, statuses
