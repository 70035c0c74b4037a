"""``health`` and ``complexity``: output, exit statuses, config errors, telemetry side effects."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from chaffra_cli._app import cli
from chaffra_cli._commands_analysis import fails
from chaffra_core import Finding, Location, RunResult, Severity
from chaffra_core.output import JSON_SCHEMA_VERSION
from chaffra_telemetry import PROJECT_DIR, STATE_FILE, SqliteStore


def fingerprint(root: Path) -> dict[str, str]:
    """Every entry under ``root``: directories by name, files by content hash."""
    return {
        str(p.relative_to(root)): (
            "dir" if p.is_dir() else hashlib.sha256(p.read_bytes()).hexdigest()
        )
        for p in sorted(root.rglob("*"))
    }


def churn_state(root: Path) -> Path:
    return root / PROJECT_DIR / STATE_FILE


def snapshots(root: Path) -> int:
    with SqliteStore(root / ".chaffra" / "telemetry.db") as store:
        return store.count()


def result_with(*severities: Severity) -> RunResult:
    findings = tuple(
        Finding(
            rule_id="m:r",
            message="x",
            severity=s,
            location=Location(file="a.py", start_line=1, end_line=1),
        )
        for s in severities
    )
    return RunResult(
        root=Path(),
        command="c",
        modules=(),
        findings=findings,
        health=None,
        files_analyzed=1,
        duration_ms=0,
    )


@pytest.mark.parametrize(
    ("severities", "fail_on", "expected"),
    [
        ((Severity.ERROR,), "never", False),
        ((), "info", False),
        ((Severity.INFO,), "info", True),
        ((Severity.INFO,), "warning", False),
        ((Severity.WARNING, Severity.INFO), "warning", True),
        ((Severity.WARNING,), "error", False),
        ((Severity.ERROR,), "error", True),
    ],
)
def test_fail_on_compares_the_worst_finding_with_the_threshold(
    severities: tuple[Severity, ...], fail_on: str, expected: bool
) -> None:
    assert expected == fails(result_with(*severities), fail_on)


def test_health_prints_a_report_and_stores_a_snapshot(
    runner: CliRunner, complex_project: Path
) -> None:
    result = runner.invoke(cli, ["health", str(complex_project)])
    # Model 2 weighs the tangled function against its 26-line file: 37.5 (F), below 70.
    assert (1, "Health score 37.5 is below min-score 70.\n") == (result.exit_code, result.stderr)
    assert "Project Health: 37.5 (F)" in result.stdout
    assert "tangled.py" in result.stdout
    assert 1 == snapshots(complex_project)
    assert not churn_state(complex_project).exists(), "health takes no part in churn"


def test_complexity_keeps_its_churn_state_where_health_looks_for_it(
    runner: CliRunner, complex_project: Path
) -> None:
    """The path the health test checks is the one a churn run really writes."""
    assert 0 == runner.invoke(cli, ["complexity", str(complex_project)]).exit_code
    assert churn_state(complex_project).is_file()


def test_health_output_formats_parse(runner: CliRunner, complex_project: Path) -> None:
    as_json = runner.invoke(cli, ["--format", "json", "health", str(complex_project)])
    document = json.loads(as_json.stdout)
    assert JSON_SCHEMA_VERSION == document["schema_version"]
    sarif = runner.invoke(cli, ["health", str(complex_project), "--format", "sarif"])
    assert "2.1.0" == json.loads(sarif.stdout)["version"]


def test_complexity_reports_the_complex_function_and_exits_0_by_default(
    runner: CliRunner, complex_project: Path
) -> None:
    result = runner.invoke(cli, ["complexity", str(complex_project), "--format", "json"])
    assert 0 == result.exit_code, result.stderr
    rules = {f["rule_id"] for f in json.loads(result.stdout)["findings"]}
    assert "complexity:high-cyclomatic" in rules


@pytest.mark.parametrize(("fail_on", "status"), [("info", 1), ("warning", 1), ("never", 0)])
def test_fail_on_turns_findings_into_exit_1(
    runner: CliRunner, complex_project: Path, fail_on: str, status: int
) -> None:
    result = runner.invoke(cli, ["--fail-on", fail_on, "complexity", str(complex_project)])
    assert status == result.exit_code
    assert "tangled" in result.stdout


def test_a_clean_project_passes_even_with_fail_on_info(
    runner: CliRunner, make_project: Callable[..., Path]
) -> None:
    root = make_project()
    assert 0 == runner.invoke(cli, ["complexity", str(root), "--fail-on", "info"]).exit_code


@pytest.mark.parametrize("command", ["health", "complexity"])
def test_telemetry_off_leaves_the_project_byte_for_byte_unchanged(
    runner: CliRunner, complex_project: Path, command: str
) -> None:
    before = fingerprint(complex_project)
    result = runner.invoke(cli, [command, str(complex_project), "--telemetry", "off"])
    assert {"health": 1, "complexity": 0}[command] == result.exit_code, result.stderr
    assert before == fingerprint(complex_project)


def test_a_file_audience_off_leaves_the_project_unchanged_too(
    runner: CliRunner, complex_project: Path
) -> None:
    (complex_project / ".chaffra.toml").write_text('[modules.telemetry]\naudience = "off"\n')
    before = fingerprint(complex_project)
    assert 0 == runner.invoke(cli, ["complexity", str(complex_project)]).exit_code
    assert before == fingerprint(complex_project)


def test_a_malformed_config_exits_2_with_file_line_and_column(
    runner: CliRunner, complex_project: Path
) -> None:
    config = complex_project / ".chaffra.toml"
    config.write_text("[health]\nmax-cyclomatic = = 3\n")
    before = fingerprint(complex_project)
    result = runner.invoke(cli, ["health", str(complex_project)])
    assert 2 == result.exit_code
    assert result.stderr.startswith(f"Error: {config}:2:")
    assert "" == result.stdout
    assert before == fingerprint(complex_project)


def test_config_warnings_go_to_stderr_unless_quiet(
    runner: CliRunner, complex_project: Path
) -> None:
    (complex_project / ".chaffra.toml").write_text("")
    (complex_project / "pyproject.toml").write_text("[tool.chaffra]\n")
    args = ["complexity", str(complex_project), "--telemetry", "off"]
    assert "Warning: both " in runner.invoke(cli, args).stderr
    assert "" == runner.invoke(cli, [*args, "--quiet"]).stderr


def test_a_missing_path_is_a_usage_error(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["health", str(tmp_path / "missing")])
    assert 2 == result.exit_code
    assert "does not exist" in result.stderr
