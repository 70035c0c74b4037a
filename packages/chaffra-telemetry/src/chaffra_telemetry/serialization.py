"""JSON shapes: cattrs hooks to compose into another converter, and finite floats."""

from __future__ import annotations

from chaffra_telemetry._converter import (
    dumps,
    exactly,
    make_converter,
    register_hooks,
    sanitize_floats,
)

__all__ = ["dumps", "exactly", "make_converter", "register_hooks", "sanitize_floats"]
