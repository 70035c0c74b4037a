"""Parse-cache counters that a cache owner updates and flushes into a collector."""

from __future__ import annotations

import threading

from chaffra_telemetry import _catalog as names
from chaffra_telemetry._catalog import CACHE_DEFINITIONS
from chaffra_telemetry._collector import TelemetryCollector, wall_clock_ms
from chaffra_telemetry._metrics import MetricDataPoint

__all__ = ["ParseCacheMetrics", "register_cache_metrics"]


class ParseCacheMetrics:
    """Thread-safe hit/miss/eviction counters and a size gauge for one parse cache.

    Share the object by reference between the cache's users; every update is
    guarded by one lock (``+=`` on an int is not atomic across threads).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._hits = 0
        self._misses = 0
        self._evictions = 0
        self._size_bytes = 0

    def record_hit(self) -> None:
        """One lookup found its entry."""
        with self._lock:
            self._hits += 1

    def record_miss(self) -> None:
        """One lookup had to parse."""
        with self._lock:
            self._misses += 1

    def record_eviction(self) -> None:
        """One entry was evicted."""
        with self._lock:
            self._evictions += 1

    def set_size_bytes(self, size_bytes: int) -> None:
        """Overwrite the cache size gauge."""
        with self._lock:
            self._size_bytes = size_bytes

    @property
    def hits(self) -> int:
        """Lookups that found their entry."""
        return self._hits

    @property
    def misses(self) -> int:
        """Lookups that had to parse."""
        return self._misses

    @property
    def evictions(self) -> int:
        """Entries evicted."""
        return self._evictions

    @property
    def size_bytes(self) -> int:
        """The last size set."""
        return self._size_bytes

    def hit_rate(self) -> float:
        """hits / (hits + misses), 0.0 before any lookup."""
        with self._lock:
            total = self._hits + self._misses
            return self._hits / total if total else 0.0

    def flush_to_collector(self, collector: TelemetryCollector) -> None:
        """Append the five ``chaffra.parse.*`` points (one timestamp); counters are kept."""
        rate = self.hit_rate()
        with self._lock:
            values = (
                (names.PARSE_CACHE_HITS, self._hits),
                (names.PARSE_CACHE_MISSES, self._misses),
                (names.PARSE_CACHE_HIT_RATE, rate),
                (names.PARSE_CACHE_SIZE_BYTES, self._size_bytes),
                (names.PARSE_CACHE_EVICTIONS, self._evictions),
            )
        now = wall_clock_ms()
        collector.record_data_points(
            MetricDataPoint(name=name, value=float(value), timestamp_ms=now)
            for name, value in values
        )


def register_cache_metrics(collector: TelemetryCollector) -> None:
    """Register the five parse-cache definitions under module id ``parse-cache``."""
    collector.register_metrics("parse-cache", CACHE_DEFINITIONS)
