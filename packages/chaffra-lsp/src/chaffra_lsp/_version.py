"""The installed version of chaffra-lsp."""

from __future__ import annotations

from importlib.metadata import version

__all__ = ["VERSION"]

VERSION = version("chaffra-lsp")
