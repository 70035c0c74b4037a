"""Prometheus text exposition (format 0.0.4) of a projected snapshot.

Naming rule (the Grafana dashboard queries exactly these names; keep them in step):

- A metric name becomes a Prometheus name by replacing every character outside
  ``[a-zA-Z0-9_:]`` (notably ``.`` and ``-``) with ``_`` and prefixing ``_`` when
  it would start with a digit: ``chaffra.analysis.findings_total`` →
  ``chaffra_analysis_findings_total``.
- Prometheus conventions (what ``promtool check metrics`` enforces): a name
  ending in ``_ms`` is in milliseconds and is exposed in the base unit, seconds
  (``chaffra.module.call_duration_ms`` → ``chaffra_module_call_duration_seconds``,
  values divided by 1000); a counter's name ends in ``_total``
  (``chaffra.findings.new`` → ``chaffra_findings_new_total``).
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
- ``# HELP`` (the definition's description, else a text naming the source metric)
  and ``# TYPE`` appear only for families that have points. Families are sorted
  by name, series by labels; points that map to the same name and labels are
  merged, the last recorded value wins. When several source metrics share a
  family, the alphabetically first one that has a definition decides HELP and TYPE.
"""

from __future__ import annotations

import math
import re
import threading

import attrs

from chaffra_telemetry._catalog import (
    CACHE_DEFINITIONS,
    CORE_DEFINITIONS,
    KNOWN_USER,
    OPERATOR,
    is_module_summary_name,
)
from chaffra_telemetry._metrics import MetricDefinition, MetricKind
from chaffra_telemetry._projection import ProjectedSnapshot, require_projected
from chaffra_telemetry.backends._format import format_number

__all__ = [
    "SCRAPE_HINT",
    "PrometheusBackend",
    "exposed_metric_names",
    "render_prometheus",
    "sanitize_label_name",
    "sanitize_metric_name",
]

_MODULE_PREFIX = "chaffra.module."
_MILLISECONDS, _SECONDS, _TOTAL = "_ms", "_seconds", "_total"
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


def _conventional(name: str, kind: MetricKind | None) -> tuple[str, float]:
    """``name`` in base units with the counter suffix, and the divisor for its values."""
    scale = 1.0
    if name.endswith(_MILLISECONDS):
        # Divided, not multiplied by 0.001: 207 / 1000 is 0.207, 207 * 0.001 is not.
        name, scale = name.removesuffix(_MILLISECONDS) + _SECONDS, 1000.0
    if kind is MetricKind.COUNTER and not name.endswith(_TOTAL):
        name += _TOTAL
    return name, scale


def _catalog_family(name: str) -> str:
    definition = _CATALOG.get(name)
    return _conventional(
        sanitize_metric_name(name), None if definition is None else definition.kind
    )[0]


_CATALOG = {d.name: d for d in (*CORE_DEFINITIONS, *CACHE_DEFINITIONS)}
_RESERVED = frozenset(_catalog_family(name) for name in OPERATOR | KNOWN_USER)


@attrs.frozen
class _Identity:
    family: str
    scale: float
    module_id: str | None
    help: str


def _identity(name: str, definition: MetricDefinition | None) -> _Identity:
    """The family metric ``name`` joins, the divisor for its values and its module label."""
    kind = None if definition is None else definition.kind
    if is_module_summary_name(name):
        module_id, key = name[len(_MODULE_PREFIX) :].split(".", 1)
        family, scale = _conventional(sanitize_metric_name(f"chaffra_module_{key}"), kind)
        if family in _RESERVED:
            family, scale = _conventional(
                sanitize_metric_name(f"chaffra_module_summary_{key}"), kind
            )
        return _Identity(
            family=family,
            scale=scale,
            module_id=module_id,
            help=f"Per-module summary value {key}, one series per module",
        )
    family, scale = _conventional(sanitize_metric_name(name), kind)
    return _Identity(family=family, scale=scale, module_id=None, help=f"chaffra metric {name}")


@attrs.define
class _Family:
    help: str
    series: dict[_Labels, float] = attrs.Factory(dict)
    definitions: dict[str, MetricDefinition] = attrs.Factory(dict)


def _families(snapshot: ProjectedSnapshot) -> dict[str, _Family]:
    families: dict[str, _Family] = {}
    for point in snapshot.data_points:
        definition = snapshot.definitions.get(point.name)
        identity = _identity(point.name, definition)
        family = families.setdefault(identity.family, _Family(help=identity.help))
        labels = {sanitize_label_name(k): point.labels[k] for k in sorted(point.labels)}
        if identity.module_id is not None:
            labels["module"] = identity.module_id
        family.series[tuple(sorted(labels.items()))] = point.value / identity.scale
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
        kind, help_text = "gauge", family.help
        if family.definitions:
            definition = family.definitions[min(family.definitions)]
            help_text = definition.description or help_text
            if definition.kind is MetricKind.COUNTER:
                kind = "counter"
        lines.append(f"# HELP {name} {_escape_help(help_text)}")
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


SCRAPE_HINT = (
    "scrape /metrics of `chaffra management <project>` (e.g. http://127.0.0.1:9100/metrics):"
    " it serves the project's latest snapshot, projected for its audience"
)
"""Where the exposition of a project's runs can be scraped."""


class PrometheusBackend:
    """Keep the latest exposition in memory for a scrape endpoint; prints nothing.

    A command-line run has no server to scrape: its snapshot is stored in the
    project's history, and ``chaffra management`` serves the latest one at
    ``/metrics``. An application embedding chaffra-telemetry serves this
    backend's own latest snapshot with ``prometheus_asgi_app(backend.latest_snapshot)``.
    """

    name = "prometheus"

    def __init__(self) -> None:
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
        """Always usable; says where to scrape."""
        return SCRAPE_HINT

    def inspect(self, snapshot: ProjectedSnapshot) -> str:
        """The exposition text.

        Raises:
            TypeError: ``snapshot`` is not a :class:`ProjectedSnapshot`.
        """
        return render_prometheus(snapshot)
