"""Hypothesis strategies for telemetry snapshots and run reports (requires ``hypothesis``).

They deliberately mix trusted and untrusted items, operator, user, unclassified
and per-module names, untrusted items named exactly like trusted ones and module
ids such as ``error_total`` that collide with operator metric names, so a
privacy property tested over them covers the spoofing cases too.
"""

from __future__ import annotations

from hypothesis import strategies as st

from chaffra_telemetry._audience import TelemetryAudience
from chaffra_telemetry._catalog import KNOWN_USER, OPERATOR, module_summary_name
from chaffra_telemetry._metrics import (
    MetricDataPoint,
    MetricDefinition,
    MetricKind,
    Provenance,
    SpanData,
)
from chaffra_telemetry._report import (
    NOT_GRADED,
    SEVERITIES,
    ContributorKind,
    ReportContributor,
    ReportFile,
    ReportFinding,
    ReportFunction,
    ReportHealth,
    RunReport,
)
from chaffra_telemetry._snapshot import (
    ModuleSummary,
    OperatorSummary,
    TelemetrySnapshot,
    UserSummary,
)

__all__ = [
    "audiences",
    "data_points",
    "definitions",
    "metric_names",
    "module_ids",
    "run_reports",
    "snapshots",
    "spans",
]

_OPERATOR_TAILS = sorted(n.removeprefix("chaffra.module.") for n in OPERATOR)

audiences = st.sampled_from(list(TelemetryAudience))
module_ids = st.sampled_from(
    ["dead-code", "complexity", "security", "error_total", "call_duration_ms", "x"]
) | st.from_regex(r"[a-z][a-z0-9_-]{0,8}", fullmatch=True)
_keys = st.sampled_from(["health_score", "unused_functions", "clone_count", "a.b"])
metric_names = st.one_of(
    st.sampled_from(sorted(OPERATOR)),
    st.sampled_from(sorted(KNOWN_USER)),
    st.builds(module_summary_name, module_ids, _keys),
    st.sampled_from(["chaffra.module.", "chaffra.module.only_id", "chaffra.module.a..b"]),
    st.sampled_from([f"chaffra.module.{t}.extra" for t in _OPERATOR_TAILS]),
    st.from_regex(r"[a-z][a-z0-9_.-]{0,20}", fullmatch=True),
)
provenances = st.sampled_from(list(Provenance))
_timestamps = st.integers(min_value=0, max_value=2**42)
_labels = st.dictionaries(
    st.sampled_from(["module", "severity", "error_type", "backend"]),
    st.text(max_size=8),
    max_size=3,
)
_values = st.floats(allow_nan=False, allow_infinity=False, width=64)
_counts = st.integers(min_value=0, max_value=10**6)

data_points = st.builds(
    MetricDataPoint,
    name=metric_names,
    value=_values,
    labels=_labels,
    timestamp_ms=_timestamps,
    provenance=provenances,
)
definitions = st.builds(
    MetricDefinition,
    name=metric_names,
    kind=st.sampled_from(list(MetricKind)),
    description=st.text(max_size=10),
    unit=st.sampled_from(["ms", "count", "ratio", "bytes", ""]),
    provenance=provenances,
)
spans = st.builds(
    SpanData,
    name=st.text(max_size=12),
    trace_id=st.text(max_size=6),
    span_id=st.text(max_size=6),
    parent_span_id=st.text(max_size=6),
    start_time_ms=_timestamps,
    end_time_ms=_timestamps,
    attributes=_labels,
    status=st.sampled_from(["ok", "error", "unset"]),
    provenance=provenances,
)
_module_summaries = st.dictionaries(
    module_ids,
    st.builds(
        ModuleSummary,
        duration_ms=_counts,
        finding_count=_counts | st.just(0),
        metrics=st.dictionaries(_keys, _values, max_size=2),
    ),
    max_size=4,
)


@st.composite
def snapshots(draw: st.DrawFn) -> TelemetrySnapshot:
    """Arbitrary snapshots, with definitions keyed by their own names."""
    defs = draw(st.lists(definitions, max_size=6))
    return TelemetrySnapshot(
        timestamp_ms=draw(_timestamps),
        definitions={d.name: d for d in defs},
        data_points=tuple(draw(st.lists(data_points, max_size=12))),
        spans=tuple(draw(st.lists(spans, max_size=3))),
        user_summary=UserSummary(
            analysis_duration_ms=draw(_counts),
            files_total=draw(_counts),
            findings_by_severity=draw(
                st.dictionaries(st.sampled_from(["error", "warning", "info"]), _counts)
            ),
            findings_by_module=draw(st.dictionaries(module_ids, _counts, max_size=4)),
            module_summaries=draw(_module_summaries),
        ),
        operator_summary=OperatorSummary(
            module_call_durations=draw(st.dictionaries(module_ids, _counts, max_size=4)),
            module_error_counts=draw(st.dictionaries(module_ids, _counts, max_size=4)),
        ),
    )


_text = st.text(max_size=12)
_paths = st.sampled_from(["a.py", "pkg/b.py", "pkg/<c>.py", "d \u00e9.py"]) | _text
_count = st.integers(min_value=0, max_value=10_000)
_score = st.none() | st.floats(min_value=0, max_value=100)
_severities = st.sampled_from(SEVERITIES)


def run_reports(max_rows: int = 4) -> st.SearchStrategy[RunReport]:
    """Run reports with up to ``max_rows`` files, functions and findings each.

    Paths repeat across rows (and include markup), so filters and per-file
    views have something to match.
    """
    contributors = st.builds(
        ReportContributor,
        kind=st.sampled_from(list(ContributorKind)),
        file=st.none() | _paths,
        symbol=st.none() | _text,
        rule_id=st.none() | _text,
        cost=st.floats(min_value=0, max_value=100),
        detail=_text,
    )
    return st.builds(
        RunReport,
        run_id=_text,
        timestamp_ms=st.integers(min_value=0, max_value=2**53),
        command=_text,
        health=st.builds(
            ReportHealth,
            score=_score,
            grade=st.sampled_from(["A", "B", "C", "D", "F", NOT_GRADED]),
            model=st.integers(min_value=0, max_value=3),
            contributors=st.lists(contributors, max_size=3).map(tuple),
            total_files=_count,
            unscored_files=_count,
        ),
        files=st.lists(
            st.builds(
                ReportFile,
                file=_paths,
                lines=_count,
                score=_score,
                grade=st.sampled_from(["A", "F", NOT_GRADED]),
                functions=_count,
                findings=st.dictionaries(_severities, _count),
            ),
            max_size=max_rows,
        ).map(tuple),
        functions=st.lists(
            st.builds(
                ReportFunction,
                file=_paths,
                name=_text,
                line=_count,
                end_line=_count,
                cyclomatic=_count,
                cognitive=_count,
                lines=_count,
                max_nesting=_count,
            ),
            max_size=max_rows,
        ).map(tuple),
        findings=st.lists(
            st.builds(
                ReportFinding,
                fingerprint=_text,
                module=st.sampled_from(["complexity", "security", "dead-code"]),
                rule_id=_text,
                severity=_severities,
                file=_paths,
                line=_count,
                column=_count,
                symbol=st.none() | _text,
                message=_text,
                new=st.booleans(),
            ),
            max_size=max_rows,
        ).map(tuple),
    )
