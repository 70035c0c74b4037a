"""The SnapshotStore semantics, one suite run against MemoryStore and SqliteStore."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from chaffra_telemetry import (
    MetricDataPoint,
    ProjectedSnapshot,
    TelemetryAudience,
    TelemetrySnapshot,
    UserSummary,
    project,
)
from chaffra_telemetry._memory_store import MemoryStore
from chaffra_telemetry._metrics import Provenance
from chaffra_telemetry._sqlite_store import SqliteStore
from chaffra_telemetry._store import DEFAULT_CAPACITY, SnapshotStore, StateSource
from chaffra_telemetry.errors import TelemetryIOError

FINDINGS_TOTAL = "chaffra.analysis.findings_total"
HOUR_MS = 3_600_000

MakeStore = Callable[..., SnapshotStore]


def snap(
    timestamp_ms: int, tag: int = 0, audience: TelemetryAudience = TelemetryAudience.ON
) -> ProjectedSnapshot:
    """A projected snapshot told apart from others at the same time by ``tag``."""
    raw = TelemetrySnapshot(timestamp_ms=timestamp_ms, user_summary=UserSummary(files_total=tag))
    return project(raw, audience)


def timestamps(store: SnapshotStore, window_ms: int | None = None) -> list[int]:
    return [s.timestamp_ms for s in store.read(window_ms).snapshots]


@pytest.fixture(params=["memory", "sqlite"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[MakeStore]:
    """A factory of stores of one kind; every store made is closed at the end."""
    made: list[SnapshotStore] = []

    def make(capacity: int = DEFAULT_CAPACITY) -> SnapshotStore:
        store: SnapshotStore
        if request.param == "memory":
            store = MemoryStore(capacity)
        else:
            store = SqliteStore(tmp_path / f"store-{len(made)}.db", capacity=capacity)
        made.append(store)
        return store

    yield make
    for store in made:
        store.close()


@pytest.fixture
def store(make_store: MakeStore) -> SnapshotStore:
    return make_store()


# -- capacity and eviction ------------------------------------------------------------------


def test_a_new_store_is_empty_with_source_empty(store: SnapshotStore) -> None:
    read = store.read()
    assert (StateSource.EMPTY, 0, ()) == (read.source, read.anchor_ms, read.snapshots)
    assert 0 == store.count()


def test_the_store_reports_its_capacity(make_store: MakeStore) -> None:
    assert 3 == make_store(3).capacity


@pytest.mark.parametrize("capacity", [0, -1])
def test_a_capacity_below_one_is_rejected(make_store: MakeStore, capacity: int) -> None:
    with pytest.raises(ValueError, match=f"capacity must be at least 1, got {capacity}"):
        make_store(capacity)


def test_the_store_keeps_at_most_capacity_snapshots_evicting_the_oldest_first(
    make_store: MakeStore,
) -> None:
    store = make_store(3)
    for t in range(1, 6):
        store.push_live(snap(t))
    assert [3, 4, 5] == timestamps(store)
    assert 3 == store.count()


def test_a_snapshot_older_than_every_retained_one_is_dropped_when_full(
    make_store: MakeStore,
) -> None:
    store = make_store(3)
    for t in (10, 20, 30):
        store.push_live(snap(t))
    store.push_live(snap(5))
    assert [10, 20, 30] == timestamps(store)


def test_a_snapshot_as_old_as_the_oldest_evicts_the_oldest_when_full(
    make_store: MakeStore,
) -> None:
    store = make_store(2)
    store.push_live(snap(10, tag=1))
    store.push_live(snap(20))
    store.push_live(snap(10, tag=2))
    assert (snap(10, tag=2), snap(20)) == store.read().snapshots


def test_an_old_snapshot_evicts_the_oldest_when_it_is_not_the_oldest(
    make_store: MakeStore,
) -> None:
    store = make_store(3)
    for t in (10, 20, 30):
        store.push_live(snap(t))
    store.push_live(snap(15))
    assert [15, 20, 30] == timestamps(store)


def test_seeded_pushes_are_bounded_by_capacity_too(make_store: MakeStore) -> None:
    store = make_store(2)
    for t in (1, 2, 3):
        store.push_seeded(snap(t))
    assert [2, 3] == timestamps(store)


def test_a_memory_store_evicts_correctly_across_many_times_its_capacity() -> None:
    """Eviction stays exact while the list is compacted behind the scenes."""
    store = MemoryStore(3)
    for t in range(20):
        store.push_live(snap(t))
        assert list(range(max(0, t - 2), t + 1)) == timestamps(store)
    store.push_live(snap(0))
    assert [17, 18, 19] == timestamps(store)


# -- order ----------------------------------------------------------------------------------


def test_snapshots_are_ordered_by_timestamp_with_ties_in_push_order(store: SnapshotStore) -> None:
    pushes = [snap(30), snap(10, tag=1), snap(20), snap(10, tag=2), snap(30, tag=3)]
    for s in pushes:
        store.push_live(s)
    expected = (snap(10, tag=1), snap(10, tag=2), snap(20), snap(30), snap(30, tag=3))
    assert expected == store.read().snapshots


def test_seeded_snapshots_are_ordered_by_timestamp_too(store: SnapshotStore) -> None:
    for t in (3, 1, 2):
        store.push_seeded(snap(t))
    assert [1, 2, 3] == timestamps(store)


# -- windows --------------------------------------------------------------------------------


def test_a_window_counts_back_from_the_newest_snapshot_with_an_inclusive_cutoff(
    store: SnapshotStore,
) -> None:
    for t in (1_000, 9_999, 10_000, 15_000, 20_000):
        store.push_live(snap(t))
    read = store.read(10_000)
    assert 20_000 == read.anchor_ms
    assert [10_000, 15_000, 20_000] == [s.timestamp_ms for s in read.snapshots]


def test_a_window_wider_than_the_history_saturates_at_zero(store: SnapshotStore) -> None:
    for t in (0, 5, HOUR_MS):
        store.push_live(snap(t))
    assert [0, 5, HOUR_MS] == timestamps(store, 7 * 24 * HOUR_MS)


def test_no_window_returns_every_snapshot(store: SnapshotStore) -> None:
    for t in (0, HOUR_MS, 100 * HOUR_MS):
        store.push_live(snap(t))
    assert [0, HOUR_MS, 100 * HOUR_MS] == timestamps(store, None)


def test_a_zero_window_returns_the_newest_snapshots_only(store: SnapshotStore) -> None:
    for s in (snap(1), snap(2, tag=1), snap(2, tag=2)):
        store.push_live(s)
    assert (snap(2, tag=1), snap(2, tag=2)) == store.read(0).snapshots


def test_a_window_on_an_empty_store_is_empty_with_anchor_zero(store: SnapshotStore) -> None:
    read = store.read(HOUR_MS)
    assert (0, ()) == (read.anchor_ms, read.snapshots)


def test_a_negative_window_is_rejected(store: SnapshotStore) -> None:
    with pytest.raises(ValueError, match="window_ms must be non-negative, got -1"):
        store.read(-1)


# -- source transitions ---------------------------------------------------------------------


def test_a_live_push_into_an_empty_store_makes_it_live(store: SnapshotStore) -> None:
    store.push_live(snap(1))
    assert StateSource.LIVE == store.read().source


def test_a_live_push_over_seeded_data_clears_the_seeded_history(store: SnapshotStore) -> None:
    for t in (10, 20, 30):
        store.push_seeded(snap(t, tag=7))
    store.set_source(StateSource.SEEDED)
    store.push_live(snap(5))
    read = store.read()
    assert (StateSource.LIVE, 5, (snap(5),)) == (read.source, read.anchor_ms, read.snapshots)


def test_a_live_push_older_than_the_current_enters_history_and_the_newest_stays_current(
    store: SnapshotStore,
) -> None:
    store.push_live(snap(20))
    store.push_live(snap(10))
    read = store.read()
    assert [10, 20] == [s.timestamp_ms for s in read.snapshots]
    assert (20, snap(20)) == (read.anchor_ms, read.snapshots[-1])


def test_a_seeded_push_leaves_the_source_unchanged(store: SnapshotStore) -> None:
    store.push_seeded(snap(1))
    assert StateSource.EMPTY == store.read().source
    store.push_live(snap(2))
    store.push_seeded(snap(3))
    assert StateSource.LIVE == store.read().source
    assert [1, 2, 3] == timestamps(store)


@pytest.mark.parametrize("source", list(StateSource))
def test_set_source_changes_the_label_and_nothing_else(
    store: SnapshotStore, source: StateSource
) -> None:
    store.push_live(snap(1))
    store.set_source(source)
    read = store.read()
    assert (source, (snap(1),)) == (read.source, read.snapshots)


def test_clear_drops_every_snapshot_and_empties_the_source(store: SnapshotStore) -> None:
    for t in (1, 2):
        store.push_live(snap(t))
    store.clear()
    read = store.read()
    assert (StateSource.EMPTY, 0, ()) == (read.source, read.anchor_ms, read.snapshots)
    assert 0 == store.count()
    store.push_live(snap(3))
    assert [3] == timestamps(store)


# -- change token ---------------------------------------------------------------------------


def test_the_change_token_changes_on_every_mutation(store: SnapshotStore) -> None:
    mutations: list[Callable[[], None]] = [
        lambda: store.push_live(snap(1)),
        lambda: store.push_seeded(snap(2)),
        lambda: store.set_source(StateSource.SEEDED),
        lambda: store.push_live(snap(3)),
        store.clear,
    ]
    seen = [store.change_token()]
    for mutate in mutations:
        mutate()
        seen.append(store.change_token())
    assert len(seen) == len(set(seen))


def test_reads_leave_the_change_token_alone(store: SnapshotStore) -> None:
    store.push_live(snap(1))
    before = store.change_token()
    store.read()
    store.read(HOUR_MS)
    store.count()
    assert before == store.change_token()


# -- threads --------------------------------------------------------------------------------


def test_two_threads_pushing_100_snapshots_each_leave_200_sorted_snapshots(
    store: SnapshotStore,
) -> None:
    """Spec §2.8 test vector: timestamps 0-99 and 100-199 pushed from two threads at once."""
    start = threading.Barrier(2, timeout=30)
    errors: list[BaseException] = []

    def push(first: int) -> None:
        try:
            start.wait()
            for t in range(first, first + 100):
                store.push_live(snap(t))
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=push, args=(first,)) for first in (0, 100)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [] == errors
    read = store.read()
    assert 200 == store.count()
    assert list(range(200)) == [s.timestamp_ms for s in read.snapshots]
    assert 199 == read.anchor_ms


# -- audiences and provenance ---------------------------------------------------------------


@pytest.mark.parametrize("audience", list(TelemetryAudience))
def test_a_snapshot_comes_back_with_the_audience_it_was_captured_under(
    store: SnapshotStore, audience: TelemetryAudience
) -> None:
    point = MetricDataPoint(name=FINDINGS_TOTAL, value=3.0, timestamp_ms=1)
    raw = TelemetrySnapshot(timestamp_ms=1, data_points=(point,))
    store.push_live(project(raw, audience))
    (stored,) = store.read().snapshots
    assert audience == stored.audience
    assert project(raw, audience) == stored


def test_an_untrusted_point_stays_untrusted_and_is_hidden_from_user_only_readers(
    store: SnapshotStore,
) -> None:
    """A plugin's point named like a user metric must not cross user-only after a round trip."""
    trusted = MetricDataPoint(name=FINDINGS_TOTAL, value=1.0, labels={"by": "core"}, timestamp_ms=1)
    untrusted = MetricDataPoint(
        name=FINDINGS_TOTAL,
        value=2.0,
        labels={"by": "plugin"},
        timestamp_ms=1,
        provenance=Provenance.UNTRUSTED,
    )
    raw = TelemetrySnapshot(timestamp_ms=1, data_points=(trusted, untrusted))
    store.push_live(project(raw, TelemetryAudience.ON))
    (stored,) = store.read().snapshots
    assert Provenance.UNTRUSTED == stored.data_points[1].provenance
    assert (trusted,) == project(stored, TelemetryAudience.USER_ONLY).data_points


# -- the store as a context manager ---------------------------------------------------------


def test_a_store_is_a_context_manager_that_closes_on_exit(make_store: MakeStore) -> None:
    store = make_store()
    with store as entered:
        assert store is entered
        entered.push_live(snap(1))
    if isinstance(store, SqliteStore):
        with pytest.raises(TelemetryIOError):
            store.read()
    else:
        assert [1] == timestamps(store)  # nothing to release: still readable
