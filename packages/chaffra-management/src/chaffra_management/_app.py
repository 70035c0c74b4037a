"""``create_app``: the management API and dashboard as one Starlette application."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import State
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chaffra_management._auth import BearerTokenMiddleware
from chaffra_management._backend_status import BackendStatusCache, probe_backends
from chaffra_management._context import AppContext
from chaffra_management._current import CurrentHandlers
from chaffra_management._events import EventsHandler, EventStreams
from chaffra_management._history import HistoryHandler
from chaffra_management._openapi import ENDPOINTS, openapi_document
from chaffra_management._report_api import ReportHandlers
from chaffra_management._response_cache import ResponseCache
from chaffra_management._serialize import ApiResponse, error_response
from chaffra_telemetry import (
    BackendStatus,
    LiveTelemetryState,
    ProjectedSnapshot,
    TelemetryConfig,
)
from chaffra_telemetry.backends import prometheus_asgi_app

__all__ = ["CONTENT_SECURITY_POLICY", "STATIC_DIR", "create_app"]

STATIC_DIR = Path(__file__).parent / "static"
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "connect-src 'self'; base-uri 'none'; frame-ancestors 'none'"
)
_SECURITY_HEADERS = (
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode("latin-1")),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
)
_LOG = logging.getLogger("chaffra_management")
_READ_ONLY = frozenset({"telemetry_config", "live_state", "event_streams"})
_HTTP_MESSAGES = {404: "Not found.", 405: "Method not allowed."}


class _AppState(State):
    """``app.state`` whose inputs (config, live state, event streams) cannot be replaced."""

    def __setattr__(self, key: Any, value: Any) -> None:
        if key in _READ_ONLY and key in self._state:
            raise AttributeError(f"app.state.{key} is read-only")
        super().__setattr__(key, value)

    def __delattr__(self, key: Any) -> None:
        if key in _READ_ONLY:
            raise AttributeError(f"app.state.{key} is read-only")
        super().__delattr__(key)

    __setitem__ = __setattr__
    __delitem__ = __delattr__


def _route_path(scope: Scope) -> str:
    path: str = scope["path"]
    root_path: str = scope.get("root_path", "")
    if root_path and path.startswith(root_path):
        return path[len(root_path) :]
    return path


class _GuardMiddleware:
    """Outermost: bare-prefix redirect, security headers, and a generic 500 for any error."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if _route_path(scope) == "":
            query = scope.get("query_string", b"").decode("latin-1")
            target = scope.get("root_path", "") + "/" + (f"?{query}" if query else "")
            await RedirectResponse(target, status_code=307)(scope, receive, send)
            return
        started = False

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                raw = list(message.get("headers", ()))
                present = {bytes(name).lower() for name, _ in raw}
                raw += [header for header in _SECURITY_HEADERS if header[0] not in present]
                message["headers"] = raw
            await send(message)

        try:
            await self.app(scope, receive, guarded_send)
        except Exception:
            # Log the traceback; the client only ever sees a generic body.
            _LOG.exception("chaffra-management: unhandled error for %s", scope.get("path"))
            if not started:
                await error_response(500, "Internal server error.")(scope, receive, guarded_send)


async def _http_error(request: Request, exc: Exception) -> Response:
    exc = cast("HTTPException", exc)
    if _route_path(request.scope).startswith("/api/"):
        message = _HTTP_MESSAGES.get(exc.status_code, str(exc.detail))
        return error_response(exc.status_code, message, exc.headers)
    return PlainTextResponse(str(exc.detail), exc.status_code, exc.headers)


def _dashboard(request: Request) -> Response:
    index = STATIC_DIR / "index.html"
    if not index.is_file():
        raise HTTPException(404, "The dashboard files are not installed.")
    return FileResponse(index, media_type="text/html", headers={"Cache-Control": "no-cache"})


async def _index(request: Request) -> ApiResponse:
    from chaffra_management import __version__

    root = request.scope.get("root_path", "")
    return ApiResponse(
        {
            "name": "chaffra-management",
            "version": __version__,
            "endpoints": [{"path": root + path, "description": text} for path, text in ENDPOINTS],
        }
    )


class _AtRoot:
    """A raw ASGI app served at exactly one route, seeing itself mounted at its root.

    Starlette runs plain functions as request handlers; an instance is run as
    an ASGI app, which is what the framework-free exposition is.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.app({**scope, "root_path": "", "path": "/"}, receive, send)


def _metrics_exposition(context: AppContext) -> ASGIApp:
    """``/metrics``: the newest snapshot, projected for the app's audience, as Prometheus text."""

    def newest() -> ProjectedSnapshot | None:
        return context.live_state.current(audience=context.audience)

    return _AtRoot(prometheus_asgi_app(newest, run_sync=run_in_threadpool))


def _openapi(*, secured: bool) -> Callable[[Request], Any]:
    async def openapi(request: Request) -> ApiResponse:
        from chaffra_management import __version__

        root = request.scope.get("root_path", "")
        return ApiResponse(openapi_document(root_path=root, version=__version__, secured=secured))

    return openapi


def create_app(
    *,
    telemetry_config: TelemetryConfig,
    live_state: LiveTelemetryState | None = None,
    backend_status: Callable[[TelemetryConfig], Sequence[BackendStatus]] | None = None,
    token: str | None = None,
    events_poll_interval: float = 0.5,
    events_keepalive_interval: float = 15.0,
) -> Starlette:
    """The management app serving ``live_state`` for ``telemetry_config``'s audience.

    Construction does no I/O and starts nothing; the app needs no lifespan
    events and works mounted under any path prefix.

    Args:
        telemetry_config: the effective, already validated configuration; its
            audience is fixed for the app's lifetime.
        live_state: the state producers push into (default: a new empty one).
        backend_status: returns one status per configured backend; default
            probes them. Consulted only under operator audiences, cached 10 s.
        token: when given, every request needs ``Authorization: Bearer <token>``.
        events_poll_interval: seconds between change checks of ``/api/v1/events``.
        events_keepalive_interval: seconds between keep-alive comments.

    Raises:
        TypeError: an argument has the wrong type (e.g. a config that is not a
            ``TelemetryConfig``).
        ValueError: ``token`` is empty, or an interval is not positive.
    """
    if not isinstance(telemetry_config, TelemetryConfig):
        raise TypeError(
            f"telemetry_config must be a TelemetryConfig, got {type(telemetry_config).__name__}"
        )
    if live_state is None:
        live_state = LiveTelemetryState()
    elif not isinstance(live_state, LiveTelemetryState):
        raise TypeError(f"live_state must be a LiveTelemetryState, got {type(live_state).__name__}")
    if backend_status is not None and not callable(backend_status):
        raise TypeError("backend_status must be a callable taking a TelemetryConfig")
    if token is not None:
        if not isinstance(cast("object", token), str):
            raise TypeError(f"token must be a string, got {type(token).__name__}")
        if not token:
            raise ValueError("token must not be empty")
    if not (events_poll_interval > 0 and events_keepalive_interval > 0):
        raise ValueError("event stream intervals must be positive")
    context = AppContext(
        config=telemetry_config,
        live_state=live_state,
        backend_statuses=BackendStatusCache(telemetry_config, backend_status or probe_backends),
    )
    streams = EventStreams()
    reports = ReportHandlers(context)
    current = CurrentHandlers(context, reports)
    cache = ResponseCache(context)
    history = HistoryHandler(context)
    events = EventsHandler(
        context,
        streams,
        poll_interval=events_poll_interval,
        keepalive_interval=events_keepalive_interval,
    )
    routes: list[BaseRoute] = [
        Route("/", _dashboard, methods=["GET"]),
        Mount("/static", app=StaticFiles(directory=STATIC_DIR, check_dir=False)),
        Route("/api/v1/", _index, methods=["GET"]),
        Route("/api/v1/metrics", cache.endpoint(current.metrics), methods=["GET"]),
        Route("/api/v1/metrics/history", cache.endpoint(history.handle), methods=["GET"]),
        Route("/api/v1/modules", cache.endpoint(current.modules), methods=["GET"]),
        Route(
            "/api/v1/findings/summary", cache.endpoint(current.findings_summary), methods=["GET"]
        ),
        Route("/api/v1/findings/churn", cache.endpoint(current.findings_churn), methods=["GET"]),
        Route("/api/v1/health", cache.endpoint(current.health, ages=False), methods=["GET"]),
        Route("/api/v1/files", cache.endpoint(reports.files, ages=False), methods=["GET"]),
        Route("/api/v1/functions", cache.endpoint(reports.functions, ages=False), methods=["GET"]),
        Route("/api/v1/findings", cache.endpoint(reports.findings, ages=False), methods=["GET"]),
        Route("/api/v1/file", cache.endpoint(reports.file, ages=False), methods=["GET"]),
        Route("/badge.svg", cache.endpoint(current.badge, ages=False), methods=["GET"]),
        Route("/api/v1/config", current.config, methods=["GET"]),
        Route("/api/v1/status", cache.endpoint(current.status), methods=["GET"]),
        Route("/api/v1/events", events.handle, methods=["GET"]),
        Route("/api/v1/openapi.json", _openapi(secured=token is not None), methods=["GET"]),
        Route("/metrics", _metrics_exposition(context)),
    ]
    middleware = [Middleware(_GuardMiddleware)]
    if token is not None:
        middleware.append(Middleware(BearerTokenMiddleware, token=token))
    middleware.append(Middleware(cache.middleware))
    app = Starlette(
        routes=routes, middleware=middleware, exception_handlers={HTTPException: _http_error}
    )
    app.state = _AppState(
        {"telemetry_config": telemetry_config, "live_state": live_state, "event_streams": streams}
    )
    return app
