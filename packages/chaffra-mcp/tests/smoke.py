"""Smoke check run by ``nox -s standalone``: the installed server answers a real MCP client."""

from __future__ import annotations

import tempfile
from pathlib import Path

import anyio
from mcp import Client

from chaffra_mcp import ServerSettings, create_server


async def main(root: Path) -> None:
    settings = ServerSettings.create([root], cache_dir=root / "cache")
    async with Client(create_server(settings), mode="legacy") as client:
        names = [tool.name for tool in (await client.list_tools()).tools]
        assert "chaffra_health" in names, names
        result = await client.call_tool("chaffra_health", {})
        assert not result.is_error, result.content
        assert result.structured_content is not None
        print("chaffra-mcp tools:", names, "health:", result.structured_content["grade"])


with tempfile.TemporaryDirectory() as tmp:
    project = Path(tmp)
    (project / "app.py").write_text("def f():\n    return 1\n", encoding="utf-8")
    anyio.run(main, project)
