"""Errors of chaffra-core. A rejected configuration is the shared ``ConfigError``."""

from __future__ import annotations

from chaffra_telemetry.errors import ChaffraError, ConfigError

__all__ = [
    "ConfigError",
    "CoreError",
    "ModuleNotFound",
    "RuleNotFound",
]


class CoreError(ChaffraError):
    """Base of chaffra-core's errors."""


class ModuleNotFound(CoreError, LookupError):
    """No module has that id."""

    def __init__(self, module_id: str) -> None:
        self.module_id = module_id
        super().__init__(f"module not found: {module_id}")


class RuleNotFound(CoreError, LookupError):
    """No module explains that rule."""

    def __init__(self, rule_id: str) -> None:
        self.rule_id = rule_id
        super().__init__(f"rule not found: {rule_id}")
