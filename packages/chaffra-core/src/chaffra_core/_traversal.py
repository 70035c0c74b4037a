"""One walk over a file's ``ast`` tree that every analyzer shares.

Analyzers do not walk trees themselves. A *visitor* is any object with methods
named for what it wants to see, the way a linter's rules name node types:

* ``enter_<Node>(node)`` / ``leave_<Node>(node)`` for an ``ast`` class name
  (``enter_Call``, ``leave_FunctionDef``); ``enter_stmt`` / ``enter_expr``
  receive every statement / expression (contexts and operators, ``Load`` or
  ``Add``, are no nodes of the walk: read them from their parent);
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

# Fields never holding a node worth visiting: names, contexts, operators (shared
# singletons) and scalars. A scalar left out here would still be skipped, only later.
_NO_CHILDREN = frozenset(
    {
        *("ctx", "id", "attr", "arg", "name", "names", "asname", "module", "level", "kind"),
        *("op", "ops", "conversion", "is_async", "simple", "type_comment", "rest"),
        *("kwd_attrs", "tag", "lineno", "n", "s"),
    }
)
# Classes whose ``value`` is a Python constant, not a node.
_CONSTANTS = (ast.Constant, ast.MatchSingleton)

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
    """The fields of ``kind`` that may hold nodes worth visiting (not ``ctx``, names,
    operators or constants), in source order."""
    if issubclass(kind, _CONSTANTS):
        return ()
    return tuple(f for f in kind._fields if f not in _NO_CHILDREN)


def _node_classes(base: type[ast.AST]) -> list[type[ast.AST]]:
    found: list[type[ast.AST]] = []
    stack = [base]
    while stack:
        kind = stack.pop()
        found.append(kind)
        stack.extend(kind.__subclasses__())
    return found


def _dispatch(visitor_type: type, prefix: str) -> dict[type[ast.AST], tuple[str, ...]]:
    """The method names of ``visitor_type`` handling each node class, general ones first."""
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
    return table


# A plan says what to do with an item popped from the walk's stack, found by its type
# in one lookup: (enter handlers, whether to push a leave marker, child fields in
# reverse order, and ``None`` for a plain node, what a scope-opening node opens, or
# ``_MARK`` for a marker). A type without a plan (a leaf nobody handles, ``None``, a
# scalar) is skipped.
_Plan = tuple[tuple[Handler, ...], bool, tuple[str, ...], object]
_MARK = object()
# Markers on the walk's stack are ``(action, item)`` tuples.
_LEAVE, _OPEN, _CLOSE = range(3)
# The handler names (visitor index, method) of a node class: bound per traversal.
_Names = tuple[tuple[int, str], ...]


@attrs.frozen(kw_only=True)
class _Template:
    """The plans of a combination of visitor classes, with handlers still unbound."""

    static: dict[type, _Plan]  # node classes with no enter handler: shared as they are
    entered: tuple[tuple[type[ast.AST], _Names, _Plan], ...]
    left: tuple[tuple[type[ast.AST], _Names], ...]


_TEMPLATES: dict[tuple[type, ...], _Template] = {}
_MAX_TEMPLATES = 64  # combinations kept (a run has one; classes made per file would grow it)


def _template(types: tuple[type, ...]) -> _Template:
    template = _TEMPLATES.get(types)
    if template is not None:
        return template
    enter = _names(types, "enter_")
    leave = _names(types, "leave_")
    static: dict[type, _Plan] = {tuple: ((), False, (), _MARK)}
    entered = []
    for kind in _node_classes(ast.AST):
        fields = child_fields(kind)
        names = enter.get(kind, ())
        if not (fields or names or kind in leave or kind in _BODIES):
            continue
        plan = ((), kind in leave, tuple(reversed(fields)), _BODIES.get(kind))
        if names:
            entered.append((kind, names, plan))
        else:
            static[kind] = plan
    template = _Template(static=static, entered=tuple(entered), left=tuple(leave.items()))
    if len(_TEMPLATES) >= _MAX_TEMPLATES:
        _TEMPLATES.clear()
    _TEMPLATES[types] = template
    return template


def _names(types: tuple[type, ...], prefix: str) -> dict[type[ast.AST], _Names]:
    merged: dict[type[ast.AST], list[tuple[int, str]]] = {}
    for index, visitor_type in enumerate(types):
        for kind, names in _dispatch(visitor_type, prefix).items():
            merged.setdefault(kind, []).extend((index, n) for n in names)
    return {kind: tuple(names) for kind, names in merged.items()}


def _bind(visitors: Sequence[object], names: _Names) -> tuple[Handler, ...]:
    return tuple(getattr(visitors[index], name) for index, name in names)


class Traversal:
    """Dispatches one walk over a tree to every visitor's ``enter_*``/``leave_*`` methods."""

    def __init__(self, visitors: Sequence[object]) -> None:
        self.visitors = tuple(visitors)
        template = _template(tuple(type(v) for v in self.visitors))
        plans = dict(template.static)
        for kind, names, (_, leave, fields, scope) in template.entered:
            plans[kind] = (_bind(self.visitors, names), leave, fields, scope)
        self._plans = plans
        self._leave = {kind: _bind(self.visitors, names) for kind, names in template.left}
        self._open = tuple(_bound(visitors, "enter_scope"))
        self._close = tuple(_bound(visitors, "leave_scope"))
        self.scope: Scope | None = None

    def walk(self, tree: ast.Module) -> None:
        """Visit every node of ``tree`` once, in source order, dispatching as described."""
        plans = self._plans
        module = Scope(kind=ScopeKind.MODULE, name="", node=tree, parent=None, qualified_name="")
        stack: list[Any] = [(_CLOSE, module)]
        stack.extend(reversed(tree.body))
        self._open_scope(module)
        pop, push, extend = stack.pop, stack.append, stack.extend
        while stack:
            item = pop()
            plan = plans.get(type(item))
            if plan is None:
                continue  # a leaf nobody handles (Name, Constant...): most nodes
            handlers, leave, fields, scope = plan
            if scope is None:
                for handler in handlers:
                    handler(item)
                if leave:
                    push((_LEAVE, item))
                for field in fields:
                    value = getattr(item, field, None)
                    if type(value) is list:
                        extend(reversed(value))
                    elif type(value) in plans:
                        push(value)
            elif scope is _MARK:
                self._marker(*item)
            else:
                for handler in handlers:
                    handler(item)
                if leave:
                    push((_LEAVE, item))
                self._push_scope(item, scope, push, extend)

    def _push_scope(
        self,
        node: ast.AST,
        opens: Any,
        push: Callable[[Any], None],
        extend: Callable[[Iterable[Any]], None],
    ) -> None:
        """Push the header of ``node``, the scope's opening, its body and its closing."""
        scope_kind: ScopeKind
        header: tuple[str, ...]
        scope_kind, header, body_field = opens
        parent = self.scope
        scope = Scope(
            kind=scope_kind,
            name=getattr(node, "name", "<lambda>"),
            node=node,
            parent=parent,
            qualified_name=_qualify(parent, scope_kind, node),
        )
        push((_CLOSE, scope))
        body = getattr(node, body_field)
        if type(body) is list:
            extend(reversed(body))
        else:
            push(body)  # a lambda's expression
        push((_OPEN, scope))
        for field in reversed(header):
            value = getattr(node, field, None)
            if type(value) is list:
                extend(reversed(value))
            elif value is not None:
                push(value)

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
