"""Telemetry configuration: parsing ``[modules.telemetry]``, CLI flags, and their merge.

Every producer (CLI, watch, MCP, LSP, management) goes through the same parser
and :func:`merge_config`; there is no lenient path. A present-but-invalid value
is an error, never a default.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import attrs

if TYPE_CHECKING:  # cattrs is imported by the hooks only: recording never needs it
    import cattrs

from chaffra_telemetry._audience import TelemetryAudience
from chaffra_telemetry._compat import StrEnum
from chaffra_telemetry._endpoints import parse_host_port, parse_http_url
from chaffra_telemetry._project_dir import confine_config_path
from chaffra_telemetry._sampling import SamplingStrategy, check_sampling_rate, parse_sampling_rate
from chaffra_telemetry.errors import (
    ConfigError,
    InvalidBackendConfig,
    InvalidConfigValue,
    describe_allowed,
)

__all__ = [
    "DEFAULT_EMF_PATH",
    "DEFAULT_JSON_FILE_PATH",
    "VALID_KEYS",
    "BackendConfig",
    "BackendKind",
    "TelemetryConfig",
    "TelemetryFileSection",
    "merge_config",
    "register_config_hooks",
    "resolve_audience",
    "to_display",
    "validate_backend",
]

_T = TypeVar("_T")

DEFAULT_JSON_FILE_PATH = ".chaffra/telemetry.json"  # beside the history, ignored by git
DEFAULT_EMF_PATH = ".chaffra/cloudwatch-emf.jsonl"  # never stdout: that is the report's

_RATE_KEYS = ("sampling-rate", "sampling_rate")  # kebab first: it wins when both are valid
_STRATEGY_KEYS = ("sampling-strategy", "sampling_strategy")
VALID_KEYS = ("audience", "backend", "endpoint", "path", *_RATE_KEYS, *_STRATEGY_KEYS)
"""Every key ``[modules.telemetry]`` accepts; anything else is rejected."""

_HINTS = ("cli_audience_override", "cli_backend_override", "cli_config_path")


class BackendKind(StrEnum):
    """Where telemetry goes; values are the config spellings."""

    JSON_FILE = "json-file"
    STDERR = "stderr"
    PROMETHEUS = "prometheus"
    OTLP = "otlp"
    STATSD = "statsd"
    CLOUDWATCH = "cloudwatch"

    @classmethod
    def parse(cls, value: object, *, key: str = "backend") -> BackendKind:
        """Parse a user-written backend: lowercase, ``_`` read as ``-``, then aliases.

        Raises:
            InvalidBackendConfig: ``value`` is not a string or names no backend.
        """
        if isinstance(value, str):
            member = _BACKEND_ALIASES.get(value.lower().replace("_", "-"))
            if member is not None:
                return member
        raise InvalidBackendConfig(key, value, describe_allowed(cls))


_BACKEND_ALIASES = {
    **{member.value: member for member in BackendKind},
    "json": BackendKind.JSON_FILE,
    "file": BackendKind.JSON_FILE,
    "log": BackendKind.STDERR,
    "prom": BackendKind.PROMETHEUS,
    "otel": BackendKind.OTLP,
    "opentelemetry": BackendKind.OTLP,
    "cw": BackendKind.CLOUDWATCH,
}


def _no_endpoint(instead: str) -> Callable[[str, str], object]:
    def reject(endpoint: str, key: str) -> object:
        raise InvalidBackendConfig(key, endpoint, f"no endpoint ({instead})")

    return reject


def _stderr_only(endpoint: str, key: str) -> object:
    if endpoint != "stderr":
        raise InvalidBackendConfig(key, endpoint, '"stderr", or none for the EMF file at path')
    return endpoint


_ENDPOINT_CHECKS: Mapping[BackendKind, Callable[[str, str], object]] = {
    BackendKind.JSON_FILE: _no_endpoint("json-file writes the file at path"),
    BackendKind.STDERR: _no_endpoint("stderr writes to the standard error stream"),
    BackendKind.PROMETHEUS: _no_endpoint("Prometheus scrapes /metrics of chaffra management"),
    BackendKind.OTLP: lambda endpoint, key: parse_http_url(endpoint, key=key),
    BackendKind.STATSD: lambda endpoint, key: parse_host_port(endpoint, key=key),
    BackendKind.CLOUDWATCH: _stderr_only,
}
"""How each kind's endpoint is checked when the configuration is read; all raise naming the key."""

FILE_BACKENDS = frozenset({BackendKind.JSON_FILE, BackendKind.CLOUDWATCH})
"""The kinds that write a file at ``path``."""


def _check_backend(
    kind: BackendKind, endpoint: str | None, path: str | None, *, endpoint_key: str
) -> None:
    if endpoint is not None:
        _ENDPOINT_CHECKS[kind](endpoint, endpoint_key)
    if path is not None and kind not in FILE_BACKENDS:
        raise InvalidBackendConfig(
            "path", path, f"no path (the {kind.value} backend writes no file)"
        )


def validate_backend(config: BackendConfig) -> None:
    """Check ``config``'s endpoint and path against its kind (keys ``endpoint``, ``path``).

    Raises:
        InvalidBackendConfig: the endpoint or the path is not one the kind can use.
    """
    _check_backend(config.kind, config.endpoint, config.path, endpoint_key="endpoint")


def _freeze_options(options: Mapping[str, str]) -> Mapping[str, str]:
    return types.MappingProxyType(dict(options))


@attrs.frozen(kw_only=True)
class BackendConfig:
    """One configured backend; missing fields get the backend factory's defaults."""

    kind: BackendKind
    endpoint: str | None = None
    path: str | None = None
    # Read-only view of a private copy; left out of the hash (a mapping has none).
    options: Mapping[str, str] = attrs.field(factory=dict, converter=_freeze_options, hash=False)

    @property
    def name(self) -> str:
        """The backend's config spelling, e.g. ``json-file``."""
        return self.kind.value


DEFAULT_BACKENDS = (BackendConfig(kind=BackendKind.JSON_FILE, path=DEFAULT_JSON_FILE_PATH),)


def _validate_rate(instance: object, attribute: attrs.Attribute[float], value: float) -> None:
    check_sampling_rate(value, key=attribute.name)


@attrs.frozen(kw_only=True)
class TelemetryConfig:
    """The effective telemetry configuration of a run.

    The ``cli_*`` fields are precedence hints set only by :meth:`from_cli`;
    they are never serialized and a deserialized config has them unset.
    """

    audience: TelemetryAudience = TelemetryAudience.USER_ONLY
    backends: tuple[BackendConfig, ...] = DEFAULT_BACKENDS
    sampling_rate: float = attrs.field(default=1.0, validator=_validate_rate)
    sampling_strategy: SamplingStrategy = SamplingStrategy.RATE
    cli_audience_override: TelemetryAudience | None = None
    cli_backend_override: bool = False
    cli_config_path: str | None = None

    @classmethod
    def from_module_config(cls, section: Mapping[str, object]) -> TelemetryConfig:
        """The defaults overlaid with a ``[modules.telemetry]`` table.

        Raises:
            ConfigError: any key of ``section`` is unknown or invalid (see
                :meth:`TelemetryFileSection.parse`).
        """
        return merge_config(cls(), section)

    @classmethod
    def from_cli(
        cls,
        *,
        telemetry: str | None = None,
        backend: str | None = None,
        endpoint: str | None = None,
        config_path: str | None = None,
    ) -> TelemetryConfig:
        """The CLI base config from the global flags, with precedence hints set by presence.

        ``--telemetry-backend`` gives one backend of that kind at ``endpoint``;
        ``--telemetry-endpoint`` alone gives one ``otlp`` backend.

        Flags are the user's own choice, so nothing here is confined to the
        project's ``.chaffra/``.

        Raises:
            InvalidAudience: ``telemetry`` is not an audience (key ``--telemetry``).
            InvalidBackendConfig: ``backend`` names no backend (key ``--telemetry-backend``),
                or ``endpoint`` is not a valid endpoint of that backend (key
                ``--telemetry-endpoint``; e.g. a port out of range, a non-HTTP
                OTLP URL, or any endpoint for ``json-file``).
            ConfigError: ``endpoint`` is empty (key ``--telemetry-endpoint``).
        """
        override = (
            None if telemetry is None else TelemetryAudience.parse(telemetry, key="--telemetry")
        )
        if endpoint is not None:
            _require_text("--telemetry-endpoint", endpoint)
        backends = DEFAULT_BACKENDS
        if backend is not None or endpoint is not None:
            kind = (
                BackendKind.OTLP
                if backend is None
                else BackendKind.parse(backend, key="--telemetry-backend")
            )
            _check_backend(kind, endpoint, None, endpoint_key="--telemetry-endpoint")
            backends = (BackendConfig(kind=kind, endpoint=endpoint),)
        return cls(
            audience=override if override is not None else TelemetryAudience.USER_ONLY,
            backends=backends,
            cli_audience_override=override,
            cli_backend_override=backend is not None or endpoint is not None,
            cli_config_path=config_path,
        )


@attrs.frozen(kw_only=True)
class TelemetryFileSection:
    """A parsed ``[modules.telemetry]`` table; ``None`` marks an absent key.

    Precedence is decided by presence, so the absence is kept rather than
    replaced by a default.
    """

    audience: TelemetryAudience | None = None
    backends: tuple[BackendConfig] | None = None
    sampling_rate: float | None = None
    sampling_strategy: SamplingStrategy | None = None

    @classmethod
    def parse(cls, section: Mapping[str, object]) -> TelemetryFileSection:
        """Validate every key of ``section``, failing closed.

        ``path`` without ``backend`` means a json-file backend at that path.
        When both spellings of a sampling key are present each is validated
        and the kebab-case one wins.

        Raises:
            ConfigError: an unknown key (with the valid keys and a close match),
                a non-string or empty ``endpoint``/``path``, or ``endpoint``
                without ``backend``.
            InvalidAudience: a bad ``audience``.
            InvalidBackendConfig: a bad ``backend``, an endpoint that backend
                cannot use, or a ``path`` for a backend that writes no file.
            InvalidSamplingConfig: a bad sampling rate or strategy.
        """
        for key in section:
            if key not in VALID_KEYS:
                raise _unknown_key(key, section[key])
        audience = None
        if "audience" in section:
            audience = TelemetryAudience.parse(section["audience"], key="audience")
        return cls(
            audience=audience,
            backends=_parse_backend(section),
            sampling_rate=_parse_spellings(section, _RATE_KEYS, parse_sampling_rate),
            sampling_strategy=_parse_spellings(section, _STRATEGY_KEYS, SamplingStrategy.parse),
        )


def _unknown_key(key: str, value: object) -> ConfigError:
    import difflib  # only to suggest a key for a typo

    close = difflib.get_close_matches(str(key), VALID_KEYS, n=1)
    hint = f'; did you mean "{close[0]}"?' if close else ""
    return InvalidConfigValue(
        key, value, "a key " + describe_allowed(VALID_KEYS), reason="unknown key" + hint
    )


def _require_text(key: str, value: object) -> str:
    if not isinstance(value, str) or not value:
        raise InvalidConfigValue(key, value, "a non-empty string")
    return value


def _parse_backend(section: Mapping[str, object]) -> tuple[BackendConfig] | None:
    endpoint = _require_text("endpoint", section["endpoint"]) if "endpoint" in section else None
    path = _require_text("path", section["path"]) if "path" in section else None
    if "backend" in section:
        kind = BackendKind.parse(section["backend"], key="backend")
        _check_backend(kind, endpoint, path, endpoint_key="endpoint")
        return (BackendConfig(kind=kind, endpoint=endpoint, path=path),)
    if endpoint is not None:
        raise InvalidConfigValue(
            "endpoint", endpoint, 'a "backend" key beside it', reason="endpoint without backend"
        )
    if path is not None:
        return (BackendConfig(kind=BackendKind.JSON_FILE, path=path),)
    return None


def _parse_spellings(
    section: Mapping[str, object], keys: tuple[str, ...], parse: Callable[..., _T]
) -> _T | None:
    # Parse every spelling present (any invalid one fails); the first listed wins.
    parsed = [parse(section[key], key=key) for key in keys if key in section]
    return parsed[0] if parsed else None


def resolve_audience(
    cli: TelemetryAudience | None, file: TelemetryAudience | None, base: TelemetryAudience
) -> TelemetryAudience:
    """An explicit CLI audience beats the file's, which beats the base (by presence)."""
    if cli is not None:
        return cli
    return file if file is not None else base


def merge_config(
    cli: TelemetryConfig, section: Mapping[str, object] | None, *, project_root: Path | None = None
) -> TelemetryConfig:
    """The effective config of a run: the CLI base config merged with the project's table.

    The whole table is validated even where the CLI overrides it. Audience:
    ``--telemetry`` > file > base. Backends: CLI selector > file > base.
    Sampling: the file's when present, else the base's. ``section=None`` (no
    table) returns ``cli`` unchanged; hints are kept.

    A ``path`` from the table is the project's word, not the user's: it must
    name a file directly inside ``<project_root>/.chaffra/`` (relative to
    ``project_root``, or absolute), and is returned absolute when
    ``project_root`` is given. Only the CLI config (the user's flags) may name
    files elsewhere.

    Raises:
        ConfigError: the table is invalid (see :meth:`TelemetryFileSection.parse`),
            or its ``path`` escapes ``.chaffra/`` (``..``, another directory, a
            symlink, or a file chaffra keeps for itself), naming key and value.
    """
    if section is None:
        return cli
    file = TelemetryFileSection.parse(section)
    confined = (
        None
        if file.backends is None
        else tuple(_confine_path(backend, project_root) for backend in file.backends)
    )
    backends = cli.backends
    if confined is not None and not cli.cli_backend_override:
        backends = confined
    return attrs.evolve(
        cli,
        audience=resolve_audience(cli.cli_audience_override, file.audience, cli.audience),
        backends=backends,
        sampling_rate=_present_or(file.sampling_rate, cli.sampling_rate),
        sampling_strategy=_present_or(file.sampling_strategy, cli.sampling_strategy),
    )


def _present_or(value: _T | None, base: _T) -> _T:
    return value if value is not None else base


def _confine_path(backend: BackendConfig, project_root: Path | None) -> BackendConfig:
    # Checked even when a CLI flag replaces the file's backend: the table is
    # validated whole, so a hostile path fails the run the same either way.
    if backend.path is None:
        return backend
    return attrs.evolve(backend, path=confine_config_path("path", backend.path, project_root))


def to_display(config: TelemetryConfig, *, include_operator: bool = False) -> dict[str, object]:
    """The config as shown to users, in config spellings, without precedence hints.

    Backends and sampling are operator-shaped: they are included only when
    ``include_operator`` is true (the audience admits the operator scope).
    """
    shown: dict[str, object] = {"audience": config.audience.value}
    if include_operator:
        shown["backends"] = [
            {
                "kind": backend.kind.value,
                "endpoint": backend.endpoint,
                "path": backend.path,
                "options": dict(backend.options),
            }
            for backend in config.backends
        ]
        shown["sampling_rate"] = config.sampling_rate
        shown["sampling_strategy"] = config.sampling_strategy.value
    return shown


def register_config_hooks(converter: cattrs.Converter) -> cattrs.Converter:
    """Register the config JSON shapes on ``converter`` and return it.

    A :class:`TelemetryConfig` (un)structures without its precedence hints;
    enums unstructure to their plain config spellings.
    """
    from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

    from chaffra_telemetry._converter import exactly

    for enum in (TelemetryAudience, BackendKind, SamplingStrategy):
        converter.register_unstructure_hook(enum, _enum_value)
    omitted: dict[str, Any] = {hint: override(omit=True) for hint in _HINTS}
    converter.register_unstructure_hook_factory(
        exactly(TelemetryConfig),
        lambda cls: make_dict_unstructure_fn(cls, converter, **omitted),
    )
    converter.register_structure_hook_factory(
        exactly(TelemetryConfig),
        lambda cls: make_dict_structure_fn(cls, converter, **omitted),
    )
    return converter


def _enum_value(member: StrEnum) -> str:
    return str(member.value)
