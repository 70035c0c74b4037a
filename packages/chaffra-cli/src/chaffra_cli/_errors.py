"""Errors as users see them: ``Error: <message>`` on stderr and an exit status, never a traceback.

Exit statuses: 0 success; 1 a runtime error (or findings at ``--fail-on``);
2 a usage error or an invalid configuration (``.chaffra.toml``, ``--config``,
``[modules.telemetry]``), which is the caller's to fix; 130 interrupted.
"""

from __future__ import annotations

import os
from typing import Any

import click

__all__ = [
    "EXIT_CONFIG",
    "EXIT_FAILURE",
    "EXIT_INTERRUPTED",
    "ChaffraGroup",
    "CommandFailed",
    "ConfigInvalid",
    "translate",
]

EXIT_FAILURE = 1
EXIT_CONFIG = 2
EXIT_INTERRUPTED = 130
_MAX_CAUSES = 5


class CommandFailed(click.ClickException):
    """A command could not do what was asked (exit 1)."""

    exit_code = EXIT_FAILURE


class ConfigInvalid(click.ClickException):
    """The configuration was rejected (exit 2, like a usage error)."""

    exit_code = EXIT_CONFIG


def _with_causes(error: BaseException) -> str:
    lines = [str(error) or type(error).__name__]
    seen = {id(error)}
    cause = error.__cause__
    while cause is not None and id(cause) not in seen and len(lines) <= _MAX_CAUSES:
        seen.add(id(cause))
        text = str(cause) or type(cause).__name__
        if text not in lines[0]:
            lines.append(f"  Caused by: {text}")
        cause = cause.__cause__
    return "\n".join(lines)


def translate(error: Exception) -> click.ClickException:
    """The click exception that reports ``error`` with the right exit status."""
    from chaffra_core.errors import ModuleNotFound
    from chaffra_telemetry.errors import ChaffraError, ConfigError

    if isinstance(error, (ConfigError, ModuleNotFound)):
        return ConfigInvalid(_with_causes(error))
    if isinstance(error, (ChaffraError, OSError)):
        return CommandFailed(_with_causes(error))
    return CommandFailed(f"internal error ({type(error).__name__}): {_with_causes(error)}")


class ChaffraGroup(click.Group):
    """A group whose commands report errors the chaffra way (no tracebacks)."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            raise click.exceptions.Exit(EXIT_INTERRUPTED) from None
        except Exception as error:
            if os.environ.get("CHAFFRA_DEBUG"):
                raise
            raise translate(error) from error
