"""``chaffra mcp``: what it refuses before serving (serving itself runs in tests-integration)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from chaffra_cli._app import cli


def test_mcp_refuses_a_remote_bind_without_a_token_before_serving(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(
        cli, ["mcp", "--http", "--host", "0.0.0.0", "--root", str(tmp_path)], env={}
    )
    assert 2 == result.exit_code
    assert "refusing to serve MCP on non-loopback address 0.0.0.0 without a token" in (
        result.output
    )


def test_mcp_fails_fast_on_an_invalid_config_file(runner: CliRunner, tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text("[project\n", encoding="utf-8")
    result = runner.invoke(cli, ["mcp", "--config", str(config), "--root", str(tmp_path)])
    assert 2 == result.exit_code
    assert "invalid TOML" in result.output
