"""What every handler of one app shares: its config, its live state, its audience."""

from __future__ import annotations

import dataclasses
from typing import Any

from chaffra_management._backend_status import BackendStatusCache
from chaffra_telemetry import LiveTelemetryState, TelemetryAudience, TelemetryConfig

__all__ = ["AppContext", "newest"]


@dataclasses.dataclass(frozen=True)
class AppContext:
    """The inputs of one app, fixed at construction."""

    config: TelemetryConfig
    live_state: LiveTelemetryState
    backend_statuses: BackendStatusCache

    @property
    def audience(self) -> TelemetryAudience:
        """The audience every response is projected for."""
        return self.config.audience


def newest(context: AppContext) -> dict[str, Any]:
    """Source and newest timestamp, read atomically; an ``off`` app reveals neither.

    Runs blocking store I/O: call it from a worker thread.
    """
    if context.audience is TelemetryAudience.OFF:
        return {"source": "empty", "newest_timestamp_ms": None}
    newest = context.live_state.newest()
    return {"source": newest.source.value, "newest_timestamp_ms": newest.newest_timestamp_ms}
