"""Where advisories come from: an OSV export the user names (``--advisories PATH``,
a zip or a directory of JSON files), or the local database in the user's cache
directory that ``chaffra advisories update`` downloads from OSV, with the date
and the source it was fetched from."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
import urllib.request
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, BinaryIO

import attrs

from chaffra_core._result_cache import cache_home
from chaffra_core.analyzers.security._advisories import Advisory, parse_osv
from chaffra_core.errors import ConfigError

__all__ = [
    "OSV_PYPI_URL",
    "AdvisorySource",
    "DatabaseInfo",
    "database_dir",
    "open_advisories",
    "update_database",
]

OSV_PYPI_URL = "https://osv-vulnerabilities.storage.googleapis.com/PyPI/all.zip"
_INDEX = "index.json"
_META = "meta.json"
_MAX_DOWNLOAD = 512 * 1024 * 1024


def database_dir(environ: Mapping[str, str] | None = None) -> Path:
    """``<user cache>/advisories`` (see ``chaffra_core.cache_home``)."""
    return cache_home(environ) / "advisories"


@attrs.frozen(kw_only=True)
class DatabaseInfo:
    """What ``update_database`` stored."""

    path: Path
    source: str
    date: str
    advisories: int
    packages: int


@attrs.frozen(kw_only=True)
class AdvisorySource:
    """Loaded advisories by package (empty and ``missing`` when there is no database)."""

    by_package: Mapping[str, tuple[Advisory, ...]]
    origin: str
    date: str
    age_days: int | None
    missing: bool = False

    def for_package(self, name: str) -> Sequence[Advisory]:
        """The advisories of a PEP 503 package name."""
        return self.by_package.get(name, ())


def _today() -> dt.date:
    return dt.datetime.now(dt.timezone.utc).date()


def _age(date: str) -> int | None:
    try:
        return max(0, (_today() - dt.date.fromisoformat(date[:10])).days)
    except ValueError:
        return None


def _entries_from_zip(handle: zipfile.ZipFile) -> Iterator[Mapping[str, Any]]:
    for info in handle.infolist():
        if info.filename.endswith(".json") and not info.is_dir():
            yield json.loads(handle.read(info))


def _entries_from_dir(path: Path) -> Iterator[Mapping[str, Any]]:
    for file in sorted(path.rglob("*.json")):
        if file.is_file():
            yield json.loads(file.read_bytes())


def _index(entries: Iterator[Mapping[str, Any]]) -> dict[str, list[Advisory]]:
    by_package: dict[str, list[Advisory]] = {}
    for entry in entries:
        for advisory in parse_osv(entry):
            by_package.setdefault(advisory.package, []).append(advisory)
    return by_package


def _load_export(path: Path) -> AdvisorySource:
    """Advisories of an OSV zip or directory.

    Raises:
        ConfigError: the path does not exist or is not an OSV export.
    """
    try:
        if path.is_dir():
            by_package = _index(_entries_from_dir(path))
        else:
            with zipfile.ZipFile(path) as handle:
                by_package = _index(_entries_from_zip(handle))
    except (OSError, zipfile.BadZipFile, ValueError, KeyError) as error:
        raise ConfigError(
            f"advisories = {str(path)!r}: not an OSV zip or directory ({error})"
        ) from error
    newest = max((a.modified for v in by_package.values() for a in v), default="")
    date = newest[:10] if newest else "unknown"
    return AdvisorySource(
        by_package={k: tuple(v) for k, v in by_package.items()},
        origin=str(path),
        date=date,
        age_days=_age(date),
    )


def open_advisories(
    explicit: Path | None, *, environ: Mapping[str, str] | None = None
) -> AdvisorySource:
    """The advisories to match: ``explicit`` if given, else the local database,
    else an empty source marked ``missing``.

    Raises:
        ConfigError: ``explicit`` is not an OSV export, or the local database is damaged.
    """
    if explicit is not None:
        return _load_export(explicit)
    directory = database_dir(environ)
    try:
        meta = json.loads((directory / _META).read_text(encoding="utf-8"))
        index = json.loads((directory / _INDEX).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return AdvisorySource(by_package={}, origin="", date="", age_days=None, missing=True)
    except (OSError, ValueError) as error:
        raise ConfigError(
            f"advisory database {directory} is damaged ({error}); run `chaffra advisories update`"
        ) from error
    return AdvisorySource(
        by_package={k: tuple(Advisory.from_json(a) for a in v) for k, v in index.items()},
        origin=str(meta.get("source", "")),
        date=str(meta.get("date", "unknown")),
        age_days=_age(str(meta.get("date", ""))),
    )


def _download(url: str, target: BinaryIO, timeout: float) -> None:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        total = 0
        while chunk := response.read(1 << 20):
            total += len(chunk)
            if total > _MAX_DOWNLOAD:
                raise ValueError(f"download larger than {_MAX_DOWNLOAD} bytes")
            target.write(chunk)


def update_database(
    url: str = OSV_PYPI_URL,
    *,
    environ: Mapping[str, str] | None = None,
    timeout: float = 60.0,
) -> DatabaseInfo:
    """Download OSV's PyPI export from ``url`` and store its index with today's date.

    The previous database stays in place until the new one is complete.

    Raises:
        OSError: the download failed (network, HTTP error) or nothing could be written.
        ValueError: the download is not an OSV zip.
    """
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"advisory URL must be http(s): {url}")
    directory = database_dir(environ)
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryFile(dir=directory) as handle:
        _download(url, handle, timeout)
        handle.seek(0)
        try:
            with zipfile.ZipFile(handle) as archive:
                by_package = _index(_entries_from_zip(archive))
        except (zipfile.BadZipFile, KeyError) as error:
            raise ValueError(f"{url} is not an OSV zip: {error}") from error
    date = _today().isoformat()
    count = sum(len(v) for v in by_package.values())
    _write(directory / _INDEX, {k: [a.to_json() for a in v] for k, v in sorted(by_package.items())})
    _write(directory / _META, {"source": url, "date": date, "advisories": count})
    return DatabaseInfo(
        path=directory, source=url, date=date, advisories=count, packages=len(by_package)
    )


def _write(path: Path, data: object) -> None:
    descriptor, temporary = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            json.dump(data, handle, separators=(",", ":"))
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
