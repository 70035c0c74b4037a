"""Per-file facts for dead code, from the shared walk.

The visitor records what a file defines (candidates, with roots already
filtered out), every name it uses and the modules it imports; what one file
proves on its own (unused locals and arguments, unreachable code and constant
conditions) is its ``LocalFindings`` half. ``facts`` is what the project index combines; it is
JSON-compatible and cached, so a warm run never sees a tree.
"""

from __future__ import annotations

import ast
import functools
import hashlib
from collections.abc import Sequence
from typing import Any

from chaffra_core._traversal import Scope, ScopeKind
from chaffra_core.analyzers.dead_code._local_findings import LocalFindings, ScopeState
from chaffra_core.analyzers.dead_code._roots import (
    DOTTED_PATH,
    ROOT_BASES,
    ROOT_FUNCTION_NAMES,
    ROOT_METHOD_NAMES,
    FileRole,
    built_prefix,
    decorator_name,
    is_dunder,
    is_registering_decorator,
    is_transparent_class_decorator,
)
from chaffra_core.analyzers.dead_code._rules import Confidence
from chaffra_core.analyzers.dead_code._settings import Settings

__all__ = ["DeadCodeVisitor", "module_parts", "string_digest"]

_STORE = ast.Store
_BUILT = frozenset({ast.BinOp, ast.JoinedStr, ast.Call})  # what may build a name at run time
_DYNAMIC = frozenset({"locals", "vars", "eval", "exec"})
_ATTRIBUTE_STRINGS = frozenset({"getattr", "hasattr", "setattr", "delattr"})
_DOTTED_STRINGS = frozenset({"attrgetter", "methodcaller"})
_ANNOTATION_STRINGS = frozenset({"cast", "TypeVar", "ForwardRef"})
_IMPORT_ERRORS = frozenset({"ImportError", "ModuleNotFoundError", "Exception", "BaseException"})


@functools.lru_cache(maxsize=1 << 16)
def string_digest(text: str) -> str:
    """A short stable digest of an identifier-shaped string literal (what facts keep of it)."""
    return hashlib.blake2b(text.encode("utf-8"), digest_size=8).hexdigest()


def module_parts(path: str) -> list[str]:
    """``["pkg", "mod"]`` for ``pkg/mod.py``, ``["pkg"]`` for ``pkg/__init__.py``."""
    parts = path[:-3].split("/") if path.endswith(".py") else path.split("/")
    return parts[:-1] if parts and parts[-1] == "__init__" else parts


class DeadCodeVisitor(LocalFindings):
    """Collects one file's dead-code facts and its file-local findings."""

    def __init__(self, path: str, settings: Settings) -> None:
        super().__init__(path, settings)
        self.role = FileRole(path)
        self.names: set[str] = set()  # names read as variables (imports are checked on these)
        self.attrs: set[str] = set()  # names read as attributes or through strings
        self.defs: list[list[Any]] = []
        self.imports: list[list[Any]] = []
        self.modrefs: set[str] = set()
        self.froms: set[str] = set()
        self.strings: set[str] = set()  # identifier-shaped strings: maybe dynamic uses
        self.prefixes: set[str] = set()  # getattr(obj, "visit_" + name): every visit_* is used
        self._built: dict[str, str] = {}  # name = "visit_" + ...: the prefix it holds
        self.classes: list[list[Any]] = []
        self.entry = False
        self._guarded: set[int] = set()
        self._augmented: set[int] = set()
        self._submodules: dict[tuple[int, str], Sequence[str]] = {}
        parts = module_parts(path)
        self._package = parts if path.endswith("__init__.py") else parts[:-1]

    # -- scopes ---------------------------------------------------------------------------
    def enter_scope(self, scope: Scope) -> None:
        state = ScopeState(kind=scope.kind, qualified=scope.qualified_name, node=scope.node)
        node = scope.node
        if isinstance(node, ast.ClassDef):
            bases = [_base_name(b) for b in node.bases]
            state.class_name = node.name
            state.fields_are_roots = bool(
                node.decorator_list or node.keywords or any(b != "object" for b in bases)
            )
            state.protocol = "Protocol" in bases
            outer = self._scopes[-1] if self._scopes else None
            if outer is not None and outer.kind is ScopeKind.CLASS and outer.fields_are_roots:
                state.fields_are_roots = True  # Django's Meta, pydantic's Config
        if scope.kind is ScopeKind.FUNCTION:
            self._loops.append([])
        self._scopes.append(state)

    def leave_scope(self, scope: Scope) -> None:
        state = self._scopes.pop()
        node = scope.node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self._loops.pop()
            self.statements(node.body)
            self._check_locals(state, node)
            if self.settings.unused_argument:
                self._check_arguments(state, node, scope)
        elif isinstance(node, ast.Module):
            self.statements(node.body)
        if len(self._scopes) > 1:  # a closure's reads are its function's (module: unused)
            self._scopes[-1].loads |= state.loads

    # -- uses -------------------------------------------------------------------------------
    def enter_Name(self, node: ast.Name) -> None:
        if type(node.ctx) is not _STORE:
            name = node.id
            self.names.add(name)
            state = self._scopes[-1]
            state.loads.add(name)
            if name in _DYNAMIC:
                state.dynamic = True

    def enter_Attribute(self, node: ast.Attribute) -> None:
        if type(node.ctx) is not _STORE or id(node) in self._augmented:
            self.attrs.add(node.attr)
            return
        name = node.attr
        if is_dunder(name) or self.role.all_roots:
            return
        owner = node.value
        on_self = isinstance(owner, ast.Name) and owner.id in ("self", "cls")
        confidence = Confidence.PUBLIC if on_self else Confidence.MAYBE_HOOK
        scopes = self._scopes
        cls = scopes[-2] if len(scopes) > 1 and scopes[-2].kind is ScopeKind.CLASS else None
        symbol = f"{cls.qualified}.{name}" if cls is not None else self._symbol(name)
        self._define("attribute", name, node, confidence, symbol=symbol)

    def enter_AugAssign(self, node: ast.AugAssign) -> None:
        target = node.target
        if isinstance(target, ast.Name):
            self.names.add(target.id)
            self._scopes[-1].loads.add(target.id)
            if target.id == "__all__":
                self._strings_used(node.value)
        elif isinstance(target, ast.Attribute):
            self._augmented.add(id(target))

    def enter_Global(self, node: ast.Global) -> None:
        self._scopes[-1].declared.update(node.names)

    def enter_Nonlocal(self, node: ast.Nonlocal) -> None:
        state = self._scopes[-1]
        state.declared.update(node.names)
        state.loads.update(node.names)

    def enter_Constant(self, node: ast.Constant) -> None:
        value = node.value
        if type(value) is not str or not 1 < len(value) < 200:
            return
        if value.isidentifier():
            self.strings.add(value)
        elif ("." in value or ":" in value) and DOTTED_PATH.fullmatch(value):
            module, _, attribute = value.partition(":")
            parts = module.split(".")
            self.attrs.update(parts)
            self.attrs.update(attribute.split("."))
            for end in range(1, len(parts) + 1):
                self.modrefs.add(".".join(parts[:end]))

    def enter_Call(self, node: ast.Call) -> None:
        func = node.func
        name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
        args = node.args
        if name in _ATTRIBUTE_STRINGS and len(args) >= 2:
            self._strings_used(args[1])
            self._dispatched(args[1])
        elif name in _DOTTED_STRINGS:
            for arg in args:
                self._strings_used(arg, dotted=True)
        elif name in _ANNOTATION_STRINGS:
            for arg in (*args, *(k.value for k in node.keywords)):
                self._annotation(arg)
        elif (
            name in ("extend", "append")
            and isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id == "__all__"
        ):
            for arg in args:
                self._strings_used(arg)

    def enter_Subscript(self, node: ast.Subscript) -> None:
        value = node.value
        if (
            isinstance(value, ast.Call)
            and isinstance(value.func, ast.Name)
            and value.func.id == "globals"
        ):
            self._strings_used(node.slice)
            self._dispatched(node.slice)

    def enter_arg(self, node: ast.arg) -> None:
        if node.annotation is not None:
            self._annotation(node.annotation)

    def enter_If(self, node: ast.If) -> None:
        test = node.test
        if (
            len(self._scopes) == 1
            and isinstance(test, ast.Compare)
            and isinstance(test.left, ast.Name)
            and test.left.id == "__name__"
            and any(isinstance(c, ast.Constant) and c.value == "__main__" for c in test.comparators)
        ):
            self.entry = True

    def enter_Try(self, node: ast.Try) -> None:
        if any(_catches_import_error(h) for h in node.handlers):
            self._guarded.update(id(s) for s in node.body)

    enter_TryStar = enter_Try

    # -- definitions ------------------------------------------------------------------------
    def enter_Assign(self, node: ast.Assign) -> None:
        prefix = built_prefix(node.value) if type(node.value) in _BUILT else ""
        for target in node.targets:
            if prefix and isinstance(target, ast.Name):
                self._built[target.id] = prefix
            if isinstance(target, ast.Name) and target.id == "__all__":
                self._strings_used(node.value)
            self._bind(target, node)

    def enter_AnnAssign(self, node: ast.AnnAssign) -> None:
        self._annotation(node.annotation)
        state = self._scopes[-1]
        if node.value is not None or state.kind is ScopeKind.CLASS:
            self._bind(node.target, node)

    def enter_withitem(self, node: ast.withitem) -> None:
        if isinstance(node.optional_vars, ast.Name):
            state = self._scopes[-1]
            if state.kind is ScopeKind.FUNCTION:
                self._bind(node.optional_vars, node.optional_vars)

    def _bind(self, target: ast.expr, statement: ast.AST) -> None:
        state = self._scopes[-1]
        kind = state.kind
        if isinstance(target, (ast.Tuple, ast.List)):
            if kind is not ScopeKind.FUNCTION:
                for element in target.elts:
                    self._bind(element, statement)
            return
        if isinstance(target, ast.Starred):
            self._bind(target.value, statement)
            return
        if not isinstance(target, ast.Name):
            return
        name = target.id
        if name.startswith("_") or name in state.declared:
            return
        if kind is ScopeKind.FUNCTION:
            state.assigned.setdefault(name, statement)
        elif kind is ScopeKind.MODULE:
            role = self.role
            if not (role.is_init or role.is_settings or role.is_test or role.all_roots):
                self._define("variable", name, statement, Confidence.PUBLIC, symbol=name)
        elif kind is ScopeKind.CLASS and not state.fields_are_roots and not self.role.all_roots:
            self._define(
                "variable",
                name,
                statement,
                Confidence.PUBLIC,
                symbol=f"{state.qualified}.{name}",
            )

    def _enter_function(self, node: ast.FunctionDef | ast.AsyncFunctionDef) -> None:
        if node.returns is not None:
            self._annotation(node.returns)
        state = self._scopes[-1]
        name = node.name
        names = [decorator_name(d).rpartition(".")[2] for d in node.decorator_list]
        in_class = state.kind is ScopeKind.CLASS
        if (
            is_dunder(name)
            or self.role.all_roots
            or any(is_registering_decorator(d) for d in node.decorator_list)
            or (in_class and state.protocol)
            or name.startswith("pytest_")
            or (_is_sunder(name) and in_class)
            or (self.role.is_test and _test_name(name, in_class=in_class))
        ):
            return
        kind = "function"
        if in_class:
            kind = "property" if {"property", "cached_property"} & set(names) else "method"
        confidence = Confidence.PRIVATE if name.startswith("_") else Confidence.PUBLIC
        first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
        self._define(
            kind,
            name,
            node,
            confidence,
            symbol=self._symbol(name),
            first=first,
            owner=state.class_name if in_class else "",
        )

    enter_FunctionDef = enter_AsyncFunctionDef = _enter_function

    def enter_ClassDef(self, node: ast.ClassDef) -> None:
        state = self._scopes[-1]
        name = node.name
        bases = [_base_name(b) for b in node.bases]
        if node.keywords:
            bases.append("<metaclass>")
        self.classes.append([name, bases])
        role = self.role
        if (
            is_dunder(name)
            or role.all_roots
            or any(not is_transparent_class_decorator(d) for d in node.decorator_list)
            or (state.kind is ScopeKind.CLASS and state.fields_are_roots)
            or (role.is_test and ("Test" in name or bases))  # unittest collects subclasses
            or (role.is_command and name == "Command")
            or any(base in ROOT_BASES for base in bases)
        ):
            return
        confidence = Confidence.PRIVATE if name.startswith("_") else Confidence.PUBLIC
        first = node.decorator_list[0].lineno if node.decorator_list else node.lineno
        self._define("class", name, node, confidence, symbol=self._symbol(name), first=first)

    def enter_Import(self, node: ast.Import) -> None:
        guarded = id(node) in self._guarded
        for alias in node.names:
            self.modrefs.add(alias.name)
            bound = alias.asname or alias.name.partition(".")[0]
            if alias.asname != alias.name:
                # ``import a.b`` also loads ``a.b`` for ``a.b.x`` (or ``mp.b`` on an alias)
                submodules = () if alias.asname else alias.name.split(".")[1:]
                message = f"import `{alias.name}` is never used"
                self._import(bound, node, message, guarded=guarded, submodules=submodules)

    def enter_ImportFrom(self, node: ast.ImportFrom) -> None:
        if node.module == "__future__":
            return
        if node.level:
            keep = len(self._package) - node.level + 1
            base = self._package[: max(keep, 0)]
            module = ".".join([*base, *([node.module] if node.module else [])])
        else:
            module = node.module or ""
        guarded = id(node) in self._guarded
        self.modrefs.add(module)
        for alias in node.names:
            if alias.name == "*":
                self.froms.add(f"{module}:*")
                continue
            self.modrefs.add(f"{module}.{alias.name}" if module else alias.name)
            self.froms.add(f"{module}:{alias.name}")
            if self.role.is_init:
                self.attrs.add(alias.name)  # a package re-exports what its __init__ imports
            if alias.asname != alias.name:
                source = f"{'.' * node.level}{node.module or ''}"
                bound = alias.asname or alias.name
                message = f"`{bound}` imported from `{source}` is never used"
                # A public name from a private module (``from _ssl import SSLError``)
                # is how a module publishes an implementation's API.
                surfaced = not bound.startswith("_") and any(
                    part.startswith("_") for part in source.strip(".").split(".")
                )
                self._import(bound, node, message, guarded=guarded or surfaced)

    # -- helpers --------------------------------------------------------------------------------
    def _import(
        self,
        bound: str,
        node: ast.stmt,
        message: str,
        *,
        guarded: bool,
        submodules: Sequence[str] = (),
    ) -> None:
        if self.role.is_init or self.role.all_roots or is_dunder(bound) or bound == "load_tests":
            return
        if submodules:
            self._submodules[id(node), bound] = submodules
        confidence = Confidence.MAYBE_HOOK if guarded else Confidence.IMPORT
        end = node.end_lineno or node.lineno
        self.imports.append([bound, node.lineno, end, message, confidence, submodules])

    def _define(
        self,
        kind: str,
        name: str,
        node: ast.AST,
        confidence: int,
        *,
        symbol: str,
        first: int | None = None,
        owner: str = "",
    ) -> None:
        line = getattr(node, "lineno", 1)
        end = getattr(node, "end_lineno", None) or line
        self.defs.append([kind, name, line, end, confidence, symbol, first or line, owner])

    def _symbol(self, name: str) -> str:
        qualified = self._scopes[-1].qualified
        return f"{qualified}.{name}" if qualified else name

    def _strings_used(self, node: ast.AST, *, dotted: bool = False) -> None:
        values = node.elts if isinstance(node, (ast.List, ast.Tuple, ast.Set)) else [node]
        for value in values:
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                text = value.value
                if dotted:
                    self.attrs.update(text.split("."))
                else:
                    self.names.add(text)
                    self.attrs.add(text)

    def _dispatched(self, node: ast.AST) -> None:
        """A name built from a prefix (``"visit_" + kind``, ``f"do_{x}"``, ``"on_%s" % x``,
        or a variable assigned one) reaches every definition with that prefix."""
        prefix = self._built.get(node.id, "") if isinstance(node, ast.Name) else built_prefix(node)
        if prefix:
            self.prefixes.add(prefix)

    def _annotation(self, node: ast.AST) -> None:
        """Names in string annotations (``"Foo"``, ``list["Foo"]``) count as used."""
        for sub in ast.walk(node):
            if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and sub.value:
                try:
                    parsed = ast.parse(sub.value.strip(), mode="eval")
                except (SyntaxError, ValueError):
                    continue
                for inner in ast.walk(parsed):
                    if isinstance(inner, ast.Name):
                        self.names.add(inner.id)
                    elif isinstance(inner, ast.Attribute):
                        self.attrs.add(inner.attr)

    def facts(self) -> dict[str, Any]:
        """The JSON-compatible facts the project index combines."""
        attrs = self.attrs
        unused = [
            record[:5]
            for record in self.imports
            if record[0] not in self.names and not any(part in attrs for part in record[5])
        ]
        return {
            "defs": self.defs,
            "imports": unused,
            "names": sorted(self.names),
            "modrefs": sorted(self.modrefs),
            "froms": sorted(self.froms),
            # Digests, not the strings: a string literal may be a secret, and facts are cached.
            "strings": sorted({string_digest(s) for s in self.strings - self.names - self.attrs}),
            "attrs": sorted(self.attrs - self.names),
            "prefixes": sorted(self.prefixes),
            "classes": self.classes,
            "entry": self.entry or self.role.entry,
        }


def _base_name(node: ast.expr) -> str:
    if isinstance(node, ast.Subscript):
        node = node.value
    return decorator_name(node).rpartition(".")[2] or "<expr>"


def _is_sunder(name: str) -> bool:
    return len(name) > 2 and name[0] == name[-1] == "_" and name[1] != "_" and name[-2] != "_"


def _test_name(name: str, *, in_class: bool) -> bool:
    roots = ROOT_METHOD_NAMES if in_class else ROOT_FUNCTION_NAMES
    return name.startswith("test") or name in roots


def _catches_import_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(decorator_name(t).rpartition(".")[2] in _IMPORT_ERRORS for t in types)
