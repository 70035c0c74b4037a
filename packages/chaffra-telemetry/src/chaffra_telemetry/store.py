"""Where projected snapshots are kept: the stores and the live state read over them.

:class:`SqliteStore` is ``<project>/.chaffra/telemetry.db``, shared by every
process of a project; :class:`MemoryStore` is a ring buffer for an embedding
process. Both are context managers (leaving the block closes them).
:class:`LiveTelemetryState` answers "what now" and "what over a window" for an
audience.
"""

from __future__ import annotations

from chaffra_telemetry._live_state import (
    WINDOWS,
    HistoryView,
    LiveTelemetryState,
    StateStatus,
    is_valid_window,
)
from chaffra_telemetry._memory_store import MemoryStore
from chaffra_telemetry._sqlite_store import DB_FILE, SqliteStore
from chaffra_telemetry._store import (
    DEFAULT_CAPACITY,
    ReportPoint,
    SnapshotStore,
    StateSource,
    StoreRead,
)

__all__ = [
    "DB_FILE",
    "DEFAULT_CAPACITY",
    "WINDOWS",
    "HistoryView",
    "LiveTelemetryState",
    "MemoryStore",
    "ReportPoint",
    "SnapshotStore",
    "SqliteStore",
    "StateSource",
    "StateStatus",
    "StoreRead",
    "is_valid_window",
]
