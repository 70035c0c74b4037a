"""The human-readable terminal format (spec cli-and-core §9.2, result form).

Text that came from analysed code (messages, paths, rule ids) is printed with
its control characters escaped, so a finding cannot move the cursor, change
colours or fake extra lines on the user's terminal.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping

from chaffra_core._findings import Finding, HealthGrade, ProjectHealth, Severity
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

__all__ = ["render_terminal"]

_RESET = "\x1b[0m"
_BOLD = "1"
_RED = "31"
_GREEN = "32"
_YELLOW = "33"
_CYAN = "36"
_SEVERITY_COLORS: Mapping[Severity, str] = {
    Severity.ERROR: _RED,
    Severity.WARNING: _YELLOW,
    Severity.INFO: _CYAN,
}
_GRADE_STYLE: Mapping[HealthGrade, tuple[str, str]] = {
    HealthGrade.A: ("+", _GREEN),
    HealthGrade.B: ("+", _GREEN),
    HealthGrade.C: ("~", _YELLOW),
    HealthGrade.D: ("-", _RED),
    HealthGrade.F: ("!", _RED),
}
# Bidirectional overrides and isolates reorder what the reader sees ("Trojan Source").
_BIDI_CONTROLS = frozenset("\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def render_terminal(result: RunResult, *, color: bool = False) -> str:
    """The terminal report; ANSI colours only when ``color`` is true."""
    paint = _Painter(color)
    lines = [paint("=== Chaffra Analysis ===", _BOLD), ""]
    if result.health is not None:
        lines += [*_health_lines(result.health, result.files_analyzed, paint), ""]
        lines += _function_lines(result, paint)
    lines += _finding_lines(result.findings, paint)
    if result.module_errors:
        lines += ["", paint("Module errors:", _BOLD, _RED)]
        lines += [
            f"  {_clean(module)}: {_clean(message)}" for module, message in result.module_errors
        ]
    lines += ["", _summary_line(result, paint)]
    return "\n".join(lines) + "\n"


class _Painter:
    def __init__(self, enabled: bool) -> None:
        self._enabled = enabled

    def __call__(self, text: str, *codes: str) -> str:
        if not self._enabled:
            return text
        return f"\x1b[{';'.join(codes)}m{text}{_RESET}"


def _health_lines(health: ProjectHealth, analyzed: int, paint: _Painter) -> list[str]:
    _, grade_color = _GRADE_STYLE[health.grade] if health.grade is not None else ("", _CYAN)
    score = paint(format_health(health), _BOLD, grade_color)
    source = sum(f.lines for f in health.files)
    lines = [
        f"Project Health: {score}",
        f"Files scored: {health.total_files} of {analyzed} ({source:,} source lines, "
        f"model {health.model})",
    ]
    if health.unscored_files:
        lines.append(
            f"Files not scored: {health.unscored_files} (unreadable or not parseable, see findings)"
        )
    if health.contributors:
        lines += ["", paint("Why (score points each costs):", _BOLD)]
        lines += [
            f"  -{c.cost:<6.2f} {_clean(contributor_label(c))}: {_clean(c.detail)}"
            for c in health.contributors
        ]
    shown, hidden = worst_files(health)
    if shown:
        lines += ["", paint("Worst files:", _BOLD)]
    for file in shown:
        indicator, file_color = _GRADE_STYLE[file.grade]
        tag = paint(f"[{indicator}]", file_color)
        size = f", {file.lines:,} lines" if file.lines else ""
        lines.append(
            f"  {tag} {_clean(file.file)} - {format_score(file.score)} ({file.grade}){size}"
        )
    if hidden:
        lines.append(f"  … and {hidden} more")
    return lines


def _function_lines(result: RunResult, paint: _Painter) -> list[str]:
    worst = worst_functions(result)
    if not worst:
        return []
    lines = [paint("Most complex functions:", _BOLD)]
    lines += [
        f"  {_clean(path)}:{f.start_line} {_clean(f.qualified_name)} - cognitive {f.cognitive}, "
        f"cyclomatic {f.cyclomatic}, {f.lines} lines"
        for path, f in worst
    ]
    return [*lines, ""]


def _finding_lines(findings: tuple[Finding, ...], paint: _Painter) -> list[str]:
    if not findings:
        return [paint("No issues found.", _GREEN)]
    lines: list[str] = []
    for file, group in by_file(findings):
        if lines:
            lines.append("")
        lines.append(paint(_clean(file), _BOLD))
        for finding in group:
            tag = paint(f"[{LETTERS[finding.severity]}]", _SEVERITY_COLORS[finding.severity])
            lines.append(
                f"  {tag} line {finding.location.start_line}: "
                f"{_clean(finding.message)} ({_clean(finding.rule_id)})"
            )
    return lines


def _summary_line(result: RunResult, paint: _Painter) -> str:
    errors, warnings, infos = summary_counts(result)
    text = (
        f"{errors} error(s), {warnings} warning(s), {infos} info(s) "
        f"in {result.files_analyzed} file(s) ({result.duration_ms} ms)"
    )
    worst = result.worst()
    return paint(text, _BOLD, _GREEN if worst is None else _SEVERITY_COLORS[worst])


def _clean(text: str) -> str:
    """``text`` with control, line-separator and bidi characters written as escapes."""
    if text.isprintable():
        return text
    return "".join(_escape(char) for char in text)


def _escape(char: str) -> str:
    if char in _BIDI_CONTROLS or unicodedata.category(char) in ("Cc", "Zl", "Zp"):
        return char.encode("unicode_escape").decode("ascii")
    return char
