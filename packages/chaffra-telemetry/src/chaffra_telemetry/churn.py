"""Finding churn: new, resolved and unchanged findings since the last run, and its state file."""

from __future__ import annotations

from chaffra_telemetry._churn import (
    ChurnResult,
    ChurnState,
    FindingFingerprint,
    compute_churn,
    hash_fingerprints,
)
from chaffra_telemetry._churn_state import STATE_FILE, load_state, project_lock, save_state

__all__ = [
    "STATE_FILE",
    "ChurnResult",
    "ChurnState",
    "FindingFingerprint",
    "compute_churn",
    "hash_fingerprints",
    "load_state",
    "project_lock",
    "save_state",
]
