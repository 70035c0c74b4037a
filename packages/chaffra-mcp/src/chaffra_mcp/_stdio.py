"""The stdio transport: protocol frames alone on stdout, whatever the analyzers print.

:func:`claim_std_streams` moves the real stdin and stdout to private file
descriptors and points fd 0 at the null device and fd 1 at stderr, so a stray
``print`` (or a child process) can never corrupt the protocol stream; it is
undone on exit.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import AsyncIterator, Callable
from typing import Any, BinaryIO

import anyio
import attrs
from anyio.streams.memory import MemoryObjectReceiveStream, MemoryObjectSendStream
from mcp import types
from mcp.server import Server
from mcp.shared.message import SessionMessage

from chaffra_mcp._framing import MAX_MESSAGE_BYTES, Oversized, decode, oversized_error, read_line

__all__ = ["ClaimedStreams", "claim_std_streams", "serve_streams"]


@attrs.frozen(kw_only=True)
class ClaimedStreams:
    """The protocol's private stdin and stdout, and how to give fds 0 and 1 back."""

    stdin: BinaryIO
    stdout: BinaryIO
    release: Callable[[], None]


def claim_std_streams(in_fd: int = 0, out_fd: int = 1, err_fd: int = 2) -> ClaimedStreams:
    """Take ``in_fd``/``out_fd`` for the protocol; leave null input and stderr in their place."""
    sys.stdout.flush()  # what was printed before the claim still belongs to the old stdout
    wire_in, wire_out = os.dup(in_fd), os.dup(out_fd)
    null = os.open(os.devnull, os.O_RDONLY)
    try:
        os.dup2(null, in_fd)
    finally:
        os.close(null)
    os.dup2(err_fd, out_fd)
    # closefd=False on input: a reader thread may still block on it after the transport ends.
    stdin = os.fdopen(wire_in, "rb", closefd=False)
    stdout = os.fdopen(wire_out, "wb")

    def release() -> None:
        with contextlib.suppress(OSError, ValueError):
            stdout.flush()
        os.dup2(wire_out, out_fd)
        os.dup2(wire_in, in_fd)
        stdout.close()

    return ClaimedStreams(stdin=stdin, stdout=stdout, release=release)


class _Pending:
    """Requests read but not yet answered, so end of input waits for their answers.

    A client may write its last request and close stdin at once (``printf ... |
    chaffra mcp``); closing the server's input then would cancel that request.
    A request the client cancels (``notifications/cancelled``) is never answered.
    """

    def __init__(self) -> None:
        self._ids: set[object] = set()
        self._idle = anyio.Event()
        self._idle.set()

    def track(self, message: types.JSONRPCMessage) -> None:
        if isinstance(message, types.JSONRPCRequest):
            self._ids.add(message.id)
            self._idle = anyio.Event()
        elif (
            isinstance(message, types.JSONRPCNotification)
            and message.method == "notifications/cancelled"
        ):
            self._settle((message.params or {}).get("requestId"))

    def answered(self, message: types.JSONRPCMessage) -> None:
        if isinstance(message, (types.JSONRPCResponse, types.JSONRPCError)):
            self._settle(message.id)

    def _settle(self, request_id: object) -> None:
        self._ids.discard(request_id)
        if not self._ids:
            self._idle.set()

    async def wait(self) -> None:
        await self._idle.wait()


def _write(stdout: BinaryIO, data: bytes) -> None:
    stdout.write(data)
    stdout.flush()


@contextlib.asynccontextmanager
async def _streams(
    stdin: BinaryIO, stdout: BinaryIO, limit: int
) -> AsyncIterator[
    tuple[MemoryObjectReceiveStream[SessionMessage | Exception], MemoryObjectSendStream[Any]]
]:
    inbound_send, inbound = anyio.create_memory_object_stream[SessionMessage | Exception](0)
    outbound, outbound_receive = anyio.create_memory_object_stream[SessionMessage](0)
    answers = outbound.clone()  # the reader's own sender, for errors about unreadable input
    pending = _Pending()

    async def reader(scope: anyio.CancelScope) -> None:
        with scope:
            async with inbound_send, answers:
                while True:
                    line = await anyio.to_thread.run_sync(
                        read_line, stdin, limit, abandon_on_cancel=True
                    )
                    if line is None:
                        await pending.wait()
                        return
                    item = (
                        oversized_error(line, limit)
                        if isinstance(line, Oversized)
                        else decode(line)
                    )
                    if isinstance(item, SessionMessage):
                        pending.track(item.message)
                        await inbound_send.send(item)
                    elif item is not None:
                        await answers.send(SessionMessage(item))

    async def writer() -> None:
        async with outbound_receive:
            async for message in outbound_receive:
                data = message.message.model_dump_json(by_alias=True, exclude_unset=True)
                await anyio.to_thread.run_sync(_write, stdout, data.encode("utf-8") + b"\n")
                pending.answered(message.message)

    reading = anyio.CancelScope()
    async with anyio.create_task_group() as group:
        group.start_soon(reader, reading)
        group.start_soon(writer)
        try:
            yield inbound, outbound
        finally:
            # The server is done: stop reading; the writer drains what is queued, then ends.
            reading.cancel()


async def serve_streams(
    server: Server[Any],
    stdin: BinaryIO,
    stdout: BinaryIO,
    *,
    max_message_bytes: int = MAX_MESSAGE_BYTES,
) -> None:
    """Serve ``server`` over newline-delimited JSON-RPC on ``stdin``/``stdout`` until their end."""
    async with _streams(stdin, stdout, max_message_bytes) as (inbound, outbound):
        await server.run(inbound, outbound, server.create_initialization_options())
