"""How a user calls chaffra-telemetry: read by the type checker, never run."""

from __future__ import annotations

from pathlib import Path

from chaffra_telemetry import (
    ChurnState,
    ConfigError,
    FindingFingerprint,
    ProjectedSnapshot,
    SamplingDecision,
    TelemetryAudience,
    TelemetryCollector,
    TelemetryConfig,
    TelemetrySnapshot,
    compute_churn,
    hash_fingerprints,
    load_state,
    merge_config,
    project,
    project_lock,
    save_state,
    should_sample,
)
from chaffra_telemetry.testing import InMemoryCapture


def record_a_run(root: Path) -> ProjectedSnapshot:
    try:
        cli = TelemetryConfig.from_cli(telemetry="user-only")
        config = merge_config(cli, {"sampling-rate": 0.5}, project_root=root)
    except ConfigError as error:
        raise SystemExit(str(error)) from error
    collector = TelemetryCollector(config)
    collector.register_core_metrics()
    collector.record_module_call("dead-code", 12, had_error=False)
    collector.record_module_findings("dead-code", 1, {"warning": 1})
    current = frozenset({FindingFingerprint(rule_id="dead-code:unused", file="a.py", start_line=1)})
    collector.set_finding_fingerprints(current)
    with project_lock(root):
        previous = load_state(root, "dead-code")
        if previous is not None:
            collector.record_finding_churn(compute_churn(current, previous.fingerprints))
        snapshot: TelemetrySnapshot = collector.snapshot()
        decision: SamplingDecision = should_sample(
            config.sampling_strategy,
            config.sampling_rate,
            hash_fingerprints(current),
            previous.findings_hash if previous else None,
        )
        state = ChurnState(
            fingerprints=current,
            findings_hash=hash_fingerprints(current),
            timestamp_ms=snapshot.timestamp_ms,
        )
        save_state(root, "dead-code", state)
    projected = project(snapshot, config.audience)
    capture = InMemoryCapture()
    if decision is SamplingDecision.EMIT:
        capture.flush(projected)
    again: ProjectedSnapshot = project(projected, TelemetryAudience.OPERATOR_ONLY)
    return again


def write_a_project_file(root: Path, text: str) -> Path | None:
    """A tool writing its own file beside chaffra's goes through the same safety check."""
    from chaffra_telemetry import project_dir_problem, safe_project_dir
    from chaffra_telemetry.errors import UnsafeProjectDirectory

    problem: str | None = project_dir_problem(root)
    if problem is not None:
        return None
    try:
        directory: Path = safe_project_dir(root)
    except UnsafeProjectDirectory:
        return None
    target = directory / "my-tool.txt"
    target.write_text(text, encoding="utf-8")
    return target
