"""Unreachable code and constant conditions, on the shared walk's ``leave_*`` events.

The walk leaves a node after all its children, so when a compound statement is
left, whether each of its statements can fall through is already known
(vulture's algorithm, plus: a ``while True`` loop without ``break`` never falls
through).
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from chaffra_core.analyzers.dead_code._roots import safe_truth
from chaffra_core.analyzers.dead_code._rules import REDUNDANT_CONDITION, UNREACHABLE_CODE

__all__ = ["Reachability"]

_Body = Sequence[ast.stmt]


class Reachability:
    """Mixin of the dead-code visitor: reports through ``report`` (rule, first, last, message)."""

    def __init__(self) -> None:
        self._no_fall: set[int] = set()
        self._loops: list[list[bool]] = [[]]

    def report(
        self, rule: str, first: ast.AST, last: ast.AST, message: str, *, kind: str = ""
    ) -> None:  # pragma: no cover - the visitor overrides it
        raise NotImplementedError

    # Loops and their breaks (a ``break`` belongs to the innermost loop of its function).
    def _push_loop(self, node: ast.AST) -> None:
        self._loops[-1].append(False)

    enter_While = enter_For = enter_AsyncFor = _push_loop

    def enter_Break(self, node: ast.Break) -> None:
        self._loops[-1][-1] = True  # a break outside a loop does not compile

    def _stop(self, node: ast.AST) -> None:
        self._no_fall.add(id(node))

    leave_Return = leave_Raise = leave_Break = leave_Continue = _stop

    def statements(self, body: _Body) -> bool:
        """Report statements after one that cannot fall through; whether ``body`` can."""
        for index, statement in enumerate(body):
            if id(statement) in self._no_fall:
                if index + 1 < len(body):
                    kind = type(statement).__name__.lower()
                    self.report(
                        UNREACHABLE_CODE,
                        body[index + 1],
                        body[-1],
                        f"unreachable code after `{_KINDS.get(kind, kind)}`",
                        kind="after",
                    )
                return False
        return True

    def _loop_body(self, node: ast.For | ast.AsyncFor | ast.With | ast.AsyncWith) -> None:
        self.statements(node.body)
        if not isinstance(node, (ast.With, ast.AsyncWith)):
            self._loops[-1].pop()
            self.statements(node.orelse)

    leave_For = leave_AsyncFor = leave_With = leave_AsyncWith = _loop_body

    def leave_While(self, node: ast.While) -> None:
        has_break = self._loops[-1].pop()
        if not safe_truth(node.test, True):
            self.report(
                REDUNDANT_CONDITION,
                node,
                node.body[-1],
                "condition is always false: the `while` body never runs",
            )
        elif safe_truth(node.test, False):
            if node.orelse:
                self.report(
                    UNREACHABLE_CODE,
                    node.orelse[0],
                    node.orelse[-1],
                    "unreachable `else` of a loop that never ends normally",
                )
            if not has_break:
                self._stop(node)
        self.statements(node.body)

    def leave_If(self, node: ast.If) -> None:
        if not safe_truth(node.test, True):
            self.report(
                REDUNDANT_CONDITION,
                node,
                node.body[-1],
                "condition is always false: the `if` body never runs",
            )
            falls = True if not node.orelse else self.statements(node.orelse)
        elif safe_truth(node.test, False):
            falls = self.statements(node.body)
            if node.orelse:
                self.statements(node.orelse)
                self.report(
                    UNREACHABLE_CODE,
                    node.orelse[0],
                    node.orelse[-1],
                    "unreachable `else`: the condition is always true",
                )
            else:
                self.report(
                    REDUNDANT_CONDITION, node, node, "condition is always true: `if` is redundant"
                )
        else:
            body = self.statements(node.body)
            falls = self.statements(node.orelse) if node.orelse else True
            falls = body or falls
        if not falls:
            self._stop(node)

    def leave_IfExp(self, node: ast.IfExp) -> None:
        if not safe_truth(node.test, True):
            self.report(
                REDUNDANT_CONDITION,
                node,
                node.body,
                "condition is always false: the conditional expression is its `else`",
            )
        elif safe_truth(node.test, False):
            self.report(
                REDUNDANT_CONDITION,
                node,
                node.orelse,
                "condition is always true: the `else` expression never runs",
            )

    def leave_Try(self, node: ast.Try) -> None:
        body = self.statements(node.body)
        if not body and node.orelse:
            self.report(
                UNREACHABLE_CODE,
                node.orelse[0],
                node.orelse[-1],
                "unreachable `else`: the `try` body never completes",
            )
        elif node.orelse:
            body = self.statements(node.orelse)
        handlers = [self.statements(handler.body) for handler in node.handlers]
        if node.finalbody:
            self.statements(node.finalbody)
        if not (body or any(handlers)):
            self._stop(node)

    leave_TryStar = leave_Try

    def leave_Match(self, node: ast.Match) -> None:
        for case in node.cases:
            self.statements(case.body)


_KINDS = {"while": "while True` loop without `break", "try": "try` whose every branch leaves"}
