"""A command imports only what it uses: checked on ``sys.modules`` of a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

PROBE = """
import sys
from chaffra_cli import main
status = main(sys.argv[1:])
print(status, " ".join(sorted(sys.modules)))
"""

NEVER_FOR_AN_OFF_ANALYSIS = (
    "chaffra_mcp",
    "chaffra_telemetry.backends",
    "chaffra_telemetry._lifecycle",
    "chaffra_telemetry._sqlite_store",
    "chaffra_telemetry._audit",
    "chaffra_telemetry._grafana",
    "chaffra_telemetry._seed",
    "chaffra_management._app",
    "chaffra_management._serve",
    "chaffra_core.output._json",
    "chaffra_core.output._sarif",
    "sqlite3",
    "starlette",
    "hypercorn",
    "mcp",
)


NEVER_FOR_A_WARM_ONE_FILE_HEALTH = (
    # importlib.metadata and what it loads (entry points are read without it)
    "importlib.metadata",
    "email",
    "zipfile",
    "csv",
    # manifests, ignore files, worker pools and cache writes that a warm one-file run has not
    "packaging",
    "pathspec",
    "multiprocessing",
    "concurrent.futures",
    "tempfile",
    "shutil",
    "subprocess",
    # the advisory database and its network code
    "chaffra_core.analyzers.security._database",
    "chaffra_core.analyzers.security._advisories",
    "urllib.request",
    "http.client",
    "ssl",
    # what other commands and options use
    "chaffra_core.analyzers.dead_code._fix",
    "chaffra_core.analyzers.dead_code._whitelist",
    "chaffra_core._baseline",
    "chaffra_core._changes",
    "chaffra_core._run_report",
    "chaffra_cli._commands_cache",
    "chaffra_cli._commands_dead_code",
    "chaffra_cli._commands_fix",
    "chaffra_cli._commands_info",
    "chaffra_cli._commands_lsp",
    "chaffra_cli._commands_management",
    "chaffra_cli._commands_mcp",
    "chaffra_cli._commands_security",
    "chaffra_cli._commands_telemetry",
    "chaffra_cli._commands_watch",
)
"""Start-up (issue 10 §3): each of these once cost a one-file ``chaffra health`` CPU."""


def _without_coverage() -> dict[str, str]:
    """The environment minus coverage's subprocess hook (coverage itself loads sqlite3)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}


def loaded(*argv: str, cache: Path | None = None) -> tuple[int, set[str]]:
    env = _without_coverage()
    if cache is not None:
        env["CHAFFRA_CACHE_DIR"] = str(cache)
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        capture_output=True,
        text=True,
        check=True,
        env=env,
    )
    status, _, modules = done.stdout.strip().rpartition("\n")[2].partition(" ")
    return int(status), set(modules.split())


@pytest.mark.parametrize("command", ["health", "complexity"])
def test_an_analysis_with_telemetry_off_loads_no_server_store_or_backend(
    tmp_path: Path, command: str
) -> None:
    (tmp_path / "a.py").write_text("def f(x):\n    return x\n", encoding="utf-8")
    status, modules = loaded(command, str(tmp_path), "--telemetry", "off")
    assert 0 == status
    assert [] == [m for m in NEVER_FOR_AN_OFF_ANALYSIS if m in modules]
    assert "click" in modules  # the probe is real: the command ran through click


def test_the_json_format_loads_its_renderer_only_when_asked(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    status, modules = loaded("--format", "json", "health", str(tmp_path), "--telemetry", "off")
    assert 0 == status
    assert "chaffra_core.output._json" in modules
    assert "chaffra_core.output._sarif" not in modules


def test_a_warm_one_file_health_loads_no_metadata_manifest_pool_or_other_command(
    tmp_path: Path,
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    (project / "a.py").write_text("def f(x):\n    return x\n", encoding="utf-8")
    argv = ("health", str(project), "-q", "--telemetry", "off")
    loaded(*argv, cache=tmp_path / "cache")  # cold: fills the result cache
    status, modules = loaded(*argv, cache=tmp_path / "cache")
    assert 0 == status
    heavy = [h for h in NEVER_FOR_A_WARM_ONE_FILE_HEALTH if h in modules]
    assert [] == heavy
    assert "chaffra_cli._commands_analysis" in modules  # the probe ran the real command
    assert "chaffra_core.analyzers.security" in modules  # every module ran


def test_a_project_with_a_manifest_still_checks_its_dependencies(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "requirements.txt").write_text("django==1.0\n", encoding="utf-8")
    (tmp_path / ".gitignore").write_text("build/\n", encoding="utf-8")
    status, modules = loaded("health", str(tmp_path), "-q", "--telemetry", "off")
    assert {"packaging", "pathspec", "chaffra_core.analyzers.security._database"} <= modules
    assert status in (0, 1)
