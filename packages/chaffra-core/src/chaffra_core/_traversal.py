"""One walk over a file's ``ast`` tree that every analyzer shares.

Analyzers do not walk trees themselves. A *visitor* is any object with methods
named for what it wants to see, the way a linter's rules name node types:

* ``enter_<Node>(node)`` / ``leave_<Node>(node)`` for an ``ast`` class name
  (``enter_Call``, ``leave_FunctionDef``); ``enter_stmt`` / ``enter_expr``
  receive every statement / expression;
* ``enter_scope(scope)`` / ``leave_scope(scope)`` around the body of the module,
  each class, function and lambda.

The header of a ``def``, ``class`` or ``lambda`` (decorators, defaults,
annotations, bases) is visited in the enclosing scope, then the scope opens for
the body, as Python evaluates them. The walk is iterative, so no nesting depth
overflows the stack, and children are visited in source order.
"""

from __future__ import annotations

import ast
import enum
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import attrs

__all__ = ["Scope", "ScopeKind", "Traversal", "child_fields"]


class ScopeKind(enum.Enum):
    """What opened a scope."""

    MODULE = "module"
    CLASS = "class"
    FUNCTION = "function"
    LAMBDA = "lambda"


@attrs.frozen(kw_only=True, eq=False)
class Scope:
    """A module, class, function or lambda body during the walk.

    ``qualified_name`` joins the enclosing classes and functions with dots
    (``Outer.method.inner``; lambdas add nothing); ``""`` for the module.
    """

    kind: ScopeKind
    name: str
    node: ast.AST
    parent: Scope | None
    qualified_name: str

    @property
    def in_class(self) -> bool:
        """Whether this scope is a function defined directly in a class body (a method)."""
        return (
            self.kind is ScopeKind.FUNCTION
            and self.parent is not None
            and self.parent.kind is ScopeKind.CLASS
        )


Handler = Callable[[Any], object]

_NO_CHILDREN = frozenset({"ctx", "id", "attr", "arg", "name", "names", "module", "level", "kind"})
_FIELDS: dict[type[ast.AST], tuple[str, ...]] = {ast.Constant: ()}
# The only node lists that may hold something else (``None`` for ``**d`` in a dict
# display or a keyword-only parameter without default, names in a class pattern).
_MIXED_LISTS = frozenset({ast.Dict, ast.arguments, ast.MatchClass})

# A scope-opening node's header fields, in the order Python evaluates them
# (decorators first), and the field that is its body.
_DEF_HEADER = ("decorator_list", "type_params", "args", "returns")
_BODIES: dict[type[ast.AST], tuple[ScopeKind, tuple[str, ...], str]] = {
    ast.FunctionDef: (ScopeKind.FUNCTION, _DEF_HEADER, "body"),
    ast.AsyncFunctionDef: (ScopeKind.FUNCTION, _DEF_HEADER, "body"),
    ast.ClassDef: (ScopeKind.CLASS, ("decorator_list", "type_params", "bases", "keywords"), "body"),
    ast.Lambda: (ScopeKind.LAMBDA, ("args",), "body"),
}


def child_fields(kind: type[ast.AST]) -> tuple[str, ...]:
    """The fields of ``kind`` that may hold nodes worth visiting (not ``ctx`` or names)."""
    fields = _FIELDS.get(kind)
    if fields is None:
        fields = _FIELDS[kind] = tuple(f for f in kind._fields if f not in _NO_CHILDREN)
    return fields


def _children(node: ast.AST, fields: Iterable[str]) -> list[ast.AST]:
    out: list[ast.AST] = []
    for field in fields:
        value = getattr(node, field, None)
        if type(value) is list:
            out.extend(item for item in value if isinstance(item, ast.AST))
        elif isinstance(value, ast.AST):
            out.append(value)
    return out


def _node_classes(base: type[ast.AST]) -> list[type[ast.AST]]:
    found: list[type[ast.AST]] = []
    stack = [base]
    while stack:
        kind = stack.pop()
        found.append(kind)
        stack.extend(kind.__subclasses__())
    return found


# Markers on the walk's stack (a bare node on the stack means "enter it").
_LEAVE, _OPEN, _CLOSE = range(3)
_Dispatch = dict[type[ast.AST], tuple[str, ...]]
_DISPATCH: dict[tuple[type, str], _Dispatch] = {}


def _dispatch(visitor_type: type, prefix: str) -> _Dispatch:
    """The method names of ``visitor_type`` handling each node class, general ones first."""
    key = (visitor_type, prefix)
    table = _DISPATCH.get(key)
    if table is None:
        table = {}
        for kind in _node_classes(ast.AST):
            names = [
                prefix + general.__name__
                for general in (ast.stmt, ast.expr)
                if issubclass(kind, general) and kind is not general
            ]
            names.append(prefix + kind.__name__)
            found = tuple(n for n in names if hasattr(visitor_type, n))
            if found:
                table[kind] = found
        _DISPATCH[key] = table
    return table


def _handlers(visitors: Sequence[object], prefix: str) -> dict[type[ast.AST], tuple[Handler, ...]]:
    merged: dict[type[ast.AST], list[Handler]] = {}
    for visitor in visitors:
        for kind, names in _dispatch(type(visitor), prefix).items():
            merged.setdefault(kind, []).extend(getattr(visitor, n) for n in names)
    return {kind: tuple(handlers) for kind, handlers in merged.items()}


class Traversal:
    """Dispatches one walk over a tree to every visitor's ``enter_*``/``leave_*`` methods."""

    def __init__(self, visitors: Sequence[object]) -> None:
        self.visitors = tuple(visitors)
        self._enter = _handlers(visitors, "enter_")
        self._leave = _handlers(visitors, "leave_")
        self._open = tuple(_bound(visitors, "enter_scope"))
        self._close = tuple(_bound(visitors, "leave_scope"))
        self.scope: Scope | None = None

    def walk(self, tree: ast.Module) -> None:
        """Visit every node of ``tree`` once, in source order, dispatching as described."""
        enter, leave, fields_of, bodies = self._enter, self._leave, child_fields, _BODIES
        fields, node_type = _FIELDS, ast.AST
        module = Scope(kind=ScopeKind.MODULE, name="", node=tree, parent=None, qualified_name="")
        stack: list[Any] = [(_CLOSE, module)]
        stack.extend(reversed(tree.body))
        self._open_scope(module)
        pop, push, extend = stack.pop, stack.append, stack.extend
        while stack:
            item = pop()
            kind = type(item)
            if kind is tuple:
                self._marker(*item)
                continue
            handlers = enter.get(kind)
            if handlers is not None:
                for handler in handlers:
                    handler(item)
            if kind in leave:
                push((_LEAVE, item))
            body = bodies.get(kind)
            if body is None:
                names = fields.get(kind)
                if names is None:
                    names = fields_of(kind)
                if not names:
                    continue  # a leaf (Name, Constant...): most nodes
                children: list[Any] = []
                for field in names:
                    value = getattr(item, field, None)
                    if type(value) is list:
                        children += value
                    elif isinstance(value, node_type):
                        children.append(value)
                if children:
                    if kind in _MIXED_LISTS:
                        children = [child for child in children if isinstance(child, node_type)]
                    children.reverse()
                    extend(children)
                continue
            scope_kind, header, body_field = body
            scope = Scope(
                kind=scope_kind,
                name=getattr(item, "name", "<lambda>"),
                node=item,
                parent=self.scope,
                qualified_name=_qualify(self.scope, scope_kind, item),
            )
            push((_CLOSE, scope))
            extend(reversed(_children(item, (body_field,))))
            push((_OPEN, scope))
            extend(reversed(_children(item, header)))

    def _marker(self, action: int, item: Any) -> None:
        if action == _LEAVE:
            for handler in self._leave[type(item)]:
                handler(item)
        elif action == _OPEN:
            self._open_scope(item)
        else:
            for handler in self._close:
                handler(item)
            self.scope = item.parent

    def _open_scope(self, scope: Scope) -> None:
        self.scope = scope
        for handler in self._open:
            handler(scope)


def _qualify(parent: Scope | None, kind: ScopeKind, node: ast.AST) -> str:
    prefix = parent.qualified_name if parent is not None else ""
    if kind is ScopeKind.LAMBDA:
        return prefix
    name: str = getattr(node, "name", "")
    return f"{prefix}.{name}" if prefix else name


def _bound(visitors: Sequence[object], name: str) -> Iterable[Handler]:
    for visitor in visitors:
        handler = getattr(visitor, name, None)
        if handler is not None:
            yield handler
