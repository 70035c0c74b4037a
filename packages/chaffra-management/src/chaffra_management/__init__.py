"""chaffra-management: the management API and live dashboard as an embeddable ASGI app.

:func:`create_app` builds the Starlette application over a
``LiveTelemetryState``; :func:`serve` runs any ASGI app under hypercorn on
loopback; ``python -m chaffra_management`` is the standalone server.

Names load on first use (PEP 562): importing the package for its defaults does
not import Starlette.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from chaffra_management._defaults import DEFAULT_HOST, DEFAULT_PORT, TOKEN_ENV

if TYPE_CHECKING:
    from chaffra_management._app import CONTENT_SECURITY_POLICY, create_app
    from chaffra_management._auth import HostAllowlistMiddleware, loopback_hosts
    from chaffra_management._backend_status import BackendStatusProbe
    from chaffra_management._serve import (
        ListenError,
        Served,
        bind_listener,
        main,
        run_server,
        select_served,
        serve,
    )

    __version__: str

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
    "select_served",
    "serve",
]

_HOMES = {
    "CONTENT_SECURITY_POLICY": "_app",
    "create_app": "_app",
    "HostAllowlistMiddleware": "_auth",
    "loopback_hosts": "_auth",
    "BackendStatusProbe": "_backend_status",
    "ListenError": "_serve",
    "Served": "_serve",
    "bind_listener": "_serve",
    "main": "_serve",
    "run_server": "_serve",
    "select_served": "_serve",
    "serve": "_serve",
}


def __getattr__(name: str) -> object:
    if name == "__version__":
        from importlib.metadata import version

        value: object = version("chaffra-management")
    elif name in _HOMES:
        value = getattr(importlib.import_module(f"{__name__}.{_HOMES[name]}"), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
