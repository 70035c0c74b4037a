"""tools/coverage_gates.py against tiny synthetic git repositories.

Every test builds its own repository in ``tmp_path``, measures it with a real
``coverage run`` and lets the tool run the real ``coverage`` and ``diff-cover``.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "coverage_gates.py"

if TYPE_CHECKING:
    import coverage_gates as gates
else:

    def _load_tool():
        spec = importlib.util.spec_from_file_location("coverage_gates", SCRIPT)
        module = importlib.util.module_from_spec(spec)
        sys.modules["coverage_gates"] = module  # dataclasses look their module up
        spec.loader.exec_module(module)
        return module

    gates = _load_tool()

PYPROJECT = """\
[tool.coverage.run]
branch = true
source = ["demo"]
"""

# Fully covered by DRIVE: clamp(20) runs line 3, clamp(5) takes the branch 2->4.
CLAMP = """\
def clamp(x):
    if x > 10:
        x = 10
    return x
"""
DRIVE = "from demo.core import clamp\n\nclamp(20)\nclamp(5)\n"


class Project:
    """A throw-away git repository with a ``demo`` package and a driver script."""

    def __init__(self, root: Path, data: Path) -> None:
        self.root = root
        self.data = data
        root.mkdir()
        self.git("init", "--quiet", "--initial-branch=main")
        self.write("pyproject.toml", PYPROJECT)
        self.write("demo/__init__.py", "")
        self.write("demo/core.py", CLAMP)
        self.write("drive.py", DRIVE)
        self.policy()

    def git(self, *args: str) -> str:
        """Run git in the repository and return its stripped output."""
        result = subprocess.run(
            ["git", *args], cwd=self.root, capture_output=True, text=True, check=True
        )
        return result.stdout.strip()

    def write(self, name: str, text: str) -> None:
        """Create or replace a file of the repository."""
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")

    def policy(
        self, overall: int = 85, changed_lines: int = 95, trust: Iterable[str] = ("demo/core.py",)
    ) -> None:
        """Write ``tools/coverage-policy.toml``."""
        listed = ", ".join(f'"{name}"' for name in trust)
        self.write(
            "tools/coverage-policy.toml",
            f"overall = {overall}\nchanged_lines = {changed_lines}\ntrust_boundary = [{listed}]\n",
        )

    def commit(self, message: str) -> str:
        """Commit everything and return the new HEAD sha."""
        self.git("add", "--all")
        self.git("commit", "--quiet", "--message", message)
        return self.git("rev-parse", "HEAD")

    def measure(self) -> None:
        """Run the driver under coverage, writing the data file outside the repository."""
        subprocess.run(
            [sys.executable, "-m", "coverage", "run", f"--data-file={self.data}", "drive.py"],
            cwd=self.root,
            check=True,
        )

    def gates(self) -> int:
        """Measure, then run the tool in-process on this repository."""
        self.measure()
        return gates.main(["--root", str(self.root), "--data", str(self.data)])


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Keep the caller's git and coverage settings out of the synthetic repositories."""
    caller = ("COVERAGE_FILE", "COVERAGE_RCFILE", "COVERAGE_PROCESS_CONFIG", "COVERAGE_RUN")
    for name in (*caller, "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GIT_CONFIG_GLOBAL", os.devnull)
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    monkeypatch.setenv("PYTHONDONTWRITEBYTECODE", "1")
    for role in ("AUTHOR", "COMMITTER"):
        monkeypatch.setenv(f"GIT_{role}_NAME", "Test")
        monkeypatch.setenv(f"GIT_{role}_EMAIL", "test@example.invalid")


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """A repository whose single (root) commit is fully covered."""
    repo = Project(tmp_path / "repo", tmp_path / "data" / ".coverage")
    repo.commit("root")
    return repo


def summary_row(output: str, gate: str) -> str:
    """The summary-table line of one gate."""
    return next(line for line in output.splitlines() if line.strip().startswith(gate + "  "))


def test_all_gates_pass_when_a_covered_change_follows_origin_main(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.git("update-ref", "refs/remotes/origin/main", "HEAD")
    project.write("demo/core.py", CLAMP + "\n\ndef double(x):\n    return 2 * x\n")
    project.write("drive.py", DRIVE + "from demo.core import double\n\ndouble(2)\n")
    project.commit("add double")

    assert project.gates() == 0

    out = capsys.readouterr().out
    assert "merge-base of origin/main and HEAD" in out
    assert "demo/core.py (100%)" in out  # diff-cover matched the changed file
    assert "100.00% of 2 lines" in summary_row(out, "changed lines")
    assert "PASS" in summary_row(out, "overall")
    assert "1/1 files at 100%" in summary_row(out, "trust boundary")


@pytest.mark.parametrize(("threshold", "status"), [(85, 1), (50, 0)])
def test_overall_gate_fails_only_below_its_threshold(
    project: Project, capsys: pytest.CaptureFixture[str], threshold: int, status: int
) -> None:
    # clamp(): 4 statements + 2 branches covered; unused.py: 1 of 3 statements run: 7/9.
    project.write("demo/unused.py", "def unused(x):\n    y = x + 1\n    return y\n")
    project.write("drive.py", DRIVE + "import demo.unused\n")
    project.policy(overall=threshold)

    assert project.gates() == status

    out = capsys.readouterr().out
    assert "77.78%" in summary_row(out, "overall")
    assert ("FAIL" in summary_row(out, "overall")) == (status == 1)


def test_changed_lines_gate_passes_with_a_note_when_there_is_no_base_commit(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    assert project.gates() == 0

    out = capsys.readouterr().out
    assert "no base commit: nothing to compare" in out
    assert "PASS" in summary_row(out, "changed lines")


@pytest.mark.parametrize(
    "drive",
    [
        pytest.param("from demo.core import clamp\n\nclamp(5)\n", id="uncovered-line"),
        pytest.param("from demo.core import clamp\n\nclamp(20)\n", id="partial-branch-only"),
    ],
)
def test_trust_boundary_gate_fails_unless_a_listed_file_is_fully_covered(
    project: Project, capsys: pytest.CaptureFixture[str], drive: str
) -> None:
    project.write("drive.py", drive)
    project.policy(overall=0)

    assert project.gates() == 1

    out = capsys.readouterr().out
    assert "[trust boundary] FAIL: demo/core.py" in out
    assert "2->" in out  # the missed branch is named
    assert "0/1 files at 100%" in summary_row(out, "trust boundary")
    assert "PASS" in summary_row(out, "overall")


def test_trust_boundary_gate_fails_when_a_listed_file_does_not_exist(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.policy(trust=["demo/core.py", "demo/gone.py"])

    assert project.gates() == 1

    out = capsys.readouterr().out
    assert "demo/gone.py: listed in tools/coverage-policy.toml but does not exist" in out
    assert "1/2 files at 100%" in summary_row(out, "trust boundary")


def test_trust_boundary_gate_fails_when_a_listed_file_has_no_coverage_data(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write("scripts/unmeasured.py", "VALUE = 1\n")
    project.policy(trust=["scripts/unmeasured.py"])

    assert project.gates() == 1

    assert "scripts/unmeasured.py: no coverage data" in capsys.readouterr().out


def test_changed_lines_gate_fails_on_a_new_uncovered_line(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write(
        "demo/extra.py", "def covered():\n    return 1\n\n\ndef missed():\n    return 2\n"
    )
    project.write("drive.py", DRIVE + "from demo.extra import covered\n\ncovered()\n")
    project.policy(overall=0)
    project.commit("add extra")

    assert project.gates() == 1

    out = capsys.readouterr().out
    assert "against" in out
    assert "(HEAD~1)" in out
    assert "[changed lines] FAIL: demo/extra.py: lines 6" in out
    assert "75.00% of 4 lines" in summary_row(out, "changed lines")
    assert "FAIL" in summary_row(out, "changed lines")


def test_changed_lines_gate_passes_when_the_diff_touches_no_python_source(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    project.write("README.md", "# demo\n")
    project.commit("docs")

    assert project.gates() == 0

    out = capsys.readouterr().out
    assert "the diff changes no measured Python lines" in out
    assert "0 lines" in summary_row(out, "changed lines")


def test_base_is_none_without_a_commit_beyond_the_root(
    project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert gates.select_base(project.root) is None

    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert gates.select_base(tmp_path) is None  # not inside a git repository at all


def test_base_is_head_parent_when_origin_main_is_head(project: Project) -> None:
    parent = project.git("rev-parse", "HEAD")
    project.write("README.md", "x\n")
    project.commit("second")
    project.git("update-ref", "refs/remotes/origin/main", "HEAD")

    assert gates.select_base(project.root) == gates.Base(parent, "HEAD~1")


def test_base_is_merge_base_with_origin_main_when_it_is_not_head(project: Project) -> None:
    fork = project.git("rev-parse", "HEAD")
    project.git("checkout", "--quiet", "-b", "upstream")
    project.write("UPSTREAM", "u\n")
    project.git("update-ref", "refs/remotes/origin/main", project.commit("upstream work"))
    project.git("checkout", "--quiet", "main")
    for n in range(2):
        project.write("README.md", f"{n}\n")
        project.commit(f"local {n}")

    assert gates.select_base(project.root) == gates.Base(fork, "merge-base of origin/main and HEAD")


def test_malformed_policy_or_missing_data_is_a_usage_error(
    project: Project, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["--root", str(project.root), "--data", str(project.data)]
    assert gates.main(args) == 2
    assert "does not exist" in capsys.readouterr().err

    project.write("tools/coverage-policy.toml", 'overall = "high"\n')
    assert gates.main(args) == 2
    assert "'overall' must be a number" in capsys.readouterr().err


def test_script_run_as_a_command_reads_coverage_file_and_exits_non_zero_on_failure(
    project: Project,
) -> None:
    project.write("drive.py", "from demo.core import clamp\n\nclamp(5)\n")
    project.measure()

    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--root", str(project.root)],
        env={**os.environ, "COVERAGE_FILE": str(project.data)},
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 1, result.stdout + result.stderr
    assert "Coverage gates" in result.stdout
    assert "FAILED: coverage gate(s) not met: overall, trust boundary" in result.stderr
