"""What ``chaffra_changes`` compares with: a registry of baseline sources.

- ``last-run``: the last run this server saw on the target, per module (full
  findings and health); for a module it has not run yet, the fingerprints the
  project's churn state recorded for that module's command (e.g. the last
  ``chaffra complexity`` from the CLI), which hold no messages or measures.
- ``git-ref``: the project exported at a git ref and analysed with telemetry
  off, under the current configuration (same thresholds and ignores).
- ``baseline-file``: the findings a project accepted in the file ``chaffra
  baseline`` writes (chaffra_core's :class:`~chaffra_core.Baseline`), matched as
  ``chaffra health --baseline`` matches them.

The tool's input enum is built from this registry.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

import attrs

from chaffra_core import (
    BASELINE_FILE_NAME,
    ConfigError,
    EffectiveConfig,
    Finding,
    FunctionMetrics,
    run_analysis,
)
from chaffra_core import Baseline as AcceptedFindings
from chaffra_mcp._context import Resolved, ToolContext
from chaffra_mcp._diff import BaselineItem, Diff, accepted_diff, diff
from chaffra_mcp._git import exported_tree
from chaffra_mcp._memory import CORE_MODULE
from chaffra_mcp._paths import confine
from chaffra_mcp.errors import ToolError
from chaffra_telemetry import TelemetryAudience, TelemetryConfig, load_state
from chaffra_telemetry.errors import ChaffraError

__all__ = ["BASELINES", "Baseline", "BaselineSource", "ChangeRequest"]


@attrs.frozen(kw_only=True)
class ChangeRequest:
    """What to compare: the target's modules, and the arguments of the baseline source."""

    resolved: Resolved
    modules: tuple[str, ...]
    arguments: Mapping[str, Any]


@attrs.frozen(kw_only=True)
class Baseline:
    """The findings to compare with; ``available`` is false when there is nothing yet."""

    kind: str
    label: str
    items: tuple[BaselineItem, ...] = ()
    health: float | None = None
    functions: tuple[tuple[str, FunctionMetrics], ...] = ()
    """Every measured function at the baseline as ``(file, metrics)`` (empty if unknown)."""
    available: bool = True
    details: Mapping[str, Any] = attrs.field(factory=dict)
    notes: tuple[str, ...] = ()
    accepted: AcceptedFindings | None = None
    """A baseline file's entries: matched by its own rules instead of by fingerprint."""

    def compare(self, current: Sequence[Finding]) -> Diff:
        """``current`` matched against this baseline."""
        if self.accepted is not None:
            return accepted_diff(self.accepted, current)
        return diff(current, self.items)


class BaselineSource(Protocol):
    """Loads a baseline; called before the current run, which replaces the last run."""

    def load(self, context: ToolContext, request: ChangeRequest) -> Baseline:
        """The baseline for ``request``.

        Raises:
            ToolError: the baseline named by the arguments cannot be had.
        """
        ...


def _relative_prefix(resolved: Resolved) -> str:
    relative = Path(resolved.target).relative_to(resolved.config.project_root).as_posix()
    return "" if relative == "." else relative


def _under(file: str, prefix: str) -> bool:
    return not prefix or file == prefix or file.startswith(prefix + "/")


class LastRun:
    """The previous run on the target: the server's memory, else the churn state's fingerprints."""

    def load(self, context: ToolContext, request: ChangeRequest) -> Baseline:
        """Per module, the remembered run or the churn state; unavailable if neither exists."""
        target = request.resolved.target
        items: list[BaselineItem] = []
        notes: list[str] = []
        stamps: list[int] = []
        health = None
        functions: tuple[tuple[str, FunctionMetrics], ...] = ()
        missing = []
        for module in request.modules:
            record = context.memory.recall(target, module)
            if record is None:
                missing.append(module)
                continue
            items.extend(BaselineItem.of(f) for f in record.findings)
            stamps.append(record.timestamp_ms)
            if record.health is not None:
                health = record.health.score
            functions = functions + record.functions
        core = context.memory.recall(target, CORE_MODULE)
        if core is not None and not missing:
            items.extend(BaselineItem.of(f) for f in core.findings)
        stored = self._from_churn_state(request, missing, notes)
        if missing and stored is None:
            return Baseline(
                kind="last-run",
                label="no previous run",
                available=False,
                notes=(
                    f"no previous run of {', '.join(missing)} on this target: this run is the "
                    "baseline of the next call",
                    *notes,
                ),
            )
        if stored is not None:
            stored_items, stamp = stored
            items.extend(stored_items)
            stamps.append(stamp)
        return Baseline(
            kind="last-run",
            label="the previous run",
            items=tuple(items),
            health=health,
            functions=functions,
            details={"timestamp_ms": min(stamps)},
            notes=tuple(notes),
        )

    def _from_churn_state(
        self, request: ChangeRequest, modules: Sequence[str], notes: list[str]
    ) -> tuple[list[BaselineItem], int] | None:
        if not modules:
            return None
        root = request.resolved.config.project_root
        prefix = _relative_prefix(request.resolved)
        items: list[BaselineItem] = []
        stamps = []
        for module in modules:
            try:
                state = load_state(root, module)
            except (ChaffraError, OSError) as error:
                notes.append(f"the project's churn state could not be read: {error}")
                return None
            if state is None:
                return None
            stamps.append(state.timestamp_ms)
            items.extend(
                BaselineItem(fingerprint=fp)
                for fp in sorted(state.fingerprints)
                if fp.rule_id.startswith(module + ":") and _under(fp.file, prefix)
            )
        notes.append(
            f"baseline for {', '.join(modules)} from the project's churn state (last "
            f"`{'`, `'.join(modules)}` run): fingerprints only, so resolved findings carry no "
            "message and measures cannot be compared"
        )
        return items, min(stamps)


class GitRef:
    """The project at a git ref, exported to the cache directory and analysed without telemetry."""

    def load(self, context: ToolContext, request: ChangeRequest) -> Baseline:
        """The baseline at ``arguments["ref"]``.

        Raises:
            ToolError: no ``ref`` argument, or the export failed (see ``exported_tree``).
        """
        ref = request.arguments.get("ref")
        if ref is None:
            raise ToolError("Missing argument: ref (the git ref to compare with, e.g. HEAD)")
        current = request.resolved.config
        with exported_tree(current.project_root, ref, context.settings.cache_dir) as tree:
            relative = Path(request.resolved.target).relative_to(current.project_root)
            old_target = tree.root / relative
            details = {"ref": ref, "commit": tree.commit}
            if not old_target.exists():
                return Baseline(
                    kind="git-ref",
                    label=f"git {ref} ({tree.commit[:12]})",
                    details=details,
                    notes=(f"{request.resolved.target} did not exist at {ref}",),
                )
            config = EffectiveConfig(
                project_root=tree.root,
                target=old_target,
                config_path=None,
                project=current.project,
                telemetry=TelemetryConfig(audience=TelemetryAudience.OFF),
                modules=current.modules,
            )
            old = run_analysis(
                config,
                command="changes",
                modules=request.modules,
                host=context.host,
                churn=False,
                stderr=context.stderr,
            )
        return Baseline(
            kind="git-ref",
            label=f"git {ref} ({tree.commit[:12]})",
            items=tuple(BaselineItem.of(f) for f in old.findings),
            health=old.health.score if old.health is not None else None,
            functions=tuple(old.functions()),
            details=details,
        )


class BaselineFile:
    """The findings accepted in a baseline file (``chaffra baseline``), for the target's modules."""

    def load(self, context: ToolContext, request: ChangeRequest) -> Baseline:
        """The entries of ``arguments["baseline"]`` (default: the project's baseline file)
        under the target and of the compared modules (and core).

        Raises:
            ToolError: the file is outside the roots, missing, or not a baseline.
        """
        root = request.resolved.config.project_root
        argument = request.arguments.get("baseline")
        path = (
            root / BASELINE_FILE_NAME if argument is None else confine(argument, context.settings)
        )
        if argument is None and not path.is_file():
            raise ToolError(
                f"No baseline file: {path} does not exist; write one with `chaffra baseline`"
            )
        try:
            accepted = AcceptedFindings.read(path)
        except ConfigError as error:
            raise ToolError(f"Invalid baseline file: {error}") from None
        prefix = _relative_prefix(request.resolved)
        modules = {*request.modules, CORE_MODULE}
        kept = AcceptedFindings(
            entries=tuple(
                e
                for e in accepted.entries
                if e.rule_id.split(":", 1)[0] in modules and _under(e.file, prefix)
            )
        )
        return Baseline(
            kind="baseline-file",
            label=f"the baseline file {path.name}",
            items=tuple(BaselineItem.accepted(e) for e in kept.entries),
            accepted=kept,
            details={"file": str(path)},
            notes=(
                "a baseline file holds accepted findings only: no health score or "
                "per-function measures to compare",
            ),
        )


BASELINES: Mapping[str, BaselineSource] = {
    "last-run": LastRun(),
    "git-ref": GitRef(),
    "baseline-file": BaselineFile(),
}
"""Baseline sources by the ``since`` value that selects them."""
