"""Worker processes of a large run: they die with their parent, whatever kills it."""

from __future__ import annotations

import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from test_hostile_projects import chaffra_command

BODY = "".join(
    f"def function_{n}(a, b):\n    if a and b:\n        return [x for x in a if x]\n"
    "    return b\n\n"
    for n in range(200)
)


def _children(pid: int) -> set[int]:
    found: set[int] = set()
    for task in Path(f"/proc/{pid}/task").iterdir():
        children = (task / "children").read_text().split()
        found.update(int(child) for child in children)
    return found


def _wait_for_exit(pid: int, timeout: float) -> bool:
    """Whether process ``pid`` (not our child) exits within ``timeout`` seconds."""
    try:
        descriptor = os.pidfd_open(pid)
    except ProcessLookupError:
        return True
    try:
        ready, _, _ = select.select([descriptor], [], [], timeout)
        return bool(ready)
    finally:
        os.close(descriptor)


@pytest.mark.skipif(
    not sys.platform.startswith("linux") or not hasattr(os, "pidfd_open"),
    reason="reads /proc and waits with pidfd_open (Linux)",
)
def test_sigkill_of_a_cold_run_leaves_no_worker_behind(tmp_path: Path) -> None:
    project = tmp_path / "big"
    project.mkdir()
    for n in range(400):
        (project / f"module_{n}.py").write_text(BODY, encoding="utf-8")
    run = subprocess.Popen(
        [*chaffra_command(), "health", str(project), "--telemetry", "off", "--no-progress"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "CHAFFRA_CACHE_DIR": str(tmp_path / "cache")},
    )
    try:
        deadline = time.monotonic() + 60
        workers: set[int] = set()
        while len(workers) < 2 and run.poll() is None and time.monotonic() < deadline:
            workers = _children(run.pid)  # a condition polled until the pool is up
        assert len(workers) >= 2, "the run ended before its worker pool started"
        run.send_signal(signal.SIGKILL)
        run.wait(timeout=30)
        assert all(_wait_for_exit(worker, timeout=10) for worker in workers)
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()
