"""A small LSP client for tests: a real server over pipes, typed with lsprotocol.

:meth:`LspClient.subprocess` drives ``chaffra lsp`` as a process;
:meth:`LspClient.in_thread` drives a server made by ``create_server`` in
this process (over OS pipes, the same framing).

Messages are built and read as lsprotocol types through lsprotocol's own
converter; a reader thread frames stdout into a queue, so tests wait on a
message with a timeout (never a sleep). Requests from the server
(``client/registerCapability``...) are answered with ``null``.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO, Any, TypeVar

from lsprotocol import types
from lsprotocol.converters import get_converter

__all__ = ["LspClient", "LspError"]

_T = TypeVar("_T")
TIMEOUT = 60.0


class LspError(Exception):
    """The server answered a request with an error."""

    def __init__(self, error: Mapping[str, Any]) -> None:
        super().__init__(f"{error.get('code')}: {error.get('message')}")
        self.code = int(error.get("code", 0))


def _frame(body: bytes) -> bytes:
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class LspClient:
    """``chaffra [global options] lsp`` as a subprocess, driven over its stdin/stdout."""

    def __init__(
        self,
        stdin: IO[bytes],
        stdout: IO[bytes],
        *,
        stderr: IO[bytes] | None = None,
        process: subprocess.Popen[bytes] | None = None,
        thread: threading.Thread | None = None,
    ) -> None:
        self.converter = get_converter()
        self.process = process
        self.thread = thread
        self._stdin = stdin
        self._stdout = stdout
        self._ids = itertools.count(1)
        self._responses: dict[Any, queue.Queue[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self.notifications: queue.Queue[dict[str, Any]] = queue.Queue()
        self.seen: list[dict[str, Any]] = []
        self.stderr_lines: list[str] = []
        self._reader = threading.Thread(target=self._read, args=(stdout,), daemon=True)
        self._reader.start()
        if stderr is not None:
            threading.Thread(target=self._drain, args=(stderr,), daemon=True).start()

    @classmethod
    def subprocess(cls, *args: str, cwd: Path, env: Mapping[str, str] | None = None) -> LspClient:
        """``python -m chaffra_cli [args]`` (e.g. ``"lsp"``) as a process."""
        process = subprocess.Popen(
            [sys.executable, "-m", "chaffra_cli", *args],
            cwd=cwd,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env={**os.environ, **(env or {})},
        )
        assert process.stdin is not None
        assert process.stdout is not None
        return cls(process.stdin, process.stdout, stderr=process.stderr, process=process)

    @classmethod
    def in_thread(cls, serve: Callable[[Any, Any], object]) -> LspClient:
        """``serve(stdin, stdout)`` (e.g. a server's ``start_io``) on a thread, over pipes."""
        to_server_r, to_server_w = os.pipe()
        from_server_r, from_server_w = os.pipe()
        server_in = os.fdopen(to_server_r, "rb")
        server_out = os.fdopen(from_server_w, "wb", buffering=0)

        def run() -> None:
            try:
                serve(server_in, server_out)
            except SystemExit:  # the exit notification ends the server
                pass
            finally:
                server_out.close()
                server_in.close()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return cls(os.fdopen(to_server_w, "wb"), os.fdopen(from_server_r, "rb"), thread=thread)

    # -- transport ------------------------------------------------------------

    def _drain(self, stream: IO[bytes]) -> None:
        for line in stream:
            self.stderr_lines.append(line.decode("utf-8", "replace"))

    def _read(self, stream: IO[bytes]) -> None:
        while True:
            length = None
            while True:
                header = stream.readline()
                if not header:
                    self.notifications.put({"method": "<eof>"})
                    return
                if header in (b"\r\n", b"\n"):
                    break
                name, _, value = header.decode("ascii").partition(":")
                if name.lower() == "content-length":
                    length = int(value.strip())
            assert length is not None
            message = json.loads(stream.read(length))
            self._dispatch(message)

    def _dispatch(self, message: dict[str, Any]) -> None:
        if "method" in message and "id" in message:  # a request from the server
            self.send_raw(json.dumps({"jsonrpc": "2.0", "id": message["id"], "result": None}))
            self.seen.append(message)
            return
        if "method" in message:
            self.seen.append(message)
            self.notifications.put(message)
            return
        with self._lock:
            box = self._responses.setdefault(message.get("id"), queue.Queue())
        box.put(message)

    def send_raw(self, body: str | bytes, *, framed: bool = True) -> None:
        """Write ``body`` (framed with a ``Content-Length`` header unless told not to)."""
        data = body.encode("utf-8") if isinstance(body, str) else body
        with self._lock:
            self._stdin.write(_frame(data) if framed else data)
            self._stdin.flush()

    def _send(self, message: Mapping[str, Any]) -> None:
        self.send_raw(json.dumps(message))

    # -- typed messages ---------------------------------------------------------

    def response(self, msg_id: Any, timeout: float = TIMEOUT) -> dict[str, Any]:
        """The raw response to request ``msg_id``."""
        with self._lock:
            box = self._responses.setdefault(msg_id, queue.Queue())
        return box.get(timeout=timeout)

    def request(
        self, method: str, params: object, result_type: type[_T] | Any, timeout: float = TIMEOUT
    ) -> _T:
        """Send a typed request and return its typed result.

        Raises:
            LspError: the server answered with an error.
        """
        msg_id = next(self._ids)
        payload = None if params is None else self.converter.unstructure(params)
        self._send({"jsonrpc": "2.0", "id": msg_id, "method": method, "params": payload})
        answer = self.response(msg_id, timeout)
        if "error" in answer:
            raise LspError(answer["error"])
        result: _T = self.converter.structure(answer.get("result"), result_type)
        return result

    def notify(self, method: str, params: object) -> None:
        """Send a typed notification."""
        payload = None if params is None else self.converter.unstructure(params)
        self._send({"jsonrpc": "2.0", "method": method, "params": payload})

    def wait(
        self,
        method: str,
        predicate: Callable[[dict[str, Any]], bool] = lambda _: True,
        timeout: float = TIMEOUT,
    ) -> dict[str, Any]:
        """The next notification ``method`` whose params satisfy ``predicate``."""
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no {method} within {timeout}s; stderr: {self.stderr_lines}")
            message = self.notifications.get(timeout=remaining)
            if message["method"] == "<eof>":
                raise EOFError(f"server closed stdout; stderr: {''.join(self.stderr_lines)}")
            if message["method"] == method and predicate(message.get("params") or {}):
                return message

    def diagnostics(
        self,
        uri: str,
        predicate: Callable[[types.PublishDiagnosticsParams], bool] = lambda _: True,
        timeout: float = TIMEOUT,
    ) -> types.PublishDiagnosticsParams:
        """The next ``publishDiagnostics`` for ``uri`` satisfying ``predicate``."""

        def matches(params: dict[str, Any]) -> bool:
            if params.get("uri") != uri:
                return False
            return predicate(self.converter.structure(params, types.PublishDiagnosticsParams))

        message = self.wait(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, matches, timeout)
        return self.converter.structure(message["params"], types.PublishDiagnosticsParams)

    # -- session helpers --------------------------------------------------------

    def initialize(
        self, root: Path, *, watched_files: bool = True, folders: Sequence[Path] = ()
    ) -> types.InitializeResult:
        """``initialize`` + ``initialized`` for a workspace at ``root``."""
        capabilities = types.ClientCapabilities(
            workspace=types.WorkspaceClientCapabilities(
                did_change_watched_files=types.DidChangeWatchedFilesClientCapabilities(
                    dynamic_registration=watched_files
                ),
                workspace_folders=True,
            ),
            text_document=types.TextDocumentClientCapabilities(
                publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                    version_support=True
                ),
                hover=types.HoverClientCapabilities(content_format=[types.MarkupKind.Markdown]),
            ),
        )
        result: types.InitializeResult = self.request(
            types.INITIALIZE,
            types.InitializeParams(
                process_id=os.getpid(),
                root_uri=root.as_uri(),
                capabilities=capabilities,
                workspace_folders=[
                    types.WorkspaceFolder(uri=f.as_uri(), name=f.name) for f in (folders or [root])
                ],
            ),
            types.InitializeResult,
        )
        self.notify(types.INITIALIZED, types.InitializedParams())
        return result

    def open(self, path: Path, text: str | None = None, version: int = 1) -> str:
        """``didOpen`` of ``path`` (its text on disk unless given); returns its URI."""
        uri = path.as_uri()
        self.notify(
            types.TEXT_DOCUMENT_DID_OPEN,
            types.DidOpenTextDocumentParams(
                text_document=types.TextDocumentItem(
                    uri=uri,
                    language_id="python",
                    version=version,
                    text=path.read_text(encoding="utf-8") if text is None else text,
                )
            ),
        )
        return uri

    def change(self, uri: str, text: str, version: int) -> None:
        """``didChange`` with the whole new text."""
        self.notify(
            types.TEXT_DOCUMENT_DID_CHANGE,
            types.DidChangeTextDocumentParams(
                text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=version),
                content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
            ),
        )

    def save(self, uri: str) -> None:
        """``didSave`` (the text is on disk already)."""
        self.notify(
            types.TEXT_DOCUMENT_DID_SAVE,
            types.DidSaveTextDocumentParams(text_document=types.TextDocumentIdentifier(uri=uri)),
        )

    def recorded(self, uri: str, timeout: float = TIMEOUT) -> None:
        """Wait until the server says the telemetry run of a save of ``uri`` is stored
        (its ``window/logMessage``; notifications read meanwhile are dropped)."""
        from chaffra_lsp._server import RECORDED

        self.wait(
            types.WINDOW_LOG_MESSAGE,
            lambda params: params.get("message") == f"{RECORDED} {uri}",
            timeout,
        )

    def shutdown(self, timeout: float = TIMEOUT) -> int | None:
        """``shutdown`` then ``exit``; the process's exit status (``None`` in a thread)."""
        self.request(types.SHUTDOWN, None, type(None))
        self.notify(types.EXIT, None)
        if self.thread is not None:
            self.thread.join(timeout)
            assert not self.thread.is_alive()
            return None
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def close(self) -> None:
        """Stop the process if a test left it running, and close the pipes.

        The server's output is closed only after the reader has seen its end:
        closing a pipe under a blocked read would fail in the reader's thread.
        """
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=TIMEOUT)
        with contextlib.suppress(OSError):
            self._stdin.close()  # an in-process server ends on end of input
        self._reader.join(TIMEOUT)
        with contextlib.suppress(OSError):
            self._stdout.close()
        if self.process is not None and self.process.stderr is not None:
            self.process.stderr.close()
