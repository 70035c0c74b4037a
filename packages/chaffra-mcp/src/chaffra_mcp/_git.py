"""Export a project's tree at a git ref into the user's cache directory, for comparison.

The ref is resolved to a commit first (``--end-of-options``, so a ref can never
be read as an option), then ``git archive`` streams that commit's tree, limited
to the project's directory, into a fresh temporary directory under the cache
directory; ``tarfile``'s ``data`` filter refuses links and paths leading out of
it. The caller removes the directory when done.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

import attrs

from chaffra_mcp.errors import ToolError

__all__ = ["ExportedTree", "exported_tree"]

_TIMEOUT_S = 120.0
_MAX_REF = 256


@attrs.frozen(kw_only=True)
class ExportedTree:
    """``root``: the project directory as it was at ``commit`` (``ref`` as the caller wrote it)."""

    ref: str
    commit: str
    root: Path


def _git(directory: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(directory), *args],
            capture_output=True,
            timeout=_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError:
        raise ToolError("git is not installed: comparing with a git ref needs git") from None
    if done.returncode != 0:
        detail = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise ToolError(f"git {args[0]} failed: {detail[-1] if detail else done.returncode}")
    return done.stdout.decode("utf-8", "replace").strip()


def _check_ref(ref: str) -> None:
    if not ref or len(ref) > _MAX_REF or ref.startswith("-") or any(c in ref for c in "\0\n\r"):
        raise ToolError(f"Invalid git ref: {ref!r}")


@contextlib.contextmanager
def exported_tree(project_root: Path, ref: str, cache_dir: Path) -> Iterator[ExportedTree]:
    """The project at ``ref``, exported under ``cache_dir`` for the duration of the block.

    Raises:
        ToolError: the ref is malformed or unknown, the project is not in a git
            work tree, git is missing, or the export failed.
    """
    _check_ref(ref)
    try:
        top = Path(os.path.realpath(_git(project_root, "rev-parse", "--show-toplevel")))
    except ToolError as error:
        raise ToolError(f"Not a git work tree: {project_root} ({error})") from None
    try:
        commit = _git(top, "rev-parse", "--verify", "--end-of-options", f"{ref}^{{commit}}")
    except ToolError as error:
        raise ToolError(f"Unknown git ref: {ref} ({error})") from None
    relative = Path(os.path.realpath(project_root)).relative_to(top)
    cache_dir.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(prefix="changes-", dir=cache_dir))
    try:
        if _exists_at(top, commit, relative):
            _extract(top, commit, relative, scratch)
        yield ExportedTree(ref=ref, commit=commit, root=scratch / relative)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def _exists_at(top: Path, commit: str, relative: Path) -> bool:
    """Whether ``relative`` was in ``commit`` (``git archive`` fails on a path that was not)."""
    if relative == Path():
        return True
    try:
        _git(top, "cat-file", "-e", f"{commit}:{relative.as_posix()}")
    except ToolError:
        return False
    return True


def _extract(top: Path, commit: str, relative: Path, destination: Path) -> None:
    command = ["git", "-C", str(top), "archive", "--format=tar", commit, "--", str(relative)]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as process:
        assert process.stdout is not None
        try:
            with tarfile.open(fileobj=process.stdout, mode="r|") as archive:
                archive.extractall(destination, filter="data")
        except (tarfile.TarError, OSError) as error:
            process.kill()
            raise ToolError(
                f"git archive of {commit[:12]} could not be extracted: {error}"
            ) from None
        finally:
            _, stderr = process.communicate(timeout=_TIMEOUT_S)
    if process.returncode != 0:
        detail = stderr.decode("utf-8", "replace").strip()
        raise ToolError(f"git archive of {commit[:12]} failed: {detail}")
    (destination / relative).mkdir(parents=True, exist_ok=True)
