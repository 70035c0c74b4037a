"""Code actions on chaffra's diagnostics: apply a module's safe fix, suppress, read the rule."""

from __future__ import annotations

import re
from collections.abc import Sequence

from lsprotocol import types

from chaffra_core import Finding, TextEdit

__all__ = ["EXPLAIN_COMMAND", "code_actions", "suppression_edit"]

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
    lines: Sequence[str],
    pairs: Sequence[tuple[types.Diagnostic, Finding]],
) -> list[types.CodeAction]:
    """The actions for each diagnostic under the cursor and its finding: the module's
    auto-fixable fixes (preferred), a suppression comment, the rule's documentation."""
    actions: list[types.CodeAction] = []
    for diagnostic, finding in pairs:
        for fix in finding.actions:
            if fix.auto_fixable and fix.edits:
                actions.append(
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
    return actions
