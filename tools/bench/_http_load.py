"""A small closed-loop HTTP/1.1 load generator over raw asyncio sockets.

``run_load`` opens ``connections`` keep-alive connections and has each send
one ``GET`` after another (the next one only once the previous response has
been read completely), first for a warm-up period whose requests are not
recorded, then for a measured period bounded both in time and in request
count. Every measured request's latency (from writing the request to having
read the last body byte) is kept, so percentiles are exact, not estimated.

It speaks just enough HTTP/1.1 for a benchmark against a known server, as an
``asyncio.Protocol`` that counts body bytes without copying them:
``Content-Length`` bodies only, no chunked encoding, no redirects. Each
response's status and body size are checked; a mismatch counts as an error.
"""

from __future__ import annotations

import asyncio
import math
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import cast

__all__ = ["LoadResult", "percentile", "run_load"]

_HEADER_END = b"\r\n\r\n"


def percentile(sorted_values: list[int], fraction: float) -> int:
    """The nearest-rank percentile of already sorted values (0 for none)."""
    if not sorted_values:
        return 0
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[rank - 1]


@dataclass(frozen=True)
class LoadResult:
    """The measured period of one load run."""

    connections: int
    requests: int
    errors: int
    elapsed_s: float
    latencies_ns: list[int] = field(repr=False)  # sorted ascending
    body_bytes: int
    server_cpu_s: float | None = None  # the server's CPU time over the measured period

    @property
    def cpu_us_per_request(self) -> float | None:
        """Server CPU microseconds per measured request (``None`` without a CPU probe)."""
        if self.server_cpu_s is None or not self.requests:
            return None
        return self.server_cpu_s * 1e6 / self.requests

    @property
    def requests_per_s(self) -> float:
        """Completed measured requests per second of the measured period."""
        return self.requests / self.elapsed_s if self.elapsed_s > 0 else 0.0

    @property
    def p50_ms(self) -> float:
        """Median latency in milliseconds."""
        return percentile(self.latencies_ns, 0.50) / 1e6

    @property
    def p99_ms(self) -> float:
        """99th percentile latency in milliseconds."""
        return percentile(self.latencies_ns, 0.99) / 1e6


class _ProtocolError(Exception):
    pass


class _Connection(asyncio.Protocol):
    """One keep-alive connection: send a request, await its status and body size.

    Headers are buffered until complete; body bytes are only counted, never
    copied, so the client spends as little CPU per response as it can.
    """

    def __init__(self) -> None:
        self._transport: asyncio.Transport | None = None
        self._waiter: asyncio.Future[tuple[int, int]] | None = None
        self._head = bytearray()
        self._status = 0
        self._length = -1
        self._remaining = 0
        self._lost: BaseException | None = None
        self._closing = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast("asyncio.Transport", transport)
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def connection_lost(self, exc: Exception | None) -> None:
        self._lost = exc or ConnectionResetError("connection closed by the server")
        self._fail(self._lost)

    def _fail(self, error: BaseException) -> None:
        if self._waiter is not None and not self._waiter.done():
            self._waiter.set_exception(error)

    def data_received(self, data: bytes) -> None:
        if self._waiter is None or self._waiter.done():
            self._fail(_ProtocolError("unexpected data"))
            return
        if self._length < 0:
            self._head += data
            end = self._head.find(_HEADER_END)
            if end < 0:
                return
            try:
                self._parse_head(bytes(self._head[:end]))
            except (_ProtocolError, ValueError) as error:
                self._fail(error)
                return
            self._remaining = self._length - (len(self._head) - end - len(_HEADER_END))
        else:
            self._remaining -= len(data)
        if self._remaining == 0:
            self._waiter.set_result((self._status, self._length))
        elif self._remaining < 0:
            self._fail(_ProtocolError("more bytes than Content-Length"))

    def _parse_head(self, head: bytes) -> None:
        lines = head.split(b"\r\n")
        parts = lines[0].split(b" ", 2)
        if len(parts) < 2 or not parts[0].startswith(b"HTTP/1."):
            raise _ProtocolError(f"bad status line {lines[0]!r}")
        self._status = int(parts[1])
        for line in lines[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                self._length = int(value.strip())
            elif name == b"connection" and value.strip().lower() == b"close":
                self._closing = True
        if self._length < 0:
            raise _ProtocolError("response without Content-Length")

    @property
    def reusable(self) -> bool:
        """False once the server closed the connection or announced it would."""
        return self._lost is None and not self._closing

    async def request(self, data: bytes) -> tuple[int, int]:
        """Send ``data``; the response's status and body size."""
        if self._lost is not None or self._transport is None:
            raise ConnectionResetError("connection closed")
        self._head.clear()
        self._length = -1
        self._waiter = asyncio.get_running_loop().create_future()
        self._transport.write(data)
        return await self._waiter

    def close(self) -> None:
        if self._transport is not None:
            self._transport.close()


@dataclass
class _Shared:
    """State shared by the connection workers of one run."""

    request: bytes
    expected_status: int
    expected_body: int | None
    measure_start_ns: int
    stop_ns: int
    max_requests: int
    latencies: list[int] = field(default_factory=list)
    errors: int = 0
    started: int = 0
    last_end_ns: int = 0
    body_bytes: int = 0


async def _open(host: str, port: int) -> _Connection:
    _, protocol = await asyncio.get_running_loop().create_connection(_Connection, host, port)
    return protocol


async def _worker(host: str, port: int, shared: _Shared) -> None:
    connection = await _open(host, port)
    clock = time.perf_counter_ns
    try:
        while True:
            if not connection.reusable:
                # e.g. hypercorn's keep_alive_max_requests: reconnect, untimed.
                connection.close()
                connection = await _open(host, port)
            start = clock()
            if start >= shared.stop_ns:
                return
            measured = start >= shared.measure_start_ns
            if measured:
                if shared.started >= shared.max_requests:
                    return
                shared.started += 1
            try:
                status, size = await connection.request(shared.request)
            except (OSError, _ProtocolError, ValueError):
                # The server dropped or garbled the connection: count it, reconnect.
                shared.errors += measured
                connection.close()
                connection = await _open(host, port)
                continue
            end = clock()
            if not measured:
                continue
            ok = status == shared.expected_status and (
                shared.expected_body is None or size == shared.expected_body
            )
            if not ok:
                shared.errors += 1
                continue
            shared.latencies.append(end - start)
            shared.body_bytes = size
            shared.last_end_ns = max(shared.last_end_ns, end)
    finally:
        connection.close()


async def _run(
    host: str,
    port: int,
    path: str,
    *,
    connections: int,
    warmup_s: float,
    duration_s: float,
    max_requests: int,
    expected_status: int,
    expected_body: int | None,
    cpu_probe: Callable[[], float] | None = None,
) -> LoadResult:
    request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\n"
        "Accept: application/json\r\nUser-Agent: chaffra-bench\r\n\r\n"
    ).encode("ascii")
    now = time.perf_counter_ns()
    measure_start = now + int(warmup_s * 1e9)
    shared = _Shared(
        request=request,
        expected_status=expected_status,
        expected_body=expected_body,
        measure_start_ns=measure_start,
        stop_ns=measure_start + int(duration_s * 1e9),
        max_requests=max_requests,
    )
    cpu_start: list[float] = []

    async def probe_start() -> None:
        if cpu_probe is not None:
            await asyncio.sleep(max(0, measure_start - time.perf_counter_ns()) / 1e9)
            cpu_start.append(cpu_probe())

    await asyncio.gather(probe_start(), *(_worker(host, port, shared) for _ in range(connections)))
    server_cpu = cpu_probe() - cpu_start[0] if cpu_probe is not None and cpu_start else None
    elapsed = max(0, shared.last_end_ns - measure_start) / 1e9
    return LoadResult(
        connections=connections,
        requests=len(shared.latencies),
        errors=shared.errors,
        elapsed_s=elapsed,
        latencies_ns=sorted(shared.latencies),
        body_bytes=shared.body_bytes,
        server_cpu_s=server_cpu,
    )


def run_load(
    host: str,
    port: int,
    path: str,
    *,
    connections: int,
    warmup_s: float = 1.0,
    duration_s: float = 4.0,
    max_requests: int = 200_000,
    expected_status: int = 200,
    expected_body: int | None = None,
    cpu_probe: Callable[[], float] | None = None,
) -> LoadResult:
    """``GET path`` from ``connections`` keep-alive connections; see the module docstring.

    The measured period ends after ``duration_s`` or once ``max_requests``
    measured requests have been started, whichever comes first; requests in
    flight then still complete and count. ``cpu_probe`` (the server's CPU
    seconds so far) is read when the measured period starts and after it ends.
    """
    if connections < 1 or duration_s <= 0 or max_requests < 1:
        raise ValueError("connections, duration_s and max_requests must be positive")
    return asyncio.run(
        _run(
            host,
            port,
            path,
            connections=connections,
            warmup_s=warmup_s,
            duration_s=duration_s,
            max_requests=max_requests,
            expected_status=expected_status,
            expected_body=expected_body,
            cpu_probe=cpu_probe,
        )
    )
