"""The metric catalog and classification sets."""

from __future__ import annotations

import pytest

from chaffra_telemetry import _catalog as catalog
from chaffra_telemetry._catalog import (
    CACHE_DEFINITIONS,
    CORE_DEFINITIONS,
    KNOWN_USER,
    OPERATOR,
    Scope,
    classify,
    is_known_user,
    is_module_summary_name,
    is_operator,
)
from chaffra_telemetry._metrics import MetricDefinition, MetricKind, Provenance, SpanData


def _completeness_violations(definitions: tuple[MetricDefinition, ...]) -> list[str]:
    """Names registered by trusted code that are in neither set by exact membership."""
    return [d.name for d in definitions if d.name not in OPERATOR | KNOWN_USER]


def test_every_trusted_definition_is_classified_by_exact_name() -> None:
    """Completeness guard: core and cache definitions are all listed explicitly."""
    assert [] == _completeness_violations(CORE_DEFINITIONS + CACHE_DEFINITIONS)


def test_completeness_guard_rejects_an_unlisted_name_even_of_per_module_shape() -> None:
    unlisted = MetricDefinition(
        name="chaffra.module.host.dispatch_latency_ms",
        kind=MetricKind.HISTOGRAM,
        description="",
        unit="ms",
    )
    assert ["chaffra.module.host.dispatch_latency_ms"] == _completeness_violations((unlisted,))


def test_operator_and_user_sets_are_disjoint() -> None:
    assert frozenset() == OPERATOR & KNOWN_USER


def test_every_catalog_constant_is_in_exactly_one_set() -> None:
    constants = {
        value
        for name, value in vars(catalog).items()
        if name.isupper()
        and not name.startswith("_")
        and isinstance(value, str)
        and value.startswith("chaffra.")
    }
    assert constants == OPERATOR | KNOWN_USER


def test_core_catalog_names_are_unique() -> None:
    names = [d.name for d in CORE_DEFINITIONS + CACHE_DEFINITIONS]
    assert len(names) == len(set(names))


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("chaffra.module.error_total", Scope.OPERATOR),
        ("chaffra.module.error_total.health_score", Scope.USER),
        ("chaffra.startup.total_duration_ms", Scope.OPERATOR),
        ("chaffra.startup.total_duration_ms.extra", Scope.UNCLASSIFIED),
        ("chaffra.analysis.findings_total", Scope.USER),
        ("chaffra.module.dead-code.unused_functions", Scope.USER),
        ("chaffra.module.", Scope.UNCLASSIFIED),
        ("chaffra.module.only_id", Scope.UNCLASSIFIED),
        ("chaffra.module.a..b", Scope.UNCLASSIFIED),
        ("chaffra.parse.cache_hits", Scope.OPERATOR),
        ("chaffra.telemetry.test", Scope.OPERATOR),
        ("my.plugin.metric", Scope.UNCLASSIFIED),
    ],
)
def test_trusted_names_classify_by_exact_name(name: str, expected: Scope) -> None:
    assert expected is classify(name, Provenance.TRUSTED)


@pytest.mark.parametrize("name", [*sorted(KNOWN_USER | OPERATOR), "chaffra.module.x.health_score"])
def test_untrusted_items_are_unclassified_whatever_their_name(name: str) -> None:
    assert Scope.UNCLASSIFIED is classify(name, Provenance.UNTRUSTED)


def test_operator_names_are_never_known_user() -> None:
    assert not any(is_known_user(n) for n in OPERATOR)
    assert all(is_operator(n) for n in OPERATOR)


def test_known_user_names_are_the_user_set_and_the_per_module_shape() -> None:
    assert all(is_known_user(n) for n in KNOWN_USER)
    assert is_known_user("chaffra.module.error_total.health_score")
    assert not is_known_user("plugin.metric")


def test_module_summary_shape_needs_two_non_empty_segments() -> None:
    assert is_module_summary_name("chaffra.module.a.b")
    assert is_module_summary_name("chaffra.module.a.b.c")
    assert not is_module_summary_name("chaffra.module.a")
    assert not is_module_summary_name("chaffra.modules.a.b")


def test_metric_kind_decodes_only_the_three_wire_codes() -> None:
    assert [MetricKind.COUNTER, MetricKind.GAUGE, MetricKind.HISTOGRAM] == [
        MetricKind.from_wire(code) for code in (1, 2, 3)
    ]
    for bad in (0, 4, -1):
        with pytest.raises(ValueError, match="unknown metric kind code"):
            MetricKind.from_wire(bad)


def test_span_duration_is_never_negative() -> None:
    span = SpanData(name="s", trace_id="t", span_id="s", start_time_ms=10, end_time_ms=4)
    assert 0 == span.duration_ms


@pytest.mark.parametrize(
    ("score", "grade"),
    [(100.0, "A"), (90.0, "A"), (89.9, "B"), (80.0, "B"), (70.0, "C"), (60.0, "D"), (59.9, "F")],
)
def test_health_grades_follow_the_bands_with_inclusive_lower_bounds(
    score: float, grade: str
) -> None:
    from chaffra_telemetry.catalog import health_grade

    assert grade == health_grade(score)


def test_summary_key_is_the_last_segment_of_a_module_summary_name_only() -> None:
    from chaffra_telemetry.catalog import HEALTH_SCORE_KEY, module_summary_name, summary_key

    assert HEALTH_SCORE_KEY == summary_key(module_summary_name("complexity", HEALTH_SCORE_KEY))
    assert None is summary_key("chaffra.analysis.files_total")
    assert None is summary_key("chaffra.module.health_score")


def test_sanitize_floats_makes_any_json_like_tree_finite() -> None:
    from types import MappingProxyType

    from chaffra_telemetry.serialization import sanitize_floats

    tree = MappingProxyType({"a": (1.0, float("nan")), "b": [float("inf"), {"c": -float("inf")}]})
    assert {"a": [1.0, None], "b": [None, {"c": None}]} == sanitize_floats(tree)
