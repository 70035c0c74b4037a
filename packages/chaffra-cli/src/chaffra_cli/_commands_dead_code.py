"""``chaffra dead-code``: a thin adapter over ``run_analysis`` with the dead-code module."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from chaffra_cli._analysis_options import AnalysisChoices, analysis_options
from chaffra_cli._commands_analysis import _analyse, _Narrowing, _report_options, resolve_config
from chaffra_cli._options import GlobalOptions, pass_globals

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
@_report_options
@analysis_options
@pass_globals
def dead_code(  # noqa: PLR0917 - click passes each option as a parameter
    options: GlobalOptions,
    path: Path,
    min_confidence: int | None,
    make_whitelist: bool,
    baseline_file: Path | None,
    changed_since: str | None,
    **values: object,
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
    choices = AnalysisChoices.pop_from(dict(values))
    flags = {_MODULE: {"min-confidence": min_confidence}} if min_confidence is not None else None
    if make_whitelist:
        from chaffra_core import run_analysis
        from chaffra_core.analyzers.dead_code import make_whitelist as whitelist

        config = resolve_config(options, path, choices)
        result = run_analysis(
            config, command="dead-code", modules=(_MODULE,), churn=False, stderr=sys.stderr
        )
        click.echo(whitelist(result.findings), nl=False)
        return
    _analyse(
        options,
        path,
        choices,
        command="dead-code",
        modules=(_MODULE,),
        churn=True,
        narrowing=_Narrowing(baseline=baseline_file, changed_since=changed_since),
        module_flags=flags,
    )
