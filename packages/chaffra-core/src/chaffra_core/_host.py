"""The module host: registers analyzers (built-in and ``chaffra.modules`` plugins), explains rules.

A module that raises becomes a ``core:module-error`` finding and a telemetry
error for that module; the other modules of the run still run.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator

import attrs

from chaffra_core._entry_points import entry_points
from chaffra_core._findings import (
    AnalysisResult,
    Finding,
    Location,
    ModuleInfo,
    RuleExplanation,
    Severity,
    split_rule_id,
)
from chaffra_core._module import AnalysisModule
from chaffra_core.errors import CoreError, ModuleNotFound, RuleNotFound

__all__ = [
    "ENTRY_POINT_GROUP",
    "LoadError",
    "ModuleHost",
    "ModuleRun",
    "check_result",
    "module_error_finding",
]

ENTRY_POINT_GROUP = "chaffra.modules"


@attrs.frozen(kw_only=True)
class LoadError:
    """A module that could not be loaded or registered."""

    name: str
    error_type: str
    message: str


@attrs.frozen(kw_only=True)
class ModuleRun:
    """One module's run: its result (empty on failure), wall time and error, if any."""

    module_id: str
    result: AnalysisResult
    duration_ms: int
    error: str | None = None


def module_error_finding(module_id: str, message: str) -> Finding:
    """The finding that reports a module failure (the run goes on without it)."""
    return Finding(
        rule_id="core:module-error",
        message=f"module `{module_id}` failed: {message}",
        severity=Severity.ERROR,
        location=Location(file=".", start_line=1, end_line=1),
        metadata={"module": module_id},
    )


class ModuleHost:
    """The analyzers of a run, by id."""

    def __init__(self, modules: Iterable[AnalysisModule] = ()) -> None:
        self._modules: dict[str, AnalysisModule] = {}
        self._startup_ms: dict[str, int] = {}
        self.load_errors: list[LoadError] = []
        for module in modules:
            self.register(module)

    @classmethod
    def default(cls) -> ModuleHost:
        """The built-in analyzers and every module registered under ``chaffra.modules``."""
        host = cls()
        for entry in sorted(entry_points(group=ENTRY_POINT_GROUP), key=lambda e: e.name):
            started = time.monotonic()
            try:
                factory = entry.load()
                module = factory()
                host.register(module)
            except Exception as error:  # a broken plugin must not take the others down
                host.load_errors.append(
                    LoadError(name=entry.name, error_type=type(error).__name__, message=str(error))
                )
                continue
            host._startup_ms[module.describe().id] = int((time.monotonic() - started) * 1000)
        return host

    def register(self, module: AnalysisModule) -> None:
        """Add a module.

        Raises:
            CoreError: a module with the same id is already registered.
        """
        module_id = module.describe().id
        if module_id in self._modules:
            raise CoreError(f"module already registered: {module_id}")
        self._modules[module_id] = module

    def __iter__(self) -> Iterator[AnalysisModule]:
        return iter(self._modules[i] for i in sorted(self._modules))

    @property
    def startup_ms(self) -> dict[str, int]:
        """How long each entry-point module took to load."""
        return dict(self._startup_ms)

    def ids(self) -> list[str]:
        """Registered module ids, sorted."""
        return sorted(self._modules)

    def infos(self) -> list[ModuleInfo]:
        """Every module's description, sorted by id."""
        return [m.describe() for m in self]

    def get(self, module_id: str) -> AnalysisModule:
        """The module with that id.

        Raises:
            ModuleNotFound: no such module.
        """
        try:
            return self._modules[module_id]
        except KeyError:
            raise ModuleNotFound(module_id) from None

    def explain(self, rule_id: str) -> RuleExplanation:
        """Explain ``module:rule``, or a bare rule by the first module that has it.

        Raises:
            ModuleNotFound: the qualified id names an unknown module.
            RuleNotFound: no module has the rule.
        """
        module_id, rule = split_rule_id(rule_id)
        candidates = [self.get(module_id)] if module_id is not None else list(self)
        for module in candidates:
            for known in module.describe().rules:
                if rule in (known.id, split_rule_id(known.id)[1]):
                    return module.explain(known.id)
        raise RuleNotFound(rule_id)


def check_result(module_id: str, result: object) -> AnalysisResult:
    """Validate what a module returned (the contract at the host boundary).

    Raises:
        CoreError: the module returned something else than the contract allows.
    """
    if not isinstance(result, AnalysisResult):
        raise CoreError(f"contract error: {module_id} returned {type(result).__name__}")
    findings: tuple[object, ...] = result.findings
    for finding in findings:
        if not isinstance(finding, Finding) or not isinstance(finding.severity, Severity):
            raise CoreError(f"contract error: {module_id} returned a malformed finding")
    return result
