"""Reading discovered files safely: regular files only, within the size limit, never hanging."""

from __future__ import annotations

import io
import os
import sys
import threading
from pathlib import Path

import pytest

from chaffra_core import (
    DEFAULT_MAX_FILE_SIZE,
    CliOverrides,
    ConfigError,
    RunResult,
    load_config_file,
    resolve_effective_config,
    run_analysis,
)
from chaffra_core._reading import ReadRefused, read_file

_LINUX = pytest.mark.skipif(sys.platform != "linux", reason="needs Linux /proc and /dev")


def _run(root: Path, **kw: object) -> RunResult:
    config = resolve_effective_config(root, None, CliOverrides(telemetry="off"))
    if "host" not in kw:  # the files and modules these tests count: complexity's
        kw.setdefault("modules", ("complexity",))
    return run_analysis(config, command="health", stderr=io.StringIO(), **kw)  # type: ignore[arg-type]


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    outcome: list[bytes | ReadRefused] = []
    reader = threading.Thread(target=lambda: outcome.append(read_file(fifo)), daemon=True)
    reader.start()
    reader.join(timeout=30)
    if reader.is_alive():  # release the blocked reader before failing
        with open(fifo, "wb"):
            pass
        pytest.fail("read_file blocked on a FIFO")
    assert [ReadRefused(reason="not a regular file", skipped=True)] == outcome


@_LINUX
def test_a_link_to_an_endless_device_is_refused_unread(tmp_path: Path) -> None:
    (tmp_path / "zero.py").symlink_to("/dev/zero")

    assert ReadRefused(reason="not a regular file", skipped=True) == read_file(tmp_path / "zero.py")


def test_a_file_of_exactly_the_limit_is_read_and_one_byte_more_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_bytes(b"x" * 1024)

    assert b"x" * 1024 == read_file(path, 1024)
    refused = read_file(path, 1023)
    assert ReadRefused(reason="larger than the 1023 bytes limit (1.0 KiB)", skipped=True) == (
        refused
    )
    assert 4 * 1024 * 1024 == DEFAULT_MAX_FILE_SIZE


@_LINUX
def test_a_read_that_fails_after_opening_is_a_read_error_not_a_skip() -> None:
    """``/proc/self/mem`` opens as a regular file, then every read fails with EIO."""
    assert ReadRefused(reason="Input/output error", skipped=False) == read_file("/proc/self/mem")


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root reads anything")
def test_a_file_without_read_permission_is_a_read_error(tmp_path: Path) -> None:
    path = tmp_path / "locked.py"
    path.write_text("x = 1\n")
    path.chmod(0)
    try:
        assert ReadRefused(reason="Permission denied", skipped=False) == read_file(path)
    finally:
        path.chmod(0o600)


def _unreadable(root: Path, name: str) -> None:
    """A file the run cannot read: no permission, or (for root) a read failing with EIO."""
    path = root / name
    if sys.platform == "linux" and os.geteuid() == 0:
        path.symlink_to("/proc/self/mem")
    else:
        path.write_text("y = 2\n")
        path.chmod(0)


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX permissions or /proc")
def test_an_unreadable_file_is_a_read_error_finding_and_is_not_scored(tmp_path: Path) -> None:
    (tmp_path / "a.py").write_text("def f(a):\n    return a\n\n\nprint(f(1))\n")
    _unreadable(tmp_path, "locked.py")

    result = _run(tmp_path)
    again = _run(tmp_path)

    assert [("parse:read-error", "locked.py")] == [
        (f.rule_id, f.location.file) for f in result.findings
    ]
    assert result.findings[0].message.startswith("`locked.py` cannot be read: ")
    assert result.health is not None
    assert (1, 1, ["a.py"]) == (
        result.health.total_files,
        result.health.unscored_files,
        [f.file for f in result.health.files],
    )
    assert ["a.py", "locked.py"] == [f.path for f in result.files]
    assert 1 == again.analysed  # a read error is retried, never cached
    assert result.findings == again.findings


@_LINUX
def test_special_and_oversized_files_are_skipped_with_their_reason_not_findings(
    tmp_path: Path,
) -> None:
    (tmp_path / "a.py").write_text("print(1)\n")
    (tmp_path / "big.py").write_text("# padding\n" * 20)
    (tmp_path / "zero.py").symlink_to("/dev/zero")
    os.mkfifo(tmp_path / "pipe.py")
    (tmp_path / ".chaffra.toml").write_text('[project]\nmax-file-size = "100 B"\n')

    result = _run(tmp_path)

    assert () == result.findings
    assert [
        ("big.py", "larger than the 100 bytes limit (200 bytes)"),
        ("pipe.py", "not a regular file"),
        ("zero.py", "not a regular file"),
    ] == [(s.path, s.reason) for s in result.skipped]
    assert ["a.py"] == [f.path for f in result.files]
    assert result.health is not None
    assert (1, 0) == (result.health.total_files, result.health.unscored_files)


@pytest.mark.parametrize(
    ("value", "size"),
    [
        ('"8 MiB"', 8 * 1024 * 1024),
        ("100", 100),
        ('"100"', 100),
        ('"2kb"', 2000),
        ('"1 GiB"', 1024**3),
        ('" 3 KiB "', 3 * 1024),
    ],
)
def test_max_file_size_takes_bytes_or_a_size_with_a_unit(
    tmp_path: Path, value: str, size: int
) -> None:
    path = tmp_path / ".chaffra.toml"
    path.write_text(f"[project]\nmax-file-size = {value}\n")

    assert size == load_config_file(path).project.max_file_size


def test_max_file_size_defaults_to_four_mebibytes(tmp_path: Path) -> None:
    path = tmp_path / ".chaffra.toml"
    path.write_text("[project]\n")

    assert DEFAULT_MAX_FILE_SIZE == load_config_file(path).project.max_file_size


@pytest.mark.parametrize("value", ['"x"', "0", "-5", "true", "1.5", '"8 MiBs"', '"8 TB"'])
def test_an_invalid_max_file_size_fails_closed_naming_key_and_value(
    tmp_path: Path, value: str
) -> None:
    path = tmp_path / ".chaffra.toml"
    path.write_text(f"[project]\nmax-file-size = {value}\n")

    with pytest.raises(ConfigError) as caught:
        load_config_file(path)

    message = str(caught.value)
    assert "project.max-file-size" in message
    assert value.strip('"') in message
    assert "8 MiB" in message  # the allowed form is named


@_LINUX
def test_a_file_larger_than_its_reported_size_is_still_cut_at_the_limit() -> None:
    """``/proc`` files report size 0 and hold more: the read itself enforces the limit."""
    assert 0 == os.stat("/proc/self/status").st_size
    assert ReadRefused(reason="larger than the 100 bytes limit", skipped=True) == read_file(
        "/proc/self/status", 100
    )
    whole = read_file("/proc/self/status", 1 << 20)
    assert isinstance(whole, bytes)
    assert whole.startswith(b"Name:")
