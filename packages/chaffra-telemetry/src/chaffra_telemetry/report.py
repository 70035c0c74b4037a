"""Run reports: what one run found, file by file, function by function, finding by finding.

A :class:`RunReport` is user data as a whole (paths, symbols, messages).
:meth:`LiveTelemetryState.push_report <chaffra_telemetry.store.LiveTelemetryState.push_report>`
keeps it only under an audience with the user scope, and
:meth:`~chaffra_telemetry.store.LiveTelemetryState.report` shows it only to one.
"""

from __future__ import annotations

from chaffra_telemetry._report import (
    NOT_GRADED,
    SEVERITIES,
    ContributorKind,
    ReportContributor,
    ReportFile,
    ReportFinding,
    ReportFunction,
    ReportHealth,
    RunReport,
    StoredReport,
    decode_report,
    encode_report,
    mark_new,
    report_visible,
)
from chaffra_telemetry._store import ReportPoint

__all__ = [
    "NOT_GRADED",
    "SEVERITIES",
    "ContributorKind",
    "ReportContributor",
    "ReportFile",
    "ReportFinding",
    "ReportFunction",
    "ReportHealth",
    "ReportPoint",
    "RunReport",
    "StoredReport",
    "decode_report",
    "encode_report",
    "mark_new",
    "report_visible",
]
