"""``chaffra complexity --all``: every function and method, like ``radon cc -s``.

:func:`function_rows` takes a run's ``RunResult.functions()`` (measured during
the run's one walk of each file: nothing is parsed twice), files as shown.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

import attrs

if TYPE_CHECKING:
    from chaffra_core import FunctionMetrics

__all__ = [
    "LISTING_FORMATS",
    "RANKS",
    "SORT_KEYS",
    "FunctionRow",
    "function_rows",
    "rank",
    "render_listing",
]

RANKS = ("A", "B", "C", "D", "E", "F")
"""radon's ranks: A 1-5, B 6-10, C 11-20, D 21-30, E 31-40, F 41 and up."""
_RANK_FLOORS = ((41, "F"), (31, "E"), (21, "D"), (11, "C"), (6, "B"))


def rank(cyclomatic: int) -> str:
    """radon's rank of a cyclomatic complexity."""
    return next((letter for floor, letter in _RANK_FLOORS if cyclomatic >= floor), "A")


@attrs.frozen(kw_only=True)
class FunctionRow:
    """One row of the listing."""

    file: str
    qualified_name: str
    kind: str
    start_line: int
    end_line: int
    lines: int
    cyclomatic: int
    cognitive: int
    nesting: int
    rank: str


SORT_KEYS: Mapping[str, Callable[[FunctionRow], tuple[object, ...]]] = {
    "cyclomatic": lambda r: (-r.cyclomatic, -r.cognitive, r.file, r.start_line),
    "cognitive": lambda r: (-r.cognitive, -r.cyclomatic, r.file, r.start_line),
    "name": lambda r: (r.qualified_name, r.file, r.start_line),
    "file": lambda r: (r.file, r.start_line),
}


def function_rows(
    functions: Iterable[tuple[str, FunctionMetrics]],
    *,
    sort: str = "file",
    top: int | None = None,
    min_rank: str = "A",
) -> list[FunctionRow]:
    """The listing of ``(file as shown, metrics)`` pairs (``RunResult.functions()``):
    functions of rank ``min_rank`` or worse, sorted, the first ``top``."""
    floor = RANKS.index(min_rank.upper())
    rows = [
        FunctionRow(
            file=file,
            qualified_name=f.qualified_name,
            kind=f.kind,
            start_line=f.start_line,
            end_line=f.end_line,
            lines=f.lines,
            cyclomatic=f.cyclomatic,
            cognitive=f.cognitive,
            nesting=f.max_nesting,
            rank=rank(f.cyclomatic),
        )
        for file, f in functions
    ]
    rows = sorted((r for r in rows if RANKS.index(r.rank) >= floor), key=SORT_KEYS[sort])
    return rows if top is None else rows[:top]


def render_listing(rows: Sequence[FunctionRow], fmt: str, report: str) -> str:
    """The listing in ``fmt``: a table, or for JSON the ``report`` document plus ``functions``."""
    if fmt == "json":
        document = json.loads(report)
        document["functions"] = [attrs.asdict(row) for row in rows]
        return json.dumps(document, indent=2) + "\n"
    header = ("Rank", "CC", "Cog", "Nest", "Lines", "Function", "Location")
    table = [
        (
            r.rank,
            str(r.cyclomatic),
            str(r.cognitive),
            str(r.nesting),
            str(r.lines),
            r.qualified_name,
            f"{r.file}:{r.start_line}",
        )
        for r in rows
    ]
    if fmt == "markdown":
        lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
        lines += ["| " + " | ".join(c.replace("|", "\\|") for c in row) + " |" for row in table]
        return "\n".join(lines) + "\n"
    if not table:
        return "No functions found.\n"
    widths = [max(len(row[i]) for row in (header, *table)) for i in range(len(header))]
    out = []
    for row in (header, *table):
        cells = [
            cell.rjust(widths[i]) if i in _NUMERIC_COLUMNS else cell.ljust(widths[i])
            for i, cell in enumerate(row)
        ]
        out.append("  ".join(cells).rstrip())
    out.append(f"\n{len(table)} function(s)")
    return "\n".join(out) + "\n"


_NUMERIC_COLUMNS = frozenset({1, 2, 3, 4})
LISTING_FORMATS = ("terminal", "json", "markdown")
"""The formats ``complexity --all`` writes."""
