"""chaffra's cyclomatic numbers equal radon's and its cognitive numbers equal complexipy's."""

from __future__ import annotations

import ast
import sys
import textwrap

import complexipy
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from radon.complexity import add_inner_blocks, cc_visit  # type: ignore[import-untyped]

from chaffra_core import FunctionMetrics
from chaffra_core.analyzers.complexity import measure


def _source(text: str) -> ast.Module:
    return ast.parse(text)


def _radon(text: str) -> dict[tuple[int, str], int]:
    """radon's functions and methods (closures included) by ``(def line, name)``."""
    return {
        (block.lineno, block.name.rsplit(".", 1)[-1]): block.complexity
        for block in add_inner_blocks(cc_visit(text))
        if hasattr(block, "is_method")
    }


def _complexipy(text: str) -> dict[tuple[int, str], int]:
    """complexipy's functions by ``(first line including decorators, name)``."""
    result = complexipy.code_complexity(text)
    return {(f.line_start, f.name.rsplit("::", 1)[-1]): f.complexity for f in result.functions}


def _first_lines(text: str) -> dict[tuple[int, str], int]:
    """Def line -> first line including decorators, for every def."""
    lines = {}
    for node in ast.walk(ast.parse(text)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            first = min([d.lineno for d in node.decorator_list] + [node.lineno])
            lines[node.lineno, node.name] = first
    return lines


def _assert_same_numbers(text: str) -> list[FunctionMetrics]:
    measured = measure(_source(text))
    ours = {(f.start_line, f.name): f for f in measured}
    radon = _radon(text)
    assert radon == {key: ours[key].cyclomatic for key in radon}
    starts = _first_lines(text)
    theirs = _complexipy(text)
    by_start = {(starts[key], key[1]): f for key, f in ours.items()}
    assert theirs == {key: by_start[key].cognitive for key in theirs}
    return measured


CASES = {
    "straight": """
        def f(a):
            x = a + 1
            return x
    """,
    "if_elif_else": """
        def f(a, b, c):
            if a:
                return 1
            elif b:
                return 2
            elif c and a:
                return 3
            else:
                if b:
                    return 4
            return 5
    """,
    "loops_with_else": """
        def f(items, n):
            for item in items:
                if item:
                    break
            else:
                while n > 0:
                    n -= 1
                    if n == 3:
                        continue
                else:
                    if n:
                        pass
    """,
    "try_except_else_finally": """
        def f(a):
            try:
                if a:
                    pass
            except ValueError:
                if a:
                    raise
            except (TypeError, KeyError) as exc:
                raise RuntimeError(a or exc) from (exc and a)
            else:
                for x in a:
                    pass
            finally:
                if a:
                    pass
    """,
    "with_statements": """
        def f(a, b):
            with open(a or b) as x, open(b) as y:
                if x:
                    with y:
                        if y and x:
                            pass
    """,
    "match_case": """
        def f(command):
            match command:
                case ["go", direction] if direction and command:
                    if direction:
                        return 1
                case {"x": 1}:
                    return 2
                case str() | bytes():
                    return 3
                case _:
                    return 4
        def g(command):
            match command:
                case other:
                    return other
        def h(command):
            match command:
                case 1:
                    return 1
    """,
    "comprehensions": """
        def f(rows, keys):
            a = [x for x in rows if x if x > 1 for y in x]
            b = {k: v and k for k, v in keys.items() if v or k}
            c = {x for x in rows}
            d = sum(x for x in rows if x)
            return a, b, c, d
    """,
    "boolean_sequences": """
        def f(a, b, c, d):
            w = a and b and c
            x = a and b or c and d
            y = not (a and b) or not c
            z = (a or b) and (c or d) and not (a and (b or not (c and d)))
            assert a and b, c or d
            return [a or b, (c and d, {1: a or c})]
    """,
    "conditional_expressions": """
        def f(a, b):
            x = a if b else (b if a and b else a)
            return (lambda: a if b else b)() + g(x, key=a or b)
    """,
    "lambdas": """
        def f(a):
            key = lambda item: item and a or item
            return sorted(a, key=lambda x: x if x else 0)
    """,
    "nested_functions": """
        def outer(a):
            def inner(b):
                if b:
                    def innermost():
                        if a:
                            pass
                    return innermost
                return b
            if a:
                def conditional():
                    while a:
                        pass
            return inner
    """,
    "decorators": """
        import functools

        @functools.lru_cache(maxsize=None if True else 1)
        @other
        def cached(a):
            if a:
                return 1

        def decorator(func):
            @functools.wraps(func)
            def wrapper(*args):
                if args:
                    return func(*args)
                return None
            return wrapper
    """,
    "async": """
        async def f(stream, lock):
            async for item in stream:
                async with lock:
                    if item:
                        await item
            else:
                pass
            return [x async for x in stream if x]
    """,
    "recursion": """
        def fact(n):
            return 1 if n <= 1 else n * fact(n - 1)

        def walk(node):
            handler = lambda: walk(node)
            def nested():
                return walk(node)
            return handler, nested

        class Tree:
            def walk(self):
                return walk(self) and self.walk()
    """,
    "classes_and_methods": """
        class A:
            x = 1 if True else 2

            def method(self, a):
                if a:
                    return a
                return None

            @property
            def prop(self):
                return self.x or 0

            if True:
                def conditional(self):
                    for _ in range(3):
                        pass

            class Inner:
                def deep(self, a):
                    while a:
                        if a and self:
                            break

        if True:
            class B:
                def m(self):
                    return 1

        def factory():
            class Local:
                attr = 1 if Local else 2
                def m(self, a):
                    if a:
                        pass
            if Local:
                return Local
    """,
    "module_level_control_flow": """
        try:
            def a(x):
                if x:
                    pass
        except ImportError:
            def b(x):
                return x
        else:
            def c():
                pass
        finally:
            def d():
                pass
        for _ in ():
            def e():
                pass
        while False:
            def g():
                pass
        with open("x") if False else None as h:
            def i():
                pass
    """,
    "statements_without_cost": """
        def f(a):
            global G
            del a
            import os
            from sys import path
            x: int
            y: int = a and os
            a += a or 1
            pass
            return
    """,
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_numbers_equal_radon_and_complexipy_for_every_construct(name: str) -> None:
    """Each hand-written case measures the same as radon ``cc`` and complexipy."""
    measured = _assert_same_numbers(textwrap.dedent(CASES[name]))
    assert measured


@pytest.mark.skipif(sys.version_info < (3, 11), reason="except* needs Python 3.11")
def test_except_star_counts_like_radon_and_complexipy() -> None:
    """radon ignores ``except*`` groups; complexipy counts them like ``except``."""
    text = textwrap.dedent(
        """
        def f(a):
            try:
                pass
            except* ValueError:
                if a:
                    pass
            except* TypeError:
                pass
            else:
                pass
        """
    )
    (function,) = _assert_same_numbers(text)
    assert (2, 4) == (function.cyclomatic, function.cognitive)


def test_worked_values_are_pinned() -> None:
    """Known values, so a change in both peers cannot pass unnoticed."""
    text = textwrap.dedent(
        """
        def f(a, b, c, d, e):
            if a:
                if b:
                    pass
            elif c:
                if d:
                    pass
            else:
                if e:
                    pass
            return a and b or c
        """
    )
    (function,) = measure(_source(text))
    assert (8, 11, 2) == (function.cyclomatic, function.cognitive, function.max_nesting)


# --- generated functions -------------------------------------------------------------

_NAMES = st.sampled_from(["a", "b", "c", "d"])


def _name(draw: st.DrawFn) -> ast.expr:
    return ast.Name(id=draw(_NAMES), ctx=ast.Load())


@st.composite
def _expressions(draw: st.DrawFn, depth: int = 3) -> ast.expr:
    kind = draw(
        st.sampled_from(
            ["name", "name", "bool", "not", "ifexp", "compare", "call", "comp", "lambda", "tuple"]
        )
        if depth > 0
        else st.just("name")
    )
    sub = _expressions(depth - 1)
    if kind == "bool":
        op = draw(st.sampled_from([ast.And(), ast.Or()]))
        return ast.BoolOp(op=op, values=draw(st.lists(sub, min_size=2, max_size=3)))
    if kind == "not":
        return ast.UnaryOp(op=ast.Not(), operand=draw(sub))
    if kind == "ifexp":
        return ast.IfExp(test=draw(sub), body=draw(sub), orelse=draw(sub))
    if kind == "compare":
        return ast.Compare(left=draw(sub), ops=[ast.Lt()], comparators=[draw(sub)])
    if kind == "call":
        func = ast.Name(id=draw(st.sampled_from(["g", "f"])), ctx=ast.Load())
        keywords = [ast.keyword(arg="k", value=draw(sub))] if draw(st.booleans()) else []
        return ast.Call(func=func, args=draw(st.lists(sub, max_size=2)), keywords=keywords)
    if kind == "comp":
        generators = [
            ast.comprehension(
                target=ast.Name(id="x", ctx=ast.Store()),
                iter=draw(sub),
                ifs=draw(st.lists(sub, max_size=2)),
                is_async=0,
            )
            for _ in range(draw(st.integers(1, 2)))
        ]
        return ast.ListComp(elt=draw(sub), generators=generators)
    if kind == "lambda":
        args = ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[])
        return ast.Lambda(args=args, body=draw(sub))
    if kind == "tuple":
        return ast.Tuple(elts=draw(st.lists(sub, max_size=3)), ctx=ast.Load())
    return _name(draw)


def _body(draw: st.DrawFn, depth: int) -> list[ast.stmt]:
    return draw(st.lists(_statements(depth - 1), min_size=1, max_size=3))


@st.composite
def _statements(draw: st.DrawFn, depth: int = 3) -> ast.stmt:
    simple = ["expr", "assign", "return", "assert", "pass", "raise"]
    compound = ["if", "for", "while", "try", "with", "match", "def", "class"]
    kind = draw(st.sampled_from(simple + compound if depth > 0 else simple))
    expr = _expressions()
    if kind == "if":
        return ast.If(test=draw(expr), body=_body(draw, depth), orelse=draw(_orelse(depth)))
    if kind == "for":
        orelse = _body(draw, depth) if draw(st.booleans()) else []
        target = ast.Name(id="x", ctx=ast.Store())
        return ast.For(target=target, iter=draw(expr), body=_body(draw, depth), orelse=orelse)
    if kind == "while":
        orelse = _body(draw, depth) if draw(st.booleans()) else []
        return ast.While(test=draw(expr), body=_body(draw, depth), orelse=orelse)
    if kind == "try":
        handlers = [
            ast.ExceptHandler(type=_name(draw), name=None, body=_body(draw, depth))
            for _ in range(draw(st.integers(1, 2)))
        ]
        orelse = _body(draw, depth) if draw(st.booleans()) else []
        final = _body(draw, depth) if draw(st.booleans()) else []
        return ast.Try(body=_body(draw, depth), handlers=handlers, orelse=orelse, finalbody=final)
    if kind == "with":
        items = [ast.withitem(context_expr=draw(expr)) for _ in range(draw(st.integers(1, 2)))]
        return ast.With(items=items, body=_body(draw, depth))
    if kind == "match":
        patterns: list[ast.pattern] = [
            ast.MatchValue(value=ast.Constant(1)),
            ast.MatchAs(pattern=None, name=None),
            ast.MatchAs(pattern=None, name="y"),
            ast.MatchOr(patterns=[ast.MatchValue(value=ast.Constant(2)), ast.MatchSingleton(None)]),
        ]
        cases = [
            ast.match_case(
                pattern=draw(st.sampled_from(patterns)),
                guard=draw(expr) if draw(st.booleans()) else None,
                body=_body(draw, depth),
            )
            for _ in range(draw(st.integers(1, 3)))
        ]
        return ast.Match(subject=draw(expr), cases=cases)
    if kind == "def":
        return _function(draw, "inner", _body(draw, depth))
    if kind == "class":
        return ast.ClassDef(
            name="K",
            bases=[],
            keywords=[],
            body=[_function(draw, "method", _body(draw, depth))],
            decorator_list=[],
        )
    if kind == "assign":
        return ast.Assign(targets=[ast.Name(id="v", ctx=ast.Store())], value=draw(expr))
    if kind == "return":
        return ast.Return(value=draw(expr))
    if kind == "assert":
        return ast.Assert(test=draw(expr), msg=draw(expr) if draw(st.booleans()) else None)
    if kind == "raise":
        return ast.Raise(exc=draw(expr), cause=None)
    if kind == "pass":
        return ast.Pass()
    return ast.Expr(value=draw(expr))


@st.composite
def _orelse(draw: st.DrawFn, depth: int) -> list[ast.stmt]:
    choice = draw(st.sampled_from(["none", "else", "elif"]))
    if choice == "elif":
        return [
            ast.If(
                test=draw(_expressions()), body=_body(draw, depth), orelse=draw(_orelse(depth - 1))
            )
        ]
    return _body(draw, depth) if choice == "else" else []


def _function(draw: st.DrawFn, name: str, body: list[ast.stmt]) -> ast.FunctionDef:
    args = ast.arguments(posonlyargs=[], args=[], kwonlyargs=[], kw_defaults=[], defaults=[])
    decorators = [_name(draw)] if draw(st.booleans()) else []
    function = ast.FunctionDef(name=name, args=args, body=body, decorator_list=decorators)
    # unparse reads type_params on 3.12+; typeshed for 3.10 does not know the field.
    function.type_params = []  # type: ignore[attr-defined,unused-ignore]
    return function


@st.composite
def _modules(draw: st.DrawFn) -> str:
    body: list[ast.stmt] = [
        _function(draw, "f", _body(draw, 4)) for _ in range(draw(st.integers(1, 2)))
    ]
    return ast.unparse(ast.fix_missing_locations(ast.Module(body=body, type_ignores=[])))


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_modules())
def test_generated_functions_measure_like_radon_and_complexipy(text: str) -> None:
    """Random nested statements and expressions: every value matches both peers."""
    _assert_same_numbers(text)
