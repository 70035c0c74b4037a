"""How a user calls chaffra-mcp: read by the type checker, never run."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from mcp.server import Server

from chaffra_core import CliOverrides, ModuleHost
from chaffra_mcp import (
    DEFAULT_HTTP_PORT,
    TOKEN_BUDGET,
    TOOL_NAME_PATTERN,
    ServerSettings,
    ToolError,
    UsageError,
    create_server,
    serve_http,
    serve_stdio,
)


def settings_for(project: Path) -> ServerSettings:
    return ServerSettings.create(
        [project, project / "vendor"],
        config_path=project / ".chaffra.toml",
        overrides=CliOverrides(telemetry="user-only"),
    )


def embed(project: Path) -> Server[Any]:
    # An MCP SDK server to mount or drive yourself (e.g. with mcp.Client(server)).
    return create_server(settings_for(project), module_host=ModuleHost.default(), budget=4000)


def run_on_stdio(project: Path) -> None:
    serve_stdio(settings_for(project))


def run_on_http(project: Path) -> None:
    def announce(url: str) -> None:
        print(f"MCP endpoint: {url}", file=sys.stderr)

    try:
        serve_http(settings_for(project), port=DEFAULT_HTTP_PORT, token=None, on_ready=announce)
    except UsageError as error:
        print(error, file=sys.stderr)


def valid(name: str) -> bool:
    return TOOL_NAME_PATTERN.fullmatch(name) is not None and TOKEN_BUDGET < 10_000


def message_of(error: ToolError) -> str:
    return str(error)
