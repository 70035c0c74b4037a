"""The optional streamable HTTP transport: loopback by default, a bearer token beyond it.

Like the management server, the MCP endpoint binds 127.0.0.1 unless told
otherwise, answers only requests whose ``Host`` names the bound loopback
address and port (DNS-rebinding defence, via the SDK's transport security),
and refuses a non-loopback bind without a token. With a token every request
must carry ``Authorization: Bearer <token>`` (compared in constant time).
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import socket
from typing import Any

from mcp.server import Server
from mcp.server.transport_security import TransportSecuritySettings
from starlette.types import ASGIApp, Receive, Scope, Send

from chaffra_mcp.errors import UsageError

__all__ = [
    "DEFAULT_HTTP_HOST",
    "DEFAULT_HTTP_PORT",
    "ENDPOINT",
    "TOKEN_ENV",
    "BearerTokenMiddleware",
    "bind",
    "http_app",
    "is_loopback",
    "require_safe_bind",
    "url_of",
]

DEFAULT_HTTP_HOST = "127.0.0.1"
DEFAULT_HTTP_PORT = 9101
TOKEN_ENV = "CHAFFRA_MCP_TOKEN"
ENDPOINT = "/mcp"
_BEARER = b"bearer "


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback addresses (``127.0.0.0/8``, ``::1``)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def require_safe_bind(host: str, token: str | None) -> None:
    """Refuse a non-loopback ``host`` without a token.

    Raises:
        UsageError: ``host`` is not a loopback address and ``token`` is empty.
    """
    if not (is_loopback(host) or token):
        raise UsageError(
            f"refusing to serve MCP on non-loopback address {host} without a token "
            f"(--token or ${TOKEN_ENV})"
        )


class BearerTokenMiddleware:
    """Every HTTP request must carry ``Authorization: Bearer <token>``; else 401."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._expected = token.encode("utf-8")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and not self._authorized(scope):
            body = json.dumps({"error": "Missing or invalid bearer token."}).encode("utf-8")
            await send(
                {
                    "type": "http.response.start",
                    "status": 401,
                    "headers": [
                        (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode("ascii")),
                        (b"www-authenticate", b'Bearer realm="chaffra-mcp"'),
                    ],
                }
            )
            await send({"type": "http.response.body", "body": body})
            return
        await self.app(scope, receive, send)

    def _authorized(self, scope: Scope) -> bool:
        header = b""
        for key, value in scope.get("headers", ()):
            if key.lower() == b"authorization":
                header = bytes(value)
        scheme_ok = header[: len(_BEARER)].lower() == _BEARER
        # Compare even when the scheme is wrong, so timing does not tell the cases apart.
        token_ok = hmac.compare_digest(header[len(_BEARER) :].strip(), self._expected)
        return scheme_ok and token_ok


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host:port`` (port 0 picks a free one).

    Raises:
        OSError: the address cannot be bound.
    """
    family, kind, proto, _, address = socket.getaddrinfo(
        host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError:
        sock.close()
        raise
    return sock


def http_app(server: Server[Any], *, host: str, port: int, token: str | None) -> ASGIApp:
    """The ASGI app serving ``server`` at ``/mcp`` for a socket bound to ``host:port``.

    Raises:
        UsageError: ``host`` is not a loopback address and no token is given.
    """
    require_safe_bind(host, token)
    if is_loopback(host):
        names = ("127.0.0.1", "localhost", "[::1]")
        security = TransportSecuritySettings(
            enable_dns_rebinding_protection=True,
            allowed_hosts=[f"{name}:{port}" for name in names],
            allowed_origins=[f"http://{name}:{port}" for name in names],
        )
    else:  # the token is the defence: a rebinding page cannot add the header
        security = TransportSecuritySettings(enable_dns_rebinding_protection=False)
    app: ASGIApp = server.streamable_http_app(
        streamable_http_path=ENDPOINT, host=host, transport_security=security
    )
    return BearerTokenMiddleware(app, token) if token else app


def url_of(sock: socket.socket) -> str:
    """The endpoint URL of the bound ``sock``."""
    bound_host, bound_port = sock.getsockname()[:2]
    url_host = f"[{bound_host}]" if ":" in bound_host else bound_host
    return f"http://{url_host}:{bound_port}{ENDPOINT}"
