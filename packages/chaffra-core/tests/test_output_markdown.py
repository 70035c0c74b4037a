"""The markdown format's escaping."""

from __future__ import annotations

from pathlib import Path

from chaffra_core import (
    FileHealthScore,
    Finding,
    HealthGrade,
    Location,
    ProjectHealth,
    RunResult,
    Severity,
)
from chaffra_core.output import render


def _render(*findings: Finding, health: ProjectHealth | None = None) -> str:
    result = RunResult(
        root=Path("/r"),
        command="c",
        modules=(),
        findings=findings,
        health=health,
        files_analyzed=1,
        duration_ms=1,
        module_errors=(("mod_*x*", "bad <b>\nthing"),),
    )
    return render(result, "markdown", tool_version="1")


def _finding(rule_id: str, message: str, file: str = "a.py") -> Finding:
    return Finding(
        rule_id=rule_id,
        message=message,
        severity=Severity.ERROR,
        location=Location(file=file, start_line=2, end_line=2),
    )


def test_markdown_keeps_messages_on_one_line_and_escapes_html() -> None:
    """A message cannot open a heading, a raw HTML block or a second bullet."""
    text = _render(_finding("m:r", "one\n# two\r\n- <script>&"))
    assert "- [E] **m:r** (line 2): one # two - &lt;script&gt;&amp;\n" in text


def test_markdown_escapes_rule_ids_and_module_names_literally() -> None:
    """Markdown specials in ids are shown, not interpreted."""
    text = _render(_finding("m:__r*|`[x]", "msg"))
    assert r"**m:\_\_r\*\|\`\[x\]**" in text
    assert r"- **mod\_\*x\***: bad &lt;b&gt; thing" in text


def test_markdown_paths_are_code_spans_that_survive_backticks() -> None:
    """The fence is longer than any backtick run in the path, padded when needed."""
    assert "### ``a`b.py``\n" in _render(_finding("m:r", "x", file="a`b.py"))
    assert "### ``` `` ```\n" in _render(_finding("m:r", "x", file="``"))
    assert "### ` a`\n" in _render(_finding("m:r", "x", file=" a"))
    assert "###   a  \n" not in _render(_finding("m:r", "x", file=" a "))
    assert "### `  a  `\n" in _render(_finding("m:r", "x", file=" a "))
    assert "### `  `\n" in _render(_finding("m:r", "x", file=""))
    assert "### `  `\n" in _render(_finding("m:r", "x", file="  "))
    assert "### `pkg/__init__.py`\n" in _render(_finding("m:r", "x", file="pkg/__init__.py"))


def test_markdown_health_table_escapes_pipes_in_paths() -> None:
    """GFM would otherwise split the cell."""
    file = FileHealthScore(
        file="a|b.py",
        score=50.0,
        grade=HealthGrade.F,
        cyclomatic_penalty=0.0,
        cognitive_penalty=0.0,
        size_penalty=0.0,
        nesting_penalty=0.0,
    )
    health = ProjectHealth(score=50.0, grade=HealthGrade.F, files=(file,), total_files=1)
    assert "| `a\\|b.py` | 50.0 | F | 0 |\n" in _render(health=health)


def test_markdown_health_without_files_has_no_table() -> None:
    """Only the score lines."""
    health = ProjectHealth(score=100.0, grade=HealthGrade.A, files=(), total_files=0)
    text = _render(health=health)
    assert "**Files scored:** 0 of 1 (0 source lines, model 2)\n\n## Module Errors" in text
    assert "| File |" not in text
