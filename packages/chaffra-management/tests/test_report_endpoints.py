"""The report endpoints: /files, /functions, /findings, /file, /health's rows and /badge.svg."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import attrs
import pytest

from chaffra_telemetry import TelemetryAudience, TelemetrySnapshot, project
from chaffra_telemetry.report import (
    ContributorKind,
    ReportContributor,
    ReportFile,
    ReportFinding,
    ReportFunction,
    ReportHealth,
    RunReport,
)
from chaffra_telemetry.store import LiveTelemetryState

if TYPE_CHECKING:
    from starlette.testclient import TestClient

Client = Callable[..., "TestClient"]
ON, USER, OPERATOR, OFF = (
    TelemetryAudience.ON,
    TelemetryAudience.USER_ONLY,
    TelemetryAudience.OPERATOR_ONLY,
    TelemetryAudience.OFF,
)


def _function(file: str, name: str, line: int, cognitive: int, cyclomatic: int) -> ReportFunction:
    return ReportFunction(
        file=file,
        name=name,
        line=line,
        end_line=line + 9,
        cyclomatic=cyclomatic,
        cognitive=cognitive,
        lines=10 + cognitive,
        max_nesting=2,
    )


def _finding(fingerprint: str, severity: str, file: str, line: int, **kw: Any) -> ReportFinding:
    values: dict[str, Any] = {
        "module": "complexity",
        "rule_id": "complexity:high-cognitive",
        "column": 4,
        "symbol": None,
        "message": f"message {fingerprint}",
        "new": False,
    }
    values.update(kw)
    return ReportFinding(fingerprint=fingerprint, severity=severity, file=file, line=line, **values)


def _report(timestamp_ms: int = 3_000, shift: float = 0.0) -> RunReport:
    return RunReport(
        run_id=f"run{timestamp_ms}",
        timestamp_ms=timestamp_ms,
        command="health",
        health=ReportHealth(
            score=71.25,
            grade="C",
            model=2,
            contributors=(
                ReportContributor(
                    kind=ContributorKind.FUNCTION,
                    file="pkg/big.py",
                    symbol="Big.run",
                    cost=12.5,
                    detail="cognitive 38 in a 2,140-line file",
                ),
            ),
            total_files=4,
            unscored_files=1,
        ),
        files=(
            ReportFile(
                file="pkg/big.py",
                lines=2140,
                score=40.0 + shift,
                grade="F",
                functions=2,
                findings={"error": 1, "warning": 2},
            ),
            ReportFile(file="pkg/small.py", lines=12, score=99.0, grade="A", functions=1),
            ReportFile(file="pkg/mid.py", lines=300, score=75.0, grade="C", findings={"info": 1}),
            ReportFile(file="pkg/broken.py", lines=5),
        ),
        functions=(
            _function("pkg/big.py", "Big.run", 10, 38, 20),
            _function("pkg/big.py", "helper", 400, 3, 9),
            _function("pkg/small.py", "tiny", 1, 0, 1),
        ),
        findings=(
            _finding("f1", "warning", "pkg/big.py", 10, symbol="Big.run", new=True),
            _finding(
                "f2", "error", "pkg/big.py", 50, module="security", rule_id="security:sql-injection"
            ),
            _finding("f3", "warning", "pkg/big.py", 400, module="dead-code", rule_id="dead-code:x"),
            _finding("f4", "info", "pkg/mid.py", 7),
        ),
    )


def _state(*reports: RunReport, audience: TelemetryAudience = ON) -> LiveTelemetryState:
    state = LiveTelemetryState()
    for report in reports or (_report(),):
        state.push_snapshot(project(TelemetrySnapshot(timestamp_ms=report.timestamp_ms), audience))
        state.push_report(report, audience=audience)
    return state


def _get(client: TestClient, url: str) -> Any:
    response = client.get(url)
    assert 200 == response.status_code, response.text
    return response.json()


def test_files_come_worst_first_with_unscored_ones_last_and_a_trend_per_file(
    make_client: Client,
) -> None:
    client = make_client(USER, _state(_report(1_000, 10.0), _report(2_000, 5.0), _report()))
    body = _get(client, "/api/v1/files")
    assert {"id": "run3000", "timestamp_ms": 3_000, "source": "live"} == body["run"]
    assert (4, 50, 0) == (body["total"], body["limit"], body["offset"])
    assert ["pkg/big.py", "pkg/mid.py", "pkg/small.py", "pkg/broken.py"] == [
        item["file"] for item in body["items"]
    ]
    big = body["items"][0]
    assert {
        "file": "pkg/big.py",
        "lines": 2140,
        "score": 40.0,
        "grade": "F",
        "functions": 2,
        "findings": {"error": 1, "warning": 2, "info": 0},
        "trend": [50.0, 45.0, 40.0],
    } == big
    assert [] == body["items"][3]["trend"]
    assert None is body["items"][3]["score"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("sort=lines", ["pkg/big.py", "pkg/mid.py", "pkg/small.py", "pkg/broken.py"]),
        ("sort=lines&order=asc", ["pkg/broken.py", "pkg/small.py", "pkg/mid.py", "pkg/big.py"]),
        ("sort=findings", ["pkg/big.py", "pkg/mid.py", "pkg/broken.py", "pkg/small.py"]),
        ("sort=file", ["pkg/big.py", "pkg/broken.py", "pkg/mid.py", "pkg/small.py"]),
        ("sort=score&order=desc", ["pkg/small.py", "pkg/mid.py", "pkg/big.py", "pkg/broken.py"]),
        ("q=m", ["pkg/mid.py", "pkg/small.py"]),
        ("q=", ["pkg/big.py", "pkg/mid.py", "pkg/small.py", "pkg/broken.py"]),
        ("limit=2&offset=1", ["pkg/mid.py", "pkg/small.py"]),
        ("offset=9", []),
    ],
)
def test_files_sort_filter_and_page(make_client: Client, query: str, expected: list[str]) -> None:
    body = _get(make_client(USER, _state()), f"/api/v1/files?{query}")
    assert expected == [item["file"] for item in body["items"]]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["Big.run", "helper", "tiny"]),
        ("sort=cyclomatic&order=asc", ["tiny", "helper", "Big.run"]),
        ("sort=lines", ["Big.run", "helper", "tiny"]),
        ("sort=file", ["Big.run", "helper", "tiny"]),
        ("file=pkg/small.py", ["tiny"]),
        ("file=pkg", []),
    ],
)
def test_functions_come_most_complex_first_and_filter_by_exact_file(
    make_client: Client, query: str, expected: list[str]
) -> None:
    body = _get(make_client(USER, _state()), f"/api/v1/functions?{query}")
    assert expected == [item["name"] for item in body["items"]]
    assert len(expected) == body["total"]


def test_a_function_item_has_exactly_the_documented_fields(make_client: Client) -> None:
    (item, *_) = _get(make_client(USER, _state()), "/api/v1/functions")["items"]
    assert {
        "file": "pkg/big.py",
        "name": "Big.run",
        "line": 10,
        "end_line": 19,
        "cyclomatic": 20,
        "cognitive": 38,
        "lines": 48,
        "max_nesting": 2,
    } == item


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("", ["f2", "f1", "f3", "f4"]),
        ("order=asc", ["f4", "f1", "f3", "f2"]),
        ("sort=rule", ["f1", "f4", "f3", "f2"]),
        ("sort=file&order=desc", ["f4", "f1", "f2", "f3"]),
        ("severity=warning", ["f1", "f3"]),
        ("module=security", ["f2"]),
        ("rule=dead-code:x", ["f3"]),
        ("file=pkg/mid.py", ["f4"]),
        ("new=true", ["f1"]),
        ("new=false&severity=warning", ["f3"]),
    ],
)
def test_findings_filter_and_sort_and_their_facets_count_the_whole_report(
    make_client: Client, query: str, expected: list[str]
) -> None:
    body = _get(make_client(USER, _state()), f"/api/v1/findings?{query}")
    assert expected == [item["fingerprint"] for item in body["items"]]
    assert {
        "module": {"complexity": 2, "dead-code": 1, "security": 1},
        "severity": {"error": 1, "info": 1, "warning": 2},
        "rule": {"complexity:high-cognitive": 2, "dead-code:x": 1, "security:sql-injection": 1},
    } == body["facets"]


def test_one_file_has_its_row_functions_findings_and_trend(make_client: Client) -> None:
    client = make_client(USER, _state(_report(1_000, 10.0), _report()))
    body = _get(client, "/api/v1/file?path=pkg/big.py")
    assert "run3000" == body["run"]["id"]
    assert [50.0, 40.0] == body["file"]["trend"]
    assert [{"timestamp_ms": 1_000, "score": 50.0}, {"timestamp_ms": 3_000, "score": 40.0}] == (
        body["trend"]
    )
    assert ["Big.run", "helper"] == [f["name"] for f in body["functions"]]
    assert ["f1", "f2", "f3"] == [f["fingerprint"] for f in body["findings"]]
    missing = client.get("/api/v1/file?path=pkg/nope.py")
    assert (404, {"error": "The newest report has no such file."}) == (
        missing.status_code,
        missing.json(),
    )


def test_health_lists_scored_files_worst_first_and_the_contributors(make_client: Client) -> None:
    body = _get(make_client(USER, _state()), "/api/v1/health")
    assert (71.25, "C", 2, 4, 1) == (
        body["score"],
        body["grade"],
        body["model"],
        body["total_files"],
        body["unscored_files"],
    )
    assert [
        {"file": "pkg/big.py", "score": 40.0, "grade": "F", "lines": 2140},
        {"file": "pkg/mid.py", "score": 75.0, "grade": "C", "lines": 300},
        {"file": "pkg/small.py", "score": 99.0, "grade": "A", "lines": 12},
    ] == body["files"]
    assert [
        {
            "kind": "function",
            "file": "pkg/big.py",
            "symbol": "Big.run",
            "rule_id": None,
            "cost": 12.5,
            "detail": "cognitive 38 in a 2,140-line file",
        }
    ] == body["contributors"]
    assert 3_000 == body["snapshot_timestamp_ms"]


def test_without_a_report_health_keeps_the_snapshot_mean_and_empty_rows(
    make_client: Client,
) -> None:
    body = _get(make_client(USER), "/api/v1/health")
    assert {
        "score": None,
        "grade": "\u2014",
        "files": [],
        "contributors": [],
        "model": 0,
        "total_files": 0,
        "unscored_files": 0,
        "snapshot_timestamp_ms": None,
    } == body


def test_the_badge_shows_the_score_and_grade_or_not_graded(make_client: Client) -> None:
    graded = make_client(USER, _state()).get("/badge.svg")
    assert "image/svg+xml" == graded.headers["content-type"].split(";")[0]
    assert "chaffra health: 71.2 (C)" in graded.text
    assert "#dfb317" in graded.text
    ungraded = make_client(USER).get("/badge.svg").text
    assert "chaffra health: not graded" in ungraded
    assert "#9f9f9f" in ungraded


@pytest.mark.parametrize("audience", [OPERATOR, OFF])
@pytest.mark.parametrize(
    "route", ["/api/v1/files", "/api/v1/functions", "/api/v1/findings?severity=error"]
)
def test_without_the_user_scope_every_list_is_empty_with_no_run(
    make_client: Client, audience: TelemetryAudience, route: str
) -> None:
    body = _get(make_client(audience, _state()), route)
    assert (None, 0, []) == (body["run"], body["total"], body["items"])


@pytest.mark.parametrize("audience", [OPERATOR, OFF])
def test_without_the_user_scope_a_file_is_empty_and_the_facets_too(
    make_client: Client, audience: TelemetryAudience
) -> None:
    client = make_client(audience, _state())
    assert {"run": None, "file": None, "functions": [], "findings": [], "trend": []} == _get(
        client, "/api/v1/file?path=pkg/big.py"
    )
    facets = _get(client, "/api/v1/findings")["facets"]
    assert {"module": {}, "severity": {}, "rule": {}} == facets


def test_a_report_captured_under_user_only_is_served_to_on_readers(make_client: Client) -> None:
    body = _get(make_client(ON, _state(audience=USER)), "/api/v1/files")
    assert 4 == body["total"]


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("/api/v1/files?limit=0", "limit must be an integer from 1 to 500, got 0"),
        ("/api/v1/files?limit=501", "limit must be an integer from 1 to 500, got 501"),
        ("/api/v1/files?limit=ten", "limit must be an integer from 1 to 500, got 'ten'"),
        ("/api/v1/files?limit=1&limit=2", "limit may be given at most once"),
        ("/api/v1/files?offset=-1", "offset must be an integer from 0 to 2147483647, got '-1'"),
        (
            "/api/v1/files?offset=2147483648",
            "offset must be an integer from 0 to 2147483647, got 2147483648",
        ),
        (
            "/api/v1/files?offset=99999999999",
            "offset must be an integer from 0 to 2147483647, got '9999",
        ),
        ("/api/v1/files?sort=size", "sort must be one of score, lines, findings, file, got 'size'"),
        ("/api/v1/functions?order=up", "order must be one of asc, desc, got 'up'"),
        ("/api/v1/functions?file=", "file must not be empty, got ''"),
        ("/api/v1/findings?severity=fatal", "severity must be one of error, warning, info"),
        ("/api/v1/findings?new=1", "new must be true or false, got '1'"),
        ("/api/v1/findings?module=", "module must not be empty"),
        ("/api/v1/file", "path is required"),
        ("/api/v1/file?path=", "path is required"),
        ("/api/v1/file?path=a&path=b", "path may be given at most once"),
    ],
)
@pytest.mark.parametrize("audience", [USER, OFF])
def test_a_bad_query_parameter_is_a_400_naming_it_whatever_the_audience(
    make_client: Client, audience: TelemetryAudience, url: str, message: str
) -> None:
    response = make_client(audience, _state()).get(url)
    assert 400 == response.status_code
    assert list(response.json()) == ["error"]
    assert response.json()["error"].startswith(message)


def test_a_long_rejected_value_is_echoed_truncated(make_client: Client) -> None:
    response = make_client(USER).get("/api/v1/files?sort=" + "x" * 500)
    assert 400 == response.status_code
    assert len(response.json()["error"]) < 150


def test_unknown_query_parameters_are_ignored(make_client: Client) -> None:
    assert 4 == _get(make_client(USER, _state()), "/api/v1/files?colour=red")["total"]


def test_a_new_report_replaces_the_rows_served(make_client: Client) -> None:
    state = _state()
    client = make_client(USER, state)
    assert 4 == _get(client, "/api/v1/files")["total"]
    newer = attrs.evolve(_report(4_000), files=_report().files[:1])
    state.push_report(newer, audience=ON)
    body = _get(client, "/api/v1/files")
    assert ("run4000", 1) == (body["run"]["id"], body["total"])


def test_a_seeded_report_is_labelled_seeded(make_client: Client) -> None:
    state = LiveTelemetryState()
    state.push_seeded_report(_report(), audience=ON)
    assert "seeded" == _get(make_client(USER, state), "/api/v1/functions")["run"]["source"]


def test_non_finite_scores_are_served_as_null(make_client: Client) -> None:
    nan = float("nan")
    report = attrs.evolve(
        _report(),
        health=ReportHealth(score=nan),
        files=(ReportFile(file="a.py", lines=1, score=nan),),
    )
    client = make_client(USER, _state(report))
    assert None is _get(client, "/api/v1/health")["score"]
    assert None is _get(client, "/api/v1/files")["items"][0]["score"]
