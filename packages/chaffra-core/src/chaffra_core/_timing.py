"""``ModuleTelemetry``: the tiny per-module timer the host wraps around each call."""

from __future__ import annotations

import time
from collections.abc import Callable

__all__ = ["ModuleTelemetry"]


class ModuleTelemetry:
    """Elapsed whole milliseconds of one module call, from a monotonic clock, and counters.

    ``stop`` without ``start`` keeps 0.
    """

    def __init__(self, module_id: str, *, clock: Callable[[], float] = time.monotonic) -> None:
        self.module_id = module_id
        self._clock = clock
        self._started: float | None = None
        self.duration_ms = 0
        self.counters: dict[str, int] = {}

    def start(self) -> None:
        """Start (or restart) timing."""
        self._started = self._clock()

    def stop(self) -> int:
        """Stop timing; returns the elapsed whole milliseconds (0 if never started)."""
        if self._started is not None:
            self.duration_ms = max(0, int((self._clock() - self._started) * 1000))
            self._started = None
        return self.duration_ms

    def increment(self, name: str, amount: int = 1) -> None:
        """Add ``amount`` to counter ``name``."""
        self.counters[name] = self.counters.get(name, 0) + amount
