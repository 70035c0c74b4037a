"""The run report every run with telemetry on keeps in the project's store."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from chaffra_core import CliOverrides, Finding, Location, Severity, resolve_effective_config
from chaffra_core import run_analysis as analyse
from chaffra_core._result import RunResult
from chaffra_core._run_report import (
    ReportKeeper,
    build_run_report,
    finding_fingerprint,
    keep_run_report,
)
from chaffra_core.testing import TANGLED, run_project, write_project
from chaffra_telemetry import TelemetryAudience, TelemetrySnapshot, project
from chaffra_telemetry.report import RunReport
from chaffra_telemetry.store import LiveTelemetryState, MemoryStore, SqliteStore

SECRET = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"


def _run(root: Path, telemetry: str | None = None, command: str = "health") -> RunResult:
    return run_project(root, command=command, telemetry=telemetry, use_cache=False)


def _stored(root: Path, audience: TelemetryAudience = TelemetryAudience.ON) -> RunReport | None:
    with LiveTelemetryState(SqliteStore.for_project(root)) as state:
        stored = state.report(audience=audience)
    return None if stored is None else stored.report


def test_a_run_keeps_its_files_functions_findings_and_health_at_its_snapshots_time(
    tmp_path: Path,
) -> None:
    write_project(tmp_path, {"pkg/a.py": TANGLED, "pkg/b.py": "def unused():\n    return 1\n"})
    result = _run(tmp_path)
    report = _stored(tmp_path)
    assert report is not None
    with LiveTelemetryState(SqliteStore.for_project(tmp_path)) as state:
        snapshot = state.current(audience=TelemetryAudience.ON)
    assert snapshot is not None
    assert (snapshot.timestamp_ms, "health") == (report.timestamp_ms, report.command)
    assert ["pkg/a.py", "pkg/b.py"] == [f.file for f in report.files]
    assert [18, 2] == [f.lines for f in report.files]
    assert report.health.model >= 1
    assert result.health is not None
    assert result.health.score == report.health.score
    tangled = next(f for f in report.functions if f.name == "tangled")
    assert (tangled.file, tangled.line) == ("pkg/a.py", 2)
    assert tangled.cyclomatic > 10
    assert len(result.findings) == len(report.findings)
    modules = {f.module for f in report.findings}
    assert {"complexity", "dead-code"} <= modules
    counts = {f.file: f.findings for f in report.files}
    assert sum(counts["pkg/a.py"].values()) == sum(
        1 for f in result.findings if f.location.file == "pkg/a.py"
    )
    assert len({f.fingerprint for f in report.findings}) == len(report.findings)
    assert not any(f.new for f in report.findings), "a first run has nothing to compare with"


def test_only_the_findings_the_previous_report_of_the_command_lacked_are_new(
    tmp_path: Path,
) -> None:
    write_project(tmp_path, {"a.py": TANGLED})
    _run(tmp_path)
    _run(tmp_path, command="complexity")  # another command's report is not the baseline
    write_project(
        tmp_path, {"a.py": "# moved\n" + TANGLED, "b.py": "def unused():\n    return 1\n"}
    )
    _run(tmp_path)
    report = _stored(tmp_path)
    assert report is not None
    new = {(f.file, f.rule_id) for f in report.findings if f.new}
    assert {("b.py", "dead-code:unused-function")} == new


def test_no_report_is_kept_without_the_user_scope_or_with_telemetry_off(tmp_path: Path) -> None:
    write_project(tmp_path, {"a.py": TANGLED})
    _run(tmp_path, telemetry="operator-only")
    assert _stored(tmp_path) is None
    with LiveTelemetryState(SqliteStore.for_project(tmp_path)) as state:
        assert state.current(audience=TelemetryAudience.OPERATOR_ONLY) is not None
    other = tmp_path / "off"
    write_project(other, {"a.py": TANGLED})
    _run(other, telemetry="off")
    assert not (other / ".chaffra").exists()


def test_a_hard_coded_secret_never_reaches_the_store_whole(tmp_path: Path) -> None:
    write_project(
        tmp_path, {"app.py": f'TOKEN = "{SECRET}"\n', "settings.toml": f'token = "{SECRET}"\n'}
    )
    _run(tmp_path)
    report = _stored(tmp_path)
    assert report is not None
    assert any(f.module == "security" for f in report.findings)
    stored = b"".join(p.read_bytes() for p in (tmp_path / ".chaffra").iterdir() if p.is_file())
    assert SECRET.encode() not in stored
    assert SECRET[4:20].encode() not in stored


def _finding(line: int, anchor: str = "") -> Finding:
    return Finding(
        rule_id="complexity:high-cyclomatic",
        message="m",
        severity=Severity.WARNING,
        location=Location(file="a.py", start_line=line, end_line=line),
        anchor=anchor,
    )


def _result(*findings: Finding, root: Path = Path(".")) -> RunResult:
    """A run of command ``c`` over no file that reported ``findings``."""
    return RunResult(
        root=root,
        command="c",
        modules=(),
        findings=findings,
        health=None,
        files_analyzed=0,
        duration_ms=0,
    )


def test_a_fingerprint_follows_the_anchor_across_lines_and_the_line_without_one() -> None:
    assert finding_fingerprint(_finding(3, "f#1")) == finding_fingerprint(_finding(9, "f#1"))
    assert finding_fingerprint(_finding(3)) != finding_fingerprint(_finding(9))
    assert 16 == len(finding_fingerprint(_finding(3)))


def test_findings_sharing_an_identity_get_distinct_fingerprints_and_symbols_from_anchors() -> None:
    result = _result(_finding(3, "Cls.f#1"), _finding(3, "Cls.f#1"), _finding(4))
    report = build_run_report(result, timestamp_ms=5, run_id="r")
    assert 3 == len({f.fingerprint for f in report.findings})
    assert ["Cls.f", "Cls.f", None] == [f.symbol for f in report.findings]
    assert ("r", "\u2014", 0) == (report.run_id, report.health.grade, report.health.model)


@pytest.mark.parametrize(
    ("audience", "named"),
    [(TelemetryAudience.ON, True), (TelemetryAudience.USER_ONLY, False)],
)
def test_a_store_that_cannot_take_the_report_is_a_warning_naming_it_only_for_operators(
    tmp_path: Path, audience: TelemetryAudience, named: bool
) -> None:
    state = LiveTelemetryState(SqliteStore(tmp_path / "t.db"))
    state.close()
    result = _result(root=tmp_path)
    out = io.StringIO()
    snapshot = project(TelemetrySnapshot(timestamp_ms=1), audience)
    keep_run_report(state, result, snapshot, stderr=out)
    assert out.getvalue().startswith("Warning: the run report was not stored")
    assert ("t.db" in out.getvalue()) is named


def test_an_operator_only_snapshot_keeps_no_report() -> None:
    store = MemoryStore()
    result = _result()
    snapshot = project(TelemetrySnapshot(timestamp_ms=1), TelemetryAudience.OPERATOR_ONLY)
    keep_run_report(LiveTelemetryState(store), result, snapshot, stderr=io.StringIO())
    assert store.latest_report() is None


def test_a_run_without_churn_keeps_its_report_and_an_unsafe_project_dir_keeps_none(
    tmp_path: Path,
) -> None:
    write_project(tmp_path, {"a.py": TANGLED})
    config = resolve_effective_config(tmp_path, None, CliOverrides())
    analyse(config, command="baseline", churn=False, stderr=io.StringIO(), use_cache=False)
    report = _stored(tmp_path)
    assert report is not None
    assert "baseline" == report.command
    unsafe = tmp_path / "unsafe"
    write_project(unsafe, {"a.py": TANGLED, ".chaffra": "not a directory\n"})
    _run(unsafe)
    assert "not a directory\n" == (unsafe / ".chaffra").read_text(encoding="utf-8")


def test_the_health_contributors_and_file_sizes_reach_the_report() -> None:
    from chaffra_core import (
        FileHealthScore,
        FileSummary,
        HealthContributor,
        HealthGrade,
        ProjectHealth,
    )

    health = ProjectHealth(
        score=61.0,
        grade=HealthGrade.D,
        files=(FileHealthScore(file="a.py", score=61.0, grade=HealthGrade.D, lines=40),),
        total_files=2,
        contributors=(
            HealthContributor(kind="function", file="a.py", symbol="f", cost=9.5, detail="big"),
        ),
        model=2,
    )
    result = RunResult(
        root=Path("."),
        command="health",
        modules=(),
        findings=(_finding(3),),
        health=health,
        files_analyzed=2,
        duration_ms=0,
        files=(
            FileSummary(path="a.py", digest="d", size=1, lines=40),
            FileSummary(path="b.txt", digest="e", size=1, language="text"),
        ),
    )
    report = build_run_report(result, timestamp_ms=1)
    assert (61.0, "D", 2) == (report.health.score, report.health.grade, report.health.model)
    (contributor,) = report.health.contributors
    assert ("function", "a.py", "f", 9.5, "big") == (
        contributor.kind.value,
        contributor.file,
        contributor.symbol,
        contributor.cost,
        contributor.detail,
    )
    assert [("a.py", 40, 61.0, "D", 1), ("b.txt", 0, None, "\u2014", 0)] == [
        (f.file, f.lines, f.score, f.grade, sum(f.findings.values())) for f in report.files
    ]


def _report(timestamp_ms: int, command: str, *fingerprints: str) -> RunReport:
    from chaffra_telemetry.report import ReportFinding

    return RunReport(
        run_id=f"r{timestamp_ms}",
        timestamp_ms=timestamp_ms,
        command=command,
        findings=tuple(
            ReportFinding(
                fingerprint=fingerprint,
                module="complexity",
                rule_id="complexity:high-cyclomatic",
                severity="warning",
                file="a.py",
                line=1,
                column=0,
                message="m",
            )
            for fingerprint in fingerprints
        ),
    )


def test_a_keeper_compares_with_the_report_it_kept_unless_a_newer_one_of_the_command_came(
    tmp_path: Path,
) -> None:
    """The store is read for the previous report only when the kept one is not the newest."""
    user = TelemetryAudience.USER_ONLY
    state = LiveTelemetryState(MemoryStore())
    keeper = ReportKeeper(tmp_path)
    state.push_report(_report(5, "lsp", "stored"), audience=user)
    assert frozenset({"stored"}) == keeper.previous(state, "lsp", user)  # nothing kept yet

    keeper.remember(_report(10, "lsp", "kept"), user)
    assert frozenset({"kept"}) == keeper.previous(state, "lsp", user)
    assert frozenset({"stored"}) == keeper.previous(state, "lsp", TelemetryAudience.ON)

    state.push_report(_report(20, "lsp", "theirs"), audience=user)
    state.push_report(_report(30, "health", "other-command"), audience=user)
    assert frozenset({"theirs"}) == keeper.previous(state, "lsp", user)
    assert keeper.previous(state, "watch", user) is None
    keeper.close()


def test_a_keeper_stores_each_report_after_the_run_marking_what_its_previous_one_lacked(
    tmp_path: Path,
) -> None:
    write_project(tmp_path, {"a.py": TANGLED})
    config = resolve_effective_config(tmp_path, None, CliOverrides())
    keeper = ReportKeeper(tmp_path)
    analyse(config, command="watch", stderr=io.StringIO(), use_cache=False, reports=keeper)
    assert keeper.wait(30)
    first = _stored(tmp_path)
    assert first is not None
    assert not any(f.new for f in first.findings)
    write_project(tmp_path, {"b.py": "def unused():\n    return 1\n"})
    analyse(config, command="watch", stderr=io.StringIO(), use_cache=False, reports=keeper)
    assert keeper.wait(30)
    second = _stored(tmp_path)
    assert second is not None
    assert second.timestamp_ms > first.timestamp_ms
    assert {("b.py", "dead-code:unused-function")} == {
        (f.file, f.rule_id) for f in second.findings if f.new
    }
    keeper.close()


def test_a_keeper_keeps_nothing_for_an_audience_without_the_user_scope(tmp_path: Path) -> None:
    keeper = ReportKeeper(tmp_path)
    result = RunResult(
        root=tmp_path,
        command="c",
        modules=(),
        findings=(),
        health=None,
        files_analyzed=0,
        duration_ms=0,
    )
    snapshot = project(TelemetrySnapshot(timestamp_ms=1), TelemetryAudience.OPERATOR_ONLY)
    keeper.keep(result, snapshot, stderr=io.StringIO())
    assert keeper.wait(30)
    keeper.close()
    assert not (tmp_path / ".chaffra").exists()
