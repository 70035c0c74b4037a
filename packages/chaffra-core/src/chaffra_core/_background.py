"""Work a long-running producer does after it answered: one at a time, the latest wins.

A save's telemetry run or a watch iteration's run report must not hold up the
next diagnostics, yet must not be lost either. :class:`LatestWork` runs the
work handed to it on a thread of its own, in order; work handed in while other
work waits replaces it (a burst of saves stores the state after the last one).

The thread is made on first use and kept until :meth:`LatestWork.close`: a
new thread per burst would get memory of its own from the C allocator each
time (a watch grew by megabytes an edit that way). It is a daemon, and the
interpreter waits for the work still queued when it exits, so the last piece
is not lost on the way out.
"""

from __future__ import annotations

import atexit
import sys
import threading
from collections.abc import Callable
from typing import TextIO

__all__ = ["LatestWork"]


class LatestWork:
    """Runs work on a background thread, one piece at a time, keeping only the newest waiting.

    A piece that raises is a warning on ``stderr`` (default ``sys.stderr``),
    never the end of the work after it.
    """

    def __init__(self, name: str, *, stderr: TextIO | None = None) -> None:
        self.name = name
        self._stderr = stderr
        self._lock = threading.Condition()
        self._waiting: Callable[[], None] | None = None
        self._busy = False
        self._thread: threading.Thread | None = None
        self._stop = False

    def submit(self, work: Callable[[], None]) -> None:
        """Run ``work`` after what is running now, instead of anything still waiting."""
        with self._lock:
            self._waiting, self._busy = work, True
            self._lock.notify_all()
            if self._thread is None:
                self._thread = threading.Thread(target=self._serve, name=self.name, daemon=True)
                self._thread.start()
                atexit.register(self.wait)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until no work runs or waits (at most ``timeout`` seconds); whether it is so."""
        with self._lock:
            return self._lock.wait_for(lambda: not self._busy, timeout)

    def close(self) -> None:
        """Do the work still queued, then end the thread (a later :meth:`submit` makes a new
        one): a process that forks workers must not hold threads it no longer needs."""
        with self._lock:
            thread, self._thread = self._thread, None
            self._stop = True
            self._lock.notify_all()
        if thread is not None:
            thread.join()
            atexit.unregister(self.wait)
        with self._lock:
            self._stop = False

    @property
    def idle(self) -> bool:
        """Whether no work runs or waits."""
        with self._lock:
            return not self._busy

    def _serve(self) -> None:
        while True:
            with self._lock:
                self._lock.wait_for(lambda: self._waiting is not None or self._stop)
                work, self._waiting = self._waiting, None
            if work is None:
                return  # closed, and nothing left to do
            try:
                work()
            except Exception as error:  # one failed piece must not stop the ones after it
                out = self._stderr if self._stderr is not None else sys.stderr
                out.write(f"Warning: {self.name}: {type(error).__name__}: {error}\n")
            with self._lock:
                if self._waiting is None:
                    self._busy = False
                    self._lock.notify_all()
