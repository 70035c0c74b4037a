"""run_analysis end to end: parse once, cache, workers, suppressions, telemetry, off."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from pathlib import Path

import pytest

from chaffra_core import (
    AnalysisResult,
    CliOverrides,
    Finding,
    FixResult,
    Location,
    ModuleConfig,
    ModuleHost,
    ModuleInfo,
    PerFileModule,
    RuleExplanation,
    Severity,
    SourceFile,
    _execution,
    resolve_effective_config,
    run_analysis,
)
from chaffra_core._host import LoadError
from chaffra_telemetry import LiveTelemetryState, SqliteStore, TelemetryAudience

COMPLEX = """
def tangled(a, b, c, d):
    if a and b or c and d:
        for x in range(a):
            if x % 2:
                while b:
                    if c:
                        b -= 1
                    elif d:
                        b -= 2
                    else:
                        break
    if a:
        return 1
    elif b:
        return 2
    elif c:
        return 3
    return 4
"""


def _project(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def _run(root: Path, *, telemetry: str | None = None, command: str = "complexity", **kw: object):  # type: ignore[no-untyped-def]
    config = resolve_effective_config(root, None, CliOverrides(telemetry=telemetry))
    return run_analysis(config, command=command, stderr=io.StringIO(), **kw)  # type: ignore[arg-type]


def _snapshot_tree(root: Path) -> dict[str, str]:
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        if p.is_file()
        else "dir"
        for p in sorted(root.rglob("*"))
    }


def test_a_run_reports_findings_health_and_pushes_one_snapshot(tmp_path: Path) -> None:
    root = _project(tmp_path, {"pkg/a.py": COMPLEX, "pkg/b.py": "x = 1\n"})
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
    root = _project(tmp_path, {"a.py": COMPLEX, ".chaffra.toml": "[health]\nmin-score = 70\n"})
    before = _snapshot_tree(root)
    _run(root, telemetry="off")
    assert before == _snapshot_tree(root)


def test_a_file_level_module_failure_is_reported_and_the_run_goes_on(tmp_path: Path) -> None:
    root = _project(tmp_path, {"a.py": "def f():\n    pass\n"})
    complexity = ModuleHost.default().get("complexity")

    class Exploding:
        def describe(self):  # type: ignore[no-untyped-def]
            return complexity.describe()

        def analyze_file(self, file, config):  # type: ignore[no-untyped-def]
            raise RuntimeError("kaboom")

        def combine(self, results, config):  # type: ignore[no-untyped-def]
            return complexity.combine(results, config)  # type: ignore[attr-defined]

        def analyze(self, files, config):  # type: ignore[no-untyped-def]
            raise AssertionError

        def explain(self, rule):  # type: ignore[no-untyped-def]
            raise AssertionError

        def fix(self, findings, *, dry_run):  # type: ignore[no-untyped-def]
            return []

    result = _run(root, host=ModuleHost([Exploding()]))
    assert ["core:module-error"] == [f.rule_id for f in result.findings]
    assert "kaboom" in result.module_errors[0][1]


def test_parse_errors_are_findings_not_crashes(tmp_path: Path) -> None:
    root = _project(tmp_path, {"bad.py": "def broken(:\n"})
    (root / "latin.py").write_bytes(b"x = '\xe9'\n")
    result = _run(root)
    assert {"parse:syntax-error", "parse:encoding-error"} == {f.rule_id for f in result.findings}


def test_a_warm_run_reuses_the_cache_and_finds_the_same(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path, {"a.py": COMPLEX, "b.py": COMPLEX.replace("tangled", "knot")})
    cold = _run(root)
    monkeypatch.setattr(
        "chaffra_core._execution.source_from_bytes",
        lambda *a, **k: (_ for _ in ()).throw(AssertionError("parsed on a warm run")),
    )
    warm = _run(root)
    assert cold.findings == warm.findings


def test_worker_processes_give_the_same_sorted_result(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    files = {f"m{i:02}.py": COMPLEX.replace("tangled", f"t{i}") for i in range(12)}
    files["bad.py"] = "def broken(:\n"
    sequential = _run(_project(tmp_path / "one", files), jobs=1)
    monkeypatch.setattr(_execution, "PARALLEL_THRESHOLD", 2)
    progress: list[tuple[int, int]] = []
    parallel = _run(
        _project(tmp_path / "two", files), jobs=2, progress=lambda d, t: progress.append((d, t))
    )
    assert sequential.findings == parallel.findings
    assert (13, 13) == progress[-1]


def test_suppressed_findings_disappear_and_stale_ones_are_reported(tmp_path: Path) -> None:
    suppressed = COMPLEX.replace(
        "def tangled(a, b, c, d):",
        "def tangled(a, b, c, d):  # chaffra: ignore[complexity:high-cyclomatic]",
    )
    stale = "x = 1  # chaffra: ignore[complexity:high-cognitive]\n"
    result = _run(_project(tmp_path, {"a.py": suppressed, "b.py": stale}))
    rules = [(f.rule_id, f.location.file) for f in result.findings]
    assert ("complexity:high-cyclomatic", "a.py") not in rules
    assert ("core:stale-suppression", "b.py") in rules


def test_churn_survives_lines_inserted_above_a_finding(tmp_path: Path) -> None:
    root = _project(tmp_path, {"a.py": COMPLEX})
    first = _run(root)
    (root / "a.py").write_text("import os\nimport sys\n" + COMPLEX, encoding="utf-8")
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


class _FileCounter:
    """A project-wide module: one info finding per parsed file it was given."""

    def describe(self) -> ModuleInfo:
        return ModuleInfo(
            id="counter", name="Counter", version="1", languages=(), capabilities=(), rules=()
        )

    def analyze(self, files: Sequence[SourceFile], config: ModuleConfig) -> AnalysisResult:
        assert all(f.tree is not None for f in files)
        return AnalysisResult(
            findings=tuple(
                Finding(
                    rule_id="counter:seen",
                    message=f.path,
                    severity=Severity.INFO,
                    location=Location(file=f.path, start_line=1, end_line=1),
                )
                for f in files
            )
        )

    def explain(self, rule: str) -> RuleExplanation:
        raise NotImplementedError

    def fix(self, findings: Sequence[Finding], *, dry_run: bool) -> list[FixResult]:
        return []


def test_project_wide_modules_get_every_parsed_file_once(tmp_path: Path) -> None:
    root = _project(tmp_path, {"a.py": "x = 1\n", "b.py": "def broken(:\n", "c.py": COMPLEX})
    complexity = ModuleHost.default().get("complexity")
    result = _run(root, host=ModuleHost([_FileCounter(), complexity]))
    seen = [f.message for f in result.findings if f.rule_id == "counter:seen"]
    assert ["a.py", "c.py"] == seen
    assert "parse:syntax-error" in {f.rule_id for f in result.findings}


def test_an_unreadable_file_is_reported_not_fatal(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = _project(tmp_path, {"a.py": "x = 1\n", "locked.py": "y = 2\n"})
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        if self.name == "locked.py":
            raise PermissionError("denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    result = _run(root, telemetry="off")
    assert 2 == result.files_analyzed


def test_the_worker_entry_analyses_a_chunk_into_plain_data(tmp_path: Path) -> None:
    complexity = ModuleHost.default().get("complexity")
    assert isinstance(complexity, PerFileModule)
    out = _execution._analyze_chunk(
        [("a.py", str(tmp_path / "a.py"), COMPLEX.encode())], [complexity], {}
    )
    assert "a.py" == out[0]["path"]
    assert isinstance(out[0]["results"]["complexity"], dict)


def test_a_failing_combine_is_the_modules_error(tmp_path: Path) -> None:
    complexity = ModuleHost.default().get("complexity")

    class BadCombine:
        def describe(self) -> ModuleInfo:
            return complexity.describe()

        def analyze_file(self, file: SourceFile, config: ModuleConfig) -> AnalysisResult:
            return AnalysisResult()

        def combine(
            self, results: Sequence[tuple[SourceFile, AnalysisResult]], config: ModuleConfig
        ) -> AnalysisResult:
            raise ValueError("cannot combine")

        def analyze(self, files: Sequence[SourceFile], config: ModuleConfig) -> AnalysisResult:
            raise NotImplementedError

        def explain(self, rule: str) -> RuleExplanation:
            raise NotImplementedError

        def fix(self, findings: Sequence[Finding], *, dry_run: bool) -> list[FixResult]:
            return []

    result = _run(_project(tmp_path, {"a.py": "x = 1\n"}), host=ModuleHost([BadCombine()]))
    assert (("complexity", "ValueError: cannot combine"),) == result.module_errors


def test_module_load_failures_reach_operator_telemetry(tmp_path: Path) -> None:
    host = ModuleHost.default()
    host.load_errors.append(LoadError(name="broken", error_type="ImportError", message="x"))
    root = _project(tmp_path, {"a.py": "x = 1\n"})
    _run(root, telemetry="on", host=host)
    with SqliteStore.for_project(root) as store:
        current = LiveTelemetryState(store).current(audience=TelemetryAudience.ON)
    assert current is not None
    assert "chaffra.module.load_error_total" in {p.name for p in current.data_points}
