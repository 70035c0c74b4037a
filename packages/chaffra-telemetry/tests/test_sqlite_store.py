"""SqliteStore specifics: the file, its schema, retention, errors and other processes."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chaffra_telemetry import TelemetryAudience, TelemetrySnapshot, UserSummary, project
from chaffra_telemetry._projection import ProjectedSnapshot
from chaffra_telemetry._sqlite_store import DB_FILE, SCHEMA_VERSION, SqliteStore
from chaffra_telemetry._store import StateSource
from chaffra_telemetry.errors import TelemetryIOError, TelemetryStoreCorrupt

WORKER = Path(__file__).with_name("store_worker.py")
TIMEOUT_S = 60.0


def snap(timestamp_ms: int, tag: int = 0) -> ProjectedSnapshot:
    raw = TelemetrySnapshot(timestamp_ms=timestamp_ms, user_summary=UserSummary(files_total=tag))
    return project(raw, TelemetryAudience.ON)


@contextlib.contextmanager
def raw(path: Path) -> Iterator[sqlite3.Connection]:
    """A plain connection to the store's file (autocommit), closed afterwards."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        yield connection
    finally:
        connection.close()


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / DB_FILE


@pytest.fixture
def opened(db: Path) -> Iterator[list[SqliteStore]]:
    """Stores appended to this list are closed at the end of the test."""
    stores: list[SqliteStore] = []
    yield stores
    for store in stores:
        store.close()


def open_store(opened: list[SqliteStore], path: Path, **kw: Any) -> SqliteStore:
    store = SqliteStore(path, **kw)
    opened.append(store)
    return store


def stamps(store: SqliteStore, window_ms: int | None = None) -> list[int]:
    return [s.timestamp_ms for s in store.read(window_ms).snapshots]


# -- the file and its schema ----------------------------------------------------------------


def test_the_database_runs_in_wal_mode(db: Path, opened: list[SqliteStore]) -> None:
    open_store(opened, db)
    with raw(db) as connection:
        assert ("wal",) == connection.execute("PRAGMA journal_mode").fetchone()


def test_the_schema_version_and_source_are_recorded_in_meta(
    db: Path, opened: list[SqliteStore]
) -> None:
    open_store(opened, db).push_live(snap(1))
    with raw(db) as connection:
        meta = dict(connection.execute("SELECT key, value FROM meta"))
    assert {"schema_version": str(SCHEMA_VERSION), "source": "live", "generation": "1"} == meta


def test_for_project_opens_telemetry_db_under_the_ignored_chaffra_directory(
    tmp_path: Path, opened: list[SqliteStore]
) -> None:
    store = SqliteStore.for_project(tmp_path, capacity=5, max_age_ms=None, busy_timeout_s=1)
    opened.append(store)
    assert tmp_path / ".chaffra" / DB_FILE == store.path
    assert (5, True) == (store.capacity, store.path.is_file())
    assert "*\n" == (tmp_path / ".chaffra" / ".gitignore").read_text()


def test_reopening_a_store_keeps_its_history_and_source(
    db: Path, opened: list[SqliteStore]
) -> None:
    first = SqliteStore(db)
    first.push_seeded(snap(1))
    first.set_source(StateSource.SEEDED)
    first.close()
    read = open_store(opened, db).read()
    assert (StateSource.SEEDED, (snap(1),)) == (read.source, read.snapshots)


def test_a_newer_schema_version_is_refused_naming_the_file(
    db: Path, opened: list[SqliteStore]
) -> None:
    open_store(opened, db)
    with raw(db) as connection:
        connection.execute("UPDATE meta SET value = '2' WHERE key = 'schema_version'")
    with pytest.raises(TelemetryStoreCorrupt, match="schema version 2") as caught:
        SqliteStore(db)
    assert str(db) in str(caught.value)


@pytest.mark.parametrize(
    ("argument", "value", "message"),
    [
        ("capacity", 0, "capacity must be at least 1, got 0"),
        ("max_age_ms", 0, "max_age_ms must be at least 1 or None, got 0"),
        ("busy_timeout_s", -1.0, "busy_timeout_s must be non-negative, got -1.0"),
    ],
)
def test_invalid_limits_are_rejected(db: Path, argument: str, value: float, message: str) -> None:
    limits: dict[str, Any] = {argument: value}
    with pytest.raises(ValueError, match=message):
        SqliteStore(db, **limits)
    assert not db.exists()


# -- retention ------------------------------------------------------------------------------


def test_snapshots_older_than_the_newest_by_more_than_max_age_are_deleted(
    db: Path, opened: list[SqliteStore]
) -> None:
    store = open_store(opened, db, max_age_ms=100)
    for t in (0, 49, 50, 100):
        store.push_live(snap(t))
    assert [0, 49, 50, 100] == stamps(store)
    store.push_live(snap(150))
    assert [50, 100, 150] == stamps(store)


def test_a_snapshot_already_past_max_age_is_not_kept(db: Path, opened: list[SqliteStore]) -> None:
    store = open_store(opened, db, max_age_ms=100)
    store.push_live(snap(1_000))
    store.push_live(snap(10))
    assert [1_000] == stamps(store)


def test_without_max_age_old_snapshots_stay(db: Path, opened: list[SqliteStore]) -> None:
    store = open_store(opened, db, max_age_ms=None)
    for t in (0, 10**12):
        store.push_live(snap(t))
    assert [0, 10**12] == stamps(store)


def test_a_store_with_a_smaller_capacity_trims_a_fuller_file_on_its_next_push(
    db: Path, opened: list[SqliteStore]
) -> None:
    big = open_store(opened, db, capacity=10)
    for t in range(6):
        big.push_live(snap(t))
    small = open_store(opened, db, capacity=2)
    assert list(range(6)) == stamps(small)
    small.push_live(snap(6))
    assert [5, 6] == stamps(big)


# -- several stores on one file -------------------------------------------------------------


def test_a_second_store_sees_the_first_ones_pushes_without_reopening(
    db: Path, opened: list[SqliteStore]
) -> None:
    writer, reader = open_store(opened, db), open_store(opened, db)
    assert () == reader.read().snapshots
    before = reader.change_token()
    writer.push_live(snap(1))
    assert before != reader.change_token()
    assert (StateSource.LIVE, (snap(1),)) == (reader.read().source, reader.read().snapshots)
    writer.push_live(snap(2))
    assert [1, 2] == stamps(reader)
    writer.clear()
    assert (StateSource.EMPTY, ()) == (reader.read().source, reader.read().snapshots)


def test_a_repeated_read_reuses_the_snapshots_decoded_before(
    db: Path, opened: list[SqliteStore]
) -> None:
    store = open_store(opened, db)
    for t in (1, 2):
        store.push_live(snap(t))
    first = store.read().snapshots
    store.push_live(snap(3))
    second = store.read().snapshots
    assert all(a is b for a, b in zip(first, second[:2], strict=True))
    assert snap(3) == second[2]


def test_reads_stay_right_after_other_stores_evict_and_clear(
    db: Path, opened: list[SqliteStore]
) -> None:
    writer = open_store(opened, db, capacity=2)
    reader = open_store(opened, db, capacity=2)
    for t in (1, 2):
        writer.push_live(snap(t))
    assert [1, 2] == stamps(reader)
    writer.push_live(snap(3))
    assert [2, 3] == stamps(reader)
    writer.clear()
    writer.push_live(snap(0, tag=1))
    writer.push_live(snap(9, tag=1))
    assert (snap(0, tag=1), snap(9, tag=1)) == reader.read().snapshots


def test_a_reader_with_a_smaller_capacity_reads_every_row_of_a_fuller_file(
    db: Path, opened: list[SqliteStore]
) -> None:
    writer = open_store(opened, db, capacity=10)
    reader = open_store(opened, db, capacity=2)
    for t in range(5):
        writer.push_live(snap(t))
    assert list(range(5)) == stamps(reader)
    assert list(range(5)) == stamps(reader)


# -- errors ---------------------------------------------------------------------------------


def test_a_file_that_is_not_a_database_raises_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "junk.db"
    path.write_bytes(os.urandom(8192))
    with pytest.raises(TelemetryStoreCorrupt) as caught:
        SqliteStore(path)
    assert str(path) in str(caught.value)


def test_a_directory_in_place_of_the_file_raises_naming_it(tmp_path: Path) -> None:
    path = tmp_path / DB_FILE
    path.mkdir()
    with pytest.raises(TelemetryIOError) as caught:
        SqliteStore(path)
    assert str(path) in str(caught.value)


def test_a_missing_parent_directory_raises_naming_the_file(tmp_path: Path) -> None:
    path = tmp_path / "absent" / DB_FILE
    with pytest.raises(TelemetryIOError, match="cannot open") as caught:
        SqliteStore(path)
    assert str(path) in str(caught.value)


def test_a_push_blocked_past_the_busy_timeout_raises_instead_of_dropping_the_snapshot(
    db: Path, opened: list[SqliteStore]
) -> None:
    store = open_store(opened, db, busy_timeout_s=0)
    with raw(db) as other:
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(TelemetryIOError, match="database is locked") as caught:
            store.push_live(snap(1))
        other.execute("ROLLBACK")
    assert str(db) in str(caught.value)
    store.push_live(snap(1))
    assert [1] == stamps(store)


def test_a_write_failing_mid_transaction_raises_and_changes_nothing(
    db: Path, opened: list[SqliteStore]
) -> None:
    store = open_store(opened, db)
    store.push_seeded(snap(1))
    with raw(db) as other:
        other.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON snapshots BEGIN SELECT RAISE(FAIL, 'no'); END"
        )
    token = store.change_token()
    with pytest.raises(TelemetryIOError, match="cannot store a snapshot in") as caught:
        store.push_live(snap(2))
    assert str(db) in str(caught.value)
    assert (token, StateSource.EMPTY, [1]) == (
        store.change_token(),
        store.read().source,
        stamps(store),
    )


def test_a_closed_store_raises_on_use_and_closes_again_quietly(db: Path) -> None:
    store = SqliteStore(db)
    store.close()
    store.close()
    with pytest.raises(TelemetryIOError, match="closed"):
        store.count()


# -- other processes ------------------------------------------------------------------------


@pytest.fixture
def spawn() -> Iterator[Any]:
    """Start ``store_worker.py`` children; any still running at the end are killed."""
    children: list[subprocess.Popen[bytes]] = []

    def start(*args: str) -> subprocess.Popen[bytes]:
        child = subprocess.Popen(
            [sys.executable, str(WORKER), *args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            bufsize=0,  # unbuffered: select() then sees every line that is not yet read
        )
        children.append(child)
        return child

    yield start
    for child in children:
        if child.poll() is None:
            child.kill()
        child.wait(TIMEOUT_S)
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                stream.close()


def next_line(child: subprocess.Popen[bytes]) -> str:
    """The child's next line, waiting at most TIMEOUT_S for it."""
    assert child.stdout is not None
    ready, _, _ = select.select([child.stdout], [], [], TIMEOUT_S)
    assert ready, f"worker printed nothing within {TIMEOUT_S} s"
    return child.stdout.readline().decode()


def test_four_processes_pushing_250_snapshots_each_leave_1000_rows(
    db: Path, spawn: Any, opened: list[SqliteStore]
) -> None:
    store = open_store(opened, db)
    children = [spawn("push", str(db), str(n), "250") for n in range(4)]
    for child in children:
        assert "ready\n" == next_line(child)
    for child in children:  # start them together
        child.stdin.write(b"go\n")
        child.stdin.flush()
    for child in children:
        assert "done\n" == next_line(child)
        assert 0 == child.wait(TIMEOUT_S)
    assert 1000 == store.count()
    assert list(range(1000)) == stamps(store)
    assert 1000 == store.change_token()


def test_a_writer_killed_mid_run_leaves_every_committed_snapshot(
    db: Path, spawn: Any, opened: list[SqliteStore]
) -> None:
    child = spawn("forever", str(db))
    reported = [int(next_line(child)) for _ in range(50)]
    os.kill(child.pid, signal.SIGKILL)
    assert -signal.SIGKILL == child.wait(TIMEOUT_S)
    assert child.stdout is not None
    late = child.stdout.read().decode()  # committed before the kill, read after it
    reported += [int(line) for line in late.splitlines(keepends=True) if line.endswith("\n")]
    store = open_store(opened, db)
    stored = stamps(store)
    assert set(reported) <= set(stored)
    assert list(range(len(stored))) == stored
    with raw(db) as connection:
        assert ("ok",) == connection.execute("PRAGMA integrity_check").fetchone()


def test_push_live_many_stores_a_batch_in_one_go_with_the_retention_of_single_pushes(
    db: Path, opened: list[SqliteStore]
) -> None:
    store = open_store(opened, db, capacity=3, max_age_ms=None)
    store.push_seeded(snap(1))
    store.push_live_many(snap(t) for t in (10, 40, 20, 30))
    assert [20, 30, 40] == stamps(store)
    assert StateSource.LIVE == store.read().source


def test_a_failed_batch_stores_none_of_its_snapshots(db: Path, opened: list[SqliteStore]) -> None:
    store = open_store(opened, db)
    store.push_live(snap(1))
    with raw(db) as connection:
        connection.execute(
            "CREATE TRIGGER refuse BEFORE INSERT ON snapshots"
            " WHEN NEW.timestamp_ms = 3 BEGIN SELECT RAISE(ABORT, 'no'); END"
        )
    with pytest.raises(TelemetryIOError):
        store.push_live_many([snap(2), snap(3)])
    assert [1] == stamps(store)
