"""SARIF 2.1.0 (spec cli-and-core §9.8, with the fidelity fixes of "Beyond" 14).

- columns are 1-based in SARIF: a 0-based column ``c > 0`` is written as
  ``c + 1``; 0 means "unknown" and is omitted (SARIF's default is column 1);
- artifact URIs are relative to ``%SRCROOT%``, the repository root, whose
  ``file://`` URI ``originalUriBaseIds`` carries (code scanning matches the
  relative URIs against the checkout); without a context the project root;
- rule descriptors carry the ``explain`` texts (name, short and full
  description, help, default level);
- ``partialFingerprints`` carry the churn identity (rule, file, anchor or line);
- failed modules become tool execution notifications.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import quote

from chaffra_core._converter import converter
from chaffra_core._findings import Finding, Location, RuleExplanation, Severity, split_rule_id
from chaffra_core._result import RunResult
from chaffra_core._text import escape_surrogates
from chaffra_core.output._context import OutputContext
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


def render_sarif(
    result: RunResult, *, tool_version: str, context: OutputContext | None = None
) -> str:
    """A SARIF 2.1.0 log with one run."""
    context = context if context is not None else OutputContext()
    base = context.repo_root if context.repo_root is not None else result.root
    rules, indexes = _rules(result.findings, context.rules)
    invocation: dict[str, Any] = {"executionSuccessful": not result.module_errors}
    if result.module_errors:
        invocation["toolExecutionNotifications"] = [
            {
                "level": "error",
                "message": {"text": escape_surrogates(message)},
                "descriptor": {"id": escape_surrogates(module)},
            }
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
        "originalUriBaseIds": {
            SRCROOT: {
                "uri": _directory_uri(base),
                "description": {"text": "The repository root."},
            }
        },
        "invocations": [invocation],
        "results": [
            _result(f, indexes[f.rule_id], _artifact(result.root, f.location.file, base))
            for f in result.findings
        ],
    }
    return dumps({"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]})


def _directory_uri(directory: Path) -> str:
    uri = directory.absolute().as_uri()
    return uri if uri.endswith("/") else uri + "/"


def _artifact(root: Path, file: str, base: Path) -> dict[str, str]:
    """The artifact location of root-relative ``file``: relative to ``base`` when inside it."""
    absolute = Path(os.path.normpath(root / file))
    try:
        relative = absolute.relative_to(base)
    except ValueError:
        return {"uri": absolute.as_uri()}
    raw = os.fsencode(relative.as_posix()) if relative.parts else b"."
    return {"uri": quote(raw, safe="/"), "uriBaseId": SRCROOT}


def _rules(
    findings: tuple[Finding, ...], explanations: Mapping[str, RuleExplanation]
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """One reporting descriptor per rule id, first-seen order, with the rule's explanation.

    A rule nobody explains gets its id as description and the level of its
    first finding.
    """
    rules: list[dict[str, Any]] = []
    indexes: dict[str, int] = {}
    for finding in findings:
        if finding.rule_id in indexes:
            continue
        indexes[finding.rule_id] = len(rules)
        rules.append(_descriptor(finding, explanations.get(finding.rule_id)))
    return rules, indexes


def _descriptor(finding: Finding, explanation: RuleExplanation | None) -> dict[str, Any]:
    rule_id = escape_surrogates(finding.rule_id)
    module, _ = split_rule_id(rule_id)
    tags = [] if module is None else [module]
    if explanation is None:
        return {
            "id": rule_id,
            "shortDescription": {"text": rule_id},
            "defaultConfiguration": {"level": _LEVELS[finding.severity]},
            "properties": {"tags": tags},
        }
    help_text = (
        f"{explanation.description}\n\n{explanation.rationale}\n\n"
        f"Suppress with: {explanation.suppression_syntax}"
    )
    help_markdown = (
        f"{explanation.description}\n\n**Why:** {explanation.rationale}\n\n"
        f"Suppress with `{explanation.suppression_syntax}`"
    )
    return {
        "id": rule_id,
        "name": explanation.name,
        "shortDescription": {"text": explanation.name},
        "fullDescription": {"text": explanation.description},
        "help": {"text": help_text, "markdown": help_markdown},
        "defaultConfiguration": {"level": _LEVELS[explanation.default_severity]},
        "properties": {"tags": tags},
    }


def _result(finding: Finding, rule_index: int, artifact: Mapping[str, str]) -> dict[str, Any]:
    properties: dict[str, Any] = {"confidence": converter().unstructure(finding.confidence, float)}
    if finding.metadata:
        properties["metadata"] = {
            escape_surrogates(key): _scalar(finding.metadata[key])
            for key in sorted(finding.metadata)
        }
    physical = {"artifactLocation": dict(artifact), "region": _region(finding.location)}
    rule_id = escape_surrogates(finding.rule_id)
    return {
        "ruleId": rule_id,
        "ruleIndex": rule_index,
        "level": _LEVELS[finding.severity],
        # SARIF requires message text; an empty message falls back to the rule id.
        "message": {"text": escape_surrogates(finding.message) or rule_id},
        "locations": [{"physicalLocation": physical}],
        "partialFingerprints": {FINGERPRINT_KEY: partial_fingerprint(finding)},
        "properties": properties,
    }


def _scalar(value: str | int | float | bool) -> str | int | float | bool:
    return escape_surrogates(value) if isinstance(value, str) else value


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
