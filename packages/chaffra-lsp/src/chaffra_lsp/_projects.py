"""Which project a document belongs to, and one incremental session per project.

Discovery is the CLI's: walk up from the document to the nearest
``.chaffra.toml`` (or ``pyproject.toml`` with ``[tool.chaffra]``); without one
the innermost workspace folder holding the document is the project, else the
document's directory. ``--config`` replaces discovery, as in the CLI.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import attrs

import chaffra_telemetry
from chaffra_core import (
    CliOverrides,
    ConfigError,
    EffectiveConfig,
    ModuleHost,
    ProjectSession,
    discover_config,
    resolve_effective_config,
)

__all__ = ["CONFIG_NAMES", "ConfigProblem", "Projects", "ServerSettings"]

CONFIG_NAMES = frozenset({".chaffra.toml", "pyproject.toml", ".gitignore", ".chaffraignore"})
"""Files whose change can change a project's configuration or its file set."""

LSP_COMMAND = "lsp"
"""The command name of the LSP's runs (their churn scope and telemetry label)."""


@attrs.frozen(kw_only=True)
class ServerSettings:
    """What ``chaffra lsp`` hands the server, once, for its lifetime."""

    config_path: Path | None = None
    overrides: CliOverrides = attrs.Factory(CliOverrides)
    debounce_ms: int = 250
    use_cache: bool = True
    jobs: int | None = None


@attrs.frozen(kw_only=True)
class ConfigProblem:
    """A configuration that could not be used: the message, and the file and line to
    show it on when known."""

    message: str
    path: Path | None = None
    line: int | None = None

    @classmethod
    def of(cls, error: Exception) -> ConfigProblem:
        """The problem ``error`` (a core or telemetry ``ConfigError``) describes."""
        path = getattr(error, "path", None)
        line = getattr(error, "line", None)
        return cls(
            message=str(error),
            path=None if path is None else Path(path),
            line=line if isinstance(line, int) else None,
        )


CONFIG_ERRORS = (ConfigError, chaffra_telemetry.ConfigError)


class Projects:
    """The sessions of the projects this server has seen, by project root."""

    def __init__(self, settings: ServerSettings, host: ModuleHost) -> None:
        self.settings = settings
        self.host = host
        self._sessions: dict[Path, ProjectSession] = {}
        self._lock = threading.RLock()

    def locate(self, path: Path, folders: Sequence[Path] = ()) -> EffectiveConfig:
        """The effective configuration of the project holding ``path``.

        Raises:
            ConfigError: the configuration cannot be found or used (a core or
                telemetry ``ConfigError``).
        """
        settings = self.settings
        if settings.config_path is not None:
            root = self._fallback_root(path, folders)
        else:
            source = discover_config(path)
            root = source.root if source is not None else self._fallback_root(path, folders)
        return resolve_effective_config(root, settings.config_path, settings.overrides)

    @staticmethod
    def _fallback_root(path: Path, folders: Sequence[Path]) -> Path:
        absolute = Path(os.path.abspath(path))
        holding = [f for f in folders if f == absolute or f in absolute.parents]
        return max(holding, key=lambda f: len(f.parts), default=absolute.parent)

    def session(self, path: Path, folders: Sequence[Path] = ()) -> ProjectSession:
        """The session of ``path``'s project, made (one full run, recorded) on first use.

        Raises:
            ConfigError: as :meth:`locate`, or a module rejected its configuration.
        """
        config = self.locate(path, folders)
        with self._lock:
            known = self._sessions.get(config.project_root)
            if known is not None and known.config == config:
                return known
            session = ProjectSession(
                config,
                host=self.host,
                jobs=self.settings.jobs,
                use_cache=self.settings.use_cache,
            )
            session.start(command=LSP_COMMAND, stderr=sys.stderr)
            session.wait()  # its report stored: the hover's history starts with it
            # The session's summaries live as long as the server: out of the cyclic
            # collector's sight, they no longer make every full collection slower.
            gc.collect()
            gc.freeze()
            self._sessions[config.project_root] = session
            return session

    def find(self, path: Path) -> ProjectSession | None:
        """The loaded session whose project holds ``path`` (the innermost), if any."""
        absolute = Path(os.path.abspath(path))
        with self._lock:
            holding = [
                s
                for root, s in self._sessions.items()
                if root == absolute or root in absolute.parents
            ]
        return max(holding, key=lambda s: len(s.root.parts), default=None)

    def all(self) -> list[ProjectSession]:
        """Every loaded session."""
        with self._lock:
            return list(self._sessions.values())

    def reset(self) -> None:
        """Forget every session (a configuration file changed): the next use re-reads it."""
        with self._lock:
            dropped = list(self._sessions.values())
            self._sessions.clear()
        for session in dropped:
            session.close()
