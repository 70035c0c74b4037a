"""The engine's parts on their own: reading, the result cache, text files, module failures."""

from __future__ import annotations

import ast
import json
import os
from collections.abc import Sequence
from pathlib import Path

import attrs
import pytest

from chaffra_core import (
    AnalysisResult,
    Analyzers,
    CliOverrides,
    ConfigError,
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
    RuleExplanation,
    Scope,
    Severity,
    Traversal,
    analyse_bytes,
    cache_home,
    clean_cache,
    resolve_effective_config,
    run_analysis,
)
from chaffra_core._reading import ReadRefused, read_file
from chaffra_core._result_cache import CacheKey, ResultCache, prune
from chaffra_core.analyzers.complexity import ComplexityModule, measure
from chaffra_core.testing import analyse, summarise


@attrs.frozen(kw_only=True)
class _Lines:
    """Per file: one finding per line containing ``needle`` (Python and text files alike)."""

    needle: str
    fail: bool = False
    needs_functions: bool = False

    def visitor(self, file: FileContext) -> None:
        return None

    def finish(self, file: FileContext, visitor: object | None) -> FileResult:
        if self.fail:
            raise ValueError(f"cannot read {file.path}")
        return FileResult(
            findings=tuple(
                Finding(
                    rule_id="lines:found",
                    message=f"{file.language} {file.path}:{number}",
                    severity=Severity.INFO,
                    location=Location(file=file.path, start_line=number, end_line=number),
                )
                for number, line in enumerate(file.text.splitlines(), start=1)
                if self.needle in line
            )
        )


class _LinesModule:
    def __init__(self, *, broken: str = "", fail: bool = False) -> None:
        self.broken, self.fail = broken, fail

    def describe(self) -> ModuleInfo:
        return ModuleInfo(
            id="lines",
            name="Lines",
            version="1",
            languages=("python", "text"),
            capabilities=(),
            rules=(),
            file_patterns=(".env*", "Dockerfile"),
        )

    def file_analyzer(self, config: ModuleConfig) -> _Lines:
        if self.broken == "config":
            raise ConfigError("invalid value modules.lines.needle")
        if self.broken == "crash":
            raise RuntimeError("broken module")
        return _Lines(needle=str(config.get("needle", "SECRET")), fail=self.fail)

    def combine(
        self, files: Sequence[FileSummary], config: ModuleConfig, project: ProjectContext
    ) -> AnalysisResult:
        return AnalysisResult()

    def explain(self, rule: str) -> RuleExplanation:
        raise NotImplementedError

    def fix(self, findings: Sequence[Finding], *, dry_run: bool) -> list[FixResult]:
        return []


def _run(root: Path, *modules: object, **kw: object):  # type: ignore[no-untyped-def]
    config = resolve_effective_config(root, None, CliOverrides(telemetry="off"))
    return run_analysis(config, command="health", host=ModuleHost(list(modules)), **kw)  # type: ignore[arg-type]


def test_modules_with_file_patterns_read_matching_text_files_and_skip_binaries(
    tmp_path: Path,
) -> None:
    (tmp_path / "app.py").write_text("KEY = 'SECRET'\n")
    (tmp_path / ".env").write_text("A=1\nB=SECRET\n")
    (tmp_path / "Dockerfile").write_text("FROM SECRET\n")
    (tmp_path / "notes.txt").write_text("SECRET\n")
    (tmp_path / ".env.bin").write_bytes(b"\0SECRET")
    result = _run(tmp_path, _LinesModule(), ComplexityModule())
    assert [".env:2 text", "Dockerfile:1 text", "app.py:1 python"] == sorted(
        f"{f.location.file}:{f.location.start_line} {f.message.split()[0]}" for f in result.findings
    )
    assert [(".env.bin", "binary file")] == [(s.path, s.reason) for s in result.skipped]
    assert result.health is not None
    assert (1, 0) == (result.health.total_files, result.health.unscored_files)


def test_a_module_failing_on_a_text_file_is_that_modules_error(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("A=1\n")
    result = _run(tmp_path, _LinesModule(fail=True))
    assert "ValueError: cannot read .env" in dict(result.module_errors)["lines"]


def test_a_module_that_cannot_configure_fails_alone_but_a_config_error_stops_the_run(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.py").write_text("x = 1\n")
    result = _run(tmp_path, _LinesModule(broken="crash"), ComplexityModule())
    assert "RuntimeError: broken module" in dict(result.module_errors)["lines"]
    assert result.health is not None
    with pytest.raises(ConfigError, match=r"modules\.lines\.needle"):
        _run(tmp_path, _LinesModule(broken="config"))


def _explode(node: ast.Name) -> None:
    raise KeyError(node.id)


class _Exploder:
    """A visitor whose handler is a static function: no ``self`` in the failing frame."""

    enter_Name = staticmethod(_explode)


def test_a_failing_visitor_without_a_method_frame_is_still_blamed_on_its_module() -> None:
    @attrs.frozen
    class Files:
        needs_functions: bool = True

        def visitor(self, file: FileContext) -> _Exploder:
            return _Exploder()

        def finish(self, file: FileContext, visitor: object | None) -> FileResult:
            return FileResult()

    analyzers = Analyzers(
        by_module={"boom": Files(), "complexity": ComplexityModule().file_analyzer({})}
    )
    summary = analyse_bytes(
        b"def f(a):\n    return a\n", path="a.py", absolute=Path("a.py"), analyzers=analyzers
    )
    assert "KeyError" in summary.errors["boom"]
    assert ["f"] == [f.name for f in summary.functions]
    assert FileResult() == summary.results["boom"]


def test_a_module_returning_the_wrong_type_from_finish_is_its_error() -> None:
    @attrs.frozen
    class Files:
        needs_functions: bool = False

        def visitor(self, file: FileContext) -> None:
            return None

        def finish(self, file: FileContext, visitor: object | None) -> FileResult:
            return "not a result"  # type: ignore[return-value]

    analyzers = Analyzers(by_module={"wrong": Files()})
    summary = analyse_bytes(b"x = 1\n", path="a.py", absolute=Path("a.py"), analyzers=analyzers)
    assert "returned str from finish, not FileResult" in summary.errors["wrong"]


def test_the_testing_helpers_run_a_module_as_the_engine_does() -> None:
    summary = summarise(ComplexityModule(), "def f(a):\n    return a\n")
    assert ["f"] == [f.name for f in summary.functions]
    result = analyse(
        ComplexityModule(),
        {"a.py": "def f(a):\n    return a\n"},
        config={"max-cyclomatic": 0},
    )
    assert ["complexity:high-cyclomatic"] == [f.rule_id for f in result.findings]
    with pytest.raises(RuntimeError, match="failed to configure"):
        summarise(_LinesModule(broken="crash"), "x = 1\n")


def test_measure_and_the_traversal_handle_code_nested_thousands_deep() -> None:
    depth = 2000
    chain = "x = " + " if a else ".join(["1"] * depth) + "\n"
    nots = "y = " + "not " * depth + "a\n"
    elifs = "if a == 0:\n    pass\n" + "".join(
        f"elif a == {i}:\n    pass\n" for i in range(1, depth)
    )
    source = f"def f(a):\n{textwrap_indent(chain + nots + elifs)}"
    (function,) = measure(ast.parse(source))
    assert depth + (depth - 1) + 1 == function.cyclomatic


def textwrap_indent(text: str) -> str:
    return "".join("    " + line + "\n" for line in text.splitlines())


def test_scopes_open_after_headers_and_close_before_leave() -> None:
    events: list[str] = []

    class Recorder:
        def enter_scope(self, scope: Scope) -> None:
            events.append(f"open {scope.qualified_name}")

        def leave_scope(self, scope: Scope) -> None:
            events.append(f"close {scope.qualified_name}")

        def enter_Name(self, node: ast.Name) -> None:
            events.append(node.id)

        def leave_FunctionDef(self, node: ast.FunctionDef) -> None:
            events.append(f"leave {node.name}")

    source = "@deco\ndef f(a=default):\n    body\n"
    Traversal([Recorder()]).walk(ast.parse(source))
    assert ["open ", "deco", "default", "open f", "body", "close f", "leave f", "close "] == events


def test_read_file_refuses_what_is_not_a_small_regular_file(tmp_path: Path) -> None:
    (tmp_path / "ok.py").write_bytes(b"x = 1\n")
    assert b"x = 1\n" == read_file(tmp_path / "ok.py")
    assert ReadRefused(reason="larger than the 5 bytes limit (6 bytes)", skipped=True) == read_file(
        tmp_path / "ok.py", limit=5
    )
    assert ReadRefused(reason="not a regular file", skipped=True) == read_file(tmp_path)
    missing = read_file(tmp_path / "missing.py")
    assert isinstance(missing, ReadRefused)
    assert (False, "No such file or directory") == (missing.skipped, missing.reason)
    big = tmp_path / "big.py"
    big.write_bytes(b"x" * (3 * 1024 * 1024))
    assert "(3.0 MiB)" in str(read_file(big, limit=2048))
    assert "2.0 KiB limit" in str(read_file(big, limit=2048))


def test_cache_home_follows_the_platform_and_the_environment() -> None:
    assert Path("/c") == cache_home({"CHAFFRA_CACHE_DIR": "/c"})
    assert Path("/x/chaffra") == cache_home({"XDG_CACHE_HOME": "/x", "HOME": "/h"}, "linux")
    assert Path("/h/.cache/chaffra") == cache_home({"XDG_CACHE_HOME": "rel", "HOME": "/h"}, "linux")
    assert Path("/h/Library/Caches/chaffra") == cache_home({"HOME": "/h"}, "darwin")
    assert Path("/l/chaffra/Cache") == cache_home({"LOCALAPPDATA": "/l", "HOME": "/h"}, "win32")


def _key() -> CacheKey:
    return CacheKey(core_version="1", modules=(("m", "1", "c"),), functions=True, max_file_size=10)


def test_a_damaged_or_foreign_cache_file_is_ignored(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    cache = ResultCache(project, _key(), home=tmp_path / "home")
    stat = os.stat(project)
    cache.put("a.py", stat, {"path": "a.py"})
    cache.save(keep=["a.py"])
    assert {"path": "a.py"} == ResultCache(project, _key(), home=tmp_path / "home").get(
        "a.py", stat
    )
    (file,) = cache.directory.iterdir()
    for damaged in (
        "{not json",
        "[]",
        json.dumps({"format": 1, "entries": {}}),
        json.dumps({"format": 2, "entries": []}),
    ):
        file.write_text(damaged)
        assert ResultCache(project, _key(), home=tmp_path / "home").get("a.py", stat) is None


def test_an_unwritable_cache_costs_speed_not_the_run(tmp_path: Path) -> None:
    project = tmp_path / "p"
    project.mkdir()
    home = tmp_path / "home"
    home.write_text("a file where the cache directory should be")
    cache = ResultCache(project, _key(), home=home)
    cache.put("a.py", os.stat(project), {"path": "a.py"})
    cache.save(keep=["a.py"])  # no exception
    assert not (tmp_path / "home").is_dir()


def test_the_cache_keeps_the_most_recently_used_projects_within_bounds(tmp_path: Path) -> None:
    home = tmp_path / "home"
    for n in range(4):
        directory = home / "results" / f"p{n}"
        directory.mkdir(parents=True)
        (directory / "k.json").write_bytes(b"x" * 100)
        os.utime(directory, (n, n))
    assert 1 == prune(home, max_projects=3)
    assert ["p1", "p2", "p3"] == sorted(p.name for p in (home / "results").iterdir())
    assert 2 == prune(home, max_bytes=150)
    assert ["p3"] == [p.name for p in (home / "results").iterdir()]
    assert 0 == prune(tmp_path / "nowhere")
    assert 100 == clean_cache(home)
    assert 0 == clean_cache(home)


@pytest.mark.parametrize(
    ("written", "size"), [("100", 100), ('"8 MiB"', 8 * 1024 * 1024), ('"2kb"', 2000)]
)
def test_max_file_size_takes_bytes_or_a_size_with_a_unit(
    tmp_path: Path, written: str, size: int
) -> None:
    (tmp_path / ".chaffra.toml").write_text(f"[project]\nmax-file-size = {written}\n")
    config = resolve_effective_config(tmp_path, None, CliOverrides())
    assert size == config.project.project.max_file_size


@pytest.mark.parametrize("written", ['"big"', "0", "true"])
def test_an_invalid_max_file_size_names_the_key_and_the_value(tmp_path: Path, written: str) -> None:
    (tmp_path / ".chaffra.toml").write_text(f"[project]\nmax-file-size = {written}\n")
    with pytest.raises(ConfigError, match=r"project\.max-file-size = .*a positive number of bytes"):
        resolve_effective_config(tmp_path, None, CliOverrides())
