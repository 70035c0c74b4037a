"""The project's ``.chaffra/`` directory and crash-safe writes into it, never through a symlink."""

from __future__ import annotations

from chaffra_telemetry._atomic import atomic_write_text, ensure_project_dir
from chaffra_telemetry._project_dir import PROJECT_DIR, project_dir_problem, safe_project_dir

__all__ = [
    "PROJECT_DIR",
    "atomic_write_text",
    "ensure_project_dir",
    "project_dir_problem",
    "safe_project_dir",
]
