"""``chaffra cache``, ``health --module`` and the notices for files left out."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from chaffra_cli._app import cli


def test_cache_clean_removes_the_cached_results_of_every_project(
    runner: CliRunner, complex_project: Path, cache_directory: Path
) -> None:
    # Exit 1: the one tangled function makes its small file, the project, score below 70.
    assert 1 == runner.invoke(cli, ["health", str(complex_project), "--telemetry", "off"]).exit_code
    assert list((cache_directory / "results").iterdir())
    info = runner.invoke(cli, ["cache", "info"])
    assert f"Cache directory: {cache_directory}" in info.stdout
    assert "Projects: 1" in info.stdout
    cleaned = runner.invoke(cli, ["cache", "clean"])
    assert 0 == cleaned.exit_code
    assert not (cache_directory / "results").exists()
    assert "Projects: 0" in runner.invoke(cli, ["cache", "info"]).stdout


def test_a_telemetry_off_run_caches_in_the_user_directory_and_leaves_the_project_alone(
    runner: CliRunner, complex_project: Path, cache_directory: Path
) -> None:
    before = sorted(p.name for p in complex_project.rglob("*"))
    runner.invoke(cli, ["health", str(complex_project), "--telemetry", "off"])
    second = runner.invoke(cli, ["health", str(complex_project), "--telemetry", "off"])
    assert "below min-score 70" in second.stderr
    assert before == sorted(p.name for p in complex_project.rglob("*"))
    assert list((cache_directory / "results").iterdir())


def test_health_runs_only_the_named_module_and_rejects_an_unknown_one(
    runner: CliRunner, complex_project: Path
) -> None:
    ran = runner.invoke(
        cli, ["health", str(complex_project), "--module", "complexity", "--format", "json"]
    )
    assert "below min-score 70" in ran.stderr
    assert '"modules": [\n    "complexity"\n  ]' in ran.stdout
    unknown = runner.invoke(cli, ["health", str(complex_project), "--module", "nope"])
    assert 2 == unknown.exit_code
    assert "module not found: nope" in unknown.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are a POSIX feature")
def test_a_fifo_named_like_python_is_skipped_with_a_notice(
    runner: CliRunner, make_project: Callable[..., Path]
) -> None:
    project = make_project({"ok.py": "def f():\n    return 1\n"})
    os.mkfifo(project / "pipe.py")
    result = runner.invoke(cli, ["health", str(project), "--telemetry", "off"])
    assert 0 == result.exit_code
    assert "Notice: skipped pipe.py: not a regular file" in result.stderr
