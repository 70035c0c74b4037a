"""Crash-safe file writes, never through a symlink.

Shared by everything that persists project-local files (churn state, json-file
backend, SQLite store, audit log). The ``.chaffra/`` directory itself is
:mod:`chaffra_telemetry._project_dir`'s.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from chaffra_telemetry._project_dir import (
    GITIGNORE_TEXT,
    PROJECT_DIR,
    refuse_symlink,
    safe_project_dir,
)
from chaffra_telemetry.errors import TelemetryIOError, TelemetrySerializationError

__all__ = ["GITIGNORE_TEXT", "PROJECT_DIR", "atomic_write_text", "ensure_project_dir"]

# The name chaffra-core's result cache imports; the one check every writer shares.
ensure_project_dir = safe_project_dir


def atomic_write_text(path: Path, text: str) -> None:
    """Replace ``path`` with ``text`` (UTF-8) so readers see the old or the new file, never a mix.

    The text goes to a temporary file in the same directory (created by
    :func:`tempfile.mkstemp`, hence owner-only permissions), is flushed and
    fsynced, then renamed over ``path``; the directory is fsynced afterwards
    where the platform allows it. The temporary file is removed on any failure.
    A ``path`` that is a symlink is refused, not replaced.

    Raises:
        TelemetryIOError: ``path`` is a symlink, or the file could not be written
            or renamed (chained from the ``OSError``).
        TelemetrySerializationError: ``text`` cannot be encoded as UTF-8 (e.g. lone surrogates).
    """
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as error:
        raise TelemetrySerializationError(f"cannot encode {path} as UTF-8: {error}") from error
    refuse_symlink(path)
    try:
        fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as error:
        raise TelemetryIOError(f"cannot create a temporary file for {path}: {error}") from error
    try:
        with open(fd, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp_name, path)
    except BaseException as error:
        # BaseException too: an interrupted write must not leave the temp file behind.
        with contextlib.suppress(OSError):
            os.unlink(temp_name)
        if isinstance(error, OSError):
            raise TelemetryIOError(f"cannot write {path}: {error}") from error
        raise
    _fsync_directory(path.parent)


def _fsync_directory(directory: Path) -> None:
    # Best effort: makes the rename itself durable on POSIX. Windows and some
    # network file systems refuse to open or fsync a directory; the new content
    # is in place either way, so a refusal is not an error.
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
