"""Analysis commands: ``health`` and ``complexity``, thin adapters over ``run_analysis``."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import attrs
import click

from chaffra_cli._errors import EXIT_FAILURE
from chaffra_cli._options import GlobalOptions, pass_globals
from chaffra_cli._progress import progress_reporter
from chaffra_cli._version import VERSION

if TYPE_CHECKING:
    from chaffra_core import RunResult
    from chaffra_core._config import EffectiveConfig

__all__ = ["complexity", "fails", "health", "resolve_config"]

_PATH = click.argument(
    "path",
    type=click.Path(exists=True, path_type=Path),
    default=".",
    required=False,
)


def resolve_config(options: GlobalOptions, path: Path) -> EffectiveConfig:
    """The effective configuration for ``path`` under ``options``; prints its warnings.

    Raises:
        chaffra_core.ConfigError: the configuration file is unreadable or invalid.
    """
    from chaffra_core._config import CliOverrides, resolve_effective_config

    config = resolve_effective_config(path, options.config, CliOverrides(**options.overrides()))
    if not options.quiet:
        for warning in config.warnings:
            click.echo(f"Warning: {warning}", err=True)
    return config


def fails(result: RunResult, fail_on: str) -> bool:
    """Whether ``result`` has a finding at or above ``fail_on`` (``never``: never)."""
    from chaffra_core import Severity

    if fail_on == "never":
        return False
    worst = result.worst()
    return worst is not None and worst.rank >= Severity.parse(fail_on).rank


def _analyse(
    options: GlobalOptions,
    path: Path,
    *,
    command: str,
    modules: Sequence[str] | None,
    churn: bool,
    module_flags: Mapping[str, Mapping[str, object]] | None = None,
) -> None:
    from chaffra_core._pipeline import run_analysis
    from chaffra_core.output import OutputFormat, render, should_color

    config = resolve_config(options, path)
    if module_flags:  # a command's own flags win over the project's [modules.<id>] tables
        tables = {k: {**config.modules.get(k, {}), **v} for k, v in module_flags.items()}
        config = attrs.evolve(config, modules={**config.modules, **tables})
    show_progress = not (options.quiet or options.no_progress)
    with progress_reporter(enabled=show_progress) as progress:
        result = run_analysis(
            config,
            command=command,
            modules=modules,
            progress=progress,
            churn=churn,
            stderr=sys.stderr,
        )
    if not options.quiet:
        for skipped in result.skipped:
            click.echo(f"Notice: skipped {skipped.path}: {skipped.reason}", err=True)
    stdout = sys.stdout
    fmt = OutputFormat(options.output_format)
    color = fmt is OutputFormat.TERMINAL and should_color(stdout, os.environ)
    click.echo(render(result, fmt, color=color, tool_version=VERSION), nl=False, color=color)
    if fails(result, options.fail_on):
        raise click.exceptions.Exit(EXIT_FAILURE)


@click.command(short_help="Health score and grade of a project.")
@_PATH
@click.option(
    "--module",
    "module_ids",
    multiple=True,
    metavar="ID",
    help="Run only this module (repeatable; see `chaffra modules`). Default: every module.",
)
@pass_globals
def health(options: GlobalOptions, path: Path, module_ids: tuple[str, ...]) -> None:
    """Health score (A-F) of the Python project at PATH (default: .).

    Runs every installed module (built-in or plugin; --module ID for some of
    them), scores every file from its complexity, size and nesting, and lists
    the worst files. Health is a score, not a list of findings, so it does not
    take part in finding churn. Unless --telemetry off, the run's telemetry
    snapshot is stored in <project>/.chaffra/telemetry.db (see `chaffra
    management`).
    """
    _analyse(options, path, command="health", modules=module_ids or None, churn=False)


@click.command(short_help="Functions above the complexity thresholds.")
@_PATH
@pass_globals
def complexity(options: GlobalOptions, path: Path) -> None:
    """Cyclomatic and cognitive complexity findings for the project at PATH (default: .).

    Reports functions above the thresholds of [modules.complexity]; finding
    churn (new, resolved, unchanged since the last `complexity` run) is
    recorded in telemetry unless --telemetry off.
    """
    _analyse(options, path, command="complexity", modules=("complexity",), churn=True)
