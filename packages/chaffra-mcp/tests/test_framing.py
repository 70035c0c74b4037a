"""Reading stdio: bounded lines, JSON-RPC errors for malformed input, the server reads on."""

from __future__ import annotations

import io
import json
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, BinaryIO

import anyio
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from mcp import types
from mcp.shared.message import SessionMessage

from chaffra_mcp import ServerSettings, create_server
from chaffra_mcp._framing import Oversized, decode, oversized_error, read_line
from chaffra_mcp._stdio import claim_std_streams, serve_streams

INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "0"},
    },
}
INITIALIZED = {"jsonrpc": "2.0", "method": "notifications/initialized"}


def explain(request_id: int) -> dict[str, Any]:
    return {
        "jsonrpc": "2.0",
        "id": request_id,
        "method": "tools/call",
        "params": {"name": "chaffra_explain", "arguments": {"rule_id": "high-cognitive"}},
    }


def test_lines_are_read_up_to_the_limit_and_longer_ones_are_skipped_whole() -> None:
    stream = io.BytesIO(b"abc\n" + b"x" * 100 + b"\n" + b"12345\nlast")
    assert b"abc\n" == read_line(stream, limit=5)
    assert Oversized(size=101) == read_line(stream, limit=5)
    assert b"12345\n" == read_line(stream, limit=5)
    assert b"last" == read_line(stream, limit=5)
    assert None is read_line(stream, limit=5)
    assert Oversized(size=9) == read_line(io.BytesIO(b"123456789"), limit=5)


def test_the_error_of_an_oversized_line_names_its_size_and_the_limit() -> None:
    error = oversized_error(Oversized(size=99), limit=10)
    assert (None, types.INVALID_REQUEST) == (error.id, error.error.code)
    assert "99 bytes exceeds the 10-byte limit" in error.error.message


@pytest.mark.parametrize(
    ("line", "code", "request_id"),
    [
        (b"not json", types.PARSE_ERROR, None),
        (b"\xff\xfe", types.PARSE_ERROR, None),
        (b"[" * 100_000, types.PARSE_ERROR, None),
        (b"[1, 2]", types.INVALID_REQUEST, None),
        (b'{"jsonrpc": "2.0", "id": 5}', types.INVALID_REQUEST, 5),
        (b'{"jsonrpc": "1.0", "id": "a", "method": "x"}', types.INVALID_REQUEST, "a"),
        (b'{"id": true, "method": "x"}', types.INVALID_REQUEST, None),
    ],
)
def test_malformed_lines_become_json_rpc_errors(line: bytes, code: int, request_id: object) -> None:
    error = decode(line)
    assert isinstance(error, types.JSONRPCError)
    assert (request_id, code) == (error.id, error.error.code)


def test_blank_lines_are_skipped_and_valid_ones_decoded() -> None:
    assert None is decode(b"  \r\n")
    message = decode(json.dumps(INITIALIZED).encode())
    assert isinstance(message, SessionMessage)
    assert isinstance(message.message, types.JSONRPCNotification)


@given(st.binary(max_size=200))
def test_any_bytes_decode_to_a_message_an_error_or_nothing(line: bytes) -> None:
    result = decode(line)
    assert result is None or isinstance(result, (SessionMessage, types.JSONRPCError))


class Pipes:
    """The server on a thread, talking newline-delimited JSON over two OS pipes."""

    def __init__(self, server: Any, limit: int) -> None:
        in_read, self._in_write = os.pipe()
        self._out_read, out_write = os.pipe()
        self.stdin: BinaryIO = os.fdopen(in_read, "rb")
        self.stdout: BinaryIO = os.fdopen(out_write, "wb")
        self.writer = os.fdopen(self._in_write, "wb")
        self.reader = os.fdopen(self._out_read, "rb")
        self._thread = threading.Thread(
            target=anyio.run,
            args=(lambda: serve_streams(server, self.stdin, self.stdout, max_message_bytes=limit),),
        )
        self._thread.start()

    def send(self, payload: object) -> None:
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.writer.write(data + b"\n")
        self.writer.flush()

    def receive(self) -> dict[str, Any]:
        line = self.reader.readline()
        assert line, "the server closed its output"
        value: dict[str, Any] = json.loads(line)
        return value

    def close(self) -> list[dict[str, Any]]:
        self.writer.close()
        self._thread.join(timeout=30)
        assert not self._thread.is_alive()
        self.stdout.close()
        rest = [json.loads(line) for line in self.reader.read().splitlines()]
        self.reader.close()
        self.stdin.close()
        return rest


@contextmanager
def piped_server(root: Path, cache: Path, *, limit: int = 4096) -> Iterator[Pipes]:
    server = create_server(ServerSettings.create([root], cache_dir=cache))
    pipes = Pipes(server, limit)
    try:
        pipes.send(INIT)
        assert 1 == pipes.receive()["id"]
        pipes.send(INITIALIZED)
        yield pipes
    finally:
        if not pipes.writer.closed:
            pipes.close()


def test_malformed_input_gets_an_error_and_the_next_request_is_served(
    make_project: Callable[..., Path], cache_dir: Path
) -> None:
    with piped_server(make_project(), cache_dir) as pipes:
        bad: list[bytes | dict[str, Any]] = [
            b"{oops",
            b"x" * 10_000,
            b"[]",
            {"jsonrpc": "2.0", "id": 2, "method": "no/such"},
            {"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"nam": "x"}},
        ]
        codes = []
        for number, message in enumerate(bad, start=10):
            pipes.send(message)
            codes.append(pipes.receive()["error"]["code"])
            pipes.send(explain(number))
            answer = pipes.receive()
            assert number == answer["id"]
            assert not answer["result"]["isError"]
    assert [-32700, -32600, -32600, -32601, -32602] == codes


def test_end_of_input_waits_for_the_requests_already_read(
    make_project: Callable[..., Path], cache_dir: Path
) -> None:
    with piped_server(make_project(), cache_dir) as pipes:
        pipes.send(
            {
                "jsonrpc": "2.0",
                "id": 7,
                "method": "tools/call",
                "params": {"name": "chaffra_complexity", "arguments": {}},
            }
        )
        pipes.send({"jsonrpc": "2.0", "method": "notifications/cancelled", "params": {}})
        rest = pipes.close()
    assert [7] == [message["id"] for message in rest]
    assert not rest[0]["result"]["isError"]


_LINES = st.binary(min_size=1, max_size=300).filter(lambda b: b"\n" not in b)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(garbage=st.lists(_LINES, max_size=5))
def test_any_garbage_lines_leave_the_server_serving(
    garbage: list[bytes], tmp_path: Path, cache_dir: Path
) -> None:
    with piped_server(tmp_path, cache_dir) as pipes:
        for line in garbage:
            pipes.send(line)
        pipes.send(explain(99))
        while True:
            answer = pipes.receive()
            if answer.get("id") == 99:
                break
            assert "error" in answer
        assert not answer["result"]["isError"]


def test_claiming_the_std_streams_diverts_stray_output_and_gives_them_back() -> None:
    in_read, in_write = os.pipe()
    out_read, out_write = os.pipe()
    err_read, err_write = os.pipe()
    claimed = claim_std_streams(in_read, out_write, err_write)
    try:
        os.write(out_write, b"stray\n")  # what print() would do to fd 1 while serving
        assert b"" == os.read(in_read, 10)  # the old stdin now reads the null device
        os.write(in_write, b"request\n")
        assert b"request\n" == claimed.stdin.readline()
        claimed.stdout.write(b"frame\n")
        claimed.stdout.flush()
    finally:
        claimed.release()
    assert b"frame\n" == os.read(out_read, 100)
    assert b"stray\n" == os.read(err_read, 100)
    os.write(in_write, b"again\n")
    assert b"again\n" == os.read(in_read, 100)
    for fd in (in_read, in_write, out_read, out_write, err_read, err_write):
        os.close(fd)
