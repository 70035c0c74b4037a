"""Running the modules over the files of a run: parse once, cache, and fan out.

Per-file modules (``PerFileModule``) run per file, from the on-disk result
cache when the file's content, the module's version and its config are
unchanged, otherwise in worker processes for large runs. Project-wide modules
get every parsed file in the main process. Each file is parsed at most once
per process; a run over an unchanged tree parses nothing at all.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

import attrs

from chaffra_core._converter import make_cache_converter
from chaffra_core._findings import AnalysisResult, Finding, ModuleInfo
from chaffra_core._host import ModuleRun, check_result, run_module
from chaffra_core._module import AnalysisModule, ModuleConfig, PerFileModule
from chaffra_core._parse import (
    CACHE_FORMAT,
    ParseCache,
    ResultCache,
    ResultKey,
    config_fingerprint,
    parse_findings,
    source_from_bytes,
)
from chaffra_core._peer_codes import has_suppression_marker
from chaffra_core._source import SourceFile, content_hash
from chaffra_core._timing import ModuleTelemetry
from chaffra_telemetry import ParseCacheMetrics

__all__ = ["PARALLEL_THRESHOLD", "Execution", "execute"]

PARALLEL_THRESHOLD = 200
"""Runs with at least this many files to analyse use worker processes."""

_PARSE = "parse"
_CHUNK = 32


@attrs.frozen(kw_only=True)
class Execution:
    """Everything the modules produced, before suppressions."""

    outcomes: tuple[ModuleRun, ...]
    parse_findings: tuple[Finding, ...]
    suppression_sources: tuple[SourceFile, ...]
    module_infos: tuple[ModuleInfo, ...]
    cache_metrics: ParseCacheMetrics


@attrs.frozen(kw_only=True)
class _Input:
    path: str
    absolute: Path
    data: bytes
    digest: str


@attrs.frozen(kw_only=True)
class _FileWork:
    """What analysing one file produced, for every per-file module (and the parse step)."""

    path: str
    results: Mapping[str, AnalysisResult]
    errors: Mapping[str, str]
    durations_ms: Mapping[str, int]


def execute(
    paths: Sequence[Path],
    *,
    root: Path,
    modules: Sequence[AnalysisModule],
    configs: Mapping[str, ModuleConfig],
    jobs: int | None,
    progress: Callable[[int, int], None] | None,
    write_cache: bool,
) -> Execution:
    """Run ``modules`` over ``paths`` (absolute, sorted); see the module docstring."""
    metrics = ParseCacheMetrics()
    cache = ResultCache(root, write=write_cache, metrics=metrics)
    infos = {m.describe().id: m.describe() for m in modules}
    per_file = [m for m in modules if isinstance(m, PerFileModule)]
    whole = [m for m in modules if not isinstance(m, PerFileModule)]
    keys = {
        info.id: ResultKey(
            module_id=info.id,
            module_version=info.version,
            config_fingerprint=config_fingerprint(configs.get(info.id, {})),
        )
        for info in (infos[m.describe().id] for m in per_file)
    }
    keys[_PARSE] = ResultKey(
        module_id=_PARSE, module_version=str(CACHE_FORMAT), config_fingerprint=""
    )
    inputs = [_read(path, root) for path in paths]

    done: dict[str, _FileWork] = {}
    todo: list[_Input] = []
    for item in inputs:
        cached = {mid: cache.get(key, item.path, item.digest) for mid, key in keys.items()}
        if all(result is not None for result in cached.values()):
            done[item.path] = _FileWork(
                path=item.path,
                results={k: v for k, v in cached.items() if v is not None},
                errors={},
                durations_ms={},
            )
        else:
            todo.append(item)
    reporter = _Progress(progress, len(inputs), already=len(done))

    sources: dict[str, SourceFile] = {}
    if whole:
        parse_cache = ParseCache(metrics=metrics)
        sources = {
            item.path: parse_cache.from_bytes(item.data, path=item.path, absolute=item.absolute)
            for item in inputs
        }
    if todo and _parallel(len(todo), jobs) and not whole:
        fresh = _run_in_workers(todo, per_file, configs, jobs, reporter)
    else:
        fresh = []
        for item in todo:
            source = sources.get(item.path) or source_from_bytes(
                item.data, path=item.path, absolute=item.absolute
            )
            fresh.append(_analyze_file(source, per_file, configs))
            reporter.advance(1)
    digests = {item.path: item.digest for item in todo}
    for work in fresh:
        done[work.path] = work
        for mid, result in work.results.items():
            if mid not in work.errors:
                cache.put(keys[mid], work.path, digests[work.path], result)
    cache.flush(keep={item.path for item in inputs})

    ordered = [done[item.path] for item in inputs]
    outcomes = [_combine(m, inputs, ordered, configs) for m in per_file]
    parsed = [source for source in sources.values() if source.tree is not None]
    outcomes.extend(run_module(m, parsed, configs.get(m.describe().id, {})) for m in whole)
    parse_results = (work.results.get(_PARSE, AnalysisResult()) for work in ordered)
    return Execution(
        outcomes=tuple(outcomes),
        parse_findings=tuple(f for r in parse_results for f in r.findings),
        suppression_sources=tuple(
            sources.get(i.path) or source_from_bytes(i.data, path=i.path, absolute=i.absolute)
            for i in inputs
            if has_suppression_marker(i.data)
        ),
        module_infos=tuple(infos.values()),
        cache_metrics=metrics,
    )


def _read(path: Path, root: Path) -> _Input:
    try:
        data = path.read_bytes()
    except OSError:
        data = b""  # the parse step reports it when the file is analysed
    return _Input(
        path=path.relative_to(root).as_posix(), absolute=path, data=data, digest=content_hash(data)
    )


def _parallel(count: int, jobs: int | None) -> bool:
    workers = jobs if jobs is not None else (os.cpu_count() or 1)
    return workers > 1 and count >= PARALLEL_THRESHOLD


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


def _analyze_file(
    source: SourceFile, modules: Iterable[PerFileModule], configs: Mapping[str, ModuleConfig]
) -> _FileWork:
    results: dict[str, AnalysisResult] = {
        _PARSE: AnalysisResult(findings=tuple(parse_findings(source)))
    }
    errors: dict[str, str] = {}
    durations: dict[str, int] = {}
    for module in modules:
        module_id = module.describe().id
        timer = ModuleTelemetry(module_id)
        timer.start()
        try:
            if source.tree is None:
                results[module_id] = AnalysisResult()
            else:
                analysed = module.analyze_file(source, configs.get(module_id, {}))
                results[module_id] = check_result(module_id, analysed)
        except Exception as error:  # one file's failure is the module's error, not the run's
            errors[module_id] = f"{source.path}: {type(error).__name__}: {error}"
            results[module_id] = AnalysisResult()
        durations[module_id] = timer.stop()
    return _FileWork(path=source.path, results=results, errors=errors, durations_ms=durations)


def _analyze_chunk(
    chunk: list[tuple[str, str, bytes]],
    modules: list[PerFileModule],
    configs: dict[str, ModuleConfig],
) -> list[Any]:
    """Worker-process entry: analyse a chunk and return it in picklable (unstructured) form."""
    converter = make_cache_converter()
    out = []
    for path, absolute, data in chunk:
        source = source_from_bytes(data, path=path, absolute=Path(absolute))
        out.append(converter.unstructure(_analyze_file(source, modules, configs), _FileWork))
    return out


def _run_in_workers(
    todo: Sequence[_Input],
    modules: list[PerFileModule],
    configs: Mapping[str, ModuleConfig],
    jobs: int | None,
    reporter: _Progress,
) -> list[_FileWork]:
    converter = make_cache_converter()
    plain_configs: dict[str, ModuleConfig] = {k: dict(v) for k, v in configs.items()}
    chunks = [
        [(i.path, str(i.absolute), i.data) for i in todo[start : start + _CHUNK]]
        for start in range(0, len(todo), _CHUNK)
    ]
    results: list[_FileWork] = []
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(_analyze_chunk, chunk, modules, plain_configs) for chunk in chunks]
        for future in as_completed(futures):
            works = [converter.structure(raw, _FileWork) for raw in future.result()]
            results.extend(works)
            reporter.advance(len(works))
    return results


def _combine(
    module: PerFileModule,
    inputs: Sequence[_Input],
    works: Sequence[_FileWork],
    configs: Mapping[str, ModuleConfig],
) -> ModuleRun:
    module_id = module.describe().id
    errors = [work.errors[module_id] for work in works if module_id in work.errors]
    timer = ModuleTelemetry(module_id)
    timer.start()
    try:
        result = check_result(
            module_id,
            module.combine(
                [
                    (
                        SourceFile(
                            path=i.path, absolute=i.absolute, text="", digest=i.digest, tree=None
                        ),
                        work.results.get(module_id, AnalysisResult()),
                    )
                    for i, work in zip(inputs, works, strict=True)
                ],
                configs.get(module_id, {}),
            ),
        )
    except Exception as error:  # reported as the module's error; the other modules still run
        result = AnalysisResult()
        errors.append(f"{type(error).__name__}: {error}")
    spent = sum(work.durations_ms.get(module_id, 0) for work in works) + timer.stop()
    return ModuleRun(
        module_id=module_id,
        result=result,
        duration_ms=spent,
        error=_summarize(errors),
    )


def _summarize(errors: Sequence[str]) -> str | None:
    """The first few per-file failures of a module, in one line."""
    if not errors:
        return None
    more = f" (and {len(errors) - 3} more)" if len(errors) > 3 else ""
    return "; ".join(errors[:3]) + more
