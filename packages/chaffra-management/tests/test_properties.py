"""Properties over generated snapshots and histories (spec §10.3)."""

from __future__ import annotations

import json
from collections.abc import Callable
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from chaffra_telemetry import LiveTelemetryState, TelemetryAudience, TelemetrySnapshot, project
from chaffra_telemetry.testing.strategies import snapshots

if TYPE_CHECKING:
    from starlette.testclient import TestClient

ROUTES = (
    "/api/v1/metrics",
    "/api/v1/modules",
    "/api/v1/findings/summary",
    "/api/v1/findings/churn",
    "/api/v1/health",
    "/api/v1/status",
    "/api/v1/metrics/history",
)
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
histories = st.lists(snapshots(), max_size=5)
filters = st.fixed_dictionaries(
    {},
    optional={
        "module": st.sampled_from(["dead-code", "security", "x", "error_total"]),
        "severity": st.sampled_from(["error", "warning", "info"]),
        "metric": st.sampled_from(["chaffra", "chaffra.module", "chaffra.findings.new", "x"]),
    },
)


def _strict(text: str) -> Any:
    def reject(constant: str) -> None:
        raise ValueError(f"non-standard JSON constant {constant}")

    return json.loads(text, parse_constant=reject)


def _load(state: LiveTelemetryState, history: list[TelemetrySnapshot]) -> None:
    state.clear()
    for snapshot in history:
        state.push_snapshot(project(snapshot, TelemetryAudience.ON))


def _clients(
    stack: ExitStack, make_app: Callable[..., Starlette], state: LiveTelemetryState
) -> dict[TelemetryAudience, TestClient]:
    from starlette.testclient import TestClient

    return {
        audience: stack.enter_context(TestClient(make_app(audience, state)))
        for audience in TelemetryAudience
    }


def _timestamps(client: TestClient, query: str) -> list[int]:
    body = _strict(client.get(f"/api/v1/metrics/history?{query}").text)
    return [s["timestamp_ms"] for s in body["snapshots"]]


def _contains(big: list[int], small: list[int]) -> bool:
    remaining = list(big)
    for item in small:
        if item not in remaining:
            return False
        remaining.remove(item)
    return True


def test_every_response_is_strict_json_and_totals_add_up(
    make_app: Callable[..., Starlette],
) -> None:
    state = LiveTelemetryState()
    with ExitStack() as stack:
        clients = _clients(stack, make_app, state)

        @SETTINGS
        @given(histories)
        def check(history: list[TelemetrySnapshot]) -> None:
            _load(state, history)
            for client in clients.values():
                for route in ROUTES:
                    response = client.get(route)
                    assert 200 == response.status_code
                    _strict(response.text)
                summary = client.get("/api/v1/findings/summary").json()
                assert sum(summary["by_module"].values()) == summary["total"]

        check()


def test_windows_nest_and_filters_only_narrow(make_app: Callable[..., Starlette]) -> None:
    state = LiveTelemetryState()
    with ExitStack() as stack:
        clients = _clients(stack, make_app, state)

        @SETTINGS
        @given(histories, filters)
        def check(history: list[TelemetrySnapshot], chosen: dict[str, str]) -> None:
            _load(state, history)
            for client in clients.values():
                hour, day, week = (_timestamps(client, f"window={w}") for w in ("1h", "24h", "7d"))
                assert _contains(day, hour)
                assert _contains(week, day)
                combined = _timestamps(client, "&".join(f"{k}={v}" for k, v in chosen.items()))
                assert _contains(week, combined)
                for name, value in chosen.items():
                    assert _contains(_timestamps(client, f"{name}={value}"), combined)

        check()


def test_status_is_never_seeded_once_a_live_snapshot_was_pushed(
    make_app: Callable[..., Starlette],
) -> None:
    from starlette.testclient import TestClient

    from chaffra_telemetry import seed_live_state

    @SETTINGS
    @given(snapshots(), histories)
    def check(first: TelemetrySnapshot, later: list[TelemetrySnapshot]) -> None:
        state = seed_live_state()
        with TestClient(make_app(TelemetryAudience.ON, state)) as client:
            for snapshot in [first, *later]:
                state.push_snapshot(project(snapshot, TelemetryAudience.ON))
            for query in ("", "window=1h", "module=security"):
                body = client.get(f"/api/v1/metrics/history?{query}").json()
                assert "live" == body["status"]
            assert "live" == client.get("/api/v1/status").json()["source"]

    check()


def test_an_off_app_returns_identical_bodies_whatever_the_state_holds(
    make_app: Callable[..., Starlette],
) -> None:
    from starlette.testclient import TestClient

    state = LiveTelemetryState()
    with TestClient(make_app(TelemetryAudience.OFF, state)) as client:
        routes = (*ROUTES, "/api/v1/config", "/api/v1/metrics/history?window=1h&module=x")
        empty = {route: client.get(route).content for route in routes}

        @SETTINGS
        @given(histories)
        def check(history: list[TelemetrySnapshot]) -> None:
            _load(state, history)
            assert empty == {route: client.get(route).content for route in routes}

        check()
