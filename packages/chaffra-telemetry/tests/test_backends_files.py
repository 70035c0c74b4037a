"""The json-file, stderr and cloudwatch (EMF) backends write what they inspect."""

from __future__ import annotations

import io
import json
import math
import os
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chaffra_telemetry import (
    MetricDataPoint,
    MetricDefinition,
    MetricKind,
    TelemetryAudience,
    TelemetrySnapshot,
    UserSummary,
    project,
)
from chaffra_telemetry._projection import ProjectedSnapshot
from chaffra_telemetry.backends import CloudWatchBackend, JsonFileBackend, StderrBackend
from chaffra_telemetry.backends._cloudwatch import emf_records, is_valid_dimension
from chaffra_telemetry.errors import BackendError

DURATION = "chaffra.analysis.duration_ms"
FINDINGS = "chaffra.analysis.findings_total"
HEALTH = "chaffra.module.dead-code.health_score"


def _snapshot() -> ProjectedSnapshot:
    raw = TelemetrySnapshot(
        timestamp_ms=1718594000000,
        definitions={
            DURATION: MetricDefinition(
                name=DURATION, kind=MetricKind.HISTOGRAM, description="Wall time", unit="ms"
            ),
            FINDINGS: MetricDefinition(
                name=FINDINGS, kind=MetricKind.COUNTER, description="Findings", unit="count"
            ),
        },
        data_points=(
            MetricDataPoint(name=DURATION, value=1012.0, timestamp_ms=1718593999000),
            MetricDataPoint(
                name=FINDINGS,
                value=5.0,
                labels={"severity": "warning", "module": "dead-code"},
                timestamp_ms=1718593999500,
            ),
            MetricDataPoint(
                name=HEALTH, value=92.5, labels={"repo": "café"}, timestamp_ms=1718593999600
            ),
        ),
        user_summary=UserSummary(
            analysis_duration_ms=1012,
            files_total=87,
            findings_by_severity={"warning": 11, "error": 2},
            findings_by_module={"security": 5, "dead-code": 5},
        ),
    )
    return project(raw, TelemetryAudience.USER_ONLY)


def test_json_file_content_equals_the_projected_document(tmp_path: Path) -> None:
    backend = JsonFileBackend(tmp_path / "t.json")
    backend.flush(_snapshot())
    text = (tmp_path / "t.json").read_text(encoding="utf-8")
    assert _snapshot().to_dict() == json.loads(text)
    assert '"repo": "café"' in text
    assert not text.endswith("\n")
    assert text == backend.inspect(_snapshot())


def test_json_file_writes_non_finite_values_as_null(tmp_path: Path) -> None:
    raw = TelemetrySnapshot(
        timestamp_ms=1,
        data_points=(MetricDataPoint(name=DURATION, value=math.nan, timestamp_ms=1),),
    )
    JsonFileBackend(tmp_path / "t.json").flush(project(raw, TelemetryAudience.ON))
    document = json.loads((tmp_path / "t.json").read_text(encoding="utf-8"))
    assert document["data_points"][0]["value"] is None


def test_json_file_keeps_the_old_file_when_the_rename_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "t.json"
    target.write_text("old", encoding="utf-8")

    def refuse(src: object, dst: object) -> None:
        raise OSError("rename refused")

    monkeypatch.setattr(os, "replace", refuse)
    with pytest.raises(BackendError, match="rename refused"):
        JsonFileBackend(target).flush(_snapshot())
    assert "old" == target.read_text(encoding="utf-8")
    assert [target] == list(tmp_path.iterdir())


def test_json_file_resolves_a_relative_path_against_the_project_root(tmp_path: Path) -> None:
    absolute = tmp_path / "elsewhere.json"
    assert tmp_path / "out" / "t.json" == JsonFileBackend("out/t.json", project_root=tmp_path).path
    assert absolute == JsonFileBackend(absolute, project_root=tmp_path / "x").path
    assert Path("t.json") == JsonFileBackend("t.json").path


def test_json_file_never_creates_a_missing_directory(tmp_path: Path) -> None:
    backend = JsonFileBackend("missing/t.json", project_root=tmp_path)
    expected = f"backend error: directory does not exist: {tmp_path / 'missing'}"
    with pytest.raises(BackendError) as flushed:
        backend.flush(_snapshot())
    with pytest.raises(BackendError) as tested:
        backend.test_connection()
    assert [expected, expected] == [str(flushed.value), str(tested.value)]
    assert not (tmp_path / "missing").exists()


def test_json_file_test_connection_checks_the_directory_is_writable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    backend = JsonFileBackend(tmp_path / "t.json")
    assert f"will write to {tmp_path / 't.json'}" == backend.test_connection()
    monkeypatch.setattr(os, "access", lambda *args, **kwargs: False)
    with pytest.raises(BackendError, match="directory is not writable"):
        backend.test_connection()


def _summary_line() -> dict[str, Any]:
    return {
        "event": "chaffra.telemetry.summary",
        "timestamp_ms": 1718594000000,
        "files_total": 87,
        "analysis_duration_ms": 1012,
        "findings_by_severity": {"error": 2, "warning": 11},
        "findings_by_module": {"dead-code": 5, "security": 5},
    }


def test_stderr_writes_one_json_line_per_point_then_the_summary() -> None:
    stream = io.StringIO()
    StderrBackend(stream).flush(_snapshot())
    lines = stream.getvalue().split("\n")
    assert "" == lines.pop()
    assert [json.loads(line) for line in lines] == [
        {"name": DURATION, "value": 1012.0, "labels": {}, "timestamp_ms": 1718593999000},
        {
            "name": FINDINGS,
            "value": 5.0,
            "labels": {"module": "dead-code", "severity": "warning"},
            "timestamp_ms": 1718593999500,
        },
        {"name": HEALTH, "value": 92.5, "labels": {"repo": "café"}, "timestamp_ms": 1718593999600},
        _summary_line(),
    ]
    assert '"findings_by_severity":{"error":2,"warning":11}' in lines[-1]


def test_stderr_inspect_shows_the_same_lines_without_a_trailing_newline() -> None:
    stream = io.StringIO()
    backend = StderrBackend(stream)
    backend.flush(_snapshot())
    assert stream.getvalue() == backend.inspect(_snapshot()) + "\n"
    assert _summary_line() == json.loads(backend.inspect(_snapshot()).split("\n")[-1])


def test_stderr_defaults_to_the_current_sys_stderr(capsys: pytest.CaptureFixture[str]) -> None:
    backend = StderrBackend()
    backend.flush(_snapshot())
    assert "stderr is always available" == backend.test_connection()
    assert backend.inspect(_snapshot()) + "\n" == capsys.readouterr().err


def test_stderr_reports_a_closed_stream_as_a_backend_error() -> None:
    stream = io.StringIO()
    stream.close()
    with pytest.raises(BackendError, match="cannot write to stderr"):
        StderrBackend(stream).flush(_snapshot())


def _assert_valid_emf(record: dict[str, Any]) -> None:
    meta = record["_aws"]
    assert isinstance(meta["Timestamp"], int)
    for directive in meta["CloudWatchMetrics"]:
        assert isinstance(directive["Namespace"], str)
        for dimension_set in directive["Dimensions"]:
            assert len(dimension_set) <= 30
            for key in dimension_set:
                assert isinstance(record[key], str)
                assert record[key]
        for metric in directive["Metrics"]:
            assert isinstance(record[metric["Name"]], float)
            assert metric["Unit"] in {"Milliseconds", "Seconds", "Count", "Bytes", "None"}


def test_cloudwatch_writes_one_valid_emf_line_per_point(tmp_path: Path) -> None:
    backend = CloudWatchBackend(namespace="ci", path="emf.log", project_root=tmp_path)
    backend.flush(_snapshot())
    records = [json.loads(line) for line in (tmp_path / "emf.log").read_text().splitlines()]
    for record in records:
        _assert_valid_emf(record)
    assert {
        "_aws": {
            "Timestamp": 1718593999500,
            "CloudWatchMetrics": [
                {
                    "Namespace": "ci",
                    "Dimensions": [["module", "severity"]],
                    "Metrics": [{"Name": FINDINGS, "Unit": "Count"}],
                }
            ],
        },
        "module": "dead-code",
        "severity": "warning",
        FINDINGS: 5.0,
    } == records[1]
    assert [[DURATION, "Milliseconds"], [FINDINGS, "Count"], [HEALTH, "None"]] == [
        [m["Name"], m["Unit"]]
        for r in records
        for m in r["_aws"]["CloudWatchMetrics"][0]["Metrics"]
    ]


def test_cloudwatch_appends_whole_lines_on_every_flush(tmp_path: Path) -> None:
    backend = CloudWatchBackend(path=tmp_path / "emf.log")
    backend.flush(_snapshot())
    backend.flush(_snapshot())
    lines = (tmp_path / "emf.log").read_text().split("\n")
    assert "" == lines.pop()
    assert 2 * backend.inspect(_snapshot()).split("\n") == lines


def test_cloudwatch_leaves_out_what_emf_cannot_carry() -> None:
    rejected = {"é": "v", "accent": "café", "blank": "  ", "tab": "a\tb", "nul": "a\x00", ":x": "v"}
    labels = {f"k{i:02}": "v" for i in range(35)} | {"": "v", "empty": "", "_aws": "x", "m": "y"}
    labels |= rejected
    raw = TelemetrySnapshot(
        timestamp_ms=1,
        data_points=(
            MetricDataPoint(name="m", value=1.0, labels=labels, timestamp_ms=1),
            MetricDataPoint(name="nan", value=math.nan, timestamp_ms=1),
            MetricDataPoint(name="_aws", value=1.0, timestamp_ms=1),
            MetricDataPoint(name="", value=1.0, timestamp_ms=1),
        ),
    )
    stream = io.StringIO()
    CloudWatchBackend(stream=stream).flush(project(raw, TelemetryAudience.ON))
    (line,) = stream.getvalue().splitlines()
    record = json.loads(line)
    _assert_valid_emf(record)
    assert [f"k{i:02}" for i in range(30)] == record["_aws"]["CloudWatchMetrics"][0]["Dimensions"][
        0
    ]
    assert 1.0 == record["m"]


def test_cloudwatch_defaults_to_a_file_in_the_project_dir_never_stdout(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """stdout carries the command's report (``--format json`` must stay parseable)."""
    backend = CloudWatchBackend(project_root=tmp_path)
    expected = tmp_path / ".chaffra" / "cloudwatch-emf.jsonl"
    assert f"CloudWatch EMF lines for namespace 'chaffra' appended to {expected}" == (
        backend.test_connection()
    )
    backend.flush(_snapshot())
    assert ("", "") == tuple(capsys.readouterr())
    assert backend.inspect(_snapshot()) + "\n" == expected.read_text(encoding="utf-8")
    assert 0o600 == expected.stat().st_mode & 0o777


def test_cloudwatch_never_appends_through_a_symlink(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious\n", encoding="utf-8")
    (tmp_path / ".chaffra").mkdir()
    (tmp_path / ".chaffra" / "cloudwatch-emf.jsonl").symlink_to(victim)
    with pytest.raises(BackendError, match="symbolic link"):
        CloudWatchBackend(project_root=tmp_path).flush(_snapshot())
    assert "precious\n" == victim.read_text(encoding="utf-8")


@given(st.dictionaries(st.text(max_size=8), st.text(max_size=8), max_size=6))
def test_every_emf_dimension_is_one_cloudwatch_accepts(labels: dict[str, str]) -> None:
    point = MetricDataPoint(name="m", value=1.0, labels=labels, timestamp_ms=1)
    snapshot = project(
        TelemetrySnapshot(timestamp_ms=1, data_points=(point,)), TelemetryAudience.ON
    )
    for record in emf_records(snapshot, "ns"):
        for name in record["_aws"]["CloudWatchMetrics"][0]["Dimensions"][0]:
            value = record[name]
            assert is_valid_dimension(name, value)
            assert value.isascii()
            assert value.isprintable()
            assert value.strip()


def test_cloudwatch_writes_nothing_for_an_empty_snapshot(tmp_path: Path) -> None:
    CloudWatchBackend(path=tmp_path / "emf.log").flush(
        project(TelemetrySnapshot(timestamp_ms=1), TelemetryAudience.ON)
    )
    assert not (tmp_path / "emf.log").exists()


def test_cloudwatch_reports_unusable_destinations(tmp_path: Path) -> None:
    missing = CloudWatchBackend(path="missing/emf.log", project_root=tmp_path)
    with pytest.raises(BackendError, match="directory does not exist"):
        missing.flush(_snapshot())
    with pytest.raises(BackendError, match="directory does not exist"):
        missing.test_connection()
    closed = io.StringIO()
    closed.close()
    with pytest.raises(BackendError, match="cannot write EMF lines"):
        CloudWatchBackend(stream=closed).flush(_snapshot())
    (tmp_path / "dir.log").mkdir()
    with pytest.raises(BackendError, match="cannot write EMF lines"):
        CloudWatchBackend(path=tmp_path / "dir.log").flush(_snapshot())
    ok = CloudWatchBackend(namespace="ci", path=tmp_path / "emf.log")
    assert f"CloudWatch EMF lines for namespace 'ci' appended to {tmp_path / 'emf.log'}" == (
        ok.test_connection()
    )


def test_the_default_json_file_lives_in_the_project_dir_and_creates_it(tmp_path: Path) -> None:

    backend = JsonFileBackend(project_root=tmp_path)
    assert f"will write to {tmp_path / '.chaffra' / 'telemetry.json'}" == backend.test_connection()
    backend.flush(project(TelemetrySnapshot(timestamp_ms=1), TelemetryAudience.ON))
    assert "*\n" == (tmp_path / ".chaffra" / ".gitignore").read_text(encoding="utf-8")
    assert (
        1
        == json.loads((tmp_path / ".chaffra" / "telemetry.json").read_text("utf-8"))["timestamp_ms"]
    )


def test_a_project_dir_that_cannot_be_created_is_a_backend_error(tmp_path: Path) -> None:

    (tmp_path / ".chaffra").write_text("a file, not a directory", encoding="utf-8")
    with pytest.raises(BackendError):
        JsonFileBackend(project_root=tmp_path).flush(
            project(TelemetrySnapshot(timestamp_ms=1), TelemetryAudience.ON)
        )


def test_json_file_refuses_a_symlinked_project_dir_and_writes_nothing(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    root = tmp_path / "project"
    root.mkdir()
    (root / ".chaffra").symlink_to(elsewhere)
    backend = JsonFileBackend(project_root=root)
    with pytest.raises(BackendError, match="symbolic link"):
        backend.test_connection()
    with pytest.raises(BackendError, match="symbolic link"):
        backend.flush(_snapshot())
    assert [] == list(elsewhere.iterdir())


def test_json_file_never_replaces_a_planted_symlink(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious", encoding="utf-8")
    (tmp_path / ".chaffra").mkdir()
    (tmp_path / ".chaffra" / "telemetry.json").symlink_to(victim)
    with pytest.raises(BackendError, match="symbolic link"):
        JsonFileBackend(project_root=tmp_path).flush(_snapshot())
    assert "precious" == victim.read_text(encoding="utf-8")
