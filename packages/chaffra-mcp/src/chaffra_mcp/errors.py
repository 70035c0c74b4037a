"""Errors of chaffra-mcp. ``ToolError`` becomes a tool result with ``isError``; the rest are
the server operator's mistakes (bad roots, an unsafe bind) reported before serving."""

from __future__ import annotations

from chaffra_telemetry.errors import ChaffraError

__all__ = ["McpServerError", "ToolError", "UsageError"]


class McpServerError(ChaffraError):
    """Base of chaffra-mcp's errors."""


class ToolError(McpServerError):
    """A tool call failed for a reason the caller can act on (bad path, config, rule, cursor).

    The message is the whole error result the client sees, so it names the problem.
    """


class UsageError(McpServerError, ValueError):
    """The server was started with settings it refuses (a missing root, a remote bind without
    a token)."""
