"""Data and figures of the management load benchmark: endpoints, a Django-size store, medians.

Imported by ``management_load.py`` and ``_management_serve.py`` (its server subprocesses).
"""

from __future__ import annotations

import os
import statistics
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from _http_load import LoadResult

__all__ = [
    "BIG_FILE",
    "DJANGO_FILES",
    "DJANGO_FINDINGS",
    "DJANGO_FUNCTIONS",
    "ENDPOINTS",
    "HOST",
    "REPORT_RUNS",
    "Endpoint",
    "Measured",
    "cpu_seconds",
    "django_size_report",
    "report_state",
]

# Django 5.1 as ``chaffra health`` reports it (measured on the unzipped wheel).
DJANGO_FILES, DJANGO_FUNCTIONS, DJANGO_FINDINGS = 879, 9_077, 1_252
REPORT_RUNS = 12
HOST = "127.0.0.1"


@dataclass(frozen=True)
class Endpoint:
    """One chaffra endpoint and its bare twin."""

    label: str
    chaffra_path: str
    bare_path: str


SEEDED_ENDPOINTS = (
    Endpoint("`/api/v1/metrics`", "/api/v1/metrics", "/bare/metrics"),
    Endpoint(
        "`/api/v1/metrics/history?window=7d`",
        "/api/v1/metrics/history?window=7d",
        "/bare/history",
    ),
)
BIG_FILE = "django/pkg00/module_0000.py"
REPORT_ENDPOINTS = (
    Endpoint("`/api/v1/metrics`", "/api/v1/metrics", "/bare/metrics"),
    Endpoint("`/api/v1/health`", "/api/v1/health", "/bare/health"),
    Endpoint("`/api/v1/files`", "/api/v1/files", "/bare/files"),
    Endpoint("`/api/v1/functions`", "/api/v1/functions", "/bare/functions"),
    Endpoint(
        "`/api/v1/findings?severity=warning&sort=file`",
        "/api/v1/findings?severity=warning&sort=file",
        "/bare/findings",
    ),
    Endpoint(f"`/api/v1/file?path={BIG_FILE}`", f"/api/v1/file?path={BIG_FILE}", "/bare/file"),
)
ENDPOINTS = {"seeded": SEEDED_ENDPOINTS, "report": REPORT_ENDPOINTS}


def django_size_report(run: int, timestamp_ms: int) -> Any:
    """A deterministic run report with Django 5.1's counts of files, functions and findings."""
    from chaffra_telemetry.report import (
        ContributorKind,
        ReportContributor,
        ReportFile,
        ReportFinding,
        ReportFunction,
        ReportHealth,
        RunReport,
    )

    def path(k: int) -> str:
        return f"django/pkg{k % 40:02d}/module_{k:04d}.py"

    files = tuple(
        ReportFile(
            file=path(k),
            lines=2_140 if k == 0 else 20 + (k * 37) % 900,
            score=float(max(5, 100 - (k * 13) % 70 - run % 3)),
            grade="C",
            functions=DJANGO_FUNCTIONS // DJANGO_FILES,
            findings={"warning": k % 3, "error": int(k % 29 == 0)},
        )
        for k in range(DJANGO_FILES)
    )
    functions = tuple(
        ReportFunction(
            file=path(j % DJANGO_FILES),
            name=f"Class{j % 97}.method_{j}",
            line=1 + (j // DJANGO_FILES) * 20,
            end_line=18 + (j // DJANGO_FILES) * 20,
            cyclomatic=1 + (j * 7) % 40,
            cognitive=(j * 11) % 90,
            lines=18,
            max_nesting=(j * 3) % 7,
        )
        for j in range(DJANGO_FUNCTIONS)
    )
    severities = ("error", "warning", "warning", "info")
    modules = ("complexity", "dead-code", "security")
    findings = tuple(
        ReportFinding(
            fingerprint=f"{n:016x}",
            module=modules[n % 3],
            rule_id=f"{modules[n % 3]}:rule-{n % 11}",
            severity=severities[n % 4],
            file=path((n * 7) % DJANGO_FILES),
            line=1 + n % 300,
            column=4,
            symbol=f"Class{n % 97}.method_{n}",
            message=f"cognitive complexity {20 + n % 60} is over 15 in this function",
            new=n % 50 == run,
        )
        for n in range(DJANGO_FINDINGS)
    )
    return RunReport(
        run_id=f"bench-{run:02d}",
        timestamp_ms=timestamp_ms,
        command="health",
        health=ReportHealth(
            score=71.5,
            grade="C",
            model=2,
            contributors=tuple(
                ReportContributor(
                    kind=ContributorKind.FUNCTION,
                    file=path(c),
                    symbol=f"Class{c}.method_{c}",
                    cost=10.0 - c,
                    detail=f"cognitive {80 - c} in a 2,140-line file",
                )
                for c in range(10)
            ),
            total_files=DJANGO_FILES,
        ),
        files=files,
        functions=functions,
        findings=findings,
    )


def report_state(directory: Path) -> Any:
    """A project store under ``directory`` holding ``REPORT_RUNS`` Django-size runs."""
    from chaffra_telemetry import TelemetryAudience, project, seeded_snapshots
    from chaffra_telemetry.store import LiveTelemetryState, SqliteStore

    state = LiveTelemetryState(SqliteStore.for_project(directory))
    for run, snapshot in enumerate(seeded_snapshots()[:REPORT_RUNS]):
        state.push_snapshot(project(snapshot, TelemetryAudience.USER_ONLY))
        report = django_size_report(run, snapshot.timestamp_ms)
        state.push_report(report, audience=TelemetryAudience.USER_ONLY)
    return state


@dataclass(frozen=True)
class Measured:
    """The repeats of one cell: medians of each figure, totals of the counts."""

    runs: tuple[LoadResult, ...]

    @property
    def connections(self) -> int:
        return self.runs[0].connections

    @property
    def body_bytes(self) -> int:
        return self.runs[0].body_bytes

    @property
    def requests(self) -> int:
        return sum(r.requests for r in self.runs)

    @property
    def errors(self) -> int:
        return sum(r.errors for r in self.runs)

    @property
    def requests_per_s(self) -> float:
        return statistics.median(r.requests_per_s for r in self.runs)

    @property
    def p50_ms(self) -> float:
        return statistics.median(r.p50_ms for r in self.runs)

    @property
    def p99_ms(self) -> float:
        return statistics.median(r.p99_ms for r in self.runs)

    @property
    def cpu_us_per_request(self) -> float | None:
        values = [r.cpu_us_per_request for r in self.runs]
        known = [v for v in values if v is not None]
        return statistics.median(known) if known else None


def cpu_seconds(pid: int) -> Callable[[], float]:
    """A probe of process ``pid``'s user + system CPU seconds (all its threads)."""
    ticks = os.sysconf("SC_CLK_TCK")
    stat = Path(f"/proc/{pid}/stat")

    def probe() -> float:
        fields = stat.read_text().rpartition(")")[2].split()
        return (int(fields[11]) + int(fields[12])) / ticks

    return probe
