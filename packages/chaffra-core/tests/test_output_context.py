"""Display paths, escaping, badges and rule texts at the edges the CLI tests do not reach."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chaffra_core import (
    Baseline,
    ConfigError,
    Finding,
    Location,
    ModuleHost,
    RuleExplanation,
    RunResult,
    Severity,
    changed_files,
    rule_explanations,
)
from chaffra_core._text import escape_surrogates
from chaffra_core.analyzers.complexity import ComplexityModule
from chaffra_core.output import OutputContext, display_path, render

FINDING = Finding(
    rule_id="m:r",
    message="x",
    severity=Severity.WARNING,
    location=Location(file="a.py", start_line=1, end_line=1),
)


def _result(*findings: Finding) -> RunResult:
    return RunResult(
        root=Path("/repo/proj"),
        command="c",
        modules=(),
        findings=findings,
        health=None,
        files_analyzed=1,
        duration_ms=1,
    )


def test_lone_surrogates_that_are_not_escaped_bytes_are_written_as_code_points() -> None:
    assert "a\\ud800b\\xff" == escape_surrogates("a\ud800b\udcff")


def test_display_paths_are_cwd_relative_and_dot_for_the_cwd_itself() -> None:
    assert "proj/a.py" == display_path(Path("/repo/proj"), "a.py", Path("/repo"))
    assert "." == display_path(Path("/repo"), "", Path("/repo"))
    assert "/repo/proj/a.py" == display_path(Path("/repo/proj"), "a.py", Path("/elsewhere"))


def test_findings_without_errors_make_a_yellow_findings_badge() -> None:
    badge = json.loads(render(_result(FINDING), "badge", tool_version="1"))
    assert ("1 finding(s)", "yellow") == (badge["message"], badge["color"])


def test_sarif_uses_absolute_uris_for_files_outside_the_repository_root() -> None:
    context = OutputContext(repo_root=Path("/other"))
    log = json.loads(render(_result(FINDING), "sarif", tool_version="1", context=context))
    location = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert {"uri": "file:///repo/proj/a.py"} == location["artifactLocation"]


def test_a_pr_comment_with_only_resolved_findings_lists_them() -> None:
    comparison = Baseline.of([FINDING]).compare([])
    context = OutputContext(cwd=Path("/repo"), comparison=comparison)
    comment = render(_result(), "pr-comment", tool_version="1", context=context)
    assert "<summary><b>Resolved findings (1)</b></summary>" in comment
    assert "- `proj/a.py`: x (`m:r`)" in comment
    assert "New findings" not in comment


class _Unexplained(ComplexityModule):
    def explain(self, rule: str) -> RuleExplanation:
        from chaffra_core.errors import RuleNotFound

        raise RuleNotFound(rule)


def test_rules_a_module_cannot_explain_fall_back_to_their_description() -> None:
    texts = rule_explanations(ModuleHost([_Unexplained()]))
    rule = texts["complexity:high-cyclomatic"]
    assert rule.description == rule.rationale
    assert "parse:syntax-error" in texts


def test_changed_since_without_git_is_a_configuration_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ConfigError, match="needs git"):
        changed_files(tmp_path, "HEAD")
