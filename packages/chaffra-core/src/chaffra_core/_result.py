"""What one analysis run produced, as the formatters and the CLI see it."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import attrs

from chaffra_core._findings import Finding, ProjectHealth, Severity
from chaffra_core._function_metrics import FunctionMetrics
from chaffra_core._summary import FileSummary, SkippedFile

__all__ = ["ProgressCallback", "RunResult"]

ProgressCallback = Callable[[int, int], None]
"""Called as ``progress(done, total)`` while files are analysed."""


@attrs.frozen(kw_only=True)
class RunResult:
    """The outcome of ``run_analysis``.

    ``findings`` are sorted (file, lines, rule, message) with suppressed ones
    removed; ``health`` is set when the complexity module ran;
    ``module_errors`` maps a failed module's id to its error message (its
    failure is also a finding and a telemetry error; the other modules ran).
    ``files`` are the per-file summaries (path order), ``skipped`` the files left
    out (not regular, too large); ``analysed`` counts the files read this run
    (the rest came from the cache); ``cpu_ms`` is the run's CPU time, worker
    processes included.
    """

    root: Path
    command: str
    modules: tuple[str, ...]
    findings: tuple[Finding, ...]
    health: ProjectHealth | None
    files_analyzed: int
    duration_ms: int
    module_errors: tuple[tuple[str, str], ...] = ()
    files: tuple[FileSummary, ...] = ()
    skipped: tuple[SkippedFile, ...] = ()
    analysed: int = 0
    cpu_ms: int = 0

    def functions(self) -> list[tuple[str, FunctionMetrics]]:
        """Every measured function as ``(file path, metrics)``, in path and line order."""
        return [(f.path, m) for f in self.files for m in f.functions]

    def count(self, severity: Severity) -> int:
        """How many findings have ``severity``."""
        return sum(1 for f in self.findings if f.severity is severity)

    def worst(self) -> Severity | None:
        """The highest severity among the findings, or ``None``."""
        return max((f.severity for f in self.findings), key=lambda s: s.rank, default=None)
