"""``LiveTelemetryState``: the latest snapshot and the history, served per audience.

Every entry is a :class:`ProjectedSnapshot` carrying the audience it was
captured under; every read names the reader's audience and gets each entry
projected again for it (an intersection), before any filter looks at it, so a
filter can never probe data the reader may not see.
"""

from __future__ import annotations

from collections.abc import Mapping

import attrs

from chaffra_telemetry._audience import TelemetryAudience
from chaffra_telemetry._projection import ProjectedSnapshot, project, require_projected
from chaffra_telemetry._report import RunReport, StoredReport, report_visible
from chaffra_telemetry._store import ReportPoint, SnapshotStore, StateSource, StoreRead
from chaffra_telemetry.errors import describe_allowed

__all__ = [
    "WINDOWS",
    "HistoryView",
    "LiveTelemetryState",
    "StateStatus",
    "is_valid_window",
    "window_ms",
]

WINDOWS: Mapping[str, int] = {"1h": 3_600_000, "24h": 86_400_000, "7d": 604_800_000}


def is_valid_window(window: str) -> bool:
    """True only for exactly ``1h``, ``24h`` or ``7d``."""
    return window in WINDOWS


def window_ms(window: str) -> int:
    """The length of ``window`` in milliseconds.

    Raises:
        ValueError: for any other window, naming the allowed values.
    """
    try:
        return WINDOWS[window]
    except (KeyError, TypeError):
        raise ValueError(
            f"unknown history window {window!r} ({describe_allowed(WINDOWS)})"
        ) from None


@attrs.frozen(kw_only=True)
class HistoryView:
    """A history query's answer: what the reader may see, with its source label.

    Windows count back from ``anchor_ms``, the newest snapshot's timestamp,
    not from the wall clock.
    """

    source: StateSource
    window: str
    anchor_ms: int
    snapshots: tuple[ProjectedSnapshot, ...]


@attrs.frozen(kw_only=True)
class StateStatus:
    """What the state holds, read in one consistent read.

    ``snapshot_count`` and ``unreadable`` (stored rows that could not be decoded)
    cover the whole history for :meth:`LiveTelemetryState.status` and only the
    newest timestamp for :meth:`LiveTelemetryState.newest`.
    """

    source: StateSource
    newest_timestamp_ms: int | None
    snapshot_count: int
    unreadable: int


def _matches(
    snapshot: ProjectedSnapshot, module: str | None, severity: str | None, metric: str | None
) -> bool:
    if module is not None and not (
        module in snapshot.user_summary.module_summaries
        or module in snapshot.operator_summary.module_call_durations
    ):
        return False
    if severity is not None and snapshot.user_summary.findings_by_severity.get(severity, 0) <= 0:
        return False
    if metric is not None:
        prefix = metric + "."
        return any(p.name == metric or p.name.startswith(prefix) for p in snapshot.data_points)
    return True


class LiveTelemetryState:
    """The live state of one project's telemetry, over a :class:`SnapshotStore`.

    Safe to share between threads (and, with a ``SqliteStore``, between
    processes): each operation is one atomic store call.
    """

    def __init__(self, store: SnapshotStore | None = None) -> None:
        if store is None:
            from chaffra_telemetry._memory_store import MemoryStore

            store = MemoryStore()
        self._store = store

    @property
    def reads_block(self) -> bool:
        """True when reads touch a file (an async caller runs them in a worker thread)."""
        from chaffra_telemetry._memory_store import MemoryStore

        return not isinstance(self._store, MemoryStore)

    @property
    def change_token_blocks(self) -> bool:
        """True when :meth:`change_token` may wait for other work on the store.

        An async caller runs it in a worker thread then; otherwise (memory, or
        a file store's own token connection) it may call it directly.
        """
        from chaffra_telemetry._memory_store import MemoryStore
        from chaffra_telemetry._sqlite_store import SqliteStore

        if isinstance(self._store, MemoryStore):
            return False
        return not (isinstance(self._store, SqliteStore) and self._store.change_token_is_quick)

    def status(self) -> StateStatus:
        """Source, newest timestamp, history size and unreadable rows, in one read."""
        return _status(self._store.read())

    def newest(self) -> StateStatus:
        """Source and newest timestamp, in one read of the newest snapshots only (cheap)."""
        return _status(self._store.read(0))

    def close(self) -> None:
        """Close the store underneath (a no-op for the in-memory default)."""
        self._store.close()

    def __enter__(self) -> LiveTelemetryState:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def push_snapshot(self, snapshot: ProjectedSnapshot) -> None:
        """Add a real run's snapshot; the first one replaces any seeded history.

        Raises:
            TypeError: ``snapshot`` is not a ``ProjectedSnapshot``.
        """
        self._store.push_live(require_projected(snapshot))

    def push_seeded(self, snapshot: ProjectedSnapshot) -> None:
        """Add a demo snapshot (the source label is left as it is).

        Raises:
            TypeError: ``snapshot`` is not a ``ProjectedSnapshot``.
        """
        self._store.push_seeded(require_projected(snapshot))

    def source(self) -> StateSource:
        """``live``, ``seeded`` or ``empty``."""
        return self._store.read(0).source

    def set_source(self, source: StateSource) -> None:
        """Relabel the state (the seeder marks its data ``seeded``)."""
        self._store.set_source(source)

    def clear(self) -> None:
        """Forget everything; the source becomes ``empty``."""
        self._store.clear()

    def snapshot_count(self) -> int:
        """How many snapshots the history holds."""
        return self._store.count()

    def change_token(self) -> int:
        """Changes whenever the state changes, whichever process changed it."""
        return self._store.change_token()

    def current(self, *, audience: TelemetryAudience) -> ProjectedSnapshot | None:
        """The newest snapshot as ``audience`` may see it, or ``None``."""
        newest = self._store.read(0).snapshots
        if not newest or audience is TelemetryAudience.OFF:
            return None
        return project(newest[-1], audience)

    def history(
        self,
        window: str = "7d",
        *,
        audience: TelemetryAudience,
        module: str | None = None,
        severity: str | None = None,
        metric: str | None = None,
    ) -> HistoryView:
        """Snapshots of ``window`` as ``audience`` may see them, filtered (filters AND-combine).

        Raises:
            ValueError: ``window`` is not ``1h``, ``24h`` or ``7d``.
        """
        read = self._store.read(window_ms(window))
        snapshots: tuple[ProjectedSnapshot, ...] = ()
        if audience is not TelemetryAudience.OFF:
            projected = (project(s, audience) for s in read.snapshots)
            snapshots = tuple(s for s in projected if _matches(s, module, severity, metric))
        return HistoryView(
            source=read.source, window=window, anchor_ms=read.anchor_ms, snapshots=snapshots
        )

    def push_report(self, report: RunReport, *, audience: TelemetryAudience) -> bool:
        """Keep a real run's report, captured under ``audience``; the first drops seeded ones.

        A report is user data as a whole: under an audience without the user
        scope nothing is stored. Returns whether the report was stored.

        Raises:
            TypeError: ``report`` is not a ``RunReport``.
        """
        return self._push_report(report, audience=audience, seeded=False)

    def push_seeded_report(self, report: RunReport, *, audience: TelemetryAudience) -> bool:
        """Keep a demo report (the seeder's); like :meth:`push_report` otherwise."""
        return self._push_report(report, audience=audience, seeded=True)

    def _push_report(self, report: RunReport, *, audience: TelemetryAudience, seeded: bool) -> bool:
        if not isinstance(report, RunReport):
            raise TypeError(f"report must be a RunReport, got {type(report).__name__}")
        if not TelemetryAudience(audience).user_enabled:
            return False
        self._store.push_report(StoredReport(report=report, audience=audience, seeded=seeded))
        return True

    def report(
        self, *, audience: TelemetryAudience, command: str | None = None
    ) -> StoredReport | None:
        """The newest report (of ``command``, when given) if ``audience`` may see it."""
        if not audience.user_enabled:
            return None  # no store read: the answer cannot depend on what is stored
        stored = self._store.latest_report(command)
        if stored is None or not report_visible(stored.audience, audience):
            return None
        return stored

    def report_trend(self, *, audience: TelemetryAudience, limit: int) -> tuple[ReportPoint, ...]:
        """Per-file scores of the newest ``limit`` reports ``audience`` may see, oldest first."""
        if not audience.user_enabled:
            return ()
        points = self._store.report_points(limit)
        return tuple(p for p in points if report_visible(p.audience, audience))

    def reports(
        self, *, audience: TelemetryAudience, limit: int, newer_than_ms: int | None = None
    ) -> tuple[StoredReport, ...]:
        """The newest ``limit`` reports (after ``newer_than_ms``, when given) ``audience``
        may see, oldest first: e.g. a function's measures run by run."""
        if not audience.user_enabled:
            return ()  # no store read: the answer cannot depend on what is stored
        found = self._store.recent_reports(limit, newer_than_ms=newer_than_ms)
        return tuple(r for r in found if report_visible(r.audience, audience))


def _status(read: StoreRead) -> StateStatus:
    return StateStatus(
        source=read.source,
        newest_timestamp_ms=read.anchor_ms if read.snapshots else None,
        snapshot_count=len(read.snapshots),
        unreadable=read.unreadable,
    )
