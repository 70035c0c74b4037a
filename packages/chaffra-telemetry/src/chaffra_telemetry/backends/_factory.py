"""Build backends from configuration and report whether each is usable."""

from __future__ import annotations

import sys
from collections.abc import Iterable
from pathlib import Path

from chaffra_telemetry._config import (
    DEFAULT_EMF_PATH,
    DEFAULT_JSON_FILE_PATH,
    BackendConfig,
    BackendKind,
    validate_backend,
)
from chaffra_telemetry.backends._base import Backend, BackendStatus
from chaffra_telemetry.backends._cloudwatch import DEFAULT_NAMESPACE, CloudWatchBackend
from chaffra_telemetry.backends._format import parse_timeout
from chaffra_telemetry.backends._json_file import JsonFileBackend
from chaffra_telemetry.backends._otlp import DEFAULT_OTLP_ENDPOINT, OtlpBackend
from chaffra_telemetry.backends._prometheus import PrometheusBackend
from chaffra_telemetry.backends._statsd import DEFAULT_STATSD_ENDPOINT, StatsdBackend
from chaffra_telemetry.backends._stderr import StderrBackend
from chaffra_telemetry.errors import TelemetryError

__all__ = ["create_backend", "create_backends"]


def create_backend(config: BackendConfig, *, project_root: Path | None = None) -> Backend:
    """The backend ``config`` describes, with the documented defaults for missing fields.

    ``project_root`` anchors relative file paths (``json-file``, ``cloudwatch``).
    Options: ``otlp`` reads ``timeout`` (seconds, default 5); ``cloudwatch``
    reads ``namespace`` (default ``chaffra``) and appends to ``path`` (default
    ``.chaffra/cloudwatch-emf.jsonl``), or writes to stderr for the endpoint
    ``stderr``. Nothing is ever written to stdout.

    Raises:
        InvalidBackendConfig: an endpoint or option is malformed.
    """
    validate_backend(config)
    kind = config.kind
    if kind is BackendKind.JSON_FILE:
        return JsonFileBackend(config.path or DEFAULT_JSON_FILE_PATH, project_root=project_root)
    if kind is BackendKind.STDERR:
        return StderrBackend()
    if kind is BackendKind.PROMETHEUS:
        return PrometheusBackend()
    if kind is BackendKind.OTLP:
        timeout = parse_timeout(config.options, default=5.0)
        return OtlpBackend(config.endpoint or DEFAULT_OTLP_ENDPOINT, timeout=timeout)
    if kind is BackendKind.STATSD:
        return StatsdBackend(config.endpoint or DEFAULT_STATSD_ENDPOINT)
    return CloudWatchBackend(
        namespace=config.options.get("namespace") or DEFAULT_NAMESPACE,
        path=config.path or DEFAULT_EMF_PATH,
        project_root=project_root,
        stream=sys.stderr if config.endpoint == "stderr" else None,
    )


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
