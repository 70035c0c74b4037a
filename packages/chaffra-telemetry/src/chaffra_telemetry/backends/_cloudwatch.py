"""The ``cloudwatch`` backend: CloudWatch Embedded Metric Format (EMF) JSON lines.

EMF needs no AWS SDK: the CloudWatch agent, Lambda or ECS ship the lines to
CloudWatch Logs, which extracts the metrics.
"""

from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any, TextIO

from chaffra_telemetry._metrics import MetricDataPoint
from chaffra_telemetry._projection import ProjectedSnapshot, require_projected
from chaffra_telemetry.backends._format import check_directory, compact_json, resolve_path
from chaffra_telemetry.errors import BackendError

__all__ = ["DEFAULT_NAMESPACE", "MAX_DIMENSIONS", "CloudWatchBackend", "emf_records"]

DEFAULT_NAMESPACE = "chaffra"
MAX_DIMENSIONS = 30
"""CloudWatch accepts at most 30 dimensions per metric."""

_UNITS = {"ms": "Milliseconds", "s": "Seconds", "count": "Count", "bytes": "Bytes"}


def emf_records(snapshot: ProjectedSnapshot, namespace: str) -> list[dict[str, Any]]:
    """One EMF object per data point: the metric, its value and its labels as dimensions.

    Labels become dimensions (sorted, at most :data:`MAX_DIMENSIONS`); a label with an
    empty key or value, or whose key is ``_aws`` or the metric name, is left out
    (CloudWatch would reject or misread it). Points with a non-finite value (no EMF
    spelling) or named ``""`` or ``_aws`` are left out.

    Raises:
        TypeError: ``snapshot`` is not a :class:`ProjectedSnapshot`.
    """
    snapshot = require_projected(snapshot)
    records = []
    for point in snapshot.data_points:
        if not math.isfinite(point.value) or point.name in ("", "_aws"):
            continue
        definition = snapshot.definitions.get(point.name)
        unit = _UNITS.get(definition.unit, "None") if definition is not None else "None"
        dimensions = _dimensions(point)
        directive = {
            "Namespace": namespace,
            "Dimensions": [sorted(dimensions)],
            "Metrics": [{"Name": point.name, "Unit": unit}],
        }
        records.append(
            {
                "_aws": {"Timestamp": point.timestamp_ms, "CloudWatchMetrics": [directive]},
                **dimensions,
                point.name: point.value,
            }
        )
    return records


def _dimensions(point: MetricDataPoint) -> dict[str, str]:
    usable = [
        key
        for key in sorted(point.labels)
        if key and point.labels[key] and key not in ("_aws", point.name)
    ]
    return {key: point.labels[key] for key in usable[:MAX_DIMENSIONS]}


class CloudWatchBackend:
    """Append EMF lines to ``path`` (resolved against ``project_root``) or write them to stdout.

    ``stream`` replaces stdout (tests); it is ignored when ``path`` is set.
    """

    name = "cloudwatch"

    def __init__(
        self,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        path: str | Path | None = None,
        project_root: Path | None = None,
        stream: TextIO | None = None,
    ) -> None:
        self.namespace = namespace
        self.path = None if path is None else resolve_path(str(path), project_root)
        self._stream = stream

    def lines(self, snapshot: ProjectedSnapshot) -> list[str]:
        """The EMF lines, without terminators.

        Raises:
            TypeError: ``snapshot`` is not a :class:`ProjectedSnapshot`.
        """
        return [compact_json(record) for record in emf_records(snapshot, self.namespace)]

    def flush(self, snapshot: ProjectedSnapshot) -> None:
        """Write all lines with one ``write`` call (appending whole lines to ``path``).

        Raises:
            TypeError: ``snapshot`` is not a :class:`ProjectedSnapshot`.
            BackendError: the directory is missing or the destination refused the write.
        """
        text = "".join(line + "\n" for line in self.lines(snapshot))
        if not text:
            return
        try:
            if self.path is None:
                stream = self._stream if self._stream is not None else sys.stdout
                stream.write(text)
                stream.flush()
                return
            check_directory(self.path.parent)
            with self.path.open("a", encoding="utf-8") as file:
                file.write(text)
        except (OSError, ValueError) as error:  # ValueError: a closed stream
            raise BackendError(f"cannot write EMF lines: {error}") from error

    def test_connection(self) -> str:
        """Where the lines go; for a file, its directory must exist and be writable.

        Raises:
            BackendError: the directory is missing or not writable.
        """
        if self.path is None:
            return f"CloudWatch EMF lines for namespace '{self.namespace}' to stdout"
        check_directory(self.path.parent)
        return f"CloudWatch EMF lines for namespace '{self.namespace}' appended to {self.path}"

    def inspect(self, snapshot: ProjectedSnapshot) -> str:
        """The lines :meth:`flush` writes, joined by ``\\n``.

        Raises:
            TypeError: ``snapshot`` is not a :class:`ProjectedSnapshot`.
        """
        return "\n".join(self.lines(snapshot))
