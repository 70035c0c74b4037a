"""Benchmark: ``chaffra security`` against ``bandit -r`` and ``detect-secrets`` on real code.

For each target directory (the Django wheel's ``django/`` package, the stdlib)
it runs, cold (a fresh result cache, ``--telemetry off``):

1. ``chaffra security DIR --format json`` and ``bandit -r DIR -f json``, and
   matches findings by file and line (a bandit line inside a chaffra finding's
   line range): recall of bandit's HIGH-confidence findings, overall and over
   the bandit tests chaffra maps (its ``bandit_id`` metadata), and each side's
   unmatched findings counted by rule / test id;
2. ``detect-secrets scan --all-files DIR`` beside chaffra's secret findings;
3. CPU time (user + system of the child process) of each command.

``--audit N`` prints N random unmatched findings of each side with their source
line, for a hand audit. This is a measurement, not a test: it exits 0.

Usage::

    uv run --group bench python tools/bench/security.py DIR [DIR ...] [--audit 40]
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

_SECRET_RULES = {"security:hardcoded-secret", "security:high-entropy-string"}


def _timed(command: list[str], env: dict[str, str] | None = None) -> tuple[str, float, float]:
    """stdout, wall seconds and CPU seconds (user + system) of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return result.stdout, wall, cpu


def _tool(name: str) -> str:
    sibling = Path(sys.executable).with_name(name)
    return str(sibling) if sibling.is_file() else (shutil.which(name) or name)


def run_chaffra(target: Path) -> tuple[list[dict[str, Any]], float, float]:
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "CHAFFRA_CACHE_DIR": cache}
        out, wall, cpu = _timed(
            [
                _tool("chaffra"),
                "security",
                str(target),
                "--format",
                "json",
                "--telemetry",
                "off",
                "--quiet",
            ],
            env,
        )
    return json.loads(out)["findings"], wall, cpu


def run_bandit(target: Path) -> tuple[list[dict[str, Any]], float, float]:
    out, wall, cpu = _timed([_tool("bandit"), "-r", str(target), "-f", "json", "-q"])
    results = json.loads(out)["results"]
    for item in results:
        item["file"] = Path(item["filename"]).resolve().relative_to(target.resolve()).as_posix()
    return results, wall, cpu


def run_detect_secrets(target: Path) -> tuple[int, float, float]:
    out, wall, cpu = _timed([_tool("detect-secrets"), "scan", "--all-files", str(target)])
    found = json.loads(out)["results"]
    return sum(len(v) for v in found.values()), wall, cpu


def _line(root: Path, file: str, line: int) -> str:
    try:
        return (
            (root / file)
            .read_text(encoding="utf-8", errors="replace")
            .split("\n")[line - 1]
            .strip()
        )
    except (OSError, IndexError):
        return ""


def compare(target: Path, audit: int, seed: int) -> dict[str, Any]:
    ours, our_wall, our_cpu = run_chaffra(target)
    theirs, bandit_wall, bandit_cpu = run_bandit(target)
    secrets, ds_wall, ds_cpu = run_detect_secrets(target)
    sast = [f for f in ours if f["metadata"].get("bandit_id") is not None]
    covered: dict[tuple[str, int], list[dict[str, Any]]] = collections.defaultdict(list)
    for finding in sast:
        loc = finding["location"]
        for line in range(loc["start_line"], loc["end_line"] + 1):
            covered[(loc["file"], line)].append(finding)
    mapped = {f["metadata"]["bandit_id"] for f in sast} | {
        "B101",
        "B102",
        "B104",
        "B105",
        "B106",
        "B107",
        "B201",
        "B202",
        "B301",
        "B302",
        "B303",
        "B304",
        "B305",
        "B306",
        "B307",
        "B308",
        "B310",
        "B311",
        "B313",
        "B314",
        "B315",
        "B316",
        "B317",
        "B318",
        "B319",
        "B320",
        "B323",
        "B324",
        "B501",
        "B502",
        "B503",
        "B504",
        "B506",
        "B602",
        "B603",
        "B604",
        "B605",
        "B606",
        "B608",
        "B610",
        "B611",
        "B701",
        "B703",
        "B704",
    }

    def matched(item: dict[str, Any]) -> bool:
        lines = item.get("line_range") or [item["line_number"]]
        return any((item["file"], line) in covered for line in lines)

    high = [b for b in theirs if b["issue_confidence"] == "HIGH"]
    high_mapped = [b for b in high if b["test_id"] in mapped]
    bandit_lines = {
        (b["file"], ln) for b in theirs for ln in (b.get("line_range") or [b["line_number"]])
    }
    our_unique = [
        f
        for f in sast
        if not any(
            (f["location"]["file"], ln) in bandit_lines
            for ln in range(f["location"]["start_line"], f["location"]["end_line"] + 1)
        )
    ]
    report = {
        "target": str(target),
        "chaffra": {
            "findings": len(ours),
            "sast": len(sast),
            "wall_s": our_wall,
            "cpu_s": our_cpu,
            "secrets": sum(1 for f in ours if f["rule_id"] in _SECRET_RULES),
        },
        "bandit": {
            "findings": len(theirs),
            "high": len(high),
            "wall_s": bandit_wall,
            "cpu_s": bandit_cpu,
        },
        "detect_secrets": {"findings": secrets, "wall_s": ds_wall, "cpu_s": ds_cpu},
        "recall_high": sum(map(matched, high)) / len(high) if high else 1.0,
        "recall_high_mapped": sum(map(matched, high_mapped)) / len(high_mapped)
        if high_mapped
        else 1.0,
        "bandit_unmatched_high_by_test": dict(
            collections.Counter(b["test_id"] for b in high if not matched(b)).most_common()
        ),
        "chaffra_unique_by_rule": dict(
            collections.Counter(f["rule_id"] for f in our_unique).most_common()
        ),
        "cpu_ratio_vs_bandit": our_cpu / bandit_cpu if bandit_cpu else None,
    }
    if audit:
        rng = random.Random(seed)
        print(f"\n== audit: {audit} random chaffra-only findings ({target}) ==")
        for f in rng.sample(our_unique, min(audit, len(our_unique))):
            loc = f["location"]
            print(
                f"{loc['file']}:{loc['start_line']} {f['rule_id']} {f['message']}\n    "
                f"{_line(target, loc['file'], loc['start_line'])}"
            )
        missed = [b for b in theirs if not matched(b)]
        print(f"\n== audit: {audit} random bandit-only findings ({target}) ==")
        for b in rng.sample(missed, min(audit, len(missed))):
            print(
                f"{b['file']}:{b['line_number']} {b['test_id']} {b['issue_confidence']} "
                f"{b['issue_text']}\n    {_line(target, b['file'], b['line_number'])}"
            )
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="+", type=Path)
    parser.add_argument("--audit", type=int, default=0, help="random unmatched findings to print")
    parser.add_argument("--seed", type=int, default=12)
    args = parser.parse_args(argv)
    reports = [compare(target, args.audit, args.seed) for target in args.targets]
    print(json.dumps(reports, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
