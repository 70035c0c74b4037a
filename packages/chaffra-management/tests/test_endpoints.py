"""Current-value endpoints: the seeded oracle (spec §10.1) and each endpoint's edge cases."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pytest

from chaffra_management._current import grade
from chaffra_telemetry import (
    BackendConfig,
    BackendKind,
    LiveTelemetryState,
    MetricDataPoint,
    ModuleSummary,
    OperatorSummary,
    SamplingStrategy,
    TelemetryAudience,
    TelemetryConfig,
    TelemetrySnapshot,
    UserSummary,
    project,
    seed_live_state,
)

if TYPE_CHECKING:
    from starlette.testclient import TestClient

Client = Callable[..., "TestClient"]

ON, OFF = TelemetryAudience.ON, TelemetryAudience.OFF
USER, OPERATOR = TelemetryAudience.USER_ONLY, TelemetryAudience.OPERATOR_ONLY
NEWEST_SEED_TS = 1_718_000_000_000 + 11 * 54_000_000
UNREADABLE_NONE = {"name": "chaffra.store.unreadable_snapshots", "value": 0, "labels": {}}
CURRENT_ROUTES = (
    "/api/v1/metrics",
    "/api/v1/modules",
    "/api/v1/findings/summary",
    "/api/v1/findings/churn",
    "/api/v1/health",
)


def _state(*snapshots: TelemetrySnapshot) -> LiveTelemetryState:
    state = LiveTelemetryState()
    for snapshot in snapshots:
        state.push_snapshot(project(snapshot, ON))
    return state


def _point(name: str, value: float, **labels: str) -> MetricDataPoint:
    return MetricDataPoint(name=name, value=value, labels=labels, timestamp_ms=1)


def test_seeded_metrics_under_user_only_show_files_duration_and_only_user_points(
    make_client: Client,
) -> None:
    body = make_client(USER, seed_live_state()).get("/api/v1/metrics").json()
    assert (87, 1012) == (body["files_total"], body["analysis_duration_ms"])
    names = {p["name"] for p in body["data_points"]}
    assert "chaffra.module.call_duration_ms" not in names
    assert "chaffra.module.error_total" not in names
    assert "chaffra.analysis.findings_total" in names
    assert [] == body["backends"]
    assert NEWEST_SEED_TS == body["snapshot_timestamp_ms"]


def test_seeded_metrics_under_on_show_operator_points_and_configured_backends(
    make_client: Client,
) -> None:
    body = make_client(ON, seed_live_state()).get("/api/v1/metrics").json()
    names = {p["name"] for p in body["data_points"]}
    assert {"chaffra.module.call_duration_ms", "chaffra.module.error_total"} <= names
    assert [{"name": "json-file", "kind": "json-file", "connected": True, "message": "ok"}] == (
        body["backends"]
    )
    assert all(set(p) == {"name", "value", "labels"} for p in body["data_points"])


def test_operator_only_metrics_zero_the_user_summary_but_keep_operator_points(
    make_client: Client,
) -> None:
    body = make_client(OPERATOR, seed_live_state()).get("/api/v1/metrics").json()
    assert (0, 0) == (body["files_total"], body["analysis_duration_ms"])
    assert {"chaffra.module.call_duration_ms"} <= {p["name"] for p in body["data_points"]}
    assert "chaffra.analysis.findings_total" not in {p["name"] for p in body["data_points"]}
    assert 1 == len(body["backends"])


def test_seeded_modules_under_user_only_are_healthy_with_zero_duration(make_client: Client) -> None:
    rows = make_client(USER, seed_live_state()).get("/api/v1/modules").json()["modules"]
    assert ["complexity", "dead-code", "security"] == [r["id"] for r in rows]
    assert [8, 5, 5] == [r["finding_count"] for r in rows]
    assert {"healthy"} == {r["status"] for r in rows}
    assert {0} == {r["duration_ms"] for r in rows}
    assert [["analyze", "explain"]] * 3 == [r["capabilities"] for r in rows]


def test_seeded_modules_under_on_show_durations_and_the_security_error(make_client: Client) -> None:
    rows = make_client(ON, seed_live_state()).get("/api/v1/modules").json()["modules"]
    assert {"complexity": 95, "dead-code": 67, "security": 850} == {
        r["id"]: r["duration_ms"] for r in rows
    }
    assert {"complexity": "healthy", "dead-code": "healthy", "security": "error"} == {
        r["id"]: r["status"] for r in rows
    }


def test_operator_only_modules_come_from_the_operator_summary_without_finding_counts(
    make_client: Client,
) -> None:
    rows = make_client(OPERATOR, seed_live_state()).get("/api/v1/modules").json()["modules"]
    assert [
        {"id": "complexity", "status": "healthy", "finding_count": None, "duration_ms": 95},
        {"id": "dead-code", "status": "healthy", "finding_count": None, "duration_ms": 67},
        {"id": "security", "status": "error", "finding_count": None, "duration_ms": 850},
    ] == [{k: v for k, v in r.items() if k != "capabilities"} for r in rows]


def test_on_modules_include_a_module_known_only_to_the_operator_summary(
    make_client: Client,
) -> None:
    snapshot = TelemetrySnapshot(
        timestamp_ms=5,
        user_summary=UserSummary(module_summaries={"a": ModuleSummary(finding_count=2)}),
        operator_summary=OperatorSummary(
            module_call_durations={"b": 9}, module_error_counts={"c": 1}
        ),
    )
    rows = make_client(ON, _state(snapshot)).get("/api/v1/modules").json()["modules"]
    assert [("a", 2, 0, "healthy"), ("b", None, 9, "healthy"), ("c", None, 0, "error")] == [
        (r["id"], r["finding_count"], r["duration_ms"], r["status"]) for r in rows
    ]


@pytest.mark.parametrize("audience", [USER, ON])
def test_seeded_findings_summary_totals_eighteen(
    make_client: Client, audience: TelemetryAudience
) -> None:
    body = make_client(audience, seed_live_state()).get("/api/v1/findings/summary").json()
    assert {
        "total": 18,
        "by_module": {"complexity": 8, "dead-code": 5, "security": 5},
        "by_severity": {"error": 2, "info": 5, "warning": 11},
        "snapshot_timestamp_ms": NEWEST_SEED_TS,
    } == body


@pytest.mark.parametrize("audience", [USER, ON])
def test_seeded_churn_is_three_new_one_resolved_fifteen_unchanged(
    make_client: Client, audience: TelemetryAudience
) -> None:
    body = make_client(audience, seed_live_state()).get("/api/v1/findings/churn").json()
    assert (3, 1, 15) == (body["new_count"], body["resolved_count"], body["unchanged_count"])
    assert math.isclose(1 / 6, body["churn_rate"])
    assert body["compared"] is True


@pytest.mark.parametrize("audience", [USER, ON])
def test_seeded_health_is_78_point_3_grade_c(
    make_client: Client, audience: TelemetryAudience
) -> None:
    body = make_client(audience, seed_live_state()).get("/api/v1/health").json()
    assert math.isclose(235 / 3, body["score"])
    assert "C" == body["grade"]
    scores = [f["score"] for f in body["files"]]
    assert (50, sorted(scores)) == (len(scores), scores), "the 50 worst of the 87 demo files"


@pytest.mark.parametrize("audience", [OPERATOR, OFF])
def test_user_endpoints_are_zero_for_audiences_without_the_user_scope(
    make_client: Client, audience: TelemetryAudience
) -> None:
    client = make_client(audience, seed_live_state())
    summary = client.get("/api/v1/findings/summary").json()
    assert (0, {}, {}) == (summary["total"], summary["by_module"], summary["by_severity"])
    churn = client.get("/api/v1/findings/churn").json()
    assert (0, 0, 0, 0.0, False) == tuple(churn[k] for k in list(churn)[:5])
    health = client.get("/api/v1/health").json()
    assert (None, "\u2014", []) == (health["score"], health["grade"], health["files"])


@pytest.mark.parametrize("route", CURRENT_ROUTES)
def test_off_answers_every_current_endpoint_without_a_snapshot_timestamp(
    make_client: Client, route: str
) -> None:
    body = make_client(OFF, seed_live_state()).get(route).json()
    assert body["snapshot_timestamp_ms"] is None


def test_off_metrics_are_zeros_and_empty_lists(make_client: Client) -> None:
    body = make_client(OFF, seed_live_state()).get("/api/v1/metrics").json()
    assert {
        "files_total": 0,
        "analysis_duration_ms": 0,
        "data_points": [],
        "backends": [],
        "snapshot_timestamp_ms": None,
    } == body


def test_an_empty_state_still_reports_backends_to_operators(make_client: Client) -> None:
    body = make_client(ON).get("/api/v1/metrics").json()
    assert (0, 0, [UNREADABLE_NONE]) == (
        body["files_total"],
        body["analysis_duration_ms"],
        body["data_points"],
    )
    assert 1 == len(body["backends"])
    assert {"modules": [], "snapshot_timestamp_ms": None} == (
        make_client(ON).get("/api/v1/modules").json()
    )


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        (USER, {"audience": "user-only", "sampling_rate": None, "sampling_strategy": None}),
        (OFF, {"audience": "off", "sampling_rate": None, "sampling_strategy": None}),
        (ON, {"audience": "on", "sampling_rate": 1.0, "sampling_strategy": "rate"}),
        (
            OPERATOR,
            {"audience": "operator-only", "sampling_rate": 1.0, "sampling_strategy": "rate"},
        ),
    ],
)
def test_config_withholds_sampling_and_backends_without_the_operator_scope(
    make_client: Client, audience: TelemetryAudience, expected: Any
) -> None:
    body = make_client(audience).get("/api/v1/config").json()
    backends = ["json-file"] if audience.operator_enabled else []
    assert {**expected, "backends": backends} == body


def test_config_values_use_the_input_spelling_and_parse_back(make_client: Client) -> None:
    """Every emitted enum value is accepted by the config parser (Beyond 5)."""
    config = TelemetryConfig(
        audience=OPERATOR,
        backends=tuple(BackendConfig(kind=kind) for kind in BackendKind),
        sampling_rate=0.25,
        sampling_strategy=SamplingStrategy.ON_CHANGE,
    )
    body = make_client(config=config).get("/api/v1/config").json()
    assert ["json-file", "stderr", "prometheus", "otlp", "statsd", "cloudwatch"] == (
        body["backends"]
    )
    assert [*BackendKind] == [BackendKind.parse(kind) for kind in body["backends"]]
    assert OPERATOR is TelemetryAudience.parse(body["audience"])
    assert SamplingStrategy.ON_CHANGE is SamplingStrategy.parse(body["sampling_strategy"], key="k")
    assert 0.25 == body["sampling_rate"]


def test_status_reports_source_audience_count_and_newest_timestamp(make_client: Client) -> None:
    body = make_client(USER, seed_live_state()).get("/api/v1/status").json()
    assert {
        "source": "seeded",
        "audience": "user-only",
        "snapshot_count": 12,
        "unreadable_snapshots": 0,
        "newest_timestamp_ms": NEWEST_SEED_TS,
        "anchor_ms": NEWEST_SEED_TS,
    } == body


def test_status_under_off_reveals_nothing_about_the_state(make_client: Client) -> None:
    body = make_client(OFF, seed_live_state()).get("/api/v1/status").json()
    assert {
        "source": "empty",
        "audience": "off",
        "snapshot_count": 0,
        "unreadable_snapshots": 0,
        "newest_timestamp_ms": None,
        "anchor_ms": None,
    } == body


def test_a_real_push_into_the_seeded_state_is_what_every_endpoint_reflects(
    make_client: Client,
) -> None:
    state = seed_live_state()
    client = make_client(ON, state)
    snapshot = TelemetrySnapshot(
        timestamp_ms=1_000,
        data_points=(_point("chaffra.findings.new", 4.0),),
        user_summary=UserSummary(
            files_total=3,
            findings_by_module={"m": 4},
            findings_by_severity={"info": 4},
            module_summaries={"m": ModuleSummary(finding_count=4, duration_ms=2)},
        ),
    )
    state.push_snapshot(project(snapshot, ON))
    assert 3 == client.get("/api/v1/metrics").json()["files_total"]
    assert ["m"] == [r["id"] for r in client.get("/api/v1/modules").json()["modules"]]
    assert 4 == client.get("/api/v1/findings/summary").json()["total"]
    assert 4 == client.get("/api/v1/findings/churn").json()["new_count"]
    assert None is client.get("/api/v1/health").json()["score"]
    history = client.get("/api/v1/metrics/history").json()
    assert ("live", [1_000]) == (
        history["status"],
        [s["timestamp_ms"] for s in history["snapshots"]],
    )


def test_churn_counts_truncate_clamp_and_take_the_first_occurrence(make_client: Client) -> None:
    snapshot = TelemetrySnapshot(
        timestamp_ms=1,
        data_points=(
            _point("chaffra.findings.new", 2.9),
            _point("chaffra.findings.new", 7.0),
            _point("chaffra.findings.resolved", -3.0),
            _point("chaffra.findings.unchanged", math.nan),
            _point("chaffra.findings.churn_rate", math.inf),
        ),
    )
    body = make_client(ON, _state(snapshot)).get("/api/v1/findings/churn").json()
    assert {
        "new_count": 2,
        "resolved_count": 0,
        "unchanged_count": 0,
        "churn_rate": 0.0,
        "compared": True,
        "snapshot_timestamp_ms": 1,
    } == body


@pytest.mark.parametrize(
    ("points", "compared"),
    [
        pytest.param((), False, id="a run that compared nothing"),
        pytest.param((("chaffra.analysis.files_total", 3.0),), False, id="health-only run"),
        pytest.param(
            tuple(
                (f"chaffra.findings.{n}", 0.0)
                for n in ("new", "resolved", "unchanged", "churn_rate")
            ),
            True,
            id="a comparison where nothing changed",
        ),
        pytest.param((("chaffra.findings.resolved", 2.0),), True, id="one churn point"),
    ],
)
def test_churn_says_whether_the_run_compared_so_zero_means_no_change_only_when_it_did(
    make_client: Client, points: tuple[tuple[str, float], ...], compared: bool
) -> None:
    snapshot = TelemetrySnapshot(
        timestamp_ms=5, data_points=tuple(_point(name, value) for name, value in points)
    )
    body = make_client(ON, _state(snapshot)).get("/api/v1/findings/churn").json()
    assert compared is body["compared"]
    assert (0, 0) == (body["new_count"], body["unchanged_count"])


def test_churn_without_any_snapshot_has_not_compared(make_client: Client) -> None:
    body = make_client(ON, LiveTelemetryState()).get("/api/v1/findings/churn").json()
    assert (False, None) == (body["compared"], body["snapshot_timestamp_ms"])


def test_health_averages_only_finite_module_scores(make_client: Client) -> None:
    snapshot = TelemetrySnapshot(
        timestamp_ms=1,
        data_points=(
            _point("chaffra.module.a.health_score", 90.0),
            _point("chaffra.module.b.health_score", 70.0),
            _point("chaffra.module.c.health_score", math.nan),
            _point("chaffra.module.d.health_score", -math.inf),
            _point("chaffra.other.health_score", 0.0),
        ),
    )
    body = make_client(ON, _state(snapshot)).get("/api/v1/health").json()
    assert (80.0, "B") == (body["score"], body["grade"])


def test_non_finite_point_values_are_served_as_null(make_client: Client) -> None:
    snapshot = TelemetrySnapshot(
        timestamp_ms=1, data_points=(_point("x", math.nan), _point("y", math.inf))
    )
    response = make_client(ON, _state(snapshot)).get("/api/v1/metrics")
    assert 200 == response.status_code
    assert [None, None, 0] == [p["value"] for p in response.json()["data_points"]]
    assert b"NaN" not in response.content
    assert b"Infinity" not in response.content


@pytest.mark.parametrize(
    ("score", "expected"),
    [
        (None, "—"),
        (100.0, "A"),
        (90.0, "A"),
        (89.9, "B"),
        (80.0, "B"),
        (70.0, "C"),
        (60.0, "D"),
        (59.99, "F"),
        (0.0, "F"),
    ],
)
def test_grade_bands(score: float | None, expected: Any) -> None:
    assert expected == grade(score)


@pytest.mark.parametrize("route", [*CURRENT_ROUTES, "/api/v1/config", "/api/v1/status"])
def test_json_responses_carry_no_store_and_nosniff(make_client: Client, route: str) -> None:
    response = make_client().get(route)
    assert "application/json" == response.headers["content-type"]
    assert "no-store" == response.headers["cache-control"]
    assert "nosniff" == response.headers["x-content-type-options"]
    assert "access-control-allow-origin" not in response.headers


def test_unknown_query_parameters_are_ignored(make_client: Client) -> None:
    client = make_client(USER, seed_live_state())
    assert client.get("/api/v1/metrics").json() == client.get("/api/v1/metrics?x=1&x=2").json()
