"""The diagnostic model: findings, rules, module descriptions and results.

JSON field names are the wire contract (spec cli-and-core §7.3). Rule ids are
qualified, ``module:rule`` (e.g. ``complexity:high-cyclomatic``), so ids never
collide across modules.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any, Literal

import attrs

from chaffra_core._compat import StrEnum
from chaffra_telemetry import FindingFingerprint
from chaffra_telemetry.catalog import health_grade

__all__ = [
    "Action",
    "AnalysisResult",
    "FileHealthScore",
    "Finding",
    "FixResult",
    "HealthContributor",
    "HealthGrade",
    "Location",
    "ModuleInfo",
    "ModuleMetrics",
    "ProjectHealth",
    "Rule",
    "RuleExplanation",
    "Severity",
    "TextEdit",
    "grade_for",
    "make_anchor",
    "qualify",
    "split_rule_id",
]


def _freeze(mapping: Mapping[str, Any]) -> Mapping[str, Any]:
    return MappingProxyType(dict(mapping))


class Severity(StrEnum):
    """Ordered ``info < warning < error``; the values are the wire spellings."""

    INFO = "info"
    WARNING = "warning"
    ERROR = "error"

    @property
    def rank(self) -> int:
        """0 for info, 1 for warning, 2 for error."""
        return _RANKS[self]

    @classmethod
    def parse(cls, value: object) -> Severity:
        """Case-insensitive ``info``, ``warning``/``warn``, ``error``/``err``.

        Raises:
            ValueError: for anything else, naming the allowed values.
        """
        member = _SEVERITY_ALIASES.get(value.lower()) if isinstance(value, str) else None
        if member is None:
            raise ValueError(f"invalid severity {value!r} (expected one of: info, warning, error)")
        return member


_RANKS = {Severity.INFO: 0, Severity.WARNING: 1, Severity.ERROR: 2}
_SEVERITY_ALIASES = {
    "info": Severity.INFO,
    "warning": Severity.WARNING,
    "warn": Severity.WARNING,
    "error": Severity.ERROR,
    "err": Severity.ERROR,
}


def qualify(module_id: str, rule: str) -> str:
    """``module:rule``."""
    return f"{module_id}:{rule}"


def split_rule_id(rule_id: str) -> tuple[str | None, str]:
    """``("complexity", "high-cyclomatic")`` for a qualified id, ``(None, rule)`` for a bare one."""
    module, sep, rule = rule_id.partition(":")
    return (module, rule) if sep else (None, rule_id)


@attrs.frozen(kw_only=True, order=True)
class Location:
    """Where a finding is: root-relative ``/`` path, 1-based lines, 0-based columns."""

    file: str
    start_line: int
    end_line: int
    start_column: int = 0
    end_column: int = 0


@attrs.frozen(kw_only=True)
class TextEdit:
    """Replace lines ``start_line..end_line`` (inclusive) with ``new_text`` (``""`` deletes)."""

    file: str
    start_line: int
    end_line: int
    new_text: str


@attrs.frozen(kw_only=True)
class Action:
    """A suggested fix."""

    description: str
    auto_fixable: bool = False
    edits: tuple[TextEdit, ...] = ()


@attrs.frozen(kw_only=True)
class Finding:
    """One diagnostic.

    ``anchor`` is what identifies the finding independently of its line: the
    enclosing symbol's qualified name and a hash of the finding's own source
    text, set by the module. It is not part of the wire format; it feeds the
    fingerprint, so inserting lines above a finding does not make it "new".
    """

    rule_id: str
    message: str
    severity: Severity
    location: Location
    confidence: float = 1.0
    actions: tuple[Action, ...] = ()
    metadata: Mapping[str, str | int | float | bool] = attrs.field(factory=dict, converter=_freeze)
    anchor: str = attrs.field(default="", eq=False)

    @property
    def sort_key(self) -> tuple[str, int, int, str, str]:
        """Deterministic output order: file, lines, rule, message."""
        loc = self.location
        return (loc.file, loc.start_line, loc.end_line, self.rule_id, self.message)

    def fingerprint(self) -> FindingFingerprint:
        """The churn fingerprint: rule, file, line and the edit-stable anchor."""
        return FindingFingerprint(
            rule_id=self.rule_id,
            file=self.location.file,
            start_line=self.location.start_line,
            anchor=self.anchor,
        )


def make_anchor(symbol: str, source_text: str) -> str:
    """An anchor from the enclosing symbol and the finding's own source (whitespace-normalized)."""
    normalized = " ".join(source_text.split())
    digest = hashlib.sha256(f"{symbol}\0{normalized}".encode()).hexdigest()[:16]
    return f"{symbol}#{digest}"


@attrs.frozen(kw_only=True)
class Rule:
    """A rule a module can report."""

    id: str
    name: str
    description: str
    default_severity: Severity
    category: str


@attrs.frozen(kw_only=True)
class ModuleInfo:
    """What ``describe()`` returns.

    ``file_patterns`` are file-name globs (``.env*``, ``*.toml``, ``Dockerfile``)
    of non-Python files the module wants to see as text besides the ``.py``
    files (a secrets scanner); the engine discovers and reads them too.
    """

    id: str
    name: str
    version: str
    languages: tuple[str, ...]
    capabilities: tuple[str, ...]
    rules: tuple[Rule, ...]
    file_patterns: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class RuleExplanation:
    """What ``explain(rule)`` returns."""

    rule_id: str
    name: str
    description: str
    rationale: str
    default_severity: Severity
    suppression_syntax: str
    examples: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class FixResult:
    """The outcome of fixing one finding."""

    rule_id: str
    applied: bool
    edits: tuple[TextEdit, ...] = ()
    reason: str = ""


@attrs.frozen(kw_only=True)
class ModuleMetrics:
    """A module run's metrics; the host overwrites ``duration_ms`` and adds counters."""

    files_analyzed: int = 0
    duration_ms: int = 0
    counters: Mapping[str, int] = attrs.field(factory=dict, converter=_freeze)
    summary: Mapping[str, float] = attrs.field(factory=dict, converter=_freeze)


class HealthGrade(StrEnum):
    """A (>= 90), B (80-89), C (70-79), D (60-69), F (< 60)."""

    A = "A"
    B = "B"
    C = "C"
    D = "D"
    F = "F"


def grade_for(score: float) -> HealthGrade:
    """The grade of a 0-100 score (the bands are chaffra-telemetry's ``GRADE_BANDS``)."""
    return HealthGrade(health_grade(score))


@attrs.frozen(kw_only=True)
class FileHealthScore:
    """One file's health and what made it.

    ``lines`` counts the file's source lines (not blank, not only a comment).
    The penalty fields are model 1's (score points, 0 under model 2); the cost
    fields are model 2's (remediation minutes, 0 under model 1). See docs/health.md.
    """

    file: str
    score: float
    grade: HealthGrade
    lines: int = 0
    cyclomatic_penalty: float = 0
    cognitive_penalty: float = 0
    size_penalty: float = 0
    nesting_penalty: float = 0
    complexity_cost: float = 0
    dead_code_cost: float = 0
    security_cost: float = 0
    other_cost: float = 0


ContributorKind = Literal["function", "file", "rule"]


@attrs.frozen(kw_only=True)
class HealthContributor:
    """One reason the project's score is not 100: a function, a file or a rule.

    ``cost`` is the score points it takes off the project; ``detail`` is one
    human line ("cognitive 38 in a 2,140-line file").
    """

    kind: ContributorKind
    file: str | None = None
    symbol: str | None = None
    rule_id: str | None = None
    cost: float
    detail: str


@attrs.frozen(kw_only=True)
class ProjectHealth:
    """The project's health under ``model`` (1: mean of file scores; 2: remediation
    effort relative to size, every analyzer that ran; docs/health.md).

    ``score`` and ``grade`` are ``None`` when the project is not graded (no
    measured source line: an empty project). ``contributors`` are the top
    reasons for the score, worst first (at most 10; model 2 only).
    ``unscored_files`` counts the files that could not be scored (read, decoding
    or syntax errors); they are not in ``files`` and do not count for the score.
    """

    score: float | None
    grade: HealthGrade | None
    files: tuple[FileHealthScore, ...]
    total_files: int
    unscored_files: int = 0
    contributors: tuple[HealthContributor, ...] = ()
    model: int = 2

    @property
    def graded(self) -> bool:
        """Whether there is a score (false for an empty project)."""
        return self.score is not None


@attrs.frozen(kw_only=True)
class AnalysisResult:
    """What one module returns for a run: findings, metrics and, for health modules, health.

    ``metrics.summary`` values (e.g. ``health_score``) become the user-facing
    ``chaffra.module.<id>.<key>`` telemetry points.
    """

    findings: tuple[Finding, ...] = ()
    metrics: ModuleMetrics = attrs.Factory(ModuleMetrics)
    health: ProjectHealth | None = None
