"""The standalone runner, without serving: hypercorn's ``serve`` is replaced by a fake."""

from __future__ import annotations

import os
import signal
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import hypercorn.asyncio
import pytest

from chaffra_management import (
    ListenError,
    Served,
    _serve,
    bind_listener,
    create_app,
    main,
    run_server,
    serve,
)
from chaffra_management._auth import HostAllowlistMiddleware
from chaffra_management._serve import is_loopback
from chaffra_telemetry import LiveTelemetryState, SqliteStore, TelemetryAudience, TelemetryConfig


class FakeHypercorn:
    """Records what ``serve`` hands to hypercorn; ``action`` runs before the trigger is awaited."""

    def __init__(self, action: Callable[[], None] = lambda: None) -> None:
        self.action = action
        self.app: Any = None
        self.bind: list[str] = []

    async def __call__(
        self, app: Any, config: Any, *, shutdown_trigger: Callable[[], Awaitable[None]]
    ) -> None:
        self.app, self.bind = app, list(config.bind)
        os.close(int(self.bind[0].removeprefix("fd://")))  # the listening socket
        self.action()
        await shutdown_trigger()


@pytest.fixture
def fake(monkeypatch: pytest.MonkeyPatch) -> FakeHypercorn:
    fake = FakeHypercorn()
    monkeypatch.setattr(hypercorn.asyncio, "serve", fake)
    return fake


async def _now() -> None:
    return None


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("127.0.0.1", True),
        ("127.8.0.1", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("LOCALHOST", True),
        ("0.0.0.0", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host: str, expected: bool) -> None:
    assert expected is is_loopback(host)


def test_serve_binds_a_free_port_reports_it_and_guards_the_host(fake: FakeHypercorn) -> None:
    app = create_app(telemetry_config=TelemetryConfig())
    urls: list[str] = []
    serve(app, port=0, shutdown_trigger=_now, on_ready=urls.append)
    (url,) = urls
    assert url.startswith("http://127.0.0.1:")
    assert url.endswith("/")
    assert not url.endswith(":0/")
    assert isinstance(fake.app, HostAllowlistMiddleware)
    assert fake.bind[0].startswith("fd://")
    assert app.state.event_streams.closed


def test_serve_with_allow_remote_serves_the_app_as_is(fake: FakeHypercorn) -> None:
    app = create_app(telemetry_config=TelemetryConfig())
    serve(app, host="127.0.0.1", port=0, shutdown_trigger=_now, allow_remote=True)
    assert app is fake.app


def test_sigterm_shuts_the_server_down(fake: FakeHypercorn) -> None:
    fake.action = lambda: os.kill(os.getpid(), signal.SIGTERM)
    serve(create_app(telemetry_config=TelemetryConfig()), port=0)
    assert signal.getsignal(signal.SIGTERM) is signal.SIG_DFL


def test_serve_refuses_a_non_loopback_host_without_allow_remote() -> None:
    with pytest.raises(ValueError, match="non-loopback"):
        serve(create_app(telemetry_config=TelemetryConfig()), host="0.0.0.0")


def test_a_refused_host_closes_the_listener_it_was_given() -> None:
    listener = bind_listener("127.0.0.1", 0)
    with pytest.raises(ValueError, match="non-loopback"):
        serve(create_app(telemetry_config=TelemetryConfig()), host="0.0.0.0", listener=listener)
    assert -1 == listener.fileno()


def test_binding_a_port_in_use_names_it_and_suggests_port_0() -> None:
    first = bind_listener("127.0.0.1", 0)
    port = first.getsockname()[1]
    try:
        with pytest.raises(ListenError) as caught:
            bind_listener("127.0.0.1", port)
    finally:
        first.close()
    message = str(caught.value)
    assert f"cannot listen on 127.0.0.1:{port}: address already in use" in message
    assert "--port 0 picks a free one" in message


def test_an_unresolvable_host_is_a_listen_error() -> None:
    with pytest.raises(ListenError, match=r"cannot listen on no such host\.invalid:0"):
        bind_listener("no such host.invalid", 0)


@pytest.mark.parametrize(
    "argv",
    [
        ["--port", "70000"],
        ["--port", "x"],
        ["--audience", "user"],
        ["--audience", "true"],
        ["--seeded", "--store", "x.db"],
        ["--host", "0.0.0.0"],
        ["--host", "0.0.0.0", "--allow-remote"],
        ["--allow-remote"],
        ["--host", "127.0.0.1", "--allow-remote"],
        ["--host", "::1", "--allow-remote"],
    ],
)
def test_usage_errors_exit_2(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv(_serve.TOKEN_ENV, raising=False)
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert 2 == exit_info.value.code
    assert "error:" in capsys.readouterr().err


def _run(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, error: OSError | None = None
) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def fake_serve(app: Any, **kwargs: Any) -> None:
        kwargs.pop("listener").close()
        seen.update(kwargs, app=app)
        if error is not None:
            raise error
        kwargs["on_ready"]("http://127.0.0.1:4321/")

    monkeypatch.setattr(_serve, "serve", fake_serve)
    seen["status"] = main([*argv, "--port", "0"])  # the real socket is bound: never a fixed port
    return seen


def test_seeded_mode_prints_url_mode_and_audience(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen = _run(["--seeded", "--port", "0", "--audience", "on"], monkeypatch)
    assert 0 == seen["status"]
    assert [
        "Dashboard: http://127.0.0.1:4321/",
        "API: http://127.0.0.1:4321/api/v1/",
        "Prometheus: http://127.0.0.1:4321/metrics",
        "Mode: seeded (demo data)",
        "Audience: on",
    ] == capsys.readouterr().err.splitlines()
    assert "127.0.0.1" == seen["host"]
    assert 12 == seen["app"].state.live_state.snapshot_count()


def test_off_ignores_seeded_and_serves_the_empty_state(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen = _run(["--seeded", "--audience", "off"], monkeypatch)
    assert "Mode: empty (telemetry off)" in capsys.readouterr().err
    assert 0 == seen["app"].state.live_state.snapshot_count()
    assert TelemetryAudience.OFF is seen["app"].state.telemetry_config.audience


def test_no_mode_flag_serves_an_empty_state(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _run([], monkeypatch)
    assert "Mode: empty\n" in capsys.readouterr().err


def test_store_mode_follows_the_file_and_closes_it(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    path = tmp_path / "telemetry.db"
    SqliteStore(path).close()
    seen = _run(["--store", str(path)], monkeypatch)
    assert f"Mode: store {path} (followed live)" in capsys.readouterr().err
    assert seen["app"].state.live_state.reads_block  # a file, not memory
    with pytest.raises(Exception, match="closed"):
        seen["app"].state.live_state.snapshot_count()


def test_a_missing_store_file_is_an_error_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    seen = _run(["--store", str(tmp_path / "none.db")], monkeypatch)
    assert 1 == seen["status"]
    assert capsys.readouterr().err.startswith("Error: no telemetry store at ")


def test_a_taken_port_is_an_error_exit_1_before_anything_is_prepared(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    taken = bind_listener("127.0.0.1", 0)
    port = taken.getsockname()[1]
    prepared: list[bool] = []

    def prepare() -> Served:  # pragma: no cover - must not run
        prepared.append(True)
        raise AssertionError("prepared before binding")

    try:
        status = run_server(prepare, port=port)
    finally:
        taken.close()
    assert (1, []) == (status, prepared)
    err = capsys.readouterr().err
    assert f"Error: cannot listen on 127.0.0.1:{port}: address already in use" in err
    assert "--port 0" in err


def test_a_failure_while_preparing_closes_the_socket_and_propagates() -> None:
    def prepare() -> Served:
        raise RuntimeError("analysis failed")

    with pytest.raises(RuntimeError, match="analysis failed"):
        run_server(prepare, port=0)


def test_run_server_refuses_allow_remote_without_a_token() -> None:
    with pytest.raises(ValueError, match="needs a bearer token"):
        run_server(
            lambda: Served(
                telemetry_config=TelemetryConfig(), live_state=LiveTelemetryState(), mode="empty"
            ),
            allow_remote=True,
        )


def test_a_runtime_error_while_serving_is_an_error_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    seen = _run(["--port", "0"], monkeypatch, error=PermissionError("denied"))
    assert 1 == seen["status"]
    assert "Error: denied" in capsys.readouterr().err


def test_remote_serving_takes_the_token_from_the_environment(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from starlette.testclient import TestClient

    monkeypatch.setenv(_serve.TOKEN_ENV, "t0ken")
    seen = _run(["--host", "0.0.0.0", "--allow-remote"], monkeypatch)
    assert (True, "0.0.0.0") == (seen["allow_remote"], seen["host"])
    assert "Warning: serving on a non-loopback address" in capsys.readouterr().err
    with TestClient(seen["app"]) as client:
        assert 401 == client.get("/api/v1/status").status_code
        ok = client.get("/api/v1/status", headers={"Authorization": "Bearer t0ken"})
        assert 200 == ok.status_code


def test_serve_runs_any_asgi_app_from_a_worker_thread(fake: FakeHypercorn) -> None:
    """No signal handlers off the main thread; a foreign app has no streams to close."""
    import threading

    from starlette.applications import Starlette

    errors: list[BaseException] = []

    def run() -> None:
        try:
            serve(Starlette(), port=0, shutdown_trigger=_now, allow_remote=True)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join(timeout=10)
    assert ([], False) == (errors, worker.is_alive())
    assert isinstance(fake.app, Starlette)


def test_python_dash_m_runs_main(capsys: pytest.CaptureFixture[str]) -> None:
    import runpy
    import sys

    with pytest.MonkeyPatch.context() as patched:
        patched.setattr(sys, "argv", ["chaffra_management", "--help"])
        with pytest.raises(SystemExit) as exit_info:
            runpy.run_module("chaffra_management", run_name="__main__", alter_sys=False)
    assert 0 == exit_info.value.code
    assert "--seeded" in capsys.readouterr().out


def test_the_package_loads_its_names_on_use_and_rejects_unknown_ones() -> None:
    import chaffra_management

    assert chaffra_management.Served is chaffra_management._serve.Served
    assert "create_app" in dir(chaffra_management)
    assert isinstance(chaffra_management.__version__, str)
    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        _ = chaffra_management.nope
