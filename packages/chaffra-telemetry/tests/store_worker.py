"""Child process for the multi-process SqliteStore tests (run as a script, never collected).

Usage: ``python store_worker.py MODE DB [ARGS...]``; the worker talks to the
test over stdin/stdout, one line per message:

- ``push DB WORKER COUNT``: open the store, print ``ready``, wait for a line on
  stdin, push COUNT live snapshots with timestamps ``WORKER * COUNT + i``, print
  ``done``.
- ``forever DB``: open the store and push live snapshots with timestamps 0, 1,
  2, ... printing each timestamp once its push has committed, until killed.
"""

from __future__ import annotations

import sys
from pathlib import Path

from chaffra_telemetry import TelemetryAudience, TelemetrySnapshot, UserSummary, project
from chaffra_telemetry._sqlite_store import SqliteStore


def say(message: str) -> None:
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def snapshot(timestamp_ms: int, worker: int) -> TelemetrySnapshot:
    return TelemetrySnapshot(
        timestamp_ms=timestamp_ms, user_summary=UserSummary(files_total=worker)
    )


def push(db: Path, worker: int, count: int) -> None:
    with SqliteStore(db, busy_timeout_s=60) as store:
        say("ready")
        sys.stdin.readline()
        for i in range(count):
            store.push_live(project(snapshot(worker * count + i, worker), TelemetryAudience.ON))
        say("done")


def forever(db: Path) -> None:
    store = SqliteStore(db, busy_timeout_s=60)
    timestamp = 0
    while True:
        store.push_live(project(snapshot(timestamp, 0), TelemetryAudience.ON))
        say(str(timestamp))
        timestamp += 1


def main(argv: list[str]) -> None:
    mode, db, *args = argv
    if mode == "push":
        push(Path(db), int(args[0]), int(args[1]))
    elif mode == "forever":
        forever(Path(db))
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
