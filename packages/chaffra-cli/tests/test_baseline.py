"""Baselines, new code and the per-function listing (issue 9 §3), through the executable."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from chaffra_cli._app import cli
from chaffra_cli._listing import function_rows, rank
from chaffra_core import Baseline, ConfigError
from chaffra_core.output import json_schema


def jsonschema_errors(document: object) -> list[str]:
    """Errors of ``document`` against the shipped JSON schema (the closed 2.1 schema)."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(json_schema())
    return [error.message for error in validator.iter_errors(document)]


FRESH = "def fresh(a):\n" + "".join(f"    if a > {i}:\n        a -= 1\n" for i in range(12))


def run(runner: CliRunner, *args: str, code: int = 0) -> str:
    result = runner.invoke(cli, [*args, "--telemetry", "off"])
    assert code == result.exit_code, result.output
    return result.stdout


def test_baseline_writes_a_sorted_one_entry_per_line_file_that_is_stable(
    runner: CliRunner, complex_project: Path
) -> None:
    (complex_project / "pkg" / "also.py").write_text(FRESH, encoding="utf-8")
    # 7: the tangled file also scores below min-score (complexity:low-health-score).
    assert "Wrote 7 finding(s)" in run(runner, "baseline", str(complex_project))
    path = complex_project / ".chaffra-baseline.json"
    first = path.read_bytes()
    run(runner, "baseline", str(complex_project))
    assert first == path.read_bytes()
    lines = first.decode().splitlines()
    entries = [json.loads(line.strip().rstrip(",")) for line in lines if line.startswith("    {")]
    assert 7 == len(entries)
    assert sorted(entries, key=lambda e: (e["file"], e["rule_id"])) == entries
    assert "pkg/also.py" == entries[0]["file"]


def test_baseline_replaces_a_planted_symlink_and_never_writes_through_it(
    runner: CliRunner, complex_project: Path, tmp_path: Path
) -> None:
    """A repository can commit ``.chaffra-baseline.json -> ~/.bashrc``."""
    victim = tmp_path / "victim"
    victim.write_text("precious\n", encoding="utf-8")
    planted = complex_project / ".chaffra-baseline.json"
    planted.symlink_to(victim)
    output = run(runner, "baseline", str(complex_project))
    assert "precious\n" == victim.read_text(encoding="utf-8")
    assert not planted.is_symlink()
    assert f"Wrote {len(Baseline.read(planted).entries)} finding(s)" in output
    assert [".chaffra-baseline.json"] == [
        p.name for p in complex_project.iterdir() if "baseline" in p.name
    ]


def test_a_baseline_that_cannot_replace_its_target_leaves_no_temporary_file(
    tmp_path: Path,
) -> None:
    (tmp_path / "taken").mkdir()
    with pytest.raises(IsADirectoryError):
        Baseline(entries=()).write(tmp_path / "taken")
    assert ["taken"] == [p.name for p in tmp_path.iterdir()]


def test_a_baselined_run_reports_and_gates_only_new_findings(
    runner: CliRunner, complex_project: Path
) -> None:
    """Adding a parameter keeps a finding known; a new complex function is reported."""
    run(runner, "baseline", str(complex_project))
    baseline = str(complex_project / ".chaffra-baseline.json")
    tangled = complex_project / "pkg" / "tangled.py"
    tangled.write_text(
        tangled.read_text(encoding="utf-8").replace("(a, b, c, d)", "(a, b, c, d, e=None)"),
        encoding="utf-8",
    )
    args = ("complexity", str(complex_project), "--baseline", baseline, "--fail-on", "warning")
    assert "No issues found." in run(runner, *args)
    (complex_project / "pkg" / "fresh.py").write_text(FRESH, encoding="utf-8")
    document = json.loads(run(runner, *args, "--format", "json", code=1))
    assert ["complexity:high-cyclomatic"] == [f["rule_id"] for f in document["findings"]]
    assert "fresh" == document["findings"][0]["metadata"]["symbol"]


def test_a_baseline_that_is_not_one_is_a_configuration_error(
    runner: CliRunner, complex_project: Path
) -> None:
    bogus = complex_project / "bogus.json"
    bogus.write_text('{"findings": []}', encoding="utf-8")
    result = runner.invoke(cli, ["health", str(complex_project), "--baseline", str(bogus)])
    assert 2 == result.exit_code
    assert "not a chaffra baseline" in result.stderr
    for text, message in (
        ("[", "not a JSON baseline"),
        ('{"chaffra_baseline": 1, "findings": {}}', '"findings" must be an array'),
        ('{"chaffra_baseline": 1, "findings": [{"file": 1}]}', r"findings\[0\] must be"),
    ):
        with pytest.raises(ConfigError, match=message):
            Baseline.loads(text)
    with pytest.raises(ConfigError, match="cannot read baseline"):
        Baseline.read(complex_project / "missing.json")


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_changed_since_reports_only_findings_in_changed_files(
    runner: CliRunner, make_project: Callable[..., Path]
) -> None:
    root = make_project({"old.py": FRESH.replace("fresh", "old"), "pkg/keep.py": "x = 1\n"})

    def git(*args: str) -> None:
        subprocess.run(
            ["git", "-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t", *args],
            check=True,
            capture_output=True,
        )

    git("init", "-q")
    git("add", "-A")
    git("commit", "-qm", "base")
    (root / "pkg" / "new.py").write_text(FRESH, encoding="utf-8")
    args = ("complexity", str(root), "--changed-since", "HEAD", "--format", "json")
    document = json.loads(run(runner, *args))
    assert ["pkg/new.py"] == [
        Path(f["location"]["file"]).relative_to(root).as_posix() for f in document["findings"]
    ]
    result = runner.invoke(cli, ["complexity", str(root), "--changed-since", "no-such-ref"])
    assert 2 == result.exit_code
    assert "'no-such-ref' names no commit" in result.stderr
    result = runner.invoke(cli, ["complexity", str(root), "--changed-since", "--evil"])
    assert 2 == result.exit_code


def test_complexity_all_lists_every_function_sorted_and_filtered(
    runner: CliRunner, complex_project: Path
) -> None:
    (complex_project / "pkg" / "small.py").write_text(
        "def one():\n    return 1\n\n\nclass K:\n    def method(self, a):\n        return a or 1\n",
        encoding="utf-8",
    )
    table = run(runner, "complexity", str(complex_project), "--all", "--sort", "cyclomatic")
    lines = table.splitlines()
    assert lines[0].split() == ["Rank", "CC", "Cog", "Nest", "Lines", "Function", "Location"]
    assert ["D", "23", "27", "3", "26", "tangled"] == lines[1].split()[:6]
    assert "3 function(s)" == lines[-1]
    by_name = run(
        runner, "complexity", str(complex_project), "--all", "--sort", "name", "--top", "2"
    )
    assert ["K.method", "one"] == [line.split()[5] for line in by_name.splitlines()[1:3]]
    only_bad = run(runner, "complexity", str(complex_project), "--all", "--min", "c")
    assert "1 function(s)" in only_bad
    document = json.loads(
        run(runner, "complexity", str(complex_project), "--all", "--format", "json")
    )
    assert "2.1" == document["schema_version"]
    assert [] == jsonschema_errors(document)
    (tangled,) = [f for f in document["functions"] if f["qualified_name"] == "tangled"]
    assert {"cyclomatic": 23, "cognitive": 27, "nesting": 3, "lines": 26, "rank": "D"} == {
        k: tangled[k] for k in ("cyclomatic", "cognitive", "nesting", "lines", "rank")
    }


@pytest.mark.parametrize(
    ("args", "error"),
    [
        (["--sort", "name"], "Error: --sort: only with --all\n"),
        (["--top", "3", "--min", "B"], "Error: --top, --min: only with --all\n"),
        (["--all", "--format", "sarif"], "--all writes terminal, json, markdown, not sarif\n"),
    ],
)
def test_listing_options_without_all_or_with_another_format_are_usage_errors(
    runner: CliRunner, complex_project: Path, args: list[str], error: str
) -> None:
    result = runner.invoke(cli, ["complexity", str(complex_project), *args])
    assert 2 == result.exit_code
    assert "" == result.stdout
    assert result.stderr.endswith(error)


def test_ranks_follow_radon() -> None:
    assert ["A", "A", "B", "C", "C", "D", "E", "F"] == [
        rank(n) for n in (1, 5, 6, 11, 20, 21, 31, 41)
    ]
    assert [] == function_rows([], sort="cognitive", top=1, min_rank="F")
