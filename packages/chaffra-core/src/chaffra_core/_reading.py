"""Reading a discovered file safely: regular files only, never more than a size limit.

A FIFO named ``x.py`` would block a plain ``open``/``read`` forever and
``/dev/zero`` linked as ``z.py`` would read until memory runs out, so a file is
opened without blocking, checked with ``fstat`` on the open descriptor (no race
with a rename) and read only if it is a regular file within the limit.
"""

from __future__ import annotations

import os
import stat

import attrs

__all__ = ["DEFAULT_MAX_FILE_SIZE", "ReadRefused", "read_file"]

DEFAULT_MAX_FILE_SIZE = 4 * 1024 * 1024
"""Files larger than this (bytes) are skipped with a notice; ``[project] max-file-size``."""


@attrs.frozen(kw_only=True)
class ReadRefused:
    """Why a file was not analysed.

    ``skipped`` is true for files deliberately left out (not a regular file, too
    large), reported as a notice; false for a read that failed (permissions, I/O),
    reported as a ``parse:read-error`` finding.
    """

    reason: str
    skipped: bool


def read_file(
    path: str | os.PathLike[str], limit: int = DEFAULT_MAX_FILE_SIZE
) -> bytes | ReadRefused:
    """The bytes of ``path`` if it is a regular file of at most ``limit`` bytes."""
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as error:
        return ReadRefused(reason=error.strerror or type(error).__name__, skipped=False)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            return ReadRefused(reason="not a regular file", skipped=True)
        if info.st_size > limit:
            return ReadRefused(
                reason=f"larger than the {_size(limit)} limit ({_size(info.st_size)})",
                skipped=True,
            )
        chunks = []
        remaining = limit + 1  # a file growing past the limit while read is still refused
        while remaining > 0:
            chunk = os.read(fd, min(remaining, 1 << 20))
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        data = b"".join(chunks)
    except OSError as error:
        return ReadRefused(reason=error.strerror or type(error).__name__, skipped=False)
    finally:
        os.close(fd)
    if len(data) > limit:
        return ReadRefused(reason=f"larger than the {_size(limit)} limit", skipped=True)
    return data


def _size(count: int) -> str:
    if count >= 1024 * 1024:
        return f"{count / (1024 * 1024):.1f} MiB"
    if count >= 1024:
        return f"{count / 1024:.1f} KiB"
    return f"{count} bytes"
