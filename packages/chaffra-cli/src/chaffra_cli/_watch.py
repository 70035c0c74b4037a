"""The watch loop: watchdog events, debounced into batches, each batch one session refresh.

Only the directories discovery walks are watched (never ``.git``, virtual
environments, ``node_modules``, ``.chaffra`` or ignored directories), each
without recursion, so an ignored tree costs no inotify watch and no event.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer

from chaffra_core import ProjectSession, discover_directories

__all__ = ["Batcher", "Watcher"]

CONFIG_NAMES = frozenset({".chaffra.toml", "pyproject.toml", ".gitignore", ".chaffraignore"})


class Batcher(FileSystemEventHandler):
    """Collects changed paths; :meth:`next_batch` returns them once ``debounce`` seconds
    passed without a new event."""

    def __init__(self, debounce: float) -> None:
        self.debounce = debounce
        self._events: queue.Queue[str] = queue.Queue()

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write"):
            return
        for path in (event.src_path, getattr(event, "dest_path", "")):
            if path:
                self._events.put(os.fsdecode(path))

    def next_batch(self, stop: threading.Event) -> list[str]:
        """The paths of the next quiet-terminated burst of events (first-seen order)."""
        batch: dict[str, None] = {}
        while not stop.is_set():
            try:
                path = self._events.get(timeout=0.1 if not batch else self.debounce)
            except queue.Empty:
                if batch:
                    return list(batch)
                continue
            batch[path] = None
        return list(batch)


class Watcher:
    """Non-recursive watches on the project's directories, kept in step with new ones."""

    def __init__(self, root: Path, batcher: Batcher, *, ignore: tuple[str, ...]) -> None:
        self.root, self.batcher, self.ignore = root, batcher, ignore
        self.observer = Observer()
        self._watched: dict[str, object] = {}

    def start(self, target: Path) -> None:
        for directory in discover_directories(target, ignore=self.ignore, root=self.root):
            self.add(directory)
        self.observer.start()

    def add(self, directory: Path) -> None:
        key = str(directory)
        if key not in self._watched:
            self._watched[key] = self.observer.schedule(self.batcher, key, recursive=False)

    def sync(self, paths: list[str], session_covers: Callable[[Path], bool]) -> list[Path]:
        """Watch the new directories among ``paths`` (and list the files already in them)."""
        found: list[Path] = []
        for raw in paths:
            path = Path(raw)
            if not path.is_dir() or raw in self._watched:
                continue
            for directory in discover_directories(path, ignore=self.ignore, root=self.root):
                self.add(directory)
                found.extend(p for p in directory.iterdir() if p.is_file() and session_covers(p))
        return found

    def stop(self) -> None:
        self.observer.stop()
        self.observer.join(timeout=10)

    @property
    def count(self) -> int:
        """How many directories are watched."""
        return len(self._watched)


def quiet_for(seconds: float) -> float:
    """A monotonic deadline ``seconds`` from now (for callers polling a batch)."""
    return time.monotonic() + seconds


def is_config(path: str) -> bool:
    """Whether a change to ``path`` can change the project's configuration or file set."""
    return os.path.basename(path) in CONFIG_NAMES


def session_paths(session: ProjectSession, paths: list[str]) -> list[Path]:
    """The changed paths the session cares about: files it covers, or had."""
    known = {s.path for s in session.summaries()}
    return [
        Path(p)
        for p in paths
        if p.endswith(".py") and (session.covers(Path(p)) or session.relative(Path(p)) in known)
    ]
