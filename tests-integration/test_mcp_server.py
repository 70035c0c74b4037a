"""``chaffra mcp`` as a real process: the SDK client and raw JSON-RPC, both protocol generations."""

from __future__ import annotations

import json
import queue
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import anyio
import httpx
import pytest
from mcp import Client, StdioServerParameters, types

TIMEOUT = 60.0
SOURCE = "def f(a):\n" + "".join(f"    if a == {i}:\n        a += 1\n" for i in range(25))
MODERN = {
    "io.modelcontextprotocol/protocolVersion": "2026-07-28",
    "io.modelcontextprotocol/clientInfo": {"name": "raw", "version": "0"},
    "io.modelcontextprotocol/clientCapabilities": {},
}
INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "raw", "version": "0"},
    },
}


def chaffra_command() -> list[str]:
    sibling = Path(sys.executable).with_name("chaffra")
    if sibling.is_file():
        return [str(sibling)]
    found = shutil.which("chaffra")
    return [found] if found else [sys.executable, "-m", "chaffra_cli"]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "proj"
    (root / "pkg").mkdir(parents=True)
    (root / "pkg" / "m.py").write_text(SOURCE + "    return a\n", encoding="utf-8")
    return root


async def _exercise(client: Client, root: Path) -> dict[str, Any]:
    names = [tool.name for tool in (await client.list_tools()).tools]
    results = {}
    calls: list[tuple[str, dict[str, Any]]] = [
        ("chaffra_health", {}),
        ("chaffra_complexity", {"path": "pkg"}),
        ("chaffra_explain", {"rule_id": "complexity:high-cyclomatic"}),
        ("chaffra_telemetry", {"action": "history"}),
        ("chaffra_changes", {}),
        ("chaffra/health", {"path": str(root.parent)}),
    ]
    for name, arguments in calls:
        result = await client.call_tool(name, arguments)
        [content] = result.content
        assert isinstance(content, types.TextContent)
        results[name] = (result.is_error, content.text, result.structured_content)
    return {"names": names, "results": results, "version": client.protocol_version}


@pytest.mark.parametrize(("mode", "version"), [("legacy", "2025-11-25"), ("auto", "2026-07-28")])
def test_the_sdk_client_drives_the_stdio_server_in_both_generations(
    mode: str, version: str, project: Path
) -> None:
    command, *args = chaffra_command()
    parameters = StdioServerParameters(command=command, args=[*args, "mcp", "--root", str(project)])

    async def main() -> dict[str, Any]:
        async with Client(parameters, mode=mode) as client:
            return await _exercise(client, project)

    seen = anyio.run(main)
    assert version == seen["version"]
    assert [
        "chaffra_health",
        "chaffra_complexity",
        "chaffra_dead_code",
        "chaffra_explain",
        "chaffra_telemetry",
        "chaffra_changes",
    ] == seen["names"]
    results = seen["results"]
    assert all(not results[name][0] for name in list(results)[:-1])
    assert results["chaffra_complexity"][2]["summary"]["findings"]["total"] >= 1
    assert 1 == results["chaffra_telemetry"][2]["page"]["total"]  # the health run before it
    assert results["chaffra/health"][0]
    assert "outside the server's roots" in results["chaffra/health"][1]


class RawSession:
    """Newline-delimited JSON-RPC written to and read from a real ``chaffra mcp`` process."""

    def __init__(self, command: list[str]) -> None:
        self.process = subprocess.Popen(
            command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        self.lines: queue.Queue[bytes] = queue.Queue()
        assert self.process.stdout is not None
        self._pump = threading.Thread(target=self._read, args=(self.process.stdout,), daemon=True)
        self._pump.start()

    def _read(self, stream: IO[bytes]) -> None:
        for line in stream:
            self.lines.put(line)

    def send(self, message: bytes | dict[str, Any]) -> None:
        assert self.process.stdin is not None
        data = message if isinstance(message, bytes) else json.dumps(message).encode()
        self.process.stdin.write(data + b"\n")
        self.process.stdin.flush()

    def receive(self) -> dict[str, Any]:
        value: dict[str, Any] = json.loads(self.lines.get(timeout=TIMEOUT))
        return value

    def finish(self) -> tuple[int, list[bytes], bytes]:
        assert self.process.stdin is not None
        self.process.stdin.close()
        code = self.process.wait(timeout=TIMEOUT)
        self._pump.join(timeout=TIMEOUT)
        rest = []
        while not self.lines.empty():
            rest.append(self.lines.get())
        assert self.process.stderr is not None
        return code, rest, self.process.stderr.read()


@contextmanager
def raw_session(command: list[str]) -> Iterator[RawSession]:
    session = RawSession(command)
    try:
        yield session
    finally:
        if session.process.poll() is None:
            session.process.kill()
            session.process.wait(timeout=TIMEOUT)
        for stream in (session.process.stdin, session.process.stdout, session.process.stderr):
            if stream is not None:
                stream.close()


def explain(request_id: int, meta: dict[str, Any] | None = None) -> dict[str, Any]:
    params: dict[str, Any] = {"name": "chaffra_explain", "arguments": {"rule_id": "high-cognitive"}}
    if meta is not None:
        params["_meta"] = meta
    return {"jsonrpc": "2.0", "id": request_id, "method": "tools/call", "params": params}


MALFORMED: list[tuple[bytes, int]] = [
    (b"{not json", -32700),
    (b'{"jsonrpc": "2.0", "id": 9}', -32600),
    (b"x" * (5 * 1024 * 1024), -32600),
    (json.dumps({"jsonrpc": "2.0", "id": 10, "method": "no/such", "params": {}}).encode(), -32601),
]


@pytest.mark.parametrize("generation", ["handshake", "stateless"])
def test_raw_json_rpc_malformed_input_gets_errors_and_the_server_serves_on(
    generation: str, project: Path
) -> None:
    meta = MODERN if generation == "stateless" else None
    with raw_session([*chaffra_command(), "mcp", "--root", str(project)]) as session:
        if meta is None:
            session.send(INIT)
            assert "chaffra" == session.receive()["result"]["serverInfo"]["name"]
            session.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        else:
            session.send(
                {"jsonrpc": "2.0", "id": 1, "method": "server/discover", "params": {"_meta": meta}}
            )
            assert ["2026-07-28"] == session.receive()["result"]["supportedVersions"]
        for number, (line, code) in enumerate(MALFORMED, start=100):
            unknown = {"jsonrpc": "2.0", "id": 10, "method": "no/such", "params": {"_meta": meta}}
            session.send(json.dumps(unknown).encode() if code == -32601 and meta else line)
            assert code == session.receive()["error"]["code"]
            session.send(explain(number, meta))
            answer = session.receive()
            assert (number, False) == (answer["id"], answer["result"]["isError"])
        code, rest, _ = session.finish()
    assert (0, []) == (code, rest)


DRIVER = """
import sys
from pathlib import Path
from chaffra_core import AnalysisResult, ModuleHost, ModuleInfo
from chaffra_core.analyzers.complexity import ComplexityModule
from chaffra_mcp import ServerSettings, serve_stdio

class Printing(ComplexityModule):
    def file_analyzer(self, config):
        print("stray print from an analyzer")
        sys.stdout.write("stray write\\n")
        return super().file_analyzer(config)

    def combine(self, files, config, project):
        print("stray print from an analyzer")
        return super().combine(files, config, project)

serve_stdio(ServerSettings.create([Path(sys.argv[1])]), module_host=ModuleHost([Printing()]))
"""


def test_stdout_carries_protocol_frames_only_whatever_an_analyzer_prints(project: Path) -> None:
    with raw_session([sys.executable, "-c", DRIVER, str(project)]) as session:
        session.send(INIT)
        session.receive()
        session.send({"jsonrpc": "2.0", "method": "notifications/initialized"})
        session.send(
            {
                "jsonrpc": "2.0",
                "id": 2,
                "method": "tools/call",
                "params": {"name": "chaffra_complexity", "arguments": {}},
            }
        )
        answer = session.receive()
        session.send(explain(3))
        assert 3 == session.receive()["id"]
        code, rest, stderr = session.finish()
    assert not answer["result"]["isError"]
    assert (0, []) == (code, rest)
    assert b"stray print from an analyzer" in stderr


@contextmanager
def http_server(*args: str) -> Iterator[tuple[str, subprocess.Popen[str]]]:
    process = subprocess.Popen(
        [*chaffra_command(), "mcp", "--http", "--port", "0", *args],
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stderr is not None
        line = process.stderr.readline()
        match = re.search(r"MCP endpoint: (http://127\.0\.0\.1:\d+/mcp)", line)
        assert match is not None, line + process.stderr.read()
        yield match.group(1), process
    finally:
        process.terminate()
        process.wait(timeout=TIMEOUT)
        assert process.stderr is not None
        process.stderr.close()


@pytest.mark.parametrize(("mode", "version"), [("legacy", "2025-11-25"), ("auto", "2026-07-28")])
def test_the_sdk_client_drives_the_http_server_in_both_generations(
    mode: str, version: str, project: Path
) -> None:
    with http_server("--root", str(project)) as (url, _):

        async def main() -> dict[str, Any]:
            async with Client(url, mode=mode) as client:
                return await _exercise(client, project)

        seen = anyio.run(main)
    assert version == seen["version"]
    assert not seen["results"]["chaffra_health"][0]


def test_the_http_server_wants_its_token_and_refuses_remote_binds_without_one(
    project: Path,
) -> None:
    refused = subprocess.run(
        [*chaffra_command(), "mcp", "--http", "--host", "0.0.0.0", "--root", str(project)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert 2 == refused.returncode
    assert "without a token" in refused.stderr
    with http_server("--root", str(project), "--token", "s3cret") as (url, _):
        headers = {"accept": "application/json, text/event-stream"}
        denied = httpx.post(url, json=INIT, headers=headers, timeout=TIMEOUT)
        allowed = httpx.post(
            url, json=INIT, headers={**headers, "authorization": "Bearer s3cret"}, timeout=TIMEOUT
        )
    assert (401, 200) == (denied.status_code, allowed.status_code)
