"""The project index: every file's facts combined into project-wide liveness.

Linear in the total size of the facts: one pass builds the sets of used names,
imported modules and re-exported names, a second reports each candidate whose
name no file uses. A warm run (facts from the cache) or an editor update (one
file's facts replaced) rebuilds it without any tree.
"""

from __future__ import annotations

import ast
import fnmatch
import functools
import json
import sys
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import attrs

from chaffra_core._findings import Finding, Location, Severity, make_anchor
from chaffra_core._reading import ReadRefused, read_file
from chaffra_core._summary import FileSummary
from chaffra_core.analyzers.dead_code._roots import BUILTIN_CLASSES, ROOT_BASES
from chaffra_core.analyzers.dead_code._rules import (
    KIND_RULES,
    MODULE_ID,
    UNUSED_FILE,
    UNUSED_IMPORT,
    Confidence,
)
from chaffra_core.analyzers.dead_code._settings import Settings
from chaffra_core.analyzers.dead_code._visitor import module_parts, string_digest

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

__all__ = ["ProjectIndex", "entry_points", "pack", "unpack", "whitelist_uses"]

_PACKED = "packed"

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


_COUNTED = ("names", "attrs", "modrefs", "froms", "strings", "prefixes")
# Import strings are also counted by dotted suffix (once per distinct string), so a
# module matches an import written from any package root.
_SUFFIXED = ("modrefs", "froms")
# A name is used when it is read as a variable or as an attribute: each key's partner.
_USES = {"names": "attrs", "attrs": "names"}


def pack(facts: Mapping[str, Any]) -> dict[str, str]:
    """A file's facts as the result cache and worker processes carry them: one compact
    JSON text, so neither cattrs nor pickle walks thousands of names per file."""
    return {_PACKED: json.dumps(facts, separators=(",", ":"))}


def unpack(facts: Mapping[str, Any]) -> dict[str, Any]:
    """The facts ``pack`` packed."""
    unpacked: dict[str, Any] = json.loads(facts[_PACKED])
    return unpacked


class ProjectIndex:
    """What the whole project uses and imports, from every file's facts.

    Each fact is counted (how many files hold it), so replacing one file's facts
    (an editor's change) costs the size of that file's facts, not the project's.
    """

    def __init__(
        self, *, extra_uses: Iterable[str] = (), extra_modules: Iterable[str] = ()
    ) -> None:
        self.facts: dict[str, Mapping[str, Any]] = {}
        self._counts: dict[str, Counter[str]] = {key: Counter() for key in _COUNTED}
        self._suffixes: dict[str, Counter[str]] = {key: Counter() for key in _SUFFIXED}
        self._bases: dict[str, Counter[str]] = {}
        self._classes: Counter[str] = Counter()
        # Definitions by name, then by file: a name's uses appearing or vanishing
        # moves it in or out of ``_unused``, so reporting visits only unused names.
        self._definers: dict[str, dict[str, list[list[Any]]]] = {}
        self._unused: set[str] = set()
        self._used = 0  # distinct names in ``names`` or ``attrs``
        self._reported: dict[str, dict[tuple[Any, ...], Finding]] = {}  # kept between runs
        self._external: _ExternalBases | None = None  # kept until a class changes
        self.declared = frozenset(extra_uses)
        """Names used from outside the code (whitelists, pyproject entry points)."""
        self._add("names", self.declared)
        self._add("modrefs", set(extra_modules))

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
        index = cls(extra_uses=extra_uses, extra_modules=extra_modules)
        for summary in files:
            result = summary.results.get(MODULE_ID)
            if result is not None and result.facts:
                index.update(summary.path, unpack(result.facts))
        return index

    def update(self, path: str, fact: Mapping[str, Any] | None) -> None:
        """Replace ``path``'s facts (``None`` removes the file)."""
        old = self.facts.pop(path, None)
        if (old["classes"] if old else []) != (fact["classes"] if fact else []):
            self._external = None  # an edit that leaves the classes alone keeps it
        if old is not None:
            self._reported.pop(path, None)
            for key in _COUNTED:
                self._remove(key, old[key])
            for name in {record[1] for record in old["defs"]}:
                by_file = self._definers[name]
                del by_file[path]
                if not by_file:
                    del self._definers[name]
                    self._unused.discard(name)
            for name, class_bases in old["classes"]:
                self._bases[name].subtract(class_bases)
                self._classes[name] -= 1
                if self._classes[name] <= 0:  # no file defines a class of that name now
                    del self._classes[name], self._bases[name]
        if fact is None:
            return
        self.facts[path] = fact
        for key in _COUNTED:
            self._add(key, fact[key])
        by_name: dict[str, list[list[Any]]] = {}
        for record in fact["defs"]:
            by_name.setdefault(record[1], []).append(record)
        definers = self._definers
        for name, records in by_name.items():
            files = definers.get(name)
            if files is None:
                definers[name] = {path: records}
            else:
                files[path] = records
        names, attributes = self._counts["names"], self._counts["attrs"]
        self._unused.update(n for n in by_name if n not in names and n not in attributes)
        for name, class_bases in fact["classes"]:
            self._bases.setdefault(name, Counter()).update(class_bases)
            self._classes[name] += 1

    def _add(self, key: str, items: Collection[str]) -> None:
        counter = self._counts[key]
        if key in self._suffixes:
            self._suffixes[key].update(_dotted_suffixes(i for i in items if i not in counter))
        elif key in _USES:
            other = self._counts[_USES[key]]
            fresh = [i for i in items if i not in counter and i not in other]
            self._used += len(fresh)
            self._unused.difference_update(fresh)
        counter.update(items)

    def _remove(self, key: str, items: Collection[str]) -> None:
        counter = self._counts[key]
        counter.subtract(items)
        gone = [item for item in items if counter[item] <= 0]
        for item in gone:
            del counter[item]
        if gone and key in _USES:
            other = self._counts[_USES[key]]
            unused = [item for item in gone if item not in other]
            self._used -= len(unused)
            self._unused.update(item for item in unused if item in self._definers)
        if gone and key in self._suffixes:
            suffixes = self._suffixes[key]
            suffixes.subtract(_dotted_suffixes(gone))
            for suffix in _dotted_suffixes(gone):
                if suffixes[suffix] <= 0:
                    del suffixes[suffix]

    @property
    def used(self) -> int:
        """How many distinct names the project uses (variables, attributes, strings)."""
        return self._used

    @property
    def strings(self) -> Collection[str]:
        """Digests of identifier-shaped strings (a name in one may be read dynamically)."""
        return self._counts["strings"].keys()

    @property
    def attributes(self) -> Collection[str]:
        """Names read as attributes (an import they match may be re-exported: ``mod.name``)."""
        return self._counts["attrs"].keys()

    def findings(self, settings: Settings, *, entry: Sequence[str] = ()) -> list[Finding]:
        """The project-level findings at or above ``settings.min_confidence``."""
        found: list[Finding] = []
        external = self._external = self._external or _ExternalBases(self._bases)
        packages = {path.rpartition("/")[0] for path in self.facts if path.endswith("__init__.py")}
        candidates: dict[str, list[list[Any]]] = {}
        for name in self._unused:
            for path, records in self._definers[name].items():
                candidates.setdefault(path, []).extend(records)
        for path, records in candidates.items():
            found.extend(self._definitions(path, records, settings, external))
        for path, fact in self.facts.items():
            found.extend(self._imports(path, fact, settings))
            unused = self._unused_file(path, fact, packages, entry)
            if unused is not None and unused.confidence * 100 >= settings.min_confidence:
                found.append(unused)
        return found

    def _definitions(
        self,
        path: str,
        records: Iterable[Sequence[Any]],
        settings: Settings,
        external: _ExternalBases,
    ) -> Iterator[Finding]:
        """The findings of ``path``'s definitions ``records``, whose names no file uses."""
        prefixes = tuple(self._counts["prefixes"])
        star_imported = self._imported(path, "*")
        for kind, name, line, end, base, symbol, first, owner in records:
            if name.startswith(prefixes) or settings.ignored(name):
                continue
            confidence = base
            if star_imported and "." not in symbol:
                confidence = min(confidence, Confidence.MAYBE_HOOK)  # re-exported by `import *`
            if string_digest(name) in self.strings:
                confidence = min(confidence, Confidence.MAYBE_HOOK)  # maybe read dynamically
            if kind == "class" and external.rooted(name):
                continue
            if (kind in ("method", "property") and external.has(owner)) or (
                kind == "class" and external.has(name)
            ):
                confidence = min(confidence, Confidence.MAYBE_HOOK)  # may be a framework's hook
            if confidence < settings.min_confidence:
                continue
            yield self._finding(
                path,
                (KIND_RULES[kind], _MESSAGES[kind].format(symbol), line, end, confidence),
                symbol=symbol,
                name=name,
                first=first,
            )

    def _finding(
        self,
        path: str,
        what: tuple[str, str, int, int, int],
        *,
        symbol: str,
        name: str,
        first: int = 0,
    ) -> Finding:
        """The finding ``(rule, message, line, end, confidence)`` on ``path``: the object of
        the previous run when the file did not change (an editor's update rebuilds only
        the edited file's findings)."""
        reported = self._reported.setdefault(path, {})
        key = (*what, symbol, name, first)
        finding = reported.get(key)
        if finding is None:
            rule, message, line, end, confidence = what
            location = Location(file=path, start_line=line, end_line=end)
            finding = _finding(rule, message, location, confidence, symbol=symbol, name=name)
            if first and first != line:  # decorated: where the definition's text starts
                metadata = {**finding.metadata, "first_line": str(first)}
                finding = attrs.evolve(finding, metadata=metadata)
            reported[key] = finding
        return finding

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
            what = (UNUSED_IMPORT, message, line, end, confidence)
            yield self._finding(path, what, symbol="<module>", name=bound)

    def _imported(self, path: str, name: str) -> bool:
        """Whether some file imports ``path``'s module (``name`` from it, if given).

        Imports are written from a package root, paths start at the project root:
        they match when one is a dotted suffix of the other.
        """
        keys = _module_keys(path)
        if not keys:
            return False  # the root's own ``__init__.py``: no importable name from here
        counts = self._counts
        if name:
            keys = [f"{key}:{name}" for key in keys]
            raw, closed = counts["froms"], self._suffixes["froms"]
        else:
            raw, closed = counts["modrefs"], self._suffixes["modrefs"]
        return keys[0] in closed or any(key in raw for key in keys)

    def _unused_file(
        self,
        path: str,
        fact: Mapping[str, Any],
        packages: set[str],
        entry: Sequence[str],
    ) -> Finding | None:
        directory = path.rpartition("/")[0]
        if (
            fact["entry"]
            or directory not in packages  # a top-level module or a script: an entry point
            or any(fnmatch.fnmatchcase(path, glob) for glob in entry)
        ):
            return None
        if self._imported(path, ""):
            return None
        dotted = ".".join(module_parts(path))
        private = any(p.startswith("_") and not p.startswith("__") for p in dotted.split("."))
        confidence = Confidence.PRIVATE if private else Confidence.MAYBE_HOOK
        what = (UNUSED_FILE, f"module `{dotted}` is never imported", 1, 1, confidence)
        return self._finding(path, what, symbol="<module>", name=dotted)


class _ExternalBases:
    """What a class (by name) derives from: a class outside the project (its methods
    may be hooks), or a class a framework finds its subclasses of (``AppConfig``)."""

    def __init__(self, bases: Mapping[str, Counter[str]]) -> None:
        self._bases = bases
        self._external: dict[str, bool] = {}
        self._rooted: dict[str, bool] = {}

    def has(self, name: str) -> bool:
        """Whether ``name`` has an ancestor outside the project (not a builtin)."""
        return self._search(name, self._external, lambda b: b not in self._bases)

    def rooted(self, name: str) -> bool:
        """Whether ``name`` has an ancestor a framework discovers subclasses of."""
        return self._search(name, self._rooted, ROOT_BASES.__contains__)

    def _search(self, name: str, memo: dict[str, bool], hit: Callable[[str], bool]) -> bool:
        if name in memo:
            return memo[name]
        memo[name] = False  # a cycle of project classes finds nothing
        stack, seen, result = [name], {name}, False
        while stack and not result:
            bases = self._bases.get(stack.pop())
            for base in () if bases is None else +bases:
                if base in _INERT_BASES or base in seen:
                    continue
                if hit(base) or memo.get(base):
                    result = True
                    break
                seen.add(base)
                stack.append(base)
        memo[name] = result
        return result


@functools.lru_cache(maxsize=1 << 16)
def _module_keys(path: str) -> list[str]:
    """Every dotted suffix of ``path``'s module name, longest first
    (``src.pkg.mod``, ``pkg.mod``, ``mod``)."""
    parts = module_parts(path)
    return [".".join(parts[index:]) for index in range(len(parts))]


def _dotted_suffixes(dotted: Iterable[str]) -> list[str]:
    """Every dotted suffix of each name (``a.b.c`` -> ``a.b.c``, ``b.c``, ``c``; a
    ``module:name`` pair keeps its name), so an import written from any package
    root matches a file's path from the project root."""
    suffixes = []
    for item in dotted:
        module, colon, name = item.partition(":")
        tail = colon + name
        start = 0
        while True:
            suffixes.append(module[start:] + tail)
            start = module.find(".", start) + 1
            if not start:
                break
    return suffixes


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
    data = read_file(root / "pyproject.toml")  # never a FIFO or a device, never too large
    if isinstance(data, ReadRefused):
        return set(), set()
    try:
        document = tomllib.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
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
        data = read_file(root / relative)
        if isinstance(data, ReadRefused):
            continue
        try:
            tree = ast.parse(data)
        except (SyntaxError, ValueError):
            continue
        for node in ast.walk(tree):  # a whitelist is not project code: its own small walk
            if isinstance(node, ast.Name):
                found.add(node.id)
            elif isinstance(node, ast.Attribute):
                found.add(node.attr)
            elif isinstance(node, ast.alias):
                found.add(node.asname or node.name.rpartition(".")[2])
    return found
