"""chaffra-telemetry: privacy-aware run telemetry for code-analysis tools.

Record what a run did into a :class:`TelemetryCollector`, take a
:class:`TelemetrySnapshot`, and :func:`project` it for a
:class:`TelemetryAudience` before anything leaves the process: every output
accepts only the resulting :class:`ProjectedSnapshot`.

The top level is the recording API; every name, that API included, loads on
first use (PEP 562), so ``import chaffra_telemetry`` costs next to nothing. The
rest lives in submodules, imported when used: :mod:`~chaffra_telemetry.store`
(history stores and the live state),
:mod:`~chaffra_telemetry.backends`, :mod:`~chaffra_telemetry.lifecycle`,
:mod:`~chaffra_telemetry.config`, :mod:`~chaffra_telemetry.catalog`,
:mod:`~chaffra_telemetry.churn`, :mod:`~chaffra_telemetry.files`,
:mod:`~chaffra_telemetry.grafana`, :mod:`~chaffra_telemetry.demo`,
:mod:`~chaffra_telemetry.report` (run reports) and
:mod:`~chaffra_telemetry.serialization`. Their names are also reachable from the
top level, loaded on first use (PEP 562), for code written before the split.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chaffra_telemetry._audience import TelemetryAudience as TelemetryAudience
    from chaffra_telemetry._cache_metrics import ParseCacheMetrics as ParseCacheMetrics
    from chaffra_telemetry._cache_metrics import register_cache_metrics as register_cache_metrics
    from chaffra_telemetry._catalog import Scope as Scope
    from chaffra_telemetry._catalog import classify as classify
    from chaffra_telemetry._churn import ChurnResult as ChurnResult
    from chaffra_telemetry._churn import ChurnState as ChurnState
    from chaffra_telemetry._churn import FindingFingerprint as FindingFingerprint
    from chaffra_telemetry._churn import compute_churn as compute_churn
    from chaffra_telemetry._churn import hash_fingerprints as hash_fingerprints
    from chaffra_telemetry._churn_state import STATE_FILE as STATE_FILE
    from chaffra_telemetry._churn_state import load_state as load_state
    from chaffra_telemetry._churn_state import project_lock as project_lock
    from chaffra_telemetry._churn_state import save_state as save_state
    from chaffra_telemetry._collector import TelemetryCollector as TelemetryCollector
    from chaffra_telemetry._config import BackendConfig as BackendConfig
    from chaffra_telemetry._config import BackendKind as BackendKind
    from chaffra_telemetry._config import TelemetryConfig as TelemetryConfig
    from chaffra_telemetry._config import TelemetryFileSection as TelemetryFileSection
    from chaffra_telemetry._config import merge_config as merge_config
    from chaffra_telemetry._config import resolve_audience as resolve_audience
    from chaffra_telemetry._config import to_display as to_display
    from chaffra_telemetry._converter import make_converter as make_converter
    from chaffra_telemetry._grafana import generate_grafana_dashboard as generate_grafana_dashboard
    from chaffra_telemetry._lifecycle import FinalizeResult as FinalizeResult
    from chaffra_telemetry._lifecycle import finalize_and_flush as finalize_and_flush
    from chaffra_telemetry._lifecycle import flush_snapshot as flush_snapshot
    from chaffra_telemetry._lifecycle import flush_to_backends as flush_to_backends
    from chaffra_telemetry._live_state import WINDOWS as WINDOWS
    from chaffra_telemetry._live_state import HistoryView as HistoryView
    from chaffra_telemetry._live_state import LiveTelemetryState as LiveTelemetryState
    from chaffra_telemetry._live_state import is_valid_window as is_valid_window
    from chaffra_telemetry._memory_store import MemoryStore as MemoryStore
    from chaffra_telemetry._metrics import MetricDataPoint as MetricDataPoint
    from chaffra_telemetry._metrics import MetricDefinition as MetricDefinition
    from chaffra_telemetry._metrics import MetricKind as MetricKind
    from chaffra_telemetry._metrics import Provenance as Provenance
    from chaffra_telemetry._metrics import SpanData as SpanData
    from chaffra_telemetry._project_dir import PROJECT_DIR as PROJECT_DIR
    from chaffra_telemetry._project_dir import project_dir_problem as project_dir_problem
    from chaffra_telemetry._project_dir import safe_project_dir as safe_project_dir
    from chaffra_telemetry._projection import ProjectedSnapshot as ProjectedSnapshot
    from chaffra_telemetry._projection import project as project
    from chaffra_telemetry._projection import require_projected as require_projected
    from chaffra_telemetry._sampling import SamplingDecision as SamplingDecision
    from chaffra_telemetry._sampling import SamplingStrategy as SamplingStrategy
    from chaffra_telemetry._sampling import should_sample as should_sample
    from chaffra_telemetry._seed import seed_live_state as seed_live_state
    from chaffra_telemetry._seed import seeded_snapshots as seeded_snapshots
    from chaffra_telemetry._snapshot import ModuleSummary as ModuleSummary
    from chaffra_telemetry._snapshot import OperatorSummary as OperatorSummary
    from chaffra_telemetry._snapshot import TelemetrySnapshot as TelemetrySnapshot
    from chaffra_telemetry._snapshot import UserSummary as UserSummary
    from chaffra_telemetry._sqlite_store import DB_FILE as DB_FILE
    from chaffra_telemetry._sqlite_store import SqliteStore as SqliteStore
    from chaffra_telemetry._store import SnapshotStore as SnapshotStore
    from chaffra_telemetry._store import StateSource as StateSource
    from chaffra_telemetry.backends import BackendStatus as BackendStatus
    from chaffra_telemetry.errors import ConfigError as ConfigError

    __version__: str

__all__ = [
    "ConfigError",
    "MetricDataPoint",
    "MetricDefinition",
    "MetricKind",
    "ProjectedSnapshot",
    "Provenance",
    "SpanData",
    "TelemetryAudience",
    "TelemetryCollector",
    "TelemetryConfig",
    "TelemetrySnapshot",
    "__version__",
    "project",
    "require_projected",
]

_HOMES = {
    "TelemetryAudience": "_audience",
    "TelemetryCollector": "_collector",
    "TelemetryConfig": "_config",
    "MetricDataPoint": "_metrics",
    "MetricDefinition": "_metrics",
    "MetricKind": "_metrics",
    "Provenance": "_metrics",
    "SpanData": "_metrics",
    "ProjectedSnapshot": "_projection",
    "project": "_projection",
    "require_projected": "_projection",
    "TelemetrySnapshot": "_snapshot",
    "ConfigError": "errors",
    "ParseCacheMetrics": "_cache_metrics",
    "register_cache_metrics": "_cache_metrics",
    "Scope": "_catalog",
    "classify": "_catalog",
    "ChurnResult": "_churn",
    "ChurnState": "_churn",
    "FindingFingerprint": "_churn",
    "compute_churn": "_churn",
    "hash_fingerprints": "_churn",
    "STATE_FILE": "_churn_state",
    "load_state": "_churn_state",
    "project_lock": "_churn_state",
    "save_state": "_churn_state",
    "BackendConfig": "_config",
    "BackendKind": "_config",
    "TelemetryFileSection": "_config",
    "merge_config": "_config",
    "resolve_audience": "_config",
    "to_display": "_config",
    "make_converter": "_converter",
    "generate_grafana_dashboard": "_grafana",
    "FinalizeResult": "_lifecycle",
    "finalize_and_flush": "_lifecycle",
    "flush_snapshot": "_lifecycle",
    "flush_to_backends": "_lifecycle",
    "WINDOWS": "_live_state",
    "HistoryView": "_live_state",
    "LiveTelemetryState": "_live_state",
    "is_valid_window": "_live_state",
    "MemoryStore": "_memory_store",
    "PROJECT_DIR": "_project_dir",
    "project_dir_problem": "_project_dir",
    "safe_project_dir": "_project_dir",
    "SamplingDecision": "_sampling",
    "SamplingStrategy": "_sampling",
    "should_sample": "_sampling",
    "seed_live_state": "_seed",
    "seeded_snapshots": "_seed",
    "ModuleSummary": "_snapshot",
    "OperatorSummary": "_snapshot",
    "UserSummary": "_snapshot",
    "DB_FILE": "_sqlite_store",
    "SqliteStore": "_sqlite_store",
    "SnapshotStore": "_store",
    "StateSource": "_store",
    "BackendStatus": "backends",
}


def __getattr__(name: str) -> object:
    if name == "__version__":
        from importlib.metadata import version

        value: object = version("chaffra-telemetry")
    elif name in _HOMES:
        value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*__all__, *_HOMES})
