"""SARIF 2.1.0 (spec cli-and-core §9.8, with the fidelity fixes of "Beyond" 14).

- columns are 1-based in SARIF: a 0-based column ``c > 0`` is written as
  ``c + 1``; 0 means "unknown" and is omitted (SARIF's default is column 1);
- ``%SRCROOT%`` is declared in ``originalUriBaseIds`` without a URI, so no
  absolute path leaks; consumers (code scanning) bind it to the checkout;
- ``partialFingerprints`` carry the churn identity (rule, file, anchor or line);
- failed modules become tool execution notifications.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from chaffra_core._converter import converter
from chaffra_core._findings import Finding, Location, Severity, split_rule_id
from chaffra_core._result import RunResult
from chaffra_core.output._json import TOOL_NAME, dumps

__all__ = ["FINGERPRINT_KEY", "SARIF_SCHEMA", "partial_fingerprint", "render_sarif"]

SARIF_SCHEMA = (
    "https://raw.githubusercontent.com/oasis-tcs/sarif-spec/master/Schemata/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://github.com/laplaque/chaffra"
FINGERPRINT_KEY = "chaffraFingerprint/v1"
SRCROOT = "%SRCROOT%"

_LEVELS: Mapping[Severity, str] = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "note",
}


def render_sarif(result: RunResult, *, tool_version: str) -> str:
    """A SARIF 2.1.0 log with one run."""
    rules, indexes = _rules(result.findings)
    invocation: dict[str, Any] = {"executionSuccessful": not result.module_errors}
    if result.module_errors:
        invocation["toolExecutionNotifications"] = [
            {"level": "error", "message": {"text": message}, "descriptor": {"id": module}}
            for module, message in result.module_errors
        ]
    driver = {
        "name": TOOL_NAME,
        "version": tool_version,
        "semanticVersion": tool_version,
        "informationUri": INFORMATION_URI,
        "rules": rules,
    }
    run = {
        "tool": {"driver": driver},
        "originalUriBaseIds": {SRCROOT: {"description": {"text": "The analysis root."}}},
        "invocations": [invocation],
        "results": [_result(f, indexes[f.rule_id]) for f in result.findings],
    }
    return dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]})


def _rules(findings: tuple[Finding, ...]) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """One reporting descriptor per rule id, first-seen order; the level of its first finding."""
    rules: list[dict[str, Any]] = []
    indexes: dict[str, int] = {}
    for finding in findings:
        if finding.rule_id in indexes:
            continue
        indexes[finding.rule_id] = len(rules)
        module, _ = split_rule_id(finding.rule_id)
        rules.append(
            {
                "id": finding.rule_id,
                "shortDescription": {"text": finding.rule_id},
                "defaultConfiguration": {"level": _LEVELS[finding.severity]},
                "properties": {"tags": [] if module is None else [module]},
            }
        )
    return rules, indexes


def _result(finding: Finding, rule_index: int) -> dict[str, Any]:
    properties: dict[str, Any] = {"confidence": converter().unstructure(finding.confidence, float)}
    if finding.metadata:
        properties["metadata"] = {key: finding.metadata[key] for key in sorted(finding.metadata)}
    physical = {
        "artifactLocation": {
            "uri": quote(finding.location.file, safe="/", errors="surrogatepass"),
            "uriBaseId": SRCROOT,
        },
        "region": _region(finding.location),
    }
    return {
        "ruleId": finding.rule_id,
        "ruleIndex": rule_index,
        "level": _LEVELS[finding.severity],
        # SARIF requires message text; an empty message falls back to the rule id.
        "message": {"text": finding.message or finding.rule_id},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {FINGERPRINT_KEY: partial_fingerprint(finding)},
        "properties": properties,
    }


def _region(location: Location) -> dict[str, int]:
    # SARIF lines are >= 1 and a region never ends before it starts.
    start = max(1, location.start_line)
    end = max(start, location.end_line)
    region = {"startLine": start, "endLine": end}
    if location.start_column > 0:
        region["startColumn"] = location.start_column + 1
    if location.end_column > 0 and (end > start or location.end_column >= location.start_column):
        region["endColumn"] = location.end_column + 1
    return region


def partial_fingerprint(finding: Finding) -> str:
    """16 hex digits of SHA-256 over the length-prefixed rule, file and anchor (or line).

    With an anchor the fingerprint survives lines inserted above the finding.
    """
    identity = finding.anchor or f"line:{finding.location.start_line}"
    parts = (finding.rule_id, finding.location.file, identity)
    raw = [part.encode("utf-8", "surrogatepass") for part in parts]
    encoded = b"".join(len(part).to_bytes(4, "big") + part for part in raw)
    return hashlib.sha256(encoded).hexdigest()[:16]
