"""The module host: registration, lookup, explanations, contained failures, entry points."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import pytest

from chaffra_core import (
    AnalysisModule,
    AnalysisResult,
    FileContext,
    FileResult,
    FileSummary,
    Finding,
    FixResult,
    Location,
    ModuleConfig,
    ModuleHost,
    ModuleInfo,
    ProjectContext,
    Rule,
    RuleExplanation,
    Severity,
)
from chaffra_core._host import ENTRY_POINT_GROUP, check_result, module_error_finding
from chaffra_core.errors import CoreError, ModuleNotFound, RuleNotFound
from chaffra_core.testing import analyse, summarise


@attrs.frozen(kw_only=True)
class _ToyFiles:
    """One info finding per file; ``fail`` makes ``finish`` raise."""

    module_id: str
    fail: bool
    needs_functions: bool = False

    def visitor(self, file: FileContext) -> None:
        return None

    def finish(self, file: FileContext, visitor: object | None) -> FileResult:
        if self.fail:
            raise RuntimeError("boom")
        finding = Finding(
            rule_id=f"{self.module_id}:odd-rule",
            message="m",
            severity=Severity.INFO,
            location=Location(file=file.path, start_line=1, end_line=1),
        )
        return FileResult(findings=(finding,))


class Toy:
    """A minimal module with one rule; ``fail`` makes analyze raise."""

    def __init__(self, module_id: str = "toy", *, fail: bool = False) -> None:
        self.module_id, self.fail = module_id, fail

    def describe(self) -> ModuleInfo:
        rule = Rule(
            id="odd-rule",
            name="Odd",
            description="d",
            default_severity=Severity.INFO,
            category="c",
        )
        return ModuleInfo(
            id=self.module_id,
            name="Toy",
            version="1",
            languages=("python",),
            capabilities=("analyze", "explain"),
            rules=(rule,),
        )

    def file_analyzer(self, config: ModuleConfig) -> _ToyFiles:
        return _ToyFiles(module_id=self.module_id, fail=self.fail)

    def combine(
        self, files: Sequence[FileSummary], config: ModuleConfig, project: ProjectContext
    ) -> AnalysisResult:
        return AnalysisResult()

    def explain(self, rule: str) -> RuleExplanation:
        return RuleExplanation(
            rule_id=rule,
            name=self.module_id,
            description="d",
            rationale="r",
            default_severity=Severity.INFO,
            suppression_syntax="",
        )

    def fix(self, findings: Sequence[Finding], *, dry_run: bool) -> list[FixResult]:
        return []


def test_modules_are_listed_sorted_and_found_by_id() -> None:
    host = ModuleHost([Toy("b"), Toy("a")])
    assert ["a", "b"] == host.ids()
    assert ["a", "b"] == [info.id for info in host.infos()]
    assert "b" == host.get("b").describe().id


def test_duplicate_ids_and_unknown_modules_are_errors() -> None:
    host = ModuleHost([Toy()])
    with pytest.raises(CoreError, match="module already registered: toy"):
        host.register(Toy())
    with pytest.raises(ModuleNotFound, match="module not found: nope"):
        host.get("nope")


def test_qualified_rule_ids_are_found_by_their_bare_name_too() -> None:
    class Qualified(Toy):
        def describe(self) -> ModuleInfo:
            info = super().describe()
            rule = attrs.evolve(info.rules[0], id="q:odd-rule")
            return attrs.evolve(info, rules=(rule,))

    host = ModuleHost([Qualified("q")])
    assert "q:odd-rule" == host.explain("odd-rule").rule_id
    assert "q:odd-rule" == host.explain("q:odd-rule").rule_id


def test_rules_are_explained_by_qualified_or_bare_id() -> None:
    host = ModuleHost([Toy("a"), Toy("b")])
    assert "b" == host.explain("b:odd-rule").name
    assert "a" == host.explain("odd-rule").name
    with pytest.raises(RuleNotFound, match="rule not found: a:missing"):
        host.explain("a:missing")
    with pytest.raises(ModuleNotFound):
        host.explain("zz:odd-rule")


def test_a_module_implementing_the_protocol_is_an_analysis_module() -> None:
    assert isinstance(Toy(), AnalysisModule)
    assert not isinstance(object(), AnalysisModule)


def test_a_failing_module_is_contained_to_its_own_error() -> None:
    summary = summarise(Toy(fail=True), "x = 1\n", path="a.py")
    assert {"toy": FileResult()} == dict(summary.results)
    assert {"toy": "a.py: RuntimeError: boom"} == dict(summary.errors)
    with pytest.raises(RuntimeError, match="boom"):
        analyse(Toy(fail=True), {"a.py": "x = 1\n"})
    assert ["toy:odd-rule"] == [f.rule_id for f in analyse(Toy(), {"a.py": ""}).findings]


def test_module_results_are_checked_at_the_host_boundary() -> None:
    with pytest.raises(CoreError, match="contract error: x returned dict"):
        check_result("x", {})
    with pytest.raises(CoreError, match="malformed finding"):
        check_result("x", AnalysisResult(findings=("nope",)))  # type: ignore[arg-type]


def test_a_module_error_becomes_an_error_finding() -> None:
    finding = module_error_finding("toy", "boom")
    assert ("core:module-error", Severity.ERROR) == (finding.rule_id, finding.severity)
    assert {"module": "toy"} == dict(finding.metadata)


def test_the_default_host_loads_entry_points_and_records_broken_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Broken:
        name = "broken"

        def load(self) -> object:
            raise ImportError("missing dependency")

    class Works:
        name = "toy"

        def load(self) -> object:
            return Toy

    def fake_entry_points(*, group: str) -> list[object]:
        assert ENTRY_POINT_GROUP == group
        return [Works(), Broken()]

    monkeypatch.setattr("chaffra_core._host.entry_points", fake_entry_points)
    host = ModuleHost.default()
    assert ["toy"] == host.ids()
    assert [("broken", "ImportError")] == [(e.name, e.error_type) for e in host.load_errors]
    assert ["toy"] == list(host.startup_ms)


def test_the_real_default_host_has_the_complexity_module() -> None:
    assert "complexity" in ModuleHost.default().ids()
