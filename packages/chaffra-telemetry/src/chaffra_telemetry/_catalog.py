"""The metric catalog and the classification sets: the single source of truth for privacy.

Producers name metrics from the constants below, and the classifier reads the
same constants, so a rename cannot desynchronize them. Matching is exact, never
by prefix, except for the per-module summary shape ``chaffra.module.<id>.<key>``.
"""

from __future__ import annotations

import enum

from chaffra_telemetry._metrics import MetricDefinition, MetricKind, Provenance

__all__ = [
    "ANALYSIS_DURATION_MS",
    "ANALYSIS_FILES_TOTAL",
    "ANALYSIS_FINDINGS_BY_SEVERITY",
    "ANALYSIS_FINDINGS_TOTAL",
    "BACKEND_CONNECT_ERROR_TOTAL",
    "CACHE_DEFINITIONS",
    "CONFIG_PARSE_ERROR_TOTAL",
    "CORE_DEFINITIONS",
    "FINDINGS_CHURN_RATE",
    "FINDINGS_NEW",
    "FINDINGS_RESOLVED",
    "FINDINGS_UNCHANGED",
    "GRADE_BANDS",
    "HEALTH_SCORE",
    "HEALTH_SCORE_KEY",
    "KNOWN_USER",
    "MODULE_CALL_DURATION_MS",
    "MODULE_ERROR_TOTAL",
    "MODULE_LOAD_ERROR_TOTAL",
    "MODULE_STARTUP_DURATION_MS",
    "OPERATOR",
    "PARSE_CACHE_EVICTIONS",
    "PARSE_CACHE_HITS",
    "PARSE_CACHE_HIT_RATE",
    "PARSE_CACHE_MISSES",
    "PARSE_CACHE_SIZE_BYTES",
    "PLUGIN_CONNECT_ERROR_TOTAL",
    "STARTUP_TOTAL_DURATION_MS",
    "STORE_UNREADABLE_SNAPSHOTS",
    "TELEMETRY_DROPPED_ITEMS",
    "TELEMETRY_REJECTED_ITEMS",
    "TELEMETRY_TEST",
    "Scope",
    "classify",
    "health_grade",
    "is_known_user",
    "is_module_summary_name",
    "is_operator",
    "module_summary_name",
    "summary_key",
]

# User-facing: what the analysis found in the user's own code.
ANALYSIS_DURATION_MS = "chaffra.analysis.duration_ms"
ANALYSIS_FILES_TOTAL = "chaffra.analysis.files_total"
ANALYSIS_FINDINGS_TOTAL = "chaffra.analysis.findings_total"
ANALYSIS_FINDINGS_BY_SEVERITY = "chaffra.analysis.findings_by_severity"
FINDINGS_NEW = "chaffra.findings.new"
FINDINGS_RESOLVED = "chaffra.findings.resolved"
FINDINGS_UNCHANGED = "chaffra.findings.unchanged"
FINDINGS_CHURN_RATE = "chaffra.findings.churn_rate"
HEALTH_SCORE = "chaffra.health.score"

# Operator: shaped by the machine, the environment and the tool itself.
MODULE_CALL_DURATION_MS = "chaffra.module.call_duration_ms"
MODULE_ERROR_TOTAL = "chaffra.module.error_total"
MODULE_LOAD_ERROR_TOTAL = "chaffra.module.load_error_total"
CONFIG_PARSE_ERROR_TOTAL = "chaffra.config.parse_error_total"
PLUGIN_CONNECT_ERROR_TOTAL = "chaffra.plugin.connect_error_total"
MODULE_STARTUP_DURATION_MS = "chaffra.module.startup_duration_ms"
STARTUP_TOTAL_DURATION_MS = "chaffra.startup.total_duration_ms"
PARSE_CACHE_HITS = "chaffra.parse.cache_hits"
PARSE_CACHE_MISSES = "chaffra.parse.cache_misses"
PARSE_CACHE_HIT_RATE = "chaffra.parse.cache_hit_rate"
PARSE_CACHE_SIZE_BYTES = "chaffra.parse.cache_size_bytes"
PARSE_CACHE_EVICTIONS = "chaffra.parse.cache_evictions"
TELEMETRY_TEST = "chaffra.telemetry.test"
BACKEND_CONNECT_ERROR_TOTAL = "chaffra.backend.connect_error_total"
TELEMETRY_DROPPED_ITEMS = "chaffra.telemetry.dropped_items"
TELEMETRY_REJECTED_ITEMS = "chaffra.telemetry.rejected_items"
STORE_UNREADABLE_SNAPSHOTS = "chaffra.store.unreadable_snapshots"
"""Rows of a store that could not be decoded; served by the management API, not recorded."""

OPERATOR: frozenset[str] = frozenset(
    {
        MODULE_CALL_DURATION_MS,
        MODULE_ERROR_TOTAL,
        MODULE_LOAD_ERROR_TOTAL,
        CONFIG_PARSE_ERROR_TOTAL,
        PLUGIN_CONNECT_ERROR_TOTAL,
        MODULE_STARTUP_DURATION_MS,
        STARTUP_TOTAL_DURATION_MS,
        PARSE_CACHE_HITS,
        PARSE_CACHE_MISSES,
        PARSE_CACHE_HIT_RATE,
        PARSE_CACHE_SIZE_BYTES,
        PARSE_CACHE_EVICTIONS,
        TELEMETRY_TEST,
        BACKEND_CONNECT_ERROR_TOTAL,
        TELEMETRY_DROPPED_ITEMS,
        TELEMETRY_REJECTED_ITEMS,
        STORE_UNREADABLE_SNAPSHOTS,
    }
)

KNOWN_USER: frozenset[str] = frozenset(
    {
        ANALYSIS_DURATION_MS,
        ANALYSIS_FILES_TOTAL,
        ANALYSIS_FINDINGS_TOTAL,
        ANALYSIS_FINDINGS_BY_SEVERITY,
        FINDINGS_NEW,
        FINDINGS_RESOLVED,
        FINDINGS_UNCHANGED,
        FINDINGS_CHURN_RATE,
        HEALTH_SCORE,
    }
)

_MODULE_PREFIX = "chaffra.module."


class Scope(enum.Enum):
    """The privacy class of one item."""

    USER = "user"
    OPERATOR = "operator"
    UNCLASSIFIED = "unclassified"


def is_operator(name: str) -> bool:
    """Exact membership in the operator set."""
    return name in OPERATOR


def module_summary_name(module_id: str, key: str) -> str:
    """The name of a per-module summary metric, ``chaffra.module.<module_id>.<key>``."""
    return f"{_MODULE_PREFIX}{module_id}.{key}"


def is_module_summary_name(name: str) -> bool:
    """True for ``chaffra.module.`` followed by at least two non-empty dot-separated segments."""
    if not name.startswith(_MODULE_PREFIX):
        return False
    segments = name[len(_MODULE_PREFIX) :].split(".")
    return len(segments) >= 2 and all(segments)


def summary_key(name: str) -> str | None:
    """The ``<key>`` of a per-module summary name ``chaffra.module.<id>.<key>``, else ``None``."""
    return name.rsplit(".", 1)[1] if is_module_summary_name(name) else None


HEALTH_SCORE_KEY = "health_score"
"""The per-module summary key of a module's 0-100 health score."""

GRADE_BANDS: tuple[tuple[float, str], ...] = ((90.0, "A"), (80.0, "B"), (70.0, "C"), (60.0, "D"))
"""The lowest score of each grade, best first; below the last band the grade is ``F``."""


def health_grade(score: float) -> str:
    """The letter grade (``A``..``F``) of a 0-100 health score."""
    return next((letter for bound, letter in GRADE_BANDS if score >= bound), "F")


def is_known_user(name: str) -> bool:
    """True for user-facing names: the exact user set or the per-module summary shape."""
    if name in OPERATOR:
        return False
    return name in KNOWN_USER or is_module_summary_name(name)


def classify(name: str, provenance: Provenance) -> Scope:
    """Classify an item by provenance first, then by exact name.

    Untrusted items are unclassified whatever their name, so a plugin cannot
    make its data cross ``user-only`` by borrowing a trusted name.
    """
    if provenance is not _TRUSTED:
        return _UNCLASSIFIED
    if name in OPERATOR:
        return _OPERATOR
    if name in KNOWN_USER or is_module_summary_name(name):
        return _USER
    return _UNCLASSIFIED


_TRUSTED = Provenance.TRUSTED
_USER, _OPERATOR, _UNCLASSIFIED = Scope.USER, Scope.OPERATOR, Scope.UNCLASSIFIED


def _define(name: str, kind: MetricKind, unit: str, description: str) -> MetricDefinition:
    return MetricDefinition(name=name, kind=kind, description=description, unit=unit)


_C, _G, _H = MetricKind.COUNTER, MetricKind.GAUGE, MetricKind.HISTOGRAM

CORE_DEFINITIONS: tuple[MetricDefinition, ...] = (
    _define(ANALYSIS_DURATION_MS, _H, "ms", "Wall time of the whole analysis"),
    _define(ANALYSIS_FILES_TOTAL, _C, "count", "Files analysed"),
    _define(ANALYSIS_FINDINGS_TOTAL, _C, "count", "Findings reported by a module"),
    _define(ANALYSIS_FINDINGS_BY_SEVERITY, _C, "count", "Findings by module and severity"),
    _define(MODULE_CALL_DURATION_MS, _H, "ms", "Time spent in one module call"),
    _define(MODULE_ERROR_TOTAL, _C, "count", "Module calls that failed (cumulative)"),
    _define(FINDINGS_NEW, _C, "count", "Findings absent from the previous run"),
    _define(FINDINGS_RESOLVED, _C, "count", "Findings of the previous run now gone"),
    _define(FINDINGS_UNCHANGED, _C, "count", "Findings present in both runs"),
    _define(FINDINGS_CHURN_RATE, _G, "ratio", "new / (new + unchanged)"),
    _define(MODULE_LOAD_ERROR_TOTAL, _C, "count", "Modules that failed to load"),
    _define(CONFIG_PARSE_ERROR_TOTAL, _C, "count", "Configuration files that failed to parse"),
    _define(PLUGIN_CONNECT_ERROR_TOTAL, _C, "count", "Out-of-process modules unreachable"),
    _define(BACKEND_CONNECT_ERROR_TOTAL, _C, "count", "Telemetry backend connectivity failures"),
    _define(MODULE_STARTUP_DURATION_MS, _H, "ms", "Time to initialise one module"),
    _define(STARTUP_TOTAL_DURATION_MS, _G, "ms", "Time until every module was ready"),
    _define(HEALTH_SCORE, _G, "ratio", "Project health score (0-100)"),
    _define(TELEMETRY_DROPPED_ITEMS, _C, "count", "Items evicted from a full collector"),
    _define(TELEMETRY_REJECTED_ITEMS, _C, "count", "Untrusted items rejected at ingress"),
)

CACHE_DEFINITIONS: tuple[MetricDefinition, ...] = (
    _define(PARSE_CACHE_HITS, _C, "count", "Parse cache hits"),
    _define(PARSE_CACHE_MISSES, _C, "count", "Parse cache misses"),
    _define(PARSE_CACHE_HIT_RATE, _G, "ratio", "hits / (hits + misses)"),
    _define(PARSE_CACHE_SIZE_BYTES, _G, "bytes", "Parse cache size"),
    _define(PARSE_CACHE_EVICTIONS, _C, "count", "Parse cache evictions"),
)
