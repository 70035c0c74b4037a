"""Calibration: the health score of real published projects under models 2 and 1.

Downloads each project's wheel (``pip download --no-deps``, pinned, cached under
the temporary directory), unzips it and runs ``chaffra health`` on its packages
in process, every analyzer on and telemetry off, once with the default model 2
and once with ``[health] model = 1``; the standard library of this interpreter
is scored in place. It prints one row per project: files, source lines, both
scores, and the top contributor under model 2, then the spread of grades
(docs/health.md: the grades must spread over at least three letters).

This is a measurement, not a test: the exit status is 0 whatever the spread.

Usage::

    uv run python tools/bench/health_calibration.py [--only django,attrs]
        [--write docs/health.md]
"""

from __future__ import annotations

import argparse
import collections
import io
import shutil
import subprocess
import sys
import sysconfig
import tempfile
import zipfile
from pathlib import Path

from _report import environment_line, markdown_table, paragraph, write_section

from chaffra_core import CliOverrides, ProjectHealth, resolve_effective_config, run_analysis

SECTION = "health-calibration"
CACHE = Path(tempfile.gettempdir()) / "chaffra-health-calibration"
PROJECTS = {
    "django": "django==5.1",
    "requests": "requests==2.34.2",
    "rich": "rich==15.0.0",
    "flask": "flask==3.1.3",
    "attrs": "attrs==26.1.0",
    "click": "click==8.5.1",
    "pip": "pip==26.3",
    "httpx": "httpx==0.29.0",
    "sqlalchemy": "sqlalchemy==2.1.9",
    "black": "black==26.10.1",
}
STDLIB = "stdlib"


def _pip() -> list[str]:
    """``python -m pip``, or pip run by uv when this environment has none (uv venvs)."""
    probe = subprocess.run(
        [sys.executable, "-m", "pip", "--version"], capture_output=True, check=False
    )
    if probe.returncode == 0:
        return [sys.executable, "-m", "pip"]
    uv = shutil.which("uv")
    if uv is None:
        raise SystemExit("pip is not installed and uv is not on PATH: cannot download wheels")
    return [uv, "run", "--no-project", "--isolated", "--with", "pip", "python", "-m", "pip"]


def corpus(name: str) -> Path:
    """The unzipped wheel of project ``name`` (downloaded once), or the standard library."""
    if name == STDLIB:
        return Path(sysconfig.get_paths()["stdlib"])
    requirement = PROJECTS[name]
    wheels = CACHE / "wheels" / name
    found = sorted(wheels.glob("*.whl"))
    if not found:
        wheels.mkdir(parents=True, exist_ok=True)
        command = [*_pip(), "download", "-q", requirement, "--no-deps"]
        command += ["--only-binary", ":all:"]
        subprocess.run([*command, "-d", str(wheels)], check=True)
        found = sorted(wheels.glob("*.whl"))
    target = CACHE / "src" / found[-1].stem
    if not target.is_dir():
        with zipfile.ZipFile(found[-1]) as archive:
            archive.extractall(target)
        for metadata in target.glob("*.dist-info"):
            shutil.rmtree(metadata)
    return target


def score(root: Path, model: int) -> tuple[ProjectHealth, int]:
    """The project health of ``root`` under ``model`` and the number of findings."""
    config_file = CACHE / f"model-{model}.toml"
    config_file.parent.mkdir(parents=True, exist_ok=True)
    config_file.write_text(f"[health]\nmodel = {model}\n", encoding="utf-8")
    config = resolve_effective_config(root, config_file, CliOverrides(telemetry="off"))
    result = run_analysis(config, command="health", churn=False, stderr=io.StringIO())
    if result.health is None:
        raise SystemExit(f"{root}: no health (the complexity module did not run)")
    return result.health, len(result.findings)


def _shown(health: ProjectHealth) -> str:
    return "not graded" if health.score is None else f"{health.score:.1f} ({health.grade})"


def _top(health: ProjectHealth) -> str:
    if not health.contributors:
        return "—"
    top = health.contributors[0]
    what = top.rule_id if top.kind == "rule" else f"{top.file}: {top.symbol}"
    return f"`{what}` -{top.cost:.1f}: {top.detail}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="comma-separated project names (default: all)")
    parser.add_argument("--write", type=Path, help="write the table into this markdown file")
    arguments = parser.parse_args()
    names = [*PROJECTS, STDLIB]
    if arguments.only:
        names = [n for n in names if n in arguments.only.split(",")]
    rows = []
    grades: collections.Counter[str] = collections.Counter()
    for name in names:
        root = corpus(name)
        two, findings = score(root, 2)
        one, _ = score(root, 1)
        grades[str(two.grade or "—")] += 1
        lines = sum(f.lines for f in two.files)
        label = PROJECTS.get(name, f"{STDLIB} {sys.version_info.major}.{sys.version_info.minor}")
        row = [
            label,
            f"{two.total_files:,}",
            f"{lines:,}",
            f"{findings:,}",
            _shown(two),
            _shown(one),
            _top(two),
        ]
        print(" | ".join(row), flush=True)
        rows.append(row)
    spread = ", ".join(f"{grade} x{count}" for grade, count in sorted(grades.items()))
    table = markdown_table(
        ["Project", "Files", "Source lines", "Findings", "Model 2", "Model 1", "Top contributor"],
        rows,
        align="lrrrrrl",
    )
    summary = paragraph(
        f"Grades under model 2: {spread} ({len(grades)} letters).",
        environment_line(["chaffra-core"]),
    )
    print(summary)
    if arguments.write is not None:
        write_section(arguments.write, SECTION, f"{table}\n\n{summary}\n")


if __name__ == "__main__":
    main()
