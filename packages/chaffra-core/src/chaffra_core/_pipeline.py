"""``run_analysis``: the one place that runs modules and the telemetry lifecycle.

Every producer (CLI commands, watch, LSP, MCP, ``management``) calls
:func:`run_analysis` with an :class:`EffectiveConfig` from
``resolve_effective_config``; none writes its own copy of this sequence.
"""

from __future__ import annotations

import functools
import os
import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, TextIO

import attrs

from chaffra_core._config import EffectiveConfig
from chaffra_core._discovery import discover
from chaffra_core._execution import Execution, execute, execute_summaries
from chaffra_core._findings import Finding, ProjectHealth, Severity
from chaffra_core._health import (
    health_min_score,
    health_settings,
    low_score_findings,
    project_health,
)
from chaffra_core._host import ModuleHost, ModuleRun, module_error_finding
from chaffra_core._module import ProjectContext
from chaffra_core._policy import RulePolicy, RunSettings, validate_run_config
from chaffra_core._result import ProgressCallback, RunResult
from chaffra_core._summary import FileSummary
from chaffra_core._suppressions import apply_suppressions
from chaffra_telemetry import TelemetryAudience, TelemetryCollector
from chaffra_telemetry.catalog import HEALTH_SCORE, HEALTH_SCORE_KEY

if TYPE_CHECKING:
    from chaffra_core._run_report import ReportKeeper

__all__ = ["Assembled", "assemble", "run_analysis"]


@attrs.frozen(kw_only=True)
class Assembled:
    """The findings of an execution after suppressions, sorted; its health and module errors.

    ``stale`` are the ``core:stale-suppression`` findings among ``findings``.
    """

    findings: tuple[Finding, ...]
    stale: tuple[Finding, ...]
    health: ProjectHealth | None
    errors: tuple[tuple[str, str], ...]


def assemble(
    execution: Execution,
    *,
    all_modules_ran: bool,
    settings: RunSettings | None = None,
    explain: bool = True,
) -> Assembled:
    """What a run reports from ``execution``: every module's findings and failures,
    the files' parse problems, with inline suppressions and the ``[rules]`` /
    ``--select`` / ``--ignore`` policy of ``settings`` applied, and the project
    health when a module with the ``health`` capability ran (docs/health.md).

    A failed module's suppressions are not judged stale. The health counts the
    reported findings of every module that ran; under model 2 the files below
    ``min-score`` get their ``complexity:low-health-score`` finding here.
    Without ``explain`` the health names no contributors (only findings are wanted).
    """
    findings: list[Finding] = [s.problem for s in execution.summaries if s.problem is not None]
    errors: list[tuple[str, str]] = []
    for outcome in execution.outcomes:
        findings.extend(outcome.result.findings)
        if outcome.error is not None:
            errors.append((outcome.module_id, outcome.error))
            findings.append(module_error_finding(outcome.module_id, outcome.error))
    failed = {module_id for module_id, _ in errors}
    suppress = functools.partial(
        apply_suppressions,
        suppressions={summary.path: summary.suppressions for summary in execution.summaries},
        modules=[info for info in execution.module_infos if info.id not in failed],
        all_modules_ran=all_modules_ran and not failed,
        hidden_rules=settings.hidden_rules() if settings is not None else frozenset(),
    )
    policy = settings.policy if settings is not None else RulePolicy()
    health: ProjectHealth | None = None
    if any("health" in i.capabilities and i.id not in failed for i in execution.module_infos):
        counted = policy.apply(suppress(findings)[0])
        priced = attrs.evolve(health_settings(settings), explain=explain)
        health = project_health(execution.summaries, counted, priced)
        findings.extend(low_score_findings(health, health_min_score(settings)))
    kept, stale = suppress(findings)
    reported = policy.apply([*kept, *stale])
    return Assembled(
        findings=tuple(sorted(reported, key=lambda f: f.sort_key)),
        stale=tuple(stale),
        health=health,
        errors=tuple(errors),
    )


def run_analysis(
    config: EffectiveConfig,
    *,
    command: str,
    modules: Sequence[str] | None = None,
    host: ModuleHost | None = None,
    jobs: int | None = None,
    progress: ProgressCallback | None = None,
    churn: bool = True,
    stderr: TextIO | None = None,
    use_cache: bool = True,
    summaries: Sequence[FileSummary] | None = None,
    reports: ReportKeeper | None = None,
) -> RunResult:
    """Analyse ``config.target`` with ``modules`` (default: every registered module).

    Discovers, reads, parses and walks each file once for every module (in
    worker processes for large projects, with per-file summaries cached in the
    user's cache directory unless ``use_cache`` is false), applies inline
    suppressions, records everything into a telemetry collector and runs the
    telemetry lifecycle: churn scoped to ``command``
    (skipped when ``churn`` is false, e.g. for ``health``), a snapshot pushed
    to ``<root>/.chaffra/telemetry.db``, the flush to the configured backends.
    Under the ``off`` audience the project directory is left untouched.

    ``summaries`` (from a :class:`~chaffra_core.ProjectSession`, which keeps
    them up to date one edited file at a time) replaces discovery and reading:
    only each module's ``combine`` and the telemetry lifecycle run. With
    ``reports`` (a long-running producer's keeper) the run is done once its
    snapshot is stored: the keeper stores the run report on a background thread.

    The configuration is checked against every registered module first; the
    ``[rules]`` levels and ``--select``/``--ignore`` decide what is reported.
    A run where a module failed keeps the churn state as it was.

    Raises:
        ConfigError: the configuration does not fit the modules (nothing ran).
    """
    started = time.monotonic()
    cpu_started = _cpu_seconds()
    host = host if host is not None else ModuleHost.default()
    module_ids = list(modules) if modules is not None else host.ids()
    selected = [host.get(module_id) for module_id in module_ids]
    settings = validate_run_config(config, list(host), host.infos())
    off = config.telemetry.audience is TelemetryAudience.OFF
    root = config.project_root

    collector = TelemetryCollector(config.telemetry)
    collector.register_core_metrics()
    _record_host(collector, host)
    project = ProjectContext(root=root, target=config.target, entry=config.project.project.entry)
    if summaries is None:
        patterns = tuple(p for module in selected for p in module.describe().file_patterns)
        paths = discover(
            config.target, ignore=config.ignore_patterns(), root=root, patterns=patterns
        )
        collector.set_files_total(len(paths))
        execution = execute(
            paths,
            project=project,
            modules=selected,
            configs=settings.modules,
            jobs=jobs,
            progress=progress,
            max_file_size=config.project.project.max_file_size,
            use_cache=use_cache,
        )
    else:
        collector.set_files_total(len(summaries))
        execution = execute_summaries(
            summaries, project=project, modules=selected, configs=settings.modules
        )
    assembled = assemble(execution, all_modules_ran=modules is None, settings=settings)
    failed = {module_id for module_id, _ in assembled.errors}
    for outcome in execution.outcomes:
        _record_module(collector, outcome)
    _record_findings(collector, execution, assembled.findings)
    health = assembled.health
    if health is not None and health.score is not None:
        collector.record(HEALTH_SCORE, health.score)
        # The project score is also each health module's ``chaffra.module.<id>.health_score``.
        for info in execution.module_infos:
            if "health" in info.capabilities and info.id not in failed:
                collector.record_module_summary_metric(info.id, HEALTH_SCORE_KEY, health.score)
    collector.set_finding_fingerprints(f.fingerprint() for f in assembled.findings)
    execution.cache_metrics.flush_to_collector(collector)
    duration_ms = int((time.monotonic() - started) * 1000)
    collector.set_analysis_duration(duration_ms)  # one duration for the report and telemetry
    result = RunResult(
        root=root,
        command=command,
        modules=tuple(module_ids),
        findings=assembled.findings,
        health=assembled.health,
        files_analyzed=len(execution.summaries),
        duration_ms=duration_ms,
        module_errors=assembled.errors,
        files=execution.summaries,
        skipped=execution.skipped,
        analysed=execution.analysed,
        cpu_ms=int((_cpu_seconds() - cpu_started) * 1000),
    )
    if not off:
        _finish_telemetry(
            collector,
            config,
            result,
            churn=churn and not failed,
            stderr=stderr,
            reports=reports,
        )
    return result


def _cpu_seconds() -> float:
    """User + system CPU time of this process and its finished children (the workers)."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def _finish_telemetry(
    collector: TelemetryCollector,
    config: EffectiveConfig,
    result: RunResult,
    *,
    churn: bool,
    stderr: TextIO | None,
    reports: ReportKeeper | None,
) -> None:
    # The lifecycle and the store load here: an ``off`` run never imports them.
    from chaffra_core._run_report import keep_run_report
    from chaffra_telemetry.lifecycle import finalize_and_flush, flush_snapshot
    from chaffra_telemetry.store import LiveTelemetryState, SqliteStore

    root = config.project_root
    out = stderr if stderr is not None else sys.stderr
    with LiveTelemetryState(SqliteStore.for_project(root)) as state:
        if churn:
            finished = finalize_and_flush(collector, state, root, scope=result.command, stderr=out)
        else:
            finished = flush_snapshot(collector, state, root, stderr=out)
        if finished.snapshot is None:
            return
        if reports is None:
            keep_run_report(state, result, finished.snapshot, stderr=out)
        else:
            reports.keep(result, finished.snapshot, stderr=out)


def _record_host(collector: TelemetryCollector, host: ModuleHost) -> None:
    for module_id, duration in host.startup_ms.items():
        collector.record_module_startup(module_id, duration)
    collector.record_startup_total(sum(host.startup_ms.values()))
    for failure in host.load_errors:
        collector.record_module_load_error(failure.name, failure.error_type)


def _severity_counts(findings: Iterable[Finding]) -> Mapping[str, int]:
    counts = {severity.value: 0 for severity in Severity}
    for finding in findings:
        counts[finding.severity.value] += 1
    return {k: v for k, v in counts.items() if v}


def _record_findings(
    collector: TelemetryCollector, execution: Execution, reported: Sequence[Finding]
) -> None:
    """Count the findings the report shows (after suppressions, ``[rules]`` levels and
    the health step), per module that ran; ``core`` and ``parse`` findings under their
    rule's prefix."""
    owner = {rule.id: info.id for info in execution.module_infos for rule in info.rules}
    by_module: dict[str, list[Finding]] = {outcome.module_id: [] for outcome in execution.outcomes}
    for finding in reported:
        module_id = owner.get(finding.rule_id, finding.rule_id.partition(":")[0])
        by_module.setdefault(module_id, []).append(finding)
    for module_id, found in by_module.items():
        collector.record_module_findings(module_id, len(found), _severity_counts(found))


def _record_module(collector: TelemetryCollector, outcome: ModuleRun) -> None:
    module_id, result = outcome.module_id, outcome.result
    collector.record_module_call(module_id, outcome.duration_ms, outcome.error is not None)
    for key, value in result.metrics.summary.items():
        collector.record_module_summary_metric(module_id, key, value)
