"""Which runs the report views show: the newest scores, and each analyzer's newest findings."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from chaffra_telemetry import TelemetryAudience, TelemetrySnapshot, project
from chaffra_telemetry.report import ReportFile, ReportFinding, ReportHealth, RunReport
from chaffra_telemetry.store import LiveTelemetryState

if TYPE_CHECKING:
    from starlette.testclient import TestClient

Client = Callable[..., "TestClient"]
USER = TelemetryAudience.USER_ONLY


def _finding(fingerprint: str, module: str, file: str, severity: str = "warning") -> ReportFinding:
    return ReportFinding(
        fingerprint=fingerprint,
        module=module,
        rule_id=f"{module}:rule",
        severity=severity,
        file=file,
        line=1,
        column=0,
        symbol=fingerprint,
        message=f"message {fingerprint}",
    )


def _report(
    timestamp_ms: int, command: str, *findings: ReportFinding, score: float | None = None
) -> RunReport:
    scored = score is not None
    return RunReport(
        run_id=f"{command}-{timestamp_ms}",
        timestamp_ms=timestamp_ms,
        command=command,
        health=ReportHealth(score=score, grade="C" if scored else "\u2014", model=2 * scored),
        files=(
            ReportFile(file="a.py", lines=100, score=score, grade="C" if scored else "\u2014"),
            ReportFile(file="b.py", lines=10, score=score, grade="C" if scored else "\u2014"),
        ),
        findings=findings,
    )


FULL = (
    _finding("cx", "complexity", "a.py", "error"),
    _finding("dc-old", "dead-code", "a.py"),
    _finding("sec-old", "security", "b.py"),
)


def _client(make_client: Client, *reports: RunReport) -> TestClient:
    state = LiveTelemetryState()
    for report in reports:
        state.push_snapshot(project(TelemetrySnapshot(timestamp_ms=report.timestamp_ms), USER))
        state.push_report(report, audience=USER)
    return make_client(USER, state)


def _views(client: TestClient) -> dict[str, Any]:
    return {
        "health": client.get("/api/v1/health").json(),
        "files": client.get("/api/v1/files").json(),
        "findings": client.get("/api/v1/findings").json(),
    }


def _fingerprints(views: dict[str, Any]) -> list[str]:
    return sorted(item["fingerprint"] for item in views["findings"]["items"])


def test_a_dead_code_run_keeps_the_scored_runs_scores_and_replaces_only_dead_code_findings(
    make_client: Client,
) -> None:
    views = _views(
        _client(
            make_client,
            _report(1_000, "health", *FULL, score=71.0),
            _report(2_000, "dead-code", _finding("dc-new", "dead-code", "b.py")),
        )
    )
    assert (71.0, "C") == (views["health"]["score"], views["health"]["grade"])
    assert "health-1000" == views["files"]["run"]["id"]
    assert [71.0, 71.0] == [item["score"] for item in views["files"]["items"]]
    assert "dead-code-2000" == views["findings"]["run"]["id"]
    assert ["cx", "dc-new", "sec-old"] == _fingerprints(views)
    assert {"complexity": 1, "dead-code": 1, "security": 1} == views["findings"]["facets"]["module"]
    counts = {item["file"]: item["findings"] for item in views["files"]["items"]}
    assert {"a.py": {"error": 1}, "b.py": {"warning": 2}} == counts


def test_runs_of_several_analyzers_each_bring_their_own_newest_findings(
    make_client: Client,
) -> None:
    views = _views(
        _client(
            make_client,
            _report(1_000, "health", *FULL, score=71.0),
            _report(2_000, "dead-code", _finding("dc-2", "dead-code", "b.py")),
            _report(3_000, "security"),  # every security finding fixed
            _report(4_000, "dead-code", _finding("dc-4", "dead-code", "b.py")),
        )
    )
    assert ["cx", "dc-4"] == _fingerprints(views)
    assert 71.0 == views["health"]["score"]


def test_a_complexity_run_scores_and_keeps_the_other_analyzers_findings(
    make_client: Client,
) -> None:
    views = _views(
        _client(
            make_client,
            _report(1_000, "health", *FULL, score=71.0),
            _report(2_000, "complexity", _finding("cx-2", "complexity", "a.py"), score=64.0),
        )
    )
    assert (64.0, "complexity-2000") == (views["health"]["score"], views["files"]["run"]["id"])
    assert ["cx-2", "dc-old", "sec-old"] == _fingerprints(views)


def test_a_run_of_every_analyzer_replaces_all_findings(make_client: Client) -> None:
    views = _views(
        _client(
            make_client,
            _report(1_000, "health", *FULL, score=71.0),
            _report(2_000, "dead-code", _finding("dc-2", "dead-code", "b.py")),
            _report(3_000, "health", _finding("cx-3", "complexity", "a.py"), score=80.0),
        )
    )
    assert ["cx-3"] == _fingerprints(views)
    assert (80.0, "health-3000") == (views["health"]["score"], views["findings"]["run"]["id"])


def test_the_scored_run_is_found_behind_more_runs_than_a_store_keeps_decoded(
    make_client: Client,
) -> None:
    later = [
        _report(2_000 + i, "dead-code", _finding(f"dc-{i}", "dead-code", "b.py")) for i in range(6)
    ]
    views = _views(_client(make_client, _report(1_000, "health", *FULL, score=71.0), *later))
    assert ["cx", "dc-5", "sec-old"] == _fingerprints(views)
    assert 71.0 == views["health"]["score"]


def test_without_a_run_of_every_analyzer_the_views_show_what_the_runs_found(
    make_client: Client,
) -> None:
    views = _views(
        _client(
            make_client,
            _report(1_000, "security", _finding("sec-1", "security", "b.py")),
            _report(2_000, "dead-code", _finding("dc-2", "dead-code", "a.py")),
        )
    )
    assert ["dc-2", "sec-1"] == _fingerprints(views)
    assert (None, "dead-code-2000") == (views["health"]["score"], views["files"]["run"]["id"])


def test_more_single_analyzer_runs_than_the_store_keeps_show_the_newest_of_each(
    make_client: Client,
) -> None:
    runs = [
        _report(1_000 + i, command, _finding(f"{command}-{i}", command, "a.py"))
        for i, command in enumerate(["security", "dead-code"] * 15)
    ]
    views = _views(_client(make_client, *runs))
    assert ["dead-code-29", "security-28"] == _fingerprints(views)
