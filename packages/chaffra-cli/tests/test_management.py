"""``chaffra management``: mode selection (no port bound here; see tests-integration)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import chaffra_management
from chaffra_cli._app import cli
from chaffra_cli._commands_management import prepare_management
from chaffra_cli._options import GlobalOptions
from chaffra_telemetry import SqliteStore, StateSource, TelemetryAudience


def listing(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


class FakeServe:
    """Records what ``serve`` was given and announces a URL instead of binding."""

    def __init__(self) -> None:
        self.calls: list[dict[str, Any]] = []

    def __call__(self, app: object, **kwargs: Any) -> None:
        self.calls.append({"app": app, **kwargs})
        on_ready: Callable[[str], None] = kwargs["on_ready"]
        on_ready("http://127.0.0.1:4321/")


@pytest.fixture
def fake_serve(monkeypatch: pytest.MonkeyPatch) -> FakeServe:
    fake = FakeServe()
    monkeypatch.setattr(chaffra_management, "serve", fake)
    return fake


def test_off_serves_the_empty_state_without_analysing_or_writing(complex_project: Path) -> None:
    before = listing(complex_project)
    options = GlobalOptions(telemetry=TelemetryAudience.OFF)
    state = prepare_management(options, complex_project, seeded=True)
    assert ("empty (telemetry off)", 0) == (state.mode, state.live_state.snapshot_count())
    assert before == listing(complex_project)


def test_a_file_audience_off_dominates_too(complex_project: Path) -> None:
    (complex_project / ".chaffra.toml").write_text('[modules.telemetry]\naudience = "off"\n')
    state = prepare_management(GlobalOptions(), complex_project, seeded=False)
    assert StateSource.EMPTY == state.live_state.source()
    assert ".chaffra" not in listing(complex_project)


def test_seeded_serves_demo_data_and_writes_nothing(complex_project: Path) -> None:
    before = listing(complex_project)
    state = prepare_management(GlobalOptions(), complex_project, seeded=True)
    assert (StateSource.SEEDED, None) == (state.live_state.source(), state.store)
    assert 0 < state.live_state.snapshot_count()
    assert before == listing(complex_project)


def test_live_mode_analyses_once_and_follows_the_project_store(complex_project: Path) -> None:
    state = prepare_management(GlobalOptions(quiet=True), complex_project, seeded=False)
    try:
        assert state.store is not None
        assert complex_project / ".chaffra" / "telemetry.db" == state.store.path
        assert StateSource.LIVE == state.live_state.source()
        assert 1 == state.live_state.snapshot_count()
    finally:
        assert state.store is not None
        state.store.close()


def test_the_command_serves_the_state_and_announces_the_urls_on_stderr(
    runner: CliRunner, complex_project: Path, fake_serve: FakeServe
) -> None:
    result = runner.invoke(cli, ["management", str(complex_project), "--port", "0"])
    assert (0, "") == (result.exit_code, result.stdout)
    assert 0 == fake_serve.calls[0]["port"]
    lines = result.stderr.splitlines()
    assert lines[0].startswith("Analysed 2 files")
    assert [
        "Dashboard: http://127.0.0.1:4321/",
        "API: http://127.0.0.1:4321/api/v1/",
        f"Mode: live, following {complex_project / '.chaffra' / 'telemetry.db'}",
        "Audience: user-only",
    ] == lines[1:]
    store = SqliteStore(complex_project / ".chaffra" / "telemetry.db")
    try:
        assert 1 == store.count()
    finally:
        store.close()


def test_the_command_with_seeded_and_off(
    runner: CliRunner, complex_project: Path, fake_serve: FakeServe
) -> None:
    seeded = runner.invoke(cli, ["management", str(complex_project), "--seeded"])
    assert "Mode: seeded demo data" in seeded.stderr
    assert 9100 == fake_serve.calls[0]["port"]
    off = runner.invoke(cli, ["--telemetry", "off", "management", str(complex_project)])
    assert "Mode: empty (telemetry off)\nAudience: off\n" in off.stderr


@pytest.mark.parametrize("port", ["-1", "65536", "http"])
def test_an_invalid_port_is_a_usage_error(runner: CliRunner, tmp_path: Path, port: str) -> None:
    result = runner.invoke(cli, ["management", str(tmp_path), "--port", port])
    assert 2 == result.exit_code
    assert "Invalid value for '--port'" in result.stderr


def test_an_invalid_config_fails_before_binding(
    runner: CliRunner, tmp_path: Path, fake_serve: FakeServe
) -> None:
    (tmp_path / ".chaffra.toml").write_text("[health]\nmax-cyclomatic = 'x'\n")
    result = runner.invoke(cli, ["management", str(tmp_path)])
    assert 2 == result.exit_code
    assert [] == fake_serve.calls


def test_a_bind_failure_exits_1(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(app: object, **kwargs: object) -> None:
        raise OSError(98, "Address already in use")

    monkeypatch.setattr(chaffra_management, "serve", refuse)
    result = runner.invoke(cli, ["management", str(tmp_path), "--seeded"])
    assert (1, "Error: [Errno 98] Address already in use\n") == (result.exit_code, result.stderr)


def test_help_describes_the_three_modes(runner: CliRunner) -> None:
    text = runner.invoke(cli, ["management", "--help"]).stdout
    for mode in ("live", "seeded", "empty", "--telemetry off"):
        assert mode in text
