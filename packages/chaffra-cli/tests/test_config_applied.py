"""Configuration that means what it says, through the real click application (issue 9 §1)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import attrs
import pytest
from click.testing import CliRunner

from chaffra_cli._app import cli
from chaffra_core import (
    FileAnalyzer,
    FileContext,
    FileResult,
    ModuleConfig,
    ModuleHost,
    ModuleInfo,
)
from chaffra_core.analyzers.complexity import ComplexityModule

COMPLEX_FUNCTION = """\
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
            if c and d or b:
                break
        if a > b > c:
            total += 3
        elif b > c > d or c > d > a:
            total += 4
    return total
"""

MODERATE = """\
def moderate(a, b, c):
    if a:
        return 1
    if b:
        return 2
    if c and a:
        return 3
    return 4
"""


def run(runner: CliRunner, *args: str | Path) -> tuple[int, str, str]:
    result = runner.invoke(cli, [str(arg) for arg in args])
    return result.exit_code, result.stdout, result.stderr


def rules_in(stdout: str) -> list[str]:
    return sorted(f["rule_id"] for f in json.loads(stdout)["findings"])


@pytest.fixture
def project(make_project: Callable[..., Path], monkeypatch: pytest.MonkeyPatch) -> Path:
    """The project, as the working directory (reported paths are relative to it)."""
    root = make_project({"pkg/tangled.py": COMPLEX_FUNCTION, "pkg/moderate.py": MODERATE})
    monkeypatch.chdir(root)
    return root


def configure(project: Path, text: str) -> Path:
    path = project / ".chaffra.toml"
    path.write_text(text, encoding="utf-8")
    return path


# --- [rules] -----------------------------------------------------------------------------


def test_a_rule_set_off_is_not_reported(runner: CliRunner, project: Path) -> None:
    configure(project, '[rules]\n"complexity:high-cyclomatic" = "off"\n')
    code, out, _ = run(runner, "complexity", project, "--format", "json", "--telemetry", "off")
    assert 0 == code
    assert "complexity:high-cyclomatic" not in rules_in(out)
    assert "complexity:high-cognitive" in rules_in(out)


def test_a_severity_override_changes_the_fail_on_outcome(runner: CliRunner, project: Path) -> None:
    args = ("complexity", project, "--fail-on", "error", "--telemetry", "off")
    assert 0 == run(runner, *args)[0]
    configure(project, '[rules]\nhigh-cyclomatic = "error"\n')
    code, out, _ = run(runner, *args, "--format", "json")
    assert 1 == code
    severities = {f["rule_id"]: f["severity"] for f in json.loads(out)["findings"]}
    assert "error" == severities["complexity:high-cyclomatic"]
    assert "warning" == severities["complexity:high-cognitive"]


def test_an_unknown_rule_id_is_a_config_error_with_a_close_match(
    runner: CliRunner, project: Path
) -> None:
    configure(project, '[rules]\n"complexity:high-cyclomatc" = "error"\n')
    code, out, err = run(runner, "complexity", project)
    assert (2, "") == (code, out)
    assert 'unknown rule rules."complexity:high-cyclomatc"' in err
    assert 'did you mean "complexity:high-cyclomatic"?' in err
    assert not (project / ".chaffra").exists()


# --- [health] and min-score --------------------------------------------------------------


def test_health_thresholds_set_what_is_flagged(runner: CliRunner, project: Path) -> None:
    args = ("complexity", project, "--format", "json", "--telemetry", "off")
    assert ["pkg/tangled.py"] == sorted(
        {f["location"]["file"] for f in json.loads(run(runner, *args)[1])["findings"]}
    )
    configure(project, "[health]\nmax-cyclomatic = 3\nmax-cognitive = 100\nmin-score = 0\n")
    code, out, _ = run(runner, *args)
    assert 0 == code
    flagged = {(f["location"]["file"], f["rule_id"]) for f in json.loads(out)["findings"]}
    assert {
        ("pkg/moderate.py", "complexity:high-cyclomatic"),
        ("pkg/tangled.py", "complexity:high-cyclomatic"),
    } == flagged


def test_health_exits_1_below_min_score_and_0_at_or_above(runner: CliRunner, project: Path) -> None:
    configure(project, "[health]\nmin-score = 100\n")
    code, out, err = run(runner, "health", project, "--telemetry", "off")
    assert 1 == code
    assert "Project Health:" in out
    assert "is below min-score 100" in err
    configure(project, "[health]\nmin-score = 0\n")
    assert 0 == run(runner, "health", project, "--telemetry", "off")[0]


def test_health_and_the_module_table_must_agree(runner: CliRunner, project: Path) -> None:
    configure(project, "[health]\nmax-cognitive = 3\n[modules.complexity]\nmax-cognitive = 4\n")
    code, _, err = run(runner, "health", project)
    assert 2 == code
    assert "health.max-cognitive = 3 and modules.complexity.max-cognitive = 4 disagree" in err


def test_the_init_template_changes_nothing(runner: CliRunner, project: Path) -> None:
    args = ("complexity", project, "--format", "json", "--telemetry", "off")
    before = json.loads(run(runner, *args)[1])["findings"]
    assert 0 == run(runner, "init", project)[0]
    assert before == json.loads(run(runner, *args)[1])["findings"]


# --- module tables validated before anything runs ---------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[modules.complexty]\nmax-cyclomatic = 3\n",
            'unknown section [modules.complexty] (did you mean "complexity"? '
            "modules: complexity, dead-code, security, telemetry)",
        ),
        (
            "[modules.complexity]\nmax-cyclomatc = 3\n",
            'unknown key modules.complexity.max-cyclomatc (did you mean "max-cyclomatic"? '
            "expected one of: max-cyclomatic, max-cognitive, min-score, model)",
        ),
        (
            "[health]\nmodel = 3\n",
            "invalid value health.model = 3: expected an integer from 1 to 2",
        ),
        (
            "[modules.complexity]\nmodel = 0\n",
            "invalid value modules.complexity.model = 0: expected an integer from 1 to 2",
        ),
        (
            '[modules.complexity]\nmax-cyclomatic = "ten"\n',
            'invalid value modules.complexity.max-cyclomatic = "ten": expected an integer >= 0',
        ),
        (
            "[modules.complexity]\nmax-cognitive = -1\n",
            "invalid value modules.complexity.max-cognitive = -1: expected an integer >= 0",
        ),
        (
            "[modules.complexity]\nmin-score = 101\n",
            "invalid value modules.complexity.min-score = 101: expected an integer from 0 to 100",
        ),
    ],
)
def test_a_bad_module_table_is_a_config_error_before_anything_runs(
    runner: CliRunner, project: Path, text: str, expected: str
) -> None:
    path = configure(project, text)
    code, out, err = run(runner, "complexity", project)
    assert (2, "") == (code, out)
    assert f"Error: {path}: {expected}\n" == err
    assert not (project / ".chaffra").exists()


def test_a_module_table_in_pyproject_is_named_with_its_full_key(
    runner: CliRunner, project: Path
) -> None:
    (project / "pyproject.toml").write_text(
        "[tool.chaffra.modules.complexity]\nmax-cyclomatic = true\n", encoding="utf-8"
    )
    code, _, err = run(runner, "health", project)
    assert 2 == code
    assert "invalid value tool.chaffra.modules.complexity.max-cyclomatic = true" in err


# --- --config anywhere -------------------------------------------------------------------


def test_a_shared_config_outside_the_project_applies_and_chaffra_stays_in_the_project(
    runner: CliRunner, project: Path, tmp_path: Path
) -> None:
    shared = tmp_path / "team" / "chaffra.toml"
    shared.parent.mkdir()
    shared.write_text(
        '[rules]\n"complexity:high-cognitive" = "off"\n[health]\nmin-score = 0\n', encoding="utf-8"
    )
    code, out, err = run(runner, "complexity", project, "--config", shared, "--format", "json")
    assert (0, "") == (code, err)
    assert "complexity:high-cognitive" not in rules_in(out)
    assert (project / ".chaffra" / "telemetry.db").exists()
    assert not (shared.parent / ".chaffra").exists()
    code, _, err = run(runner, "health", project, "--config", shared, "--telemetry", "off")
    assert (0, "") == (code, err)


def test_a_config_above_the_project_keeps_the_project_root_at_the_project(
    runner: CliRunner, project: Path, tmp_path: Path
) -> None:
    (project / ".git").mkdir()
    shared = tmp_path / "chaffra.toml"
    shared.write_text("[health]\nmin-score = 0\n", encoding="utf-8")
    assert 0 == run(runner, "complexity", project / "pkg", "--config", shared)[0]
    assert (project / "pkg" / ".chaffra").is_dir()
    assert not (tmp_path / ".chaffra").exists()


def test_a_project_without_source_lines_fails_only_an_explicit_min_score(
    runner: CliRunner, tmp_path: Path
) -> None:
    (tmp_path / "empty" / "pkg").mkdir(parents=True)
    (tmp_path / "empty" / "pkg" / "__init__.py").write_text("# nothing yet\n", encoding="utf-8")
    code, out, err = run(runner, "health", tmp_path / "empty", "--telemetry", "off")
    assert (0, "") == (code, err)
    assert "Project Health: not graded\n" in out
    configure(tmp_path / "empty", "[health]\nmin-score = 50\n")
    code, _, err = run(runner, "health", tmp_path / "empty", "--telemetry", "off")
    assert 1 == code
    assert "Project not graded (no source lines): min-score 50 is set.\n" == err


# --- a failed module fails the run -------------------------------------------------------


class BreaksOn(ComplexityModule):
    """The complexity module, except that it raises on one file (a broken plugin)."""

    def __init__(self, name: str) -> None:
        self.name = name

    def describe(self) -> ModuleInfo:
        # Another version: the result cache must not answer for the real module.
        return attrs.evolve(super().describe(), version="0.0.0-broken")

    def file_analyzer(self, config: ModuleConfig) -> _BreakingFiles:  # type: ignore[override]
        return _BreakingFiles(inner=super().file_analyzer(config), name=self.name)


@attrs.frozen(kw_only=True)
class _BreakingFiles:
    inner: FileAnalyzer
    name: str

    @property
    def needs_functions(self) -> bool:
        return self.inner.needs_functions

    def visitor(self, file: FileContext) -> object | None:
        return self.inner.visitor(file)

    def finish(self, file: FileContext, visitor: object | None) -> FileResult:
        if file.path.endswith(self.name):
            raise RuntimeError("boom")
        return self.inner.finish(file, visitor)


def test_a_failed_module_exits_1_keeps_churn_and_judges_none_of_its_suppressions(
    runner: CliRunner,
    make_project: Callable[..., Path],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    project = make_project(
        {
            "pkg/tangled.py": COMPLEX_FUNCTION,
            "pkg/ok.py": "x = 1  # chaffra: ignore[complexity:high-cyclomatic]\n",
        }
    )
    first = run(runner, "complexity", project)
    assert 0 == first[0], first
    state = project / ".chaffra" / "telemetry-state.json"
    before = state.read_bytes()
    monkeypatch.setattr(
        ModuleHost, "default", classmethod(lambda cls: ModuleHost([BreaksOn("tangled.py")]))
    )
    code, out, err = run(runner, "complexity", project, "--format", "json")
    assert 1 == code
    assert "Error: module complexity failed: pkg/tangled.py: RuntimeError: boom\n" == err
    assert before == state.read_bytes()
    assert "core:stale-suppression" not in rules_in(out)
    assert "core:module-error" in rules_in(out)


# --- empty projects ----------------------------------------------------------------------


def test_an_empty_directory_is_not_graded(runner: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    code, out, err = run(runner, "health", tmp_path / "empty", "--telemetry", "off")
    assert (0, "") == (code, err)
    assert f"No Python files found in {tmp_path / 'empty'}.\n" == out
    code, out, err = run(runner, "health", tmp_path / "empty", "--format", "json")
    assert 0 == code
    health = json.loads(out)["health"]
    assert (None, None, 0) == (health["score"], health["grade"], health["total_files"])
    assert "No Python files found" in err
