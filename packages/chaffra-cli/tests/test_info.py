"""``explain``, ``modules`` and ``init``."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from chaffra_cli._app import cli
from chaffra_core import (
    AnalysisResult,
    FileSummary,
    Finding,
    FixResult,
    LoadError,
    ModuleConfig,
    ModuleHost,
    ModuleInfo,
    ProjectConfig,
    ProjectContext,
    Rule,
    RuleExplanation,
    Severity,
    load_config_file,
)


class Fake:
    """A module with one rule, ``shared``."""

    def __init__(self, module_id: str) -> None:
        self.module_id = module_id

    def describe(self) -> ModuleInfo:
        rule = Rule(
            id=f"{self.module_id}:shared",
            name="Shared",
            description="d",
            default_severity=Severity.INFO,
            category="c",
        )
        return ModuleInfo(
            id=self.module_id,
            name=self.module_id.title(),
            version="1.0",
            languages=("python",),
            capabilities=("analyze",),
            rules=(rule,),
        )

    def file_analyzer(self, config: ModuleConfig) -> Any:
        raise NotImplementedError("only described and explained here")

    def combine(
        self, files: Sequence[FileSummary], config: ModuleConfig, project: ProjectContext
    ) -> AnalysisResult:
        return AnalysisResult()

    def explain(self, rule: str) -> RuleExplanation:
        return RuleExplanation(
            rule_id=f"{self.module_id}:shared",
            name="Shared",
            description="A shared rule.",
            rationale="Because.",
            default_severity=Severity.INFO,
            suppression_syntax="# chaffra: ignore",
        )

    def fix(self, findings: Sequence[Finding], *, dry_run: bool) -> list[FixResult]:
        return []


def use_host(monkeypatch: pytest.MonkeyPatch, host: ModuleHost) -> None:
    monkeypatch.setattr(ModuleHost, "default", classmethod(lambda cls: host))


def test_explain_prints_the_rule_of_a_qualified_id(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["explain", "complexity:high-cyclomatic"])
    assert 0 == result.exit_code
    lines = result.stdout.splitlines()
    assert "Rule: High cyclomatic complexity (complexity:high-cyclomatic)" == lines[0]
    assert "Default severity: warning" in lines
    assert "Suppress with: # chaffra: ignore[complexity:high-cyclomatic]" in lines
    assert "Examples:" in lines


def test_explain_accepts_a_bare_rule_name(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["explain", "high-cognitive"])
    assert (0, "Rule: ") == (result.exit_code, result.stdout[:6])
    assert "(complexity:high-cognitive)" in result.stdout.splitlines()[0]


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("complexity:no-such-rule", "rule not found: complexity:no-such-rule"),
        ("no-such-module:x", "module not found: no-such-module"),
        ("no-such-rule", "rule not found: no-such-rule"),
    ],
)
def test_explain_of_an_unknown_rule_exits_1_with_an_error(
    runner: CliRunner, rule: str, message: str
) -> None:
    result = runner.invoke(cli, ["explain", rule])
    assert 1 == result.exit_code
    assert f"Error: {message} (`chaffra modules` lists the rules)\n" == result.stderr
    assert "" == result.stdout


def test_explain_of_a_bare_name_two_modules_define_is_ambiguous(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_host(monkeypatch, ModuleHost([Fake("alpha"), Fake("beta")]))
    result = runner.invoke(cli, ["explain", "shared"])
    assert 1 == result.exit_code
    assert "Error: ambiguous rule 'shared': use one of alpha:shared, beta:shared\n" == result.stderr
    assert 0 == runner.invoke(cli, ["explain", "beta:shared"]).exit_code


@pytest.mark.parametrize(
    "args",
    [
        ["explain", "high-cyclomatic", "--config", "CONFIG"],
        ["--config", "CONFIG", "explain", "high-cyclomatic"],
        ["explain", "high-cyclomatic", "--fail-on", "error"],
        ["--fail-on", "error", "explain", "high-cyclomatic"],
        ["explain", "high-cyclomatic", "--format", "sarif"],
        ["--format", "sarif", "explain", "high-cyclomatic"],
        ["modules", "--telemetry", "off"],
        ["--format", "sarif", "modules"],
        ["telemetry", "status", "--format", "sarif"],
        ["--fail-on", "error", "telemetry", "status"],
        ["init", "--format", "json"],
        ["lsp", "--format", "json"],
        ["--fail-on", "error", "lsp"],
        ["watch", "TMP", "--format", "json"],
        ["watch", "TMP", "--fail-on", "error"],
        ["fix", "TMP", "--dead-code", "--format", "sarif"],
        ["--fail-on", "error", "fix", "TMP", "--dead-code"],
        ["--format", "json", "cache", "info"],
        ["--telemetry", "off", "cache", "clean"],
        ["--fail-on", "error", "advisories", "info"],
        ["--config", "CONFIG", "advisories", "update", "--url", "CONFIG"],
    ],
)
def test_options_that_mean_nothing_to_a_command_are_usage_errors(
    runner: CliRunner, tmp_path: Path, args: list[str]
) -> None:
    """Before or after the command: refused with exit 2, nothing runs."""
    config = tmp_path / "c.toml"
    config.write_text("", encoding="utf-8")
    given = {"CONFIG": str(config), "TMP": str(tmp_path)}
    result = runner.invoke(cli, [given.get(a, a) for a in args])
    assert 2 == result.exit_code, result.output
    assert "" == result.stdout


def test_explain_modules_and_telemetry_status_write_json(runner: CliRunner, tmp_path: Path) -> None:
    explained = json.loads(
        runner.invoke(cli, ["explain", "high-cyclomatic", "--format", "json"]).stdout
    )
    assert "complexity:high-cyclomatic" == explained["rule_id"]
    assert "warning" == explained["default_severity"]
    listed = json.loads(runner.invoke(cli, ["--format", "json", "modules"]).stdout)
    assert ["complexity", "dead-code", "security"] == [m["id"] for m in listed["modules"]]
    assert "complexity:high-cyclomatic" in [r["id"] for r in listed["modules"][0]["rules"]]
    status = runner.invoke(cli, ["telemetry", "status", str(tmp_path), "--format", "json"])
    assert {"audience": "user-only", "backends": None, "sampling": None} == {
        k: v
        for k, v in json.loads(status.stdout).items()
        if k in ("audience", "backends", "sampling")
    }
    on = runner.invoke(
        cli, ["telemetry", "status", str(tmp_path), "--format", "json", "--telemetry", "on"]
    )
    document = json.loads(on.stdout)
    assert ["json-file"] == [b["kind"] for b in document["backends"]]
    assert {"rate": 1.0, "strategy": "rate"} == document["sampling"]


def test_explain_explains_chaffras_own_rules(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["explain", "parse:syntax-error"])
    assert 0 == result.exit_code
    assert result.stdout.startswith("Rule: Syntax error (parse:syntax-error)\n")


def test_modules_lists_each_module_with_its_rules_sorted_by_id(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    use_host(monkeypatch, ModuleHost([Fake("beta"), Fake("alpha")]))
    result = runner.invoke(cli, ["modules"])
    assert (
        "alpha v1.0 - Alpha\n"
        "  Languages: python\n"
        "  Capabilities: analyze\n"
        "  Rules: alpha:shared\n"
        "\n"
        "beta v1.0 - Beta\n"
        "  Languages: python\n"
        "  Capabilities: analyze\n"
        "  Rules: beta:shared\n"
    ) == result.stdout


def test_modules_lists_the_built_in_complexity_module(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["modules"])
    assert 0 == result.exit_code
    assert "complexity v" in result.stdout
    assert "complexity:high-cyclomatic" in result.stdout


def test_modules_without_modules_says_so_and_warns_about_broken_plugins(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    host = ModuleHost()
    host.load_errors.append(LoadError(name="broken", error_type="ImportError", message="no x"))
    use_host(monkeypatch, host)
    result = runner.invoke(cli, ["modules"])
    assert (0, "No modules registered.\n") == (result.exit_code, result.stdout)
    assert "Warning: module broken failed to load: ImportError: no x\n" == result.stderr


def test_init_writes_a_template_that_parses_to_the_defaults(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(cli, ["init", str(tmp_path)])
    written = tmp_path / ".chaffra.toml"
    assert (0, f"Created {written}\n") == (result.exit_code, result.stdout)
    assert ProjectConfig() == load_config_file(written)
    assert "user-only" in written.read_text(encoding="utf-8")


def test_init_refuses_to_overwrite_without_force(runner: CliRunner, tmp_path: Path) -> None:
    existing = tmp_path / ".chaffra.toml"
    existing.write_text("# mine\n", encoding="utf-8")
    result = runner.invoke(cli, ["init", str(tmp_path)])
    assert 1 == result.exit_code
    assert f"Error: {existing} already exists (use --force to overwrite)\n" == result.stderr
    assert "# mine\n" == existing.read_text(encoding="utf-8")
    assert 0 == runner.invoke(cli, ["init", str(tmp_path), "--force"]).exit_code
    assert ProjectConfig() == load_config_file(existing)


def test_init_needs_an_existing_directory(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["init", str(tmp_path / "nope")])
    assert 2 == result.exit_code
