"""Benchmark: ``chaffra dead-code`` against vulture on Django and the standard library.

In one run, for each corpus (the Django wheel and a copy of this interpreter's
standard library, see ``analyzers.py``) it

1. compares findings: vulture's at ``--min-confidence`` 60 and 100 with chaffra's
   at its default confidence and at 0 (``unused-argument`` on for the recall
   row), matched by file, line (a definition also at its first decorator's line,
   where vulture reports it) and kind (vulture's ``variable`` is chaffra's
   unused variable or argument, its ``unreachable_code`` chaffra's unreachable
   code or redundant condition); it counts each side's unmatched findings by kind;
2. with ``--audit N``, prints N random findings of each side (seeded) with their
   source line, the aid for judging precision by hand (docs/dead-code.md);
3. times ``chaffra dead-code DIR`` cold (an empty result cache) and warm (the
   cache of the previous run) and ``vulture DIR``, interleaved round by round so
   drifting load hits them alike: wall and CPU (user + system of the process tree,
   workers included, as ``analyzers.py`` measures) medians;
4. times updating the project index after one edited file, in process: the
   file's summary again (read, parse, walk) plus ``combine`` over every summary,
   the work the LSP and watch do per keystroke batch (wall and CPU).

Bytecode: as ``analyzers.py``, the workspace sources are byte-compiled first and
every command runs without ``PYTHONDONTWRITEBYTECODE`` (run after
``uv sync --all-packages --group bench --compile-bytecode``).

This is a measurement, not a test: the exit status is 0 whether or not the goals
(CPU <= 0.5x vulture cold, <= 0.1x warm, index update <= 20 ms) are met.

Usage::

    uv run --group bench python tools/bench/dead_code.py [--repeat 3] [--audit 40]
        [--baseline OTHER/.venv/bin/chaffra] [--write docs/performance.md]
"""

from __future__ import annotations

import argparse
import collections
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from _report import environment_line, markdown_table, paragraph, write_section
from analyzers import (
    become_subreaper,
    child_env,
    compile_bytecode,
    django_corpus,
    python_files,
    run_measured,
    stdlib_corpus,
)

SECTION = "dead-code"
FAMILIES = {
    "unreachable_code": "unreachable",
    "variable": "variable",
    "import": "import",
    "function": "function",
    "class": "class",
    "method": "method",
    "property": "method",
    "attribute": "attribute",
    "dead-code:unreachable-code": "unreachable",
    "dead-code:redundant-condition": "unreachable",
    "dead-code:unused-variable": "variable",
    "dead-code:unused-argument": "variable",
    "dead-code:unused-import": "import",
    "dead-code:unused-function": "function",
    "dead-code:unused-class": "class",
    "dead-code:unused-method": "method",
    "dead-code:unused-attribute": "attribute",
    "dead-code:unused-file": "file",
}


@dataclass(frozen=True)
class Item:
    """One finding of either tool: where, what kind, and what it says."""

    path: str
    lines: tuple[int, ...]
    family: str
    message: str

    def keys(self) -> set[tuple[str, int, str]]:
        return {(self.path, line, self.family) for line in self.lines}


def vulture_items(root: Path, min_confidence: int) -> list[Item]:
    import vulture  # type: ignore[import-untyped]

    scan = vulture.Vulture()
    scan.scavenge([str(root)])
    return [
        Item(
            path=Path(i.filename).resolve().relative_to(root.resolve()).as_posix(),
            lines=(i.first_lineno,),
            family=FAMILIES[i.typ],
            message=f"{i.message} ({i.confidence}%)",
        )
        for i in scan.get_unused_code(min_confidence=min_confidence)
    ]


def chaffra_items(root: Path, config: dict[str, object]) -> list[Item]:
    from chaffra_core import Analyzers, ProjectContext, analyse_bytes
    from chaffra_core.analyzers.dead_code import DeadCodeModule

    module = DeadCodeModule()
    analyzers, _ = Analyzers.build([module], {"dead-code": config})
    summaries = [
        analyse_bytes(
            p.read_bytes(), path=p.relative_to(root).as_posix(), absolute=p, analyzers=analyzers
        )
        for p in python_files(root)
    ]
    findings = [f for s in summaries for f in s.results.get("dead-code", _EMPTY).findings]
    findings.extend(
        module.combine(summaries, config, ProjectContext(root=root, target=root)).findings
    )
    return [
        Item(
            path=f.location.file,
            lines=tuple(
                {f.location.start_line, int(f.metadata.get("first_line", f.location.start_line))}
            ),
            family=FAMILIES[f.rule_id],
            message=f"{f.message} ({f.metadata.get('confidence', '?')}%)",
        )
        for f in findings
    ]


class _Empty:
    findings = ()


_EMPTY = _Empty()


@dataclass
class Comparison:
    """Counts of one corpus's findings and their overlap."""

    counts: dict[str, int] = field(default_factory=dict)
    matched: dict[str, tuple[int, int]] = field(default_factory=dict)
    unique: dict[str, collections.Counter[str]] = field(default_factory=dict)
    samples: dict[str, list[Item]] = field(default_factory=dict)


def _matched(theirs: Sequence[Item], ours: Sequence[Item]) -> int:
    keys = set().union(*(i.keys() for i in ours)) if ours else set()
    return sum(1 for item in theirs if item.keys() & keys)


def compare(root: Path) -> Comparison:
    result = Comparison()
    v60, v100 = vulture_items(root, 60), vulture_items(root, 100)
    ours_default = chaffra_items(root, {})
    ours_all = chaffra_items(root, {"min-confidence": 0, "unused-argument": True})
    result.counts = {
        "vulture --min-confidence 60": len(v60),
        "vulture --min-confidence 100": len(v100),
        "chaffra (default, 60)": len(ours_default),
        "chaffra (all, unused-argument on)": len(ours_all),
    }
    result.matched = {
        "vulture 100 found by chaffra (all)": (_matched(v100, ours_all), len(v100)),
        "vulture 60 found by chaffra (all)": (_matched(v60, ours_all), len(v60)),
        "vulture 60 found by chaffra (default)": (_matched(v60, ours_default), len(v60)),
        "chaffra (default) found by vulture 60": (_matched(ours_default, v60), len(ours_default)),
    }
    v_keys = set().union(*(i.keys() for i in v60))
    o_keys = set().union(*(i.keys() for i in ours_default))
    only_ours = [i for i in ours_default if not (i.keys() & v_keys)]
    only_theirs = [i for i in v60 if not (i.keys() & o_keys)]
    result.unique = {
        "chaffra only": collections.Counter(i.family for i in only_ours),
        "vulture only": collections.Counter(i.family for i in only_theirs),
    }
    result.samples = {"chaffra (default)": ours_default, "vulture 60": v60}
    return result


def print_audit(name: str, root: Path, comparison: Comparison, count: int, seed: int) -> None:
    """``count`` random findings of each side with their source line, for a hand audit."""
    for side, items in comparison.samples.items():
        chosen = random.Random(seed).sample(items, min(count, len(items)))
        print(f"\n## {name}: {len(chosen)} random findings of {side} (seed {seed})\n")
        for number, item in enumerate(sorted(chosen, key=lambda i: (i.path, i.lines)), 1):
            line = min(item.lines)
            try:
                text = (root / item.path).read_text(encoding="utf-8", errors="replace")
                source = text.split("\n")[line - 1].strip()
            except (OSError, IndexError):
                source = "?"
            print(f"{number:2}. {item.path}:{line}: {item.message}\n      {source[:100]}")


# --- timing -----------------------------------------------------------------------------------


def _chaffra() -> list[str]:
    executable = shutil.which("chaffra", path=str(Path(sys.executable).parent))
    return [executable] if executable else [sys.executable, "-m", "chaffra_cli"]


@dataclass
class Timing:
    wall: float
    cpu: float


def time_corpus(root: Path, repeat: int, baseline: str | None = None) -> dict[str, Timing]:
    """Median wall and CPU of each command over ``repeat`` interleaved rounds; with
    ``baseline`` (another ``chaffra`` executable, e.g. of the main branch), that one's
    cold and warm runs too, in the same rounds (each with its own cache)."""
    options = ["--telemetry", "off", "--no-progress", "-q", "dead-code", str(root)]
    chaffras = {"chaffra dead-code": [*_chaffra(), *options]}
    if baseline is not None:
        chaffras["baseline dead-code"] = [baseline, *options]
    vulture = shutil.which("vulture", path=str(Path(sys.executable).parent)) or "vulture"
    runs: dict[str, list[tuple[float, float]]] = collections.defaultdict(list)
    with tempfile.TemporaryDirectory() as scratch:
        for round_ in range(repeat):
            print(f"  {root.name}: round {round_ + 1}/{repeat}", file=sys.stderr)
            for index, (name, command) in enumerate(chaffras.items()):
                cache = Path(scratch) / str(index)
                env = child_env(CHAFFRA_CACHE_DIR=str(cache))
                shutil.rmtree(cache, ignore_errors=True)
                for label in (f"{name}, cold", f"{name}, warm"):  # warm: the cold run's cache
                    usage = run_measured(command, env)
                    runs[label].append((usage.wall, usage.cpu))
            usage = run_measured([vulture, str(root)], child_env())
            runs["vulture"].append((usage.wall, usage.cpu))
    return {
        label: Timing(statistics.median(w for w, _ in r), statistics.median(c for _, c in r))
        for label, r in runs.items()
    }


class _Clock:
    """Wall and CPU milliseconds since the last lap."""

    def start(self) -> None:
        self._wall, self._cpu = time.perf_counter(), time.process_time()

    def lap(self) -> tuple[float, float]:
        wall, cpu = time.perf_counter(), time.process_time()
        lap = ((wall - self._wall) * 1000, (cpu - self._cpu) * 1000)
        self._wall, self._cpu = wall, cpu
        return lap


@dataclass
class Update:
    """Median ms to update the index after one edited file (wall and CPU)."""

    edited: str
    summarise: Timing
    combine: Timing
    rebuild: Timing


def time_update(root: Path, repeat: int) -> Update:
    """Median ms to re-summarise one edited file, to recombine the project with a
    module kept from the previous run (watch, the LSP: only that file re-indexed)
    and, for comparison, with a fresh module (the whole index rebuilt)."""
    from chaffra_core import Analyzers, ProjectContext, analyse_bytes
    from chaffra_core.analyzers.dead_code import DeadCodeModule

    module = DeadCodeModule()
    analyzers, _ = Analyzers.build([module], {})
    paths = python_files(root)
    summaries = [
        analyse_bytes(
            p.read_bytes(), path=p.relative_to(root).as_posix(), absolute=p, analyzers=analyzers
        )
        for p in paths
    ]
    sizes = sorted(paths, key=lambda p: p.stat().st_size)
    edited = sizes[len(sizes) // 2]  # a median-sized file
    relative = edited.relative_to(root).as_posix()
    index = next(i for i, s in enumerate(summaries) if s.path == relative)
    project = ProjectContext(root=root, target=root)
    module.combine(summaries, {}, project)
    samples: dict[str, list[tuple[float, float]]] = collections.defaultdict(list)
    clock = _Clock()
    for run in range(repeat):
        data = edited.read_bytes() + f"\n# edit {run}\n".encode()
        clock.start()
        summary = analyse_bytes(data, path=relative, absolute=edited, analyzers=analyzers)
        samples["summarise"].append(clock.lap())
        updated = [*summaries[:index], summary, *summaries[index + 1 :]]
        module.combine(updated, {}, project)
        samples["combine"].append(clock.lap())
        DeadCodeModule().combine(updated, {}, project)
        samples["rebuild"].append(clock.lap())
    medians = {
        label: Timing(statistics.median(w for w, _ in r), statistics.median(c for _, c in r))
        for label, r in samples.items()
    }
    return Update(relative, medians["summarise"], medians["combine"], medians["rebuild"])


# --- report -----------------------------------------------------------------------------------


def render(
    results: Sequence[tuple[str, int, Comparison, dict[str, Timing], Update]],
    context: dict[str, str],
) -> str:
    parts = [
        "## Dead code: `chaffra dead-code` beside vulture",
        "",
        paragraph(
            "Produced by `tools/bench/dead_code.py` (see its docstring for the method);",
            "the hand audit of the findings is in `docs/dead-code.md`.",
            environment_line(["vulture"]),
            f"Load average {context['load']} when the timings started (other sessions share",
            "the machine: wall times stretch with the load, CPU times much less).",
        ),
        "",
        paragraph(
            "Bytecode: compiled. `uv sync --compile-bytecode` compiled the installed",
            f"packages, the script byte-compiled the workspace sources ({context['bytecode']}",
            "chaffra modules with current bytecode), and every command ran without",
            "`PYTHONDONTWRITEBYTECODE`. Medians of",
            f"{context['repeat']} interleaved rounds (cold, warm, vulture).",
            context["baseline"],
        ),
    ]
    for name, files, comparison, timings, update in results:
        parts += ["", f"### {name} ({files} files)", ""]
        rows = [[k, str(v)] for k, v in comparison.counts.items()]
        rows += [
            [k, f"{m} of {t} ({100 * m / t if t else 100:.1f}%)"]
            for k, (m, t) in comparison.matched.items()
        ]
        parts.append(markdown_table(["findings", "count"], rows, align="lr"))
        families = sorted(set().union(*(c.keys() for c in comparison.unique.values())))
        parts += [
            "",
            "Unmatched findings by kind (chaffra at its default confidence, vulture at 60):",
            "",
        ]
        parts.append(
            markdown_table(
                ["kind", *comparison.unique],
                [[f, *(str(c.get(f, 0)) for c in comparison.unique.values())] for f in families],
                align="l" + "r" * len(comparison.unique),
            )
        )
        base = timings["vulture"]
        parts += [""]
        parts.append(
            markdown_table(
                ["command", "wall (s)", "CPU (s)", "CPU vs vulture"],
                [
                    [k, f"{t.wall:.2f}", f"{t.cpu:.2f}", f"{t.cpu / base.cpu:.2f}x"]
                    for k, t in timings.items()
                ],
                align="lrrr",
            )
        )
        total_wall = update.summarise.wall + update.combine.wall
        total_cpu = update.summarise.cpu + update.combine.cpu
        cold = timings["chaffra dead-code, cold"].cpu / base.cpu
        warm = timings["chaffra dead-code, warm"].cpu / base.cpu
        parts += [
            "",
            paragraph(
                f"Goals: cold CPU {cold:.2f}x vulture (goal 0.5x: {_verdict(cold, 0.5)}),",
                f"warm {warm:.2f}x (goal 0.1x: {_verdict(warm, 0.1)}), index update",
                f"{total_cpu:.1f} ms CPU / {total_wall:.1f} ms wall (goal 20 ms:",
                f"{_verdict(total_cpu, 20)} on CPU, {_verdict(total_wall, 20)} on wall).",
            ),
        ]
        parts += [
            "",
            paragraph(
                f"Index update after editing `{update.edited}` (medians, wall / CPU):",
                f"{update.summarise.wall:.1f} / {update.summarise.cpu:.1f} ms to summarise the",
                f"file again plus {update.combine.wall:.1f} / {update.combine.cpu:.1f} ms to",
                f"update the index and report: {total_wall:.1f} / {total_cpu:.1f} ms in all",
                "(goal 20 ms). Rebuilding the index from every summary instead takes",
                f"{update.rebuild.wall:.1f} / {update.rebuild.cpu:.1f} ms.",
            ),
        ]
    parts += ["", paragraph(*WHY)]
    return "\n".join(parts) + "\n"


def _verdict(value: float, goal: float) -> str:
    return "met" if value <= goal else f"missed by {value - goal:.2f}"


WHY = (
    "Why the cold and warm goals are missed (CPU on Django, measured in one process):",
    "a cold run's floor is `ast.parse` of every file (about 0.85 s, a quarter of",
    "vulture's whole run); the engine's shared walk adds about 0.2 s with no visitor at",
    "all (about 0.5 microseconds per node), the dead-code visitor about 0.35 s (a Python",
    "call per name, attribute, constant and call it reads), hashing, suppressions and",
    "line counts 0.1 s, and the parent about 0.5 s: start-up and imports (about 0.3 s,",
    "the security module's among them), the index (0.1 s) and the report. Since the",
    "baseline the walk finds what to do with a node in one lookup and never visits",
    "operators or contexts, and files are analysed with the cyclic collector paused",
    "(workers freeze what they inherit): 9-11% less CPU cold. A warm run reads no file,",
    "but starting the CLI costs about 0.3 s of CPU, already 0.09x of vulture's run on",
    "Django; decoding the cached summaries and building the index take most of the rest.",
    "The per-file half is cached, so the larger the project the smaller both ratios (the",
    "standard library: 0.05x warm). The index update is measured in one process beside",
    "the bench's own data; on a machine whose load average was several times its CPU",
    "count the wall clock stretched about twofold over the CPU time.",
)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--audit", type=int, default=0, metavar="N")
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--write", type=Path, default=None)
    parser.add_argument("--only", choices=["django", "stdlib"], default=None)
    parser.add_argument(
        "--baseline",
        default=None,
        metavar="CHAFFRA",
        help="another chaffra executable (e.g. main's) timed in the same rounds",
    )
    args = parser.parse_args(argv)
    results = []
    become_subreaper()
    fresh, total = compile_bytecode()
    context = {"bytecode": f"{fresh} of {total}", "repeat": str(args.repeat), "baseline": ""}
    if args.baseline:
        context["baseline"] = (
            "The `baseline` rows are another chaffra (`--baseline`, the code before the"
            " change under test) in the same rounds, each with its own cache."
        )
    with tempfile.TemporaryDirectory() as scratch:

        def stdlib() -> Path:
            return stdlib_corpus(Path(scratch))

        corpora = {"Django": django_corpus, "Standard library": stdlib}
        for name, make in corpora.items():
            if args.only and not name.lower().startswith(args.only[:3]):
                continue
            root = make()
            comparison = compare(root)
            if args.audit:
                print_audit(name, root, comparison, args.audit, args.seed)
            context.setdefault("load", ", ".join(f"{v:.1f}" for v in os.getloadavg()))
            timings = time_corpus(root, args.repeat, args.baseline)
            update = time_update(root, max(args.repeat, 5))
            results.append((name, len(python_files(root)), comparison, timings, update))
    report = render(results, context)
    print(report)
    if args.write is not None:
        write_section(args.write, SECTION, report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
