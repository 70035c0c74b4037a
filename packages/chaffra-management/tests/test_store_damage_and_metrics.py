"""A damaged store never makes an endpoint fail; ``/metrics`` serves the Prometheus exposition."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from prometheus_client.parser import text_string_to_metric_families

from chaffra_telemetry import (
    LiveTelemetryState,
    SqliteStore,
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
DATA_ROUTES = (
    "/api/v1/metrics",
    "/api/v1/metrics/history",
    "/api/v1/modules",
    "/api/v1/findings/summary",
    "/api/v1/findings/churn",
    "/api/v1/health",
    "/api/v1/config",
    "/api/v1/status",
    "/metrics",
)
BAD_ROWS = (
    (5, "on", "{", ""),  # not JSON
    (6, "loud", "{}", ""),  # unknown audience
    (7, "on", '{"timestamp_ms": "soon"}', ""),  # wrong types
    ("later", "on", "{}", ""),  # a timestamp that is not an integer
    (8, "on", "[]", "1"),  # untrusted positions of the wrong type
)


@pytest.fixture
def damaged(tmp_path: Path) -> Iterator[LiveTelemetryState]:
    """A store with one good snapshot (t=4) and, newer than it, one row of each kind of damage."""
    path = tmp_path / "telemetry.db"
    store = SqliteStore(path)
    raw = TelemetrySnapshot(timestamp_ms=4, user_summary=UserSummary(files_total=3))
    store.push_live(project(raw, ON))
    connection = sqlite3.connect(path, isolation_level=None)
    connection.executemany(
        "INSERT INTO snapshots (timestamp_ms, audience, payload, untrusted) VALUES (?, ?, ?, ?)",
        BAD_ROWS,
    )
    connection.close()
    yield LiveTelemetryState(store)
    store.close()


@pytest.mark.parametrize("audience", [ON, USER, OPERATOR, OFF])
def test_malformed_rows_never_make_an_endpoint_fail(
    make_client: Client, damaged: LiveTelemetryState, audience: TelemetryAudience
) -> None:
    client = make_client(audience, damaged)
    statuses = {route: client.get(route).status_code for route in DATA_ROUTES}
    expected_metrics = 503 if audience is OFF else 200
    assert dict.fromkeys(DATA_ROUTES, 200) | {"/metrics": expected_metrics} == statuses


def test_status_counts_the_unreadable_rows_and_serves_the_readable_ones(
    make_client: Client, damaged: LiveTelemetryState
) -> None:
    body = make_client(USER, damaged).get("/api/v1/status").json()
    assert (1, len(BAD_ROWS), 4) == (
        body["snapshot_count"],
        body["unreadable_snapshots"],
        body["newest_timestamp_ms"],
    )
    metrics = make_client(USER, damaged).get("/api/v1/metrics").json()
    assert 3 == metrics["files_total"]


def test_the_unreadable_count_is_an_operator_metric(
    make_client: Client, damaged: LiveTelemetryState
) -> None:
    def points(audience: TelemetryAudience) -> dict[str, float]:
        body = make_client(audience, damaged).get("/api/v1/metrics").json()
        return {p["name"]: p["value"] for p in body["data_points"]}

    assert len(BAD_ROWS) == points(OPERATOR)["chaffra.store.unreadable_snapshots"]
    assert "chaffra.store.unreadable_snapshots" not in points(USER)


@pytest.mark.parametrize("audience", [USER, ON])
def test_metrics_serves_the_newest_snapshot_projected_for_the_app_audience(
    make_client: Client, audience: TelemetryAudience
) -> None:
    response = make_client(audience, seed_live_state()).get("/metrics")
    assert 200 == response.status_code
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = {f.name for f in text_string_to_metric_families(response.text)}
    assert "chaffra_module_health_score" in families
    operator_family = "chaffra_module_call_duration_seconds"
    assert (audience is ON) == (operator_family in families)


def test_metrics_is_empty_until_a_snapshot_exists_and_under_off(make_client: Client) -> None:
    assert 503 == make_client(ON).get("/metrics").status_code
    assert 503 == make_client(OFF, seed_live_state()).get("/metrics").status_code


def test_metrics_needs_the_token_like_every_route(make_client: Client) -> None:
    client = make_client(ON, seed_live_state(), token="s3cret")
    assert 401 == client.get("/metrics").status_code
    authorized = client.get("/metrics", headers={"Authorization": "Bearer s3cret"})
    assert 200 == authorized.status_code


def test_metrics_works_under_a_mount_prefix(make_app: Callable[..., object]) -> None:
    from starlette.applications import Starlette
    from starlette.routing import Mount
    from starlette.testclient import TestClient

    host = Starlette(routes=[Mount("/chaffra", app=make_app(ON, seed_live_state()))])  # type: ignore[arg-type]
    with TestClient(host) as client:
        assert 200 == client.get("/chaffra/metrics").status_code
