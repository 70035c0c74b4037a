"""``TelemetryCollector``: the thread-safe, I/O-free recorder every producer shares."""

from __future__ import annotations

import math
import re
import threading
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from types import MappingProxyType
from typing import Any

import attrs

from chaffra_telemetry import _catalog as names
from chaffra_telemetry._audience import TelemetryAudience
from chaffra_telemetry._catalog import CORE_DEFINITIONS, Scope, classify, module_summary_name
from chaffra_telemetry._churn import ChurnResult, FindingFingerprint
from chaffra_telemetry._config import TelemetryConfig
from chaffra_telemetry._metrics import (
    MetricDataPoint,
    MetricDefinition,
    Provenance,
    SpanData,
)
from chaffra_telemetry._projection import admits, span_scope
from chaffra_telemetry._snapshot import (
    ModuleSummary,
    OperatorSummary,
    TelemetrySnapshot,
    UserSummary,
)
from chaffra_telemetry.errors import MetricAlreadyRegistered, UnclassifiedMetricWarning

__all__ = ["DEFAULT_MAX_ITEMS", "TelemetryCollector"]

DEFAULT_MAX_ITEMS = 100_000
_ADMISSION_CACHE_SIZE = 4096
_TRUSTED = Provenance.TRUSTED
_EMPTY_LABELS: Mapping[str, str] = MappingProxyType({})
_MODULE_PREFIX = module_summary_name("", "")[:-1]  # "chaffra.module."

# A recorded point is kept as a plain tuple (name, value, labels, timestamp_ms,
# provenance) and becomes a MetricDataPoint only in snapshot(): recording is on
# every producer's hot path, snapshots are rare.
_Record = tuple[str, float, Mapping[str, str], int, Provenance]
MAX_NAME_LENGTH = 200
MAX_LABELS = 32
MAX_LABEL_LENGTH = 200
_NAME_PATTERN = re.compile(r"[a-z0-9_.-]+")


def wall_clock_ms() -> int:
    """Unix epoch milliseconds."""
    return time.time_ns() // 1_000_000


def _valid_untrusted_name(name: str) -> bool:
    return len(name) <= MAX_NAME_LENGTH and _NAME_PATTERN.fullmatch(name) is not None


def _finite_number(value: object) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)


def _valid_untrusted_labels(labels: Mapping[Any, object]) -> bool:
    return len(labels) <= MAX_LABELS and all(
        isinstance(k, str)
        and isinstance(v, str)
        and len(k) <= MAX_LABEL_LENGTH
        and len(v) <= MAX_LABEL_LENGTH
        for k, v in labels.items()
    )


class TelemetryCollector:
    """Records what a run did; one lock, held only for in-memory work.

    Every method is safe to call from several threads and from async code: none
    performs I/O or calls user code while holding the lock. Recordings that the
    configured audience could never emit are not kept at all (data
    minimization, behind the projection that every output applies anyway).
    Stored points and spans are bounded by ``max_items``; the oldest are
    evicted first and counted as ``chaffra.telemetry.dropped_items``.
    """

    def __init__(
        self,
        config: TelemetryConfig | None = None,
        *,
        max_items: int = DEFAULT_MAX_ITEMS,
        clock_ms: Callable[[], int] = wall_clock_ms,
        monotonic_s: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_items < 1:
            raise ValueError(f"max_items must be at least 1, got {max_items}")
        self._config = config if config is not None else TelemetryConfig()
        self._audience = self._config.audience
        self._max_items = max_items
        self._clock_ms = clock_ms
        self._monotonic_s = monotonic_s
        self._lock = threading.Lock()
        self._admitted: dict[str, bool] = {}
        self._warned: set[str] = set()
        self._reset_state()

    def _reset_state(self) -> None:
        self._definitions: dict[str, MetricDefinition] = {}
        self._points: deque[_Record] = deque(maxlen=self._max_items)
        self._spans: deque[SpanData] = deque(maxlen=self._max_items)
        self._call_durations: dict[str, int] = {}
        self._error_counts: dict[str, int] = {}
        self._finding_counts: dict[str, int] = {}
        self._by_severity: dict[str, int] = {}
        self._files_total = 0
        self._dropped = 0
        self._rejected = 0
        self._fingerprints: frozenset[FindingFingerprint] = frozenset()
        self._started = self._monotonic_s()
        self._duration_ms: int | None = None

    @property
    def config(self) -> TelemetryConfig:
        """The configuration this collector was made for."""
        return self._config

    # -- definitions ---------------------------------------------------------

    def register_metrics(self, module_id: str, definitions: Iterable[MetricDefinition]) -> None:
        """Register trusted definitions; identical re-registration is a no-op.

        Raises:
            MetricAlreadyRegistered: if a trusted definition of the same name differs.
        """
        trusted = [attrs.evolve(d, provenance=Provenance.TRUSTED) for d in definitions]
        with self._lock:
            for definition in trusted:
                existing = self._definitions.get(definition.name)
                if (
                    existing is not None
                    and existing.provenance is Provenance.TRUSTED
                    and existing != definition
                ):
                    raise MetricAlreadyRegistered(definition.name)
            for definition in trusted:
                self._definitions[definition.name] = definition

    def register_untrusted_metrics(
        self, module_id: str, definitions: Iterable[MetricDefinition]
    ) -> int:
        """Register definitions from an out-of-process module; returns how many were kept.

        An untrusted definition never replaces a trusted one of the same name,
        and malformed names are rejected (counted as rejected items).
        """
        candidates = [attrs.evolve(d, provenance=Provenance.UNTRUSTED) for d in definitions]
        valid = [d for d in candidates if _valid_untrusted_name(d.name)]
        if self._audience is not TelemetryAudience.ON:
            valid = []
        with self._lock:
            self._rejected += len(candidates) - len(valid)
            kept = 0
            for definition in valid:
                existing = self._definitions.get(definition.name)
                if existing is None or existing.provenance is Provenance.UNTRUSTED:
                    self._definitions[definition.name] = definition
                    kept += 1
            return kept

    def register_core_metrics(self) -> None:
        """Register the core catalog under module id ``core``."""
        self.register_metrics("core", CORE_DEFINITIONS)

    # -- points and spans ----------------------------------------------------

    def _admits_name(self, name: str, provenance: Provenance) -> bool:
        """Whether the audience could ever emit this item (cached per trusted name)."""
        if provenance is not _TRUSTED:
            return self._audience is TelemetryAudience.ON
        admitted = self._admitted.get(name)
        if admitted is None:
            scope = classify(name, provenance)
            admitted = admits(self._audience, scope)
            if scope is Scope.UNCLASSIFIED and not admitted and name not in self._warned:
                self._warned.add(name)
                warnings.warn(
                    UnclassifiedMetricWarning(
                        f"metric {name!r} is not in chaffra's catalog, so it is unclassified"
                        f" and dropped under audience {self._audience.value!r}; it is"
                        " recorded only under 'on'"
                    ),
                    stacklevel=3,
                )
            if len(self._admitted) < _ADMISSION_CACHE_SIZE:
                self._admitted[name] = admitted
        return admitted

    def _append_records(self, records: Iterable[_Record]) -> None:
        kept = [r for r in records if self._admits_name(r[0], r[4])]
        if not kept:
            return
        with self._lock:
            overflow = len(self._points) + len(kept) - self._max_items
            if overflow > 0:
                self._dropped += overflow
            self._points.extend(kept)

    def record(self, name: str, value: float, labels: Mapping[str, str] | None = None) -> None:
        """Record one trusted data point stamped with the current time."""
        if not self._admits_name(name, _TRUSTED):
            return
        record = (
            name,
            float(value),
            MappingProxyType(dict(labels)) if labels else _EMPTY_LABELS,
            self._clock_ms(),
            _TRUSTED,
        )
        with self._lock:
            if len(self._points) == self._max_items:
                self._dropped += 1
            self._points.append(record)

    def record_data_point(self, point: MetricDataPoint) -> None:
        """Append one trusted point."""
        self._append_records((_as_record(point),))

    def record_data_points(self, points: Iterable[MetricDataPoint]) -> None:
        """Append trusted points, order preserved."""
        self._append_records(_as_record(p) for p in points)

    def record_untrusted_data_points(self, points: Iterable[MetricDataPoint]) -> int:
        """Append points from an out-of-process module; returns how many were accepted.

        Non-finite values, malformed or oversized names and labels are rejected
        and counted, never coerced.
        """
        given = list(points)
        valid = [
            attrs.evolve(p, provenance=Provenance.UNTRUSTED)
            for p in given
            if _finite_number(p.value)
            and _valid_untrusted_name(p.name)
            and _valid_untrusted_labels(p.labels)
        ]
        with self._lock:
            self._rejected += len(given) - len(valid)
        self._append_records(_as_record(p) for p in valid)
        return len(valid)

    def _append_spans(self, spans: Iterable[SpanData]) -> None:
        audience = self._audience
        kept = [s for s in spans if admits(audience, span_scope(s))]
        if not kept:
            return
        with self._lock:
            overflow = len(self._spans) + len(kept) - self._max_items
            if overflow > 0:
                self._dropped += overflow
            self._spans.extend(kept)

    def record_span(self, span: SpanData) -> None:
        """Append one trusted span."""
        self._append_spans((span,))

    def record_spans(self, spans: Iterable[SpanData]) -> None:
        """Append trusted spans."""
        self._append_spans(spans)

    def record_untrusted_spans(self, spans: Iterable[SpanData]) -> int:
        """Append spans from an out-of-process module; returns how many were accepted."""
        given = list(spans)
        valid = [
            attrs.evolve(s, provenance=Provenance.UNTRUSTED)
            for s in given
            if _valid_untrusted_name(s.name) and _valid_untrusted_labels(s.attributes)
        ]
        with self._lock:
            self._rejected += len(given) - len(valid)
        self._append_spans(valid)
        return len(valid)

    # -- run bookkeeping -----------------------------------------------------

    def record_module_call(self, module_id: str, duration_ms: int, had_error: bool) -> None:
        """Account one module call: durations accumulate per module, errors are counted."""
        duration = max(0, int(duration_ms))
        now = self._clock_ms()
        labels = MappingProxyType({"module": module_id})
        with self._lock:
            self._call_durations[module_id] = self._call_durations.get(module_id, 0) + duration
            errors = self._error_counts.get(module_id, 0) + (1 if had_error else 0)
            if had_error:
                self._error_counts[module_id] = errors
        records = [(names.MODULE_CALL_DURATION_MS, float(duration), labels, now, _TRUSTED)]
        if had_error:
            records.append((names.MODULE_ERROR_TOTAL, float(errors), labels, now, _TRUSTED))
        self._append_records(records)

    def record_module_findings(
        self, module_id: str, count: int, severity_counts: Mapping[str, int]
    ) -> None:
        """Account one batch of a module's findings; counts accumulate per module."""
        now = self._clock_ms()
        records: list[_Record] = [
            (
                names.ANALYSIS_FINDINGS_TOTAL,
                float(count),
                MappingProxyType({"module": module_id}),
                now,
                _TRUSTED,
            )
        ]
        records.extend(
            (
                names.ANALYSIS_FINDINGS_BY_SEVERITY,
                float(n),
                MappingProxyType({"module": module_id, "severity": severity}),
                now,
                _TRUSTED,
            )
            for severity, n in severity_counts.items()
        )
        with self._lock:
            self._finding_counts[module_id] = self._finding_counts.get(module_id, 0) + count
            for severity, n in severity_counts.items():
                self._by_severity[severity] = self._by_severity.get(severity, 0) + n
        self._append_records(records)

    def set_files_total(self, files_total: int) -> None:
        """Overwrite the number of analysed files."""
        with self._lock:
            self._files_total = files_total

    def record_module_summary_metric(self, module_id: str, key: str, value: float) -> None:
        """Record ``chaffra.module.<module_id>.<key>`` (user-facing) for the module."""
        self.record(module_summary_name(module_id, key), value, {"module": module_id})

    def record_module_load_error(self, module_id: str, error_type: str) -> None:
        """One module failed to load."""
        self.record(
            names.MODULE_LOAD_ERROR_TOTAL, 1.0, {"module": module_id, "error_type": error_type}
        )

    def record_module_startup(self, module_id: str, duration_ms: int) -> None:
        """How long one module took to initialise."""
        self.record(names.MODULE_STARTUP_DURATION_MS, float(duration_ms), {"module": module_id})

    def record_startup_total(self, duration_ms: int) -> None:
        """How long it took until every module was ready."""
        self.record(names.STARTUP_TOTAL_DURATION_MS, float(duration_ms))

    def record_finding_churn(self, result: ChurnResult) -> None:
        """The four ``chaffra.findings.*`` points, one shared timestamp."""
        now = self._clock_ms()
        self._append_records(
            (name, float(value), _EMPTY_LABELS, now, _TRUSTED)
            for name, value in (
                (names.FINDINGS_NEW, result.new),
                (names.FINDINGS_RESOLVED, result.resolved),
                (names.FINDINGS_UNCHANGED, result.unchanged),
                (names.FINDINGS_CHURN_RATE, result.churn_rate),
            )
        )

    def finish_analysis(self) -> None:
        """Record the run's totals as points: analysis duration and files analysed."""
        now = self._clock_ms()
        with self._lock:
            duration = self._elapsed_ms()
            files_total = self._files_total
        self._append_records(
            (
                (names.ANALYSIS_DURATION_MS, float(duration), _EMPTY_LABELS, now, _TRUSTED),
                (names.ANALYSIS_FILES_TOTAL, float(files_total), _EMPTY_LABELS, now, _TRUSTED),
            )
        )

    def set_finding_fingerprints(self, fingerprints: Iterable[FindingFingerprint]) -> None:
        """Replace the run's finding fingerprints."""
        frozen = frozenset(fingerprints)
        with self._lock:
            self._fingerprints = frozen

    def finding_fingerprints(self) -> frozenset[FindingFingerprint]:
        """The run's finding fingerprints."""
        with self._lock:
            return self._fingerprints

    def reset(self) -> None:
        """Forget everything and restart the analysis clock."""
        with self._lock:
            self._reset_state()

    # -- snapshot ------------------------------------------------------------

    def set_analysis_duration(self, duration_ms: int) -> None:
        """Stop the analysis clock at ``duration_ms``, the producer's own measure of the run.

        Every later duration point and snapshot reports this value, so a
        report and its telemetry never disagree about how long a run took.
        """
        if duration_ms < 0:
            raise ValueError(f"duration_ms must not be negative, got {duration_ms}")
        with self._lock:
            self._duration_ms = duration_ms

    def _elapsed_ms(self) -> int:
        if self._duration_ms is not None:
            return self._duration_ms
        return max(0, int((self._monotonic_s() - self._started) * 1000))

    def snapshot(self) -> TelemetrySnapshot:
        """A consistent, immutable copy of everything recorded so far."""
        now = self._clock_ms()
        with self._lock:
            definitions = dict(self._definitions)
            records = tuple(self._points)
            spans = tuple(self._spans)
            call_durations = dict(self._call_durations)
            error_counts = dict(self._error_counts)
            finding_counts = dict(self._finding_counts)
            by_severity = dict(self._by_severity)
            files_total = self._files_total
            elapsed = self._elapsed_ms()
            dropped, rejected = self._dropped, self._rejected
        points = tuple(
            MetricDataPoint(name=n, value=v, labels=labels, timestamp_ms=t, provenance=p)
            for n, v, labels, t, p in records
        )
        metrics = _module_metrics(call_durations, records)
        bookkeeping = [
            MetricDataPoint(name=name, value=float(count), timestamp_ms=now)
            for name, count in (
                (names.TELEMETRY_DROPPED_ITEMS, dropped),
                (names.TELEMETRY_REJECTED_ITEMS, rejected),
            )
            if count and self._audience.operator_enabled
        ]
        return TelemetrySnapshot(
            timestamp_ms=now,
            definitions=definitions,
            data_points=points + tuple(bookkeeping),
            spans=spans,
            user_summary=UserSummary(
                analysis_duration_ms=elapsed,
                files_total=files_total,
                findings_by_severity=by_severity,
                findings_by_module=finding_counts,
                module_summaries={
                    module: ModuleSummary(
                        duration_ms=duration,
                        finding_count=finding_counts.get(module, 0),
                        metrics=metrics.get(module, {}),
                    )
                    for module, duration in call_durations.items()
                },
            ),
            operator_summary=OperatorSummary(
                module_call_durations=call_durations, module_error_counts=error_counts
            ),
        )


def _as_record(point: MetricDataPoint) -> _Record:
    return (point.name, point.value, point.labels, point.timestamp_ms, point.provenance)


def _module_metrics(
    modules: Iterable[str], records: Iterable[_Record]
) -> dict[str, dict[str, float]]:
    """``chaffra.module.<id>.<key>`` values of trusted user points, per module; later wins."""
    wanted = set(modules)
    metrics: dict[str, dict[str, float]] = {}
    for name, value, _, _, provenance in records:
        if not name.startswith(_MODULE_PREFIX) or classify(name, provenance) is not Scope.USER:
            continue
        rest = name[len(_MODULE_PREFIX) :]
        # Module ids may contain dots: try every split, shortest id first.
        for cut in (i for i, char in enumerate(rest) if char == "."):
            if rest[:cut] in wanted:
                metrics.setdefault(rest[:cut], {})[rest[cut + 1 :]] = value
                break
    return metrics
