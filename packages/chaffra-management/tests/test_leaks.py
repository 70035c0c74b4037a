"""The canary leak test (spec §10.2): every endpoint and every audience, on raw response bytes."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest

from chaffra_telemetry import (
    BackendConfig,
    BackendKind,
    LiveTelemetryState,
    MetricDataPoint,
    MetricDefinition,
    MetricKind,
    ModuleSummary,
    OperatorSummary,
    Provenance,
    SpanData,
    TelemetryAudience,
    TelemetryConfig,
    TelemetrySnapshot,
    UserSummary,
    project,
)
from chaffra_telemetry.report import (
    ContributorKind,
    ReportContributor,
    ReportFile,
    ReportFinding,
    ReportFunction,
    ReportHealth,
    RunReport,
)

if TYPE_CHECKING:
    from starlette.testclient import TestClient

Client = Callable[..., "TestClient"]

# Operator-only places.
TIMING_ONLY_MODULE = "opmodcanaryO1"
ERROR_MODULE = "operrcanaryO2"
SPAN_NAME = "SPANCANARYO3"
SPAN_ATTRIBUTE = "SPANATTRCANARYO4"
OPERATOR_LABEL = "OPLABELCANARYO5"
OPERATOR_DEFINITION = "OPDEFCANARYO6"
OPERATOR_SENTINELS = (
    TIMING_ONLY_MODULE,
    ERROR_MODULE,
    SPAN_NAME,
    SPAN_ATTRIBUTE,
    OPERATOR_LABEL,
    OPERATOR_DEFINITION,
)
# Visible only under ``on``: unclassified names and untrusted (plugin) data.
UNCLASSIFIED_NAME = "custom.UNCLASSIFIEDCANARYX1"
UNTRUSTED_LABEL = "UNTRUSTEDCANARYX2"
UNTRUSTED_SPAN = "UNTRUSTEDSPANCANARYX3"
ON_ONLY_SENTINELS = ("UNCLASSIFIEDCANARYX1", UNTRUSTED_LABEL, UNTRUSTED_SPAN)
# User places.
USER_MODULE = "usermodcanaryU1"
USER_METRIC_KEY = "keycanaryU2"
USER_SEVERITY = "SEVCANARYU3"
USER_LABEL = "USERLABELCANARYU4"
USER_DEFINITION = "USERDEFCANARYU5"
# The run report's user places: paths, symbols, messages, rules, contributor details.
REPORT_FILE = "pkg/REPORTFILECANARYU6.py"
REPORT_SYMBOL = "REPORTSYMBOLCANARYU7"
REPORT_MESSAGE = "REPORTMESSAGECANARYU8"
REPORT_RULE = "security:REPORTRULECANARYU9"
REPORT_DETAIL = "REPORTDETAILCANARYU10"
REPORT_FUNCTION = "REPORTFUNCTIONCANARYU11"
REPORT_SENTINELS = (
    "REPORTFILECANARYU6",
    REPORT_SYMBOL,
    REPORT_MESSAGE,
    "REPORTRULECANARYU9",
    REPORT_DETAIL,
    REPORT_FUNCTION,
)
USER_SENTINELS = (
    USER_MODULE,
    USER_METRIC_KEY,
    USER_SEVERITY,
    USER_LABEL,
    USER_DEFINITION,
    *REPORT_SENTINELS,
)
# In the backend configuration only.
CREDENTIAL = "CREDCANARYPW"
QUERY_CREDENTIAL = "CREDCANARYQ"

ROUTES = (
    "/api/v1/",
    "/api/v1/metrics",
    "/api/v1/metrics/history",
    "/api/v1/metrics/history?window=1h&fields=summary",
    f"/api/v1/metrics/history?module={TIMING_ONLY_MODULE}",
    f"/api/v1/metrics/history?module={USER_MODULE}",
    f"/api/v1/metrics/history?metric={UNCLASSIFIED_NAME}",
    "/api/v1/metrics/history?window=30d",
    "/api/v1/modules",
    "/api/v1/findings/summary",
    "/api/v1/findings/churn",
    "/api/v1/health",
    "/api/v1/config",
    "/api/v1/status",
    "/api/v1/openapi.json",
    "/api/v1/nope",
    "/api/v1/files",
    "/api/v1/files?q=REPORTFILE&sort=lines",
    "/api/v1/functions",
    f"/api/v1/functions?file={REPORT_FILE}",
    "/api/v1/findings",
    f"/api/v1/findings?rule={REPORT_RULE}&severity=error&new=true",
    f"/api/v1/file?path={REPORT_FILE}",
    "/api/v1/files?limit=0",
    "/badge.svg",
)


def _canary_snapshot(timestamp_ms: int) -> TelemetrySnapshot:
    def point(name: str, value: float = 1.0, **labels: str) -> MetricDataPoint:
        return MetricDataPoint(name=name, value=value, labels=labels, timestamp_ms=timestamp_ms)

    return TelemetrySnapshot(
        timestamp_ms=timestamp_ms,
        definitions={
            "chaffra.module.call_duration_ms": MetricDefinition(
                name="chaffra.module.call_duration_ms",
                kind=MetricKind.HISTOGRAM,
                description=OPERATOR_DEFINITION,
                unit="ms",
            ),
            "chaffra.analysis.findings_total": MetricDefinition(
                name="chaffra.analysis.findings_total",
                kind=MetricKind.COUNTER,
                description=USER_DEFINITION,
                unit="count",
            ),
        },
        data_points=(
            point("chaffra.module.call_duration_ms", 12.0, module=OPERATOR_LABEL),
            point("chaffra.module.error_total", 1.0, module=ERROR_MODULE),
            point(UNCLASSIFIED_NAME, 3.0),
            MetricDataPoint(
                name="chaffra.analysis.findings_total",
                value=9.0,
                labels={"plugin": UNTRUSTED_LABEL},
                timestamp_ms=timestamp_ms,
                provenance=Provenance.UNTRUSTED,
            ),
            point("chaffra.analysis.findings_total", 3.0, module=USER_LABEL),
            point(f"chaffra.module.{USER_MODULE}.health_score", 75.0, module=USER_MODULE),
            point("chaffra.findings.new", 2.0),
        ),
        spans=(
            SpanData(
                name=SPAN_NAME,
                trace_id="t",
                span_id="s",
                start_time_ms=1,
                end_time_ms=2,
                attributes={"detail": SPAN_ATTRIBUTE},
            ),
            SpanData(
                name=UNTRUSTED_SPAN,
                trace_id="t",
                span_id="u",
                start_time_ms=1,
                end_time_ms=2,
                provenance=Provenance.UNTRUSTED,
            ),
        ),
        user_summary=UserSummary(
            analysis_duration_ms=40,
            files_total=4,
            findings_by_severity={USER_SEVERITY: 3},
            findings_by_module={USER_MODULE: 3, TIMING_ONLY_MODULE: 0},
            module_summaries={
                USER_MODULE: ModuleSummary(
                    duration_ms=33, finding_count=3, metrics={USER_METRIC_KEY: 75.0}
                ),
                TIMING_ONLY_MODULE: ModuleSummary(duration_ms=7),
            },
        ),
        operator_summary=OperatorSummary(
            module_call_durations={TIMING_ONLY_MODULE: 7},
            module_error_counts={ERROR_MODULE: 1},
        ),
    )


def _canary_report(timestamp_ms: int) -> RunReport:
    return RunReport(
        run_id=f"run{timestamp_ms}",
        timestamp_ms=timestamp_ms,
        command="health",
        health=ReportHealth(
            score=50.0,
            grade="F",
            model=2,
            contributors=(
                ReportContributor(
                    kind=ContributorKind.FILE, file=REPORT_FILE, cost=9.0, detail=REPORT_DETAIL
                ),
            ),
        ),
        files=(ReportFile(file=REPORT_FILE, lines=10, score=50.0, grade="F", functions=1),),
        functions=(
            ReportFunction(
                file=REPORT_FILE,
                name=REPORT_FUNCTION,
                line=1,
                end_line=9,
                cyclomatic=9,
                cognitive=9,
                lines=9,
                max_nesting=1,
            ),
        ),
        findings=(
            ReportFinding(
                fingerprint="f",
                module="security",
                rule_id=REPORT_RULE,
                severity="error",
                file=REPORT_FILE,
                line=1,
                column=0,
                symbol=REPORT_SYMBOL,
                message=REPORT_MESSAGE,
                new=True,
            ),
        ),
    )


def _canary_state() -> LiveTelemetryState:
    state = LiveTelemetryState()
    for timestamp in (1_000, 2_000):
        state.push_snapshot(project(_canary_snapshot(timestamp), TelemetryAudience.ON))
        state.push_report(_canary_report(timestamp), audience=TelemetryAudience.ON)
    return state


def _canary_config(audience: TelemetryAudience) -> TelemetryConfig:
    endpoint = f"http://user:{CREDENTIAL}@127.0.0.1:1/v1/metrics?token={QUERY_CREDENTIAL}"
    return TelemetryConfig(
        audience=audience,
        backends=(
            BackendConfig(kind=BackendKind.OTLP, endpoint=endpoint),
            BackendConfig(kind=BackendKind.STATSD, endpoint=f"u:{CREDENTIAL}@127.0.0.1:8125"),
            BackendConfig(kind=BackendKind.PROMETHEUS, options={"port": CREDENTIAL}),
        ),
    )


def _bodies(make_client: Client, audience: TelemetryAudience) -> dict[str, str]:
    # The default backend probe runs: probe messages quote endpoints and errors.
    client = make_client(
        config=_canary_config(audience), live_state=_canary_state(), backend_status=None
    )
    return {route: client.get(route).text for route in ROUTES}


def _leaks(bodies: dict[str, str], sentinels: tuple[str, ...]) -> list[tuple[str, str]]:
    return [(route, s) for route, body in bodies.items() for s in sentinels if s in body]


@pytest.mark.parametrize("audience", list(TelemetryAudience))
def test_the_backend_credential_never_appears_under_any_audience(
    make_client: Client, audience: TelemetryAudience
) -> None:
    assert [] == _leaks(_bodies(make_client, audience), (CREDENTIAL, QUERY_CREDENTIAL))


def test_user_only_responses_contain_no_operator_or_unclassified_sentinel(
    make_client: Client,
) -> None:
    bodies = _bodies(make_client, TelemetryAudience.USER_ONLY)
    assert [] == _leaks(bodies, OPERATOR_SENTINELS + ON_ONLY_SENTINELS)
    assert [] != _leaks(bodies, USER_SENTINELS), "the canary must carry user data"


def test_operator_only_responses_contain_no_user_or_unclassified_sentinel(
    make_client: Client,
) -> None:
    bodies = _bodies(make_client, TelemetryAudience.OPERATOR_ONLY)
    assert [] == _leaks(bodies, USER_SENTINELS + ON_ONLY_SENTINELS)
    assert [] != _leaks(bodies, OPERATOR_SENTINELS), "the canary must carry operator data"


def test_off_responses_contain_no_sentinel_at_all(make_client: Client) -> None:
    bodies = _bodies(make_client, TelemetryAudience.OFF)
    assert [] == _leaks(bodies, OPERATOR_SENTINELS + ON_ONLY_SENTINELS + USER_SENTINELS)


def test_on_responses_carry_every_data_sentinel(make_client: Client) -> None:
    text = "".join(_bodies(make_client, TelemetryAudience.ON).values())
    assert [] == [
        s for s in OPERATOR_SENTINELS + ON_ONLY_SENTINELS + USER_SENTINELS if s not in text
    ]


def test_operator_backend_statuses_keep_the_endpoint_host_but_not_its_credentials(
    make_client: Client,
) -> None:
    body = _bodies(make_client, TelemetryAudience.ON)["/api/v1/metrics"]
    assert "127.0.0.1" in body
    assert "otlp" in body
    assert "statsd" in body
    assert "prometheus" in body
