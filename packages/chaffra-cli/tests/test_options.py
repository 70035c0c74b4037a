"""Global options: placement, merging by presence, and fail-closed validation (trust boundary)."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from chaffra_cli._app import cli
from chaffra_cli._errors import ChaffraGroup
from chaffra_cli._options import (
    FORMAT_ALIASES,
    FORMATS,
    GlobalOptions,
    current_options,
    pass_globals,
)
from chaffra_core.output import OutputFormat
from chaffra_telemetry import BackendKind, TelemetryAudience


@click.command()
@pass_globals
def show(options: GlobalOptions) -> None:
    """Print the merged options as JSON."""
    click.echo(
        json.dumps(
            {
                "format": options.output_format,
                "config": None if options.config is None else options.config.name,
                "telemetry": None if options.telemetry is None else options.telemetry.value,
                "backend": options.telemetry_backend and options.telemetry_backend.value,
                "endpoint": options.telemetry_endpoint,
                "quiet": options.quiet,
                "no_progress": options.no_progress,
                "fail_on": options.fail_on,
                "explicit": sorted(options.explicit),
                "overrides": options.overrides(),
            }
        )
    )


@click.group(cls=ChaffraGroup)
@pass_globals
def nested(options: GlobalOptions) -> None:
    """A nested group, like ``telemetry``."""


nested.add_command(show)
probe = ChaffraGroup(
    "chaffra", params=list(cli.params), callback=cli.callback, commands=[show, nested]
)


def run(runner: CliRunner, *args: str) -> dict[str, object]:
    result = runner.invoke(probe, list(args))
    assert 0 == result.exit_code, result.output
    shown: dict[str, object] = json.loads(result.stdout)
    return shown


def test_defaults_are_terminal_no_telemetry_flags_and_nothing_explicit(runner: CliRunner) -> None:
    shown = run(runner, "show")
    assert {
        "format": "terminal",
        "config": None,
        "telemetry": None,
        "backend": None,
        "endpoint": None,
        "quiet": False,
        "no_progress": False,
        "fail_on": "never",
        "explicit": [],
        "overrides": {"telemetry": None, "telemetry_backend": None, "telemetry_endpoint": None},
    } == shown


@pytest.mark.parametrize(
    "args",
    [
        ["--telemetry", "off", "--format", "json", "show"],
        ["show", "--telemetry", "off", "--format", "json"],
        ["--telemetry", "off", "show", "--format", "json"],
        ["nested", "--telemetry", "off", "show", "--format", "json"],
        ["--format", "json", "nested", "show", "--telemetry", "OFF"],
    ],
)
def test_global_options_work_before_or_after_the_subcommand(
    runner: CliRunner, args: list[str]
) -> None:
    shown = run(runner, *args)
    assert ("off", "json") == (shown["telemetry"], shown["format"])
    assert ["output_format", "telemetry"] == shown["explicit"]


def test_the_subcommand_value_wins_over_the_group_value(runner: CliRunner) -> None:
    shown = run(runner, "--telemetry", "on", "--fail-on", "info", "show", "--telemetry", "off")
    assert ("off", "info") == (shown["telemetry"], shown["fail_on"])


def test_the_last_occurrence_wins_within_one_command(runner: CliRunner) -> None:
    assert "markdown" == run(runner, "show", "--format", "json", "--format", "md")["format"]


def test_a_flag_given_on_the_group_survives_a_command_that_omits_it(runner: CliRunner) -> None:
    shown = run(runner, "--quiet", "--no-progress", "nested", "show")
    assert (True, True) == (shown["quiet"], shown["no_progress"])
    assert ["no_progress", "quiet"] == shown["explicit"]


def test_explicit_user_only_is_recorded_as_explicit_although_it_is_the_default(
    runner: CliRunner,
) -> None:
    """Presence, not comparison with the default, marks an explicit audience."""
    shown = run(runner, "show", "--telemetry", "user_only")
    assert ("user-only", ["telemetry"]) == (shown["telemetry"], shown["explicit"])


def test_backend_and_endpoint_are_passed_in_config_spelling(runner: CliRunner) -> None:
    shown = run(
        runner, "show", "--telemetry-backend", "PROM", "--telemetry-endpoint", "localhost:9"
    )
    assert {
        "telemetry": None,
        "telemetry_backend": "prometheus",
        "telemetry_endpoint": "localhost:9",
    } == shown["overrides"]


@pytest.mark.parametrize(("alias", "expected"), sorted(FORMAT_ALIASES.items()))
def test_format_aliases_resolve_to_a_format(runner: CliRunner, alias: str, expected: str) -> None:
    assert expected == run(runner, "show", "--format", alias.upper())["format"]


def test_the_format_choices_are_exactly_the_output_formats() -> None:
    assert {f.value for f in OutputFormat} == set(FORMATS)


def test_config_must_name_an_existing_file(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text("", encoding="utf-8")
    assert "c.toml" == run(runner, "show", "--config", str(config))["config"]
    result = runner.invoke(probe, ["show", "--config", str(tmp_path / "missing.toml")])
    assert 2 == result.exit_code
    assert "Invalid value for '--config'" in result.stderr


@pytest.mark.parametrize(
    ("args", "option", "allowed"),
    [
        (["--telemetry", "user"], "--telemetry", "on, off, user-only, operator-only"),
        (["--telemetry", "true"], "--telemetry", "on, off, user-only, operator-only"),
        (["--telemetry", ""], "--telemetry", "on, off, user-only, operator-only"),
        (
            ["--telemetry-backend", "kafka"],
            "--telemetry-backend",
            "json-file, stderr, prometheus, otlp, statsd, cloudwatch",
        ),
        (["--telemetry-endpoint", " "], "--telemetry-endpoint", "a URL or host:port"),
        (["--format", "xml"], "--format", "'terminal', 'json', 'markdown', 'sarif'"),
        (["--fail-on", "fatal"], "--fail-on", "'info', 'warning', 'error', 'never'"),
    ],
)
def test_invalid_values_are_usage_errors_naming_the_option_and_the_allowed_values(
    runner: CliRunner, args: list[str], option: str, allowed: str
) -> None:
    for placement in ([*args, "show"], ["show", *args]):
        result = runner.invoke(probe, placement)
        assert 2 == result.exit_code
        assert f"Invalid value for '{option}'" in result.stderr
        assert allowed in result.stderr
        assert "" == result.stdout


def test_an_invalid_audience_fails_even_for_commands_that_do_not_use_telemetry(
    runner: CliRunner,
) -> None:
    result = runner.invoke(cli, ["--telemetry", "garbage", "explain", "x"])
    assert 2 == result.exit_code
    assert "'garbage'" in result.stderr


@pytest.mark.parametrize("flag", ["--group-by", "--changed-workspaces"])
def test_flags_of_other_tools_are_rejected(runner: CliRunner, flag: str) -> None:
    assert 2 == runner.invoke(cli, ["health", flag]).exit_code


@pytest.mark.parametrize(
    "args", [["--version"], ["-V"], ["health", "--version"], ["telemetry", "-V"]]
)
def test_version_is_available_on_every_level(runner: CliRunner, args: list[str]) -> None:
    result = runner.invoke(cli, args)
    assert (0, "chaffra 0.1.0\n") == (result.exit_code, result.stdout)


def test_help_is_available_with_h(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["-h"])
    assert 0 == result.exit_code
    assert "Exit status:" in result.stdout


def test_parsed_values_have_the_telemetry_types() -> None:
    ctx = click.Context(show)
    assert GlobalOptions() == current_options(ctx)
    options = GlobalOptions(telemetry=TelemetryAudience.OFF, telemetry_backend=BackendKind.STATSD)
    assert {
        "telemetry": "off",
        "telemetry_backend": "statsd",
        "telemetry_endpoint": None,
    } == options.overrides()
