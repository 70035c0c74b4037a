"""``/metrics/history``: validation (§5.1 rows 1-2), status rows 3-6, windows and filters."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from chaffra_management._history import EMPTY_MESSAGE, HistoryQuery, parse_query
from chaffra_telemetry import (
    LiveTelemetryState,
    StateSource,
    TelemetryAudience,
    TelemetrySnapshot,
    UserSummary,
    project,
    seed_live_state,
)

if TYPE_CHECKING:
    from starlette.testclient import TestClient

Client = Callable[..., "TestClient"]
ON, OFF = TelemetryAudience.ON, TelemetryAudience.OFF
USER, OPERATOR = TelemetryAudience.USER_ONLY, TelemetryAudience.OPERATOR_ONLY
HISTORY = "/api/v1/metrics/history"


def _history(client: TestClient, query: str = "") -> tuple[int, dict[str, Any]]:
    response = client.get(f"{HISTORY}?{query}" if query else HISTORY)
    assert "application/json" == response.headers["content-type"]
    return response.status_code, response.json()


@pytest.mark.parametrize("window", ["30d", "1H", "", "7d ", "x" * 200])
def test_an_unsupported_window_is_a_400_naming_the_parameter_and_allowed_values(
    make_client: Client, window: str
) -> None:
    status, body = _history(make_client(USER, seed_live_state()), f"window={window}")
    echo = window[:64]
    assert 400 == status
    assert {
        "window": echo,
        "snapshots": [],
        "status": "error",
        "message": f"Unsupported window '{echo}'. Supported windows: 1h, 24h, 7d.",
        "parameter": "window",
        "allowed": "one of 1h, 24h, 7d, at most once",
    } == body


@pytest.mark.parametrize("name", ["window", "module", "severity", "metric", "limit", "fields"])
def test_a_repeated_parameter_is_a_400_naming_it(make_client: Client, name: str) -> None:
    value = {"window": "1h", "limit": "1", "fields": "full"}.get(name, "a")
    status, body = _history(make_client(), f"{name}={value}&{name}={value}")
    assert (400, "error", [], name) == (
        status,
        body["status"],
        body["snapshots"],
        body["parameter"],
    )
    assert f"Invalid query parameter '{name}': given more than once." == body["message"]
    assert "at most once" in body["allowed"]


@pytest.mark.parametrize("name", ["module", "severity", "metric"])
def test_an_empty_filter_is_a_400_naming_it(make_client: Client, name: str) -> None:
    status, body = _history(make_client(), f"{name}=")
    assert (400, name) == (status, body["parameter"])
    assert f"Invalid query parameter '{name}': must not be empty." == body["message"]
    assert "7d" == body["window"]


@pytest.mark.parametrize("limit", ["0", "1001", "-1", "1.5", "abc", "", "\u0661"])
def test_a_limit_outside_1_to_1000_is_a_400(make_client: Client, limit: str) -> None:
    status, body = _history(make_client(), f"limit={limit}")
    assert (400, "limit", "an integer from 1 to 1000, at most once") == (
        status,
        body["parameter"],
        body["allowed"],
    )


@pytest.mark.parametrize("fields", ["", "SUMMARY", "all"])
def test_an_unknown_fields_value_is_a_400(make_client: Client, fields: str) -> None:
    status, body = _history(make_client(), f"fields={fields}")
    assert (400, "fields", "one of full, summary, at most once") == (
        status,
        body["parameter"],
        body["allowed"],
    )


def test_an_invalid_window_is_reported_before_a_repeated_filter(make_client: Client) -> None:
    _, body = _history(make_client(), "window=2d&module=a&module=b")
    assert "window" == body["parameter"]


def test_validation_comes_before_the_off_audience(make_client: Client) -> None:
    status, body = _history(make_client(OFF), "window=30d")
    assert (400, "error") == (status, body["status"])


def test_parse_query_defaults_and_ignores_unknown_names() -> None:
    assert HistoryQuery() == parse_query({"other": ["1", "2"]})
    assert HistoryQuery(window="1h", module="m", limit=5, summary_only=True) == parse_query(
        {"window": ["1h"], "module": ["m"], "limit": ["5"], "fields": ["summary"]}
    )


def test_off_history_is_empty_whatever_the_state_holds(make_client: Client) -> None:
    status, body = _history(make_client(OFF, seed_live_state()), "window=1h&module=security")
    assert 200 == status
    assert {
        "window": "1h",
        "snapshots": [],
        "status": "empty",
        "message": "Telemetry audience is off; no data is served.",
        "anchor_ms": None,
        "window_start_ms": None,
        "window_end_ms": None,
    } == body


def test_an_empty_source_names_only_real_commands(make_client: Client) -> None:
    status, body = _history(make_client(USER))
    assert (200, "empty", [], EMPTY_MESSAGE) == (
        status,
        body["status"],
        body["snapshots"],
        body["message"],
    )
    assert "`chaffra health .`" in body["message"]
    assert "--seeded" in body["message"]


@pytest.mark.parametrize(("window", "count"), [("7d", 12), ("24h", 2), ("1h", 1)])
@pytest.mark.parametrize("audience", [USER, ON, OPERATOR])
def test_seeded_windows_hold_twelve_two_and_one_snapshots(
    make_client: Client, audience: TelemetryAudience, window: str, count: int
) -> None:
    status, body = _history(make_client(audience, seed_live_state()), f"window={window}")
    assert (200, "seeded", count) == (status, body["status"], len(body["snapshots"]))
    assert body["message"].startswith("Seeded demo data.")
    timestamps = [s["timestamp_ms"] for s in body["snapshots"]]
    assert sorted(timestamps) == timestamps
    newest = 1_718_000_000_000 + 11 * 54_000_000
    assert (newest, newest) == (body["anchor_ms"], body["window_end_ms"])
    lengths = {"1h": 3_600_000, "24h": 86_400_000, "7d": 604_800_000}
    assert newest - lengths[window] == body["window_start_ms"]


def test_the_default_window_is_7d(make_client: Client) -> None:
    _, body = _history(make_client(USER, seed_live_state()))
    assert ("7d", 12) == (body["window"], len(body["snapshots"]))


@pytest.mark.parametrize(
    ("audience", "query", "count"),
    [
        (USER, "metric=chaffra.module.call_duration_ms", 0),
        (ON, "metric=chaffra.module.call_duration_ms", 12),
        (USER, "severity=error", 12),
        (ON, "severity=error", 12),
        (OPERATOR, "severity=error", 0),
        (USER, "module=security", 12),
        (ON, "module=security", 12),
        (OPERATOR, "module=security", 12),
        (USER, "module=security&severity=error&metric=chaffra.analysis", 12),
        (USER, "module=security&severity=nope", 0),
    ],
)
def test_filters_run_on_the_projected_snapshots_and_combine_with_and(
    make_client: Client, audience: TelemetryAudience, query: str, count: int
) -> None:
    status, body = _history(make_client(audience, seed_live_state()), query)
    assert (200, count) == (status, len(body["snapshots"]))
    assert "seeded" == body["status"]
    if count == 0:
        assert "No snapshots match the applied filter within the 7d window." == body["message"]


def test_user_only_history_hides_every_operator_field(make_client: Client) -> None:
    _, body = _history(make_client(USER, seed_live_state()))
    for snapshot in body["snapshots"]:
        assert {"module_call_durations": {}, "module_error_counts": {}} == (
            snapshot["operator_summary"]
        )
        assert [] == snapshot["spans"]
        assert "chaffra.module.call_duration_ms" not in snapshot["definitions"]
        assert {0} == {
            m["duration_ms"] for m in snapshot["user_summary"]["module_summaries"].values()
        }
        assert "chaffra.module.error_total" not in {p["name"] for p in snapshot["data_points"]}


def test_on_history_keeps_operator_fields(make_client: Client) -> None:
    _, body = _history(make_client(ON, seed_live_state()), "window=1h")
    (snapshot,) = body["snapshots"]
    assert {"security": 1} == snapshot["operator_summary"]["module_error_counts"]
    assert "chaffra.module.call_duration_ms" in snapshot["definitions"]
    assert "on" == snapshot["audience"]


def test_limit_keeps_the_newest_snapshots(make_client: Client) -> None:
    _, full = _history(make_client(USER, seed_live_state()))
    _, limited = _history(make_client(USER, seed_live_state()), "limit=3")
    assert full["snapshots"][-3:] == limited["snapshots"]


def test_fields_summary_omits_definitions_and_spans(make_client: Client) -> None:
    _, body = _history(make_client(ON, seed_live_state()), "fields=summary&window=1h")
    (snapshot,) = body["snapshots"]
    assert {
        "timestamp_ms",
        "data_points",
        "user_summary",
        "operator_summary",
        "audience",
    } == set(snapshot)


def test_after_a_real_push_history_is_live_and_holds_no_seeded_snapshot(
    make_client: Client,
) -> None:
    state = seed_live_state()
    client = make_client(USER, state)
    state.push_snapshot(project(TelemetrySnapshot(timestamp_ms=7), ON))
    _, body = _history(client)
    assert ("live", [7]) == (body["status"], [s["timestamp_ms"] for s in body["snapshots"]])
    assert "Live telemetry from analysis runs." == body["message"]


def test_a_labelled_source_without_snapshots_has_no_anchor(make_client: Client) -> None:
    state = LiveTelemetryState()
    state.set_source(StateSource.LIVE)
    _, body = _history(make_client(USER, state))
    assert ("live", [], None, None) == (
        body["status"],
        body["snapshots"],
        body["anchor_ms"],
        body["window_start_ms"],
    )


def test_window_start_is_never_negative(make_client: Client) -> None:
    state = LiveTelemetryState()
    summary = UserSummary(files_total=1)
    state.push_snapshot(project(TelemetrySnapshot(timestamp_ms=10, user_summary=summary), ON))
    _, body = _history(make_client(USER, state), "window=1h")
    assert (0, 10, 1) == (body["window_start_ms"], body["window_end_ms"], len(body["snapshots"]))
