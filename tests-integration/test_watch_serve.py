"""``chaffra watch --serve``: the dashboard served by the watching process shows each edit live."""

from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import IO

import httpx

TIMEOUT = 60.0
WATCH = (sys.executable, "-m", "chaffra_cli", "watch")
COMPLEX = (
    "def f(a):\n"
    + "".join(f"    if a == {i}:\n        a += 1\n" for i in range(12))
    + "    return a\n"
)


def _pump(stream: IO[str], into: queue.Queue[str]) -> None:
    for line in stream:
        into.put(line.rstrip("\n"))


def _until(lines: queue.Queue[str], *starts: str) -> list[str]:
    """The lines read until one starting with each of ``starts`` was seen (any order)."""
    seen: list[str] = []
    missing = set(starts)
    while missing:
        seen.append(lines.get(timeout=TIMEOUT))
        missing = {s for s in missing if not seen[-1].startswith(s)}
    return seen


def _events(response: httpx.Response) -> Iterator[tuple[str, dict[str, object]]]:
    """The server-sent events of ``response`` as (name, data)."""
    name = ""
    for line in response.iter_lines():
        if line.startswith("event: "):
            name = line.removeprefix("event: ")
        elif line.startswith("data: "):
            yield name, json.loads(line.removeprefix("data: "))


def test_the_dashboard_served_while_watching_shows_an_edit_through_the_api(
    tmp_path: Path,
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / "a.py").write_text("print(1)\n", encoding="utf-8")
    process = subprocess.Popen(
        [*WATCH, str(root), "--serve", "--port", "0", "--debounce", "50"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "CHAFFRA_CACHE_DIR": str(tmp_path / "cache")},
    )
    assert process.stderr is not None
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_pump, args=(process.stderr, lines), daemon=True).start()
    try:
        started = _until(lines, "Dashboard: ", "Audience: ", "Watching ")
        url = next(s for s in started if s.startswith("Dashboard: ")).removeprefix("Dashboard: ")
        assert f"Mode: live, following {root / '.chaffra' / 'telemetry.db'} (chaffra watch)" in (
            started
        )
        with (
            httpx.Client(base_url=url, timeout=TIMEOUT) as client,
            client.stream("GET", "api/v1/events") as stream,
        ):
            events = _events(stream)
            assert "ready" == next(events)[0]
            assert 0 == client.get("api/v1/findings/summary").json()["total"]
            first = client.get("api/v1/metrics/history").json()["snapshots"]

            (root / "b.py").write_text(COMPLEX, encoding="utf-8")
            name, data = next(events)
            while name != "snapshot":
                name, data = next(events)

            summary = client.get("api/v1/findings/summary").json()
            history = client.get("api/v1/metrics/history").json()
            metrics = client.get("api/v1/metrics").json()
        assert 1 == len(first)
        assert data["newest_timestamp_ms"] == summary["snapshot_timestamp_ms"]
        assert 1 == summary["by_module"]["dead-code"]  # f is never called
        assert summary["by_module"]["complexity"] >= 1  # f is too complex
        assert 2 == len(history["snapshots"])
        assert 2 == metrics["files_total"]
        assert any(line.startswith("  b.py: 0 -> ") for line in _until(lines, "  b.py"))

        process.send_signal(signal.SIGINT)
        assert 0 == process.wait(timeout=TIMEOUT)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        process.stderr.close()
