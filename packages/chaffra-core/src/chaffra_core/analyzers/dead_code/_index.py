"""The project index: every file's facts combined into project-wide liveness.

Linear in the total size of the facts: one pass builds the sets of used names,
imported modules and re-exported names, a second reports each candidate whose
name no file uses. A warm run (facts from the cache) or an editor update (one
file's facts replaced) rebuilds it without any tree.
"""

from __future__ import annotations

import ast
import fnmatch
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from chaffra_core._findings import Finding, Location, Severity, make_anchor
from chaffra_core._summary import FileSummary
from chaffra_core.analyzers.dead_code._roots import BUILTIN_CLASSES, FileRole
from chaffra_core.analyzers.dead_code._rules import (
    KIND_RULES,
    MODULE_ID,
    UNUSED_FILE,
    UNUSED_IMPORT,
    Confidence,
)
from chaffra_core.analyzers.dead_code._settings import Settings
from chaffra_core.analyzers.dead_code._visitor import module_parts

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

__all__ = ["ProjectIndex", "entry_points", "whitelist_uses"]

# External bases whose subclasses' methods cannot be hooks of theirs.
_INERT_BASES = BUILTIN_CLASSES | {"ABC", "Generic", "NamedTuple", "TypedDict", "Enum", "IntEnum"}
_MESSAGES = {
    "function": "function `{}` is never used",
    "class": "class `{}` is never used",
    "method": "method `{}` is never used",
    "property": "property `{}` is never used",
    "attribute": "attribute `{}` is never read",
    "variable": "variable `{}` is never used",
}


@attrs.frozen(kw_only=True)
class ProjectIndex:
    """What the whole project uses and imports, from every file's facts."""

    facts: Mapping[str, Mapping[str, Any]]
    uses: frozenset[str]
    modrefs: frozenset[str]
    froms: frozenset[str]
    modrefs_suffixes: frozenset[str]
    froms_suffixes: frozenset[str]
    strings: frozenset[str]
    attributes: frozenset[str]
    """Names read as attributes (an import they match may be re-exported: ``mod.name``)."""
    declared: frozenset[str]
    """Names used from outside the code (whitelists, pyproject entry points)."""
    bases: Mapping[str, tuple[str, ...]]

    @classmethod
    def build(
        cls,
        files: Sequence[FileSummary],
        *,
        extra_uses: Iterable[str] = (),
        extra_modules: Iterable[str] = (),
    ) -> ProjectIndex:
        """The index of ``files`` (their ``dead-code`` facts), plus names and modules
        used from outside the code (whitelists, pyproject entry points)."""
        facts: dict[str, Mapping[str, Any]] = {}
        extra_uses = frozenset(extra_uses)
        uses: set[str] = set(extra_uses)
        modrefs: set[str] = set(extra_modules)
        froms: set[str] = set()
        strings: set[str] = set()
        attributes: set[str] = set()
        bases: dict[str, list[str]] = {}
        for summary in files:
            result = summary.results.get(MODULE_ID)
            if result is None or not result.facts:
                continue
            fact = result.facts
            facts[summary.path] = fact
            uses.update(fact["uses"])
            modrefs.update(fact["modrefs"])
            froms.update(fact["froms"])
            strings.update(fact["strings"])
            attributes.update(fact["attrs"])
            for name, class_bases in fact["classes"]:
                bases.setdefault(name, []).extend(class_bases)
        return cls(
            facts=facts,
            uses=frozenset(uses),
            modrefs=frozenset(modrefs),
            modrefs_suffixes=frozenset(_suffixes(modrefs)),
            froms=frozenset(froms),
            froms_suffixes=frozenset(_suffixes(froms)),
            strings=frozenset(strings),
            attributes=frozenset(attributes),
            declared=frozenset(extra_uses),
            bases={name: tuple(found) for name, found in bases.items()},
        )

    def findings(self, settings: Settings, *, entry: Sequence[str] = ()) -> list[Finding]:
        """The project-level findings at or above ``settings.min_confidence``."""
        found: list[Finding] = []
        external = _ExternalBases(self.bases)
        packages = {path.rpartition("/")[0] for path in self.facts if path.endswith("__init__.py")}
        for path, fact in self.facts.items():
            found.extend(self._definitions(path, fact, settings, external))
            found.extend(self._imports(path, fact, settings))
            unused = self._unused_file(path, fact, packages, entry)
            if unused is not None and unused.confidence * 100 >= settings.min_confidence:
                found.append(unused)
        return found

    def _definitions(
        self, path: str, fact: Mapping[str, Any], settings: Settings, external: _ExternalBases
    ) -> Iterator[Finding]:
        uses = self.uses
        star_imported = self._imported(path, "*")
        for kind, name, line, end, base, symbol, first, owner in fact["defs"]:
            if name in uses or settings.ignored(name):
                continue
            confidence = base
            if star_imported and "." not in symbol:
                confidence = min(confidence, Confidence.MAYBE_HOOK)  # re-exported by `import *`
            if name in self.strings:
                confidence = min(confidence, Confidence.MAYBE_HOOK)  # maybe read dynamically
            if (kind in ("method", "property") and external.has(owner)) or (
                kind == "class" and external.has(name)
            ):
                confidence = min(confidence, Confidence.MAYBE_HOOK)  # may be a framework's hook
            if confidence < settings.min_confidence:
                continue
            rule = KIND_RULES[kind]
            finding = _finding(
                rule,
                _MESSAGES[kind].format(symbol),
                Location(file=path, start_line=line, end_line=end),
                confidence,
                symbol=symbol,
                name=name,
            )
            if first != line:  # decorated: where the definition's text starts
                finding = attrs.evolve(
                    finding, metadata={**finding.metadata, "first_line": str(first)}
                )
            yield finding

    def _imports(self, path: str, fact: Mapping[str, Any], settings: Settings) -> Iterator[Finding]:
        for bound, line, end, message, base in fact["imports"]:
            confidence = base
            if base < settings.min_confidence or settings.ignored(bound) or bound in self.declared:
                continue
            if self._imported(path, bound):
                continue  # another module imports the name from this one: a re-export
            if bound in self.attributes:
                confidence = min(confidence, Confidence.MAYBE_HOOK)  # maybe read as `mod.name`
                if confidence < settings.min_confidence:
                    continue
            location = Location(file=path, start_line=line, end_line=end)
            yield _finding(
                UNUSED_IMPORT, message, location, confidence, symbol="<module>", name=bound
            )

    def _imported(self, path: str, name: str) -> bool:
        """Whether some file imports ``path``'s module (``name`` from it, if given).

        Imports are written from a package root, paths start at the project root:
        they match when one is a dotted suffix of the other.
        """
        keys = _module_keys(path)
        if name:
            keys = [f"{key}:{name}" for key in keys]
            raw, closed = self.froms, self.froms_suffixes
        else:
            raw, closed = self.modrefs, self.modrefs_suffixes
        return keys[0] in closed or any(key in raw for key in keys)

    def _unused_file(
        self,
        path: str,
        fact: Mapping[str, Any],
        packages: set[str],
        entry: Sequence[str],
    ) -> Finding | None:
        role = FileRole(path)
        directory = path.rpartition("/")[0]
        if (
            role.entry
            or fact["entry"]
            or directory not in packages  # a top-level module or a script: an entry point
            or any(fnmatch.fnmatchcase(path, glob) for glob in entry)
        ):
            return None
        if self._imported(path, ""):
            return None
        dotted = ".".join(module_parts(path))
        private = any(p.startswith("_") and not p.startswith("__") for p in dotted.split("."))
        confidence = Confidence.PRIVATE if private else Confidence.MAYBE_HOOK
        return _finding(
            UNUSED_FILE,
            f"module `{dotted}` is never imported",
            Location(file=path, start_line=1, end_line=1),
            confidence,
            symbol="<module>",
            name=dotted,
        )


class _ExternalBases:
    """Whether a class (by name) derives from a class outside the project."""

    def __init__(self, bases: Mapping[str, tuple[str, ...]]) -> None:
        self._bases = bases
        self._memo: dict[str, bool] = {}

    def has(self, name: str) -> bool:
        memo = self._memo
        if name in memo:
            return memo[name]
        memo[name] = False  # a cycle of project classes is not external
        stack = [name]
        result = False
        seen = {name}
        while stack:
            current = stack.pop()
            for base in self._bases.get(current, ()):
                if base in _INERT_BASES or base in seen:
                    continue
                if base not in self._bases or memo.get(base):
                    result = True
                    break
                seen.add(base)
                stack.append(base)
            if result:
                break
        memo[name] = result
        return result


def _suffixes(dotted: Iterable[str]) -> Iterator[str]:
    """Every dotted suffix of each name (``a.b.c`` -> ``a.b.c``, ``b.c``, ``c``; a
    ``module:name`` pair keeps its name), so an import written from any package
    root matches a file's path from the project root."""
    for item in dotted:
        module, colon, name = item.partition(":")
        parts = module.split(".")
        for index in range(len(parts)):
            yield ".".join(parts[index:]) + colon + name


def _module_keys(path: str) -> list[str]:
    """Every dotted suffix of ``path``'s module name, longest first
    (``src.pkg.mod``, ``pkg.mod``, ``mod``)."""
    parts = module_parts(path)
    return [".".join(parts[index:]) for index in range(len(parts))]


def _finding(
    rule: str,
    message: str,
    location: Location,
    confidence: int,
    *,
    symbol: str,
    name: str,
) -> Finding:
    return Finding(
        rule_id=rule,
        message=message,
        severity=Severity.INFO if rule == UNUSED_FILE else Severity.WARNING,
        location=location,
        confidence=confidence / 100,
        metadata={"confidence": str(confidence), "name": name},
        anchor=make_anchor(symbol, f"{rule} {name}"),
    )


def entry_points(root: Path) -> tuple[set[str], set[str]]:
    """``(names, modules)`` of ``[project.scripts]``, ``gui-scripts`` and ``entry-points``
    in ``root/pyproject.toml`` (``pkg.cli:main`` -> name ``main``, module ``pkg.cli``)."""
    try:
        document = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return set(), set()
    project = document.get("project", {})
    tables = [project.get("scripts", {}), project.get("gui-scripts", {})]
    groups = project.get("entry-points", {})
    if isinstance(groups, dict):
        tables.extend(groups.values())
    names: set[str] = set()
    modules: set[str] = set()
    for table in tables:
        if not isinstance(table, dict):
            continue
        for target in table.values():
            if isinstance(target, str):
                module, _, attribute = target.partition(":")
                modules.add(module.strip())
                names.update(attribute.strip().split("."))
    return names, modules


def whitelist_uses(root: Path, paths: Sequence[str]) -> set[str]:
    """The names a vulture whitelist file marks as used (``name``, ``_.attr``, imports)."""
    found: set[str] = set()
    for relative in paths:
        try:
            tree = ast.parse((root / relative).read_bytes())
        except (OSError, SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):  # a whitelist is not project code: its own small walk
            if isinstance(node, ast.Name):
                found.add(node.id)
            elif isinstance(node, ast.Attribute):
                found.add(node.attr)
            elif isinstance(node, ast.alias):
                found.add(node.asname or node.name.rpartition(".")[2])
    return found
