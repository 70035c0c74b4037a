"""``chaffra dead-code``: formats, ``--min-confidence``, ``--make-whitelist``, health."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from chaffra_cli._app import cli

PROJECT = {
    "pkg/__init__.py": "",
    "pkg/app.py": """\
        import os

        def _helper():
            pass

        def api():
            return 1
            print("never")
        """,
    "main.py": "from pkg.app import api\nprint(api())\n",
}


@pytest.fixture
def dead_project(make_project: Callable[..., Path]) -> Path:
    return make_project(PROJECT)


def _findings(runner: CliRunner, *args: str) -> list[dict[str, object]]:
    result = runner.invoke(cli, ["--telemetry", "off", "--format", "json", "dead-code", *args])
    assert 0 == result.exit_code, result.output
    findings: list[dict[str, object]] = json.loads(result.stdout)["findings"]
    return findings


def test_dead_code_reports_unused_import_function_and_unreachable_code(
    runner: CliRunner, dead_project: Path
) -> None:
    rules = {f["rule_id"] for f in _findings(runner, str(dead_project))}
    assert {
        "dead-code:unused-import",
        "dead-code:unused-function",
        "dead-code:unreachable-code",
    } == rules


def test_min_confidence_keeps_only_the_surer_findings(
    runner: CliRunner, dead_project: Path
) -> None:
    rules = {f["rule_id"] for f in _findings(runner, str(dead_project), "--min-confidence", "85")}
    assert {"dead-code:unused-import", "dead-code:unreachable-code"} == rules


def test_min_confidence_out_of_range_is_a_usage_error(
    runner: CliRunner, dead_project: Path
) -> None:
    result = runner.invoke(cli, ["dead-code", str(dead_project), "--min-confidence", "101"])
    assert 2 == result.exit_code


@pytest.mark.parametrize("fmt", ["terminal", "json", "markdown", "sarif", "codeclimate", "github"])
def test_every_format_renders_dead_code(runner: CliRunner, dead_project: Path, fmt: str) -> None:
    result = runner.invoke(
        cli, ["--telemetry", "off", "--format", fmt, "dead-code", str(dead_project)]
    )
    assert 0 == result.exit_code, result.output
    assert "_helper" in result.stdout


def test_make_whitelist_prints_a_vulture_whitelist(runner: CliRunner, dead_project: Path) -> None:
    result = runner.invoke(
        cli, ["--telemetry", "off", "dead-code", str(dead_project), "--make-whitelist"]
    )
    assert 0 == result.exit_code, result.output
    assert "_helper  # unused-function (pkg/app.py:3)" in result.stdout.splitlines()


def test_fail_on_warning_fails_a_run_with_dead_code(runner: CliRunner, dead_project: Path) -> None:
    result = runner.invoke(
        cli, ["--telemetry", "off", "--fail-on", "warning", "dead-code", str(dead_project)]
    )
    assert 1 == result.exit_code


def test_health_includes_dead_code_findings(runner: CliRunner, dead_project: Path) -> None:
    result = runner.invoke(
        cli, ["--telemetry", "off", "--format", "json", "health", str(dead_project)]
    )
    assert 1 == result.exit_code, result.output  # dead code costs the small project its 70
    rules = {f["rule_id"] for f in json.loads(result.stdout)["findings"]}
    assert "dead-code:unused-function" in rules


def test_fix_diff_prints_the_change_and_writes_nothing(
    runner: CliRunner, dead_project: Path
) -> None:
    before = (dead_project / "pkg/app.py").read_text()
    result = runner.invoke(
        cli, ["--telemetry", "off", "fix", "--dead-code", str(dead_project), "--diff"]
    )
    assert 0 == result.exit_code, result.output
    assert "-import os\n" in result.stdout
    assert before == (dead_project / "pkg/app.py").read_text()


def test_fix_writes_the_fixed_files_and_unreachable_code_is_opt_in(
    runner: CliRunner, dead_project: Path
) -> None:
    result = runner.invoke(
        cli, ["--telemetry", "off", "--quiet", "fix", "--dead-code", str(dead_project)]
    )
    assert 0 == result.exit_code, result.output
    assert "" == result.stderr
    text = (dead_project / "pkg/app.py").read_text()
    assert not text.startswith("import os")
    assert 'print("never")' in text
    result = runner.invoke(
        cli, ["--telemetry", "off", "fix", "--dead-code", "--unreachable", str(dead_project)]
    )
    assert 0 == result.exit_code, result.output
    assert 'print("never")' not in (dead_project / "pkg/app.py").read_text()


def test_fix_refuses_to_write_when_the_fix_would_add_findings(
    runner: CliRunner, make_project: Callable[..., Path]
) -> None:
    root = make_project(
        {
            "pkg/__init__.py": "",
            "pkg/_legacy.py": "X = 1\n",
            "pkg/app.py": "import pkg._legacy as legacy\nprint(1)\n",
            "main.py": "import pkg.app\nprint(pkg)\n",
        }
    )
    result = runner.invoke(cli, ["--telemetry", "off", "fix", "--dead-code", str(root)])
    assert 1 == result.exit_code
    assert "nothing written" in result.stderr
    assert (root / "pkg/app.py").read_text().startswith("import pkg._legacy")


def test_fix_requires_naming_the_fixer(runner: CliRunner, dead_project: Path) -> None:
    assert 2 == runner.invoke(cli, ["fix", str(dead_project)]).exit_code


def test_a_failed_replacement_leaves_no_temporary_file(tmp_path: Path) -> None:
    from chaffra_cli._commands_fix import _replace

    target = tmp_path / "pkg"
    target.mkdir()
    (target / "inner.py").write_text("x = 1\n")
    with pytest.raises(IsADirectoryError):
        _replace(target, "text")
    assert ["pkg"] == sorted(p.name for p in tmp_path.iterdir())


def test_fix_never_rewrites_a_symbolic_link_or_what_it_points_to(
    runner: CliRunner, make_project: Callable[..., Path], tmp_path: Path
) -> None:
    outside = tmp_path / "outside.py"
    outside.write_text("import os\n")
    root = make_project({"main.py": "import sys\nprint(1)\n"})
    (root / "linked.py").symlink_to(outside)
    result = runner.invoke(cli, ["--telemetry", "off", "fix", "--dead-code", str(root)])
    assert 0 == result.exit_code, result.output
    assert "Notice: not fixing linked.py: not a regular file" in result.stderr
    assert "import os\n" == outside.read_text()
    assert (root / "linked.py").is_symlink()
    assert "print(1)\n" == (root / "main.py").read_text()


def test_a_file_resolving_outside_the_project_is_unsafe(tmp_path: Path) -> None:
    from chaffra_cli._commands_fix import _unsafe

    (tmp_path / "project").mkdir()
    (tmp_path / "other.py").write_text("")
    assert "outside the project" == _unsafe(tmp_path / "project", tmp_path / "project/../other.py")
    assert _unsafe(tmp_path, tmp_path / "other.py") is None
