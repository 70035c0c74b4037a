"""Global options: accepted before or after the subcommand, validated at parse time.

The group carries every global option; each command carries only those that
mean something to it (``pass_globals(accepts=...)``), so ``chaffra explain X
--fail-on error`` is a usage error instead of being ignored, and so is
``chaffra --fail-on error explain X``. :func:`pass_globals` merges a command's
own values over its parents' by presence, so ``chaffra --telemetry off health
.`` and ``chaffra health . --telemetry off`` mean the same, and when both are
given the later (the command's) wins. :attr:`GlobalOptions.explicit` records
what the user actually typed, so precedence never depends on comparing values
with defaults.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Collection, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, overload

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
    "ANALYSIS_OPTIONS",
    "FAIL_ON_CHOICES",
    "FORMATS",
    "FORMAT_ALIASES",
    "GLOBAL_NAMES",
    "INFO_FORMATS",
    "INFO_OPTIONS",
    "SETTINGS_OPTIONS",
    "GlobalOptions",
    "global_options",
    "pass_globals",
]

_F = TypeVar("_F", bound=Callable[..., Any])

FORMATS = (
    "terminal",
    "json",
    "markdown",
    "sarif",
    "codeclimate",
    "github",
    "pr-comment",
    "badge",
    "badge-svg",
)
"""Output formats, in the spelling of ``chaffra_core.output.OutputFormat``."""
INFO_FORMATS = ("terminal", "json")
"""What commands that describe chaffra itself (``explain``, ``modules``, ...) can write."""

FORMAT_ALIASES = {
    "text": "terminal",
    "md": "markdown",
    "code-climate": "codeclimate",
    "code_climate": "codeclimate",
    "gitlab": "codeclimate",
    "annotations": "github",
    "actions": "github",
    "pr_comment": "pr-comment",
    "prcomment": "pr-comment",
    "shields": "badge",
    "badge_svg": "badge-svg",
    "svg": "badge-svg",
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
ANALYSIS_OPTIONS = frozenset(GLOBAL_NAMES)
"""Analysis commands take every global option."""
SETTINGS_OPTIONS = frozenset(
    {"config", "telemetry", "telemetry_backend", "telemetry_endpoint", "quiet"}
)
"""Commands that resolve a project's settings but write no report (``telemetry *``, servers)."""
INFO_OPTIONS = frozenset({"output_format", "quiet"})
"""Commands that describe chaffra itself: a format (``INFO_FORMATS``) and ``--quiet``."""
_FLAGS = {
    "output_format": "--format",
    "config": "--config",
    "telemetry": "--telemetry",
    "telemetry_backend": "--telemetry-backend",
    "telemetry_endpoint": "--telemetry-endpoint",
    "quiet": "--quiet",
    "no_progress": "--no-progress",
    "fail_on": "--fail-on",
}
_EXPLICIT_SOURCES = frozenset({ParameterSource.COMMANDLINE, ParameterSource.ENVIRONMENT})


class FormatChoice(_FormatBase):
    """``--format``: case-insensitive, with the aliases of the original CLI."""

    def __init__(self, formats: tuple[str, ...] = FORMATS) -> None:
        super().__init__(formats, case_sensitive=False)

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


def _format_option(formats: tuple[str, ...]) -> Callable[[_F], _F]:
    return click.option(
        "--format",
        "output_format",
        type=FormatChoice(formats),
        default="terminal",
        show_default=True,
        help=(
            "Output format (aliases: text, md, gitlab, actions...)."
            if formats == FORMATS
            else f"Output format: {' or '.join(formats)}."
        ),
    )


_OPTIONS: dict[str, Callable[[_F], _F]] = {
    "config": click.option(
        "--config",
        type=click.Path(exists=True, dir_okay=False, path_type=Path),
        default=None,
        help="Project config file instead of <PATH>/.chaffra.toml.",
    ),
    "telemetry": click.option(
        "--telemetry",
        type=AudienceType(),
        default=None,
        help="Telemetry audience: on, off, user-only (default) or operator-only. "
        "Beats [modules.telemetry] audience; off writes nothing at all.",
    ),
    "telemetry_backend": click.option(
        "--telemetry-backend",
        type=BackendType(),
        default=None,
        help="Telemetry backend: json-file, stderr, prometheus, otlp, statsd or cloudwatch.",
    ),
    "telemetry_endpoint": click.option(
        "--telemetry-endpoint",
        type=EndpointType(),
        default=None,
        help="Endpoint of --telemetry-backend (alone: an otlp backend at this endpoint).",
    ),
    "fail_on": click.option(
        "--fail-on",
        type=click.Choice(FAIL_ON_CHOICES, case_sensitive=False),
        default="never",
        show_default=True,
        help="Exit 1 when a finding at or above this severity is reported.",
    ),
    "quiet": click.option(
        "-q", "--quiet", is_flag=True, help="No progress bar, notices or configuration warnings."
    ),
    "no_progress": click.option("--no-progress", is_flag=True, help="No progress bar on stderr."),
}
_VERSION = click.version_option(
    VERSION, "-V", "--version", prog_name="chaffra", message="%(prog)s %(version)s"
)


def global_options(
    function: _F,
    *,
    accepts: Collection[str] = ANALYSIS_OPTIONS,
    formats: tuple[str, ...] = FORMATS,
) -> _F:
    """Attach the global options named in ``accepts`` (all of them on the group)."""
    decorators = [_format_option(formats)] if "output_format" in accepts else []
    decorators += [option for name, option in _OPTIONS.items() if name in accepts]
    decorators.append(_VERSION)
    for decorator in reversed(decorators):
        function = decorator(function)
    return function


_Callback = Callable[..., Any]


@overload
def pass_globals(
    function: _Callback, *, accepts: Collection[str] = ..., formats: tuple[str, ...] = ...
) -> _Callback: ...


@overload
def pass_globals(
    function: None = None, *, accepts: Collection[str] = ..., formats: tuple[str, ...] = ...
) -> Callable[[_Callback], _Callback]: ...


def pass_globals(
    function: _Callback | None = None,
    *,
    accepts: Collection[str] = ANALYSIS_OPTIONS,
    formats: tuple[str, ...] = FORMATS,
) -> _Callback | Callable[[_Callback], _Callback]:
    """Attach the global options in ``accepts`` and call ``function(options, **own_params)``.

    The command's own global-option values are merged over the parents'; the
    result is also stored as the context object for nested commands. A
    command (not a group) refuses a global option given before it that it
    does not take, and a ``--format`` outside ``formats``: a usage error, exit 2.
    """
    if function is None:
        return functools.partial(pass_globals, accepts=accepts, formats=formats)
    callback = function

    @functools.wraps(callback)
    def wrapper(**values: Any) -> Any:
        ctx = click.get_current_context()
        options = current_options(ctx).merged(ctx, values)
        if not isinstance(ctx.command, click.Group):
            _refuse_inapplicable(ctx, options, accepts, formats)
        ctx.obj = options
        own = {name: value for name, value in values.items() if name not in GLOBAL_NAMES}
        return callback(options, **own)

    return global_options(wrapper, accepts=accepts, formats=formats)


def _refuse_inapplicable(
    ctx: click.Context,
    options: GlobalOptions,
    accepts: Collection[str],
    formats: tuple[str, ...],
) -> None:
    for name in sorted(options.explicit - set(accepts)):
        raise click.UsageError(f"{_FLAGS[name]} does not apply to `{ctx.command_path}`", ctx)
    if options.output_format not in formats:
        allowed = ", ".join(formats)
        raise click.UsageError(
            f"--format {options.output_format}: `{ctx.command_path}` writes {allowed}", ctx
        )
