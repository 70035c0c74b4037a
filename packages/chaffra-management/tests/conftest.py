"""Shared fixtures: app factories, an event-stream driver, the canary state."""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.exceptions import StarletteDeprecationWarning

from chaffra_telemetry import BackendStatus, TelemetryAudience, TelemetryConfig

with warnings.catch_warnings():
    # Starlette 1.x prefers the httpx2 fork for its TestClient and warns once, at
    # import, when it falls back to httpx, which is what the workspace locks.
    warnings.simplefilter("ignore", StarletteDeprecationWarning)
    from starlette.testclient import TestClient

from chaffra_management import create_app
from chaffra_telemetry import LiveTelemetryState

AppFactory = Callable[..., Starlette]
ClientFactory = Callable[..., TestClient]


def no_backends(config: TelemetryConfig) -> list[BackendStatus]:
    """A backend-status probe that reports every configured backend as connected."""
    return [
        BackendStatus(name=b.kind.value, kind=b.kind.value, connected=True, message="ok")
        for b in config.backends
    ]


@pytest.fixture
def make_app() -> AppFactory:
    """``make_app(audience, live_state=None, **kwargs)``: an app without probe I/O."""

    def factory(
        audience: TelemetryAudience | str = TelemetryAudience.USER_ONLY,
        live_state: LiveTelemetryState | None = None,
        *,
        config: TelemetryConfig | None = None,
        **kwargs: Any,
    ) -> Starlette:
        if config is None:
            config = TelemetryConfig(audience=TelemetryAudience(audience))
        kwargs.setdefault("backend_status", no_backends)
        return create_app(telemetry_config=config, live_state=live_state, **kwargs)

    return factory


@pytest.fixture
def make_client(make_app: AppFactory) -> Iterator[ClientFactory]:
    """``make_client(audience, live_state=None, **kwargs)``: an entered TestClient."""
    with ExitStack() as stack:

        def factory(*args: Any, raise_server_exceptions: bool = True, **kwargs: Any) -> TestClient:
            client = TestClient(
                make_app(*args, **kwargs), raise_server_exceptions=raise_server_exceptions
            )
            stack.enter_context(client)
            return client

        yield factory
