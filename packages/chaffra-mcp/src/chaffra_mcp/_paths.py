"""Path confinement: a tool's ``path`` argument must name something inside the server's roots."""

from __future__ import annotations

import os
from pathlib import Path

from chaffra_mcp._settings import ServerSettings
from chaffra_mcp.errors import ToolError

__all__ = ["confine"]


def confine(argument: str | None, settings: ServerSettings) -> Path:
    """The canonical path a tool call targets: ``argument`` or, when absent, the first root.

    A relative ``argument`` is taken from the first root, never from the server's
    working directory. Symlinks are resolved before the check, so a link that
    leads out of the roots is refused like any other outside path.

    Raises:
        ToolError: ``Invalid path: ...`` when the path is empty, does not exist,
            is neither a file nor a directory, or lies outside every root.
    """
    if argument is None:
        return settings.roots[0]
    if not argument or "\0" in argument:
        raise ToolError(f"Invalid path: {argument!r}: expected a file or directory path")
    candidate = Path(argument)
    if not candidate.is_absolute():
        candidate = settings.roots[0] / candidate
    if not os.path.lexists(candidate):
        raise ToolError(f"Invalid path: {argument}: no such file or directory")
    resolved = Path(os.path.realpath(candidate))
    if not settings.contains(resolved):
        roots = ", ".join(str(root) for root in settings.roots)
        raise ToolError(
            f"Invalid path: {argument} is outside the server's roots ({roots}); "
            "start the server with --root to allow it"
        )
    if not (resolved.is_dir() or resolved.is_file()):
        raise ToolError(f"Invalid path: {argument}: not a regular file or directory")
    return resolved
