"""Results an agent can afford: one page at a time, within a token budget, with a cursor.

A :class:`Listing` is kept in a small in-memory cache under a random id; its
cursor names that id and an offset, so every page comes from the same result
(no re-analysis, no extra telemetry snapshot per page). A cursor whose listing
was evicted, or that was made by another tool, is refused with a message
saying what to do.
"""

from __future__ import annotations

import base64
import binascii
import json
import secrets
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any

import attrs

from chaffra_mcp._registry import Listing, PageInfo, ToolOutcome
from chaffra_mcp.errors import ToolError

__all__ = [
    "DEFAULT_LIMIT",
    "MAX_LIMIT",
    "TOKEN_BUDGET",
    "PageCache",
    "estimate_tokens",
    "render_page",
]

DEFAULT_LIMIT = 20
MAX_LIMIT = 200
TOKEN_BUDGET = 6000
"""The most a result may cost, in estimated tokens; clients commonly cap results at 10-25k."""

_CACHED_LISTINGS = 16
_MAX_CURSOR = 200


def estimate_tokens(structured: Mapping[str, Any], summary: str) -> int:
    """What a result costs an agent, estimated as one token per 4 characters of compact JSON."""
    size = len(json.dumps(structured, separators=(",", ":"), ensure_ascii=False)) + len(summary)
    return -(-size // 4)


@attrs.frozen(kw_only=True)
class _Entry:
    tool: str
    listing: Listing


class PageCache:
    """The last few listings, by id (thread-safe; least recently used evicted first)."""

    def __init__(self, capacity: int = _CACHED_LISTINGS) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[str, _Entry] = OrderedDict()
        self._lock = threading.Lock()

    def store(self, tool: str, listing: Listing) -> str:
        """Keep ``listing``; return its id."""
        listing_id = secrets.token_urlsafe(9)
        with self._lock:
            self._entries[listing_id] = _Entry(tool=tool, listing=listing)
            while len(self._entries) > self._capacity:
                self._entries.popitem(last=False)
        return listing_id

    def resolve(self, tool: str, cursor: str) -> tuple[str, Listing, int]:
        """The listing id, listing and offset ``cursor`` points at.

        Raises:
            ToolError: the cursor is malformed, made by another tool, or its
                listing is no longer kept.
        """
        listing_id, offset = _decode(cursor)
        with self._lock:
            entry = self._entries.get(listing_id)
            if entry is not None:
                self._entries.move_to_end(listing_id)
        if entry is None:
            raise ToolError(
                "Expired cursor: the result it pages is no longer kept; call the tool again "
                "without a cursor"
            )
        if entry.tool != tool:
            raise ToolError(f"Invalid cursor: it pages a result of {entry.tool}, not of {tool}")
        if offset > len(entry.listing.items):
            raise ToolError(f"Invalid cursor: offset {offset} is past the end of the result")
        return listing_id, entry.listing, offset


def _encode(listing_id: str, offset: int) -> str:
    raw = json.dumps([listing_id, offset], separators=(",", ":")).encode("ascii")
    return base64.urlsafe_b64encode(raw).decode("ascii").rstrip("=")


def _decode(cursor: str) -> tuple[str, int]:
    invalid = ToolError("Invalid cursor: pass back the next_cursor of a previous result unchanged")
    if len(cursor) > _MAX_CURSOR:
        raise invalid
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        value = json.loads(raw.decode("ascii"))
    except (binascii.Error, UnicodeDecodeError, ValueError):
        raise invalid from None
    match value:
        case [str() as listing_id, int() as offset] if not isinstance(offset, bool) and offset >= 0:
            return listing_id, offset
        case _:
            raise invalid


def render_page(
    listing_id: str,
    listing: Listing,
    *,
    offset: int,
    limit: int,
    budget: int = TOKEN_BUDGET,
) -> ToolOutcome:
    """The page of ``listing`` from ``offset``: at most ``limit`` items, cut to fit ``budget``.

    At least one item is returned when any is left, so paging always advances.
    """
    available = listing.items[offset : offset + limit]

    def build(count: int) -> ToolOutcome:
        end = offset + count
        page = PageInfo(
            total=len(listing.items),
            offset=offset,
            returned=count,
            next_cursor=_encode(listing_id, end) if end < len(listing.items) else None,
        )
        structured = {
            **listing.header,
            listing.key: list(available[:count]),
            "page": attrs.asdict(page),
        }
        return ToolOutcome(summary=listing.describe(listing.header, page), structured=structured)

    def fits(outcome: ToolOutcome) -> bool:
        assert outcome.structured is not None
        return estimate_tokens(outcome.structured, outcome.summary) <= budget

    best = build(len(available))
    if fits(best) or len(available) <= 1:
        return best
    low, high = 1, len(available) - 1  # the largest count that fits, found by bisection
    best = build(1)
    while low <= high:
        middle = (low + high) // 2
        candidate = build(middle)
        if fits(candidate):
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return best
