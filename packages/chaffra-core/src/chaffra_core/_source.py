"""Source files as every module sees them: text, content hash and the one shared ``ast`` tree."""

from __future__ import annotations

import ast
import hashlib
from pathlib import Path

import attrs

__all__ = ["SourceFile", "content_hash"]


def content_hash(data: bytes) -> str:
    """The cache key of a file's content (SHA-256, hex)."""
    return hashlib.sha256(data).hexdigest()


@attrs.frozen(kw_only=True, eq=False)
class SourceFile:
    """One discovered file, parsed once and shared by every module of a run.

    ``path`` is relative to the analysis root with ``/`` separators. ``tree`` is
    ``None`` when the file could not be decoded or parsed; ``parse_error``
    then says why (and the pipeline reports a ``parse:*`` finding for it).
    """

    path: str
    absolute: Path
    text: str
    digest: str
    tree: ast.Module | None
    parse_error: str | None = None

    @property
    def lines(self) -> list[str]:
        """The file's lines, without line endings."""
        return self.text.splitlines()
