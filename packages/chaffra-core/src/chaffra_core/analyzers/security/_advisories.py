"""OSV advisories (the format of OSV's ``PyPI/all.zip`` and of the PyPA advisory
database) and matching them with PEP 440 versions: ``ECOSYSTEM`` ranges with
``introduced``/``fixed``/``last_affected`` events, explicit version lists,
withdrawn entries skipped, aliases (CVE, GHSA, PYSEC) merged into one finding."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any, Protocol

import attrs
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from chaffra_core._findings import Finding, Location, Severity, make_anchor, qualify
from chaffra_core.analyzers.security._lockfiles import Dependency
from chaffra_core.analyzers.security._rules import MODULE_ID

__all__ = ["Advisory", "AdvisoryLookup", "match_dependencies", "parse_osv"]

VULNERABLE_DEPENDENCY = qualify(MODULE_ID, "vulnerable-dependency")


@attrs.frozen(kw_only=True)
class Advisory:
    """One advisory's facts for one package."""

    id: str
    aliases: tuple[str, ...]
    package: str
    summary: str
    severity: Severity
    events: tuple[tuple[tuple[str, str], ...], ...]  # per range: (event kind, version)
    versions: frozenset[str]
    modified: str = ""

    def to_json(self) -> dict[str, Any]:
        """A compact JSON form (what the local database's index stores)."""
        return {
            "id": self.id,
            "aliases": list(self.aliases),
            "package": self.package,
            "summary": self.summary,
            "severity": self.severity.value,
            "events": [[list(e) for e in r] for r in self.events],
            "versions": sorted(self.versions),
            "modified": self.modified,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Advisory:
        """The inverse of :meth:`to_json`."""
        return cls(
            id=data["id"],
            aliases=tuple(data["aliases"]),
            package=data["package"],
            summary=data["summary"],
            severity=Severity(data["severity"]),
            events=tuple(tuple((k, v) for k, v in r) for r in data["events"]),
            versions=frozenset(data["versions"]),
            modified=data.get("modified", ""),
        )

    def affects(self, version: Version) -> bool:
        """Whether ``version`` is affected (listed, or inside one of the ranges)."""
        if str(version) in self.versions or any(_same(v, version) for v in self.versions):
            return True
        return any(_in_range(events, version) for events in self.events)

    def fixed(self) -> list[str]:
        """The versions that fix it, lowest first."""
        versions = {v for r in self.events for k, v in r if k == "fixed"}
        return sorted(versions, key=_sort_key)


class AdvisoryLookup(Protocol):
    """Where advisories come from: ``for_package`` plus the data's date and origin."""

    @property
    def date(self) -> str:
        """When the data was published or fetched (ISO date)."""
        ...

    @property
    def origin(self) -> str:
        """Where the data came from (a URL or a path)."""
        ...

    @property
    def age_days(self) -> int | None:
        """How old the data is, in days (``None``: unknown)."""
        ...

    def for_package(self, name: str) -> Sequence[Advisory]:
        """The advisories of a PEP 503 package name."""
        ...


def _version(text: str) -> Version | None:
    try:
        return Version(text)
    except InvalidVersion:
        return None


def _same(text: str, version: Version) -> bool:
    parsed = _version(text)
    return parsed is not None and parsed == version


def _sort_key(text: str) -> tuple[int, Version | str]:
    parsed = _version(text)
    return (0, parsed) if parsed is not None else (1, text)


def _in_range(events: Sequence[tuple[str, str]], version: Version) -> bool:
    ordered: list[tuple[Version, int, str]] = []
    for kind, raw in events:
        parsed = Version("0") if raw == "0" else _version(raw)
        if parsed is None:
            continue
        # At equal versions "introduced" applies before "fixed"/"last_affected".
        ordered.append((parsed, 0 if kind == "introduced" else 1, kind))
    affected = False
    for at, _, kind in sorted(ordered):
        if at > version:
            break
        if kind == "introduced":
            affected = True
        elif kind == "fixed" or (kind == "last_affected" and at < version):
            affected = False
    return affected


def _severity(entry: Mapping[str, Any], affected: Mapping[str, Any]) -> Severity:
    labels = [
        str((entry.get("database_specific") or {}).get("severity", "")),
        str((affected.get("database_specific") or {}).get("severity", "")),
        str((affected.get("ecosystem_specific") or {}).get("severity", "")),
    ]
    return (
        Severity.ERROR if {"HIGH", "CRITICAL"} & {s.upper() for s in labels} else Severity.WARNING
    )


def parse_osv(entry: Mapping[str, Any]) -> Iterator[Advisory]:
    """The PyPI advisories of one OSV entry (none for a withdrawn one)."""
    if entry.get("withdrawn"):
        return
    aliases = tuple(sorted({str(a) for a in entry.get("aliases", []) if a}))
    summary = " ".join(str(entry.get("summary") or entry.get("details") or "").split())[:200]
    for affected in entry.get("affected", []):
        package = affected.get("package", {})
        if package.get("ecosystem") != "PyPI" or not package.get("name"):
            continue
        ranges = tuple(
            tuple(
                (kind, str(value))
                for event in r.get("events", [])
                for kind, value in event.items()
                if kind in {"introduced", "fixed", "last_affected"}
            )
            for r in affected.get("ranges", [])
            if r.get("type") == "ECOSYSTEM"
        )
        yield Advisory(
            id=str(entry["id"]),
            aliases=aliases,
            package=canonicalize_name(package["name"]),
            summary=summary,
            severity=_severity(entry, affected),
            events=ranges,
            versions=frozenset(str(v) for v in affected.get("versions", [])),
            modified=str(entry.get("modified", "")),
        )


def _merged(advisories: Iterable[Advisory]) -> list[list[Advisory]]:
    """Advisories grouped when one's id or aliases name another (PYSEC = GHSA = CVE)."""
    groups: list[tuple[set[str], list[Advisory]]] = []
    for advisory in sorted(advisories, key=lambda a: a.id):
        names = {advisory.id, *advisory.aliases}
        home = next((g for g in groups if g[0] & names), None)
        if home is None:
            groups.append((names, [advisory]))
        else:
            home[0].update(names)
            home[1].append(advisory)
    return [g[1] for g in groups]


def _preferred_id(group: Sequence[Advisory]) -> tuple[str, list[str]]:
    names = sorted({a.id for a in group} | {x for a in group for x in a.aliases})
    for prefix in ("GHSA-", "PYSEC-", "CVE-"):
        chosen = next((n for n in names if n.startswith(prefix)), None)
        if chosen is not None:
            return chosen, [n for n in names if n != chosen]
    return names[0], names[1:]


def match_dependencies(
    manifests: Mapping[str, Sequence[Any]], source: AdvisoryLookup
) -> Iterator[Finding]:
    """One finding per (dependency line, vulnerability) for every affected pin."""
    for path, raw in sorted(manifests.items()):
        for dependency in (Dependency.from_json(d) for d in raw):
            version = _version(dependency.version)
            if version is None:
                continue
            hits = [a for a in source.for_package(dependency.name) if a.affects(version)]
            for group in _merged(hits):
                yield _finding(path, dependency, group, source)


def _finding(
    path: str, dependency: Dependency, group: Sequence[Advisory], source: AdvisoryLookup
) -> Finding:
    chosen, aliases = _preferred_id(group)
    fixed = sorted({v for a in group for v in a.fixed()}, key=_sort_key)
    later = [v for v in fixed if (p := _version(v)) is not None and p > Version(dependency.version)]
    fix_text = f"fixed in {later[0]}" if later else "no fixed version"
    summary = next((a.summary for a in group if a.summary), "")
    age = f"{source.age_days} days old" if source.age_days is not None else "age unknown"
    return Finding(
        rule_id=VULNERABLE_DEPENDENCY,
        message=(
            f"`{dependency.name}` {dependency.version} has known vulnerability {chosen}"
            + (f" ({', '.join(aliases[:3])})" if aliases else "")
            + (f": {summary}" if summary else "")
            + f"; {fix_text} (advisories from {source.date}, {age})"
        ),
        severity=max((a.severity for a in group), key=lambda s: s.rank),
        location=Location(file=path, start_line=dependency.line, end_line=dependency.line),
        confidence=0.95,
        metadata={
            "advisory": chosen,
            "aliases": ",".join(aliases),
            "package": dependency.name,
            "installed_version": dependency.version,
            "fixed_version": later[0] if later else "",
            "advisory_db_date": source.date,
            "advisory_db_source": source.origin,
            "advisory_db_age_days": str(source.age_days if source.age_days is not None else ""),
        },
        anchor=make_anchor(dependency.name, f"{chosen} {dependency.version}"),
    )
