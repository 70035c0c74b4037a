"""Cognitive complexity with the numbers ``complexipy`` (8.x) reports.

The structure follows G. Ann Campbell's definition as complexipy implements it.
Walking a function's body at nesting level ``n`` (0 in the body itself):

* ``if``: ``1 + n``; each ``elif`` and the ``else``: 1; their bodies at ``n + 1``;
* ``for``/``async for``/``while``: ``1 + n``, body at ``n + 1``, loop ``else`` at ``n``;
* ``try``: each ``except`` (or ``except*``) handler ``1 + n``, handler bodies at
  ``n + 1``; ``try``, ``else`` and ``finally`` bodies stay at ``n``;
* ``match``: ``1 + n``, case bodies at ``n + 1`` (guards are free);
* ``with``/``async with``: nothing, body at ``n``;
* a nested ``def`` directly in a function body: its body at ``n + 1``; a class's
  methods at ``n``; a decorator factory (a body of exactly ``def`` + ``return``)
  costs what its inner function costs;
* boolean operators in the expressions of assignments, ``return``, ``raise``,
  ``assert``, expression statements, conditions, loop iterables and ``with``
  items: 1 per sequence of like operators (``a and b or c``: 2); conditional
  expressions ``1 + n`` and comprehensions ``1 + n`` per ``for`` and 1 per ``if``,
  with their parts one level deeper (lambda bodies too);
* a direct recursive call ``name(...)`` in the measured function: 1.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

from chaffra_core.analyzers.complexity._cyclomatic import child_fields

__all__ = ["cognitive"]

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)
_TRY_NODES: tuple[type[ast.AST], ...] = (ast.Try,) + (
    (ast.TryStar,) if hasattr(ast, "TryStar") else ()  # Python 3.11+
)
_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp)
_Loop = ast.For | ast.AsyncFor | ast.While
_RECURSION_OPAQUE = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)


class _Walk:
    """One function's walk: the running total and the deepest statement nesting seen."""

    __slots__ = ("max_nesting", "total")

    def __init__(self) -> None:
        self.total = 0
        self.max_nesting = 0

    def suite(self, body: Sequence[ast.stmt], nesting: int) -> None:
        for node in body:
            self.statement(node, nesting)

    def statement(self, node: ast.stmt, nesting: int) -> None:
        self.max_nesting = max(self.max_nesting, nesting)
        if isinstance(node, ast.If):
            self.if_chain(node, nesting)
        elif isinstance(node, (ast.For, ast.AsyncFor)):
            self.loop(node.iter, node, nesting)
        elif isinstance(node, ast.While):
            self.loop(node.test, node, nesting)
        elif isinstance(node, _TRY_NODES):
            self.try_(node, nesting)  # type: ignore[arg-type]
        elif isinstance(node, ast.Match):
            self.total += 1 + nesting
            for case in node.cases:
                self.suite(case.body, nesting + 1)
        elif isinstance(node, (ast.With, ast.AsyncWith)):
            for item in node.items:
                self.total += bool_ops(item.context_expr, nesting)
            self.suite(node.body, nesting)
        elif isinstance(node, _DEFS):
            self.function(node, nesting)
        elif isinstance(node, ast.ClassDef):
            for child in node.body:
                if isinstance(child, _DEFS):
                    self.statement(child, nesting)
        else:
            for expr in _expressions(node):
                self.total += bool_ops(expr, nesting)

    def function(self, node: ast.FunctionDef | ast.AsyncFunctionDef, nesting: int) -> None:
        if _is_decorator_factory(node):
            self.statement(node.body[0], nesting)
            return
        for child in node.body:
            self.statement(child, nesting + 1 if isinstance(child, _DEFS) else nesting)

    def if_chain(self, node: ast.If, nesting: int) -> None:
        self.total += 1 + nesting + bool_ops(node.test, nesting)
        self.suite(node.body, nesting + 1)
        orelse = node.orelse
        # An ``elif`` is an ``If`` alone in ``orelse`` at the parent's column; an
        # ``if`` inside an ``else:`` block is indented deeper.
        while (
            len(orelse) == 1
            and type(orelse[0]) is ast.If
            and (orelse[0].col_offset == node.col_offset)
        ):
            elif_ = orelse[0]
            self.total += 1 + bool_ops(elif_.test, nesting)
            self.suite(elif_.body, nesting + 1)
            orelse = elif_.orelse
        if orelse:
            self.total += 1
            self.suite(orelse, nesting + 1)

    def loop(
        self, control: ast.expr, node: ast.For | ast.AsyncFor | ast.While, nesting: int
    ) -> None:
        self.total += 1 + nesting + bool_ops(control, nesting)
        self.suite(node.body, nesting + 1)
        self.suite(node.orelse, nesting)

    def try_(self, node: ast.Try, nesting: int) -> None:
        # ``except*`` (``ast.TryStar``, 3.11+) has the same fields; typed as ``Try`` for 3.10.
        self.suite(node.body, nesting)
        for handler in node.handlers:
            self.total += 1 + nesting
            self.suite(handler.body, nesting + 1)
        self.suite(node.orelse, nesting)
        self.suite(node.finalbody, nesting)


def _expressions(node: ast.stmt) -> tuple[ast.expr | None, ...]:
    """The expressions of a simple statement whose boolean operators count."""
    if isinstance(node, (ast.Assign, ast.AugAssign, ast.AnnAssign, ast.Expr, ast.Return)):
        return (node.value,)
    if isinstance(node, ast.Raise):
        return (node.exc, node.cause)
    if isinstance(node, ast.Assert):
        return (node.test, node.msg)
    return ()


def _is_decorator_factory(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    body = node.body
    return len(body) == 2 and isinstance(body[0], _DEFS) and type(body[1]) is ast.Return


def bool_ops(expr: ast.expr | None, nesting: int) -> int:
    """What an expression costs: boolean operator sequences, conditional expressions,
    comprehensions and lambdas, looking only where complexipy looks."""
    if isinstance(expr, (ast.BoolOp, ast.UnaryOp)):
        return _sequences(expr, None)
    if isinstance(expr, ast.Compare):
        return bool_ops(expr.left, nesting) + _sum(expr.comparators, nesting)
    if isinstance(expr, ast.IfExp):
        inner = nesting + 1
        return (
            1
            + nesting
            + bool_ops(expr.test, nesting)
            + bool_ops(expr.body, inner)
            + bool_ops(expr.orelse, inner)
        )
    if isinstance(expr, ast.Lambda):
        return bool_ops(expr.body, nesting + 1)
    if isinstance(expr, _COMPREHENSIONS):
        return _comprehension((expr.elt,), expr.generators, nesting)
    if isinstance(expr, ast.DictComp):
        return _comprehension((expr.key, expr.value), expr.generators, nesting)
    if isinstance(expr, ast.Call):
        return _sum(expr.args, nesting)
    if isinstance(expr, (ast.Tuple, ast.List, ast.Set)):
        return _sum(expr.elts, nesting)
    if isinstance(expr, ast.Dict):
        return _sum(expr.values, nesting)
    return 0


def _sum(exprs: Sequence[ast.expr], nesting: int) -> int:
    return sum(bool_ops(item, nesting) for item in exprs)


def _comprehension(
    elements: tuple[ast.expr, ...], generators: list[ast.comprehension], nesting: int
) -> int:
    total = 0
    for generator in generators:
        total += 1 + nesting + bool_ops(generator.iter, nesting)
        for condition in generator.ifs:
            total += 1 + bool_ops(condition, nesting + 1)
    return total + sum(bool_ops(element, nesting + 1) for element in elements)


def _sequences(expr: ast.expr, enclosing: type[ast.boolop] | None) -> int:
    """Sequences of like boolean operators in ``expr``: an operator differing from the
    enclosing one starts a new sequence, and ``not`` (any unary operator) ends one."""
    if isinstance(expr, ast.BoolOp):
        operator = type(expr.op)
        return (operator is not enclosing) + sum(_sequences(v, operator) for v in expr.values)
    if isinstance(expr, ast.UnaryOp):
        return _sequences(expr.operand, None)
    return 0


def _calls_itself(node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """Whether the body calls ``node.name(...)`` outside nested defs, classes and lambdas."""
    name = node.name
    stack: list[ast.AST] = list(node.body)
    while stack:
        item = stack.pop()
        if isinstance(item, _RECURSION_OPAQUE):
            continue
        if isinstance(item, ast.Call) and isinstance(item.func, ast.Name) and item.func.id == name:
            return True
        for name_ in child_fields(type(item)):
            value = getattr(item, name_, None)
            if type(value) is list:
                stack.extend(child for child in value if isinstance(child, ast.AST))
            elif isinstance(value, ast.AST):
                stack.append(value)
    return False


def cognitive(node: ast.FunctionDef | ast.AsyncFunctionDef) -> tuple[int, int]:
    """``(cognitive complexity, deepest statement nesting)`` of one function."""
    walk = _Walk()
    walk.function(node, 0)
    return walk.total + _calls_itself(node), walk.max_nesting
