"""Keeping a broken ``telemetry.db`` from changing the outcome of a run.

A project's store can be corrupt, truncated, not SQLite at all, written by a
newer chaffra, or (in a hostile repository) a symlink planted among its files.
None of that may fail a command: the bad files are moved aside (renamed, never
followed or deleted) so the user can still inspect them, and a fresh store
starts in their place.
"""

from __future__ import annotations

import datetime as dt
import os
import sqlite3
import stat
from collections.abc import Callable
from pathlib import Path

from chaffra_telemetry.errors import TelemetryStoreCorrupt

__all__ = ["COMPANIONS", "check_store_files", "is_corrupt", "move_aside"]

COMPANIONS = ("", "-wal", "-shm", "-journal")
_MAGIC = b"SQLite format 3\x00"
"""Suffixes of the files SQLite keeps for one database."""

# Base result codes meaning "this file is not a store we can use", as opposed to
# a busy, read-only or full disk, where the file itself is fine.
_CORRUPT_CODES = frozenset({"SQLITE_CORRUPT", "SQLITE_NOTADB", "SQLITE_ERROR", "SQLITE_FORMAT"})


def is_corrupt(error: sqlite3.Error) -> bool:
    """Whether ``error`` says the file's content is unusable (not its access)."""
    name = getattr(error, "sqlite_errorname", None) or _legacy_name(error)
    return "_".join(str(name).split("_")[:2]) in _CORRUPT_CODES


def _legacy_name(error: sqlite3.Error) -> str:  # pragma: no cover - Python 3.10 only
    # Without ``sqlite_errorname``: OperationalError also covers busy and
    # permission errors, while a wrong schema ("no such column") is the file's fault.
    text = str(error)
    if (
        not isinstance(error, sqlite3.OperationalError)
        or "no such" in text
        or "has no column" in text
    ):
        return "SQLITE_CORRUPT"
    return "SQLITE_IOERR"


def check_store_files(path: Path) -> None:
    """Raise unless ``path`` is absent, empty or starts like a SQLite database, with no
    symlinks and no FIFOs, sockets or devices among its files.

    Checked before SQLite opens anything: it would follow a symlinked database
    or companion file and write wherever it points, block forever on a FIFO,
    and on a file that is not a database it may already have discarded the
    companions we keep as evidence. (A directory is left to SQLite, which fails
    to open it without blocking.)

    Raises:
        TelemetryStoreCorrupt: naming the symlink, the special file, or the file
            that is not SQLite.
    """
    for suffix in COMPANIONS:
        candidate = Path(f"{path}{suffix}")
        try:
            kind = stat.S_IFMT(candidate.lstat().st_mode)
        except OSError:
            continue  # absent, or not inspectable: opening it reports why
        if kind == stat.S_IFLNK:
            raise TelemetryStoreCorrupt(
                f"{candidate} is a symbolic link; chaffra never follows one"
            )
        if kind not in (stat.S_IFREG, stat.S_IFDIR):
            raise TelemetryStoreCorrupt(f"{candidate} is not a regular file")
    try:
        with path.open("rb") as stream:
            header = stream.read(len(_MAGIC))
    except OSError:
        return  # absent, or unreadable: opening it reports why
    if header and header != _MAGIC:
        raise TelemetryStoreCorrupt(f"{path} is not a SQLite database")


def move_aside(path: Path, *, clock: Callable[[], dt.datetime] | None = None) -> Path:
    """Rename ``path`` and its companions to ``<path>.corrupt-<UTC timestamp>[-wal|-shm...]``.

    Symlinks are renamed, not followed; a file another process already moved
    is skipped. Returns the new name of the database file.
    """
    now = (clock or (lambda: dt.datetime.now(dt.timezone.utc)))()
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    target = Path(f"{path}.corrupt-{stamp}")
    counter = 1
    while any(os.path.lexists(f"{target}{suffix}") for suffix in COMPANIONS):
        counter += 1
        target = Path(f"{path}.corrupt-{stamp}.{counter}")
    for suffix in COMPANIONS:
        try:
            os.rename(f"{path}{suffix}", f"{target}{suffix}")
        except FileNotFoundError:
            continue
    return target
