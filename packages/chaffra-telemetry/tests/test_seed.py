"""Seeded demo data: the twelve snapshots of spec §3 and the seeded live state."""

from __future__ import annotations

from collections import defaultdict
from typing import NamedTuple

import pytest

from chaffra_telemetry._audience import TelemetryAudience
from chaffra_telemetry._catalog import (
    ANALYSIS_FINDINGS_BY_SEVERITY,
    ANALYSIS_FINDINGS_TOTAL,
    BACKEND_CONNECT_ERROR_TOTAL,
    CACHE_DEFINITIONS,
    CORE_DEFINITIONS,
    FINDINGS_CHURN_RATE,
    FINDINGS_NEW,
    FINDINGS_RESOLVED,
    FINDINGS_UNCHANGED,
    MODULE_CALL_DURATION_MS,
    MODULE_ERROR_TOTAL,
    MODULE_LOAD_ERROR_TOTAL,
    OPERATOR,
    PARSE_CACHE_HIT_RATE,
    PARSE_CACHE_HITS,
    PARSE_CACHE_MISSES,
    Scope,
    classify,
    is_module_summary_name,
    module_summary_name,
)
from chaffra_telemetry._live_state import LiveTelemetryState
from chaffra_telemetry._metrics import MetricDataPoint, Provenance
from chaffra_telemetry._projection import project
from chaffra_telemetry._seed import seed_live_state, seeded_snapshots
from chaffra_telemetry._snapshot import OperatorSummary, TelemetrySnapshot
from chaffra_telemetry._store import StateSource

ON = TelemetryAudience.ON
USER_ONLY = TelemetryAudience.USER_ONLY
SEEDED = seeded_snapshots()
LATEST_TS = 1718594000000


class Row(NamedTuple):
    """One row of the spec §3.4 table, column for column."""

    i: int
    timestamp_ms: int
    dc: tuple[int, int]  # count, duration ms
    cx: tuple[int, int, int, int]  # count, duration ms, warning, info
    sec: tuple[int, int, int, int]  # count, error, warning, info
    totals: tuple[int, int, int]  # error, warning, info
    total: int
    sec_errors: int | None
    churn: tuple[int, int, int]  # new, resolved, unchanged
    churn_rate: str  # repr of the float
    cache: tuple[int, int]  # hits, misses
    hit_rate: str  # repr of the float
    analysis_ms: int
    extra: str | None


TABLE = [
    Row(0, 1718000000000, (3, 45), (5, 62, 2, 3), (4, 1, 2, 1), (1, 7, 4), 12, None,
     (1, 0, 11), "0.08333333333333333", (120, 30), "0.8", 957, None),
    Row(1, 1718054000000, (4, 47), (6, 65, 3, 3), (5, 2, 2, 1), (2, 9, 4), 15, 1,
     (2, 1, 13), "0.13333333333333333", (130, 32), "0.8024691358024691", 962, None),
    Row(2, 1718108000000, (5, 49), (7, 68, 3, 4), (4, 1, 2, 1), (1, 10, 5), 16, None,
     (3, 0, 13), "0.1875", (140, 34), "0.8045977011494253", 967, None),
    Row(3, 1718162000000, (3, 51), (8, 71, 4, 4), (5, 2, 2, 1), (2, 9, 5), 16, 1,
     (1, 1, 15), "0.0625", (150, 36), "0.8064516129032258", 972, BACKEND_CONNECT_ERROR_TOTAL),
    Row(4, 1718216000000, (4, 53), (5, 74, 2, 3), (4, 1, 2, 1), (1, 8, 4), 13, None,
     (2, 0, 11), "0.15384615384615385", (160, 38), "0.8080808080808081", 977, None),
    Row(5, 1718270000000, (5, 55), (6, 77, 3, 3), (5, 2, 2, 1), (2, 10, 4), 16, 1,
     (3, 1, 13), "0.1875", (170, 40), "0.8095238095238095", 982, MODULE_LOAD_ERROR_TOTAL),
    Row(6, 1718324000000, (3, 57), (7, 80, 3, 4), (4, 1, 2, 1), (1, 8, 5), 14, None,
     (1, 0, 13), "0.07142857142857142", (180, 42), "0.8108108108108109", 987, None),
    Row(7, 1718378000000, (4, 59), (8, 83, 4, 4), (5, 2, 2, 1), (2, 10, 5), 17, 1,
     (2, 1, 15), "0.11764705882352941", (190, 44), "0.811965811965812", 992, None),
    Row(8, 1718432000000, (5, 61), (5, 86, 2, 3), (4, 1, 2, 1), (1, 9, 4), 14, None,
     (3, 0, 11), "0.21428571428571427", (200, 46), "0.8130081300813008", 997, None),
    Row(9, 1718486000000, (3, 63), (6, 89, 3, 3), (5, 2, 2, 1), (2, 8, 4), 14, 1,
     (1, 1, 13), "0.07142857142857142", (210, 48), "0.813953488372093", 1002, None),
    Row(10, 1718540000000, (4, 65), (7, 92, 3, 4), (4, 1, 2, 1), (1, 9, 5), 15, None,
     (2, 0, 13), "0.13333333333333333", (220, 50), "0.8148148148148148", 1007, None),
    Row(11, 1718594000000, (5, 67), (8, 95, 4, 4), (5, 2, 2, 1), (2, 11, 5), 18, 1,
     (3, 1, 15), "0.16666666666666666", (230, 52), "0.8156028368794326", 1012, None),
]  # fmt: skip


def _value(snapshot: TelemetrySnapshot, name: str, **labels: str) -> float:
    """The value of the one point named ``name`` whose labels are exactly ``labels``."""
    (value,) = [p.value for p in snapshot.data_points if p.name == name and p.labels == labels]
    return value


def _names(snapshot: TelemetrySnapshot) -> list[str]:
    return [p.name for p in snapshot.data_points]


@pytest.mark.parametrize("row", TABLE, ids=[f"i={row.i}" for row in TABLE])
def test_seeded_snapshot_matches_its_row_of_the_spec_table(row: Row) -> None:
    (i, ts, dc, cx, sec, totals, total, sec_errors, churn, churn_rate, cache, hit_rate,
     analysis_ms, extra) = row  # fmt: skip
    snapshot = SEEDED[i]
    user, operator = snapshot.user_summary, snapshot.operator_summary
    assert ts == snapshot.timestamp_ms
    assert {ts} == {p.timestamp_ms for p in snapshot.data_points}
    assert 87 == user.files_total
    assert analysis_ms == user.analysis_duration_ms

    durations = {"dead-code": dc[1], "complexity": cx[1], "security": 850}
    assert durations == operator.module_call_durations
    assert {"dead-code": dc[0], "complexity": cx[0], "security": sec[0]} == user.findings_by_module
    for module, duration in durations.items():
        assert duration == _value(snapshot, MODULE_CALL_DURATION_MS, module=module)
        assert duration == user.module_summaries[module].duration_ms
        count = user.findings_by_module[module]
        assert count == _value(snapshot, ANALYSIS_FINDINGS_TOTAL, module=module)
        assert count == user.module_summaries[module].finding_count

    by_severity = {
        (p.labels["module"], p.labels["severity"]): p.value
        for p in snapshot.data_points
        if p.name == ANALYSIS_FINDINGS_BY_SEVERITY
    }
    assert {
        ("complexity", "info"): cx[3],
        ("complexity", "warning"): cx[2],
        ("dead-code", "warning"): dc[0],
        ("security", "error"): sec[1],
        ("security", "info"): sec[3],
        ("security", "warning"): sec[2],
    } == by_severity
    assert {"error": totals[0], "warning": totals[1], "info": totals[2]} == dict(
        user.findings_by_severity
    )
    assert total == sum(user.findings_by_module.values())

    assert ({} if sec_errors is None else {"security": sec_errors}) == operator.module_error_counts
    assert (sec_errors is not None) == (MODULE_ERROR_TOTAL in _names(snapshot))

    new, resolved, unchanged = churn
    assert new == _value(snapshot, FINDINGS_NEW)
    assert resolved == _value(snapshot, FINDINGS_RESOLVED)
    assert unchanged == _value(snapshot, FINDINGS_UNCHANGED)
    assert churn_rate == repr(_value(snapshot, FINDINGS_CHURN_RATE))

    assert cache[0] == _value(snapshot, PARSE_CACHE_HITS)
    assert cache[1] == _value(snapshot, PARSE_CACHE_MISSES)
    assert hit_rate == repr(_value(snapshot, PARSE_CACHE_HIT_RATE))

    assert (extra or PARSE_CACHE_HIT_RATE) == snapshot.data_points[-1].name


@pytest.mark.parametrize(
    ("i", "count"), list(enumerate([22, 23, 22, 24, 22, 24, 22, 23, 22, 23, 22, 23]))
)
def test_seeded_snapshot_has_22_points_even_23_odd_and_24_with_an_extra_point(
    i: int, count: int
) -> None:
    assert count == len(SEEDED[i].data_points)


def _shape(point: MetricDataPoint) -> tuple[str, dict[str, str], float]:
    return (point.name, dict(point.labels), point.value)


def test_first_seeded_snapshot_emits_points_in_the_spec_order() -> None:
    assert [
        (MODULE_CALL_DURATION_MS, {"module": "complexity"}, 62.0),
        (MODULE_CALL_DURATION_MS, {"module": "dead-code"}, 45.0),
        (MODULE_CALL_DURATION_MS, {"module": "security"}, 850.0),
        (ANALYSIS_FINDINGS_TOTAL, {"module": "complexity"}, 5.0),
        (ANALYSIS_FINDINGS_TOTAL, {"module": "dead-code"}, 3.0),
        (ANALYSIS_FINDINGS_TOTAL, {"module": "security"}, 4.0),
        (ANALYSIS_FINDINGS_BY_SEVERITY, {"module": "complexity", "severity": "info"}, 3.0),
        (ANALYSIS_FINDINGS_BY_SEVERITY, {"module": "complexity", "severity": "warning"}, 2.0),
        (ANALYSIS_FINDINGS_BY_SEVERITY, {"module": "dead-code", "severity": "warning"}, 3.0),
        (ANALYSIS_FINDINGS_BY_SEVERITY, {"module": "security", "severity": "error"}, 1.0),
        (ANALYSIS_FINDINGS_BY_SEVERITY, {"module": "security", "severity": "info"}, 1.0),
        (ANALYSIS_FINDINGS_BY_SEVERITY, {"module": "security", "severity": "warning"}, 2.0),
        (FINDINGS_NEW, {}, 1.0),
        (FINDINGS_RESOLVED, {}, 0.0),
        (FINDINGS_UNCHANGED, {}, 11.0),
        (FINDINGS_CHURN_RATE, {}, 1 / 12),
        (module_summary_name("dead-code", "health_score"), {"module": "dead-code"}, 92.0),
        (module_summary_name("complexity", "health_score"), {"module": "complexity"}, 78.0),
        (module_summary_name("security", "health_score"), {"module": "security"}, 65.0),
        (PARSE_CACHE_HITS, {}, 120.0),
        (PARSE_CACHE_MISSES, {}, 30.0),
        (PARSE_CACHE_HIT_RATE, {}, 0.8),
    ] == [_shape(p) for p in SEEDED[0].data_points]


def test_fourth_seeded_snapshot_leads_with_the_module_error_and_ends_with_the_backend_error() -> (
    None
):
    assert [
        (MODULE_ERROR_TOTAL, {"module": "security"}, 1.0),
        (MODULE_CALL_DURATION_MS, {"module": "complexity"}, 71.0),
        (MODULE_CALL_DURATION_MS, {"module": "dead-code"}, 51.0),
        (MODULE_CALL_DURATION_MS, {"module": "security"}, 850.0),
        (ANALYSIS_FINDINGS_TOTAL, {"module": "complexity"}, 8.0),
        (ANALYSIS_FINDINGS_TOTAL, {"module": "dead-code"}, 3.0),
        (ANALYSIS_FINDINGS_TOTAL, {"module": "security"}, 5.0),
        (ANALYSIS_FINDINGS_BY_SEVERITY, {"module": "complexity", "severity": "info"}, 4.0),
        (ANALYSIS_FINDINGS_BY_SEVERITY, {"module": "complexity", "severity": "warning"}, 4.0),
        (ANALYSIS_FINDINGS_BY_SEVERITY, {"module": "dead-code", "severity": "warning"}, 3.0),
        (ANALYSIS_FINDINGS_BY_SEVERITY, {"module": "security", "severity": "error"}, 2.0),
        (ANALYSIS_FINDINGS_BY_SEVERITY, {"module": "security", "severity": "info"}, 1.0),
        (ANALYSIS_FINDINGS_BY_SEVERITY, {"module": "security", "severity": "warning"}, 2.0),
        (FINDINGS_NEW, {}, 1.0),
        (FINDINGS_RESOLVED, {}, 1.0),
        (FINDINGS_UNCHANGED, {}, 15.0),
        (FINDINGS_CHURN_RATE, {}, 0.0625),
        (module_summary_name("dead-code", "health_score"), {"module": "dead-code"}, 92.0),
        (module_summary_name("complexity", "health_score"), {"module": "complexity"}, 78.0),
        (module_summary_name("security", "health_score"), {"module": "security"}, 65.0),
        (PARSE_CACHE_HITS, {}, 150.0),
        (PARSE_CACHE_MISSES, {}, 36.0),
        (PARSE_CACHE_HIT_RATE, {}, 150 / 186),
        (
            BACKEND_CONNECT_ERROR_TOTAL,
            {"backend": "otlp", "endpoint": "localhost:4317"},
            1.0,
        ),
    ] == [_shape(p) for p in SEEDED[3].data_points]


def test_sixth_seeded_snapshot_ends_with_the_hotspot_load_error() -> None:
    assert (
        MODULE_LOAD_ERROR_TOTAL,
        {"module": "hotspot", "error_type": "git_not_available"},
        1.0,
    ) == _shape(SEEDED[5].data_points[-1])


@pytest.mark.parametrize("snapshot", SEEDED, ids=lambda s: str(s.timestamp_ms))
def test_per_module_severity_points_sum_to_the_module_finding_count(
    snapshot: TelemetrySnapshot,
) -> None:
    sums: dict[str, float] = defaultdict(float)
    for p in snapshot.data_points:
        if p.name == ANALYSIS_FINDINGS_BY_SEVERITY:
            sums[p.labels["module"]] += p.value
    user = snapshot.user_summary
    assert dict(user.findings_by_module) == sums
    assert sum(user.findings_by_module.values()) == sum(user.findings_by_severity.values())


@pytest.mark.parametrize("snapshot", SEEDED, ids=lambda s: str(s.timestamp_ms))
def test_module_summaries_carry_health_and_payload_metrics_only_there(
    snapshot: TelemetrySnapshot,
) -> None:
    """Payload metrics other than health_score never appear as data points."""
    summaries = snapshot.user_summary.module_summaries
    assert {
        "dead-code": {
            "health_score": 92.0,
            "unused_functions": float(snapshot.user_summary.findings_by_module["dead-code"]),
        },
        "complexity": {"health_score": 78.0, "cyclomatic_avg": 6.2, "cognitive_avg": 4.8},
        "security": {"health_score": 65.0, "cve_count": 2.0},
    } == {module: dict(summary.metrics) for module, summary in summaries.items()}
    payload_keys = {"unused_functions", "cyclomatic_avg", "cognitive_avg", "cve_count"}
    assert set() == payload_keys & {name.rsplit(".", 1)[-1] for name in _names(snapshot)}
    assert () == snapshot.spans


def test_two_calls_produce_identical_snapshots() -> None:
    assert seeded_snapshots() == seeded_snapshots()
    assert [project(s, ON).to_json() for s in seeded_snapshots()] == [
        project(s, ON).to_json() for s in SEEDED
    ]


def test_every_emitted_name_but_the_module_health_family_has_a_registry_definition() -> None:
    registry = {d.name: d for d in (*CORE_DEFINITIONS, *CACHE_DEFINITIONS)}
    emitted = {name for s in SEEDED for name in _names(s)}
    defined = {name for name in emitted if not is_module_summary_name(name)}
    for snapshot in SEEDED:
        assert defined == set(snapshot.definitions)
        assert SEEDED[0].definitions == snapshot.definitions
    for name, definition in SEEDED[0].definitions.items():
        assert name == definition.name
        assert "" != definition.unit
        assert registry.get(name, definition) == definition
    assert {
        module_summary_name(m, "health_score") for m in ("dead-code", "complexity", "security")
    } == emitted - defined


def test_cache_backend_and_module_error_metrics_are_operator_data_by_name() -> None:
    operator = {
        PARSE_CACHE_HITS,
        PARSE_CACHE_MISSES,
        PARSE_CACHE_HIT_RATE,
        BACKEND_CONNECT_ERROR_TOTAL,
        MODULE_ERROR_TOTAL,
        MODULE_LOAD_ERROR_TOTAL,
        MODULE_CALL_DURATION_MS,
    }
    emitted = {(p.name, p.provenance) for s in SEEDED for p in s.data_points}
    assert {Provenance.TRUSTED} == {provenance for _, provenance in emitted}
    assert operator == {
        name for name, _ in emitted if classify(name, Provenance.TRUSTED) is Scope.OPERATOR
    }
    assert set() == {
        name for name, _ in emitted if classify(name, Provenance.TRUSTED) is Scope.UNCLASSIFIED
    }


def test_seeded_data_covers_the_review_checklist() -> None:
    """Review finding 7: every dashboard feature has demo data."""
    assert len(SEEDED) >= 10
    assert SEEDED[-1].timestamp_ms - SEEDED[0].timestamp_ms < 604_800_000
    assert [s.timestamp_ms for s in SEEDED] == sorted({s.timestamp_ms for s in SEEDED})

    health = {
        p.labels["module"]: p.value
        for s in SEEDED
        for p in s.data_points
        if is_module_summary_name(p.name) and p.name.endswith(".health_score")
    }
    assert 3 == len(set(health.values())) == len(health)

    severity_points = [
        p for s in SEEDED for p in s.data_points if p.name == ANALYSIS_FINDINGS_BY_SEVERITY
    ]
    assert {"error", "warning", "info"} == {p.labels["severity"] for p in severity_points}
    assert len({p.labels["module"] for p in severity_points}) >= 2

    for snapshot in SEEDED:
        assert {FINDINGS_NEW, FINDINGS_RESOLVED, FINDINGS_UNCHANGED} <= set(_names(snapshot))
        assert {PARSE_CACHE_HITS, PARSE_CACHE_MISSES} <= set(_names(snapshot))
        durations = snapshot.operator_summary.module_call_durations
        assert 850 == durations["security"]
        assert all(d < 100 for m, d in durations.items() if m != "security")
    assert any(_value(s, FINDINGS_RESOLVED) > 0 for s in SEEDED)

    with_error_points = [s for s in SEEDED if MODULE_ERROR_TOTAL in _names(s)]
    assert with_error_points == [s for s in SEEDED if s.operator_summary.module_error_counts]
    assert 6 == len(with_error_points)
    assert 1 == sum(BACKEND_CONNECT_ERROR_TOTAL in _names(s) for s in SEEDED)


def test_seed_live_state_holds_twelve_seeded_snapshots_with_the_last_current() -> None:
    state = seed_live_state()
    assert StateSource.SEEDED == state.source()
    assert 12 == state.snapshot_count()
    assert project(SEEDED[-1], ON) == state.current(audience=ON)


def test_seed_live_state_fills_and_returns_the_state_it_is_given() -> None:
    state = LiveTelemetryState()
    assert state is seed_live_state(state)
    assert [project(s, ON) for s in SEEDED] == list(state.history("7d", audience=ON).snapshots)


@pytest.mark.parametrize(
    ("window", "iterations"), [("1h", [11]), ("24h", [10, 11]), ("7d", list(range(12)))]
)
def test_seeded_windows_count_back_from_the_latest_snapshot(
    window: str, iterations: list[int]
) -> None:
    view = seed_live_state().history(window, audience=ON)
    assert (StateSource.SEEDED, window, LATEST_TS) == (view.source, view.window, view.anchor_ms)
    assert [SEEDED[i].timestamp_ms for i in iterations] == [s.timestamp_ms for s in view.snapshots]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ({"module": "security"}, list(range(12))),
        ({"module": "hotspot"}, []),
        ({"severity": "error"}, list(range(12))),
        ({"severity": "critical"}, []),
        ({"metric": MODULE_ERROR_TOTAL}, [1, 3, 5, 7, 9, 11]),
        ({"metric": "chaffra.backend"}, [3]),
    ],
)
def test_seeded_history_filters_match_the_spec_vectors(
    query: dict[str, str], expected: list[int]
) -> None:
    view = seed_live_state().history("7d", audience=ON, **query)
    assert [SEEDED[i].timestamp_ms for i in expected] == [s.timestamp_ms for s in view.snapshots]


def test_user_only_seeded_history_hides_operator_points_durations_and_summary() -> None:
    view = seed_live_state().history("7d", audience=USER_ONLY)
    assert 12 == len(view.snapshots)
    for snapshot in view.snapshots:
        assert set() == {p.name for p in snapshot.data_points} & OPERATOR
        assert set() == set(snapshot.definitions) & OPERATOR
        summaries = snapshot.user_summary.module_summaries
        assert {"dead-code": 0, "complexity": 0, "security": 0} == {
            m: s.duration_ms for m, s in summaries.items()
        }
        assert OperatorSummary() == snapshot.operator_summary


@pytest.mark.parametrize(
    "query",
    [{"metric": "chaffra.backend"}, {"metric": MODULE_ERROR_TOTAL}, {"metric": "chaffra.parse"}],
)
def test_user_only_history_cannot_probe_operator_metrics(query: dict[str, str]) -> None:
    assert () == seed_live_state().history("7d", audience=USER_ONLY, **query).snapshots


def test_first_live_push_replaces_the_seeded_history() -> None:
    """Review finding 3: no history ever mixes seeded and live snapshots."""
    state = seed_live_state()
    live = project(
        TelemetrySnapshot(
            timestamp_ms=1_750_000_000_000,
            data_points=(
                MetricDataPoint(name=FINDINGS_NEW, value=2.0, timestamp_ms=1_750_000_000_000),
            ),
        ),
        ON,
    )
    state.push_snapshot(live)
    assert StateSource.LIVE == state.source()
    assert 1 == state.snapshot_count()
    assert live == state.current(audience=ON)
    assert (live,) == state.history("7d", audience=ON).snapshots


def test_each_seeded_report_matches_its_snapshot() -> None:
    from chaffra_telemetry.catalog import FINDINGS_NEW
    from chaffra_telemetry.demo import seeded_reports

    for snapshot, report in zip(seeded_snapshots(), seeded_reports(), strict=True):
        assert snapshot.timestamp_ms == report.timestamp_ms
        summary = snapshot.user_summary
        assert summary.files_total == len(report.files)
        by_module: dict[str, int] = {}
        by_severity: dict[str, int] = {}
        for finding in report.findings:
            by_module[finding.module] = by_module.get(finding.module, 0) + 1
            by_severity[finding.severity] = by_severity.get(finding.severity, 0) + 1
        assert {m: n for m, n in summary.findings_by_module.items() if n} == by_module
        assert {s: n for s, n in summary.findings_by_severity.items() if n} == by_severity
        (new,) = [p.value for p in snapshot.data_points if p.name == FINDINGS_NEW]
        assert new == sum(f.new for f in report.findings)
        assert len({f.fingerprint for f in report.findings}) == len(report.findings)
        per_file = {f.file: sum(f.findings.values()) for f in report.files}
        assert len(report.findings) == sum(per_file.values())
        assert all(f.file.startswith("demo_app/") for f in report.files)


def test_the_seeded_state_serves_the_newest_report_as_seeded() -> None:
    from chaffra_telemetry import TelemetryAudience

    stored = seed_live_state().report(audience=TelemetryAudience.USER_ONLY)
    assert stored is not None
    assert (True, "seeded-11", 3) == (
        stored.seeded,
        stored.report.run_id,
        len(stored.report.health.contributors),
    )
