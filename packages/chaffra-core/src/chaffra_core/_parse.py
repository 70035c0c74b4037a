"""Parse once: decode and ``ast``-parse each file a single time, and the caches around it.

``ParseCache`` keeps parsed trees in memory by content digest (watch mode and the
LSP re-read unchanged files); ``ResultCache`` keeps per-file module results on
disk under ``<root>/.chaffra/cache/`` so a run over an unchanged tree skips both
parsing and per-file analysis.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import io
import json
import re
import threading
import tokenize
import warnings
from collections import OrderedDict
from collections.abc import Collection, Mapping
from importlib.metadata import version
from pathlib import Path
from typing import Any

import attrs
import cattrs

from chaffra_core._converter import make_cache_converter
from chaffra_core._findings import AnalysisResult, Finding, Location, Rule, Severity, make_anchor
from chaffra_core._source import SourceFile, content_hash
from chaffra_core._suppressions import physical_lines
from chaffra_telemetry import ParseCacheMetrics
from chaffra_telemetry._atomic import atomic_write_text, ensure_project_dir
from chaffra_telemetry.errors import TelemetryError

__all__ = [
    "CACHE_FORMAT",
    "ENCODING_ERROR",
    "PARSE_RULES",
    "READ_ERROR",
    "SYNTAX_ERROR",
    "ParseCache",
    "ResultCache",
    "ResultKey",
    "config_fingerprint",
    "load_source",
    "parse_findings",
    "source_from_bytes",
]

ENCODING_ERROR = "parse:encoding-error"
SYNTAX_ERROR = "parse:syntax-error"
READ_ERROR = "parse:read-error"

PARSE_RULES = (
    Rule(
        id=ENCODING_ERROR,
        name="Undecodable file",
        description="The file is not valid in its declared (or the default UTF-8) encoding.",
        default_severity=Severity.ERROR,
        category="parse",
    ),
    Rule(
        id=SYNTAX_ERROR,
        name="Syntax error",
        description="The file does not parse as Python for the running interpreter.",
        default_severity=Severity.ERROR,
        category="parse",
    ),
    Rule(
        id=READ_ERROR,
        name="Unreadable file",
        description="The file was discovered but could not be read.",
        default_severity=Severity.ERROR,
        category="parse",
    ),
)
"""The host's ``parse:*`` rules: a file that cannot be analysed is a finding, never a crash."""

# ``parse_error`` is a short human message; its prefix says which rule it is and its
# suffix where, so the finding can be rebuilt from the SourceFile alone (e.g. in
# another process, or from a SourceFile someone else made).
_KINDS = {"encoding error": ENCODING_ERROR, "syntax error": SYNTAX_ERROR, "read error": READ_ERROR}
_ERROR_RE = re.compile(
    r"^(?P<kind>[a-z ]+ error): (?P<detail>.*?)"
    r"(?: \(line (?P<line>\d+), column (?P<column>\d+)\))?$",
    re.DOTALL,
)


@attrs.frozen
class _Parsed:
    """What parsing one content produced (shared by every file with that content)."""

    text: str
    tree: ast.Module | None
    error: str | None


def load_source(path: Path, root: Path) -> SourceFile:
    """Read, decode and parse ``path`` once (no caching); ``path`` must be inside ``root``.

    Never raises for the file's content or readability: an unreadable,
    undecodable or unparsable file gets ``tree=None`` and a ``parse_error``
    (see :func:`parse_findings`).

    Raises:
        ValueError: ``path`` is not inside ``root``.
    """
    rel = _relative(path, root)
    try:
        data = path.read_bytes()
    except OSError as error:
        return _unreadable(rel, path, error)
    return _source(rel, path, data, _parse(data))


def source_from_bytes(data: bytes, *, path: str, absolute: Path) -> SourceFile:
    """A :class:`SourceFile` from content already in memory (an editor buffer, a cache miss)."""
    return _source(path, absolute, data, _parse(data))


def parse_findings(file: SourceFile) -> list[Finding]:
    """The ``parse:*`` finding of a file that could not be decoded, parsed or read (else ``[]``)."""
    if file.parse_error is None:
        return []
    match = _ERROR_RE.match(file.parse_error)
    kind = match["kind"] if match else ""
    rule_id = _KINDS.get(kind, SYNTAX_ERROR)
    detail = match["detail"] if match else file.parse_error
    lines = physical_lines(file.text)
    line = min(int(match["line"]), max(len(lines), 1)) if match and match["line"] else 1
    column = int(match["column"]) if match and match["column"] else 0
    problem = {
        ENCODING_ERROR: "cannot be decoded",
        SYNTAX_ERROR: "has a syntax error",
        READ_ERROR: "cannot be read",
    }[rule_id]
    source_line = lines[line - 1].rstrip("\r\n") if line <= len(lines) else ""
    return [
        Finding(
            rule_id=rule_id,
            message=f"`{file.path}` {problem}: {detail}",
            severity=Severity.ERROR,
            location=Location(
                file=file.path,
                start_line=line,
                end_line=line,
                start_column=column,
                end_column=column,
            ),
            anchor=make_anchor("<module>", f"{rule_id} {source_line}"),
        )
    ]


def _relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        raise ValueError(f"{path} is not inside the root {root}") from None


def _source(rel: str, absolute: Path, data: bytes, parsed: _Parsed) -> SourceFile:
    return SourceFile(
        path=rel,
        absolute=absolute,
        text=parsed.text,
        digest=content_hash(data),
        tree=parsed.tree,
        parse_error=parsed.error,
    )


def _unreadable(rel: str, absolute: Path, error: OSError) -> SourceFile:
    reason = error.strerror or type(error).__name__
    return SourceFile(
        path=rel,
        absolute=absolute,
        text="",
        digest=content_hash(b""),
        tree=None,
        parse_error=f"read error: {reason}",
    )


def _parse(data: bytes) -> _Parsed:
    """Decode (BOM and PEP 263 cookie honoured) and parse; failures become an error message."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as error:
        if "invalid or missing encoding declaration" not in str(error):
            # A cookie naming no codec, or contradicting the BOM.
            return _failed(data, f"encoding error: {error} (line 1, column 0)")
        encoding = "utf-8"  # invalid UTF-8 in the first lines: the decode below says where
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as error:
        return _failed(data, _decode_error(data, encoding, error))
    except LookupError:  # a codec that is not a text encoding (e.g. rot13)
        return _failed(data, f"encoding error: {encoding!r} is not a text encoding")
    try:
        # Invalid escapes and the like warn at compile time; a warning filter set to
        # "error" would turn them into SyntaxErrors. The user's code is not ours to lint.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse(text, type_comments=False)
    except SyntaxError as error:
        return _Parsed(text, None, _syntax_error(error))
    except (ValueError, RecursionError, MemoryError) as error:
        # Too deeply nested for the parser (MemoryError "parser stack overflow") or
        # a NUL byte on interpreters that report it as ValueError.
        detail = str(error) or "source too complex to parse"
        return _Parsed(text, None, f"syntax error: {detail} (line 1, column 0)")
    return _Parsed(text, tree, None)


def _failed(data: bytes, message: str) -> _Parsed:
    # Line-based scanners (suppressions, secrets) still read what they can.
    return _Parsed(data.decode("utf-8", errors="replace"), None, message)


def _decode_error(data: bytes, encoding: str, error: UnicodeDecodeError) -> str:
    line_start = data.rfind(b"\n", 0, error.start) + 1
    line = data.count(b"\n", 0, error.start) + 1
    column = len(data[line_start : error.start].decode(encoding, errors="replace"))
    bad = data[error.start : error.end].hex(" ")
    return f"encoding error: invalid {encoding} byte(s) {bad} (line {line}, column {column})"


def _syntax_error(error: SyntaxError) -> str:
    line = error.lineno or 1
    column = max((error.offset or 1) - 1, 0)
    return f"syntax error: {error.msg} (line {line}, column {column})"


class ParseCache:
    """An in-memory LRU of parsed content, keyed by content digest.

    Files with identical content share one tree (and one text), so modules
    must treat trees as read-only. Thread-safe; parsing happens outside the
    lock, so two threads missing on the same content may both parse it.
    """

    def __init__(self, *, max_entries: int = 4096, metrics: ParseCacheMetrics | None = None):
        if max_entries < 1:
            raise ValueError(f"max_entries must be at least 1, got {max_entries}")
        self._max_entries = max_entries
        self._entries: OrderedDict[str, tuple[_Parsed, int]] = OrderedDict()
        self._size = 0
        self._lock = threading.Lock()
        self.metrics = metrics if metrics is not None else ParseCacheMetrics()

    def __len__(self) -> int:
        return len(self._entries)

    def load(self, path: Path, root: Path) -> SourceFile:
        """:func:`load_source` through the cache.

        Raises:
            ValueError: ``path`` is not inside ``root``.
        """
        rel = _relative(path, root)
        try:
            data = path.read_bytes()
        except OSError as error:
            return _unreadable(rel, path, error)
        return self.from_bytes(data, path=rel, absolute=path)

    def from_bytes(self, data: bytes, *, path: str, absolute: Path) -> SourceFile:
        """:func:`source_from_bytes` through the cache."""
        digest = content_hash(data)
        with self._lock:
            entry = self._entries.get(digest)
            if entry is not None:
                self._entries.move_to_end(digest)
        if entry is not None:
            self.metrics.record_hit()
            parsed = entry[0]
        else:
            self.metrics.record_miss()
            parsed = _parse(data)
            self._store(digest, parsed, len(data))
        return SourceFile(
            path=path,
            absolute=absolute,
            text=parsed.text,
            digest=digest,
            tree=parsed.tree,
            parse_error=parsed.error,
        )

    def _store(self, digest: str, parsed: _Parsed, size: int) -> None:
        evicted = 0
        with self._lock:
            # Two threads may have parsed the same content: the last one wins.
            self._size += size - self._entries.get(digest, (parsed, 0))[1]
            self._entries[digest] = (parsed, size)
            while len(self._entries) > self._max_entries:
                _, (_, old_size) = self._entries.popitem(last=False)
                self._size -= old_size
                evicted += 1
            size_now = self._size
        for _ in range(evicted):
            self.metrics.record_eviction()
        self.metrics.set_size_bytes(size_now)


CACHE_FORMAT = 2  # 2: typed finding metadata, signature-free complexity anchors
"""Version of the on-disk result-cache layout; another version's files are ignored."""


def config_fingerprint(config: Mapping[str, object]) -> str:
    """A stable digest of a module's config table (key order does not matter)."""
    canonical = json.dumps(config, sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


@attrs.frozen(kw_only=True)
class ResultKey:
    """What a cached per-file result depends on besides the file: the module and its config."""

    module_id: str
    module_version: str
    config_fingerprint: str

    def shard_name(self) -> str:
        """The shard's file name: readable module id plus a digest of the whole key."""
        key = f"{CACHE_FORMAT}\0{_core_version()}\0{self.module_id}\0"
        key += f"{self.module_version}\0{self.config_fingerprint}"
        safe_id = re.sub(r"[^A-Za-z0-9_.-]", "_", self.module_id)
        return f"{safe_id}-{hashlib.sha256(key.encode()).hexdigest()[:24]}.json"


class _Shard:
    """One module configuration's entries: ``path -> {"digest", "result"}`` (raw JSON)."""

    def __init__(self, entries: dict[str, Any], *, dirty: bool) -> None:
        self.entries = entries
        self.dirty = dirty


class ResultCache:
    """Per-file module results on disk, under ``<root>/.chaffra/cache/results/``.

    Layout: one JSON file per :class:`ResultKey` (module id, module version,
    config fingerprint, plus the cache format and chaffra-core version),
    mapping each root-relative path to the content digest it was analysed
    at and the module's :class:`AnalysisResult` for it. The path is part of
    the key because findings carry it (and modules may look at it). A shard
    is read once, on first use, and rewritten atomically by :meth:`flush` only
    when it changed; since a path holds one entry, the cache grows with the
    tree, not with its history.

    Anything unreadable (bad JSON, wrong shape, another format) is a miss
    and is replaced on the next flush: this is a cache. With ``write=False``
    nothing on disk is ever created or changed (reads still happen).
    """

    def __init__(
        self,
        root: Path,
        *,
        write: bool,
        metrics: ParseCacheMetrics | None = None,
        converter: cattrs.Converter | None = None,
    ) -> None:
        self._root = root
        self._write = write
        self._converter = converter if converter is not None else make_cache_converter()
        self._shards: dict[ResultKey, _Shard] = {}
        self._lock = threading.Lock()
        self.metrics = metrics if metrics is not None else ParseCacheMetrics()

    @property
    def directory(self) -> Path:
        """Where the shards live."""
        return self._root / ".chaffra" / "cache" / "results"

    def get(self, key: ResultKey, path: str, digest: str) -> AnalysisResult | None:
        """The cached result of ``key``'s module for ``path`` at content ``digest``, or ``None``."""
        result: AnalysisResult | None = None
        with self._lock:
            shard = self._shard(key)
            raw = shard.entries.get(path)
            if isinstance(raw, dict) and raw.get("digest") == digest:
                result = self._structure(raw.get("result"))
            if raw is not None and result is None and not _same_file_changed(raw, digest):
                del shard.entries[path]  # corrupt: dropped (and rewritten by the next flush)
                shard.dirty = True
        if result is None:
            self.metrics.record_miss()
        else:
            self.metrics.record_hit()
        return result

    def put(self, key: ResultKey, path: str, digest: str, result: AnalysisResult) -> None:
        """Remember ``result`` (written by the next :meth:`flush`)."""
        entry = {"digest": digest, "result": self._converter.unstructure(result)}
        with self._lock:
            shard = self._shard(key)
            replaced = path in shard.entries
            shard.entries[path] = entry
            shard.dirty = True
        if replaced:
            self.metrics.record_eviction()

    def flush(self, *, keep: Collection[str] | None = None) -> int:
        """Write every changed shard atomically; return how many were written.

        ``keep`` (the paths of a whole-project run) drops entries of files that
        no longer exist. Write failures are swallowed (the run does not depend
        on its cache); with ``write=False`` this does nothing.
        """
        if not self._write:
            return 0
        written = 0
        with self._lock:
            for key, shard in self._shards.items():
                if keep is not None:
                    stale = [path for path in shard.entries if path not in keep]
                    for path in stale:
                        del shard.entries[path]
                    shard.dirty = shard.dirty or bool(stale)
                if shard.dirty and self._write_shard(key, shard):
                    shard.dirty = False
                    written += 1
        return written

    def _shard(self, key: ResultKey) -> _Shard:
        shard = self._shards.get(key)
        if shard is None:
            shard = self._shards[key] = self._read_shard(key)
        return shard

    def _read_shard(self, key: ResultKey) -> _Shard:
        try:
            document = json.loads((self.directory / key.shard_name()).read_bytes())
        except FileNotFoundError:
            return _Shard({}, dirty=False)
        except (OSError, ValueError):
            return _Shard({}, dirty=True)
        if (
            isinstance(document, dict)
            and document.get("format") == CACHE_FORMAT
            and document.get("key") == _key_document(key)
            and isinstance(document.get("entries"), dict)
        ):
            return _Shard(document["entries"], dirty=False)
        return _Shard({}, dirty=True)

    def _structure(self, raw: object) -> AnalysisResult | None:
        try:
            result: AnalysisResult = self._converter.structure(raw, AnalysisResult)
        except Exception:  # any malformed entry is a miss, never a crash
            return None
        return result

    def _write_shard(self, key: ResultKey, shard: _Shard) -> bool:
        document = {"format": CACHE_FORMAT, "key": _key_document(key), "entries": shard.entries}
        try:
            text = json.dumps(document, sort_keys=True, separators=(",", ":"), allow_nan=False)
            ensure_project_dir(self._root)
            self.directory.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self.directory / key.shard_name(), text)
        except (OSError, ValueError, TelemetryError):
            return False
        return True


def _key_document(key: ResultKey) -> dict[str, str]:
    return {
        "core_version": _core_version(),
        "module_id": key.module_id,
        "module_version": key.module_version,
        "config_fingerprint": key.config_fingerprint,
    }


def _same_file_changed(raw: object, digest: str) -> bool:
    """A well-formed entry for older content: a plain miss, replaced by the next put."""
    return isinstance(raw, dict) and isinstance(raw.get("digest"), str) and raw["digest"] != digest


@functools.cache
def _core_version() -> str:
    return version("chaffra-core")
