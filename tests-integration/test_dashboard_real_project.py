"""The dashboard on a real project: the CLI analyses it, ``chaffra management`` serves it,
chromium (Debian's, via Playwright) reads it.

The project's file name carries markup; every page must show it as text. Screenshots
go to ``$CHAFFRA_TEST_ARTIFACTS`` (default ``<repo>/.nox-artifacts/``).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import ConsoleMessage, Error, Page, ViewportSize, expect, sync_playwright

from _servers import running_server

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]
REPO_ROOT = Path(__file__).resolve().parents[1]
TIMEOUT_S = 120.0
UI_TIMEOUT_MS = 15_000
MARKUP_NAME = "<img src=x onerror=alert(1)>.py"
MARKUP_FILE = "app/" + MARKUP_NAME
COMPLEX = (
    "import os\n\n"
    "def handle(x):\n"
    "    if x:\n"
    "        for i in range(x):\n"
    "            if i % 2:\n"
    "                while i:\n"
    "                    i -= 1\n"
    "    return eval(x)\n"
)
VIEWPORTS: dict[str, ViewportSize] = {
    "desktop": {"width": 1366, "height": 900},
    "phone": {"width": 390, "height": 844},
}


def chaffra_command() -> list[str]:
    sibling = Path(sys.executable).with_name("chaffra")
    found = str(sibling) if sibling.is_file() else shutil.which("chaffra")
    return [found] if found else [sys.executable, "-m", "chaffra_cli"]


def chaffra(*args: str) -> None:
    subprocess.run([*chaffra_command(), *args], check=True, capture_output=True, timeout=TIMEOUT_S)


@pytest.fixture
def artifacts() -> Path:
    directory = Path(os.environ.get("CHAFFRA_TEST_ARTIFACTS") or REPO_ROOT / ".nox-artifacts")
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture
def page(tmp_path: Path) -> Iterator[Page]:
    """A chromium page that fails the test on any script error or CSP violation."""
    if not CHROMIUM.is_file():
        if os.environ.get("CHAFFRA_REQUIRE_BROWSER") == "1":
            pytest.fail(f"CHAFFRA_REQUIRE_BROWSER=1 but {CHROMIUM} is missing")
        pytest.skip(f"{CHROMIUM} is missing; install Debian's chromium")
    problems: list[str] = []

    def on_console(message: ConsoleMessage) -> None:
        if message.type == "error" and not message.location["url"].endswith("api/v1/events"):
            problems.append(f"console error: {message.text} at {message.location['url']}")

    def on_page_error(error: Error) -> None:
        problems.append(f"uncaught exception: {error}")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport=VIEWPORTS["desktop"])
            page.set_default_timeout(UI_TIMEOUT_MS)
            expect.set_options(timeout=UI_TIMEOUT_MS)
            page.on("console", on_console)
            page.on("pageerror", on_page_error)
            yield page
            assert [] == problems
        finally:
            browser.close()


@pytest.fixture
def project_url(tmp_path: Path) -> Iterator[str]:
    """Two security runs (the second finds one more), then ``chaffra management`` on the project."""
    root = tmp_path / "proj"
    (root / "app").mkdir(parents=True)
    (root / "app" / MARKUP_NAME).write_text(COMPLEX, encoding="utf-8")
    util = root / "app" / "util.py"
    util.write_text("def g(a, b):\n    return a + b\n", encoding="utf-8")
    chaffra("-q", "security", str(root))
    util.write_text(util.read_text() + "def h(y):\n    return exec(y)\n", encoding="utf-8")
    chaffra("-q", "security", str(root))
    with running_server([*chaffra_command(), "management", "--port", "0", str(root)]) as (
        url,
        _,
        _,
    ):
        yield url


def no_markup_elements(page: Page) -> None:
    assert 0 == page.locator("main img").count()


def test_a_real_run_reads_the_same_everywhere_and_shows_markup_in_names_as_text(
    page: Page, project_url: str, artifacts: Path
) -> None:
    """Churn cards = chart = API; hotspots, findings and the file page show the run's rows."""
    page.goto(project_url)
    expect(page.get_by_test_id("source-badge")).to_have_text("Live")
    expect(page.get_by_test_id("hotspots")).to_have_attribute("data-state", "ready")
    expect(page.get_by_test_id("chart-churn")).to_have_attribute("data-runs", "3")

    # The newest run (management's own analysis) compared nothing: the API's zeros, the
    # chart's newest column and the cards all say so; the second security run found 1 new.
    api = page.request.get(project_url + "api/v1/findings/churn").json()
    assert (0, 0, 0) == (api["new_count"], api["resolved_count"], api["unchanged_count"])
    columns = page.get_by_test_id("chart-churn").locator(".bar-group")
    expect(columns.last).to_have_attribute("data-new", "—")
    for test_id in ("churn-new", "churn-resolved", "churn-unchanged"):
        expect(page.get_by_test_id(test_id)).to_have_text("—")
    expect(columns.nth(1)).to_have_attribute("data-new", "1")
    expect(page.get_by_test_id("churn-note")).to_contain_text(": 1 new, 0 resolved.")

    tiles = page.get_by_test_id("treemap-tile")
    expect(tiles).to_have_count(2)
    expect(page.locator(f'[data-testid=treemap-tile][data-file="{MARKUP_FILE}"]')).to_have_count(1)
    expect(page.get_by_test_id("worst-files")).to_contain_text(MARKUP_NAME)
    expect(page.get_by_test_id("worst-functions")).to_contain_text("handle")
    no_markup_elements(page)
    shoot(page, artifacts, "real-hotspots", lambda: expect(tiles).to_have_count(2))

    page.goto(project_url + "#/findings?severity=error")
    rows = page.get_by_test_id("finding-row")
    expect(rows).to_have_count(2)
    no_markup_elements(page)
    shoot(page, artifacts, "real-findings", lambda: expect(rows).to_have_count(2))
    page.set_viewport_size(VIEWPORTS["desktop"])
    rows.filter(has_text=MARKUP_NAME).get_by_test_id("finding-location").click()

    expect(page.get_by_test_id("file-title")).to_have_text(MARKUP_FILE)
    expect(page.locator("[data-testid=file-finding].row-target")).to_have_attribute(
        "data-line", "9"
    )
    expect(page.get_by_test_id("file-function")).to_contain_text("handle")
    no_markup_elements(page)
    title = page.get_by_test_id("file-title")
    shoot(page, artifacts, "real-file", lambda: expect(title).to_be_visible())
    page.goto("about:blank")


def shoot(page: Page, artifacts: Path, name: str, ready: Callable[[], None]) -> None:
    """Full-page screenshots at both widths; the phone layout never scrolls sideways."""
    for label, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        ready()
        if label == "phone":
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.screenshot(path=artifacts / f"dashboard-{name}-{label}.png", full_page=True)
