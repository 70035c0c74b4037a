"""Benchmark: what an agent waits for from ``chaffra mcp`` beside an in-process chaffra run.

On a warm Django-size project (the unpacked Django wheel, copied to a temporary
directory and analysed once so its result cache is in place), it times

1. the warm CLI run's in-process analysis: ``resolve_effective_config`` plus
   ``run_analysis(command="health", churn=False)`` (every module),
   exactly what ``chaffra health`` does after start-up, telemetry included;
2. ``chaffra_health`` through one long-running server: the SDK's in-memory client
   session, and a real ``chaffra mcp`` process over stdio driven by the SDK's
   client (no interpreter start-up per call: the process serves every call);
3. ``chaffra_explain`` through the same two paths.

Goals (issue 13): ``chaffra_health`` within 1.2x the in-process analysis time, and
``chaffra_explain`` under 5 ms median. Bytecode is compiled before measuring
(``compileall`` over the environment and the workspace sources; the machine sets
``PYTHONDONTWRITEBYTECODE=1``, which the server subprocess gets unset). This is a
measurement, not a test: the exit status is 0 whether or not the goals are met.

Usage::

    uv run --group bench python tools/bench/mcp_server.py [--calls 15] [--write docs/performance.md]

(Not ``mcp.py``: a script of that name would shadow the ``mcp`` SDK it imports.)
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import sys
import sysconfig
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import anyio
from _report import environment_line, markdown_table, paragraph, write_section
from analyzers import django_corpus
from mcp import Client, StdioServerParameters

from chaffra_core import CliOverrides, resolve_effective_config, run_analysis
from chaffra_mcp import ServerSettings, create_server

ROOT = Path(__file__).resolve().parents[2]
SECTION = "mcp"
EXPLAIN = {"rule_id": "complexity:high-cyclomatic"}


def compile_bytecode() -> None:
    """Compile the environment's and the workspace's modules, as an installed wheel would be."""
    directories = [Path(sysconfig.get_paths()["purelib"]), *sorted(ROOT.glob("packages/*/src"))]
    for directory in directories:
        compileall.compile_dir(directory, quiet=1, workers=0)


def in_process_health(project: Path) -> float:
    started = time.perf_counter()
    config = resolve_effective_config(project, None, CliOverrides())
    run_analysis(config, command="health", churn=False)  # every module, as `chaffra health`
    return time.perf_counter() - started


async def timed_calls(call: Callable[[], Awaitable[Any]], count: int) -> list[float]:
    seconds = []
    for _ in range(count):
        started = time.perf_counter()
        result = await call()
        seconds.append(time.perf_counter() - started)
        assert not result.is_error, result.content
    return seconds


async def through(client: Client, calls: int, explains: int) -> tuple[list[float], list[float]]:
    await client.call_tool("chaffra_health", {})  # warm the server's first call
    health = await timed_calls(lambda: client.call_tool("chaffra_health", {}), calls)
    explain = await timed_calls(lambda: client.call_tool("chaffra_explain", EXPLAIN), explains)
    return health, explain


async def in_memory(project: Path, calls: int, explains: int) -> tuple[list[float], list[float]]:
    settings = ServerSettings.create([project], cache_dir=project.parent / "cache")
    async with Client(create_server(settings), mode="legacy") as client:
        return await through(client, calls, explains)


async def over_stdio(project: Path, calls: int, explains: int) -> tuple[list[float], list[float]]:
    command = shutil.which("chaffra", path=str(Path(sys.executable).parent)) or "chaffra"
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    parameters = StdioServerParameters(
        command=command, args=["mcp", "--root", str(project)], env=env
    )
    async with Client(parameters, mode="legacy") as client:
        return await through(client, calls, explains)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:,.1f} ms" if seconds >= 0.01 else f"{seconds * 1000:.2f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--calls", type=int, default=15, help="timed chaffra_health calls")
    parser.add_argument("--explains", type=int, default=200, help="timed chaffra_explain calls")
    parser.add_argument("--write", type=Path, metavar="PATH", help="replace this section of PATH")
    args = parser.parse_args()

    compile_bytecode()
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch) / "django"
        shutil.copytree(django_corpus(), project)
        files = sum(1 for _ in project.rglob("*.py"))
        in_process_health(project)  # cold run: fills the result cache
        baseline = [in_process_health(project) for _ in range(args.calls)]
        memory_health, memory_explain = anyio.run(in_memory, project, args.calls, args.explains)
        stdio_health, stdio_explain = anyio.run(over_stdio, project, args.calls, args.explains)
    load_after = os.getloadavg()[0]

    base = statistics.median(baseline)
    rows = [
        [
            "warm in-process analysis (`chaffra health` minus start-up)",
            ms(base),
            ms(min(baseline)),
            "1.00x",
        ],
    ]
    for label, values in (
        ("`chaffra_health`, in-memory SDK session", memory_health),
        ("`chaffra_health`, `chaffra mcp` over stdio", stdio_health),
    ):
        median = statistics.median(values)
        rows.append([label, ms(median), ms(min(values)), f"{median / base:.2f}x"])
    for label, values in (
        ("`chaffra_explain`, in-memory SDK session", memory_explain),
        ("`chaffra_explain`, `chaffra mcp` over stdio", stdio_explain),
    ):
        rows.append([label, ms(statistics.median(values)), ms(min(values)), "-"])
    health_ratio = statistics.median(stdio_health) / base
    explain_median = statistics.median(stdio_explain)
    goals = [
        [
            "`chaffra_health` over stdio vs warm in-process analysis",
            f"{health_ratio:.2f}x",
            "<= 1.20x",
            "PASS" if health_ratio <= 1.2 else "FAIL",
        ],
        [
            "`chaffra_explain` over stdio, median",
            ms(explain_median),
            "< 5 ms",
            "PASS" if explain_median < 0.005 else "FAIL",
        ],
    ]
    body = "\n\n".join(
        [
            "## MCP server latency (`chaffra-mcp`)",
            paragraph(
                "What an agent waits for: `chaffra_health` and `chaffra_explain` through one",
                "long-running server, beside the in-process analysis a warm `chaffra health`",
                f"run performs, on a copy of the Django wheel ({files} files) whose result",
                "cache is warm. Every `chaffra_health` call is a full chaffra run (telemetry",
                "snapshot stored); the server process serves every call, so no call pays",
                "interpreter start-up.",
            ),
            environment_line(["chaffra-mcp", "chaffra-core", "mcp"]),
            "Command: `uv run --group bench python tools/bench/mcp_server.py --write "
            "docs/performance.md`",
            paragraph(
                f"Method: median and minimum of {args.calls} `chaffra_health` and",
                f"{args.explains} `chaffra_explain` calls, after one untimed call; the",
                "in-process row repeats config resolution and `run_analysis` the same number",
                "of times after one cold run. Bytecode compiled with `compileall` before",
                "measuring (the machine sets `PYTHONDONTWRITEBYTECODE=1`; the server",
                "subprocess runs without it). One-minute load average",
                f"{load_before:.2f} before and {load_after:.2f} after the run on 2 CPUs",
                "shared with other work, so absolute numbers are noisy; the ratios less so.",
            ),
            markdown_table(["Path", "Median", "Min", "vs in-process"], rows, align="lrrr"),
            markdown_table(["Goal", "Measured", "Target", "Result"], goals, align="lrrc"),
        ]
    )
    print(body)
    if args.write is not None:
        write_section(args.write, SECTION, body)


if __name__ == "__main__":
    main()
