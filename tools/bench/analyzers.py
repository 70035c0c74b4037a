"""Benchmark: ``chaffra health`` against radon, complexipy, vulture, bandit and ruff, in CPU.

Corpora: the Django 5.2 wheel (fetched once with ``pip download django==5.2`` into
``.bench-cache/wheels`` and unzipped into a scratch directory) and a copy of the running
Python's standard library (``.py`` files only).

In one run it

1. compares numbers function by function: chaffra's cyclomatic value
   (``chaffra_core.analyzers.complexity.measure``) with ``radon cc -j --show-closures``
   (functions, methods and closures; radon's class aggregates left out) and its cognitive
   value with complexipy's ``file_complexity`` (inline ignores disregarded), matched by
   file, line and name;
2. times every command as a subprocess, interleaved round by round, and reports the median
   WALL time and the median CPU time (user + sys of the whole process tree: ``os.wait4`` on
   the command and ``getrusage(RUSAGE_CHILDREN)`` deltas, with this process a child
   subreaper so workers that outlive their parent are reaped and counted too):
   ``chaffra health DIR --telemetry off`` cold (empty ``CHAFFRA_CACHE_DIR``) and warm,
   ``--telemetry on`` warm on a copy of the corpus, ``radon cc``, ``complexipy``,
   ``vulture``, ``bandit -r -q``, ``ruff check --select ALL --no-cache``, the ``ast.parse``
   floor and the read + sha256 floor (one process each, this file with ``--floor``), and a
   one-file project's ``chaffra health`` beside ``python -c pass``.

Bytecode: run after ``uv sync --all-packages --group bench --compile-bytecode``; the
workspace sources are byte-compiled before measuring and every command runs without
``PYTHONDONTWRITEBYTECODE``. This is a measurement, not a test: the exit status is 0
whether or not the goals are met.

Usage::

    uv sync --all-packages --group bench --compile-bytecode
    uv run --group bench python tools/bench/analyzers.py [--repeat 3] [--write docs/performance.md]

Start-up only (the one-file rows), beside an older tree in the same rounds::

    git archive main packages | tar -x -C /tmp/before
    uv run --group bench python tools/bench/analyzers.py --one-file --before /tmp/before
"""

from __future__ import annotations

import argparse
import ast
import compileall
import ctypes
import hashlib
import importlib.util
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from _report import environment_line, markdown_table, paragraph, write_section

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".bench-cache"
SECTION = "analyzers"
DJANGO = "5.2"
SKIP_DIRS = {"site-packages", "__pycache__", ".chaffra"}
PR_SET_CHILD_SUBREAPER = 36
WORKSPACE_MODULES = (
    "chaffra_telemetry",
    "chaffra_management",
    "chaffra_core",
    "chaffra_mcp",
    "chaffra_cli",
)


# --- corpora --------------------------------------------------------------------------


def _pip() -> list[str]:
    """``python -m pip``, or pip run by uv when this environment has none (uv venvs)."""
    probe = subprocess.run(
        [sys.executable, "-m", "pip", "--version"], capture_output=True, check=False
    )
    if probe.returncode == 0:
        return [sys.executable, "-m", "pip"]
    uv = shutil.which("uv")
    if uv is None:
        raise SystemExit("pip is not installed and uv is not on PATH: cannot fetch Django")
    return [uv, "run", "--no-project", "--isolated", "--with", "pip", "python", "-m", "pip"]


def django_corpus(scratch: Path | None = None) -> Path:
    """The Django 5.2 wheel's ``django`` package, unzipped into ``scratch``.

    Without ``scratch`` it is unzipped once into ``.bench-cache/`` (callers copy it).
    """
    wheels = CACHE / "wheels"
    pattern = f"[Dd]jango-{DJANGO}-*.whl"
    found = sorted(wheels.glob(pattern))
    if not found:
        wheels.mkdir(parents=True, exist_ok=True)
        command = [*_pip(), "download", f"django=={DJANGO}", "--no-deps", "--only-binary", ":all:"]
        subprocess.run([*command, "-d", str(wheels)], check=True)
        found = sorted(wheels.glob(pattern))
    target = (CACHE if scratch is None else scratch) / found[-1].stem
    if scratch is not None or not (target / "django").is_dir():
        with zipfile.ZipFile(found[-1]) as archive:
            archive.extractall(target)
    return target / "django"


def stdlib_corpus(scratch: Path) -> Path:
    """A copy of this interpreter's standard library sources (``.py`` only)."""
    source = Path(sysconfig.get_paths()["stdlib"])
    target = scratch / f"stdlib-{sys.version_info.major}.{sys.version_info.minor}"
    for path in python_files(source):
        destination = target / path.relative_to(source)
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, destination)
    return target


def python_files(root: Path) -> list[Path]:
    """Every ``.py`` file below ``root``, sorted, outside caches and site-packages."""
    files: list[Path] = []
    for directory, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d not in SKIP_DIRS and not d.startswith("."))
        files.extend(Path(directory) / n for n in names if n.endswith(".py"))
    return sorted(files)


# --- floors (run as subprocesses: python analyzers.py --floor KIND DIR) ---------------------


def floor(kind: str, directory: Path) -> None:
    """The least any analyzer pays: parse every file, or read and hash every file."""
    count = 0
    for path in python_files(directory):
        data = path.read_bytes()
        if kind == "hash":
            hashlib.sha256(data).digest()
        else:
            try:
                ast.parse(data, filename=str(path))
            except (SyntaxError, ValueError):
                continue
        count += 1
    print(f"{count} files")


# --- function-by-function comparison -----------------------------------------------------


@dataclass
class Agreement:
    """How many peer-reported functions chaffra measured identically."""

    peer: str
    matched: int = 0
    total: int = 0
    disagreements: list[str] = field(default_factory=list)

    @property
    def percent(self) -> float:
        return 100.0 * self.matched / self.total if self.total else 100.0

    def add(self, ok: bool, where: str) -> None:
        self.total += 1
        if ok:
            self.matched += 1
        elif len(self.disagreements) < 10:
            self.disagreements.append(where)


def _parse(path: Path) -> ast.Module | None:
    try:
        return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return None


def compare(corpus: Path) -> tuple[Agreement, Agreement]:
    """Agreement with radon (cyclomatic) and complexipy (cognitive)."""
    import complexipy

    from chaffra_core.analyzers.complexity import measure

    radon_out = subprocess.run(
        [_tool("radon"), "cc", "-j", "--show-closures", str(corpus)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    radon = json.loads(radon_out)
    cyclomatic, cognitive = Agreement("radon cc"), Agreement("complexipy")
    for path in python_files(corpus):
        tree = _parse(path)
        if tree is None:
            continue
        relative = path.relative_to(corpus).as_posix()
        ours = {(f.start_line, f.name): f for f in measure(tree)}
        blocks = radon.get(str(path), [])
        for block in blocks if isinstance(blocks, list) else []:
            if block["type"] == "class":
                continue
            name = block["name"].rsplit(".", 1)[-1]
            mine = ours.get((block["lineno"], name))
            value = mine.cyclomatic if mine else None
            cyclomatic.add(
                value == block["complexity"],
                f"`{relative}:{block['lineno']}` `{block['name']}`: radon {block['complexity']}, "
                f"chaffra {value}",
            )
        try:
            peer = complexipy.file_complexity(str(path), no_ignore=True, with_plans=False)
        except ValueError:
            continue
        first_lines = {}
        for node in ast.walk(tree):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                first = min([d.lineno for d in node.decorator_list] + [node.lineno])
                first_lines[first, node.name] = (node.lineno, node.name)
        for function in peer.functions:
            key = first_lines.get((function.line_start, function.name.rsplit("::", 1)[-1]))
            mine = ours.get(key) if key else None
            value = mine.cognitive if mine else None
            cognitive.add(
                value == function.complexity,
                f"`{relative}:{function.line_start}` `{function.name}`: complexipy "
                f"{function.complexity}, chaffra {value}",
            )
    return cyclomatic, cognitive


# --- timing: wall and CPU of the whole process tree ------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} is not installed (uv sync --all-packages --group bench)")
    return found


def become_subreaper() -> bool:
    """Adopt orphaned descendants (Linux), so a worker outliving its parent is still counted."""
    if not sys.platform.startswith("linux"):
        return False
    libc = ctypes.CDLL(None, use_errno=True)
    return int(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)) == 0


@dataclass(frozen=True)
class Usage:
    """One run: wall seconds until the command exits, CPU seconds of its whole tree."""

    wall: float
    cpu: float


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def run_measured(command: Sequence[str], env: Mapping[str, str], cwd: Path | None = None) -> Usage:
    """Run ``command`` once; its wall time and the user+sys time of every process it made."""
    before = _children_cpu()
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, env=dict(env), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, _ = os.wait4(process.pid, 0)
    wall = time.perf_counter() - start
    process.returncode = os.waitstatus_to_exitcode(status)
    while True:  # orphans re-parented to this subreaper: wait for them, count their CPU
        try:
            os.waitpid(-1, 0)
        except ChildProcessError:
            break
    return Usage(wall=wall, cpu=_children_cpu() - before)


@dataclass
class Spec:
    """A command to time, and what runs untimed before each of its runs."""

    key: str
    label: str
    command: list[str]
    env: dict[str, str]
    before: Callable[[], None] | None = None
    runs: list[Usage] = field(default_factory=list)

    @property
    def wall(self) -> float:
        return statistics.median(u.wall for u in self.runs)

    @property
    def cpu(self) -> float:
        return statistics.median(u.cpu for u in self.runs)


def measure_interleaved(specs: Sequence[Spec], repeat: int) -> None:
    """``repeat`` rounds, each running every command once, so drifting load hits them alike."""
    for round_ in range(repeat):
        for spec in specs:
            print(f"  round {round_ + 1}/{repeat}: {spec.label}", file=sys.stderr)
            if spec.before is not None:
                spec.before()
            spec.runs.append(run_measured(spec.command, spec.env))


def child_env(**extra: str) -> dict[str, str]:
    """This environment without ``PYTHONDONTWRITEBYTECODE``, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env.update(extra)
    return env


def compile_bytecode() -> tuple[int, int]:
    """Byte-compile the workspace sources; (modules with current bytecode, modules)."""
    total = fresh = 0
    for name in WORKSPACE_MODULES:
        spec = importlib.util.find_spec(name)
        if spec is None or not spec.submodule_search_locations:
            continue
        for location in spec.submodule_search_locations:
            compileall.compile_dir(location, quiet=1)
            for source in Path(location).rglob("*.py"):
                total += 1
                cached = Path(importlib.util.cache_from_source(str(source)))
                fresh += cached.exists() and cached.stat().st_mtime >= source.stat().st_mtime
    return fresh, total


def _chaffra() -> str:
    return _tool("chaffra")


def _files_analyzed(directory: Path, env: Mapping[str, str]) -> int:
    """Run ``chaffra health`` once (untimed, warming the cache); its ``files_analyzed``."""
    out = subprocess.run(
        [_chaffra(), "health", str(directory), "--telemetry", "off", "--format", "json", "-q"],
        env=dict(env),
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return int(json.loads(out)["summary"]["files_analyzed"])


@dataclass
class CorpusResult:
    name: str
    files: int
    chaffra_files: int
    cyclomatic: Agreement
    cognitive: Agreement
    specs: dict[str, Spec]


def bench_corpus(name: str, corpus: Path, scratch: Path, repeat: int) -> CorpusResult:
    print(f"comparing numbers on {name} ...", file=sys.stderr)
    cyclomatic, cognitive = compare(corpus)
    caches = scratch / f"caches-{corpus.name}"
    cold_cache, warm_cache, peer_cache = caches / "cold", caches / "warm", caches / "complexipy"
    copy = scratch / f"{corpus.name}-telemetry-on"
    shutil.copytree(corpus, copy)
    warm_env = child_env(CHAFFRA_CACHE_DIR=str(warm_cache))
    chaffra_files = _files_analyzed(corpus, warm_env)
    health = [_chaffra(), "health"]
    on = [*health, str(copy), "--telemetry", "on", "-q"]
    subprocess.run(on, env=warm_env, capture_output=True, check=False)  # warm the copy
    env = child_env()
    target, peer = str(corpus), str(peer_cache)
    here = [sys.executable, str(Path(__file__).resolve()), "--floor"]
    specs = [
        Spec(
            "cold",
            "`chaffra health --telemetry off`, cold",
            [*health, target, "--telemetry", "off", "-q"],
            child_env(CHAFFRA_CACHE_DIR=str(cold_cache)),
            before=lambda: shutil.rmtree(cold_cache, ignore_errors=True),
        ),
        Spec(
            "warm",
            "`chaffra health --telemetry off`, warm",
            [*health, target, "--telemetry", "off", "-q"],
            warm_env,
        ),
        Spec("warm_on", "`chaffra health --telemetry on`, warm (copy)", on, warm_env),
        Spec("radon", "`radon cc`", [_tool("radon"), "cc", target], env),
        Spec(
            "complexipy",
            "`complexipy` (fresh cache dir)",
            [_tool("complexipy"), target, "-q", "--ignore-complexity", "--cache-dir", peer],
            env,
            before=lambda: shutil.rmtree(peer_cache, ignore_errors=True),
        ),
        Spec("vulture", "`vulture`", [_tool("vulture"), target], env),
        Spec("bandit", "`bandit -r -q`", [_tool("bandit"), "-r", "-q", target], env),
        Spec(
            "ruff",
            "`ruff check --select ALL --no-cache --isolated`",
            [_tool("ruff"), "check", "--select", "ALL", "--no-cache", "--isolated", target],
            env,
        ),
        Spec("parse", "`ast.parse` floor (one process)", [*here, "parse", target], env),
        Spec("hash", "read + sha256 floor (one process)", [*here, "hash", target], env),
    ]
    print(f"timing {name} ...", file=sys.stderr)
    measure_interleaved(specs, repeat)
    return CorpusResult(
        name=name,
        files=len(python_files(corpus)),
        chaffra_files=chaffra_files,
        cyclomatic=cyclomatic,
        cognitive=cognitive,
        specs={s.key: s for s in specs},
    )


def bench_one_file(scratch: Path, repeat: int, before: Path | None = None) -> dict[str, Spec]:
    """``chaffra health`` on a one-file project (cache warm) beside ``python -c pass``.

    ``before``: a tree holding an older ``packages/*/src`` (``git archive REF packages``)
    whose sources shadow the workspace's on ``PYTHONPATH``, timed in the same rounds.
    """
    project = scratch / "one-file"
    project.mkdir()
    (project / "app.py").write_text("def f(x):\n    return x + 1\n", encoding="utf-8")
    env = child_env(CHAFFRA_CACHE_DIR=str(scratch / "caches-one-file"))
    health = [_chaffra(), "health", str(project), "-q"]
    off = [*health, "--telemetry", "off"]
    specs = [
        Spec("off", "`chaffra health --telemetry off`, one file, warm", off, env),
        Spec("default", "`chaffra health` (default telemetry), one file, warm", health, env),
    ]
    if before is not None:
        sources = sorted(str(p) for p in (before / "packages").glob("*/src"))
        for source in sources:
            compileall.compile_dir(source, quiet=1)
        old = child_env(
            CHAFFRA_CACHE_DIR=str(scratch / "caches-one-file-before"),
            PYTHONPATH=os.pathsep.join(sources),
        )
        specs += [
            Spec("off_before", f"{specs[0].label}, before ({before.name})", off, old),
            Spec("default_before", f"{specs[1].label}, before ({before.name})", health, old),
        ]
    specs.append(Spec("pass", "`python -c pass`", [sys.executable, "-c", "pass"], env))
    for spec in specs:  # warm: the result cache (and the telemetry store) exist
        subprocess.run(spec.command, env=spec.env, capture_output=True, check=False)
    print("timing the one-file project ...", file=sys.stderr)
    measure_interleaved(specs, repeat)
    return {s.key: s for s in specs}


# --- report ---------------------------------------------------------------------------------


def cpu_model() -> str:
    """The ``model name`` of /proc/cpuinfo, or the platform's processor string."""
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _load() -> str:
    return f"{os.getloadavg()[0]:.2f}" if hasattr(os, "getloadavg") else "n/a"


def _x(value: float, base: float) -> str:
    return f"{value / base:.2f}x" if base else "-"


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def _timing_table(result: CorpusResult) -> str:
    radon, parse = result.specs["radon"], result.specs["parse"]
    rows = [
        [
            spec.label,
            f"{spec.wall:.2f}",
            f"{spec.cpu:.2f}",
            _x(spec.cpu, spec.wall),
            _x(spec.wall, radon.wall),
            _x(spec.cpu, radon.cpu),
            _x(spec.cpu, parse.cpu),
        ]
        for spec in result.specs.values()
    ]
    headers = ["Command", "Wall s", "CPU s", "CPU/wall", "Wall vs radon", "CPU vs radon"]
    return markdown_table([*headers, "CPU vs `ast.parse` floor"], rows, align="lrrrrrr")


def _both(value: Spec, base: Spec) -> tuple[str, float]:
    """``wall Ax, CPU Bx`` and the larger of the two ratios (goals hold on both)."""
    wall, cpu = value.wall / base.wall, value.cpu / base.cpu
    return f"wall {wall:.2f}x, CPU {cpu:.2f}x", max(wall, cpu)


def one_file_table(one: Mapping[str, Spec]) -> str:
    rows = [
        [
            s.label,
            f"{s.wall * 1000:.0f}",
            f"{s.cpu * 1000:.0f}",
            _x(s.wall, one["pass"].wall),
            _x(s.cpu, one["pass"].cpu),
        ]
        for s in one.values()
    ]
    return markdown_table(
        ["Command", "Wall ms", "CPU ms", "Wall vs `python -c pass`", "CPU vs `python -c pass`"],
        rows,
        align="lrrrr",
    )


def goals(results: Sequence[CorpusResult], one: Mapping[str, Spec]) -> list[list[str]]:
    rows: list[list[str]] = []
    for r in results:
        s = r.specs
        rows += [
            [
                f"{r.name}: cyclomatic identical to radon",
                f"{r.cyclomatic.percent:.2f}%",
                "100%",
                _verdict(r.cyclomatic.matched == r.cyclomatic.total),
            ],
            [
                f"{r.name}: cognitive identical to complexipy",
                f"{r.cognitive.percent:.2f}%",
                "100%",
                _verdict(r.cognitive.matched == r.cognitive.total),
            ],
            [
                f"{r.name}: cold CPU vs `ast.parse` floor CPU",
                _x(s["cold"].cpu, s["parse"].cpu),
                "<= 2.00x",
                _verdict(s["cold"].cpu <= 2.0 * s["parse"].cpu),
            ],
            [
                f"{r.name}: cold CPU vs radon CPU",
                _x(s["cold"].cpu, s["radon"].cpu),
                "<= 0.60x",
                _verdict(s["cold"].cpu <= 0.6 * s["radon"].cpu),
            ],
        ]
        if r.name.startswith("Django"):
            text, worst = _both(s["warm"], s["hash"])
            rows.append(
                [f"{r.name}: warm vs read + sha256 floor", text, "<= 2.00x", _verdict(worst <= 2)]
            )
        text, worst = _both(s["warm"], s["warm_on"])
        rows.append(
            [
                f"{r.name}: warm `--telemetry off` vs warm `--telemetry on`",
                text,
                "<= 1.20x",
                _verdict(worst <= 1.2),
            ]
        )
    for key in ("off", "default"):
        text, worst = _both(one[key], one["pass"])
        rows.append(
            [f"{one[key].label} vs `python -c pass`", text, "<= 6.00x", _verdict(worst <= 6)]
        )
    return rows


def render(
    results: Sequence[CorpusResult],
    one: Mapping[str, Spec],
    repeat: int,
    context: Mapping[str, str],
) -> str:
    lines = [
        "## Analyzers: `chaffra health` beside radon, complexipy, vulture, bandit and ruff",
        "",
        paragraph(
            "What a `chaffra health` run costs, in wall time and in CPU time (user + sys of the",
            "whole process tree, so two workers are never flattered by wall time), cold and warm,",
            "beside the peers on the same files, the floors of parsing and of reading + hashing",
            "every file, and start-up on a one-file project; and whether its numbers equal",
            "radon's (cyclomatic) and complexipy's (cognitive), function by function. Corpora:",
            f"the Django {DJANGO} wheel (unzipped) and a copy of the running Python's standard",
            "library (`.py` files only).",
        ),
        "",
        environment_line(["chaffra-core", "radon", "complexipy", "vulture", "bandit", "ruff"]),
        f"CPU: {context['cpu']}, {os.cpu_count()} cores; {sys.version.split()[0]}.",
        paragraph(
            f"One-minute load average {context['load_before']} before and",
            f"{context['load_after']} after the run: the machine is shared and noisy (other",
            "sessions build and test on it), so absolute numbers move by tens of percent",
            "between runs; the ratios, measured in the same interleaved rounds, less so.",
        ),
        "",
        "Commands:",
        "",
        "```",
        "uv sync --all-packages --group bench --compile-bytecode",
        "uv run --group bench python tools/bench/analyzers.py --write docs/performance.md",
        "```",
        "",
        paragraph(
            "Bytecode: compiled. `uv sync --compile-bytecode` compiled the installed",
            "packages, the script byte-compiled the workspace sources before measuring",
            f"({context['bytecode']} chaffra modules with current bytecode), and every command ran",
            "without `PYTHONDONTWRITEBYTECODE` (this machine sets it; "
            f"{context['dontwrite']} in the calling environment).",
        ),
        "",
        paragraph(
            f"Method: every command is a subprocess; median of {repeat} runs, interleaved",
            "(each round runs every command once). Wall: until the command exits. CPU: user +",
            "sys from `os.wait4` and `getrusage(RUSAGE_CHILDREN)` deltas, with the benchmark a",
            "child subreaper so worker processes are reaped and counted even if they outlive",
            "their parent. Cold: `CHAFFRA_CACHE_DIR` emptied before each run; warm: the same",
            "cache after one untimed run; `--telemetry on` runs on a copy of the corpus (it",
            "writes `.chaffra/`). The floors are this script (`--floor parse|hash DIR`) in one",
            "process, interpreter start-up included like every other row. ruff runs with",
            "`--isolated` (no project config); complexipy with an emptied `--cache-dir`. Goals",
            "without a stated clock (warm, one file, telemetry) must hold on wall and on CPU.",
        ),
        "",
    ]
    rows = [
        [
            r.name,
            str(r.files),
            str(r.chaffra_files),
            f"{r.cyclomatic.matched}/{r.cyclomatic.total} ({r.cyclomatic.percent:.2f}%)",
            f"{r.cognitive.matched}/{r.cognitive.total} ({r.cognitive.percent:.2f}%)",
        ]
        for r in results
    ]
    headers = ["Corpus", "`.py` files", "chaffra files", "Cyclomatic = radon"]
    lines += [
        markdown_table([*headers, "Cognitive = complexipy"], rows, align="lrrrr"),
        "",
    ]
    for r in results:
        lines += [f"{r.name}:", "", _timing_table(r), ""]
    lines += ["One-file project:", "", one_file_table(one), ""]
    lines += [
        markdown_table(
            ["Goal", "Measured (median)", "Target", "Result"], goals(results, one), align="lrrc"
        ),
        "",
    ]
    for r in results:
        for agreement in (r.cyclomatic, r.cognitive):
            if agreement.disagreements:
                lines += [f"First disagreements with {agreement.peer} on {r.name}:", ""]
                lines += [f"- {d}" for d in agreement.disagreements]
                lines.append("")
    return "\n".join(lines)


def one_file_report(one: Mapping[str, Spec], context: Mapping[str, str]) -> str:
    """The one-file table and its goals, with the machine, load and bytecode state."""
    return "\n".join(
        [
            f"{platform.platform()}, {os.cpu_count()} CPUs ({context['cpu']}); "
            f"CPython {platform.python_version()}. One-minute load average "
            f"{context['load_before']} before, {context['load_after']} after. Bytecode: "
            f"{context['bytecode']} workspace modules compiled; PYTHONDONTWRITEBYTECODE "
            f"{context['dontwrite']} here, removed for every command.",
            "",
            one_file_table(one),
            "",
            markdown_table(
                ["Goal", "Measured (median)", "Target", "Result"], goals([], one), align="lrrc"
            ),
        ]
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per command (>= 3)")
    parser.add_argument("--write", type=Path, help="replace the analyzers section of this file")
    parser.add_argument("--corpus", choices=["django", "stdlib"], action="append")
    parser.add_argument(
        "--one-file",
        action="store_true",
        help="time only the one-file project (start-up); print it, write nothing",
    )
    parser.add_argument(
        "--before",
        type=Path,
        metavar="DIR",
        help="also time the one-file project on the packages/*/src of DIR "
        "(e.g. `git archive main packages | tar -x -C DIR`), in the same rounds",
    )
    parser.add_argument("--floor", nargs=2, metavar=("KIND", "DIR"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.floor is not None:
        floor(args.floor[0], Path(args.floor[1]))
        return 0
    repeat = max(3, args.repeat)
    if not become_subreaper():
        print("warning: not a subreaper; orphaned workers' CPU is not counted", file=sys.stderr)
    fresh, total = compile_bytecode()
    context = {
        "cpu": cpu_model(),
        "load_before": _load(),
        "bytecode": f"{fresh}/{total}",
        "dontwrite": "set" if os.environ.get("PYTHONDONTWRITEBYTECODE") else "not set",
    }
    results = []
    with tempfile.TemporaryDirectory(prefix="chaffra-bench-") as temporary:
        scratch = Path(temporary)
        if args.one_file:
            one = bench_one_file(scratch, max(repeat, 10), args.before)
            print(one_file_report(one, {**context, "load_after": _load()}))
            return 0
        for name in args.corpus or ["django", "stdlib"]:
            if name == "django":
                corpus = django_corpus(scratch)
                label = f"Django {DJANGO}"
            else:
                corpus = stdlib_corpus(scratch)
                label = f"stdlib {sys.version_info.major}.{sys.version_info.minor}"
            results.append(bench_corpus(label, corpus, scratch, repeat))
        one = bench_one_file(scratch, max(repeat, 10), args.before)
    context["load_after"] = _load()
    report = render(results, one, repeat, context)
    print(report)
    if args.write is not None:
        write_section(args.write, SECTION, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
