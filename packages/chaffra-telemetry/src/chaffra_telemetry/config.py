"""Telemetry configuration: the effective config, backends, and how flags and files merge."""

from __future__ import annotations

from chaffra_telemetry._config import (
    BackendConfig,
    BackendKind,
    TelemetryConfig,
    TelemetryFileSection,
    merge_config,
    resolve_audience,
    to_display,
)

__all__ = [
    "BackendConfig",
    "BackendKind",
    "TelemetryConfig",
    "TelemetryFileSection",
    "merge_config",
    "resolve_audience",
    "to_display",
]
