"""Parse once: decode (BOM and PEP 263 cookie honoured) and ``ast``-parse a file's bytes.

A file that cannot be read, decoded or parsed is a ``parse:*`` finding, never a crash.
"""

from __future__ import annotations

import ast
import contextlib
import functools
import gc
import hashlib
import io
import json
import re
import tokenize
import warnings
from collections.abc import Iterator, Mapping

import attrs

from chaffra_core._findings import Finding, Location, Rule, Severity, make_anchor
from chaffra_core._suppressions import physical_lines
from chaffra_core._version import VERSION

__all__ = [
    "ENCODING_ERROR",
    "PARSE_RULES",
    "READ_ERROR",
    "SYNTAX_ERROR",
    "Parsed",
    "collection_paused",
    "config_fingerprint",
    "core_version",
    "parse_python",
    "problem_finding",
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

# A problem is a short human message; its prefix says which rule it is and its
# suffix where.
_KINDS = {"encoding error": ENCODING_ERROR, "syntax error": SYNTAX_ERROR, "read error": READ_ERROR}
_ERROR_RE = re.compile(
    r"^(?P<kind>[a-z ]+ error): (?P<detail>.*?)"
    r"(?: \(line (?P<line>\d+), column (?P<column>\d+)\))?$",
    re.DOTALL,
)


@attrs.frozen
class Parsed:
    """What parsing one file's bytes produced: its text, and the tree or the problem."""

    text: str
    tree: ast.Module | None
    error: str | None


def parse_python(data: bytes) -> Parsed:
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
        with warnings.catch_warnings(), collection_paused():
            warnings.simplefilter("ignore")
            tree = ast.parse(text, type_comments=False)
    except SyntaxError as error:
        return Parsed(text, None, _syntax_error(error))
    except (ValueError, RecursionError, MemoryError) as error:
        # Too deeply nested for the parser (MemoryError "parser stack overflow") or
        # a NUL byte on interpreters that report it as ValueError.
        detail = str(error) or "source too complex to parse"
        return Parsed(text, None, f"syntax error: {detail} (line 1, column 0)")
    return Parsed(text, tree, None)


@contextlib.contextmanager
def collection_paused() -> Iterator[None]:
    """The cyclic garbage collector paused while a large acyclic structure is built
    (a tree, a decoded cache): collections triggered meanwhile rescan everything the
    run keeps (a third of the parse time on Django) and free nothing."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _failed(data: bytes, message: str) -> Parsed:
    # Line-based scanners (suppressions, secrets) still read what they can.
    return Parsed(data.decode("utf-8", errors="replace"), None, message)


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


def problem_finding(path: str, text: str, error: str) -> Finding:
    """The ``parse:*`` finding of a file that could not be read, decoded or parsed.

    ``error`` is :attr:`Parsed.error` or ``"read error: <reason>"``.
    """
    match = _ERROR_RE.match(error)
    kind = match["kind"] if match else ""
    rule_id = _KINDS.get(kind, SYNTAX_ERROR)
    detail = match["detail"] if match else error
    lines = physical_lines(text)
    line = min(int(match["line"]), max(len(lines), 1)) if match and match["line"] else 1
    column = int(match["column"]) if match and match["column"] else 0
    problem = {
        ENCODING_ERROR: "cannot be decoded",
        SYNTAX_ERROR: "has a syntax error",
        READ_ERROR: "cannot be read",
    }[rule_id]
    source_line = lines[line - 1].rstrip("\r\n") if line <= len(lines) else ""
    return Finding(
        rule_id=rule_id,
        message=f"`{path}` {problem}: {detail}",
        severity=Severity.ERROR,
        location=Location(
            file=path,
            start_line=line,
            end_line=line,
            start_column=column,
            end_column=column,
        ),
        anchor=make_anchor("<module>", f"{rule_id} {source_line}"),
    )


def config_fingerprint(config: Mapping[str, object]) -> str:
    """A stable digest of a module's config table (key order does not matter)."""
    canonical = json.dumps(config, sort_keys=True, separators=(",", ":"), default=repr)
    return hashlib.sha256(canonical.encode()).hexdigest()[:32]


@functools.cache
def core_version() -> str:
    """The installed chaffra-core version (part of every cache key)."""
    return VERSION
