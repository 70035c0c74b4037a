"""The module protocol every analyzer implements, built-in or external.

A module never walks a tree itself. For each file it supplies a visitor (any
object with ``enter_<Node>``/``leave_<Node>``/``enter_scope`` methods, see
:mod:`chaffra_core._traversal`) that the one shared walk dispatches to, and
turns what the visitor saw into a :class:`FileResult`. Per-file work runs in
worker processes and is cached by content; ``combine`` then sees every file's
:class:`FileSummary` in the parent process, for project-level results (the
health score, dead code's reference index).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol, runtime_checkable

import attrs

from chaffra_core._findings import AnalysisResult, Finding, FixResult, ModuleInfo, RuleExplanation
from chaffra_core._summary import FileContext, FileResult, FileSummary

__all__ = ["AnalysisModule", "FileAnalyzer", "ModuleConfig", "ProjectContext"]

ModuleConfig = Mapping[str, object]
"""A module's ``[modules.<id>]`` table, as parsed from TOML (validated by the module)."""


@attrs.frozen(kw_only=True)
class ProjectContext:
    """What ``combine`` knows of the run besides the files: the project root, the
    analysed path (the target, a directory or one file) and the ``[project] entry``
    globs (the project's entry points, for liveness)."""

    root: Path
    target: Path
    entry: tuple[str, ...] = ()


class FileAnalyzer(Protocol):
    """A module's per-file half, configured once per run and sent to worker processes
    (so it must be picklable: no lambdas or open files in its state).

    ``needs_functions``: whether ``finish`` reads ``file.functions`` (per-function
    cyclomatic, cognitive, nesting and recursion from the shared walk).
    """

    @property
    def needs_functions(self) -> bool:
        """Whether ``finish`` reads ``file.functions``."""
        ...

    def visitor(self, file: FileContext) -> object | None:
        """A fresh visitor for ``file``'s walk, or ``None`` if the module needs no walk."""
        ...

    def finish(self, file: FileContext, visitor: object | None) -> FileResult:
        """The file's result from what ``visitor`` saw (after the walk)."""
        ...


@runtime_checkable
class AnalysisModule(Protocol):
    """An analyzer. The host times every call, records it in telemetry and turns an
    exception into a ``core:module-error`` finding while the other modules still run.

    Modules raise ``chaffra_core.ConfigError`` for an invalid config value
    (fail closed) from ``file_analyzer``. The engine reports every file's own
    findings; ``combine`` returns the project-level ones, the health and metrics.
    """

    def describe(self) -> ModuleInfo:
        """Id, name, version, capabilities and rules."""
        ...

    def file_analyzer(self, config: ModuleConfig) -> FileAnalyzer:
        """The per-file analyzer for this run's ``config``."""
        ...

    def combine(
        self, files: Sequence[FileSummary], config: ModuleConfig, project: ProjectContext
    ) -> AnalysisResult:
        """Project-level findings, health and metrics from every file's summary (path order)."""
        ...

    def explain(self, rule: str) -> RuleExplanation:
        """The explanation of one of the module's rules (short or qualified id)."""
        ...

    def fix(self, findings: Sequence[Finding], *, dry_run: bool) -> list[FixResult]:
        """Fixes for the module's findings (modules without fixes return ``[]``)."""
        ...
