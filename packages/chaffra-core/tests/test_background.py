"""Background work of long-running producers: one piece at a time, the newest waiting wins."""

from __future__ import annotations

import functools
import io
import subprocess
import sys
import threading
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from chaffra_core._background import LatestWork

TIMEOUT = 10.0


def _blocked(work: LatestWork, done: list[str]) -> threading.Event:
    """Submit a piece that runs until the returned event is set (it has started on return)."""
    started, release = threading.Event(), threading.Event()

    def first() -> None:
        started.set()
        assert release.wait(TIMEOUT)
        done.append("first")

    work.submit(first)
    assert started.wait(TIMEOUT)
    return release


def test_work_waiting_behind_running_work_is_replaced_by_newer_work() -> None:
    work, done = LatestWork("test"), list[str]()
    release = _blocked(work, done)
    work.submit(lambda: done.append("second"))
    work.submit(lambda: done.append("third"))
    assert not work.idle
    release.set()
    assert work.wait(TIMEOUT)
    assert ["first", "third"] == done
    assert work.wait(0)  # idle again
    work.close()


def test_waiting_gives_up_after_its_timeout_while_work_runs() -> None:
    work, done = LatestWork("test"), list[str]()
    release = _blocked(work, done)
    assert not work.wait(0.01)
    release.set()
    assert work.wait(TIMEOUT)
    assert ["first"] == done
    work.close()


def test_a_piece_that_raises_is_a_warning_and_the_next_piece_still_runs() -> None:
    out = io.StringIO()
    work, done = LatestWork("chaffra-test", stderr=out), list[str]()
    release = _blocked(work, done)

    def broken() -> None:
        raise OSError("disk full")

    work.submit(broken)
    release.set()
    assert work.wait(TIMEOUT)
    work.submit(lambda: done.append("after"))
    assert work.wait(TIMEOUT)
    assert "Warning: chaffra-test: OSError: disk full\n" == out.getvalue()
    assert ["first", "after"] == done
    work.close()


@settings(max_examples=25, deadline=None)
@given(st.lists(st.integers(), min_size=1, max_size=8))
def test_the_last_piece_submitted_always_runs_and_runs_last(values: list[int]) -> None:
    """Never lose the last state: whatever was dropped, the newest piece ran, after the rest."""
    work, done = LatestWork("test"), list[int]()
    for value in values:
        work.submit(functools.partial(done.append, value))
    assert work.wait(TIMEOUT)
    assert values[-1] == done[-1]
    assert set(done) <= set(values)
    work.close()


def test_closing_does_the_queued_work_ends_the_thread_and_a_later_submit_starts_one() -> None:
    """A producer that forks workers after closing holds no thread of ours."""
    work, done = LatestWork("chaffra-close-test"), list[str]()
    release = _blocked(work, done)
    work.submit(lambda: done.append("queued"))
    release.set()
    work.close()
    assert ["first", "queued"] == done
    assert "chaffra-close-test" not in {t.name for t in threading.enumerate()}
    work.close()  # closing twice is harmless
    work.submit(lambda: done.append("again"))
    assert work.wait(TIMEOUT)
    work.close()
    assert ["first", "queued", "again"] == done


def test_work_still_queued_when_the_interpreter_exits_is_done_first(tmp_path: Path) -> None:
    """Never lose the last state: a process that ends right after handing work over waits."""
    out = tmp_path / "stored.txt"
    script = (
        "import threading, sys\n"
        "from chaffra_core._background import LatestWork\n"
        "release = threading.Event()\n"
        "work = LatestWork('exit-test')\n"
        "work.submit(lambda: release.wait(30))\n"
        f"work.submit(lambda: open({str(out)!r}, 'w').write('last'))\n"
        "release.set()\n"
        "sys.exit(0)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], timeout=60, check=False)
    assert 0 == done.returncode
    assert "last" == out.read_text()
