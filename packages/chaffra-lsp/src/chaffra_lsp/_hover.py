"""Hover text: a function's complexity, its rank and its trend; a rule's explanation."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import attrs

from chaffra_core import FunctionMetrics, RuleExplanation
from chaffra_lsp._history import FunctionRun
from chaffra_telemetry import (
    DB_FILE,
    PROJECT_DIR,
    LiveTelemetryState,
    SqliteStore,
    TelemetryAudience,
)

__all__ = [
    "Trend",
    "enclosing",
    "explanation_markdown",
    "function_markdown",
    "project_trend",
    "rank",
]

_RANKS = ((5, "A"), (10, "B"), (20, "C"), (30, "D"), (40, "E"))


def rank(cyclomatic: int) -> str:
    """radon's rank of a cyclomatic complexity: A (1-5) to F (41 and more)."""
    return next((letter for bound, letter in _RANKS if cyclomatic <= bound), "F")


def enclosing(functions: Sequence[FunctionMetrics], line: int) -> FunctionMetrics | None:
    """The innermost function whose lines hold the 1-based ``line``."""
    holding = [f for f in functions if f.start_line <= line <= f.end_line]
    return max(holding, key=lambda f: (f.start_line, -f.end_line), default=None)


@attrs.frozen(kw_only=True)
class Trend:
    """How a number moved over the last ``runs`` runs."""

    label: str
    first: float
    last: float
    runs: int

    def text(self) -> str:
        """``cognitive 9 → 17 over the last 12 runs``."""
        moved = f"{_number(self.first)} → {_number(self.last)}"
        return f"{self.label} {moved} over the last {self.runs} runs"


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:.1f}"


def trend(label: str, values: Sequence[float]) -> Trend | None:
    """The trend of ``values`` (oldest first), or ``None`` with fewer than two."""
    if len(values) < 2:
        return None
    return Trend(label=label, first=values[0], last=values[-1], runs=len(values))


_PROJECT_METRICS = (("cognitive_avg", "project cognitive average"), ("health_score", "health"))


def project_trend(root: Path, audience: TelemetryAudience, *, runs: int = 12) -> list[Trend]:
    """The complexity module's project-level numbers over the project's last ``runs``
    stored runs (every producer's), as ``audience`` may see them.

    Reads ``<root>/.chaffra/telemetry.db`` only when it exists: a hover never
    creates a store, and under ``off`` nothing is read at all.
    """
    if audience is TelemetryAudience.OFF or not (root / PROJECT_DIR / DB_FILE).is_file():
        return []
    store = SqliteStore.for_project(root)
    try:
        view = LiveTelemetryState(store).history("7d", audience=audience, module="complexity")
    finally:
        store.close()
    summaries = [s.user_summary.module_summaries.get("complexity") for s in view.snapshots[-runs:]]
    found: list[Trend] = []
    for key, label in _PROJECT_METRICS:
        values = [s.metrics[key] for s in summaries if s is not None and key in s.metrics]
        moved = trend(label, values)
        if moved is not None:
            found.append(moved)
    return found


def function_markdown(
    function: FunctionMetrics,
    *,
    history: Sequence[FunctionRun] = (),
    project: Sequence[Trend] = (),
) -> str:
    """The hover of a function: its measures and rank, then its trends.

    ``history`` are this function's measures in the project's stored runs
    (oldest first, every producer's), the project's trends follow.
    """
    lines = [
        f"**{function.qualified_name}** — cyclomatic {function.cyclomatic} "
        f"(rank {rank(function.cyclomatic)}), cognitive {function.cognitive}, "
        f"{function.lines} lines, max nesting {function.max_nesting}"
        + (", recursive" if function.recursive else "")
    ]
    for label, values in (
        ("cognitive", [run.cognitive for run in history]),
        ("cyclomatic", [run.cyclomatic for run in history]),
    ):
        moved = trend(label, values)
        if moved is not None and moved.first != moved.last:
            lines.append(f"- {moved.text()}")
        elif moved is not None:
            lines.append(
                f"- {label} {_number(moved.last)}, unchanged over the last {moved.runs} runs"
            )
    lines.extend(f"- {t.text()}" for t in project)
    return "\n".join(lines)


def explanation_markdown(explanation: RuleExplanation) -> str:
    """The hover of a diagnostic: what the rule means and how to silence it."""
    parts = [
        f"**{explanation.rule_id}** — {explanation.name}",
        explanation.description,
        explanation.rationale,
        f"Suppress: `{explanation.suppression_syntax}`",
    ]
    parts.extend(f"```python\n{example}\n```" for example in explanation.examples)
    return "\n\n".join(part for part in parts if part)
