"""Running a server as a subprocess and reading the URL it prints (shared by the tests)."""

from __future__ import annotations

import queue
import re
import subprocess
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import IO

__all__ = ["running_server"]

_TIMEOUT = 60.0
_URL = re.compile(r"Dashboard: (http://127\.0\.0\.1:\d+/)")


@contextmanager
def running_server(
    command: Sequence[str],
) -> Iterator[tuple[str, list[str], subprocess.Popen[str]]]:
    """Start ``command``; yield its dashboard URL, its startup lines and the process.

    The server must print ``Dashboard: <url>`` and, last, ``Audience: ...`` on
    stderr once it listens. It is killed on exit if the test did not stop it.
    """
    process = subprocess.Popen(
        list(command), stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
    )
    lines: queue.Queue[str] = queue.Queue()

    def pump(stream: IO[str]) -> None:
        for line in stream:
            lines.put(line.rstrip("\n"))

    assert process.stderr is not None
    pumper = threading.Thread(target=pump, args=(process.stderr,), daemon=True)
    pumper.start()
    try:
        seen = [lines.get(timeout=_TIMEOUT)]
        while not seen[-1].startswith("Audience:"):
            seen.append(lines.get(timeout=_TIMEOUT))
        match = _URL.search("\n".join(seen))
        assert match is not None, seen
        yield match.group(1), seen, process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=_TIMEOUT)
        pumper.join(timeout=_TIMEOUT)
        process.stderr.close()
