"""An agent asks a real ``chaffra mcp`` process "what changed since the baseline" that
``chaffra baseline`` wrote, over the SDK's own client."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import anyio
from mcp import Client, StdioServerParameters, types

TIMEOUT = 60.0


def chaffra_command() -> list[str]:
    sibling = Path(sys.executable).with_name("chaffra")
    if sibling.is_file():
        return [str(sibling)]
    found = shutil.which("chaffra")
    return [found] if found else [sys.executable, "-m", "chaffra_cli"]


def branchy(name: str, branches: int) -> str:
    body = "".join(f"    if a == {i}:\n        a += {i}\n" for i in range(branches))
    return f"def {name}(a):\n{body}    return a\n"


def test_an_agent_sees_what_changed_since_the_baseline_chaffra_baseline_wrote(
    tmp_path: Path,
) -> None:
    root = tmp_path / "proj"
    root.mkdir()
    (root / ".chaffra.toml").write_text("", encoding="utf-8")
    (root / "a.py").write_text(
        "import os\n\n\n" + branchy("kept", 12) + branchy("fixed", 12), encoding="utf-8"
    )
    env = {**os.environ, "CHAFFRA_CACHE_DIR": str(tmp_path / "cache")}
    written = subprocess.run(
        [*chaffra_command(), "baseline", str(root)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
        env=env,
    )
    assert 0 == written.returncode, written.stderr
    assert (root / ".chaffra-baseline.json").is_file()
    # The agent's edit: a new complex function on top, one fixed, the unused import kept.
    (root / "a.py").write_text(
        "import os\n\n\n" + branchy("fresh", 13) + branchy("kept", 12) + branchy("fixed", 1),
        encoding="utf-8",
    )
    command, *args = chaffra_command()
    parameters = StdioServerParameters(
        command=command, args=[*args, "mcp", "--root", str(root)], env=env
    )

    async def main() -> tuple[bool, str, dict[str, Any] | None]:
        async with Client(parameters) as client:
            result = await client.call_tool("chaffra_changes", {"since": "baseline-file"})
            [content] = result.content
            assert isinstance(content, types.TextContent)
            return result.is_error, content.text, result.structured_content

    is_error, text, structured = anyio.run(main)

    assert not is_error, text
    assert structured is not None
    assert "baseline-file" == structured["since"]["kind"]
    changes = [(c["change"], c["rule_id"], c["message"]) for c in structured["changes"]]
    assert [("new", "complexity:high-cyclomatic")] == [
        c[:2] for c in changes if c[0] == "new" and c[1].startswith("complexity:")
    ]
    assert (
        "resolved",
        "complexity:high-cyclomatic",
        "function `fixed` has cyclomatic complexity 13 (threshold: 10)",
    ) in changes
    assert not [c for c in changes if c[1] == "dead-code:unused-import"]  # accepted, still there
    assert text.startswith("Since the baseline file .chaffra-baseline.json: ")
