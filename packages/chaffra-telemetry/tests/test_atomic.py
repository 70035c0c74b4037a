"""Atomic file replacement and the project-local ``.chaffra/`` directory."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from chaffra_telemetry._atomic import atomic_write_text, ensure_project_dir
from chaffra_telemetry.errors import TelemetryIOError, TelemetrySerializationError


def entries(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


def test_atomic_write_creates_the_file_with_the_text(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    atomic_write_text(target, "héllo\n")
    assert ("héllo\n", ["state.json"]) == (target.read_text(encoding="utf-8"), entries(tmp_path))


def test_atomic_write_replaces_an_existing_file(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    target.write_text("old", encoding="utf-8")
    atomic_write_text(target, "new")
    assert "new" == target.read_text(encoding="utf-8")


def test_atomic_write_leaves_the_file_readable_by_its_owner_only(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o644)
    atomic_write_text(target, "new")
    assert 0o600 == target.stat().st_mode & 0o777


@pytest.mark.parametrize("failing", ["replace", "fsync"])
def test_a_failed_write_keeps_the_old_file_and_no_temp_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, failing: str
) -> None:
    target = tmp_path / "state.json"
    target.write_text("old", encoding="utf-8")

    def fail(*_args: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, failing, fail)
    with pytest.raises(TelemetryIOError, match="No space left on device") as caught:
        atomic_write_text(target, "new")
    assert isinstance(caught.value.__cause__, OSError)
    assert ("old", ["state.json"]) == (target.read_text(encoding="utf-8"), entries(tmp_path))


def test_an_interrupted_write_removes_the_temp_file_and_propagates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "state.json"

    def interrupt(*_args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        atomic_write_text(target, "new")
    assert [] == entries(tmp_path)


def test_a_missing_directory_is_an_io_error(tmp_path: Path) -> None:
    with pytest.raises(TelemetryIOError, match="cannot create a temporary file"):
        atomic_write_text(tmp_path / "absent" / "state.json", "new")


def test_text_that_is_not_encodable_is_a_serialization_error(tmp_path: Path) -> None:
    with pytest.raises(TelemetrySerializationError):
        atomic_write_text(tmp_path / "state.json", "\udcff")
    assert [] == entries(tmp_path)


def test_a_refused_directory_fsync_does_not_fail_the_write(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Some file systems cannot fsync a directory; the renamed file is in place anyway."""
    target = tmp_path / "state.json"
    real_fsync = os.fsync
    refused: list[int] = []

    def fsync_files_only(fd: int) -> None:
        if stat.S_ISDIR(os.fstat(fd).st_mode):
            refused.append(fd)
            raise OSError(22, "Invalid argument")
        real_fsync(fd)

    monkeypatch.setattr(os, "fsync", fsync_files_only)
    atomic_write_text(target, "new")
    assert ("new", 1) == (target.read_text(encoding="utf-8"), len(refused))


def test_ensure_project_dir_creates_the_directory_and_its_gitignore(tmp_path: Path) -> None:
    directory = ensure_project_dir(tmp_path)
    assert (tmp_path / ".chaffra", ".gitignore") == (directory, entries(directory)[0])
    assert "*\n" == (directory / ".gitignore").read_text(encoding="utf-8")


def test_ensure_project_dir_keeps_an_existing_gitignore(tmp_path: Path) -> None:
    (tmp_path / ".chaffra").mkdir()
    (tmp_path / ".chaffra" / ".gitignore").write_text("# mine\n*\n", encoding="utf-8")
    ensure_project_dir(tmp_path)
    assert "# mine\n*\n" == (tmp_path / ".chaffra" / ".gitignore").read_text(encoding="utf-8")


def test_ensure_project_dir_is_idempotent(tmp_path: Path) -> None:
    assert ensure_project_dir(tmp_path) == ensure_project_dir(tmp_path)


def test_ensure_project_dir_fails_when_a_file_is_in_the_way(tmp_path: Path) -> None:
    (tmp_path / ".chaffra").write_text("x", encoding="utf-8")
    with pytest.raises(TelemetryIOError, match="it is not a directory"):
        ensure_project_dir(tmp_path)


def test_ensure_project_dir_fails_when_the_root_is_missing(tmp_path: Path) -> None:
    with pytest.raises(TelemetryIOError, match="cannot create"):
        ensure_project_dir(tmp_path / "absent")


def test_atomic_write_refuses_to_replace_a_symlink(tmp_path: Path) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious", encoding="utf-8")
    link = tmp_path / "state.json"
    link.symlink_to(victim)
    with pytest.raises(TelemetryIOError, match="symbolic link"):
        atomic_write_text(link, "new")
    assert ("precious", True) == (victim.read_text(encoding="utf-8"), link.is_symlink())
    assert ["state.json", "victim"] == entries(tmp_path)
