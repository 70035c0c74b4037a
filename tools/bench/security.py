"""Benchmark: ``chaffra security`` against ``bandit -r`` and ``detect-secrets`` on real code.

For each corpus (directories given on the command line, e.g. the unzipped Django wheel's
``django/`` package, and with ``--stdlib`` a copy of this interpreter's standard library,
``.py`` files only, so both tools read exactly the same files) it

1. runs ``chaffra security DIR --format json`` (cold: an empty ``CHAFFRA_CACHE_DIR``,
   ``--telemetry off``) and ``bandit -r DIR -f json``, and matches findings by file and
   line (a bandit line inside a chaffra finding's lines). Per bandit test id it counts
   bandit's HIGH-confidence findings, those chaffra matches, those it leaves out **by
   design** (each with its reason, checked on the syntax tree where the reason is about
   the code: a constant command line, URL or markup) and the misses. Recall is matched /
   (HIGH - narrowed by design); the raw recall over every HIGH finding is printed too.
   Per chaffra ``bandit_id`` it prints how many of its findings bandit also reports on
   that line (agreement, the "precision against bandit");
2. runs ``detect-secrets scan --all-files DIR`` beside chaffra's secret findings;
3. times, interleaved round by round, ``chaffra security`` cold, ``bandit -r``,
   ``detect-secrets scan`` and the ``ast.parse`` floor (every file parsed once, in one
   process, by tools/bench/analyzers.py): medians of wall and of CPU time (user + sys of the whole
   process tree, workers included; tools/bench/analyzers.py's method), as ratios to
   bandit's (and detect-secrets') in the same rounds.

``--audit N`` prints N random unmatched findings of each side with their source line
(chaffra's messages carry secrets only redacted; detect-secrets' values are never
printed). ``--write-docs`` replaces the ``security`` sections of docs/performance.md
and docs/security.md. This is a measurement, not a test: it exits 0.

Usage::

    uv sync --all-packages --group bench --compile-bytecode
    uv run --group bench python tools/bench/security.py DJANGO_DIR --stdlib --write-docs
"""

from __future__ import annotations

import argparse
import ast
import collections
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _report import environment_line, markdown_table, paragraph, write_section
from analyzers import (
    Spec,
    become_subreaper,
    child_env,
    compile_bytecode,
    cpu_model,
    measure_interleaved,
    stdlib_corpus,
)

ROOT = Path(__file__).resolve().parents[2]
SECTION = "security"
_SECRET_RULES = {"security:hardcoded-secret", "security:high-entropy-string"}
CPU_GOAL = 0.15
RECALL_GOAL = 0.90


# --- narrowed by design ----------------------------------------------------------------------


def _constant(node: ast.AST | None) -> bool:
    """A literal (or absent) argument: strings, numbers, containers and f-strings of them."""
    if node is None or isinstance(node, ast.Constant):
        return True
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return all(_constant(e) for e in node.elts)
    if isinstance(node, ast.JoinedStr):
        return all(_constant(v) for v in node.values)
    if isinstance(node, ast.FormattedValue):
        return _constant(node.value)
    if isinstance(node, ast.BinOp):
        return _constant(node.left) and _constant(node.right)
    return False


class Sources:
    """Parsed files of one corpus, each parsed once, for the syntax-tree reasons."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._calls: dict[str, dict[int, list[ast.Call]]] = {}

    def calls_at(self, file: str, line: int) -> list[ast.Call]:
        if file not in self._calls:
            by_line: dict[int, list[ast.Call]] = collections.defaultdict(list)
            try:
                tree = ast.parse((self.root / file).read_bytes())
            except (OSError, SyntaxError, ValueError):
                tree = ast.Module(body=[], type_ignores=[])
            for node in ast.walk(tree):
                if isinstance(node, ast.Call):
                    by_line[node.lineno].append(node)
            self._calls[file] = by_line
        return self._calls[file].get(line, [])

    def constant_first_argument(self, item: Mapping[str, Any]) -> bool:
        calls = self.calls_at(item["file"], item["line_number"])
        return bool(calls) and all(_constant(c.args[0] if c.args else None) for c in calls)


@dataclass(frozen=True)
class Narrowing:
    """A bandit test chaffra reports only in part, the reason, and which findings it leaves."""

    reason: str
    applies: Callable[[Sources, Mapping[str, Any]], bool]


NARROWED: dict[str, Narrowing] = {
    "B101": Narrowing(
        "every `assert`; chaffra reports asserts that check access, outside tests",
        lambda _, __: True,
    ),
    "B311": Narrowing(
        "every `random` call; chaffra reports values named like a secret",
        lambda _, __: True,
    ),
    "B603": Narrowing(
        "a constant command line (chaffra reports other arguments, low)",
        Sources.constant_first_argument,
    ),
    "B308": Narrowing("constant markup", Sources.constant_first_argument),
    "B703": Narrowing("constant markup", Sources.constant_first_argument),
    "B310": Narrowing("a constant URL (or none)", Sources.constant_first_argument),
}


# --- the differential ------------------------------------------------------------------------


def _tool(name: str) -> str:
    sibling = Path(sys.executable).with_name(name)
    return str(sibling) if sibling.is_file() else (shutil.which(name) or name)


def run_chaffra(target: Path) -> list[dict[str, Any]]:
    with tempfile.TemporaryDirectory() as cache:
        env = {**child_env(), "CHAFFRA_CACHE_DIR": cache}
        command = [_tool("chaffra"), "security", ".", "--format", "json", "--telemetry", "off"]
        out = subprocess.run(
            [*command, "--quiet"], cwd=target, capture_output=True, text=True, env=env, check=False
        ).stdout
    findings: list[dict[str, Any]] = json.loads(out)["findings"]
    return findings


def run_bandit(target: Path) -> list[dict[str, Any]]:
    command = [_tool("bandit"), "-r", str(target), "-f", "json", "-q"]
    out = subprocess.run(command, capture_output=True, text=True, check=False).stdout
    results: list[dict[str, Any]] = json.loads(out)["results"]
    for item in results:
        item["file"] = Path(item["filename"]).resolve().relative_to(target.resolve()).as_posix()
    return results


def run_detect_secrets(target: Path) -> list[tuple[str, int, str]]:
    command = [_tool("detect-secrets"), "scan", "--all-files", "."]
    out = subprocess.run(command, cwd=target, capture_output=True, text=True, check=False).stdout
    found = json.loads(out)["results"]
    return [(file, s["line_number"], s["type"]) for file, items in found.items() for s in items]


@dataclass
class TestRow:
    """One bandit test id: its HIGH findings and what became of them."""

    high: int = 0
    matched: int = 0
    narrowed: int = 0
    missed: int = 0


@dataclass
class Differential:
    name: str
    rows: dict[str, TestRow] = field(default_factory=dict)
    agreement: dict[str, tuple[int, int]] = field(default_factory=dict)
    chaffra_sast: int = 0
    chaffra_secrets: int = 0
    bandit_total: int = 0
    detect_secrets: int = 0
    missed_examples: list[str] = field(default_factory=list)

    def total(self, attribute: str) -> int:
        return sum(getattr(row, attribute) for row in self.rows.values())

    @property
    def recall(self) -> float:
        judged = self.total("high") - self.total("narrowed")
        return self.total("matched") / judged if judged else 1.0

    @property
    def raw_recall(self) -> float:
        high = self.total("high")
        return self.total("matched") / high if high else 1.0


def _line(root: Path, file: str, line: int) -> str:
    try:
        lines = (root / file).read_text(encoding="utf-8", errors="replace").split("\n")
        return lines[line - 1].strip()
    except (OSError, IndexError):
        return ""


def compare(name: str, target: Path, audit: int, seed: int) -> Differential:
    ours, theirs = run_chaffra(target), run_bandit(target)
    secrets = run_detect_secrets(target)
    sast = [f for f in ours if f["metadata"].get("bandit_id")]
    covered: set[tuple[str, int]] = set()
    for finding in sast:
        loc = finding["location"]
        covered.update((loc["file"], ln) for ln in range(loc["start_line"], loc["end_line"] + 1))
    bandit_lines = {
        (b["file"], ln) for b in theirs for ln in (b.get("line_range") or [b["line_number"]])
    }

    def matched(item: Mapping[str, Any]) -> bool:
        lines = item.get("line_range") or [item["line_number"]]
        return any((item["file"], line) in covered for line in lines)

    sources = Sources(target)
    result = Differential(name=name, bandit_total=len(theirs), detect_secrets=len(secrets))
    result.chaffra_sast = len(sast)
    result.chaffra_secrets = sum(1 for f in ours if f["rule_id"] in _SECRET_RULES)
    missed = []
    for item in theirs:
        if item["issue_confidence"] != "HIGH":
            continue
        row = result.rows.setdefault(item["test_id"], TestRow())
        row.high += 1
        narrowing = NARROWED.get(item["test_id"])
        if matched(item):
            row.matched += 1
        elif narrowing is not None and narrowing.applies(sources, item):
            row.narrowed += 1
        else:
            row.missed += 1
            missed.append(item)
    by_id: dict[str, list[bool]] = collections.defaultdict(list)
    for finding in sast:
        loc = finding["location"]
        lines = range(loc["start_line"], loc["end_line"] + 1)
        by_id[finding["metadata"]["bandit_id"]].append(
            any((loc["file"], ln) in bandit_lines for ln in lines)
        )
    result.agreement = {k: (sum(v), len(v)) for k, v in sorted(by_id.items())}
    result.missed_examples = [
        f"{b['file']}:{b['line_number']} {b['test_id']} "
        + _line(target, b["file"], b["line_number"])
        for b in missed[:10]
    ]
    if audit:
        _audit(
            target,
            audit=audit,
            seed=seed,
            sast=sast,
            theirs=theirs,
            bandit_lines=bandit_lines,
            matched=matched,
        )
    return result


def _audit(
    target: Path,
    *,
    audit: int,
    seed: int,
    sast: Sequence[Mapping[str, Any]],
    theirs: Sequence[Mapping[str, Any]],
    bandit_lines: set[tuple[str, int]],
    matched: Callable[[Mapping[str, Any]], bool],
) -> None:
    rng = random.Random(seed)
    ours_only = [
        f
        for f in sast
        if not any(
            (f["location"]["file"], ln) in bandit_lines
            for ln in range(f["location"]["start_line"], f["location"]["end_line"] + 1)
        )
    ]
    print(f"\n== {audit} random chaffra-only findings ({target}) ==")
    for f in rng.sample(ours_only, min(audit, len(ours_only))):
        loc = f["location"]
        print(f"{loc['file']}:{loc['start_line']} {f['rule_id']} {f['message']}")
        print(f"    {_line(target, loc['file'], loc['start_line'])}")
    missed = [b for b in theirs if not matched(b)]
    print(f"\n== {audit} random bandit-only findings ({target}) ==")
    for b in rng.sample(missed, min(audit, len(missed))):
        print(f"{b['file']}:{b['line_number']} {b['test_id']} {b['issue_confidence']}")
        print(f"    {_line(target, b['file'], b['line_number'])}")


# --- timing ----------------------------------------------------------------------------------


def time_corpus(target: Path, scratch: Path, repeat: int) -> dict[str, Spec]:
    cache = scratch / f"cache-{target.name}"
    env = child_env()
    floor_args = ["--floor", "parse", str(target)]
    chaffra = [_tool("chaffra"), "security", str(target), "--telemetry", "off", "-q"]
    specs = [
        Spec(
            "chaffra",
            "`chaffra security --telemetry off`, cold",
            chaffra,
            child_env(CHAFFRA_CACHE_DIR=str(cache)),
            before=lambda: shutil.rmtree(cache, ignore_errors=True),
        ),
        Spec("bandit", "`bandit -r -q`", [_tool("bandit"), "-r", "-q", str(target)], env),
        Spec(
            "detect_secrets",
            "`detect-secrets scan --all-files`",
            # From inside the corpus, as in the differential: given the stdlib copy's path
            # from outside, detect-secrets 1.5 returned in 0.3 s having scanned nothing.
            ["env", "-C", str(target), _tool("detect-secrets"), "scan", "--all-files", "."],
            env,
        ),
        Spec(
            "parse",
            "`ast.parse` floor (one process)",
            [sys.executable, str(Path(__file__).with_name("analyzers.py")), *floor_args],
            env,
        ),
    ]
    measure_interleaved(specs, repeat)
    return {s.key: s for s in specs}


# --- report ----------------------------------------------------------------------------------


def _pct(value: float) -> str:
    return f"{100 * value:.1f}%"


def differential_table(result: Differential) -> str:
    rows = []
    for test_id, row in sorted(result.rows.items(), key=lambda kv: (-kv[1].high, kv[0])):
        judged = row.high - row.narrowed
        reason = NARROWED[test_id].reason if row.narrowed else ""
        rows.append(
            [
                test_id,
                str(row.high),
                str(row.matched),
                f"{row.narrowed} ({reason})" if row.narrowed else "0",
                str(row.missed),
                _pct(row.matched / judged) if judged else "-",
            ]
        )
    rows.append(
        [
            "**all**",
            str(result.total("high")),
            str(result.total("matched")),
            str(result.total("narrowed")),
            str(result.total("missed")),
            f"**{_pct(result.recall)}** (raw {_pct(result.raw_recall)})",
        ]
    )
    header = ["bandit test", "HIGH", "matched", "narrowed by design", "missed", "recall"]
    return markdown_table(header, rows, align="lrrlrr")


def agreement_table(result: Differential) -> str:
    rows = [
        [test_id, str(total), str(agree), _pct(agree / total)]
        for test_id, (agree, total) in result.agreement.items()
    ]
    header = ["chaffra `bandit_id`", "findings", "bandit on the line", "agreement"]
    return markdown_table(header, rows, align="lrrr")


def timing_table(specs: Mapping[str, Spec]) -> str:
    bandit, secrets = specs["bandit"], specs["detect_secrets"]
    rows = [
        [
            spec.label,
            f"{spec.wall:.2f}",
            f"{spec.cpu:.2f}",
            f"{spec.wall / bandit.wall:.2f}x",
            f"{spec.cpu / bandit.cpu:.2f}x",
            f"{spec.cpu / secrets.cpu:.2f}x",
        ]
        for spec in specs.values()
    ]
    header = ["Command", "Wall s", "CPU s", "Wall vs bandit", "CPU vs bandit", "CPU vs d-s"]
    return markdown_table(header, rows, align="lrrrrr")


def render(
    results: Sequence[tuple[Differential, Mapping[str, Spec]]],
    repeat: int,
    context: Mapping[str, str],
) -> tuple[str, str]:
    """(the docs/performance.md section, the docs/security.md section)."""
    intro = [
        environment_line(["bandit", "detect-secrets"]),
        f"CPU: {context['cpu']}. One-minute load average {context['load_before']} before and "
        f"{context['load_after']} after. Bytecode: {context['bytecode']} chaffra modules "
        f"byte-compiled before measuring; `PYTHONDONTWRITEBYTECODE` removed from the commands' "
        "environment.",
        "",
        paragraph(
            f"Method: every command is a subprocess; median of {repeat} interleaved rounds.",
            "CPU is user + sys of the whole process tree (tools/bench/analyzers.py's method:",
            "`os.wait4`, `getrusage(RUSAGE_CHILDREN)`, the benchmark a child subreaper).",
            "chaffra runs cold: an emptied `CHAFFRA_CACHE_DIR` before each run.",
        ),
        "",
        "Command: `uv run --group bench python tools/bench/security.py DJANGO_DIR --stdlib "
        "--write-docs`",
    ]
    perf = ["## Security: `chaffra security` beside bandit and detect-secrets", "", *intro]
    security = ["## Against the peers (`tools/bench/security.py`)", "", *intro]
    goals = []
    for diff, specs in results:
        ratio = specs["chaffra"].cpu / specs["bandit"].cpu
        floor = specs["parse"].cpu
        perf += [
            "",
            f"### {diff.name}",
            "",
            timing_table(specs),
            "",
            paragraph(
                f"chaffra's CPU is {specs['chaffra'].cpu / floor:.2f}x the `ast.parse` floor;",
                f"the floor alone is {floor / specs['bandit'].cpu:.2f}x bandit's CPU.",
            ),
        ]
        goals.append([f"{diff.name}: CPU vs bandit", f"{ratio:.2f}x", f"<= {CPU_GOAL}x"])
        goals[-1].append("met" if ratio <= CPU_GOAL else "MISSED")
        goals.append([f"{diff.name}: recall of HIGH", _pct(diff.recall), _pct(RECALL_GOAL)])
        goals[-1].append("met" if diff.recall >= RECALL_GOAL else "MISSED")
        security += [
            "",
            f"### {diff.name}",
            "",
            paragraph(
                f"bandit: {diff.bandit_total} findings, {diff.total('high')} HIGH confidence;",
                f"chaffra: {diff.chaffra_sast} SAST findings, {diff.chaffra_secrets} secrets",
                f"(detect-secrets: {diff.detect_secrets}).",
            ),
            "",
            differential_table(diff),
            "",
            agreement_table(diff),
        ]
    table = markdown_table(["Goal", "Measured (median)", "Target", "Result"], goals, align="lrrc")
    perf += ["", table]
    security += ["", table]
    return "\n".join(perf), "\n".join(security)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("targets", nargs="*", type=Path, help="corpus directories")
    parser.add_argument("--stdlib", action="store_true", help="also a copy of the stdlib")
    parser.add_argument("--repeat", type=int, default=3, help="timed rounds (>= 3)")
    parser.add_argument("--no-timing", action="store_true", help="the differential only")
    parser.add_argument("--audit", type=int, default=0, help="random unmatched findings to print")
    parser.add_argument("--seed", type=int, default=12)
    parser.add_argument("--write-docs", action="store_true", help="update the docs' sections")
    args = parser.parse_args(argv)
    if not become_subreaper():
        print("warning: not a subreaper; orphaned workers' CPU is not counted", file=sys.stderr)
    fresh, total = compile_bytecode()
    context = {
        "cpu": cpu_model(),
        "load_before": f"{os.getloadavg()[0]:.2f}",
        "bytecode": f"{fresh}/{total}",
    }
    results = []
    with tempfile.TemporaryDirectory(prefix="chaffra-bench-") as temporary:
        scratch = Path(temporary)
        corpora = [(t.resolve().name, t.resolve()) for t in args.targets]
        if args.stdlib:
            stdlib = stdlib_corpus(scratch)
            corpora.append((stdlib.name, stdlib))
        for name, target in corpora:
            print(f"differential on {name} ...", file=sys.stderr)
            diff = compare(name, target, args.audit, args.seed)
            print(differential_table(diff))
            print(agreement_table(diff))
            print("\n".join(diff.missed_examples))
            specs = {} if args.no_timing else time_corpus(target, scratch, max(3, args.repeat))
            results.append((diff, specs))
    if args.no_timing:
        return 0
    context["load_after"] = f"{os.getloadavg()[0]:.2f}"
    perf, security = render(results, max(3, args.repeat), context)
    print(perf)
    if args.write_docs:
        write_section(ROOT / "docs" / "performance.md", SECTION, perf)
        write_section(ROOT / "docs" / "security.md", SECTION, security)
    return 0


if __name__ == "__main__":
    sys.exit(main())
