"""``chaffra management``: serve a project's telemetry on a local dashboard."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from chaffra_cli._commands_analysis import resolve_config
from chaffra_cli._options import SETTINGS_OPTIONS, GlobalOptions, pass_globals
from chaffra_cli._progress import progress_reporter
from chaffra_management import DEFAULT_PORT

if TYPE_CHECKING:
    from chaffra_core import EffectiveConfig
    from chaffra_management import Served

__all__ = ["management", "prepare_management"]


def prepare_management(options: GlobalOptions, config: EffectiveConfig, *, seeded: bool) -> Served:
    """Build the state to serve for the resolved ``config`` (binds nothing).

    The order is chaffra_management's :func:`~chaffra_management.select_served`:
    ``off`` (flag or file) gives an empty state with no analysis and no file
    written; ``seeded`` gives the demo data; otherwise one analysis of the
    project is stored in ``<project>/.chaffra/telemetry.db`` and the state
    follows that store, so later runs of any chaffra process show up live.
    When the project's history cannot be used (an unsafe ``.chaffra``), the
    state holds nothing but is still served.
    """
    from chaffra_management import select_served
    from chaffra_telemetry.store import SqliteStore

    def follow() -> tuple[SqliteStore, str]:
        from chaffra_core import run_analysis

        enabled = not (options.quiet or options.no_progress)
        with progress_reporter(enabled=enabled) as progress:
            result = run_analysis(
                config, command="management", progress=progress, stderr=sys.stderr
            )
        if not options.quiet:
            click.echo(
                f"Analysed {result.files_analyzed} files: {len(result.findings)} findings.",
                err=True,
            )
        store = SqliteStore.for_project(config.project_root)
        mode = (
            f"live, following {store.path}"
            if store.persistent
            else "live, without history (the project's .chaffra cannot be used)"
        )
        return store, mode

    return select_served(config.telemetry, seeded=seeded, follow=follow)


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
@pass_globals(accepts=SETTINGS_OPTIONS | {"no_progress"})
def management(options: GlobalOptions, path: Path, port: int, seeded: bool) -> None:
    """Serve the telemetry dashboard, REST API and Prometheus /metrics of the project at PATH.

    \b
    Modes:
      live     (default) analyses PATH once, then serves the project's history
               from <project>/.chaffra/telemetry.db; every later chaffra run on
               the project appears without a restart.
      seeded   (--seeded) deterministic demo data; nothing is analysed or written.
      empty    under --telemetry off (flag or [modules.telemetry]): no analysis,
               no data, nothing written; off always wins over the other modes.

    The configuration is checked first, then the port is bound, then PATH is
    analysed: a taken port fails before anything is written. Binds 127.0.0.1
    only and prints the dashboard URL on stderr. Stop with Ctrl+C (or
    SIGTERM): the server shuts down cleanly and exits 0.
    """
    import chaffra_management

    config = resolve_config(options, path)
    status = chaffra_management.run_server(
        lambda: prepare_management(options, config, seeded=seeded), port=port
    )
    if status:
        raise click.exceptions.Exit(status)
