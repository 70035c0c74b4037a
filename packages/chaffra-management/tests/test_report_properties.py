"""Properties of the report endpoints over generated reports and queries."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import ExitStack
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from starlette.applications import Starlette

from chaffra_telemetry import LiveTelemetryState, TelemetryAudience
from chaffra_telemetry.report import RunReport
from chaffra_telemetry.testing.strategies import run_reports

if TYPE_CHECKING:
    from starlette.testclient import TestClient

SETTINGS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
_RANK = {"info": 0, "warning": 1, "error": 2}
pages = st.fixed_dictionaries(
    {},
    optional={
        "limit": st.integers(min_value=1, max_value=5),
        "offset": st.integers(min_value=0, max_value=6),
        "order": st.sampled_from(["asc", "desc"]),
    },
)
finding_filters = st.fixed_dictionaries(
    {},
    optional={
        "module": st.sampled_from(["complexity", "security", "dead-code"]),
        "severity": st.sampled_from(["error", "warning", "info"]),
        "file": st.sampled_from(["a.py", "pkg/b.py", "pkg/<c>.py"]),
        "new": st.sampled_from(["true", "false"]),
    },
)


def _client(stack: ExitStack, app: Starlette) -> TestClient:
    from starlette.testclient import TestClient

    client: TestClient = stack.enter_context(TestClient(app))
    return client


def _state(report: RunReport) -> LiveTelemetryState:
    state = LiveTelemetryState()
    state.push_report(report, audience=TelemetryAudience.ON)
    return state


@SETTINGS
@given(report=run_reports(max_rows=8), page=pages, filters=finding_filters)
def test_filtered_findings_are_a_sorted_page_of_the_matching_rows(
    make_app: Callable[..., Starlette],
    report: RunReport,
    page: dict[str, Any],
    filters: dict[str, str],
) -> None:
    with ExitStack() as stack:
        client = _client(stack, make_app(TelemetryAudience.USER_ONLY, _state(report)))
        body = client.get(f"/api/v1/findings?{urlencode({**page, **filters})}").json()
    matching = [
        f
        for f in report.findings
        if all(str(getattr(f, name)).lower() == value.lower() for name, value in filters.items())
    ]
    assert len(matching) == body["total"]
    assert len(body["items"]) == max(
        0, min(page.get("limit", 50), len(matching) - page.get("offset", 0))
    )
    ranks = [_RANK[item["severity"]] for item in body["items"]]
    assert ranks == sorted(ranks, reverse=page.get("order", "desc") == "desc")
    assert sum(body["facets"]["severity"].values()) == len(report.findings)


@SETTINGS
@given(
    report=run_reports(max_rows=8),
    page=pages,
    sort=st.sampled_from(["score", "lines", "findings", "file"]),
)
def test_every_file_appears_once_across_the_pages_of_any_order(
    make_app: Callable[..., Starlette], report: RunReport, page: dict[str, Any], sort: str
) -> None:
    query = {"sort": sort, "limit": 3, **({"order": page["order"]} if "order" in page else {})}
    with ExitStack() as stack:
        client = _client(stack, make_app(TelemetryAudience.USER_ONLY, _state(report)))
        seen = []
        for offset in range(0, len(report.files) + 3, 3):
            body = client.get(f"/api/v1/files?{urlencode({**query, 'offset': offset})}").json()
            seen += [item["file"] for item in body["items"]]
    assert sorted(f.file for f in report.files) == sorted(seen)


@SETTINGS
@given(report=run_reports())
def test_an_off_or_operator_only_app_answers_the_same_whatever_the_report(
    make_app: Callable[..., Starlette], report: RunReport
) -> None:
    routes = ("/api/v1/files", "/api/v1/functions", "/api/v1/findings", "/api/v1/file?path=a.py")
    with ExitStack() as stack:
        for audience in (TelemetryAudience.OFF, TelemetryAudience.OPERATOR_ONLY):
            full = _client(stack, make_app(audience, _state(report)))
            empty = _client(stack, make_app(audience, LiveTelemetryState()))
            assert [full.get(r).content for r in routes] == [empty.get(r).content for r in routes]
