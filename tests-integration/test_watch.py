"""``chaffra watch`` as a real process: edits, a syntax error, a deletion, stored runs, SIGINT."""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO

from chaffra_telemetry import LiveTelemetryState, SqliteStore

TIMEOUT = 60.0
COMPLEX = (
    "def f(a):\n"
    + "".join(f"    if a == {i}:\n        a += 1\n" for i in range(12))
    + "    return a\n"
)


def _lines(stream: IO[str], into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line)


def _wait(lines: queue.Queue[str], text: str, seen: list[str]) -> None:
    while True:
        line = lines.get(timeout=TIMEOUT)
        seen.append(line)
        if text in line:
            return


def _runs(root: Path) -> int:
    store = SqliteStore.for_project(root)
    try:
        return LiveTelemetryState(store).snapshot_count()
    finally:
        store.close()


def test_watch_follows_edits_syntax_errors_and_deletions_and_stops_on_sigint(
    tmp_path: Path,
) -> None:
    root = tmp_path / "project"
    (root / "node_modules").mkdir(parents=True)
    (root / ".git").mkdir()
    (root / "a.py").write_text("print(1)\n", encoding="utf-8")  # no finding of any module
    (root / "b.py").write_text(COMPLEX, encoding="utf-8")
    process = subprocess.Popen(
        [sys.executable, "-m", "chaffra_cli", "watch", str(root), "--debounce", "50"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CHAFFRA_CACHE_DIR": str(tmp_path / "cache")},
    )
    errors: queue.Queue[str] = queue.Queue()
    seen: list[str] = []
    assert process.stderr is not None
    assert process.stdout is not None
    threading.Thread(target=_lines, args=(process.stderr, errors), daemon=True).start()
    output: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_lines, args=(process.stdout, output), daemon=True).start()
    try:
        _wait(errors, "Watching", seen)
        assert "1 directories" in seen[-1]  # .git and node_modules are not watched
        assert 1 == _runs(root)

        (root / "a.py").write_text("def broken(:\n", encoding="utf-8")
        _wait(errors, "a.py: 0 -> 1 findings", seen)
        (root / "b.py").unlink()
        _wait(errors, "b.py: ", seen)
        assert seen[-1].rstrip().endswith("-> 0 findings")
        (root / "node_modules" / "n.py").write_text(COMPLEX, encoding="utf-8")
        (root / "a.py").write_text("print(2)\n", encoding="utf-8")
        _wait(errors, "a.py: 1 -> 0 findings", seen)
        assert 4 == _runs(root)

        process.send_signal(signal.SIGINT)
        assert 0 == process.wait(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stdout.close()
        process.stderr.close()
    printed = []
    while not output.empty():
        printed.append(output.get())
    assert any("parse:syntax-error" in line for line in printed)
    assert not any("node_modules" in line for line in seen + printed)
