"""Prometheus text exposition (format 0.0.4) of a projected snapshot.

Naming rule (the Grafana dashboard queries exactly these names; keep them in step):

- A metric name becomes a Prometheus name by replacing every character outside
  ``[a-zA-Z0-9_:]`` (notably ``.`` and ``-``) with ``_`` and prefixing ``_`` when
  it would start with a digit: ``chaffra.analysis.findings_total`` →
  ``chaffra_analysis_findings_total``. No ``_total`` or unit suffix is added.
- A per-module summary metric ``chaffra.module.<id>.<key>`` (``<id>`` is the first
  segment after ``chaffra.module.``, ``<key>`` the rest) joins ONE family per key,
  ``chaffra_module_<key>`` with the label ``module="<id>"``:
  ``chaffra.module.dead-code.health_score`` → ``chaffra_module_health_score{module="dead-code"}``.
  The name-derived ``module`` label replaces a ``module`` label of the point. When
  ``chaffra_module_<key>`` would coincide with a catalog metric (key ``error_total``,
  ``call_duration_ms``...), the family is ``chaffra_module_summary_<key>`` instead,
  so user data never shares a series with operator data.
- Label names are sanitized like metric names without ``:`` (a reserved ``__``
  prefix gets an ``l`` in front); label values escape
  ``\\``, ``"`` and newlines; HELP text escapes ``\\`` and newlines.
- Kinds: counter → ``counter``; gauge, histogram and undefined → ``gauge`` (a
  snapshot holds one recorded value per series, not a distribution, so histograms
  are exposed as gauges).
- ``# HELP`` (when the definition has a description) and ``# TYPE`` appear only for
  families that have points. Families are sorted by name, series by labels; points
  that map to the same name and labels are merged, the last recorded value wins.
  When several source metrics share a family, the definition of the
  alphabetically first one that has a definition decides HELP and TYPE.
"""

from __future__ import annotations

import math
import re
import threading

import attrs

from chaffra_telemetry._catalog import KNOWN_USER, OPERATOR, is_module_summary_name
from chaffra_telemetry._metrics import MetricDefinition, MetricKind
from chaffra_telemetry._projection import ProjectedSnapshot, require_projected
from chaffra_telemetry.backends._format import format_number

__all__ = [
    "PrometheusBackend",
    "exposed_metric_names",
    "render_prometheus",
    "sanitize_label_name",
    "sanitize_metric_name",
]

_MODULE_PREFIX = "chaffra.module."
_NOT_NAME = re.compile(r"[^a-zA-Z0-9_:]")
_NOT_LABEL = re.compile(r"[^a-zA-Z0-9_]")

_Labels = tuple[tuple[str, str], ...]


def sanitize_metric_name(name: str) -> str:
    """``name`` as a valid Prometheus metric name (``[a-zA-Z_:][a-zA-Z0-9_:]*``)."""
    return _leading_digit(_NOT_NAME.sub("_", name))


def sanitize_label_name(name: str) -> str:
    """``name`` as a valid Prometheus label name (``[a-zA-Z_][a-zA-Z0-9_]*``).

    Names starting with ``__`` are reserved by Prometheus and get an ``l`` prefix.
    """
    label = _leading_digit(_NOT_LABEL.sub("_", name))
    return "l" + label if label.startswith("__") else label


def _leading_digit(name: str) -> str:
    return name if name and not name[0].isdigit() else "_" + name


_RESERVED = frozenset(sanitize_metric_name(name) for name in OPERATOR | KNOWN_USER)


def _identity(name: str) -> tuple[str, str | None]:
    """The family name of metric ``name`` and the module id it carries as a label, if any."""
    if is_module_summary_name(name):
        module_id, key = name[len(_MODULE_PREFIX) :].split(".", 1)
        family = sanitize_metric_name(f"chaffra_module_{key}")
        if family in _RESERVED:
            family = sanitize_metric_name(f"chaffra_module_summary_{key}")
        return family, module_id
    return sanitize_metric_name(name), None


@attrs.define
class _Family:
    series: dict[_Labels, float] = attrs.Factory(dict)
    definitions: dict[str, MetricDefinition] = attrs.Factory(dict)


def _families(snapshot: ProjectedSnapshot) -> dict[str, _Family]:
    families: dict[str, _Family] = {}
    for point in snapshot.data_points:
        name, module_id = _identity(point.name)
        family = families.setdefault(name, _Family())
        labels = {sanitize_label_name(k): point.labels[k] for k in sorted(point.labels)}
        if module_id is not None:
            labels["module"] = module_id
        family.series[tuple(sorted(labels.items()))] = point.value
        definition = snapshot.definitions.get(point.name)
        if definition is not None:
            family.definitions[point.name] = definition
    return families


def exposed_metric_names(snapshot: ProjectedSnapshot) -> set[str]:
    """The metric (family) names :func:`render_prometheus` exposes for ``snapshot``.

    Raises:
        TypeError: ``snapshot`` is not a :class:`ProjectedSnapshot`.
    """
    return set(_families(require_projected(snapshot)))


def render_prometheus(snapshot: ProjectedSnapshot) -> str:
    """The text exposition of ``snapshot``; every line ends with ``\\n``.

    Raises:
        TypeError: ``snapshot`` is not a :class:`ProjectedSnapshot`.
    """
    families = _families(require_projected(snapshot))
    lines: list[str] = []
    for name in sorted(families):
        family = families[name]
        kind = "gauge"
        if family.definitions:
            definition = family.definitions[min(family.definitions)]
            if definition.description:
                lines.append(f"# HELP {name} {_escape_help(definition.description)}")
            if definition.kind is MetricKind.COUNTER:
                kind = "counter"
        lines.append(f"# TYPE {name} {kind}")
        for labels in sorted(family.series):
            rendered = ",".join(f'{k}="{_escape_value(v)}"' for k, v in labels)
            selector = f"{{{rendered}}}" if labels else ""
            lines.append(f"{name}{selector} {_value(family.series[labels])}")
    return "".join(line + "\n" for line in lines)


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _escape_value(text: str) -> str:
    return _escape_help(text).replace('"', '\\"')


def _value(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    return format_number(value)


class PrometheusBackend:
    """Keep the latest exposition in memory for a scrape endpoint; prints nothing.

    Serve it with ``prometheus_asgi_app(backend.latest_snapshot)``; ``port`` is
    where the host application is expected to serve it (reported by
    :meth:`test_connection` only).
    """

    name = "prometheus"

    def __init__(self, port: int = 9090) -> None:
        self.port = port
        self._lock = threading.Lock()
        self._latest: tuple[ProjectedSnapshot, str] | None = None

    def flush(self, snapshot: ProjectedSnapshot) -> None:
        """Render ``snapshot`` and keep it as the latest exposition.

        Raises:
            TypeError: ``snapshot`` is not a :class:`ProjectedSnapshot`.
        """
        text = render_prometheus(snapshot)
        with self._lock:
            self._latest = (snapshot, text)

    def latest_exposition(self) -> str | None:
        """The text rendered by the last :meth:`flush`, or ``None`` before the first."""
        with self._lock:
            return None if self._latest is None else self._latest[1]

    def latest_snapshot(self) -> ProjectedSnapshot | None:
        """The snapshot of the last :meth:`flush`; a source for :func:`prometheus_asgi_app`."""
        with self._lock:
            return None if self._latest is None else self._latest[0]

    def test_connection(self) -> str:
        """Always usable: the exposition is kept in memory."""
        return f"prometheus exposition kept in memory for a scrape endpoint on port {self.port}"

    def inspect(self, snapshot: ProjectedSnapshot) -> str:
        """The exposition text.

        Raises:
            TypeError: ``snapshot`` is not a :class:`ProjectedSnapshot`.
        """
        return render_prometheus(snapshot)
