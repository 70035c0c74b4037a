"""Benchmark: push and 7-day read cost of the live-state stores (MemoryStore, SqliteStore).

For 1k, 10k and 100k stored snapshots (each store at capacity, so every push
also evicts the oldest), measures in one process:

1. ``push_live`` of one more snapshot (what every producer pays per run);
2. ``read(7d)`` repeated (what the management server pays per poll); for
   SqliteStore also a cold ``read(7d)`` by a freshly opened store, which has to
   decode every row in the window.

Snapshots are realistic (a 5-module run: 22 data points, summaries filled) and
15 minutes apart, so a 7-day window holds 673 of them. SqliteStore files are
pre-filled with one bulk transaction (not timed); the timed pushes are the
ordinary one-transaction-per-push API. It prints a markdown report;
``--write docs/performance.md`` also replaces this benchmark's marked section
of that file. This is a measurement, not a test: the exit status is 0 whether
or not the goals are met.

Usage::

    uv run --group bench python tools/bench/live_state.py [--write docs/performance.md]
"""

from __future__ import annotations

import argparse
import gc
import itertools
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

import attrs
from _report import (
    Timing,
    environment_line,
    format_ns,
    markdown_table,
    paragraph,
    time_stmt,
    timing_arguments,
    write_section,
)

from chaffra_telemetry import (
    ProjectedSnapshot,
    TelemetryAudience,
    TelemetryCollector,
    TelemetryConfig,
    TelemetrySnapshot,
    project,
)
from chaffra_telemetry.store import MemoryStore, SnapshotStore, SqliteStore

SECTION = "live_state"
COMMAND = "uv run --group bench python tools/bench/live_state.py --write docs/performance.md"
SIZES = (1_000, 10_000, 100_000)
STEP_MS = 15 * 60 * 1000
WINDOW_7D_MS = 7 * 24 * 3_600_000
MAX_AGE_MS = 10 * 365 * 24 * 3_600_000  # retention runs on every push but never bites here
START_MS = 1_700_000_000_000
MODULES = ("dead-code", "complexity", "security", "duplication", "style")

MEMORY_PUSHES = 20_000  # pushes per timed repeat
SQLITE_PUSHES = 300
MEMORY_PUSH_GOAL_NS = 20_000.0
MEMORY_READ_GOAL_NS = 1_000_000.0
SQLITE_PUSH_GOAL_NS = 2_000_000.0
SQLITE_READ_GOAL_NS = 20_000_000.0


def run_snapshot() -> TelemetrySnapshot:
    """One run of five modules: a call duration and finding counts per module (22 points)."""
    collector = TelemetryCollector(TelemetryConfig(audience=TelemetryAudience.ON))
    for i, module in enumerate(MODULES):
        collector.record_module_call(module, 40 + 13 * i, had_error=False)
        collector.record_module_findings(module, 3 + i, {"warning": 2 + i, "error": 1})
    collector.record_module_summary_metric("complexity", "max_cyclomatic", 17.0)
    collector.record_module_summary_metric("duplication", "duplicated_lines", 120.0)
    collector.set_files_total(412)
    return collector.snapshot()


class Snapshots:
    """Projected copies of one run snapshot at successive timestamps, ``STEP_MS`` apart.

    The copies share the run's points and summaries, so 100k of them fit in memory.
    """

    def __init__(self, base: TelemetrySnapshot) -> None:
        self._base = base
        self._times = itertools.count(START_MS, STEP_MS)

    def next(self) -> ProjectedSnapshot:
        timestamp = next(self._times)
        return project(attrs.evolve(self._base, timestamp_ms=timestamp), TelemetryAudience.ON)

    def take(self, n: int) -> Iterator[ProjectedSnapshot]:
        return (self.next() for _ in range(n))


def prefill_sqlite(path: Path, snapshots: Iterator[ProjectedSnapshot]) -> None:
    """Insert rows in one bulk transaction, as pushes would have stored them (not timed)."""
    with SqliteStore(path, capacity=1_000_000, max_age_ms=None) as store:
        store.push_live_many(snapshots)


@dataclass(frozen=True)
class Row:
    """The timings of one store at one size (``cold_read`` only for SqliteStore)."""

    store: str
    size: int
    window: int
    push: Timing
    read: Timing
    cold_read: Timing | None


class ColdReader:
    """Opens a fresh SqliteStore before each timed read, so nothing is cached."""

    def __init__(self, path: Path, capacity: int) -> None:
        self._path, self._capacity = path, capacity
        self._store: SqliteStore | None = None

    def reset(self) -> None:
        self.close()
        self._store = SqliteStore(self._path, capacity=self._capacity, max_age_ms=MAX_AGE_MS)

    def read(self) -> int:
        assert self._store is not None
        return len(self._store.read(WINDOW_7D_MS).snapshots)

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None


def time_pushes(
    store: SnapshotStore, snapshots: Snapshots, *, repeat: int, per_repeat: int
) -> Timing:
    """ns per ``push_live`` over ``repeat`` batches of ``per_repeat`` pushes, GC off.

    The snapshots are built before the clock starts, so only the push is timed.
    """
    batches = [list(snapshots.take(per_repeat)) for _ in range(repeat)]
    per_op: list[float] = []
    enabled = gc.isenabled()
    gc.disable()
    try:
        for batch in batches:
            push = store.push_live
            start = time.perf_counter_ns()
            for snapshot in batch:
                push(snapshot)
            per_op.append((time.perf_counter_ns() - start) / per_repeat)
    finally:
        if enabled:
            gc.enable()
    return Timing(
        median_ns=statistics.median(per_op), min_ns=min(per_op), loops=per_repeat, repeats=repeat
    )


def measure(
    name: str,
    store: SnapshotStore,
    snapshots: Snapshots,
    *,
    per_repeat: int,
    repeat: int,
    min_time_s: float,
) -> tuple[Timing, Timing, int]:
    """Median push and warm 7-day read of a filled store, and the window's size."""
    namespace: dict[str, object] = {"store": store, "W": WINDOW_7D_MS}
    push = time_pushes(store, snapshots, repeat=repeat, per_repeat=per_repeat)
    window = len(store.read(WINDOW_7D_MS).snapshots)
    read = time_stmt("store.read(W)", namespace, repeat=repeat, min_time_s=min_time_s)
    print(
        f"  {name:<12} push {format_ns(push.median_ns):>10} ns"
        f"  read(7d) {format_ns(read.median_ns):>12} ns ({window} snapshots)",
        file=sys.stderr,
    )
    return push, read, window


def bench_memory(size: int, base: TelemetrySnapshot, *, repeat: int, min_time_s: float) -> Row:
    snapshots = Snapshots(base)
    store = MemoryStore(size)
    for snapshot in snapshots.take(size):
        store.push_live(snapshot)
    push, read, window = measure(
        f"memory {size}",
        store,
        snapshots,
        per_repeat=MEMORY_PUSHES,
        repeat=repeat,
        min_time_s=min_time_s,
    )
    return Row("MemoryStore", size, window, push, read, None)


def bench_sqlite(
    size: int, base: TelemetrySnapshot, directory: Path, *, repeat: int, min_time_s: float
) -> Row:
    snapshots = Snapshots(base)
    path = directory / f"telemetry-{size}.db"
    prefill_sqlite(path, snapshots.take(size))
    store = SqliteStore(path, capacity=size, max_age_ms=MAX_AGE_MS)
    cold = ColdReader(path, size)
    try:
        push, read, window = measure(
            f"sqlite {size}",
            store,
            snapshots,
            per_repeat=SQLITE_PUSHES,
            repeat=repeat,
            min_time_s=min_time_s,
        )
        # One read per repeat, each by a freshly opened store (setup runs before every repeat).
        cold_read = time_stmt(
            "cold.read()", {"cold": cold}, setup="cold.reset()", repeat=3, min_time_s=0
        )
    finally:
        cold.close()
        store.close()
    return Row("SqliteStore", size, window, push, read, cold_read)


def ms(ns: float) -> str:
    return f"{ns / 1e6:.3f} ms"


def results_table(rows: Sequence[Row]) -> str:
    headers = [
        "Store",
        "Stored",
        "`push_live` median",
        "`read(7d)` median",
        "`read(7d)` min",
        "Cold `read(7d)` median",
        "In window",
    ]
    body = [
        [
            row.store,
            f"{row.size:,}",
            f"{format_ns(row.push.median_ns)} ns",
            f"{format_ns(row.read.median_ns)} ns",
            f"{format_ns(row.read.min_ns)} ns",
            ms(row.cold_read.median_ns) if row.cold_read else "-",
            str(row.window),
        ]
        for row in rows
    ]
    return markdown_table(headers, body, align="lrrrrrr")


def goals_table(rows: Sequence[Row]) -> str:
    def find(store: str, size: int) -> Row:
        return next(r for r in rows if (r.store, r.size) == (store, size))

    memory, sqlite = find("MemoryStore", 1_000), find("SqliteStore", 10_000)
    goals: list[tuple[str, float, float, Callable[[float], str]]] = [
        ("MemoryStore `push_live` (1,000 stored)", memory.push.median_ns, MEMORY_PUSH_GOAL_NS, _us),
        (
            "MemoryStore `read(7d)` over 1,000 stored",
            memory.read.median_ns,
            MEMORY_READ_GOAL_NS,
            ms,
        ),
        ("SqliteStore `push_live` (10,000 stored)", sqlite.push.median_ns, SQLITE_PUSH_GOAL_NS, ms),
        (
            "SqliteStore `read(7d)` over 10,000 stored",
            sqlite.read.median_ns,
            SQLITE_READ_GOAL_NS,
            ms,
        ),
    ]
    body = [
        [goal, show(got), f"< {show(target)}", "PASS" if got < target else "MISS"]
        for goal, got, target, show in goals
    ]
    return markdown_table(["Goal", "Measured (median)", "Target", "Result"], body, align="lrrc")


def _us(ns: float) -> str:
    return f"{ns / 1e3:.1f} µs"


def render(rows: Sequence[Row], *, repeat: int, min_time_s: float) -> str:
    """This benchmark's section of ``docs/performance.md``, heading included."""
    points = len(run_snapshot().data_points)
    blocks = [
        "## Live state stores (`chaffra-telemetry`)",
        paragraph(
            "What a producer pays to record a run in the live state, and what the",
            "management server pays to read the 7-day history, for the in-process",
            "`MemoryStore` and the project-wide `SqliteStore` (`.chaffra/telemetry.db`,",
            "WAL, `synchronous=NORMAL`), each filled to capacity with 1k, 10k and 100k",
            "snapshots, so every timed push also evicts the oldest.",
        ),
        paragraph(environment_line(("chaffra-telemetry",)), f"SQLite {sqlite3.sqlite_version}."),
        f"Command: `{COMMAND}`",
        paragraph(
            f"Method: median and minimum of {repeat} repeats, garbage collector off while",
            f"timing. A push repeat pushes {MEMORY_PUSHES:,} (MemoryStore) or {SQLITE_PUSHES}",
            "(SqliteStore) snapshots built beforehand, so only the push is timed; a read",
            f"repeat is `timeit` running enough loops for at least {min_time_s:g} s.",
            f"Snapshots are a 5-module run ({points} data points, summaries filled), 15",
            "minutes apart, so `read(7d)` returns 673 of them. The SQLite file lives in the",
            "system temporary directory and is pre-filled in one bulk transaction;",
            "the timed pushes are ordinary pushes, one `BEGIN IMMEDIATE` transaction each,",
            "with count and age retention. `read(7d)` is repeated on one open store, whose",
            "cache of decoded rows answers it (what a polling reader pays); the cold read",
            "opens a new store each time and decodes the whole window (median of 3).",
        ),
        results_table(rows),
        goals_table(rows),
    ]
    return "\n\n".join(blocks)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    return timing_arguments(__doc__).parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the report, optionally write it; always 0 on success."""
    args = parse_args(argv)
    base = run_snapshot()
    rows: list[Row] = []
    print(f"live_state: sizes {', '.join(map(str, SIZES))}", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="chaffra-bench-") as directory:
        for size in SIZES:
            rows.append(bench_memory(size, base, repeat=args.repeat, min_time_s=args.min_time))
            rows.append(
                bench_sqlite(
                    size, base, Path(directory), repeat=args.repeat, min_time_s=args.min_time
                )
            )
    report = render(rows, repeat=args.repeat, min_time_s=args.min_time)
    print(report)
    if args.write is not None:
        write_section(args.write, SECTION, report)
        print(f"wrote section {SECTION!r} of {args.write}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
