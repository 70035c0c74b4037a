"""What ``chaffra mcp`` hands the server once, for its lifetime: roots, ``--config`` and flags."""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path

import attrs

from chaffra_core import CliOverrides, cache_home, load_config_file
from chaffra_mcp.errors import UsageError

__all__ = ["ServerSettings"]


@attrs.frozen(kw_only=True)
class ServerSettings:
    """The server's lifetime settings.

    ``roots`` are canonical directories (symlinks resolved): the only places the
    server analyses or writes telemetry. ``config_path`` is the global
    ``--config`` (re-read on every request so edits apply), ``overrides`` the
    telemetry flags, ``cache_dir`` where a git ref is exported for comparison.
    Build it with :meth:`create`, which validates everything.
    """

    roots: tuple[Path, ...]
    config_path: Path | None = None
    overrides: CliOverrides = attrs.Factory(CliOverrides)
    cache_dir: Path

    @classmethod
    def create(
        cls,
        roots: Iterable[Path | str] = (),
        *,
        config_path: Path | None = None,
        overrides: CliOverrides | None = None,
        cache_dir: Path | None = None,
    ) -> ServerSettings:
        """Validated settings; ``roots`` default to the working directory.

        Raises:
            UsageError: a root does not exist or is not a directory.
            chaffra_core.ConfigError: ``config_path`` cannot be read or is invalid
                (fail fast at startup rather than on every request).
        """
        canonical: list[Path] = []
        for root in list(roots) or [Path.cwd()]:
            resolved = Path(os.path.realpath(root))
            if not resolved.is_dir():
                raise UsageError(f"--root {root}: not an existing directory")
            if resolved not in canonical:
                canonical.append(resolved)
        if config_path is not None:
            config_path = Path(os.path.abspath(config_path))
            load_config_file(config_path)
        return cls(
            roots=tuple(canonical),
            config_path=config_path,
            overrides=overrides if overrides is not None else CliOverrides(),
            cache_dir=cache_dir if cache_dir is not None else cache_home(),
        )

    def contains(self, path: Path) -> bool:
        """Whether the canonical ``path`` is one of the roots or lies below one."""
        return any(path == root or root in path.parents for root in self.roots)
