"""JSON Schema fragments shared by the tools' input and output schemas.

Findings and health use the shapes of chaffra's documented JSON output
(``chaffra_core.output.json_schema()``), inlined (no ``$ref``) because several
MCP clients do not resolve references in tool schemas.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from chaffra_core.output import json_schema
from chaffra_mcp._paging import DEFAULT_LIMIT, MAX_LIMIT

__all__ = [
    "CURSOR",
    "LIMIT",
    "NOTES",
    "PAGE",
    "PATH",
    "core_definition",
    "object_schema",
]

Schema = dict[str, Any]

PATH: Schema = {
    "type": "string",
    "description": "File or directory to analyse, inside the server's roots; relative paths "
    "start at the first root. Default: the first root.",
}
CURSOR: Schema = {
    "type": "string",
    "description": "The next_cursor of a previous result, to get its next page (same result, "
    "not re-analysed). Other arguments are ignored when a cursor is given.",
}
LIMIT: Schema = {
    "type": "integer",
    "minimum": 1,
    "maximum": MAX_LIMIT,
    "default": DEFAULT_LIMIT,
    "description": f"Most items per page (default {DEFAULT_LIMIT}); a page is also cut to "
    "stay within the token budget.",
}
PAGE: Schema = {
    "type": "object",
    "required": ["total", "offset", "returned", "next_cursor"],
    "properties": {
        "total": {"type": "integer", "description": "Items in the whole result."},
        "offset": {"type": "integer", "description": "Index of this page's first item."},
        "returned": {"type": "integer", "description": "Items on this page."},
        "next_cursor": {
            "type": ["string", "null"],
            "description": "Pass as `cursor` for the next page; null on the last page.",
        },
    },
}
NOTES: Schema = {
    "type": "array",
    "items": {"type": "string"},
    "description": "Things the caller should know about this result (e.g. telemetry skipped).",
}


def _inline(node: Any, definitions: Mapping[str, Any]) -> Any:
    if isinstance(node, dict):
        reference = node.get("$ref")
        if isinstance(reference, str) and reference.startswith("#/$defs/"):
            target = _inline(definitions[reference.removeprefix("#/$defs/")], definitions)
            extra = {k: _inline(v, definitions) for k, v in node.items() if k != "$ref"}
            return {**target, **extra}
        return {k: _inline(v, definitions) for k, v in node.items()}
    if isinstance(node, list):
        return [_inline(item, definitions) for item in node]
    return node


@functools.cache
def _definitions() -> Mapping[str, Any]:
    return dict(json_schema()["$defs"])


def core_definition(name: str) -> Schema:
    """The ``$defs`` entry ``name`` of chaffra's JSON output schema, references inlined."""
    definitions = _definitions()
    inlined: Schema = _inline(definitions[name], definitions)
    return inlined


def object_schema(properties: Mapping[str, Any], *, required: tuple[str, ...] = ()) -> Schema:
    """An object schema; unknown properties stay allowed (inputs ignore them)."""
    schema: Schema = {"type": "object", "properties": dict(properties)}
    if required:
        schema["required"] = list(required)
    return schema
