"""Output formats: render a :class:`~chaffra_core.RunResult` as text for a person or a tool.

Every format returns one string ending in a newline; only ``terminal`` can
carry ANSI colours, and only when asked (see :func:`should_color`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol

import attrs

from chaffra_core._compat import StrEnum
from chaffra_core._result import RunResult
from chaffra_core.output._context import OutputContext, display_path, for_display

if TYPE_CHECKING:
    from chaffra_core._baseline import BaselineComparison
    from chaffra_core.output._json import JSON_SCHEMA_VERSION, json_schema, to_document
    from chaffra_core.output._pr_comment import COMMENT_LIMIT

__all__ = [
    "COMMENT_LIMIT",
    "JSON_SCHEMA_VERSION",
    "RENDERERS",
    "OutputContext",
    "OutputFormat",
    "SupportsIsatty",
    "display_path",
    "json_schema",
    "render",
    "repository_root",
    "should_color",
    "to_document",
]


class OutputFormat(StrEnum):
    """The ``--format`` values; the values are the spellings on the command line."""

    TERMINAL = "terminal"
    JSON = "json"
    MARKDOWN = "markdown"
    SARIF = "sarif"
    CODECLIMATE = "codeclimate"
    GITHUB = "github"
    PR_COMMENT = "pr-comment"
    BADGE = "badge"
    BADGE_SVG = "badge-svg"

    @classmethod
    def parse(cls, value: str) -> OutputFormat:
        """The format named ``value`` (case-insensitive).

        Raises:
            ValueError: for an unknown name, listing the known ones.
        """
        try:
            return cls(value.lower())
        except ValueError:
            known = ", ".join(member.value for member in cls)
            raise ValueError(
                f"unknown output format {value!r} (expected one of: {known})"
            ) from None


@attrs.frozen(kw_only=True)
class _Request:
    result: RunResult  # as analysed: root-relative paths
    shown: RunResult  # as the reader sees it: display paths, escaped text
    context: OutputContext
    color: bool
    tool_version: str


def _json(request: _Request) -> str:
    from chaffra_core.output._json import render_json

    context = request.context
    root = "." if context.target is None else display_path(context.target, "", context.cwd)
    return render_json(request.shown, tool_version=request.tool_version, root=root)


def _pr_comment(request: _Request) -> str:
    from chaffra_core.output._pr_comment import render_pr_comment

    comparison = request.context.comparison
    if comparison is not None:
        comparison = _shown_comparison(request.result, comparison, request.context)
    return render_pr_comment(request.shown, comparison)


def _shown_comparison(
    result: RunResult, comparison: BaselineComparison, context: OutputContext
) -> BaselineComparison:
    shown = for_display(attrs.evolve(result, findings=comparison.new), context)
    resolved = tuple(
        attrs.evolve(entry, file=display_path(result.root, entry.file, context.cwd))
        for entry in comparison.resolved
    )
    return attrs.evolve(comparison, new=shown.findings, resolved=resolved)


def _terminal(request: _Request) -> str:
    from chaffra_core.output._terminal import render_terminal

    return render_terminal(request.shown, color=request.color)


def _markdown(request: _Request) -> str:
    from chaffra_core.output._markdown import render_markdown

    return render_markdown(request.shown)


def _sarif(request: _Request) -> str:
    from chaffra_core.output._sarif import render_sarif

    return render_sarif(request.result, tool_version=request.tool_version, context=request.context)


def _codeclimate(request: _Request) -> str:
    from chaffra_core.output._codeclimate import render_codeclimate

    return render_codeclimate(request.shown)


def _github(request: _Request) -> str:
    from chaffra_core.output._github import render_github

    return render_github(request.shown)


def _badge(request: _Request) -> str:
    from chaffra_core.output._badge import render_badge

    return render_badge(request.shown)


def _badge_svg(request: _Request) -> str:
    from chaffra_core.output._badge import render_badge_svg

    return render_badge_svg(request.shown)


RENDERERS: Mapping[OutputFormat, Callable[[_Request], str]] = MappingProxyType(
    {
        OutputFormat.TERMINAL: _terminal,
        OutputFormat.JSON: _json,
        OutputFormat.MARKDOWN: _markdown,
        OutputFormat.SARIF: _sarif,
        OutputFormat.CODECLIMATE: _codeclimate,
        OutputFormat.GITHUB: _github,
        OutputFormat.PR_COMMENT: _pr_comment,
        OutputFormat.BADGE: _badge,
        OutputFormat.BADGE_SVG: _badge_svg,
    }
)
"""One renderer per format (a test checks the keys are exactly the members); each
imports its module when used."""


class SupportsIsatty(Protocol):
    """Anything with ``isatty()``: ``sys.stdout``, a click stream, a test double."""

    def isatty(self) -> bool: ...


def render(
    result: RunResult,
    fmt: OutputFormat | str,
    *,
    color: bool = False,
    tool_version: str,
    context: OutputContext | None = None,
) -> str:
    """``result`` in format ``fmt``; ``color`` affects only ``terminal``.

    ``context`` says where the reader stands (paths relative to its ``cwd``),
    what ``%SRCROOT%`` is, the rule texts and the baseline comparison; without
    it paths stay relative to the project root.

    Raises:
        ValueError: if ``fmt`` names no format.
    """
    fmt = fmt if isinstance(fmt, OutputFormat) else OutputFormat.parse(fmt)
    context = context if context is not None else OutputContext()
    request = _Request(
        result=result,
        shown=for_display(result, context),
        context=context,
        color=color,
        tool_version=tool_version,
    )
    return RENDERERS[fmt](request)


def repository_root(start: Path) -> Path | None:
    """The nearest directory at or above ``start`` holding ``.git`` (a checkout), or ``None``."""
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None


def should_color(stream: SupportsIsatty, environ: Mapping[str, str] | None = None) -> bool:
    """Whether terminal output to ``stream`` should carry ANSI colours.

    ``NO_COLOR`` set to anything but the empty string (no-color.org) always
    wins; otherwise ``FORCE_COLOR`` (non-empty and not ``0``) forces colours;
    otherwise only a TTY whose ``TERM`` is not ``dumb`` gets them.
    ``environ`` defaults to ``os.environ``.
    """
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR", ""):
        return False
    if env.get("FORCE_COLOR", "") not in ("", "0"):
        return True
    if env.get("TERM") == "dumb":
        return False
    try:
        return bool(stream.isatty())
    except (ValueError, OSError):  # a closed or detached stream is not a terminal
        return False


_LAZY = {
    "JSON_SCHEMA_VERSION": "_json",
    "json_schema": "_json",
    "to_document": "_json",
    "COMMENT_LIMIT": "_pr_comment",
}


def __getattr__(name: str) -> object:
    # The JSON format builds its converter on import: load it only when asked.
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value: object = getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    globals()[name] = value
    return value
