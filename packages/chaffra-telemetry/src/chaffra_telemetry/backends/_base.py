"""The interface every telemetry backend implements."""

from __future__ import annotations

from typing import Protocol, runtime_checkable

import attrs

from chaffra_telemetry._projection import ProjectedSnapshot

__all__ = ["Backend", "BackendStatus"]


@attrs.frozen(kw_only=True)
class BackendStatus:
    """Whether one configured backend is usable; ``kind`` uses the config spelling.

    Operator-shaped: show it only when the audience admits operator data.
    """

    name: str
    kind: str
    connected: bool
    message: str


@runtime_checkable
class Backend(Protocol):
    """A destination for projected telemetry.

    ``flush`` and ``inspect`` accept only a :class:`ProjectedSnapshot` and raise
    ``TypeError`` for anything else, in particular a raw ``TelemetrySnapshot``.
    Nothing a backend prints while flushing names an endpoint, path or port:
    those lines are shown under ``user-only`` too. Operator details belong in
    :meth:`test_connection` (shown only with the operator scope enabled).
    """

    name: str

    def flush(self, snapshot: ProjectedSnapshot) -> None:
        """Export ``snapshot``; raise ``BackendError`` on failure."""

    def test_connection(self) -> str:
        """A one-line status; raise ``BackendError`` when the backend is not usable."""

    def inspect(self, snapshot: ProjectedSnapshot) -> str:
        """What ``flush`` would export, as text."""
