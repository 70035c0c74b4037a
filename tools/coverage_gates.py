"""Enforce the repository's three coverage gates on combined coverage data.

1. overall: line + branch coverage of everything measured >= ``overall``;
2. trust boundary: every file listed in ``trust_boundary`` has 100% line and
   branch coverage; a listed file that does not exist or was never measured fails;
3. changed lines: ``diff-cover`` finds >= ``changed_lines`` percent of the lines
   changed since the base commit covered. The base is the merge-base of
   ``origin/main`` and HEAD when ``origin/main`` exists and is not HEAD, else
   ``HEAD~1``, else there is no base and the gate passes.

The thresholds and the trust-boundary list live in ``tools/coverage-policy.toml``.
Usage (the nox ``coverage`` session)::

    python tools/coverage_gates.py --data .nox-coverage/.coverage

Exit status: 0 when every gate passes, 1 when any gate fails, 2 on a usage error
(missing data file, unreadable policy).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - the tool runs on 3.11+
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

DEFAULT_ROOT = Path(__file__).resolve().parent.parent
POLICY_PATH = PurePosixPath("tools/coverage-policy.toml")
NO_BASE_NOTE = "no base commit: nothing to compare"


class UsageError(Exception):
    """A problem with the tool's inputs rather than with coverage (exit status 2)."""


@dataclass(frozen=True)
class Policy:
    """The thresholds and trust-boundary files read from the policy file."""

    overall: float
    changed_lines: float
    trust_boundary: tuple[str, ...]


@dataclass(frozen=True)
class Base:
    """The commit that changed lines are measured against, and how it was chosen."""

    sha: str
    reason: str


@dataclass(frozen=True)
class GateResult:
    """The outcome of one gate: one summary-table row plus the failure details."""

    name: str
    required: str
    measured: str
    passed: bool
    problems: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    report: str = ""


def load_policy(path: Path) -> Policy:
    """Read and validate the policy file; raise UsageError if it is malformed."""
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise UsageError(f"cannot read coverage policy {path}: {exc}") from exc

    def threshold(key: str) -> float:
        value = raw.get(key)
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 100:
            raise UsageError(f"{path}: {key!r} must be a number from 0 to 100, got {value!r}")
        return float(value)

    files = raw.get("trust_boundary", [])
    if not isinstance(files, list) or not all(isinstance(f, str) for f in files):
        raise UsageError(f"{path}: 'trust_boundary' must be a list of paths")
    return Policy(threshold("overall"), threshold("changed_lines"), tuple(files))


def run(args: Sequence[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run a command in ``cwd`` and capture its output; never raise on failure."""
    return subprocess.run(list(args), cwd=cwd, capture_output=True, text=True, check=False)


def git(root: Path, *args: str) -> str | None:
    """Return the stripped output of a git command, or None if it failed."""
    try:
        result = run(["git", *args], root)
    except OSError:  # git is not installed
        return None
    return result.stdout.strip() if result.returncode == 0 else None


def select_base(root: Path) -> Base | None:
    """Choose the commit to diff against: origin/main's merge-base, else HEAD~1, else None."""
    head = git(root, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    if head is None:
        return None
    origin = git(root, "rev-parse", "--verify", "--quiet", "origin/main^{commit}")
    if origin is not None and origin != head:
        merge_base = git(root, "merge-base", origin, head)
        if merge_base:
            return Base(merge_base, "merge-base of origin/main and HEAD")
    parent = git(root, "rev-parse", "--verify", "--quiet", "HEAD~1^{commit}")
    if parent is not None:
        return Base(parent, "HEAD~1")
    return None


def coverage_json(root: Path, data: Path, workdir: Path) -> dict[str, Any]:
    """Run ``coverage json`` on the data file and return the parsed report."""
    out = workdir / "coverage.json"
    result = run(
        [sys.executable, "-m", "coverage", "json", f"--data-file={data}", "-o", str(out),
         "--fail-under=0", "--quiet"],
        root,
    )  # fmt: skip
    if result.returncode != 0:
        raise UsageError(f"coverage json failed: {(result.stderr or result.stdout).strip()}")
    report: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    return report


def relative_files(root: Path, report: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Map each measured file, as a POSIX path relative to ``root``, to its report entry."""
    resolved_root = root.resolve()
    files: dict[str, dict[str, Any]] = {}
    for name, entry in report["files"].items():
        path = Path(name)
        if path.is_absolute() and path.resolve().is_relative_to(resolved_root):
            path = path.resolve().relative_to(resolved_root)
        files[path.as_posix()] = entry
    return files


def line_ranges(lines: Sequence[int]) -> str:
    """Compress sorted line numbers into ranges: ``[1, 2, 3, 7]`` -> ``"1-3, 7"``."""
    spans: list[list[int]] = []
    for line in lines:
        if spans and line == spans[-1][1] + 1:
            spans[-1][1] = line
        else:
            spans.append([line, line])
    return ", ".join(str(a) if a == b else f"{a}-{b}" for a, b in spans)


def overall_gate(report: dict[str, Any], threshold: float) -> GateResult:
    """Gate 1: combined line + branch coverage of everything measured."""
    totals = report["totals"]
    percent = float(totals["percent_covered"])
    problems: tuple[str, ...] = ()
    if totals["num_statements"] == 0:
        problems = ("no measured statements: the coverage data is empty",)
    elif percent < threshold:
        problems = (f"overall coverage {percent:.2f}% is below the required {threshold:g}%",)
    return GateResult("overall", f"{threshold:g}%", f"{percent:.2f}%", not problems, problems)


def trust_boundary_gate(root: Path, files: dict[str, dict[str, Any]], policy: Policy) -> GateResult:
    """Gate 2: 100% line and branch coverage of every file the policy lists."""
    problems: list[str] = []
    for listed in policy.trust_boundary:
        name = PurePosixPath(listed).as_posix()
        entry = files.get(name)
        if not (root / name).is_file():
            problems.append(f"{name}: listed in {POLICY_PATH} but does not exist")
        elif entry is None:
            problems.append(f"{name}: no coverage data (never imported by any test?)")
        elif entry["missing_lines"] or entry.get("missing_branches"):
            gaps = (
                [f"lines {line_ranges(entry['missing_lines'])}"] if entry["missing_lines"] else []
            )
            if entry.get("missing_branches"):
                arcs = ", ".join(f"{a}->{b}" for a, b in entry["missing_branches"])
                gaps.append(f"branches {arcs}")
            percent = entry["summary"]["percent_covered"]
            problems.append(f"{name}: {percent:.2f}% covered, missing {'; '.join(gaps)}")
    total = len(policy.trust_boundary)
    measured = f"{total - len(problems)}/{total} files at 100%"
    return GateResult("trust boundary", "100%", measured, not problems, tuple(problems))


def changed_lines_gate(root: Path, data: Path, threshold: float, workdir: Path) -> GateResult:
    """Gate 3: diff-cover's share of covered changed lines since the base commit."""
    required = f"{threshold:g}%"
    base = select_base(root)
    if base is None:
        return GateResult("changed lines", required, "n/a", True, notes=(NO_BASE_NOTE,))
    xml = workdir / "coverage.xml"
    made = run(
        [sys.executable, "-m", "coverage", "xml", f"--data-file={data}", "-o", str(xml),
         "--fail-under=0", "--quiet"],
        root,
    )  # fmt: skip
    if made.returncode != 0:
        problem = f"coverage xml failed: {(made.stderr or made.stdout).strip()}"
        return GateResult("changed lines", required, "error", False, (problem,))
    report_path = workdir / "diff-cover.json"
    diff = run(
        [sys.executable, "-m", "diff_cover.diff_cover_tool", str(xml),
         f"--compare-branch={base.sha}", f"--fail-under={threshold:g}",
         "--total-percent-float", f"--format=json:{report_path}"],
        root,
    )  # fmt: skip
    against = f"against {base.sha[:12]} ({base.reason})"
    notes: tuple[str, ...] = (against,)
    output = (diff.stdout + diff.stderr).strip()
    if not report_path.is_file():
        problem = f"diff-cover failed (exit {diff.returncode})"
        return GateResult("changed lines", required, "error", False, (problem,), notes, output)
    report = json.loads(report_path.read_text(encoding="utf-8"))
    lines = int(report["total_num_lines"])
    percent = float(report["total_percent_covered"])  # 100 when no line has coverage data
    measured = f"{percent:.2f}% of {lines} lines"
    if lines == 0:
        measured = "0 lines"
        notes = (*notes, "the diff changes no measured Python lines")
    problems: tuple[str, ...] = ()
    if diff.returncode != 0 or percent < threshold:
        missing = [
            f"{src}: lines {line_ranges(stats['violation_lines'])}"
            for src, stats in report["src_stats"].items()
            if stats["violation_lines"]
        ]
        problems = (
            f"{percent:.2f}% of changed lines covered, {against}; required {required}",
            *missing,
        )
    return GateResult("changed lines", required, measured, not problems, problems, notes, output)


def render(results: Sequence[GateResult]) -> str:
    """Format the details of each gate followed by the summary table."""
    out: list[str] = []
    for result in results:
        for note in result.notes:
            out.append(f"[{result.name}] {note}")
        out.extend(f"    {line}".rstrip() for line in result.report.splitlines())
        for problem in result.problems:
            out.append(f"[{result.name}] FAIL: {problem}")
    rows = [("gate", "required", "measured", "result")] + [
        (r.name, r.required, r.measured, "PASS" if r.passed else "FAIL") for r in results
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    out.append("")
    out.append("Coverage gates")
    for row in rows:
        out.append(
            "  " + "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        )
    return "\n".join(out)


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    """Parse the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument(
        "--data",
        type=Path,
        default=Path(os.environ.get("COVERAGE_FILE", ".coverage")),
        help="combined coverage data file (default: $COVERAGE_FILE or .coverage)",
    )
    parser.add_argument(
        "--root",
        type=Path,
        default=DEFAULT_ROOT,
        help="repository root, the git top-level (default: the repository holding this script)",
    )
    parser.add_argument(
        "--policy",
        type=Path,
        default=None,
        help=f"policy file (default: <root>/{POLICY_PATH})",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Evaluate all three gates, print the summary and return the exit status."""
    args = parse_args(argv)
    root: Path = args.root.resolve()
    data: Path = args.data.resolve()
    try:
        policy = load_policy(args.policy or root / POLICY_PATH)
        if not data.is_file():
            raise UsageError(f"coverage data file {data} does not exist")
        with tempfile.TemporaryDirectory(prefix="coverage-gates-") as tmp:
            workdir = Path(tmp)
            report = coverage_json(root, data, workdir)
            results = [
                overall_gate(report, policy.overall),
                trust_boundary_gate(root, relative_files(root, report), policy),
                changed_lines_gate(root, data, policy.changed_lines, workdir),
            ]
    except UsageError as exc:
        print(f"coverage gates: error: {exc}", file=sys.stderr)
        return 2
    print(render(results))
    failed = [r.name for r in results if not r.passed]
    if failed:
        print(f"\nFAILED: coverage gate(s) not met: {', '.join(failed)}", file=sys.stderr)
        return 1
    print("\nAll coverage gates passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
