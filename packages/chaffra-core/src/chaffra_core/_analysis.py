"""Analysing one file: read, parse once, walk once with every module's visitor.

This is the per-file half of the engine, the same in worker processes, in the
main process and for an editor buffer (``analyse_bytes``).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs

from chaffra_core._findings import Finding
from chaffra_core._function_metrics import FunctionMetricsVisitor
from chaffra_core._module import AnalysisModule, FileAnalyzer, ModuleConfig
from chaffra_core._parse import parse_python, problem_finding
from chaffra_core._reading import DEFAULT_MAX_FILE_SIZE, ReadRefused, read_file
from chaffra_core._summary import (
    FileContext,
    FileResult,
    FileSummary,
    SkippedFile,
    content_hash,
    source_lines,
)
from chaffra_core._suppressions import scan_suppressions
from chaffra_core._traversal import Traversal

__all__ = ["Analyzers", "FileJob", "analyse_bytes", "analyse_file", "analyse_text"]


@attrs.frozen(kw_only=True)
class FileJob:
    """A file to analyse: its root-relative POSIX path and where to read it."""

    path: str
    absolute: Path


@attrs.frozen(kw_only=True)
class Analyzers:
    """The run's per-file analyzers by module id, configured once (sent to each worker once)."""

    by_module: Mapping[str, FileAnalyzer]
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    patterns: Mapping[str, tuple[str, ...]] = attrs.field(factory=dict)
    """Per module, the globs of the non-Python files it reads as text."""

    @classmethod
    def build(
        cls,
        modules: Sequence[AnalysisModule],
        configs: Mapping[str, ModuleConfig],
        *,
        max_file_size: int = DEFAULT_MAX_FILE_SIZE,
    ) -> tuple[Analyzers, dict[str, str]]:
        """The analyzers of ``modules``, and the error message of each module that failed
        to configure one (a failed module's files are then not analysed by it).

        Raises:
            ConfigError: a module rejected its config (fail closed, before any file).
        """
        from chaffra_core.errors import ConfigError

        by_module: dict[str, FileAnalyzer] = {}
        failed: dict[str, str] = {}
        for module in modules:
            module_id = module.describe().id
            try:
                by_module[module_id] = module.file_analyzer(configs.get(module_id, {}))
            except ConfigError:
                raise
            except Exception as error:  # a broken module is its own error, not the run's
                failed[module_id] = f"{type(error).__name__}: {error}"
        patterns = {
            m.describe().id: m.describe().file_patterns
            for m in modules
            if m.describe().file_patterns and m.describe().id in by_module
        }
        return cls(by_module=by_module, max_file_size=max_file_size, patterns=patterns), failed

    def without(self, module_ids: Sequence[str]) -> Analyzers:
        """These analyzers minus ``module_ids``."""
        kept = {k: v for k, v in self.by_module.items() if k not in module_ids}
        patterns = {k: v for k, v in self.patterns.items() if k in kept}
        return Analyzers(by_module=kept, max_file_size=self.max_file_size, patterns=patterns)

    def for_text(self, name: str) -> dict[str, FileAnalyzer]:
        """The analyzers of the modules that read a non-Python file called ``name``."""
        return {
            module_id: self.by_module[module_id]
            for module_id, globs in self.patterns.items()
            if any(fnmatch.fnmatchcase(name, glob) for glob in globs)
        }

    @property
    def needs_functions(self) -> bool:
        """Whether any analyzer reads per-function metrics."""
        return any(a.needs_functions for a in self.by_module.values())


def analyse_file(job: FileJob, analyzers: Analyzers) -> FileSummary | SkippedFile:
    """Read ``job``'s file (regular files within the size limit only) and analyse it."""
    data = read_file(job.absolute, analyzers.max_file_size)
    if isinstance(data, ReadRefused):
        if data.skipped:
            return SkippedFile(path=job.path, reason=data.reason)
        problem = problem_finding(job.path, "", f"read error: {data.reason}")
        return FileSummary(path=job.path, digest=content_hash(b""), size=0, problem=problem)
    if not job.path.endswith(".py"):
        return analyse_text(data, path=job.path, absolute=job.absolute, analyzers=analyzers)
    return analyse_bytes(data, path=job.path, absolute=job.absolute, analyzers=analyzers)


def analyse_text(
    data: bytes, *, path: str, absolute: Path, analyzers: Analyzers
) -> FileSummary | SkippedFile:
    """The summary of a non-Python file: only the modules whose ``file_patterns``
    match its name see it, as text (binary files are skipped)."""
    if b"\0" in data[:8192]:
        return SkippedFile(path=path, reason="binary file")
    file = FileContext(
        path=path,
        absolute=absolute,
        text=data.decode("utf-8", errors="replace"),
        digest=content_hash(data),
        tree=None,
        language="text",
    )
    results: dict[str, FileResult] = {}
    errors: dict[str, str] = {}
    for module_id, analyzer in analyzers.for_text(absolute.name).items():
        try:
            results[module_id] = _checked(module_id, analyzer.finish(file, None))
        except Exception as error:  # one module's failure on one file
            errors[module_id] = _message(file, error)
            results[module_id] = FileResult()
    return FileSummary(
        path=path,
        digest=file.digest,
        size=len(data),
        language="text",
        results=results,
        errors=errors,
    )


def analyse_bytes(data: bytes, *, path: str, absolute: Path, analyzers: Analyzers) -> FileSummary:
    """The summary of content already in memory (a file just read, an editor buffer).

    A module whose visitor or ``finish`` raises gets the error recorded for this
    file and an empty result; the walk is repeated without it so the other
    modules' results are unaffected.
    """
    digest = content_hash(data)
    parsed = parse_python(data)
    suppressions = scan_suppressions(parsed.text)
    if parsed.tree is None:
        assert parsed.error is not None
        problem: Finding = problem_finding(path, parsed.text, parsed.error)
        return FileSummary(
            path=path,
            digest=digest,
            size=len(data),
            problem=problem,
            suppressions=suppressions,
            results={module_id: FileResult() for module_id in analyzers.by_module},
        )
    tree = parsed.tree
    errors: dict[str, str] = {}
    active = dict(analyzers.by_module)
    while True:
        file = FileContext(path=path, absolute=absolute, text=parsed.text, digest=digest, tree=tree)
        outcome = _walk(file, active, needs_functions=analyzers.needs_functions)
        if isinstance(outcome, tuple):  # a module failed: drop it and walk again
            module_id, message = outcome
            errors[module_id] = message
            del active[module_id]
            continue
        results = {**{m: FileResult() for m in errors}, **outcome}
        return FileSummary(
            path=path,
            digest=digest,
            size=len(data),
            lines=source_lines(parsed.text),
            functions=tuple(file.functions),
            suppressions=suppressions,
            results=results,
            errors=errors,
        )


def _walk(
    file: FileContext, analyzers: Mapping[str, FileAnalyzer], *, needs_functions: bool
) -> dict[str, FileResult] | tuple[str, str]:
    """Every analyzer's result for ``file``, or the first failing module and its error."""
    visitors: dict[str, object | None] = {}
    for module_id, analyzer in analyzers.items():
        try:
            visitors[module_id] = analyzer.visitor(file)
        except Exception as error:
            return module_id, _message(file, error)
    metrics = FunctionMetricsVisitor() if needs_functions else None
    walking = [v for v in visitors.values() if v is not None]
    if metrics is not None:
        walking.append(metrics)
    if walking and file.tree is not None:
        try:
            Traversal(walking).walk(file.tree)
        except Exception as error:
            culprit = _culprit(error, visitors)
            if culprit is None:
                raise  # only the metrics visitor walked: a bug in chaffra, not in a module
            return culprit, _message(file, error)
    if metrics is not None:
        file.functions.extend(metrics.functions)
    results: dict[str, FileResult] = {}
    for module_id, analyzer in analyzers.items():
        try:
            result = analyzer.finish(file, visitors[module_id])
            results[module_id] = _checked(module_id, result)
        except Exception as error:
            return module_id, _message(file, error)
    return results


def _culprit(error: Exception, visitors: Mapping[str, object | None]) -> str | None:
    """The module whose visitor raised ``error`` (found from the traceback's frames)."""
    owners = {id(v): module_id for module_id, v in visitors.items() if v is not None}
    traceback = error.__traceback__
    culprit = None
    while traceback is not None:
        instance = traceback.tb_frame.f_locals.get("self")
        if id(instance) in owners:
            culprit = owners[id(instance)]
        traceback = traceback.tb_next
    # A visitor made of plain functions leaves no ``self``: blame the first module walking.
    return culprit if culprit is not None else next(iter(owners.values()), None)


def _checked(module_id: str, result: object) -> FileResult:
    if not isinstance(result, FileResult):
        raise TypeError(
            f"module {module_id!r} returned {type(result).__name__} from finish, not FileResult"
        )
    return result


def _message(file: FileContext, error: Exception) -> str:
    return f"{file.path}: {type(error).__name__}: {error}"
