"""A function's measures run by run, from the run reports in the project's store.

Every producer's run (the CLI's, ``chaffra watch``'s, the MCP server's, this
server's saves) keeps a report of every function's measures in
``<root>/.chaffra/telemetry.db``. The hover's trend ("cognitive 9 → 17 over the
last 12 runs") reads them here: each report is decoded once, when it is new,
and only its functions' numbers are kept. Nothing is read under ``off``, and a
project without a store gets none (a hover never creates one).
"""

from __future__ import annotations

import threading
from pathlib import Path

import attrs

from chaffra_telemetry import (
    DB_FILE,
    PROJECT_DIR,
    LiveTelemetryState,
    SqliteStore,
    TelemetryAudience,
)

__all__ = ["RUNS", "FunctionHistory", "FunctionRun"]

RUNS = 12
"""How many of the newest stored runs a trend covers."""


@attrs.frozen(kw_only=True)
class FunctionRun:
    """A function's measures in one stored run."""

    timestamp_ms: int
    cyclomatic: int
    cognitive: int


@attrs.frozen(kw_only=True)
class _Loaded:
    audience: TelemetryAudience
    token: int
    stamps: tuple[int, ...]
    """The kept runs' timestamps, oldest first."""
    series: dict[tuple[str, str], tuple[FunctionRun, ...]]


class FunctionHistory:
    """The measures of every function in each project's newest :data:`RUNS` stored runs."""

    def __init__(self, runs: int = RUNS) -> None:
        self.runs = runs
        self._lock = threading.Lock()
        self._projects: dict[Path, _Loaded] = {}

    def load(self, root: Path, audience: TelemetryAudience) -> None:
        """Take in the reports ``audience`` may see that were stored since the last load.

        Called on the analysis thread for a new project and on the recording
        thread after a save's run, never on a hover.
        """
        if audience is TelemetryAudience.OFF or not (root / PROJECT_DIR / DB_FILE).is_file():
            return
        with self._lock:
            known = self._projects.get(root)
        if known is not None and known.audience is not audience:
            known = None
        store = SqliteStore.for_project(root)
        try:
            state = LiveTelemetryState(store)
            token = state.change_token()
            if known is not None and known.token == token:
                return
            newest = known.stamps[-1] if known is not None and known.stamps else None
            reports = state.reports(audience=audience, limit=self.runs, newer_than_ms=newest)
        finally:
            store.close()
        stamps = [
            *(known.stamps if known is not None else ()),
            *(r.report.timestamp_ms for r in reports),
        ][-self.runs :]
        oldest = stamps[0] if stamps else 0
        series: dict[tuple[str, str], list[FunctionRun]] = {
            key: [run for run in runs if run.timestamp_ms >= oldest]
            for key, runs in (known.series if known is not None else {}).items()
        }
        for stored in reports:
            for function in stored.report.functions:
                series.setdefault((function.file, function.name), []).append(
                    FunctionRun(
                        timestamp_ms=stored.report.timestamp_ms,
                        cyclomatic=function.cyclomatic,
                        cognitive=function.cognitive,
                    )
                )
        loaded = _Loaded(
            audience=audience,
            token=token,
            stamps=tuple(stamps),
            series={key: tuple(runs) for key, runs in series.items() if runs},
        )
        with self._lock:
            self._projects[root] = loaded

    def loaded(self, root: Path) -> bool:
        """Whether ``root``'s runs were read at least once."""
        with self._lock:
            return root in self._projects

    def series(self, root: Path, file: str, name: str) -> tuple[FunctionRun, ...]:
        """The measures of function ``name`` (qualified) of ``file`` (root-relative) in the
        loaded runs that had it, oldest first."""
        with self._lock:
            loaded = self._projects.get(root)
        return () if loaded is None else loaded.series.get((file, name), ())

    def clear(self) -> None:
        """Forget every project (the configuration, and so the audience, may have changed)."""
        with self._lock:
            self._projects.clear()
