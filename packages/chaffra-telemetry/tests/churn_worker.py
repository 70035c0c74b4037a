"""Child process for the multi-process churn tests (run as a script, never collected).

Usage: ``python churn_worker.py MODE ROOT [ARGS...]``; the worker talks to the
test over stdin/stdout, one line per message:

- ``add ROOT WORKER COUNT``: print ``ready``, wait for a line on stdin, then
  COUNT times: lock, load, add one fingerprint of its own, save; print ``done``.
- ``hold ROOT``: take the project lock, print ``locked``, hold it until stdin
  gives a line (or closes), then release and exit.
- ``stall-save ROOT``: save a new state but stop inside ``os.replace`` after
  printing ``replacing``; waits on stdin forever (the test kills it).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from chaffra_telemetry._churn import ChurnState, FindingFingerprint, hash_fingerprints
from chaffra_telemetry._churn_state import load_state, project_lock, save_state

SCOPE = "dead-code"


def say(message: str) -> None:
    sys.stdout.write(message + "\n")
    sys.stdout.flush()


def add(root: Path, worker: str, count: int) -> None:
    say("ready")
    sys.stdin.readline()
    for line in range(count):
        with project_lock(root, timeout_s=30):
            previous = load_state(root, SCOPE)
            known = previous.fingerprints if previous else frozenset()
            mine = FindingFingerprint(rule_id=f"worker-{worker}", file="a.py", start_line=line)
            fingerprints = known | {mine}
            state = ChurnState(
                fingerprints=fingerprints,
                findings_hash=hash_fingerprints(fingerprints),
                timestamp_ms=line,
            )
            save_state(root, SCOPE, state)
    say("done")


def hold(root: Path) -> None:
    with project_lock(root, timeout_s=30):
        say("locked")
        sys.stdin.readline()


def stall_save(root: Path) -> None:
    def stall(_source: object, _target: object) -> None:
        say("replacing")
        sys.stdin.readline()
        raise SystemExit(1)  # only reached if the test forgot to kill us

    os.replace = stall  # type: ignore[assignment]
    fingerprints = frozenset({FindingFingerprint(rule_id="new", file="b.py", start_line=1)})
    save_state(
        root,
        SCOPE,
        ChurnState(
            fingerprints=fingerprints,
            findings_hash=hash_fingerprints(fingerprints),
            timestamp_ms=2,
        ),
    )


def main(argv: list[str]) -> None:
    mode, root = argv[0], Path(argv[1])
    if mode == "add":
        add(root, argv[2], int(argv[3]))
    elif mode == "hold":
        hold(root)
    elif mode == "stall-save":
        stall_save(root)
    else:
        raise SystemExit(f"unknown mode {mode!r}")


if __name__ == "__main__":
    main(sys.argv[1:])
