"""The run report: what one run found, file by file and function by function.

A snapshot carries counts; a report carries the rows behind them (files,
functions, findings, the health score and what cost it), so the management
API can list hotspots and findings. Its paths, symbols and messages describe
the user's code: a report is user-scoped as a whole. It is kept only when the
audience it was captured under admits user data, and a reader sees it only
when the reader's audience does too (:func:`report_visible`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any

import attrs

from chaffra_telemetry._audience import TelemetryAudience
from chaffra_telemetry._compat import StrEnum
from chaffra_telemetry._converter import CONVERTER
from chaffra_telemetry.errors import TelemetrySerializationError

__all__ = [
    "NOT_GRADED",
    "SEVERITIES",
    "ContributorKind",
    "ReportContributor",
    "ReportFile",
    "ReportFinding",
    "ReportFunction",
    "ReportHealth",
    "RunReport",
    "StoredReport",
    "decode_report",
    "encode_report",
    "file_scores",
    "mark_new",
    "report_visible",
]

NOT_GRADED = "\u2014"
"""The grade of a project or file that has no score (the em dash)."""

SEVERITIES = ("error", "warning", "info")
"""Finding severities, worst first."""


class ContributorKind(StrEnum):
    """What a health contributor names."""

    FUNCTION = "function"
    FILE = "file"
    RULE = "rule"


_non_negative = attrs.validators.ge(0)


def _severity(_instance: object, attribute: attrs.Attribute[str], value: str) -> None:
    if value not in SEVERITIES:
        raise ValueError(f"{attribute.name} must be one of {', '.join(SEVERITIES)}, got {value!r}")


def _counts(value: Mapping[str, int]) -> Mapping[str, int]:
    """Finding counts with exactly the three severities (missing ones are 0)."""
    unknown = set(value) - set(SEVERITIES)
    if unknown:
        raise ValueError(f"unknown severities in finding counts: {sorted(unknown)}")
    return {severity: int(value.get(severity, 0)) for severity in SEVERITIES}


@attrs.frozen(kw_only=True)
class ReportContributor:
    """One thing that took points off the project's score ("why B")."""

    kind: ContributorKind = attrs.field(converter=ContributorKind)
    file: str | None = None
    symbol: str | None = None
    rule_id: str | None = None
    cost: float
    detail: str


@attrs.frozen(kw_only=True)
class ReportHealth:
    """The project's score and grade (``None`` and the em dash when not graded)."""

    score: float | None = None
    grade: str = NOT_GRADED
    model: int = 0
    contributors: tuple[ReportContributor, ...] = ()
    total_files: int = attrs.field(default=0, validator=_non_negative)
    unscored_files: int = attrs.field(default=0, validator=_non_negative)


@attrs.frozen(kw_only=True)
class ReportFile:
    """One analysed file: its size, score, finding counts and function count."""

    file: str
    lines: int = attrs.field(validator=_non_negative)
    score: float | None = None
    grade: str = NOT_GRADED
    functions: int = attrs.field(default=0, validator=_non_negative)
    findings: Mapping[str, int] = attrs.field(factory=dict, converter=_counts)


@attrs.frozen(kw_only=True)
class ReportFunction:
    """One measured function (lines are 1-based and inclusive)."""

    file: str
    name: str
    line: int
    end_line: int
    cyclomatic: int
    cognitive: int
    lines: int
    max_nesting: int


@attrs.frozen(kw_only=True)
class ReportFinding:
    """One reported finding; ``new`` when the previous report of the same command lacked it."""

    fingerprint: str
    module: str
    rule_id: str
    severity: str = attrs.field(validator=_severity)
    file: str
    line: int
    column: int
    symbol: str | None = None
    message: str
    new: bool = False


@attrs.frozen(kw_only=True)
class RunReport:
    """Everything one run found. ``timestamp_ms`` matches the run's snapshot."""

    run_id: str
    timestamp_ms: int = attrs.field(validator=_non_negative)
    command: str
    health: ReportHealth = attrs.Factory(ReportHealth)
    files: tuple[ReportFile, ...] = ()
    functions: tuple[ReportFunction, ...] = ()
    findings: tuple[ReportFinding, ...] = ()


@attrs.frozen(kw_only=True)
class StoredReport:
    """A report as a store keeps it: with the audience it was captured under and its source."""

    report: RunReport
    audience: TelemetryAudience
    seeded: bool = False


def report_visible(captured: TelemetryAudience, reader: TelemetryAudience) -> bool:
    """Whether a report captured under ``captured`` may be shown to ``reader`` (user data)."""
    return captured.intersect(reader).user_enabled


def mark_new(report: RunReport, previous: Iterable[str] | None) -> RunReport:
    """``report`` with ``new`` set on findings whose fingerprint ``previous`` lacks.

    ``previous`` is ``None`` when there is nothing to compare with (a first
    run): then no finding is new, as churn counts none either.
    """
    known = None if previous is None else frozenset(previous)
    findings = tuple(
        attrs.evolve(f, new=known is not None and f.fingerprint not in known)
        for f in report.findings
    )
    return attrs.evolve(report, findings=findings)


def file_scores(report: RunReport) -> dict[str, float | None]:
    """Each file's score, by path (what per-file trends are read from)."""
    return {f.file: f.score for f in report.files}


def encode_report(report: RunReport) -> str:
    """The report as strict JSON (non-finite scores become ``null``)."""
    document: dict[str, Any] = CONVERTER.unstructure(report, RunReport)
    # The converter already wrote non-finite floats as None, so the C encoder can take the
    # document as it is (a Django-size report is ~100k values; sanitizing it again cost ~40 ms).
    return json.dumps(document, allow_nan=False)


def decode_report(payload: str) -> RunReport:
    """The report stored as ``payload``.

    Raises:
        TelemetrySerializationError: the payload is not a valid report.
    """
    try:
        return CONVERTER.structure(json.loads(payload), RunReport)
    except Exception as error:  # JSON, validators and cattrs (exception group) errors alike
        raise TelemetrySerializationError(f"stored run report is malformed: {error}") from error
