"""The progress bar of long analyses: on stderr, only for an interactive terminal."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, TextIO

import click

if TYPE_CHECKING:
    from click._termui_impl import ProgressBar

    from chaffra_core import ProgressCallback

__all__ = ["MIN_FILES", "progress_reporter"]

MIN_FILES = 300
"""Runs over at most this many files finish too quickly to need a bar."""


class _Bar:
    """Created on the first report, and only when the run is long enough."""

    def __init__(self, stream: TextIO, min_files: int) -> None:
        self._stream = stream
        self._min_files = min_files
        self._bar: ProgressBar[int] | None = None
        self._done = 0

    def __call__(self, done: int, total: int) -> None:
        if self._bar is None:
            if total <= self._min_files:
                return
            self._bar = click.progressbar(
                length=total, label="Analysing", file=self._stream, show_pos=True
            )
            self._bar.__enter__()
        self._bar.update(max(done - self._done, 0))
        self._done = max(done, self._done)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.__exit__(None, None, None)


@contextmanager
def progress_reporter(
    *, enabled: bool, stream: TextIO | None = None, min_files: int = MIN_FILES
) -> Iterator[ProgressCallback | None]:
    """A ``progress(done, total)`` callback drawing a bar on ``stream`` (default stderr).

    Yields ``None`` (no bar) unless ``enabled`` and ``stream`` is a terminal;
    the bar appears only once a run reports more than ``min_files`` files.
    """
    target = stream if stream is not None else sys.stderr
    if not enabled or not target.isatty():
        yield None
        return
    bar = _Bar(target, min_files)
    try:
        yield bar
    finally:
        bar.close()
