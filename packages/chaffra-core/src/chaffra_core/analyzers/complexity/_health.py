"""Thresholds from ``[modules.complexity]`` and the 0-100 health score (spec §6.6)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import attrs

from chaffra_core._findings import (
    FileHealthScore,
    Finding,
    HealthGrade,
    Location,
    ProjectHealth,
    Severity,
    grade_for,
    make_anchor,
    qualify,
)
from chaffra_core._module import ModuleConfig
from chaffra_core.errors import ConfigError

__all__ = [
    "HEALTH_MODEL",
    "HEALTH_MODELS",
    "LOW_HEALTH_SCORE",
    "FunctionMeasure",
    "Thresholds",
    "file_health",
    "low_score_finding",
    "project_score",
]

LOW_HEALTH_SCORE = qualify("complexity", "low-health-score")

HEALTH_MODELS = (1, 2)
"""The health models ``[health] model`` accepts (docs/health.md)."""
HEALTH_MODEL = 2
"""The default health model."""

_MAX_SCORE = 100


@attrs.frozen(kw_only=True)
class Thresholds:
    """Finding and health thresholds: a function is flagged when strictly above a
    maximum, a file when its score is strictly below ``min_score``.

    The defaults are radon's rank C boundary (cyclomatic 11 and up is flagged)
    and complexipy's default (cognitive 16 and up).
    """

    max_cyclomatic: int = 10
    max_cognitive: int = 15
    min_score: int = 70

    @classmethod
    def from_config(cls, config: ModuleConfig) -> Thresholds:
        """Read ``max-cyclomatic``, ``max-cognitive`` and ``min-score``.

        Each is a non-negative integer, as a TOML integer or a string of
        digits (``15`` and ``"15"`` are the same); ``min-score`` is at most 100.
        Missing keys take the defaults; other keys are left to the host.

        Raises:
            ConfigError: for any other value, naming the key.
        """
        defaults = cls()
        return cls(
            max_cyclomatic=_integer(config, "max-cyclomatic", defaults.max_cyclomatic),
            max_cognitive=_integer(config, "max-cognitive", defaults.max_cognitive),
            min_score=_integer(config, "min-score", defaults.min_score, upper=_MAX_SCORE),
        )


def _integer(config: ModuleConfig, key: str, default: int, *, upper: int | None = None) -> int:
    if key not in config:
        return default
    raw = config[key]
    value: int | None = None
    if isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    elif isinstance(raw, str) and raw.strip().isdecimal() and raw.strip().isascii():
        value = int(raw)
    if value is None or value < 0 or (upper is not None and value > upper):
        limit = f" no greater than {upper}" if upper is not None else ""
        raise ConfigError(
            f"[modules.complexity] {key} must be a non-negative integer{limit}, got {raw!r}"
        )
    return value


class FunctionMeasure(Protocol):
    """What the health score needs of one function."""

    @property
    def cyclomatic(self) -> int: ...
    @property
    def cognitive(self) -> int: ...
    @property
    def lines(self) -> int: ...
    @property
    def max_nesting(self) -> int: ...


def _average_penalty(total: int, count: int, threshold: int) -> int:
    """``trunc(min(30, 3 * (total / count - threshold)))`` when positive, in exact arithmetic."""
    excess = 3 * (total - threshold * count)
    return min(30, excess // count) if excess > 0 else 0


def file_health(
    path: str, functions: Sequence[FunctionMeasure], thresholds: Thresholds
) -> FileHealthScore:
    """One file's score: 100 minus the cyclomatic, cognitive, size and nesting penalties."""
    if not functions:
        return FileHealthScore(
            file=path,
            score=_MAX_SCORE,
            grade=grade_for(_MAX_SCORE),
            cyclomatic_penalty=0,
            cognitive_penalty=0,
            size_penalty=0,
            nesting_penalty=0,
        )
    count = len(functions)
    cyclomatic = _average_penalty(
        sum(f.cyclomatic for f in functions), count, thresholds.max_cyclomatic
    )
    cognitive = _average_penalty(
        sum(f.cognitive for f in functions), count, thresholds.max_cognitive
    )
    max_lines = max(f.lines for f in functions)
    size = min(20, (max_lines - 100) // 20) if max_lines > 100 else 0
    max_nesting = max(f.max_nesting for f in functions)
    nesting = min(20, 5 * (max_nesting - 4)) if max_nesting > 4 else 0
    score = max(0, _MAX_SCORE - cyclomatic - cognitive - size - nesting)
    return FileHealthScore(
        file=path,
        score=score,
        grade=grade_for(score),
        cyclomatic_penalty=cyclomatic,
        cognitive_penalty=cognitive,
        size_penalty=size,
        nesting_penalty=nesting,
    )


def project_score(files: Sequence[FileHealthScore], *, unscored: int = 0) -> ProjectHealth:
    """Model 1: the floor of the mean file score, files sorted by path; not graded
    (no score, no grade) without files.

    ``unscored`` counts the files that could not be scored (unreadable, undecodable,
    not parseable): they are reported, never silently counted as healthy.
    """
    ordered = tuple(sorted(files, key=lambda f: f.file))
    score = sum(int(f.score) for f in ordered) // len(ordered) if ordered else None
    return ProjectHealth(
        score=score,
        grade=None if score is None else grade_for(score),
        files=ordered,
        total_files=len(ordered),
        unscored_files=unscored,
        model=1,
    )


def low_score_finding(path: str, score: float, grade: HealthGrade, threshold: int) -> Finding:
    """The ``complexity:low-health-score`` finding of a file scoring below ``threshold``."""
    return Finding(
        rule_id=LOW_HEALTH_SCORE,
        message=f"file has health score {score:g} ({grade}) below threshold {threshold}",
        severity=Severity.WARNING,
        location=Location(file=path, start_line=1, end_line=1),
        metadata={"score": score, "grade": grade.value},
        anchor=make_anchor("<module>", LOW_HEALTH_SCORE),
    )
