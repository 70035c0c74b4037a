"""The persistent snapshot store: one SQLite file shared by every process of a project.

Each write is one ``BEGIN IMMEDIATE`` transaction, so concurrent producers
(CLI runs, watch, LSP, MCP) serialize on SQLite's write lock and a reader never
sees half a push. The database runs in WAL mode: readers do not block the
writer and see every committed push without reopening. ``synchronous=NORMAL``
keeps a commit durable when a process is killed (the WAL is in the OS page
cache); only a power loss may forget the last commits, never corrupt the file.

Rows never change once written and ``seq`` is never reused (``AUTOINCREMENT``),
so decoded snapshots are cached per ``seq``: a repeated window read decodes only
the rows pushed since. A row that cannot be decoded (bad JSON, wrong types, an
unknown audience, a timestamp that disagrees with its payload) is skipped and
counted, never fatal: one bad row must not take a dashboard down.
"""

from __future__ import annotations

import contextlib
import sqlite3
import sys
import threading
from collections.abc import Iterable, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TextIO

from chaffra_telemetry._project_dir import safe_project_dir
from chaffra_telemetry._projection import ProjectedSnapshot
from chaffra_telemetry._report import StoredReport
from chaffra_telemetry._snapshot_codec import EncodedSnapshot, decode_snapshot, encode_snapshot
from chaffra_telemetry._sqlite_db import (
    SCHEMA_VERSION,
    io_error,
    open_database,
    read_generation,
    read_source,
    transaction,
    write_transaction,
)
from chaffra_telemetry._sqlite_reports import DEFAULT_REPORT_CAPACITY, ReportReader, insert_report
from chaffra_telemetry._store import ReportPoint, StateSource, StoreRead
from chaffra_telemetry._store_recovery import check_store_files, move_aside
from chaffra_telemetry.errors import (
    TelemetryIOError,
    TelemetrySerializationError,
    TelemetryStoreCorrupt,
    UnsafeProjectDirectory,
)

__all__ = [
    "DB_FILE",
    "DEFAULT_MAX_AGE_MS",
    "DEFAULT_SQLITE_CAPACITY",
    "SCHEMA_VERSION",
    "SqliteStore",
]

DB_FILE = "telemetry.db"
"""File name of the project's store under ``<project>/.chaffra/``."""

DEFAULT_SQLITE_CAPACITY = 10_000
DEFAULT_MAX_AGE_MS = 90 * 24 * 3_600_000

_IN_MEMORY = Path(":memory:")
# SQLite types values per row: only rows whose timestamp is an integer can be ordered.
_TIMED = "typeof(timestamp_ms) = 'integer'"
_TOKEN_TIMEOUT_S = 0.5  # a WAL reader waits only while a crashed writer's log is recovered
_CHUNK = 500  # bound on ``?`` parameters per statement (old SQLite builds allow 999)


class SqliteStore:
    """A :class:`SnapshotStore` in a SQLite database file, shared across processes.

    Beyond the protocol it keeps at most ``capacity`` snapshots and
    ``report_capacity`` run reports, and drops rows older than the newest one
    by more than ``max_age_ms`` (``None``: no age limit).

    One connection serves every thread of the store, guarded by a lock
    (``check_same_thread=False``): SQLite serializes writers anyway, the decode
    cache is shared per store, and :meth:`close` can close the one connection
    from any thread, where per-thread connections would leak those of threads
    that ended.
    """

    def __init__(
        self,
        path: Path,
        *,
        capacity: int = DEFAULT_SQLITE_CAPACITY,
        max_age_ms: int | None = DEFAULT_MAX_AGE_MS,
        busy_timeout_s: float = 10.0,
        report_capacity: int = DEFAULT_REPORT_CAPACITY,
    ) -> None:
        """Open (creating if absent) the store at ``path``.

        Raises:
            ValueError: ``capacity``, ``report_capacity`` or ``max_age_ms`` is less
                than 1, or ``busy_timeout_s`` < 0.
            TelemetryStoreCorrupt: the file is not a usable store (not a database,
                corrupt or truncated, another schema, or a newer schema version).
            TelemetryIOError: the file cannot be opened (permission denied, a
                directory, a missing parent). Both messages name the file.
        """
        if capacity < 1:
            raise ValueError(f"capacity must be at least 1, got {capacity}")
        if max_age_ms is not None and max_age_ms < 1:
            raise ValueError(f"max_age_ms must be at least 1 or None, got {max_age_ms}")
        if busy_timeout_s < 0:
            raise ValueError(f"busy_timeout_s must be non-negative, got {busy_timeout_s}")
        if report_capacity < 1:
            raise ValueError(f"report_capacity must be at least 1, got {report_capacity}")
        self._report_capacity = report_capacity
        self._report_reader = ReportReader()
        self._token_lock = threading.Lock()
        self._token_connection: sqlite3.Connection | None = None
        self._closed = False
        self._path = Path(path)
        self._capacity = capacity
        self._max_age_ms = max_age_ms
        self._lock = threading.Lock()
        self._cache: dict[int, ProjectedSnapshot] = {}
        self._unreadable: set[int] = set()  # seqs whose row failed to decode
        self._cache_generation = -1
        self._connection = open_database(self._path, busy_timeout_s)

    @classmethod
    def for_project(
        cls,
        root: Path,
        *,
        capacity: int = DEFAULT_SQLITE_CAPACITY,
        max_age_ms: int | None = DEFAULT_MAX_AGE_MS,
        busy_timeout_s: float = 10.0,
        stderr: TextIO | None = None,
    ) -> SqliteStore:
        """Open the store of the project at ``root``: ``<root>/.chaffra/telemetry.db``.

        Never fails because of what the project holds, so telemetry cannot change
        the outcome of a run:

        - a store file that is corrupt, truncated, not SQLite, of a newer schema,
          or a symlink (the database or its ``-wal``/``-shm``/``-journal``) is
          moved aside to ``telemetry.db.corrupt-<timestamp>`` (companions too),
          one warning on ``stderr`` (default ``sys.stderr``) says so, and a fresh
          store starts;
        - when ``.chaffra`` is unsafe (a symlink, not a directory, someone
          else's), nothing is written under the project and an in-memory store
          stands in, silently: the telemetry lifecycle reports the problem once;
        - any other failure (permissions, a read-only disk): a warning, and an
          in-memory store stands in. :attr:`persistent` tells the cases apart.
        """
        out = stderr if stderr is not None else sys.stderr

        def open_at(path: Path) -> SqliteStore:
            return cls(
                path, capacity=capacity, max_age_ms=max_age_ms, busy_timeout_s=busy_timeout_s
            )

        try:
            path = safe_project_dir(root) / DB_FILE
            try:
                check_store_files(path)
                return open_at(path)
            except TelemetryStoreCorrupt as error:
                moved = move_aside(path)
                out.write(
                    f"Warning: {error}; moved it aside to {moved.name} and started a new"
                    " telemetry history\n"
                )
                return open_at(path)
        except UnsafeProjectDirectory:
            return open_at(_IN_MEMORY)
        except TelemetryIOError as error:
            out.write(f"Warning: telemetry history unavailable, this run is not stored: {error}\n")
            return open_at(_IN_MEMORY)

    @property
    def persistent(self) -> bool:
        """False for the in-memory stand-in :meth:`for_project` opens when the file is unusable."""
        return self._path != _IN_MEMORY

    @property
    def path(self) -> Path:
        """The database file."""
        return self._path

    @property
    def capacity(self) -> int:
        """The most snapshots kept."""
        return self._capacity

    def push_live(self, snapshot: ProjectedSnapshot) -> None:
        """Store a snapshot of a real run (clears seeded history first; source becomes live).

        Raises:
            TelemetryIOError: the snapshot could not be stored.
        """
        self._push(snapshot, live=True)

    def push_seeded(self, snapshot: ProjectedSnapshot) -> None:
        """Store a demo snapshot; the source is unchanged.

        Raises:
            TelemetryIOError: the snapshot could not be stored.
        """
        self._push(snapshot, live=False)

    def set_source(self, source: StateSource) -> None:
        """Set the source label, with no other effect.

        Raises:
            TelemetryIOError: the database could not be written.
        """
        value = StateSource(source).value
        with self._lock, self._write("set the source of") as cursor:
            cursor.execute("UPDATE meta SET value = ? WHERE key = 'source'", (value,))

    def clear(self) -> None:
        """Drop every snapshot; the source becomes ``empty``.

        Raises:
            TelemetryIOError: the database could not be written.
        """
        with self._lock, self._write("clear") as cursor:
            cursor.execute("DELETE FROM snapshots")
            cursor.execute("DELETE FROM reports")
            cursor.execute("UPDATE meta SET value = 'empty' WHERE key = 'source'")

    def read(self, window_ms: int | None = None) -> StoreRead:
        """Source and snapshots with ``timestamp_ms >= max(0, anchor - window_ms)``, ascending.

        The anchor is the newest readable snapshot's timestamp. Rows that cannot
        be decoded are left out and counted in ``unreadable`` (those in the
        window, and those newer than the anchor).

        Raises:
            ValueError: ``window_ms`` is negative.
            TelemetryIOError: the database could not be read.
        """
        if window_ms is not None and window_ms < 0:
            raise ValueError(f"window_ms must be non-negative, got {window_ms}")
        with self._lock, self._transaction("BEGIN", "read") as cursor:
            source = read_source(cursor)
            self._prune_cache(cursor)
            untimed = cursor.execute(f"SELECT count(*) FROM snapshots WHERE NOT {_TIMED}")
            unreadable = int(untimed.fetchone()[0])
            anchor, skipped = self._anchor(cursor)
            if anchor is None:
                return StoreRead(
                    source=source, anchor_ms=0, snapshots=(), unreadable=unreadable + skipped
                )
            cutoff = 0 if window_ms is None else max(0, anchor - window_ms)
            seqs = [
                row[0]
                for row in cursor.execute(
                    f"SELECT seq FROM snapshots WHERE {_TIMED} AND timestamp_ms >= ?"
                    " AND timestamp_ms <= ? ORDER BY timestamp_ms, seq",
                    (cutoff, anchor),
                )
            ]
            self._fill_cache(cursor, [seq for seq in seqs if self._unknown(seq)])
            cache = self._cache
            readable = [seq for seq in seqs if seq in cache]
            snapshots = tuple(cache[seq] for seq in readable)
            if len(cache) > self._capacity:
                # Another writer cleared the file, or keeps more rows than we do.
                self._cache = dict(zip(readable, snapshots, strict=True))
        unreadable += skipped + len(seqs) - len(readable)
        return StoreRead(
            source=source, anchor_ms=anchor, snapshots=snapshots, unreadable=unreadable
        )

    def push_report(self, stored: StoredReport) -> None:
        """Store a run report (a live one first drops any seeded reports).

        Raises:
            TelemetryIOError: the report could not be stored (the previous ones stay).
        """
        with self._lock, self._write("store a run report in") as cursor:
            if not stored.seeded:
                cursor.execute("DELETE FROM reports WHERE seeded != 0")
            insert_report(
                cursor, stored, capacity=self._report_capacity, max_age_ms=self._max_age_ms
            )

    def latest_report(self, command: str | None = None) -> StoredReport | None:
        """The newest readable report (of ``command`` only, when given); bad rows are skipped.

        Raises:
            TelemetryIOError: the database could not be read.
        """
        with self._lock, self._transaction("BEGIN", "read") as cursor:
            return self._report_reader.latest(cursor, command)

    def report_points(self, limit: int) -> tuple[ReportPoint, ...]:
        """The newest ``limit`` reports' per-file scores, oldest first; bad rows are skipped.

        Raises:
            TelemetryIOError: the database could not be read.
        """
        with self._lock, self._transaction("BEGIN", "read") as cursor:
            return self._report_reader.points(cursor, limit)

    def recent_reports(
        self, limit: int, *, newer_than_ms: int | None = None
    ) -> tuple[StoredReport, ...]:
        """The newest ``limit`` readable reports (after ``newer_than_ms``, when given),
        oldest first; bad rows are skipped.

        Raises:
            TelemetryIOError: the database could not be read.
        """
        with self._lock, self._transaction("BEGIN", "read") as cursor:
            return self._report_reader.recent(cursor, limit, newer_than_ms)

    def _unknown(self, seq: int) -> bool:
        return seq not in self._cache and seq not in self._unreadable

    def _anchor(self, cursor: sqlite3.Cursor) -> tuple[int | None, int]:
        """The newest readable timestamp and how many unreadable rows are newer."""
        skipped = 0
        # Its own cursor: filling the cache runs queries while this one is read lazily.
        with contextlib.closing(self._connection.cursor()) as newest_first:
            newest_first.execute(
                f"SELECT seq, timestamp_ms FROM snapshots WHERE {_TIMED}"
                " ORDER BY timestamp_ms DESC, seq DESC"
            )
            for seq, timestamp_ms in newest_first:
                if self._unknown(seq):
                    self._fill_cache(cursor, [seq])
                if seq in self._cache:
                    return int(timestamp_ms), skipped
                skipped += 1
        return None, skipped

    def count(self) -> int:
        """Number of stored snapshots.

        Raises:
            TelemetryIOError: the database could not be read.
        """
        with self._lock, self._transaction("BEGIN", "read") as cursor:
            count: int = cursor.execute("SELECT count(*) FROM snapshots").fetchone()[0]
            return count

    @property
    def change_token_is_quick(self) -> bool:
        """True when :meth:`change_token` never waits for the store's other reads and writes.

        A file store reads its token through a connection of its own, outside
        the store's lock: one indexed row, without a transaction of its own, so
        an event loop may call it directly. The in-memory stand-in cannot (a
        second connection would open another, empty database).
        """
        return self.persistent

    def change_token(self) -> int:
        """The generation counter, bumped by every write transaction of any process.

        Raises:
            TelemetryIOError: the database could not be read, or the store is closed.
        """
        if not self.persistent:
            with self._lock, self._transaction("BEGIN", "read") as cursor:
                return read_generation(cursor)
        with self._token_lock:
            try:
                if self._closed:
                    raise sqlite3.ProgrammingError("the store is closed")
                if self._token_connection is None:
                    self._token_connection = sqlite3.connect(
                        self._path,
                        timeout=_TOKEN_TIMEOUT_S,
                        isolation_level=None,
                        check_same_thread=False,  # used under self._token_lock only
                    )
                with contextlib.closing(self._token_connection.cursor()) as cursor:
                    return read_generation(cursor)
            except sqlite3.Error as error:
                raise io_error(f"cannot read {self._path}", error) from error

    def close(self) -> None:
        """Close the connections; the store is unusable afterwards. Idempotent."""
        with self._lock:
            self._connection.close()
            self._cache = {}
        with self._token_lock:
            self._closed = True
            if self._token_connection is not None:
                self._token_connection.close()
                self._token_connection = None

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def _push(self, snapshot: ProjectedSnapshot, *, live: bool) -> None:
        self._push_all([encode_snapshot(snapshot)], live=live)

    def push_live_many(self, snapshots: Iterable[ProjectedSnapshot]) -> None:
        """Store many snapshots of real runs in one transaction (an import, a benchmark's fill).

        The same as :meth:`push_live` for each, in order, but committed once:
        the retention rules apply to the whole batch at the end.

        Raises:
            TelemetryIOError: the snapshots could not be stored (none of them is).
        """
        self._push_all([encode_snapshot(snapshot) for snapshot in snapshots], live=True)

    def _push_all(self, encoded: Sequence[EncodedSnapshot], *, live: bool) -> None:
        with self._lock, self._write("store a snapshot in") as cursor:
            if live and read_source(cursor) is StateSource.SEEDED:
                cursor.execute("DELETE FROM snapshots")
                cursor.execute("DELETE FROM reports")
            cursor.executemany(
                "INSERT INTO snapshots (timestamp_ms, audience, payload, untrusted)"
                " VALUES (?, ?, ?, ?)",
                ((e.timestamp_ms, e.audience, e.payload, e.untrusted) for e in encoded),
            )
            # Inserted first, then the oldest rows beyond capacity go: a stale
            # snapshot older than every retained one is the one removed.
            excess = cursor.execute("SELECT count(*) FROM snapshots").fetchone()[0] - self._capacity
            if excess > 0:
                cursor.execute(
                    "DELETE FROM snapshots WHERE seq IN"
                    " (SELECT seq FROM snapshots ORDER BY timestamp_ms, seq LIMIT ?)",
                    (excess,),
                )
            if self._max_age_ms is not None:
                cursor.execute(
                    "DELETE FROM snapshots"
                    " WHERE timestamp_ms < (SELECT max(timestamp_ms) FROM snapshots) - ?",
                    (self._max_age_ms,),
                )
            if live:
                cursor.execute("UPDATE meta SET value = 'live' WHERE key = 'source'")

    def _prune_cache(self, cursor: sqlite3.Cursor) -> None:
        # Rows leave only from the old end of (timestamp_ms, seq) order (eviction,
        # age) or all at once (clear), so entries below the oldest row are gone.
        generation = read_generation(cursor)
        if generation == self._cache_generation:
            return
        self._cache_generation = generation
        oldest = cursor.execute(
            f"SELECT timestamp_ms, seq FROM snapshots WHERE {_TIMED}"
            " ORDER BY timestamp_ms, seq LIMIT 1"
        ).fetchone()
        floor = (0, 0) if oldest is None else tuple(oldest)
        self._cache = {
            seq: snapshot
            for seq, snapshot in self._cache.items()
            if (snapshot.timestamp_ms, seq) >= floor
        }
        if self._unreadable:
            present = {row[0] for row in cursor.execute("SELECT seq FROM snapshots")}
            self._unreadable &= present

    def _fill_cache(self, cursor: sqlite3.Cursor, seqs: Sequence[int]) -> None:
        for start in range(0, len(seqs), _CHUNK):
            chunk = seqs[start : start + _CHUNK]
            rows = cursor.execute(
                "SELECT seq, timestamp_ms, audience, payload, untrusted FROM snapshots"
                f" WHERE seq IN ({','.join('?' * len(chunk))})",
                chunk,
            )
            for seq, timestamp_ms, audience, payload, untrusted in rows:
                encoded = EncodedSnapshot(
                    timestamp_ms=timestamp_ms,
                    audience=audience,
                    payload=payload,
                    untrusted=untrusted,
                )
                try:
                    snapshot = decode_snapshot(encoded)
                except TelemetrySerializationError:
                    self._unreadable.add(seq)
                    continue
                if snapshot.timestamp_ms != timestamp_ms:
                    self._unreadable.add(seq)  # its order and window would be a lie
                    continue
                self._cache[seq] = snapshot

    def _write(self, action: str) -> AbstractContextManager[sqlite3.Cursor]:
        """A write transaction (the generation bumped); errors name ``action`` and the file."""
        return write_transaction(self._connection, self._path, action)

    def _transaction(self, begin: str, action: str) -> AbstractContextManager[sqlite3.Cursor]:
        """One transaction; any SQLite error becomes a TelemetryIOError naming the file."""
        return transaction(self._connection, self._path, begin, action)
