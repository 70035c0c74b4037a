"""The snapshot store protocol that :class:`LiveTelemetryState` sits on.

A store keeps projected snapshots (each carrying the audience it was captured
under) in timestamp order and applies the source transitions atomically, so
several threads, or with :class:`SqliteStore` several processes, can push and
read at once. Projection for a reader, windows and filters live in
:class:`LiveTelemetryState`, not here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import attrs

from chaffra_telemetry._audience import TelemetryAudience
from chaffra_telemetry._compat import StrEnum
from chaffra_telemetry._projection import ProjectedSnapshot
from chaffra_telemetry._report import StoredReport

__all__ = ["DEFAULT_CAPACITY", "ReportPoint", "SnapshotStore", "StateSource", "StoreRead"]

DEFAULT_CAPACITY = 1000


class StateSource(StrEnum):
    """Where the state's snapshots come from."""

    LIVE = "live"
    SEEDED = "seeded"
    EMPTY = "empty"


@attrs.frozen(kw_only=True)
class StoreRead:
    """One consistent read: the source and the snapshots, taken under one lock or transaction.

    ``anchor_ms`` is the newest snapshot's timestamp (0 when empty); windows count back from it.
    ``unreadable`` counts stored rows left out because they could not be decoded
    (only a persistent store has any).
    """

    source: StateSource
    anchor_ms: int
    snapshots: tuple[ProjectedSnapshot, ...]
    unreadable: int = 0


@attrs.frozen(kw_only=True)
class ReportPoint:
    """One stored report reduced to what a trend needs: its time, health model and file scores.

    Scores of different health models do not compare: a trend keeps one model's.
    """

    timestamp_ms: int
    audience: TelemetryAudience
    seeded: bool
    model: int = 0
    scores: Mapping[str, float | None]


class SnapshotStore(Protocol):
    """Storage for projected snapshots, ordered by timestamp with ties in push order.

    Semantics every implementation passes (one shared test suite):

    - ``push_live``: atomically, if the source is ``seeded`` the whole history is
      cleared first; the snapshot is inserted at its sorted position (after equal
      timestamps); at capacity the oldest is evicted, unless the incoming
      snapshot is itself older than every retained one, in which case it is
      dropped; the source becomes ``live``.
    - ``push_seeded``: the same insertion and eviction; the source is unchanged.
    - the newest snapshot (greatest timestamp, ties to the latest push) is the current one.
    - run reports sit beside the snapshots, ordered the same way and kept by
      their own count (``push_report``); a ``push_live`` that clears seeded
      history clears the reports too, and ``clear`` drops them all.
    """

    @property
    def capacity(self) -> int:
        """The most snapshots kept."""
        ...

    def push_live(self, snapshot: ProjectedSnapshot) -> None:
        """Store a snapshot of a real run."""
        ...

    def push_seeded(self, snapshot: ProjectedSnapshot) -> None:
        """Store a demo snapshot."""
        ...

    def set_source(self, source: StateSource) -> None:
        """Set the source label, with no other effect."""
        ...

    def push_report(self, stored: StoredReport) -> None:
        """Store a run report (a live one first drops any seeded reports)."""
        ...

    def latest_report(self, command: str | None = None) -> StoredReport | None:
        """The newest readable report (of ``command`` only, when given)."""
        ...

    def report_points(self, limit: int) -> tuple[ReportPoint, ...]:
        """The newest ``limit`` readable reports' scores, oldest first."""
        ...

    def recent_reports(
        self, limit: int, *, newer_than_ms: int | None = None
    ) -> tuple[StoredReport, ...]:
        """The newest ``limit`` readable reports (only those after ``newer_than_ms``, when
        given), oldest first."""
        ...

    def clear(self) -> None:
        """Drop every snapshot; the source becomes ``empty``."""
        ...

    def read(self, window_ms: int | None = None) -> StoreRead:
        """Source and snapshots with ``timestamp_ms >= max(0, anchor - window_ms)``, ascending.

        ``window_ms=None`` returns every snapshot.
        """
        ...

    def count(self) -> int:
        """Number of stored snapshots."""
        ...

    def change_token(self) -> int:
        """A number that changes whenever the stored state changes (from any process)."""
        ...

    def close(self) -> None:
        """Release resources (a no-op for in-memory stores)."""
        ...

    def __enter__(self) -> SnapshotStore:
        """The store itself; leaving the block closes it."""
        ...

    def __exit__(self, *_: object) -> None:
        """Close the store."""
        ...
