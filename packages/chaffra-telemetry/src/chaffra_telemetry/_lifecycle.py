"""The one telemetry lifecycle every producer runs at the end of a run.

``finalize_and_flush`` (successful, finding-producing runs) and
``flush_snapshot`` (failed runs and runs without findings) are the only code
that takes snapshots, computes churn, pushes to the live state and flushes to
backends; producers never write their own copy of this sequence.

Order (spec telemetry-live-and-backends §4.2): churn is recorded before the
snapshot; the snapshot is pushed; the sampling decision is taken; the churn
state is saved atomically; all of that under the project lock; backends are
flushed after the lock is released. Telemetry never changes a command's exit
status or hides its report: every failure here, even an unexpected one, is a
warning on stderr, worded so that nothing operator-shaped (backend names,
endpoints, paths) is printed unless the audience admits operator data. A
project whose ``.chaffra`` cannot be trusted (a symlink, not a directory,
someone else's) gets one warning and no telemetry at all.
"""

from __future__ import annotations

import random
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

import attrs

from chaffra_telemetry._audience import TelemetryAudience
from chaffra_telemetry._audit import record_emission
from chaffra_telemetry._churn import (
    ChurnResult,
    ChurnState,
    FindingFingerprint,
    compute_churn,
    hash_fingerprints,
)
from chaffra_telemetry._churn_state import load_state, project_lock, save_state, state_path
from chaffra_telemetry._collector import TelemetryCollector
from chaffra_telemetry._config import TelemetryConfig
from chaffra_telemetry._live_state import LiveTelemetryState
from chaffra_telemetry._project_dir import PROJECT_DIR, project_dir_problem
from chaffra_telemetry._projection import ProjectedSnapshot, project
from chaffra_telemetry._sampling import SamplingDecision, should_sample
from chaffra_telemetry.backends import Backend, flush_each
from chaffra_telemetry.errors import (
    ChurnLoadError,
    ChurnLockTimeout,
    TelemetryError,
    UnsafeProjectDirectory,
)

__all__ = ["FinalizeResult", "finalize_and_flush", "flush_snapshot", "flush_to_backends"]


@attrs.frozen(kw_only=True)
class FinalizeResult:
    """What the lifecycle did. ``snapshot`` is projected for the run's audience."""

    snapshot: ProjectedSnapshot | None
    findings_hash: int | None = None
    churn: ChurnResult | None = None
    decision: SamplingDecision | None = None
    warnings: tuple[str, ...] = ()


class _Warnings:
    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self.lines: list[str] = []

    def __call__(self, line: str) -> None:
        self.lines.append(line)
        self._stream.write(line + "\n")


def finalize_and_flush(
    collector: TelemetryCollector,
    live_state: LiveTelemetryState | None,
    project_root: Path,
    *,
    scope: str,
    sampled: bool = True,
    backends: Sequence[Backend] | None = None,
    rng: random.Random | None = None,
    stderr: TextIO | None = None,
    lock_timeout_s: float = 10.0,
) -> FinalizeResult:
    """Finish a successful run: churn, snapshot, push, sampling, save, then flush.

    ``scope`` names the churn scope (the command, e.g. ``dead-code``), so one
    command's findings never look resolved to another. Under ``off`` nothing
    is read, written, pushed or flushed. When another process holds the
    project lock past ``lock_timeout_s``, churn is skipped with a warning.
    ``backends`` overrides the configured ones (tests, embedders). Never
    raises: when ``<project_root>/.chaffra`` is unsafe, one warning says so
    and nothing is done; any other failure is a warning too.
    """
    config = collector.config
    if config.audience is TelemetryAudience.OFF:
        return FinalizeResult(snapshot=None)
    warn = _Warnings(stderr if stderr is not None else sys.stderr)
    try:
        _refuse_unsafe_project_dir(project_root)
        return _finalize(
            collector,
            live_state,
            project_root,
            scope=scope,
            sampled=sampled,
            backends=backends,
            rng=rng,
            lock_timeout_s=lock_timeout_s,
            warn=warn,
        )
    except Exception as error:  # the contract: telemetry never fails the run it measures
        _skipped(warn, error)
        return FinalizeResult(snapshot=None, warnings=tuple(warn.lines))


def _finalize(
    collector: TelemetryCollector,
    live_state: LiveTelemetryState | None,
    project_root: Path,
    *,
    scope: str,
    sampled: bool,
    backends: Sequence[Backend] | None,
    rng: random.Random | None,
    lock_timeout_s: float,
    warn: _Warnings,
) -> FinalizeResult:
    config = collector.config
    fingerprints = collector.finding_fingerprints()
    current_hash = hash_fingerprints(fingerprints)
    collector.finish_analysis()
    churn: ChurnResult | None = None
    previous_hash: int | None = None
    try:
        with project_lock(project_root, timeout_s=lock_timeout_s):
            keep_state = True
            try:
                previous = load_state(project_root, scope)
            except ChurnLoadError as error:
                warn(f"Warning: {error}; skipping churn and preserving existing state")
                previous, keep_state = None, False
            if previous is not None:
                churn = compute_churn(fingerprints, previous.fingerprints)
                collector.record_finding_churn(churn)
                previous_hash = previous.findings_hash
            projected = _snapshot_and_push(collector, live_state, config, warn)
            decision = _decide(config, sampled, current_hash, previous_hash, rng)
            if keep_state:
                _save(
                    project_root,
                    scope,
                    fingerprints=fingerprints,
                    current_hash=current_hash,
                    projected=projected,
                    warn=warn,
                )
    except (ChurnLockTimeout, TelemetryError) as error:
        # A timeout, or a lock file that cannot be made: no churn, the rest goes on.
        warn(f"Warning: {error}; skipping churn")
        projected = _snapshot_and_push(collector, live_state, config, warn)
        decision = _decide(config, sampled, current_hash, None, rng)
    _flush(
        projected,
        config,
        decision=decision,
        project_root=project_root,
        backends=backends,
        warn=warn,
    )
    return FinalizeResult(
        snapshot=projected,
        findings_hash=current_hash,
        churn=churn,
        decision=decision,
        warnings=tuple(warn.lines),
    )


def flush_snapshot(
    collector: TelemetryCollector,
    live_state: LiveTelemetryState | None,
    project_root: Path,
    *,
    backends: Sequence[Backend] | None = None,
    stderr: TextIO | None = None,
) -> FinalizeResult:
    """Finish a failed run, or one without findings: snapshot, push and flush, unsampled.

    No churn is computed and the churn state is neither read nor written.
    Never raises, like :func:`finalize_and_flush`.
    """
    config = collector.config
    if config.audience is TelemetryAudience.OFF:
        return FinalizeResult(snapshot=None)
    warn = _Warnings(stderr if stderr is not None else sys.stderr)
    try:
        _refuse_unsafe_project_dir(project_root)
        collector.finish_analysis()
        projected = _snapshot_and_push(collector, live_state, config, warn)
        _flush(
            projected,
            config,
            decision=SamplingDecision.EMIT,
            project_root=project_root,
            backends=backends,
            warn=warn,
        )
    except Exception as error:  # the contract: telemetry never fails the run it measures
        _skipped(warn, error)
        return FinalizeResult(snapshot=None, warnings=tuple(warn.lines))
    return FinalizeResult(snapshot=projected, warnings=tuple(warn.lines))


def _refuse_unsafe_project_dir(project_root: Path) -> None:
    problem = project_dir_problem(project_root)
    if problem is not None:
        raise UnsafeProjectDirectory(project_root / PROJECT_DIR, problem)


def _skipped(warn: _Warnings, error: Exception) -> None:
    if isinstance(error, UnsafeProjectDirectory):
        warn(
            "Warning: telemetry skipped, nothing written:"
            f" refusing to use {error.directory}: {error.problem}"
        )
    else:
        warn(f"Warning: telemetry failed ({type(error).__name__}: {error}); the run is unaffected")


def flush_to_backends(
    snapshot: ProjectedSnapshot,
    config: TelemetryConfig,
    *,
    project_root: Path | None = None,
    backends: Sequence[Backend] | None = None,
    stderr: TextIO | None = None,
) -> list[str]:
    """Hand ``snapshot`` (projected once more for ``config.audience``) to every backend.

    One failing backend never stops the others; failures are returned and
    printed as warnings, naming the backend only when the audience admits
    operator data. Under ``off`` no backend is constructed or contacted.
    """
    warn = _Warnings(stderr if stderr is not None else sys.stderr)
    _deliver(snapshot, config, project_root, backends, warn)
    return warn.lines


def _deliver(
    snapshot: ProjectedSnapshot,
    config: TelemetryConfig,
    project_root: Path | None,
    backends: Sequence[Backend] | None,
    warn: _Warnings,
) -> None:
    audience = config.audience
    if audience is TelemetryAudience.OFF:
        return
    payload = project(snapshot, audience)
    for outcome in flush_each(
        payload, config.backends, project_root=project_root, backends=backends
    ):
        if outcome.error is not None:
            _report(warn, audience, outcome.backend, outcome.error)


def _report(warn: _Warnings, audience: TelemetryAudience, name: str, detail: str) -> None:
    if audience.operator_enabled:
        warn(f"Warning: telemetry backend '{name}' flush failed: {detail}")
    else:
        warn("Warning: telemetry export failed")


def _snapshot_and_push(
    collector: TelemetryCollector,
    live_state: LiveTelemetryState | None,
    config: TelemetryConfig,
    warn: _Warnings,
) -> ProjectedSnapshot:
    projected = project(collector.snapshot(), config.audience)
    if live_state is not None:
        try:
            live_state.push_snapshot(projected)
        except TelemetryError as error:
            warn(f"Warning: telemetry history was not updated: {error}")
    return projected


def _decide(
    config: TelemetryConfig,
    sampled: bool,
    current_hash: int,
    previous_hash: int | None,
    rng: random.Random | None,
) -> SamplingDecision:
    if not sampled:
        return SamplingDecision.EMIT
    return should_sample(
        config.sampling_strategy, config.sampling_rate, current_hash, previous_hash, rng=rng
    )


def _save(
    project_root: Path,
    scope: str,
    *,
    fingerprints: frozenset[FindingFingerprint],
    current_hash: int,
    projected: ProjectedSnapshot,
    warn: _Warnings,
) -> None:
    state = ChurnState(
        fingerprints=fingerprints,
        findings_hash=current_hash,
        timestamp_ms=projected.timestamp_ms,
    )
    try:
        save_state(project_root, scope, state)
    except TelemetryError as error:
        warn(
            f"Warning: failed to persist telemetry churn state to {state_path(project_root)}: "
            f"{error}"
        )


def _flush(
    projected: ProjectedSnapshot,
    config: TelemetryConfig,
    *,
    decision: SamplingDecision,
    project_root: Path,
    backends: Sequence[Backend] | None,
    warn: _Warnings,
) -> None:
    """Sampling gates only operator-scoped output: a skipped run still delivers the user's data."""
    audience = config.audience
    if decision is SamplingDecision.SKIP:
        if not audience.user_enabled:
            return
        projected = project(projected, TelemetryAudience.USER_ONLY)
    record_emission(audience, project_root)
    _deliver(projected, config, project_root, backends, warn)
