"""CodeClimate issues, as GitLab code quality reads them (spec cli-and-core §9.6)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chaffra_core._findings import Finding, Severity, split_rule_id
from chaffra_core._result import RunResult
from chaffra_core.output._json import dumps

__all__ = ["fnv1a_64", "render_codeclimate"]

_FNV_OFFSET = 0xCBF29CE484222325
_FNV_PRIME = 0x100000001B3
_MASK = (1 << 64) - 1

_SEVERITIES: Mapping[Severity, str] = {
    Severity.ERROR: "critical",
    Severity.WARNING: "major",
    Severity.INFO: "minor",
}
_CATEGORIES: Mapping[str, str] = {
    "complexity": "Complexity",
    "duplication": "Duplication",
    "security": "Security",
}
_DEFAULT_CATEGORY = "Bug Risk"


def render_codeclimate(result: RunResult) -> str:
    """A JSON array of issues; no findings is ``[]``."""
    return dumps([_issue(f) for f in result.findings])


def _issue(finding: Finding) -> dict[str, Any]:
    location = finding.location
    module, _ = split_rule_id(finding.rule_id)
    key = f"{location.file}:{location.start_line}:{finding.rule_id}:{finding.message}"
    return {
        "type": "issue",
        "check_name": finding.rule_id,
        "description": finding.message,
        "severity": _SEVERITIES[finding.severity],
        "fingerprint": f"{fnv1a_64(key.encode('utf-8', 'surrogatepass')):016x}",
        "location": {
            "path": location.file,
            "lines": {"begin": location.start_line, "end": location.end_line},
        },
        "categories": [_CATEGORIES.get(module or "", _DEFAULT_CATEGORY)],
    }


def fnv1a_64(data: bytes) -> int:
    """64-bit FNV-1a with wrapping multiplication."""
    value = _FNV_OFFSET
    for byte in data:
        value = ((value ^ byte) * _FNV_PRIME) & _MASK
    return value
