"""Benchmark: throughput and latency of the management API under load, against a bare endpoint.

Each server subprocess runs one hypercorn instance on ``127.0.0.1`` (port 0)
serving two apps side by side, one prefix check choosing between them
(``_management_serve``):

* everything but ``/bare/``: chaffra's management app at the root behind the
  Host allowlist that ``chaffra_management.serve`` adds, over either the seeded
  demo state (``seed_live_state()``, in memory; audiences ``on`` and
  ``user-only``) or a Django-size project's store (``report``: a SqliteStore
  file holding 12 runs, each a snapshot and a run report the size of Django
  5.1's: 879 files, 9,077 functions, 1,252 findings; audience ``user-only``),
  as ``chaffra management <project>`` serves it;
* ``/bare/...``: a plain Starlette app of ``async`` endpoints returning, as a
  precomputed ``Response``, the very bytes chaffra answered for each measured
  route at startup, so both sides send bodies of the same size over the same
  server, in the same run.

This process is the load generator (``_http_load``: raw asyncio sockets,
HTTP/1.1 keep-alive, closed loop): at 2 and 16 concurrent connections it
measures requests per second and exact p50/p99 latency of each endpoint, bare
and chaffra alternating, each cell a warm-up and then a measured period bounded
in time and in request count, with the server process's CPU time over the
measured period (from ``/proc/<pid>/stat``, so Linux only) per request.
Before that it measures its own ceiling against a canned-response asyncio
server, so a reader can tell whether the client or the server was the
bottleneck. Loopback only; the default run takes about 4
minutes.

It prints a markdown report; ``--write docs/performance.md`` also replaces this
benchmark's marked section of that file. ``--py-spy FILE`` runs the ``on``
server under ``py-spy record`` (collapsed stacks) for profiling. This is a
measurement, not a test: the exit status is 0 whether or not the goals are met.

Usage::

    uv run --group bench python tools/bench/management_load.py [--write docs/performance.md]
"""

from __future__ import annotations

import argparse
import json
import os
import select
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from _http_load import LoadResult, run_load
from _management_data import (
    DJANGO_FILES,
    DJANGO_FINDINGS,
    DJANGO_FUNCTIONS,
    ENDPOINTS,
    HOST,
    REPORT_RUNS,
    Endpoint,
    Measured,
    cpu_seconds,
)
from _management_serve import serve_audience, serve_canned
from _report import environment_line, markdown_table, paragraph, write_section

SECTION = "management_load"
COMMAND = "uv run --group bench python tools/bench/management_load.py --write docs/performance.md"
AUDIENCES = ("on", "user-only")
KINDS = ("seeded", "report")
CONNECTIONS = (2, 16)
GOAL_CONNECTIONS = 16
GOAL_RATIO = 0.80
GOAL_P99_MS = 50.0
READY_TIMEOUT_S = 60.0
SERVERS = (("seeded", "on"), ("seeded", "user-only"), ("report", "user-only"))


@dataclass(frozen=True)
class Server:
    """A running server subprocess."""

    port: int
    sizes: dict[str, int]
    pid: int


@contextmanager
def server_process(args: Sequence[str], *, prefix: Sequence[str] = ()) -> Iterator[Server]:
    """Start ``this script ARGS`` in a subprocess; stop it (SIGTERM, then kill) on exit."""
    command = [*prefix, sys.executable, str(Path(__file__).resolve()), *args]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        deadline = time.monotonic() + READY_TIMEOUT_S
        line = " "
        while line and not line.startswith("{"):  # a profiler may print its own lines first
            timeout = max(0.0, deadline - time.monotonic())
            ready, _, _ = select.select([process.stdout], [], [], timeout)
            line = process.stdout.readline() if ready else ""
        if not line:
            raise RuntimeError(f"server {args} did not start (exit {process.poll()})")
        announced = json.loads(line)
        yield Server(port=int(announced["port"]), sizes=dict(announced["sizes"]), pid=process.pid)
    finally:
        process.send_signal(signal.SIGINT if prefix else signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass(frozen=True)
class Cell:
    """One measured (state, audience, endpoint, side, connections) combination.

    For chaffra's side, ``ratios`` and ``cpu_ratios`` pair each repeat with the
    bare repeat run just before it (req/s, and server CPU per request).
    """

    kind: str  # "seeded" or "report"
    audience: str
    endpoint: Endpoint
    side: str  # "chaffra" or "bare"
    result: Measured
    ratios: tuple[float, ...] = ()
    cpu_ratios: tuple[float, ...] = ()


def measure_audience(
    kind: str, audience: str, options: argparse.Namespace, *, py_spy: Path | None
) -> list[Cell]:
    prefix: list[str] = []
    if py_spy is not None:
        prefix = [
            "py-spy",
            "record",
            "--gil",
            "--format",
            "raw",
            "--rate",
            "200",
            "-o",
            str(py_spy),
            "--",
        ]
    cells: list[Cell] = []
    with server_process(["--serve", audience, "--kind", kind], prefix=prefix) as server:
        probe = cpu_seconds(server.pid) if not prefix else None
        for connections in options.connections:
            for endpoint in ENDPOINTS[kind]:
                size = server.sizes[endpoint.bare_path]
                runs: dict[str, list[LoadResult]] = {"bare": [], "chaffra": []}
                for _ in range(options.repeat):
                    for side, path in (
                        ("bare", endpoint.bare_path),
                        ("chaffra", endpoint.chaffra_path),
                    ):
                        result = run_load(
                            HOST,
                            server.port,
                            path,
                            connections=connections,
                            warmup_s=options.warmup,
                            duration_s=options.duration,
                            max_requests=options.max_requests,
                            expected_body=size,
                            cpu_probe=probe,
                        )
                        runs[side].append(result)
                        print(
                            f"  {kind:6} {audience:9} {side:7} {path:44} c={connections:<2} "
                            f"{result.requests_per_s:8.1f} req/s  p50 {result.p50_ms:7.2f} ms  "
                            f"p99 {result.p99_ms:7.2f} ms  cpu/req "
                            f"{result.cpu_us_per_request or 0:7.0f} us  errors {result.errors}",
                            file=sys.stderr,
                            flush=True,
                        )
                pairs = list(zip(runs["bare"], runs["chaffra"], strict=True))
                ratios = tuple(
                    c.requests_per_s / b.requests_per_s for b, c in pairs if b.requests_per_s
                )
                cpu_ratios = tuple(
                    c.cpu_us_per_request / b.cpu_us_per_request
                    for b, c in pairs
                    if c.cpu_us_per_request and b.cpu_us_per_request
                )
                cells.append(Cell(kind, audience, endpoint, "bare", Measured(tuple(runs["bare"]))))
                cells.append(
                    Cell(
                        kind,
                        audience,
                        endpoint,
                        "chaffra",
                        Measured(tuple(runs["chaffra"])),
                        ratios,
                        cpu_ratios,
                    )
                )
    return cells


def measure_client(options: argparse.Namespace, sizes: Sequence[int]) -> list[LoadResult]:
    """The load generator's own ceiling: 16 connections against a canned-response server."""
    results = []
    for size in sizes:
        with server_process(["--serve-canned", str(size)]) as server:
            result = run_load(
                HOST,
                server.port,
                "/",
                connections=max(options.connections),
                warmup_s=0.5,
                duration_s=min(2.0, options.duration),
                max_requests=options.max_requests,
                expected_body=size,
            )
        results.append(result)
        print(
            f"  client ceiling, {size} B body: {result.requests_per_s:8.1f} req/s",
            file=sys.stderr,
            flush=True,
        )
    return results


def _rate(value: float) -> str:
    return f"{value:,.0f}"


def _ms(value: float) -> str:
    return f"{value:.2f}"


def render(cells: Sequence[Cell], client: Sequence[LoadResult], options: argparse.Namespace) -> str:
    bare = {
        (c.kind, c.audience, c.endpoint.bare_path, c.result.connections): c.result
        for c in cells
        if c.side == "bare"
    }
    median = statistics.median
    rows = []
    goals = []
    for cell in cells:
        result = cell.result
        baseline = bare[(cell.kind, cell.audience, cell.endpoint.bare_path, result.connections)]
        ratio = median(cell.ratios) if cell.ratios else 0.0
        cpu = result.cpu_us_per_request
        cpu_ratio = f"{median(cell.cpu_ratios):.2f}x" if cell.cpu_ratios else "-"
        is_chaffra = cell.side == "chaffra"
        rows.append(
            [
                f"{cell.kind}, {cell.audience}",
                cell.endpoint.label if is_chaffra else f"bare ({cell.endpoint.bare_path})",
                str(result.connections),
                f"{result.body_bytes:,}",
                f"{result.requests:,}",
                str(result.errors),
                _rate(result.requests_per_s),
                _ms(result.p50_ms),
                _ms(result.p99_ms),
                f"{cpu:,.0f}" if cpu is not None else "-",
                f"{ratio:.2f}x" if is_chaffra else "-",
                cpu_ratio if is_chaffra else "-",
            ]
        )
        if is_chaffra and result.connections == GOAL_CONNECTIONS:
            name = (
                f"{cell.endpoint.label}, {cell.kind} `{cell.audience}`,"
                f" {GOAL_CONNECTIONS} connections"
            )
            goals.append(
                [
                    f"{name}: throughput vs bare",
                    f"{ratio:.2f}x ({_rate(result.requests_per_s)} vs "
                    f"{_rate(baseline.requests_per_s)} req/s)",
                    f">= {GOAL_RATIO:.2f}x",
                    "PASS" if ratio >= GOAL_RATIO else "MISS",
                ]
            )
            goals.append(
                [
                    f"{name}: p99 latency",
                    f"{_ms(result.p99_ms)} ms",
                    f"< {GOAL_P99_MS:.0f} ms",
                    "PASS" if result.p99_ms < GOAL_P99_MS else "MISS",
                ]
            )
    table = markdown_table(
        [
            "State, audience",
            "Endpoint",
            "Conns",
            "Body bytes",
            "Requests",
            "Errors",
            "req/s (median)",
            "p50 ms",
            "p99 ms",
            "server CPU us/req",
            "req/s vs bare",
            "CPU/req vs bare",
        ],
        rows,
        align="llrrrrrrrrrr",
    )
    goal_table = markdown_table(["Goal", "Measured", "Target", "Result"], goals, align="lrrc")
    client_table = markdown_table(
        ["Load generator ceiling", "Conns", "Body bytes", "req/s", "p50 ms", "p99 ms"],
        [
            [
                "canned-response asyncio server",
                str(r.connections),
                f"{r.body_bytes:,}",
                _rate(r.requests_per_s),
                _ms(r.p50_ms),
                _ms(r.p99_ms),
            ]
            for r in client
        ],
        align="lrrrrr",
    )
    env = environment_line(
        ["chaffra-management", "chaffra-telemetry", "starlette", "hypercorn", "h11"]
    )
    intro = paragraph(
        "Requests per second, p50/p99 latency and server CPU time per request of",
        "`/api/v1/metrics` and `/api/v1/metrics/history?window=7d` on seeded data",
        "(`seed_live_state()`, in memory), and of `/api/v1/metrics`, `/health`, `/files`,",
        "`/functions`, `/findings` and `/file` on a Django-size project store (`report`: a",
        f"SqliteStore file with {REPORT_RUNS} runs, each a snapshot and a run report of",
        f"{DJANGO_FILES:,} files, {DJANGO_FUNCTIONS:,} functions and {DJANGO_FINDINGS:,}",
        "findings, Django 5.1's counts, as `chaffra management <project>` serves it), each",
        "beside a bare `async` Starlette endpoint returning a precomputed body of the same",
        "bytes, on the same hypercorn in the same run, at 2 and 16 concurrent keep-alive",
        "connections on loopback.",
    )
    method = paragraph(
        "Method: per state and audience, one server subprocess runs one hypercorn instance",
        "(`chaffra_management.serve`'s settings, one worker, asyncio) on 127.0.0.1 serving two",
        "apps side by side, a prefix check sending `/bare/...` to one and everything else to",
        "the other: chaffra's app at the root behind the Host allowlist `serve` adds, and a",
        "plain Starlette app with one bare route per measured route, whose bodies are",
        "chaffra's own answers fetched once at startup (earlier runs mounted chaffra's app",
        "under a parent router behind the bare routes, charging it their route matching).",
        "The load generator is this process:",
        "raw asyncio sockets, HTTP/1.1 keep-alive, each connection sending its next request",
        "once the previous response is fully read (closed loop); every response's status and",
        "body size are checked; when hypercorn closes a connection after its",
        "`keep_alive_max_requests` (1,000) the client reconnects, untimed. Each cell is",
        f"{options.repeat} runs, bare and chaffra alternating, each a {options.warmup:g} s",
        f"warm-up and then {options.duration:g} s measured (at most",
        f"{options.max_requests:,} requests); the table shows each figure's median over the",
        "runs, and the ratios are medians of the paired ratios (each chaffra run against",
        "the bare run just before it), so a burst of load from other processes on the",
        "machine moves one pair, not the verdict.",
        "Latency runs from writing the request to reading the last body byte; p50 and p99",
        "are exact (nearest rank over every measured request). Server CPU is the server",
        "process's user + system time (every thread) over the measured period, divided by",
        "the requests measured: it does not depend on how busy the machine is, so its ratio",
        "to the bare endpoint's is the steadiest figure. Server and load generator share the",
        "machine's CPUs, so absolute numbers are a lower bound. The load generator ceiling",
        "below is the same client against a minimal asyncio server answering canned bytes.",
    )
    load_before, load_after = options.load
    if load_before is not None and load_after is not None:
        env += f" 1-minute load average {load_before:.2f} before the run, {load_after:.2f} after."
    return "\n\n".join(
        [
            "## Management API under load (`chaffra-management`)",
            intro,
            paragraph(env),
            f"Command: `{COMMAND}`",
            method,
            table,
            goal_table,
            client_table,
        ]
    )


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--write", type=Path, metavar="PATH", help="also write the report section into this file"
    )
    parser.add_argument("--warmup", type=float, default=1.0, help="warm-up seconds per cell")
    parser.add_argument("--duration", type=float, default=2.0, help="measured seconds per run")
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per cell, bare and chaffra alternating"
    )
    parser.add_argument(
        "--max-requests", type=int, default=200_000, help="measured requests per cell at most"
    )
    parser.add_argument(
        "--connections",
        type=lambda text: tuple(int(part) for part in text.split(",")),
        default=CONNECTIONS,
        help="comma-separated connection counts (default 2,16)",
    )
    parser.add_argument(
        "--audience",
        action="append",
        choices=AUDIENCES,
        help="audiences to measure (repeatable; default both)",
    )
    parser.add_argument(
        "--py-spy",
        type=Path,
        metavar="FILE",
        help="run the first audience's server under py-spy record (raw collapsed stacks)",
    )
    parser.set_defaults(load=(None, None))
    parser.add_argument(
        "--kind",
        action="append",
        choices=KINDS,
        help="states to measure (repeatable; default both): seeded, report",
    )
    parser.add_argument("--serve", choices=AUDIENCES, help=argparse.SUPPRESS)
    parser.add_argument("--serve-canned", type=int, help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_args(argv)
    if options.serve is not None:
        serve_audience(options.serve, (options.kind or ["seeded"])[0])
        return 0
    if options.serve_canned is not None:
        serve_canned(options.serve_canned)
        return 0
    started = time.monotonic()
    load_before = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    audiences = options.audience or list(AUDIENCES)
    kinds = options.kind or list(KINDS)
    servers = [(k, a) for k, a in SERVERS if k in kinds and a in audiences]
    cells: list[Cell] = []
    for index, (kind, audience) in enumerate(servers):
        py_spy = options.py_spy if index == 0 else None
        cells.extend(measure_audience(kind, audience, options, py_spy=py_spy))
    sizes = sorted({c.result.body_bytes for c in cells})
    client = measure_client(options, [sizes[0], sizes[-1]] if sizes else [])
    print(f"  total {time.monotonic() - started:.0f} s", file=sys.stderr)
    load_after = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    options.load = (load_before, load_after)
    report = render(cells, client, options)
    print(report)
    if options.write is not None:
        write_section(options.write, SECTION, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
