"""Error reporting: exit statuses, ``Error:`` lines and no tracebacks (trust boundary)."""

from __future__ import annotations

import importlib.metadata
import runpy
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

import chaffra_cli
from chaffra_cli import main
from chaffra_cli._errors import ChaffraGroup, CommandFailed, ConfigInvalid, translate
from chaffra_cli._main import _exit_status
from chaffra_core.errors import ConfigError, RuleNotFound
from chaffra_telemetry.errors import InvalidAudience, TelemetryIOError


def failing_group(error: BaseException) -> ChaffraGroup:
    @click.command()
    def boom() -> None:
        raise error

    return ChaffraGroup("chaffra", commands=[boom])


@pytest.mark.parametrize(
    ("error", "status", "message"),
    [
        (
            ConfigError("invalid TOML: bad", path="p/.chaffra.toml", line=3, column=7),
            2,
            "Error: p/.chaffra.toml:3:7: invalid TOML: bad\n",
        ),
        (
            InvalidAudience("loud"),
            2,
            'Error: invalid telemetry audience: audience = "loud" '
            "(expected one of: on, off, user-only, operator-only)\n",
        ),
        (RuleNotFound("x"), 1, "Error: rule not found: x\n"),
        (
            FileNotFoundError(2, "No such file or directory", "gone.py"),
            1,
            "Error: [Errno 2] No such file or directory: 'gone.py'\n",
        ),
        (RuntimeError("oops"), 1, "Error: internal error (RuntimeError): oops\n"),
    ],
)
def test_errors_become_an_error_line_and_an_exit_status(
    runner: CliRunner, error: Exception, status: int, message: str
) -> None:
    result = runner.invoke(failing_group(error), ["boom"])
    assert (status, message, "") == (result.exit_code, result.stderr, result.stdout)


def test_the_cause_chain_is_printed_under_the_message(runner: CliRunner) -> None:
    try:
        try:
            raise PermissionError(13, "Permission denied")
        except PermissionError as cause:
            raise TelemetryIOError("cannot write telemetry.db") from cause
    except TelemetryIOError as error:
        raised = error
    result = runner.invoke(failing_group(raised), ["boom"])
    assert (
        "Error: io error: cannot write telemetry.db\n  Caused by: [Errno 13] Permission denied\n"
        == result.stderr
    )


def test_a_cause_already_in_the_message_is_not_repeated() -> None:
    outer = ValueError("bad value: inner detail")
    outer.__cause__ = KeyError()
    outer.__cause__.__cause__ = outer  # a cycle ends the chain
    inner = ValueError("inner detail")
    wrapper = OSError("bad value: inner detail")
    wrapper.__cause__ = inner
    assert "bad value: inner detail" == translate(wrapper).message
    assert "internal error (ValueError): bad value: inner detail\n  Caused by: KeyError" == (
        translate(outer).message
    )


def test_translate_picks_the_exit_status_by_error_kind() -> None:
    assert isinstance(translate(ConfigError("x")), ConfigInvalid)
    assert isinstance(translate(OSError("x")), CommandFailed)


def test_keyboard_interrupt_exits_130_without_a_traceback(runner: CliRunner) -> None:
    result = runner.invoke(failing_group(KeyboardInterrupt()), ["boom"])
    assert (130, "Interrupted.\n") == (result.exit_code, result.stderr)


def test_click_exits_pass_through(runner: CliRunner) -> None:
    result = runner.invoke(failing_group(click.exceptions.Exit(3)), ["boom"])
    assert 3 == result.exit_code


def test_chaffra_debug_shows_the_original_exception(
    runner: CliRunner, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHAFFRA_DEBUG", "1")
    result = runner.invoke(failing_group(RuntimeError("oops")), ["boom"])
    assert isinstance(result.exception, RuntimeError)


def test_main_answers_version_without_loading_click(capsys: pytest.CaptureFixture[str]) -> None:
    assert 0 == main(["--version"])
    assert "chaffra 0.1.0\n" == capsys.readouterr().out


def test_main_returns_the_exit_status_of_the_command(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert 0 == main(["--help"])
    assert 2 == main(["--format", "xml", "modules"])
    assert 2 == main(["health", str(tmp_path / "missing")])
    assert "does not exist" in capsys.readouterr().err


def test_exit_statuses_follow_the_sys_exit_conventions(capsys: pytest.CaptureFixture[str]) -> None:
    assert (0, 4, 1) == (_exit_status(None), _exit_status(4), _exit_status("bye"))
    assert "bye\n" == capsys.readouterr().err


def test_the_version_constant_matches_the_installed_distribution() -> None:
    assert importlib.metadata.version("chaffra-cli") == chaffra_cli.__version__


def test_python_dash_m_chaffra_cli_runs_main(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "argv", ["chaffra", "--version"])
    with pytest.raises(SystemExit) as done:
        runpy.run_module("chaffra_cli", run_name="__main__")
    assert (0, "chaffra 0.1.0\n") == (done.value.code, capsys.readouterr().out)
