"""Worker processes: the same results as one process, contained failures, unpicklable
analyzers, and workers that die with their parent."""

from __future__ import annotations

import gc
import io
import os
import select
import signal
import subprocess
import sys
import textwrap
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import attrs
import pytest

from chaffra_core import (
    AnalysisResult,
    Analyzers,
    CliOverrides,
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
    RunResult,
    Severity,
    analyse_bytes,
    resolve_effective_config,
    run_analysis,
)
from chaffra_core._analysis import FileJob, analyse_file
from chaffra_core._execution import PARALLEL_THRESHOLD
from chaffra_core._workers import _alive, pool_context, unpicklable
from chaffra_core.analyzers.complexity import ComplexityModule
from chaffra_core.testing import summarise

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
    return [y for y in range(a) if y and b]
"""


def _project(root: Path, count: int) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        text = COMPLEX.replace("tangled", f"t{i}") if i % 3 else f"x{i} = f({i})\n"
        (root / f"m{i:03}.py").write_text(text, encoding="utf-8")
    (root / "broken.py").write_text("def broken(:\n", encoding="utf-8")
    return root


def _run(root: Path, *modules: object, **kw: object) -> RunResult:
    config = resolve_effective_config(root, None, CliOverrides(telemetry="off"))
    host = ModuleHost(list(modules)) if modules else None  # type: ignore[arg-type]
    return run_analysis(
        config,
        command="complexity",
        host=host,
        stderr=io.StringIO(),
        use_cache=False,
        **kw,  # type: ignore[arg-type]
    )


# --- a module reporting which process analysed each file -------------------------------


class _PidVisitor:
    def __init__(self, explode_on: str, path: str) -> None:
        self.calls = 0
        self.explode = path == explode_on

    def enter_Call(self, node: object) -> None:
        if self.explode:
            raise RuntimeError("visitor exploded")
        self.calls += 1


@attrs.frozen(kw_only=True)
class _PidFiles:
    explode_on: str = ""
    callback: Callable[[int], int] | None = None  # a lambda makes the analyzer unpicklable
    needs_functions: bool = False

    def visitor(self, file: FileContext) -> _PidVisitor:
        return _PidVisitor(self.explode_on, file.path)

    def finish(self, file: FileContext, visitor: object | None) -> FileResult:
        assert isinstance(visitor, _PidVisitor)
        calls = self.callback(visitor.calls) if self.callback is not None else visitor.calls
        facts = {"pid": os.getpid(), "calls": calls}
        return FileResult(facts={**facts, "gc": gc.isenabled(), "frozen": gc.get_freeze_count()})


class _Pids:
    """One finding per run naming how many processes other than this one analysed files."""

    def __init__(self, *, explode_on: str = "", lambda_: bool = False) -> None:
        self.explode_on, self.lambda_ = explode_on, lambda_

    def describe(self) -> ModuleInfo:
        return ModuleInfo(
            id="pids", name="Pids", version="1", languages=("python",), capabilities=(), rules=()
        )

    def file_analyzer(self, config: ModuleConfig) -> _PidFiles:
        callback = (lambda calls: calls * 10) if self.lambda_ else None
        return _PidFiles(explode_on=self.explode_on, callback=callback)

    def combine(
        self, files: Sequence[FileSummary], config: ModuleConfig, project: ProjectContext
    ) -> AnalysisResult:
        facts = [
            f.results["pids"].facts for f in files if f.results.get("pids", FileResult()).facts
        ]
        workers = {fact["pid"] for fact in facts} - {os.getpid()}
        calls = sum(fact["calls"] for fact in facts)
        return AnalysisResult(
            findings=(
                Finding(
                    rule_id="pids:run",
                    message=f"workers={len(workers)} calls={calls}",
                    severity=Severity.INFO,
                    location=Location(file=".", start_line=1, end_line=1),
                ),
            )
        )

    def explain(self, rule: str) -> RuleExplanation:
        raise NotImplementedError

    def fix(self, findings: Sequence[Finding], *, dry_run: bool) -> list[FixResult]:
        return []


def _pids_message(result: RunResult) -> str:
    [finding] = [f for f in result.findings if f.rule_id == "pids:run"]
    return finding.message


def _without_pids(result: RunResult) -> list[Finding]:
    return [f for f in result.findings if f.rule_id != "pids:run"]


def _complexity_only(files: Sequence[FileSummary]) -> list[FileSummary]:
    """The summaries without the pids module's results (the pids differ by design)."""
    return [attrs.evolve(f, results={"complexity": f.results["complexity"]}) for f in files]


_COUNT = PARALLEL_THRESHOLD + 10
# Calls per file: the COMPLEX files call range() twice, the others f() once.
_CALLS = sum(2 if i % 3 else 1 for i in range(_COUNT))


def test_a_large_run_in_two_workers_finds_exactly_what_one_process_finds(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", _COUNT)
    progress: list[tuple[int, int]] = []
    one = _run(root, ComplexityModule(), _Pids(), jobs=1)
    two = _run(
        root, ComplexityModule(), _Pids(), jobs=2, progress=lambda d, t: progress.append((d, t))
    )
    assert f"workers=0 calls={_CALLS}" == _pids_message(one)
    assert f"workers=2 calls={_CALLS}" == _pids_message(two)
    assert _without_pids(one) == _without_pids(two)
    assert (one.health, one.functions()) == (two.health, two.functions())
    assert _complexity_only(one.files) == _complexity_only(two.files)
    assert (_COUNT + 1, _COUNT + 1) == (one.analysed, two.analysed)
    assert (_COUNT + 1, _COUNT + 1) == progress[-1]
    assert [d for d, _ in progress] == sorted(d for d, _ in progress)


@pytest.mark.parametrize("count", [5, _COUNT], ids=["in-process", "workers"])
def test_files_are_analysed_with_the_cyclic_collector_paused_and_it_runs_again_after(
    tmp_path: Path, count: int
) -> None:
    """Trees are acyclic: collections while analysing only rescan what is alive. A
    worker also freezes what it inherited, so no collection scans it again."""
    root = _project(tmp_path / "p", count)
    frozen_before = gc.get_freeze_count()
    result = _run(root, _Pids(), jobs=2)
    facts = [f.results["pids"].facts for f in result.files if f.problem is None]
    assert len(facts) == count
    assert not any(fact["gc"] for fact in facts)
    in_workers = [fact for fact in facts if fact["pid"] != os.getpid()]
    assert len(in_workers) == (count if count >= PARALLEL_THRESHOLD else 0)
    assert all(fact["frozen"] > 0 for fact in in_workers)
    assert gc.isenabled()
    assert frozen_before == gc.get_freeze_count()  # this process froze nothing


def test_below_the_threshold_files_are_analysed_in_this_process(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", 5)
    assert "workers=0 calls=8" == _pids_message(_run(root, _Pids(), jobs=2))


@pytest.mark.parametrize("count", [5, _COUNT], ids=["in-process", "workers"])
def test_a_visitor_failing_on_one_file_is_its_modules_error_and_the_rest_is_unchanged(
    tmp_path: Path, count: int
) -> None:
    root = _project(tmp_path / "p", count)
    alone = _run(root, ComplexityModule(), jobs=2)
    result = _run(root, ComplexityModule(), _Pids(explode_on="m001.py"), jobs=2)
    [error] = [f for f in result.findings if f.rule_id == "core:module-error"]
    assert "m001.py: RuntimeError: visitor exploded" in error.message
    assert {"module": "pids"} == dict(error.metadata)
    assert ("pids",) == tuple(module for module, _ in result.module_errors)
    complexity = [f for f in result.findings if f.rule_id.startswith(("complexity:", "parse:"))]
    assert list(alone.findings) == complexity
    assert alone.health is not None
    assert result.health is not None
    # The plugin's surviving findings count for health; the complexity costs are unchanged.
    assert [(f.file, f.complexity_cost) for f in alone.health.files] == [
        (f.file, f.complexity_cost) for f in result.health.files
    ]
    # Every other file still counted its calls (m001 calls range() twice).
    calls = sum(2 if i % 3 else 1 for i in range(count)) - 2
    assert f"calls={calls}" in _pids_message(result)


@pytest.mark.parametrize("count", [5, _COUNT], ids=["in-process", "forked-workers"])
def test_a_module_holding_a_lambda_works_in_process_and_in_forked_workers(
    tmp_path: Path, count: int
) -> None:
    assert "fork" == pool_context().get_start_method()  # one thread: workers are forked
    root = _project(tmp_path / "p", count)
    result = _run(root, _Pids(lambda_=True), jobs=2)
    calls = sum(2 if i % 3 else 1 for i in range(count))
    assert f"calls={calls * 10}" in _pids_message(result)
    assert () == result.module_errors


def test_unpicklable_names_the_analyzers_that_cannot_reach_a_worker() -> None:
    analyzers = Analyzers(
        by_module={
            "pids": _Pids(lambda_=True).file_analyzer({}),
            "plain": _Pids().file_analyzer({}),
            "complexity": ComplexityModule().file_analyzer({}),
        }
    )
    failed = unpicklable(analyzers)
    assert ["pids"] == list(failed)
    assert failed["pids"].startswith("cannot be sent to a worker process (")
    assert ["complexity", "plain"] == sorted(analyzers.without(list(failed)).by_module)


def test_without_fork_an_unpicklable_module_fails_alone(tmp_path: Path) -> None:
    """A running thread makes fork unsafe: workers are started fresh and the
    analyzer holding a lambda cannot be sent to them."""
    root = _project(tmp_path / "p", _COUNT)
    alone = _run(root, ComplexityModule(), jobs=2)
    release = threading.Event()
    thread = threading.Thread(target=release.wait, args=(60,), daemon=True)
    thread.start()
    try:
        assert "fork" != pool_context().get_start_method()
        result = _run(root, ComplexityModule(), _Pids(lambda_=True), jobs=2)
    finally:
        release.set()
        thread.join(timeout=60)
    [(module, message)] = result.module_errors
    assert "pids" == module
    assert "cannot be sent to a worker process" in message
    assert list(alone.findings) == [f for f in result.findings if f.rule_id != "core:module-error"]


# --- analyse_bytes and the testing helpers ------------------------------------------------


def test_an_editor_buffer_is_summarised_exactly_like_the_file_on_disk(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_text(COMPLEX, encoding="utf-8")
    analyzers, failed = Analyzers.build(
        [ComplexityModule(), _Pids()], {"complexity": {"max-cyclomatic": 3}}
    )
    assert {} == failed
    on_disk = analyse_file(FileJob(path="a.py", absolute=path), analyzers)
    buffer = analyse_bytes(COMPLEX.encode(), path="a.py", absolute=path, analyzers=analyzers)
    assert on_disk == buffer
    assert ["tangled"] == [f.name for f in buffer.functions]
    assert buffer.results["complexity"].findings


def test_summarise_reports_a_syntax_error_as_the_files_problem() -> None:
    summary = summarise(ComplexityModule(), "x = 1\ndef f(:\n")
    assert summary.problem is not None
    assert ("parse:syntax-error", 2) == (
        summary.problem.rule_id,
        summary.problem.location.start_line,
    )
    assert ((), {"complexity": FileResult()}) == (summary.functions, dict(summary.results))


def test_functions_are_measured_only_when_an_analyzer_asks() -> None:
    assert () == summarise(_Pids(), "def f():\n    pass\n").functions
    assert ["f"] == [
        m.name for m in summarise(ComplexityModule(), "def f():\n    pass\n").functions
    ]


# --- workers die with their parent --------------------------------------------------------

_PARENT = textwrap.dedent(
    """
    import os, sys
    from pathlib import Path
    import attrs
    from chaffra_core import Analyzers, FileResult
    from chaffra_core._analysis import FileJob
    from chaffra_core._workers import run_in_workers

    READY, BLOCK = sys.argv[1], sys.argv[2]

    @attrs.frozen
    class Blocking:
        needs_functions: bool = False

        def visitor(self, file):
            return None

        def finish(self, file, visitor):
            with open(READY, "w") as ready:  # tell the test this worker is running
                ready.write(f"{os.getpid()}\\n")
            open(BLOCK).read()  # blocks: nobody ever writes this FIFO
            return FileResult()

    root = Path(sys.argv[3])
    jobs = [FileJob(path=p.name, absolute=p) for p in sorted(root.glob("*.py"))]
    run_in_workers(jobs, Analyzers(by_module={"block": Blocking()}), workers=2, advance=print)
    """
)


def _read_line(fd: int, timeout: float) -> str:
    data = b""
    while not data.endswith(b"\n"):
        ready, _, _ = select.select([fd], [], [], timeout)
        if not ready:
            raise TimeoutError("no worker reported in time")
        chunk = os.read(fd, 64)
        if not chunk:
            raise EOFError("the worker closed the FIFO without a pid")
        data += chunk
    return data.decode()


@pytest.mark.skipif(
    sys.platform != "linux" or not hasattr(os, "pidfd_open"),
    reason="PR_SET_PDEATHSIG and pidfd are Linux features",
)
def test_workers_exit_when_their_parent_is_killed(tmp_path: Path) -> None:
    root = tmp_path / "p"
    root.mkdir()
    for i in range(2):
        (root / f"m{i}.py").write_text("x = 1\n")
    ready, block = tmp_path / "ready", tmp_path / "block"
    os.mkfifo(ready)
    os.mkfifo(block)
    script = tmp_path / "parent.py"
    script.write_text(_PARENT)
    parent = subprocess.Popen(
        [sys.executable, str(script), str(ready), str(block), str(root)],
        stdout=subprocess.DEVNULL,
    )
    reader = os.open(ready, os.O_RDONLY | os.O_NONBLOCK)
    keeper = os.open(ready, os.O_WRONLY)  # keeps the FIFO open between workers' writes
    try:
        worker = int(_read_line(reader, timeout=60))
        assert worker != parent.pid
        pidfd = os.pidfd_open(worker)
        parent.send_signal(signal.SIGKILL)
        parent.wait(timeout=60)
        exited, _, _ = select.select([pidfd], [], [], 60)  # readable once the worker exits
        assert [pidfd] == exited, "a worker outlived its killed parent"
        os.close(pidfd)
    finally:
        os.close(keeper)
        os.close(reader)
        if parent.poll() is None:
            parent.kill()
            parent.wait(timeout=60)


class _NoVisitor:
    def describe(self) -> ModuleInfo:
        return attrs.evolve(_Pids().describe(), id="novisitor")

    def file_analyzer(self, config: ModuleConfig) -> _NoVisitorFiles:
        return _NoVisitorFiles()

    def combine(
        self, files: Sequence[FileSummary], config: ModuleConfig, project: ProjectContext
    ) -> AnalysisResult:
        return AnalysisResult()

    def explain(self, rule: str) -> RuleExplanation:
        raise NotImplementedError

    def fix(self, findings: Sequence[Finding], *, dry_run: bool) -> list[FixResult]:
        return []


@attrs.frozen
class _NoVisitorFiles:
    needs_functions: bool = False

    def visitor(self, file: FileContext) -> None:
        raise LookupError(f"no visitor for {file.path}")

    def finish(self, file: FileContext, visitor: object | None) -> FileResult:
        raise AssertionError("finish after a failed visitor")


def test_a_module_failing_to_make_a_visitor_is_its_error_alone(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", 2)
    alone = _run(root, ComplexityModule())
    result = _run(root, ComplexityModule(), _NoVisitor())
    message = dict(result.module_errors)["novisitor"]
    assert (
        "m000.py: LookupError: no visitor for m000.py; m001.py: LookupError: no visitor for m001.py"
        == message
    )
    assert list(alone.findings) == [f for f in result.findings if f.rule_id != "core:module-error"]


def test_alive_tells_a_running_process_from_a_finished_one() -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait(timeout=60)
    assert _alive(os.getpid())
    assert not _alive(child.pid)


def test_the_watchdog_ends_a_worker_whose_parent_is_gone() -> None:
    """The portable fallback of PR_SET_PDEATHSIG: polling the parent."""
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait(timeout=60)
    watcher = subprocess.run(
        [
            sys.executable,
            "-c",
            "import os\nfrom chaffra_core._workers import _watch_parent\n"
            f"_watch_parent(os.getppid(), {gone.pid})\nraise SystemExit(5)\n",
        ],
        timeout=60,
        check=False,
    )
    assert 1 == watcher.returncode
