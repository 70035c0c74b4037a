"""The ``stderr`` backend: compact JSON lines, one per data point, then a summary line."""

from __future__ import annotations

import sys
from typing import Any, TextIO

from chaffra_telemetry._projection import ProjectedSnapshot, require_projected
from chaffra_telemetry.backends._format import compact_json
from chaffra_telemetry.errors import BackendError

__all__ = ["SUMMARY_EVENT", "StderrBackend"]

SUMMARY_EVENT = "chaffra.telemetry.summary"


class StderrBackend:
    """Write JSON lines to ``stream`` (``sys.stderr`` at flush time when not given).

    Point lines are ``{"name","value","labels","timestamp_ms"}``; the summary line is
    ``{"event","timestamp_ms","files_total","analysis_duration_ms","findings_by_severity",
    "findings_by_module"}``, identical in :meth:`flush` and :meth:`inspect`.
    """

    name = "stderr"

    def __init__(self, stream: TextIO | None = None) -> None:
        self._stream = stream

    def lines(self, snapshot: ProjectedSnapshot) -> list[str]:
        """The lines, without line terminators.

        Raises:
            TypeError: ``snapshot`` is not a :class:`ProjectedSnapshot`.
        """
        snapshot = require_projected(snapshot)
        lines = [
            compact_json(
                {
                    "name": point.name,
                    "value": point.value,
                    "labels": _sorted(point.labels),
                    "timestamp_ms": point.timestamp_ms,
                }
            )
            for point in snapshot.data_points
        ]
        summary = snapshot.user_summary
        lines.append(
            compact_json(
                {
                    "event": SUMMARY_EVENT,
                    "timestamp_ms": snapshot.timestamp_ms,
                    "files_total": summary.files_total,
                    "analysis_duration_ms": summary.analysis_duration_ms,
                    "findings_by_severity": _sorted(summary.findings_by_severity),
                    "findings_by_module": _sorted(summary.findings_by_module),
                }
            )
        )
        return lines

    def flush(self, snapshot: ProjectedSnapshot) -> None:
        """Write the lines, each terminated by ``\\n``, and flush the stream.

        Raises:
            TypeError: ``snapshot`` is not a :class:`ProjectedSnapshot`.
            BackendError: the stream refused the write.
        """
        text = "".join(line + "\n" for line in self.lines(snapshot))
        stream = self._stream if self._stream is not None else sys.stderr
        try:
            stream.write(text)
            stream.flush()
        except (OSError, ValueError) as error:  # ValueError: the stream is closed
            raise BackendError(f"cannot write to stderr: {error}") from error

    def test_connection(self) -> str:
        """Always usable."""
        return "stderr is always available"

    def inspect(self, snapshot: ProjectedSnapshot) -> str:
        """The lines joined by ``\\n``, no trailing newline.

        Raises:
            TypeError: ``snapshot`` is not a :class:`ProjectedSnapshot`.
        """
        return "\n".join(self.lines(snapshot))


def _sorted(mapping: Any) -> dict[str, Any]:
    return {key: mapping[key] for key in sorted(mapping)}
