"""Pinned and locked dependency versions from the files Python projects keep them in:
``requirements*.txt`` (``-r`` includes listed for ``combine`` to follow),
``pyproject.toml`` (PEP 621, dependency groups, poetry), ``uv.lock``,
``poetry.lock`` and ``Pipfile.lock``. Only exact versions are recorded: a range
does not say what is installed."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterable, Iterator
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:  # packaging loads only when a manifest is parsed
    from packaging.requirements import Requirement

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

__all__ = ["MANIFEST_PATTERNS", "Dependency", "parse_manifest", "requirement_includes"]

MANIFEST_PATTERNS = (
    "requirements*.txt",
    "*requirements.txt",
    "constraints*.txt",
    "pyproject.toml",
    "uv.lock",
    "poetry.lock",
    "Pipfile.lock",
)
"""File names whose dependencies are checked against advisories."""


@attrs.frozen(kw_only=True)
class Dependency:
    """One exact pin: PEP 503 name, version as written, the line it is on."""

    name: str
    version: str
    line: int

    def to_json(self) -> list[object]:
        """``[name, version, line]`` (what the file's facts hold)."""
        return [self.name, self.version, self.line]

    @classmethod
    def from_json(cls, data: Any) -> Dependency:
        """The inverse of :meth:`to_json`."""
        name, version, line = data
        return cls(name=str(name), version=str(version), line=int(line))


_INCLUDE = re.compile(r"^\s*(?:-r|--requirement|-c|--constraint)[\s=]+(\S+)")
_OPTION_TAIL = re.compile(r"\s(?:--hash|--global-option|--config-settings)\b.*$")


def _exact(requirement: Requirement) -> str | None:
    specs = list(requirement.specifier)
    if len(specs) == 1 and specs[0].operator in {"==", "==="} and "*" not in specs[0].version:
        return specs[0].version
    return None


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """``(first line number, text)`` with ``\\`` continuations joined."""
    buffer, start = "", 0
    for number, raw in enumerate(text.split("\n"), start=1):
        line = raw.rstrip("\r")
        if not buffer:
            start = number
        if line.endswith("\\"):
            buffer += line[:-1] + " "
            continue
        yield start, buffer + line
        buffer = ""
    if buffer:
        yield start, buffer


def parse_requirements(text: str) -> list[Dependency]:
    """The ``name==version`` lines of a requirements file (markers and hashes allowed)."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    found: list[Dependency] = []
    for number, line in _logical_lines(text):
        body = line.split(" #", 1)[0].strip()
        if not body or body.startswith(("#", "-")):
            continue
        body = _OPTION_TAIL.sub("", body)
        try:
            requirement = Requirement(body)
        except InvalidRequirement:
            continue
        version = _exact(requirement)
        if version is not None:
            found.append(
                Dependency(name=canonicalize_name(requirement.name), version=version, line=number)
            )
    return found


def requirement_includes(text: str) -> list[str]:
    """The files a requirements file includes with ``-r``/``-c`` (as written)."""
    return [m[1] for line in text.split("\n") if (m := _INCLUDE.match(line))]


def _line_of(text: str, needle: str, after: int = 0) -> int:
    at = text.find(needle, after)
    return text.count("\n", 0, at) + 1 if at >= 0 else 1


def _pep508(text: str, strings: Iterable[object]) -> list[Dependency]:
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    found = []
    for item in strings:
        if not isinstance(item, str):
            continue
        try:
            requirement = Requirement(item)
        except InvalidRequirement:
            continue
        version = _exact(requirement)
        if version is not None:
            found.append(
                Dependency(
                    name=canonicalize_name(requirement.name),
                    version=version,
                    line=_line_of(text, item),
                )
            )
    return found


def _poetry_pins(text: str, table: object) -> list[Dependency]:
    from packaging.utils import canonicalize_name

    found: list[Dependency] = []
    if not isinstance(table, dict):
        return found
    for name, spec in table.items():
        version = spec.get("version") if isinstance(spec, dict) else spec
        if name == "python" or not isinstance(version, str):
            continue
        version = version.strip().removeprefix("==")
        if re.fullmatch(r"\d+(?:\.\d+)*(?:[a-z]+\d*)?(?:\.post\d+)?", version):
            found.append(
                Dependency(
                    name=canonicalize_name(name), version=version, line=_line_of(text, f"{name} =")
                )
            )
    return found


def parse_pyproject(text: str) -> list[Dependency]:
    """Exact pins of a ``pyproject.toml``: PEP 621, ``[dependency-groups]`` and poetry."""
    data = tomllib.loads(text)
    project = data.get("project", {})
    strings: list[object] = list(project.get("dependencies", []))
    for extra in project.get("optional-dependencies", {}).values():
        strings.extend(extra)
    for group in data.get("dependency-groups", {}).values():
        strings.extend(group)
    found = _pep508(text, strings)
    poetry = data.get("tool", {}).get("poetry", {})
    found += _poetry_pins(text, poetry.get("dependencies"))
    found += _poetry_pins(text, poetry.get("dev-dependencies"))
    for group in poetry.get("group", {}).values():
        found += _poetry_pins(text, group.get("dependencies") if isinstance(group, dict) else None)
    return found


def parse_package_lock(text: str) -> list[Dependency]:
    """The ``[[package]]`` entries of ``uv.lock`` or ``poetry.lock`` (registry sources only)."""
    from packaging.utils import canonicalize_name

    data = tomllib.loads(text)
    found = []
    position = 0
    for package in data.get("package", []):
        name, version = package.get("name"), package.get("version")
        source = package.get("source", {})
        if not isinstance(name, str) or not isinstance(version, str):
            continue
        if isinstance(source, dict) and {"editable", "virtual", "workspace", "path"} & set(source):
            continue
        needle = f'name = "{name}"'
        at = text.find(needle, position)
        position = at + 1 if at >= 0 else position
        found.append(
            Dependency(
                name=canonicalize_name(name),
                version=version,
                line=_line_of(text, needle, max(at, 0)),
            )
        )
    return found


def parse_pipfile_lock(text: str) -> list[Dependency]:
    """The ``default`` and ``develop`` pins of a ``Pipfile.lock``."""
    from packaging.utils import canonicalize_name

    data = json.loads(text)
    found = []
    for section in ("default", "develop"):
        for name, spec in (data.get(section) or {}).items():
            version = spec.get("version", "") if isinstance(spec, dict) else ""
            if isinstance(version, str) and version.startswith("=="):
                found.append(
                    Dependency(
                        name=canonicalize_name(name),
                        version=version[2:],
                        line=_line_of(text, f'"{name}"'),
                    )
                )
    return found


_PARSERS: dict[str, Callable[[str], list[Dependency]]] = {
    "pyproject.toml": parse_pyproject,
    "uv.lock": parse_package_lock,
    "poetry.lock": parse_package_lock,
    "Pipfile.lock": parse_pipfile_lock,
}


def parse_manifest(name: str, text: str) -> list[Dependency] | None:
    """The pins of a file called ``name``, ``None`` if it is not a manifest (or is malformed)."""
    parser = _PARSERS.get(name)
    if (
        parser is None
        and name.endswith(".txt")
        and ("requirements" in name or name.startswith("constraints"))
    ):
        parser = parse_requirements
    if parser is None:
        return None
    try:
        return parser(text)
    except (ValueError, TypeError, AttributeError, RecursionError):
        # A malformed manifest has no pins to check (TOML/JSON errors are ValueErrors;
        # values nested thousands deep overflow the parsers' recursion).
        return None
