"""The built-in analysis modules (external ones register under ``chaffra.modules``)."""

from __future__ import annotations

from collections.abc import Callable

from chaffra_core._module import AnalysisModule
from chaffra_core.analyzers.complexity import ComplexityModule
from chaffra_core.analyzers.dead_code import DeadCodeModule
from chaffra_core.analyzers.security import SecurityModule

__all__ = ["BUILTIN_MODULES"]

BUILTIN_MODULES: tuple[Callable[[], AnalysisModule], ...] = (
    ComplexityModule,
    DeadCodeModule,
    SecurityModule,
)
"""Factories of the built-in modules, in the order their results are reported."""
