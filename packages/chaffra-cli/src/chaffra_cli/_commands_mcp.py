"""``chaffra mcp``: serve chaffra's tools to AI agents over the Model Context Protocol."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from chaffra_cli._options import SETTINGS_OPTIONS, GlobalOptions, pass_globals

__all__ = ["mcp"]


@click.command(short_help="Serve chaffra's tools to AI agents (MCP over stdio or HTTP).")
@click.option(
    "--root",
    "roots",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Directory the tools may analyse (repeatable; default: the working directory).",
)
@click.option("--http", "use_http", is_flag=True, help="Serve streamable HTTP instead of stdio.")
@click.option("--host", default="127.0.0.1", show_default=True, help="HTTP address to bind.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=9101,
    show_default=True,
    help="HTTP port (0 picks a free one).",
)
@click.option(
    "--token",
    default=None,
    help="Bearer token every HTTP request must carry (or $CHAFFRA_MCP_TOKEN); "
    "required for a non-loopback --host.",
)
@pass_globals(accepts=SETTINGS_OPTIONS)
def mcp(
    options: GlobalOptions,
    *,
    roots: tuple[Path, ...],
    use_http: bool,
    host: str,
    port: int,
    token: str | None,
) -> None:
    """Serve chaffra over the Model Context Protocol (stdio by default).

    \b
    Tools: chaffra_health, chaffra_complexity, chaffra_explain,
    chaffra_telemetry, chaffra_changes (and chaffra_dead_code,
    chaffra_security when those analyzers are installed). Paths outside the
    roots are refused. Each analysing call is a chaffra run: its telemetry
    snapshot goes to <project>/.chaffra/telemetry.db, so `chaffra management`
    shows MCP-driven runs. --config and the --telemetry flags apply to every
    call; the project configuration is re-read on each call.

    On stdio, stdout carries protocol messages only (stray output goes to
    stderr). With --http the endpoint is http://HOST:PORT/mcp, loopback only
    unless a token is given.
    """
    from chaffra_cli._commands_analysis import cli_overrides
    from chaffra_mcp import TOKEN_ENV, ServerSettings, UsageError, serve_http, serve_stdio

    settings = ServerSettings.create(
        roots, config_path=options.config, overrides=cli_overrides(options)
    )
    if not use_http:
        serve_stdio(settings)
        return
    token = token or os.environ.get(TOKEN_ENV) or None

    def announce(url: str) -> None:
        roots_text = ", ".join(str(root) for root in settings.roots)
        click.echo(f"MCP endpoint: {url}\nRoots: {roots_text}", err=True)
        sys.stderr.flush()

    try:
        serve_http(settings, host=host, port=port, token=token, on_ready=announce)
    except UsageError as error:
        raise click.UsageError(str(error)) from None
