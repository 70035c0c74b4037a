"""The ``chaffra`` click group and its command tree."""

from __future__ import annotations

import click

from chaffra_cli._commands_analysis import baseline, complexity, health
from chaffra_cli._commands_cache import cache
from chaffra_cli._commands_dead_code import dead_code
from chaffra_cli._commands_fix import fix
from chaffra_cli._commands_info import explain, init, modules
from chaffra_cli._commands_lsp import lsp
from chaffra_cli._commands_management import management
from chaffra_cli._commands_mcp import mcp
from chaffra_cli._commands_security import advisories, security
from chaffra_cli._commands_telemetry import telemetry
from chaffra_cli._commands_watch import watch
from chaffra_cli._errors import ChaffraGroup
from chaffra_cli._options import current_options, global_options

__all__ = ["cli"]

_CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(cls=ChaffraGroup, context_settings=_CONTEXT)
@global_options
@click.pass_context
def cli(ctx: click.Context, /, **values: object) -> None:
    """chaffra: code health, complexity and privacy-aware telemetry for Python projects.

    Global options work before or after the command
    (`chaffra --format json health .` = `chaffra health . --format json`);
    given twice, the later one wins.

    \b
    Exit status:
      0    success (findings do not fail a run unless --fail-on says so)
      1    findings at or above --fail-on, a health score below min-score,
           a module that failed, or a runtime error
      2    usage error or invalid configuration (.chaffra.toml, --config,
           unknown rules or module settings); nothing is analysed or written
      130  interrupted

    \b
    Telemetry: each analysis stores a snapshot in <project>/.chaffra/telemetry.db
    (the default audience, user-only, keeps operator data such as module
    timings out of it); `chaffra management .` shows the history on a
    dashboard. --telemetry off runs leave the project directory untouched.
    """
    ctx.obj = current_options(ctx).merged(ctx, values)


for _command in (
    health,
    complexity,
    baseline,
    dead_code,
    fix,
    explain,
    modules,
    init,
    telemetry,
    management,
    mcp,
    lsp,
    watch,
    cache,
    security,
    advisories,
):
    cli.add_command(_command)
