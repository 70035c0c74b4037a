"""The complexity module: per-function measures, findings and the health score."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Sequence

import attrs

from chaffra_core._findings import (
    AnalysisResult,
    Finding,
    FixResult,
    Location,
    ModuleInfo,
    ModuleMetrics,
    Rule,
    RuleExplanation,
    Severity,
    make_anchor,
    qualify,
    split_rule_id,
)
from chaffra_core._function_metrics import FunctionMetrics, FunctionMetricsVisitor
from chaffra_core._module import ModuleConfig, ProjectContext
from chaffra_core._module_schema import ConfigKey, ConfigSchema, ValueKind
from chaffra_core._summary import FileContext, FileResult, FileSummary
from chaffra_core._traversal import Traversal
from chaffra_core.analyzers.complexity._health import (
    HEALTH_MODEL,
    HEALTH_MODELS,
    LOW_HEALTH_SCORE,
    Thresholds,
    file_health,
    low_score_finding,
)
from chaffra_core.errors import ConfigError, RuleNotFound

__all__ = ["ComplexityModule", "measure"]

MODULE_ID = "complexity"
HIGH_CYCLOMATIC = qualify(MODULE_ID, "high-cyclomatic")
HIGH_COGNITIVE = qualify(MODULE_ID, "high-cognitive")

_DEFS = (ast.FunctionDef, ast.AsyncFunctionDef)


def measure(tree: ast.Module) -> list[FunctionMetrics]:
    """Every function and method of ``tree`` in source order, from one walk."""
    visitor = FunctionMetricsVisitor()
    Traversal([visitor]).walk(tree)
    return visitor.functions


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

_DEFAULTS = Thresholds()
CONFIG_SCHEMA = ConfigSchema(
    keys=(
        ConfigKey(
            name="max-cyclomatic",
            kind=ValueKind.INTEGER,
            default=_DEFAULTS.max_cyclomatic,
            minimum=0,
            description="flag a function above this cyclomatic complexity (radon rank C is 11+)",
        ),
        ConfigKey(
            name="max-cognitive",
            kind=ValueKind.INTEGER,
            default=_DEFAULTS.max_cognitive,
            minimum=0,
            description="flag a function above this cognitive complexity (complexipy's default)",
        ),
        ConfigKey(
            name="min-score",
            kind=ValueKind.INTEGER,
            default=_DEFAULTS.min_score,
            minimum=0,
            maximum=100,
            description="flag a file scoring below this; `chaffra health` exits 1 below it",
        ),
        ConfigKey(
            name="model",
            kind=ValueKind.INTEGER,
            default=HEALTH_MODEL,
            minimum=min(HEALTH_MODELS),
            maximum=max(HEALTH_MODELS),
            description="health model: 2 size-weighted remediation effort, 1 the mean of files",
        ),
    )
)
"""The settings of ``[modules.complexity]`` (also accepted under ``[health]``)."""

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
        "Under health model 2 (the default) a file's score comes from its debt ratio: the "
        "remediation minutes of what is wrong in it (each complexity above a threshold 5 "
        "minutes plus 1 per point, long and deeply nested functions, dead code and "
        "security findings) over its source lines; a high-confidence error-severity "
        "security finding caps it at 79 (C). Under model 1 a file starts at 100 and loses "
        "points for its average complexity, longest function and deepest nesting. "
        "Grades: A 90+, B 80+, C 70+, D 60+, F below (docs/health.md).",
        "The score summarises where complexity concentrates so that the worst files can "
        "be refactored first.",
        ("file has health score 62 (D) below threshold 70",),
    ),
}


@attrs.frozen(kw_only=True)
class _FileAnalyzer:
    """The per-file half: function findings and, under health model 1, the file's
    low-score finding (model 2 scores files from every module: the run does it)."""

    thresholds: Thresholds
    model: int = HEALTH_MODEL
    needs_functions: bool = True

    def visitor(self, file: FileContext) -> None:
        return None  # the per-function metrics come from the shared walk

    def finish(self, file: FileContext, visitor: object | None) -> FileResult:
        functions = file.functions
        findings = list(_function_findings(file, functions, self.thresholds))
        health = file_health(file.path, functions, self.thresholds)
        if self.model == 1 and health.score < self.thresholds.min_score:
            findings.append(
                low_score_finding(file.path, health.score, health.grade, self.thresholds.min_score)
            )
        return FileResult(findings=tuple(sorted(findings, key=lambda f: f.sort_key)))


class ComplexityModule:
    """Cyclomatic (radon) and cognitive (complexipy) complexity of every function and
    method, the findings above the thresholds and the health score.

    The numbers come from the engine's shared walk (``FileSummary.functions``);
    the health score is combined from them in the parent process.
    """

    def describe(self) -> ModuleInfo:
        """Id, name, version, capabilities and rules."""
        return ModuleInfo(
            id=MODULE_ID,
            name="Complexity & Health Scoring",
            version="0.3.1",
            languages=("python",),
            capabilities=("analyze", "explain", "health"),
            rules=_RULES,
        )

    def config_schema(self) -> ConfigSchema:
        """The thresholds, with their defaults (the only place they are defined)."""
        return CONFIG_SCHEMA

    def file_analyzer(self, config: ModuleConfig) -> _FileAnalyzer:
        """The per-file analyzer for ``config``.

        Raises:
            ConfigError: for an invalid ``[modules.complexity]`` value.
        """
        return _FileAnalyzer(thresholds=Thresholds.from_config(config), model=_model(config))

    def combine(
        self, files: Sequence[FileSummary], config: ModuleConfig, project: ProjectContext
    ) -> AnalysisResult:
        """The summary: ``cyclomatic_avg``, ``cognitive_avg`` (over all functions) and
        ``functions``. The health is the run's, from every module (``health_score``
        is recorded by the run).

        Raises:
            ConfigError: for an invalid ``[modules.complexity]`` value.
        """
        Thresholds.from_config(config)
        measured = [f for f in files if f.language == "python" and f.measured]
        functions = [m for f in measured for m in f.functions]
        return AnalysisResult(
            metrics=ModuleMetrics(
                files_analyzed=len(measured),
                counters={"functions_analyzed": len(functions)},
                summary={
                    "cyclomatic_avg": _mean(sum(f.cyclomatic for f in functions), len(functions)),
                    "cognitive_avg": _mean(sum(f.cognitive for f in functions), len(functions)),
                    "functions": len(functions),
                },
            ),
        )

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


def _model(config: ModuleConfig) -> int:
    """``model``: 1 or 2 (validated by the run against the schema; the default otherwise)."""
    value = config.get("model", HEALTH_MODEL)
    if isinstance(value, bool) or not isinstance(value, int) or value not in HEALTH_MODELS:
        allowed = ", ".join(str(m) for m in HEALTH_MODELS)
        raise ConfigError(f"[modules.complexity] model must be one of {allowed}, got {value!r}")
    return value


def _mean(total: float, count: int) -> float:
    return total / count if count else 0.0


def _function_findings(
    file: FileContext, functions: Sequence[FunctionMetrics], thresholds: Thresholds
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
