"""Findings as LSP diagnostics: 0-based lines, UTF-16 columns, visible ranges."""

from __future__ import annotations

from collections.abc import Sequence

from lsprotocol import types

from chaffra_core import Finding, Severity, split_rule_id

__all__ = ["SOURCE", "diagnostic", "diagnostics", "line_range", "utf16_column"]

SOURCE = "chaffra"

_SEVERITY = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    Severity.INFO: types.DiagnosticSeverity.Information,
}


def utf16_column(line: str, byte_offset: int) -> int:
    """The UTF-16 code-unit column of ``byte_offset`` (a UTF-8 byte offset, as ``ast``
    gives it) in ``line``."""
    prefix = line.encode("utf-8")[: max(byte_offset, 0)].decode("utf-8", errors="ignore")
    return len(prefix.encode("utf-16-le")) // 2


def _line(lines: Sequence[str], index: int) -> str:
    return lines[index] if 0 <= index < len(lines) else ""


def line_range(lines: Sequence[str], line: int) -> types.Range:
    """The whole 0-based ``line`` (what a zero-width finding is widened to)."""
    text = _line(lines, line)
    return types.Range(
        start=types.Position(line=line, character=0),
        end=types.Position(line=line, character=utf16_column(text, len(text.encode("utf-8")))),
    )


def diagnostic(finding: Finding, lines: Sequence[str]) -> types.Diagnostic:
    """One finding as a diagnostic on the document whose text has ``lines``.

    A zero-width range (most findings carry columns 0/0) covers its whole first
    line instead, so editors show it; ``unused-*`` rules are tagged
    ``Unnecessary`` (shown faded).
    """
    location = finding.location
    start_line = max(location.start_line - 1, 0)
    end_line = max(location.end_line - 1, start_line)
    start = types.Position(
        line=start_line, character=utf16_column(_line(lines, start_line), location.start_column)
    )
    end = types.Position(
        line=end_line, character=utf16_column(_line(lines, end_line), location.end_column)
    )
    if (start.line, start.character) >= (end.line, end.character):
        span = line_range(lines, start_line)
        start, end = types.Position(line=start_line, character=start.character), span.end
        if start.character >= end.character:
            start = span.start
    rule = split_rule_id(finding.rule_id)[1]
    return types.Diagnostic(
        range=types.Range(start=start, end=end),
        severity=_SEVERITY[finding.severity],
        code=finding.rule_id,
        source=SOURCE,
        message=finding.message,
        tags=[types.DiagnosticTag.Unnecessary] if rule.startswith("unused") else None,
        data={"rule_id": finding.rule_id, "line": location.start_line},
    )


def diagnostics(findings: Sequence[Finding], text: str) -> list[types.Diagnostic]:
    """Every finding of one document, in order."""
    lines = text.splitlines()
    return [diagnostic(finding, lines) for finding in findings]
