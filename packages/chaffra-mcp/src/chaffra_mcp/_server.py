"""The MCP SDK adapter: the registry as a low-level ``mcp.server.Server``.

The low-level server (not ``MCPServer``) keeps the hand-written schemas and
names exactly as registered. It serves both protocol generations the SDK
knows: the ``initialize`` handshake (2024-11-05 to 2025-11-25) and the
stateless 2026-07-28 generation (``server/discover`` and per-request
envelopes). Tool calls run in a worker thread (analysis is CPU-bound); a
cancelled call's thread still finishes, so its telemetry is never half-written.
"""

from __future__ import annotations

import json
from typing import Any

import anyio
from mcp import types
from mcp.server import Server
from mcp.server.context import ServerRequestContext
from mcp.shared.exceptions import MCPError

from chaffra_mcp._dispatch import Dispatcher, UnknownTool
from chaffra_mcp._registry import ToolOutcome, ToolSpec
from chaffra_mcp._version import VERSION

__all__ = ["INSTRUCTIONS", "SERVER_NAME", "create_sdk_server"]

SERVER_NAME = "chaffra"
INSTRUCTIONS = (
    "chaffra analyses Python projects inside this server's roots: health score, complexity "
    "findings, rule explanations, the project's telemetry, and changes since a baseline. "
    "Results are paged: pass a result's page.next_cursor as `cursor` for more. To check an "
    "edit, call chaffra_changes before and after it."
)
# Revisions from before structured tool output (2025-06-18): their clients read only the text.
_TEXT_ONLY_VERSIONS = frozenset({"2024-11-05", "2025-03-26"})


def _tool(spec: ToolSpec) -> types.Tool:
    return types.Tool(
        name=spec.name,
        title=spec.title,
        description=spec.description,
        input_schema=dict(spec.input_schema),
        output_schema=dict(spec.output_schema),
        annotations=types.ToolAnnotations(
            title=spec.title,
            read_only_hint=spec.read_only,
            destructive_hint=False,
            idempotent_hint=True,
            open_world_hint=False,
        ),
    )


def _result(outcome: ToolOutcome, protocol_version: str | None) -> types.CallToolResult:
    text = outcome.summary
    if outcome.structured is not None and protocol_version in _TEXT_ONLY_VERSIONS:
        text += "\n" + json.dumps(outcome.structured, separators=(",", ":"), ensure_ascii=False)
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=text)],
        structured_content=None if outcome.is_error else outcome.structured,
        is_error=outcome.is_error,
    )


def create_sdk_server(dispatcher: Dispatcher) -> Server[Any]:
    """A low-level SDK server exposing ``dispatcher``'s tools (and only tools)."""
    listed = types.ListToolsResult(tools=[_tool(spec) for spec in dispatcher.registry])

    async def list_tools(
        _ctx: ServerRequestContext[Any], _params: types.PaginatedRequestParams | None
    ) -> types.ListToolsResult:
        return listed

    async def call_tool(
        ctx: ServerRequestContext[Any], params: types.CallToolRequestParams
    ) -> types.CallToolResult:
        if dispatcher.registry.lookup(params.name) is None:
            raise MCPError(code=types.INVALID_PARAMS, message=str(UnknownTool(params.name)))

        def run() -> ToolOutcome:
            return dispatcher.call(params.name, params.arguments)

        outcome = await anyio.to_thread.run_sync(run)
        return _result(outcome, ctx.protocol_version)

    def input_schema(name: str) -> dict[str, Any] | None:
        spec = dispatcher.registry.lookup(name)
        return None if spec is None else dict(spec.input_schema)

    server: Server[Any] = Server(
        SERVER_NAME,
        version=VERSION,
        instructions=INSTRUCTIONS,
        get_tool_input_schema=input_schema,
        on_list_tools=list_tools,
        on_call_tool=call_tool,
    )
    # The SDK's default OpenTelemetry middleware would export a span per message (tool names,
    # arguments) to whatever tracer the process has, outside chaffra's audience projection.
    server.middleware = []
    return server
