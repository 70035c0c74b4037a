"""The ``statsd`` backend: DogStatsD lines over UDP, several per datagram."""

from __future__ import annotations

import math
import re
import socket

from chaffra_telemetry._endpoints import parse_host_port
from chaffra_telemetry._metrics import MetricDataPoint, MetricKind
from chaffra_telemetry._projection import ProjectedSnapshot, require_projected
from chaffra_telemetry.backends._format import format_number
from chaffra_telemetry.errors import BackendError

__all__ = [
    "DEFAULT_STATSD_ENDPOINT",
    "MAX_DATAGRAM_BYTES",
    "StatsdBackend",
    "pack_datagrams",
    "statsd_lines",
]

DEFAULT_STATSD_ENDPOINT = "127.0.0.1:8125"
MAX_DATAGRAM_BYTES = 1432
"""Fits one Ethernet frame (1500) minus IP/UDP headers with room to spare."""

_TYPES = {MetricKind.COUNTER: "c", MetricKind.GAUGE: "g", MetricKind.HISTOGRAM: "ms"}
_UNSAFE = re.compile(r"[:|,#@\r\n]")


def _clean(text: str) -> str:
    return _UNSAFE.sub("", text)


def statsd_lines(snapshot: ProjectedSnapshot) -> list[str]:
    """One ``<name>:<value>|<type>[|#k:v,...]`` line per data point, in snapshot order.

    The type comes from the point's definition (counter ``c``, gauge ``g``,
    histogram ``ms``, none ``g``). A counter value is the amount recorded in
    this run, so ``c`` adds it once per flush. ``:|,#@`` and line breaks are
    removed from names and tags; points without a usable name or with a
    non-finite value (StatsD has no spelling for them) are left out.

    Raises:
        TypeError: ``snapshot`` is not a :class:`ProjectedSnapshot`.
    """
    snapshot = require_projected(snapshot)
    lines = []
    for point in snapshot.data_points:
        name = _clean(point.name)
        if not name or not math.isfinite(point.value):
            continue
        definition = snapshot.definitions.get(point.name)
        kind = _TYPES[definition.kind] if definition is not None else "g"
        lines.append(f"{name}:{format_number(point.value)}|{kind}{_tags(point)}")
    return lines


def _tags(point: MetricDataPoint) -> str:
    tags = [
        f"{_clean(key)}:{_clean(point.labels[key])}" for key in sorted(point.labels) if _clean(key)
    ]
    return "|#" + ",".join(tags) if tags else ""


def pack_datagrams(lines: list[str], limit: int = MAX_DATAGRAM_BYTES) -> list[bytes]:
    """Join lines with ``\\n`` into as few datagrams of at most ``limit`` bytes as fit.

    A single line longer than ``limit`` is sent alone.
    """
    datagrams: list[bytes] = []
    current = b""
    for line in lines:
        encoded = line.encode("utf-8", "replace")
        if current and len(current) + 1 + len(encoded) <= limit:
            current += b"\n" + encoded
            continue
        if current:
            datagrams.append(current)
        current = encoded
    if current:
        datagrams.append(current)
    return datagrams


class StatsdBackend:
    """Send the snapshot to a StatsD/DogStatsD agent over UDP.

    Raises:
        InvalidBackendConfig: ``endpoint`` is not ``host:port``.
    """

    name = "statsd"

    def __init__(self, endpoint: str = DEFAULT_STATSD_ENDPOINT) -> None:
        self.endpoint = endpoint
        self.host, self.port = parse_host_port(endpoint)

    def _resolve(self) -> tuple[socket.AddressFamily, tuple[str, int]]:
        try:
            infos = socket.getaddrinfo(self.host, self.port, type=socket.SOCK_DGRAM)
        except OSError as error:
            raise BackendError(f"cannot resolve StatsD host {self.host}: {error}") from error
        family, _, _, _, address = infos[0]
        return family, (str(address[0]), int(address[1]))

    def flush(self, snapshot: ProjectedSnapshot) -> None:
        """Send the lines packed into datagrams; report failed sends once, at the end.

        Raises:
            TypeError: ``snapshot`` is not a :class:`ProjectedSnapshot`.
            BackendError: the host does not resolve, no socket could be opened,
                or some datagrams could not be sent (``N of M datagrams failed``).
        """
        datagrams = pack_datagrams(statsd_lines(snapshot))
        if not datagrams:
            return
        family, address = self._resolve()
        try:
            sock = socket.socket(family, socket.SOCK_DGRAM)
        except OSError as error:
            raise BackendError(f"cannot open a UDP socket: {error}") from error
        failures: list[OSError] = []
        with sock:
            for datagram in datagrams:
                try:
                    sock.sendto(datagram, address)
                except OSError as error:
                    failures.append(error)
        if failures:
            raise BackendError(
                f"{len(failures)} of {len(datagrams)} datagrams failed: {failures[0]}"
            )

    def test_connection(self) -> str:
        """Resolve the endpoint (UDP has no handshake, so this is the cheap check).

        Raises:
            BackendError: the host does not resolve.
        """
        _, address = self._resolve()
        return f"StatsD endpoint {self.endpoint} resolves to {address[0]} port {address[1]}"

    def inspect(self, snapshot: ProjectedSnapshot) -> str:
        """The lines :meth:`flush` sends, one per line.

        Raises:
            TypeError: ``snapshot`` is not a :class:`ProjectedSnapshot`.
        """
        return "\n".join(statsd_lines(snapshot))
