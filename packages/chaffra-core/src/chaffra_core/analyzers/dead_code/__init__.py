"""The dead-code module: vulture's kinds of unused code, project-wide and cached per file,
with roots for the frameworks and conventions that reach code without naming it.

The fixer and the whitelist writer load on first use (PEP 562): an analysis never needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from chaffra_core.analyzers.dead_code._module import DeadCodeModule
from chaffra_core.analyzers.dead_code._rules import Confidence
from chaffra_core.analyzers.dead_code._settings import Settings

if TYPE_CHECKING:
    from chaffra_core.analyzers.dead_code._fix import FileFix as FileFix
    from chaffra_core.analyzers.dead_code._fix import fix_findings as fix_findings
    from chaffra_core.analyzers.dead_code._fix import fix_source as fix_source
    from chaffra_core.analyzers.dead_code._fix import new_findings as new_findings
    from chaffra_core.analyzers.dead_code._whitelist import make_whitelist as make_whitelist

__all__ = [
    "Confidence",
    "DeadCodeModule",
    "FileFix",
    "Settings",
    "fix_findings",
    "fix_source",
    "make_whitelist",
    "new_findings",
]

_HOMES = {
    "FileFix": "_fix",
    "fix_findings": "_fix",
    "fix_source": "_fix",
    "new_findings": "_fix",
    "make_whitelist": "_whitelist",
}


def __getattr__(name: str) -> object:
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value: object = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
