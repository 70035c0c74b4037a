"""Query parameters of the report endpoints, validated before anything is read.

Each list endpoint names its sort keys (with their natural order) and its
filters; :func:`parse_list_query` checks ``limit``, ``offset``, ``sort``,
``order`` and every filter, and raises :class:`BadQuery` (a 400 with
``{"error": ...}``) on the first bad one. A known parameter given twice is
an error; unknown parameters are ignored, as on every route.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import attrs
from starlette.datastructures import QueryParams

from chaffra_telemetry.report import SEVERITIES

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "MAX_OFFSET",
    "BadQuery",
    "ListQuery",
    "ListSpec",
    "parse_list_query",
    "single",
]

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
MAX_OFFSET = 2**31 - 1
ORDERS = ("asc", "desc")
_ECHO = 64  # at most this many characters of a rejected value are quoted back


class BadQuery(ValueError):
    """A rejected query parameter; ``message`` is the 400 body's ``error``."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


@attrs.frozen(kw_only=True)
class ListSpec:
    """What one list endpoint accepts.

    ``sorts`` maps each sort key to whether its natural order is descending;
    ``filters`` maps each filter to its parser (raising ``ValueError`` with the
    allowed values).
    """

    sorts: Mapping[str, bool]
    default_sort: str
    filters: Mapping[str, Callable[[str], Any]] = attrs.field(factory=dict)


@attrs.frozen(kw_only=True)
class ListQuery:
    """A validated list query."""

    limit: int
    offset: int
    sort: str
    descending: bool
    filters: Mapping[str, Any]


def _quote(value: str) -> str:
    shown = value if len(value) <= _ECHO else value[:_ECHO] + "..."
    return repr(shown)


def single(params: QueryParams, name: str) -> str | None:
    """The one value of ``name``, or ``None`` when absent.

    Raises:
        BadQuery: ``name`` is given more than once.
    """
    values = params.getlist(name)
    if len(values) > 1:
        raise BadQuery(f"{name} may be given at most once")
    return values[0] if values else None


def _integer(params: QueryParams, name: str, low: int, high: int, default: int) -> int:
    raw = single(params, name)
    if raw is None:
        return default
    bounds = f"from {low} to {high}"
    if not (raw.isascii() and raw.isdigit() and len(raw) <= len(str(high))):
        raise BadQuery(f"{name} must be an integer {bounds}, got {_quote(raw)}")
    value = int(raw)
    if not low <= value <= high:
        raise BadQuery(f"{name} must be an integer {bounds}, got {value}")
    return value


def _choice(params: QueryParams, name: str, allowed: tuple[str, ...]) -> str | None:
    raw = single(params, name)
    if raw is not None and raw not in allowed:
        raise BadQuery(f"{name} must be one of {', '.join(allowed)}, got {_quote(raw)}")
    return raw


def parse_list_query(params: QueryParams, spec: ListSpec) -> ListQuery:
    """Validate a list endpoint's query against ``spec``.

    Raises:
        BadQuery: naming the first parameter that is not acceptable.
    """
    limit = _integer(params, "limit", 1, MAX_LIMIT, DEFAULT_LIMIT)
    offset = _integer(params, "offset", 0, MAX_OFFSET, 0)
    sort = _choice(params, "sort", tuple(spec.sorts)) or spec.default_sort
    order = _choice(params, "order", ORDERS)
    filters: dict[str, Any] = {}
    for name, parse in spec.filters.items():
        raw = single(params, name)
        if raw is None:
            continue
        try:
            filters[name] = parse(raw)
        except ValueError as error:
            raise BadQuery(f"{name} {error}, got {_quote(raw)}") from None
    descending = spec.sorts[sort] if order is None else order == "desc"
    return ListQuery(limit=limit, offset=offset, sort=sort, descending=descending, filters=filters)


def text(raw: str) -> str:
    """Any string (an empty one filters nothing out of a substring match)."""
    return raw


def non_empty(raw: str) -> str:
    """A non-empty string.

    Raises:
        ValueError: the string is empty.
    """
    if not raw:
        raise ValueError("must not be empty")
    return raw


def severity(raw: str) -> str:
    """One of the finding severities.

    Raises:
        ValueError: any other value.
    """
    if raw not in SEVERITIES:
        raise ValueError(f"must be one of {', '.join(SEVERITIES)}")
    return raw


def boolean(raw: str) -> bool:
    """``true`` or ``false``.

    Raises:
        ValueError: any other value.
    """
    if raw not in ("true", "false"):
        raise ValueError("must be true or false")
    return raw == "true"
