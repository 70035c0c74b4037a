"""Differential test of the dead-code module against vulture, the peer users migrate from.

Recall: everything vulture reports at 100% confidence (unreachable code, constant
conditions, unused arguments) on generated code and on a slice of the standard
library, chaffra reports too (at the same file and line, with ``unused-argument``
on and every confidence shown). Precision: on the false-positive traps the issue
lists, vulture reports findings and chaffra, at its default confidence, none.
"""

from __future__ import annotations

import sysconfig
import textwrap
from collections.abc import Mapping
from pathlib import Path

import pytest
import vulture  # type: ignore[import-untyped]
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chaffra_core import Analyzers, ModuleConfig, ProjectContext, analyse_bytes
from chaffra_core.analyzers.dead_code import DeadCodeModule

EVERYTHING: ModuleConfig = {"min-confidence": 0, "unused-argument": True}
# vulture's item kinds and the chaffra rules that report the same construct.
RULES = {
    "unreachable_code": {"dead-code:unreachable-code", "dead-code:redundant-condition"},
    "variable": {"dead-code:unused-argument", "dead-code:unused-variable"},
    "import": {"dead-code:unused-import"},
    "function": {"dead-code:unused-function"},
    "class": {"dead-code:unused-class"},
    "method": {"dead-code:unused-method"},
    "property": {"dead-code:unused-method"},
    "attribute": {"dead-code:unused-attribute"},
}


def vulture_items(root: Path, min_confidence: int) -> set[tuple[str, int, str]]:
    """``(path, line, kind)`` of vulture's findings over ``root``."""
    scan = vulture.Vulture()
    scan.scavenge([str(root)])
    return {
        (
            Path(item.filename).resolve().relative_to(root.resolve()).as_posix(),
            item.first_lineno,
            item.typ,
        )
        for item in scan.get_unused_code(min_confidence=min_confidence)
    }


def chaffra_items(root: Path, config: ModuleConfig) -> set[tuple[str, int, str]]:
    """``(path, line, rule)`` of chaffra's dead-code findings over ``root`` (every
    definition also at its first decorator's line, where vulture reports it)."""
    module = DeadCodeModule()
    analyzers, failed = Analyzers.build([module], {"dead-code": config})
    assert {} == failed
    summaries = [
        analyse_bytes(
            path.read_bytes(),
            path=path.relative_to(root).as_posix(),
            absolute=path,
            analyzers=analyzers,
        )
        for path in sorted(root.rglob("*.py"))
    ]
    findings = [f for s in summaries for f in s.results["dead-code"].findings]
    findings.extend(
        module.combine(summaries, config, ProjectContext(root=root, target=root)).findings
    )
    found: set[tuple[str, int, str]] = set()
    for finding in findings:
        lines = {finding.location.start_line, int(finding.metadata.get("first_line", "0"))}
        found.update((finding.location.file, line, finding.rule_id) for line in lines)
    return found


def missed(vultures: set[tuple[str, int, str]], ours: set[tuple[str, int, str]]) -> list[str]:
    return sorted(
        f"{path}:{line} {kind}"
        for path, line, kind in vultures
        if not any((path, line, rule) in ours for rule in RULES[kind])
    )


def write(root: Path, files: Mapping[str, str]) -> Path:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text), encoding="utf-8")
    return root


_NAMES = st.sampled_from(["alpha", "beta", "gamma", "delta", "epsilon"])
_LEAVE = st.sampled_from(["return 1", "raise ValueError", "continue", "break"])
_CONSTANT = st.sampled_from(["False", "0", "None", "''", "not True", "x and False", "()"])


@st.composite
def programs(draw: st.DrawFn) -> str:
    """Functions with unused arguments, statements after a jump and constant conditions."""
    chunks = []
    for index in range(draw(st.integers(1, 4))):
        params = draw(st.lists(_NAMES, min_size=1, max_size=3, unique=True))
        used = draw(st.lists(st.sampled_from(params), max_size=len(params)))
        leave = draw(_LEAVE)
        body = [f"    print({', '.join(used) or '1'})"]
        if leave in ("continue", "break"):
            body += ["    for item in range(3):", f"        {leave}", "        print(item)"]
        else:
            body += [f"    if {draw(_CONSTANT)}:", "        print('never')", f"    {leave}"]
            body += ["    print('after')"]
        chunks.append(f"def f{index}({', '.join(params)}):\n" + "\n".join(body) + "\n")
        chunks.append(f"f{index}({', '.join('1' for _ in params)})\n")
    return "\n".join(chunks)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(program=programs())
def test_chaffra_reports_everything_vulture_is_certain_of_on_generated_code(
    tmp_path_factory: pytest.TempPathFactory, program: str
) -> None:
    root = write(tmp_path_factory.mktemp("gen"), {"gen.py": program})
    certain = vulture_items(root, 100)
    assert certain, "the generator always produces constructs vulture is certain of"
    assert [] == missed(certain, chaffra_items(root, EVERYTHING))


def test_chaffra_reports_everything_vulture_is_certain_of_in_the_standard_library(
    tmp_path: Path,
) -> None:
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    root = tmp_path / "std"
    for path in stdlib.rglob("*.py"):
        relative = path.relative_to(stdlib)
        if relative.parts[0] in ("test", "site-packages") or "tests" in relative.parts:
            continue
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(path.read_bytes())
    certain = vulture_items(root, 100)
    assert len(certain) > 30
    assert [] == missed(certain, chaffra_items(root, EVERYTHING))


def test_chaffra_matches_vultures_unused_imports_and_private_definitions(tmp_path: Path) -> None:
    """The constructs both tools mean the same way: single-name imports, unused
    private module-level functions and classes, unused plain-class methods."""
    root = write(
        tmp_path,
        {
            "app.py": """\
                import os
                import json as j
                from pathlib import Path

                def _helper():
                    pass

                class _Private:
                    def method(self):
                        pass

                def main():
                    return Path
                main()
            """,
        },
    )
    assert [] == missed(vulture_items(root, 60), chaffra_items(root, {"min-confidence": 0}))


TRAPS = {
    "pkg/__init__.py": "from pkg.impl import exported\n",
    "pkg/impl.py": """\
        import dataclasses
        import enum
        import functools
        from typing import TYPE_CHECKING, NamedTuple, TypedDict, overload

        if TYPE_CHECKING:
            from decimal import Decimal

        def exported():
            pass

        def dynamic_target():
            pass

        getattr(exported, "dynamic_target")

        @dataclasses.dataclass
        class Point:
            x: int
            y: int = 0

        class Pair(NamedTuple):
            left: int
            right: int

        class Options(TypedDict):
            verbose: bool

        class Color(enum.Enum):
            RED = 1

        @functools.singledispatch
        def render(value):
            return value

        @render.register(int)
        def _render_int(value):
            return value

        @overload
        def parse(x: int) -> int: ...
        @overload
        def parse(x: str) -> str: ...
        def parse(x):
            return x

        class Box:
            def __enter__(self):
                return self

            def __exit__(self, *exc):
                return None

            @property
            def size(self):
                return 0

            @size.setter
            def size(self, value):
                pass

        def annotate(amount: "Decimal") -> None:
            print(Point, Pair, Options, Color, render, parse, Box().size)

        annotate(1)
    """,
    "pkg/views.py": """\
        from flask import Flask
        import pytest

        app = Flask(__name__)

        @app.route("/")
        def index():
            return "hi"

        @pytest.fixture
        def client():
            return app
    """,
    "pkg/migrations/__init__.py": "",
    "pkg/migrations/0001_initial.py": """\
        from django.db import migrations

        class Migration(migrations.Migration):
            operations = []
    """,
    "pkg/apps.py": """\
        from django.apps import AppConfig

        class ShopConfig(AppConfig):
            name = "shop"
            default_auto_field = "x"
    """,
    "conftest.py": "def pytest_configure(config):\n    pass\n",
}


def test_on_the_traps_vulture_reports_and_chaffra_by_default_does_not(tmp_path: Path) -> None:
    root = write(tmp_path, TRAPS)
    assert len(vulture_items(root, 0)) >= 10
    assert set() == chaffra_items(root, {})
