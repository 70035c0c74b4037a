"""The complexity module: radon-exact cyclomatic and complexipy-exact cognitive
complexity of every function and method, findings above the thresholds and the
0-100 health score with an A-F grade."""

from __future__ import annotations

from chaffra_core.analyzers.complexity._health import (
    HEALTH_MODEL,
    HEALTH_MODELS,
    Thresholds,
    file_health,
    project_score,
)
from chaffra_core.analyzers.complexity._module import ComplexityModule, measure

__all__ = [
    "HEALTH_MODEL",
    "HEALTH_MODELS",
    "ComplexityModule",
    "Thresholds",
    "file_health",
    "measure",
    "project_score",
]
