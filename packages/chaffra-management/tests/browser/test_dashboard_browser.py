"""The dashboard's overview in a real browser against real servers (fixtures in conftest.py).

Nothing sleeps: every wait is a Playwright expectation with a timeout.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Any

from playwright.sync_api import Page, expect

Serve = Callable[..., AbstractContextManager[str]]
Push = Callable[..., None]

# A live push travels file -> server's change poll -> SSE -> debounced refresh; the
# 10 s polling fallback alone would also make it, so the bound leaves room for both.
LIVE_PUSH_TIMEOUT_MS = 25_000
EVENTS_PATH = "api/v1/events"
CHART_IDS = ("chart-health", "chart-severity", "chart-churn", "chart-durations")
SEED_RUNS = 12
CARD_IDS = ("health-score", "total-findings", "files-analyzed", "analysis-duration")
CHURN_IDS = ("churn-new", "churn-resolved", "churn-unchanged")


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


def test_the_seeded_banner_says_the_sample_stays_and_how_to_see_a_project(
    page: Page, seeded_url: str
) -> None:
    """A --seeded server reads no project store, so the banner promises no switch to live data."""
    open_dashboard(page, seeded_url)
    banner = page.get_by_test_id("source-banner")
    expect(banner).to_contain_text("Demo data — none of these numbers come from your code.")
    expect(banner).to_contain_text("started with --seeded and keeps showing a built-in sample")
    expect(banner).to_contain_text("chaffra management <project>")
    expect(banner).not_to_contain_text("switches")
    expect(page.get_by_test_id("treemap-tile")).to_have_count(87)  # the demo run's report


def test_under_operator_only_the_report_pages_say_withheld_not_empty(
    page: Page, serve: Serve
) -> None:
    """Paths and symbols are user data: an operator-only server says so on every report page."""
    withheld = "Withheld (user audience only): files, functions and findings are user data."
    with serve("--seeded", "--audience", "operator-only") as url:
        open_dashboard(page, url)
        expect(page.get_by_test_id("treemap")).to_have_text(withheld)
        page.goto(url + "#/findings")
        expect(page.get_by_test_id("findings-table")).to_contain_text(withheld)
        page.goto(url + "#/file/core.py")
        expect(page.get_by_test_id("file-missing")).to_have_text(withheld)
        page.goto("about:blank")


def test_cards_show_a_dash_not_a_zero_before_data_arrives(page: Page, seeded_url: str) -> None:
    """With the script held back, every card and churn value reads "—", never "0" or "0ms"."""
    page.route(
        "**/static/app.js", lambda route: route.fulfill(content_type="text/javascript", body="")
    )
    page.goto(seeded_url)
    for test_id in (*CARD_IDS, *CHURN_IDS):
        expect(page.get_by_test_id(test_id)).to_have_text("—")
    expect(page.get_by_test_id("connection-badge")).to_have_text("Loading...")


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


def test_on_a_tall_viewport_rows_and_cards_keep_their_height(page: Page, seeded_url: str) -> None:
    """At 1366x2600 the extra height stays below the page: no stretched cards, rows or gaps."""
    page.set_viewport_size({"width": 1366, "height": 2600})
    open_dashboard(page, seeded_url)
    expect(page.get_by_test_id("module-row")).to_have_count(3)
    heights: dict[str, Any] = page.evaluate(
        """() => ({
            card: document.querySelector('[data-testid=card-health]')
                .getBoundingClientRect().height,
            row: Math.max(...[...document.querySelectorAll('[data-testid=module-row]')]
                .map((r) => r.getBoundingClientRect().height)),
            gaps: [...document.querySelectorAll(
                    'main > :not([hidden]), #view-overview > :not([hidden])')]
                .filter((el) => el.id !== 'view-overview')
                .map((el) => el.getBoundingClientRect())
                .map((box, i, all) => (i ? box.top - all[i - 1].bottom : 0)),
        })"""
    )
    assert heights["card"] < 200
    assert heights["row"] < 60
    assert max(heights["gaps"]) <= 24


def test_a_table_is_reachable_by_tab_and_walked_with_the_arrow_keys(
    page: Page, seeded_url: str
) -> None:
    """Tab reaches the modules table; ArrowDown/ArrowUp/End move the focus between its rows."""
    open_dashboard(page, seeded_url)
    region = page.get_by_role("region", name="Modules table")
    expect(page.get_by_test_id("module-row")).to_have_count(3)
    for _ in range(60):
        if page.evaluate("document.activeElement.getAttribute('aria-label')") == "Modules table":
            break
        page.keyboard.press("Tab")
    expect(region).to_be_focused()
    page.keyboard.press("ArrowDown")
    rows = page.get_by_test_id("module-row")
    expect(rows.nth(0)).to_be_focused()
    page.keyboard.press("ArrowDown")
    expect(rows.nth(1)).to_be_focused()
    page.keyboard.press("End")
    expect(rows.nth(2)).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(rows.nth(1)).to_be_focused()


def test_seeded_dashboard_screenshots_at_laptop_and_phone_widths(
    page: Page, seeded_url: str, artifacts: Path
) -> None:
    """Full-page screenshots at 1366x900 and 390x844; the phone layout never scrolls sideways."""
    open_dashboard(page, seeded_url)
    expect(page.get_by_test_id("chart-health")).to_have_attribute("data-state", "ready")
    page.screenshot(path=artifacts / "dashboard-desktop.png", full_page=True, animations="disabled")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.get_by_test_id("total-findings")).to_have_text("18")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    smallest = page.evaluate(
        """() => Math.min(...[...document.querySelectorAll('td, .card-value, .card-note, p')]
            .filter((el) => el.offsetParent !== null)
            .map((el) => parseFloat(getComputedStyle(el).fontSize)))"""
    )
    assert smallest >= 11
    page.screenshot(path=artifacts / "dashboard-phone.png", full_page=True, animations="disabled")
    assert (artifacts / "dashboard-desktop.png").stat().st_size > 0
    assert (artifacts / "dashboard-phone.png").stat().st_size > 0


def test_a_snapshot_pushed_by_another_process_appears_without_reload(
    page: Page, store: Path, serve: Serve, push: Push, artifacts: Path
) -> None:
    """An empty store shows No data and dashes; a push from another process turns the page Live."""
    with serve("--store", str(store), "--audience", "on") as url:
        open_dashboard(page, url)
        expect(page.get_by_test_id("source-badge")).to_have_text("No data")
        expect(page.get_by_test_id("source-banner")).to_contain_text("chaffra health .")
        for test_id in (*CARD_IDS, *CHURN_IDS):
            expect(page.get_by_test_id(test_id)).to_have_text("—")
        expect(page.get_by_test_id("modules-table")).to_contain_text("No modules loaded")
        expect(page.get_by_test_id("footer-note")).to_have_attribute("data-updates", "streaming")
        page.screenshot(path=artifacts / "dashboard-empty.png", full_page=True)
        page.evaluate("window.__sameDocument = true")

        push(store)

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


def churn_everywhere(page: Page, url: str) -> tuple[list[str], list[str], dict[str, Any]]:
    """The churn cards, the chart's newest column and the API's answer, side by side."""
    cards = [page.get_by_test_id(test_id).inner_text() for test_id in CHURN_IDS]
    newest = page.get_by_test_id("chart-churn").locator(".bar-group").last
    chart = [newest.get_attribute("data-new") or "", newest.get_attribute("data-resolved") or ""]
    api: dict[str, Any] = page.request.get(url + "api/v1/findings/churn").json()
    return cards, chart, api


def test_the_churn_cards_equal_the_chart_and_the_api_and_a_run_without_churn_shows_a_dash(
    page: Page, store: Path, serve: Serve, push: Push
) -> None:
    """After a comparing run all three agree; after a run that compares nothing all read "—"."""
    push(store)
    with serve("--store", str(store), "--audience", "user-only") as url:
        open_dashboard(page, url)
        expect(page.get_by_test_id("churn-new")).to_have_text("2")
        cards, chart, api = churn_everywhere(page, url)
        assert ["2", "4", "5"] == cards
        assert cards[:2] == chart
        assert cards == [
            str(api[key]) for key in ("new_count", "resolved_count", "unchanged_count")
        ]
        assert api["compared"] is True

        push(store, "no-churn")

        chart_runs = page.get_by_test_id("chart-churn")
        expect(chart_runs).to_have_attribute("data-runs", "2", timeout=LIVE_PUSH_TIMEOUT_MS)
        expect(page.get_by_test_id("churn-new")).to_have_text("—")
        cards, chart, api = churn_everywhere(page, url)
        assert ["—", "—", "—"] == cards
        assert ["—", "—"] == chart
        assert (False, 0) == (api["compared"], api["new_count"])  # no comparison, not no change
        expect(page.get_by_test_id("churn-note")).to_contain_text(
            "The latest run did not compare findings"
        )
        expect(page.get_by_test_id("churn-note")).to_contain_text("2 new, 4 resolved")
        page.goto("about:blank")


def test_without_an_event_stream_the_page_polls_and_still_shows_a_new_snapshot(
    page: Page, store: Path, serve: Serve, push: Push
) -> None:
    """With the stream answering 503 the page polls every 10 s; user-only data shows as withheld."""
    with serve("--store", str(store), "--audience", "user-only") as url:
        page.route(f"**/{EVENTS_PATH}", lambda route: route.fulfill(status=503, body=""))
        open_dashboard(page, url)
        expect(page.get_by_test_id("footer-note")).to_have_attribute("data-updates", "polling")
        expect(page.get_by_test_id("backends-table")).to_contain_text(
            "Withheld (operator audience only)"
        )
        expect(page.get_by_test_id("config-sampling")).to_have_text(
            "withheld (operator audience only)"
        )

        push(store)

        expect(page.get_by_test_id("total-findings")).to_have_text(
            "7", timeout=LIVE_PUSH_TIMEOUT_MS
        )
        expect(page.get_by_test_id("source-badge")).to_have_text("Live")
        expect(page.locator('[data-module="alpha"] td').nth(3)).to_have_text("—")
        expect(page.get_by_test_id("chart-durations")).to_have_attribute("data-state", "withheld")
        page.goto("about:blank")
