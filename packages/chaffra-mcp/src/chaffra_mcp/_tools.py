"""The server's tools: one registry entry each, analysis tools included only for present modules."""

from __future__ import annotations

from chaffra_core import ModuleHost
from chaffra_mcp._analysis import AnalysisTool, analysis_spec, health_spec
from chaffra_mcp._changes import changes_spec
from chaffra_mcp._explain import explain_spec
from chaffra_mcp._registry import ToolRegistry
from chaffra_mcp._telemetry_tool import telemetry_spec

__all__ = ["ANALYSIS_TOOLS", "build_registry"]

_PAGED = (
    " Findings come most important first (severity, then how far past the threshold), "
    "paged within a token budget: pass `cursor` for more. Each call is one chaffra run: its "
    "telemetry snapshot is stored in the project's .chaffra/telemetry.db like a CLI run."
)

ANALYSIS_TOOLS = (
    AnalysisTool(
        name="chaffra_complexity",
        title="Complexity findings",
        description="Functions and methods of the Python project at `path` whose cyclomatic "
        "(radon's numbers) or cognitive (complexipy's) complexity exceeds the thresholds of "
        "[modules.complexity]." + _PAGED,
        modules=("complexity",),
        command="complexity",
        alias="chaffra/complexity",
    ),
    AnalysisTool(
        name="chaffra_dead_code",
        title="Dead code",
        description="Unused functions, classes, imports and variables of the Python project "
        "at `path`." + _PAGED,
        modules=("dead-code",),
        command="dead-code",
        alias="chaffra/dead-code",
    ),
    AnalysisTool(
        name="chaffra_security",
        title="Security findings",
        description="Security issues (risky calls, injection, secrets) of the Python project "
        "at `path`; secrets are redacted." + _PAGED,
        modules=("security",),
        command="security",
        alias="chaffra/security",
    ),
)
"""Analysis tools by module; one is listed only when every module it runs is in the host."""


def build_registry(host: ModuleHost) -> ToolRegistry:
    """Health, the analysis tools whose modules ``host`` has, explain, telemetry and changes."""
    available = set(host.ids())
    registry = ToolRegistry()
    if "complexity" in available:
        registry.register(health_spec())
    for tool in ANALYSIS_TOOLS:
        if available.issuperset(tool.modules):
            registry.register(analysis_spec(tool))
    registry.register(explain_spec())
    registry.register(telemetry_spec())
    registry.register(changes_spec(tuple(host.ids())))
    return registry
