"""--exclude, --select, --ignore, --output-file and peer suppressions, through the click app."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from chaffra_cli._app import cli

COMPLEX_FUNCTION = """\
def tangled(a, b, c, d):
    total = 0
    for i in range(a):
        if i % 2 and b:
            total += 1
        elif i % 3 or c:
            total -= 1
        elif d and not b:
            total *= 2
        while total > 100 and a:
            if c and d or b:
                break
        if a > b > c:
            total += 3
        elif b > c > d or c > d > a:
            total += 4
    return total
"""


def run(runner: CliRunner, *args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(cli, [str(arg) for arg in args])
    return result.exit_code, result.stdout, result.stderr


def findings(stdout: str) -> list[tuple[str, str]]:
    return sorted((f["location"]["file"], f["rule_id"]) for f in json.loads(stdout)["findings"])


@pytest.fixture
def project(make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project, as the working directory (reported paths are relative to it)."""
    root = make_project(
        {
            "src/tangled.py": COMPLEX_FUNCTION,
            "vendor_copy/tangled.py": COMPLEX_FUNCTION,
            "tests/test_tangled.py": COMPLEX_FUNCTION,
        }
    )
    monkeypatch.chdir(root)
    return root


JSON = ("--format", "json", "--telemetry", "off")


def test_exclude_globs_are_repeatable_and_skip_files(runner: CliRunner, project: Path) -> None:
    code, out, _ = run(
        runner, "complexity", project, *JSON, "--exclude", "vendor_copy/", "--exclude", "test_*.py"
    )
    assert 0 == code
    assert {"src/tangled.py"} == {file for file, _ in findings(out)}
    assert 1 == json.loads(out)["summary"]["files_analyzed"]


def test_select_keeps_only_matching_rules_by_id_or_prefix(runner: CliRunner, project: Path) -> None:
    code, out, _ = run(runner, "complexity", project, *JSON, "--select", "complexity:high-cyc")
    assert 0 == code
    assert {"complexity:high-cyclomatic"} == {rule for _, rule in findings(out)}
    out = run(runner, "complexity", project, *JSON, "--select", "high-cognitive,high-cyclomatic")[1]
    assert {"complexity:high-cognitive", "complexity:high-cyclomatic"} == {
        rule for _, rule in findings(out)
    }


def test_ignore_drops_matching_rules(runner: CliRunner, project: Path) -> None:
    code, _, err = run(runner, "complexity", project, "--ignore", "complexity:high,nothing")
    assert 2 == code
    assert "--ignore nothing: no rule id or prefix matches" in err
    code, out, _ = run(runner, "complexity", project, *JSON, "--ignore", "complexity:high")
    assert 0 == code
    assert {"complexity:low-health-score"} == {rule for _, rule in findings(out)}


def test_an_unknown_selector_is_a_usage_error_with_a_close_match(
    runner: CliRunner, project: Path
) -> None:
    code, out, err = run(runner, "complexity", project, "--select", "complexity:high-cyclomatc")
    assert (2, "") == (code, out)
    assert 'did you mean "complexity:high-cyclomatic"?' in err
    assert not (project / ".chaffra").exists()


def test_the_analysis_options_belong_to_analysis_commands_only(runner: CliRunner) -> None:
    for args in (["modules", "--select", "x"], ["explain", "high-cyclomatic", "--exclude", "x"]):
        code, _, err = run(runner, *args)
        assert 2 == code
        assert "No such option" in err


def test_output_file_receives_the_report_and_stdout_stays_empty(
    runner: CliRunner, project: Path, tmp_path: Path
) -> None:
    target = tmp_path / "reports" / "chaffra.sarif"
    code, out, _ = run(
        runner, "complexity", project, "--format", "sarif", "--telemetry", "off", "-o", target
    )
    assert (0, "") == (code, out)
    assert "2.1.0" == json.loads(target.read_text(encoding="utf-8"))["version"]


def test_output_file_gets_no_colours_even_when_forced(
    runner: CliRunner, project: Path, tmp_path: Path
) -> None:
    target = tmp_path / "report.txt"
    result = runner.invoke(
        cli,
        ["health", str(project), "--telemetry", "off", "--output-file", str(target)],
        env={"FORCE_COLOR": "1"},
        color=True,
    )
    assert "" == result.stdout
    text = target.read_text(encoding="utf-8")
    assert "Project Health:" in text
    assert "\x1b[" not in text


def test_noqa_c901_suppresses_high_cyclomatic_like_flake8(
    runner: CliRunner, make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    marked = COMPLEX_FUNCTION.replace(
        "def tangled(a, b, c, d):", "def tangled(a, b, c, d):  # noqa: E501,C901"
    )
    project = make_project({"a.py": marked, "b.py": COMPLEX_FUNCTION})
    monkeypatch.chdir(project)
    code, out, _ = run(runner, "complexity", project, *JSON)
    assert 0 == code
    reported = findings(out)
    assert ("a.py", "complexity:high-cyclomatic") not in reported
    assert ("a.py", "complexity:high-cognitive") in reported
    assert ("b.py", "complexity:high-cyclomatic") in reported
    assert all(rule != "core:stale-suppression" for _, rule in reported)


def test_a_noqa_without_a_mapped_code_suppresses_nothing_and_is_never_stale(
    runner: CliRunner, make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    marked = COMPLEX_FUNCTION.replace(
        "def tangled(a, b, c, d):", "def tangled(a, b, c, d):  # noqa: E501"
    )
    project = make_project({"a.py": marked, "ok.py": "x = 1  # noqa: C901\n"})
    monkeypatch.chdir(project)
    reported = findings(run(runner, "complexity", project, *JSON)[1])
    assert ("a.py", "complexity:high-cyclomatic") in reported
    assert all(rule != "core:stale-suppression" for _, rule in reported)
