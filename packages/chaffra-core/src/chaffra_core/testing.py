"""Helpers for testing an analysis module (built-in or a plugin), and runs over a tiny project.

``summarise`` runs a module's per-file half on a source text exactly as the
engine does (one parse, one shared walk); ``analyse`` runs the whole module,
``combine`` included, over several texts.

``write_project`` lays a few files out on disk; ``run_project`` and
``open_session`` analyse such a project as the CLI and the editor do;
``tree_digests`` tells whether a run wrote anything into it.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from chaffra_core._analysis import Analyzers, analyse_bytes
from chaffra_core._findings import AnalysisResult
from chaffra_core._module import AnalysisModule, ModuleConfig, ProjectContext
from chaffra_core._summary import FileSummary

if TYPE_CHECKING:  # the run and the session (160 more modules: workers, cattrs) load on first use
    from chaffra_core._host import ModuleHost
    from chaffra_core._result import ProgressCallback, RunResult
    from chaffra_core._session import ProjectSession

__all__ = [
    "TANGLED",
    "analyse",
    "open_session",
    "run_project",
    "summarise",
    "tree_digests",
    "write_project",
]

TANGLED = """
def tangled(a, b, c, d):
    if a and b or c and d:
        for x in range(a):
            if x % 2:
                while b:
                    if c:
                        b -= 1
                    elif d:
                        b -= 2
                    else:
                        break
    if a:
        return 1
    elif b:
        return 2
    elif c:
        return 3
    return 4
"""
"""A file holding one function, ``tangled`` (line 2), over the default complexity limits."""


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


def write_project(root: Path, files: Mapping[str, str]) -> Path:
    """Write ``files`` (relative path -> text) below ``root``, creating directories; ``root``."""
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def run_project(
    root: Path,
    *,
    command: str,
    telemetry: str | None = None,
    modules: Sequence[str] | None = None,
    host: ModuleHost | None = None,
    jobs: int | None = None,
    progress: ProgressCallback | None = None,
    use_cache: bool = True,
) -> RunResult:
    """``run_analysis`` over ``root`` with its own configuration, as ``chaffra <command>`` runs.

    ``telemetry`` overrides the configured audience (``"off"``, ``"on"``, ...); what
    the run would print on stderr is dropped.
    """
    from chaffra_core._config import CliOverrides, resolve_effective_config
    from chaffra_core._pipeline import run_analysis

    config = resolve_effective_config(root, None, CliOverrides(telemetry=telemetry))
    return run_analysis(
        config,
        command=command,
        modules=modules,
        host=host,
        jobs=jobs,
        progress=progress,
        use_cache=use_cache,
        stderr=io.StringIO(),
    )


def open_session(
    root: Path,
    *,
    telemetry: str | None = None,
    host: ModuleHost | None = None,
    use_cache: bool = True,
) -> ProjectSession:
    """A ``ProjectSession`` over ``root`` with its own configuration (not started yet).

    Raises:
        ConfigError: the configuration, or a module's ``[modules.<id>]`` table, is invalid.
    """
    from chaffra_core._config import CliOverrides, resolve_effective_config
    from chaffra_core._session import ProjectSession

    config = resolve_effective_config(root, None, CliOverrides(telemetry=telemetry))
    return ProjectSession(config, host=host, use_cache=use_cache)


def tree_digests(root: Path) -> dict[str, str]:
    """Every path below ``root`` (posix, relative) -> its content's SHA-256, or ``"dir"``."""
    return {
        p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        if p.is_file()
        else "dir"
        for p in sorted(root.rglob("*"))
    }
