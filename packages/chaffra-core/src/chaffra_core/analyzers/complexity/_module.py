"""The complexity module: per-function measures, findings and the health score."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence
from typing import Literal

import attrs

from chaffra_core._findings import (
    AnalysisResult,
    FileHealthScore,
    Finding,
    FixResult,
    Location,
    ModuleInfo,
    ModuleMetrics,
    ProjectHealth,
    Rule,
    RuleExplanation,
    Severity,
    grade_for,
    make_anchor,
    qualify,
    split_rule_id,
)
from chaffra_core._module import ModuleConfig
from chaffra_core._source import SourceFile
from chaffra_core.analyzers.complexity._cognitive import cognitive
from chaffra_core.analyzers.complexity._cyclomatic import cyclomatic
from chaffra_core.analyzers.complexity._health import (
    FunctionMeasure,
    Thresholds,
    file_health,
    project_score,
)
from chaffra_core.errors import RuleNotFound

__all__ = ["ComplexityModule", "FunctionComplexity", "measure", "project_health"]

MODULE_ID = "complexity"
HIGH_CYCLOMATIC = qualify(MODULE_ID, "high-cyclomatic")
HIGH_COGNITIVE = qualify(MODULE_ID, "high-cognitive")
LOW_HEALTH_SCORE = qualify(MODULE_ID, "low-health-score")

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


@attrs.frozen(kw_only=True)
class FunctionComplexity(FunctionMeasure):
    """The measures of one ``def`` (functions, methods and nested functions alike).

    ``qualified_name`` joins the enclosing classes and functions with dots
    (``Outer.Inner.method``, ``outer.inner``); ``kind`` is ``method`` for a def
    whose nearest enclosing scope is a class. Lines run from the ``def``
    keyword (decorators excluded) to the last line of the body.
    ``cyclomatic`` equals ``radon cc``, ``cognitive`` equals ``complexipy``;
    ``max_nesting`` is the deepest nesting level of a statement in the
    cognitive-complexity walk (0 for straight-line code).
    """

    name: str
    qualified_name: str
    kind: Literal["function", "method"]
    start_line: int
    end_line: int


def _definitions(
    body: Sequence[ast.stmt], prefix: str, in_class: bool
) -> Iterator[tuple[ast.FunctionDef | ast.AsyncFunctionDef, str, bool]]:
    """Every def below ``body`` with its qualified name and whether it is a method."""
    for node in body:
        if isinstance(node, _DEFS):
            qualified = prefix + node.name
            yield node, qualified, in_class
            yield from _definitions(node.body, qualified + ".", False)
        elif isinstance(node, ast.ClassDef):
            yield from _definitions(node.body, prefix + node.name + ".", True)
        else:
            for suite in _suites(node):
                yield from _definitions(suite, prefix, in_class)


def _suites(node: ast.stmt) -> Iterator[Sequence[ast.stmt]]:
    """The statement lists inside a compound statement (none for a simple one)."""
    for field in ("body", "orelse", "finalbody"):
        suite = getattr(node, field, None)
        if suite:
            yield suite
    for clause in getattr(node, "handlers", ()) or getattr(node, "cases", ()):
        yield clause.body


def measure(file: SourceFile) -> list[FunctionComplexity]:
    """Every function and method of ``file`` in source order (``[]`` if it did not parse)."""
    if file.tree is None:
        return []
    measured = []
    for node, qualified, is_method in _definitions(file.tree.body, "", False):
        cognitive_value, max_nesting = cognitive(node)
        end_line = node.end_lineno or node.lineno
        measured.append(
            FunctionComplexity(
                name=node.name,
                qualified_name=qualified,
                kind="method" if is_method else "function",
                start_line=node.lineno,
                end_line=end_line,
                lines=end_line - node.lineno + 1,
                cyclomatic=cyclomatic(node),
                cognitive=cognitive_value,
                max_nesting=max_nesting,
            )
        )
    measured.sort(key=lambda f: (f.start_line, f.qualified_name))
    return measured


def project_health(files: Sequence[SourceFile], config: ModuleConfig) -> ProjectHealth:
    """The project's health over the files that parsed.

    Raises:
        ConfigError: for an invalid ``[modules.complexity]`` value.
    """
    thresholds = Thresholds.from_config(config)
    return project_score(
        [file_health(f.path, measure(f), thresholds) for f in files if f.tree is not None]
    )


_RULES = (
    Rule(
        id=HIGH_CYCLOMATIC,
        name="High cyclomatic complexity",
        description="A function or method has more independent paths than `max-cyclomatic`.",
        default_severity=Severity.WARNING,
        category="complexity",
    ),
    Rule(
        id=HIGH_COGNITIVE,
        name="High cognitive complexity",
        description="A function or method is harder to follow than `max-cognitive` allows.",
        default_severity=Severity.WARNING,
        category="complexity",
    ),
    Rule(
        id=LOW_HEALTH_SCORE,
        name="Low health score",
        description="A file's 0-100 health score is below `min-score`.",
        default_severity=Severity.WARNING,
        category="complexity",
    ),
)

_EXPLANATIONS = {
    HIGH_CYCLOMATIC: (
        "Cyclomatic complexity counts decision points: 1 plus each `if`, `elif`, loop, "
        "loop `else`, `except`, `try` `else`, conditional expression, comprehension `for` "
        "and `if`, `match` case, `assert` and each `and`/`or` operator. The numbers are "
        "those of `radon cc`; nested functions are measured on their own.",
        "Each path through a function needs its own test; above about 10 paths (radon's "
        "rank C) functions are hard to test completely and tend to hide defects.",
        (
            "def ship(order):\n    if order.paid and order.address:  # +1 if, +1 and\n"
            "        for item in order.items:  # +1\n            ...",
        ),
    ),
    HIGH_COGNITIVE: (
        "Cognitive complexity (G. Ann Campbell's definition, with the numbers of "
        "`complexipy`) charges each break in linear flow (`if`, `elif`, `else`, loops, "
        "`except`, `match`, conditional expressions, comprehensions, recursion, each "
        "sequence of like boolean operators) and adds the current nesting depth to nested "
        "structures.",
        "Deeply nested and interleaved control flow is what makes code hard to read; "
        "flatten it with early returns, guard clauses and extracted helpers.",
        (
            "def total(rows):\n    for row in rows:  # +1\n        if row.ok:  # +2 (nested)\n"
            "            ...",
        ),
    ),
    LOW_HEALTH_SCORE: (
        "A file starts at 100 and loses points when its average cyclomatic or cognitive "
        "complexity is above the thresholds (3 per point, at most 30 each), when its "
        "longest function exceeds 100 lines (1 per 20 lines, at most 20) and when "
        "nesting goes deeper than 4 (5 per level, at most 20). Grades: A 90+, B 80+, "
        "C 70+, D 60+, F below.",
        "The score summarises where complexity concentrates so that the worst files can "
        "be refactored first.",
        ("file `app/views.py` has health score 62 (D) below threshold 70",),
    ),
}


class ComplexityModule:
    """Cyclomatic (radon) and cognitive (complexipy) complexity of every function and
    method, the findings above the thresholds and the health score.

    ``analyze_file`` depends on the file and the config alone, so results can
    run in worker processes and be cached by content digest and config.
    """

    def describe(self) -> ModuleInfo:
        """Id, name, version, capabilities and rules."""
        return ModuleInfo(
            id=MODULE_ID,
            name="Complexity & Health Scoring",
            version="0.1.0",
            languages=("python",),
            capabilities=("analyze", "explain", "health"),
            rules=_RULES,
        )

    def analyze(self, files: Sequence[SourceFile], config: ModuleConfig) -> AnalysisResult:
        """``combine`` of ``analyze_file`` over ``files``."""
        return self.combine([(f, self.analyze_file(f, config)) for f in files], config)

    def analyze_file(self, file: SourceFile, config: ModuleConfig) -> AnalysisResult:
        """Findings and per-file metrics; files that did not parse get an empty result.

        Raises:
            ConfigError: for an invalid ``[modules.complexity]`` value.
        """
        thresholds = Thresholds.from_config(config)
        if file.tree is None:
            return AnalysisResult()
        functions = measure(file)
        health = file_health(file.path, functions, thresholds)
        findings = list(_function_findings(file, functions, thresholds))
        if health.score < thresholds.min_score:
            findings.append(
                Finding(
                    rule_id=LOW_HEALTH_SCORE,
                    message=(
                        f"file `{file.path}` has health score {health.score} "
                        f"({health.grade}) below threshold {thresholds.min_score}"
                    ),
                    severity=Severity.WARNING,
                    location=Location(file=file.path, start_line=1, end_line=1),
                    metadata={"score": health.score, "grade": health.grade.value},
                    anchor=make_anchor("<module>", LOW_HEALTH_SCORE),
                )
            )
        cyclomatic_total = sum(f.cyclomatic for f in functions)
        cognitive_total = sum(f.cognitive for f in functions)
        return AnalysisResult(
            findings=tuple(sorted(findings, key=lambda f: f.sort_key)),
            metrics=ModuleMetrics(
                files_analyzed=1,
                counters={"functions_analyzed": len(functions)},
                summary={
                    "health_score": health.score,
                    "cyclomatic_avg": _mean(cyclomatic_total, len(functions)),
                    "cognitive_avg": _mean(cognitive_total, len(functions)),
                    "functions": len(functions),
                    "cyclomatic_total": cyclomatic_total,
                    "cognitive_total": cognitive_total,
                    "cyclomatic_penalty": health.cyclomatic_penalty,
                    "cognitive_penalty": health.cognitive_penalty,
                    "size_penalty": health.size_penalty,
                    "nesting_penalty": health.nesting_penalty,
                },
            ),
        )

    def combine(
        self, results: Sequence[tuple[SourceFile, AnalysisResult]], config: ModuleConfig
    ) -> AnalysisResult:
        """All findings, sorted, the project health and the project summary:
        ``health_score``, ``cyclomatic_avg``, ``cognitive_avg`` (over all
        functions) and ``functions``."""
        Thresholds.from_config(config)
        findings = sorted((f for _, r in results for f in r.findings), key=lambda f: f.sort_key)
        summaries = [r.metrics.summary for _, r in results if "health_score" in r.metrics.summary]
        functions = int(sum(s["functions"] for s in summaries))
        health = self.health(results)
        return AnalysisResult(
            findings=tuple(findings),
            health=health,
            metrics=ModuleMetrics(
                files_analyzed=sum(r.metrics.files_analyzed for _, r in results),
                counters={"functions_analyzed": functions},
                summary={
                    "health_score": health.score,
                    "cyclomatic_avg": _mean(
                        sum(s["cyclomatic_total"] for s in summaries), functions
                    ),
                    "cognitive_avg": _mean(sum(s["cognitive_total"] for s in summaries), functions),
                    "functions": functions,
                },
            ),
        )

    def health(self, results: Sequence[tuple[SourceFile, AnalysisResult]]) -> ProjectHealth:
        """The project health from ``analyze_file`` results (no re-measuring)."""
        scores = []
        for file, result in results:
            summary = result.metrics.summary
            if "health_score" not in summary:
                continue
            score = int(summary["health_score"])
            scores.append(
                FileHealthScore(
                    file=file.path,
                    score=score,
                    grade=grade_for(score),
                    cyclomatic_penalty=int(summary["cyclomatic_penalty"]),
                    cognitive_penalty=int(summary["cognitive_penalty"]),
                    size_penalty=int(summary["size_penalty"]),
                    nesting_penalty=int(summary["nesting_penalty"]),
                )
            )
        return project_score(scores)

    def explain(self, rule: str) -> RuleExplanation:
        """The explanation of ``high-cyclomatic``, ``high-cognitive`` or ``low-health-score``
        (bare or qualified).

        Raises:
            RuleNotFound: for any other rule.
        """
        module, name = split_rule_id(rule)
        rule_id = qualify(MODULE_ID, name)
        if module not in (None, MODULE_ID) or rule_id not in _EXPLANATIONS:
            raise RuleNotFound(rule)
        description, rationale, examples = _EXPLANATIONS[rule_id]
        info = next(r for r in _RULES if r.id == rule_id)
        return RuleExplanation(
            rule_id=rule_id,
            name=info.name,
            description=description,
            rationale=rationale,
            default_severity=info.default_severity,
            suppression_syntax=f"# chaffra: ignore[{rule_id}]",
            examples=examples,
        )

    def fix(self, findings: Sequence[Finding], *, dry_run: bool) -> list[FixResult]:
        """Complexity has no automatic fixes."""
        return []


def _mean(total: float, count: int) -> float:
    return total / count if count else 0.0


def _function_findings(
    file: SourceFile, functions: Sequence[FunctionComplexity], thresholds: Thresholds
) -> Iterator[Finding]:
    for function in functions:
        checks = (
            (HIGH_CYCLOMATIC, "cyclomatic", function.cyclomatic, thresholds.max_cyclomatic),
            (HIGH_COGNITIVE, "cognitive", function.cognitive, thresholds.max_cognitive),
        )
        for rule_id, measure_name, value, threshold in checks:
            if value <= threshold:
                continue
            yield Finding(
                rule_id=rule_id,
                message=(
                    f"{function.kind} `{function.qualified_name}` has {measure_name} "
                    f"complexity {value} (threshold: {threshold})"
                ),
                severity=Severity.WARNING,
                location=Location(
                    file=file.path, start_line=function.start_line, end_line=function.end_line
                ),
                metadata={
                    measure_name: value,
                    "threshold": threshold,
                    "symbol": function.qualified_name,
                },
                # The symbol and the rule, not the def line: a new parameter is the same finding.
                anchor=make_anchor(function.qualified_name, rule_id),
            )
