"""SARIF 2.1.0: the key structural requirements, regions and fingerprints."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from chaffra_core import Finding, Location, RunResult, Severity
from chaffra_core.output import render
from chaffra_core.output._sarif import FINGERPRINT_KEY, SARIF_SCHEMA, partial_fingerprint


def _finding(rule_id: str = "m:r", severity: Severity = Severity.ERROR, **location: Any) -> Finding:
    where = {"file": "a.py", "start_line": 3, "end_line": 3, **location}
    return Finding(rule_id=rule_id, message="msg", severity=severity, location=Location(**where))


def _sarif(*findings: Finding, errors: tuple[tuple[str, str], ...] = ()) -> dict[str, Any]:
    result = RunResult(
        root=Path("/r"),
        command="c",
        modules=(),
        findings=findings,
        health=None,
        files_analyzed=1,
        duration_ms=1,
        module_errors=errors,
    )
    log: dict[str, Any] = json.loads(render(result, "sarif", tool_version="1.2.3"))
    return log


def _assert_valid_sarif(log: dict[str, Any]) -> None:
    """The SARIF 2.1.0 requirements code scanning enforces."""
    assert SARIF_SCHEMA == log["$schema"]
    assert "2.1.0" == log["version"]
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"]
    rules = driver["rules"]
    assert len({r["id"] for r in rules}) == len(rules)
    for result in run["results"]:
        assert result["level"] in ("error", "warning", "note")
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"]
        region = result["locations"][0]["physicalLocation"]["region"]
        assert 1 <= region["startLine"] <= region["endLine"]
        assert region.get("startColumn", 1) >= 1
        if region["startLine"] == region["endLine"] and "endColumn" in region:
            assert region["endColumn"] >= region.get("startColumn", 1)
        base = result["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"]
        assert base in run["originalUriBaseIds"]


def test_rules_are_distinct_in_first_seen_order_with_the_first_findings_level() -> None:
    """Each result points at its rule by index."""
    log = _sarif(
        _finding("m:b", Severity.INFO),
        _finding("m:a"),
        _finding("m:b"),
        _finding("bare", Severity.WARNING),
    )
    _assert_valid_sarif(log)
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert ["m:b", "m:a", "bare"] == [r["id"] for r in rules]
    assert ["note", "error", "warning"] == [r["defaultConfiguration"]["level"] for r in rules]
    assert [["m"], ["m"], []] == [r["properties"]["tags"] for r in rules]
    assert [0, 1, 0, 2] == [r["ruleIndex"] for r in log["runs"][0]["results"]]


def test_columns_become_one_based_and_unknown_columns_are_omitted() -> None:
    """0-based c > 0 is written c + 1; 0 means unknown."""
    regions = [
        r["locations"][0]["physicalLocation"]["region"]
        for r in _sarif(
            _finding(start_column=4, end_column=9),
            _finding(),
            _finding(start_column=0, end_column=5),
            _finding(start_column=7, end_column=2),
            _finding(start_line=2, end_line=4, start_column=7, end_column=2),
        )["runs"][0]["results"]
    ]
    assert {"startLine": 3, "endLine": 3, "startColumn": 5, "endColumn": 10} == regions[0]
    assert {"startLine": 3, "endLine": 3} == regions[1]
    assert {"startLine": 3, "endLine": 3, "endColumn": 6} == regions[2]
    assert {"startLine": 3, "endLine": 3, "startColumn": 8} == regions[3]
    assert {"startLine": 2, "endLine": 4, "startColumn": 8, "endColumn": 3} == regions[4]


def test_impossible_lines_are_clamped_into_a_valid_region() -> None:
    """Line 0 and an end before the start would make the log invalid."""
    log = _sarif(_finding(start_line=0, end_line=0), _finding(start_line=9, end_line=2))
    _assert_valid_sarif(log)
    regions = [r["locations"][0]["physicalLocation"]["region"] for r in log["runs"][0]["results"]]
    assert [{"startLine": 1, "endLine": 1}, {"startLine": 9, "endLine": 9}] == regions


def test_uris_are_percent_encoded_and_relative_to_srcroot() -> None:
    """A path with spaces or '#' is still a valid URI reference."""
    log = _sarif(_finding(file="dir name/a#1%.py"))
    artifact = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert {"uri": "dir%20name/a%231%25.py", "uriBaseId": "%SRCROOT%"} == artifact


def test_empty_messages_fall_back_to_the_rule_id() -> None:
    """SARIF requires message text."""
    finding = Finding(
        rule_id="m:r",
        message="",
        severity=Severity.INFO,
        location=Location(file="a", start_line=1, end_line=1),
    )
    assert {"text": "m:r"} == _sarif(finding)["runs"][0]["results"][0]["message"]


def test_partial_fingerprints_follow_the_anchor_not_the_line() -> None:
    """With an anchor the fingerprint survives moved lines; without it the line counts."""
    here = Finding(
        rule_id="m:r",
        message="x",
        severity=Severity.INFO,
        location=Location(file="a", start_line=1, end_line=1),
        anchor="f#1",
    )
    moved = Finding(
        rule_id="m:r",
        message="y",
        severity=Severity.INFO,
        location=Location(file="a", start_line=9, end_line=9),
        anchor="f#1",
    )
    assert partial_fingerprint(here) == partial_fingerprint(moved)
    assert partial_fingerprint(_finding(start_line=1)) != partial_fingerprint(
        _finding(start_line=2)
    )
    assert 16 == len(partial_fingerprint(here))
    result = _sarif(here)["runs"][0]["results"][0]
    assert {FINGERPRINT_KEY: partial_fingerprint(here)} == result["partialFingerprints"]


def test_module_errors_become_failed_invocation_notifications() -> None:
    """A failed module marks the run unsuccessful and says why."""
    invocation = _sarif(errors=(("sec", "boom"),))["runs"][0]["invocations"][0]
    assert {
        "executionSuccessful": False,
        "toolExecutionNotifications": [
            {"level": "error", "message": {"text": "boom"}, "descriptor": {"id": "sec"}}
        ],
    } == invocation
    assert [{"executionSuccessful": True}] == _sarif()["runs"][0]["invocations"]


def test_an_empty_result_is_a_valid_log_with_no_rules_or_results() -> None:
    """Machine consumers always get a document."""
    log = _sarif()
    _assert_valid_sarif(log)
    assert [] == log["runs"][0]["results"]
    assert [] == log["runs"][0]["tool"]["driver"]["rules"]
    assert "1.2.3" == log["runs"][0]["tool"]["driver"]["semanticVersion"]


def test_the_golden_sarif_logs_meet_the_structural_requirements() -> None:
    """The reviewed examples are valid too."""
    for path in sorted((Path(__file__).parent / "golden").glob("*.sarif")):
        _assert_valid_sarif(json.loads(path.read_text(encoding="utf-8")))
