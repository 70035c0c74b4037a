"""Cyclomatic complexity with the numbers ``radon cc`` reports (radon 6).

A function's complexity is 1 plus its decision points, counted over every node
of its body, but not inside nested ``def``/``class`` statements (radon reports
those as separate blocks and does not add them to the parent):

* ``if``, ``elif``, conditional expression: 1 each;
* ``for``/``async for``/``while``: 1, plus 1 for a loop ``else``;
* ``try``: 1 per ``except`` handler plus 1 for ``else`` (``except*`` groups: 0);
* ``and``/``or``: ``len(values) - 1`` per boolean operation;
* each comprehension ``for``: 1 plus 1 per ``if``;
* ``match``: 1 per case, minus one if a case is an irrefutable capture (``case _``);
* ``assert``: 1 (its expression is not inspected).

``with``, ``lambda``, ``return``, ``break`` and recursion add nothing.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any

__all__ = ["child_fields", "cyclomatic"]

_NOT_DESCENDED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _match_points(node: ast.Match) -> int:
    catch_all = any(
        isinstance(case.pattern, ast.MatchAs) and case.pattern.pattern is None
        for case in node.cases
    )
    return max(0, len(node.cases) - catch_all)


def _loop_points(node: ast.For | ast.AsyncFor | ast.While) -> int:
    return 1 + bool(node.orelse)


# What a node adds by itself; its children are counted when the walk reaches them.
_POINTS: dict[type[ast.AST], Callable[[Any], int]] = {
    ast.If: lambda node: 1,
    ast.IfExp: lambda node: 1,
    ast.BoolOp: lambda node: len(node.values) - 1,
    ast.For: _loop_points,
    ast.AsyncFor: _loop_points,
    ast.While: _loop_points,
    ast.comprehension: lambda node: 1 + len(node.ifs),
    ast.Try: lambda node: len(node.handlers) + bool(node.orelse),
    ast.Match: _match_points,
}


_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {}
_NO_CHILDREN = frozenset({"ctx", "id", "attr", "arg", "name", "names", "module", "level", "kind"})


def child_fields(kind: type[ast.AST]) -> tuple[str, ...]:
    """The fields of ``kind`` that may hold nodes worth visiting (not ``ctx`` or names)."""
    fields = _FIELDS.get(kind)
    if fields is None:
        fields = _FIELDS[kind] = tuple(f for f in kind._fields if f not in _NO_CHILDREN)
    return fields


def cyclomatic(function: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """The cyclomatic complexity of ``function`` (decorators, defaults and annotations excluded)."""
    total = 1
    stack: list[ast.AST] = list(function.body)
    pop, push, extend = stack.pop, stack.append, stack.extend
    while stack:
        node = pop()
        if isinstance(node, _NOT_DESCENDED):
            continue
        if type(node) is ast.Assert:
            total += 1
            continue
        points = _POINTS.get(type(node))
        if points is not None:
            total += points(node)
        for field in child_fields(type(node)):
            value = getattr(node, field, None)
            if type(value) is list:
                extend(item for item in value if isinstance(item, ast.AST))
            elif isinstance(value, ast.AST):
                push(value)
    return total
