"""The telemetry audit log: one line per telemetry-emitting run, under ``<project>/.chaffra/``.

``off`` writes nothing; diagnostic commands never write. See
:func:`record_emission`, :func:`read_log`, :func:`format_log` and :func:`export_log`.
"""

from __future__ import annotations

from chaffra_telemetry._audit import (
    AuditEvent,
    AuditReadResult,
    BackendAdded,
    BackendModified,
    BackendRemoved,
    PathModeChanged,
    SamplingRateChanged,
    TelemetryDisabled,
    TelemetryEmitted,
    TelemetryEnabled,
    TenantIdChanged,
    append_event,
    audit_log_path,
    current_user,
    event_from_dict,
    event_name,
    event_to_dict,
    export_log,
    format_log,
    read_log,
    record_emission,
)

__all__ = [
    "AuditEvent",
    "AuditReadResult",
    "BackendAdded",
    "BackendModified",
    "BackendRemoved",
    "PathModeChanged",
    "SamplingRateChanged",
    "TelemetryDisabled",
    "TelemetryEmitted",
    "TelemetryEnabled",
    "TenantIdChanged",
    "append_event",
    "audit_log_path",
    "current_user",
    "event_from_dict",
    "event_name",
    "event_to_dict",
    "export_log",
    "format_log",
    "read_log",
    "record_emission",
]
