"""An example chaffra plugin (see docs/plugins.md): ``todo:unfinished-function``.

A function whose name starts with ``todo_`` is reported; the module's one
visitor sees every ``def`` of a file during chaffra's shared walk.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence

import attrs

from chaffra_core import (
    AnalysisResult,
    FileContext,
    FileResult,
    FileSummary,
    Finding,
    FixResult,
    Location,
    ModuleConfig,
    ModuleInfo,
    ModuleMetrics,
    ProjectContext,
    Rule,
    RuleExplanation,
    Severity,
    make_anchor,
)

RULE = Rule(
    id="todo:unfinished-function",
    name="Unfinished function",
    description="A function whose name starts with the configured prefix (default `todo_`).",
    default_severity=Severity.INFO,
    category="maintenance",
)


class _Visitor:
    """Collects the unfinished functions of one file."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.found: list[ast.FunctionDef | ast.AsyncFunctionDef] = []

    def enter_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.name.startswith(self.prefix):
            self.found.append(node)

    enter_AsyncFunctionDef = enter_FunctionDef


@attrs.frozen(kw_only=True)
class _Files:
    prefix: str
    needs_functions: bool = False

    def visitor(self, file: FileContext) -> _Visitor:
        return _Visitor(self.prefix)

    def finish(self, file: FileContext, visitor: object | None) -> FileResult:
        assert isinstance(visitor, _Visitor)
        findings = tuple(
            Finding(
                rule_id=RULE.id,
                message=f"function `{node.name}` is unfinished",
                severity=Severity.INFO,
                location=Location(file=file.path, start_line=node.lineno, end_line=node.lineno),
                metadata={"symbol": node.name},
                anchor=make_anchor(node.name, RULE.id),
            )
            for node in visitor.found
        )
        return FileResult(findings=findings, facts={"unfinished": len(findings)})


class TodoModule:
    """The plugin's module: configured by ``[modules.todo] prefix = "..."``."""

    def describe(self) -> ModuleInfo:
        return ModuleInfo(
            id="todo",
            name="Unfinished functions",
            version="1.0.0",
            languages=("python",),
            capabilities=("analyze", "explain"),
            rules=(RULE,),
        )

    def file_analyzer(self, config: ModuleConfig) -> _Files:
        prefix = config.get("prefix", "todo_")
        if not isinstance(prefix, str) or not prefix:
            from chaffra_core import ConfigError

            raise ConfigError(
                f"invalid value modules.todo.prefix = {prefix!r}: expected a name prefix"
            )
        return _Files(prefix=prefix)

    def combine(
        self, files: Sequence[FileSummary], config: ModuleConfig, project: ProjectContext
    ) -> AnalysisResult:
        total = sum(
            int(f.results["todo"].facts.get("unfinished", 0)) for f in files if "todo" in f.results
        )
        return AnalysisResult(metrics=ModuleMetrics(summary={"unfinished": total}))

    def explain(self, rule: str) -> RuleExplanation:
        return RuleExplanation(
            rule_id=RULE.id,
            name=RULE.name,
            description=RULE.description,
            rationale="Unfinished code shipped by accident is a common source of bugs.",
            default_severity=RULE.default_severity,
            suppression_syntax=f"# chaffra: ignore[{RULE.id}]",
        )

    def fix(self, findings: Sequence[Finding], *, dry_run: bool) -> list[FixResult]:
        return []
