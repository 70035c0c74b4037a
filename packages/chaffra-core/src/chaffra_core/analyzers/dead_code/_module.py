"""The dead-code module: the per-file half (facts and file-local findings) and ``combine``."""

from __future__ import annotations

from collections.abc import Sequence

import attrs

from chaffra_core._findings import (
    AnalysisResult,
    Finding,
    FixResult,
    ModuleInfo,
    ModuleMetrics,
    RuleExplanation,
    qualify,
    split_rule_id,
)
from chaffra_core._module import ModuleConfig, ProjectContext
from chaffra_core._module_schema import ConfigSchema
from chaffra_core._parse import collection_paused
from chaffra_core._summary import FileContext, FileResult, FileSummary
from chaffra_core.analyzers.dead_code._index import (
    ProjectIndex,
    entry_points,
    pack,
    unpack,
    whitelist_uses,
)
from chaffra_core.analyzers.dead_code._rules import EXPLANATIONS, MODULE_ID, RULES
from chaffra_core.analyzers.dead_code._settings import CONFIG_SCHEMA, Settings
from chaffra_core.analyzers.dead_code._visitor import DeadCodeVisitor
from chaffra_core.errors import RuleNotFound

__all__ = ["DeadCodeModule"]


@attrs.frozen(kw_only=True)
class _FileAnalyzer:
    """The per-file half: one visitor per file, its facts and file-local findings."""

    settings: Settings
    needs_functions: bool = False

    def visitor(self, file: FileContext) -> DeadCodeVisitor | None:
        return DeadCodeVisitor(file.path, self.settings) if file.tree is not None else None

    def finish(self, file: FileContext, visitor: object | None) -> FileResult:
        if not isinstance(visitor, DeadCodeVisitor):
            return FileResult()
        facts = visitor.facts()
        facts["entry"] = facts["entry"] or file.text.startswith("#!")
        findings = [f for f in visitor.findings if not visitor.role.all_roots]
        return FileResult(
            findings=tuple(sorted(findings, key=lambda f: f.sort_key)), facts=pack(facts)
        )


class DeadCodeModule:
    """Unused imports, functions, classes, methods, attributes, variables and files,
    unreachable code and constant conditions, with vulture-style confidences.

    Per file, the shared walk records definitions (roots and framework traps
    already excluded) and the names used; ``combine`` builds the project index
    from those cached facts and reports every candidate whose name no file uses.
    """

    def __init__(self) -> None:
        self._previous: tuple[object, ProjectIndex, dict[str, str]] | None = None

    def config_schema(self) -> ConfigSchema:
        """``min-confidence``, ``unused-argument``, ``whitelist`` and ``ignore-names``."""
        return CONFIG_SCHEMA

    def describe(self) -> ModuleInfo:
        """Id, name, version, capabilities and rules."""
        return ModuleInfo(
            id=MODULE_ID,
            name="Dead Code Detection",
            version="0.5.0",  # the result cache is keyed on it: bump when the facts change
            languages=("python",),
            capabilities=("analyze", "explain", "fix"),
            rules=RULES,
        )

    def file_analyzer(self, config: ModuleConfig) -> _FileAnalyzer:
        """The per-file analyzer for ``config``.

        Raises:
            ConfigError: for an invalid ``[modules.dead-code]`` value.
        """
        return _FileAnalyzer(settings=Settings.from_config(config))

    def combine(
        self, files: Sequence[FileSummary], config: ModuleConfig, project: ProjectContext
    ) -> AnalysisResult:
        """The project-level findings (names no file uses, modules nothing imports).

        Raises:
            ConfigError: for an invalid ``[modules.dead-code]`` value.
        """
        settings = Settings.from_config(config)
        with collection_paused():  # the index is a large acyclic structure
            index = self._index(files, settings, project)
            findings = index.findings(settings, entry=project.entry)
        return AnalysisResult(
            findings=tuple(sorted(findings, key=lambda f: f.sort_key)),
            metrics=ModuleMetrics(
                files_analyzed=len(index.facts),
                counters={"names_used": index.used},
            ),
        )

    def _index(
        self, files: Sequence[FileSummary], settings: Settings, project: ProjectContext
    ) -> ProjectIndex:
        """The project index, updated in place from the previous run's when the module
        lives on between runs (watch, the LSP): only files whose digest changed, and
        files added or removed, are re-indexed."""
        names, modules = entry_points(project.root)
        names |= whitelist_uses(project.root, settings.whitelist)
        key = (project.root, frozenset(names), frozenset(modules))
        digests = {f.path: f.digest for f in files if MODULE_ID in f.results}
        previous = self._previous
        if previous is None or previous[0] != key:
            index = ProjectIndex.build(files, extra_uses=names, extra_modules=modules)
        else:
            index, known = previous[1], previous[2]
            for path in known.keys() - digests.keys():
                index.update(path, None)
            for summary in files:
                if summary.path in digests and known.get(summary.path) != summary.digest:
                    facts = summary.results[MODULE_ID].facts
                    index.update(summary.path, unpack(facts) if facts else None)
        self._previous = (key, index, digests)
        return index

    def explain(self, rule: str) -> RuleExplanation:
        """The explanation of one of the dead-code rules (bare or qualified).

        Raises:
            RuleNotFound: for any other rule.
        """
        module, name = split_rule_id(rule)
        rule_id = qualify(MODULE_ID, name)
        if module not in (None, MODULE_ID) or rule_id not in EXPLANATIONS:
            raise RuleNotFound(rule)
        description, rationale, examples = EXPLANATIONS[rule_id]
        info = next(r for r in RULES if r.id == rule_id)
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
        """Dead-code fixes are applied by ``chaffra fix --dead-code`` (see ``fix_source``)."""
        return [
            FixResult(rule_id=f.rule_id, applied=False, reason="no auto-fix available")
            for f in findings
        ]
