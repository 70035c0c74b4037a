"""Peer tools' suppression comments for dead code: pyflakes' (flake8, ruff) and vulture's."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from chaffra_core import CliOverrides, resolve_effective_config, run_analysis

_CONFIG = "[modules.dead-code]\nmin-confidence = 0\nunused-argument = true\n"

# (source with a `{noqa}` slot on the finding's line, the rule reported without it)
_CASES = {
    "F401": ("import os{noqa}\n", "unused-import"),
    "V104": ("from os import path{noqa}\n", "unused-import"),
    "F841": ("def f():\n    x = 1{noqa}\n\n\nprint(f)\n", "unused-variable"),
    "V107": ("def f(a):{noqa}\n    return 1\n\n\nprint(f)\n", "unused-argument"),
    "V101": (
        "class A:\n    def __init__(self):\n        self.x = 1{noqa}\n\n\nprint(A)\n",
        "unused-attribute",
    ),
    "V102": ("class Old:{noqa}\n    pass\n", "unused-class"),
    "V103": ("def old():{noqa}\n    pass\n", "unused-function"),
    "V105": ("class A:\n    def m(self):{noqa}\n        pass\n\n\nprint(A)\n", "unused-method"),
    "V106": (
        "class A:\n    @property\n    def p(self):{noqa}\n        return 1\n\n\nprint(A)\n",
        "unused-method",
    ),
    "V201": ("def f():\n    return 1\n    print(2){noqa}\n\n\nprint(f)\n", "unreachable-code"),
}


def _rules(root: Path, source: str) -> set[str]:
    (root / ".chaffra.toml").write_text(_CONFIG)
    (root / "app.py").write_text(source)
    config = resolve_effective_config(root, None, CliOverrides(telemetry="off"))
    result = run_analysis(
        config, command="dead-code", modules=("dead-code",), stderr=io.StringIO(), use_cache=False
    )
    return {f.rule_id.partition(":")[2] for f in result.findings if f.location.file == "app.py"}


@pytest.mark.parametrize("code", sorted(_CASES))
def test_a_peer_code_on_the_findings_line_suppresses_the_dead_code_rule_it_means(
    tmp_path: Path, code: str
) -> None:
    source, rule = _CASES[code]
    assert rule in _rules(tmp_path, source.format(noqa=""))
    assert rule in _rules(tmp_path, source.format(noqa="  # noqa: E501"))
    assert rule not in _rules(tmp_path, source.format(noqa=f"  # noqa: {code}"))
    assert rule not in _rules(tmp_path, source.format(noqa=f"  # NOQA:E501,{code.lower()}"))


def test_vultures_unreachable_code_covers_a_constant_condition_too(tmp_path: Path) -> None:
    source = "if False:{noqa}\n    print(1)\n"
    assert "redundant-condition" in _rules(tmp_path, source.format(noqa=""))
    assert set() == _rules(tmp_path, source.format(noqa="  # noqa: V201"))


def test_a_peer_comment_is_never_reported_stale(tmp_path: Path) -> None:
    assert set() == _rules(tmp_path, "import os  # noqa: F401\nprint(os)\n")
