"""chaffra-telemetry: privacy-aware run telemetry for code-analysis tools.

Record what a run did into a :class:`TelemetryCollector`, take a
:class:`TelemetrySnapshot`, and :func:`project` it for a
:class:`TelemetryAudience` before anything leaves the process: every output
accepts only the resulting :class:`ProjectedSnapshot`.
"""

from __future__ import annotations

from importlib.metadata import version

from chaffra_telemetry._atomic import PROJECT_DIR
from chaffra_telemetry._audience import TelemetryAudience
from chaffra_telemetry._cache_metrics import ParseCacheMetrics, register_cache_metrics
from chaffra_telemetry._catalog import Scope, classify
from chaffra_telemetry._churn import (
    ChurnResult,
    ChurnState,
    FindingFingerprint,
    compute_churn,
    hash_fingerprints,
)
from chaffra_telemetry._churn_state import STATE_FILE, load_state, project_lock, save_state
from chaffra_telemetry._collector import TelemetryCollector
from chaffra_telemetry._config import (
    BackendConfig,
    BackendKind,
    TelemetryConfig,
    TelemetryFileSection,
    merge_config,
    resolve_audience,
    to_display,
)
from chaffra_telemetry._converter import make_converter
from chaffra_telemetry._grafana import generate_grafana_dashboard
from chaffra_telemetry._lifecycle import (
    FinalizeResult,
    finalize_and_flush,
    flush_snapshot,
    flush_to_backends,
)
from chaffra_telemetry._live_state import WINDOWS, HistoryView, LiveTelemetryState, is_valid_window
from chaffra_telemetry._memory_store import MemoryStore
from chaffra_telemetry._metrics import (
    MetricDataPoint,
    MetricDefinition,
    MetricKind,
    Provenance,
    SpanData,
)
from chaffra_telemetry._module import (
    RuleExplanation,
    TelemetryFinding,
    TelemetryModule,
)
from chaffra_telemetry._project_dir import project_dir_problem, safe_project_dir
from chaffra_telemetry._projection import ProjectedSnapshot, project, require_projected
from chaffra_telemetry._sampling import SamplingDecision, SamplingStrategy, should_sample
from chaffra_telemetry._seed import seed_live_state, seeded_snapshots
from chaffra_telemetry._snapshot import (
    ModuleSummary,
    OperatorSummary,
    TelemetrySnapshot,
    UserSummary,
)
from chaffra_telemetry._sqlite_store import DB_FILE, SqliteStore
from chaffra_telemetry._store import SnapshotStore, StateSource
from chaffra_telemetry.backends import BackendStatus
from chaffra_telemetry.errors import ConfigError

__version__ = version("chaffra-telemetry")

__all__ = [
    "DB_FILE",
    "PROJECT_DIR",
    "STATE_FILE",
    "WINDOWS",
    "BackendConfig",
    "BackendKind",
    "BackendStatus",
    "ChurnResult",
    "ChurnState",
    "ConfigError",
    "FinalizeResult",
    "FindingFingerprint",
    "HistoryView",
    "LiveTelemetryState",
    "MemoryStore",
    "MetricDataPoint",
    "MetricDefinition",
    "MetricKind",
    "ModuleSummary",
    "OperatorSummary",
    "ParseCacheMetrics",
    "ProjectedSnapshot",
    "Provenance",
    "RuleExplanation",
    "SamplingDecision",
    "SamplingStrategy",
    "Scope",
    "SnapshotStore",
    "SpanData",
    "SqliteStore",
    "StateSource",
    "TelemetryAudience",
    "TelemetryCollector",
    "TelemetryConfig",
    "TelemetryFileSection",
    "TelemetryFinding",
    "TelemetryModule",
    "TelemetrySnapshot",
    "UserSummary",
    "__version__",
    "classify",
    "compute_churn",
    "finalize_and_flush",
    "flush_snapshot",
    "flush_to_backends",
    "generate_grafana_dashboard",
    "hash_fingerprints",
    "is_valid_window",
    "load_state",
    "make_converter",
    "merge_config",
    "project",
    "project_dir_problem",
    "project_lock",
    "register_cache_metrics",
    "require_projected",
    "resolve_audience",
    "safe_project_dir",
    "save_state",
    "seed_live_state",
    "seeded_snapshots",
    "should_sample",
    "to_display",
]
