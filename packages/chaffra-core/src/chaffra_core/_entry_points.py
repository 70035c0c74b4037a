"""The entry points of one group, read without importing ``importlib.metadata``.

Importing ``importlib.metadata`` costs about as much CPU as the interpreter's own
start-up (it loads ``email``, ``zipfile``, ``csv`` and more), and every run looks
up the ``chaffra.modules`` plugins. In an ordinary environment, where every
distribution is a ``*.dist-info`` or ``*.egg-info`` directory in a directory of
``sys.path``, this module finds the same entry points the same way: each
distribution counts once (the first on ``sys.path`` with its normalized name),
and ``entry_points.txt`` is read as ``importlib.metadata`` reads it. Anything
else (a zip archive, an ``.egg`` or an entry that is not a string on ``sys.path``, a
finder of distributions other than the path finder) is left to ``importlib.metadata``.
"""

from __future__ import annotations

import importlib
import importlib.machinery
import os
import re
import sys
from collections.abc import Iterator, Sequence
from typing import Any

import attrs

__all__ = ["EntryPoint", "entry_points"]

_METADATA_DIRS = (".dist-info", ".egg-info")
_SEPARATORS = re.compile(r"[-_.]+")


@attrs.frozen(kw_only=True)
class EntryPoint:
    """One ``name = module:attribute`` line of a group."""

    name: str
    value: str
    group: str

    def load(self) -> Any:
        """Import the module and return the attribute the value names (the module without one)."""
        module, _, attribute = self.value.partition(":")
        found: Any = importlib.import_module(module.strip())
        for part in filter(None, attribute.partition("[")[0].strip().split(".")):
            found = getattr(found, part)
        return found


def entry_points(*, group: str) -> Sequence[EntryPoint]:
    """The entry points of ``group`` of the distributions ``sys.path`` holds."""
    if not _plain(sys.path):
        from importlib.metadata import entry_points as from_metadata

        return [
            EntryPoint(name=e.name, value=e.value, group=e.group)
            for e in from_metadata(group=group)
        ]
    return [
        EntryPoint(name=name, value=value, group=group)
        for directory in _distributions(sys.path)
        for name, value in _section(_read(os.path.join(directory, "entry_points.txt")), group)
    ]


def _plain(path: Sequence[object]) -> bool:
    """Whether only the path finder finds distributions, and only in directories."""
    finders = (f for f in sys.meta_path if getattr(f, "find_distributions", None) is not None)
    if any(finder is not importlib.machinery.PathFinder for finder in finders):
        return False
    return all(
        isinstance(entry, str)
        and not entry.lower().endswith(".egg")
        and not os.path.isfile(entry or ".")
        for entry in path
    )


def _distributions(path: Sequence[str]) -> Iterator[str]:
    """The metadata directory of each distribution, the first with its normalized name."""
    seen: set[str] = set()
    for root in path:
        try:
            children = os.listdir(root or ".")
        except OSError:
            continue
        for child in children:
            low = child.lower()
            if not low.endswith(_METADATA_DIRS):
                continue
            name = _SEPARATORS.sub("_", low.rpartition(".")[0].partition("-")[0])
            if name not in seen:
                seen.add(name)
                yield os.path.join(root, child)


def _read(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as file:
            return file.read()
    except OSError:  # no entry points, or not a directory
        return ""


def _section(text: str, group: str) -> Iterator[tuple[str, str]]:
    """The ``name = value`` pairs of the ``[group]`` section of an ``entry_points.txt``."""
    section = None
    for line in map(str.strip, text.splitlines()):
        if not line or line.startswith("#"):
            continue
        if line.startswith("[") and line.endswith("]"):
            section = line.strip("[]")
        elif section == group:
            name, _, value = line.partition("=")
            yield name.strip(), value.strip()
