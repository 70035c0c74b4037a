"""Liveness roots and false-positive traps: what is used although no code names it.

Everything here is decided from one file (its path, a decorator, a base
class), so it runs in the per-file visitor and is cached with the facts.
"""

from __future__ import annotations

import ast
import builtins
import fnmatch
import re

__all__ = [
    "BUILTIN_CLASSES",
    "DOTTED_PATH",
    "ROOT_BASES",
    "ROOT_FUNCTION_NAMES",
    "ROOT_METHOD_NAMES",
    "FileRole",
    "built_prefix",
    "decorator_name",
    "is_dunder",
    "is_registering_decorator",
    "is_stub_body",
    "is_transparent_class_decorator",
    "safe_truth",
]

BUILTIN_CLASSES = frozenset(
    name for name in dir(builtins) if isinstance(getattr(builtins, name), type)
)
"""Base classes whose methods a project class cannot be overriding as a hook."""

# Decorators that neither register nor call the function: it stays a candidate.
_TRANSPARENT_FUNCTION = frozenset(
    {
        "staticmethod",
        "classmethod",
        "property",
        "cached_property",
        "cache",
        "lru_cache",
        "wraps",
        "contextmanager",
        "asynccontextmanager",
        "final",
        "deprecated",
    }
)
# Class decorators that do not register the class (its fields become roots).
_TRANSPARENT_CLASS = frozenset(
    {
        "dataclass",
        "define",
        "frozen",
        "mutable",
        "s",
        "attrs",
        "total_ordering",
        "final",
        "runtime_checkable",
        "unique",
        "deprecated",
    }
)

ROOT_BASES = frozenset({"AppConfig", "Migration", "BaseCommand", "Protocol"})
"""Base classes whose subclasses a framework finds by itself (Django loads app configs,
migrations and management commands by module path)."""

ROOT_FUNCTION_NAMES = frozenset(
    {
        "setup_module",
        "teardown_module",
        "setup_function",
        "teardown_function",
        "setup",
        "teardown",
        "load_tests",
        "setUpModule",
        "tearDownModule",
    }
)
"""Module-level functions test runners and importers call by name."""

ROOT_METHOD_NAMES = frozenset(
    {
        "setup_class",
        "teardown_class",
        "setup_method",
        "teardown_method",
        "setUp",
        "tearDown",
        "setUpClass",
        "tearDownClass",
        "asyncSetUp",
        "asyncTearDown",
    }
)
"""Methods test runners call by name."""

DOTTED_PATH = re.compile(r"[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+(?::[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)?")
"""A dotted path in a string (``"app.views.index"``, ``"pkg.cli:main"``): its parts are uses."""

_TEST_FILE = (
    "*/test/*",
    "*/tests/*",
    "test/*",
    "tests/*",
    "test*.py",
    "*/test*.py",
    "*[-_]test.py",
    "*/testing/*",
)
# Modules Django (and pytest) import by convention, never by an import statement.
_AUTODISCOVERED = frozenset({"models.py", "admin.py", "apps.py", "conftest.py", "signals.py"})
_ENTRY_NAMES = frozenset(
    {"__main__.py", "setup.py", "manage.py", "noxfile.py", "fabfile.py", "tasks.py", "conftest.py"}
)


def is_dunder(name: str) -> bool:
    """``__x__`` names: the language or a protocol calls them."""
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def decorator_name(node: ast.expr) -> str:
    """``app.route`` for ``@app.route("/")``, ``property`` for ``@property``; ``""`` if unnamed."""
    if isinstance(node, ast.Call):
        node = node.func
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
        return ".".join(reversed(parts))
    return ""


def is_registering_decorator(node: ast.expr) -> bool:
    """Whether a function decorator may register the function (a route, fixture, task,
    ``@overload``, ``@abstractmethod``, ``@x.setter``): anything but the known
    transparent ones (``staticmethod``, ``property``, ``functools.cache``...)."""
    name = decorator_name(node)
    return name.rpartition(".")[2] not in _TRANSPARENT_FUNCTION


def is_transparent_class_decorator(node: ast.expr) -> bool:
    """Whether a class decorator leaves the class itself a candidate (``@dataclass``)."""
    return decorator_name(node).rpartition(".")[2] in _TRANSPARENT_CLASS


def is_stub_body(body: list[ast.stmt]) -> bool:
    """A body that only documents or refuses (``...``, ``pass``, ``raise NotImplementedError``)."""
    for statement in body:
        if isinstance(statement, ast.Pass):
            continue
        if isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant):
            continue  # docstring or ``...``
        if isinstance(statement, ast.Raise):
            exc = statement.exc
            target = exc.func if isinstance(exc, ast.Call) else exc
            if isinstance(target, ast.Name) and target.id == "NotImplementedError":
                continue
        return False
    return True


def safe_truth(node: ast.expr, default: bool) -> bool:
    """The constant truth value of a condition, ``default`` where it is not constant
    (vulture's rule, so ``x and False`` is always false)."""
    if isinstance(node, ast.BoolOp):
        results = [safe_truth(value, default) for value in node.values]
        return all(results) if isinstance(node.op, ast.And) else any(results)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return not safe_truth(node.operand, not default)
    if isinstance(node, ast.Constant):
        return bool(node.value)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set, ast.Dict)):
        try:
            return bool(ast.literal_eval(node))
        except ValueError:
            return default
    return default


class FileRole:
    """What a file's path says about it (tests, migrations, entry points)."""

    def __init__(self, path: str) -> None:
        self.path = path
        name = path.rpartition("/")[2]
        self.name = name
        lowered = path.lower()
        self.is_init = name == "__init__.py"
        self.is_test = any(fnmatch.fnmatchcase(lowered, p) for p in _TEST_FILE) or (
            name == "conftest.py"
        )
        self.is_conftest = name == "conftest.py"
        self.is_migration = "/migrations/" in f"/{path}"
        self.is_command = "/management/commands/" in f"/{path}"
        self.is_settings = "settings" in name
        self.is_whitelist = "whitelist" in name
        self.is_entry_name = name in _ENTRY_NAMES or (
            name == "conf.py" and ("docs/" in path or "doc/" in path)
        )
        self.autodiscovered = name in _AUTODISCOVERED or "/templatetags/" in f"/{path}"

    @property
    def all_roots(self) -> bool:
        """Files whose every definition something outside the code calls."""
        return self.is_conftest or self.is_migration or self.is_whitelist

    @property
    def entry(self) -> bool:
        """Files run or imported by a tool rather than by the project's code."""
        return (
            self.is_init
            or self.is_test
            or self.is_migration
            or self.is_command
            or self.is_whitelist
            or self.is_entry_name
            or self.is_settings
            or self.autodiscovered
        )


def built_prefix(node: ast.AST) -> str:
    """The constant identifier prefix of a string built at run time, ``""`` if none:
    ``"visit_" + x``, ``f"do_{x}"``, ``"handle_%s" % x``, ``"on_{}".format(x)``."""
    text: object = None
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Mod)):
        text = node.left.value if isinstance(node.left, ast.Constant) else None
        if isinstance(node.op, ast.Mod) and isinstance(text, str):
            text = text.partition("%")[0]
    elif isinstance(node, ast.JoinedStr) and node.values:
        first = node.values[0]
        text = first.value if isinstance(first, ast.Constant) else None
    elif (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr == "format"
        and isinstance(node.func.value, ast.Constant)
    ):
        text = node.func.value.value
        text = text.partition("{")[0] if isinstance(text, str) else None
    return text if isinstance(text, str) and len(text) > 1 and text.isidentifier() else ""
