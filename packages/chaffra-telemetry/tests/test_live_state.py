"""LiveTelemetryState: per-reader projection, windows and filters, over both stores."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from chaffra_telemetry import (
    MetricDataPoint,
    ModuleSummary,
    OperatorSummary,
    TelemetryAudience,
    TelemetrySnapshot,
    UserSummary,
    project,
)
from chaffra_telemetry._live_state import (
    LiveTelemetryState,
    StateStatus,
    is_valid_window,
    window_ms,
)
from chaffra_telemetry._memory_store import MemoryStore
from chaffra_telemetry._sqlite_store import SqliteStore
from chaffra_telemetry._store import StateSource
from chaffra_telemetry.errors import TelemetryIOError

ON = TelemetryAudience.ON
USER_ONLY = TelemetryAudience.USER_ONLY
OPERATOR_ONLY = TelemetryAudience.OPERATOR_ONLY
OFF = TelemetryAudience.OFF
HOUR = 3_600_000


@pytest.fixture(params=["memory", "sqlite"])
def state(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveTelemetryState]:
    store = MemoryStore() if request.param == "memory" else SqliteStore(tmp_path / "t.db")
    with LiveTelemetryState(store) as state:
        yield state


def _snapshot(
    ts: int, *, module: str = "dead-code", severity: str = "warning"
) -> TelemetrySnapshot:
    return TelemetrySnapshot(
        timestamp_ms=ts,
        data_points=(
            MetricDataPoint(
                name="chaffra.module.call_duration_ms",
                value=850.0,
                labels={"module": module},
                timestamp_ms=ts,
            ),
            MetricDataPoint(
                name="chaffra.analysis.findings_total",
                value=2.0,
                labels={"module": module},
                timestamp_ms=ts,
            ),
        ),
        user_summary=UserSummary(
            findings_by_severity={severity: 2},
            findings_by_module={module: 2},
            module_summaries={module: ModuleSummary(duration_ms=850, finding_count=2)},
        ),
        operator_summary=OperatorSummary(module_call_durations={module: 850}),
    )


def test_a_new_state_is_empty(state: LiveTelemetryState) -> None:
    assert (StateSource.EMPTY, 0, None) == (
        state.source(),
        state.snapshot_count(),
        state.current(audience=ON),
    )


def test_readers_get_entries_projected_for_their_own_audience(state: LiveTelemetryState) -> None:
    state.push_snapshot(project(_snapshot(HOUR), ON))
    current = state.current(audience=USER_ONLY)
    assert current is not None
    assert USER_ONLY is current.audience
    assert ["chaffra.analysis.findings_total"] == [p.name for p in current.data_points]
    assert 0 == current.user_summary.module_summaries["dead-code"].duration_ms


def test_an_entry_captured_under_user_only_never_grows_for_an_on_reader(
    state: LiveTelemetryState,
) -> None:
    state.push_snapshot(project(_snapshot(HOUR), USER_ONLY))
    (entry,) = state.history(audience=ON).snapshots
    assert USER_ONLY is entry.audience
    assert {} == dict(entry.operator_summary.module_call_durations)
    assert () == state.history(audience=OPERATOR_ONLY).snapshots[0].data_points


def test_an_off_reader_sees_nothing(state: LiveTelemetryState) -> None:
    state.push_snapshot(project(_snapshot(HOUR), ON))
    view = state.history(audience=OFF)
    assert (StateSource.LIVE, ()) == (view.source, view.snapshots)
    assert None is state.current(audience=OFF)


def test_windows_count_back_from_the_newest_snapshot(state: LiveTelemetryState) -> None:
    for ts in (0, 10 * HOUR, 30 * HOUR, 30 * HOUR + 1):
        state.push_snapshot(project(_snapshot(ts), ON))
    counts = {w: len(state.history(w, audience=ON).snapshots) for w in ("1h", "24h", "7d")}
    assert {"1h": 2, "24h": 3, "7d": 4} == counts
    assert 30 * HOUR + 1 == state.history("1h", audience=ON).anchor_ms


def test_an_unknown_window_is_a_value_error_naming_the_allowed_ones(
    state: LiveTelemetryState,
) -> None:
    with pytest.raises(ValueError, match="1h, 24h, 7d"):
        state.history("30d", audience=ON)
    assert not is_valid_window("7D")
    assert 604_800_000 == window_ms("7d")


def test_filters_combine_with_and(state: LiveTelemetryState) -> None:
    state.push_snapshot(project(_snapshot(1, module="dead-code", severity="warning"), ON))
    state.push_snapshot(project(_snapshot(2, module="security", severity="error"), ON))
    state.push_snapshot(project(_snapshot(3, module="security", severity="warning"), ON))

    def stamps(**filters: str) -> list[int]:
        return [s.timestamp_ms for s in state.history(audience=ON, **filters).snapshots]

    assert [2, 3] == stamps(module="security")
    assert [1, 3] == stamps(severity="warning")
    assert [3] == stamps(module="security", severity="warning")
    assert [] == stamps(module="dead-code", severity="error")
    assert [1, 2, 3] == stamps(metric="chaffra.analysis")
    assert [] == stamps(metric="chaffra.analysis.findings")  # segment-aware, not a raw prefix


def test_filters_apply_after_projection_so_operator_data_cannot_be_probed(
    state: LiveTelemetryState,
) -> None:
    state.push_snapshot(project(_snapshot(1), ON))
    assert 1 == len(state.history(audience=ON, metric="chaffra.module.call_duration_ms").snapshots)
    assert () == state.history(audience=USER_ONLY, metric="chaffra.module").snapshots


def test_raw_snapshots_are_refused(state: LiveTelemetryState) -> None:
    with pytest.raises(TypeError, match="ProjectedSnapshot"):
        state.push_snapshot(_snapshot(1))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="ProjectedSnapshot"):
        state.push_seeded(_snapshot(1))  # type: ignore[arg-type]


def test_seeded_then_live_replaces_the_demo_history(state: LiveTelemetryState) -> None:
    state.push_seeded(project(_snapshot(5), ON))
    state.set_source(StateSource.SEEDED)
    before = state.change_token()
    state.push_snapshot(project(_snapshot(1), ON))
    assert (StateSource.LIVE, 1) == (state.source(), state.snapshot_count())
    assert before != state.change_token()
    state.clear()
    assert (StateSource.EMPTY, 0) == (state.source(), state.snapshot_count())


def test_status_and_newest_describe_the_state_without_reaching_into_its_store(
    state: LiveTelemetryState,
) -> None:
    empty = StateStatus(
        source=StateSource.EMPTY, newest_timestamp_ms=None, snapshot_count=0, unreadable=0
    )
    assert empty == state.status() == state.newest()
    for ts in (HOUR, 2 * HOUR, 2 * HOUR):
        state.push_snapshot(project(_snapshot(ts), ON))
    assert (
        StateStatus(
            source=StateSource.LIVE, newest_timestamp_ms=2 * HOUR, snapshot_count=3, unreadable=0
        )
        == state.status()
    )
    assert (StateSource.LIVE, 2 * HOUR, 2) == (
        state.newest().source,
        state.newest().newest_timestamp_ms,
        state.newest().snapshot_count,  # the newest timestamp only
    )


def test_the_default_store_is_in_memory_so_reads_do_not_block(tmp_path: Path) -> None:
    assert not LiveTelemetryState().reads_block
    with LiveTelemetryState(SqliteStore(tmp_path / "t.db")) as state:
        assert state.reads_block


def test_leaving_the_with_block_closes_the_store(tmp_path: Path) -> None:
    with LiveTelemetryState(SqliteStore(tmp_path / "t.db")) as state:
        state.push_snapshot(project(_snapshot(HOUR), ON))
    with pytest.raises(TelemetryIOError):
        state.snapshot_count()
