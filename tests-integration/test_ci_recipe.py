"""The CI recipes of docs/ci.md, run step by step with the real ``chaffra`` as the CI
systems would: a step runs when its ``if`` holds (by default only while nothing has
failed), a failing step without ``continue-on-error`` fails the job, GitLab stops its
script at the first failing line and keeps ``artifacts: when: always``."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs
import pytest

yaml = pytest.importorskip("yaml")

REPO = Path(__file__).resolve().parents[1]
TIMEOUT = 120
_BLOCK = re.compile(r"```yaml\n(.*?)```", re.S)
_EXPRESSION = re.compile(r"\$\{\{[^}]*\}\}")


def _complex(name: str) -> str:
    """A function of cyclomatic complexity 13: above the default threshold of 10."""
    branches = "".join(f"    if x == {i}:\n        return {i}\n" for i in range(12))
    return f"def {name}(x):\n{branches}    return -1\n"


def _recipes() -> list[dict[str, Any]]:
    text = (REPO / "docs" / "ci.md").read_text(encoding="utf-8")
    return [yaml.safe_load(block) for block in _BLOCK.findall(text)]


def _github_steps() -> list[dict[str, Any]]:
    (workflow,) = [r for r in _recipes() if "jobs" in r]
    steps: list[dict[str, Any]] = workflow["jobs"]["chaffra"]["steps"]
    return steps


def _gitlab_job() -> dict[str, Any]:
    (recipe,) = [r for r in _recipes() if "chaffra" in r and "script" in r["chaffra"]]
    job: dict[str, Any] = recipe["chaffra"]
    return job


@pytest.fixture
def tools(tmp_path: Path) -> Path:
    """A PATH directory whose ``chaffra`` is the real one and whose ``gh`` records its
    arguments and the comment body it would post."""
    directory = tmp_path / "bin"
    directory.mkdir()
    found = Path(sys.executable).with_name("chaffra")
    chaffra = (
        f'exec "{found}" "$@"'
        if found.is_file()
        else f'exec "{sys.executable}" -m chaffra_cli "$@"'
    )
    gh = "\n".join(  # gh api ... -F body=@FILE, or gh pr comment ... --body-file FILE
        (
            'echo "$@" >> "$GH_LOG"',
            'prev=""',
            'for a in "$@"; do',
            '  case "$a" in body=@*) cat "${a#body=@}" >> "$GH_LOG";; esac',
            '  [ "$prev" = --body-file ] && cat "$a" >> "$GH_LOG"',
            '  prev="$a"',
            "done",
            "exit 0",
        )
    )
    for name, body in {"chaffra": chaffra, "gh": gh}.items():
        script = directory / name
        script.write_text(f"#!/bin/sh\n{body}\n", encoding="utf-8")
        script.chmod(0o755)
    return directory


@pytest.fixture
def checkout(tmp_path: Path, tools: Path) -> Path:
    """A repository whose committed baseline accepts its one complex function."""
    root = tmp_path / "checkout"
    (root / "src").mkdir(parents=True)
    (root / "src" / "old.py").write_text(_complex("old"), encoding="utf-8")
    git = shutil.which("git")
    assert git is not None
    for command in (["init", "-q"], ["add", "-A"], ["commit", "-qm", "init"]):
        subprocess.run(
            [git, "-c", "user.name=t", "-c", "user.email=t@t", *command], cwd=root, check=True
        )
    done = _shell("chaffra baseline . --telemetry off", root, tools)
    assert 0 == done.returncode, done.stderr
    return root


def _shell(command: str, cwd: Path, tools: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PATH": f"{tools}{os.pathsep}{os.environ['PATH']}"}
    env["GH_LOG"] = str(tools / "gh.log")
    return subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", command],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


_STATUS: Mapping[str, Callable[[bool], bool]] = {
    "success()": lambda failed: not failed,
    "failure()": lambda failed: failed,
    "always()": lambda failed: True,
}


@attrs.frozen(kw_only=True)
class Step:
    name: str
    ran: bool
    code: int = 0
    tolerated: bool = False


def _github_job(checkout: Path, tools: Path, event: str) -> tuple[list[Step], bool]:
    """Each step's fate on ``event`` and whether the job failed."""
    known = {"github.event_name == 'pull_request'": event == "pull_request", **_STATUS}
    failed = False
    steps = []
    for step in _github_steps():
        name = step.get("name") or step.get("uses") or step["run"]
        terms = [t.strip() for t in str(step.get("if", "success()")).split("&&")]
        assert set(terms) <= set(known), f"the simulation does not know {terms}"
        if not any(t in _STATUS for t in terms):
            terms.append("success()")
        values = [_STATUS[t](failed) if t in _STATUS else known[t] for t in terms]
        if not all(values):
            steps.append(Step(name=name, ran=False))
            continue
        code = _github_step(step, checkout, tools)
        tolerated = bool(step.get("continue-on-error", False))
        steps.append(Step(name=name, ran=True, code=code, tolerated=tolerated))
        failed = failed or (code != 0 and not tolerated)
    return steps, failed


def _github_step(step: Mapping[str, Any], checkout: Path, tools: Path) -> int:
    if "uses" in step:
        if "upload-sarif" in step["uses"]:
            log = json.loads((checkout / step["with"]["sarif_file"]).read_text("utf-8"))
            assert "2.1.0" == log["version"]
        return 0
    command = _EXPRESSION.sub("1", step["run"])
    if command.startswith("python -m pip install"):
        return 0  # chaffra is installed already
    return _shell(command, checkout, tools).returncode


def test_a_pull_request_with_a_new_finding_gets_its_comment_and_fails_the_gate(
    checkout: Path, tools: Path
) -> None:
    (checkout / "src" / "new.py").write_text(_complex("brand_new"), encoding="utf-8")
    steps, failed = _github_job(checkout, tools, "pull_request")
    assert failed
    assert [("Gate on new findings", 1)] == [
        (s.name, s.code) for s in steps if s.code and not s.tolerated
    ]
    assert all(s.ran for s in steps)
    posted = (tools / "gh.log").read_text("utf-8")
    assert "<!-- chaffra-pr-comment -->" in posted
    assert "`brand_new`" in posted
    assert "`old`" not in posted  # the baseline knows it


def test_a_pull_request_without_new_findings_passes_below_min_score(
    checkout: Path, tools: Path
) -> None:
    """The comment step's ``health`` exits 1 below min-score; the gate alone decides."""
    health = _shell("chaffra health . --telemetry off", checkout, tools)
    assert 1 == health.returncode, health.stdout  # the project is below min-score
    steps, failed = _github_job(checkout, tools, "pull_request")
    assert not failed
    assert all(s.ran for s in steps)
    assert "<!-- chaffra-pr-comment -->" in (tools / "gh.log").read_text("utf-8")


def test_a_push_runs_the_scan_and_the_gate_but_posts_no_comment(
    checkout: Path, tools: Path
) -> None:
    steps, failed = _github_job(checkout, tools, "push")
    assert not failed
    assert {"Write the PR comment", "Post or update the PR comment"} == {
        s.name for s in steps if not s.ran
    }
    assert not (tools / "gh.log").exists()


def test_the_gitlab_job_keeps_its_code_quality_report_when_the_gate_fails(
    checkout: Path, tools: Path
) -> None:
    (checkout / "src" / "new.py").write_text(_complex("brand_new"), encoding="utf-8")
    job = _gitlab_job()
    codes = []
    for line in job["script"]:
        if line.startswith("python -m pip install"):
            continue
        codes.append(_shell(line, checkout, tools).returncode)
        if codes[-1]:
            break
    assert [0, 1] == codes
    assert "always" == job["artifacts"]["when"]
    report = job["artifacts"]["reports"]["codequality"]
    issues = json.loads((checkout / report).read_text("utf-8"))
    assert {"src/new.py", "src/old.py"} == {issue["location"]["path"] for issue in issues}
