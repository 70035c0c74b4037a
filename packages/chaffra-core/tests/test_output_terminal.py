"""The terminal format, colour detection and format dispatch."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from chaffra_core import (
    FileHealthScore,
    Finding,
    HealthContributor,
    HealthGrade,
    Location,
    ProjectHealth,
    RunResult,
    Severity,
)
from chaffra_core.output import OutputFormat, render, should_color


class _Stream:
    def __init__(self, tty: bool | Exception) -> None:
        self._tty = tty

    def isatty(self) -> bool:
        if isinstance(self._tty, Exception):
            raise self._tty
        return self._tty


def _result(*findings: Finding, health: ProjectHealth | None = None) -> RunResult:
    return RunResult(
        root=Path("/r"),
        command="analyze",
        modules=("m",),
        findings=findings,
        health=health,
        files_analyzed=len(findings),
        duration_ms=5,
    )


def _finding(message: str, *, file: str = "a.py", severity: Severity = Severity.WARNING) -> Finding:
    return Finding(
        rule_id="m:r",
        message=message,
        severity=severity,
        location=Location(file=file, start_line=3, end_line=3),
    )


@pytest.mark.parametrize(
    ("tty", "environ", "expected"),
    [
        (True, {}, True),
        (False, {}, False),
        (True, {"NO_COLOR": "1"}, False),
        (True, {"NO_COLOR": "0"}, False),
        (True, {"NO_COLOR": ""}, True),
        (True, {"TERM": "dumb"}, False),
        (True, {"TERM": "xterm-256color"}, True),
        (False, {"FORCE_COLOR": "1"}, True),
        (False, {"FORCE_COLOR": "0"}, False),
        (False, {"FORCE_COLOR": ""}, False),
        (True, {"FORCE_COLOR": "1", "TERM": "dumb"}, True),
        (True, {"FORCE_COLOR": "1", "NO_COLOR": "1"}, False),
        (ValueError("I/O operation on closed file"), {}, False),
        (OSError("detached"), {"FORCE_COLOR": "0"}, False),
    ],
)
def test_should_color_honours_tty_no_color_force_color_and_dumb_terminals(
    tty: bool | Exception, environ: dict[str, str], expected: bool
) -> None:
    """NO_COLOR (non-empty, no-color.org) beats FORCE_COLOR, which beats TTY detection."""
    assert expected == should_color(_Stream(tty), environ)


def test_should_color_reads_the_process_environment_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Without an explicit mapping, os.environ decides."""
    monkeypatch.setenv("NO_COLOR", "1")
    assert not should_color(_Stream(True))


def test_should_color_is_false_for_an_in_memory_stream() -> None:
    """StringIO is not a terminal."""
    assert not should_color(io.StringIO(), {})


def test_render_accepts_a_format_name_case_insensitively() -> None:
    """The CLI can pass the raw --format string."""
    assert render(_result(), "JSON", tool_version="1") == render(
        _result(), OutputFormat.JSON, tool_version="1"
    )


def test_render_rejects_an_unknown_format_naming_the_known_ones() -> None:
    """Unknown formats are a usage error, never a silent fallback to terminal."""
    with pytest.raises(
        ValueError, match=r"unknown output format 'xml' \(expected one of: terminal, json"
    ):
        render(_result(), "xml", tool_version="1")


def test_terminal_escapes_control_and_bidi_characters_from_analysed_code() -> None:
    """A message cannot clear the screen, recolour output, fake lines or reorder text."""
    text = render(
        _result(_finding("a\x1b[2Jb\nc\u202ed\u2028e\u00a0f", file="x\ty.py")),
        "terminal",
        tool_version="1",
    )
    assert "  [W] line 3: a\\x1b[2Jb\\nc\\u202ed\\u2028e\u00a0f (m:r)" in text
    assert "\nx\\ty.py\n" in text


def test_terminal_colours_each_severity_and_the_summary_by_the_worst() -> None:
    """Errors red, warnings yellow, info cyan; a clean run's summary is green."""
    result = _result(
        _finding("e", severity=Severity.ERROR), _finding("w"), _finding("i", severity=Severity.INFO)
    )
    text = render(result, "terminal", color=True, tool_version="1")
    assert "\x1b[31m[E]\x1b[0m" in text
    assert "\x1b[33m[W]\x1b[0m" in text
    assert "\x1b[36m[I]\x1b[0m" in text
    assert "\x1b[1;31m1 error(s)" in text
    assert "\x1b[32mNo issues found.\x1b[0m" in render(
        _result(), "terminal", color=True, tool_version="1"
    )
    assert "\x1b[1;32m0 error(s)" in render(_result(), "terminal", color=True, tool_version="1")


def test_terminal_health_lists_the_worst_files_first_with_nan_scores_leading() -> None:
    """Ordering is deterministic even when a score is not a number."""
    files = tuple(
        FileHealthScore(
            file=name,
            score=score,
            grade=grade,
            cyclomatic_penalty=0.0,
            cognitive_penalty=0.0,
            size_penalty=0.0,
            nesting_penalty=0.0,
        )
        for name, score, grade in (
            ("b.py", 90.0, HealthGrade.A),
            ("a.py", 90.0, HealthGrade.A),
            ("n.py", float("nan"), HealthGrade.F),
        )
    )
    health = ProjectHealth(score=60.0, grade=HealthGrade.D, files=files, total_files=3)
    text = render(_result(health=health), "terminal", tool_version="1")
    assert "  [!] n.py - nan (F)\n  [+] a.py - 90.0 (A)\n  [+] b.py - 90.0 (A)\n" in text
    assert "more" not in text


def test_terminal_health_without_files_prints_only_the_score() -> None:
    """No per-file block when the project has no scored files."""
    health = ProjectHealth(score=100.0, grade=HealthGrade.A, files=(), total_files=0)
    text = render(_result(health=health), "terminal", tool_version="1")
    assert (
        "Project Health: 100.0 (A)\nFiles scored: 0 of 0 (0 source lines, model 2)\n\n"
        "No issues found.\n"
    ) in text


def test_a_project_that_is_not_graded_says_so_and_lists_file_contributors_by_path() -> None:
    """No score, no grade: "not graded"; a file contributor is named by its path."""
    why = HealthContributor(kind="file", file="big.py", cost=1.5, detail="a 9,000-line file")
    health = ProjectHealth(
        score=None, grade=None, files=(), total_files=0, contributors=(why,), model=2
    )
    text = render(_result(health=health), "terminal", color=True, tool_version="1")
    assert "Project Health: \x1b[1;36mnot graded\x1b[0m\n" in text
    assert "  -1.50   big.py: a 9,000-line file\n" in text
