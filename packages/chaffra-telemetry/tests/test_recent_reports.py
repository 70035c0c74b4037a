"""The newest reports, oldest first: what a function's trend over the last runs reads."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chaffra_telemetry import TelemetryAudience
from chaffra_telemetry.report import ReportFunction, RunReport, StoredReport
from chaffra_telemetry.store import LiveTelemetryState, MemoryStore, SnapshotStore, SqliteStore

AUDIENCES = list(TelemetryAudience)


def stored(
    timestamp_ms: int, cognitive: int = 1, *, audience: TelemetryAudience | None = None
) -> StoredReport:
    function = ReportFunction(
        file="pkg/a.py",
        name="f",
        line=1,
        end_line=3,
        cyclomatic=1,
        cognitive=cognitive,
        lines=3,
        max_nesting=0,
    )
    report = RunReport(
        run_id=f"run-{timestamp_ms}",
        timestamp_ms=timestamp_ms,
        command="lsp",
        functions=(function,),
    )
    return StoredReport(
        report=report, audience=audience or TelemetryAudience.USER_ONLY, seeded=False
    )


@pytest.fixture(params=["memory", "sqlite"])
def make_store(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[Callable[[], SnapshotStore]]:
    opened: list[SqliteStore] = []

    def make() -> SnapshotStore:
        if request.param == "memory":
            return MemoryStore()
        store = SqliteStore(tmp_path / f"t{len(opened)}.db")
        opened.append(store)
        return store

    yield make
    for store in opened:
        store.close()


def _cognitive(reports: tuple[StoredReport, ...]) -> list[int]:
    return [r.report.functions[0].cognitive for r in reports]


def test_the_newest_reports_come_oldest_first_and_only_after_a_given_time(
    make_store: Callable[[], SnapshotStore],
) -> None:
    store = make_store()
    for timestamp, cognitive in ((1_000, 9), (2_000, 12), (3_000, 17)):
        store.push_report(stored(timestamp, cognitive))

    assert [12, 17] == _cognitive(store.recent_reports(2))
    assert [9, 12, 17] == _cognitive(store.recent_reports(12))
    assert [17] == _cognitive(store.recent_reports(12, newer_than_ms=2_000))
    assert () == store.recent_reports(0)


def test_a_stored_report_that_cannot_be_decoded_is_skipped(tmp_path: Path) -> None:
    store = SqliteStore(tmp_path / "t.db")
    try:
        for timestamp in (1_000, 2_000):
            store.push_report(stored(timestamp, cognitive=timestamp // 1_000))
        with sqlite3.connect(tmp_path / "t.db") as raw:
            raw.execute("UPDATE reports SET payload = '{broken' WHERE timestamp_ms = 2000")
        raw.close()
        store.push_report(stored(3_000, cognitive=3))

        assert [1, 3] == _cognitive(store.recent_reports(5))
    finally:
        store.close()


@settings(max_examples=30, deadline=None)
@given(
    captured=st.sampled_from([a for a in AUDIENCES if a.user_enabled]),
    reader=st.sampled_from(AUDIENCES),
)
def test_a_reader_sees_a_report_only_when_both_audiences_admit_user_data(
    captured: TelemetryAudience, reader: TelemetryAudience
) -> None:
    state = LiveTelemetryState(MemoryStore())
    state.push_report(stored(1_000).report, audience=captured)

    seen = state.reports(audience=reader, limit=12)

    assert (1 == len(seen)) == captured.intersect(reader).user_enabled
