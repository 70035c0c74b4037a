"""Deterministic demo run reports, one per seeded snapshot and consistent with it.

Each report lists the seed's 87 files (under ``demo_app/``, so nobody takes
them for a real project), a few functions per file, and exactly the findings
the matching snapshot counts per module and severity; its health is the
snapshot's mean module score. Findings keep their identity from one report to
the next, so per-file trends and the ``new`` flags mean something. Every value
follows from the indices: no clock, no randomness, no I/O.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping

import attrs

from chaffra_telemetry._catalog import health_grade
from chaffra_telemetry._report import (
    SEVERITIES,
    ContributorKind,
    ReportContributor,
    ReportFile,
    ReportFinding,
    ReportFunction,
    ReportHealth,
    RunReport,
)

__all__ = ["seeded_report"]

_PACKAGES = ("api", "billing", "core", "models", "reports", "services", "utils", "views")
_RULES: Mapping[tuple[str, str], tuple[str, str]] = {
    ("complexity", "warning"): ("complexity:high-cyclomatic", "cyclomatic complexity {n} > 10"),
    ("complexity", "info"): ("complexity:high-cognitive", "cognitive complexity {n} > 15"),
    ("dead-code", "warning"): ("dead-code:unused-function", "function `{symbol}` is never used"),
    ("security", "error"): ("security:sql-injection", "SQL built from a formatted string"),
    ("security", "warning"): ("security:weak-hash", "MD5 used for a security purpose"),
    ("security", "info"): ("security:assert-used", "assert is removed under python -O"),
}


def _path(k: int) -> str:
    return f"demo_app/{_PACKAGES[k % len(_PACKAGES)]}/module_{k:02d}.py"


def _functions(k: int) -> tuple[ReportFunction, ...]:
    rows = []
    line = 10
    for j in range(1 + k % 5):
        cyclomatic = 1 + (k * 7 + j * 3) % 19
        cognitive = (k * 5 + j * 11) % 31
        length = 6 + cyclomatic * 3
        rows.append(
            ReportFunction(
                file=_path(k),
                name=f"Handler{k}.step_{j}" if j % 2 else f"process_{k}_{j}",
                line=line,
                end_line=line + length - 1,
                cyclomatic=cyclomatic,
                cognitive=cognitive,
                lines=length,
                max_nesting=min(6, cognitive // 5),
            )
        )
        line += length + 2
    return tuple(rows)


def _findings(
    counts: Mapping[str, Mapping[str, int]], files: int, new: int
) -> tuple[ReportFinding, ...]:
    rows = []
    for m, module in enumerate(sorted(counts)):
        for s, severity in enumerate(SEVERITIES):
            for n in range(counts[module].get(severity, 0)):
                k = (m * 31 + s * 17 + n * 13) % files
                function = _functions(k)[n % (1 + k % 5)]
                rule, text = _RULES[(module, severity)]
                key = f"{module}\0{severity}\0{n}"
                rows.append(
                    ReportFinding(
                        fingerprint=hashlib.sha256(key.encode()).hexdigest()[:16],
                        module=module,
                        rule_id=rule,
                        severity=severity,
                        file=function.file,
                        line=function.line,
                        column=4,
                        symbol=function.name,
                        message=text.format(n=function.cyclomatic + 10, symbol=function.name),
                    )
                )
    first_new = len(rows) - new
    return tuple(attrs.evolve(row, new=i >= first_new) for i, row in enumerate(rows))


def seeded_report(
    *,
    index: int,
    timestamp_ms: int,
    files: int,
    counts: Mapping[str, Mapping[str, int]],
    new: int,
    score: float,
) -> RunReport:
    """The demo report of seeded snapshot ``index``: ``counts`` are its findings by module."""
    findings = _findings(counts, files, new)
    per_file: dict[str, dict[str, int]] = {}
    for finding in findings:
        tally = per_file.setdefault(finding.file, {})
        tally[finding.severity] = tally.get(finding.severity, 0) + 1
    rows = []
    for k in range(files):
        path = _path(k)
        functions = _functions(k)
        found = per_file.get(path, {})
        worst = max(f.cognitive for f in functions)
        file_score = max(0.0, 100.0 - worst - 4.0 * sum(found.values()) - index % 4)
        rows.append(
            ReportFile(
                file=path,
                lines=sum(f.lines for f in functions) + 12 + k % 40,
                score=file_score,
                grade=health_grade(file_score),
                functions=len(functions),
                findings=found,
            )
        )
    worst_files = sorted(rows, key=lambda r: (r.score, r.file))[:3]
    contributors = tuple(
        ReportContributor(
            kind=ContributorKind.FILE,
            file=row.file,
            cost=round((100.0 - (row.score or 0.0)) / 20.0, 2),
            detail=f"score {row.score:.0f} in a {row.lines:,}-line file",
        )
        for row in worst_files
    )
    return RunReport(
        run_id=f"seeded-{index:02d}",
        timestamp_ms=timestamp_ms,
        command="health",
        health=ReportHealth(
            score=score,
            grade=health_grade(score),
            model=2,
            contributors=contributors,
            total_files=files,
        ),
        files=tuple(rows),
        functions=tuple(f for k in range(files) for f in _functions(k)),
        findings=findings,
    )
