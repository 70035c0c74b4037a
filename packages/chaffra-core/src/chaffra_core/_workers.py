"""Worker processes for large runs: they read files themselves (the parent sends
paths, not bytes), keep one converter each, and exit when the parent dies."""

from __future__ import annotations

import contextlib
import gc
import os
import pickle
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chaffra_core._analysis import Analyzers, FileJob, analyse_file
from chaffra_core._converter import make_cache_converter
from chaffra_core._parse import collection_paused
from chaffra_core._summary import FileSummary, SkippedFile

if TYPE_CHECKING:  # the pool's modules load only for a run that uses workers
    import multiprocessing.context

__all__ = ["Outcome", "pool_context", "run_here", "run_in_workers", "unpicklable"]

Outcome = tuple[str, Any]
"""``("file", unstructured FileSummary)`` or ``("skipped", (path, reason))``, by path."""

_CHUNK = 16
_state: dict[str, Any] = {}


def _unstructure(result: FileSummary | SkippedFile) -> Outcome:
    if isinstance(result, SkippedFile):
        return "skipped", (result.path, result.reason)
    converter = _state.get("converter")
    if converter is None:
        converter = _state["converter"] = make_cache_converter()
    return "file", converter.unstructure(result, FileSummary)


def _analysed(job: FileJob, analyzers: Analyzers) -> Outcome:
    """One file's outcome, with the cyclic collector paused meanwhile: the tree, the
    walk's markers and scopes are acyclic and freed with the file, but allocating
    them triggers collections that rescan whatever else is alive (about a tenth of
    the analysis' CPU on Django); the few objects that survive are collected later."""
    with collection_paused():
        return _unstructure(analyse_file(job, analyzers))


def run_here(jobs: Sequence[FileJob], analyzers: Analyzers) -> Iterator[Outcome]:
    """Analyse ``jobs`` in this process, one outcome per job."""
    for job in jobs:
        yield _analysed(job, analyzers)


def unpicklable(analyzers: Analyzers) -> dict[str, str]:
    """The analyzers that cannot be sent to a worker process, with the reason."""
    failed = {}
    for module_id, analyzer in analyzers.by_module.items():
        try:
            pickle.dumps(analyzer)
        except Exception as error:
            failed[module_id] = (
                f"cannot be sent to a worker process ({type(error).__name__}: {error})"
            )
    return failed


def _die_with_parent(parent: int) -> None:
    """Make this worker exit when ``parent`` dies (even by SIGKILL).

    Under ``forkserver`` the worker's own parent is the fork server, which exits
    when ``parent`` does: the worker is tied to whichever process started it.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the parent handles Ctrl+C
    starter = os.getppid()
    if sys.platform == "linux":
        with contextlib.suppress(Exception):
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            pr_set_pdeathsig = 1
            if libc.prctl(pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0) == 0:
                if os.getppid() != starter or not _alive(parent):  # died before prctl
                    os._exit(1)
                return
    watchdog = threading.Thread(target=_watch_parent, args=(starter, parent), daemon=True)
    watchdog.start()


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # exists, owned by someone else
        return True
    return True


def _watch_parent(starter: int, parent: int) -> None:
    event = threading.Event()
    while not event.wait(0.5):  # polling is the only portable way to see a parent die
        if os.getppid() != starter or not _alive(parent):
            os._exit(1)


def _initialize(analyzers: Analyzers, parent: int) -> None:
    _die_with_parent(parent)
    # What the worker inherited or imported lives as long as it does: no collection
    # needs to scan it again (nor to touch, and so copy, a forked parent's pages).
    gc.freeze()
    _state["analyzers"] = analyzers


def _analyse_chunk(chunk: Sequence[tuple[str, str]]) -> list[Outcome]:
    analyzers: Analyzers = _state["analyzers"]
    return [
        _analysed(FileJob(path=path, absolute=Path(absolute)), analyzers)
        for path, absolute in chunk
    ]


def pool_context() -> multiprocessing.context.BaseContext:
    """``fork`` (cheap: nothing to import again) unless threads are running, where it is unsafe."""
    import multiprocessing

    methods = multiprocessing.get_all_start_methods()
    if "fork" in methods and threading.active_count() == 1:
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("forkserver" if "forkserver" in methods else "spawn")


def run_in_workers(
    jobs: Sequence[FileJob],
    analyzers: Analyzers,
    *,
    workers: int,
    advance: Callable[[int], None],
) -> list[Outcome]:
    """Analyse ``jobs`` in ``workers`` processes; outcomes in any order."""
    from concurrent.futures import ProcessPoolExecutor, as_completed

    chunks = [
        [(job.path, str(job.absolute)) for job in jobs[start : start + _CHUNK]]
        for start in range(0, len(jobs), _CHUNK)
    ]
    outcomes: list[Outcome] = []
    with ProcessPoolExecutor(
        max_workers=workers,
        mp_context=pool_context(),
        initializer=_initialize,
        initargs=(analyzers, os.getpid()),
    ) as pool:
        futures = [pool.submit(_analyse_chunk, chunk) for chunk in chunks]
        for future in as_completed(futures):
            done = future.result()
            outcomes.extend(done)
            advance(len(done))
    return outcomes
