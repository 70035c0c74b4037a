"""Per-function metrics from the shared walk: cyclomatic (``radon cc``), cognitive
(``complexipy``), deepest nesting and direct recursion, in one pass.

Cyclomatic complexity is 1 plus the decision points of the function's body,
not counting nested ``def``/``class`` statements (radon measures those on their
own): ``if``/``elif``/conditional expression 1; loops 1 plus 1 for an ``else``;
``try`` 1 per handler plus 1 for ``else``; ``and``/``or`` ``len(values) - 1``;
each comprehension ``for`` 1 plus 1 per ``if``; ``match`` 1 per case minus a
catch-all; ``assert`` 1 (its expressions are not inspected).

Cognitive complexity follows G. Ann Campbell's definition as complexipy
implements it. A statement at nesting level ``n``: ``if``, loops, ``match`` and
each ``except`` cost ``1 + n`` and nest their bodies one deeper; ``elif`` and
``else`` cost 1; ``try``/``else``/``finally`` and ``with`` bodies stay at ``n``;
a nested ``def`` nests its body one deeper and its cost counts for the enclosing
function too; a class inside a function contributes its methods only; a
decorator factory (``def`` + ``return``) costs what its inner function costs.
Boolean operators in a statement's own expressions cost 1 per sequence of like
operators; conditional expressions and comprehension ``for``s cost ``1 + n``
with their parts one level deeper; a direct recursive call costs 1.

Because a statement's cost counts for every enclosing function being walked, at
a nesting level relative to each, statements carry the *chain* of functions
that walk them and an absolute level; each function subtracts its own base.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Sequence
from typing import Any, Literal

import attrs

from chaffra_core._traversal import Scope, ScopeKind

__all__ = ["FunctionMetrics", "FunctionMetricsVisitor", "expression_cost"]


@attrs.frozen(kw_only=True)
class FunctionMetrics:
    """The measures of one ``def`` (functions, methods and nested functions alike).

    ``qualified_name`` joins the enclosing classes and functions with dots;
    ``kind`` is ``method`` for a def directly in a class body. Lines run from the
    ``def`` keyword (decorators excluded) to the last line of the body.
    """

    name: str
    qualified_name: str
    kind: Literal["function", "method"]
    start_line: int
    end_line: int
    lines: int
    cyclomatic: int
    cognitive: int
    max_nesting: int
    recursive: bool = False


class _Frame:
    """One function being measured."""

    __slots__ = ("base", "cognitive", "cyclomatic", "max_nesting", "name", "node", "recursive")

    def __init__(self, node: ast.FunctionDef | ast.AsyncFunctionDef, base: int) -> None:
        self.node = node
        self.name = node.name
        self.base = base
        self.cyclomatic = 1
        self.cognitive = 0
        self.max_nesting = 0
        self.recursive = False


Chain = tuple[_Frame, ...]
_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


def _match_points(node: ast.Match) -> int:
    catch_all = any(
        isinstance(case.pattern, ast.MatchAs) and case.pattern.pattern is None
        for case in node.cases
    )
    return max(0, len(node.cases) - catch_all)


def _loop_points(node: ast.For | ast.AsyncFor | ast.While) -> int:
    return 1 + bool(node.orelse)


# What a node adds to cyclomatic complexity by itself.
_CYCLOMATIC: dict[type[ast.AST], Callable[[Any], int]] = {
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


class FunctionMetricsVisitor:
    """A traversal visitor measuring every function of a file; read ``functions`` after the walk."""

    def __init__(self) -> None:
        self.functions: list[FunctionMetrics] = []
        # Per scope: (frame counting cyclomatic points, frame a direct call recurses into).
        self._targets: list[tuple[_Frame | None, _Frame | None]] = [(None, None)]
        self._muted = 0  # inside an ``assert``: radon does not look into it
        self._placed: dict[int, tuple[int, Chain]] = {}  # statement -> (level, walking frames)
        self._frames: dict[int, _Frame] = {}
        self._elifs: set[int] = set()
        self._statement: dict[type[ast.AST], Callable[[Any, int, Chain], None]] = {
            ast.If: self._if,
            ast.For: self._for,
            ast.AsyncFor: self._for,
            ast.While: self._while,
            ast.Try: self._try,
            ast.Match: self._match,
            ast.With: self._with,
            ast.AsyncWith: self._with,
            ast.FunctionDef: self._def,
            ast.AsyncFunctionDef: self._def,
            ast.ClassDef: self._class,
        }
        if hasattr(ast, "TryStar"):  # Python 3.11+
            self._statement[ast.TryStar] = self._try

    # -- the walk's events ---------------------------------------------------

    def enter_stmt(self, node: ast.stmt) -> None:
        kind = type(node)
        if kind in _CYCLOMATIC_STATEMENTS:
            self._count(node)
        key = id(node)
        if key in self._elifs:
            self._elifs.discard(key)  # measured with the first ``if``
            return
        level, chain = self._placed.pop(key, _UNPLACED)
        if not chain:  # module level: nothing is measured but nested defs and classes
            handler = self._statement.get(kind)
            if handler is not None:
                handler(node, level, chain)
            return
        for frame in chain:
            frame.max_nesting = max(frame.max_nesting, level - frame.base)
        handler = self._statement.get(kind)
        if handler is not None:
            handler(node, level, chain)
            return
        fields = _EXPRESSION_FIELDS.get(kind)
        if fields is not None:
            for field in fields:
                expr = getattr(node, field)
                if type(expr) in _COSTLY:
                    _charge(chain, expression_cost(expr), level)

    def enter_Call(self, node: ast.Call) -> None:
        if type(node.func) is ast.Name:
            frame = self._targets[-1][1]
            if frame is not None and node.func.id == frame.name:
                frame.recursive = True

    def enter_IfExp(self, node: ast.IfExp) -> None:
        self._count(node)

    def enter_BoolOp(self, node: ast.BoolOp) -> None:
        self._count(node)

    def enter_comprehension(self, node: ast.comprehension) -> None:
        self._count(node)

    def enter_Assert(self, node: ast.Assert) -> None:
        self._muted += 1

    def leave_Assert(self, node: ast.Assert) -> None:
        self._muted -= 1

    def enter_scope(self, scope: Scope) -> None:
        if scope.kind is ScopeKind.FUNCTION:
            frame = self._frames.pop(id(scope.node))
            self._targets[-1] = (frame, frame)
        elif scope.kind is ScopeKind.LAMBDA:
            self._targets.append((self._targets[-1][0], None))
        # a class keeps the (None, None) pushed when its statement was entered

    def leave_scope(self, scope: Scope) -> None:
        if scope.kind is ScopeKind.MODULE:
            self.functions.sort(key=lambda f: (f.start_line, f.qualified_name))
            return
        frame = self._targets.pop()[0]
        if scope.kind is not ScopeKind.FUNCTION or frame is None:
            return
        node = frame.node
        end_line = node.end_lineno or node.lineno
        self.functions.append(
            FunctionMetrics(
                name=frame.name,
                qualified_name=scope.qualified_name,
                kind="method" if scope.in_class else "function",
                start_line=node.lineno,
                end_line=end_line,
                lines=end_line - node.lineno + 1,
                cyclomatic=frame.cyclomatic,
                cognitive=frame.cognitive + frame.recursive,
                max_nesting=frame.max_nesting,
                recursive=frame.recursive,
            )
        )

    # -- cyclomatic ----------------------------------------------------------

    def _count(self, node: ast.AST) -> None:
        """Add what ``node`` (an assert or a ``_CYCLOMATIC`` node) adds to cyclomatic."""
        frame = self._targets[-1][0]
        if frame is None or self._muted:
            return
        kind = type(node)
        if kind is ast.Assert:
            frame.cyclomatic += 1
            return
        frame.cyclomatic += _CYCLOMATIC[kind](node)  # only nodes that may add points come here

    # -- cognitive: each statement places its sub-statements -----------------

    def _place(self, body: Sequence[ast.stmt], level: int, chain: Chain) -> None:
        placed = self._placed
        for node in body:
            placed[id(node)] = (level, chain)

    def _if(self, node: ast.If, level: int, chain: Chain) -> None:
        _charge(chain, _plus(expression_cost(node.test), (1, 1)), level)
        self._place(node.body, level + 1, chain)
        self._else(node, node, level, chain)

    def _else(self, node: ast.If, first: ast.If, level: int, chain: Chain) -> None:
        orelse = node.orelse
        # An ``elif`` is an ``If`` alone in ``orelse`` at the first ``if``'s column.
        while (
            len(orelse) == 1
            and type(orelse[0]) is ast.If
            and orelse[0].col_offset == first.col_offset
        ):
            elif_ = orelse[0]
            self._elifs.add(id(elif_))
            _charge(chain, _plus(expression_cost(elif_.test), (1, 0)), level)
            self._place(elif_.body, level + 1, chain)
            orelse = elif_.orelse
        if orelse:
            _charge(chain, (1, 0), level)
            self._place(orelse, level + 1, chain)

    def _for(self, node: ast.For | ast.AsyncFor, level: int, chain: Chain) -> None:
        self._loop(node.iter, node, level, chain)

    def _while(self, node: ast.While, level: int, chain: Chain) -> None:
        self._loop(node.test, node, level, chain)

    def _loop(
        self, control: ast.expr, node: ast.For | ast.AsyncFor | ast.While, level: int, chain: Chain
    ) -> None:
        _charge(chain, _plus(expression_cost(control), (1, 1)), level)
        self._place(node.body, level + 1, chain)
        self._place(node.orelse, level, chain)

    def _try(self, node: ast.Try, level: int, chain: Chain) -> None:
        self._place(node.body, level, chain)
        for handler in node.handlers:
            _charge(chain, (1, 1), level)
            self._place(handler.body, level + 1, chain)
        self._place(node.orelse, level, chain)
        self._place(node.finalbody, level, chain)

    def _match(self, node: ast.Match, level: int, chain: Chain) -> None:
        _charge(chain, (1, 1), level)
        for case in node.cases:
            self._place(case.body, level + 1, chain)

    def _with(self, node: ast.With | ast.AsyncWith, level: int, chain: Chain) -> None:
        for item in node.items:
            _charge(chain, expression_cost(item.context_expr), level)
        self._place(node.body, level, chain)

    def _def(self, node: ast.FunctionDef | ast.AsyncFunctionDef, level: int, chain: Chain) -> None:
        frame = _Frame(node, level)
        self._frames[id(node)] = frame
        self._targets.append((None, None))  # the header belongs to no function
        inner = (*chain, frame)
        body = node.body
        if len(body) == 2 and isinstance(body[0], _DEFS) and type(body[1]) is ast.Return:
            self._placed[id(body[0])] = (level, inner)  # a decorator factory
            return
        placed = self._placed
        for child in body:
            placed[id(child)] = (level + 1 if isinstance(child, _DEFS) else level, inner)

    def _class(self, node: ast.ClassDef, level: int, chain: Chain) -> None:
        self._targets.append((None, None))
        self._place([c for c in node.body if isinstance(c, _DEFS)], level, chain)


def _charge(chain: Chain, cost: tuple[int, int], level: int) -> None:
    """Add ``fixed + per_level * nesting`` to every frame of ``chain``."""
    fixed, per_level = cost
    if not fixed and not per_level:
        return
    for frame in chain:
        frame.cognitive += fixed + per_level * (level - frame.base)


def _plus(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int]:
    return a[0] + b[0], a[1] + b[1]


# The expressions of a simple statement whose boolean operators count.
_EXPRESSION_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {
    ast.Assign: ("value",),
    ast.AugAssign: ("value",),
    ast.AnnAssign: ("value",),
    ast.Expr: ("value",),
    ast.Return: ("value",),
    ast.Raise: ("exc", "cause"),
    ast.Assert: ("test", "msg"),
}
_UNPLACED: tuple[int, Chain] = (0, ())
_CYCLOMATIC_STATEMENTS = frozenset({*_CYCLOMATIC, ast.Assert})


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp)
# The expressions ``expression_cost`` may find a cost in (others cost nothing).
_COSTLY = frozenset(
    {
        *(ast.BoolOp, ast.UnaryOp, ast.Compare, ast.IfExp, ast.Lambda, ast.DictComp, ast.Call),
        *(ast.Tuple, ast.List, ast.Set, ast.Dict, *_COMPREHENSIONS),
    }
)


def expression_cost(expr: ast.expr | None) -> tuple[int, int]:
    """The cognitive cost of an expression at nesting ``n`` as ``(a, b)``, meaning ``a + b * n``.

    Looks only where complexipy looks (boolean operators, conditional
    expressions, comprehensions, lambdas, call arguments, displays), iteratively.
    """
    fixed = per_level = 0
    stack: list[tuple[ast.expr, int]] = [(expr, 0)] if expr is not None else []
    while stack:
        node, depth = stack.pop()
        kind = type(node)
        if kind is ast.BoolOp or kind is ast.UnaryOp:
            fixed += _sequences(node)
        elif kind is ast.Compare:
            stack.append((node.left, depth))  # type: ignore[attr-defined]
            stack.extend((c, depth) for c in node.comparators)  # type: ignore[attr-defined]
        elif kind is ast.IfExp:
            fixed += 1 + depth
            per_level += 1
            stack.append((node.test, depth))  # type: ignore[attr-defined]
            stack.append((node.body, depth + 1))  # type: ignore[attr-defined]
            stack.append((node.orelse, depth + 1))  # type: ignore[attr-defined]
        elif kind is ast.Lambda:
            stack.append((node.body, depth + 1))  # type: ignore[attr-defined]
        elif kind in _COMPREHENSIONS or kind is ast.DictComp:
            elements = (
                (node.key, node.value)  # type: ignore[attr-defined]
                if kind is ast.DictComp
                else (node.elt,)  # type: ignore[attr-defined]
            )
            for generator in node.generators:  # type: ignore[attr-defined]
                fixed += 1 + depth
                per_level += 1
                stack.append((generator.iter, depth))
                for condition in generator.ifs:
                    fixed += 1
                    stack.append((condition, depth + 1))
            stack.extend((element, depth + 1) for element in elements)
        elif kind is ast.Call:
            stack.extend((arg, depth) for arg in node.args)  # type: ignore[attr-defined]
        elif kind is ast.Tuple or kind is ast.List or kind is ast.Set:
            stack.extend((e, depth) for e in node.elts)  # type: ignore[attr-defined]
        elif kind is ast.Dict:
            stack.extend((v, depth) for v in node.values)  # type: ignore[attr-defined]
    return fixed, per_level


def _sequences(expr: ast.expr) -> int:
    """Sequences of like boolean operators: an operator differing from the enclosing one
    starts a new sequence, and ``not`` (any unary operator) ends one."""
    total = 0
    stack: list[tuple[ast.expr, type[ast.boolop] | None]] = [(expr, None)]
    while stack:
        node, enclosing = stack.pop()
        if type(node) is ast.BoolOp:
            operator = type(node.op)
            total += operator is not enclosing
            stack.extend((value, operator) for value in node.values)
        elif type(node) is ast.UnaryOp:
            stack.append((node.operand, None))
    return total
