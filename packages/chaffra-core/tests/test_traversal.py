"""The one shared walk: dispatch, scopes, header placement, order and unbounded depth."""

from __future__ import annotations

import ast
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from chaffra_core import Scope, ScopeKind, Traversal
from chaffra_core._function_metrics import FunctionMetricsVisitor, expression_cost
from chaffra_core._traversal import _MAX_TEMPLATES, _TEMPLATES, child_fields
from chaffra_core.analyzers.complexity import measure


class _Names:
    """Records scope events and every name with the scope it was seen in."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, str]] = []
        self.scopes: list[Scope] = []

    def enter_scope(self, scope: Scope) -> None:
        self.scopes.append(scope)
        self.events.append(("open", scope.kind.value, scope.qualified_name))

    def leave_scope(self, scope: Scope) -> None:
        assert scope is self.scopes.pop()
        self.events.append(("close", scope.kind.value, scope.qualified_name))

    def enter_Name(self, node: ast.Name) -> None:
        self.events.append(("name", node.id, self.scopes[-1].qualified_name))


def _walk(text: str, *visitors: object) -> None:
    Traversal(visitors).walk(ast.parse(textwrap.dedent(text)))


def test_headers_are_visited_in_the_enclosing_scope_and_bodies_in_their_own() -> None:
    """Decorators, then arguments (annotations, defaults), then the return annotation:
    the order Python evaluates a ``def``; the body only when the scope is open."""
    names = _Names()
    _walk(
        """
        @decorator
        def f(a: annotation = default) -> returns:
            body
        class C(Base, metaclass=Meta):
            attribute
            def method(self):
                inner
        handler = lambda x=lambda_default: lambda_body
        """,
        names,
    )
    assert [
        ("open", "module", ""),
        ("name", "decorator", ""),
        ("name", "annotation", ""),
        ("name", "default", ""),
        ("name", "returns", ""),
        ("open", "function", "f"),
        ("name", "body", "f"),
        ("close", "function", "f"),
        ("name", "Base", ""),
        ("name", "Meta", ""),
        ("open", "class", "C"),
        ("name", "attribute", "C"),
        ("open", "function", "C.method"),
        ("name", "inner", "C.method"),
        ("close", "function", "C.method"),
        ("close", "class", "C"),
        ("name", "handler", ""),
        ("name", "lambda_default", ""),
        ("open", "lambda", ""),
        ("name", "lambda_body", ""),
        ("close", "lambda", ""),
        ("close", "module", ""),
    ] == names.events


def test_scopes_know_their_parent_kind_and_whether_they_are_methods() -> None:
    seen: list[Scope] = []

    class Scopes:
        def enter_scope(self, scope: Scope) -> None:
            seen.append(scope)

    _walk(
        """
        class Outer:
            class Inner:
                def m(self):
                    def helper():
                        pass
        async def top():
            pass
        """,
        Scopes(),
    )
    rows = [(s.kind, s.name, s.qualified_name, s.in_class) for s in seen]
    assert [
        (ScopeKind.MODULE, "", "", False),
        (ScopeKind.CLASS, "Outer", "Outer", False),
        (ScopeKind.CLASS, "Inner", "Outer.Inner", False),
        (ScopeKind.FUNCTION, "m", "Outer.Inner.m", True),
        (ScopeKind.FUNCTION, "helper", "Outer.Inner.m.helper", False),
        (ScopeKind.FUNCTION, "top", "top", False),
    ] == rows
    assert seen[3].parent is seen[2]
    assert seen[0].parent is None
    assert isinstance(seen[5].node, ast.AsyncFunctionDef)


def test_the_traversal_tracks_the_current_scope() -> None:
    current: list[str] = []
    traversal: Traversal

    class Peek:
        def enter_Name(self, node: ast.Name) -> None:
            assert traversal.scope is not None
            current.append(f"{node.id}@{traversal.scope.qualified_name}")

    traversal = Traversal([Peek()])
    traversal.walk(ast.parse("a\nclass K:\n    b\n    def f(self):\n        c\nd\n"))
    assert ["a@", "b@K", "c@K.f", "d@"] == current
    assert traversal.scope is None  # closed again after the module


def test_statements_and_expressions_are_visited_once_each_in_source_order() -> None:
    text = textwrap.dedent(
        """
        import os
        first = call(arg, key=value) + other[index]
        for item in items:
            if item and not flag:
                total += item
            else:
                break
        while cond:
            x = [y for y in range(3) if y]
        with manager() as handle, other_manager():
            try:
                risky(handle)
            except Error as error:
                raise Other from error
            finally:
                done()
        """
    )
    tree = ast.parse(text)
    order: list[tuple[int, int]] = []

    class Positions:
        def enter_stmt(self, node: ast.stmt) -> None:
            order.append((node.lineno, node.col_offset))

        def enter_expr(self, node: ast.expr) -> None:
            order.append((node.lineno, node.col_offset))

    Traversal([Positions()]).walk(tree)
    expected = [
        (n.lineno, n.col_offset) for n in ast.walk(tree) if isinstance(n, ast.stmt | ast.expr)
    ]
    assert sorted(expected) == sorted(order)  # each once
    assert sorted(order) == order  # in source order


def test_general_handlers_run_before_the_specific_one_and_leave_after_the_body() -> None:
    log: list[str] = []

    class General:
        def enter_stmt(self, node: ast.stmt) -> None:
            log.append(f"stmt {type(node).__name__}")

        def enter_expr(self, node: ast.expr) -> None:
            log.append(f"expr {type(node).__name__}")

        def enter_Return(self, node: ast.Return) -> None:
            log.append("Return")

        def enter_Name(self, node: ast.Name) -> None:
            log.append(f"Name {node.id}")

        def leave_Return(self, node: ast.Return) -> None:
            log.append("/Return")

    _walk("def f():\n    return a\n", General())
    assert [
        "stmt FunctionDef",
        "stmt Return",
        "Return",
        "expr Name",
        "Name a",
        "/Return",
    ] == log


def test_every_visitor_sees_every_node_in_registration_order() -> None:
    log: list[str] = []

    class Tag:
        def __init__(self, tag: str) -> None:
            self.tag = tag

        def enter_Call(self, node: ast.Call) -> None:
            log.append(self.tag)

        def leave_Call(self, node: ast.Call) -> None:
            log.append(f"/{self.tag}")

    _walk("f(g())\n", Tag("a"), object(), Tag("b"))
    assert ["a", "b", "a", "b", "/a", "/b", "/a", "/b"] == log


def test_names_contexts_operators_and_constants_are_not_children() -> None:
    assert "ctx" not in child_fields(ast.Name)
    assert () == child_fields(ast.Constant)
    assert () == child_fields(ast.MatchSingleton)
    assert ("value",) == child_fields(ast.Attribute)
    assert ("left", "right") == child_fields(ast.BinOp)
    assert ("left", "comparators") == child_fields(ast.Compare)
    assert ("value", "format_spec") == child_fields(ast.FormattedValue)


def test_operators_and_contexts_are_never_dispatched_but_their_parents_are() -> None:
    seen: list[str] = []

    class Everything:
        def enter_Add(self, node: ast.Add) -> None:
            seen.append("Add")

        def enter_Load(self, node: ast.Load) -> None:
            seen.append("Load")

        def enter_BinOp(self, node: ast.BinOp) -> None:
            seen.append(type(node.op).__name__)

    _walk("a + b\n", Everything())
    assert ["Add"] == seen  # once, from the BinOp


def test_missing_dict_keys_and_keyword_defaults_are_skipped_in_order() -> None:
    """``None`` holes in a node list (``**d`` in a display, a keyword-only parameter
    without default) are no nodes; the nodes around them keep their order."""
    names = _Names()
    _walk("{k: v, **rest}\ndef f(*, a=first, b, c=last): pass\n", names)
    assert ["k", "v", "rest", "first", "last"] == [e[1] for e in names.events if e[0] == "name"]


def test_visitors_of_the_same_classes_share_the_dispatch_but_not_their_state() -> None:
    first, second = _Names(), _Names()
    _walk("x\n", first)
    _walk("y\n", second)
    assert ("name", "x", "") in first.events
    assert ("name", "y", "") in second.events
    assert not any(e[1] == "y" for e in first.events)


@contextmanager
def _recursion_limit(limit: int) -> Iterator[None]:
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(limit)
    try:
        yield
    finally:
        sys.setrecursionlimit(old)


_DEPTH = 3000


def _deep(text: str) -> ast.Module:
    """Parse ``text`` (``ast`` construction itself recurses: allow it to)."""
    with _recursion_limit(20 * _DEPTH):
        return ast.parse(text)


def _elif_chain(depth: int) -> str:
    arms = "".join(f"    elif x == {i}:\n        pass\n" for i in range(1, depth))
    return "def f(x):\n    if x == 0:\n        pass\n" + arms


def _ternary_chain(depth: int) -> str:
    return "def g(x):\n    return " + " if x else ".join(str(i) for i in range(depth)) + "\n"


def _not_chain(depth: int) -> str:
    return "def h(x):\n    return " + "not " * depth + "x\n"


@pytest.mark.parametrize(
    ("text", "cyclomatic", "cognitive"),
    [
        # 1 + every if/elif; if 1 and each elif 1.
        (_elif_chain(_DEPTH), _DEPTH + 1, _DEPTH),
        # 1 + every conditional; the n-th one nests n - 1 deep: sum of 1..n-1.
        (_ternary_chain(_DEPTH), _DEPTH, sum(range(1, _DEPTH))),
        # A `not` chain is no decision and no boolean sequence.
        (_not_chain(_DEPTH), 1, 0),
    ],
    ids=["elif", "ternary", "not"],
)
def test_thousands_deep_chains_walk_without_recursion_and_are_measured(
    text: str, cyclomatic: int, cognitive: int
) -> None:
    tree = _deep(text)
    with _recursion_limit(200):  # far below the depth: only an iterative walk succeeds
        nodes = [0]

        class Count:
            def enter_expr(self, node: ast.expr) -> None:
                nodes[0] += 1

        Traversal([Count()]).walk(tree)
        [function] = measure(tree)
    assert nodes[0] >= _DEPTH
    assert (cyclomatic, cognitive) == (function.cyclomatic, function.cognitive)


def test_expression_cost_of_a_deep_boolean_chain_is_iterative() -> None:
    tree = _deep("x = " + " and ".join(f"(a{i} or b)" for i in range(_DEPTH)) + "\n")
    statement = tree.body[0]
    assert isinstance(statement, ast.Assign)
    with _recursion_limit(200):
        # One `and` sequence plus one `or` sequence per operand.
        assert (1 + _DEPTH, 0) == expression_cost(statement.value)


def test_the_metrics_visitor_is_an_ordinary_visitor_sharing_the_walk() -> None:
    names = _Names()
    metrics = FunctionMetricsVisitor()
    Traversal([names, metrics]).walk(ast.parse("def f(a):\n    if a:\n        g(a)\n"))
    [function] = metrics.functions
    assert (2, 1, 1) == (function.cyclomatic, function.cognitive, function.max_nesting)
    assert ("name", "g", "f") in names.events


def test_dispatch_tables_stay_bounded_when_visitor_classes_are_made_per_file() -> None:
    seen: list[str] = []

    def record(self: object, node: ast.Name) -> None:
        seen.append(node.id)

    for index in range(2 * _MAX_TEMPLATES):
        visitor = type(f"Visitor{index}", (), {"enter_Name": record})()
        _walk(f"name{index}\n", visitor)
        assert len(_TEMPLATES) <= _MAX_TEMPLATES
    assert [f"name{i}" for i in range(2 * _MAX_TEMPLATES)] == seen
