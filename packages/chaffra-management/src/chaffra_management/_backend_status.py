"""Backend statuses for ``/metrics``: probed off the event loop, cached, and redacted.

Probe messages may quote a backend's endpoint; URL user-info, query strings,
fragments and credential-looking ``key=value`` pairs are removed before a
status leaves the process.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Sequence
from urllib.parse import urlsplit, urlunsplit

from chaffra_telemetry import BackendStatus, TelemetryConfig
from chaffra_telemetry.backends import create_backends

__all__ = ["BackendStatusCache", "BackendStatusProbe", "probe_backends", "redact"]

BackendStatusProbe = Callable[[TelemetryConfig], Sequence[BackendStatus]]
"""Returns one status per configured backend (``create_app(backend_status=...)``)."""

DEFAULT_TTL_S = 10.0
_REDACTED = "[redacted]"
_URL_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)[^/\s@\"']*@")
_URL_QUERY = re.compile(r"(?P<url>[A-Za-z][A-Za-z0-9+.-]*://[^\s?#\"']*)[?#][^\s\"']*")
_CREDENTIAL_PAIR = re.compile(
    r"(?i)(?P<key>[\w.-]*(?:token|secret|passw(?:or)?d|pwd|api[_-]?key|auth\w*|credential\w*|"
    r"session\w*|signature))(?P<sep>\s*[=:]\s*)[^\s&\"',;]+"
)


def probe_backends(config: TelemetryConfig) -> list[BackendStatus]:
    """Build every configured backend and ask it for a connection probe (no flush)."""
    return create_backends(config.backends)[1]


def _endpoint_secrets(config: TelemetryConfig) -> list[tuple[str, str]]:
    """``(raw, safe)`` spellings of endpoints and option values, longest first.

    Option values may hold credentials and error messages quote them: every
    non-numeric value of four characters or more is replaced.
    """
    pairs: list[tuple[str, str]] = []
    for backend in config.backends:
        pairs += [
            (value, _REDACTED)
            for value in backend.options.values()
            if len(value) >= 4 and not value.isdigit()
        ]
        raw = backend.endpoint
        if not raw:
            continue
        parts = urlsplit(raw) if "://" in raw else None
        if parts is not None and parts.hostname is not None:
            netloc = parts.netloc.rpartition("@")[2]
            safe = urlunsplit((parts.scheme, netloc, parts.path, "", ""))
        else:
            safe = re.split(r"[?#]", raw.rpartition("@")[2], maxsplit=1)[0]
        if safe != raw:
            pairs.append((raw, safe))
    return sorted(pairs, key=lambda pair: -len(pair[0]))


def redact(message: str, config: TelemetryConfig) -> str:
    """``message`` without endpoint credentials, query strings or credential-like pairs."""
    for raw, safe in _endpoint_secrets(config):
        message = message.replace(raw, safe)
    message = _URL_USERINFO.sub(r"\g<scheme>", message)
    message = _URL_QUERY.sub(r"\g<url>", message)
    return _CREDENTIAL_PAIR.sub(rf"\g<key>\g<sep>{_REDACTED}", message)


class BackendStatusCache:
    """Statuses from ``probe``, redacted and kept for ``ttl_s`` seconds.

    Safe to call from several threads; concurrent callers after expiry share
    one probe.
    """

    def __init__(
        self,
        config: TelemetryConfig,
        probe: BackendStatusProbe,
        *,
        ttl_s: float = DEFAULT_TTL_S,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._config = config
        self._probe = probe
        self._ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._expires = 0.0
        self._statuses: tuple[BackendStatus, ...] | None = None

    def statuses(self) -> tuple[BackendStatus, ...]:
        """The cached statuses, probing again once they are older than the TTL.

        Raises:
            TypeError: the probe returned something other than ``BackendStatus`` values.
        """
        with self._lock:
            now = self._clock()
            if self._statuses is None or now >= self._expires:
                self._statuses = tuple(self._redacted(s) for s in self._probe(self._config))
                self._expires = now + self._ttl_s
            return self._statuses

    def _redacted(self, status: object) -> BackendStatus:
        if not isinstance(status, BackendStatus):
            raise TypeError(f"backend_status must return BackendStatus values, got {status!r}")
        return BackendStatus(
            name=redact(status.name, self._config),
            kind=status.kind,
            connected=bool(status.connected),
            message=redact(status.message, self._config),
        )
