"""``chaffra telemetry status|test|inspect|dashboard|audit-log``.

Previews never write: no audit event, no churn state, no snapshot in the
store. Backend names, endpoints, paths and sampling are operator details:
they are shown, and backends are constructed or contacted, only when the
resolved audience admits the operator scope (``on``, ``operator-only``).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from chaffra_cli._commands_analysis import resolve_config
from chaffra_cli._commands_info import to_json
from chaffra_cli._errors import ChaffraGroup, CommandFailed
from chaffra_cli._options import INFO_FORMATS, SETTINGS_OPTIONS, GlobalOptions, pass_globals

if TYPE_CHECKING:
    from chaffra_core import EffectiveConfig
    from chaffra_telemetry import ProjectedSnapshot, TelemetryConfig

__all__ = ["WITHHELD", "latest_payload", "telemetry"]

WITHHELD = "backend details withheld (operator audience only)"
_OPT_IN = "use --telemetry on or --telemetry operator-only to see them"
_PATH = click.argument(
    "path", type=click.Path(exists=True, path_type=Path), default=".", required=False
)


@click.group(cls=ChaffraGroup, short_help="Telemetry status, test, preview, dashboard, audit log.")
@pass_globals(accepts=SETTINGS_OPTIONS)
def telemetry(options: GlobalOptions) -> None:
    """Inspect and test the telemetry configuration of a project.

    PATH (default: .) selects the project whose configuration applies
    (--config, else .chaffra.toml or [tool.chaffra] found from PATH).
    """


@telemetry.command()
@_PATH
@pass_globals(accepts=SETTINGS_OPTIONS | {"output_format"}, formats=INFO_FORMATS)
def status(options: GlobalOptions, path: Path) -> None:
    """The effective audience; backends and sampling for operator audiences only."""
    from chaffra_telemetry.backends import create_backends, format_number

    config = resolve_config(options, path)
    tel = config.telemetry
    if options.output_format == "json":
        click.echo(to_json(_status_document(config)), nl=False)
        return
    lines = [f"Telemetry audience: {tel.audience.value}"]
    if config.config_path is not None:
        lines.append(f"Configuration: {config.config_path}")
    if tel.audience.user_enabled or tel.audience.operator_enabled:
        lines.append(f"History: {config.project_root / '.chaffra' / 'telemetry.db'}")
    if not tel.audience.operator_enabled:
        lines.append(f"Backends: {WITHHELD}; {_OPT_IN}")
        click.echo("\n".join(lines))
        return
    lines += ["", "Backends:"]
    _, statuses = create_backends(tel.backends, project_root=config.project_root)
    lines += [
        f"  [{'OK' if s.connected else 'FAIL'}] {s.name} ({s.kind}) -- {s.message}"
        for s in statuses
    ] or ["  (no backends configured)"]
    rate = format_number(tel.sampling_rate)
    lines += ["", f"Sampling: rate {rate} (strategy {tel.sampling_strategy.value})"]
    click.echo("\n".join(lines))


def _status_document(config: EffectiveConfig) -> dict[str, object]:
    """``telemetry status`` as JSON: the same facts, withheld the same way."""
    from chaffra_telemetry.backends import create_backends

    tel = config.telemetry
    recorded = tel.audience.user_enabled or tel.audience.operator_enabled
    document: dict[str, object] = {
        "audience": tel.audience.value,
        "configuration": None if config.config_path is None else str(config.config_path),
        "history": str(config.project_root / ".chaffra" / "telemetry.db") if recorded else None,
        "backends": None,
        "sampling": None,
    }
    if tel.audience.operator_enabled:
        _, statuses = create_backends(tel.backends, project_root=config.project_root)
        document["backends"] = [
            {"name": s.name, "kind": str(s.kind), "connected": s.connected, "message": s.message}
            for s in statuses
        ]
        document["sampling"] = {
            "rate": tel.sampling_rate,
            "strategy": tel.sampling_strategy.value,
        }
    return document


@telemetry.command()
@_PATH
@pass_globals(accepts=SETTINGS_OPTIONS)
def test(options: GlobalOptions, path: Path) -> None:
    """Flush one test metric to every backend (operator audiences only; exit 1 on failure)."""
    from chaffra_telemetry import TelemetryCollector, project
    from chaffra_telemetry.catalog import TELEMETRY_TEST

    config = resolve_config(options, path)
    tel = config.telemetry
    if not tel.audience.operator_enabled:
        raise CommandFailed(
            f"telemetry test needs an operator audience (audience is {tel.audience.value}); "
            "no backend was exercised, contacted or named. "
            "Use --telemetry on or --telemetry operator-only."
        )
    collector = TelemetryCollector(tel)
    collector.register_core_metrics()
    collector.record(TELEMETRY_TEST, 1.0)
    lines = _flush_each(project(collector.snapshot(), tel.audience), tel, config.project_root)
    click.echo("\n".join(lines) if lines else "No backends configured.")
    if any(line.startswith("[FAIL]") for line in lines):
        raise click.exceptions.Exit(1)


def _flush_each(payload: ProjectedSnapshot, tel: TelemetryConfig, root: Path) -> list[str]:
    """Flush ``payload`` to every configured backend; one ``[OK]``/``[FAIL]`` line each."""
    from chaffra_telemetry.backends import flush_each

    return [
        f"[OK] {o.backend} -- test metric flushed"
        if o.error is None
        else f"[FAIL] {o.backend} -- {o.error}"
        for o in flush_each(payload, tel.backends, project_root=root)
    ]


def latest_payload(root: Path, tel: TelemetryConfig) -> ProjectedSnapshot | None:
    """The project's latest stored run, projected for ``tel.audience`` (``None``: no run yet).

    Reads ``<root>/.chaffra/telemetry.db`` only when it exists, so a preview
    never creates it.
    """
    from chaffra_telemetry import LiveTelemetryState, SqliteStore

    path = root / ".chaffra" / "telemetry.db"
    if not path.is_file():
        return None
    store = SqliteStore(path)
    try:
        return LiveTelemetryState(store).current(audience=tel.audience)
    finally:
        store.close()


@telemetry.command()
@_PATH
@pass_globals(accepts=SETTINGS_OPTIONS)
def inspect(options: GlobalOptions, path: Path) -> None:
    """Show what the project's latest run emitted, projected for the effective audience.

    The payload is the latest snapshot in <project>/.chaffra/telemetry.db (any
    command's: health, complexity, watch, MCP...), as the effective audience may
    see it; under on / operator-only, as each configured backend would receive it.
    """
    from chaffra_telemetry.backends import create_backend

    config = resolve_config(options, path)
    tel = config.telemetry
    audience = tel.audience.value
    if not (tel.audience.user_enabled or tel.audience.operator_enabled):
        click.echo(f"Telemetry audience: {audience}: nothing is collected, stored or sent.")
        return
    payload = latest_payload(config.project_root, tel)
    if payload is None:
        click.echo(
            f"No run recorded yet for {config.project_root}: run an analysis "
            f"(e.g. `chaffra health {path}`), then inspect shows what it emitted."
        )
        return
    when = _iso(payload.timestamp_ms)
    if not tel.audience.operator_enabled:
        click.echo(
            f"User-scoped payload (audience {audience}) of the latest run ({when}), "
            f"exactly as stored and sent; {WITHHELD}.\n"
        )
        click.echo(payload.to_json())
        return
    click.echo(f"Latest run ({when}), audience {audience}: as each configured backend gets it.\n")
    for backend_config in tel.backends:
        text = create_backend(backend_config, project_root=config.project_root).inspect(payload)
        click.echo(f"--- {backend_config.kind.value} ---\n{text.rstrip()}\n")


def _iso(timestamp_ms: int) -> str:
    import datetime as dt

    moment = dt.datetime.fromtimestamp(timestamp_ms / 1000, tz=dt.timezone.utc)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


@telemetry.command()
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the JSON instead of writing it.")
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: ./chaffra-grafana-dashboard.json).",
)
@pass_globals(accepts={"quiet"})
def dashboard(options: GlobalOptions, to_stdout: bool, output: Path | None) -> None:
    """Write the Grafana dashboard (Prometheus data source) for chaffra's metrics."""
    from chaffra_telemetry.grafana import DASHBOARD_FILE, dashboard_json

    text = dashboard_json()
    if to_stdout:
        click.echo(text, nl=False)
        return
    target = output if output is not None else Path(DASHBOARD_FILE)
    target.write_text(text + "\n", encoding="utf-8")
    click.echo(f"Dashboard written to {target}")


@telemetry.command("audit-log")
@_PATH
@click.option("--export", "export", is_flag=True, help="Print the events as a JSON array.")
@pass_globals(accepts={"config", "quiet"})
def audit_log(options: GlobalOptions, path: Path, export: bool) -> None:
    """Show the telemetry audit log of the project (<project>/.chaffra/telemetry-audit.log)."""
    from chaffra_telemetry.audit import export_log, format_log, read_log

    read = read_log(_project_root(options, path))
    if export:
        click.echo(export_log(read.events))
    else:
        click.echo(format_log(read.events, skipped=read.skipped), nl=False)


def _project_root(options: GlobalOptions, path: Path) -> Path:
    """The project root a run on ``path`` would use, without validating the configuration.

    It follows ``path`` whatever ``--config`` says, as it does for a run.
    """
    from chaffra_core import find_project_root

    return find_project_root(path)
