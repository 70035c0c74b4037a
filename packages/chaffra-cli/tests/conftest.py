"""Fixtures of the chaffra-cli tests: a CliRunner and small projects under tmp_path."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

COMPLEX_FUNCTION = """\
def tangled(a, b, c, d):
    total = 0
    for i in range(a):
        if i % 2 and b:
            total += 1
        elif i % 3 or c:
            total -= 1
        elif d and not b:
            total *= 2
        while total > 100 and a:
            total //= 2
            if c and d or b:
                break
        if a > b > c:
            total += 3
        elif b > c > d:
            total += 4
        elif c > d > a:
            total += 5
        elif d > a and b:
            total += 6
        elif a == b or c == d:
            total += 7
        elif a < 0 and b < 0 or c < 0:
            total += 8
    return total
"""


@pytest.fixture(autouse=True)
def cache_directory(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Every test gets its own result cache: the user's real cache is never touched."""
    directory = tmp_path_factory.mktemp("chaffra-cache")
    monkeypatch.setenv("CHAFFRA_CACHE_DIR", str(directory))
    return directory


@pytest.fixture
def runner() -> CliRunner:
    """A runner whose result keeps stdout and stderr apart."""
    return CliRunner()


@pytest.fixture
def make_project(tmp_path: Path) -> Callable[..., Path]:
    """``make_project({"a.py": "..."}, name="proj")`` writes a project and returns its root."""

    def make(files: dict[str, str] | None = None, name: str = "proj") -> Path:
        root = tmp_path / name
        root.mkdir()
        contents = files if files is not None else {"pkg/simple.py": "def f():\n    return 1\n"}
        for relative, text in contents.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text), encoding="utf-8")
        return root

    return make


@pytest.fixture
def complex_source() -> str:
    """A function far above the default complexity thresholds (cyclomatic 23, cognitive 27)."""
    return COMPLEX_FUNCTION


@pytest.fixture
def complex_project(make_project: Callable[..., Path]) -> Path:
    """A project with one function far above the default complexity thresholds."""
    return make_project({"pkg/__init__.py": "", "pkg/tangled.py": COMPLEX_FUNCTION})
