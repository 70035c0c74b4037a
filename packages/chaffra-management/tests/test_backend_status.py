"""Backend statuses: redaction of credentials and the 10 s cache."""

from __future__ import annotations

import pytest

from chaffra_management._backend_status import BackendStatusCache, redact
from chaffra_telemetry import BackendConfig, BackendKind, BackendStatus, TelemetryConfig


def _config(*backends: BackendConfig) -> TelemetryConfig:
    return TelemetryConfig(backends=backends)


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("at https://u:pw@h:1/p?token=x#f now", "at https://h:1/p now"),
        ("api_key=abc123 and password: hunter2", "api_key=[redacted] and password: [redacted]"),
        ("plain message", "plain message"),
        ("Authorization=Bearer", "Authorization=[redacted]"),
    ],
)
def test_redact_removes_userinfo_queries_and_credential_pairs(message: str, expected: str) -> None:
    assert expected == redact(message, _config())


def test_redact_replaces_configured_endpoints_and_option_values_wherever_quoted() -> None:
    config = _config(
        BackendConfig(kind=BackendKind.STATSD, endpoint="user:pw123@host:8125?x=1"),
        BackendConfig(kind=BackendKind.OTLP, endpoint="http://h:4318/v1"),
        BackendConfig(kind=BackendKind.CLOUDWATCH, options={"namespace": "ns-secret", "n": "9"}),
    )
    message = 'endpoint = "user:pw123@host:8125?x=1"; namespace ns-secret; http://h:4318/v1; 9'
    assert 'endpoint = "host:8125"; namespace [redacted]; http://h:4318/v1; 9' == redact(
        message, config
    )


def test_statuses_are_cached_for_the_ttl_then_probed_again() -> None:
    now = [0.0]
    calls: list[int] = []

    def probe(config: TelemetryConfig) -> list[BackendStatus]:
        calls.append(1)
        return [BackendStatus(name="n", kind="stderr", connected=True, message=f"#{len(calls)}")]

    cache = BackendStatusCache(_config(), probe, ttl_s=10.0, clock=lambda: now[0])
    assert "#1" == cache.statuses()[0].message
    now[0] = 9.9
    assert "#1" == cache.statuses()[0].message
    now[0] = 10.0
    assert "#2" == cache.statuses()[0].message
    assert 2 == len(calls)


def test_a_probe_returning_something_else_is_a_type_error() -> None:
    cache = BackendStatusCache(_config(), lambda config: ["connected"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="BackendStatus"):
        cache.statuses()
