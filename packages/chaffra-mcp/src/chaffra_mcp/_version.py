"""The distribution's version (also the MCP ``serverInfo.version``)."""

from __future__ import annotations

from importlib.metadata import version

__all__ = ["VERSION"]

VERSION = version("chaffra-mcp")
