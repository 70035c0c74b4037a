"""``chaffra lsp``: the language server for editors, over stdio."""

from __future__ import annotations

import click

from chaffra_cli._options import SETTINGS_OPTIONS, GlobalOptions, pass_globals

__all__ = ["lsp"]


@click.command(short_help="Serve diagnostics, hover and code actions to editors (LSP, stdio).")
@click.option(
    "--debounce",
    type=click.IntRange(0, 10_000),
    default=250,
    show_default=True,
    metavar="MS",
    help="Quiet time after an edit before the document is re-analysed.",
)
@pass_globals(accepts=SETTINGS_OPTIONS)
def lsp(options: GlobalOptions, *, debounce: int) -> None:
    """Serve the Language Server Protocol over stdin/stdout.

    \b
    Diagnostics from every analyzer on open, on change (after --debounce ms of
    quiet) and on save, also pulled per document (textDocument/diagnostic) and
    for the whole workspace (workspace/diagnostic). An edit re-analyses that
    document from the editor's text and re-combines its project, so
    cross-file findings of other open documents follow. Hover: a function's
    complexity, rank and trend; a diagnostic's rule explanation. Code
    actions: a module's safe fix, a suppression comment, the rule's
    documentation.

    Each document's project is found as the CLI finds it (walking up to the
    nearest .chaffra.toml or [tool.chaffra]; else the workspace folder); the
    configuration is reloaded when it changes. A configuration error is
    shown on the configuration file and in a message, and the server keeps
    serving. Each save is a chaffra run: its telemetry snapshot goes to
    <project>/.chaffra/telemetry.db (none under --telemetry off), so
    `chaffra management` shows editor runs live. stdout carries protocol
    messages only.
    """
    from chaffra_cli._commands_analysis import cli_overrides
    from chaffra_lsp import ServerSettings, serve_stdio

    serve_stdio(
        ServerSettings(
            config_path=options.config,
            overrides=cli_overrides(options),
            debounce_ms=debounce,
        )
    )
