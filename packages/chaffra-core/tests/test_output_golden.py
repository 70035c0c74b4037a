"""Every format against its golden file, for a full result, one without health and an empty one.

Regenerate after an intended change with ``CHAFFRA_UPDATE_GOLDEN=1 pytest ...``
and review the diff.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from chaffra_core import (
    Action,
    FileHealthScore,
    FileSummary,
    Finding,
    FunctionMetrics,
    HealthContributor,
    HealthGrade,
    Location,
    ProjectHealth,
    RunResult,
    Severity,
    TextEdit,
    grade_for,
)
from chaffra_core.output import OutputFormat, render

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("CHAFFRA_UPDATE_GOLDEN") == "1"
EXTENSIONS = {
    OutputFormat.TERMINAL: "txt",
    OutputFormat.JSON: "json",
    OutputFormat.MARKDOWN: "md",
    OutputFormat.SARIF: "sarif",
    OutputFormat.CODECLIMATE: "codeclimate.json",
    OutputFormat.GITHUB: "github.txt",
    OutputFormat.PR_COMMENT: "pr-comment.md",
    OutputFormat.BADGE: "badge.json",
    OutputFormat.BADGE_SVG: "badge.svg",
}


def _finding(
    rule_id: str,
    severity: Severity,
    file: str,
    line: int,
    message: str,
    *,
    end_line: int | None = None,
    start_column: int = 0,
    end_column: int = 0,
    **extra: Any,
) -> Finding:
    location = Location(
        file=file,
        start_line=line,
        end_line=line if end_line is None else end_line,
        start_column=start_column,
        end_column=end_column,
    )
    return Finding(rule_id=rule_id, message=message, severity=severity, location=location, **extra)


FINDINGS = (
    _finding(
        "complexity:high-cyclomatic",
        Severity.ERROR,
        "pkg/__init__.py",
        12,
        "function `route` has cyclomatic complexity 31 (max 20)",
        end_line=80,
        start_column=4,
        end_column=9,
        confidence=0.95,
        metadata={"value": "31", "threshold": "20"},
        anchor="route#abc",
    ),
    _finding(
        "complexity:deep-nesting",
        Severity.WARNING,
        "pkg/__init__.py",
        40,
        "nesting depth 6 exceeds 4",
    ),
    _finding(
        "dead-code:unused-function",
        Severity.WARNING,
        "pkg/util.py",
        14,
        "function `helper` is never called",
        end_line=22,
        confidence=0.9,
        actions=(
            Action(
                description="remove `helper`",
                auto_fixable=True,
                edits=(TextEdit(file="pkg/util.py", start_line=14, end_line=22, new_text=""),),
            ),
        ),
    ),
    _finding(
        "security:sql-injection",
        Severity.ERROR,
        "src/db, queries.py",
        7,
        "query built with % formatting: 100% <unsafe>",
        start_column=8,
    ),
    _finding("parse:syntax-error", Severity.INFO, "src/odd|name.py", 1, "could not parse: line 1"),
)

FILE_SCORES = tuple(
    FileHealthScore(
        file=f"pkg/mod_{i:02d}.py",
        score=score,
        grade=grade_for(score),
        lines=40 * i + 7,
        complexity_cost=100 - score,
        dead_code_cost=0.5,
    )
    for i, score in enumerate(
        (95.0, 42.5, 88.0, 71.0, 63.0, 99.0, 55.5, 80.0, 91.0, 77.0, 68.0, 100.0)
    )
)

CONTRIBUTORS = (
    HealthContributor(
        kind="rule",
        rule_id="security:sql-injection",
        cost=9.5,
        detail="1 finding(s) in 1 file(s); a high-confidence error caps the grade at C",
    ),
    HealthContributor(
        kind="function",
        file="pkg/mod_01.py",
        symbol="Tangle.<b>|run",
        cost=2.25,
        detail="cognitive 38, cyclomatic 29, 210 lines in a 2,140-line file",
    ),
)

HEALTH = ProjectHealth(
    score=77.5, grade=HealthGrade.C, files=FILE_SCORES, total_files=12, contributors=CONTRIBUTORS
)

FUNCTIONS = (
    FileSummary(
        path="pkg/mod_01.py",
        digest="0",
        size=1,
        lines=47,
        functions=(
            FunctionMetrics(
                name="run",
                qualified_name="Tangle.run",
                kind="method",
                start_line=12,
                end_line=221,
                lines=210,
                cyclomatic=29,
                cognitive=38,
                max_nesting=6,
            ),
        ),
    ),
)


def _result(
    *, findings: tuple[Finding, ...], health: ProjectHealth | None, errors: bool
) -> RunResult:
    return RunResult(
        root=Path("/home/someone/secret-project"),
        command="analyze",
        modules=("complexity", "dead-code", "security", "parse"),
        findings=findings,
        health=health,
        files_analyzed=12,
        duration_ms=345,
        module_errors=(("security", "rule pack failed to load: bad regex"),) if errors else (),
        files=FUNCTIONS if health is not None else (),
    )


CASES = {
    "full": _result(findings=FINDINGS, health=HEALTH, errors=True),
    "no_health": _result(findings=FINDINGS, health=None, errors=False),
    "empty": RunResult(
        root=Path("/home/someone/secret-project"),
        command="analyze",
        modules=(),
        findings=(),
        health=None,
        files_analyzed=0,
        duration_ms=3,
    ),
}


def _check(name: str, actual: str) -> None:
    path = GOLDEN / name
    if UPDATE:  # pragma: no cover - only when regenerating the golden files
        path.write_text(actual, encoding="utf-8", newline="\n")
    assert path.read_text(encoding="utf-8") == actual


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("fmt", list(OutputFormat))
def test_every_format_matches_its_golden_file(case: str, fmt: OutputFormat) -> None:
    """The rendered text equals the reviewed golden file byte for byte."""
    _check(f"{case}.{EXTENSIONS[fmt]}", render(CASES[case], fmt, tool_version="1.2.3"))


def test_coloured_terminal_output_matches_its_golden_file() -> None:
    """Colour codes are part of the contract too."""
    _check("full.color.txt", render(CASES["full"], "terminal", color=True, tool_version="1.2.3"))


@pytest.mark.parametrize("fmt", [f for f in OutputFormat if f is not OutputFormat.SARIF])
def test_no_format_but_sarif_shows_the_absolute_root(fmt: OutputFormat) -> None:
    """Locations are relative; only SARIF names the checkout, as its %SRCROOT% base."""
    assert "secret-project" not in render(CASES["full"], fmt, tool_version="1.2.3")
