"""Benchmark: ``chaffra complexity`` against ``radon cc`` and ``complexipy`` on real code.

Corpora: the Django wheel (fetched once with ``pip download`` into ``.bench-cache/``
and unzipped) and the running Python's standard library (copied, ``.py`` files
only, to a temporary directory so no cache is written next to the interpreter).

In one run it

1. compares numbers function by function: chaffra's cyclomatic value with
   ``radon cc -j --show-closures`` (functions, methods and closures; classes are
   radon's aggregate and left out) and chaffra's cognitive value with complexipy's
   Python API (``file_complexity``, inline ignores disregarded), matching by file,
   line and name; files a peer cannot parse are skipped for that peer;
2. times, as the median of several runs, ``chaffra complexity DIR`` cold (no
   ``DIR/.chaffra``) and warm (unchanged tree, cache in place), ``radon cc DIR``,
   ``complexipy DIR`` and ``chaffra --version`` beside ``python -c pass``.

When the ``chaffra`` executable cannot analyse yet, the chaffra rows time a small
driver (this file with ``--driver``: discover, read, parse, ``analyze_file``,
digest cache) and the report says so. This is a measurement, not a test: the
exit status is 0 whether or not the goals are met.

Usage::

    uv run --group bench python tools/bench/analyzers.py [--repeat 3] [--write docs/performance.md]
"""

from __future__ import annotations

import argparse
import ast
import hashlib
import json
import os
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from _report import environment_line, markdown_table, paragraph, write_section

ROOT = Path(__file__).resolve().parents[2]
CACHE = ROOT / ".bench-cache"
SECTION = "analyzers"
SKIP_DIRS = {"site-packages", "__pycache__", ".chaffra"}


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


def django_corpus() -> Path:
    """The unzipped Django wheel's ``django`` package (downloaded once)."""
    wheels = CACHE / "wheels"
    found = sorted(wheels.glob("[Dd]jango-*.whl"))
    if not found:
        wheels.mkdir(parents=True, exist_ok=True)
        command = [*_pip(), "download", "django", "--no-deps", "--only-binary", ":all:"]
        subprocess.run([*command, "-d", str(wheels)], check=True)
        found = sorted(wheels.glob("[Dd]jango-*.whl"))
    wheel = found[-1]
    target = CACHE / wheel.stem
    if not (target / "django").is_dir():
        with zipfile.ZipFile(wheel) as archive:
            archive.extractall(target)
    shutil.rmtree(target / "django" / ".chaffra", ignore_errors=True)
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


def _parse(path: Path) -> tuple[str, ast.Module] | None:
    try:
        text = path.read_text(encoding="utf-8")
        return text, ast.parse(text, filename=str(path))
    except (SyntaxError, UnicodeDecodeError, ValueError):
        return None


def compare(corpus: Path) -> tuple[Agreement, Agreement, int]:
    """Agreement with radon (cyclomatic) and complexipy (cognitive); files measured."""
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
    files = 0
    for path in python_files(corpus):
        parsed = _parse(path)
        if parsed is None:
            continue
        _text, tree = parsed
        files += 1
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
    return cyclomatic, cognitive, files


# --- timing -------------------------------------------------------------------------------


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent)) or shutil.which(name)
    if found is None:
        raise SystemExit(f"{name} is not installed (uv sync --group test)")
    return found


def _run(command: Sequence[str], cwd: Path | None = None) -> float:
    start = time.perf_counter()
    subprocess.run(
        command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False
    )
    return time.perf_counter() - start


def median_time(command: Sequence[str], repeat: int, before: object = None) -> float:
    """Median wall time in seconds of ``command``; ``before()`` runs untimed before each run."""
    times = []
    for _ in range(repeat):
        if callable(before):
            before()
        times.append(_run(command))
    return statistics.median(times)


def chaffra_command() -> tuple[list[str], bool]:
    """The ``chaffra complexity`` command, and whether the real CLI can analyse."""
    executable = shutil.which("chaffra", path=str(Path(sys.executable).parent))
    base = [executable] if executable else [sys.executable, "-m", "chaffra_cli"]
    with tempfile.TemporaryDirectory() as empty:
        probe_dir = Path(empty)
        (probe_dir / "m.py").write_text("def f():\n    return 1\n", encoding="utf-8")
        probe = subprocess.run(
            [*base, "complexity", str(probe_dir), "-q"], capture_output=True, text=True, check=False
        )
    if probe.returncode in (0, 1) and "internal error" not in probe.stderr:
        return [*base, "complexity"], True
    return [sys.executable, str(Path(__file__).resolve()), "--driver"], False


def _clear_cache(corpus: Path) -> None:
    shutil.rmtree(corpus / ".chaffra", ignore_errors=True)


@dataclass
class CorpusResult:
    name: str
    files: int
    cyclomatic: Agreement
    cognitive: Agreement
    chaffra_cold: float
    chaffra_warm: float
    radon: float
    complexipy: float


def bench_corpus(name: str, corpus: Path, chaffra: list[str], repeat: int) -> CorpusResult:
    cyclomatic, cognitive, files = compare(corpus)
    target = str(corpus)
    cold = median_time([*chaffra, target, "-q"], repeat, before=lambda: _clear_cache(corpus))
    _clear_cache(corpus)
    _run([*chaffra, target, "-q"])
    warm = median_time([*chaffra, target, "-q"], repeat)
    _clear_cache(corpus)
    radon = median_time([_tool("radon"), "cc", target], repeat)
    with tempfile.TemporaryDirectory() as cache_dir:
        complexipy = median_time(
            [_tool("complexipy"), target, "-q", "--ignore-complexity", "--cache-dir", cache_dir],
            repeat,
            before=lambda: shutil.rmtree(cache_dir, ignore_errors=True),
        )
    return CorpusResult(name, files, cyclomatic, cognitive, cold, warm, radon, complexipy)


# --- the fallback driver -------------------------------------------------------------------


def driver(directory: Path) -> None:
    """Discover, read, parse and analyse like ``chaffra complexity``, with a digest cache."""
    from chaffra_core import Analyzers, analyse_bytes
    from chaffra_core.analyzers.complexity import ComplexityModule

    analyzers, _ = Analyzers.build([ComplexityModule()], {})
    cache_file = directory / ".chaffra" / "bench-driver-cache.json"
    cache: dict[str, int] = (
        json.loads(cache_file.read_text(encoding="utf-8")) if cache_file.exists() else {}
    )
    fresh: dict[str, int] = {}
    findings = 0
    for path in python_files(directory):
        data = path.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if digest in cache:
            fresh[digest] = cache[digest]
            findings += cache[digest]
            continue
        summary = analyse_bytes(
            data, path=path.relative_to(directory).as_posix(), absolute=path, analyzers=analyzers
        )
        fresh[digest] = len(summary.results["complexity"].findings)
        findings += fresh[digest]
    cache_file.parent.mkdir(exist_ok=True)
    cache_file.write_text(json.dumps(fresh), encoding="utf-8")
    print(f"{findings} findings")


# --- report ---------------------------------------------------------------------------------


def _ratio(value: float, base: float) -> str:
    return f"{value / base:.2f}x"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def render(
    results: Sequence[CorpusResult],
    version: float,
    python_pass: float,
    real_cli: bool,
    repeat: int,
) -> str:
    lines = [
        "## Analyzers: `chaffra complexity` beside radon and complexipy",
        "",
        paragraph(
            "Numbers and speed of the complexity module on two real corpora: the Django wheel",
            "(downloaded with pip into `.bench-cache/`) and a copy of the running Python's",
            "standard library. Cyclomatic values are compared with `radon cc -j --show-closures`",
            "(functions, methods and closures; radon's class aggregates left out), cognitive",
            "values with complexipy's `file_complexity` (inline ignores disregarded), matched by",
            "file, line and name.",
        ),
        "",
        environment_line(["radon", "complexipy", "chaffra-core"]),
        "",
        "Command: `uv run --group bench python tools/bench/analyzers.py"
        " --write docs/performance.md`",
        "",
        paragraph(
            f"Method: wall time of each command as a subprocess, median of {repeat} runs.",
            "Cold: `DIR/.chaffra` removed before each run; warm: the same tree again with the",
            "cache in place. complexipy runs with a fresh `--cache-dir` each time.",
            (
                "chaffra rows run the `chaffra complexity` executable."
                if real_cli
                else "The `chaffra` executable could not analyse yet, so the chaffra rows time an"
                " in-process driver (`tools/bench/analyzers.py --driver`: discovery, reading,"
                " parsing and `ComplexityModule.analyze_file` in one process, with a digest"
                " cache for the warm run); rerun when the CLI is complete."
            ),
        ),
        "",
    ]
    rows = []
    for r in results:
        rows.append(
            [
                r.name,
                str(r.files),
                f"{r.cyclomatic.matched}/{r.cyclomatic.total} ({r.cyclomatic.percent:.2f}%)",
                f"{r.cognitive.matched}/{r.cognitive.total} ({r.cognitive.percent:.2f}%)",
            ]
        )
    lines += [
        markdown_table(
            ["Corpus", "Files", "Cyclomatic = radon", "Cognitive = complexipy"], rows, align="lrrr"
        ),
        "",
    ]
    rows = []
    for r in results:
        rows += [
            [
                r.name,
                "`chaffra complexity` (cold)",
                f"{r.chaffra_cold:.2f}",
                _ratio(r.chaffra_cold, r.radon),
            ],
            [
                r.name,
                "`chaffra complexity` (warm)",
                f"{r.chaffra_warm:.2f}",
                _ratio(r.chaffra_warm, r.radon),
            ],
            [r.name, "`radon cc`", f"{r.radon:.2f}", "1.00x"],
            [r.name, "`complexipy`", f"{r.complexipy:.2f}", _ratio(r.complexipy, r.radon)],
        ]
    lines += [
        markdown_table(["Corpus", "Command", "Median s", "vs radon"], rows, align="llrr"),
        "",
        markdown_table(
            ["Command", "Median ms"],
            [
                ["`chaffra --version`", f"{version * 1000:.0f}"],
                ["`python -c pass`", f"{python_pass * 1000:.0f}"],
            ],
            align="lr",
        ),
        "",
    ]
    goals = []
    for r in results:
        goals += [
            [
                f"{r.name}: cyclomatic identical to radon",
                f"{r.cyclomatic.percent:.2f}%",
                ">= 99%",
                _verdict(r.cyclomatic.percent >= 99),
            ],
            [
                f"{r.name}: cognitive identical to complexipy",
                f"{r.cognitive.percent:.2f}%",
                ">= 98%",
                _verdict(r.cognitive.percent >= 98),
            ],
            [
                f"{r.name}: cold run vs radon",
                _ratio(r.chaffra_cold, r.radon),
                "<= 0.50x",
                _verdict(r.chaffra_cold <= 0.5 * r.radon),
            ],
            [
                f"{r.name}: warm run vs radon",
                _ratio(r.chaffra_warm, r.radon),
                "<= 0.10x",
                _verdict(r.chaffra_warm <= 0.1 * r.radon),
            ],
        ]
    goals.append(
        [
            "`chaffra --version` vs `python -c pass`",
            _ratio(version, python_pass),
            "<= 3.00x",
            _verdict(version <= 3 * python_pass),
        ]
    )
    lines += [markdown_table(["Goal", "Measured", "Target", "Result"], goals, align="lrrc"), ""]
    for r in results:
        for agreement in (r.cyclomatic, r.cognitive):
            if agreement.disagreements:
                lines.append(f"First disagreements with {agreement.peer} on {r.name}:")
                lines.append("")
                lines.extend(f"- {d}" for d in agreement.disagreements)
                lines.append("")
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="timed runs per command (>= 3)")
    parser.add_argument("--write", type=Path, help="replace the analyzers section of this file")
    parser.add_argument("--corpus", choices=["django", "stdlib"], action="append")
    parser.add_argument("--driver", type=Path, help=argparse.SUPPRESS)
    args, _ = parser.parse_known_args(argv)
    if args.driver is not None:
        driver(args.driver)
        return 0
    repeat = max(3, args.repeat)
    chaffra, real_cli = chaffra_command()
    corpora = args.corpus or ["django", "stdlib"]
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        for name in corpora:
            corpus = django_corpus() if name == "django" else stdlib_corpus(Path(scratch))
            label = (
                f"Django ({corpus.parent.name})"
                if name == "django"
                else f"stdlib {sys.version_info.major}.{sys.version_info.minor}"
            )
            print(f"benchmarking {label} ...", file=sys.stderr)
            results.append(bench_corpus(label, corpus, chaffra, repeat))
    version_command = [chaffra[0], "--version"] if real_cli else [_tool("chaffra"), "--version"]
    version = median_time(version_command, max(repeat, 10))
    python_pass = median_time([sys.executable, "-c", "pass"], max(repeat, 10))
    report = render(results, version, python_pass, real_cli, repeat)
    print(report)
    if args.write is not None:
        write_section(args.write, SECTION, report)
    return 0


if __name__ == "__main__":
    sys.exit(main())
