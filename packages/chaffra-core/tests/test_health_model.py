"""Health model 2: size-weighted remediation effort from every module that ran (docs/health.md)."""

from __future__ import annotations

import io
import random
from pathlib import Path

import attrs
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chaffra_core import (
    CliOverrides,
    ConfigError,
    FileSummary,
    Finding,
    FunctionMetrics,
    HealthGrade,
    Location,
    RunResult,
    Severity,
    grade_for,
    resolve_effective_config,
    run_analysis,
)
from chaffra_core._health import (
    MODELS,
    HealthSettings,
    health_min_score,
    health_settings,
    project_health,
)
from chaffra_core._health_costs import CAPPED_SCORE, score_for
from chaffra_core.analyzers.complexity import HEALTH_MODELS, ComplexityModule
from chaffra_telemetry import LiveTelemetryState, SqliteStore, TelemetryAudience

MODEL_2 = HealthSettings(model=2)


def _function(
    name: str = "f", *, cyclomatic: int = 1, cognitive: int = 0, lines: int = 5, nesting: int = 0
) -> FunctionMetrics:
    return FunctionMetrics(
        name=name,
        qualified_name=name,
        kind="function",
        start_line=1,
        end_line=lines,
        lines=lines,
        cyclomatic=cyclomatic,
        cognitive=cognitive,
        max_nesting=nesting,
    )


def _file(path: str, lines: int, *functions: FunctionMetrics) -> FileSummary:
    return FileSummary(path=path, digest="0", size=lines, lines=lines, functions=functions)


def _finding(
    rule_id: str, path: str, severity: Severity = Severity.WARNING, confidence: float = 1.0
) -> Finding:
    return Finding(
        rule_id=rule_id,
        message="m",
        severity=severity,
        location=Location(file=path, start_line=1, end_line=1),
        confidence=confidence,
    )


# --- properties ---------------------------------------------------------------------------

FUNCTIONS = st.builds(
    _function,
    cyclomatic=st.integers(1, 80),
    cognitive=st.integers(0, 120),
    lines=st.integers(1, 400),
    nesting=st.integers(0, 9),
)
RULES = st.sampled_from(
    [
        "dead-code:unused-import",
        "dead-code:unused-function",
        "dead-code:unused-class",
        "security:sql-injection",
        "security:weak-cryptography",
        "acme:plugin-rule",
        "complexity:high-cyclomatic",
        "core:stale-suppression",
    ]
)
SEVERITIES = st.sampled_from(list(Severity))
PATHS = st.sampled_from([f"m{i}.py" for i in range(5)])
FINDINGS = st.builds(_finding, RULES, PATHS, SEVERITIES, st.sampled_from([0.3, 0.6, 0.9, 1.0]))


@st.composite
def projects(draw: st.DrawFn) -> tuple[list[FileSummary], list[Finding]]:
    count = draw(st.integers(1, 5))
    files = [
        _file(
            f"m{i}.py",
            draw(st.integers(1, 3000)),
            *draw(st.lists(FUNCTIONS, max_size=4)),
        )
        for i in range(count)
    ]
    findings = [f for f in draw(st.lists(FINDINGS, max_size=8)) if f.location.file < f"m{count}"]
    return files, findings


def _scores(files: list[FileSummary], findings: list[Finding]) -> tuple[float, dict[str, float]]:
    health = project_health(files, findings, MODEL_2)
    assert health.score is not None
    return health.score, {f.file: f.score for f in health.files}


def _no_higher(
    before: tuple[float, dict[str, float]], after: tuple[float, dict[str, float]]
) -> None:
    assert after[0] <= before[0]
    for path, score in after[1].items():
        assert score <= before[1][path]


@settings(max_examples=100)
@given(projects())
def test_without_explaining_the_health_is_the_same_but_names_no_contributors(
    project: tuple[list[FileSummary], list[Finding]],
) -> None:
    """What an editor's re-combination skips changes no score (and so no finding)."""
    files, findings = project
    explained = project_health(files, findings, MODEL_2)
    quiet = project_health(files, findings, HealthSettings(model=2, explain=False))
    assert () == quiet.contributors
    assert attrs.evolve(explained, contributors=()) == quiet


@settings(max_examples=200)
@given(projects(), st.randoms())
def test_scores_stay_in_range_follow_grades_and_ignore_order(
    project: tuple[list[FileSummary], list[Finding]], rnd: random.Random
) -> None:
    """Every score is in [0, 100], its grade follows it, and the input order does not matter."""
    files, findings = project
    health = project_health(files, findings, MODEL_2)
    pairs = [(health.score, health.grade), *((f.score, f.grade) for f in health.files)]
    for score, grade in pairs:
        if score is not None:
            assert 0 <= score <= 100
            assert grade is grade_for(score)
    assert len(health.contributors) <= 10
    assert sorted(health.contributors, key=lambda c: -c.cost) == list(health.contributors)
    shuffled_files, shuffled_findings = list(files), list(findings)
    rnd.shuffle(shuffled_files)
    rnd.shuffle(shuffled_findings)
    assert health == project_health(shuffled_files, shuffled_findings, MODEL_2)


@settings(max_examples=200)
@given(projects(), FUNCTIONS, st.integers(0, 4))
def test_a_more_complex_function_never_raises_a_score(
    project: tuple[list[FileSummary], list[Finding]], added: FunctionMetrics, index: int
) -> None:
    """Adding a function to a file of the same size, or making one more complex, never helps."""
    files, findings = project
    files = [f for f in files if f.lines > 0] or [_file("m0.py", 10)]
    target = files[index % len(files)]
    before = _scores(files, findings)
    grown = attrs.evolve(target, functions=(*target.functions, added))
    _no_higher(before, _scores([grown if f is target else f for f in files], findings))
    worse = attrs.evolve(
        added,
        cyclomatic=added.cyclomatic + 7,
        cognitive=added.cognitive + 9,
        max_nesting=added.max_nesting + 1,
        lines=added.lines + 50,
    )
    more = attrs.evolve(target, functions=(*target.functions, worse))
    _no_higher(
        _scores([grown if f is target else f for f in files], findings),
        _scores([more if f is target else f for f in files], findings),
    )


@settings(max_examples=200)
@given(projects(), FINDINGS)
def test_a_dead_function_or_a_vulnerability_never_raises_a_score(
    project: tuple[list[FileSummary], list[Finding]], added: Finding
) -> None:
    """One more finding of any module, severity and confidence never raises a score."""
    files, findings = project
    added = attrs.evolve(added, location=Location(file="m0.py", start_line=1, end_line=1))
    _no_higher(_scores(files, findings), _scores(files, [*findings, added]))


# --- examples -----------------------------------------------------------------------------


def test_a_big_module_with_a_tangled_function_outweighs_ten_tiny_clean_files() -> None:
    """Model 1 drowns the hotspot in small clean files; model 2 weighs files by their lines."""
    big = _file("big.py", 2000, _function(cyclomatic=38, cognitive=60, lines=240, nesting=7))
    tiny = [_file(f"t{i}.py", 5, _function()) for i in range(10)]
    one = project_health([big, *tiny], (), HealthSettings(model=1))
    alone = project_health([big], (), MODEL_2)
    with_tiny = project_health([big, *tiny], (), MODEL_2)
    assert one.score is not None
    assert alone.score is not None
    assert with_tiny.score is not None
    assert one.score >= 90
    assert abs(alone.score - with_tiny.score) < 1
    assert with_tiny.score < one.score
    (worst,) = with_tiny.contributors
    assert ("function", "big.py", "f") == (worst.kind, worst.file, worst.symbol)
    assert "cognitive 60, cyclomatic 38, 240 lines, nesting 7 in a 2,000-line file" == worst.detail


def test_a_high_confidence_security_error_caps_the_grade_at_c() -> None:
    files = [_file("a.py", 5000)]
    sure = _finding("security:sql-injection", "a.py", Severity.ERROR, confidence=0.9)
    unsure = attrs.evolve(sure, confidence=0.6)
    capped = project_health(files, [sure], MODEL_2)
    assert (CAPPED_SCORE, HealthGrade.C) == (capped.score, capped.grade)
    assert (CAPPED_SCORE, HealthGrade.C) == (capped.files[0].score, capped.files[0].grade)
    assert HealthGrade.A is project_health(files, [unsure], MODEL_2).grade
    (why,) = capped.contributors
    assert ("rule", "security:sql-injection") == (why.kind, why.rule_id)
    assert 100 == CAPPED_SCORE + why.cost  # without it: no debt at all
    assert why.detail.endswith("a high-confidence error caps the grade at C")


def test_complexity_core_and_parse_findings_cost_nothing() -> None:
    """Complexity counts through the measures, never twice through its findings."""
    files = [_file("a.py", 100)]
    findings = [
        _finding("complexity:high-cyclomatic", "a.py"),
        _finding("core:stale-suppression", "a.py", Severity.INFO),
        _finding("parse:syntax-error", "a.py", Severity.ERROR),
    ]
    health = project_health(files, findings, MODEL_2)
    assert (100.0, ()) == (health.score, health.contributors)


def test_each_module_prices_its_own_findings() -> None:
    files = [_file("a.py", 1000)]
    findings = [
        _finding("dead-code:unused-import", "a.py"),
        _finding("dead-code:unused-class", "a.py"),
        _finding("security:weak-cryptography", "a.py"),
        _finding("acme:plugin-rule", "a.py", Severity.ERROR),
    ]
    (file,) = project_health(files, findings, MODEL_2).files
    assert (11.0, 15.0, 30.0) == (file.dead_code_cost, file.security_cost, file.other_cost)
    assert score_for(56.0, 1000) == file.score
    assert 1000 == file.lines


def test_an_empty_project_or_one_without_source_lines_is_not_graded() -> None:
    for model in HEALTH_MODELS:
        empty = project_health([], (), HealthSettings(model=model))
        assert (None, None, model) == (empty.score, empty.grade, empty.model)
    blank = project_health([_file("__init__.py", 0)], (), MODEL_2)
    assert (None, None, 1) == (blank.score, blank.grade, blank.total_files)
    assert not blank.graded


def test_the_debt_ratio_bands_meet_the_grade_boundaries() -> None:
    assert [100.0, 90.0, 80.0, 70.0, 60.0, 30.0] == [
        score_for(cost, 1000) for cost in (0, 50, 100, 200, 500, 1000)
    ]
    assert score_for(1, 0) == score_for(1, 50)  # a file weighs at least 50 lines


def test_every_model_the_config_accepts_has_an_implementation() -> None:
    assert set(HEALTH_MODELS) == set(MODELS)


def test_without_run_settings_the_defaults_apply() -> None:
    assert HealthSettings() == health_settings(None)
    assert 70 == health_min_score(None)


def test_the_complexity_module_rejects_a_model_it_does_not_know() -> None:
    """A library caller that skips the run's validation still gets a config error."""
    for value in (3, "2", True):
        with pytest.raises(ConfigError, match=r"\[modules\.complexity\] model must be one of 1, 2"):
            ComplexityModule().file_analyzer({"model": value})


# --- in a run -----------------------------------------------------------------------------

TANGLED = "def tangled(a):\n" + "".join(
    f"    if a == {i}:\n        return {i}\n" for i in range(40)
)


def _run(root: Path, toml: str = "") -> RunResult:
    (root / ".chaffra.toml").write_text(toml, encoding="utf-8")
    config = resolve_effective_config(root, None, CliOverrides())
    return run_analysis(config, command="health", stderr=io.StringIO(), churn=False)


def test_a_run_scores_with_model_2_flags_low_files_and_records_the_score(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text(TANGLED + "import os\n", encoding="utf-8")
    (tmp_path / "good.py").write_text("def ok():\n    return 1\n", encoding="utf-8")
    result = _run(tmp_path)
    health = result.health
    assert health is not None
    assert 2 == health.model
    assert ["bad.py", "good.py"] == [f.file for f in health.files]
    bad = health.files[0]
    assert (82, 6.0) == (bad.lines, bad.dead_code_cost)  # an unused import and function
    low = [f for f in result.findings if f.rule_id == "complexity:low-health-score"]
    assert [f"file has health score {bad.score:g} ({bad.grade}) below threshold 70"] == [
        f.message for f in low
    ]
    with SqliteStore.for_project(tmp_path) as store:
        current = LiveTelemetryState(store).current(audience=TelemetryAudience.USER_ONLY)
    assert current is not None
    summary = current.user_summary.module_summaries["complexity"]
    assert health.score == summary.metrics["health_score"]


def test_model_1_stays_reachable_and_suppressing_the_low_score_finding_works(
    tmp_path: Path,
) -> None:
    (tmp_path / "bad.py").write_text(
        "# chaffra: ignore-file[complexity:low-health-score]\n" + TANGLED, encoding="utf-8"
    )
    result = _run(tmp_path, "[health]\nmodel = 1\n")
    health = result.health
    assert health is not None
    assert (1, ()) == (health.model, health.contributors)
    assert 0 < health.files[0].cyclomatic_penalty
    rules = {f.rule_id for f in result.findings}
    assert "complexity:low-health-score" not in rules
    assert "core:stale-suppression" not in rules
    two = _run(tmp_path)
    rules = {f.rule_id for f in two.findings}
    assert "complexity:low-health-score" not in rules
    assert "core:stale-suppression" not in rules
