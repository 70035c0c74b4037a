"""GitHub Actions workflow commands (spec cli-and-core §9.5, escaping per "Beyond" 15).

The runner decodes ``%25``, ``%0D`` and ``%0A`` in a command's data, and also
``%3A`` and ``%2C`` in its properties, so escaping is lossless: ``%`` first,
then the rest. Every annotation is exactly one line.
"""

from __future__ import annotations

from collections.abc import Mapping

from chaffra_core._findings import Finding, Severity
from chaffra_core._result import RunResult
from chaffra_core.output._common import format_health

__all__ = ["escape_data", "escape_property", "render_github"]

_LEVELS: Mapping[Severity, str] = {
    Severity.ERROR: "error",
    Severity.WARNING: "warning",
    Severity.INFO: "notice",
}
_DATA_ESCAPES = (("%", "%25"), ("\r", "%0D"), ("\n", "%0A"))
_PROPERTY_ESCAPES = (*_DATA_ESCAPES, (":", "%3A"), (",", "%2C"))
_HEALTHY_SCORE = 80


def render_github(result: RunResult) -> str:
    """One workflow command per finding, then a health notice when health is set."""
    lines = [_annotation(f) for f in result.findings]
    if not lines:
        lines.append("::notice::Chaffra: no issues found")
    for module, message in result.module_errors:
        title = escape_property(f"chaffra: module {module} failed")
        lines.append(f"::error title={title}::{escape_data(message)}")
    if result.health is not None:
        health = result.health
        healthy = health.score is None or health.score >= _HEALTHY_SCORE
        level = "notice" if healthy else "warning"
        text = f"Chaffra health: {format_health(health)} - {health.total_files} files"
        lines.append(f"::{level}::{text}")
    return "\n".join(lines) + "\n"


def _annotation(finding: Finding) -> str:
    location = finding.location
    properties = [("file", location.file), ("line", str(location.start_line))]
    if location.end_line > location.start_line:
        properties.append(("endLine", str(location.end_line)))
    # GitHub columns are 1-based; 0 means "unknown", as in SARIF.
    if location.start_column > 0:
        properties.append(("col", str(location.start_column + 1)))
    if location.end_column > 0 and location.end_line == location.start_line:
        properties.append(("endColumn", str(location.end_column + 1)))
    properties.append(("title", finding.rule_id))
    rendered = ",".join(f"{key}={escape_property(value)}" for key, value in properties)
    return f"::{_LEVELS[finding.severity]} {rendered}::{escape_data(finding.message)}"


def escape_data(text: str) -> str:
    """Escape a command's message (after the second ``::``)."""
    return _escape(text, _DATA_ESCAPES)


def escape_property(text: str) -> str:
    """Escape a property value (``file=…``, ``title=…``)."""
    return _escape(text, _PROPERTY_ESCAPES)


def _escape(text: str, table: tuple[tuple[str, str], ...]) -> str:
    for char, replacement in table:
        text = text.replace(char, replacement)
    return text
