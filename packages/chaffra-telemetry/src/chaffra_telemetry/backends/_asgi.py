"""A framework-free ASGI 3 app serving the Prometheus exposition (mount it anywhere)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from chaffra_telemetry._projection import ProjectedSnapshot
from chaffra_telemetry.backends._prometheus import render_prometheus

__all__ = ["CONTENT_TYPE", "prometheus_asgi_app"]

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]
Source = Callable[[], ProjectedSnapshot | None]
RunSync = Callable[[Source], Awaitable[ProjectedSnapshot | None]]


def prometheus_asgi_app(source: Source, *, run_sync: RunSync | None = None) -> ASGIApp:
    """An ASGI app answering ``GET``/``HEAD`` on its root with the exposition of ``source()``.

    ``source`` is called per request; ``None`` (nothing flushed yet) answers 503.
    When reading it blocks (a store on disk), pass ``run_sync`` to call it off
    the event loop, e.g. ``anyio.to_thread.run_sync`` or Starlette's
    ``run_in_threadpool``. Other paths answer 404, other methods 405; a
    ``lifespan`` scope is acknowledged and a websocket is refused.
    """

    async def app(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await _lifespan(receive, send)
            return
        if scope["type"] != "http":
            await send({"type": "websocket.close", "code": 1000})
            return
        root = scope.get("root_path", "")
        path = scope["path"]
        relative = path[len(root) :] if path.startswith(root) else path
        if relative not in ("", "/"):
            await _respond(send, 404, b"not found\n")
        elif scope["method"] not in ("GET", "HEAD"):
            await _respond(send, 405, b"method not allowed\n", [(b"allow", b"GET, HEAD")])
        else:
            snapshot = source() if run_sync is None else await run_sync(source)
            if snapshot is None:
                await _respond(send, 503, b"no telemetry flushed yet\n")
            else:
                body = render_prometheus(snapshot).encode("utf-8")
                head_only = scope["method"] == "HEAD"
                await _respond(send, 200, body, content_type=CONTENT_TYPE, head_only=head_only)

    return app


async def _lifespan(receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return


async def _respond(
    send: Send,
    status: int,
    body: bytes,
    headers: list[tuple[bytes, bytes]] | None = None,
    *,
    content_type: str = "text/plain; charset=utf-8",
    head_only: bool = False,
) -> None:
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type.encode("ascii")),
                (b"content-length", str(len(body)).encode("ascii")),
                *(headers or []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": b"" if head_only else body})
