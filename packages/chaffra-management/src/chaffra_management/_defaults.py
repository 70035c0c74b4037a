"""Server defaults, importable without loading the server (the CLI shows them in --help)."""

from __future__ import annotations

__all__ = ["DEFAULT_HOST", "DEFAULT_PORT", "TOKEN_ENV"]

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 9100
TOKEN_ENV = "CHAFFRA_MANAGEMENT_TOKEN"
