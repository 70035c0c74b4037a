"""chaffra-management: the management API and live dashboard as an embeddable ASGI app.

:func:`create_app` builds the Starlette application over a
``LiveTelemetryState``; :func:`serve` runs any ASGI app under hypercorn on
loopback; ``python -m chaffra_management`` is the standalone server.
"""

from __future__ import annotations

from importlib.metadata import version

from chaffra_management._app import CONTENT_SECURITY_POLICY, create_app
from chaffra_management._auth import HostAllowlistMiddleware, loopback_hosts
from chaffra_management._backend_status import BackendStatusProbe
from chaffra_management._serve import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    TOKEN_ENV,
    ListenError,
    Served,
    bind_listener,
    main,
    run_server,
    serve,
)

__version__ = version("chaffra-management")

__all__ = [
    "CONTENT_SECURITY_POLICY",
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "TOKEN_ENV",
    "BackendStatusProbe",
    "HostAllowlistMiddleware",
    "ListenError",
    "Served",
    "__version__",
    "bind_listener",
    "create_app",
    "loopback_hosts",
    "main",
    "run_server",
    "serve",
]
