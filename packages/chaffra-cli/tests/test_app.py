"""The command tree: every command loads on first use, under the name it is listed by."""

from __future__ import annotations

import click

from chaffra_cli._app import COMMANDS, cli


def test_every_listed_command_loads_under_its_own_name() -> None:
    ctx = click.Context(cli)
    assert sorted(COMMANDS) == cli.list_commands(ctx)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert command is not None
        assert name == command.name


def test_an_unknown_command_is_not_found() -> None:
    assert cli.get_command(click.Context(cli), "nope") is None
