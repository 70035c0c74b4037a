"""The management app on real servers: hypercorn in-process, and ``python -m chaffra_management``.

Every server binds port 0; every wait is bounded (queues and HTTP timeouts, no sleeps).
"""

from __future__ import annotations

import asyncio
import json
import queue
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import schemathesis
from hypercorn.asyncio import serve as hypercorn_serve
from hypercorn.config import Config
from hypothesis import HealthCheck, given, settings
from starlette.applications import Starlette
from starlette.responses import PlainTextResponse
from starlette.routing import Mount, Route

from _servers import running_server
from chaffra_management import create_app
from chaffra_telemetry import SqliteStore, TelemetryAudience, TelemetryConfig, seed_live_state

TIMEOUT = 10.0
PUSH_SCRIPT = """
import sys
from pathlib import Path
from chaffra_telemetry import TelemetryAudience, TelemetrySnapshot, UserSummary, project
from chaffra_telemetry import LiveTelemetryState, SqliteStore
snapshot = TelemetrySnapshot(timestamp_ms=int(sys.argv[2]), user_summary=UserSummary(files_total=5))
with LiveTelemetryState(SqliteStore(Path(sys.argv[1]))) as state:
    state.push_snapshot(project(snapshot, TelemetryAudience.ON))
"""


@contextmanager
def hypercorn_server(app: Any) -> Iterator[str]:
    """Serve ``app`` with hypercorn on a free loopback port in a background thread."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(64)
    port = sock.getsockname()[1]
    config = Config()
    config.bind = [f"fd://{sock.detach()}"]
    config.accesslog = None
    config.graceful_timeout = 1.0
    ready: queue.Queue[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = queue.Queue()
    errors: list[BaseException] = []

    async def main() -> None:
        shutdown = asyncio.Event()
        ready.put((asyncio.get_running_loop(), shutdown))
        await hypercorn_serve(app, config, shutdown_trigger=shutdown.wait)

    def run() -> None:
        try:
            asyncio.run(main())
        except BaseException as error:  # pragma: no cover - reported by the assertion below
            errors.append(error)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    loop, shutdown = ready.get(timeout=TIMEOUT)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        loop.call_soon_threadsafe(shutdown.set)
        thread.join(timeout=TIMEOUT)
        assert ([], False) == (errors, thread.is_alive())


def _parent_app() -> Starlette:
    chaffra = create_app(
        telemetry_config=TelemetryConfig(audience=TelemetryAudience.ON),
        live_state=seed_live_state(),
        backend_status=lambda config: [],
    )

    async def home(request: object) -> PlainTextResponse:
        return PlainTextResponse("parent")

    return Starlette(routes=[Route("/", home), Mount("/chaffra", app=chaffra)])


@pytest.fixture(scope="module")
def mounted() -> Iterator[str]:
    with hypercorn_server(_parent_app()) as base:
        yield base


def test_the_mounted_app_serves_the_dashboard_and_api_under_its_prefix(mounted: str) -> None:
    with httpx.Client(base_url=mounted, timeout=TIMEOUT) as client:
        assert "parent" == client.get("/").text
        page = client.get("/chaffra/")
        assert 200 == page.status_code
        assert "<title>Chaffra Management Dashboard</title>" in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert 87 == client.get("/chaffra/api/v1/metrics").json()["files_total"]
        assert 12 == len(client.get("/chaffra/api/v1/metrics/history").json()["snapshots"])
        assert "seeded" == client.get("/chaffra/api/v1/status").json()["source"]
        redirect = client.get("/chaffra", follow_redirects=False)
        assert redirect.headers["location"].endswith("/chaffra/")


def test_the_live_api_conforms_to_its_openapi_document(mounted: str) -> None:
    """Schemathesis: no 5xx, and every response matches the documented schema."""
    schema = schemathesis.openapi.from_url(f"{mounted}/chaffra/api/v1/openapi.json")
    every = [result.ok() for result in schema.get_all_operations()]  # type: ignore[union-attr]
    operations = [op for op in every if op.path not in {"/api/v1/events", "/"}]
    # Schemathesis leaves out the document's own route.
    assert {"/api/v1/", "/api/v1/metrics/history", "/api/v1/status"} <= {
        op.path for op in operations
    }
    for operation in operations:

        @settings(
            max_examples=30,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            case.call_and_validate(base_url=f"{mounted}/chaffra", timeout=TIMEOUT)

        check()


def standalone(*args: str) -> AbstractContextManager[tuple[str, list[str], subprocess.Popen[str]]]:
    """``python -m chaffra_management --port 0 ARGS``; yields the printed URL and lines."""
    return running_server([sys.executable, "-m", "chaffra_management", "--port", "0", *args])


def test_the_standalone_server_prints_its_url_serves_and_exits_0_on_sigterm() -> None:
    with standalone("--seeded") as (url, lines, process):
        assert not url.endswith(":0/")
        assert [
            f"API: {url}api/v1/",
            f"Prometheus: {url}metrics",
            "Mode: seeded (demo data)",
            "Audience: user-only",
        ] == lines[-4:]
        with httpx.Client(base_url=url, timeout=TIMEOUT) as client:
            assert 87 == client.get("api/v1/metrics").json()["files_total"]
            assert "Chaffra Management Dashboard" in client.get("").text
            assert "api/v1/metrics" in client.get("api/v1/").text
            evil = client.get("api/v1/metrics", headers={"Host": "evil.example"})
            assert 400 == evil.status_code
        process.send_signal(signal.SIGTERM)
        assert 0 == process.wait(timeout=TIMEOUT)


def test_a_store_server_sees_a_snapshot_pushed_by_another_process(tmp_path: Path) -> None:
    path = tmp_path / "telemetry.db"
    SqliteStore(path).close()
    with standalone("--store", str(path), "--audience", "on") as (url, lines, process):
        assert f"Mode: store {path} (followed live)" in lines
        with (
            httpx.Client(base_url=url, timeout=TIMEOUT) as client,
            client.stream("GET", "api/v1/events") as events,
        ):
            assert "empty" == client.get("api/v1/metrics/history").json()["status"]
            received = events.iter_lines()
            assert "retry: 3000" == next(received)
            assert "event: ready" == next(received)
            next(received)  # the ready event's data
            subprocess.run(
                [sys.executable, "-c", PUSH_SCRIPT, str(path), "1234"],
                check=True,
                timeout=TIMEOUT,
            )
            event = [next(received) for _ in range(3)]
            while event[0] != "event: snapshot":
                event = [*event[1:], next(received)]
            data = json.loads(event[1].removeprefix("data: "))
            assert ("live", 1234) == (data["source"], data["newest_timestamp_ms"])
            history = client.get("api/v1/metrics/history").json()
            assert ("live", [1234]) == (
                history["status"],
                [s["timestamp_ms"] for s in history["snapshots"]],
            )
        process.send_signal(signal.SIGINT)
        assert 0 == process.wait(timeout=TIMEOUT)
