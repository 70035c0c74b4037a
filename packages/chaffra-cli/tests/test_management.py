"""``chaffra management``: mode selection (no port bound here; see tests-integration)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import chaffra_management
from chaffra_cli._app import cli
from chaffra_cli._commands_analysis import resolve_config
from chaffra_cli._commands_management import prepare_management
from chaffra_cli._options import GlobalOptions
from chaffra_management import Served
from chaffra_telemetry import StateSource, TelemetryAudience


def listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


class FakeRunServer:
    """Stands in for ``chaffra_management.run_server``: prepares the state instead of serving.

    The real sequence (bind first, announce, serve) is tested in chaffra-management
    and, with a real port, in tests-integration.
    """

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []
        self.served: list[Served] = []

    def __call__(self, prepare: Callable[[], Served], **kwargs: Any) -> int:
        self.calls.append(kwargs)
        served = prepare()
        self.served.append(served)
        if served.close is not None:
            served.close()
        return 0


@pytest.fixture
def fake_run(monkeypatch: pytest.MonkeyPatch) -> FakeRunServer:
    fake = FakeRunServer()
    monkeypatch.setattr(chaffra_management, "run_server", fake)
    return fake


def prepare(options: GlobalOptions, path: Path, *, seeded: bool) -> Served:
    return prepare_management(options, resolve_config(options, path), seeded=seeded)


def test_off_serves_the_empty_state_without_analysing_or_writing(complex_project: Path) -> None:
    before = listing(complex_project)
    options = GlobalOptions(telemetry=TelemetryAudience.OFF)
    state = prepare(options, complex_project, seeded=True)
    assert ("empty (telemetry off)", 0) == (state.mode, state.live_state.snapshot_count())
    assert before == listing(complex_project)


def test_a_file_audience_off_dominates_too(complex_project: Path) -> None:
    (complex_project / ".chaffra.toml").write_text('[modules.telemetry]\naudience = "off"\n')
    state = prepare(GlobalOptions(), complex_project, seeded=False)
    assert StateSource.EMPTY == state.live_state.source()
    assert ".chaffra" not in listing(complex_project)


def test_seeded_serves_demo_data_and_writes_nothing(complex_project: Path) -> None:
    before = listing(complex_project)
    state = prepare(GlobalOptions(), complex_project, seeded=True)
    assert (StateSource.SEEDED, None) == (state.live_state.source(), state.close)
    assert 0 < state.live_state.snapshot_count()
    assert before == listing(complex_project)


def test_live_mode_analyses_once_and_follows_the_project_store(complex_project: Path) -> None:
    state = prepare(GlobalOptions(quiet=True), complex_project, seeded=False)
    try:
        db = complex_project / ".chaffra" / "telemetry.db"
        assert f"live, following {db}" == state.mode
        assert StateSource.LIVE == state.live_state.source()
        assert 1 == state.live_state.snapshot_count()
    finally:
        assert state.close is not None
        state.close()


def test_live_mode_with_an_unsafe_project_dir_serves_without_history(
    tmp_path: Path, complex_project: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (complex_project / ".chaffra").symlink_to(elsewhere)
    state = prepare(GlobalOptions(quiet=True), complex_project, seeded=False)
    assert state.close is not None
    state.close()
    assert "live, without history" in state.mode
    assert "telemetry skipped" in capsys.readouterr().err
    assert [] == list(elsewhere.iterdir())


def test_the_command_checks_the_config_then_hands_the_analysis_to_run_server(
    runner: CliRunner, complex_project: Path, fake_run: FakeRunServer
) -> None:
    result = runner.invoke(cli, ["management", str(complex_project), "--port", "0"])
    assert (0, "") == (result.exit_code, result.stdout)
    assert [{"port": 0}] == fake_run.calls
    assert result.stderr.startswith("Analysed 2 files")
    assert "live, following" in fake_run.served[0].mode


def test_the_command_with_seeded_and_off(
    runner: CliRunner, complex_project: Path, fake_run: FakeRunServer
) -> None:
    runner.invoke(cli, ["management", str(complex_project), "--seeded"])
    runner.invoke(cli, ["--telemetry", "off", "management", str(complex_project)])
    assert [{"port": 9100}, {"port": 9100}] == fake_run.calls
    assert ["seeded (demo data)", "empty (telemetry off)"] == [s.mode for s in fake_run.served]


@pytest.mark.parametrize("port", ["-1", "65536", "http"])
def test_an_invalid_port_is_a_usage_error(runner: CliRunner, tmp_path: Path, port: str) -> None:
    result = runner.invoke(cli, ["management", str(tmp_path), "--port", port])
    assert 2 == result.exit_code
    assert "Invalid value for '--port'" in result.stderr


def test_an_invalid_config_fails_before_binding(
    runner: CliRunner, tmp_path: Path, fake_run: FakeRunServer
) -> None:
    (tmp_path / ".chaffra.toml").write_text("[health]\nmax-cyclomatic = 'x'\n")
    result = runner.invoke(cli, ["management", str(tmp_path)])
    assert 2 == result.exit_code
    assert [] == fake_run.calls


def test_a_failed_start_exits_with_run_servers_status(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(prepare: object, **kwargs: object) -> int:
        return 1

    monkeypatch.setattr(chaffra_management, "run_server", refuse)
    result = runner.invoke(cli, ["management", str(tmp_path), "--seeded"])
    assert 1 == result.exit_code


def test_help_describes_the_three_modes(runner: CliRunner) -> None:
    text = runner.invoke(cli, ["management", "--help"]).stdout
    for mode in ("live", "seeded", "empty", "--telemetry off"):
        assert mode in text
