"""The result cache: per-file summaries in the user's cache directory.

It lives outside the project (``$CHAFFRA_CACHE_DIR``, else
``$XDG_CACHE_HOME/chaffra``, else ``~/.cache/chaffra``), so ``--telemetry off``
leaves the project untouched and still gets warm runs. One directory per
project (named after it plus a digest of its path), one JSON file per
:class:`CacheKey` (chaffra-core's version, the modules with their versions and
config digests, and the size limit). An entry is reused while the file's size
and modification time are unchanged, so a warm run reads no file at all. The
cache is bounded (least recently used projects are pruned) and
``chaffra cache clean`` removes it.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import re
import sys
import time
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import attrs

from chaffra_core._parse import collection_paused

__all__ = ["CACHE_ENV", "CacheKey", "ResultCache", "cache_home", "clean_cache"]

CACHE_FORMAT = 4  # 4: per-file source line counts (health model 2)
MAX_PROJECTS = 64
"""Project directories kept; the least recently used beyond this are removed."""
MAX_BYTES = 512 * 1024 * 1024
"""Total size kept; the least recently used projects beyond this are removed."""
_RESULTS = "results"


CACHE_ENV = "CHAFFRA_CACHE_DIR"


def cache_home(environ: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
    """``$CHAFFRA_CACHE_DIR``, else the platform's per-user cache directory plus ``chaffra``.

    Linux and other Unixes follow XDG (``$XDG_CACHE_HOME`` or ``~/.cache``), macOS
    uses ``~/Library/Caches``, Windows ``%LOCALAPPDATA%``. Nothing is created here.
    """
    env = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    explicit = env.get(CACHE_ENV, "")
    if explicit:
        return Path(explicit)
    home = Path(env.get("HOME") or Path.home())
    if platform == "darwin":
        return home / "Library" / "Caches" / "chaffra"
    if platform == "win32":
        local = env.get("LOCALAPPDATA", "")
        return (Path(local) if local else home / "AppData" / "Local") / "chaffra" / "Cache"
    xdg = env.get("XDG_CACHE_HOME", "")
    # XDG: a relative value is invalid and must be ignored.
    base = Path(xdg) if xdg and os.path.isabs(xdg) else home / ".cache"
    return base / "chaffra"


@attrs.frozen(kw_only=True)
class CacheKey:
    """What a cached summary depends on besides the file itself."""

    core_version: str
    modules: tuple[tuple[str, str, str], ...]  # (id, version, config digest), sorted
    functions: bool
    max_file_size: int

    def file_name(self) -> str:
        canonical = json.dumps([CACHE_FORMAT, *attrs.astuple(self)], separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:24] + ".json"


# path -> [size, mtime_ns, unstructured summary]
_Entries = dict[str, list[Any]]


class ResultCache:
    """The cached summaries of one project for one :class:`CacheKey`."""

    def __init__(self, project: Path, key: CacheKey, *, home: Path | None = None) -> None:
        home = home if home is not None else cache_home()
        resolved = str(project.resolve())
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", project.resolve().name)[:40] or "root"
        digest = hashlib.sha256(resolved.encode()).hexdigest()[:16]
        self.home = home
        self.directory = home / _RESULTS / f"{name}-{digest}"
        self._file = self.directory / key.file_name()
        self._entries: _Entries = _load(self._file)
        self._fresh: _Entries = {}

    def get(self, path: str, stat: os.stat_result) -> Any | None:
        """The unstructured summary of ``path`` if its size and mtime are unchanged."""
        entry = self._entries.get(path)
        if entry is not None and entry[0] == stat.st_size and entry[1] == stat.st_mtime_ns:
            return entry[2]
        return None

    def put(self, path: str, stat: os.stat_result, summary: Any) -> None:
        """Remember ``summary`` for ``path`` as of ``stat``."""
        self._fresh[path] = [stat.st_size, stat.st_mtime_ns, summary]

    def save(self, keep: Iterable[str]) -> None:
        """Write the entries of the paths in ``keep`` (atomically), then prune the cache.

        A cache that cannot be written is skipped silently: it only costs speed.
        """
        kept = set(keep)
        entries = {p: e for p, e in self._entries.items() if p in kept}
        entries.update((p, e) for p, e in self._fresh.items() if p in kept)
        if entries == self._entries:
            _touch(self.directory)
            return
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            import tempfile  # only when entries changed: a warm run writes nothing

            fd, temporary = tempfile.mkstemp(dir=self.directory, prefix=".tmp-")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                # dumps, not dump: json.dump streams through the pure-Python encoder (5x slower)
                out.write(
                    json.dumps({"format": CACHE_FORMAT, "entries": entries}, separators=(",", ":"))
                )
            os.replace(temporary, self._file)
        except OSError:
            with contextlib.suppress(OSError, UnboundLocalError):
                os.unlink(temporary)
            return
        self._entries = entries
        prune(self.home)


def _load(file: Path) -> _Entries:
    try:
        with open(file, encoding="utf-8") as handle, collection_paused():
            document = json.load(handle)
    except (OSError, ValueError):
        return {}
    if not isinstance(document, dict) or document.get("format") != CACHE_FORMAT:
        return {}
    entries = document.get("entries")
    if not isinstance(entries, dict):
        return {}
    return {
        path: entry
        for path, entry in entries.items()
        if isinstance(entry, list) and len(entry) == 3
    }


def _touch(directory: Path) -> None:
    with contextlib.suppress(OSError):
        os.utime(directory)


def _size(directory: Path) -> int:
    total = 0
    for entry in directory.iterdir():
        with contextlib.suppress(OSError):
            total += entry.stat().st_size
    return total


def prune(home: Path, *, max_projects: int = MAX_PROJECTS, max_bytes: int = MAX_BYTES) -> int:
    """Remove the least recently used project directories beyond the bounds; how many."""
    import shutil  # with tempfile: loaded only by a run that writes the cache

    try:
        projects = [p for p in (home / _RESULTS).iterdir() if p.is_dir()]
    except OSError:
        return 0
    used: Mapping[Path, float] = {p: _mtime(p) for p in projects}
    projects.sort(key=lambda p: used[p], reverse=True)
    total = 0
    removed = 0
    for index, project in enumerate(projects):
        total += _size(project)
        if index >= max_projects or total > max_bytes:
            shutil.rmtree(project, ignore_errors=True)
            removed += 1
    return removed


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return time.time()


def clean_cache(home: Path | None = None) -> int:
    """Remove every cached result; the number of bytes freed."""
    import shutil

    results = (home if home is not None else cache_home()) / _RESULTS
    freed = 0
    if results.is_dir():
        for project in results.iterdir():
            with contextlib.suppress(OSError):
                freed += _size(project) if project.is_dir() else project.stat().st_size
        shutil.rmtree(results, ignore_errors=True)
    return freed
