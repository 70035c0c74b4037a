"""chaffra-mcp: chaffra's analyses as MCP tools an agent can call and afford.

:func:`create_server` builds the low-level ``mcp`` SDK server for a
:class:`ServerSettings`; :func:`serve_stdio` and :func:`serve_http` run it.
Every analysing tool call goes through ``chaffra_core.run_analysis``, so it is a
chaffra run like a CLI one, with its telemetry snapshot stored in the project.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib.metadata import version
from typing import TYPE_CHECKING, Any, TextIO

from chaffra_mcp._framing import MAX_MESSAGE_BYTES
from chaffra_mcp._http import DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT, TOKEN_ENV
from chaffra_mcp._paging import TOKEN_BUDGET, estimate_tokens
from chaffra_mcp._registry import TOOL_NAME_PATTERN
from chaffra_mcp._settings import ServerSettings
from chaffra_mcp.errors import McpServerError, ToolError, UsageError

if TYPE_CHECKING:
    from mcp.server import Server

    from chaffra_core import ModuleHost

__version__ = version("chaffra-mcp")

__all__ = [
    "DEFAULT_HTTP_HOST",
    "DEFAULT_HTTP_PORT",
    "MAX_MESSAGE_BYTES",
    "TOKEN_BUDGET",
    "TOKEN_ENV",
    "TOOL_NAME_PATTERN",
    "McpServerError",
    "ServerSettings",
    "ToolError",
    "UsageError",
    "__version__",
    "create_server",
    "estimate_tokens",
    "serve_http",
    "serve_stdio",
]


def create_server(
    settings: ServerSettings,
    *,
    module_host: ModuleHost | None = None,
    stderr: TextIO | None = None,
    budget: int = TOKEN_BUDGET,
) -> Server[Any]:
    """The MCP server for ``settings`` (an ``mcp.server.Server``; it binds and reads nothing).

    ``module_host`` defaults to ``ModuleHost.default()`` (built once, here);
    ``budget`` is the most a tool result may cost, in estimated tokens.
    """
    from chaffra_mcp._context import ToolContext
    from chaffra_mcp._dispatch import Dispatcher
    from chaffra_mcp._server import create_sdk_server
    from chaffra_mcp._tools import build_registry

    context = ToolContext(settings, host=module_host, stderr=stderr)
    dispatcher = Dispatcher(build_registry(context.host), context, budget=budget)
    return create_sdk_server(dispatcher)


def serve_stdio(settings: ServerSettings, *, module_host: ModuleHost | None = None) -> None:
    """Serve MCP on this process's stdin and stdout until end of input.

    While serving, fd 1 points at stderr and fd 0 at the null device, so only
    protocol frames reach the real stdout; both are restored on return.
    """
    import anyio

    from chaffra_mcp._stdio import claim_std_streams, serve_streams

    claimed = claim_std_streams()
    try:
        server = create_server(settings, module_host=module_host)
        anyio.run(serve_streams, server, claimed.stdin, claimed.stdout)
    finally:
        claimed.release()


def serve_http(
    settings: ServerSettings,
    *,
    host: str = DEFAULT_HTTP_HOST,
    port: int = DEFAULT_HTTP_PORT,
    token: str | None = None,
    module_host: ModuleHost | None = None,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Serve MCP over streamable HTTP at ``http://host:port/mcp`` until SIGINT/SIGTERM.

    ``on_ready`` gets the endpoint URL once the socket listens (port 0 picks one).

    Raises:
        UsageError: a non-loopback ``host`` without ``token``.
        OSError: the address cannot be bound.
    """
    import uvicorn

    from chaffra_mcp._http import bind, http_app, require_safe_bind, url_of

    require_safe_bind(host, token)
    server = create_server(settings, module_host=module_host)
    sock = bind(host, port)
    app = http_app(server, host=host, port=sock.getsockname()[1], token=token)
    config = uvicorn.Config(app, log_level="warning", lifespan="on", access_log=False)
    if on_ready is not None:
        on_ready(url_of(sock))
    uvicorn.Server(config).run(sockets=[sock])
