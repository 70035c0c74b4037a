"""The standalone runner: ``serve(app)`` under hypercorn, and ``python -m chaffra_management``.

:func:`run_server` is the one startup sequence of both ``chaffra management``
and ``python -m chaffra_management``: bind first (a taken port fails before
anything is analysed or written), then prepare the state, then announce and
serve until a signal.
"""

from __future__ import annotations

import argparse
import asyncio
import ipaddress
import os
import signal
import socket
import sys
import threading
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any, TextIO, cast

import attrs
from starlette.types import ASGIApp

from chaffra_management._app import create_app
from chaffra_management._auth import HostAllowlistMiddleware, loopback_hosts
from chaffra_management._defaults import DEFAULT_HOST, DEFAULT_PORT, TOKEN_ENV
from chaffra_management._events import EventStreams
from chaffra_telemetry import (
    LiveTelemetryState,
    SqliteStore,
    TelemetryAudience,
    TelemetryConfig,
    seed_live_state,
)
from chaffra_telemetry.errors import ConfigError, TelemetryError

__all__ = [
    "DEFAULT_HOST",
    "DEFAULT_PORT",
    "TOKEN_ENV",
    "ListenError",
    "Served",
    "bind_listener",
    "main",
    "run_server",
    "select_served",
    "serve",
]


def is_loopback(host: str) -> bool:
    """True for ``localhost`` and loopback IP addresses (``127.0.0.0/8``, ``::1``)."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


class ListenError(OSError):
    """The address cannot be bound; the message names it and how to pick another port."""


def bind_listener(host: str, port: int) -> socket.socket:
    """A socket listening on ``host:port`` (port 0 picks a free one), for :func:`serve`.

    Raises:
        ListenError: the address is taken or cannot be bound, e.g.
            ``cannot listen on 127.0.0.1:9100: address already in use; choose
            another port with --port (--port 0 picks a free one)``.
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host.strip("[]"), port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as error:
        raise ListenError(f"cannot listen on {host}:{port}: {error}") from error
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as error:
        sock.close()
        reason = (error.strerror or str(error)).lower()
        raise ListenError(
            f"cannot listen on {host}:{port}: {reason}; choose another port with --port"
            " (--port 0 picks a free one)"
        ) from error
    return sock


def _close_event_streams(app: object) -> None:
    streams = getattr(getattr(app, "state", None), "event_streams", None)
    if isinstance(streams, EventStreams):
        streams.close()


def serve(
    app: ASGIApp,
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    shutdown_trigger: Callable[[], Awaitable[object]] | None = None,
    allow_remote: bool = False,
    on_ready: Callable[[str], None] | None = None,
    graceful_timeout: float = 3.0,
    listener: socket.socket | None = None,
) -> None:
    """Serve ``app`` with hypercorn until SIGINT/SIGTERM or ``shutdown_trigger`` returns.

    Binds ``host:port`` first (port 0 picks a free port), or serves on
    ``listener`` from :func:`bind_listener` (then ``port`` is unused), and calls
    ``on_ready`` with the bound base URL (e.g. ``http://127.0.0.1:9100/``). Unless
    ``allow_remote``, requests must name the loopback host and bound port in
    ``Host`` (DNS-rebinding defence). Signal handlers are installed only when
    called from the main thread. Returns after a graceful shutdown.

    Raises:
        ValueError: ``host`` is not a loopback address and ``allow_remote`` is false.
        ListenError: the address cannot be bound.
        ImportError: hypercorn is not installed.
    """
    if not (allow_remote or is_loopback(host)):
        if listener is not None:
            listener.close()
        raise ValueError(f"refusing to bind non-loopback address {host!r} without allow_remote")
    try:
        from hypercorn.asyncio import serve as hypercorn_serve
        from hypercorn.config import Config
        from hypercorn.typing import Framework
    except ImportError as error:  # pragma: no cover - the test environment has hypercorn
        raise ImportError(
            'serving needs hypercorn: pip install "chaffra-management[serve]"'
        ) from error
    sock = listener if listener is not None else bind_listener(host, port)
    bound_host, bound_port = sock.getsockname()[:2]
    url_host = f"[{bound_host}]" if ":" in bound_host else bound_host
    url = f"http://{url_host}:{bound_port}/"
    served = app if allow_remote else HostAllowlistMiddleware(app, loopback_hosts(bound_port))
    config = Config()
    config.bind = [f"fd://{sock.detach()}"]  # hypercorn owns the listening socket from here
    config.graceful_timeout = graceful_timeout
    config.accesslog = None

    async def run() -> None:
        loop = asyncio.get_running_loop()
        stop = asyncio.Event()
        installed: list[signal.Signals] = []
        if threading.current_thread() is threading.main_thread():
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.add_signal_handler(signum, stop.set)
                installed.append(signum)

        async def trigger() -> None:
            waiters: list[asyncio.Future[Any]] = [asyncio.ensure_future(stop.wait())]
            if shutdown_trigger is not None:
                waiters.append(asyncio.ensure_future(shutdown_trigger()))
            _, pending = await asyncio.wait(waiters, return_when=asyncio.FIRST_COMPLETED)
            for waiter in pending:
                waiter.cancel()
            _close_event_streams(app)

        try:
            if on_ready is not None:
                on_ready(url)
            await hypercorn_serve(cast("Framework", served), config, shutdown_trigger=trigger)
        finally:
            for signum in installed:
                loop.remove_signal_handler(signum)

    asyncio.run(run())


def _port(value: str) -> int:
    port = int(value) if value.isascii() and value.isdigit() else -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port from 0 to 65535, got {value!r}")
    return port


def _audience(value: str) -> TelemetryAudience:
    try:
        return TelemetryAudience.parse(value, key="--audience")
    except ConfigError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m chaffra_management",
        description=(
            "Serve the chaffra management API and dashboard. Modes: --seeded (demo data), "
            "--store PATH (a project's telemetry.db, followed live), or neither (empty). "
            "--audience off always serves the empty state."
        ),
    )
    parser.add_argument(
        "--host", default=DEFAULT_HOST, help="address to bind (default: %(default)s)"
    )
    parser.add_argument("--port", type=_port, default=DEFAULT_PORT, help="0 picks a free port")
    source = parser.add_mutually_exclusive_group()
    source.add_argument("--seeded", action="store_true", help="serve deterministic demo data")
    source.add_argument("--store", type=Path, metavar="PATH", help="a SqliteStore file to follow")
    parser.add_argument(
        "--audience",
        type=_audience,
        default=TelemetryAudience.USER_ONLY,
        help="on, off, user-only (default) or operator-only",
    )
    parser.add_argument(
        "--allow-remote", action="store_true", help="allow a non-loopback --host (needs a token)"
    )
    parser.add_argument("--token", help=f"bearer token required on every request (or ${TOKEN_ENV})")
    return parser


@attrs.frozen(kw_only=True)
class Served:
    """What :func:`run_server` serves, and how to release it afterwards."""

    telemetry_config: TelemetryConfig
    live_state: LiveTelemetryState
    mode: str
    """One line naming the mode, e.g. ``seeded (demo data)``."""
    close: Callable[[], None] | None = None


def select_served(
    telemetry_config: TelemetryConfig,
    *,
    seeded: bool = False,
    follow: Callable[[], tuple[SqliteStore, str]] | None = None,
) -> Served:
    """The state to serve, in the one order every server applies: off, seeded, followed, empty.

    An ``off`` audience always serves the empty state (nothing analysed, opened
    or written); ``seeded`` serves the demo data; otherwise ``follow`` (when
    given) opens the store to serve and names the mode, and the store is closed
    after serving. Errors ``follow`` raises propagate.
    """
    if telemetry_config.audience is TelemetryAudience.OFF:
        return Served(
            telemetry_config=telemetry_config,
            live_state=LiveTelemetryState(),
            mode="empty (telemetry off)",
        )
    if seeded:
        return Served(
            telemetry_config=telemetry_config,
            live_state=seed_live_state(),
            mode="seeded (demo data)",
        )
    if follow is None:
        return Served(
            telemetry_config=telemetry_config, live_state=LiveTelemetryState(), mode="empty"
        )
    store, mode = follow()
    live_state = LiveTelemetryState(store)
    return Served(
        telemetry_config=telemetry_config, live_state=live_state, mode=mode, close=live_state.close
    )


def run_server(
    prepare: Callable[[], Served],
    *,
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    allow_remote: bool = False,
    token: str | None = None,
    stderr: TextIO | None = None,
) -> int:
    """Bind, then ``prepare()`` the state, then announce and serve; return the exit status.

    Binding comes first so a taken port fails before ``prepare`` analyses or
    writes anything: ``Error: cannot listen on ...`` and status 1. The
    announcement on ``stderr`` names the dashboard, API and Prometheus
    ``/metrics`` URLs, the mode and the audience. Errors ``prepare`` raises
    propagate (the socket is closed first).

    Raises:
        ValueError: ``allow_remote`` without a ``token``: a server reachable from
            elsewhere (or through DNS rebinding, which ``allow_remote`` no longer
            stops) must authenticate every request.
    """
    out = stderr if stderr is not None else sys.stderr
    if allow_remote and token is None:
        raise ValueError(f"allow_remote needs a bearer token (--token or ${TOKEN_ENV})")
    try:
        listener = bind_listener(host, port)
    except ListenError as error:
        print(f"Error: {error}", file=out)
        return 1
    try:
        served = prepare()
    except BaseException:
        listener.close()
        raise
    try:
        app = create_app(
            telemetry_config=served.telemetry_config, live_state=served.live_state, token=token
        )
        audience = served.telemetry_config.audience.value

        def announce(url: str) -> None:
            lines = [f"Dashboard: {url}", f"API: {url}api/v1/", f"Prometheus: {url}metrics"]
            lines += [f"Mode: {served.mode}", f"Audience: {audience}"]
            if not is_loopback(host):
                lines.append(
                    "Warning: serving on a non-loopback address; every request needs the token."
                )
            print("\n".join(lines), file=out, flush=True)

        serve(app, host=host, allow_remote=allow_remote, on_ready=announce, listener=listener)
    finally:
        if served.close is not None:
            served.close()
    return 0


def _prepare(args: argparse.Namespace) -> Served:
    path: Path | None = args.store

    def follow() -> tuple[SqliteStore, str]:
        assert path is not None  # follow is passed only with --store
        if not path.is_file():
            raise FileNotFoundError(f"no telemetry store at {path}")
        return SqliteStore(path), f"store {path} (followed live)"

    return select_served(
        TelemetryConfig(audience=args.audience),
        seeded=args.seeded,
        follow=None if path is None else follow,
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Run the standalone server; returns the exit status (usage errors exit 2)."""
    parser = _parser()
    args = parser.parse_args(argv)
    token = args.token or os.environ.get(TOKEN_ENV) or None
    if not (is_loopback(args.host) or args.allow_remote):
        parser.error(f"--host {args.host} is not a loopback address; add --allow-remote")
    if args.allow_remote and token is None:
        # On loopback too: --allow-remote switches the Host check off, which
        # would reopen DNS rebinding to an unauthenticated API.
        parser.error(f"--allow-remote needs a bearer token: --token or ${TOKEN_ENV}")
    try:
        return run_server(
            lambda: _prepare(args),
            host=args.host,
            port=args.port,
            allow_remote=args.allow_remote,
            token=token,
        )
    except (OSError, TelemetryError) as error:
        print(f"Error: {error}", file=sys.stderr)
        return 1
