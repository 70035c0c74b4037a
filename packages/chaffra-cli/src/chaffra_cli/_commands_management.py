"""``chaffra management``: serve a project's telemetry on a local dashboard."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import click

from chaffra_cli._commands_analysis import resolve_config
from chaffra_cli._options import GlobalOptions, pass_globals
from chaffra_cli._progress import progress_reporter

if TYPE_CHECKING:
    from chaffra_core._config import EffectiveConfig
    from chaffra_telemetry import LiveTelemetryState, SqliteStore

__all__ = ["ManagementState", "management", "prepare_management"]

DEFAULT_PORT = 9100


@attrs.frozen(kw_only=True)
class ManagementState:
    """What the server serves: the config, the live state and how it was made."""

    config: EffectiveConfig
    live_state: LiveTelemetryState
    mode: str
    store: SqliteStore | None = None


def prepare_management(options: GlobalOptions, path: Path, *, seeded: bool) -> ManagementState:
    """Resolve the configuration of ``path`` and build the state to serve (binds nothing).

    ``off`` (flag or file) gives an empty state with no analysis and no file
    written; ``seeded`` gives the demo data; otherwise one analysis of
    ``path`` is stored in ``<project>/.chaffra/telemetry.db`` and the state
    follows that store, so later runs of any chaffra process show up live.

    Raises:
        chaffra_core.ConfigError: the configuration is invalid (before any I/O).
    """
    from chaffra_telemetry import (
        LiveTelemetryState,
        SqliteStore,
        TelemetryAudience,
        seed_live_state,
    )

    config = resolve_config(options, path)
    if config.telemetry.audience is TelemetryAudience.OFF:
        return ManagementState(
            config=config, live_state=LiveTelemetryState(), mode="empty (telemetry off)"
        )
    if seeded:
        return ManagementState(config=config, live_state=seed_live_state(), mode="seeded demo data")
    from chaffra_core._pipeline import run_analysis

    enabled = not (options.quiet or options.no_progress)
    with progress_reporter(enabled=enabled) as progress:
        result = run_analysis(config, command="management", progress=progress, stderr=sys.stderr)
    if not options.quiet:
        click.echo(
            f"Analysed {result.files_analyzed} files: {len(result.findings)} findings.", err=True
        )
    store = SqliteStore.for_project(config.project_root)
    return ManagementState(
        config=config,
        live_state=LiveTelemetryState(store),
        mode=f"live, following {store.path}",
        store=store,
    )


@click.command(short_help="Serve a project's telemetry dashboard and API.")
@click.argument(
    "path",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=".",
    required=False,
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="Port on 127.0.0.1 (0 picks a free one).",
)
@click.option("--seeded", is_flag=True, help="Serve deterministic demo data instead.")
@pass_globals
def management(options: GlobalOptions, path: Path, port: int, seeded: bool) -> None:
    """Serve the telemetry dashboard and REST API of the project at PATH (default: .).

    \b
    Modes:
      live     (default) analyses PATH once, then serves the project's history
               from <project>/.chaffra/telemetry.db; every later chaffra run on
               the project appears without a restart.
      seeded   (--seeded) deterministic demo data; nothing is analysed or written.
      empty    under --telemetry off (flag or [modules.telemetry]): no analysis,
               no data, nothing written; off always wins over the other modes.

    Binds 127.0.0.1 only and prints the dashboard URL on stderr. Stop with
    Ctrl+C (or SIGTERM): the server shuts down cleanly and exits 0.
    """
    from chaffra_management import create_app, serve

    state = prepare_management(options, path, seeded=seeded)
    app = create_app(telemetry_config=state.config.telemetry, live_state=state.live_state)
    audience = state.config.telemetry.audience.value

    def announce(url: str) -> None:
        lines = [f"Dashboard: {url}", f"API: {url}api/v1/", f"Mode: {state.mode}"]
        lines.append(f"Audience: {audience}")
        click.echo("\n".join(lines), err=True)
        sys.stderr.flush()

    try:
        serve(app, port=port, on_ready=announce)
    finally:
        if state.store is not None:
            state.store.close()
