"""Browser fixtures: Debian's chromium via Playwright, and real management servers.

Each server is ``python -m chaffra_management`` in a subprocess on port 0; its
bound URL is read from its stderr. Nothing sleeps: every wait is a Playwright
expectation with a timeout. Screenshots go to ``$CHAFFRA_TEST_ARTIFACTS``
(default ``<repo>/.nox-artifacts/``).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Error, Page, expect, sync_playwright

from chaffra_telemetry import SqliteStore

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO_ROOT = Path(__file__).resolve().parents[4]
URL_PATTERN = re.compile(r"http://(?:127\.0\.0\.1|localhost|\[::1\]):\d+")
STARTUP_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
UI_TIMEOUT_MS = 15_000
EVENTS_PATH = "api/v1/events"
FILE_PATH = "api/v1/file?path="

# Runs in a separate process, like an analysis run writing to the project's store.
PUSH_SNIPPET = """
import sys, time
from chaffra_telemetry import (
    MetricDataPoint, ModuleSummary, OperatorSummary, TelemetryAudience,
    TelemetrySnapshot, UserSummary, project,
)
from chaffra_telemetry import LiveTelemetryState, SqliteStore

now = int(time.time() * 1000)
def point(name, value, **labels):
    return MetricDataPoint(name=name, value=float(value), labels=labels, timestamp_ms=now)
snapshot = TelemetrySnapshot(
    timestamp_ms=now,
    data_points=(
        point("chaffra.module.call_duration_ms", 120, module="alpha"),
        point("chaffra.module.call_duration_ms", 40, module="beta"),
        point("chaffra.analysis.findings_by_severity", 3, module="alpha", severity="error"),
        point("chaffra.analysis.findings_by_severity", 1, module="alpha", severity="warning"),
        point("chaffra.analysis.findings_by_severity", 3, module="beta", severity="info"),
        point("chaffra.findings.new", 2),
        point("chaffra.findings.resolved", 4),
        point("chaffra.findings.unchanged", 5),
        point("chaffra.findings.churn_rate", 2 / 7),
        point("chaffra.module.alpha.health_score", 88.0, module="alpha"),
        point("chaffra.module.beta.health_score", 96.0, module="beta"),
    ),
    user_summary=UserSummary(
        analysis_duration_ms=160,
        files_total=12,
        findings_by_severity={"error": 3, "warning": 1, "info": 3},
        findings_by_module={"alpha": 4, "beta": 3},
        module_summaries={
            "alpha": ModuleSummary(duration_ms=120, finding_count=4, metrics={"health_score": 88}),
            "beta": ModuleSummary(duration_ms=40, finding_count=3, metrics={"health_score": 96}),
        },
    ),
    operator_summary=OperatorSummary(module_call_durations={"alpha": 120, "beta": 40}),
)
if sys.argv[2:] == ["no-churn"]:  # a run that compares nothing, like `chaffra health`
    snapshot = TelemetrySnapshot(
        timestamp_ms=now,
        data_points=tuple(
            p for p in snapshot.data_points if not p.name.startswith("chaffra.findings.")
        ),
        user_summary=snapshot.user_summary,
        operator_summary=snapshot.operator_summary,
    )
with SqliteStore(sys.argv[1]) as store:
    LiveTelemetryState(store).push_snapshot(project(snapshot, TelemetryAudience.ON))
"""


@pytest.fixture
def artifacts() -> Path:
    """The directory the screenshots are written to (created if absent)."""
    directory = Path(os.environ.get("CHAFFRA_TEST_ARTIFACTS") or REPO_ROOT / ".nox-artifacts")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    """A page in a fresh chromium profile; fails at teardown on script errors or CSP violations."""
    if not CHROMIUM.is_file():
        reason = f"{CHROMIUM} is missing; install Debian's chromium (apt-get install -y chromium)"
        if os.environ.get("CHAFFRA_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CHAFFRA_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        url = message.location["url"]
        # The event stream failing over to polling, and a file the report lacks (the
        # file page shows that 404 as "not in the latest run report"), are designed.
        if message.type == "error" and not (url.endswith(EVENTS_PATH) or FILE_PATH in url):
            problems.append(f"console error: {message.text} at {message.location['url']}")

    def on_page_error(error: Error) -> None:
        problems.append(f"uncaught exception: {error}")

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1366, "height": 900},
        )
        try:
            page = context.new_page()
            page.set_default_timeout(UI_TIMEOUT_MS)
            expect.set_options(timeout=UI_TIMEOUT_MS)
            page.on("console", on_console)
            page.on("pageerror", on_page_error)
            yield page
            # Checked before the server stops: a dropped connection logs errors of its own.
            assert [] == problems
        finally:
            context.close()


@contextmanager
def _management_server(*args: str) -> Iterator[str]:
    """Run ``python -m chaffra_management <args> --port 0``; yield the URL it reports."""
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    with subprocess.Popen(
        [sys.executable, "-m", "chaffra_management", *args, "--port", "0"],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as process:
        assert process.stderr is not None
        stderr = process.stderr
        lines: list[str] = []
        urls: list[str] = []
        reported = threading.Event()

        def drain() -> None:
            # Keep reading for the server's whole life, so a full pipe never blocks it.
            for line in stderr:
                lines.append(line)
                match = URL_PATTERN.search(line)
                if match and not urls:
                    urls.append(match.group(0) + "/")
                    reported.set()
            reported.set()

        reader = threading.Thread(target=drain, name="server-stderr", daemon=True)
        reader.start()
        try:
            reported.wait(STARTUP_TIMEOUT_S)
            if not urls:
                pytest.fail(f"the server reported no URL; stderr:\n{''.join(lines)}")
            yield urls[0]
        finally:
            process.terminate()
            try:
                process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(STOP_TIMEOUT_S)
            reader.join(STOP_TIMEOUT_S)


@pytest.fixture(scope="module")
def seeded_url() -> Iterator[str]:
    """One seeded server (audience ``on``) shared by the seeded-mode tests."""
    with _management_server("--seeded", "--audience", "on") as url:
        yield url


@pytest.fixture
def serve() -> Callable[..., AbstractContextManager[str]]:
    """``with serve(*args) as url``: a ``python -m chaffra_management`` server for the test."""
    return _management_server


@pytest.fixture
def push() -> Callable[..., None]:
    """``push(store)``: a 7-finding, two-module snapshot pushed from another process.

    ``push(store, "no-churn")`` pushes the same run without churn points, as a
    run that compares nothing (``chaffra health``) does.
    """

    def push(store: Path, *flags: str) -> None:
        subprocess.run(
            [sys.executable, "-c", PUSH_SNIPPET, str(store), *flags],
            check=True,
            timeout=STARTUP_TIMEOUT_S,
        )

    return push


@pytest.fixture
def store(tmp_path: Path) -> Path:
    """An empty telemetry store file."""
    path = tmp_path / "telemetry.db"
    SqliteStore(path).close()
    return path
