"""One tool call, transport-free: look up, validate, run, page; never raise for a tool's failure.

Everything the handler raises becomes an error result (a caller's mistake with
its message, anything else as ``Internal error: <type>: <message>`` with the
traceback on stderr), so a failing tool never takes the server down.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from typing import Any

from chaffra_mcp._arguments import ArgumentValidator
from chaffra_mcp._context import ToolContext
from chaffra_mcp._paging import DEFAULT_LIMIT, TOKEN_BUDGET, render_page
from chaffra_mcp._registry import Listing, ToolOutcome, ToolRegistry, ToolSpec
from chaffra_mcp.errors import ToolError

__all__ = ["Dispatcher", "UnknownTool"]


class UnknownTool(LookupError):
    """No tool has that name (a protocol error, not a tool result)."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"Unknown tool: {name}")


class Dispatcher:
    """Calls tools of ``registry`` with ``context``; results stay within ``budget`` tokens."""

    def __init__(
        self, registry: ToolRegistry, context: ToolContext, *, budget: int = TOKEN_BUDGET
    ) -> None:
        self.registry = registry
        self.context = context
        self._budget = budget
        self._validators = {spec.name: ArgumentValidator(spec.input_schema) for spec in registry}

    def call(self, name: str, arguments: Mapping[str, Any] | None) -> ToolOutcome:
        """Run tool ``name`` (or an alias) with ``arguments``.

        Raises:
            UnknownTool: no tool is called ``name``.
        """
        spec = self.registry.lookup(name)
        if spec is None:
            raise UnknownTool(name)
        try:
            return self._call(spec, arguments)
        except ToolError as error:
            return ToolOutcome.error(str(error))
        except Exception as error:  # a tool's bug must not take the server down
            traceback.print_exc(file=self.context.stderr)
            return ToolOutcome.error(f"Internal error: {type(error).__name__}: {error}")

    def _call(self, spec: ToolSpec, arguments: Mapping[str, Any] | None) -> ToolOutcome:
        values = self._validators[spec.name].validate(arguments)
        limit: int = values.get("limit", DEFAULT_LIMIT)
        # Only tools that declare a cursor page; elsewhere it is an ignored unknown argument.
        cursor = values.get("cursor") if "cursor" in spec.input_schema["properties"] else None
        if cursor is not None:
            listing_id, listing, offset = self.context.pages.resolve(spec.name, cursor)
            return render_page(listing_id, listing, offset=offset, limit=limit, budget=self._budget)
        outcome = spec.handler(self.context, values)
        if isinstance(outcome, Listing):
            listing_id = self.context.pages.store(spec.name, outcome)
            return render_page(listing_id, outcome, offset=0, limit=limit, budget=self._budget)
        return outcome
