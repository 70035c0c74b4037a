"""Errors of chaffra-core. Caller mistakes derive from ``ConfigError``/``UsageError``."""

from __future__ import annotations

from chaffra_telemetry.errors import ChaffraError

__all__ = [
    "AnalysisError",
    "ConfigError",
    "CoreError",
    "ModuleNotFound",
    "RuleNotFound",
]


class CoreError(ChaffraError):
    """Base of chaffra-core's errors."""


class ConfigError(CoreError, ValueError):
    """A project configuration file or value was rejected (never replaced by defaults).

    ``path``, ``line`` and ``column`` locate the problem when known.
    """

    def __init__(
        self,
        message: str,
        *,
        path: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.path, self.line, self.column = path, line, column
        where = path or ""
        if path and line is not None:
            where += f":{line}" + (f":{column}" if column is not None else "")
        super().__init__(f"{where}: {message}" if where else message)


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


class AnalysisError(CoreError):
    """A module failed while analysing (reported as a finding; the run goes on)."""
