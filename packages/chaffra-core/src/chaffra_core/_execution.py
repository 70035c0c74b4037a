"""Running the modules over the files of a run: one read, parse and walk per file.

Per-file summaries come from the result cache when a file's size and mtime
are unchanged (no read at all), otherwise from worker processes for large runs
or this process for small ones; each module's ``combine`` then sees every
summary in path order.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs
from cattrs import Converter

from chaffra_core._analysis import Analyzers, FileJob
from chaffra_core._converter import make_cache_converter
from chaffra_core._findings import AnalysisResult, ModuleInfo
from chaffra_core._host import ModuleRun, check_result
from chaffra_core._module import AnalysisModule, ModuleConfig, ProjectContext
from chaffra_core._parse import READ_ERROR, config_fingerprint, core_version
from chaffra_core._reading import DEFAULT_MAX_FILE_SIZE
from chaffra_core._result_cache import CacheKey, ResultCache
from chaffra_core._summary import FileSummary, SkippedFile
from chaffra_core._workers import Outcome, pool_context, run_here, run_in_workers, unpicklable
from chaffra_telemetry import ParseCacheMetrics

__all__ = ["PARALLEL_THRESHOLD", "Execution", "execute"]

PARALLEL_THRESHOLD = 200
"""Runs with at least this many files to analyse use worker processes."""


@attrs.frozen(kw_only=True)
class Execution:
    """Everything the modules produced, before suppressions.

    ``analysed`` counts the files read and analysed in this run (not from the cache).
    """

    summaries: tuple[FileSummary, ...]
    skipped: tuple[SkippedFile, ...]
    outcomes: tuple[ModuleRun, ...]
    module_infos: tuple[ModuleInfo, ...]
    cache_metrics: ParseCacheMetrics
    analysed: int


def execute(
    paths: Sequence[Path],
    *,
    project: ProjectContext,
    modules: Sequence[AnalysisModule],
    configs: Mapping[str, ModuleConfig],
    jobs: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    use_cache: bool = True,
    cache_home: Path | None = None,
) -> Execution:
    """Run ``modules`` over ``paths`` (absolute, under ``project.root``); see the module docstring.

    Raises:
        ConfigError: a module rejected its config (before any file is read).
    """
    infos = {m.describe().id: m.describe() for m in modules}
    analyzers, failed = Analyzers.build(modules, configs, max_file_size=max_file_size)
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    metrics = ParseCacheMetrics()
    root = project.root
    jobs_all = [FileJob(path=p.relative_to(root).as_posix(), absolute=p) for p in paths]
    cache = (
        ResultCache(root, _cache_key(analyzers, infos, configs), home=cache_home)
        if use_cache
        else None
    )
    converter = make_cache_converter()
    done: dict[str, FileSummary] = {}
    skipped: list[SkippedFile] = []
    todo: list[FileJob] = []
    stats: dict[str, os.stat_result] = {}
    for job in jobs_all:
        cached = None
        if cache is not None:
            try:
                stats[job.path] = os.stat(job.absolute)
            except OSError:
                pass
            else:
                cached = _structured(converter, cache.get(job.path, stats[job.path]))
        if cached is None:
            metrics.record_miss()
            todo.append(job)
        else:
            metrics.record_hit()
            done[job.path] = cached
    reporter = _Progress(progress, len(jobs_all), already=len(done))
    parallel = workers > 1 and len(todo) >= PARALLEL_THRESHOLD
    if parallel and not _forks():
        for module_id, message in unpicklable(analyzers).items():
            failed[module_id] = message
        analyzers = analyzers.without(list(failed))
    outcomes: list[Outcome]
    if parallel:
        outcomes = run_in_workers(todo, analyzers, workers=workers, advance=reporter.advance)
    else:
        outcomes = []
        for outcome in run_here(todo, analyzers):
            outcomes.append(outcome)
            reporter.advance(1)
    for kind, value in outcomes:
        if kind == "skipped":
            skipped.append(SkippedFile(path=value[0], reason=value[1]))
            continue
        done[value["path"]] = converter.structure(value, FileSummary)
        if cache is not None and value["path"] in stats and _cacheable(value):
            cache.put(value["path"], stats[value["path"]], value)
    if cache is not None:
        cache.save(keep=done)
    summaries = tuple(done[p] for p in sorted(done))
    runs = [
        _combine(module, summaries, configs.get(module_id, {}), project, failed.get(module_id))
        for module_id, module in ((m.describe().id, m) for m in modules)
    ]
    return Execution(
        summaries=summaries,
        skipped=tuple(sorted(skipped, key=lambda s: s.path)),
        outcomes=tuple(runs),
        module_infos=tuple(infos.values()),
        cache_metrics=metrics,
        analysed=len(todo) - len(skipped),
    )


def _structured(converter: Converter, raw: Any) -> FileSummary | None:
    """A cached summary, or ``None`` for a missing or damaged entry (analysed again)."""
    if raw is None:
        return None
    try:
        summary: FileSummary = converter.structure(raw, FileSummary)
    except Exception:  # an entry from a damaged or foreign cache file
        return None
    return summary


def _forks() -> bool:
    return pool_context().get_start_method() == "fork"


def _cacheable(raw: Mapping[str, Any]) -> bool:
    """Read errors and module failures are retried next run, not cached."""
    problem = raw.get("problem")
    return not raw.get("errors") and not (problem and problem.get("rule_id") == READ_ERROR)


def _cache_key(
    analyzers: Analyzers, infos: Mapping[str, ModuleInfo], configs: Mapping[str, ModuleConfig]
) -> CacheKey:
    return CacheKey(
        core_version=core_version(),
        modules=tuple(
            sorted(
                (
                    module_id,
                    infos[module_id].version,
                    config_fingerprint(configs.get(module_id, {})),
                )
                for module_id in analyzers.by_module
            )
        ),
        functions=analyzers.needs_functions,
        max_file_size=analyzers.max_file_size,
    )


class _Progress:
    def __init__(
        self, callback: Callable[[int, int], None] | None, total: int, *, already: int
    ) -> None:
        self._callback, self._total, self._done = callback, total, already
        self.advance(0)

    def advance(self, count: int) -> None:
        self._done += count
        if self._callback is not None:
            self._callback(self._done, self._total)


def _combine(
    module: AnalysisModule,
    summaries: Sequence[FileSummary],
    config: ModuleConfig,
    project: ProjectContext,
    failure: str | None,
) -> ModuleRun:
    """The module's run: every file's own findings plus what ``combine`` adds."""
    module_id = module.describe().id
    started = time.monotonic()
    errors = [failure] if failure is not None else []
    errors.extend(s.errors[module_id] for s in summaries if module_id in s.errors)
    per_file = tuple(
        finding
        for summary in summaries
        for finding in (summary.results[module_id].findings if module_id in summary.results else ())
    )
    result = AnalysisResult()
    if failure is None:
        try:
            combined = check_result(module_id, module.combine(summaries, config, project))
            result = attrs.evolve(combined, findings=per_file + combined.findings)
        except Exception as error:  # reported as the module's error; the others still run
            errors.append(f"{type(error).__name__}: {error}")
            result = AnalysisResult(findings=per_file)
    return ModuleRun(
        module_id=module_id,
        result=result,
        duration_ms=int((time.monotonic() - started) * 1000),
        error=_summarize(errors),
    )


def _summarize(errors: Sequence[str]) -> str | None:
    """The first few per-file failures of a module, in one line."""
    if not errors:
        return None
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return "; ".join(errors[:3]) + more
