"""``chaffra dead-code``: a thin adapter over ``run_analysis`` with the dead-code module."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import click

from chaffra_cli._commands_analysis import fails, resolve_config
from chaffra_cli._errors import EXIT_FAILURE
from chaffra_cli._options import GlobalOptions, pass_globals
from chaffra_cli._progress import progress_reporter
from chaffra_cli._version import VERSION

__all__ = ["dead_code"]

_MODULE = "dead-code"


@click.command("dead-code", short_help="Unused code, unreachable code and unused modules.")
@click.argument("path", type=click.Path(exists=True, path_type=Path), default=".", required=False)
@click.option(
    "--min-confidence",
    type=click.IntRange(0, 100),
    default=None,
    metavar="N",
    help="Report findings with confidence N (0-100) or more "
    "(default: [modules.dead-code] min-confidence, else 60).",
)
@click.option(
    "--make-whitelist",
    is_flag=True,
    help="Print a vulture-compatible whitelist of the findings instead of the report.",
)
@pass_globals
def dead_code(
    options: GlobalOptions, path: Path, min_confidence: int | None, make_whitelist: bool
) -> None:
    """Unused imports, functions, classes, methods, attributes, variables and
    modules, unreachable code and constant conditions in the project at PATH.

    Liveness is project-wide: a name used anywhere in the project keeps its
    definitions alive, so analyse the whole project even to check one file.
    Each finding has a confidence (0-100, as vulture's); frameworks' roots
    (routes, fixtures, dataclass and model fields, migrations, entry points)
    are never reported. Finding churn is recorded in telemetry unless
    --telemetry off.
    """
    import attrs

    from chaffra_core._pipeline import run_analysis
    from chaffra_core.analyzers.dead_code import make_whitelist as whitelist
    from chaffra_core.output import OutputFormat, render, should_color

    config = resolve_config(options, path)
    if min_confidence is not None:
        table = {**config.modules.get(_MODULE, {}), "min-confidence": min_confidence}
        config = attrs.evolve(config, modules={**config.modules, _MODULE: table})
    show_progress = not (options.quiet or options.no_progress)
    with progress_reporter(enabled=show_progress) as progress:
        result = run_analysis(
            config,
            command="dead-code",
            modules=(_MODULE,),
            progress=progress,
            churn=True,
            stderr=sys.stderr,
        )
    if make_whitelist:
        click.echo(whitelist(result.findings), nl=False)
        return
    fmt = OutputFormat(options.output_format)
    color = fmt is OutputFormat.TERMINAL and should_color(sys.stdout, os.environ)
    click.echo(render(result, fmt, color=color, tool_version=VERSION), nl=False, color=color)
    if fails(result, options.fail_on):
        raise click.exceptions.Exit(EXIT_FAILURE)
