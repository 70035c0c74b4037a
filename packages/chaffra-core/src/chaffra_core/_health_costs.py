"""Health model 2's price list: remediation minutes per function excess and per finding,
and the curve from debt ratio to a 0-100 score (docs/health.md).

The numbers follow SonarQube's remediation costs where it has a rule (5 minutes
plus 1 per point over a complexity threshold); the rating bands are its debt
ratio bands (5, 10, 20, 50 %) on the A-F grades of chaffra-telemetry.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from types import MappingProxyType
from typing import Protocol

from chaffra_core._findings import Finding, Severity, split_rule_id

__all__ = [
    "CAPPED_SCORE",
    "DEEP_NESTING",
    "MINUTES_PER_LINE",
    "SIZE_FLOOR",
    "FunctionMeasure",
    "caps",
    "counted_module",
    "finding_cost",
    "function_cost",
    "score_for",
]

MINUTES_PER_LINE = 1.0
"""What writing one source line is taken to cost; the debt ratio is remediation
minutes over ``lines * MINUTES_PER_LINE``."""

SIZE_FLOOR = 50
"""The fewest source lines a debt ratio is taken over: one unused import does not fail a
three-line ``__init__.py``."""

CAPPED_SCORE = 79.0
"""The highest score of a project (or file) with a high-confidence error-severity security
finding: grade C."""

CAP_CONFIDENCE = 0.9
"""The confidence from which an error-severity security finding caps the grade (bandit's
"high": a tainted flow or a definite pattern such as ``verify=False``)."""

FINDING_BASE = 5.0
"""Minutes to start on any complexity excess (SonarQube's constant cost)."""

LONG_FUNCTION = 100
"""Source lines above which a function costs 1 minute per 10 lines."""

DEEP_NESTING = 4
"""Nesting depth above which a function costs 5 minutes per level."""

# Debt ratio -> score: linear between these points, then 60 * 0.5 / ratio (never 0 exactly).
_BANDS = ((0.0, 100.0), (0.05, 90.0), (0.10, 80.0), (0.20, 70.0), (0.50, 60.0))

_RULE_MINUTES: Mapping[str, float] = MappingProxyType(
    {
        "dead-code:unused-import": 1.0,
        "dead-code:unused-argument": 1.0,
        "dead-code:unused-variable": 2.0,
        "dead-code:unused-attribute": 2.0,
        "dead-code:unused-function": 5.0,
        "dead-code:unused-method": 5.0,
        "dead-code:redundant-condition": 5.0,
        "dead-code:unreachable-code": 5.0,
        "dead-code:unused-class": 10.0,
        "dead-code:unused-file": 15.0,
    }
)
"""Dead code: what deleting it takes (a line for an import, a review for a class)."""

_SEVERITY_MINUTES: Mapping[str, Mapping[Severity, float]] = MappingProxyType(
    {
        "security": {Severity.ERROR: 60.0, Severity.WARNING: 15.0, Severity.INFO: 0.0},
        "": {Severity.ERROR: 30.0, Severity.WARNING: 5.0, Severity.INFO: 1.0},
    }
)
"""Minutes by reported severity for security and, under ``""``, any other module's findings."""

_NOT_COUNTED = frozenset({"complexity", "core", "parse"})
"""Complexity counts through the function measures (never twice through its findings);
parse problems make a file unscored; core findings are about the run itself."""


class FunctionMeasure(Protocol):
    """What the model needs of one function."""

    @property
    def cyclomatic(self) -> int: ...
    @property
    def cognitive(self) -> int: ...
    @property
    def lines(self) -> int: ...
    @property
    def max_nesting(self) -> int: ...


def function_cost(function: FunctionMeasure, max_cyclomatic: int, max_cognitive: int) -> float:
    """Remediation minutes of one function: each complexity above its threshold costs
    5 minutes plus 1 per point; past 100 lines 1 per 10 lines; past depth 4, 5 per level."""
    cost = 0.0
    for value, threshold in (
        (function.cyclomatic, max_cyclomatic),
        (function.cognitive, max_cognitive),
    ):
        if value > threshold:
            cost += FINDING_BASE + (value - threshold)
    if function.lines > LONG_FUNCTION:
        cost += (function.lines - LONG_FUNCTION) / 10
    if function.max_nesting > DEEP_NESTING:
        cost += 5.0 * (function.max_nesting - DEEP_NESTING)
    return cost


def counted_module(rule_id: str) -> str | None:
    """The module whose findings of ``rule_id`` cost something, or ``None``."""
    module, _ = split_rule_id(rule_id)
    return None if module is None or module in _NOT_COUNTED else module


def finding_cost(finding: Finding) -> float:
    """Remediation minutes of one reported finding (0 for the modules not counted)."""
    module = counted_module(finding.rule_id)
    if module is None:
        return 0.0
    if finding.rule_id in _RULE_MINUTES:
        return _RULE_MINUTES[finding.rule_id]
    table = _SEVERITY_MINUTES.get(module, _SEVERITY_MINUTES[""])
    return table[finding.severity]


def caps(finding: Finding) -> bool:
    """Whether ``finding`` caps the grade at C: an error-severity security finding of
    high confidence."""
    return (
        finding.severity is Severity.ERROR
        and finding.confidence >= CAP_CONFIDENCE
        and counted_module(finding.rule_id) == "security"
    )


def score_for(cost: float, lines: int, *, capped: bool = False, digits: int | None = 1) -> float:
    """The 0-100 score of ``cost`` remediation minutes over ``lines`` source lines
    (rounded to ``digits``), at most :data:`CAPPED_SCORE` when ``capped``.

    Decreasing in ``cost``, increasing in ``lines`` (counted as at least
    :data:`SIZE_FLOOR`): debt ratio 0 is 100, 5 % is
    90, 10 % 80, 20 % 70, 50 % 60, beyond that ``30 / ratio``.
    """
    if cost <= 0:
        score = 100.0
    else:
        ratio = cost / (max(lines, SIZE_FLOOR) * MINUTES_PER_LINE)
        score = _curve(ratio)
    if capped:
        score = min(score, CAPPED_SCORE)
    return score if digits is None else round(score, digits)


def _curve(ratio: float) -> float:
    for (low_ratio, low_score), (high_ratio, high_score) in itertools.pairwise(_BANDS):
        if ratio <= high_ratio:
            share = (ratio - low_ratio) / (high_ratio - low_ratio)
            return low_score - (low_score - high_score) * share
    last_ratio, last_score = _BANDS[-1]
    return last_score * last_ratio / ratio
