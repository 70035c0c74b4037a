"""A real external plugin distribution (``tests-integration/plugins/chaffra-todo``),
installed into a fresh environment, found through its ``chaffra.modules`` entry
point and run by ``chaffra health`` in one process and in worker processes."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path
from typing import Any

import pytest

PLUGIN = Path(__file__).parent / "plugins" / "chaffra-todo"
TIMEOUT = 300
SOURCE = "def todo_parse(text):\n    return text\n\n\ndef done(text):\n    return text\n"


@pytest.fixture(scope="module")
def plugin_python(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new environment holding the plugin; chaffra and its dependencies come from this one."""
    uv = shutil.which("uv")
    assert uv is not None, "the plugin test installs with uv (python -m pip install uv)"
    root = tmp_path_factory.mktemp("plugin-env")
    venv.EnvBuilder(with_pip=False).create(root)
    python = root / "bin" / "python"
    site = Path(
        subprocess.run(
            [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    here = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    # addsitedir also reads the .pth files there (the workspace's editable installs).
    lines = [f"import site; site.addsitedir({path!r})" for path in sorted(here)]
    (site / "_chaffra_under_test.pth").write_text("\n".join(lines) + "\n")
    subprocess.run(
        [uv, "pip", "install", "--quiet", "--python", str(python), "--no-deps", str(PLUGIN)],
        check=True,
        timeout=TIMEOUT,
    )
    return python


def _project(root: Path, count: int) -> Path:
    root.mkdir()
    for n in range(count):
        (root / f"module_{n:03}.py").write_text(SOURCE, encoding="utf-8")
    return root


def _health(python: Path, project: Path, *args: str, code: int = 0) -> dict[str, Any]:
    run = subprocess.run(
        [
            python,
            "-m",
            "chaffra_cli",
            "health",
            str(project),
            "--telemetry",
            "off",
            "--format",
            "json",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        env={"CHAFFRA_CACHE_DIR": str(project.parent / "cache"), "PATH": "/usr/bin:/bin"},
    )
    assert code == run.returncode, run.stderr
    report: dict[str, Any] = json.loads(run.stdout)
    return report


@pytest.mark.parametrize("count", [10, 250], ids=["in-process", "in-workers"])
def test_an_installed_plugin_runs_in_health_below_and_above_the_parallel_threshold(
    plugin_python: Path, tmp_path: Path, count: int
) -> None:
    # Exit 1: the plugin's findings count for health too (docs/health.md), below min-score.
    report = _health(plugin_python, _project(tmp_path / "project", count), code=1)
    assert "todo" in report["modules"]
    assert all(f["other_cost"] > 0 for f in report["health"]["files"])
    flagged = [f for f in report["findings"] if f["rule_id"] == "todo:unfinished-function"]
    assert count == len(flagged)
    assert {"symbol": "todo_parse"} == flagged[0]["metadata"]
    assert [] == report["module_errors"]


def test_a_plugin_can_be_run_alone_listed_and_explained(
    plugin_python: Path, tmp_path: Path
) -> None:
    report = _health(plugin_python, _project(tmp_path / "project", 3), "--module", "todo")
    assert ["todo"] == report["modules"]
    listed = subprocess.run(
        [plugin_python, "-m", "chaffra_cli", "modules"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert "todo" in listed.stdout
    explained = subprocess.run(
        [plugin_python, "-m", "chaffra_cli", "explain", "todo:unfinished-function"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert 0 == explained.returncode
    assert "Unfinished function" in explained.stdout


def test_the_plugin_is_not_installed_in_the_test_environment_itself() -> None:
    """The plugin lives only in its own environment (the test does not leak it)."""
    from importlib.metadata import entry_points

    assert "todo" not in {e.name for e in entry_points(group="chaffra.modules")}
    assert sys.prefix != str(PLUGIN)
