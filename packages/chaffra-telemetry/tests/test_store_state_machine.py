"""Random sequences of store operations checked against a plain model of the semantics."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from chaffra_telemetry import TelemetryAudience, TelemetrySnapshot, UserSummary, project
from chaffra_telemetry._memory_store import MemoryStore
from chaffra_telemetry._projection import ProjectedSnapshot
from chaffra_telemetry._sqlite_store import SqliteStore
from chaffra_telemetry._store import SnapshotStore, StateSource

CAPACITY = 4
times = st.integers(min_value=0, max_value=12)  # a narrow range, so ties and stale pushes happen
windows = st.none() | st.integers(min_value=0, max_value=15)


class StoreModel(RuleBasedStateMachine):
    """The store under test beside a list of ``(timestamp, push number, snapshot)``.

    Every mutation must change the store's change token; reads must not.
    """

    def __init__(self) -> None:
        super().__init__()
        self.store = self.make_store()
        self.entries: list[tuple[int, int, ProjectedSnapshot]] = []
        self.source = StateSource.EMPTY
        self.pushes = 0
        self.token = self.store.change_token()

    def make_store(self) -> SnapshotStore:
        raise NotImplementedError

    def teardown(self) -> None:
        self.store.close()

    def push(self, timestamp: int, *, live: bool) -> None:
        self.pushes += 1
        snapshot = project(
            TelemetrySnapshot(
                timestamp_ms=timestamp, user_summary=UserSummary(files_total=self.pushes)
            ),
            TelemetryAudience.ON,
        )
        if live:
            self.store.push_live(snapshot)
            if self.source is StateSource.SEEDED:
                self.entries = []
            self.source = StateSource.LIVE
        else:
            self.store.push_seeded(snapshot)
        self.entries = sorted([*self.entries, (timestamp, self.pushes, snapshot)])[-CAPACITY:]
        self.changed()

    def changed(self) -> None:
        token = self.store.change_token()
        assert self.token != token
        self.token = token

    @rule(timestamp=times)
    def push_live(self, timestamp: int) -> None:
        self.push(timestamp, live=True)

    @rule(timestamp=times)
    def push_seeded(self, timestamp: int) -> None:
        self.push(timestamp, live=False)

    @rule(source=st.sampled_from(StateSource))
    def set_source(self, source: StateSource) -> None:
        self.store.set_source(source)
        self.source = source
        self.changed()

    @precondition(lambda self: len(self.entries) == CAPACITY)
    @rule()
    def clear(self) -> None:
        self.store.clear()
        self.entries = []
        self.source = StateSource.EMPTY
        self.changed()

    @rule(window=windows)
    def read(self, window: int | None) -> None:
        anchor = self.entries[-1][0] if self.entries else 0
        cutoff = 0 if window is None else max(0, anchor - window)
        expected = tuple(s for t, _, s in self.entries if t >= cutoff)
        read = self.store.read(window)
        assert (self.source, anchor, expected) == (read.source, read.anchor_ms, read.snapshots)

    @invariant()
    def count_and_source_match(self) -> None:
        assert len(self.entries) == self.store.count()
        assert self.source == self.store.read(0).source

    @invariant()
    def reads_leave_the_token_alone(self) -> None:
        assert self.token == self.store.change_token()


class MemoryStoreModel(StoreModel):
    def make_store(self) -> SnapshotStore:
        return MemoryStore(CAPACITY)


class SqliteStoreModel(StoreModel):
    def make_store(self) -> SnapshotStore:
        self.directory = Path(tempfile.mkdtemp(prefix="chaffra-store-"))
        return SqliteStore(self.directory / "telemetry.db", capacity=CAPACITY)

    def teardown(self) -> None:
        super().teardown()
        shutil.rmtree(self.directory)


TestMemoryStore = MemoryStoreModel.TestCase
TestMemoryStore.settings = settings(max_examples=150, stateful_step_count=40, deadline=None)
TestSqliteStore = SqliteStoreModel.TestCase
TestSqliteStore.settings = settings(max_examples=60, stateful_step_count=30, deadline=None)
