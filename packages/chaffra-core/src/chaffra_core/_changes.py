"""Files changed since a git ref, for reporting only the findings of new code.

The analysis still reads the whole project (cross-file rules need it); only
the report is narrowed. "Changed" is what a pull request would show against
``ref``: files that differ between ``ref`` and the working tree (committed or
not), plus untracked files git does not ignore. The ref is checked first and
passed after ``--end-of-options``, so it can never be read as an option.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from chaffra_core.errors import ConfigError

__all__ = ["changed_files"]

_TIMEOUT_S = 120.0


def _git(directory: Path, *args: str) -> bytes:
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), *args],
            capture_output=True,
            timeout=_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError:
        raise ConfigError("--changed-since needs git, which is not installed") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        reason = detail[-1] if detail else f"exit status {done.returncode}"
        raise ConfigError(f"--changed-since: git {args[0]} failed: {reason}")
    return done.stdout


def changed_files(root: Path, ref: str) -> frozenset[str]:
    """Root-relative ``/``-separated paths of the files under ``root`` changed since ``ref``.

    Raises:
        ConfigError: ``root`` is not in a git work tree, ``ref`` names no
            commit, or git is missing.
    """
    if not ref or ref.startswith("-") or any(char in ref for char in "\0\n\r"):
        raise ConfigError(f"--changed-since: invalid git ref {ref!r}")
    top = Path(os.fsdecode(_git(root, "rev-parse", "--show-toplevel").rstrip(b"\n")))
    try:
        commit = _git(
            top, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}"
        )
    except ConfigError:
        raise ConfigError(f"--changed-since: {ref!r} names no commit in {top}") from None
    names = _git(top, "diff", "--name-only", "-z", "--no-renames", commit.strip().decode(), "--")
    untracked = _git(top, "ls-files", "--others", "--exclude-standard", "-z")
    real_root = root.resolve()
    changed = set()
    for raw in (names + untracked).split(b"\0"):
        if not raw:
            continue
        path = (top / os.fsdecode(raw)).resolve()
        try:
            changed.add(path.relative_to(real_root).as_posix())
        except ValueError:
            continue  # changed, but outside the analysed project
    return frozenset(changed)
