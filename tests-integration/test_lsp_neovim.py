"""A real editor as the client: Debian's neovim, headless, with its built-in LSP client.

``nvim_client.lua`` starts ``chaffra lsp`` the way a user's configuration would,
opens two files of a temporary project and writes what the editor saw to a
JSON file. The nox ``integration`` session installs neovim and sets
``CHAFFRA_REQUIRE_NEOVIM=1``, so there a missing neovim fails the test.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

CLIENT = Path(__file__).with_name("nvim_client.lua")
TIMEOUT_MS = 60_000
BRANCHY = (
    "def branchy(a):\n"
    + "".join(f"    if a == {i}:\n        a += 1\n" for i in range(11))
    + "    return a\n"
)
A = (
    "import os\n"
    "import json\n\n\n"
    "def used():\n    return json.dumps({})\n\n\n"
    "def unused():\n    return 1\n\n\n"
    'PASSWORD = "s3cr3t-Pa55"\n\n\n'
    "def run(cmd):\n    import subprocess\n\n    return subprocess.call(cmd, shell=True)\n\n\n"
    + BRANCHY
)
B = 'from a import branchy, run, used\n\nprint(used(), run("ls"), branchy(1))\n'


def _neovim() -> str:
    found = shutil.which("nvim")
    if found is None:
        if os.environ.get("CHAFFRA_REQUIRE_NEOVIM") == "1":
            pytest.fail("CHAFFRA_REQUIRE_NEOVIM=1 but neovim (nvim) is not installed")
        pytest.skip("neovim is not installed (apt-get install neovim)")
    return found


def _drive(nvim: str, root: Path, tmp_path: Path) -> dict[str, Any]:
    out = tmp_path / "editor.json"
    env = {
        **os.environ,
        "CHAFFRA_CACHE_DIR": str(tmp_path / "cache"),
        "CHAFFRA_NVIM_COMMAND": json.dumps([sys.executable, "-m", "chaffra_cli", "lsp"]),
        "CHAFFRA_NVIM_ROOT": str(root),
        "CHAFFRA_NVIM_OUT": str(out),
        "CHAFFRA_NVIM_TIMEOUT_MS": str(TIMEOUT_MS),
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    completed = subprocess.run(
        [nvim, "--headless", "--clean", "-c", f"luafile {CLIENT}"],
        cwd=root,
        env=env,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=6 * TIMEOUT_MS / 1000,
        check=False,
    )
    assert out.is_file(), f"neovim wrote no result: {completed.stderr[-2000:]}"
    seen: dict[str, Any] = json.loads(out.read_text(encoding="utf-8"))
    assert seen["ok"], seen["error"]
    return seen


def _codes(diagnostics: list[dict[str, Any]]) -> set[tuple[str, int]]:
    return {(d["code"], d["line"]) for d in diagnostics}


def test_neovim_gets_every_analyzers_diagnostics_hover_and_a_fix_from_chaffra_lsp(
    tmp_path: Path,
) -> None:
    nvim = _neovim()
    root = tmp_path / "project"
    root.mkdir()
    (root / ".chaffra.toml").write_text("", encoding="utf-8")
    (root / "a.py").write_text(A, encoding="utf-8")
    (root / "b.py").write_text(B, encoding="utf-8")

    seen = _drive(nvim, root, tmp_path)

    assert "chaffra" == seen["server_name"]
    assert {
        ("dead-code:unused-import", 1),
        ("dead-code:unused-function", 9),  # `used` is called from b.py: not reported
        ("security:hardcoded-password", 13),
        ("security:command-injection", 19),
        ("complexity:high-cyclomatic", 22),
    } <= _codes(seen["opened"])
    assert all(d["source"] == "chaffra" for d in seen["opened"])
    assert "s3cr3t-Pa55" not in json.dumps(seen)  # the secret is never shown whole
    assert "**branchy** — cyclomatic 12 (rank C), cognitive 11" in seen["hover"]
    assert "Suppress: `# chaffra: ignore[complexity:high-cyclomatic]`" in seen["hover"]
    assert "Remove the unused import" == seen["actions"][0]  # the preferred fix first
    assert {
        "Suppress dead-code:unused-import with a chaffra: ignore comment",
        "Show documentation for dead-code:unused-import",
    } <= set(seen["actions"])
    assert "import json" == seen["first_line_after_fix"]
    # The fix removed line 1: `used` (now line 4) became dead once b.py stopped calling it.
    after = _codes(seen["after_edit"])
    assert ("dead-code:unused-function", 4) in after
    assert not any(code == "dead-code:unused-import" for code, _ in after)
    assert {"code": 0, "signal": 0} == seen["exit"]
    assert (root / ".chaffra" / "telemetry.db").is_file()  # the server's first run, stored
