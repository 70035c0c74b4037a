"""The dead-code module: vulture's kinds of unused code, project-wide and cached per file,
with roots for the frameworks and conventions that reach code without naming it."""

from __future__ import annotations

from chaffra_core.analyzers.dead_code._fix import FileFix, fix_findings, fix_source, new_findings
from chaffra_core.analyzers.dead_code._module import DeadCodeModule
from chaffra_core.analyzers.dead_code._rules import Confidence
from chaffra_core.analyzers.dead_code._settings import Settings
from chaffra_core.analyzers.dead_code._whitelist import make_whitelist

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
