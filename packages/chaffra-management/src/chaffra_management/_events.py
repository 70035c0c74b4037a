"""``/events``: server-sent events announcing each new snapshot.

The stream polls ``change_token()`` in a worker thread (a ``SqliteStore`` read
is blocking I/O, and it sees pushes from every process writing the file).
Events carry no snapshot content, only the token, the source and the newest
timestamp: clients re-fetch the endpoints they show. An ``off`` app announces
nothing. A stream ends when the client disconnects or the app's streams are
closed (server shutdown).
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import anyio
import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import Message, Receive, Scope, Send

from chaffra_management._context import AppContext, newest
from chaffra_telemetry import TelemetryAudience

__all__ = ["EventStreams", "EventsHandler"]

_LOG = logging.getLogger("chaffra_management")
_HEADERS = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
    "X-Accel-Buffering": "no",
}
_RETRY_MS = 3000


class EventStreams:
    """The open event streams of one app; :meth:`close` ends them all."""

    def __init__(self) -> None:
        self._closed = threading.Event()

    @property
    def closed(self) -> bool:
        """True once :meth:`close` was called."""
        return self._closed.is_set()

    def close(self) -> None:
        """End every open stream at its next poll; new streams end at once."""
        self._closed.set()


def _event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data, separators=(',', ':'))}\n\n".encode()


class _EventStreamResponse(Response):
    media_type = "text/event-stream"

    def __init__(self, handler: EventsHandler) -> None:
        # Not ``super().__init__``: with no ``body`` attribute no Content-Length is set.
        self.status_code = 200
        self.background = None
        self.init_headers(_HEADERS)
        self._handler = handler

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": self.raw_headers})
        if scope["method"] != "HEAD":
            async with anyio.create_task_group() as group:

                async def until_disconnect() -> None:
                    message: Message = {}
                    while message.get("type") != "http.disconnect":
                        message = await receive()
                    group.cancel_scope.cancel()

                group.start_soon(until_disconnect)
                await self._handler.stream(send)
                group.cancel_scope.cancel()
        await send({"type": "http.response.body", "body": b"", "more_body": False})


class EventsHandler:
    """The ``/events`` endpoint of one app."""

    def __init__(
        self,
        context: AppContext,
        streams: EventStreams,
        *,
        poll_interval: float,
        keepalive_interval: float,
    ) -> None:
        self._context = context
        self._streams = streams
        self._poll_interval = poll_interval
        self._keepalive_interval = keepalive_interval

    async def handle(self, request: Request) -> Response:
        """An event stream: ``ready`` at once, then ``snapshot`` on every change."""
        return _EventStreamResponse(self)

    def _state(self) -> dict[str, Any]:
        context = self._context
        state = newest(context)
        off = context.audience is TelemetryAudience.OFF
        return {"change_token": 0 if off else context.live_state.change_token(), **state}

    async def stream(self, send: Send) -> None:
        """Send events until the streams are closed or the state cannot be read."""

        async def chunk(body: bytes) -> None:
            await send({"type": "http.response.body", "body": body, "more_body": True})

        state = await anyio.to_thread.run_sync(self._state)
        await chunk(f"retry: {_RETRY_MS}\n".encode() + _event("ready", state))
        last_sent = anyio.current_time()
        watch = self._context.audience is not TelemetryAudience.OFF
        while not self._streams.closed:
            await anyio.sleep(self._poll_interval)
            changed = False
            if watch:
                try:
                    token = await anyio.to_thread.run_sync(self._context.live_state.change_token)
                    changed = token != state["change_token"]
                    if changed:
                        state = await anyio.to_thread.run_sync(self._state)
                except Exception:
                    _LOG.exception("event stream: reading the telemetry state failed")
                    return
            now = anyio.current_time()
            if changed:
                await chunk(_event("snapshot", state))
                last_sent = now
            elif now - last_sent >= self._keepalive_interval:
                await chunk(b": keepalive\n\n")
                last_sent = now
