"""Benchmark: how long an editor waits for ``chaffra lsp``'s diagnostics, beside ``ruff server``.

On a copy of the Django wheel (a Django-size workspace), ``chaffra lsp``
processes are driven over stdio by ``chaffra_lsp.testing.LspClient``, timing

1. save -> diagnostics published, for a 1,000-line file (``django/test/utils.py``),
   as an editor saves: a one-line change, then the save at once (a server with
   the default debounce, whose save cancels the pending analysis of the change);
   each save is also one telemetry run, which the server does after publishing,
   on a thread of its own; it is timed up to the server's log message saying
   the run and its report are stored;
2. change -> diagnostics published, for the same file (a one-line edit), on a
   second server started with ``--debounce 0`` (the server's work, not its wait);
3. a one-line edit in one open document -> the cross-file dead-code diagnostics of
   another open document republished (a function the edit stops calling);
4. the server's memory (VmRSS and VmHWM) after all of it.

The peer is ``ruff server`` (pinned in the ``bench`` group), driven by the same
client on the same file: change -> diagnostics published. Every row reports the
median of wall time and of the server process's CPU time (its live threads'
from ``/proc/<pid>/task/*/schedstat``, plus the ended threads' from
``/proc/<pid>/stat`` in clock ticks), and ratios to the peer.

Goals (issue 14): save -> diagnostics <= 150 ms median over 20 saves; change ->
diagnostics for a 1,000-line file <= 50 ms; cross-file update <= 150 ms. This is
a measurement, not a test: the exit status is 0 whether or not they are met.

Usage::

    uv run --group bench python tools/bench/lsp.py [--saves 20] [--write docs/performance.md]
"""

from __future__ import annotations

import argparse
import functools
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from _report import environment_line, markdown_table, paragraph, write_section
from analyzers import django_corpus
from lsprotocol import types
from mcp_server import compile_bytecode

from chaffra_lsp.testing import LspClient

SECTION = "lsp"
FILE = Path("test/utils.py")
HELPER = "def bench_helper():\n    return 1\n"
CALLER = "from django.bench_helper import bench_helper\n\nVALUE = bench_helper()\n"
UNCALLED = "from django.bench_helper import bench_helper\n\nVALUE = 1\n"
TIMEOUT = 120.0
CHAFFRA = [shutil.which("chaffra", path=str(Path(sys.executable).parent)) or "chaffra"]


_TICK_NS = 1e9 / os.sysconf("SC_CLK_TCK")


def _ticks(stat: Path) -> int:
    """utime + stime of a ``/proc/.../stat`` file (clock ticks)."""
    fields = stat.read_text().rpartition(")")[2].split()
    return int(fields[11]) + int(fields[12])


def cpu_ns(pid: int) -> int:
    """The process's CPU time so far (ns): its live threads' run times, to the nanosecond,
    plus what threads that already ended used (the process's total less its live threads'
    in clock ticks: the servers do background work on threads that end when idle)."""
    precise, live_ticks = 0, 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            run_ns = int((task / "schedstat").read_text().split()[0])
            ticks = _ticks(task / "stat")
        except (OSError, IndexError, ValueError):
            continue  # a thread that ended meanwhile: counted in the process's total
        precise += run_ns
        live_ticks += ticks
    ended = max(0, _ticks(Path(f"/proc/{pid}/stat")) - live_ticks)
    return precise + int(ended * _TICK_NS)


def memory_kb(pid: int) -> dict[str, int]:
    """VmRSS and VmHWM of ``pid`` (kB)."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0])
    return found


class Server:
    """An LSP server process and its client, timing operations in wall and CPU time."""

    def __init__(self, command: list[str], root: Path) -> None:
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        process = subprocess.Popen(
            command,
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        assert process.stdin is not None
        assert process.stdout is not None
        self.process = process
        self.client = LspClient(
            process.stdin, process.stdout, stderr=process.stderr, process=process
        )
        # The raw result: lsprotocol cannot structure every peer's capabilities.
        self.client.request(
            types.INITIALIZE,
            types.InitializeParams(
                process_id=os.getpid(),
                root_uri=root.as_uri(),
                capabilities=types.ClientCapabilities(
                    text_document=types.TextDocumentClientCapabilities(
                        publish_diagnostics=types.PublishDiagnosticsClientCapabilities(
                            version_support=True
                        )
                    )
                ),
                workspace_folders=[types.WorkspaceFolder(uri=root.as_uri(), name=root.name)],
            ),
            Any,
        )
        self.client.notify(types.INITIALIZED, types.InitializedParams())
        self.versions: dict[str, int] = {}

    def open(self, path: Path) -> str:
        uri = self.client.open(path)
        self.versions[uri] = 1
        self.client.diagnostics(uri, timeout=TIMEOUT)
        return uri

    def timed(
        self, action: Callable[[], object], until: Callable[[], object]
    ) -> tuple[float, float]:
        """(wall s, CPU s) from ``action`` to the end of ``until``."""
        cpu = cpu_ns(self.process.pid)
        started = time.perf_counter()
        action()
        until()
        wall = time.perf_counter() - started
        return wall, (cpu_ns(self.process.pid) - cpu) / 1e9

    def change(self, uri: str, text: str) -> None:
        self.versions[uri] += 1
        self.client.change(uri, text, self.versions[uri])

    def published(self, uri: str) -> Callable[[], object]:
        """Waits for the diagnostics of ``uri``'s version at the time it is called."""

        def wait() -> object:
            version = self.versions[uri]
            return self.client.diagnostics(
                uri, lambda p: p.version is None or p.version >= version, timeout=TIMEOUT
            )

        return wait

    def saved(self, uri: str) -> None:
        """Return once a save's diagnostics are published and its telemetry run is done (the
        server logs that once the run's snapshot and report are stored)."""
        self.published(uri)()
        self.client.recorded(uri, timeout=TIMEOUT)

    def idle(self, uri: str) -> None:
        """Return once the server's analysis thread has done what was queued before."""
        self.client.request(
            types.TEXT_DOCUMENT_DIAGNOSTIC,
            types.DocumentDiagnosticParams(text_document=types.TextDocumentIdentifier(uri=uri)),
            types.RelatedFullDocumentDiagnosticReport,
        )

    def close(self) -> None:
        self.client.shutdown(timeout=TIMEOUT)
        self.client.close()


def edits(text: str, count: int) -> list[str]:
    """``count`` versions of ``text``, each differing from the last by one line."""
    return [text + f"\nBENCH_EDIT = {i}\n" for i in range(count)]


def chaffra_saves(project: Path, saves: int) -> dict[str, list[tuple[float, float]]]:
    """An editor's "type, then save" with the default debounce: the save cancels the pending
    analysis of the change and analyses the new text itself."""
    server = Server([*CHAFFRA, "lsp"], project)
    timings: dict[str, list[tuple[float, float]]] = {}
    path = project / "django" / FILE
    original = path.read_text(encoding="utf-8")
    try:
        uri = server.open(path)
        server.idle(uri)
        for text in edits(original, saves):
            server.change(uri, text)
            path.write_text(text, encoding="utf-8")
            timings.setdefault("save", []).append(
                server.timed(lambda: server.client.save(uri), server.published(uri))
            )
            server.client.recorded(uri, timeout=TIMEOUT)  # its telemetry run, untimed
            timings.setdefault("save+run", []).append(
                server.timed(lambda: server.client.save(uri), functools.partial(server.saved, uri))
            )
    finally:
        server.close()
        path.write_text(original, encoding="utf-8")
    return timings


def chaffra_changes(
    project: Path, count: int
) -> tuple[dict[str, list[tuple[float, float]]], dict[str, int]]:
    """Changes with ``--debounce 0``: the server's own work from a change to its diagnostics."""
    server = Server([*CHAFFRA, "lsp", "--debounce", "0"], project)
    timings: dict[str, list[tuple[float, float]]] = {}
    try:
        uri = server.open(project / "django" / FILE)
        original = (project / "django" / FILE).read_text(encoding="utf-8")
        for text in edits(original, count):
            timings.setdefault("change", []).append(
                server.timed(functools.partial(server.change, uri, text), server.published(uri))
            )
        helper = server.open(project / "django" / "bench_helper.py")
        caller = server.open(project / "django" / "bench_caller.py")
        for index in range(count):
            dead = index % 2 == 0
            text = UNCALLED if dead else CALLER

            def helper_updated(dead: bool = dead) -> object:
                return server.client.diagnostics(
                    helper,
                    lambda p: dead == any("bench_helper" in d.message for d in p.diagnostics),
                    timeout=TIMEOUT,
                )

            timings.setdefault("cross-file", []).append(
                server.timed(functools.partial(server.change, caller, text), helper_updated)
            )
        memory = memory_kb(server.process.pid)
    finally:
        server.close()
    return timings, memory


def ruff_rows(project: Path, count: int) -> tuple[list[tuple[float, float]], dict[str, int]]:
    command = shutil.which("ruff", path=str(Path(sys.executable).parent)) or "ruff"
    server = Server([command, "server"], project)
    try:
        path = project / "django" / FILE
        uri = server.open(path)
        original = path.read_text(encoding="utf-8")
        timings = [
            server.timed(functools.partial(server.change, uri, text), server.published(uri))
            for text in edits(original, count)
        ]
        memory = memory_kb(server.process.pid)
    finally:
        server.close()
    return timings, memory


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms"


def median(values: list[tuple[float, float]], index: int) -> float:
    return statistics.median(v[index] for v in values)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--saves", type=int, default=20, help="timed saves, changes and edits")
    parser.add_argument("--write", type=Path, metavar="PATH", help="replace this section of PATH")
    args = parser.parse_args()

    compile_bytecode()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch) / "workspace"
        shutil.copytree(django_corpus(), project / "django")
        (project / "django" / "bench_helper.py").write_text(HELPER, encoding="utf-8")
        (project / "django" / "bench_caller.py").write_text(CALLER, encoding="utf-8")
        files = sum(1 for _ in project.rglob("*.py"))
        lines = len((project / "django" / FILE).read_text(encoding="utf-8").splitlines())
        ours, memory = chaffra_changes(project, args.saves)
        ours |= chaffra_saves(project, args.saves)
        peer, peer_memory = ruff_rows(project, args.saves)
    load_after = os.getloadavg()[0]

    peer_wall, peer_cpu = median(peer, 0), median(peer, 1)
    labels = {
        "save": f"save -> diagnostics published ({lines}-line file)",
        "save+run": "save (text unchanged) -> its telemetry run and report stored",
        "change": f"change -> diagnostics published ({lines}-line file)",
        "cross-file": "one-line edit -> other open file's dead-code diagnostics",
    }
    rows = []
    for key, label in labels.items():
        wall, cpu = median(ours[key], 0), median(ours[key], 1)
        rows.append(
            [
                f"chaffra lsp: {label}",
                ms(wall),
                ms(cpu),
                f"{wall / peer_wall:.1f}x",
                f"{cpu / peer_cpu:.1f}x",
            ]
        )
    rows.append(
        [
            f"ruff server: change -> diagnostics published ({lines}-line file)",
            ms(peer_wall),
            ms(peer_cpu),
            "1.0x",
            "1.0x",
        ]
    )
    goals = []
    for key, target in (("save", 0.150), ("change", 0.050), ("cross-file", 0.150)):
        wall = median(ours[key], 0)
        goals.append(
            [
                labels[key],
                ms(wall),
                f"<= {target * 1000:.0f} ms",
                "PASS" if wall <= target else "FAIL",
            ]
        )
    body = "\n\n".join(
        [
            "## Language server latency (`chaffra lsp`)",
            paragraph(
                "What an editor waits for from one long-running `chaffra lsp` process on a",
                f"Django-size workspace (the Django wheel, {files} files), beside `ruff server`",
                "on the same file. chaffra runs every analyzer (complexity, dead code across",
                "the project, security); ruff runs its default lint rules on the one file.",
            ),
            environment_line(["chaffra-lsp", "chaffra-core", "pygls", "ruff"]),
            "Command: `uv run --group bench python tools/bench/lsp.py --write docs/performance.md`",
            paragraph(
                f"Method: medians over {args.saves} operations each, after the document was",
                "opened and analysed once. Wall time is from sending the notification to",
                "reading the matching `publishDiagnostics`; CPU time is the server process's:",
                "its live threads' (`/proc/<pid>/task/*/schedstat`) plus those of threads that",
                "ended (`/proc/<pid>/stat`, clock ticks). Saves: a one-line",
                "change then the save at once, on a server with the default 250 ms debounce",
                "(the save cancels the pending analysis and does it). Changes and the",
                "cross-file edit: a server started with `--debounce 0`, so no row includes",
                "the debounce delay an editor adds. Bytecode compiled before measuring.",
                "One-minute load average",
                f"{load_before:.2f} before and {load_after:.2f} after, on a machine shared",
                "with other work.",
            ),
            markdown_table(
                ["Operation", "Median wall", "Median CPU", "Wall vs ruff", "CPU vs ruff"],
                rows,
                align="lrrrr",
            ),
            markdown_table(
                ["Goal (issue 14)", "Measured", "Target", "Result"], goals, align="lrrc"
            ),
            paragraph(
                "The goals are wall times, met when the server has a CPU to itself, where",
                "wall and CPU time are close. On a shared machine the server gets a share of",
                "a CPU: here the change row's wall median is",
                f"{median(ours['change'], 0) / median(ours['change'], 1):.1f}x its CPU median",
                f"(one-minute load average {load_before:.2f} on {os.cpu_count()} CPUs), so the",
                "CPU column is the measure of the server's own cost.",
            ),
            paragraph(
                f"Memory after the run: chaffra lsp VmRSS {memory['VmRSS'] / 1024:.0f} MiB",
                f"(peak {memory['VmHWM'] / 1024:.0f} MiB); ruff server VmRSS",
                f"{peer_memory['VmRSS'] / 1024:.0f} MiB",
                f"(peak {peer_memory['VmHWM'] / 1024:.0f} MiB).",
            ),
        ]
    )
    print(body)
    if args.write is not None:
        write_section(args.write, SECTION, body)


if __name__ == "__main__":
    main()
