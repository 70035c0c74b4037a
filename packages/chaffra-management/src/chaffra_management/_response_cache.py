"""Rendered API answers, reused while the live state has not changed.

Every data endpoint is a pure function of the live state (and its query): a
rendered body stays valid until the state's change token moves. Checking the
token and serving a hit happen on the event loop (no thread hop, no
re-projection, no re-serialization) when the token read never waits: a store in
memory, or a SqliteStore's own token connection (one indexed row); misses, and
token checks of any other store, run in a worker thread. Entries
of endpoints with time-based parts (backend probes) also expire after
``max_age_s``, so those stay fresh.

:meth:`ResponseCache.middleware` serves fresh entries before routing, when the
token read never waits: a hit then costs one dictionary lookup and at most one
token read. The token it compares with is read once per event-loop iteration:
every request the loop serves in the same iteration (a burst of keep-alive
connections) shares that read, and the next iteration reads it again, so a
change committed before a request arrives is always seen. It sits inside the
app's other middleware (token check, security headers), so nothing it serves
skips them.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from chaffra_management._context import AppContext

__all__ = ["ResponseCache"]

Handler = Callable[[Request], Response]


class ResponseCache:
    """Up to ``max_entries`` rendered responses keyed by (route, query string)."""

    def __init__(
        self,
        context: AppContext,
        *,
        max_entries: int = 256,
        max_age_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._state = context.live_state
        self._token_on_loop = not context.live_state.change_token_blocks
        self._max_entries, self._max_age_s, self._clock = max_entries, max_age_s, clock
        self._entries: OrderedDict[tuple[str, str], tuple[int, float, Response]] = OrderedDict()
        self._iteration_token: int | None = None

    def _forget_iteration_token(self) -> None:
        self._iteration_token = None

    def _token_this_iteration(self) -> int:
        """The change token as read once in this event-loop iteration (on the loop)."""
        token = self._iteration_token
        if token is None:
            token = self._iteration_token = self._state.change_token()
            asyncio.get_running_loop().call_soon(self._forget_iteration_token)
        return token

    async def _token(self) -> int:
        if self._token_on_loop:
            return self._state.change_token()
        return await anyio.to_thread.run_sync(self._state.change_token)

    def _fresh(self, key: tuple[str, str], token: int, now: float) -> Response | None:
        entry = self._entries.get(key)
        if entry is not None and entry[0] == token and now < entry[1]:
            self._entries.move_to_end(key)
            return entry[2]
        return None

    def middleware(self, app: ASGIApp) -> ASGIApp:
        """``app`` behind a lookup that answers fresh entries of GET requests itself."""
        if not self._token_on_loop:
            return app

        async def serve(scope: Scope, receive: Receive, send: Send) -> None:
            if scope["type"] == "http" and scope["method"] == "GET":
                key = (scope["path"], scope.get("query_string", b"").decode("latin-1"))
                if key in self._entries:
                    hit = self._fresh(key, self._token_this_iteration(), self._clock())
                    if hit is not None:
                        await _copy(hit)(scope, receive, send)
                        return
            await app(scope, receive, send)

        return serve

    def endpoint(
        self, handler: Handler, *, ages: bool = True
    ) -> Callable[[Request], Awaitable[Response]]:
        """An async endpoint answering from the cache, falling back to ``handler``.

        ``ages=False`` for a handler whose answer depends on the live state
        and the query only: its entries then live until the state changes.
        """
        max_age_s = self._max_age_s if ages else math.inf

        async def cached(request: Request) -> Response:
            key = (request.scope["path"], request.scope.get("query_string", b"").decode("latin-1"))
            token, now = await self._token(), self._clock()
            hit = self._fresh(key, token, now)
            if hit is not None:
                return _copy(hit)
            response = await anyio.to_thread.run_sync(handler, request)
            self._entries[key] = (token, now + max_age_s, response)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
            return _copy(response)

        return cached


class _Rendered(Response):
    """A response over already rendered bytes and headers: nothing is rendered again."""

    def __init__(self, response: Response) -> None:  # no super().__init__: nothing to render
        self.status_code = response.status_code
        self.body = response.body
        self.raw_headers = list(response.raw_headers)
        self.background = None


def _copy(response: Response) -> Response:
    """A fresh response over the same rendered bytes (responses are single-use objects)."""
    return _Rendered(response)
