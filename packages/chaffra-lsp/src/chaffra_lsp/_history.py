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
from typing import TYPE_CHECKING

import attrs

from chaffra_telemetry import (
    DB_FILE,
    PROJECT_DIR,
    LiveTelemetryState,
    SqliteStore,
    TelemetryAudience,
)

if TYPE_CHECKING:
    from chaffra_telemetry.report import StoredReport

__all__ = ["RUNS", "FunctionHistory", "FunctionRun"]

RUNS = 12
"""How many of the newest stored runs a trend covers."""


@attrs.frozen(kw_only=True)
class FunctionRun:
    """A function's measures in one stored run."""

    timestamp_ms: int
    cyclomatic: int
    cognitive: int


_Measures = dict[tuple[str, str], tuple[int, int]]
"""One run's (cyclomatic, cognitive) by (file, qualified function name)."""


@attrs.frozen(kw_only=True)
class _Run:
    timestamp_ms: int
    measures: _Measures


@attrs.frozen(kw_only=True)
class _Loaded:
    audience: TelemetryAudience
    token: int
    runs: tuple[_Run, ...]
    """The kept runs, oldest first."""


class FunctionHistory:
    """The measures of every function in each project's newest :data:`RUNS` stored runs.

    Each run is kept as one map of its functions' measures; a function's series
    is put together when a hover asks for it, so taking in a run costs one map
    of its functions, whatever the length of the history.
    """

    def __init__(self, runs: int = RUNS) -> None:
        self.runs = runs
        self._lock = threading.Lock()
        self._projects: dict[Path, _Loaded] = {}

    def load(
        self, root: Path, audience: TelemetryAudience, *, own: StoredReport | None = None
    ) -> None:
        """Take in the reports ``audience`` may see that were stored since the last load.

        ``own`` is the report this process just stored: when it is the only new
        one, it is taken as it is instead of being decoded from the store.
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
            newest = known.runs[-1].timestamp_ms if known is not None and known.runs else None
            if own is not None and self._only_new(state, audience, own, newest):
                reports: tuple[StoredReport, ...] = (own,)
            else:
                reports = state.reports(audience=audience, limit=self.runs, newer_than_ms=newest)
        finally:
            store.close()
        added = tuple(
            _Run(
                timestamp_ms=stored.report.timestamp_ms,
                measures={
                    (f.file, f.name): (f.cyclomatic, f.cognitive) for f in stored.report.functions
                },
            )
            for stored in reports
        )
        runs = (*(known.runs if known is not None else ()), *added)[-self.runs :]
        loaded = _Loaded(audience=audience, token=token, runs=runs)
        with self._lock:
            self._projects[root] = loaded

    def _only_new(
        self,
        state: LiveTelemetryState,
        audience: TelemetryAudience,
        own: StoredReport,
        newest: int | None,
    ) -> bool:
        """Whether ``own`` is the one report ``audience`` may see stored after ``newest``
        (read from the stored reports' headers and scores, not their payloads)."""
        points = state.report_trend(audience=audience, limit=self.runs)
        stamps = [p.timestamp_ms for p in points if newest is None or p.timestamp_ms > newest]
        return [own.report.timestamp_ms] == stamps

    def loaded(self, root: Path) -> bool:
        """Whether ``root``'s runs were read at least once."""
        with self._lock:
            return root in self._projects

    def series(self, root: Path, file: str, name: str) -> tuple[FunctionRun, ...]:
        """The measures of function ``name`` (qualified) of ``file`` (root-relative) in the
        loaded runs that had it, oldest first."""
        with self._lock:
            loaded = self._projects.get(root)
        if loaded is None:
            return ()
        key = (file, name)
        return tuple(
            FunctionRun(timestamp_ms=run.timestamp_ms, cyclomatic=found[0], cognitive=found[1])
            for run in loaded.runs
            if (found := run.measures.get(key)) is not None
        )

    def clear(self) -> None:
        """Forget every project (the configuration, and so the audience, may have changed)."""
        with self._lock:
            self._projects.clear()
