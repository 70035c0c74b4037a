"""Shared helpers for the benchmarks in ``tools/bench``: timing, tables, report sections.

Every benchmark measures with :func:`time_stmt` (median and minimum of several
``timeit`` repeats), renders markdown with :func:`markdown_table` and
:func:`environment_line`, and replaces only its own marked section of
``docs/performance.md`` with :func:`write_section`, so several benchmarks share
one file without overwriting each other.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import re
import statistics
import textwrap
import timeit
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

__all__ = [
    "DEFAULT_INTRO",
    "SectionError",
    "Timing",
    "environment_line",
    "format_ns",
    "markdown_table",
    "paragraph",
    "replace_section",
    "section_markers",
    "time_stmt",
    "timing_arguments",
    "write_section",
]

DEFAULT_INTRO = """\
# Performance

Benchmark results for chaffra, one section per benchmark in `tools/bench/`.
These are measurements, not tests: nothing fails when a number moves. Each
section says what it measures, on which machine and Python, when, and the
command that regenerates it; that command rewrites only its own section
(between its `<!-- bench:NAME:start -->` and `<!-- bench:NAME:end -->` markers).
"""


class SectionError(ValueError):
    """A report file whose markers for a section are missing a partner or repeated."""


@dataclass(frozen=True)
class Timing:
    """Nanoseconds per operation over ``repeats`` repeats of ``loops`` operations each."""

    median_ns: float
    min_ns: float
    loops: int
    repeats: int


def time_stmt(
    stmt: str,
    namespace: Mapping[str, object],
    *,
    setup: str = "pass",
    repeat: int = 7,
    min_time_s: float = 0.2,
) -> Timing:
    """Time ``stmt`` with :mod:`timeit`; report the median and minimum ns per execution.

    ``stmt`` and ``setup`` run with ``namespace`` as globals; ``setup`` runs
    again before every repeat, so it can give each repeat fresh state. The loop
    count is the smallest of 1, 2, 5, 10, 20, 50, ... for which one repeat takes
    at least ``min_time_s``. The garbage collector is disabled while timing
    (``timeit``'s default).
    """
    if repeat < 1:
        raise ValueError(f"repeat must be at least 1, got {repeat}")
    timer = timeit.Timer(stmt, setup, globals=dict(namespace))
    loops = _calibrate(timer, min_time_s)
    per_op = [total / loops * 1e9 for total in timer.repeat(repeat=repeat, number=loops)]
    return Timing(
        median_ns=statistics.median(per_op), min_ns=min(per_op), loops=loops, repeats=repeat
    )


def _calibrate(timer: timeit.Timer, min_time_s: float) -> int:
    """The smallest loop count in the 1-2-5 sequence that runs for at least ``min_time_s``."""
    scale = 1
    while True:
        for step in (1, 2, 5):
            loops = step * scale
            if timer.timeit(loops) >= min_time_s:
                return loops
        scale *= 10


def format_ns(ns: float) -> str:
    """Nanoseconds for a table cell: whole numbers with thousands separators from 100 up."""
    return f"{ns:,.0f}" if ns >= 100 else f"{ns:.1f}"


def markdown_table(
    headers: Sequence[str], rows: Sequence[Sequence[str]], *, align: str | None = None
) -> str:
    """A GitHub-flavoured markdown table; ``align`` has one ``l``/``r``/``c`` per column."""
    align = align if align is not None else "l" * len(headers)
    if len(align) != len(headers) or any(len(row) != len(headers) for row in rows):
        raise ValueError("every row and the alignment need one entry per header")
    rules = {"l": ":--", "r": "--:", "c": ":-:"}
    lines = [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join(rules[a] for a in align) + " |",
    ]
    lines.extend("| " + " | ".join(cell.replace("|", r"\|") for cell in row) + " |" for row in rows)
    return "\n".join(lines)


def paragraph(*parts: str, width: int = 88) -> str:
    """The ``parts`` joined by spaces and re-wrapped, never splitting words or hyphenated names."""
    return textwrap.fill(
        " ".join(parts), width=width, break_long_words=False, break_on_hyphens=False
    )


def _distribution_version(name: str) -> str:
    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def environment_line(distributions: Sequence[str] = ()) -> str:
    """One line naming the date, machine, CPU count, Python and the given distributions."""
    today = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    machine = f"{platform.system()} {platform.release()} {platform.machine()}"
    processor = platform.processor()
    if processor and processor != platform.machine():
        machine += f" ({processor})"
    python = f"{platform.python_implementation()} {platform.python_version()}"
    versions = "".join(f", {name} {_distribution_version(name)}" for name in distributions)
    return f"Measured {today} on {machine}, {os.cpu_count()} CPUs; {python}{versions}."


def section_markers(name: str) -> tuple[str, str]:
    """The start and end marker lines of section ``name``."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise ValueError(f"section name must match [A-Za-z0-9_.-]+, got {name!r}")
    return f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"


def replace_section(document: str, name: str, body: str) -> str:
    """``document`` with section ``name`` replaced by ``body``, or appended if it has none.

    Raises:
        SectionError: if the section's markers are unpaired, repeated or out of order.
    """
    start, end = section_markers(name)
    block = f"{start}\n{body.strip()}\n{end}\n"
    starts, ends = document.count(start), document.count(end)
    if starts == ends == 0:
        if not document:
            return block
        return document.rstrip("\n") + "\n\n" + block
    if starts != 1 or ends != 1:
        raise SectionError(f"section {name!r}: expected one start and one end marker")
    head, _, rest = document.partition(start)
    _, found, tail = rest.partition(end)
    if not found:
        raise SectionError(f"section {name!r}: end marker precedes start marker")
    return head + block + tail.removeprefix("\n")


def write_section(path: Path, name: str, body: str, *, intro: str = DEFAULT_INTRO) -> None:
    """Replace section ``name`` of the markdown file at ``path`` with ``body``.

    A missing file is created holding ``intro`` and the section; an existing
    file without the section gets it appended; everything outside the section
    is kept byte for byte.

    Raises:
        SectionError: if the file's markers for ``name`` are unpaired or repeated.
    """
    document = path.read_text(encoding="utf-8") if path.exists() else intro
    updated = replace_section(document, name, body)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(updated, encoding="utf-8")


def timing_arguments(doc: str | None) -> argparse.ArgumentParser:
    """An argument parser with the options every ``timeit`` benchmark here takes.

    ``--write PATH`` replaces the benchmark's marked section of ``PATH``;
    ``--repeat`` and ``--min-time`` tune :func:`time_stmt`.
    """
    parser = argparse.ArgumentParser(description=doc.splitlines()[0] if doc else None)
    parser.add_argument(
        "--write",
        type=Path,
        metavar="PATH",
        help="also replace this benchmark's marked section of PATH (e.g. docs/performance.md)",
    )
    parser.add_argument("--repeat", type=int, default=7, help="timeit repeats (default 7)")
    parser.add_argument(
        "--min-time",
        type=float,
        default=0.1,
        metavar="SECONDS",
        help="minimum duration of one repeat (default 0.1)",
    )
    return parser
