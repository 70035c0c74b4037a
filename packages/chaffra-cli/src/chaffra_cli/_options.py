"""Global options: accepted before or after the subcommand, validated at parse time.

Every command carries the same options as the group (``global_options``);
:func:`pass_globals` merges a command's own values over its parents' by
presence, so ``chaffra --telemetry off health .`` and
``chaffra health . --telemetry off`` mean the same, and when both are given the
later (the command's) wins. :attr:`GlobalOptions.explicit` records what the
user actually typed, so precedence never depends on comparing values with
defaults.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import attrs
import click
from click.core import ParameterSource

from chaffra_cli._version import VERSION

if TYPE_CHECKING:
    from chaffra_telemetry import BackendKind, TelemetryAudience

    # click >= 8.5 types its parameter types generically; older clicks cannot subscript them.
    _FormatBase = click.Choice[str]
    _AudienceBase = click.ParamType[TelemetryAudience, Any]
    _BackendBase = click.ParamType[BackendKind, Any]
    _TextBase = click.ParamType[str, Any]
else:
    _FormatBase = click.Choice
    _AudienceBase = _BackendBase = _TextBase = click.ParamType

__all__ = [
    "FAIL_ON_CHOICES",
    "FORMATS",
    "FORMAT_ALIASES",
    "GLOBAL_NAMES",
    "GlobalOptions",
    "global_options",
    "pass_globals",
]

_F = TypeVar("_F", bound=Callable[..., Any])

FORMATS = ("terminal", "json", "markdown", "sarif", "codeclimate", "github")
"""Output formats, in the spelling of ``chaffra_core.output.OutputFormat``."""

FORMAT_ALIASES = {
    "text": "terminal",
    "md": "markdown",
    "code-climate": "codeclimate",
    "code_climate": "codeclimate",
    "gitlab": "codeclimate",
    "annotations": "github",
    "actions": "github",
}
FAIL_ON_CHOICES = ("info", "warning", "error", "never")
GLOBAL_NAMES = (
    "output_format",
    "config",
    "telemetry",
    "telemetry_backend",
    "telemetry_endpoint",
    "quiet",
    "no_progress",
    "fail_on",
)
_EXPLICIT_SOURCES = frozenset({ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT})


class FormatChoice(_FormatBase):
    """``--format``: case-insensitive, with the aliases of the original CLI."""

    def __init__(self) -> None:
        super().__init__(FORMATS, case_sensitive=False)

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        return str(super().convert(FORMAT_ALIASES.get(str(value).lower(), value), param, ctx))


class AudienceType(_AudienceBase):
    """``--telemetry``: ``on``, ``off``, ``user-only`` or ``operator-only`` (fail closed)."""

    name = "audience"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> TelemetryAudience:
        from chaffra_telemetry import TelemetryAudience
        from chaffra_telemetry.errors import ConfigError

        try:
            return TelemetryAudience.parse(value, key="--telemetry")
        except ConfigError:
            allowed = ", ".join(member.value for member in TelemetryAudience)
            self.fail(f"{value!r} is not an audience (expected one of: {allowed})", param, ctx)


class BackendType(_BackendBase):
    """``--telemetry-backend``: a backend kind or one of its aliases."""

    name = "backend"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> BackendKind:
        from chaffra_telemetry import BackendKind
        from chaffra_telemetry.errors import ConfigError

        try:
            return BackendKind.parse(value, key="--telemetry-backend")
        except ConfigError:
            allowed = ", ".join(member.value for member in BackendKind)
            self.fail(f"{value!r} is not a backend (expected one of: {allowed})", param, ctx)


class EndpointType(_TextBase):
    """``--telemetry-endpoint``: a URL or ``host:port``; never empty."""

    name = "endpoint"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        if not text.strip():
            self.fail("must not be empty (expected a URL or host:port)", param, ctx)
        return text


@attrs.frozen(kw_only=True)
class GlobalOptions:
    """The merged global options of one invocation."""

    output_format: str = "terminal"
    config: Path | None = None
    telemetry: TelemetryAudience | None = None
    telemetry_backend: BackendKind | None = None
    telemetry_endpoint: str | None = None
    quiet: bool = False
    no_progress: bool = False
    fail_on: str = "never"
    explicit: frozenset[str] = frozenset()

    def merged(self, ctx: click.Context, values: Mapping[str, Any]) -> GlobalOptions:
        """These options overlaid with the options ``ctx``'s command got on the command line."""
        given = {
            name
            for name in GLOBAL_NAMES
            if name in values and ctx.get_parameter_source(name) in _EXPLICIT_SOURCES
        }
        if not given:
            return self
        changes = {name: values[name] for name in given}
        if "fail_on" in changes:
            changes["fail_on"] = str(changes["fail_on"]).lower()
        return attrs.evolve(self, explicit=self.explicit | given, **changes)

    def overrides(self) -> dict[str, str | None]:
        """The telemetry flags in config spelling (``None`` where not given)."""
        return {
            "telemetry": None if self.telemetry is None else self.telemetry.value,
            "telemetry_backend": (
                None if self.telemetry_backend is None else self.telemetry_backend.value
            ),
            "telemetry_endpoint": self.telemetry_endpoint,
        }


def current_options(ctx: click.Context) -> GlobalOptions:
    """The options the parents of ``ctx`` resolved (defaults at the top level)."""
    found = ctx.find_object(GlobalOptions)
    return found if found is not None else GlobalOptions()


_OPTIONS: tuple[Callable[[_F], _F], ...] = (
    click.option(
        "--format",
        "output_format",
        type=FormatChoice(),
        default="terminal",
        show_default=True,
        help="Output format (aliases: text, md, gitlab, actions...).",
    ),
    click.option(
        "--config",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help="Project config file instead of <PATH>/.chaffra.toml.",
    ),
    click.option(
        "--telemetry",
        type=AudienceType(),
        default=None,
        help="Telemetry audience: on, off, user-only (default) or operator-only. "
        "Beats [modules.telemetry] audience; off writes nothing at all.",
    ),
    click.option(
        "--telemetry-backend",
        type=BackendType(),
        default=None,
        help="Telemetry backend: json-file, stderr, prometheus, otlp, statsd or cloudwatch.",
    ),
    click.option(
        "--telemetry-endpoint",
        type=EndpointType(),
        default=None,
        help="Endpoint of --telemetry-backend (alone: an otlp backend at this endpoint).",
    ),
    click.option(
        "--fail-on",
        type=click.Choice(FAIL_ON_CHOICES, case_sensitive=False),
        default="never",
        show_default=True,
        help="Exit 1 when a finding at or above this severity is reported.",
    ),
    click.option(
        "-q", "--quiet", is_flag=True, help="No progress bar, notices or configuration warnings."
    ),
    click.option("--no-progress", is_flag=True, help="No progress bar on stderr."),
    click.version_option(
        VERSION, "-V", "--version", prog_name="chaffra", message="%(prog)s %(version)s"
    ),
)


def global_options(function: _F) -> _F:
    """Attach the global options (the same on the group and on every command)."""
    for option in reversed(_OPTIONS):
        function = option(function)
    return function


def pass_globals(function: Callable[..., Any]) -> Callable[..., Any]:
    """Attach the global options and call ``function(options, **own_params)``.

    The command's own global-option values are merged over the parents'; the
    result is also stored as the context object for nested commands.
    """

    @functools.wraps(function)
    def wrapper(**values: Any) -> Any:
        ctx = click.get_current_context()
        options = current_options(ctx).merged(ctx, values)
        ctx.obj = options
        own = {name: value for name, value in values.items() if name not in GLOBAL_NAMES}
        return function(options, **own)

    return global_options(wrapper)
