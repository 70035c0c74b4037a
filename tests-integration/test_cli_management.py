"""``chaffra management`` as a real process on port 0, and ``chaffra --version``'s start-up time."""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
import time
from contextlib import AbstractContextManager
from pathlib import Path

import httpx

from _servers import running_server

TIMEOUT = 60.0
MODULE = "def f(a):\n" + "".join(f"    if a == {i}:\n        a += 1\n" for i in range(25))


def chaffra_command() -> list[str]:
    sibling = Path(sys.executable).with_name("chaffra")
    if sibling.is_file():
        return [str(sibling)]
    found = shutil.which("chaffra")
    return [found] if found else [sys.executable, "-m", "chaffra_cli"]


def management(*args: str) -> AbstractContextManager[tuple[str, list[str], subprocess.Popen[str]]]:
    """``chaffra management --port 0 ARGS``; yields the dashboard URL and the stderr lines."""
    return running_server([*chaffra_command(), "management", "--port", "0", *args])


def test_management_analyses_the_project_serves_its_store_and_exits_0_on_sigterm(
    tmp_path: Path,
) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "m.py").write_text(MODULE + "    return a\n", encoding="utf-8")
    done = subprocess.run(
        [*chaffra_command(), "complexity", str(root)],
        capture_output=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert 0 == done.returncode
    with management(str(root)) as (url, lines, process):
        assert f"Mode: live, following {root / '.chaffra' / 'telemetry.db'}" in lines
        with httpx.Client(base_url=url, timeout=TIMEOUT) as client:
            metrics = client.get("api/v1/metrics").json()
            assert 1 == metrics["files_total"]
            history = client.get("api/v1/metrics/history").json()
            assert ("live", 2) == (history["status"], len(history["snapshots"]))
            assert "Chaffra Management Dashboard" in client.get("").text
        process.send_signal(signal.SIGTERM)
        assert 0 == process.wait(timeout=TIMEOUT)


def test_management_under_off_serves_the_empty_state_and_writes_nothing(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text("x = 1\n", encoding="utf-8")
    with management(str(tmp_path), "--telemetry", "off") as (url, lines, process):
        assert "Mode: empty (telemetry off)" in lines
        with httpx.Client(base_url=url, timeout=TIMEOUT) as client:
            assert "empty" == client.get("api/v1/metrics/history").json()["status"]
        process.send_signal(signal.SIGINT)
        assert 0 == process.wait(timeout=TIMEOUT)
    assert ["m.py"] == sorted(p.name for p in tmp_path.iterdir())


def best_of(command: list[str], runs: int = 7) -> float:
    best = float("inf")
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, timeout=TIMEOUT)
        best = min(best, time.perf_counter() - started)
    return best


def test_version_starts_within_three_times_a_bare_interpreter() -> None:
    """``chaffra --version`` imports neither click nor the analysis code."""
    bare = best_of([sys.executable, "-c", "pass"])
    version = best_of([*chaffra_command(), "--version"])
    assert version <= 3 * bare, (version, bare)
    shown = subprocess.run(
        [*chaffra_command(), "--version"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert "chaffra 0.1.0\n" == shown.stdout
