"""An incremental view of one project for long-running producers (the LSP, ``chaffra watch``).

A :class:`ProjectSession` starts with one full run (discovery, the result
cache, worker processes, the telemetry lifecycle) and keeps every file's
:class:`FileSummary`. An edit then re-analyses only that file, from memory,
and re-runs each module's ``combine`` over the kept summaries (no tree, no
file read), so project-level findings such as dead code's follow the edit.
Telemetry goes through :func:`run_analysis` over the kept summaries: the one
lifecycle, never a copy of it. What an editor or a terminal need not wait for
happens on background threads: the run report of every recorded run (after
its snapshot is stored), and a whole recorded run when asked with
:meth:`ProjectSession.record_soon`; :meth:`ProjectSession.wait` waits for both.
"""

from __future__ import annotations

import os
import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import attrs

from chaffra_core._analysis import Analyzers, FileJob, analyse_bytes, analyse_file, analyse_text
from chaffra_core._background import LatestWork
from chaffra_core._config import EffectiveConfig
from chaffra_core._discovery import is_discovered
from chaffra_core._execution import execute_summaries
from chaffra_core._findings import Finding
from chaffra_core._function_metrics import FunctionMetrics
from chaffra_core._host import ModuleHost
from chaffra_core._module import AnalysisModule, ProjectContext
from chaffra_core._pipeline import assemble, run_analysis
from chaffra_core._policy import validate_run_config
from chaffra_core._result import ProgressCallback, RunResult
from chaffra_core._run_report import ReportKeeper
from chaffra_core._summary import FileSummary, SkippedFile, content_hash

if TYPE_CHECKING:
    from chaffra_telemetry.report import StoredReport

__all__ = ["ProjectSession", "SessionUpdate"]

Content = bytes | str | None
"""A file's new content (``str`` is encoded as UTF-8), or ``None`` when it is gone."""


@attrs.frozen(kw_only=True)
class SessionUpdate:
    """What one update changed.

    ``findings`` maps every root-relative path whose findings changed (and every
    updated path, changed or not) to its current findings: what an editor
    republishes. ``result`` is the telemetry run when the update was recorded.
    """

    paths: tuple[str, ...]
    findings: Mapping[str, tuple[Finding, ...]]
    result: RunResult | None = None


class ProjectSession:
    """One project kept up to date one file at a time; safe to share between threads.

    Raises:
        ConfigError: a module rejected its ``[modules.<id>]`` configuration.
    """

    def __init__(
        self,
        config: EffectiveConfig,
        *,
        host: ModuleHost | None = None,
        modules: Sequence[str] | None = None,
        jobs: int | None = None,
        use_cache: bool = True,
    ) -> None:
        self.config = config
        self.host = host if host is not None else ModuleHost.default()
        self._module_ids = None if modules is None else tuple(modules)
        self._modules: list[AnalysisModule] = [
            self.host.get(m) for m in (modules if modules is not None else self.host.ids())
        ]
        project = config.project.project
        self._settings = validate_run_config(config, list(self.host), self.host.infos())
        self._analyzers, self._failed = Analyzers.build(
            self._modules, self._settings.modules, max_file_size=project.max_file_size
        )
        self._patterns = tuple(p for m in self._modules for p in m.describe().file_patterns)
        self._jobs, self._use_cache = jobs, use_cache
        self._lock = threading.RLock()
        self._summaries: dict[str, FileSummary] = {}
        self._findings: dict[str, tuple[Finding, ...]] = {}
        self._reports = ReportKeeper(config.project_root)
        self._records = LatestWork("chaffra-recorded-run")

    @property
    def root(self) -> Path:
        """The project root (where ``.chaffra/`` lives)."""
        return self.config.project_root

    def start(
        self,
        *,
        command: str,
        churn: bool = True,
        stderr: TextIO | None = None,
        progress: ProgressCallback | None = None,
    ) -> RunResult:
        """A full run of the project (through the whole telemetry lifecycle) whose
        summaries the session keeps from now on."""
        result = run_analysis(
            self.config,
            command=command,
            modules=self._module_ids,
            host=self.host,
            jobs=self._jobs,
            progress=progress,
            churn=churn,
            stderr=stderr,
            use_cache=self._use_cache,
            reports=self._reports,
        )
        with self._lock:
            self._summaries = {s.path: s for s in result.files}
            self._findings = _by_path(result.findings)
        return result

    def relative(self, path: Path) -> str:
        """``path``'s root-relative POSIX form (as findings name files)."""
        absolute = Path(os.path.abspath(path))
        try:
            return absolute.relative_to(self.root).as_posix()
        except ValueError:
            return absolute.as_posix()

    def covers(self, path: Path) -> bool:
        """Whether ``path`` belongs to the analysis (a run would discover it)."""
        target = Path(os.path.abspath(self.config.target))
        absolute = Path(os.path.abspath(path))
        if absolute != target and target not in absolute.parents:
            return False
        return is_discovered(
            absolute,
            root=self.root,
            ignore=self.config.ignore_patterns(),
            patterns=self._patterns,
        )

    def update(
        self,
        changes: Mapping[Path, Content],
        *,
        record: str | None = None,
        churn: bool = True,
        stderr: TextIO | None = None,
    ) -> SessionUpdate:
        """Re-analyse each changed file from its content in memory (``None``: remove it),
        re-combine, and return the findings of every path they changed.

        ``record`` names the command of a telemetry run over the new state (a
        save, a watch iteration); without it nothing is recorded.
        """
        summaries = {
            self.relative(path): self._summarise(path, content) for path, content in changes.items()
        }
        return self._apply(summaries, record=record, churn=churn, stderr=stderr)

    def refresh(
        self,
        paths: Iterable[Path],
        *,
        record: str | None = None,
        churn: bool = True,
        stderr: TextIO | None = None,
    ) -> SessionUpdate:
        """Like :meth:`update`, reading each path from disk: a file that is gone or no
        longer belongs to the analysis is removed, one over the size limit is skipped."""
        summaries: dict[str, FileSummary | None] = {}
        for path in paths:
            relative = self.relative(path)
            if not (self.covers(path) and os.path.isfile(path)):
                summaries[relative] = None
                continue
            job = FileJob(path=relative, absolute=Path(os.path.abspath(path)))
            summary = analyse_file(job, self._analyzers)
            summaries[relative] = None if isinstance(summary, SkippedFile) else summary
        return self._apply(summaries, record=record, churn=churn, stderr=stderr)

    def record(
        self, *, command: str, churn: bool = True, stderr: TextIO | None = None
    ) -> RunResult:
        """A telemetry run (``run_analysis`` over the kept summaries) of the current state.

        The session stays locked for the run (the modules' project-level state is
        updated in place); the run report is stored after it, in the background.
        """
        with self._lock:
            result = self._run(command=command, churn=churn, stderr=stderr)
            self._findings = _by_path(result.findings)
        return result

    def record_soon(
        self,
        *,
        command: str,
        churn: bool = True,
        stderr: TextIO | None = None,
        then: Callable[[StoredReport | None], None] | None = None,
    ) -> None:
        """:meth:`record` on a background thread, then ``then(report)`` once its report is
        stored (the newest report the session stored, ``None`` before the first).

        A record asked for while another waits replaces it: a burst of saves
        records the state after the last one.
        """

        def work() -> None:
            self.record(command=command, churn=churn, stderr=stderr)
            if then is not None:
                self._reports.wait()
                then(self._reports.last)

        self._records.submit(work)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the background work handed over so far is done (recorded runs, then
        run reports), at most ``timeout`` seconds each; whether it is."""
        return self._records.wait(timeout) and self._reports.wait(timeout)

    def close(self) -> None:
        """Finish the background work, then end its threads (a later record starts them
        again): a producer that is done with the session, or replaces it, calls this."""
        self._records.close()
        self._reports.close()

    def findings(self, path: Path | None = None) -> tuple[Finding, ...]:
        """The current findings of ``path``, or of the whole project."""
        with self._lock:
            if path is None:
                return tuple(f for group in self._findings.values() for f in group)
            return self._findings.get(self.relative(path), ())

    def functions(self, path: Path) -> tuple[FunctionMetrics, ...]:
        """The measured functions of ``path`` as last analysed."""
        with self._lock:
            summary = self._summaries.get(self.relative(path))
        return () if summary is None else summary.functions

    def summaries(self) -> tuple[FileSummary, ...]:
        """Every kept summary, in path order."""
        with self._lock:
            return tuple(self._summaries[p] for p in sorted(self._summaries))

    def _summarise(self, path: Path, content: Content) -> FileSummary | None:
        if content is None:
            return None
        data = content.encode("utf-8") if isinstance(content, str) else content
        relative = self.relative(path)
        absolute = Path(os.path.abspath(path))
        with self._lock:
            known = self._summaries.get(relative)
        if (
            known is not None
            and not known.errors
            and known.size == len(data)
            and known.digest == content_hash(data)
        ):
            return known  # the buffer as last analysed (a save after the change)
        if not relative.endswith(".py"):
            text = analyse_text(data, path=relative, absolute=absolute, analyzers=self._analyzers)
            return None if isinstance(text, SkippedFile) else text
        return analyse_bytes(data, path=relative, absolute=absolute, analyzers=self._analyzers)

    def _apply(
        self,
        summaries: Mapping[str, FileSummary | None],
        *,
        record: str | None,
        churn: bool,
        stderr: TextIO | None,
    ) -> SessionUpdate:
        with self._lock:
            for relative, summary in summaries.items():
                if summary is None:
                    self._summaries.pop(relative, None)
                else:
                    self._summaries[relative] = summary
            result = None
            if record is not None:
                result = self._run(command=record, churn=churn, stderr=stderr)
                findings = _by_path(result.findings)
            else:
                findings = _by_path(self._combine())
            changed = set(summaries)
            for path in set(findings) | set(self._findings):
                if findings.get(path, ()) != self._findings.get(path, ()):
                    changed.add(path)
            self._findings = findings
            return SessionUpdate(
                paths=tuple(summaries),
                findings={p: findings.get(p, ()) for p in sorted(changed)},
                result=result,
            )

    def _combine(self) -> tuple[Finding, ...]:
        config = self.config
        execution = execute_summaries(
            list(self._summaries.values()),
            project=ProjectContext(
                root=config.project_root, target=config.target, entry=config.project.project.entry
            ),
            modules=self._modules,
            configs=self._settings.modules,
            failed=self._failed,
        )
        return assemble(
            execution,
            all_modules_ran=self._module_ids is None,
            settings=self._settings,
            explain=False,  # the health's contributors are the report's, not an edit's
        ).findings

    def _run(self, *, command: str, churn: bool, stderr: TextIO | None) -> RunResult:
        return run_analysis(
            self.config,
            command=command,
            modules=self._module_ids,
            host=self.host,
            churn=churn,
            stderr=stderr,
            summaries=list(self._summaries.values()),
            reports=self._reports,
        )


def _by_path(findings: Iterable[Finding]) -> dict[str, tuple[Finding, ...]]:
    grouped: defaultdict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        grouped[finding.location.file].append(finding)
    return {path: tuple(group) for path, group in grouped.items()}
