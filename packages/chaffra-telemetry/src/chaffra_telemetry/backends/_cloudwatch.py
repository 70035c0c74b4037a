"""The ``cloudwatch`` backend: CloudWatch Embedded Metric Format (EMF) JSON lines.

EMF needs no AWS SDK: the CloudWatch agent, Lambda or ECS ship the lines to
CloudWatch Logs, which extracts the metrics. The lines never go to stdout,
which belongs to the command's report: they are appended to a file (by
default ``.chaffra/cloudwatch-emf.jsonl``) or, when asked, written to stderr.
"""

from __future__ import annotations

import math
import os
from pathlib import Path
from typing import Any, TextIO

from chaffra_telemetry._config import DEFAULT_EMF_PATH
from chaffra_telemetry._metrics import MetricDataPoint
from chaffra_telemetry._project_dir import PROJECT_DIR, open_nofollow, safe_project_dir
from chaffra_telemetry._projection import ProjectedSnapshot, require_projected
from chaffra_telemetry.backends._format import check_directory, compact_json, resolve_path
from chaffra_telemetry.errors import BackendError, TelemetryIOError

__all__ = [
    "DEFAULT_NAMESPACE",
    "MAX_DIMENSIONS",
    "CloudWatchBackend",
    "emf_records",
    "is_valid_dimension",
]

DEFAULT_NAMESPACE = "chaffra"
MAX_DIMENSIONS = 30
"""CloudWatch accepts at most 30 dimensions per metric."""
_MAX_NAME = 255
_MAX_VALUE = 1024


def is_valid_dimension(name: str, value: str) -> bool:
    """Whether CloudWatch accepts a dimension ``name=value``.

    Both must be printable ASCII (no control characters), hold a character
    that is not whitespace and fit the limits (255 for a name, 1024 for a
    value); a name must not start with ``:``. CloudWatch rejects the whole
    metric otherwise.
    """
    return (
        _acceptable(name, _MAX_NAME) and not name.startswith(":") and _acceptable(value, _MAX_VALUE)
    )


def _acceptable(text: str, limit: int) -> bool:
    return 0 < len(text) <= limit and text.isascii() and text.isprintable() and not text.isspace()


_UNITS = {"ms": "Milliseconds", "s": "Seconds", "count": "Count", "bytes": "Bytes"}


def emf_records(snapshot: ProjectedSnapshot, namespace: str) -> list[dict[str, Any]]:
    """One EMF object per data point: the metric, its value and its labels as dimensions.

    Labels become dimensions (sorted, at most :data:`MAX_DIMENSIONS`); a label
    CloudWatch would reject (see :func:`is_valid_dimension`: empty, non-ASCII,
    whitespace-only, control characters) or misread (key ``_aws`` or the metric
    name) is left out. Points with a non-finite value (no EMF
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
        if is_valid_dimension(key, point.labels[key]) and key not in ("_aws", point.name)
    ]
    return {key: point.labels[key] for key in usable[:MAX_DIMENSIONS]}


class CloudWatchBackend:
    """Append EMF lines to ``path`` (resolved against ``project_root``) or write them to ``stream``.

    ``stream`` (e.g. ``sys.stderr``) replaces the file when given. A file in a
    project's ``.chaffra/`` gets the same protection as every project file: the
    directory is refused when unsafe and the file is never opened through a symlink.
    """

    name = "cloudwatch"

    def __init__(
        self,
        *,
        namespace: str = DEFAULT_NAMESPACE,
        path: str | Path = DEFAULT_EMF_PATH,
        project_root: Path | None = None,
        stream: TextIO | None = None,
    ) -> None:
        self.namespace = namespace
        self.path = None if stream is not None else resolve_path(str(path), project_root)
        self._stream = stream

    def lines(self, snapshot: ProjectedSnapshot) -> list[str]:
        """The EMF lines, without terminators.

        Raises:
            TypeError: ``snapshot`` is not a :class:`ProjectedSnapshot`.
        """
        return [compact_json(record) for record in emf_records(snapshot, self.namespace)]

    def flush(self, snapshot: ProjectedSnapshot) -> None:
        """Write all lines with one ``write`` call (appending whole lines to the file).

        Raises:
            TypeError: ``snapshot`` is not a :class:`ProjectedSnapshot`.
            BackendError: the directory is missing or unsafe, the file is a
                symlink, or the destination refused the write.
        """
        text = "".join(line + "\n" for line in self.lines(snapshot))
        if not text:
            return
        try:
            if self.path is None:
                assert self._stream is not None  # one of the two is always set
                self._stream.write(text)
                self._stream.flush()
                return
            if self.path.parent.name == PROJECT_DIR:
                safe_project_dir(self.path.parent.parent)
            check_directory(self.path.parent)
            fd = open_nofollow(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
            with open(fd, "a", encoding="utf-8") as file:
                file.write(text)
        except (OSError, ValueError, TelemetryIOError) as error:  # ValueError: a closed stream
            raise BackendError(f"cannot write EMF lines: {error}") from error

    def test_connection(self) -> str:
        """Where the lines go; for a file, its directory must exist and be writable.

        Raises:
            BackendError: the directory is missing or not writable.
        """
        if self.path is None:
            return f"CloudWatch EMF lines for namespace '{self.namespace}' to stderr"
        directory = self.path.parent
        if directory.name == PROJECT_DIR:
            directory = directory.parent  # created on the first flush
        check_directory(directory)
        return f"CloudWatch EMF lines for namespace '{self.namespace}' appended to {self.path}"

    def inspect(self, snapshot: ProjectedSnapshot) -> str:
        """The lines :meth:`flush` writes, joined by ``\\n``.

        Raises:
            TypeError: ``snapshot`` is not a :class:`ProjectedSnapshot`.
        """
        return "\n".join(self.lines(snapshot))
