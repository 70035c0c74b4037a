"""The markdown report (spec cli-and-core §9.3, result form).

Text from analysed code is escaped: ``& < >`` become entities (no raw HTML),
line breaks become spaces (no fake headings), ``|`` is escaped in table cells
(GFM honours the escape even inside code spans) and paths are code spans
(``__init__.py`` must not turn bold).
"""

from __future__ import annotations

import re

from chaffra_core._findings import Finding, ProjectHealth
from chaffra_core._result import RunResult
from chaffra_core.output._common import (
    LETTERS,
    by_file,
    contributor_label,
    format_health,
    format_score,
    summary_counts,
    worst_files,
    worst_functions,
)

__all__ = ["code_span", "inline", "render_markdown", "text"]

_LINE_BREAKS = re.compile(r"[\r\n\v\f\x1c-\x1e\x85\u2028\u2029]+")
_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]#|~])")
_BACKTICK_RUNS = re.compile(r"`+")


def render_markdown(result: RunResult) -> str:
    """The markdown report."""
    errors, warnings, infos = summary_counts(result)
    lines = [
        "# Chaffra Analysis Report",
        "",
        "## Summary",
        "",
        f"- **Errors:** {errors}",
        f"- **Warnings:** {warnings}",
        f"- **Info:** {infos}",
        f"- **Files analyzed:** {result.files_analyzed}",
        f"- **Duration:** {result.duration_ms} ms",
        "",
    ]
    if result.health is not None:
        lines += _health_lines(result.health, result.files_analyzed)
        lines += _function_lines(result)
    if result.module_errors:
        lines += ["## Module Errors", ""]
        lines += [f"- **{inline(m)}**: {text(msg)}" for m, msg in result.module_errors]
        lines.append("")
    lines += _finding_lines(result.findings)
    return "\n".join(lines).rstrip("\n") + "\n"


def _health_lines(health: ProjectHealth, analyzed: int) -> list[str]:
    lines = [
        "## Health Report",
        "",
        f"**Project Score:** {format_health(health)}",
        "",
        f"**Files scored:** {health.total_files} of {analyzed} "
        f"({sum(f.lines for f in health.files):,} source lines, model {health.model})",
        "",
    ]
    if health.contributors:
        lines += ["### Why", "", "| Costs (points) | What | Detail |", "| ---: | --- | --- |"]
        lines += [
            f"| {c.cost:.2f} | {_cell(code_span(contributor_label(c)))} | {_cell(text(c.detail))} |"
            for c in health.contributors
        ]
        lines.append("")
    shown, hidden = worst_files(health)
    if shown:
        lines += ["| File | Score | Grade | Lines |", "| --- | ---: | :---: | ---: |"]
        lines += [
            f"| {_cell(code_span(f.file))} | {format_score(f.score)} | {f.grade} | {f.lines:,} |"
            for f in shown
        ]
        lines.append("")
    if hidden:
        lines += [f"… and {hidden} more", ""]
    return lines


def _function_lines(result: RunResult) -> list[str]:
    worst = worst_functions(result)
    if not worst:
        return []
    lines = [
        "### Most complex functions",
        "",
        "| Function | Cognitive | Cyclomatic | Lines |",
        "| --- | ---: | ---: | ---: |",
    ]
    lines += [
        f"| {_cell(code_span(f'{path}:{f.start_line} {f.qualified_name}'))} | {f.cognitive} "
        f"| {f.cyclomatic} | {f.lines} |"
        for path, f in worst
    ]
    return [*lines, ""]


def _finding_lines(findings: tuple[Finding, ...]) -> list[str]:
    lines = ["## Findings", ""]
    if not findings:
        return [*lines, "No issues found.", ""]
    for file, group in by_file(findings):
        lines += [f"### {code_span(file)}", ""]
        lines += [
            f"- [{LETTERS[f.severity]}] **{inline(f.rule_id)}** "
            f"(line {f.location.start_line}): {text(f.message)}"
            for f in group
        ]
        lines.append("")
    return lines


def _one_line(text: str) -> str:
    return _LINE_BREAKS.sub(" ", text)


def text(value: str) -> str:
    """Running text: markdown kept (backticks in messages render as code), HTML escaped."""
    return _one_line(value).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def inline(value: str) -> str:
    """Literal text: every markdown special escaped as well."""
    return _INLINE_SPECIALS.sub(r"\\\1", text(value))


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def code_span(value: str) -> str:
    """A code span that holds ``value`` literally, whatever backticks it contains."""
    text = _one_line(value)
    longest = max((len(run) for run in _BACKTICK_RUNS.findall(text)), default=0)
    fence = "`" * (longest + 1)
    # CommonMark strips one space from each end of a span that has one on both
    # sides and is not all spaces; a span next to its fence needs a space too.
    stripped = text.startswith(" ") and text.endswith(" ") and text.strip()
    pad = " " if not text or text.startswith("`") or text.endswith("`") or stripped else ""
    return f"{fence}{pad}{text}{pad}{fence}"
