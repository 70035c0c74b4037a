"""``.chaffra/`` is used only when it is a real directory of ours; nothing inside is followed."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from chaffra_telemetry._project_dir import (
    open_nofollow,
    project_dir_problem,
    refuse_symlink,
    safe_project_dir,
)
from chaffra_telemetry.errors import TelemetryIOError, UnsafeProjectDirectory


def test_a_symlinked_project_dir_is_refused_and_nothing_is_written_through_it(
    tmp_path: Path,
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    project = tmp_path / "project"
    project.mkdir()
    (project / ".chaffra").symlink_to(elsewhere)
    with pytest.raises(UnsafeProjectDirectory) as caught:
        safe_project_dir(project)
    assert f"refusing to use {project / '.chaffra'}: it is a symbolic link" in str(caught.value)
    assert [] == list(elsewhere.iterdir())


def test_a_project_dir_owned_by_someone_else_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".chaffra").mkdir()
    monkeypatch.setattr(os, "geteuid", lambda: os.stat(tmp_path).st_uid + 1)
    assert "owned by another user" in str(project_dir_problem(tmp_path))
    with pytest.raises(UnsafeProjectDirectory, match="owned by another user"):
        safe_project_dir(tmp_path)


def test_an_absent_or_own_project_dir_has_no_problem(tmp_path: Path) -> None:
    assert None is project_dir_problem(tmp_path)
    safe_project_dir(tmp_path)
    assert None is project_dir_problem(tmp_path)


def test_an_uninspectable_project_dir_is_a_problem(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    assert "cannot be inspected" in str(project_dir_problem(tmp_path / "file"))


def test_a_planted_gitignore_symlink_is_left_alone_not_followed(tmp_path: Path) -> None:
    (tmp_path / ".chaffra").mkdir()
    (tmp_path / ".chaffra" / ".gitignore").symlink_to(tmp_path / "victim")
    safe_project_dir(tmp_path)
    assert not (tmp_path / "victim").exists()


def test_refuse_symlink_accepts_absent_and_regular_files(tmp_path: Path) -> None:
    refuse_symlink(tmp_path / "absent")
    (tmp_path / "file").write_text("", encoding="utf-8")
    refuse_symlink(tmp_path / "file")
    (tmp_path / "link").symlink_to(tmp_path / "file")
    with pytest.raises(TelemetryIOError, match="symbolic link"):
        refuse_symlink(tmp_path / "link")


def test_refuse_symlink_reports_a_path_it_cannot_inspect(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    with pytest.raises(TelemetryIOError, match="cannot inspect"):
        refuse_symlink(tmp_path / "file" / "below")


def test_open_nofollow_refuses_a_symlink_and_reports_other_failures(tmp_path: Path) -> None:
    (tmp_path / "link").symlink_to(tmp_path / "target")
    with pytest.raises(TelemetryIOError, match="it is a symbolic link"):
        open_nofollow(tmp_path / "link", os.O_WRONLY | os.O_CREAT)
    assert not (tmp_path / "target").exists()
    (tmp_path / "dir").mkdir()
    with pytest.raises(TelemetryIOError, match="cannot open"):
        open_nofollow(tmp_path / "dir", os.O_WRONLY)
    with pytest.raises(FileNotFoundError):
        open_nofollow(tmp_path / "absent", os.O_RDONLY)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_open_nofollow_refuses_a_fifo_or_a_device_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "telemetry-audit.log"
    os.mkfifo(fifo)
    outcome: list[BaseException] = []

    def open_it() -> None:
        try:
            os.close(open_nofollow(fifo, os.O_RDONLY))
        except TelemetryIOError as error:
            outcome.append(error)

    reader = threading.Thread(target=open_it, daemon=True)
    reader.start()
    reader.join(timeout=30)
    if reader.is_alive():  # release the blocked reader before failing
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        pytest.fail("open_nofollow blocked on a FIFO")
    assert ["it is not a regular file"] == [str(e).rsplit(": ", 1)[1] for e in outcome]
    with pytest.raises(TelemetryIOError, match="cannot open"):  # no reader: ENXIO
        open_nofollow(fifo, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
    with pytest.raises(TelemetryIOError, match="it is not a regular file"):
        open_nofollow(Path(os.devnull), os.O_WRONLY | os.O_APPEND)
