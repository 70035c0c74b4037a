"""The pull-request comment: score, grade, new and resolved findings, details collapsed.

GitHub rejects a comment over 65,536 characters, so the comment is built
against a budget: the summary always fits, finding lines are added while they
fit and the rest is counted ("… and 1,234 more"). A hidden marker lets a CI job
find and update its previous comment instead of adding one per push.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from chaffra_core._baseline import BaselineComparison, BaselineEntry
from chaffra_core._findings import Finding
from chaffra_core._result import RunResult
from chaffra_core.output._common import LETTERS, by_file, format_health, summary_counts
from chaffra_core.output._markdown import code_span, inline, text

__all__ = ["COMMENT_LIMIT", "MARKER", "render_pr_comment"]

COMMENT_LIMIT = 65_536
"""GitHub's maximum comment body, in characters."""
MARKER = "<!-- chaffra-pr-comment -->"
_BUDGET = COMMENT_LIMIT - 1_024  # room for the closing tags and the "more" notes


def render_pr_comment(result: RunResult, comparison: BaselineComparison | None) -> str:
    """The comment for ``result``; with ``comparison``, new and resolved since the baseline."""
    errors, warnings, infos = summary_counts(result)
    lines = [MARKER]
    if result.health is not None:
        health = result.health
        lines.append(f"### Chaffra health: {format_health(health)}")
    else:
        lines.append("### Chaffra analysis")
    lines.append("")
    if comparison is None:
        lines += [
            "| Errors | Warnings | Info | Files |",
            "| ---: | ---: | ---: | ---: |",
            f"| {errors} | {warnings} | {infos} | {result.files_analyzed} |",
            "",
        ]
        sections: list[tuple[str, list[Finding], list[BaselineEntry]]] = [
            ("Findings", list(result.findings), [])
        ]
    else:
        lines += [
            "| New | Resolved | Unchanged | Files |",
            "| ---: | ---: | ---: | ---: |",
            f"| {len(comparison.new)} | {len(comparison.resolved)} | "
            f"{len(comparison.known)} | {result.files_analyzed} |",
            "",
        ]
        sections = [
            ("New findings", list(comparison.new), []),
            ("Resolved findings", [], list(comparison.resolved)),
        ]
    if result.module_errors:
        lines += [f"> **Module {inline(m)} failed:** {text(e)}" for m, e in result.module_errors]
        lines.append("")
    if not result.findings and (comparison is None or not comparison.resolved):
        lines.append("No issues found.")
        return "\n".join(lines) + "\n"
    budget = _Budget(_BUDGET - _size(lines))
    for title, findings, resolved in sections:
        lines += _section(title, findings, resolved, budget)
    return "\n".join(lines).rstrip("\n") + "\n"


class _Budget:
    def __init__(self, remaining: int) -> None:
        self.remaining = remaining

    def take(self, line: str) -> bool:
        cost = len(line) + 1
        if cost > self.remaining:
            return False
        self.remaining -= cost
        return True


def _size(lines: Iterable[str]) -> int:
    return sum(len(line) + 1 for line in lines)


def _section(
    title: str, findings: Sequence[Finding], resolved: Sequence[BaselineEntry], budget: _Budget
) -> list[str]:
    count = len(findings) + len(resolved)
    if not count:
        return []
    rows = _finding_rows(findings) if findings else _resolved_rows(resolved)
    body: list[str] = []
    shown = 0
    for row, is_item in rows:
        if not budget.take(row):
            break
        body.append(row)
        shown += is_item
    if shown < count:
        body.append(f"\n… and {count - shown:,} more (see the full report).")
    return [
        "<details>",
        f"<summary><b>{title} ({count:,})</b></summary>",
        "",
        *body,
        "",
        "</details>",
        "",
    ]


def _finding_rows(findings: Sequence[Finding]) -> list[tuple[str, bool]]:
    rows: list[tuple[str, bool]] = []
    for file, group in by_file(findings):
        rows.append((f"\n**{code_span(file)}**\n", False))
        rows += [
            (
                f"- [{LETTERS[f.severity]}] line {f.location.start_line}: {text(f.message)} "
                f"({code_span(f.rule_id)})",
                True,
            )
            for f in group
        ]
    return rows


def _resolved_rows(entries: Sequence[BaselineEntry]) -> list[tuple[str, bool]]:
    return [
        (f"- {code_span(e.file)}: {text(e.message)} ({code_span(e.rule_id)})", True)
        for e in entries
    ]
