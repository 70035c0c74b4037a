"""``chaffra_explain``: what a rule means, from the same module host as the CLI's ``explain``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chaffra_core.errors import ModuleNotFound, RuleNotFound
from chaffra_mcp._context import ToolContext
from chaffra_mcp._registry import ToolOutcome, ToolSpec
from chaffra_mcp._schema import object_schema
from chaffra_mcp.errors import ToolError

__all__ = ["explain_spec"]

_TEXT = {"type": "string"}


def _handle(context: ToolContext, arguments: Mapping[str, Any]) -> ToolOutcome:
    rule_id: str = arguments["rule_id"]
    try:
        explanation = context.host.explain(rule_id)
    except (ModuleNotFound, RuleNotFound) as error:
        raise ToolError(f"Rule not found: {error}") from error
    structured = {
        "rule_id": explanation.rule_id,
        "name": explanation.name,
        "description": explanation.description,
        "rationale": explanation.rationale,
        "default_severity": explanation.default_severity.value,
        "suppression_syntax": explanation.suppression_syntax,
        "examples": list(explanation.examples),
    }
    summary = (
        f"{explanation.rule_id}: {explanation.name} "
        f"(default severity {explanation.default_severity.value})."
    )
    return ToolOutcome(summary=summary, structured=structured)


def explain_spec() -> ToolSpec:
    """The ``chaffra_explain`` tool."""
    return ToolSpec(
        name="chaffra_explain",
        title="Explain a rule",
        description=(
            "What a chaffra rule checks, why it matters, its default severity, how to suppress "
            "it and examples. `rule_id` is `module:rule` (e.g. `complexity:high-cyclomatic`) or "
            "a bare rule name. Reads nothing from the project and records no telemetry."
        ),
        input_schema=object_schema(
            {
                "rule_id": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 200,
                    "description": "`module:rule` or a bare rule name",
                }
            },
            required=("rule_id",),
        ),
        output_schema=object_schema(
            {
                "rule_id": _TEXT,
                "name": _TEXT,
                "description": _TEXT,
                "rationale": _TEXT,
                "default_severity": {"type": "string", "enum": ["info", "warning", "error"]},
                "suppression_syntax": _TEXT,
                "examples": {"type": "array", "items": _TEXT},
            },
            required=(
                "rule_id",
                "name",
                "description",
                "rationale",
                "default_severity",
                "suppression_syntax",
                "examples",
            ),
        ),
        handler=_handle,
        aliases=("chaffra/explain",),
        read_only=True,
    )
