"""The project-local ``.chaffra/`` directory: the only place chaffra writes a project's files.

A repository analysed in CI is untrusted input. It can commit ``.chaffra`` as a
symlink to somewhere else, or as a real directory holding symlinks named like
chaffra's files (``telemetry.db-wal -> ~/.bashrc``), and its configuration can
name any path. So every writer of a project file goes through this module:

- :func:`safe_project_dir` creates ``<root>/.chaffra/`` (with its ``.gitignore``)
  and refuses one that is a symlink, not a directory or not owned by the
  current user (:class:`~chaffra_telemetry.errors.UnsafeProjectDirectory`);
- :func:`refuse_symlink` and :func:`open_nofollow` never let a file inside it be
  followed out of it;
- :func:`confine_config_path` keeps a path read from a project's configuration
  inside ``.chaffra/`` (only the user's own flags may name files elsewhere).

POSIX only (``O_NOFOLLOW``, owner ids), like the rest of the package.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

from chaffra_telemetry.errors import InvalidConfigValue, TelemetryIOError, UnsafeProjectDirectory

__all__ = [
    "GITIGNORE_TEXT",
    "PROJECT_DIR",
    "RESERVED_FILES",
    "confine_config_path",
    "open_nofollow",
    "project_dir_problem",
    "refuse_symlink",
    "safe_project_dir",
]

PROJECT_DIR = ".chaffra"
"""Directory under the project root that holds chaffra's local files."""

GITIGNORE_TEXT = "*\n"
"""Content of ``.chaffra/.gitignore``: nothing in the directory is versioned."""

RESERVED_FILES = frozenset(
    {
        ".gitignore",
        "telemetry.db",
        "telemetry.db-wal",
        "telemetry.db-shm",
        "telemetry.db-journal",
        "telemetry-state.json",
        "telemetry-state.lock",
        "telemetry-audit.log",
    }
)
"""Files chaffra keeps for itself in ``.chaffra/``: configuration may not name them."""

_CONFINED_FORM = 'a file name inside .chaffra/, e.g. ".chaffra/telemetry.json"'


def project_dir_problem(root: Path) -> str | None:
    """Why ``<root>/.chaffra`` must not be used (e.g. ``it is a symbolic link``), else ``None``.

    ``None`` also when it is absent. Nothing is created or changed.
    """
    try:
        info = (root / PROJECT_DIR).lstat()
    except FileNotFoundError:
        return None
    except OSError as error:
        return f"it cannot be inspected ({error.strerror or error})"
    if stat.S_ISLNK(info.st_mode):
        return "it is a symbolic link (chaffra never writes through one)"
    if not stat.S_ISDIR(info.st_mode):
        return "it is not a directory"
    if info.st_uid != os.geteuid():
        return f"it is owned by another user (uid {info.st_uid})"
    return None


def safe_project_dir(root: Path) -> Path:
    """``<root>/.chaffra/``, created with its ``.gitignore`` (``*``) if absent.

    ``root`` must exist; it is not created. Every writer of a project file
    calls this first.

    Raises:
        UnsafeProjectDirectory: ``.chaffra`` is a symlink, not a directory or not
            owned by the current user (checked again after creating it).
        TelemetryIOError: the directory or its ``.gitignore`` could not be created.
    """
    directory = root / PROJECT_DIR
    try:
        directory.mkdir()
    except FileExistsError:
        pass  # checked below, whatever it is
    except OSError as error:
        raise TelemetryIOError(f"cannot create {directory}: {error}") from error
    problem = project_dir_problem(root)
    if problem is not None:
        raise UnsafeProjectDirectory(directory, problem)
    gitignore = directory / ".gitignore"
    try:
        fd = open_nofollow(gitignore, os.O_WRONLY | os.O_CREAT | os.O_EXCL)
    except FileExistsError:
        return directory  # a symlink here exists too: it is left alone, never followed
    with open(fd, "w", encoding="ascii") as stream:
        stream.write(GITIGNORE_TEXT)
    return directory


def refuse_symlink(path: Path) -> None:
    """Raise unless ``path`` is absent or not a symlink (checked before replacing or opening).

    Raises:
        TelemetryIOError: ``path`` is a symbolic link, or cannot be inspected.
    """
    try:
        info = path.lstat()
    except FileNotFoundError:
        return
    except OSError as error:
        raise TelemetryIOError(f"cannot inspect {path}: {error}") from error
    if stat.S_ISLNK(info.st_mode):
        raise TelemetryIOError(f"refusing to write {path}: it is a symbolic link")


def open_nofollow(path: Path, flags: int, mode: int = 0o600) -> int:
    """``os.open`` of a regular file that fails on a symlink in the last component
    (``O_NOFOLLOW``) and never blocks: a FIFO (or a device) is refused once opened
    without blocking (``O_NONBLOCK``, which does nothing to a regular file).

    Raises:
        FileExistsError: ``flags`` hold ``O_EXCL`` and ``path`` exists.
        FileNotFoundError: ``path`` is absent and ``flags`` lack ``O_CREAT``.
        TelemetryIOError: any other failure, a symlink or a file that is not a
            regular one included.
    """
    try:
        fd = os.open(path, flags | os.O_NOFOLLOW | os.O_CLOEXEC | os.O_NONBLOCK, mode)
    except (FileExistsError, FileNotFoundError):
        raise
    except OSError as error:
        if os.path.islink(path):
            raise TelemetryIOError(f"refusing to open {path}: it is a symbolic link") from error
        raise TelemetryIOError(f"cannot open {path}: {error}") from error
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise TelemetryIOError(f"refusing to open {path}: it is not a regular file")
    return fd


def confine_config_path(key: str, value: str, root: Path | None) -> str:
    """A file path read from a project's configuration, checked to stay in ``.chaffra/``.

    ``value`` is relative to the project ``root`` (e.g. ``.chaffra/telemetry.json``)
    or absolute; it must name a file directly inside ``<root>/.chaffra/`` that
    chaffra does not keep for itself, with no ``..`` and not through a symlink.
    Without a ``root`` only the relative form is accepted (it is then resolved
    against the working directory, as the backends do). Returns the path to use:
    absolute when ``root`` is given.

    Raises:
        ConfigError: naming ``key`` and ``value``, when the path escapes.
    """
    candidate = Path(value)
    base = Path(os.path.abspath(root)) if root is not None else Path()
    if root is None and candidate.is_absolute():
        raise _escapes(key, value, "an absolute path needs a project root to be checked")
    if ".." in candidate.parts:
        raise _escapes(key, value, "it contains ..")
    resolved = Path(os.path.normpath(base / candidate))
    if resolved.parent != Path(os.path.normpath(base / PROJECT_DIR)):
        raise _escapes(key, value, "a project's configuration may only name files in .chaffra/")
    if resolved.name in RESERVED_FILES:
        raise _escapes(key, value, "chaffra keeps that file for itself")
    if resolved.is_symlink():
        raise _escapes(key, value, "it is a symbolic link")
    return str(resolved)


def _escapes(key: str, value: str, reason: str) -> InvalidConfigValue:
    return InvalidConfigValue(key, value, _CONFINED_FORM, reason=reason)
