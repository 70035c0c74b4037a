"""Source discovery: which ``.py`` files under a target belong to the analysis.

Honours ``.gitignore`` (and ``.chaffraignore``) at every level with git's
wildmatch semantics, negation included; the ``[project] ignore`` globs of the
config; and a fixed set of directories that never hold project source.
"""

from __future__ import annotations

import fnmatch
import os
import re
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # loaded only to compile ignore patterns (a project without any never does)
    import pathspec

from chaffra_core._reading import ReadRefused, read_file

__all__ = ["DEFAULT_EXCLUDES", "IGNORE_FILES", "discover", "discover_directories", "is_discovered"]

DEFAULT_EXCLUDES = frozenset(
    {
        ".chaffra",
        ".git",
        ".mypy_cache",
        ".nox",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        ".venv",
        "__pycache__",
        "build",
        "dist",
        "node_modules",
        "venv",
    }
)
"""Directory names skipped at any depth (a directory holding ``pyvenv.cfg`` is skipped too)."""

IGNORE_FILES = (".gitignore", ".chaffraignore")
"""Per-directory ignore files, read in this order (later lines win, as in one file)."""

_VENV_MARKER = "pyvenv.cfg"

# An ignore file's directory (root-relative, "" for the root) and its compiled patterns.
_Level = tuple[str, "pathspec.GitIgnoreSpec"]
# A directory to walk: path, root-relative path, real path, reached via a symlink, ignore levels.
_Dir = tuple[str, str, str, bool, tuple[_Level, ...]]


def discover(
    target: Path,
    *,
    ignore: Sequence[str] = (),
    root: Path | None = None,
    patterns: Sequence[str] = (),
) -> list[Path]:
    """The ``.py`` files of ``target`` (and files whose name matches one of the
    ``patterns`` globs, e.g. ``.env*``), sorted by their root-relative POSIX path.

    ``target`` is a file (returned as is when it ends in ``.py``: naming a file
    overrides every ignore rule) or a directory, walked recursively. ``root``
    (default: ``target`` itself, or its parent for a file) is what ``ignore``
    patterns and the returned order are relative to; ``.gitignore`` files
    between ``root`` and ``target`` apply too. Directory symlinks are followed
    unless they lead back into the walked tree, each real directory at most
    once, so loops terminate; a file reachable through several paths is
    returned once, preferring a path without symlinks. Unreadable directories
    are skipped.

    Raises:
        FileNotFoundError: ``target`` does not exist.
        ValueError: ``target`` is not inside ``root``.
    """
    target_abs = Path(os.path.abspath(target))
    if not target_abs.exists():
        raise FileNotFoundError(f"no such file or directory: {target}")
    is_dir = target_abs.is_dir()
    if root is None:
        root_abs = target_abs if is_dir else target_abs.parent
    else:
        root_abs = Path(os.path.abspath(root))
    try:
        rel_target = target_abs.relative_to(root_abs).as_posix()
    except ValueError:
        raise ValueError(f"{target} is not inside the root {root_abs}") from None
    wanted = _name_matcher(patterns)
    if not is_dir:
        return [target_abs] if wanted(target_abs.name) else []
    walker = _Walker(
        root_abs, config=_compile(ignore), real_target=os.path.realpath(target_abs), wanted=wanted
    )
    rel_target = "" if rel_target == "." else rel_target
    walker.walk(str(target_abs), rel_target, _ancestor_levels(root_abs, rel_target))
    return walker.result()


def discover_directories(
    target: Path, *, ignore: Sequence[str] = (), root: Path | None = None
) -> list[Path]:
    """The directories :func:`discover` walks under the directory ``target`` (``target``
    included), in walk order: what a file watcher needs to watch, and no more.

    Raises:
        FileNotFoundError: ``target`` does not exist.
        ValueError: ``target`` is not inside ``root``.
    """
    target_abs = Path(os.path.abspath(target))
    if not target_abs.is_dir():
        raise FileNotFoundError(f"no such directory: {target}")
    root_abs = target_abs if root is None else Path(os.path.abspath(root))
    try:
        rel_target = target_abs.relative_to(root_abs).as_posix()
    except ValueError:
        raise ValueError(f"{target} is not inside the root {root_abs}") from None
    walker = _Walker(
        root_abs,
        config=_compile(ignore),
        real_target=os.path.realpath(target_abs),
        wanted=lambda name: False,
    )
    rel_target = "" if rel_target == "." else rel_target
    walker.walk(str(target_abs), rel_target, _ancestor_levels(root_abs, rel_target))
    return [Path(directory) for directory in walker.directories]


def is_discovered(
    path: Path, *, root: Path, ignore: Sequence[str] = (), patterns: Sequence[str] = ()
) -> bool:
    """Whether :func:`discover` of ``root`` would return the file ``path`` (which need
    not exist: a watcher asks about deleted files too).

    False for a file outside ``root``, one whose name is not wanted, one in an
    excluded directory (the fixed names, a virtual environment, an ignore rule
    of the config or of an ignore file on the way) or ignored itself.
    """
    root_abs = Path(os.path.abspath(root))
    try:
        rel = Path(os.path.abspath(path)).relative_to(root_abs).as_posix()
    except ValueError:
        return False
    parts = rel.split("/")
    if rel == "." or not _name_matcher(patterns)(parts[-1]):
        return False
    config = _compile(ignore)
    levels: list[_Level] = []
    for depth in range(len(parts)):
        rel_dir = "/".join(parts[:depth])
        directory = root_abs.joinpath(*parts[:depth])
        if depth and (
            parts[depth - 1] in DEFAULT_EXCLUDES
            or _is_ignored(f"{rel_dir}/", config, levels)
            or (directory / _VENV_MARKER).exists()
        ):
            return False
        level = _read_ignore_files(str(directory), set(IGNORE_FILES))
        if level is not None:
            levels.append((rel_dir, level))
    return not _is_ignored(rel, config, levels)


class _Walker:
    """One walk's state: the real directories already covered and the files found."""

    def __init__(
        self,
        root: Path,
        *,
        config: pathspec.GitIgnoreSpec | None,
        real_target: str,
        wanted: Callable[[str], bool],
    ) -> None:
        self._root = root
        self._wanted = wanted
        self._config = config
        self._covered = [real_target]
        # real path -> (reached through a symlink, root-relative path)
        self._files: dict[str, tuple[bool, str]] = {}
        self.directories: list[str] = []

    def walk(self, directory: str, rel: str, levels: tuple[_Level, ...]) -> None:
        # Explicit stack: depth is bounded by the tree, not by the recursion limit.
        stack: list[_Dir] = [(directory, rel, os.path.realpath(directory), False, levels)]
        while stack:
            path, rel, real, via_link, levels = stack.pop()
            try:
                with os.scandir(path) as scan:
                    entries = sorted(scan, key=lambda entry: entry.name)
            except OSError:
                continue  # unreadable (or vanished) directory: skipped
            names = {entry.name for entry in entries}
            if _VENV_MARKER in names and path != directory:
                continue  # a virtual environment, whatever its name (unless it is the target)
            self.directories.append(path)
            spec = _read_ignore_files(path, names)
            if spec is not None:
                levels = (*levels, (rel, spec))
            children: list[_Dir] = []
            for entry in entries:
                child_rel = f"{rel}/{entry.name}" if rel else entry.name
                child = self._visit(entry, child_rel, real, via_link, levels)
                if child is not None:
                    children.append(child)
            stack.extend(reversed(children))  # pop in name order

    def _visit(
        self,
        entry: os.DirEntry[str],
        rel: str,
        parent_real: str,
        via_link: bool,
        levels: tuple[_Level, ...],
    ) -> _Dir | None:
        """The directory to descend into, if ``entry`` is one; records a ``.py`` file."""
        kind = _kind(entry)
        if kind == "dir":
            if entry.name in DEFAULT_EXCLUDES or self._ignored(f"{rel}/", levels):
                return None
            if not entry.is_symlink():
                return entry.path, rel, os.path.join(parent_real, entry.name), via_link, levels
            real = os.path.realpath(entry.path)
            if any(_inside(real, covered) for covered in self._covered):
                return None  # walked (or to be walked) in its real place: no loops
            self._covered.append(real)
            return entry.path, rel, real, True, levels
        wanted = kind in ("file", "other") and self._wanted(entry.name)
        if wanted and not self._ignored(rel, levels):
            is_link = entry.is_symlink()
            real = (
                os.path.realpath(entry.path) if is_link else os.path.join(parent_real, entry.name)
            )
            candidate = (via_link or is_link, rel)
            known = self._files.get(real)
            if known is None or candidate < known:
                self._files[real] = candidate
        return None

    def _ignored(self, probe: str, levels: tuple[_Level, ...]) -> bool:
        return _is_ignored(probe, self._config, levels)

    def result(self) -> list[Path]:
        return [self._root / rel for rel in sorted(rel for _, rel in self._files.values())]


def _is_ignored(
    probe: str, config: pathspec.GitIgnoreSpec | None, levels: Sequence[_Level]
) -> bool:
    """Config patterns win; then the deepest ignore file with a matching pattern."""
    if config is not None:
        verdict = config.check_file(probe).include
        if verdict is not None:
            return verdict
    for base, spec in reversed(levels):
        verdict = spec.check_file(probe[len(base) + 1 :] if base else probe).include
        if verdict is not None:
            return verdict
    return False


def _name_matcher(patterns: Sequence[str]) -> Callable[[str], bool]:
    """Whether a file name is wanted: ``.py``, or matching one of ``patterns``."""
    extra = re.compile("|".join(fnmatch.translate(p) for p in patterns)) if patterns else None

    def wanted(name: str) -> bool:
        return name.endswith(".py") or (extra is not None and extra.match(name) is not None)

    return wanted


def _kind(entry: os.DirEntry[str]) -> str | None:
    """``"dir"``, ``"file"`` (regular), ``"other"`` (a FIFO, device or socket: the engine
    reports it as skipped) or ``None`` (a broken link, or a failing stat)."""
    try:
        if entry.is_dir():
            return "dir"
        if entry.is_file():
            return "file"
        entry.stat()  # a broken link raises here
        return "other"
    except OSError:
        return None


def _inside(path: str, directory: str) -> bool:
    return path == directory or path.startswith(directory.rstrip(os.sep) + os.sep)


def _ancestor_levels(root: Path, rel_target: str) -> tuple[_Level, ...]:
    """The ignore files of ``root`` and every directory above ``target`` below it."""
    levels: list[_Level] = []
    parts = rel_target.split("/") if rel_target else []
    for depth in range(len(parts)):
        rel = "/".join(parts[:depth])
        directory = root.joinpath(*parts[:depth])
        level = _read_ignore_files(str(directory), set(IGNORE_FILES))
        if level is not None:
            levels.append((rel, level))
    return tuple(levels)


def _read_ignore_files(directory: str, names: set[str]) -> pathspec.GitIgnoreSpec | None:
    lines: list[str] = []
    for name in IGNORE_FILES:
        if name in names:
            data = read_file(os.path.join(directory, name))
            if isinstance(data, ReadRefused):
                continue  # missing, unreadable, not a regular file or too large: no patterns
            lines.extend(data.decode("utf-8", errors="replace").splitlines())
    return _compile(lines)


def _compile(lines: Iterable[str]) -> pathspec.GitIgnoreSpec | None:
    """The patterns of ``lines``; invalid patterns are dropped (git ignores them too)."""
    patterns = [line for line in lines if line.strip() and not line.startswith("#")]
    if not patterns:
        return None
    import pathspec

    try:
        return pathspec.GitIgnoreSpec.from_lines(patterns)
    except ValueError:
        return pathspec.GitIgnoreSpec.from_lines([line for line in patterns if _valid(line)])


def _valid(line: str) -> bool:
    import pathspec

    try:
        pathspec.GitIgnoreSpec.from_lines([line])
    except ValueError:
        return False
    return True
