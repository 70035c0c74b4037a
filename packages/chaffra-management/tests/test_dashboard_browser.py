"""The dashboard in a real browser (Debian's chromium via Playwright) against real servers.

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
from collections.abc import Iterator
from contextlib import contextmanager
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
REPO_ROOT = Path(__file__).resolve().parents[3]
URL_PATTERN = re.compile(r"http://(?:127\.0\.0\.1|localhost|\[::1\]):\d+")
STARTUP_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0
UI_TIMEOUT_MS = 15_000
# A live push travels file -> server's change poll -> SSE -> debounced refresh; the
# 10 s polling fallback alone would also make it, so the bound leaves room for both.
LIVE_PUSH_TIMEOUT_MS = 25_000
EVENTS_PATH = "api/v1/events"
CHART_IDS = ("chart-health", "chart-severity", "chart-churn", "chart-durations")
SEED_RUNS = 12

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
        # The event stream failing over to polling is designed behaviour, not a fault.
        if message.type == "error" and not message.location["url"].endswith(EVENTS_PATH):
            problems.append(f"console error: {message.text} at {message.location['url']}")

    def on_page_error(error: Error) -> None:
        problems.append(f"uncaught exception: {error}")

    with sync_playwright() as playwright:
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "chromium-profile"),
            executable_path=str(CHROMIUM),
            args=CHROMIUM_ARGS,
            headless=True,
            viewport={"width": 1280, "height": 900},
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
def management_server(*args: str) -> Iterator[str]:
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
    with management_server("--seeded", "--audience", "on") as url:
        yield url


def push_snapshot_from_another_process(store: Path) -> None:
    """Push a 7-finding, two-module snapshot into ``store``, as an analysis run would."""
    subprocess.run(
        [sys.executable, "-c", PUSH_SNIPPET, str(store)], check=True, timeout=STARTUP_TIMEOUT_S
    )


def fresh_store(directory: Path) -> Path:
    store = directory / "telemetry.db"
    SqliteStore(store).close()
    return store


def open_dashboard(page: Page, url: str) -> None:
    page.goto(url)
    expect(page).to_have_title("Chaffra Management Dashboard")
    expect(page.get_by_test_id("connection-badge")).to_have_text("Connected")


def test_seeded_dashboard_shows_the_demo_numbers_and_an_unmistakable_demo_badge(
    page: Page, seeded_url: str
) -> None:
    """Cards, modules, churn and config show the seed's newest run; the source reads Demo data."""
    open_dashboard(page, seeded_url)
    expect(page.get_by_test_id("source-badge")).to_have_text("Demo data")
    expect(page.get_by_test_id("source-banner")).to_contain_text(
        "Demo data — run an analysis to see your project"
    )
    expect(page.get_by_test_id("health-score")).to_have_text("78.3")
    expect(page.get_by_test_id("health-grade")).to_have_text("C")
    expect(page.get_by_test_id("total-findings")).to_have_text("18")
    expect(page.get_by_test_id("files-analyzed")).to_have_text("87")
    expect(page.get_by_test_id("analysis-duration")).to_have_text("1012ms")
    rows = page.get_by_test_id("module-row")
    expect(rows).to_have_count(3)
    expect(rows.nth(0)).to_contain_text("complexity")
    expect(page.locator('[data-module="security"]')).to_contain_text("error")
    expect(page.locator('[data-module="security"]')).to_contain_text("850ms")
    expect(page.get_by_test_id("churn-new")).to_have_text("3")
    expect(page.get_by_test_id("churn-resolved")).to_have_text("1")
    expect(page.get_by_test_id("churn-unchanged")).to_have_text("15")
    expect(page.get_by_test_id("config-audience")).to_have_text("on")
    expect(page.get_by_test_id("error-banner")).to_be_hidden()


def test_seeded_history_charts_plot_all_twelve_runs_as_accessible_svg(
    page: Page, seeded_url: str
) -> None:
    """Every chart is an SVG image with a summary label and one hover tooltip per run."""
    open_dashboard(page, seeded_url)
    for chart_id in CHART_IDS:
        chart = page.get_by_test_id(chart_id)
        expect(chart).to_have_attribute("data-state", "ready")
        expect(chart).to_have_attribute("data-runs", str(SEED_RUNS))
        expect(chart.locator(".hover-slot")).to_have_count(SEED_RUNS)
        expect(chart.locator("svg[role=img]")).to_have_attribute("aria-label", re.compile(r"\w"))
    health = page.get_by_test_id("chart-health")
    expect(health.locator('[data-series="average"] circle')).to_have_count(SEED_RUNS)
    expect(health.locator(".legend")).to_contain_text("security")
    expect(page.get_by_test_id("chart-severity").locator(".bar-stack")).to_have_count(SEED_RUNS)
    expect(page.get_by_test_id("chart-churn").locator(".bar-group")).to_have_count(SEED_RUNS)


def test_detail_panel_opens_from_a_card_and_closes_by_escape_button_and_backdrop(
    page: Page, seeded_url: str
) -> None:
    """The health card opens the slide-over with its insight; Escape, close and backdrop shut it."""
    open_dashboard(page, seeded_url)
    panel = page.get_by_test_id("detail-panel")
    page.get_by_test_id("card-health").click()
    expect(panel).to_be_visible()
    expect(panel).to_contain_text("security is the lowest contributor at 65.0")
    page.keyboard.press("Escape")
    expect(panel).to_be_hidden()
    page.get_by_test_id("card-findings").click()
    expect(panel).to_contain_text("complexity has the most findings (8), mostly warning")
    page.get_by_role("button", name="Close details").click()
    expect(panel).to_be_hidden()
    page.get_by_test_id("churn-new").click()
    expect(panel.get_by_test_id("churn-trend")).to_have_text("Degrading")
    page.get_by_test_id("detail-backdrop").click(position={"x": 20, "y": 400})
    expect(panel).to_be_hidden()


def test_seeded_dashboard_screenshots_at_laptop_and_phone_widths(
    page: Page, seeded_url: str, artifacts: Path
) -> None:
    """Full-page screenshots at 1280x900 and 390x844; the phone layout never scrolls sideways."""
    open_dashboard(page, seeded_url)
    expect(page.get_by_test_id("chart-health")).to_have_attribute("data-state", "ready")
    page.screenshot(path=artifacts / "dashboard-desktop.png", full_page=True, animations="disabled")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.get_by_test_id("total-findings")).to_have_text("18")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    page.screenshot(path=artifacts / "dashboard-phone.png", full_page=True, animations="disabled")
    assert (artifacts / "dashboard-desktop.png").stat().st_size > 0
    assert (artifacts / "dashboard-phone.png").stat().st_size > 0


def test_a_snapshot_pushed_by_another_process_appears_without_reload(
    page: Page, tmp_path: Path, artifacts: Path
) -> None:
    """An empty store shows No data; a push from another process turns the page Live in place."""
    store = fresh_store(tmp_path)
    with management_server("--store", str(store), "--audience", "on") as url:
        open_dashboard(page, url)
        expect(page.get_by_test_id("source-badge")).to_have_text("No data")
        expect(page.get_by_test_id("source-banner")).to_contain_text("chaffra health .")
        expect(page.get_by_test_id("total-findings")).to_have_text("0")
        expect(page.get_by_test_id("health-score")).to_have_text("—")
        expect(page.get_by_test_id("modules-table")).to_contain_text("No modules loaded")
        expect(page.get_by_test_id("footer-note")).to_have_attribute("data-updates", "streaming")
        page.screenshot(path=artifacts / "dashboard-empty.png", full_page=True)
        page.evaluate("window.__sameDocument = true")

        push_snapshot_from_another_process(store)

        expect(page.get_by_test_id("total-findings")).to_have_text(
            "7", timeout=LIVE_PUSH_TIMEOUT_MS
        )
        expect(page.get_by_test_id("source-badge")).to_have_text("Live")
        expect(page.get_by_test_id("source-banner")).to_be_hidden()
        expect(page.get_by_test_id("health-score")).to_have_text("92.0")
        expect(page.get_by_test_id("health-grade")).to_have_text("A")
        expect(page.get_by_test_id("module-row")).to_have_count(2)
        expect(page.get_by_test_id("churn-resolved")).to_have_text("4")
        expect(page.get_by_test_id("chart-health")).to_have_attribute("data-runs", "1")
        assert page.evaluate("window.__sameDocument === true"), "the page was reloaded"
        page.screenshot(path=artifacts / "dashboard-live.png", full_page=True)
        page.goto("about:blank")  # close the event stream before the server goes away


def test_without_an_event_stream_the_page_polls_and_still_shows_a_new_snapshot(
    page: Page, tmp_path: Path
) -> None:
    """With the stream answering 503 the page polls every 10 s; user-only data shows as withheld."""
    store = fresh_store(tmp_path)
    with management_server("--store", str(store), "--audience", "user-only") as url:
        page.route(f"**/{EVENTS_PATH}", lambda route: route.fulfill(status=503, body=""))
        open_dashboard(page, url)
        expect(page.get_by_test_id("footer-note")).to_have_attribute("data-updates", "polling")
        expect(page.get_by_test_id("backends-table")).to_contain_text(
            "Withheld (operator audience only)"
        )
        expect(page.get_by_test_id("config-sampling")).to_have_text(
            "withheld (operator audience only)"
        )

        push_snapshot_from_another_process(store)

        expect(page.get_by_test_id("total-findings")).to_have_text(
            "7", timeout=LIVE_PUSH_TIMEOUT_MS
        )
        expect(page.get_by_test_id("source-badge")).to_have_text("Live")
        expect(page.locator('[data-module="alpha"] td').nth(3)).to_have_text("—")
        expect(page.get_by_test_id("chart-durations")).to_have_attribute("data-state", "withheld")
        page.goto("about:blank")
