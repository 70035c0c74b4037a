"""Code actions on chaffra's diagnostics: apply a module's safe fix, suppress, read the rule."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence

from lsprotocol import types

from chaffra_core import Finding, TextEdit
from chaffra_core.analyzers.dead_code import fix_source

__all__ = ["EXPLAIN_COMMAND", "SAFE_FIXES", "code_actions", "safe_fix_edit", "suppression_edit"]

EXPLAIN_COMMAND = "chaffra.explainRule"
"""The command that shows a rule's documentation (``arguments``: the qualified rule id)."""

_INDENT = re.compile(r"[ \t]*")


def _edit(edit: TextEdit) -> types.TextEdit:
    """A module's line-based edit (lines ``start..end`` replaced) as an LSP edit."""
    return types.TextEdit(
        range=types.Range(
            start=types.Position(line=edit.start_line - 1, character=0),
            end=types.Position(line=edit.end_line, character=0),
        ),
        new_text=edit.new_text,
    )


def _remove_unused_import(text: str, finding: Finding) -> str | None:
    fixed = fix_source(text, [finding])
    return fixed.text if fixed.fixed else None


SAFE_FIXES: Mapping[str, tuple[str, Callable[[str, Finding], str | None]]] = {
    "dead-code:unused-import": ("Remove the unused import", _remove_unused_import),
}
"""The rules whose findings a module can fix safely from the document's text: the
action's title and the fix (the new text, or ``None`` when it declines)."""


def safe_fix_edit(text: str, fixed: str) -> types.TextEdit:
    """One edit turning ``text`` into ``fixed``: the lines between their common start
    and common end replaced."""
    old, new = text.splitlines(keepends=True), fixed.splitlines(keepends=True)
    start = 0
    while start < min(len(old), len(new)) and old[start] == new[start]:
        start += 1
    end = 0
    while end < min(len(old), len(new)) - start and old[-1 - end] == new[-1 - end]:
        end += 1
    return types.TextEdit(
        range=types.Range(
            start=types.Position(line=start, character=0),
            end=types.Position(line=len(old) - end, character=0),
        ),
        new_text="".join(new[start : len(new) - end]),
    )


def suppression_edit(lines: Sequence[str], finding: Finding) -> types.TextEdit:
    """A ``# chaffra: ignore[rule]`` line above the finding's first line (it covers the
    next line), indented like it."""
    index = max(finding.location.start_line - 1, 0)
    line = lines[index] if index < len(lines) else ""
    indent = _INDENT.match(line)
    prefix = indent.group(0) if indent is not None else ""
    position = types.Position(line=index, character=0)
    return types.TextEdit(
        range=types.Range(start=position, end=position),
        new_text=f"{prefix}# chaffra: ignore[{finding.rule_id}]\n",
    )


def code_actions(
    uri: str,
    text: str,
    pairs: Sequence[tuple[types.Diagnostic, Finding]],
) -> list[types.CodeAction]:
    """The actions for each diagnostic under the cursor and its finding: the module's
    auto-fixable fixes and safe fix (preferred, all of them first), then for each a
    suppression comment and the rule's documentation."""
    lines = text.splitlines()
    fixes: list[types.CodeAction] = []
    actions: list[types.CodeAction] = []
    for diagnostic, finding in pairs:
        title, fix_text = SAFE_FIXES.get(finding.rule_id, ("", None))
        fixed = None if fix_text is None else fix_text(text, finding)
        if fixed is not None:
            fixes.append(
                types.CodeAction(
                    title=title,
                    kind=types.CodeActionKind.QuickFix,
                    diagnostics=[diagnostic],
                    is_preferred=True,
                    edit=types.WorkspaceEdit(changes={uri: [safe_fix_edit(text, fixed)]}),
                )
            )
        for fix in finding.actions:
            if fix.auto_fixable and fix.edits:
                fixes.append(
                    types.CodeAction(
                        title=fix.description,
                        kind=types.CodeActionKind.QuickFix,
                        diagnostics=[diagnostic],
                        is_preferred=True,
                        edit=types.WorkspaceEdit(changes={uri: [_edit(e) for e in fix.edits]}),
                    )
                )
        actions.append(
            types.CodeAction(
                title=f"Suppress {finding.rule_id} with a chaffra: ignore comment",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diagnostic],
                edit=types.WorkspaceEdit(changes={uri: [suppression_edit(lines, finding)]}),
            )
        )
        actions.append(
            types.CodeAction(
                title=f"Show documentation for {finding.rule_id}",
                kind=types.CodeActionKind.Empty,
                diagnostics=[diagnostic],
                command=types.Command(
                    title=f"Show documentation for {finding.rule_id}",
                    command=EXPLAIN_COMMAND,
                    arguments=[finding.rule_id],
                ),
            )
        )
    return [*fixes, *actions]
