"""Packages use each other's public names only.

Every Python file of the repository is parsed with :mod:`ast`; an import of a
``_private`` module or name of another chaffra package fails the test. A
package's own sources and tests may import its privates; the integration tests
and the tools belong to no package, so every chaffra private is foreign to them.
"""

from __future__ import annotations

import ast
import re
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10 only
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ROOT / "packages"
ELSEWHERE = ("tests-integration", "tools", "noxfile.py")


def owner_of(path: Path) -> str | None:
    """The import name of the distribution ``path`` belongs to, or ``None``."""
    relative = path.relative_to(ROOT).parts
    if relative[0] != "packages":
        return None
    return relative[1].replace("-", "_")


def is_private(part: str) -> bool:
    return part.startswith("_") and not (part.startswith("__") and part.endswith("__"))


def imported(tree: ast.AST) -> Iterator[tuple[int, str]]:
    """Every dotted name an import statement of ``tree`` reaches, with its line."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module is not None and node.level == 0:
            if any(is_private(part) for part in node.module.split(".")):
                yield node.lineno, node.module
            else:
                for alias in node.names:
                    yield node.lineno, f"{node.module}.{alias.name}"


def foreign_privates(path: Path, source: str) -> list[str]:
    owner = owner_of(path)
    problems = []
    for line, name in imported(ast.parse(source, str(path))):
        top, *rest = name.split(".")
        if not top.startswith("chaffra_") or top == owner:
            continue
        if any(is_private(part) for part in rest):
            problems.append(f"{path.relative_to(ROOT)}:{line}: {name}")
    return problems


def python_files() -> Iterator[Path]:
    for package in sorted(PACKAGES.iterdir()):
        yield from sorted(package.rglob("*.py"))
    for name in ELSEWHERE:
        target = ROOT / name
        yield from sorted(target.rglob("*.py")) if target.is_dir() else [target]


def test_no_file_imports_another_packages_private_names() -> None:
    problems = [
        problem
        for path in python_files()
        for problem in foreign_privates(path, path.read_text(encoding="utf-8"))
    ]
    assert [] == problems, "\n".join(problems)


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("packages/chaffra-cli/src/chaffra_cli/x.py", "from chaffra_core._config import X\n"),
        ("packages/chaffra-cli/src/chaffra_cli/x.py", "import chaffra_telemetry._grafana as g\n"),
        ("packages/chaffra-cli/tests/x.py", "from chaffra_core import _private\n"),
        ("tests-integration/x.py", "from chaffra_mcp._paging import estimate_tokens\n"),
        ("tools/bench/x.py", "from chaffra_telemetry.backends._base import Backend\n"),
    ],
)
def test_a_foreign_private_import_is_reported(path: str, source: str) -> None:
    assert 1 == len(foreign_privates(ROOT / path, source))


@pytest.mark.parametrize(
    ("path", "source"),
    [
        ("packages/chaffra-cli/tests/x.py", "from chaffra_cli._app import cli\n"),
        ("packages/chaffra-core/src/chaffra_core/x.py", "from chaffra_core._config import X\n"),
        ("tools/bench/x.py", "from chaffra_telemetry.store import SqliteStore\n"),
        ("tools/bench/x.py", "from chaffra_core import __version__\n"),
        ("tools/bench/x.py", "from . import _local\nimport _thread\n"),
    ],
)
def test_public_and_own_imports_pass(path: str, source: str) -> None:
    assert [] == foreign_privates(ROOT / path, source)


def project_tables() -> dict[str, dict[str, object]]:
    tables = {}
    for pyproject in sorted(PACKAGES.glob("*/pyproject.toml")):
        project = tomllib.loads(pyproject.read_text(encoding="utf-8"))["project"]
        tables[project["name"]] = project
    return tables


def test_internal_dependencies_are_pinned_to_the_same_version() -> None:
    """``chaffra-core`` depends on ``chaffra-telemetry==`` its own version, and so on."""
    tables = project_tables()
    versions = {str(table["version"]) for table in tables.values()}
    assert 1 == len(versions), versions
    (version,) = versions
    internal = [
        requirement
        for table in tables.values()
        for requirement in map(str, table.get("dependencies", []))  # type: ignore[call-overload]
        if re.split(r"[\[=<>~!; ]", requirement, maxsplit=1)[0] in tables
    ]
    assert internal
    assert [] == [r for r in internal if not r.endswith(f"=={version}")]
