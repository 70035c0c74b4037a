"""Options of the analysis commands only: what to analyse, what to report, where to write.

``--exclude GLOB`` (repeatable) adds gitignore-style globs to ``[project]
ignore``; ``--select`` / ``--ignore`` take rule ids or prefixes (repeatable
or comma-separated, as in ruff) and are checked against the modules' rules
before anything runs; ``--output-file FILE`` writes the report there instead
of stdout (the user's own flag, so any path they name).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

import attrs
import click

__all__ = ["ANALYSIS_OPTION_NAMES", "AnalysisChoices", "analysis_options"]

_F = TypeVar("_F", bound=Callable[..., Any])

ANALYSIS_OPTION_NAMES = ("exclude", "select", "ignore", "output_file")


def _split(values: Iterable[str]) -> tuple[str, ...]:
    pieces = (piece.strip() for value in values for piece in value.split(","))
    return tuple(dict.fromkeys(piece for piece in pieces if piece))


@attrs.frozen(kw_only=True)
class AnalysisChoices:
    """The analysis options of one invocation."""

    exclude: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    output_file: Path | None = None

    @classmethod
    def pop_from(cls, values: dict[str, Any]) -> AnalysisChoices:
        """The options taken out of a command's parameter ``values``."""
        return cls(
            exclude=tuple(values.pop("exclude", ()) or ()),
            select=_split(values.pop("select", ()) or ()),
            ignore=_split(values.pop("ignore", ()) or ()),
            output_file=values.pop("output_file", None),
        )


_OPTIONS: tuple[Callable[[_F], _F], ...] = (
    click.option(
        "--exclude",
        metavar="GLOB",
        multiple=True,
        help="Skip files matching GLOB (gitignore syntax, relative to the project root); "
        "repeatable, added to [project] ignore.",
    ),
    click.option(
        "--select",
        metavar="RULES",
        multiple=True,
        help="Report only these rule ids or prefixes (complexity, complexity:high-cyclomatic, "
        "high-); repeatable or comma-separated.",
    ),
    click.option(
        "--ignore",
        metavar="RULES",
        multiple=True,
        help="Do not report these rule ids or prefixes; repeatable or comma-separated.",
    ),
    click.option(
        "--output-file",
        "-o",
        "output_file",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Write the report to FILE instead of stdout.",
    ),
)


def analysis_options(function: _F) -> _F:
    """Attach the analysis options to a command."""
    for option in reversed(_OPTIONS):
        function = option(function)
    return function
