"""Benchmark: chaffra-telemetry's cost per operation beside prometheus_client and OpenTelemetry.

Measures, in one process and one run, nanoseconds per operation (median and
minimum of several ``timeit`` repeats) for

1. recording one labelled data point with ``TelemetryCollector.record`` (audience
   ``on`` and ``user-only``) and ``record_data_point`` with a prebuilt point;
2. ``record_module_call``;
3. ``snapshot()`` of a collector holding 200 points;
4. ``project(snapshot, USER_ONLY)`` of that snapshot, snapshot plus projection,
   and ``to_json()`` of the projection;

and, as peers, a labelled ``prometheus_client`` counter increment (keyword and
positional ``labels``) and an OpenTelemetry SDK counter ``add`` with attributes.
It prints a markdown report; ``--write docs/performance.md`` also replaces this
benchmark's marked section of that file. This is a measurement, not a test: the
exit status is 0 whether or not the goals are met.

Usage::

    uv run --group bench python tools/bench/telemetry_overhead.py [--write docs/performance.md]
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from dataclasses import dataclass

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
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from prometheus_client import CollectorRegistry, Counter

from chaffra_telemetry import (
    MetricDataPoint,
    TelemetryAudience,
    TelemetryCollector,
    TelemetryConfig,
    project,
)

SECTION = "telemetry_overhead"
COMMAND = (
    "uv run --group bench python tools/bench/telemetry_overhead.py --write docs/performance.md"
)
DISTRIBUTIONS = ("chaffra-telemetry", "prometheus-client", "opentelemetry-sdk")
FINDINGS_TOTAL = "chaffra.analysis.findings_total"
SNAPSHOT_MODULES = 10
SNAPSHOT_POINTS = 200
SNAPSHOT_BUDGET_NS = 1_000_000.0


@dataclass(frozen=True)
class Case:
    """One timed operation: ``stmt`` runs in the benchmark namespace after ``setup``."""

    key: str
    operation: str
    library: str
    stmt: str
    setup: str = "pass"
    compare: bool = True  # show the ratio to prometheus_client's keyword-labelled inc()


PEER_KEY = "prometheus_kw"
RECORD_KEY = "record_on"
SNAPSHOT_PROJECT_KEY = "snapshot_project"

CASES: tuple[Case, ...] = (
    Case(
        RECORD_KEY,
        '`record(name, 1.0, {"module": …})`, audience `on`',
        "chaffra-telemetry",
        f'collector.record("{FINDINGS_TOTAL}", 1.0, {{"module": "dead-code"}})',
        "collector = make_collector(ON)",
    ),
    Case(
        "record_user_only",
        '`record(name, 1.0, {"module": …})`, audience `user-only`',
        "chaffra-telemetry",
        f'collector.record("{FINDINGS_TOTAL}", 1.0, {{"module": "dead-code"}})',
        "collector = make_collector(USER_ONLY)",
    ),
    Case(
        "record_data_point",
        "`record_data_point(point)`, prebuilt point, audience `on`",
        "chaffra-telemetry",
        "collector.record_data_point(point)",
        "collector = make_collector(ON)",
    ),
    Case(
        PEER_KEY,
        '`counter.labels(module="dead-code").inc()`',
        "prometheus_client",
        'prom_counter.labels(module="dead-code").inc()',
    ),
    Case(
        "prometheus_positional",
        '`counter.labels("dead-code").inc()`',
        "prometheus_client",
        'prom_counter.labels("dead-code").inc()',
    ),
    Case(
        "otel_add",
        '`counter.add(1, {"module": "dead-code"})`',
        "opentelemetry-sdk",
        'otel_counter.add(1, {"module": "dead-code"})',
    ),
    Case(
        "module_call",
        '`record_module_call("dead-code", 12, had_error=False)`',
        "chaffra-telemetry",
        'collector.record_module_call("dead-code", 12, had_error=False)',
        "collector = make_collector(ON)",
    ),
    Case(
        "snapshot",
        f"`snapshot()` of {SNAPSHOT_POINTS} points",
        "chaffra-telemetry",
        "full_collector.snapshot()",
        compare=False,
    ),
    Case(
        "project",
        f"`project(snapshot, USER_ONLY)`, {SNAPSHOT_POINTS} points",
        "chaffra-telemetry",
        "project(snapshot, USER_ONLY)",
        compare=False,
    ),
    Case(
        SNAPSHOT_PROJECT_KEY,
        f"`project(collector.snapshot(), USER_ONLY)`, {SNAPSHOT_POINTS} points",
        "chaffra-telemetry",
        "project(full_collector.snapshot(), USER_ONLY)",
        compare=False,
    ),
    Case(
        "to_json",
        "`projected.to_json()` of that projection",
        "chaffra-telemetry",
        "projected.to_json()",
        compare=False,
    ),
)


def make_collector(audience: TelemetryAudience) -> TelemetryCollector:
    """A fresh collector for ``audience`` with the default bounds and clock."""
    return TelemetryCollector(TelemetryConfig(audience=audience))


def filled_collector() -> TelemetryCollector:
    """An ``on`` collector holding exactly ``SNAPSHOT_POINTS`` points.

    Half are module calls (operator scope, spread over ``SNAPSHOT_MODULES``
    modules), half labelled ``chaffra.analysis.findings_total`` points (user
    scope), interleaved, so projecting for ``user-only`` keeps half.
    """
    collector = make_collector(TelemetryAudience.ON)
    for i in range(SNAPSHOT_POINTS // 2):
        module = f"module-{i % SNAPSHOT_MODULES}"
        collector.record_module_call(module, i, had_error=False)
        collector.record(FINDINGS_TOTAL, float(i + 1), {"module": module})
    return collector


def build_namespace(otel_provider: MeterProvider) -> dict[str, object]:
    """The globals every case's ``setup`` and ``stmt`` run with."""
    full = filled_collector()
    snapshot = full.snapshot()
    prom_counter = Counter("x", "d", ["module"], registry=CollectorRegistry())
    otel_counter = otel_provider.get_meter("telemetry_overhead").create_counter("x")
    return {
        "ON": TelemetryAudience.ON,
        "USER_ONLY": TelemetryAudience.USER_ONLY,
        "make_collector": make_collector,
        "point": MetricDataPoint(
            name=FINDINGS_TOTAL, value=1.0, labels={"module": "dead-code"}, timestamp_ms=0
        ),
        "prom_counter": prom_counter,
        "otel_counter": otel_counter,
        "full_collector": full,
        "snapshot": snapshot,
        "project": project,
        "projected": project(snapshot, TelemetryAudience.USER_ONLY),
    }


def sanity_check() -> None:
    """Confirm the chaffra operations do what the report says they measure.

    Raises:
        RuntimeError: if a recording was dropped or the snapshot has the wrong size.
    """
    for audience in (TelemetryAudience.ON, TelemetryAudience.USER_ONLY):
        collector = make_collector(audience)
        collector.record(FINDINGS_TOTAL, 1.0, {"module": "dead-code"})
        if len(collector.snapshot().data_points) != 1:
            raise RuntimeError(f"record() under {audience.value} did not keep the point")
    full = filled_collector()
    snapshot = full.snapshot()
    projected = project(snapshot, TelemetryAudience.USER_ONLY)
    if len(snapshot.data_points) != SNAPSHOT_POINTS:
        raise RuntimeError(f"snapshot holds {len(snapshot.data_points)} points")
    if len(projected.data_points) != SNAPSHOT_POINTS // 2:
        raise RuntimeError(f"projection holds {len(projected.data_points)} points")


def run_cases(namespace: dict[str, object], *, repeat: int, min_time_s: float) -> dict[str, Timing]:
    """Time every case in order, reporting progress on stderr."""
    timings: dict[str, Timing] = {}
    for case in CASES:
        timing = time_stmt(
            case.stmt, namespace, setup=case.setup, repeat=repeat, min_time_s=min_time_s
        )
        timings[case.key] = timing
        print(
            f"  {case.key:<22} {format_ns(timing.median_ns):>10} ns/op "
            f"({timing.repeats} x {timing.loops} loops)",
            file=sys.stderr,
        )
    return timings


def results_table(timings: dict[str, Timing]) -> str:
    """The per-operation table: median, min and the ratio to the prometheus peer."""
    peer = timings[PEER_KEY].median_ns
    rows = [
        [
            case.operation,
            case.library,
            format_ns(timings[case.key].median_ns),
            format_ns(timings[case.key].min_ns),
            f"{timings[case.key].median_ns / peer:.2f}x" if case.compare else "-",
        ]
        for case in CASES
    ]
    headers = ["Operation", "Library", "Median ns/op", "Min ns/op", "vs prometheus kw `inc()`"]
    return markdown_table(headers, rows, align="llrrr")


def goals_table(timings: dict[str, Timing]) -> tuple[str, bool]:
    """The goals with a PASS/MISS column, and whether all passed."""
    record, peer = timings[RECORD_KEY].median_ns, timings[PEER_KEY].median_ns
    combined = timings[SNAPSHOT_PROJECT_KEY].median_ns
    goals = [
        (
            "Recording a labelled data point (`record`, audience `on`) costs no more "
            'than prometheus_client `labels(module="dead-code").inc()`',
            f"{format_ns(record)} ns vs {format_ns(peer)} ns ({record / peer:.2f}x)",
            "<= 1.00x",
            record <= peer,
        ),
        (
            f"`snapshot()` plus `project(…, USER_ONLY)` of {SNAPSHOT_POINTS} points",
            f"{combined / 1e6:.3f} ms",
            "< 1 ms",
            combined < SNAPSHOT_BUDGET_NS,
        ),
    ]
    rows = [[goal, got, target, "PASS" if ok else "MISS"] for goal, got, target, ok in goals]
    table = markdown_table(["Goal", "Measured (median)", "Target", "Result"], rows, align="lrrc")
    return table, all(ok for *_, ok in goals)


def render(timings: dict[str, Timing], *, repeat: int, min_time_s: float) -> str:
    """This benchmark's section of ``docs/performance.md``, heading included."""
    goals, _ = goals_table(timings)
    half = SNAPSHOT_POINTS // 2
    blocks = [
        "## Telemetry overhead (`chaffra-telemetry`)",
        paragraph(
            "What a run pays for telemetry, beside the two common Python metrics libraries,",
            "timed in one process: recording one labelled data point into a",
            "`TelemetryCollector` and the equivalent labelled counter increment in",
            "`prometheus_client` and the OpenTelemetry SDK (`MeterProvider` with an",
            "`InMemoryMetricReader`), accounting one module call, and taking a snapshot of a",
            f"{SNAPSHOT_POINTS}-point collector and projecting it for `user-only`, the step every",
            "telemetry output performs.",
        ),
        paragraph(environment_line(DISTRIBUTIONS)),
        f"Command: `{COMMAND}`",
        paragraph(
            f"Method: `timeit`, median and minimum of {repeat} repeats, each repeat running",
            f"enough loops for at least {min_time_s:g} s, garbage collector off while timing.",
            "Each chaffra recording repeat starts from a fresh collector (default `max_items`,",
            f"wall clock). The snapshot collector holds {half} module-call points (operator",
            f"scope, {SNAPSHOT_MODULES} modules) and {half} labelled `{FINDINGS_TOTAL}` points",
            f"(user scope); the `user-only` projection keeps the {half} user points.",
        ),
        results_table(timings),
        goals,
    ]
    return "\n\n".join(blocks)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Command-line options."""
    return timing_arguments(__doc__).parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the benchmark, print the report, optionally write it; always 0 on success."""
    args = parse_args(argv)
    sanity_check()
    provider = MeterProvider(metric_readers=[InMemoryMetricReader()])
    try:
        namespace = build_namespace(provider)
        print(f"telemetry_overhead: {len(CASES)} cases", file=sys.stderr)
        timings = run_cases(namespace, repeat=args.repeat, min_time_s=args.min_time)
    finally:
        provider.shutdown()
    report = render(timings, repeat=args.repeat, min_time_s=args.min_time)
    print(report)
    if args.write is not None:
        write_section(args.write, SECTION, report)
        print(f"wrote section {SECTION!r} of {args.write}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
