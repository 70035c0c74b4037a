"""The result cache through real runs: warm runs read nothing, the project is never written."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import attrs
import pytest

from chaffra_core import (
    AnalysisResult,
    FileContext,
    FileResult,
    FileSummary,
    Finding,
    FixResult,
    ModuleConfig,
    ModuleHost,
    ModuleInfo,
    ProjectContext,
    RuleExplanation,
    RunResult,
    cache_home,
    clean_cache,
)
from chaffra_core._execution import execute
from chaffra_core._result_cache import MAX_PROJECTS, CacheKey, ResultCache
from chaffra_core.analyzers.complexity import ComplexityModule
from chaffra_core.testing import TANGLED, run_project, tree_digests


def _project(root: Path, count: int = 3) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        (root / f"m{i}.py").write_text(TANGLED.replace("tangled", f"t{i}"), encoding="utf-8")
    return root


def _run(root: Path, *, host: ModuleHost | None = None, use_cache: bool = True) -> RunResult:
    """``complexity``, telemetry off: complexity's files and modules unless ``host`` is given."""
    modules = ("complexity",) if host is None else None
    return run_project(
        root, command="complexity", telemetry="off", modules=modules, host=host, use_cache=use_cache
    )


def _cache_files() -> list[Path]:
    return sorted(p for p in (cache_home() / "results").rglob("*") if p.is_file())


def test_a_warm_run_reads_no_file_and_reports_the_same(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    cold = _run(root)
    for path in root.glob("*.py"):  # unreadable now: a read would be a finding
        path.chmod(0)
    try:
        warm = _run(root)
    finally:
        for path in root.glob("*.py"):
            path.chmod(0o644)
    assert (3, 0) == (cold.analysed, warm.analysed)
    assert cold.findings == warm.findings
    assert cold.health == warm.health
    assert cold.functions() == warm.functions()
    assert cold.files == warm.files


def test_editing_one_file_analyses_only_that_file(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    first = _run(root)
    (root / "m1.py").write_text("x = 1\n", encoding="utf-8")
    second = _run(root)
    assert 1 == second.analysed
    assert {"m0.py", "m2.py"} == {f.location.file for f in second.findings}
    assert {"m0.py", "m1.py", "m2.py"} == {f.location.file for f in first.findings}


def test_with_telemetry_off_the_cache_is_used_and_the_project_is_untouched(
    tmp_path: Path,
) -> None:
    root = _project(tmp_path / "p")
    (root / ".chaffra.toml").write_text("[modules.complexity]\nmax-cyclomatic = 5\n")
    before = tree_digests(root)
    cold = _run(root)
    warm = _run(root)
    assert before == tree_digests(root)
    assert (3, 0) == (cold.analysed, warm.analysed)
    assert 1 == len(_cache_files())
    assert not str(_cache_files()[0]).startswith(str(root))


def test_changing_a_module_config_or_the_size_limit_invalidates_the_cache(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    _run(root)
    (root / ".chaffra.toml").write_text("[modules.complexity]\nmax-cognitive = 3\n")
    assert 3 == _run(root).analysed
    assert 0 == _run(root).analysed
    (root / ".chaffra.toml").write_text(
        "[modules.complexity]\nmax-cognitive = 3\n[project]\nmax-file-size = 100000\n"
    )
    assert 3 == _run(root).analysed


def test_another_set_of_modules_has_its_own_cache(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    _run(root)
    assert 3 == _run(root, host=ModuleHost([ComplexityModule(), _Calls()])).analysed
    assert 0 == _run(root).analysed  # the first set's entries are still there


@pytest.mark.parametrize("damage", [b"", b"{not json", b'{"format": 2, "entries": {"m0.py": 1}}'])
def test_a_corrupted_cache_file_is_ignored_and_rewritten(tmp_path: Path, damage: bytes) -> None:
    root = _project(tmp_path / "p")
    cold = _run(root)
    [cache_file] = _cache_files()
    cache_file.write_bytes(damage)
    repaired = _run(root)
    assert (3, cold.findings) == (repaired.analysed, repaired.findings)
    assert 0 == _run(root).analysed


def test_an_entry_that_no_longer_fits_the_summary_is_reanalysed(tmp_path: Path) -> None:
    """A structurally valid file whose summary cannot be structured is a damaged cache."""
    root = _project(tmp_path / "p", count=1)
    cold = _run(root)
    [cache_file] = _cache_files()
    text = cache_file.read_text()
    cache_file.write_text(text.replace('"digest"', '"digestx"'))
    again = _run(root)
    assert (1, cold.findings) == (again.analysed, again.findings)


def test_clean_cache_removes_every_result_and_the_next_run_is_cold(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    _run(root)
    size = sum(p.stat().st_size for p in _cache_files())
    assert size > 0
    assert size == clean_cache()
    assert [] == _cache_files()
    assert 3 == _run(root).analysed


def test_use_cache_false_neither_reads_nor_writes_the_cache(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    assert 3 == _run(root, use_cache=False).analysed
    assert not (cache_home() / "results").exists()
    _run(root)
    assert 3 == _run(root, use_cache=False).analysed


def test_a_deleted_file_leaves_the_cache(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    _run(root)
    (root / "m2.py").unlink()
    result = _run(root)
    assert (0, ["m0.py", "m1.py"]) == (result.analysed, [f.path for f in result.files])
    assert "m2.py" not in _cache_files()[0].read_text()


def test_projects_with_the_same_name_do_not_share_a_cache(tmp_path: Path) -> None:
    one = _project(tmp_path / "a" / "app")
    two = _project(tmp_path / "b" / "app")
    _run(one)
    assert 3 == _run(two).analysed
    assert 2 == len({p.parent for p in _cache_files()})
    assert all(p.parent.name.startswith("app-") for p in _cache_files())


def test_runs_keep_the_cache_within_its_project_bound_dropping_the_oldest(
    tmp_path: Path,
) -> None:
    results = cache_home() / "results"
    for n in range(MAX_PROJECTS):
        old = results / f"old{n:02}"
        old.mkdir(parents=True)
        (old / "k.json").write_text("{}")
        os.utime(old, (1000 + n, 1000 + n))
    root = _project(tmp_path / "p", count=1)
    _run(root)
    kept = sorted(p.name for p in results.iterdir())
    assert MAX_PROJECTS == len(kept)
    assert "old00" not in kept
    assert "old01" in kept
    assert any(name.startswith("p-") for name in kept)


def test_a_warm_run_marks_its_project_as_recently_used(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", count=1)
    _run(root)
    [directory] = (cache_home() / "results").iterdir()
    os.utime(directory, (1000, 1000))
    _run(root)
    assert directory.stat().st_mtime > 1000


def test_read_errors_and_module_failures_are_not_cached(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", count=2)
    host = ModuleHost([ComplexityModule(), _Calls(fail_on="m1.py")])
    first = _run(root, host=host)
    again = _run(root, host=host)
    assert "m1.py: RuntimeError: calls failed" in dict(first.module_errors)["calls"]
    assert (2, 1) == (first.analysed, again.analysed)
    assert first.findings == again.findings


def test_the_cache_key_names_everything_a_summary_depends_on() -> None:
    key = CacheKey(core_version="1", modules=(("m", "1", "c"),), functions=True, max_file_size=10)
    variants = [
        attrs.evolve(key, core_version="2"),
        attrs.evolve(key, modules=(("m", "2", "c"),)),
        attrs.evolve(key, modules=(("m", "1", "d"),)),
        attrs.evolve(key, functions=False),
        attrs.evolve(key, max_file_size=11),
    ]
    names = {key.file_name(), *(v.file_name() for v in variants)}
    assert 6 == len(names)
    assert key.file_name() == attrs.evolve(key).file_name()


def test_an_entry_is_reused_only_while_size_and_mtime_are_unchanged(tmp_path: Path) -> None:
    key = CacheKey(core_version="1", modules=(), functions=False, max_file_size=10)
    path = tmp_path / "a.py"
    path.write_text("x = 1\n")
    before = os.stat(path)
    cache = ResultCache(tmp_path, key, home=tmp_path / "home")
    cache.put("a.py", before, {"path": "a.py"})
    cache.save(keep=["a.py"])
    reader = ResultCache(tmp_path, key, home=tmp_path / "home")
    assert {"path": "a.py"} == reader.get("a.py", before)
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns + 1))
    assert None is reader.get("a.py", os.stat(path))
    path.write_text("x = 12\n")
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert None is reader.get("a.py", os.stat(path))


# --- a second module, counting calls; optionally failing on one file ----------------------


class _CallCounter:
    def __init__(self) -> None:
        self.calls = 0

    def enter_Call(self, node: object) -> None:
        self.calls += 1


@attrs.frozen(kw_only=True)
class _CallFiles:
    fail_on: str
    needs_functions: bool = False

    def visitor(self, file: FileContext) -> _CallCounter:
        return _CallCounter()

    def finish(self, file: FileContext, visitor: object | None) -> FileResult:
        if file.path == self.fail_on:
            raise RuntimeError("calls failed")
        assert isinstance(visitor, _CallCounter)
        return FileResult(facts={"calls": visitor.calls})


class _Calls:
    def __init__(self, *, fail_on: str = "") -> None:
        self.fail_on = fail_on

    def describe(self) -> ModuleInfo:
        return ModuleInfo(
            id="calls", name="Calls", version="1", languages=("python",), capabilities=(), rules=()
        )

    def file_analyzer(self, config: ModuleConfig) -> _CallFiles:
        return _CallFiles(fail_on=self.fail_on)

    def combine(
        self, files: Sequence[FileSummary], config: ModuleConfig, project: ProjectContext
    ) -> AnalysisResult:
        return AnalysisResult()

    def explain(self, rule: str) -> RuleExplanation:
        raise NotImplementedError

    def fix(self, findings: Sequence[Finding], *, dry_run: bool) -> list[FixResult]:
        return []


def test_a_file_gone_before_it_is_looked_up_is_a_read_error_and_not_cached(
    tmp_path: Path,
) -> None:
    root = _project(tmp_path / "p", count=1)
    paths = [root / "m0.py", root / "gone.py"]
    project = ProjectContext(root=root, target=root)
    cold = execute(paths, project=project, modules=[ComplexityModule()], configs={})
    execution = execute(paths, project=project, modules=[ComplexityModule()], configs={})
    assert (2, 1) == (cold.analysed, execution.analysed)  # the missing file is retried
    problems = [s.problem.rule_id for s in execution.summaries if s.problem is not None]
    assert ["parse:read-error"] == problems
    assert (1, 1) == (execution.cache_metrics.hits, execution.cache_metrics.misses)
