"""The public surface loads on use (PEP 562) and every exported name resolves."""

from __future__ import annotations

import subprocess
import sys

import pytest

import chaffra_core
import chaffra_core.analyzers.dead_code
import chaffra_core.analyzers.security
import chaffra_core.output

LAZY = [
    "chaffra_core",
    "chaffra_core.output",
    "chaffra_core.analyzers.dead_code",
    "chaffra_core.analyzers.security",
]


@pytest.mark.parametrize("module", LAZY)
def test_every_exported_name_resolves_in_a_fresh_interpreter(module: str) -> None:
    """Fresh, so no earlier import in this test session can hide a broken lazy name."""
    code = (
        f"import {module} as m\n"
        "missing = [n for n in m.__all__ if not hasattr(m, n)]\n"
        "print(missing)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "[]" == done.stdout.strip()


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = chaffra_core.nope
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = chaffra_core.output.nope
    assert sorted(chaffra_core.__all__) == dir(chaffra_core)
    for package in (chaffra_core.analyzers.dead_code, chaffra_core.analyzers.security):
        with pytest.raises(AttributeError, match="no attribute 'nope'"):
            _ = package.nope
        assert sorted(package.__all__) == dir(package)


def test_the_version_is_the_distributions() -> None:
    from importlib.metadata import version

    assert version("chaffra-core") == chaffra_core.__version__
