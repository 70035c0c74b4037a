"""Helpers for tests of code that uses chaffra-telemetry.

``InMemoryCapture`` records what a flush would emit, exactly as projected, so a
test can assert on the payload without touching files or sockets. The
hypothesis strategies live in :mod:`chaffra_telemetry.testing.strategies`
(which needs ``hypothesis`` installed).
"""

from __future__ import annotations

from typing import Any

from chaffra_telemetry._audience import TelemetryAudience
from chaffra_telemetry._collector import TelemetryCollector
from chaffra_telemetry._projection import ProjectedSnapshot, project, require_projected

__all__ = ["FakeClock", "InMemoryCapture", "capture_run"]


class InMemoryCapture:
    """A backend that keeps every projected snapshot handed to it, in order.

    Like every output boundary it accepts only a :class:`ProjectedSnapshot`
    and raises ``TypeError`` for a raw snapshot.
    """

    def __init__(self, name: str = "in-memory") -> None:
        self.name = name
        self.snapshots: list[ProjectedSnapshot] = []

    def flush(self, snapshot: ProjectedSnapshot) -> None:
        """Keep ``snapshot``."""
        self.snapshots.append(require_projected(snapshot))

    def test_connection(self) -> str:
        """Always usable."""
        return "in-memory capture"

    def inspect(self, snapshot: ProjectedSnapshot) -> str:
        """The JSON a file backend would write."""
        return require_projected(snapshot).to_json()

    @property
    def payloads(self) -> list[dict[str, Any]]:
        """The JSON documents a file backend would have written."""
        return [s.to_dict() for s in self.snapshots]

    @property
    def last(self) -> ProjectedSnapshot:
        """The most recent snapshot (``IndexError`` when nothing was flushed)."""
        return self.snapshots[-1]

    def metric_names(self) -> set[str]:
        """Every data point and definition name that was flushed."""
        return {p.name for s in self.snapshots for p in s.data_points} | {
            n for s in self.snapshots for n in s.definitions
        }

    def clear(self) -> None:
        """Forget what was captured."""
        self.snapshots.clear()


def capture_run(
    collector: TelemetryCollector, audience: TelemetryAudience | None = None
) -> InMemoryCapture:
    """Snapshot ``collector``, project it (for its own audience by default) and capture it."""
    capture = InMemoryCapture()
    target = audience if audience is not None else collector.config.audience
    capture.flush(project(collector.snapshot(), target))
    return capture


class FakeClock:
    """A controllable clock: ``clock_ms`` and ``monotonic_s`` for a collector."""

    def __init__(self, start_ms: int = 1_718_000_000_000) -> None:
        self.now_ms = start_ms

    def advance(self, ms: int) -> None:
        """Move time forward by ``ms`` milliseconds."""
        self.now_ms += ms

    def clock_ms(self) -> int:
        """Wall clock, Unix ms."""
        return self.now_ms

    def monotonic_s(self) -> float:
        """Monotonic clock, seconds."""
        return self.now_ms / 1000
