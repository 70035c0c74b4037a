"""The in-process snapshot store: a sorted, bounded list under one lock."""

from __future__ import annotations

import threading
from bisect import bisect_left, bisect_right

from chaffra_telemetry._projection import ProjectedSnapshot
from chaffra_telemetry._report import StoredReport, file_scores
from chaffra_telemetry._sqlite_reports import DEFAULT_REPORT_CAPACITY
from chaffra_telemetry._store import DEFAULT_CAPACITY, ReportPoint, StateSource, StoreRead

__all__ = ["MemoryStore"]


class MemoryStore:
    """A :class:`SnapshotStore` held in memory, shared by the threads of one process.

    Snapshots sit in a list sorted by ``(timestamp_ms, push order)`` beside a
    parallel list of their timestamps, so an insertion and a window's cutoff are
    one :func:`bisect` each. Every public method takes the lock exactly once.
    """

    __slots__ = (
        "_capacity",
        "_head",
        "_lock",
        "_report_capacity",
        "_reports",
        "_snapshots",
        "_source",
        "_timestamps",
        "_token",
    )

    def __init__(
        self, capacity: int = DEFAULT_CAPACITY, *, report_capacity: int = DEFAULT_REPORT_CAPACITY
    ) -> None:
        """An empty store keeping ``capacity`` snapshots and ``report_capacity`` reports at most.

        Raises:
            ValueError: ``capacity`` or ``report_capacity`` is less than 1.
        """
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        if report_capacity < 1:
            raise ValueError(f"report_capacity must be at least 1, got {report_capacity}")
        self._capacity = capacity
        self._report_capacity = report_capacity
        self._reports: list[StoredReport] = []
        self._lock = threading.Lock()
        # Evicted entries are not deleted from the front one by one (a memmove of
        # the whole list each time); ``_head`` skips them and ``_compact`` drops
        # them in bulk, which keeps eviction O(1) amortized at any capacity.
        self._head = 0
        self._timestamps: list[int] = []
        self._snapshots: list[ProjectedSnapshot] = []
        self._source = StateSource.EMPTY
        self._token = 0

    @property
    def capacity(self) -> int:
        """The most snapshots kept."""
        return self._capacity

    def push_live(self, snapshot: ProjectedSnapshot) -> None:
        """Store a snapshot of a real run (clears seeded history first; source becomes live)."""
        with self._lock:
            if self._source is StateSource.SEEDED:
                self._drop_all()
            self._insert(snapshot)
            self._source = StateSource.LIVE
            self._token += 1

    def push_seeded(self, snapshot: ProjectedSnapshot) -> None:
        """Store a demo snapshot; the source is unchanged."""
        with self._lock:
            self._insert(snapshot)
            self._token += 1

    def set_source(self, source: StateSource) -> None:
        """Set the source label, with no other effect."""
        with self._lock:
            self._source = StateSource(source)
            self._token += 1

    def clear(self) -> None:
        """Drop every snapshot; the source becomes ``empty``."""
        with self._lock:
            self._drop_all()
            self._source = StateSource.EMPTY
            self._token += 1

    def push_report(self, stored: StoredReport) -> None:
        """Store a run report (a live one first drops any seeded reports)."""
        with self._lock:
            reports = self._reports
            if not stored.seeded:
                reports = [r for r in reports if not r.seeded]
            stamps = [r.report.timestamp_ms for r in reports]
            reports.insert(bisect_right(stamps, stored.report.timestamp_ms), stored)
            self._reports = reports[-self._report_capacity :]
            self._token += 1

    def latest_report(self, command: str | None = None) -> StoredReport | None:
        """The newest report (of ``command`` only, when given)."""
        with self._lock:
            reports = self._reports
        for stored in reversed(reports):
            if command is None or stored.report.command == command:
                return stored
        return None

    def report_points(self, limit: int) -> tuple[ReportPoint, ...]:
        """The newest ``limit`` reports' scores, oldest first."""
        with self._lock:
            reports = self._reports[-limit:] if limit > 0 else []
        return tuple(
            ReportPoint(
                timestamp_ms=r.report.timestamp_ms,
                audience=r.audience,
                seeded=r.seeded,
                model=r.report.health.model,
                scores=file_scores(r.report),
            )
            for r in reports
        )

    def recent_reports(
        self, limit: int, *, newer_than_ms: int | None = None
    ) -> tuple[StoredReport, ...]:
        """The newest ``limit`` reports (after ``newer_than_ms``, when given), oldest first."""
        with self._lock:
            reports = self._reports[-limit:] if limit > 0 else []
        return tuple(
            r for r in reports if newer_than_ms is None or r.report.timestamp_ms > newer_than_ms
        )

    def read(self, window_ms: int | None = None) -> StoreRead:
        """Source and snapshots with ``timestamp_ms >= max(0, anchor - window_ms)``, ascending.

        Raises:
            ValueError: ``window_ms`` is negative.
        """
        if window_ms is not None and window_ms < 0:
            raise ValueError(f"window_ms must be non-negative, got {window_ms}")
        with self._lock:
            timestamps = self._timestamps
            if len(timestamps) == self._head:
                return StoreRead(source=self._source, anchor_ms=0, snapshots=())
            anchor = timestamps[-1]
            start = self._head
            if window_ms is not None:
                start = bisect_left(timestamps, max(0, anchor - window_ms), start)
            return StoreRead(
                source=self._source, anchor_ms=anchor, snapshots=tuple(self._snapshots[start:])
            )

    def count(self) -> int:
        """Number of stored snapshots."""
        with self._lock:
            return len(self._timestamps) - self._head

    def change_token(self) -> int:
        """A counter bumped by every mutating call."""
        with self._lock:
            return self._token

    def close(self) -> None:
        """Nothing to release; the store stays usable."""

    def __enter__(self) -> MemoryStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _insert(self, snapshot: ProjectedSnapshot) -> None:
        # Insert after equal timestamps, then evict the front if over capacity: an
        # incoming snapshot older than every retained one lands at the front and
        # is the one evicted, so a stale push never displaces newer history.
        timestamp = snapshot.timestamp_ms
        index = bisect_right(self._timestamps, timestamp, self._head)
        self._timestamps.insert(index, timestamp)
        self._snapshots.insert(index, snapshot)
        if len(self._timestamps) - self._head > self._capacity:
            self._head += 1
            if self._head >= self._capacity:
                self._compact()

    def _compact(self) -> None:
        del self._timestamps[: self._head]
        del self._snapshots[: self._head]
        self._head = 0

    def _drop_all(self) -> None:
        self._reports = []
        self._timestamps = []
        self._snapshots = []
        self._head = 0
