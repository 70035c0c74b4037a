"""JSON shapes: cattrs hooks to compose into another converter, and finite floats."""

from __future__ import annotations

from chaffra_telemetry._converter import dumps, make_converter, register_hooks, sanitize_floats

__all__ = ["dumps", "make_converter", "register_hooks", "sanitize_floats"]
