"""The user's cache directory: the one place outside a project chaffra may write."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path

__all__ = ["CACHE_ENV", "user_cache_dir"]

CACHE_ENV = "CHAFFRA_CACHE_DIR"


def user_cache_dir(environ: Mapping[str, str] | None = None, platform: str | None = None) -> Path:
    """``$CHAFFRA_CACHE_DIR``, else the platform's per-user cache directory plus ``chaffra``.

    Linux and other Unixes follow XDG (``$XDG_CACHE_HOME`` or ``~/.cache``), macOS
    uses ``~/Library/Caches``, Windows ``%LOCALAPPDATA%``. Nothing is created here.
    """
    env = os.environ if environ is None else environ
    platform = sys.platform if platform is None else platform
    explicit = env.get(CACHE_ENV, "")
    if explicit:
        return Path(explicit)
    home = Path(env.get("HOME") or Path.home())
    if platform == "darwin":
        return home / "Library" / "Caches" / "chaffra"
    if platform == "win32":
        local = env.get("LOCALAPPDATA", "")
        return (Path(local) if local else home / "AppData" / "Local") / "chaffra" / "Cache"
    xdg = env.get("XDG_CACHE_HOME", "")
    # XDG: a relative value is invalid and must be ignored.
    base = Path(xdg) if xdg and os.path.isabs(xdg) else home / ".cache"
    return base / "chaffra"
