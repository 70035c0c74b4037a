"""vulture-compatible whitelists: ``chaffra dead-code --make-whitelist`` writes one.

A whitelist is a Python file vulture (and chaffra, via ``[modules.dead-code]
whitelist``) reads for the names it uses: ``name`` for a function, class,
variable or import, ``_.name`` for an attribute, method or property.
"""

from __future__ import annotations

from collections.abc import Iterable

from chaffra_core._findings import Finding
from chaffra_core.analyzers.dead_code._rules import (
    MODULE_ID,
    UNUSED_ATTRIBUTE,
    UNUSED_FILE,
    UNUSED_METHOD,
)

__all__ = ["make_whitelist"]

_ON_OBJECTS = frozenset({UNUSED_ATTRIBUTE, UNUSED_METHOD})
_PREFIX = f"{MODULE_ID}:"


def make_whitelist(findings: Iterable[Finding]) -> str:
    """A whitelist marking every dead-code finding's name as used (vulture's format);
    findings without a name (unreachable code) become comments."""
    lines: list[str] = []
    for finding in findings:
        if not finding.rule_id.startswith(_PREFIX):
            continue
        rule = finding.rule_id[len(_PREFIX) :]
        where = f"({finding.location.file}:{finding.location.start_line})"
        name = str(finding.metadata.get("name", ""))
        if not name or finding.rule_id == UNUSED_FILE or not name.isidentifier():
            lines.append(f"# {finding.message} {where}")
            continue
        prefix = "_." if finding.rule_id in _ON_OBJECTS else ""
        lines.append(f"{prefix}{name}  # {rule} {where}")
    return "".join(f"{line}\n" for line in lines)
