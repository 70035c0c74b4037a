"""run_analysis end to end: parse once, cache, workers, suppressions, telemetry, off."""

from __future__ import annotations

import ast
import os
from collections.abc import Sequence
from pathlib import Path

import attrs
import pytest

from chaffra_core import (
    AnalysisResult,
    Analyzers,
    FileAnalyzer,
    FileContext,
    FileResult,
    FileSummary,
    Finding,
    FixResult,
    Location,
    ModuleConfig,
    ModuleHost,
    ModuleInfo,
    ProgressCallback,
    ProjectContext,
    RuleExplanation,
    RunResult,
    Severity,
    _execution,
    _workers,
)
from chaffra_core._host import LoadError
from chaffra_core.analyzers.complexity import ComplexityModule
from chaffra_core.testing import TANGLED, run_project, tree_digests, write_project
from chaffra_telemetry import LiveTelemetryState, SqliteStore, TelemetryAudience


def _run(
    root: Path,
    *,
    telemetry: str | None = None,
    host: ModuleHost | None = None,
    jobs: int | None = None,
    progress: ProgressCallback | None = None,
    use_cache: bool = True,
) -> RunResult:
    """``complexity`` over ``root``: complexity's files and modules unless ``host`` is given."""
    modules = ("complexity",) if host is None else None
    return run_project(
        root,
        command="complexity",
        telemetry=telemetry,
        modules=modules,
        host=host,
        jobs=jobs,
        progress=progress,
        use_cache=use_cache,
    )


def test_a_run_reports_findings_health_and_pushes_one_snapshot(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"pkg/a.py": TANGLED, "pkg/b.py": "x = 1\n"})
    result = _run(root)
    assert {("complexity:high-cyclomatic", "pkg/a.py")} <= {
        (f.rule_id, f.location.file) for f in result.findings
    }
    assert 2 == result.files_analyzed
    with SqliteStore.for_project(root) as store:
        current = LiveTelemetryState(store).current(audience=TelemetryAudience.USER_ONLY)
    assert current is not None
    assert 2 == current.user_summary.files_total


def test_off_leaves_the_project_byte_for_byte_unchanged(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"a.py": TANGLED, ".chaffra.toml": "[health]\nmin-score = 70\n"})
    before = tree_digests(root)
    _run(root, telemetry="off")
    assert before == tree_digests(root)


def test_a_module_failing_on_a_file_is_reported_and_the_other_modules_are_unaffected(
    tmp_path: Path,
) -> None:
    root = write_project(tmp_path, {"a.py": TANGLED})
    alone = _run(root, telemetry="off", host=ModuleHost([ComplexityModule()]))
    result = _run(
        root,
        telemetry="off",
        host=ModuleHost([_Probe("exploding", explode=True), ComplexityModule()]),
    )
    assert "core:module-error" in {f.rule_id for f in result.findings}
    assert "kaboom" in dict(result.module_errors)["exploding"]
    kept = [f for f in result.findings if f.rule_id.startswith("complexity:")]
    assert list(alone.findings) == kept


def test_parse_errors_are_findings_not_crashes(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"bad.py": "def broken(:\n"})
    (root / "latin.py").write_bytes(b"x = '\xe9'\n")
    result = _run(root)
    assert {"parse:syntax-error", "parse:encoding-error"} == {f.rule_id for f in result.findings}


def test_a_warm_run_reads_no_file_and_finds_the_same(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"a.py": TANGLED, "b.py": TANGLED.replace("tangled", "knot")})
    cold = _run(root)
    warm = _run(root)
    assert (2, 0) == (cold.analysed, warm.analysed)
    assert cold.findings == warm.findings
    assert cold.functions() == warm.functions()


def test_an_edited_file_is_the_only_one_analysed_again(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"a.py": TANGLED, "b.py": "x = 1\n"})
    _run(root, telemetry="off")
    (root / "b.py").write_text(TANGLED.replace("tangled", "knot"), encoding="utf-8")
    again = _run(root, telemetry="off")
    assert 1 == again.analysed
    assert {"a.py", "b.py"} == {f.location.file for f in again.findings}


def test_the_cache_is_off_when_asked_and_keyed_by_the_module_config(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"a.py": TANGLED})
    host = ModuleHost([ComplexityModule()])
    _run(root, telemetry="off", host=host)
    assert 1 == _run(root, telemetry="off", use_cache=False, host=host).analysed
    (root / ".chaffra.toml").write_text("[modules.complexity]\nmax-cyclomatic = 2\n")
    assert 1 == _run(root, telemetry="off", host=host).analysed


def test_worker_processes_give_the_same_sorted_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {f"m{i:02}.py": TANGLED.replace("tangled", f"t{i}") for i in range(12)}
    files["bad.py"] = "def broken(:\n"
    sequential = _run(write_project(tmp_path / "one", files), jobs=1)
    monkeypatch.setattr(_execution, "PARALLEL_THRESHOLD", 2)
    progress: list[tuple[int, int]] = []
    parallel = _run(
        write_project(tmp_path / "two", files),
        jobs=2,
        progress=lambda d, t: progress.append((d, t)),
    )
    assert sequential.findings == parallel.findings
    assert (13, 13) == progress[-1]


def test_suppressed_findings_disappear_and_stale_ones_are_reported(tmp_path: Path) -> None:
    suppressed = TANGLED.replace(
        "def tangled(a, b, c, d):",
        "def tangled(a, b, c, d):  # chaffra: ignore[complexity:high-cyclomatic]",
    )
    stale = "x = 1  # chaffra: ignore[complexity:high-cognitive]\n"
    result = _run(write_project(tmp_path, {"a.py": suppressed, "b.py": stale}))
    rules = [(f.rule_id, f.location.file) for f in result.findings]
    assert ("complexity:high-cyclomatic", "a.py") not in rules
    assert ("core:stale-suppression", "b.py") in rules


def test_churn_survives_lines_inserted_above_a_finding(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"a.py": TANGLED})
    first = _run(root)
    (root / "a.py").write_text("# one\n# two\n" + TANGLED, encoding="utf-8")
    second = _run(root)
    assert [f.location.start_line + 2 for f in first.findings if f.location.start_line > 1] == [
        f.location.start_line for f in second.findings if f.location.start_line > 1
    ]
    with SqliteStore.for_project(root) as store:
        current = LiveTelemetryState(store).current(audience=TelemetryAudience.USER_ONLY)
    assert current is not None
    churn = {p.name: p.value for p in current.data_points if p.name.startswith("chaffra.findings")}
    assert (0.0, 0.0, float(len(second.findings))) == (
        churn["chaffra.findings.new"],
        churn["chaffra.findings.resolved"],
        churn["chaffra.findings.unchanged"],
    )


@attrs.frozen(kw_only=True)
class _ProbeFiles:
    """Per file: how many calls it has; optionally explodes on the first call."""

    module_id: str
    explode: bool
    needs_functions: bool = False

    def visitor(self, file: FileContext) -> _CallCounter:
        return _CallCounter(explode=self.explode)

    def finish(self, file: FileContext, visitor: object | None) -> FileResult:
        assert isinstance(visitor, _CallCounter)
        return FileResult(facts={"calls": visitor.calls})


class _CallCounter:
    def __init__(self, *, explode: bool) -> None:
        self.calls = 0
        self.explode = explode

    def enter_Call(self, node: ast.Call) -> None:
        if self.explode:
            raise RuntimeError("kaboom")
        self.calls += 1


class _Probe:
    """A project-level module: one info finding per Python file, with its call count."""

    def __init__(self, module_id: str = "probe", *, explode: bool = False) -> None:
        self.module_id, self.explode = module_id, explode

    def describe(self) -> ModuleInfo:
        return ModuleInfo(
            id=self.module_id,
            name="Probe",
            version="1",
            languages=("python",),
            capabilities=(),
            rules=(),
        )

    def file_analyzer(self, config: ModuleConfig) -> _ProbeFiles:
        return _ProbeFiles(module_id=self.module_id, explode=self.explode)

    def combine(
        self, files: Sequence[FileSummary], config: ModuleConfig, project: ProjectContext
    ) -> AnalysisResult:
        return AnalysisResult(
            findings=tuple(
                Finding(
                    rule_id=f"{self.module_id}:seen",
                    message=f"{f.path} {f.results[self.module_id].facts['calls']}",
                    severity=Severity.INFO,
                    location=Location(file=f.path, start_line=1, end_line=1),
                )
                for f in files
                if f.measured
            )
        )

    def explain(self, rule: str) -> RuleExplanation:
        raise NotImplementedError

    def fix(self, findings: Sequence[Finding], *, dry_run: bool) -> list[FixResult]:
        return []


def test_project_level_modules_combine_every_parsed_files_facts(tmp_path: Path) -> None:
    root = write_project(
        tmp_path, {"a.py": "x = 1\n", "b.py": "def broken(:\n", "c.py": "f(g(1))\n"}
    )
    result = _run(root, host=ModuleHost([_Probe(), ComplexityModule()]))
    seen = [f.message for f in result.findings if f.rule_id == "probe:seen"]
    assert ["a.py 0", "c.py 2"] == seen
    assert "parse:syntax-error" in {f.rule_id for f in result.findings}
    cached = _run(root, host=ModuleHost([_Probe(), ComplexityModule()]))
    assert (0, seen) == (
        cached.analysed,
        [f.message for f in cached.findings if f.rule_id == "probe:seen"],
    )


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads files whatever their mode")
def test_an_unreadable_file_is_a_finding_and_not_scored(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"a.py": "x = 1\n", "locked.py": "y = 2\n"})
    (root / "locked.py").chmod(0)
    result = _run(root, telemetry="off")
    assert [("parse:read-error", "locked.py")] == [
        (f.rule_id, f.location.file) for f in result.findings
    ]
    assert result.health is not None
    assert (1, 1) == (result.health.total_files, result.health.unscored_files)


def test_a_read_error_is_a_finding_and_not_scored(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same as above, for root: the read itself fails."""
    root = write_project(tmp_path, {"a.py": "print(1)\n", "locked.py": "print(2)\n"})
    real = os.open

    def refusing(path: str, flags: int, *args: int) -> int:
        if str(path).endswith("locked.py"):
            raise PermissionError(13, "Permission denied")
        return real(path, flags, *args)

    monkeypatch.setattr(os, "open", refusing)
    result = _run(root, telemetry="off", use_cache=False)
    assert ["parse:read-error"] == [f.rule_id for f in result.findings]
    assert "Permission denied" in result.findings[0].message
    assert result.health is not None
    assert (1, 1) == (result.health.total_files, result.health.unscored_files)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_fifos_devices_and_large_files_are_skipped_with_a_reason(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"a.py": "x = 1\n", "big.py": "x = 1\n" * 100})
    os.mkfifo(root / "pipe.py")
    (root / "zero.py").symlink_to("/dev/zero")
    (root / ".chaffra.toml").write_text("[project]\nmax-file-size = 100\n")
    result = _run(root, telemetry="off")
    assert {
        "big.py": "larger than the 100 bytes limit (600 bytes)",
        "pipe.py": "not a regular file",
        "zero.py": "not a regular file",
    } == {s.path: s.reason for s in result.skipped}
    assert 1 == result.files_analyzed


def test_a_module_holding_a_lambda_runs_in_workers_and_unpicklable_ones_are_named(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = write_project(tmp_path, {f"m{i:02}.py": "f(1)\n" for i in range(6)})
    monkeypatch.setattr(_execution, "PARALLEL_THRESHOLD", 2)
    probe = _Probe()
    probe.file_analyzer = lambda config: _ProbeFiles(module_id="probe", explode=False)  # type: ignore[method-assign]
    forked = _run(root, telemetry="off", jobs=2, host=ModuleHost([probe]))
    assert 6 == len([f for f in forked.findings if f.rule_id == "probe:seen"])
    assert 6 == forked.analysed
    lambdas = Analyzers(by_module={"probe": _Unpicklable()})  # type: ignore[dict-item]
    assert "cannot be sent to a worker process" in _workers.unpicklable(lambdas)["probe"]


class _Unpicklable:
    needs_functions = False

    def __init__(self) -> None:
        self.callback = lambda: None


def test_a_failing_combine_is_the_modules_error(tmp_path: Path) -> None:
    complexity = ModuleHost.default().get("complexity")

    class BadCombine:
        def describe(self) -> ModuleInfo:
            return complexity.describe()

        def file_analyzer(self, config: ModuleConfig) -> FileAnalyzer:
            return complexity.file_analyzer(config)

        def combine(
            self, files: Sequence[FileSummary], config: ModuleConfig, project: ProjectContext
        ) -> AnalysisResult:
            raise ValueError("cannot combine")

        def explain(self, rule: str) -> RuleExplanation:
            raise NotImplementedError

        def fix(self, findings: Sequence[Finding], *, dry_run: bool) -> list[FixResult]:
            return []

    result = _run(write_project(tmp_path, {"a.py": "x = 1\n"}), host=ModuleHost([BadCombine()]))
    assert (("complexity", "ValueError: cannot combine"),) == result.module_errors


def test_module_load_failures_reach_operator_telemetry(tmp_path: Path) -> None:
    host = ModuleHost.default()
    host.load_errors.append(LoadError(name="broken", error_type="ImportError", message="x"))
    root = write_project(tmp_path, {"a.py": "x = 1\n"})
    _run(root, telemetry="on", host=host)
    with SqliteStore.for_project(root) as store:
        current = LiveTelemetryState(store).current(audience=TelemetryAudience.ON)
    assert current is not None
    assert "chaffra.module.load_error_total" in {p.name for p in current.data_points}
