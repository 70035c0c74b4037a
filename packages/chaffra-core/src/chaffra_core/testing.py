"""Helpers for testing an analysis module (built-in or a plugin) without a project on disk.

``summarise`` runs a module's per-file half on a source text exactly as the
engine does (one parse, one shared walk); ``analyse`` runs the whole module,
``combine`` included, over several texts.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from chaffra_core._analysis import Analyzers, analyse_bytes
from chaffra_core._findings import AnalysisResult
from chaffra_core._module import AnalysisModule, ModuleConfig, ProjectContext
from chaffra_core._summary import FileSummary

__all__ = ["analyse", "summarise"]


def summarise(
    module: AnalysisModule,
    text: str,
    *,
    path: str = "example.py",
    config: ModuleConfig | None = None,
) -> FileSummary:
    """The summary of one file holding ``text``, as the engine makes it for ``module``."""
    analyzers, failed = Analyzers.build([module], {module.describe().id: config or {}})
    if failed:
        raise RuntimeError(f"module failed to configure: {failed}")
    return analyse_bytes(
        text.encode("utf-8"), path=path, absolute=Path(path).absolute(), analyzers=analyzers
    )


def analyse(
    module: AnalysisModule,
    files: Mapping[str, str],
    *,
    config: ModuleConfig | None = None,
    root: Path = Path("project"),
) -> AnalysisResult:
    """``module``'s result over ``files`` (path -> text): every file's own findings plus
    what ``combine`` adds, as the engine reports it (suppressions not applied)."""
    table = config or {}
    summaries = [
        summarise(module, text, path=path, config=table) for path, text in sorted(files.items())
    ]
    module_id = module.describe().id
    combined = module.combine(summaries, table, ProjectContext(root=root, target=root))
    own = tuple(f for s in summaries for f in s.results[module_id].findings)
    if module_id in {m for s in summaries for m in s.errors}:
        raise RuntimeError(
            "; ".join(s.errors[module_id] for s in summaries if module_id in s.errors)
        )
    return AnalysisResult(
        findings=own + combined.findings, metrics=combined.metrics, health=combined.health
    )
