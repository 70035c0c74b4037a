"""``run_analysis``: the one place that runs modules and the telemetry lifecycle.

Every producer (CLI commands, watch, LSP, MCP, ``management``) calls
:func:`run_analysis` with an :class:`EffectiveConfig` from
``resolve_effective_config``; none writes its own copy of this sequence.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Mapping, Sequence
from typing import TextIO

from chaffra_core._config import EffectiveConfig
from chaffra_core._discovery import discover
from chaffra_core._execution import execute
from chaffra_core._findings import Finding, ProjectHealth, Severity
from chaffra_core._host import ModuleHost, ModuleRun, module_error_finding
from chaffra_core._result import ProgressCallback, RunResult
from chaffra_core._suppressions import apply_suppressions
from chaffra_telemetry import TelemetryAudience, TelemetryCollector
from chaffra_telemetry.catalog import HEALTH_SCORE

__all__ = ["run_analysis"]


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
) -> RunResult:
    """Analyse ``config.target`` with ``modules`` (default: every registered module).

    Discovers and parses each file once, runs the modules (per-file modules in
    worker processes for large projects, with results cached by content
    hash), applies inline suppressions, records everything into a telemetry
    collector and runs the telemetry lifecycle: churn scoped to ``command``
    (skipped when ``churn`` is false, e.g. for ``health``), a snapshot pushed
    to ``<root>/.chaffra/telemetry.db``, the flush to the configured backends.
    Under the ``off`` audience the project directory is left untouched.
    """
    started = time.monotonic()
    host = host if host is not None else ModuleHost.default()
    module_ids = list(modules) if modules is not None else host.ids()
    selected = [host.get(module_id) for module_id in module_ids]
    off = config.telemetry.audience is TelemetryAudience.OFF
    root = config.project_root

    collector = TelemetryCollector(config.telemetry)
    collector.register_core_metrics()
    _record_host(collector, host)
    paths = discover(config.target, ignore=config.project.project.ignore, root=root)
    collector.set_files_total(len(paths))

    execution = execute(
        paths,
        root=root,
        modules=selected,
        configs=config.modules,
        jobs=jobs,
        progress=progress,
        write_cache=not off,
    )
    findings: list[Finding] = list(execution.parse_findings)
    health: ProjectHealth | None = None
    errors: list[tuple[str, str]] = []
    for outcome in execution.outcomes:
        _record_module(collector, outcome)
        findings.extend(outcome.result.findings)
        if outcome.error is not None:
            errors.append((outcome.module_id, outcome.error))
            findings.append(module_error_finding(outcome.module_id, outcome.error))
        if outcome.result.health is not None:
            health = outcome.result.health
            collector.record(HEALTH_SCORE, health.score)
    kept, stale = apply_suppressions(
        findings,
        execution.suppression_sources,
        modules=execution.module_infos,
        all_modules_ran=modules is None,
    )
    final = tuple(sorted([*kept, *stale], key=lambda f: f.sort_key))
    if stale:
        collector.record_module_findings("core", len(stale), _severity_counts(stale))
    collector.set_finding_fingerprints(f.fingerprint() for f in final)
    execution.cache_metrics.flush_to_collector(collector)

    if not off:
        _finish_telemetry(collector, config, command=command, churn=churn, stderr=stderr)
    return RunResult(
        root=root,
        command=command,
        modules=tuple(module_ids),
        findings=final,
        health=health,
        files_analyzed=len(paths),
        duration_ms=int((time.monotonic() - started) * 1000),
        module_errors=tuple(errors),
    )


def _finish_telemetry(
    collector: TelemetryCollector,
    config: EffectiveConfig,
    *,
    command: str,
    churn: bool,
    stderr: TextIO | None,
) -> None:
    # The lifecycle and the store load here: an ``off`` run never imports them.
    from chaffra_telemetry.lifecycle import finalize_and_flush, flush_snapshot
    from chaffra_telemetry.store import LiveTelemetryState, SqliteStore

    root = config.project_root
    out = stderr if stderr is not None else sys.stderr
    with LiveTelemetryState(SqliteStore.for_project(root)) as state:
        if churn:
            finalize_and_flush(collector, state, root, scope=command, stderr=out)
        else:
            flush_snapshot(collector, state, root, stderr=out)


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


def _record_module(collector: TelemetryCollector, outcome: ModuleRun) -> None:
    module_id, result = outcome.module_id, outcome.result
    collector.record_module_call(module_id, outcome.duration_ms, outcome.error is not None)
    collector.record_module_findings(
        module_id, len(result.findings), _severity_counts(result.findings)
    )
    for key, value in result.metrics.summary.items():
        collector.record_module_summary_metric(module_id, key, value)
