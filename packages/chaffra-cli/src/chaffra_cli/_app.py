"""The ``chaffra`` click group and its command tree."""

from __future__ import annotations

import importlib

import click

from chaffra_cli._errors import ChaffraGroup
from chaffra_cli._options import current_options, global_options

__all__ = ["COMMANDS", "LazyGroup", "cli"]

_CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

COMMANDS: dict[str, tuple[str, str]] = {
    "health": ("_commands_analysis", "health"),
    "complexity": ("_commands_analysis", "complexity"),
    "baseline": ("_commands_analysis", "baseline"),
    "dead-code": ("_commands_dead_code", "dead_code"),
    "fix": ("_commands_fix", "fix"),
    "explain": ("_commands_info", "explain"),
    "modules": ("_commands_info", "modules"),
    "init": ("_commands_info", "init"),
    "telemetry": ("_commands_telemetry", "telemetry"),
    "management": ("_commands_management", "management"),
    "mcp": ("_commands_mcp", "mcp"),
    "lsp": ("_commands_lsp", "lsp"),
    "watch": ("_commands_watch", "watch"),
    "cache": ("_commands_cache", "cache"),
    "security": ("_commands_security", "security"),
    "advisories": ("_commands_security", "advisories"),
}
"""Each command's name, and the module and attribute that define it."""


class LazyGroup(ChaffraGroup):
    """The group whose commands load on first use: a command imports only its own module
    (``chaffra health`` never loads the servers, the fixer or the watcher)."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in COMMANDS and cmd_name not in self.commands:
            module, attribute = COMMANDS[cmd_name]
            command = getattr(importlib.import_module(f"chaffra_cli.{module}"), attribute)
            self.add_command(command, cmd_name)
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, context_settings=_CONTEXT)
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
