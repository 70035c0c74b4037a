"""The tool registry: one entry per tool, so adding a tool is adding an entry.

A :class:`ToolSpec` names the tool, its aliases (the original's slashed names),
its JSON Schemas and its handler. Handlers are plain synchronous functions with
no MCP SDK types: they return a :class:`ToolOutcome` (a finished result) or a
:class:`Listing` (a result whose list the dispatcher pages within the budget).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any

import attrs

if TYPE_CHECKING:
    from chaffra_mcp._context import ToolContext

__all__ = [
    "TOOL_NAME_PATTERN",
    "Handler",
    "Listing",
    "PageInfo",
    "ToolOutcome",
    "ToolRegistry",
    "ToolSpec",
]

TOOL_NAME_PATTERN = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
"""What strict MCP clients accept as a tool name; every listed name matches it."""

JsonObject = Mapping[str, Any]


@attrs.frozen(kw_only=True)
class ToolOutcome:
    """A tool's result: a short text ``summary`` and the ``structured`` content.

    An error outcome carries only its message (``summary``) and ``is_error``.
    """

    summary: str
    structured: JsonObject | None = None
    is_error: bool = False

    @classmethod
    def error(cls, message: str) -> ToolOutcome:
        """An error result whose text is ``message``."""
        return cls(summary=message, is_error=True)


@attrs.frozen(kw_only=True)
class PageInfo:
    """Where a page sits in its listing."""

    total: int
    offset: int
    returned: int
    next_cursor: str | None


@attrs.frozen(kw_only=True)
class Listing:
    """A result with one long list (``items`` under ``key``), most important item first.

    The dispatcher keeps it for paging and renders ``header`` plus one page;
    ``describe(header, page)`` writes the page's short text summary.
    """

    header: JsonObject
    key: str
    items: tuple[JsonObject, ...]
    describe: Callable[[JsonObject, PageInfo], str]


Handler = Callable[["ToolContext", JsonObject], "ToolOutcome | Listing"]
"""``handler(context, arguments)``: arguments are already validated against the input schema."""


@attrs.frozen(kw_only=True)
class ToolSpec:
    """One tool: names, schemas, hints and its handler.

    Raises:
        ValueError: the name or an alias is not a string, or the name does not
            match :data:`TOOL_NAME_PATTERN`.
    """

    name: str = attrs.field()
    title: str
    description: str
    input_schema: JsonObject
    output_schema: JsonObject
    handler: Handler = attrs.field(eq=False)
    aliases: tuple[str, ...] = ()
    read_only: bool = False

    @name.validator
    def _check_name(self, _attribute: object, value: str) -> None:
        if not TOOL_NAME_PATTERN.fullmatch(value):
            raise ValueError(f"tool name {value!r} does not match {TOOL_NAME_PATTERN.pattern}")


class ToolRegistry:
    """Tools by name and alias, listed in registration order."""

    def __init__(self, specs: Iterator[ToolSpec] | tuple[ToolSpec, ...] = ()) -> None:
        self._specs: dict[str, ToolSpec] = {}
        self._names: dict[str, ToolSpec] = {}
        for spec in specs:
            self.register(spec)

    def register(self, spec: ToolSpec) -> None:
        """Add ``spec``.

        Raises:
            ValueError: its name or an alias is already taken.
        """
        for name in (spec.name, *spec.aliases):
            if name in self._names:
                raise ValueError(f"tool name already registered: {name}")
        self._specs[spec.name] = spec
        for name in (spec.name, *spec.aliases):
            self._names[name] = spec

    def __iter__(self) -> Iterator[ToolSpec]:
        return iter(self._specs.values())

    def __len__(self) -> int:
        return len(self._specs)

    def lookup(self, name: str) -> ToolSpec | None:
        """The tool called ``name`` (its listed name or an alias), or ``None``."""
        return self._names.get(name)
