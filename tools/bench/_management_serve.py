"""Server side of the management load benchmark: chaffra's app beside bare endpoints.

Run by ``management_load.py`` in its server subprocesses (``--serve``,
``--serve-canned``). A server answers ``/bare/...`` from a plain Starlette app
(one route per measured route, each returning a precomputed body) and
everything else from chaffra's management app behind the Host allowlist, as
``chaffra_management.serve`` serves it at the root: one prefix check sends a
request to one side or the other, so neither pays for the other's routes.
"""

from __future__ import annotations

import asyncio
import json
import signal
import socket
import tempfile
from pathlib import Path
from typing import Any, cast

from _management_data import ENDPOINTS, HOST, report_state

__all__ = ["asgi_get", "serve_audience", "serve_canned"]

BARE_PREFIX = "/bare/"


async def asgi_get(app: Any, path_and_query: str) -> tuple[int, bytes]:
    """One GET through an ASGI app in process; its status and body."""
    path, _, query = path_and_query.partition("?")
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("ascii"),
        "root_path": "",
        "query_string": query.encode("ascii"),
        "headers": [(b"host", HOST.encode("ascii"))],
        "client": (HOST, 1),
        "server": (HOST, 80),
    }
    status = 0
    chunks: list[bytes] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        elif message["type"] == "http.response.body":
            chunks.append(bytes(message.get("body", b"")))

    await app(scope, receive, send)
    return status, b"".join(chunks)


def _bare_endpoint(body: bytes) -> Any:
    from starlette.requests import Request
    from starlette.responses import Response

    async def endpoint(request: Request) -> Response:
        return Response(body, media_type="application/json")

    return endpoint


class _ByPrefix:
    """``/bare/...`` to the bare app, every other request (and the lifespan) to chaffra's."""

    def __init__(self, bare: Any, chaffra: Any) -> None:
        self.bare, self.chaffra = bare, chaffra

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        side = self.bare if scope.get("path", "").startswith(BARE_PREFIX) else self.chaffra
        await side(scope, receive, send)


def _listening_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((HOST, 0))
    sock.listen(128)
    return sock


def serve_audience(audience_name: str, kind: str) -> None:
    """Server subprocess: announce a JSON line (port, body sizes), serve until SIGTERM."""
    from hypercorn.asyncio import serve
    from hypercorn.config import Config
    from hypercorn.typing import Framework
    from starlette.applications import Starlette
    from starlette.routing import Route

    from chaffra_management import HostAllowlistMiddleware, create_app, loopback_hosts
    from chaffra_telemetry import TelemetryAudience, TelemetryConfig, seed_live_state

    audience = TelemetryAudience(audience_name)
    project_dir = tempfile.TemporaryDirectory(prefix="chaffra-bench-")
    state = report_state(Path(project_dir.name)) if kind == "report" else seed_live_state()
    chaffra = create_app(telemetry_config=TelemetryConfig(audience=audience), live_state=state)
    bodies: dict[str, bytes] = {}
    for endpoint in ENDPOINTS[kind]:
        status, body = asyncio.run(asgi_get(chaffra, endpoint.chaffra_path))
        if status != 200:
            raise RuntimeError(f"{endpoint.chaffra_path} answered {status}")
        bodies[endpoint.bare_path] = body

    sock = _listening_socket()
    port = int(sock.getsockname()[1])
    # What ``chaffra_management.serve`` serves: the app behind the Host allowlist.
    guarded = HostAllowlistMiddleware(chaffra, loopback_hosts(port))
    bare = Starlette(routes=[Route(path, _bare_endpoint(body)) for path, body in bodies.items()])

    config = Config()  # the settings ``chaffra_management.serve`` uses
    config.bind = [f"fd://{sock.detach()}"]
    config.graceful_timeout = 3.0
    config.accesslog = None

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)

        async def trigger() -> None:
            await stop.wait()

        sizes = {path: len(body) for path, body in bodies.items()}
        print(json.dumps({"port": port, "sizes": sizes}), flush=True)
        app = _ByPrefix(bare, guarded)
        await serve(cast("Framework", app), config, shutdown_trigger=trigger)

    with project_dir:
        asyncio.run(run())


def serve_canned(body_size: int) -> None:
    """Server subprocess: a minimal asyncio HTTP/1.1 server answering every request the same."""
    body = b"x" * body_size
    response = (
        b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n"
        + f"content-length: {body_size}\r\n\r\n".encode("ascii")
        + body
    )

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                await reader.readuntil(b"\r\n\r\n")
                writer.write(response)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    async def run() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, stop.set)
        server = await asyncio.start_server(handle, HOST, 0)
        port = server.sockets[0].getsockname()[1]
        print(json.dumps({"port": port, "sizes": {}}), flush=True)
        async with server:
            await stop.wait()

    asyncio.run(run())
