"""chaffra-telemetry: privacy-aware run telemetry for code-analysis tools."""

from __future__ import annotations

from importlib.metadata import version

from chaffra_telemetry._audience import TelemetryAudience
from chaffra_telemetry.errors import ConfigError

__version__ = version("chaffra-telemetry")

__all__ = ["ConfigError", "TelemetryAudience", "__version__"]
