"""The dead-code rules: ids, confidences, messages and explanations."""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from chaffra_core._findings import Rule, Severity, qualify

__all__ = [
    "EXPLANATIONS",
    "KIND_RULES",
    "MODULE_ID",
    "REDUNDANT_CONDITION",
    "RULES",
    "UNREACHABLE_CODE",
    "UNUSED_ARGUMENT",
    "UNUSED_ATTRIBUTE",
    "UNUSED_CLASS",
    "UNUSED_FILE",
    "UNUSED_FUNCTION",
    "UNUSED_IMPORT",
    "UNUSED_METHOD",
    "UNUSED_VARIABLE",
    "Confidence",
]

MODULE_ID = "dead-code"
UNUSED_IMPORT = qualify(MODULE_ID, "unused-import")
UNUSED_FUNCTION = qualify(MODULE_ID, "unused-function")
UNUSED_CLASS = qualify(MODULE_ID, "unused-class")
UNUSED_METHOD = qualify(MODULE_ID, "unused-method")
UNUSED_ATTRIBUTE = qualify(MODULE_ID, "unused-attribute")
UNUSED_VARIABLE = qualify(MODULE_ID, "unused-variable")
UNUSED_ARGUMENT = qualify(MODULE_ID, "unused-argument")
UNREACHABLE_CODE = qualify(MODULE_ID, "unreachable-code")
UNUSED_FILE = qualify(MODULE_ID, "unused-file")
REDUNDANT_CONDITION = qualify(MODULE_ID, "redundant-condition")


class Confidence:
    """How sure a finding is, 0-100 as vulture's (the default shows 60 and up).

    A name that no file of the project uses is dead unless something reaches
    it dynamically: a public name may be a library's API (60), a private one
    is not (80), a member that may override an external base class's hook is
    below the default (50). What one file proves on its own (an unused local,
    unreachable statements, a constant condition) is certain (100).
    """

    CERTAIN = 100
    IMPORT = 90
    PRIVATE = 80
    PUBLIC = 60
    MAYBE_HOOK = 50
    DEFAULT_MINIMUM = 60


# Definition kinds as the visitor records them, and the rule each one reports.
KIND_RULES: Mapping[str, str] = MappingProxyType(
    {
        "import": UNUSED_IMPORT,
        "function": UNUSED_FUNCTION,
        "class": UNUSED_CLASS,
        "method": UNUSED_METHOD,
        "property": UNUSED_METHOD,
        "attribute": UNUSED_ATTRIBUTE,
        "variable": UNUSED_VARIABLE,
        "argument": UNUSED_ARGUMENT,
        "file": UNUSED_FILE,
    }
)


def _rule(rule_id: str, name: str, description: str, severity: Severity) -> Rule:
    return Rule(
        id=rule_id,
        name=name,
        description=description,
        default_severity=severity,
        category="dead-code",
    )


RULES = (
    _rule(UNUSED_IMPORT, "Unused import", "An imported name is never used.", Severity.WARNING),
    _rule(
        UNUSED_FUNCTION,
        "Unused function",
        "A function no file of the project calls or refers to.",
        Severity.WARNING,
    ),
    _rule(
        UNUSED_CLASS,
        "Unused class",
        "A class no file of the project refers to.",
        Severity.WARNING,
    ),
    _rule(
        UNUSED_METHOD,
        "Unused method",
        "A method or property whose name no file of the project uses.",
        Severity.WARNING,
    ),
    _rule(
        UNUSED_ATTRIBUTE,
        "Unused attribute",
        "An attribute that is set but whose name is never read.",
        Severity.WARNING,
    ),
    _rule(
        UNUSED_VARIABLE,
        "Unused variable",
        "A variable that is assigned but never read.",
        Severity.WARNING,
    ),
    _rule(
        UNUSED_ARGUMENT,
        "Unused argument",
        "A function parameter the body never reads (off unless `unused-argument = true`).",
        Severity.INFO,
    ),
    _rule(
        UNREACHABLE_CODE,
        "Unreachable code",
        "Statements that can never run.",
        Severity.WARNING,
    ),
    _rule(
        UNUSED_FILE,
        "Unused file",
        "A module nothing imports that is not an entry point.",
        Severity.INFO,
    ),
    _rule(
        REDUNDANT_CONDITION,
        "Redundant condition",
        "A condition whose value is constant.",
        Severity.WARNING,
    ),
)

_NAME_BASED = (
    " Liveness is project-wide and by name, as vulture's: a definition is used when "
    "any file of the project uses its name (as a variable, an attribute, in `__all__`, "
    "in a `getattr`/`hasattr` string or a dotted-path string such as a Django setting)."
)
_ROOTS = (
    " Roots are never reported: dunder names, definitions with a registering decorator "
    "(routes, fixtures, tasks, `@overload`, `@x.setter`, abstract methods), fields of "
    "dataclass/attrs/pydantic/NamedTuple/TypedDict/enum and other classes with bases, "
    "tests, conftest, migrations and management commands, pyproject entry points."
)

EXPLANATIONS: Mapping[str, tuple[str, str, tuple[str, ...]]] = MappingProxyType(
    {
        UNUSED_IMPORT: (
            "An import binds a name the file never reads (not in code, string annotations "
            "or `__all__`), and no other file imports the name from this module. "
            "`__init__.py` re-exports, `import x as x`, star and `__future__` imports are "
            "never reported. Confidence 90 (as vulture's); 50 for an availability check "
            "(`try`/`except ImportError`), a public name from a private module and a name "
            "read as an attribute elsewhere (a likely re-export).",
            "Unused imports slow start-up, create false dependencies and hide real ones. "
            "`chaffra fix --dead-code` removes them safely and leaves `# noqa: F401` lines.",
            ("import os  # unused import `os`\n\ndef main():\n    return 1",),
        ),
        UNUSED_FUNCTION: (
            "A function whose name no file uses. Confidence 60 for a public name (it may "
            "be a library's API), 80 for a private one." + _NAME_BASED + _ROOTS,
            "Dead functions cost reading, testing and maintenance and mislead readers.",
            ("def _old_helper():  # never called\n    ...",),
        ),
        UNUSED_CLASS: (
            "A class whose name no file uses. Confidence 60 (80 when private); 50 when a "
            "base class outside the project may register it (a plugin metaclass)."
            + _NAME_BASED
            + _ROOTS,
            "Unused classes are dead weight and keep their imports alive.",
            ("class _Legacy:  # nothing refers to it\n    ...",),
        ),
        UNUSED_METHOD: (
            "A method or property whose name no file uses. Confidence 60; 50 when the class "
            "derives from a class outside the project (the method may override one of its "
            "hooks, e.g. a Django `save` or a `visit_Name`)." + _NAME_BASED + _ROOTS,
            "An unused method is never run, so it is also never tested.",
            (
                "class Cart:\n    def legacy_total(self):  # nothing calls .legacy_total\n"
                "        ...",
            ),
        ),
        UNUSED_ATTRIBUTE: (
            "An attribute set with `obj.name = ...` whose name is never read anywhere. "
            "Confidence 60 on `self`/`cls`, 50 on other objects (a framework may read it, "
            "e.g. a Django admin `short_description`)." + _NAME_BASED,
            "Writes nobody reads are wasted work and often left over from a refactoring.",
            ("class Job:\n    def __init__(self):\n        self.retries = 3  # never read",),
        ),
        UNUSED_VARIABLE: (
            "A function-local variable assigned and never read in the function (nor in "
            "nested functions): certain, confidence 100, unless the function calls "
            "`locals()`, `vars()`, `eval` or `exec`. Module and class variables are "
            "name-based (confidence 60); names starting with `_`, dunder names, "
            "tuple-unpacking and loop targets are never reported.",
            "An unused variable is usually a bug (a result that should have been used) or "
            "leftover code.",
            ("def total(items):\n    count = len(items)  # never read\n    return sum(items)",),
        ),
        UNUSED_ARGUMENT: (
            "A parameter the function body never reads. Off by default "
            "(`[modules.dead-code] unused-argument = true`). `self`/`cls`, names starting "
            "with `_`, stub bodies (`...`, `pass`, `raise NotImplementedError`) and "
            "decorated functions are skipped; in a class with bases the method may have "
            "to keep its signature (confidence 50), otherwise 100.",
            "Unused parameters mislead callers about what a function needs.",
            ("def send(message, retries):  # `retries` is never read\n    post(message)",),
        ),
        UNREACHABLE_CODE: (
            "Statements after `return`, `raise`, `continue` or `break`, after a "
            "`while True` loop without `break`, the `else` of a `while True` loop, the "
            "`else` of an `if` whose condition is always true and the `else` of a `try` "
            "whose body always leaves. Confidence 100.",
            "Code that cannot run is either a bug or clutter.",
            ("def f():\n    return 1\n    print('never')  # unreachable",),
        ),
        UNUSED_FILE: (
            "A module of a package that no file imports (by `import`, `from ... import`, "
            "or a dotted-path string like Django's `INSTALLED_APPS`) and that is not an "
            "entry point (`__main__`, scripts with a `__main__` block or a shebang, tests, "
            "conftest, migrations, management commands, pyproject scripts, `[project] "
            "entry` globs, Django's autodiscovered modules). Confidence 80 for a private "
            "module, 50 for a public one (a library's users may import it).",
            "A module nobody imports is not part of the program.",
            ("pkg/_old_backend.py  # nothing imports pkg._old_backend",),
        ),
        REDUNDANT_CONDITION: (
            "An `if`, `while` or conditional expression whose condition is a constant "
            "(`if False:`, `if 0:`, `x if True else y`, `if True:` without `else`). "
            "`while True:` is an idiom and is not reported. Confidence 100.",
            "A constant condition is dead code in disguise, often a debugging switch left on.",
            ("if False:  # the body never runs\n    debug()",),
        ),
    }
)
