"""What every tool call shares: the settings, the one module host, config resolution, analysis."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TextIO

import attrs

import chaffra_telemetry
from chaffra_core import (
    ConfigError,
    EffectiveConfig,
    ModuleHost,
    RunResult,
    resolve_effective_config,
    run_analysis,
)
from chaffra_mcp._memory import RunMemory
from chaffra_mcp._paging import PageCache
from chaffra_mcp._settings import ServerSettings
from chaffra_mcp.errors import ToolError
from chaffra_telemetry import TelemetryAudience

__all__ = ["Resolved", "ToolContext"]


@attrs.frozen(kw_only=True)
class Resolved:
    """A request's target and effective configuration, with notes for the caller."""

    target: Path
    config: EffectiveConfig
    notes: tuple[str, ...] = ()


class ToolContext:
    """The server's lifetime state, shared by every call (thread-safe).

    One :class:`ModuleHost` for the process (modules load once, not per call);
    the configuration is resolved per request with the CLI's resolver.
    """

    def __init__(
        self,
        settings: ServerSettings,
        *,
        host: ModuleHost | None = None,
        stderr: TextIO | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.settings = settings
        self.host = host if host is not None else ModuleHost.default()
        self.pages = PageCache()
        self.memory = RunMemory()
        self._stderr = stderr
        self._clock = clock

    @property
    def stderr(self) -> TextIO:
        """Where warnings go (never stdout: that is the protocol stream)."""
        return self._stderr if self._stderr is not None else sys.stderr

    def now_ms(self) -> int:
        """The clock, in milliseconds since the epoch."""
        return int(self._clock() * 1000)

    def resolve(self, target: Path) -> Resolved:
        """The effective configuration of ``target`` (already confined to the roots).

        Telemetry is switched off, with a note, when the project root the
        configuration names lies outside the roots (e.g. a ``.chaffra.toml``
        above the root): the server writes only inside its roots.

        Raises:
            ToolError: ``Invalid configuration: ...`` (fail closed, never defaults).
        """
        try:
            config = resolve_effective_config(
                target, self.settings.config_path, self.settings.overrides
            )
        except (ConfigError, chaffra_telemetry.ConfigError) as error:
            raise ToolError(f"Invalid configuration: {error}") from error
        notes = list(config.warnings)
        if config.telemetry.audience is not TelemetryAudience.OFF and not self.settings.contains(
            Path(config.project_root).resolve()
        ):
            off = attrs.evolve(config.telemetry, audience=TelemetryAudience.OFF)
            config = attrs.evolve(config, telemetry=off)
            notes.append(
                f"telemetry not recorded: the project root {config.project_root} is outside "
                "the server's roots"
            )
        return Resolved(target=target, config=config, notes=tuple(notes))

    def analyse(
        self, resolved: Resolved, *, command: str, modules: Sequence[str], churn: bool
    ) -> RunResult:
        """Run the one pipeline (telemetry included) and remember the result for "changes".

        Raises:
            ToolError: ``Analysis error: ...`` when a module failed.
        """
        result = run_analysis(
            resolved.config,
            command=command,
            modules=modules,
            host=self.host,
            churn=churn,
            stderr=self.stderr,
        )
        self.memory.remember(resolved.target, result, self.now_ms())
        if result.module_errors:
            failures = "; ".join(f"module `{m}` failed: {msg}" for m, msg in result.module_errors)
            raise ToolError(f"Analysis error: {failures}")
        return result
