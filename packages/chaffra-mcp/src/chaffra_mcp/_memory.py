"""What the server saw in its last run on each target: the baseline of "since the last run"."""

from __future__ import annotations

import threading
from collections import OrderedDict
from pathlib import Path

import attrs

from chaffra_core import Finding, FunctionMetrics, ProjectHealth, RunResult, split_rule_id

__all__ = ["CORE_MODULE", "RunMemory", "RunRecord"]

CORE_MODULE = "core"
"""Pseudo-module of the pipeline's own findings (parse errors, failed modules)."""

_TARGETS = 32


@attrs.frozen(kw_only=True)
class RunRecord:
    """One module's findings (and, for complexity, health) from one run on a target."""

    findings: tuple[Finding, ...]
    health: ProjectHealth | None
    timestamp_ms: int
    functions: tuple[tuple[str, FunctionMetrics], ...] = ()


class RunMemory:
    """The latest record per (target, module); thread-safe, bounded in targets (LRU)."""

    def __init__(self, capacity: int = _TARGETS) -> None:
        self._capacity = capacity
        self._targets: OrderedDict[Path, dict[str, RunRecord]] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, target: Path, result: RunResult, timestamp_ms: int) -> None:
        """Record ``result`` for each module it ran successfully, and the core findings."""
        failed = {module for module, _ in result.module_errors}
        by_module: dict[str, list[Finding]] = {}
        for finding in result.findings:
            by_module.setdefault(split_rule_id(finding.rule_id)[0] or CORE_MODULE, []).append(
                finding
            )
        records = {
            module: RunRecord(
                findings=tuple(by_module.get(module, ())),
                health=result.health,
                timestamp_ms=timestamp_ms,
                functions=tuple(result.functions()) if module == "complexity" else (),
            )
            for module in (*result.modules, CORE_MODULE)
            if module not in failed
        }
        with self._lock:
            known = self._targets.setdefault(target, {})
            known.update(records)
            self._targets.move_to_end(target)
            while len(self._targets) > self._capacity:
                self._targets.popitem(last=False)

    def recall(self, target: Path, module: str) -> RunRecord | None:
        """The latest record of ``module`` on ``target``, or ``None``."""
        with self._lock:
            return self._targets.get(target, {}).get(module)
