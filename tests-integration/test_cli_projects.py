"""The real ``chaffra`` executable on projects it creates: outputs, exit codes, store and churn."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest

from chaffra_core.output import JSON_SCHEMA_VERSION, json_schema
from chaffra_telemetry import SqliteStore

TIMEOUT = 120

TANGLED = """\
def tangled(a, b, c, d):
    total = 0
    for i in range(a):
        if i % 2 and b:
            total += 1
        elif i % 3 or c:
            total -= 1
        elif d and not b:
            total *= 2
        while total > 100 and a:
            total //= 2
            if c and d or b:
                break
        if a > b > c:
            total += 3
        elif b > c > d:
            total += 4
        elif c > d > a:
            total += 5
        elif d > a and b:
            total += 6
        elif a == b or c == d:
            total += 7
        elif a < 0 and b < 0 or c < 0:
            total += 8
    return total
"""


def chaffra_command() -> list[str]:
    """The installed ``chaffra`` beside this interpreter, on PATH, or ``python -m chaffra_cli``."""
    sibling = Path(sys.executable).with_name("chaffra")
    if sibling.is_file():
        return [str(sibling)]
    found = shutil.which("chaffra")
    return [found] if found else [sys.executable, "-m", "chaffra_cli"]


def chaffra(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``chaffra``; reported paths are relative to ``cwd`` (absolute outside it)."""
    return subprocess.run(
        [*chaffra_command(), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        cwd=cwd,
    )


def write(root: Path, files: Mapping[str, str | bytes]) -> Path:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(textwrap.dedent(content), encoding="utf-8")
    return root


def findings(root: Path, *args: str) -> tuple[int, list[dict[str, object]]]:
    done = chaffra("complexity", root, "--format", "json", *args, cwd=root)
    document = json.loads(done.stdout)
    listed: list[dict[str, object]] = document["findings"]
    return done.returncode, listed


def files_of(listed: list[dict[str, object]]) -> set[str]:
    return {str(f["location"]["file"]) for f in listed}  # type: ignore[index]


def user_points(root: Path) -> list[dict[str, float]]:
    """Per stored snapshot, the value of every data point (by name, labels ignored)."""
    with SqliteStore(root / ".chaffra" / "telemetry.db") as store:
        return [
            {point.name: point.value for point in snapshot.data_points}
            for snapshot in store.read().snapshots
        ]


@pytest.mark.parametrize(
    ("config", "where"),
    [
        ("[health]\nmax-cyclomatic = = 3\n", ":2:"),
        ("[health]\nmax-cyclomatic = 'many'\n", ""),
        ("[modules.telemetry]\naudience = 'loud'\n", ""),
        ("[unknown-table]\n[health]\nmax-crap = 3\n", ""),
    ],
)
def test_a_project_with_config_errors_exits_2_and_writes_nothing(
    tmp_path: Path, config: str, where: str
) -> None:
    root = write(tmp_path / "p", {"m.py": TANGLED, ".chaffra.toml": config})
    done = chaffra("health", root)
    assert 2 == done.returncode, done.stderr
    assert done.stderr.startswith("Error: ")
    assert f"{root / '.chaffra.toml'}{where}" in done.stderr
    assert "Traceback" not in done.stderr
    assert ("", False) == (done.stdout, (root / ".chaffra").exists())


def test_syntax_errors_and_non_utf8_files_are_findings_not_crashes(tmp_path: Path) -> None:
    root = write(
        tmp_path / "p",
        {
            "good.py": TANGLED,
            "broken.py": "def f(:\n    pass\n",
            "latin.py": b"# no coding cookie\nname = '\xe9t\xe9'\n",
        },
    )
    status, listed = findings(root)
    assert 0 == status
    assert {"broken.py", "latin.py", "good.py"} == files_of(listed)
    rules = {str(f["rule_id"]) for f in listed}
    assert {"parse:syntax-error", "parse:encoding-error"} <= rules
    assert 1 == chaffra("complexity", root, "--fail-on", "error").returncode
    health = chaffra("health", root)
    assert 1 == health.returncode  # the tangled file brings the score below min-score 70
    assert health.stderr.endswith(" is below min-score 70.\n")
    assert "Project Health:" in health.stdout


def test_suppressed_findings_are_not_reported(tmp_path: Path) -> None:
    suppressed = TANGLED.replace(
        "def tangled(a, b, c, d):",
        "def tangled(a, b, c, d):  # chaffra: ignore[complexity:high-cyclomatic]",
    )
    root = write(tmp_path / "p", {"plain.py": TANGLED, "quiet.py": suppressed})
    _, listed = findings(root)
    cyclomatic = {
        str(f["location"]["file"])  # type: ignore[index]
        for f in listed
        if f["rule_id"] == "complexity:high-cyclomatic"
    }
    assert {"plain.py"} == cyclomatic


def test_gitignored_files_are_not_analysed(tmp_path: Path) -> None:
    root = write(
        tmp_path / "p",
        {
            ".gitignore": "generated/\n*.gen.py\n",
            "kept.py": TANGLED,
            "generated/big.py": TANGLED,
            "thing.gen.py": TANGLED,
        },
    )
    _, listed = findings(root)
    assert {"kept.py"} == files_of(listed)


def test_every_output_format_is_well_formed(tmp_path: Path) -> None:
    root = write(tmp_path / "p", {"m.py": TANGLED})
    document = json.loads(chaffra("complexity", root, "--format", "json").stdout)
    schema = json_schema()
    assert (
        JSON_SCHEMA_VERSION
        == document["schema_version"]
        == schema["properties"]["schema_version"]["const"]
    )
    assert set(schema["required"]) == set(document)
    sarif = json.loads(chaffra("complexity", root, "--format", "sarif").stdout)
    assert ("2.1.0", 1) == (sarif["version"], len(sarif["runs"]))
    assert isinstance(json.loads(chaffra("complexity", root, "--format", "gitlab").stdout), list)
    markdown = chaffra("complexity", root, "--format", "md").stdout
    assert "m.py" in markdown
    github = chaffra("complexity", root, "--format", "github").stdout
    assert github.startswith("::")
    terminal = chaffra("complexity", root)
    assert ("m.py" in terminal.stdout, "\x1b[" in terminal.stdout) == (True, False)


def test_each_run_stores_one_user_scoped_snapshot(tmp_path: Path) -> None:
    root = write(tmp_path / "p", {"m.py": TANGLED})
    assert 1 == chaffra("health", root).returncode  # below min-score: still stored
    assert 0 == chaffra("complexity", root).returncode
    stored = user_points(root)
    assert 2 == len(stored)
    for points in stored:
        assert "chaffra.module.call_duration_ms" not in points
        assert 1 == points["chaffra.analysis.files_total"]
    assert "chaffra.module.complexity.health_score" in stored[0]
    assert (root / ".chaffra" / ".gitignore").is_file()


def test_churn_between_two_runs_follows_findings_across_edits(tmp_path: Path) -> None:
    root = write(
        tmp_path / "p",
        {
            "m.py": TANGLED,
            ".chaffra.toml": "[modules.complexity]\nmax-cognitive = 1000\nmin-score = 0\n",
        },
    )
    _, first = findings(root)
    assert 1 <= len(first)
    (root / "m.py").write_text("import os\n\n\n# moved down\n" + TANGLED, encoding="utf-8")
    _, second = findings(root)
    moved = user_points(root)[-1]
    assert (0.0, 0.0, float(len(first))) == (
        moved["chaffra.findings.new"],
        moved["chaffra.findings.resolved"],
        moved["chaffra.findings.unchanged"],
    )
    flat = "def flat(a):\n" + "".join(f"    if a == {i}:\n        a += 1\n" for i in range(25))
    write(root, {"n.py": flat + "    return a\n"})
    _, third = findings(root)
    added = user_points(root)[-1]
    assert 1.0 == added["chaffra.findings.new"]
    assert len(second) + 1 == len(third)


def test_telemetry_off_leaves_the_project_byte_for_byte_unchanged(tmp_path: Path) -> None:
    root = write(tmp_path / "p", {"m.py": TANGLED, "sub/n.py": "x = 1\n"})

    def state() -> dict[str, bytes | None]:
        return {
            str(p.relative_to(root)): None if p.is_dir() else p.read_bytes()
            for p in sorted(root.rglob("*"))
        }

    before = state()
    # health exits 1: the tangled file brings the small project below min-score 70.
    for command, code in (("health", 1), ("complexity", 0)):
        done = chaffra(command, root, "--telemetry", "off")
        assert code == done.returncode, done.stderr
    assert before == state()


def test_python_dash_m_runs_the_same_cli(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "chaffra_cli", "explain", "complexity:high-cyclomatic"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert (0, "Rule: ") == (done.returncode, done.stdout[:6])
