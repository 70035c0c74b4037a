"""Smoke check run by ``nox -s standalone``: the installed server answers a real LSP client."""

from __future__ import annotations

import tempfile
from pathlib import Path

from chaffra_core import CliOverrides
from chaffra_lsp import ServerSettings, create_server
from chaffra_lsp.testing import LspClient

with tempfile.TemporaryDirectory() as tmp:
    root = Path(tmp)
    (root / "app.py").write_text("def f(:\n", encoding="utf-8")
    settings = ServerSettings(use_cache=False, overrides=CliOverrides(telemetry="off"))
    client = LspClient.in_thread(create_server(settings).start_io)
    try:
        client.initialize(root)
        published = client.diagnostics(client.open(root / "app.py"))
        assert [str(d.code) for d in published.diagnostics] == ["parse:syntax-error"], published
        client.shutdown()
    finally:
        client.close()
    print("chaffra-lsp diagnostics:", [d.message for d in published.diagnostics])
