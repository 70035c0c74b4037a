"""The ``telemetry`` analysis module and the parse-cache metrics helper."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from chaffra_telemetry._audience import TelemetryAudience
from chaffra_telemetry._cache_metrics import ParseCacheMetrics, register_cache_metrics
from chaffra_telemetry._catalog import CACHE_DEFINITIONS, OPERATOR
from chaffra_telemetry._churn import ChurnResult
from chaffra_telemetry._collector import TelemetryCollector
from chaffra_telemetry._config import BackendConfig, BackendKind, TelemetryConfig
from chaffra_telemetry._module import TelemetryFinding, TelemetryModule, probe_backend
from chaffra_telemetry._sampling import SamplingStrategy
from chaffra_telemetry.errors import ConfigError, UnknownRule


def _module(audience: TelemetryAudience, **config: object) -> TelemetryModule:
    collector = TelemetryCollector(TelemetryConfig(audience=audience, **config))  # type: ignore[arg-type]
    collector.set_files_total(4)
    collector.record_module_call("dead-code", 9, had_error=True)
    collector.record_module_findings("dead-code", 2, {"warning": 2})
    return TelemetryModule(collector)


def _rules(findings: list[TelemetryFinding]) -> list[str]:
    return [f.rule_id for f in findings]


def test_user_only_reports_only_the_projected_summary_and_churn() -> None:
    module = _module(TelemetryAudience.USER_ONLY)
    churn = ChurnResult(new=3, resolved=1, unchanged=5, churn_rate=0.375)
    findings = module.analyze(churn=churn)
    assert ["telemetry:metric-summary", "telemetry:finding-churn"] == _rules(findings)
    assert "Telemetry: 4 files, 2 data points, 0 spans" == findings[0].message
    summary = json.loads(findings[0].metadata["summary"])
    assert {"dead-code": {"duration_ms": 0, "finding_count": 2, "metrics": {}}} == summary[
        "module_summaries"
    ]
    assert "Finding churn: 3 new, 1 resolved, 5 unchanged (churn rate: 0.38)" == findings[1].message
    assert not any(name in f.message for f in findings for name in OPERATOR)


def test_operator_audiences_add_backend_and_sampling_status() -> None:
    module = _module(TelemetryAudience.OPERATOR_ONLY)
    findings = module.analyze(churn=ChurnResult(new=1, resolved=0, unchanged=0, churn_rate=1.0))
    assert [
        "telemetry:backend-status",
        "telemetry:sampling-status",
        "telemetry:metric-summary",
    ] == _rules(findings)
    assert "Sampling: rate strategy at 1.00 (100% of runs)" == findings[1].message
    assert "Telemetry: 0 files, 2 data points, 0 spans" == findings[2].message


def test_off_reports_nothing() -> None:
    assert [] == _module(TelemetryAudience.OFF).analyze()


def test_the_module_config_is_merged_fail_closed() -> None:
    module = _module(TelemetryAudience.USER_ONLY)
    with pytest.raises(ConfigError, match="audience"):
        module.analyze({"audience": "true"})
    findings = module.analyze({"sampling-strategy": "on-change", "audience": "on"})
    assert "Sampling: on-change strategy (emit only when findings change)" in [
        f.message for f in findings
    ]


def test_an_unusable_json_file_backend_is_a_warning(tmp_path: Path) -> None:
    missing = tmp_path / "nope" / "out.json"
    backend = BackendConfig(kind=BackendKind.JSON_FILE, path=str(missing))
    module = _module(TelemetryAudience.ON, backends=(backend,))
    finding = module.analyze()[0]
    assert "warning" == finding.severity
    assert {"backend": "json-file", "kind": "json-file", "connected": "false"} == dict(
        finding.metadata
    )
    assert f"directory does not exist: {missing.parent}" in finding.message


@pytest.mark.parametrize(
    ("backend", "connected", "message"),
    [
        (BackendConfig(kind=BackendKind.JSON_FILE), True, "will write to .chaffra/telemetry.json"),
        (
            BackendConfig(kind=BackendKind.JSON_FILE, path="no/such/dir/out.json"),
            False,
            "backend error: directory does not exist: no/such/dir",
        ),
        (BackendConfig(kind=BackendKind.STDERR), True, "stderr is always available"),
        (
            BackendConfig(kind=BackendKind.OTLP, endpoint="http://127.0.0.1:1"),
            False,
            "backend error: OTLP collector unreachable at http://127.0.0.1:1/v1/metrics",
        ),
    ],
)
def test_backend_status_comes_from_the_backends_own_probe(
    backend: BackendConfig, connected: bool, message: str
) -> None:
    status = probe_backend(backend)
    assert connected is status.connected
    assert status.message.startswith(message)


def test_every_rule_is_explainable_and_unknown_rules_are_errors() -> None:
    module = _module(TelemetryAudience.ON)
    assert 4 == len(module.rules)
    for rule in module.rules:
        assert rule == module.explain(rule.rule_id)
        assert "info" == rule.default_severity
    assert "audience-projected" in module.explain("metric-summary").description
    with pytest.raises(UnknownRule, match="nope"):
        module.explain("nope")
    assert [] == module.fix("telemetry:metric-summary")


def test_sampling_status_reports_the_configured_rate() -> None:
    module = _module(
        TelemetryAudience.ON, sampling_rate=0.1, sampling_strategy=SamplingStrategy.RATE
    )
    assert "Sampling: rate strategy at 0.10 (10% of runs)" in [f.message for f in module.analyze()]


def test_parse_cache_metrics_flush_five_points_and_keep_counting() -> None:
    collector = TelemetryCollector(TelemetryConfig(audience=TelemetryAudience.ON))
    register_cache_metrics(collector)
    metrics = ParseCacheMetrics()
    assert 0.0 == metrics.hit_rate()
    for _ in range(3):
        metrics.record_hit()
    metrics.record_miss()
    metrics.record_eviction()
    metrics.set_size_bytes(2048)
    metrics.flush_to_collector(collector)
    snapshot = collector.snapshot()
    assert [
        ("chaffra.parse.cache_hits", 3.0),
        ("chaffra.parse.cache_misses", 1.0),
        ("chaffra.parse.cache_hit_rate", 0.75),
        ("chaffra.parse.cache_size_bytes", 2048.0),
        ("chaffra.parse.cache_evictions", 1.0),
    ] == [(p.name, p.value) for p in snapshot.data_points]
    assert {d.name for d in CACHE_DEFINITIONS} <= set(snapshot.definitions)
    assert (3, 1, 1, 2048) == (metrics.hits, metrics.misses, metrics.evictions, metrics.size_bytes)


def test_parse_cache_counters_are_exact_under_concurrency() -> None:
    metrics = ParseCacheMetrics()
    start = threading.Barrier(4)

    def work() -> None:
        start.wait(timeout=10)
        for _ in range(1000):
            metrics.record_hit()
            metrics.record_miss()

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert (4000, 4000) == (metrics.hits, metrics.misses)
