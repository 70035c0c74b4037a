"""Smoke check run by ``nox -s standalone`` against the installed wheel alone."""

from __future__ import annotations

import chaffra_telemetry

print("chaffra-telemetry", chaffra_telemetry.__version__, "imports alone")
