"""Deterministic demo data for the live state: twelve snapshots 15 hours apart.

The management server shows these when it has no real analysis to show. Every
value follows from the iteration number ``i``, so the data is identical across
runs and platforms: no clock, no randomness, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping

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
    PARSE_CACHE_HIT_RATE,
    PARSE_CACHE_HITS,
    PARSE_CACHE_MISSES,
    module_summary_name,
)
from chaffra_telemetry._live_state import LiveTelemetryState
from chaffra_telemetry._metrics import MetricDataPoint, MetricDefinition
from chaffra_telemetry._projection import project
from chaffra_telemetry._report import RunReport
from chaffra_telemetry._seed_report import seeded_report
from chaffra_telemetry._snapshot import (
    ModuleSummary,
    OperatorSummary,
    TelemetrySnapshot,
    UserSummary,
)
from chaffra_telemetry._store import StateSource

__all__ = [
    "SEED_BASE_TS",
    "SEED_COUNT",
    "SEED_INTERVAL_MS",
    "seed_live_state",
    "seeded_reports",
    "seeded_snapshots",
]

SEED_BASE_TS = 1_718_000_000_000  # 2024-06-10T06:13:20Z
SEED_INTERVAL_MS = 54_000_000  # 15 h: the 12 snapshots span 165 h, inside the 7d window
SEED_COUNT = 12

_DEAD_CODE, _COMPLEXITY, _SECURITY = "dead-code", "complexity", "security"
_SORTED_MODULES = (_COMPLEXITY, _DEAD_CODE, _SECURITY)
_SEVERITIES = ("error", "warning", "info")
_FILES_TOTAL = 87
_SECURITY_DURATION_MS = 850  # the slow module; the others stay under 100 ms
_HEALTH_SCORES = {_DEAD_CODE: 92.0, _COMPLEXITY: 78.0, _SECURITY: 65.0}
_HEALTH_SCORE_KEY = "health_score"

_REGISTRY: Mapping[str, MetricDefinition] = {
    d.name: d for d in (*CORE_DEFINITIONS, *CACHE_DEFINITIONS)
}
_EMITTED_NAMES = (
    MODULE_ERROR_TOTAL,
    MODULE_CALL_DURATION_MS,
    ANALYSIS_FINDINGS_TOTAL,
    ANALYSIS_FINDINGS_BY_SEVERITY,
    FINDINGS_NEW,
    FINDINGS_RESOLVED,
    FINDINGS_UNCHANGED,
    FINDINGS_CHURN_RATE,
    PARSE_CACHE_HITS,
    PARSE_CACHE_MISSES,
    PARSE_CACHE_HIT_RATE,
    BACKEND_CONNECT_ERROR_TOTAL,
    MODULE_LOAD_ERROR_TOTAL,
)
_DEFINITIONS: Mapping[str, MetricDefinition] = {name: _REGISTRY[name] for name in _EMITTED_NAMES}


def seeded_snapshots() -> tuple[TelemetrySnapshot, ...]:
    """The 12 demo snapshots, oldest first (spec §3.2-3.7).

    Unlike the original's seed, whose 16 definitions had empty units, the
    definitions here are the canonical registry's (``CORE_DEFINITIONS`` and
    ``CACHE_DEFINITIONS``, with units and registry descriptions), restricted to
    the 13 names the seed emits: ``analysis.duration_ms``,
    ``analysis.files_total`` and ``plugin.connect_error_total`` are left out.
    The per-module ``chaffra.module.<id>.health_score`` points have no
    definition, as with live data. Scope follows from the names, so parse-cache
    metrics and ``backend.connect_error_total`` are operator data.
    """
    return tuple(_snapshot(i) for i in range(SEED_COUNT))


def seeded_reports() -> tuple[RunReport, ...]:
    """The 12 demo run reports, oldest first, one per seeded snapshot and consistent with it.

    Each has the snapshot's timestamp, its 87 files, its findings per module
    and severity (the newest ``chaffra.findings.new`` of them marked new) and
    its mean module health score.
    """
    return tuple(_report(i) for i in range(SEED_COUNT))


def seed_live_state(state: LiveTelemetryState | None = None) -> LiveTelemetryState:
    """Load the demo snapshots and reports into ``state`` (new when omitted), labelled ``seeded``.

    Each snapshot is projected for ``on`` and pushed with ``push_seeded`` in
    ascending order, each report with ``push_seeded_report`` under ``on``; a
    reader's own audience is applied when it reads.
    """
    if state is None:
        state = LiveTelemetryState()
    for snapshot, report in zip(seeded_snapshots(), seeded_reports(), strict=True):
        state.push_seeded(project(snapshot, TelemetryAudience.ON))
        state.push_seeded_report(report, audience=TelemetryAudience.ON)
    state.set_source(StateSource.SEEDED)
    return state


def _report(i: int) -> RunReport:
    return seeded_report(
        index=i,
        timestamp_ms=SEED_BASE_TS + i * SEED_INTERVAL_MS,
        files=_FILES_TOTAL,
        counts=_severities(i),
        new=1 + i % 3,
        score=sum(_HEALTH_SCORES.values()) / len(_HEALTH_SCORES),
    )


def _severities(i: int) -> dict[str, dict[str, int]]:
    """Per-module findings by severity; every module lists all three severities."""
    dc, cx, sec = 3 + i % 3, 5 + i % 4, 4 + i % 2
    errors = 1 + i % 2
    warnings = max(0, sec - (errors + 1))
    return {
        _DEAD_CODE: {"error": 0, "warning": dc, "info": 0},
        _COMPLEXITY: {"error": 0, "warning": cx // 2, "info": cx - cx // 2},
        _SECURITY: {
            "error": errors,
            "warning": warnings,
            "info": max(0, sec - (errors + warnings)),
        },
    }


def _snapshot(i: int) -> TelemetrySnapshot:
    ts = SEED_BASE_TS + i * SEED_INTERVAL_MS
    odd = i % 2 == 1
    by_module_severity = _severities(i)
    findings = {m: sum(counts.values()) for m, counts in by_module_severity.items()}
    durations = {_DEAD_CODE: 45 + 2 * i, _COMPLEXITY: 62 + 3 * i, _SECURITY: _SECURITY_DURATION_MS}
    total = sum(findings.values())
    new, resolved = 1 + i % 3, i % 2
    unchanged = max(0, total - new)
    hits, misses = 120 + 10 * i, 30 + 2 * i

    def point(name: str, value: float, **labels: str) -> MetricDataPoint:
        return MetricDataPoint(name=name, value=float(value), labels=labels, timestamp_ms=ts)

    points: list[MetricDataPoint] = []
    if odd:
        points.append(point(MODULE_ERROR_TOTAL, 1, module=_SECURITY))
    points += [point(MODULE_CALL_DURATION_MS, durations[m], module=m) for m in _SORTED_MODULES]
    points += [point(ANALYSIS_FINDINGS_TOTAL, findings[m], module=m) for m in _SORTED_MODULES]
    points += [
        point(ANALYSIS_FINDINGS_BY_SEVERITY, count, module=m, severity=severity)
        for m in _SORTED_MODULES
        for severity in sorted(_SEVERITIES)
        if (count := by_module_severity[m][severity]) > 0
    ]
    points += [
        point(FINDINGS_NEW, new),
        point(FINDINGS_RESOLVED, resolved),
        point(FINDINGS_UNCHANGED, unchanged),
        # The denominator is the total finding count, at least 12: never zero here.
        point(FINDINGS_CHURN_RATE, new / (new + unchanged)),
    ]
    points += [
        point(module_summary_name(m, _HEALTH_SCORE_KEY), score, module=m)
        for m, score in _HEALTH_SCORES.items()
    ]
    points += [
        point(PARSE_CACHE_HITS, hits),
        point(PARSE_CACHE_MISSES, misses),
        point(PARSE_CACHE_HIT_RATE, hits / (hits + misses)),
    ]
    if i == 3:
        points.append(
            point(BACKEND_CONNECT_ERROR_TOTAL, 1, backend="otlp", endpoint="localhost:4317")
        )
    if i == 5:
        points.append(
            point(MODULE_LOAD_ERROR_TOTAL, 1, module="hotspot", error_type="git_not_available")
        )

    module_metrics: dict[str, dict[str, float]] = {
        _DEAD_CODE: {"unused_functions": float(findings[_DEAD_CODE])},
        _COMPLEXITY: {"cyclomatic_avg": 6.2, "cognitive_avg": 4.8},
        _SECURITY: {"cve_count": 2.0},
    }
    return TelemetrySnapshot(
        timestamp_ms=ts,
        definitions=_DEFINITIONS,
        data_points=tuple(points),
        user_summary=UserSummary(
            analysis_duration_ms=sum(durations.values()),
            files_total=_FILES_TOTAL,
            findings_by_severity={
                s: sum(counts[s] for counts in by_module_severity.values()) for s in _SEVERITIES
            },
            findings_by_module=findings,
            module_summaries={
                m: ModuleSummary(
                    duration_ms=durations[m],
                    finding_count=findings[m],
                    metrics={_HEALTH_SCORE_KEY: _HEALTH_SCORES[m], **module_metrics[m]},
                )
                for m in findings
            },
        ),
        operator_summary=OperatorSummary(
            module_call_durations=durations,
            module_error_counts={_SECURITY: 1} if odd else {},
        ),
    )
