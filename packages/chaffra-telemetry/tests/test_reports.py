"""Run reports: the record, its JSON, both stores and the live state's audience gate."""

from __future__ import annotations

import io
import math
import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, cast

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chaffra_telemetry import TelemetryAudience, TelemetrySnapshot, project
from chaffra_telemetry.errors import TelemetryIOError, TelemetrySerializationError
from chaffra_telemetry.report import (
    ReportFile,
    ReportFinding,
    ReportFunction,
    ReportHealth,
    RunReport,
    StoredReport,
    decode_report,
    encode_report,
    mark_new,
    report_visible,
)
from chaffra_telemetry.store import LiveTelemetryState, MemoryStore, SnapshotStore, SqliteStore
from chaffra_telemetry.testing.strategies import run_reports

TIMEOUT_S = 30.0
AUDIENCES = list(TelemetryAudience)


def report(timestamp_ms: int = 1_000, command: str = "health", **changes: Any) -> RunReport:
    base = RunReport(
        run_id=f"run-{timestamp_ms}",
        timestamp_ms=timestamp_ms,
        command=command,
        health=ReportHealth(score=81.5, grade="B", model=2, total_files=1),
        files=(ReportFile(file="pkg/a.py", lines=120, score=81.5, grade="B", functions=1),),
        functions=(
            ReportFunction(
                file="pkg/a.py",
                name="f",
                line=1,
                end_line=9,
                cyclomatic=4,
                cognitive=6,
                lines=9,
                max_nesting=2,
            ),
        ),
        findings=(
            ReportFinding(
                fingerprint="aaaa",
                module="complexity",
                rule_id="complexity:high-cognitive",
                severity="warning",
                file="pkg/a.py",
                line=1,
                column=0,
                symbol="f",
                message="cognitive 6",
            ),
        ),
    )
    return attrs.evolve(base, **changes)


def stored(
    timestamp_ms: int = 1_000, *, seeded: bool = False, command: str = "health"
) -> StoredReport:
    return StoredReport(
        report=report(timestamp_ms, command), audience=TelemetryAudience.ON, seeded=seeded
    )


@given(run_reports())
def test_a_report_survives_its_json_round_trip(value: RunReport) -> None:
    assert value == decode_report(encode_report(value))


def test_a_non_finite_score_is_stored_as_no_score() -> None:
    value = report(health=ReportHealth(score=math.nan))
    assert decode_report(encode_report(value)).health.score is None


@pytest.mark.parametrize(
    "payload",
    ["not json", "[]", '{"run_id": "x"}', encode_report(report()).replace('"warning"', '"loud"')],
)
def test_a_malformed_payload_is_a_serialization_error(payload: str) -> None:
    with pytest.raises(TelemetrySerializationError, match="malformed"):
        decode_report(payload)


def test_file_finding_counts_always_name_the_three_severities_and_nothing_else() -> None:
    row = ReportFile(file="a.py", lines=1, findings={"error": 2})
    assert {"error": 2, "warning": 0, "info": 0} == row.findings
    with pytest.raises(ValueError, match="unknown severities"):
        ReportFile(file="a.py", lines=1, findings={"fatal": 1})
    with pytest.raises(ValueError, match="severity must be one of"):
        attrs.evolve(report().findings[0], severity="fatal")


def test_no_finding_is_new_without_a_previous_report_and_only_unknown_ones_are_after_one() -> None:
    second = attrs.evolve(report().findings[0], fingerprint="bbbb")
    value = report(findings=(*report().findings, second))
    assert [False, False] == [f.new for f in mark_new(value, None).findings]
    assert [False, True] == [f.new for f in mark_new(value, iter(["aaaa"])).findings]


@given(captured=st.sampled_from(AUDIENCES), reader=st.sampled_from(AUDIENCES))
def test_a_report_is_visible_only_when_both_audiences_admit_user_data(
    captured: TelemetryAudience, reader: TelemetryAudience
) -> None:
    assert report_visible(captured, reader) == (captured.user_enabled and reader.user_enabled)


StoreFactory = Callable[..., SnapshotStore]


@pytest.fixture(params=["memory", "sqlite"])
def make_store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[StoreFactory]:
    opened: list[SnapshotStore] = []

    def factory(report_capacity: int = 50) -> SnapshotStore:
        store: SnapshotStore
        if request.param == "memory":
            store = MemoryStore(report_capacity=report_capacity)
        else:
            store = SqliteStore(tmp_path / f"{len(opened)}.db", report_capacity=report_capacity)
        opened.append(store)
        return store

    yield factory
    for store in opened:
        store.close()


def test_the_latest_report_is_the_newest_of_the_command_asked_for(
    make_store: StoreFactory,
) -> None:
    store = make_store()
    assert store.latest_report() is None
    for timestamp, command in ((3, "health"), (1, "health"), (2, "dead-code")):
        store.push_report(stored(timestamp, command=command))
    assert 3 == _latest(store).report.timestamp_ms
    latest = store.latest_report("dead-code")
    assert latest is not None
    assert 2 == latest.report.timestamp_ms
    assert store.latest_report("security") is None


def _latest(store: SnapshotStore) -> StoredReport:
    latest = store.latest_report()
    assert latest is not None
    return latest


def test_reports_beyond_capacity_leave_oldest_first_and_points_come_oldest_first(
    make_store: StoreFactory,
) -> None:
    store = make_store(report_capacity=3)
    for timestamp in (5, 1, 4, 2, 3):
        store.push_report(stored(timestamp))
    assert [3, 4, 5] == [p.timestamp_ms for p in store.report_points(10)]
    assert [4, 5] == [p.timestamp_ms for p in store.report_points(2)]
    assert () == store.report_points(0)
    assert {"pkg/a.py": 81.5} == dict(store.report_points(1)[0].scores)


def test_a_live_report_drops_the_seeded_ones_and_a_seeded_one_keeps_the_rest(
    make_store: StoreFactory,
) -> None:
    store = make_store()
    store.push_report(stored(1, seeded=True))
    store.push_report(stored(2, seeded=True))
    assert [True, True] == [p.seeded for p in store.report_points(10)]
    store.push_report(stored(3))
    store.push_report(stored(4, seeded=True))
    assert [(3, False), (4, True)] == [(p.timestamp_ms, p.seeded) for p in store.report_points(9)]


def test_the_first_live_snapshot_of_a_seeded_store_and_clear_drop_every_report(
    make_store: StoreFactory,
) -> None:
    from chaffra_telemetry.store import StateSource

    store = make_store()
    store.push_report(stored(1, seeded=True))
    store.set_source(StateSource.SEEDED)
    store.push_live(project(TelemetrySnapshot(timestamp_ms=5), TelemetryAudience.ON))
    assert store.latest_report() is None
    store.push_report(stored(6))
    store.push_live(project(TelemetrySnapshot(timestamp_ms=7), TelemetryAudience.ON))
    assert 6 == _latest(store).report.timestamp_ms, "a live store keeps its reports"
    store.clear()
    assert (None, ()) == (store.latest_report(), store.report_points(5))


def test_a_store_rejects_a_report_capacity_below_one(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="report_capacity"):
        MemoryStore(report_capacity=0)
    with pytest.raises(ValueError, match="report_capacity"):
        SqliteStore(tmp_path / "t.db", report_capacity=0)


@pytest.mark.parametrize("audience", [TelemetryAudience.OPERATOR_ONLY, TelemetryAudience.OFF])
def test_an_audience_without_user_data_stores_no_report(audience: TelemetryAudience) -> None:
    store = MemoryStore()
    state = LiveTelemetryState(store)
    assert not state.push_report(report(), audience=audience)
    assert not state.push_seeded_report(report(), audience=audience)
    assert store.latest_report() is None


def test_only_a_run_report_can_be_pushed() -> None:
    with pytest.raises(TypeError, match="must be a RunReport"):
        LiveTelemetryState().push_report({"run_id": "x"}, audience=TelemetryAudience.ON)  # type: ignore[arg-type]


@settings(max_examples=40)
@given(
    captured=st.sampled_from([TelemetryAudience.ON, TelemetryAudience.USER_ONLY]),
    reader=st.sampled_from(AUDIENCES),
    value=run_reports(),
)
def test_a_reader_sees_a_report_exactly_when_its_audience_admits_user_data(
    captured: TelemetryAudience, reader: TelemetryAudience, value: RunReport
) -> None:
    state = LiveTelemetryState()
    assert state.push_report(value, audience=captured)
    shown = state.report(audience=reader)
    trend = state.report_trend(audience=reader, limit=5)
    if reader.user_enabled:
        assert shown is not None
        assert (value, False) == (shown.report, shown.seeded)
        assert [value.timestamp_ms] == [p.timestamp_ms for p in trend]
    else:
        assert (None, ()) == (shown, trend)


def test_a_stored_report_captured_without_user_data_is_shown_to_no_one() -> None:
    """Another program may have written it: the reader's gate does not trust the writer's."""
    store = MemoryStore()
    store.push_report(
        StoredReport(report=report(), audience=TelemetryAudience.OPERATOR_ONLY, seeded=False)
    )
    state = LiveTelemetryState(store)
    assert state.report(audience=TelemetryAudience.ON) is None
    assert () == state.report_trend(audience=TelemetryAudience.ON, limit=5)


def test_a_seeded_report_reads_back_as_seeded() -> None:
    state = LiveTelemetryState()
    state.push_seeded_report(report(), audience=TelemetryAudience.ON)
    shown = state.report(audience=TelemetryAudience.USER_ONLY)
    assert shown is not None
    assert shown.seeded


# -- SqliteStore: damage, atomicity, crashes ----------------------------------------------


def _raw(db: Path) -> sqlite3.Connection:
    return sqlite3.connect(db, isolation_level=None)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("payload", "not json"),
        ("payload", b"\x00blob"),
        ("payload", encode_report(report(999))),  # its timestamp disagrees with the row's
        ("audience", "everyone"),
        ("seeded", "yes"),
        ("timestamp_ms", "late"),
    ],
)
def test_a_damaged_newest_report_row_is_skipped_for_the_next_readable(
    tmp_path: Path, column: str, value: object
) -> None:
    db = tmp_path / "t.db"
    with SqliteStore(db) as store:
        store.push_report(stored(1))
        store.push_report(stored(2))
        with _raw(db) as connection:
            connection.execute(f"UPDATE reports SET {column} = ? WHERE timestamp_ms = 2", (value,))
        assert 1 == _latest(store).report.timestamp_ms
        header_damaged = column != "payload"
        assert 2 - header_damaged == len(store.report_points(5))


@pytest.mark.parametrize("scores", ["not json", "[]", '{"a.py": "high"}', '{"a.py": true}', "7"])
def test_a_report_with_damaged_scores_is_left_out_of_the_trend(tmp_path: Path, scores: str) -> None:
    db = tmp_path / "t.db"
    with SqliteStore(db) as store:
        store.push_report(stored(1))
        store.push_report(stored(2))
        with _raw(db) as connection:
            connection.execute("UPDATE reports SET scores = ? WHERE timestamp_ms = 2", (scores,))
        assert [1] == [p.timestamp_ms for p in store.report_points(5)]


def test_decoded_reports_and_scores_are_reused_while_their_rows_stay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import chaffra_telemetry._sqlite_reports as module

    with SqliteStore(tmp_path / "t.db") as store:
        for timestamp in range(1, 7):
            store.push_report(stored(timestamp))
            assert timestamp == _latest(store).report.timestamp_ms
        first = store.report_points(3)

        def refuse(_raw: object) -> object:
            raise AssertionError("decoded again")

        monkeypatch.setattr(module, "decode_report", refuse)
        monkeypatch.setattr(module, "decode_scores", refuse)
        assert 6 == _latest(store).report.timestamp_ms
        assert first == store.report_points(3)


def test_a_failed_report_write_keeps_the_previous_reports(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    with SqliteStore(db, report_capacity=1) as store:
        store.push_report(stored(1))
        with _raw(db) as connection:
            connection.execute(
                "CREATE TRIGGER refuse BEFORE DELETE ON reports"
                " BEGIN SELECT RAISE(ABORT, 'no'); END"
            )
        with pytest.raises(TelemetryIOError, match="cannot store a run report"):
            store.push_report(stored(2))
        assert [1] == [p.timestamp_ms for p in store.report_points(5)]


@pytest.mark.parametrize(("max_age_ms", "kept"), [(10, [20]), (None, [1, 5, 20])])
def test_reports_older_than_the_age_limit_leave(
    tmp_path: Path, max_age_ms: int | None, kept: list[int]
) -> None:
    with SqliteStore(tmp_path / "t.db", max_age_ms=max_age_ms) as store:
        for timestamp in (1, 5, 20):
            store.push_report(stored(timestamp))
        assert kept == [p.timestamp_ms for p in store.report_points(5)]


def test_a_store_with_a_foreign_reports_table_is_moved_aside(tmp_path: Path) -> None:
    (tmp_path / ".chaffra").mkdir()
    db = tmp_path / ".chaffra" / "telemetry.db"
    with _raw(db) as connection:
        connection.execute("CREATE TABLE reports (x TEXT)")
    out = io.StringIO()
    with SqliteStore.for_project(tmp_path, stderr=out) as store:
        store.push_report(stored(1))
        assert 1 == _latest(store).report.timestamp_ms
    assert "moved it aside" in out.getvalue()


_WORKER = """
import sys
from pathlib import Path
from chaffra_telemetry import TelemetryAudience
from chaffra_telemetry.report import ReportFile, RunReport, StoredReport
from chaffra_telemetry.store import SqliteStore

store = SqliteStore(Path(sys.argv[1]), busy_timeout_s=60, report_capacity=1000)
files = tuple(ReportFile(file=f"f{i}.py", lines=i, score=50.0) for i in range(2000))
timestamp = 0
while True:
    report = RunReport(run_id=str(timestamp), timestamp_ms=timestamp, command="c", files=files)
    store.push_report(StoredReport(report=report, audience=TelemetryAudience.ON))
    sys.stdout.write(f"{timestamp}\\n")
    sys.stdout.flush()
    timestamp += 1
"""


def test_a_writer_killed_mid_write_leaves_every_committed_report_whole(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    child = subprocess.Popen(
        [sys.executable, "-c", _WORKER, str(db)], stdout=subprocess.PIPE, stdin=subprocess.DEVNULL
    )
    assert child.stdout is not None
    reported = [int(child.stdout.readline()) for _ in range(5)]
    os.kill(child.pid, signal.SIGKILL)
    assert -signal.SIGKILL == child.wait(TIMEOUT_S)
    child.stdout.close()
    with SqliteStore(db, report_capacity=1000) as store:
        points = store.report_points(1000)
        stamps = [p.timestamp_ms for p in points]
        assert set(reported) <= set(stamps)
        assert list(range(len(stamps))) == stamps
        assert all(len(p.scores) == 2000 for p in points)
        assert stamps[-1] == _latest(store).report.timestamp_ms
    with _raw(db) as connection:
        assert ("ok",) == connection.execute("PRAGMA integrity_check").fetchone()


# -- the change token's own connection --------------------------------------------------


def test_the_change_token_follows_every_writer_without_waiting_for_the_store_lock(
    tmp_path: Path,
) -> None:
    db = tmp_path / "t.db"
    with SqliteStore(db) as store, SqliteStore(db) as other:
        state = LiveTelemetryState(store)
        assert not state.change_token_blocks
        before = store.change_token()
        other.push_report(stored(1))
        assert before != store.change_token()
        with store._lock:  # a long read in another thread holds it
            assert store.change_token() == other.change_token()
    with pytest.raises(TelemetryIOError, match="closed"):
        store.change_token()


def test_an_in_memory_stand_in_reads_its_token_under_the_store_lock(tmp_path: Path) -> None:
    (tmp_path / ".chaffra").symlink_to(tmp_path)
    with SqliteStore.for_project(tmp_path) as store:
        assert not store.persistent
        state = LiveTelemetryState(store)
        assert state.change_token_blocks
        before = store.change_token()
        store.push_report(stored(1))
        assert before != store.change_token()
    assert not LiveTelemetryState(MemoryStore()).change_token_blocks


def test_a_store_of_another_kind_is_assumed_to_wait() -> None:
    class Other:
        def __init__(self) -> None:
            self._inner = MemoryStore()

        def __getattr__(self, name: str) -> Any:
            return getattr(self._inner, name)

    state = LiveTelemetryState(cast("SnapshotStore", Other()))
    assert state.change_token_blocks
    assert 0 == state.change_token()
