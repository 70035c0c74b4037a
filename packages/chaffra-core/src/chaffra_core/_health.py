"""The project health: computed once per run, from every module that ran (docs/health.md).

Model 2 (the default) prices what is wrong in remediation minutes (complexity
above the thresholds per function, dead code and security per reported
finding) and scores the debt ratio, minutes over source lines, for each file
and for the project; an error-severity security finding caps the grade at C.
Model 1 is the original mean of per-file averages (spec §6.6), complexity only.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING

import attrs

from chaffra_core._findings import (
    FileHealthScore,
    Finding,
    HealthContributor,
    ProjectHealth,
    grade_for,
)
from chaffra_core._function_metrics import FunctionMetrics
from chaffra_core._health_costs import (
    DEEP_NESTING,
    caps,
    counted_module,
    finding_cost,
    function_cost,
    score_for,
)
from chaffra_core._summary import FileSummary
from chaffra_core.analyzers.complexity._health import (
    HEALTH_MODEL,
    Thresholds,
    file_health,
    low_score_finding,
    project_score,
)

if TYPE_CHECKING:
    from chaffra_core._policy import RunSettings

COMPLEXITY = "complexity"
"""The module whose settings the health reads (``[health]`` is its table too)."""

__all__ = [
    "CONTRIBUTOR_LIMIT",
    "MODELS",
    "HealthSettings",
    "health_min_score",
    "health_settings",
    "low_score_findings",
    "project_health",
]

CONTRIBUTOR_LIMIT = 10
"""How many contributors a project health keeps (the costliest)."""


@attrs.frozen(kw_only=True)
class HealthSettings:
    """The model (``[health] model``) and the complexity thresholds it prices against;
    ``explain``: whether to name what cost the most (a report shows it; an editor's
    re-combination after a keystroke needs only the scores)."""

    model: int = HEALTH_MODEL
    thresholds: Thresholds = attrs.Factory(Thresholds)
    explain: bool = True


def health_settings(settings: RunSettings | None) -> HealthSettings:
    """The health settings of a run: ``[health]`` / ``[modules.complexity]``, else defaults."""
    if settings is None:
        return HealthSettings()
    model = settings.setting(COMPLEXITY, "model")
    return HealthSettings(
        model=model if isinstance(model, int) else HEALTH_MODEL,
        thresholds=Thresholds.from_config(settings.modules.get(COMPLEXITY, {})),
    )


def health_min_score(settings: RunSettings | None) -> int:
    """``min-score``: files below it get a finding, ``chaffra health`` exits 1 below it."""
    return Thresholds.from_config(
        {} if settings is None else settings.modules.get(COMPLEXITY, {})
    ).min_score


def low_score_findings(health: ProjectHealth, min_score: int) -> list[Finding]:
    """Model 2's ``complexity:low-health-score`` findings: the files scoring below
    ``min_score`` (model 1's come from the complexity module, file by file)."""
    if health.model == 1:
        return []
    return [
        low_score_finding(f.file, f.score, f.grade, min_score)
        for f in health.files
        if f.score < min_score
    ]


def project_health(
    summaries: Sequence[FileSummary], findings: Iterable[Finding], settings: HealthSettings
) -> ProjectHealth:
    """The health of a run's files under ``settings.model``.

    ``findings`` are the reported ones (suppressions and ``[rules]`` applied), so
    only the modules that ran, and only what they report, count.
    """
    return MODELS[settings.model](summaries, tuple(findings), settings)


def _scored(summaries: Sequence[FileSummary]) -> tuple[list[FileSummary], int]:
    python = [s for s in summaries if s.language == "python"]
    measured = [s for s in python if s.measured]
    return measured, len(python) - len(measured)


def _model_one(
    summaries: Sequence[FileSummary], findings: Sequence[Finding], settings: HealthSettings
) -> ProjectHealth:
    measured, unscored = _scored(summaries)
    thresholds = settings.thresholds
    files = [
        attrs.evolve(file_health(s.path, s.functions, thresholds), lines=s.lines) for s in measured
    ]
    return project_score(files, unscored=unscored)


@attrs.frozen(kw_only=True)
class _Priced:
    """One file's costs in minutes, by what caused them."""

    complexity: float = 0.0
    dead_code: float = 0.0
    security: float = 0.0
    other: float = 0.0
    capped: bool = False

    @property
    def total(self) -> float:
        return self.complexity + self.dead_code + self.security + self.other


_CATEGORY = {"dead-code": "dead_code", "security": "security"}


def _price(findings: Iterable[Finding]) -> dict[str, float]:
    costs = {"dead_code": 0.0, "security": 0.0, "other": 0.0}
    for finding in findings:
        module = counted_module(finding.rule_id)
        if module is not None:
            costs[_CATEGORY.get(module, "other")] += finding_cost(finding)
    return costs


def _model_two(
    summaries: Sequence[FileSummary], findings: Sequence[Finding], settings: HealthSettings
) -> ProjectHealth:
    measured, unscored = _scored(summaries)
    thresholds = settings.thresholds
    by_file: defaultdict[str, list[Finding]] = defaultdict(list)
    for finding in findings:
        by_file[finding.location.file].append(finding)
    files: list[FileHealthScore] = []
    for summary in measured:
        own = by_file.get(summary.path, [])
        priced = _Priced(
            complexity=sum(
                function_cost(f, thresholds.max_cyclomatic, thresholds.max_cognitive)
                for f in summary.functions
            ),
            **_price(own),
            capped=any(caps(f) for f in own),
        )
        score = score_for(priced.total, summary.lines, capped=priced.capped)
        files.append(
            FileHealthScore(
                file=summary.path,
                score=score,
                grade=grade_for(score),
                lines=summary.lines,
                complexity_cost=priced.complexity,
                dead_code_cost=priced.dead_code,
                security_cost=priced.security,
                other_cost=priced.other,
            )
        )
    ordered = tuple(sorted(files, key=lambda f: f.file))
    lines = sum(f.lines for f in ordered)
    complexity = sum(f.complexity_cost for f in ordered)
    total = complexity + sum(finding_cost(f) for f in findings)
    capped = any(caps(f) for f in findings)
    if lines == 0:
        return ProjectHealth(
            score=None, grade=None, files=ordered, total_files=len(ordered), unscored_files=unscored
        )
    score = score_for(total, lines, capped=capped)
    explain = _Explainer(total=total, lines=lines, capped=capped, findings=findings)
    return ProjectHealth(
        score=score,
        grade=grade_for(score),
        files=ordered,
        total_files=len(ordered),
        unscored_files=unscored,
        contributors=explain.top(measured, thresholds) if settings.explain else (),
    )


@attrs.frozen(kw_only=True)
class _Explainer:
    """Prices each contributor as the score points the project would gain without it,
    before the cap; the cap's own loss is shared by the rules that cause it."""

    total: float
    lines: int
    capped: bool
    findings: Sequence[Finding]

    def gain(self, cost: float) -> float:
        without = score_for(self.total - cost, self.lines, digits=None)
        return without - score_for(self.total, self.lines, digits=None)

    def cap_loss(self) -> float:
        uncapped = score_for(self.total, self.lines, digits=None)
        return uncapped - score_for(self.total, self.lines, capped=self.capped, digits=None)

    def top(
        self, measured: Sequence[FileSummary], thresholds: Thresholds
    ) -> tuple[HealthContributor, ...]:
        found = [*self._functions(measured, thresholds), *self._rules()]
        found = [c for c in found if c.cost > 0]
        found.sort(key=lambda c: (-c.cost, c.kind, c.file or "", c.symbol or "", c.rule_id or ""))
        return tuple(found[:CONTRIBUTOR_LIMIT])

    def _functions(
        self, measured: Sequence[FileSummary], thresholds: Thresholds
    ) -> Iterable[HealthContributor]:
        for summary in measured:
            for function in summary.functions:
                cost = function_cost(function, thresholds.max_cyclomatic, thresholds.max_cognitive)
                if cost <= 0:
                    continue
                yield HealthContributor(
                    kind="function",
                    file=summary.path,
                    symbol=function.qualified_name,
                    cost=round(self.gain(cost), 2),
                    detail=_function_detail(function, thresholds, summary.lines),
                )

    def _rules(self) -> Iterable[HealthContributor]:
        groups: defaultdict[str, list[Finding]] = defaultdict(list)
        for finding in self.findings:
            if counted_module(finding.rule_id) is not None:
                groups[finding.rule_id].append(finding)
        capping = {f.rule_id for f in self.findings if caps(f)}
        # The cap's own loss is shared by the rules that cause it, so that "why C" shows them.
        cap_share = self.cap_loss() / len(capping) if capping else 0.0
        for rule_id, group in groups.items():
            cost = self.gain(sum(finding_cost(f) for f in group))
            files = len({f.location.file for f in group})
            detail = f"{len(group):,} finding(s) in {files:,} file(s)"
            if rule_id in capping:
                cost += cap_share
                detail += "; a high-confidence error caps the grade at C"
            yield HealthContributor(
                kind="rule", rule_id=rule_id, cost=round(cost, 2), detail=detail
            )


def _function_detail(function: FunctionMetrics, thresholds: Thresholds, file_lines: int) -> str:
    """``cognitive 38, cyclomatic 29, 210 lines, nesting 6 in a 2,140-line file``."""
    parts = [
        f"{name} {value}"
        for name, value, limit in (
            ("cognitive", function.cognitive, thresholds.max_cognitive),
            ("cyclomatic", function.cyclomatic, thresholds.max_cyclomatic),
        )
        if value > limit
    ]
    parts.append(f"{function.lines:,} lines")
    if function.max_nesting > DEEP_NESTING:
        parts.append(f"nesting {function.max_nesting}")
    return f"{', '.join(parts)} in a {file_lines:,}-line file"


Model = Callable[[Sequence[FileSummary], Sequence[Finding], HealthSettings], ProjectHealth]

MODELS: Mapping[int, Model] = MappingProxyType({1: _model_one, 2: _model_two})
"""The health models by ``[health] model`` number."""
