"""Exception hierarchy of chaffra-telemetry.

Caller mistakes (bad configuration) derive from :class:`ConfigError`; runtime
failures (a backend, the file system, serialization) from the other branches.
Everything derives from :class:`ChaffraError`, so one ``except`` catches it all.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

__all__ = [
    "BackendError",
    "ChaffraError",
    "ChurnLoadError",
    "ChurnLockTimeout",
    "ChurnStateParseError",
    "ChurnStateReadError",
    "ConfigError",
    "InvalidAudience",
    "InvalidBackendConfig",
    "InvalidConfigValue",
    "InvalidSamplingConfig",
    "MetricAlreadyRegistered",
    "TelemetryError",
    "TelemetryIOError",
    "TelemetrySerializationError",
    "TelemetryStoreCorrupt",
    "UnclassifiedMetricWarning",
    "UnknownRule",
    "UnsafeProjectDirectory",
]

AUDIENCE_VALUES = ("on", "off", "user-only", "operator-only")


class ChaffraError(Exception):
    """Base of every error chaffra raises on purpose."""


class TelemetryError(ChaffraError):
    """Base of every error raised by chaffra-telemetry."""


class ConfigError(ChaffraError, ValueError):
    """A configuration file or value was rejected (fail closed, never defaulted).

    The one configuration error of every chaffra package: chaffra-core raises it
    for project files, this package for telemetry values. ``path``, ``line`` and
    ``column`` locate the problem when known.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.path, self.line, self.column = path, line, column
        where = path or ""
        if path and line is not None:
            where += f":{line}" + (f":{column}" if column is not None else "")
        super().__init__(f"{where}: {message}" if where else message)


class InvalidConfigValue(ConfigError, TelemetryError):
    """A telemetry configuration value was rejected.

    ``key`` is the configuration key as the user spelled it, ``value`` the
    rejected value and ``allowed`` a human-readable description of what is
    accepted. The message names all three.
    """

    prefix = "invalid telemetry configuration"

    def __init__(self, key: str, value: object, allowed: str, *, reason: str = "") -> None:
        self.key = key
        self.value = value
        self.allowed = allowed
        self.reason = reason
        shown = f'"{value}"' if isinstance(value, str) else repr(value)
        detail = f"{reason}; " if reason else ""
        super().__init__(f"{self.prefix}: {key} = {shown} ({detail}expected {allowed})")


class InvalidAudience(InvalidConfigValue):
    """An audience value is not one of ``on, off, user-only, operator-only``."""

    prefix = "invalid telemetry audience"

    def __init__(self, value: object, *, key: str = "audience") -> None:
        super().__init__(key, value, describe_allowed(AUDIENCE_VALUES))


class InvalidBackendConfig(InvalidConfigValue):
    """A backend value is unknown or unusable."""

    prefix = "invalid backend config"


class InvalidSamplingConfig(InvalidConfigValue):
    """A sampling rate or strategy is malformed, non-finite or out of range."""

    prefix = "invalid telemetry sampling config"


class MetricAlreadyRegistered(TelemetryError):
    """A trusted registration conflicts with an existing, different definition."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"metric already registered: {name}")


class UnclassifiedMetricWarning(UserWarning):
    """A trusted metric name outside the catalog was dropped by the audience (warned once per name).

    Classification is by exact name, so a third-party tool's own metric is
    unclassified: visible under ``on`` only, never under the default ``user-only``.
    """


class BackendError(TelemetryError):
    """A backend failed to flush, send or test its connection."""

    def __init__(self, message: str) -> None:
        super().__init__(f"backend error: {message}")


class TelemetryIOError(TelemetryError):
    """An ``OSError`` while reading or writing telemetry files (chained)."""

    def __init__(self, message: str) -> None:
        super().__init__(f"io error: {message}")


class TelemetryStoreCorrupt(TelemetryIOError):
    """A store file is not a usable store: corrupt, truncated, not SQLite, or a newer schema."""

    def __init__(self, message: str) -> None:
        TelemetryError.__init__(self, message)  # the message names the file and what is wrong


class UnsafeProjectDirectory(TelemetryIOError):
    """``<project>/.chaffra`` cannot be trusted (a symlink, not a directory, someone else's).

    Nothing is written there; telemetry for the project is skipped.
    """

    def __init__(self, directory: Path, problem: str) -> None:
        self.directory = directory
        self.problem = problem
        super().__init__(f"refusing to use {directory}: {problem}")


class TelemetrySerializationError(TelemetryError):
    """JSON could not be encoded or decoded."""

    def __init__(self, message: str) -> None:
        super().__init__(f"serialization error: {message}")


class ChurnLoadError(TelemetryError):
    """The churn state file exists but cannot be used; it is kept untouched."""

    verb = "load"

    def __init__(self, path: Path, detail: str) -> None:
        self.path = path
        self.detail = detail
        super().__init__(f"failed to {self.verb} churn state {path}: {detail}")


class ChurnStateReadError(ChurnLoadError):
    """The churn state file could not be read."""

    verb = "read"


class ChurnStateParseError(ChurnLoadError):
    """The churn state file holds malformed content."""

    verb = "parse"


class ChurnLockTimeout(TelemetryError):
    """Another process held the project's churn lock past the bounded wait."""

    def __init__(self, path: Path, timeout_s: float) -> None:
        self.path = path
        super().__init__(f"timed out after {timeout_s:g} s waiting for churn lock {path}")


class UnknownRule(TelemetryError, LookupError):
    """A module was asked to explain a rule it does not have."""

    def __init__(self, rule_id: str, known: Iterable[str]) -> None:
        self.rule_id = rule_id
        super().__init__(f"unknown rule: {rule_id!r} ({describe_allowed(known)})")


def describe_allowed(values: Iterable[str]) -> str:
    """Render allowed values as ``one of: a, b, c`` for error messages."""
    return "one of: " + ", ".join(values)
