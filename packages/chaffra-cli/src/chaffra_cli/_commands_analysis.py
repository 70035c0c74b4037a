"""Analysis commands: ``health`` and ``complexity``, thin adapters over ``run_analysis``."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import click

from chaffra_cli._analysis_options import AnalysisChoices, analysis_options
from chaffra_cli._errors import EXIT_FAILURE
from chaffra_cli._options import GlobalOptions, pass_globals
from chaffra_cli._progress import progress_reporter
from chaffra_cli._version import VERSION

if TYPE_CHECKING:
    from chaffra_core import CliOverrides, EffectiveConfig, RunResult

__all__ = ["cli_overrides", "complexity", "fails", "health", "resolve_config"]

_PATH = click.argument(
    "path",
    type=click.Path(exists=True, path_type=Path),
    default=".",
    required=False,
)


def resolve_config(
    options: GlobalOptions, path: Path, choices: AnalysisChoices | None = None
) -> EffectiveConfig:
    """The effective configuration for ``path`` under ``options``; prints its warnings.

    Raises:
        chaffra_core.ConfigError: the configuration file is unreadable or invalid.
    """
    from chaffra_core import resolve_effective_config

    config = resolve_effective_config(path, options.config, cli_overrides(options, choices))
    if not options.quiet:
        for warning in config.warnings:
            click.echo(f"Warning: {warning}", err=True)
    return config


def cli_overrides(options: GlobalOptions, choices: AnalysisChoices | None = None) -> CliOverrides:
    """The command-line flags that configure a run, as ``resolve_effective_config`` takes them."""
    from chaffra_core import CliOverrides

    chosen = choices if choices is not None else AnalysisChoices()
    flags = options.overrides()
    return CliOverrides(
        telemetry=flags["telemetry"],
        telemetry_backend=flags["telemetry_backend"],
        telemetry_endpoint=flags["telemetry_endpoint"],
        select=chosen.select,
        ignore=chosen.ignore,
        exclude=chosen.exclude,
    )


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
    choices: AnalysisChoices,
    *,
    command: str,
    modules: Sequence[str] | None,
    churn: bool,
) -> RunResult:
    """Run the analysis, write the report, and exit 1 when the run failed or gates failed.

    The whole configuration is checked against the modules before any file is
    read; a module that failed makes the run fail (its error on stderr).
    """
    from chaffra_core import ModuleHost, run_analysis, validate_run_config
    from chaffra_core.output import OutputFormat, render, should_color

    config = resolve_config(options, path, choices)
    host = ModuleHost.default()
    settings = validate_run_config(config, list(host), host.infos())
    show_progress = not (options.quiet or options.no_progress)
    with progress_reporter(enabled=show_progress) as progress:
        result = run_analysis(
            config,
            command=command,
            modules=modules,
            host=host,
            progress=progress,
            churn=churn,
            stderr=sys.stderr,
        )
    if not options.quiet:
        for skipped in result.skipped:
            click.echo(f"Notice: skipped {skipped.path}: {skipped.reason}", err=True)
    fmt = OutputFormat(options.output_format)
    out = sys.stdout
    color = (
        choices.output_file is None
        and fmt is OutputFormat.TERMINAL
        and should_color(out, os.environ)
    )
    if result.files_analyzed == 0:
        report = f"No Python files found in {path}.\n"
        if not options.quiet and fmt is not OutputFormat.TERMINAL:
            click.echo(report, err=True, nl=False)
        if fmt is not OutputFormat.TERMINAL:
            report = render(result, fmt, color=False, tool_version=VERSION)
    else:
        report = render(result, fmt, color=color, tool_version=VERSION)
    _write(report, choices.output_file, color=color)
    for module_id, message in result.module_errors:
        click.echo(f"Error: module {module_id} failed: {message}", err=True)
    if result.module_errors or fails(result, options.fail_on):
        raise click.exceptions.Exit(EXIT_FAILURE)
    if result.health is not None and command == "health":
        min_score = settings.setting("complexity", "min-score")
        if isinstance(min_score, int) and result.health.score < min_score:
            click.echo(
                f"Health score {result.health.score:g} is below min-score {min_score}.", err=True
            )
            raise click.exceptions.Exit(EXIT_FAILURE)
    return result


def _write(report: str, output_file: Path | None, *, color: bool) -> None:
    if output_file is None:
        click.echo(report, nl=False, color=color)
        return
    output_file.parent.mkdir(parents=True, exist_ok=True)
    output_file.write_text(report, encoding="utf-8")


@click.command(short_help="Health score and grade of a project.")
@_PATH
@analysis_options
@click.option(
    "--module",
    "module_ids",
    multiple=True,
    metavar="ID",
    help="Run only this module (repeatable; see `chaffra modules`). Default: every module.",
)
@pass_globals
def health(
    options: GlobalOptions, path: Path, module_ids: tuple[str, ...], **values: object
) -> None:
    """Health score (A-F) of the Python project at PATH (default: .).

    Runs every installed module (built-in or plugin; --module ID for some of
    them), scores every file from its complexity, size and nesting, and lists
    the worst files. Exits 1 when the score is below min-score ([health] or
    [modules.complexity], default 70). Health is a score, not a list of
    findings, so it does not take part in finding churn. Unless --telemetry
    off, the run's telemetry snapshot is stored in
    <project>/.chaffra/telemetry.db (see `chaffra management`).
    """
    choices = AnalysisChoices.pop_from(dict(values))
    _analyse(options, path, choices, command="health", modules=module_ids or None, churn=False)


@click.command(short_help="Functions above the complexity thresholds.")
@_PATH
@analysis_options
@pass_globals
def complexity(options: GlobalOptions, path: Path, **values: object) -> None:
    """Cyclomatic and cognitive complexity findings for the project at PATH (default: .).

    Reports functions above the thresholds of [health] / [modules.complexity];
    finding churn (new, resolved, unchanged since the last `complexity` run) is
    recorded in telemetry unless --telemetry off.
    """
    choices = AnalysisChoices.pop_from(dict(values))
    _analyse(options, path, choices, command="complexity", modules=("complexity",), churn=True)
