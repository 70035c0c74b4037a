"""GitHub Actions workflow commands: escaping and properties."""

from __future__ import annotations

from pathlib import Path

from chaffra_core import Finding, HealthGrade, Location, ProjectHealth, RunResult, Severity
from chaffra_core.output import render
from chaffra_core.output._github import escape_data, escape_property


def _render(*findings: Finding, health: ProjectHealth | None = None) -> str:
    result = RunResult(
        root=Path("/r"),
        command="c",
        modules=(),
        findings=findings,
        health=health,
        files_analyzed=1,
        duration_ms=1,
    )
    return render(result, "github", tool_version="1")


def test_data_escaping_is_lossless_and_percent_goes_first() -> None:
    """'%0A' in a message stays literal text instead of becoming a line break."""
    assert "100%25 %250A a%0Db%0Ac:d,e" == escape_data("100% %0A a\rb\nc:d,e")


def test_property_escaping_also_covers_colon_and_comma() -> None:
    """A ',' or ':' in a path must not end the property or the property list."""
    assert "a%2Cb%3A%3Ac%25%0A" == escape_property("a,b::c%\n")


def test_annotations_use_one_based_columns_and_only_known_ranges() -> None:
    """col/endColumn on one line; endLine only for multi-line findings."""
    one_line = Finding(
        rule_id="m:r",
        message="x",
        severity=Severity.INFO,
        location=Location(file="a.py", start_line=3, end_line=3, start_column=4, end_column=9),
    )
    multi = Finding(
        rule_id="m:r",
        message="y",
        severity=Severity.ERROR,
        location=Location(file="a.py", start_line=3, end_line=5, start_column=0, end_column=2),
    )
    assert (
        "::notice file=a.py,line=3,col=5,endColumn=10,title=m%3Ar::x\n"
        "::error file=a.py,line=3,endLine=5,title=m%3Ar::y\n"
    ) == _render(one_line, multi)


def test_health_is_a_notice_when_good_and_a_warning_otherwise() -> None:
    """The threshold is 80, as in the badge."""
    good = ProjectHealth(score=80.0, grade=HealthGrade.B, files=(), total_files=4)
    bad = ProjectHealth(score=79.9, grade=HealthGrade.C, files=(), total_files=4)
    assert "::notice::Chaffra health: 80.0 (B) - 4 files\n" in _render(health=good)
    assert "::warning::Chaffra health: 79.9 (C) - 4 files\n" in _render(health=bad)
