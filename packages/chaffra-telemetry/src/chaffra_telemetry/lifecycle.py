"""The end of a run: churn, snapshot, push to the history, sampling, save, flush to backends."""

from __future__ import annotations

from chaffra_telemetry._lifecycle import (
    FinalizeResult,
    finalize_and_flush,
    flush_snapshot,
    flush_to_backends,
)

__all__ = ["FinalizeResult", "finalize_and_flush", "flush_snapshot", "flush_to_backends"]
