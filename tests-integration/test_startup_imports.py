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


def _without_coverage() -> dict[str, str]:
    """The environment minus coverage's subprocess hook (coverage itself loads sqlite3)."""
    return {k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")}


def loaded(*argv: str) -> tuple[int, set[str]]:
    done = subprocess.run(
        [sys.executable, "-c", PROBE, *argv],
        capture_output=True,
        text=True,
        check=True,
        env=_without_coverage(),
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
