"""Reading stdio's newline-delimited JSON-RPC safely: bounded lines, an answer for every bad one.

The SDK's own stdio reader drops a line it cannot parse and reads lines of any
length into memory. Here a line longer than the limit is skipped without
being held, and malformed input gets the JSON-RPC error the specification
asks for (``-32700`` parse error, ``-32600`` invalid request), so a client
always learns what went wrong and the server reads on.
"""

from __future__ import annotations

import json
from typing import Any, BinaryIO

import attrs
from mcp import types
from mcp.shared.message import SessionMessage
from pydantic import ValidationError

__all__ = ["MAX_MESSAGE_BYTES", "Oversized", "decode", "oversized_error", "read_line"]

MAX_MESSAGE_BYTES = 4 * 1024 * 1024
"""Largest message accepted (the SDK's HTTP body limit); chaffra's requests are tiny."""

_SKIP_CHUNK = 64 * 1024


@attrs.frozen(kw_only=True)
class Oversized:
    """A line that exceeded the limit; ``size`` is its length in bytes (read and dropped)."""

    size: int


def read_line(stream: BinaryIO, limit: int = MAX_MESSAGE_BYTES) -> bytes | Oversized | None:
    """The next line of ``stream`` (``None`` at end of input), never holding more than ``limit``.

    A longer line is consumed in chunks up to its newline and reported as :class:`Oversized`.
    """
    line = stream.readline(limit + 1)
    if not line:
        return None
    if line.endswith(b"\n") or len(line) <= limit:
        return line
    size = len(line)
    while not line.endswith(b"\n"):
        line = stream.readline(_SKIP_CHUNK)
        if not line:
            break
        size += len(line)
    return Oversized(size=size)


def _error(request_id: types.RequestId | None, code: int, message: str) -> types.JSONRPCError:
    return types.JSONRPCError(
        jsonrpc="2.0", id=request_id, error=types.ErrorData(code=code, message=message)
    )


def oversized_error(line: Oversized, limit: int = MAX_MESSAGE_BYTES) -> types.JSONRPCError:
    """The answer to an over-long line (its id cannot be known without reading it)."""
    return _error(
        None,
        types.INVALID_REQUEST,
        f"Invalid Request: message of {line.size} bytes exceeds the {limit}-byte limit",
    )


def _request_id(value: Any) -> types.RequestId | None:
    candidate = value.get("id") if isinstance(value, dict) else None
    if isinstance(candidate, str) or (type(candidate) is int):
        return candidate
    return None


def decode(line: bytes) -> SessionMessage | types.JSONRPCError | None:
    """The message on ``line``, the error to send back instead, or ``None`` for a blank line."""
    text = line.strip()
    if not text:
        return None
    try:
        value = json.loads(text.decode("utf-8"))
    except UnicodeDecodeError as error:
        return _error(None, types.PARSE_ERROR, f"Parse error: not UTF-8 ({error.reason})")
    except ValueError as error:
        return _error(None, types.PARSE_ERROR, f"Parse error: {error}")
    except RecursionError:
        return _error(None, types.PARSE_ERROR, "Parse error: nested too deeply")
    try:
        message = types.jsonrpc_message_adapter.validate_python(value, by_name=False)
    except ValidationError:
        return _error(
            _request_id(value),
            types.INVALID_REQUEST,
            "Invalid Request: expected one JSON-RPC 2.0 request, notification or response object",
        )
    return SessionMessage(message)
