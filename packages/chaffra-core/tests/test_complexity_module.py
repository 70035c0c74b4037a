"""The complexity module: config, findings, health score, summaries, explain and fix."""

from __future__ import annotations

import ast
import pickle
import textwrap
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chaffra_core import (
    AnalysisModule,
    AnalysisResult,
    ConfigError,
    FileHealthScore,
    FileResult,
    FileSummary,
    FunctionMetrics,
    HealthGrade,
    ModuleConfig,
    ProjectContext,
    Severity,
    grade_for,
    make_anchor,
)
from chaffra_core._converter import make_cache_converter
from chaffra_core._health import HealthSettings, project_health
from chaffra_core.analyzers import BUILTIN_MODULES
from chaffra_core.analyzers.complexity import (
    ComplexityModule,
    Thresholds,
    file_health,
    measure,
    project_score,
)
from chaffra_core.errors import RuleNotFound
from chaffra_core.testing import analyse, summarise

_PROJECT = ProjectContext(root=Path("project"), target=Path("project"))


def _summary(text: str, path: str = "m.py", config: ModuleConfig | None = None) -> FileSummary:
    return summarise(ComplexityModule(), text, path=path, config=config)


def _file_result(text: str, config: ModuleConfig | None = None, path: str = "m.py") -> FileResult:
    return _summary(text, path, config).results["complexity"]


def _measured(text: str) -> list[FunctionMetrics]:
    return measure(ast.parse(text))


def _branches(name: str, count: int, indent: str = "") -> str:
    lines = [f"{indent}def {name}(a):"]
    lines += [f"{indent}    if a == {i}:\n{indent}        return {i}" for i in range(count)]
    return "\n".join(lines) + "\n"


COMPLEX = _branches("busy", 12) + textwrap.dedent(
    """
    class Shop:
        def checkout(self, a):
            for x in a:
                for y in x:
                    for z in y:
                        for w in z:
                            if w:
                                pass
    """
)


def _measure(cyclomatic: int, cognitive: int, lines: int = 1, nesting: int = 0) -> FunctionMetrics:
    return FunctionMetrics(
        name="f",
        qualified_name="f",
        kind="function",
        start_line=1,
        end_line=lines,
        lines=lines,
        cyclomatic=cyclomatic,
        cognitive=cognitive,
        max_nesting=nesting,
    )


# --- config ---------------------------------------------------------------------------


def test_thresholds_default_to_radon_rank_c_and_complexipy() -> None:
    assert Thresholds(max_cyclomatic=10, max_cognitive=15, min_score=70) == Thresholds.from_config(
        {}
    )


def test_thresholds_accept_integers_and_digit_strings() -> None:
    """``15`` and ``"15"`` are the same value (TOML text rendering)."""
    config = {"max-cyclomatic": 15, "max-cognitive": " 7 ", "min-score": "100", "other": "x"}
    assert Thresholds(max_cyclomatic=15, max_cognitive=7, min_score=100) == Thresholds.from_config(
        config
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("max-cyclomatic", -1),
        ("max-cyclomatic", "ten"),
        ("max-cognitive", True),
        ("max-cognitive", 1.5),
        ("max-cognitive", "\uff11\uff15"),  # full-width digits
        ("min-score", 101),
        ("min-score", ""),
    ],
)
def test_invalid_threshold_fails_closed_naming_the_key(key: str, value: object) -> None:
    with pytest.raises(ConfigError, match=rf"\[modules\.complexity\] {key} must be"):
        Thresholds.from_config({key: value})
    with pytest.raises(ConfigError):
        analyse(ComplexityModule(), {"a.py": "x = 1\n"}, config={key: value})


def test_invalid_config_is_rejected_even_for_unparsable_files_and_in_combine() -> None:
    with pytest.raises(ConfigError):
        _summary("def (:\n", config={"min-score": -3})
    with pytest.raises(ConfigError):
        ComplexityModule().file_analyzer({"min-score": -3})
    with pytest.raises(ConfigError):
        ComplexityModule().combine([], {"max-cyclomatic": "x"}, _PROJECT)


# --- measuring ------------------------------------------------------------------------


def test_measure_reports_functions_methods_and_nested_defs_with_qualified_names() -> None:
    text = textwrap.dedent(
        """
        class Outer:
            class Inner:
                @property
                def value(self):
                    return 1
            async def run(self):
                def helper():
                    pass
        def top():
            class Local:
                def m(self):
                    pass
        """
    )
    rows = [(f.qualified_name, f.kind, f.start_line, f.end_line) for f in _measured(text)]
    assert [
        ("Outer.Inner.value", "method", 5, 6),
        ("Outer.run", "method", 7, 9),
        ("Outer.run.helper", "function", 8, 9),
        ("top", "function", 10, 13),
        ("top.Local.m", "method", 12, 13),
    ] == rows


def test_unparsable_file_measures_nothing_and_is_left_out_of_health() -> None:
    broken = _summary("def broken(:\n", path="b.py")
    assert ((), {"complexity": FileResult()}, False) == (
        broken.functions,
        dict(broken.results),
        broken.measured,
    )
    result = analyse(ComplexityModule(), {"b.py": "def broken(:\n", "a.py": _branches("f", 30)})
    assert 1 == result.metrics.files_analyzed
    health = project_health(
        [broken, _summary(_branches("f", 30), "a.py")], (), HealthSettings(model=1)
    )
    assert (1, 1, ["a.py"], 40) == (
        health.total_files,
        health.unscored_files,
        [f.file for f in health.files],
        health.score,
    )


# --- findings -------------------------------------------------------------------------


def test_findings_name_functions_and_methods_with_thresholds_and_anchors() -> None:
    result = _file_result(COMPLEX, {"max-cognitive": 10})
    rows = [
        (f.rule_id, f.location.start_line, f.location.end_line, f.message) for f in result.findings
    ]
    assert [
        (
            "complexity:high-cognitive",
            1,
            25,
            "function `busy` has cognitive complexity 12 (threshold: 10)",
        ),
        (
            "complexity:high-cyclomatic",
            1,
            25,
            "function `busy` has cyclomatic complexity 13 (threshold: 10)",
        ),
        (
            "complexity:high-cognitive",
            28,
            34,
            "method `Shop.checkout` has cognitive complexity 15 (threshold: 10)",
        ),
    ] == rows
    first = result.findings[1]
    assert Severity.WARNING is first.severity
    assert 1.0 == first.confidence
    assert {"cyclomatic": 13, "threshold": 10, "symbol": "busy"} == dict(first.metadata)
    assert make_anchor("busy", "complexity:high-cyclomatic") == first.anchor
    assert make_anchor("Shop.checkout", result.findings[2].rule_id) == result.findings[2].anchor


def test_threshold_is_exclusive() -> None:
    text = _branches("f", 9)
    assert () == _file_result(text).findings
    flagged = _file_result(text, {"max-cyclomatic": 9}).findings
    assert ["complexity:high-cyclomatic"] == [f.rule_id for f in flagged]


def test_low_health_score_is_a_file_finding_on_line_one_under_model_1() -> None:
    text = _branches("f", 30)
    assert not any(
        "low-health" in f.rule_id for f in _file_result(text, {"min-score": 100}).findings
    )
    result = _file_result(text, {"min-score": 100, "model": 1})
    (finding,) = [f for f in result.findings if f.rule_id == "complexity:low-health-score"]
    assert "file has health score 40 (F) below threshold 100" == finding.message
    assert (1, 1) == (finding.location.start_line, finding.location.end_line)
    assert {"score": 40, "grade": "F"} == dict(finding.metadata)
    assert finding.anchor


def test_anchor_survives_lines_inserted_above_and_bare_cr_files() -> None:
    config = {"max-cyclomatic": 1}
    before = _file_result("def f(a):\n    if a: pass\n", config).findings
    after = _file_result("\n\ndef f(a):\n    if a: pass\n", config).findings
    assert before[0].anchor == after[0].anchor
    assert before[0].location != after[0].location
    cr = _file_result("x = 1\rdef f(a):\r    if a: pass\r", config).findings
    assert make_anchor("f", "complexity:high-cyclomatic") == cr[0].anchor


def test_anchor_survives_a_new_parameter() -> None:
    """The signature is not part of a finding's identity: adding a parameter keeps it."""
    config = {"max-cyclomatic": 1}
    before = _file_result("def f(a):\n    if a: pass\n", config).findings
    after = _file_result("def f(a, b=1):\n    if a: pass\n", config).findings
    assert before[0].fingerprint() == after[0].fingerprint()


# --- health score ---------------------------------------------------------------------


def test_worked_example_of_the_health_score() -> None:
    """Spec §6.6 adapted to thresholds 20/15: cyclomatic 4/6/41, cognitive 2/3/43,
    longest 145 lines, nesting 6 -> penalties 0, 3, 2, 10: score 85 (B)."""
    functions = [
        _measure(4, 2, lines=10, nesting=1),
        _measure(6, 3, lines=20, nesting=2),
        _measure(41, 43, lines=145, nesting=6),
    ]
    health = file_health("a.py", functions, Thresholds(max_cyclomatic=20, max_cognitive=15))
    assert (
        FileHealthScore(
            file="a.py",
            score=85,
            grade=HealthGrade.B,
            cyclomatic_penalty=0,
            cognitive_penalty=3,
            size_penalty=2,
            nesting_penalty=10,
        )
        == health
    )


def test_worked_example_with_default_thresholds_from_measured_code() -> None:
    """The same shape with this module's defaults (10/15), measured from source."""
    text = _branches("a", 3) + _branches("b", 5) + _branches("c", 40)
    functions = _measured(text)
    assert [(4, 3), (6, 5), (41, 40)] == [(f.cyclomatic, f.cognitive) for f in functions]
    health = file_health("a.py", functions, Thresholds())
    # avg cyclomatic 17 -> trunc(3 * 7) = 21; avg cognitive 16 -> 3; 81 lines -> 0.
    assert (21, 3, 0, 0, 76, HealthGrade.C) == (
        health.cyclomatic_penalty,
        health.cognitive_penalty,
        health.size_penalty,
        health.nesting_penalty,
        health.score,
        health.grade,
    )


def test_penalties_are_capped_and_score_floors_at_zero() -> None:
    health = file_health("a.py", [_measure(500, 500, lines=5000, nesting=30)], Thresholds())
    assert (30, 30, 20, 20, 0, HealthGrade.F) == (
        health.cyclomatic_penalty,
        health.cognitive_penalty,
        health.size_penalty,
        health.nesting_penalty,
        health.score,
        health.grade,
    )


def test_files_without_functions_score_100_and_no_files_is_not_graded() -> None:
    assert 100 == file_health("a.py", [], Thresholds()).score
    empty = project_score([])
    assert (None, None, 0, 1) == (empty.score, empty.grade, empty.total_files, empty.model)


_MEASURES = st.builds(
    _measure,
    st.integers(1, 200),
    st.integers(0, 300),
    st.integers(1, 1000),
    st.integers(0, 15),
)


@given(st.lists(st.lists(_MEASURES, max_size=5), max_size=6), st.randoms())
def test_health_score_properties(files: list[list[FunctionMetrics]], rnd: object) -> None:
    """Scores stay in [0, 100], penalties within caps, grades follow scores, order is irrelevant."""
    scores = [file_health(f"f{i}.py", fs, Thresholds()) for i, fs in enumerate(files)]
    for health in scores:
        assert 0 <= health.score <= 100
        assert health.grade is grade_for(health.score)
        assert 0 <= health.cyclomatic_penalty <= 30
        assert 0 <= health.cognitive_penalty <= 30
        assert 0 <= health.size_penalty <= 20
        assert 0 <= health.nesting_penalty <= 20
    shuffled = list(scores)
    rnd.shuffle(shuffled)  # type: ignore[attr-defined]
    assert project_score(scores) == project_score(shuffled)
    project = project_score(scores)
    assert project.graded is bool(scores)
    if project.score is not None:
        assert project.grade is grade_for(project.score)
        assert min(h.score for h in scores) <= project.score <= max(h.score for h in scores)


def test_function_measures_keep_their_invariants() -> None:
    for function in _measured(COMPLEX):
        assert function.cyclomatic >= 1
        assert function.cognitive >= 0
        assert function.max_nesting >= 0
        assert function.lines == function.end_line - function.start_line + 1


# --- module protocol, summaries, combine ------------------------------------------------


def test_module_implements_the_per_file_protocol_and_is_builtin() -> None:
    module = ComplexityModule()
    assert isinstance(module, AnalysisModule)
    analyzer = module.file_analyzer({})
    assert analyzer.needs_functions
    assert analyzer == pickle.loads(pickle.dumps(analyzer))  # sent to worker processes
    assert ComplexityModule in BUILTIN_MODULES
    info = module.describe()
    assert ("complexity", "Complexity & Health Scoring") == (info.id, info.name)
    assert ("analyze", "explain", "health") == info.capabilities
    assert [
        "complexity:high-cyclomatic",
        "complexity:high-cognitive",
        "complexity:low-health-score",
    ] == [r.id for r in info.rules]


def test_combine_scores_every_file_and_averages_every_function() -> None:
    module = ComplexityModule()
    texts = {"b.py": COMPLEX, "a.py": "x = 1\n", "c.py": _branches("g", 2)}
    summaries = [_summary(text, path) for path, text in sorted(texts.items())]
    combined = module.combine(summaries, {}, _PROJECT)
    assert () == combined.findings  # every finding is a file's own
    result = analyse(module, texts)
    own = [f for s in summaries for f in s.results["complexity"].findings]
    assert (own, combined.metrics, None) == (list(result.findings), result.metrics, combined.health)
    summary = dict(combined.metrics.summary)
    # busy 13/12, checkout 6/15, g 3/2: averages over all three functions.
    assert {"cyclomatic_avg", "cognitive_avg", "functions"} == set(summary)
    assert 3 == summary["functions"]
    assert pytest.approx(22 / 3) == summary["cyclomatic_avg"]
    assert pytest.approx(29 / 3) == summary["cognitive_avg"]
    assert {"functions_analyzed": 3} == dict(combined.metrics.counters)
    assert 3 == combined.metrics.files_analyzed


def test_per_file_summaries_cross_process_boundaries_as_plain_data() -> None:
    """Worker processes and the result cache send summaries through the cache converter."""
    converter = make_cache_converter()
    summary = _summary(COMPLEX)
    assert summary.results["complexity"].findings
    assert summary == converter.structure(converter.unstructure(summary), FileSummary)
    result = analyse(ComplexityModule(), {"a.py": COMPLEX})
    assert result == converter.structure(converter.unstructure(result), AnalysisResult)


def test_empty_run_has_zero_averages_and_no_health_score() -> None:
    result = ComplexityModule().combine([], {}, _PROJECT)
    assert {
        "cyclomatic_avg": 0.0,
        "cognitive_avg": 0.0,
        "functions": 0,
    } == dict(result.metrics.summary)


# --- explain and fix ------------------------------------------------------------------


@pytest.mark.parametrize(
    "rule", ["high-cyclomatic", "complexity:high-cognitive", "low-health-score"]
)
def test_explain_accepts_bare_and_qualified_rules(rule: str) -> None:
    explanation = ComplexityModule().explain(rule)
    qualified = rule if ":" in rule else f"complexity:{rule}"
    assert qualified == explanation.rule_id
    assert f"# chaffra: ignore[{qualified}]" == explanation.suppression_syntax
    assert Severity.WARNING is explanation.default_severity
    assert explanation.description
    assert explanation.rationale
    assert explanation.examples


@pytest.mark.parametrize("rule", ["unused-import", "dead-code:high-cyclomatic", "complexity:nope"])
def test_explain_rejects_rules_of_other_modules(rule: str) -> None:
    with pytest.raises(RuleNotFound, match=f"rule not found: {rule}"):
        ComplexityModule().explain(rule)


def test_fix_returns_nothing() -> None:
    module = ComplexityModule()
    findings = _file_result(COMPLEX).findings
    assert [] == module.fix(findings, dry_run=True)
