"""``chaffra lsp`` as a real process over stdio: diagnostics, a stored run per save, clean exit."""

from __future__ import annotations

import os
from pathlib import Path

from chaffra_lsp.testing import LspClient
from chaffra_telemetry import LiveTelemetryState, SqliteStore

COMPLEX = (
    "def f(a):\n"
    + "".join(f"    if a == {i}:\n        a += 1\n" for i in range(12))
    + "    return a\n"
)


def test_an_editor_gets_diagnostics_from_the_process_and_each_save_is_a_stored_run(
    tmp_path: Path,
) -> None:
    root = tmp_path / "project"
    root.mkdir()
    (root / ".chaffra.toml").write_text("", encoding="utf-8")
    (root / "m.py").write_text(COMPLEX, encoding="utf-8")
    client = LspClient.subprocess(
        "lsp", cwd=tmp_path, env={"CHAFFRA_CACHE_DIR": str(tmp_path / "cache")}
    )
    try:
        result = client.initialize(root)
        uri = client.open(root / "m.py")
        opened = client.diagnostics(uri)
        client.save(uri)
        client.diagnostics(uri)
        status = client.shutdown()
    finally:
        client.close()

    assert result.server_info is not None
    assert "chaffra" == result.server_info.name
    assert "complexity:high-cyclomatic" in {str(d.code) for d in opened.diagnostics}
    assert 0 == status
    store = SqliteStore.for_project(root)
    try:
        assert 2 == LiveTelemetryState(store).snapshot_count()
    finally:
        store.close()
    assert os.listdir(root / ".chaffra")
