"""Intra-procedural taint: which expressions carry data from outside the program.

Sources are web request inputs (flask, django, fastapi, starlette), ``input()``,
``sys.argv`` and the environment. Within one function, assignments carry taint
from their value to their targets (names, attributes, subscripts, tuple
targets, ``for`` targets, walrus); sanitisers (``shlex.quote``, ``int``,
``os.path.basename``, ``html.escape``, ...) stop it. Only one expression is
walked at a time: the file's tree is walked once by the engine.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

__all__ = [
    "REQUEST_ATTRIBUTES",
    "ROUTE_DECORATORS",
    "SANITISERS",
    "TaintState",
    "ValueKind",
    "dotted",
    "is_constant",
    "source_lines",
    "target_names",
]

REQUEST_ATTRIBUTES = frozenset(
    {
        # flask / werkzeug
        "args",
        "form",
        "values",
        "data",
        "json",
        "files",
        "cookies",
        "headers",
        "get_json",
        "get_data",
        "stream",
        # django
        "GET",
        "POST",
        "COOKIES",
        "FILES",
        "META",
        "body",
        "content_params",
        # starlette / fastapi
        "query_params",
        "path_params",
        "form_data",
    }
)
"""Attributes of a ``request`` object that carry client input."""

ROUTE_DECORATORS = frozenset(
    {"get", "post", "put", "delete", "patch", "head", "options", "api_route", "websocket"}
)
"""``@app.<name>(...)`` decorators whose function parameters come from the client (FastAPI)."""

SANITISERS = frozenset(
    {
        "shlex.quote",
        "pipes.quote",
        "int",
        "float",
        "bool",
        "len",
        "os.path.basename",
        "html.escape",
        "markupsafe.escape",
        "django.utils.html.escape",
        "django.utils.html.format_html",
        "urllib.parse.quote",
        "urllib.parse.quote_plus",
        "werkzeug.utils.secure_filename",
        "uuid.UUID",
    }
)
"""Calls whose result no longer carries the taint of their arguments."""

_ENV_CALLS = {
    "os.getenv": "the environment",
    "os.environ.get": "the environment",
    "input": "user input via stdin",
    "raw_input": "user input via stdin",
    "sys.stdin.read": "standard input",
    "sys.stdin.readline": "standard input",
}
_ENV_VALUES = {"sys.argv": "command-line arguments", "os.environ": "the environment"}
_SOURCE_LEAVES = REQUEST_ATTRIBUTES | {"argv", "environ"}


class ValueKind:
    """What an argument is, from the rules' point of view."""

    CONSTANT = "constant"
    DYNAMIC = "dynamic"
    TAINTED = "tainted"


def dotted(node: ast.AST, aliases: Mapping[str, str]) -> str | None:
    """``a.b.c`` for a name/attribute chain, the first name resolved through ``aliases``."""
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    parts.append(aliases.get(node.id, node.id))
    return ".".join(reversed(parts))


_LITERAL_PARTS: dict[type[ast.AST], Callable[[Any], Iterable[ast.AST]]] = {
    # A literal's node types, each with the parts that must be literals too.
    ast.Constant: lambda node: (),
    ast.JoinedStr: lambda node: node.values,
    ast.FormattedValue: lambda node: (node.value,),
    ast.Tuple: lambda node: node.elts,
    ast.List: lambda node: node.elts,
    ast.Set: lambda node: node.elts,
    ast.BinOp: lambda node: (node.left, node.right),
}


def is_constant(node: ast.AST) -> bool:
    """Whether ``node`` is a literal (strings, numbers, f-strings and containers of them)."""
    if type(node) is ast.Constant:
        return True
    stack = [node]
    while stack:
        item = stack.pop()
        parts = _LITERAL_PARTS.get(type(item))
        if parts is None:
            return False
        stack.extend(parts(item))
    return True


def target_names(target: ast.AST, aliases: Mapping[str, str]) -> Iterator[str]:
    """The names an assignment target binds (``a``, ``self.x``, ``d`` of ``d[k]``, tuples)."""
    stack = [target]
    while stack:
        item = stack.pop()
        if isinstance(item, (ast.Tuple, ast.List)):
            stack.extend(item.elts)
        elif isinstance(item, (ast.Starred, ast.Subscript)):
            stack.append(item.value)
        else:
            name = dotted(item, {})
            if name is not None:
                yield name


_SOURCE_WORDS = ("request", "argv", "environ", "getenv", "input", "stdin")
_ROUTE_HINT = re.compile(r"@[\w.]+\.(?:" + "|".join(sorted(ROUTE_DECORATORS)) + r")\b")


def source_lines(text: str) -> list[int]:
    """The lines of ``text`` (1-based, ascending) that name a taint source: ``request``,
    ``argv``, ``environ``, ``getenv``, ``input``, ``stdin`` or a route decorator. A file or
    function with none among its lines carries no tainted value, and the rules need only
    tell constants from the rest. Each name is found by its literal text (many times
    faster than one pattern with alternatives)."""
    offsets = [match.start() for match in _ROUTE_HINT.finditer(text)]
    for word in _SOURCE_WORDS:
        at = text.find(word)
        while at >= 0:
            offsets.append(at)
            at = text.find(word, at + len(word))
    offsets.sort()
    lines: list[int] = []
    line, previous = 1, 0
    for offset in offsets:
        line += text.count("\n", previous, offset)
        previous = offset
        lines.append(line)
    return lines


class TaintState:
    """The tainted names of one function (or module) body, with what tainted them.

    An inactive state (a file without any source) tracks nothing: every value is a
    constant or dynamic.
    """

    def __init__(
        self,
        resolve: Callable[[ast.AST], str | None],
        *,
        aliases: Mapping[str, str] | None = None,
        active: bool = True,
    ) -> None:
        self._resolve = resolve
        self._aliases: Mapping[str, str] = aliases if aliases is not None else {}
        self.active = active
        self.tainted: dict[str, str] = {}

    def taint_parameters(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        """Mark the parameters of a route handler (FastAPI-style decorator) as client input."""
        if not self.active or not any(self._is_route(d) for d in node.decorator_list):
            return
        args = node.args
        for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
            if arg.arg not in {"self", "cls"}:
                self.tainted[arg.arg] = "a route parameter"

    def _is_route(self, decorator: ast.expr) -> bool:
        func = decorator.func if isinstance(decorator, ast.Call) else decorator
        return isinstance(func, ast.Attribute) and func.attr in ROUTE_DECORATORS

    def source(self, node: ast.AST) -> str | None:
        """What taints ``node`` (a description), or ``None`` if nothing does.

        One pass over the expression, by node type; a name is resolved only when its last
        part could be a source (a request attribute, ``argv``/``environ``, a tainted name).
        """
        tainted, resolve = self.tainted, self._resolve
        leaves = _SOURCE_LEAVES | {k.rpartition(".")[2] for k in tainted if "." in k}
        stack = [node]
        while stack:
            item = stack.pop()
            kind = type(item)
            if kind is ast.Name:
                name_id: str = item.id  # type: ignore[attr-defined]
                found = tainted.get(name_id) or _ENV_VALUES.get(self._aliases.get(name_id, ""))
                if found is not None:
                    return found
            elif kind is ast.Attribute:
                attr: str = item.attr  # type: ignore[attr-defined]
                if attr in leaves:
                    found = self._attribute(resolve(item))
                    if found is not None:
                        return found
                stack.append(item.value)  # type: ignore[attr-defined]
            elif kind is ast.Call:
                call: ast.Call = item  # type: ignore[assignment]
                name = resolve(call.func)
                if name in _ENV_CALLS:
                    return _ENV_CALLS[name]
                if name in SANITISERS:
                    continue
                stack.extend(call.args)
                stack.extend(k.value for k in call.keywords)
                if type(call.func) is ast.Attribute:
                    stack.append(call.func.value)  # "x".join(parts), s.format(...)
            elif kind is not ast.Constant and kind is not ast.Lambda:
                stack.extend(ast.iter_child_nodes(item))
        return None

    def _attribute(self, name: str | None) -> str | None:
        """The source an attribute chain (``request.GET``, ``sys.argv``, ``self.cmd``) names."""
        if name is None:
            return None
        found = self.tainted.get(name) or _ENV_VALUES.get(name)
        if found is not None:
            return found
        base, _, attr = name.rpartition(".")
        if attr in REQUEST_ATTRIBUTES and base.rpartition(".")[2] == "request":
            return f"request input (`{base.rpartition('.')[2]}.{attr}`)"
        return None

    def kind(self, node: ast.AST | None) -> tuple[str, str | None]:
        """``(ValueKind, source)`` of an argument (``None``: absent, counted as constant)."""
        if node is None or is_constant(node):
            return ValueKind.CONSTANT, None
        if not self.active:
            return ValueKind.DYNAMIC, None
        source = self.source(node)
        if source is not None:
            return ValueKind.TAINTED, source
        return ValueKind.DYNAMIC, None

    def assign(self, targets: list[ast.AST], value: ast.AST | None, *, augmented: bool) -> None:
        """Carry ``value``'s taint to ``targets`` (a clean value clears a plain assignment)."""
        if not self.active:
            return
        source = self.source(value) if value is not None else None
        for target in targets:
            for name in target_names(target, {}):
                if source is not None:
                    self.tainted.setdefault(name, source)
                elif not augmented and not isinstance(target, ast.Subscript):
                    self.tainted.pop(name, None)
