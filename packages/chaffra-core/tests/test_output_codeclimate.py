"""CodeClimate / GitLab code quality issues."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from chaffra_core import Finding, Location, RunResult, Severity
from chaffra_core.output import render
from chaffra_core.output._codeclimate import fnv1a_64


def test_fnv1a_matches_the_spec_test_vector() -> None:
    """spec cli-and-core §9.6."""
    assert (
        "89e21eff7b2723dd"
        == f"{fnv1a_64(b'main.go:5:high-cyclomatic:high-cyclomatic detected'):016x}"
    )
    assert 0xCBF29CE484222325 == fnv1a_64(b"")


@pytest.mark.parametrize(
    ("rule_id", "severity", "category", "level"),
    [
        ("complexity:high-cyclomatic", Severity.ERROR, "Complexity", "critical"),
        ("duplication:clone", Severity.WARNING, "Duplication", "major"),
        ("security:sql-injection", Severity.INFO, "Security", "minor"),
        ("parse:syntax-error", Severity.ERROR, "Bug Risk", "critical"),
        ("dead-code:unused-function", Severity.WARNING, "Bug Risk", "major"),
        ("bare-rule", Severity.INFO, "Bug Risk", "minor"),
    ],
)
def test_issues_carry_the_module_category_and_mapped_severity(
    rule_id: str, severity: Severity, category: str, level: str
) -> None:
    """One issue per finding, fingerprinted over file, line, rule and message."""
    finding = Finding(
        rule_id=rule_id,
        message="m é",
        severity=severity,
        location=Location(file="src/a.py", start_line=5, end_line=7),
    )
    result = RunResult(
        root=Path("/r"),
        command="c",
        modules=(),
        findings=(finding,),
        health=None,
        files_analyzed=1,
        duration_ms=1,
    )
    (issue,) = json.loads(render(result, "codeclimate", tool_version="1"))
    expected_print = f"{fnv1a_64(f'src/a.py:5:{rule_id}:m é'.encode()):016x}"
    assert {
        "type": "issue",
        "check_name": rule_id,
        "description": "m é",
        "severity": level,
        "fingerprint": expected_print,
        "location": {"path": "src/a.py", "lines": {"begin": 5, "end": 7}},
        "categories": [category],
    } == issue
