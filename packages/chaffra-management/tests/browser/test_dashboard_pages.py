"""The hotspots, findings and file pages in a real browser, and the XSS canary on each.

A run report is pushed from another process through chaffra-telemetry's public API
(as an analysis run does); its file names, symbols, rule ids and messages carry markup
that must show as text. Nothing sleeps: every wait is a Playwright expectation.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from urllib.parse import quote

import pytest
from playwright.sync_api import Page, ViewportSize, expect

Serve = Callable[..., AbstractContextManager[str]]

CANARY_FILE = 'pkg/<img src=x onerror="document.title=1">.py'
CANARY_SYMBOL = "<b>bold</b>"
CANARY_MESSAGE = "<script>document.title=2</script> is never used"
CANARY_DETAIL = "<i>cognitive 38</i> in a 2,140-line file"
CANARIES = (CANARY_FILE, CANARY_SYMBOL, CANARY_MESSAGE, CANARY_DETAIL)
MINUS = "\N{MINUS SIGN}"  # a cost is written with a real minus sign
VIEWPORTS: dict[str, ViewportSize] = {
    "desktop": {"width": 1366, "height": 900},
    "phone": {"width": 390, "height": 844},
}

REPORT_SNIPPET = """
import sys, time
from chaffra_telemetry import (
    LiveTelemetryState, MetricDataPoint, SqliteStore, TelemetryAudience, TelemetrySnapshot,
    UserSummary, project,
)
from chaffra_telemetry.report import (
    ReportContributor, ReportFile, ReportFinding, ReportFunction, ReportHealth, RunReport,
)

CANARY_FILE, CANARY_SYMBOL, CANARY_MESSAGE, CANARY_DETAIL = sys.argv[2:6]
now = int(time.time() * 1000)
files = [
    ReportFile(file="core/engine.py", lines=2140, score=41.0, grade="F", functions=3,
               findings={"error": 1, "warning": 2}),
    ReportFile(file=CANARY_FILE, lines=600, score=72.5, grade="C", functions=1,
               findings={"warning": 1}),
    ReportFile(file="core/util.py", lines=300, score=95.0, grade="A", functions=2),
    ReportFile(file="cli.py", lines=120, score=88.0, grade="B", functions=1, findings={"info": 1}),
]
functions = [
    ReportFunction(file="core/engine.py", name="Engine.run", line=10, end_line=90, cyclomatic=38,
                   cognitive=52, lines=81, max_nesting=6),
    ReportFunction(file=CANARY_FILE, name=CANARY_SYMBOL, line=5, end_line=40, cyclomatic=12,
                   cognitive=20, lines=36, max_nesting=3),
    ReportFunction(file="core/util.py", name="helper", line=1, end_line=4, cyclomatic=1,
                   cognitive=0, lines=4, max_nesting=0),
]
def finding(n, module, rule, severity, file, line, symbol, message, new):
    return ReportFinding(fingerprint=f"fp{n}", module=module, rule_id=rule, severity=severity,
                         file=file, line=line, column=0, symbol=symbol, message=message, new=new)
findings = [
    finding(1, "security", "security:code-injection", "error", "core/engine.py", 42, "Engine.run",
            "`eval` evaluates code", True),
    finding(2, "complexity", "complexity:cognitive", "warning", "core/engine.py", 10, "Engine.run",
            "cognitive complexity 52", False),
    finding(3, "dead-code", "dead-code:unused-import", "warning", "core/engine.py", 1, None,
            "import `os` is never used", False),
    finding(4, "dead-code", "dead-code:unused-function", "warning", CANARY_FILE, 5, CANARY_SYMBOL,
            CANARY_MESSAGE, True),
    finding(5, "complexity", "complexity:long-file", "info", "cli.py", 1, None, "long file", False),
]
contributors = (
    ReportContributor(kind="function", file="core/engine.py", symbol="Engine.run", cost=9.5,
                      detail="cognitive 52 in a 2,140-line file"),
    ReportContributor(kind="function", file=CANARY_FILE, symbol=CANARY_SYMBOL, cost=4.0,
                      detail=CANARY_DETAIL),
    ReportContributor(kind="rule", rule_id="security:code-injection", cost=3.2,
                      detail="1 error caps the grade"),
)
health = ReportHealth(score=71.3, grade="C", model=2, total_files=4, unscored_files=0,
                      contributors=contributors)
snapshot = TelemetrySnapshot(
    timestamp_ms=now,
    data_points=(
        MetricDataPoint(name="chaffra.health.score", value=71.3, labels={}, timestamp_ms=now),
    ),
    user_summary=UserSummary(
        files_total=4,
        findings_by_severity={"error": 1, "warning": 3, "info": 1},
        findings_by_module={"security": 1, "complexity": 2, "dead-code": 2},
    ),
)
report = RunReport(run_id=f"run{now}", timestamp_ms=now, command="health", health=health,
                   files=tuple(files), functions=tuple(functions), findings=tuple(findings))
with SqliteStore(sys.argv[1]) as store:
    state = LiveTelemetryState(store)
    state.push_snapshot(project(snapshot, TelemetryAudience.ON))
    state.push_report(report, audience=TelemetryAudience.ON)
"""


@pytest.fixture
def report_url(store: Path, serve: Serve) -> Iterator[str]:
    """A server following a store that holds one run and its report (with markup canaries)."""
    subprocess.run(
        [sys.executable, "-c", REPORT_SNIPPET, str(store), *CANARIES],
        check=True,
        timeout=60,
    )
    with serve("--store", str(store), "--audience", "user-only") as url:
        yield url


def open_page(page: Page, url: str) -> None:
    page.goto(url)
    expect(page.get_by_test_id("connection-badge")).to_have_text("Connected")


def assert_markup_stayed_text(page: Page) -> None:
    """No element was made from the canaries (the page itself uses no img, b, i or script)."""
    assert 0 == page.locator("main img, main b, main i, main script").count()
    assert "Chaffra Management Dashboard" in page.title()


def screenshots(page: Page, artifacts: Path, name: str, ready: Callable[[], None]) -> None:
    for label, viewport in VIEWPORTS.items():
        page.set_viewport_size(viewport)
        ready()
        if label == "phone":
            assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        page.screenshot(path=artifacts / f"dashboard-{name}-{label}.png", full_page=True)


def test_hotspots_rank_the_worst_files_and_functions_and_explain_the_grade(
    page: Page, report_url: str, artifacts: Path
) -> None:
    """The treemap holds every file; the lists and "why this grade" lead with what costs most."""
    open_page(page, report_url)
    expect(page.get_by_test_id("hotspots")).to_have_attribute("data-state", "ready")
    tiles = page.get_by_test_id("treemap-tile")
    expect(tiles).to_have_count(4)
    expect(page.locator('[data-testid=treemap-tile][data-grade="F"]')).to_have_attribute(
        "data-file", "core/engine.py"
    )
    worst = page.get_by_test_id("worst-file")
    expect(worst).to_have_count(4)
    expect(worst.nth(0)).to_have_attribute("data-file", "core/engine.py")
    expect(worst.nth(1)).to_have_attribute("data-file", CANARY_FILE)
    expect(page.get_by_test_id("worst-function").nth(0)).to_contain_text("Engine.run")
    expect(page.get_by_test_id("worst-function").nth(1)).to_contain_text(CANARY_SYMBOL)
    contributors = page.get_by_test_id("contributor")
    expect(contributors).to_have_count(3)
    expect(contributors.nth(0)).to_contain_text(MINUS + "9.5")
    expect(contributors.nth(0)).to_contain_text("cognitive 52 in a 2,140-line file")
    expect(contributors.nth(1)).to_contain_text(CANARY_SYMBOL)
    expect(contributors.nth(1)).to_contain_text(CANARY_DETAIL)
    expect(contributors.nth(2).get_by_role("link")).to_have_attribute(
        "href", "#/findings?rule=security%3Acode-injection"
    )
    assert_markup_stayed_text(page)
    screenshots(page, artifacts, "hotspots", lambda: expect(tiles).to_have_count(4))

    worst.nth(0).get_by_role("link").click()
    expect(page.get_by_test_id("file-title")).to_have_text("core/engine.py")


def test_findings_filter_by_severity_module_rule_and_new_and_link_to_file_and_line(
    page: Page, report_url: str, artifacts: Path
) -> None:
    """Each filter narrows the table and lands in the URL; a location opens the file at its line."""
    open_page(page, report_url + "#/findings")
    rows = page.get_by_test_id("finding-row")
    expect(rows).to_have_count(5)
    expect(rows.nth(0)).to_have_attribute("data-severity", "error")
    expect(rows.nth(4)).to_have_attribute("data-severity", "info")
    expect(page.get_by_test_id("view-findings")).to_contain_text(CANARY_MESSAGE)
    assert_markup_stayed_text(page)
    screenshots(page, artifacts, "findings", lambda: expect(rows).to_have_count(5))
    page.set_viewport_size(VIEWPORTS["desktop"])

    page.get_by_test_id("filter-severity").select_option("warning")
    expect(rows).to_have_count(3)
    assert "severity=warning" in page.url
    page.get_by_test_id("filter-module").select_option("dead-code")
    expect(rows).to_have_count(2)
    page.get_by_test_id("filter-new").select_option("true")
    expect(rows).to_have_count(1)
    expect(rows.nth(0)).to_contain_text(CANARY_SYMBOL)
    page.goto(report_url + "#/findings?rule=complexity%3Along-file")
    expect(rows).to_have_count(1)
    expect(page.get_by_test_id("filter-rule")).to_have_value("complexity:long-file")

    page.goto(report_url + "#/findings")
    expect(rows).to_have_count(5)
    rows.nth(0).get_by_test_id("finding-location").click()
    expect(page.get_by_test_id("file-title")).to_have_text("core/engine.py")
    target = page.locator("[data-testid=file-finding].row-target")
    expect(target).to_have_attribute("data-line", "42")
    expect(target).to_be_focused()


def test_the_findings_table_is_walked_by_keyboard_and_sorted_by_its_headers(
    page: Page, report_url: str
) -> None:
    """Arrow keys move between row links, Enter opens one; a header button re-sorts the table."""
    open_page(page, report_url + "#/findings")
    rows = page.get_by_test_id("finding-row")
    expect(rows).to_have_count(5)
    rows.nth(0).get_by_test_id("finding-location").focus()
    page.keyboard.press("ArrowDown")
    expect(rows.nth(1).get_by_test_id("finding-location")).to_be_focused()
    page.keyboard.press("End")
    expect(rows.nth(4).get_by_test_id("finding-location")).to_be_focused()
    page.get_by_role("button", name="Location").click()
    expect(rows.nth(0)).to_contain_text("cli.py:1")
    expect(page.locator("th[aria-sort=ascending]")).to_have_text("Location ▲")
    expect(page.locator("#sort-file")).to_be_focused()  # the re-render kept the focus
    severity = page.get_by_test_id("filter-severity")
    severity.focus()
    page.keyboard.press("ArrowDown")  # a closed select steps to "error"
    expect(rows).to_have_count(1)
    expect(severity).to_be_focused()
    rows.nth(0).get_by_test_id("finding-location").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_test_id("file-title")).to_have_text("core/engine.py")


def test_the_file_page_shows_its_findings_functions_and_trend_with_markup_as_text(
    page: Page, report_url: str, artifacts: Path
) -> None:
    """A file named with markup opens by its route and shows every row of it as plain text."""
    open_page(page, report_url + "#/file/" + quote(CANARY_FILE, safe="") + "?line=5")
    expect(page.get_by_test_id("file-title")).to_have_text(CANARY_FILE)
    expect(page.get_by_test_id("file-grade")).to_have_text("C")
    expect(page.get_by_test_id("file-finding")).to_have_count(1)
    expect(page.get_by_test_id("file-finding")).to_contain_text(CANARY_MESSAGE)
    functions = page.get_by_test_id("file-function")
    expect(functions).to_have_count(1)
    expect(functions.nth(0)).to_contain_text(CANARY_SYMBOL)
    expect(functions.nth(0)).to_have_class("row-target")
    expect(page.get_by_test_id("file-trend")).to_have_attribute("data-runs", "1")
    assert_markup_stayed_text(page)
    screenshots(page, artifacts, "file", lambda: expect(functions).to_have_count(1))

    page.goto(report_url + "#/file/" + quote("no/such.py", safe=""))
    expect(page.get_by_test_id("file-missing")).to_have_text(
        "This file is not in the latest run report."
    )


def test_the_files_and_functions_pages_list_every_row_searchable_and_sortable(
    page: Page, report_url: str, artifacts: Path
) -> None:
    """Files search by path and sort by size; a file's functions open from its page."""
    open_page(page, report_url + "#/files")
    rows = page.get_by_test_id("file-row")
    expect(rows).to_have_count(4)
    expect(rows.nth(0)).to_have_attribute("data-file", "core/engine.py")
    expect(page.get_by_test_id("view-files")).to_contain_text(CANARY_FILE)
    assert_markup_stayed_text(page)
    screenshots(page, artifacts, "files", lambda: expect(rows).to_have_count(4))
    page.set_viewport_size(VIEWPORTS["desktop"])
    page.get_by_test_id("filter-q").fill("core/")
    page.keyboard.press("Enter")
    expect(rows).to_have_count(2)
    expect(page.get_by_test_id("filter-q")).to_be_focused()
    page.get_by_role("button", name="Lines").click()
    expect(rows.nth(0)).to_have_attribute("data-file", "core/engine.py")
    page.get_by_role("button", name="Lines ▼").click()
    expect(rows.nth(0)).to_have_attribute("data-file", "core/util.py")

    page.goto(report_url + "#/file/" + quote(CANARY_FILE, safe=""))
    page.get_by_role("link", name="Functions in this file").click()
    functions = page.get_by_test_id("function-row")
    expect(functions).to_have_count(1)
    expect(functions.nth(0)).to_contain_text(CANARY_SYMBOL)
    assert_markup_stayed_text(page)
    page.get_by_role("link", name="clear").click()
    expect(functions).to_have_count(3)
    expect(functions.nth(0)).to_contain_text("Engine.run")
