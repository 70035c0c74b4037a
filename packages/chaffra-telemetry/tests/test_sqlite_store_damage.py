"""A damaged store never fails a run or a reader: files are moved aside, bad rows skipped."""

from __future__ import annotations

import contextlib
import io
import json
import os
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chaffra_telemetry import TelemetryAudience, TelemetrySnapshot, UserSummary, project
from chaffra_telemetry._projection import ProjectedSnapshot
from chaffra_telemetry._snapshot_codec import encode_snapshot
from chaffra_telemetry._sqlite_store import DB_FILE, SqliteStore
from chaffra_telemetry._store import StateSource
from chaffra_telemetry._store_recovery import move_aside


def snap(timestamp_ms: int, tag: int = 0) -> ProjectedSnapshot:
    raw = TelemetrySnapshot(timestamp_ms=timestamp_ms, user_summary=UserSummary(files_total=tag))
    return project(raw, TelemetryAudience.ON)


@contextlib.contextmanager
def raw(path: Path) -> Iterator[sqlite3.Connection]:
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        yield connection
    finally:
        connection.close()


def insert(path: Path, *rows: tuple[object, object, object, object]) -> None:
    with raw(path) as connection:
        connection.executemany(
            "INSERT INTO snapshots (timestamp_ms, audience, payload, untrusted)"
            " VALUES (?, ?, ?, ?)",
            rows,
        )


def valid_row(timestamp_ms: int) -> tuple[object, object, object, object]:
    encoded = encode_snapshot(snap(timestamp_ms))
    return (encoded.timestamp_ms, encoded.audience, encoded.payload, encoded.untrusted)


def db_of(root: Path) -> Path:
    return root / ".chaffra" / DB_FILE


def a_valid_store(root: Path) -> Path:
    store = SqliteStore.for_project(root)
    store.push_live(snap(1))
    store.close()
    return db_of(root)


# -- the file: moved aside, replaced, one warning ---------------------------------------------


def _not_sqlite(path: Path) -> None:
    path.write_bytes(b"definitely not a database\n" * 400)


def _truncated(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _future_schema(path: Path) -> None:
    with raw(path) as connection:
        connection.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")


def _foreign_schema(path: Path) -> None:
    path.unlink()
    with raw(path) as connection:
        connection.execute("CREATE TABLE snapshots (seq INTEGER PRIMARY KEY, other TEXT)")


def _garbage_header(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[20:40] = b"\xff" * 20
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(
    "damage", [_not_sqlite, _truncated, _future_schema, _foreign_schema, _garbage_header]
)
def test_a_damaged_store_is_moved_aside_once_and_a_fresh_one_starts(
    tmp_path: Path, damage: object
) -> None:
    path = a_valid_store(tmp_path)
    assert callable(damage)
    damage(path)
    before = path.read_bytes()
    out = io.StringIO()
    store = SqliteStore.for_project(tmp_path, stderr=out)
    store.push_live(snap(5))
    assert (True, [5]) == (store.persistent, [s.timestamp_ms for s in store.read().snapshots])
    store.close()
    (aside,) = [p for p in path.parent.iterdir() if ".corrupt-" in p.name and "-" != p.name[-4]]
    assert before == aside.read_bytes()
    (line,) = out.getvalue().splitlines()
    assert line.startswith("Warning: ")
    assert f"moved it aside to {aside.name} and started a new telemetry history" in line
    again = io.StringIO()
    SqliteStore.for_project(tmp_path, stderr=again).close()
    assert "" == again.getvalue()


def test_the_wal_and_shm_files_move_aside_with_the_database(tmp_path: Path) -> None:
    path = a_valid_store(tmp_path)
    _not_sqlite(path)
    for suffix in ("-wal", "-shm"):
        Path(f"{path}{suffix}").write_bytes(b"junk")
    SqliteStore.for_project(tmp_path, stderr=io.StringIO()).close()
    names = sorted(p.name for p in path.parent.iterdir() if ".corrupt-" in p.name)
    assert 3 == len(names)
    assert {"", "-wal", "-shm"} == {name.split("Z", 1)[1] for name in names}


@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
def test_a_planted_symlink_among_the_store_files_is_moved_aside_not_followed(
    tmp_path: Path, suffix: str
) -> None:
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    (tmp_path / ".chaffra").mkdir()
    link = Path(f"{db_of(tmp_path)}{suffix}")
    link.symlink_to(victim)
    out = io.StringIO()
    store = SqliteStore.for_project(tmp_path, stderr=out)
    store.push_live(snap(1))
    store.close()
    assert b"precious" == victim.read_bytes()
    assert "is a symbolic link" in out.getvalue()
    assert not link.is_symlink()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
def test_a_fifo_among_the_store_files_is_moved_aside_without_blocking(
    tmp_path: Path, suffix: str
) -> None:
    (tmp_path / ".chaffra").mkdir()
    fifo = Path(f"{db_of(tmp_path)}{suffix}")
    os.mkfifo(fifo)
    out = io.StringIO()
    opened: list[SqliteStore] = []
    opener = threading.Thread(
        target=lambda: opened.append(SqliteStore.for_project(tmp_path, stderr=out)), daemon=True
    )
    opener.start()
    opener.join(timeout=30)
    if opener.is_alive():  # release the blocked open before failing
        os.close(os.open(fifo, os.O_RDWR | os.O_NONBLOCK))
        pytest.fail("opening the store blocked on a FIFO")
    (store,) = opened
    store.push_live(snap(1))
    assert (True, 1) == (store.persistent, store.count())
    store.close()
    assert f"{fifo} is not a regular file; moved it aside" in out.getvalue()
    assert not fifo.exists() or fifo.is_file()


def test_an_unsafe_project_dir_gives_an_in_memory_store_and_writes_nothing(
    tmp_path: Path,
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    project_root = tmp_path / "project"
    project_root.mkdir()
    (project_root / ".chaffra").symlink_to(elsewhere)
    out = io.StringIO()
    store = SqliteStore.for_project(project_root, stderr=out)
    store.push_live(snap(1))
    assert (False, 1, "") == (store.persistent, store.count(), out.getvalue())
    store.close()
    assert [] == list(elsewhere.iterdir())


def test_an_unopenable_store_warns_and_falls_back_to_memory(tmp_path: Path) -> None:
    db_of(tmp_path).mkdir(parents=True)  # a directory where the file should be
    out = io.StringIO()
    store = SqliteStore.for_project(tmp_path, stderr=out)
    assert False is store.persistent
    store.close()
    assert out.getvalue().startswith("Warning: telemetry history unavailable")


def test_moving_aside_never_overwrites_an_earlier_corrupt_copy(tmp_path: Path) -> None:
    import datetime as dt

    fixed = dt.datetime(2026, 1, 2, 3, 4, 5, tzinfo=dt.timezone.utc)
    path = tmp_path / DB_FILE
    names = []
    for content in (b"one", b"two"):
        path.write_bytes(content)
        names.append(move_aside(path, clock=lambda: fixed).name)
    assert ["telemetry.db.corrupt-20260102T030405Z", "telemetry.db.corrupt-20260102T030405Z.2"] == (
        names
    )
    assert b"one" == (tmp_path / names[0]).read_bytes()


# -- rows: skipped and counted, never fatal ----------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Iterator[SqliteStore]:
    opened = SqliteStore(tmp_path / DB_FILE)
    yield opened
    opened.close()


def test_a_malformed_newest_row_is_skipped_and_the_anchor_is_the_newest_readable(
    store: SqliteStore,
) -> None:
    store.push_live(snap(10))
    insert(store.path, (20, "on", "{", ""))
    read = store.read(0)
    assert ([10], 10, 1) == (
        [s.timestamp_ms for s in read.snapshots],
        read.anchor_ms,
        read.unreadable,
    )


def test_only_malformed_rows_read_as_empty_with_their_count(store: SqliteStore) -> None:
    insert(store.path, (1, "on", "{", ""), ("text", "on", "{}", ""))
    read = store.read()
    assert ((), 0, 2) == (read.snapshots, read.anchor_ms, read.unreadable)


def test_mangled_meta_values_read_as_defaults(store: SqliteStore) -> None:
    store.push_live(snap(1))
    with raw(store.path) as connection:
        connection.execute("UPDATE meta SET value = 'bogus' WHERE key = 'source'")
        connection.execute("DELETE FROM meta WHERE key = 'generation'")
    assert (StateSource.LIVE, 0) == (store.read().source, store.change_token())
    store.push_live(snap(2))
    assert [1, 2] == [s.timestamp_ms for s in store.read().snapshots]


def test_unreadable_rows_are_forgotten_when_they_leave_the_store(store: SqliteStore) -> None:
    insert(store.path, (1, "on", "{", ""))
    store.push_live(snap(2))
    assert 1 == store.read().unreadable
    store.clear()
    store.push_live(snap(3))
    assert (0, [3]) == (store.read().unreadable, [s.timestamp_ms for s in store.read().snapshots])


_JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner),
    max_leaves=6,
)


def _mutated_payload(mutation: dict[str, object]) -> str:
    document = json.loads(valid_row(7)[2])  # type: ignore[arg-type]
    document.update(mutation)
    return json.dumps(document)


# Every strategy yields a row that must not decode (each is one kind of damage).
_BAD_ROWS = st.one_of(
    st.tuples(
        st.just(7),
        st.text().filter(lambda a: a not in {"on", "user-only", "operator-only", "off"}),
        st.just(valid_row(7)[2]),
        st.just(""),
    ),
    st.tuples(st.just(7), st.just("on"), st.text(max_size=20), st.just("")),
    st.tuples(st.just(7), st.just("on"), st.binary(max_size=20), st.just("")),
    st.tuples(
        st.just(7),
        st.just("on"),
        st.builds(
            _mutated_payload,
            st.dictionaries(
                st.sampled_from(["user_summary", "data_points", "spans"]),
                st.integers(),  # not iterable: a string could pass for an empty sequence
                min_size=1,
            ),
        ),
        st.just(""),
    ),
    st.tuples(st.just(7), st.integers(-(2**63), 2**63 - 1), st.just(valid_row(7)[2]), st.just("")),
    st.tuples(
        # Integer affinity turns numeric text and integral floats into integers.
        st.text(alphabet="abc -", max_size=5)
        | st.floats(allow_nan=False).filter(lambda f: not f.is_integer()),
        st.just("on"),
        st.just(valid_row(7)[2]),
        st.just(""),
    ),
    st.tuples(
        st.just(8), st.just("on"), st.just(valid_row(7)[2]), st.just("")
    ),  # timestamp disagrees
    st.tuples(
        st.just(7),
        st.just("on"),
        st.just(valid_row(7)[2]),
        _JSON_VALUES.map(json.dumps).filter(
            lambda t: t not in ("null", "{}", "[]", '""', "0", "false")
        ),
    ),
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(bad=st.lists(_BAD_ROWS, min_size=1, max_size=4), good=st.integers(0, 3))
def test_corrupted_rows_never_fail_a_read_and_are_counted_exactly(
    tmp_path_factory: pytest.TempPathFactory,
    bad: list[tuple[object, object, object, object]],
    good: int,
) -> None:
    path = tmp_path_factory.mktemp("rows") / DB_FILE
    with SqliteStore(path) as opened:
        insert(path, *bad, *(valid_row(7) for _ in range(good)))
        whole = opened.read()
        assert (good, len(bad)) == (len(whole.snapshots), whole.unreadable)
        assert len(opened.read(0).snapshots) == good


def test_an_unexpected_error_mid_read_ends_the_transaction_and_the_store_stays_usable(
    store: SqliteStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    import chaffra_telemetry._sqlite_store as module

    store.push_live(snap(1))

    def explode(_encoded: object) -> ProjectedSnapshot:
        raise KeyboardInterrupt

    monkeypatch.setattr(module, "decode_snapshot", explode)
    with pytest.raises(KeyboardInterrupt):
        store.read()
    monkeypatch.undo()
    store.push_live(snap(2))
    assert [1, 2] == [s.timestamp_ms for s in store.read().snapshots]
