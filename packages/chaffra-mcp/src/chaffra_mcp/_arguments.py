"""Tool arguments checked against the tool's own input schema before any handler runs."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import jsonschema
from jsonschema.exceptions import best_match

from chaffra_mcp.errors import ToolError

__all__ = ["ArgumentValidator"]

_MAX_MESSAGE = 240  # jsonschema quotes the offending value, which may be huge


def _shorten(message: str) -> str:
    return message if len(message) <= _MAX_MESSAGE else message[: _MAX_MESSAGE - 3] + "..."


class ArgumentValidator:
    """A compiled Draft 2020-12 validator for one input schema.

    Unknown arguments are accepted and ignored (no schema forbids them): an
    ``audience`` argument, for instance, can never widen what a caller sees.
    """

    def __init__(self, schema: Mapping[str, Any]) -> None:
        jsonschema.Draft202012Validator.check_schema(schema)
        self._validator = jsonschema.Draft202012Validator(schema)

    def validate(self, arguments: Mapping[str, Any] | None) -> dict[str, Any]:
        """A copy of ``arguments`` (``None`` reads as ``{}``).

        Raises:
            ToolError: ``Invalid arguments: <where>: <what>`` for the most relevant violation.
        """
        values = dict(arguments or {})
        error = best_match(self._validator.iter_errors(values))
        if error is not None:
            where = ".".join(str(part) for part in error.absolute_path) or "arguments"
            raise ToolError(f"Invalid arguments: {where}: {_shorten(error.message)}")
        return values
