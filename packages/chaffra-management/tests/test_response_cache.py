"""Rendered answers are reused until the live state changes, then recomputed."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator, MutableMapping
from pathlib import Path
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.testclient import TestClient

from chaffra_management import create_app
from chaffra_management._backend_status import BackendStatusCache
from chaffra_management._context import AppContext
from chaffra_management._response_cache import ResponseCache
from chaffra_telemetry import (
    LiveTelemetryState,
    MetricDataPoint,
    SqliteStore,
    TelemetryAudience,
    TelemetryConfig,
    TelemetrySnapshot,
    UserSummary,
    project,
)


def _snapshot(ts: int, files: int) -> TelemetrySnapshot:
    point = MetricDataPoint(name="chaffra.health.score", value=80.0, timestamp_ms=ts)
    return TelemetrySnapshot(
        timestamp_ms=ts, data_points=(point,), user_summary=UserSummary(files_total=files)
    )


@pytest.fixture(params=["memory", "sqlite"])
def state(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[LiveTelemetryState]:
    if request.param == "memory":
        yield LiveTelemetryState()
        return
    store = SqliteStore(tmp_path / "t.db")
    yield LiveTelemetryState(store)
    store.close()


def test_a_new_snapshot_invalidates_every_cached_answer(state: LiveTelemetryState) -> None:
    app = create_app(telemetry_config=TelemetryConfig(), live_state=state)
    with TestClient(app) as client:
        assert 0 == client.get("/api/v1/metrics").json()["files_total"]
        state.push_snapshot(project(_snapshot(1, 3), TelemetryAudience.ON))
        first = client.get("/api/v1/metrics")
        again = client.get("/api/v1/metrics")
        state.push_snapshot(project(_snapshot(2, 5), TelemetryAudience.ON))
        after = client.get("/api/v1/metrics")
    assert (3, 3, 5) == (
        first.json()["files_total"],
        again.json()["files_total"],
        after.json()["files_total"],
    )
    assert first.headers["cache-control"] == again.headers["cache-control"] == "no-store"


def test_answers_differ_by_query_and_expire_with_age() -> None:
    now = [0.0]
    calls: list[str] = []
    state = LiveTelemetryState()
    context = AppContext(
        config=TelemetryConfig(),
        live_state=state,
        backend_statuses=BackendStatusCache(TelemetryConfig(), lambda config: []),
    )
    cache = ResponseCache(context, max_age_s=1.0, clock=lambda: now[0])

    def handler(request: Request) -> Response:
        calls.append(request.url.query)
        return Response(request.url.query)

    app = Starlette(routes=[Route("/x", cache.endpoint(handler))])
    with TestClient(app) as client:
        for query, advance in (("a=1", 0.0), ("a=1", 0.5), ("a=2", 0.0), ("a=1", 5.0)):
            now[0] += advance
            assert query == client.get(f"/x?{query}").text
    assert ["a=1", "a=2", "a=1"] == calls


def test_the_cache_keeps_a_bounded_number_of_answers() -> None:
    state = LiveTelemetryState()
    app = create_app(telemetry_config=TelemetryConfig(), live_state=state)
    with TestClient(app) as client:
        for limit in range(1, 300):
            assert 200 == client.get(f"/api/v1/metrics/history?limit={limit}").status_code


def test_a_cached_answer_is_still_behind_the_bearer_token_and_the_security_headers(
    tmp_path: Path,
) -> None:
    state = LiveTelemetryState(SqliteStore(tmp_path / "t.db"))
    state.push_snapshot(project(_snapshot(1, 3), TelemetryAudience.ON))
    app = create_app(telemetry_config=TelemetryConfig(), live_state=state, token="s3cret")
    authorized = {"Authorization": "Bearer s3cret"}
    with TestClient(app) as client:
        first = client.get("/api/v1/metrics", headers=authorized)
        hit = client.get("/api/v1/metrics", headers=authorized)
        refused = client.get("/api/v1/metrics")
        posted = client.post("/api/v1/metrics", headers=authorized)
    state.close()
    assert (200, 200, 401, 405) == (
        first.status_code,
        hit.status_code,
        refused.status_code,
        posted.status_code,
    )
    assert first.content == hit.content
    assert 1 == len(hit.headers.get_list("content-security-policy"))
    assert "nosniff" == hit.headers["x-content-type-options"]


def test_a_store_whose_token_read_may_wait_is_served_through_the_endpoints_only() -> None:
    class Slow(LiveTelemetryState):
        @property
        def change_token_blocks(self) -> bool:
            return True

    state = Slow()
    app = create_app(telemetry_config=TelemetryConfig(), live_state=state)
    with TestClient(app) as client:
        assert 0 == client.get("/api/v1/metrics").json()["files_total"]
        state.push_snapshot(project(_snapshot(1, 3), TelemetryAudience.ON))
        assert 3 == client.get("/api/v1/metrics").json()["files_total"]


def test_an_answer_without_time_based_parts_lives_until_the_state_changes() -> None:
    now = [0.0]
    calls: list[str] = []
    state = LiveTelemetryState()
    context = AppContext(
        config=TelemetryConfig(),
        live_state=state,
        backend_statuses=BackendStatusCache(TelemetryConfig(), lambda config: []),
    )
    cache = ResponseCache(context, max_age_s=1.0, clock=lambda: now[0])

    def handler(request: Request) -> Response:
        calls.append(request.url.path)
        return Response(request.url.path)

    app = Starlette(routes=[Route("/x", cache.endpoint(handler, ages=False))])
    with TestClient(cache.middleware(app)) as client:
        client.get("/x")
        now[0] += 3600.0
        client.get("/x")
        state.push_snapshot(project(_snapshot(1, 3), TelemetryAudience.ON))
        client.get("/x")
    assert ["/x", "/x"] == calls


def test_one_loop_iteration_reads_the_token_once_and_the_next_one_sees_a_change() -> None:
    reads: list[int] = []

    class Counting(LiveTelemetryState):
        def change_token(self) -> int:
            token = super().change_token()
            reads.append(token)
            return token

    state = Counting()
    app = create_app(telemetry_config=TelemetryConfig(), live_state=state)

    async def get() -> bytes:
        scope = {
            "type": "http",
            "method": "GET",
            "path": "/api/v1/metrics",
            "root_path": "",
            "query_string": b"",
            "headers": [],
        }
        chunks: list[bytes] = []

        async def receive() -> dict[str, object]:
            return {"type": "http.request", "body": b""}

        async def send(message: MutableMapping[str, Any]) -> None:
            chunks.append(message.get("body", b""))

        await app(scope, receive, send)
        return b"".join(chunks)

    async def scenario() -> tuple[list[bytes], bytes]:
        await get()  # fills the cache
        await asyncio.sleep(0)
        reads.clear()
        burst = await asyncio.gather(*(get() for _ in range(8)))
        read_by_the_burst = len(reads)
        state.push_snapshot(project(_snapshot(1, 3), TelemetryAudience.ON))
        await asyncio.sleep(0)
        after = await get()
        assert 1 == read_by_the_burst
        return list(burst), after

    burst, after = asyncio.run(scenario())
    assert all(0 == json.loads(body)["files_total"] for body in burst)
    assert 3 == json.loads(after)["files_total"]
