"""Build backends from configuration and report whether each is usable."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType

import attrs

from chaffra_telemetry._config import (
    DEFAULT_EMF_PATH,
    DEFAULT_JSON_FILE_PATH,
    BackendConfig,
    BackendKind,
    validate_backend,
)
from chaffra_telemetry._projection import ProjectedSnapshot
from chaffra_telemetry.backends._base import Backend, BackendStatus
from chaffra_telemetry.errors import TelemetryError

__all__ = ["BUILDERS", "FlushOutcome", "create_backend", "create_backends", "flush_each"]

Builder = Callable[[BackendConfig, Path | None], Backend]


def _json_file(config: BackendConfig, project_root: Path | None) -> Backend:
    from chaffra_telemetry.backends._json_file import JsonFileBackend

    return JsonFileBackend(config.path or DEFAULT_JSON_FILE_PATH, project_root=project_root)


def _stderr(config: BackendConfig, project_root: Path | None) -> Backend:
    from chaffra_telemetry.backends._stderr import StderrBackend

    return StderrBackend()


def _prometheus(config: BackendConfig, project_root: Path | None) -> Backend:
    from chaffra_telemetry.backends._prometheus import PrometheusBackend

    return PrometheusBackend()


def _otlp(config: BackendConfig, project_root: Path | None) -> Backend:
    from chaffra_telemetry.backends._format import parse_timeout
    from chaffra_telemetry.backends._otlp import DEFAULT_OTLP_ENDPOINT, OtlpBackend

    timeout = parse_timeout(config.options, default=5.0)
    return OtlpBackend(config.endpoint or DEFAULT_OTLP_ENDPOINT, timeout=timeout)


def _statsd(config: BackendConfig, project_root: Path | None) -> Backend:
    from chaffra_telemetry.backends._statsd import DEFAULT_STATSD_ENDPOINT, StatsdBackend

    return StatsdBackend(config.endpoint or DEFAULT_STATSD_ENDPOINT)


def _cloudwatch(config: BackendConfig, project_root: Path | None) -> Backend:
    from chaffra_telemetry.backends._cloudwatch import DEFAULT_NAMESPACE, CloudWatchBackend

    return CloudWatchBackend(
        namespace=config.options.get("namespace") or DEFAULT_NAMESPACE,
        path=config.path or DEFAULT_EMF_PATH,
        project_root=project_root,
        stream=sys.stderr if config.endpoint == "stderr" else None,
    )


BUILDERS: Mapping[BackendKind, Builder] = MappingProxyType(
    {
        BackendKind.JSON_FILE: _json_file,
        BackendKind.STDERR: _stderr,
        BackendKind.PROMETHEUS: _prometheus,
        BackendKind.OTLP: _otlp,
        BackendKind.STATSD: _statsd,
        BackendKind.CLOUDWATCH: _cloudwatch,
    }
)
"""One builder per backend kind (a test checks the keys are exactly the members)."""


def create_backend(config: BackendConfig, *, project_root: Path | None = None) -> Backend:
    """The backend ``config`` describes, with the documented defaults for missing fields.

    ``project_root`` anchors relative file paths (``json-file``, ``cloudwatch``).
    Options: ``otlp`` reads ``timeout`` (seconds, default 5); ``cloudwatch``
    reads ``namespace`` (default ``chaffra``) and appends to ``path`` (default
    ``.chaffra/cloudwatch-emf.jsonl``), or writes to stderr for the endpoint
    ``stderr``. Only the chosen backend's module is imported. Nothing is ever
    written to stdout.

    Raises:
        InvalidBackendConfig: an endpoint or option is malformed.
    """
    validate_backend(config)
    return BUILDERS[config.kind](config, project_root)


@attrs.frozen(kw_only=True)
class FlushOutcome:
    """What happened to one backend's flush: ``error`` is ``None`` when it succeeded."""

    backend: str
    error: str | None = None


def flush_each(
    payload: ProjectedSnapshot,
    configs: Iterable[BackendConfig],
    *,
    project_root: Path | None = None,
    backends: Sequence[Backend] | None = None,
) -> list[FlushOutcome]:
    """Flush ``payload`` to every backend; one outcome per backend, in order.

    Without ``backends`` they are built from ``configs`` first, and a backend
    that cannot be built is an outcome with its error. One failing backend
    never stops the others. Outcomes name backends and carry their errors
    (endpoints, paths): show them only with the operator scope enabled.
    """
    outcomes: list[FlushOutcome] = []
    if backends is None:
        created, statuses = create_backends(configs, project_root=project_root)
        names = {backend.name for backend in created}
        outcomes += [
            FlushOutcome(backend=s.name, error=s.message) for s in statuses if s.name not in names
        ]
        backends = created
    for backend in backends:
        try:
            backend.flush(payload)
        except (TelemetryError, OSError) as error:
            outcomes.append(FlushOutcome(backend=backend.name, error=str(error)))
        else:
            outcomes.append(FlushOutcome(backend=backend.name))
    return outcomes


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
