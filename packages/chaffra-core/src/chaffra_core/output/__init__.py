"""Output formats: render a :class:`~chaffra_core.RunResult` as text for a person or a tool.

Every format returns one string ending in a newline; only ``terminal`` can
carry ANSI colours, and only when asked (see :func:`should_color`).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Protocol

from chaffra_core._compat import StrEnum
from chaffra_core._result import RunResult

if TYPE_CHECKING:
    from chaffra_core.output._json import JSON_SCHEMA_VERSION, json_schema, to_document

__all__ = [
    "JSON_SCHEMA_VERSION",
    "RENDERERS",
    "OutputFormat",
    "SupportsIsatty",
    "json_schema",
    "render",
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


class SupportsIsatty(Protocol):
    """Anything with ``isatty()``: ``sys.stdout``, a click stream, a test double."""

    def isatty(self) -> bool: ...


def render(
    result: RunResult, fmt: OutputFormat | str, *, color: bool = False, tool_version: str
) -> str:
    """``result`` in format ``fmt``; ``color`` affects only ``terminal``.

    Raises:
        ValueError: if ``fmt`` names no format.
    """
    fmt = fmt if isinstance(fmt, OutputFormat) else OutputFormat.parse(fmt)
    return RENDERERS[fmt](result, color, tool_version)


Renderer = Callable[[RunResult, bool, str], str]
"""``(result, color, tool_version) -> text``; each format imports its module when used."""


def _terminal(result: RunResult, color: bool, tool_version: str) -> str:
    from chaffra_core.output._terminal import render_terminal

    return render_terminal(result, color=color)


def _json(result: RunResult, color: bool, tool_version: str) -> str:
    from chaffra_core.output._json import render_json

    return render_json(result, tool_version=tool_version)


def _markdown(result: RunResult, color: bool, tool_version: str) -> str:
    from chaffra_core.output._markdown import render_markdown

    return render_markdown(result)


def _sarif(result: RunResult, color: bool, tool_version: str) -> str:
    from chaffra_core.output._sarif import render_sarif

    return render_sarif(result, tool_version=tool_version)


def _codeclimate(result: RunResult, color: bool, tool_version: str) -> str:
    from chaffra_core.output._codeclimate import render_codeclimate

    return render_codeclimate(result)


def _github(result: RunResult, color: bool, tool_version: str) -> str:
    from chaffra_core.output._github import render_github

    return render_github(result)


RENDERERS: Mapping[OutputFormat, Renderer] = MappingProxyType(
    {
        OutputFormat.TERMINAL: _terminal,
        OutputFormat.JSON: _json,
        OutputFormat.MARKDOWN: _markdown,
        OutputFormat.SARIF: _sarif,
        OutputFormat.CODECLIMATE: _codeclimate,
        OutputFormat.GITHUB: _github,
    }
)
"""One renderer per format (a test checks the keys are exactly the members)."""


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


_JSON_NAMES = frozenset({"JSON_SCHEMA_VERSION", "json_schema", "to_document"})


def __getattr__(name: str) -> object:
    # The JSON format builds its converter on import: load it only when asked.
    if name not in _JSON_NAMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    value: object = getattr(importlib.import_module(f"{__name__}._json"), name)
    globals()[name] = value
    return value
