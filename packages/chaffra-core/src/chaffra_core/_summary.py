"""What analysing one file produces: the per-file summary that workers send back
and the result cache stores, so a warm run needs no tree at all."""

from __future__ import annotations

import ast
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import attrs

from chaffra_core._findings import Finding
from chaffra_core._function_metrics import FunctionMetrics
from chaffra_core._suppressions import Suppression

__all__ = [
    "FileContext",
    "FileResult",
    "FileSummary",
    "Language",
    "SkippedFile",
    "content_hash",
    "source_lines",
]

JSON = Any
Language = Literal["python", "text"]
"""A JSON-compatible value: what a module keeps of a file for its ``combine`` step."""


def content_hash(data: bytes) -> str:
    """The digest of a file's content (SHA-256, hex)."""
    return hashlib.sha256(data).hexdigest()


def source_lines(text: str) -> int:
    """How many lines of ``text`` hold code: neither blank nor only a ``#`` comment.

    Docstrings count (they are statements); the number is the size the health
    model weighs a file by.
    """
    count = 0
    for line in text.splitlines():
        stripped = line.lstrip()
        if stripped and not stripped.startswith("#"):
            count += 1
    return count


@attrs.frozen(kw_only=True)
class FileResult:
    """One module's result for one file.

    ``findings`` are the file's own findings; ``facts`` is whatever the module's
    ``combine`` needs from the file (symbols defined and names used, for dead
    code), JSON-compatible so it can be cached.
    """

    findings: tuple[Finding, ...] = ()
    facts: Mapping[str, JSON] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class FileSummary:
    """Everything the run keeps of one file.

    ``path`` is relative to the project root with ``/`` separators. ``problem``
    is the ``parse:*`` finding of a file that could not be read, decoded or
    parsed (its modules then have empty results, and it is not scored).
    ``lines`` counts a parsed Python file's :func:`source_lines` (0 otherwise).
    ``errors`` maps a module that failed on this file to the error message.
    """

    path: str
    digest: str
    size: int
    lines: int = 0
    language: Language = "python"
    problem: Finding | None = None
    functions: tuple[FunctionMetrics, ...] = ()
    suppressions: tuple[Suppression, ...] = ()
    results: Mapping[str, FileResult] = attrs.field(factory=dict)
    errors: Mapping[str, str] = attrs.field(factory=dict)

    @property
    def measured(self) -> bool:
        """Whether this is a Python file that was read and parsed (it counts for health)."""
        return self.problem is None and self.language == "python"


@attrs.frozen(kw_only=True)
class SkippedFile:
    """A discovered file left out on purpose (not a regular file, over the size limit)."""

    path: str
    reason: str


@attrs.frozen(kw_only=True, eq=False)
class FileContext:
    """One file as analyzers see it during the walk (a worker-local object, never cached).

    ``functions`` is filled after the walk, before ``FileAnalyzer.finish``, when any
    analyzer asked for per-function metrics. A ``"text"`` file (matched by a
    module's ``file_patterns``) has no tree and no walk: only ``finish`` runs.
    """

    path: str
    absolute: Path
    text: str
    digest: str
    tree: ast.Module | None
    language: Language = "python"
    functions: list[FunctionMetrics] = attrs.field(factory=list)

    @property
    def lines(self) -> list[str]:
        """The file's lines, without line endings."""
        return self.text.splitlines()
