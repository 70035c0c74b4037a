"""The module protocol every analyzer implements, built-in or external."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol, runtime_checkable

from chaffra_core._findings import (
    AnalysisResult,
    Finding,
    FixResult,
    ModuleInfo,
    RuleExplanation,
)
from chaffra_core._source import SourceFile

__all__ = ["AnalysisModule", "ModuleConfig", "PerFileModule"]

ModuleConfig = Mapping[str, object]
"""A module's ``[modules.<id>]`` table, as parsed from TOML (validated by the module)."""


@runtime_checkable
class AnalysisModule(Protocol):
    """An analyzer. The host times every call, records it in telemetry and turns an
    exception into a module-error finding while the other modules still run.

    ``analyze`` receives every parsed file of the run (the trees are shared, never
    re-parsed) and the module's config table. Modules raise
    ``chaffra_core.ConfigError`` for an invalid config value (fail closed).
    """

    def describe(self) -> ModuleInfo:
        """Id, name, version, capabilities and rules."""
        ...

    def analyze(self, files: Sequence[SourceFile], config: ModuleConfig) -> AnalysisResult:
        """Findings and metrics for ``files``."""
        ...

    def explain(self, rule: str) -> RuleExplanation:
        """The explanation of one of the module's rules (short or qualified id)."""
        ...

    def fix(self, findings: Sequence[Finding], *, dry_run: bool) -> list[FixResult]:
        """Fixes for the module's findings (modules without fixes return ``[]``)."""
        ...


@runtime_checkable
class PerFileModule(AnalysisModule, Protocol):
    """A module whose analysis of a file depends on that file alone.

    The pipeline may then run it in worker processes and cache its per-file
    results by content hash; ``combine`` folds per-file results into the
    module's result for the run (e.g. a project-wide health score).
    """

    def analyze_file(self, file: SourceFile, config: ModuleConfig) -> AnalysisResult:
        """Findings and metrics for one file."""
        ...

    def combine(
        self, results: Sequence[tuple[SourceFile, AnalysisResult]], config: ModuleConfig
    ) -> AnalysisResult:
        """The run's result from every file's result, in path order."""
        ...
