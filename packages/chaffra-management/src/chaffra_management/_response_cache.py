"""Rendered API answers, reused while the live state has not changed.

Every data endpoint is a pure function of the live state (and its query): a
rendered body stays valid until the state's change token moves. Checking the
token and serving a hit happen on the event loop when the store is in memory
(no thread hop, no re-projection, no re-serialization); misses, and every
token check against a store that does I/O, run in a worker thread. Entries
also expire after ``max_age_s`` so time-based parts (backend probes) stay fresh.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import Response

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
        self._in_memory = not context.live_state.reads_block
        self._max_entries, self._max_age_s, self._clock = max_entries, max_age_s, clock
        self._entries: OrderedDict[tuple[str, str], tuple[int, float, Response]] = OrderedDict()

    async def _token(self) -> int:
        if self._in_memory:
            return self._state.change_token()
        return await anyio.to_thread.run_sync(self._state.change_token)

    def endpoint(self, handler: Handler) -> Callable[[Request], Awaitable[Response]]:
        """An async endpoint answering from the cache, falling back to ``handler``."""

        async def cached(request: Request) -> Response:
            key = (request.scope["path"], request.scope.get("query_string", b"").decode("latin-1"))
            token, now = await self._token(), self._clock()
            entry = self._entries.get(key)
            if entry is not None and entry[0] == token and now - entry[1] < self._max_age_s:
                self._entries.move_to_end(key)
                return _copy(entry[2])
            response = await anyio.to_thread.run_sync(handler, request)
            self._entries[key] = (token, now, response)
            self._entries.move_to_end(key)
            while len(self._entries) > self._max_entries:
                self._entries.popitem(last=False)
            return _copy(response)

        return cached


def _copy(response: Response) -> Response:
    """A fresh response over the same rendered bytes (responses are single-use objects)."""
    fresh = Response(content=response.body, status_code=response.status_code)
    fresh.raw_headers = list(response.raw_headers)
    return fresh
