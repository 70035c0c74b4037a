"""JSON rendering for the API: strict JSON, deterministic, never a NaN.

Serializers accept only :class:`ProjectedSnapshot` values (checked with
``require_projected``), so nothing unprojected can reach a response body.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from starlette.responses import JSONResponse

from chaffra_telemetry import MetricDataPoint, ProjectedSnapshot, require_projected
from chaffra_telemetry.serialization import sanitize_floats

__all__ = [
    "API_HEADERS",
    "ApiResponse",
    "data_point_entry",
    "error_response",
    "snapshot_document",
    "snapshot_documents",
    "sorted_counts",
]

API_HEADERS: Mapping[str, str] = {
    "Cache-Control": "no-store",
    "X-Content-Type-Options": "nosniff",
}


class ApiResponse(JSONResponse):
    """A strict JSON response with the API's cache and sniffing headers.

    Non-finite floats are rendered as ``null`` (Starlette's encoder would
    raise and turn the response into a 500).
    """

    def __init__(
        self,
        content: Any,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> None:
        super().__init__(content, status_code, headers={**API_HEADERS, **(headers or {})})

    def render(self, content: Any) -> bytes:
        """Compact UTF-8 JSON; ``allow_nan=False`` as a last guard after ``sanitize_floats``."""
        return json.dumps(
            sanitize_floats(content), ensure_ascii=False, allow_nan=False, separators=(",", ":")
        ).encode("utf-8")


def error_response(
    status_code: int, message: str, headers: Mapping[str, str] | None = None
) -> ApiResponse:
    """The API's error body: ``{"status": "error", "message": ...}``."""
    return ApiResponse({"status": "error", "message": message}, status_code, headers)


def sorted_counts(counts: Mapping[str, int]) -> dict[str, int]:
    """A count map with its keys sorted."""
    return {key: int(counts[key]) for key in sorted(counts)}


def data_point_entry(point: MetricDataPoint) -> dict[str, Any]:
    """A current-value data point: ``{name, value, labels}`` (no timestamp)."""
    return {
        "name": point.name,
        "value": sanitize_floats(point.value),
        "labels": {key: point.labels[key] for key in sorted(point.labels)},
    }


def snapshot_document(snapshot: ProjectedSnapshot, *, summary_only: bool) -> dict[str, Any]:
    """The projected snapshot's wire document; ``summary_only`` omits definitions and spans.

    Raises:
        TypeError: ``snapshot`` is not a :class:`ProjectedSnapshot`.
    """
    document = require_projected(snapshot).to_dict()
    if summary_only:
        del document["definitions"], document["spans"]
    return document


def snapshot_documents(
    snapshots: Sequence[ProjectedSnapshot], *, summary_only: bool
) -> list[dict[str, Any]]:
    """:func:`snapshot_document` for each snapshot, in order."""
    return [snapshot_document(s, summary_only=summary_only) for s in snapshots]
