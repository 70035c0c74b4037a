"""``/api/v1/events``: server-sent events, driven directly through the ASGI interface."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import anyio
import pytest
from anyio.abc import ObjectReceiveStream
from starlette.applications import Starlette
from starlette.types import Message

from chaffra_telemetry import (
    LiveTelemetryState,
    SqliteStore,
    TelemetryAudience,
    TelemetrySnapshot,
    project,
)

pytestmark = pytest.mark.anyio
ON = TelemetryAudience.ON


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


class Stream:
    """One open request: read its messages, then disconnect."""

    def __init__(self, messages: ObjectReceiveStream[Message], disconnect: anyio.Event) -> None:
        self._messages = messages
        self._disconnect = disconnect

    async def message(self) -> Message:
        with anyio.fail_after(5):
            return await self._messages.receive()

    async def chunk(self) -> str:
        message = await self.message()
        assert "http.response.body" == message["type"]
        return bytes(message["body"]).decode()

    def disconnect(self) -> None:
        self._disconnect.set()


@asynccontextmanager
async def open_stream(app: Starlette, method: str = "GET") -> AsyncIterator[Stream]:
    sender, receiver = anyio.create_memory_object_stream[Message](100)
    disconnect = anyio.Event()

    async def receive() -> Message:
        await disconnect.wait()
        return {"type": "http.disconnect"}

    scope: dict[str, Any] = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": "/api/v1/events",
        "raw_path": b"/api/v1/events",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
    }
    async with anyio.create_task_group() as group, sender, receiver:
        group.start_soon(app, scope, receive, sender.send)
        yield Stream(receiver, disconnect)
        disconnect.set()


def _event(chunk: str) -> tuple[str, dict[str, Any]]:
    lines = dict(line.split(": ", 1) for line in chunk.strip().splitlines() if ": " in line)
    return lines["event"], json.loads(lines["data"])


async def _start(stream: Stream) -> dict[str, Any]:
    start = await stream.message()
    assert (200, (b"content-type", b"text/event-stream; charset=utf-8")) == (
        start["status"],
        next(h for h in start["headers"] if h[0] == b"content-type"),
    )
    assert b"content-length" not in dict(start["headers"])
    chunk = await stream.chunk()
    assert chunk.startswith("retry: 3000\n")
    name, data = _event(chunk)
    assert "ready" == name
    return data


def _push(state: LiveTelemetryState, timestamp_ms: int) -> None:
    state.push_snapshot(project(TelemetrySnapshot(timestamp_ms=timestamp_ms), ON))


async def test_a_push_from_another_thread_produces_a_snapshot_event(
    make_app: Callable[..., Starlette],
) -> None:
    state = LiveTelemetryState()
    app = make_app(ON, state, events_poll_interval=0.01)
    async with open_stream(app) as stream:
        ready = await _start(stream)
        assert {"change_token": 0, "source": "empty", "newest_timestamp_ms": None} == ready
        producer = threading.Thread(target=_push, args=(state, 42))
        producer.start()
        name, data = _event(await stream.chunk())
        producer.join()
        assert ("snapshot", {"change_token": 1, "source": "live", "newest_timestamp_ms": 42}) == (
            name,
            data,
        )
        stream.disconnect()
        assert {"type": "http.response.body", "body": b"", "more_body": False} == (
            await stream.message()
        )


async def test_a_push_by_another_connection_to_the_sqlite_store_is_announced(
    make_app: Callable[..., Starlette], tmp_path: Path
) -> None:
    path = tmp_path / "telemetry.db"
    reader, writer = SqliteStore(path), SqliteStore(path)
    try:
        app = make_app(ON, LiveTelemetryState(reader), events_poll_interval=0.01)
        async with open_stream(app) as stream:
            await _start(stream)
            await anyio.to_thread.run_sync(_push, LiveTelemetryState(writer), 7)
            name, data = _event(await stream.chunk())
            assert ("snapshot", "live", 7) == (name, data["source"], data["newest_timestamp_ms"])
    finally:
        reader.close()
        writer.close()


async def test_a_quiet_stream_sends_keepalive_comments(make_app: Callable[..., Starlette]) -> None:
    app = make_app(ON, events_poll_interval=0.01, events_keepalive_interval=0.01)
    async with open_stream(app) as stream:
        await _start(stream)
        assert ": keepalive\n\n" == await stream.chunk()


async def test_an_off_app_announces_nothing_even_when_data_arrives(
    make_app: Callable[..., Starlette],
) -> None:
    state = LiveTelemetryState()
    _push(state, 5)
    app = make_app(
        TelemetryAudience.OFF, state, events_poll_interval=0.01, events_keepalive_interval=0.05
    )
    async with open_stream(app) as stream:
        ready = await _start(stream)
        assert {"change_token": 0, "source": "empty", "newest_timestamp_ms": None} == ready
        _push(state, 6)
        # A snapshot event would come before the first keep-alive.
        assert ": keepalive\n\n" == await stream.chunk()


async def test_closing_the_apps_streams_ends_an_open_stream(
    make_app: Callable[..., Starlette],
) -> None:
    app = make_app(ON, events_poll_interval=0.01)
    async with open_stream(app) as stream:
        await _start(stream)
        app.state.event_streams.close()
        assert {"type": "http.response.body", "body": b"", "more_body": False} == (
            await stream.message()
        )


async def test_head_sends_the_headers_and_no_events(make_app: Callable[..., Starlette]) -> None:
    async with open_stream(make_app(ON), method="HEAD") as stream:
        assert 200 == (await stream.message())["status"]
        assert {"type": "http.response.body", "body": b"", "more_body": False} == (
            await stream.message()
        )


class _FailingState(LiveTelemetryState):
    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def change_token(self) -> int:
        self.calls += 1
        if self.calls > 1:
            raise OSError("disk gone")
        return 0


async def test_a_state_read_failure_ends_the_stream_and_is_logged(
    make_app: Callable[..., Starlette], caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(ON, _FailingState(), events_poll_interval=0.01)
    async with open_stream(app) as stream:
        await _start(stream)
        assert False is (await stream.message())["more_body"]
    assert "reading the telemetry state failed" in caplog.text
