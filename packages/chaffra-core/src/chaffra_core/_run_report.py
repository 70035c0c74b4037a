"""The run report a run with telemetry on keeps in the project's store.

Built from the :class:`RunResult` (files, functions, findings, health) once
the run is over, stamped with its snapshot's timestamp, and pushed through
the same live state the snapshot went to. ``new`` marks the findings the
previous report of the same command lacked (none on a first run, as churn
counts none). Finding messages are the analyzers' own, already redacted.

A long-running producer (the LSP, ``chaffra watch``) hands its reports to a
:class:`ReportKeeper`: built and stored on a background thread once the run's
snapshot is stored, and compared with the previous report it kept in memory
rather than decoding that report from the store again.
"""

from __future__ import annotations

import functools
import hashlib
import threading
import uuid
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import attrs

from chaffra_core._background import LatestWork
from chaffra_core._findings import FileHealthScore, Finding, ProjectHealth, split_rule_id
from chaffra_core._result import RunResult

if TYPE_CHECKING:
    from chaffra_telemetry import ProjectedSnapshot, TelemetryAudience
    from chaffra_telemetry.report import (
        ReportFile,
        ReportFinding,
        ReportHealth,
        RunReport,
        StoredReport,
    )
    from chaffra_telemetry.store import LiveTelemetryState

__all__ = [
    "ReportKeeper",
    "build_run_report",
    "finding_fingerprint",
    "keep_run_report",
    "push_run_report",
]

_CORE_MODULE = "core"


def finding_fingerprint(finding: Finding, occurrence: int = 0) -> str:
    """A 16-hex-digit identity of ``finding`` that survives edits above it.

    From rule, file and the finding's anchor (its symbol and source text), or
    its line when it has no anchor; ``occurrence`` tells apart findings that
    share all of those.
    """
    location = finding.location
    where = finding.anchor or str(location.start_line)
    key = f"{finding.rule_id}\0{location.file}\0{where}\0{occurrence}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def _symbol(finding: Finding) -> str | None:
    symbol = finding.metadata.get("symbol")
    if isinstance(symbol, str) and symbol:
        return symbol
    anchored = finding.anchor.partition("#")[0]
    return anchored or None


def _findings(findings: Iterable[Finding]) -> tuple[ReportFinding, ...]:
    from chaffra_telemetry.report import ReportFinding

    seen: Counter[str] = Counter()
    rows = []
    for finding in findings:
        fingerprint = finding_fingerprint(finding)
        occurrence = seen[fingerprint]
        seen[fingerprint] += 1
        if occurrence:
            fingerprint = finding_fingerprint(finding, occurrence)
        module, _ = split_rule_id(finding.rule_id)
        rows.append(
            ReportFinding(
                fingerprint=fingerprint,
                module=module or _CORE_MODULE,
                rule_id=finding.rule_id,
                severity=finding.severity.value,
                file=finding.location.file,
                line=finding.location.start_line,
                column=finding.location.start_column,
                symbol=_symbol(finding),
                message=finding.message,
            )
        )
    return tuple(rows)


def _files(result: RunResult, scores: dict[str, FileHealthScore]) -> tuple[ReportFile, ...]:
    from chaffra_telemetry.report import ReportFile

    counts: dict[str, Counter[str]] = {}
    for finding in result.findings:
        counts.setdefault(finding.location.file, Counter())[finding.severity.value] += 1
    rows = []
    for summary in result.files:
        score = scores.get(summary.path)
        rows.append(
            ReportFile(
                file=summary.path,
                lines=summary.lines,
                score=None if score is None else score.score,
                grade="\u2014" if score is None else score.grade.value,
                functions=len(summary.functions),
                findings=dict(counts.get(summary.path, {})),
            )
        )
    return tuple(rows)


def _health(health: ProjectHealth | None) -> ReportHealth:
    from chaffra_telemetry.report import NOT_GRADED, ReportContributor, ReportHealth

    if health is None:
        return ReportHealth()
    return ReportHealth(
        score=health.score,
        grade=NOT_GRADED if health.grade is None else health.grade.value,
        model=health.model,
        contributors=tuple(
            ReportContributor(
                kind=c.kind,
                file=c.file,
                symbol=c.symbol,
                rule_id=c.rule_id,
                cost=c.cost,
                detail=c.detail,
            )
            for c in health.contributors
        ),
        total_files=health.total_files,
        unscored_files=health.unscored_files,
    )


def build_run_report(
    result: RunResult, *, timestamp_ms: int, run_id: str | None = None
) -> RunReport:
    """The report of ``result`` (no finding marked new yet; see ``push_run_report``)."""
    from chaffra_telemetry.report import ReportFunction, RunReport

    scores = {} if result.health is None else {s.file: s for s in result.health.files}
    functions = tuple(
        ReportFunction(
            file=path,
            name=metrics.qualified_name,
            line=metrics.start_line,
            end_line=metrics.end_line,
            cyclomatic=metrics.cyclomatic,
            cognitive=metrics.cognitive,
            lines=metrics.lines,
            max_nesting=metrics.max_nesting,
        )
        for path, metrics in result.functions()
    )
    return RunReport(
        run_id=run_id or uuid.uuid4().hex,
        timestamp_ms=timestamp_ms,
        command=result.command,
        health=_health(result.health),
        files=_files(result, scores),
        functions=functions,
        findings=_findings(result.findings),
    )


def push_run_report(
    state: LiveTelemetryState,
    result: RunResult,
    *,
    audience: TelemetryAudience,
    timestamp_ms: int,
    memory: ReportKeeper | None = None,
) -> RunReport | None:
    """Build the report of ``result``, mark its new findings and keep it in ``state``.

    Nothing is built or stored when ``audience`` withholds user data. The
    previous report comes from ``memory`` when it holds it, else from the
    store. Returns the stored report.

    Raises:
        TelemetryError: the store could not be read or written.
    """
    from chaffra_telemetry.report import mark_new

    if not audience.user_enabled:
        return None
    if memory is None:
        known = _stored_fingerprints(state, result.command, audience)
    else:
        known = memory.previous(state, result.command, audience)
    report = mark_new(build_run_report(result, timestamp_ms=timestamp_ms), known)
    state.push_report(report, audience=audience)
    if memory is not None:
        memory.remember(report, audience)
    return report


def _stored_fingerprints(
    state: LiveTelemetryState, command: str, audience: TelemetryAudience
) -> frozenset[str] | None:
    previous = state.report(audience=audience, command=command)
    return None if previous is None else frozenset(f.fingerprint for f in previous.report.findings)


def keep_run_report(
    state: LiveTelemetryState,
    result: RunResult,
    snapshot: ProjectedSnapshot,
    *,
    stderr: TextIO,
    memory: ReportKeeper | None = None,
) -> None:
    """:func:`push_run_report` for the run that took ``snapshot``, under its audience and time.

    Never raises: like the rest of telemetry, a store that cannot take the
    report is a warning (naming the store only when the audience admits
    operator data), never a failed run.
    """
    from chaffra_telemetry.errors import TelemetryError

    audience = snapshot.audience
    try:
        push_run_report(
            state, result, audience=audience, timestamp_ms=snapshot.timestamp_ms, memory=memory
        )
    except TelemetryError as error:
        detail = f": {error}" if audience.operator_enabled else ""
        stderr.write(f"Warning: the run report was not stored{detail}\n")


@attrs.frozen(kw_only=True)
class _Kept:
    timestamp_ms: int
    audience: TelemetryAudience
    fingerprints: frozenset[str]


_NEWER_LIMIT = 1_000  # more than a store keeps: "every report stored since"


class ReportKeeper:
    """The run reports of one long-running producer's project.

    :meth:`keep` stores a run's report on a background thread (a burst of
    runs stores the newest), so the run is done once its snapshot is stored.
    Each report is compared with the last one of its command this keeper
    stored, held in memory; the store is read for one only when another
    process stored a newer report of the command since (or none was kept yet).
    :meth:`wait` blocks until what was handed over is stored.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._work = LatestWork("chaffra-run-report")
        self._lock = threading.Lock()
        self._kept: dict[str, _Kept] = {}
        self._last: StoredReport | None = None

    def keep(self, result: RunResult, snapshot: ProjectedSnapshot, *, stderr: TextIO) -> None:
        """Store the report of the run that took ``snapshot`` soon (see the class)."""
        if snapshot.audience.user_enabled:
            self._work.submit(functools.partial(self._store, result, snapshot, stderr))

    def wait(self, timeout: float | None = None) -> bool:
        """Block until every report handed over is stored (at most ``timeout`` seconds)."""
        return self._work.wait(timeout)

    def close(self) -> None:
        """Store what was handed over, then end the background thread."""
        self._work.close()

    @property
    def last(self) -> StoredReport | None:
        """The newest report this keeper stored, with the audience it was captured under."""
        with self._lock:
            return self._last

    def previous(
        self, state: LiveTelemetryState, command: str, audience: TelemetryAudience
    ) -> frozenset[str] | None:
        """The fingerprints of the newest report of ``command`` ``audience`` may see."""
        with self._lock:
            kept = self._kept.get(command)
        if kept is None or kept.audience is not audience:
            return _stored_fingerprints(state, command, audience)
        newer = state.reports(
            audience=audience, limit=_NEWER_LIMIT, newer_than_ms=kept.timestamp_ms
        )
        theirs = [r.report for r in newer if r.report.command == command]
        if theirs:
            return frozenset(f.fingerprint for f in theirs[-1].findings)
        return kept.fingerprints

    def remember(self, report: RunReport, audience: TelemetryAudience) -> None:
        """``report`` was stored: it is the next one's previous report."""
        from chaffra_telemetry.report import StoredReport

        last = StoredReport(report=report, audience=audience)
        kept = _Kept(
            timestamp_ms=report.timestamp_ms,
            audience=audience,
            fingerprints=frozenset(f.fingerprint for f in report.findings),
        )
        with self._lock:
            self._kept[report.command] = kept
            self._last = last

    def _store(self, result: RunResult, snapshot: ProjectedSnapshot, stderr: TextIO) -> None:
        from chaffra_telemetry.store import LiveTelemetryState, SqliteStore

        store = SqliteStore.for_project(self.root, stderr=stderr)
        with LiveTelemetryState(store) as state:
            keep_run_report(state, result, snapshot, stderr=stderr, memory=self)
