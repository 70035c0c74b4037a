"""The version string, readable without ``importlib.metadata`` (which costs ~40 ms of CPU).

A test checks that it equals the installed distribution's version.
"""

from __future__ import annotations

__all__ = ["VERSION"]

VERSION = "0.1.0"
