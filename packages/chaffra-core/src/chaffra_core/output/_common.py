"""Helpers every formatter shares: grouping, ordering and number spelling."""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

from chaffra_core._findings import (
    FileHealthScore,
    Finding,
    HealthContributor,
    ProjectHealth,
    Severity,
)
from chaffra_core._function_metrics import FunctionMetrics
from chaffra_core._result import RunResult

__all__ = [
    "HEALTH_FILE_LIMIT",
    "HEALTH_FUNCTION_LIMIT",
    "LETTERS",
    "NOT_GRADED",
    "by_file",
    "contributor_label",
    "format_health",
    "format_score",
    "summary_counts",
    "worst_files",
    "worst_functions",
]

HEALTH_FILE_LIMIT = 10
"""How many files the human-readable health blocks list before "… and N more"."""

HEALTH_FUNCTION_LIMIT = 5
"""How many of the most complex functions the human-readable health blocks list."""

LETTERS: Mapping[Severity, str] = {Severity.ERROR: "E", Severity.WARNING: "W", Severity.INFO: "I"}


def by_file(findings: Iterable[Finding]) -> list[tuple[str, list[Finding]]]:
    """Findings grouped by file, files sorted, input order kept within a file."""
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.location.file, []).append(finding)
    return sorted(groups.items(), key=lambda item: item[0])


def worst_functions(
    result: RunResult, limit: int = HEALTH_FUNCTION_LIMIT
) -> list[tuple[str, FunctionMetrics]]:
    """The ``limit`` functions of highest cognitive, then cyclomatic complexity (ties by
    path and line), leaving out trivial ones (cognitive 0)."""
    ranked = sorted(
        ((path, f) for path, f in result.functions() if f.cognitive > 0),
        key=lambda item: (-item[1].cognitive, -item[1].cyclomatic, item[0], item[1].start_line),
    )
    return ranked[:limit]


def contributor_label(contributor: HealthContributor) -> str:
    """What a contributor is: ``path: symbol``, a rule id, or a path."""
    if contributor.kind == "function":
        return f"{contributor.file}: {contributor.symbol}"
    if contributor.kind == "rule":
        return contributor.rule_id or ""
    return contributor.file or ""


def worst_files(
    health: ProjectHealth, limit: int = HEALTH_FILE_LIMIT
) -> tuple[list[FileHealthScore], int]:
    """The ``limit`` lowest-scoring files (ties by path) and how many were left out."""
    ordered = sorted(health.files, key=lambda f: (_sortable(f.score), f.file))
    return ordered[:limit], max(0, len(ordered) - limit)


def _sortable(score: float) -> float:
    # NaN compares false with everything, which would make the order depend on input order.
    return float("-inf") if math.isnan(score) else score


def format_score(score: float) -> str:
    """One decimal place: ``82.5``."""
    return f"{score:.1f}"


NOT_GRADED = "not graded"
"""What the text formats say for a project with nothing to grade (an empty project)."""


def format_health(health: ProjectHealth) -> str:
    """``82.5 (B)``, or ``not graded``."""
    if health.score is None or health.grade is None:
        return NOT_GRADED
    return f"{format_score(health.score)} ({health.grade})"


def summary_counts(result: RunResult) -> tuple[int, int, int]:
    """``(errors, warnings, infos)``."""
    return (
        result.count(Severity.ERROR),
        result.count(Severity.WARNING),
        result.count(Severity.INFO),
    )
