"""Request gates: an optional bearer token, and the standalone server's Host allowlist.

Both are plain ASGI middleware, so they also guard a mounted app; both pass
lifespan messages through untouched.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl, urlencode

from starlette.types import ASGIApp, Receive, Scope, Send

from chaffra_management._serialize import error_response

__all__ = ["TOKEN_COOKIE", "BearerTokenMiddleware", "HostAllowlistMiddleware", "loopback_hosts"]

_BEARER = b"bearer "
TOKEN_COOKIE = "chaffra_token"
_LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")


def _header(scope: Scope, name: bytes) -> bytes | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value)
    return None


class BearerTokenMiddleware:
    """Every HTTP request must carry the token; else a 401 JSON body.

    Programs send ``Authorization: Bearer <token>``. A browser cannot add that
    header to a page load or an ``EventSource``, so it signs in once by opening
    the dashboard with ``?token=<token>``: the answer is a redirect to the same
    URL without the token that sets an ``HttpOnly``, ``SameSite=Strict`` cookie,
    which later requests present instead. Every comparison uses
    :func:`hmac.compare_digest` (constant time).
    """

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self._expected = token.encode("utf-8")

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            if self._signs_in(scope):
                await self._sign_in(scope, send)
                return
            if not self._authorized(scope):
                response = error_response(
                    401,
                    "Missing or invalid bearer token.",
                    {"WWW-Authenticate": 'Bearer realm="chaffra-management"'},
                )
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)

    def _matches(self, supplied: bytes) -> bool:
        return hmac.compare_digest(supplied, self._expected)

    def _authorized(self, scope: Scope) -> bool:
        header = _header(scope, b"authorization") or b""
        scheme_ok = header[: len(_BEARER)].lower() == _BEARER
        supplied = header[len(_BEARER) :].strip()
        # Compare even when the scheme is wrong, so timing does not tell them apart.
        token_ok = self._matches(supplied)
        return (scheme_ok and token_ok) or self._matches(_cookie(scope))

    def _signs_in(self, scope: Scope) -> bool:
        query = dict(parse_qsl(bytes(scope.get("query_string", b"")).decode("latin-1")))
        return "token" in query and self._matches(query["token"].encode("utf-8"))

    async def _sign_in(self, scope: Scope, send: Send) -> None:
        query = [
            (k, v)
            for k, v in parse_qsl(bytes(scope.get("query_string", b"")).decode("latin-1"))
            if k != "token"
        ]
        root, path = scope.get("root_path", ""), scope["path"]
        # Servers differ on whether ``path`` already includes ``root_path``.
        location = path if path.startswith(root) else root + path
        if query:
            location += "?" + urlencode(query)
        cookie = (
            f"{TOKEN_COOKIE}={self._expected.decode('utf-8')}; HttpOnly; SameSite=Strict; "
            f"Path={root or '/'}"
        )
        if scope.get("scheme") == "https":
            cookie += "; Secure"
        await send(
            {
                "type": "http.response.start",
                "status": 303,
                "headers": [
                    (b"location", location.encode("utf-8")),
                    (b"set-cookie", cookie.encode("utf-8")),
                    (b"cache-control", b"no-store"),
                    (b"content-length", b"0"),
                ],
            }
        )
        await send({"type": "http.response.body", "body": b""})


def _cookie(scope: Scope) -> bytes:
    raw = (_header(scope, b"cookie") or b"").decode("latin-1")
    morsel = SimpleCookie(raw).get(TOKEN_COOKIE)
    return morsel.value.encode("utf-8") if morsel is not None else b""


def loopback_hosts(port: int) -> frozenset[str]:
    """``127.0.0.1``, ``localhost`` and ``[::1]`` with ``port`` (and bare, for port 80)."""
    hosts = {f"{name}:{port}" for name in _LOOPBACK_NAMES}
    if port == 80:
        hosts.update(_LOOPBACK_NAMES)
    return frozenset(hosts)


class HostAllowlistMiddleware:
    """Refuse a request whose ``Host`` is not allowed (400 JSON): defeats DNS rebinding."""

    def __init__(self, app: ASGIApp, hosts: Iterable[str]) -> None:
        self.app = app
        self._hosts = frozenset(host.lower() for host in hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            host = (_header(scope, b"host") or b"").decode("latin-1").lower()
            if host not in self._hosts:
                await error_response(400, "Host not allowed.")(scope, receive, send)
                return
        await self.app(scope, receive, send)
