"""What a format needs beyond the result: where the reader stands, rule texts, a baseline.

Paths follow ruff's convention: relative to the current working directory,
absolute when outside it, so ``chaffra complexity packages/x --format github``
annotates ``packages/x/src/...``, which is what CI needs. Without a ``cwd``
(library callers) paths stay relative to the project root.

Names that are not UTF-8 are escaped (``chaffra_core._text``) in every format.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

import attrs

from chaffra_core._findings import Finding, Location, ProjectHealth, RuleExplanation
from chaffra_core._result import RunResult
from chaffra_core._text import escape_surrogates

if TYPE_CHECKING:  # a run without --baseline never loads the baseline
    from chaffra_core._baseline import BaselineComparison

__all__ = ["OutputContext", "display_path", "escape_surrogates", "for_display"]

_PathFn = Callable[[str], str]


@attrs.frozen(kw_only=True)
class OutputContext:
    """Rendering inputs that are not part of the analysis result.

    ``cwd``: paths are shown relative to it (absolute when outside); ``None``
    keeps them relative to the project root. ``target``: the analysed path,
    the JSON ``root``. ``repo_root``: what SARIF's ``%SRCROOT%`` stands for
    (default: the project root). ``rules``: ``explain`` texts by qualified
    rule id, for SARIF rule descriptors. ``comparison``: the baseline
    comparison the pull-request comment reports.
    """

    cwd: Path | None = None
    target: Path | None = None
    repo_root: Path | None = None
    rules: Mapping[str, RuleExplanation] = attrs.field(factory=dict)
    comparison: BaselineComparison | None = None


def display_path(root: Path, file: str, cwd: Path | None) -> str:
    """Root-relative ``file`` as the reader sees it: relative to ``cwd``, absolute outside it."""
    if cwd is None:
        return escape_surrogates(file)
    absolute = Path(os.path.normpath(root / file)) if file else root
    try:
        relative = absolute.relative_to(cwd)
    except ValueError:
        shown = absolute.as_posix()
    else:
        shown = PurePosixPath(relative).as_posix() if relative.parts else "."
    return escape_surrogates(shown)


def for_display(result: RunResult, context: OutputContext | None) -> RunResult:
    """``result`` with every path and text as the text formats print them."""
    cwd = context.cwd if context is not None else None
    shown: dict[str, str] = {}  # many findings share a file: each path is worked out once

    def path(file: str) -> str:
        found = shown.get(file)
        if found is None:
            found = shown[file] = display_path(result.root, file, cwd)
        return found

    findings = tuple(_finding(f, path) for f in result.findings)
    health = result.health
    if health is not None:
        health = _health(health, path)
    errors = tuple((escape_surrogates(m), escape_surrogates(e)) for m, e in result.module_errors)
    files = tuple(attrs.evolve(s, path=path(s.path)) for s in result.files)
    return attrs.evolve(result, findings=findings, health=health, module_errors=errors, files=files)


def _finding(finding: Finding, path: _PathFn) -> Finding:
    location: Location = attrs.evolve(finding.location, file=path(finding.location.file))
    metadata = {
        escape_surrogates(k): escape_surrogates(v) if isinstance(v, str) else v
        for k, v in finding.metadata.items()
    }
    return attrs.evolve(
        finding,
        location=location,
        message=escape_surrogates(finding.message),
        rule_id=escape_surrogates(finding.rule_id),
        metadata=metadata,
        actions=tuple(
            attrs.evolve(
                action,
                description=escape_surrogates(action.description),
                edits=tuple(
                    attrs.evolve(e, file=path(e.file), new_text=escape_surrogates(e.new_text))
                    for e in action.edits
                ),
            )
            for action in finding.actions
        ),
    )


def _health(health: ProjectHealth, path: _PathFn) -> ProjectHealth:
    files = tuple(attrs.evolve(f, file=path(f.file)) for f in health.files)
    contributors = tuple(
        attrs.evolve(
            c,
            file=None if c.file is None else path(c.file),
            symbol=None if c.symbol is None else escape_surrogates(c.symbol),
            detail=escape_surrogates(c.detail),
        )
        for c in health.contributors
    )
    return attrs.evolve(health, files=files, contributors=contributors)
