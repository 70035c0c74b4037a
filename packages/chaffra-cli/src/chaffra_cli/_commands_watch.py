"""``chaffra watch``: re-analyse what changed, one chaffra run per debounced batch of edits."""

from __future__ import annotations

import gc
import signal
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from chaffra_cli._commands_analysis import resolve_config
from chaffra_cli._options import SETTINGS_OPTIONS, GlobalOptions, pass_globals

if TYPE_CHECKING:
    from chaffra_core import Finding, ProjectSession, RunResult
    from chaffra_management import Served

__all__ = ["watch"]

COMMAND = "watch"


def _render(result: RunResult) -> str:
    from chaffra_core.output import OutputFormat, render

    return render(result, OutputFormat.TERMINAL, color=False, tool_version="watch")


def _changes(findings: dict[str, tuple[Finding, ...]], before: dict[str, int]) -> list[str]:
    lines = []
    for path, current in sorted(findings.items()):
        was = before.get(path, 0)
        if len(current) != was:
            lines.append(f"  {path}: {was} -> {len(current)} findings")
    return lines


def _start(options: GlobalOptions, path: Path) -> ProjectSession:
    from chaffra_core import ProjectSession

    session = ProjectSession(resolve_config(options, path))
    result = session.start(command=COMMAND, stderr=sys.stderr)
    click.echo(_render(result), nl=False)
    # The session's summaries live as long as the watch: out of the cyclic collector's
    # sight, they no longer make every full collection slower.
    gc.collect()
    gc.freeze()
    return session


def _loop(
    options: GlobalOptions, path: Path, debounce: int, stop: threading.Event, ready: threading.Event
) -> None:
    from chaffra_cli._watch import Batcher, Watcher, is_config, session_paths
    from chaffra_core import ConfigError

    session: ProjectSession | None = _start(options, path)
    assert session is not None
    batcher = Batcher(debounce / 1000)
    watcher = Watcher(session.root, batcher, ignore=tuple(session.config.project.project.ignore))
    watcher.start(session.config.target)
    click.echo(
        f"Watching {session.root} for changes (debounce: {debounce}ms, "
        f"{watcher.count} directories)...",
        err=True,
    )
    ready.set()
    try:
        while not stop.is_set():
            batch = batcher.next_batch(stop)
            if not batch:
                continue
            if session is None or any(is_config(p) for p in batch):
                if session is not None:
                    session.close()
                try:
                    session = _start(options, path)
                except ConfigError as error:
                    click.echo(f"Error: {error}\nWaiting for a fix...", err=True)
                    session = None
                continue
            paths = [*watcher.sync(batch, session.covers), *session_paths(session, batch)]
            if not paths:
                continue
            before = {p: len(fs) for p, fs in _grouped(session.findings()).items()}
            update = session.refresh(dict.fromkeys(paths), record=COMMAND, stderr=sys.stderr)
            click.echo(f"\n--- Change detected: {len(update.paths)} file(s) ---", err=True)
            for line in _changes(dict(update.findings), before):
                click.echo(line, err=True)
            if update.result is not None:
                click.echo(_render(update.result), nl=False)
            sys.stdout.flush()
    finally:
        watcher.stop()
        if session is not None:
            session.close()  # the last run's report is stored before the watch ends


def _grouped(findings: Sequence[Finding]) -> dict[str, tuple[Finding, ...]]:
    grouped: dict[str, list[Finding]] = {}
    for finding in findings:
        grouped.setdefault(finding.location.file, []).append(finding)
    return {k: tuple(v) for k, v in grouped.items()}


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _served(root: Path, options: GlobalOptions, path: Path) -> Served:
    from chaffra_management import Served
    from chaffra_telemetry import LiveTelemetryState, SqliteStore, TelemetryAudience

    config = resolve_config(options, path)
    if config.telemetry.audience is TelemetryAudience.OFF:
        return Served(
            telemetry_config=config.telemetry,
            live_state=LiveTelemetryState(),
            mode="empty (telemetry off)",
        )
    store = SqliteStore.for_project(config.project_root)
    return Served(
        telemetry_config=config.telemetry,
        live_state=LiveTelemetryState(store),
        mode=f"live, following {store.path} (chaffra watch)",
        close=store.close,
    )


@click.command(short_help="Re-analyse on every change (one run per batch of edits).")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path), default=".")
@click.option(
    "--debounce",
    type=click.IntRange(0, 60_000),
    default=200,
    show_default=True,
    metavar="MS",
    help="Quiet time that ends a batch of changes.",
)
@click.option("--serve", is_flag=True, help="Also serve the management dashboard.")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=9100,
    show_default=True,
    help="Dashboard port with --serve (0 picks a free one).",
)
@pass_globals(accepts=SETTINGS_OPTIONS)
def watch(options: GlobalOptions, path: Path, debounce: int, serve: bool, port: int) -> None:
    """Watch the project at PATH and re-analyse what changes.

    \b
    One full run first; then each debounced batch of changes (--debounce ms
    of quiet) re-analyses only the changed files (deleted and renamed ones
    included) and re-combines the project, as one chaffra run through the
    whole telemetry lifecycle (churn, <project>/.chaffra/telemetry.db,
    backends; nothing under --telemetry off). What the project ignores is not
    watched at all (.git, virtual environments, node_modules, .chaffra,
    gitignored paths). A syntax error is a finding; a configuration error is
    shown and the watch waits for a fix. --serve also serves the dashboard
    from this process. Ctrl+C stops it (exit 0).
    """
    resolve_config(options, path)  # fail closed (exit 2) before watching anything
    stop, ready = threading.Event(), threading.Event()
    if not serve:
        # Ctrl+C and SIGTERM end the loop cleanly, even when started with SIGINT ignored.
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, _interrupt)
        try:
            _loop(options, path, debounce, stop, ready)
        except KeyboardInterrupt:
            stop.set()
        return
    import chaffra_management

    worker = threading.Thread(
        target=_loop, args=(options, path, debounce, stop, ready), daemon=True
    )
    worker.start()
    try:
        status = chaffra_management.run_server(
            lambda: _served(Path(path), options, path), port=port
        )
    finally:
        stop.set()
        worker.join(timeout=30)
    if status:
        raise click.exceptions.Exit(status)
