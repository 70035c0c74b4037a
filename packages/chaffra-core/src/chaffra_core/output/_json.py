"""The JSON format: a documented, versioned document (``schema-v2.json``, docs/output-json.md).

Compatibility rule: within ``2.x`` fields are only added, never renamed,
removed or retyped; anything else bumps the major version.
"""

from __future__ import annotations

import json
from importlib.resources import files
from typing import Any

import attrs
import cattrs

from chaffra_core._converter import converter as shared_converter
from chaffra_core._findings import Finding, ProjectHealth, Severity
from chaffra_core._result import RunResult

__all__ = ["JSON_SCHEMA_VERSION", "dumps", "json_schema", "render_json", "to_document"]

JSON_SCHEMA_VERSION = "2.1"
"""The ``schema_version`` every JSON document carries."""

TOOL_NAME = "chaffra"


@attrs.frozen(kw_only=True)
class _Tool:
    name: str
    version: str


@attrs.frozen(kw_only=True)
class _FindingCounts:
    error: int
    warning: int
    info: int
    total: int


@attrs.frozen(kw_only=True)
class _Summary:
    files_analyzed: int
    duration_ms: int
    findings: _FindingCounts


@attrs.frozen(kw_only=True)
class _ModuleError:
    module: str
    message: str


@attrs.frozen(kw_only=True)
class _Document:
    schema_version: str
    tool: _Tool
    command: str
    root: str
    modules: tuple[str, ...]
    summary: _Summary
    findings: tuple[Finding, ...]
    health: ProjectHealth | None
    module_errors: tuple[_ModuleError, ...]


def to_document(
    result: RunResult,
    *,
    tool_version: str,
    converter: cattrs.Converter | None = None,
    root: str = ".",
) -> dict[str, Any]:
    """The JSON document of ``result`` as plain dicts and lists.

    ``root`` is the analysed path as the reader sees it; locations are
    already in the reader's form (see ``OutputContext``).
    """
    conv = converter if converter is not None else shared_converter()
    counts = _FindingCounts(
        error=result.count(Severity.ERROR),
        warning=result.count(Severity.WARNING),
        info=result.count(Severity.INFO),
        total=len(result.findings),
    )
    document = _Document(
        schema_version=JSON_SCHEMA_VERSION,
        tool=_Tool(name=TOOL_NAME, version=tool_version),
        command=result.command,
        root=root,
        modules=result.modules,
        summary=_Summary(
            files_analyzed=result.files_analyzed, duration_ms=result.duration_ms, findings=counts
        ),
        findings=result.findings,
        health=result.health,
        module_errors=tuple(_ModuleError(module=m, message=msg) for m, msg in result.module_errors),
    )
    unstructured: dict[str, Any] = conv.unstructure(document)
    return unstructured


def render_json(result: RunResult, *, tool_version: str, root: str = ".") -> str:
    """The JSON document, pretty-printed with two-space indentation."""
    return dumps(to_document(result, tool_version=tool_version, root=root))


def dumps(document: object) -> str:
    """Strict JSON (no NaN), two-space indent, ASCII-only, with a trailing newline."""
    return json.dumps(document, indent=2, allow_nan=False) + "\n"


def json_schema() -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of the current ``schema_version``."""
    text = files("chaffra_core.output").joinpath("schema-v2.json").read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
