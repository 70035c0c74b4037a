"""The project's own small files (configuration, ignore files, pyproject, whitelists)
are read like its sources: regular files within the size limit only.

A hostile repository can commit ``.gitignore -> /dev/zero`` or hold a FIFO named
``pyproject.toml``: a plain ``open``/``read`` would block forever or read until
memory runs out before a single source file is analysed.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

import pytest

from chaffra_core._baseline import Baseline
from chaffra_core._config import CliOverrides, load_config_file, resolve_effective_config
from chaffra_core._discovery import discover, is_discovered
from chaffra_core._reading import DEFAULT_MAX_FILE_SIZE
from chaffra_core.analyzers.dead_code._index import entry_points, whitelist_uses
from chaffra_core.analyzers.security._lockfiles import parse_manifest
from chaffra_core.analyzers.security._module import _with_includes
from chaffra_core.errors import ConfigError

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")

_OVERSIZED = "#" * DEFAULT_MAX_FILE_SIZE + "\n"
_T = TypeVar("_T")


def _finished(call: Callable[[], _T], fifos: Iterable[Path]) -> _T:
    """``call()``'s result, failing (after releasing the blocked reader) if a FIFO blocks it."""
    outcome: list[_T] = []
    errors: list[BaseException] = []

    def run() -> None:
        try:
            outcome.append(call())
        except BaseException as error:  # re-raised in the test's thread
            errors.append(error)

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    worker.join(timeout=30)
    if worker.is_alive():
        for fifo in fifos:  # a reader waiting on a FIFO gets end-of-file
            with contextlib.suppress(OSError):  # no reader is waiting on this one
                os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(timeout=30)
        pytest.fail("reading a project file blocked on a FIFO")
    if errors:
        raise errors[0]
    return outcome[0]


@pytest.mark.parametrize("name", [".chaffra.toml", "pyproject.toml"])
def test_a_config_file_that_is_a_fifo_is_a_config_error_not_a_hang(
    tmp_path: Path, name: str
) -> None:
    fifo = tmp_path / name
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="not a regular file") as caught:
        _finished(lambda: resolve_effective_config(tmp_path, None, CliOverrides()), [fifo])
    assert str(fifo) == caught.value.path


def test_a_committed_baseline_that_is_a_fifo_is_a_config_error_not_a_hang(
    tmp_path: Path,
) -> None:
    fifo = tmp_path / ".chaffra-baseline.json"
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="cannot read baseline: not a regular file"):
        _finished(lambda: Baseline.read(fifo), [fifo])
    undecodable = tmp_path / "latin1.json"
    undecodable.write_bytes(b"\xff")
    with pytest.raises(ConfigError, match="cannot read baseline: not UTF-8"):
        Baseline.read(undecodable)


def test_a_config_file_above_the_size_limit_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / ".chaffra.toml"
    path.write_text(_OVERSIZED, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"larger than the 4\.0 MiB limit"):
        load_config_file(path)


def test_ignore_files_that_are_fifos_or_too_large_give_no_patterns_and_no_hang(
    tmp_path: Path,
) -> None:
    (tmp_path / "sub").mkdir()
    fifos = [tmp_path / ".gitignore", tmp_path / "sub" / ".chaffraignore"]
    for fifo in fifos:
        os.mkfifo(fifo)
    (tmp_path / ".chaffraignore").write_text("a.py\n" + _OVERSIZED, encoding="utf-8")
    (tmp_path / "sub" / ".gitignore").write_text("c.py\n", encoding="utf-8")
    for name in ("a.py", "sub/b.py", "sub/c.py"):
        (tmp_path / name).write_text("x = 1\n", encoding="utf-8")

    found = _finished(lambda: discover(tmp_path), fifos)
    kept = _finished(lambda: is_discovered(tmp_path / "sub" / "b.py", root=tmp_path), fifos)

    assert ["a.py", "sub/b.py"] == [p.relative_to(tmp_path).as_posix() for p in found]
    assert kept


def test_dead_code_reads_no_fifo_or_oversized_file_as_pyproject_or_whitelist(
    tmp_path: Path,
) -> None:
    fifos = [tmp_path / "pyproject.toml", tmp_path / "whitelist.py"]
    for fifo in fifos:
        os.mkfifo(fifo)
    (tmp_path / "big_whitelist.py").write_text("used_name\n" + _OVERSIZED, encoding="utf-8")
    (tmp_path / "broken_whitelist.py").write_text("def (:\n", encoding="utf-8")
    (tmp_path / "whitelist_ok.py").write_text("kept_name\n", encoding="utf-8")

    names = _finished(lambda: entry_points(tmp_path), fifos)
    whitelists = ["whitelist.py", "big_whitelist.py", "broken_whitelist.py", "whitelist_ok.py"]
    used = _finished(lambda: whitelist_uses(tmp_path, whitelists), fifos)

    assert ((set(), set()), {"kept_name"}) == (names, used)


def test_security_reads_no_fifo_or_oversized_file_a_requirements_file_includes(
    tmp_path: Path,
) -> None:
    os.mkfifo(tmp_path / "pipe.txt")
    (tmp_path / "big.txt").write_text("django==3.0.0\n" + _OVERSIZED, encoding="utf-8")
    (tmp_path / "base.txt").write_text("requests==2.30.0\n", encoding="utf-8")
    includes = ["pipe.txt", "big.txt", "base.txt", "missing.txt"]
    facts = {"requirements.txt": {"dependencies": [], "includes": includes}}

    manifests = _finished(lambda: _with_includes(facts, tmp_path), [tmp_path / "pipe.txt"])

    assert ["base.txt", "requirements.txt"] == sorted(manifests)


_DEEP_TOML = "x = " + "[" * 5000 + "]" * 5000 + "\n"


@pytest.mark.parametrize("name", [".chaffra.toml", "pyproject.toml"])
def test_a_config_file_nested_too_deeply_is_a_config_error(tmp_path: Path, name: str) -> None:
    (tmp_path / name).write_text(_DEEP_TOML, encoding="utf-8")
    with pytest.raises(ConfigError, match="values nested too deeply") as caught:
        resolve_effective_config(tmp_path, None, CliOverrides())
    assert str(tmp_path / name) == caught.value.path


def test_dead_code_ignores_a_pyproject_nested_too_deeply(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(_DEEP_TOML, encoding="utf-8")
    assert (set(), set()) == entry_points(tmp_path)


@pytest.mark.parametrize(
    ("name", "text"),
    [
        ("uv.lock", _DEEP_TOML),
        ("poetry.lock", _DEEP_TOML),
        ("pyproject.toml", _DEEP_TOML),
        ("Pipfile.lock", "[" * 100_000 + "]" * 100_000),
    ],
)
def test_a_manifest_nested_too_deeply_has_no_pins_and_fails_no_module(name: str, text: str) -> None:
    assert None is parse_manifest(name, text)


def test_a_baseline_nested_too_deeply_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="not a JSON baseline: nested too deeply"):
        Baseline.loads("[" * 100_000 + "]" * 100_000, source="deep.json")
