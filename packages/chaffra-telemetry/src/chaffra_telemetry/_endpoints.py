"""Backend endpoints, parsed when the configuration is read.

A bad endpoint is a configuration error naming the key, the value and the
allowed form, never a silent failure at flush time: the configuration parser
and the backends use the same functions.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from chaffra_telemetry.errors import InvalidBackendConfig

__all__ = ["HOST_PORT_FORM", "HTTP_URL_FORM", "parse_host_port", "parse_http_url"]

HOST_PORT_FORM = "host:port with a port from 1 to 65535, e.g. 127.0.0.1:8125"
HTTP_URL_FORM = "an http:// or https:// URL with a host and a port from 1 to 65535"

# RFC 1123 labels; the underscore too, as resolvers accept it in practice.
_LABEL = r"[A-Za-z0-9_][A-Za-z0-9_-]{0,62}"
_HOST_NAME = re.compile(rf"{_LABEL}(\.{_LABEL})*\.?")
# A URL is sent as is in the request line: printable ASCII without spaces only.
_URL_CHARACTER = re.compile(r"[!-~]*")


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return len(host) <= 253 and _HOST_NAME.fullmatch(host) is not None
    return True


def parse_host_port(endpoint: str, *, key: str = "endpoint") -> tuple[str, int]:
    """``host:port`` (``[v6]:port`` too) as ``(host, port)``.

    Raises:
        InvalidBackendConfig: naming ``key``, when the host or the port is malformed.
    """
    host, sep, port_text = endpoint.rpartition(":")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]  # [::1]:8125
    port = int(port_text) if port_text.isascii() and port_text.isdigit() else -1
    if not sep or not _valid_host(host) or not 0 < port < 65536:
        raise InvalidBackendConfig(key, endpoint, HOST_PORT_FORM)
    return host, port


def parse_http_url(endpoint: str, *, key: str = "endpoint") -> tuple[str, tuple[str, int]]:
    """The OTLP metrics URL of ``endpoint`` and the ``(host, port)`` to probe.

    Raises:
        InvalidBackendConfig: naming ``key``, when ``endpoint`` is not an
            ``http``/``https`` URL with a valid host and port.
    """
    try:
        parts = urlsplit(endpoint)
        port = parts.port
    except ValueError:  # e.g. "http://[::1" (unbalanced brackets) or a port out of range
        raise InvalidBackendConfig(key, endpoint, HTTP_URL_FORM) from None
    host = parts.hostname or ""
    if (
        _URL_CHARACTER.fullmatch(endpoint) is None
        or parts.scheme not in ("http", "https")
        or not _valid_host(host)
        or port == 0
    ):
        raise InvalidBackendConfig(key, endpoint, HTTP_URL_FORM)
    base = endpoint.rstrip("/")
    url = base if base.endswith("/v1/metrics") else base + "/v1/metrics"
    return url, (host, port or (443 if parts.scheme == "https" else 80))
