"""The factory contract (spec §8.1): purity, inputs, mounting, dashboard, errors, README."""

from __future__ import annotations

import builtins
import io
import os
import re
import socket
import threading
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from chaffra_management import CONTENT_SECURITY_POLICY, _app, create_app
from chaffra_management._openapi import ENDPOINTS
from chaffra_telemetry import (
    LiveTelemetryState,
    TelemetryAudience,
    TelemetryConfig,
    seed_live_state,
)

if TYPE_CHECKING:
    from starlette.testclient import TestClient

Client = Callable[..., "TestClient"]
README = Path(__file__).parents[1] / "README.md"


def _forbidden(*args: object, **kwargs: object) -> NoReturn:
    raise AssertionError("create_app must do no I/O")


class _NoEnvironment(Mapping[str, str]):
    def __getitem__(self, key: str) -> NoReturn:
        _forbidden()

    def __iter__(self) -> Iterator[str]:
        _forbidden()

    def __len__(self) -> int:
        raise AssertionError("create_app must do no I/O")


def test_create_app_does_no_file_socket_thread_or_environment_work(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    config, state = TelemetryConfig(audience=TelemetryAudience.ON), LiveTelemetryState()
    with monkeypatch.context() as patched:
        for target, name in [(builtins, "open"), (io, "open"), (os, "stat"), (os, "scandir")]:
            patched.setattr(target, name, _forbidden)
        patched.setattr(socket, "socket", _forbidden)
        patched.setattr(threading.Thread, "start", _forbidden)
        patched.setattr(os, "environ", _NoEnvironment())
        first = create_app(telemetry_config=config, live_state=state)
        second = create_app(telemetry_config=config)
    assert first.state.live_state is state
    assert second.state.live_state is not state


@pytest.mark.parametrize("config", [None, {"audience": "on"}, "user-only"])
def test_a_config_that_is_not_a_telemetry_config_is_a_type_error(config: object) -> None:
    with pytest.raises(TypeError, match="TelemetryConfig"):
        create_app(telemetry_config=config)  # type: ignore[arg-type]


def test_other_bad_inputs_fail_at_construction() -> None:
    config = TelemetryConfig()
    with pytest.raises(TypeError, match="LiveTelemetryState"):
        create_app(telemetry_config=config, live_state=object())  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="callable"):
        create_app(telemetry_config=config, backend_status=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positive"):
        create_app(telemetry_config=config, events_poll_interval=0)


def test_the_inputs_are_exposed_read_only_on_app_state() -> None:
    config, state = TelemetryConfig(), LiveTelemetryState()
    app = create_app(telemetry_config=config, live_state=state)
    assert (config, state) == (app.state.telemetry_config, app.state.live_state)
    for name in ("telemetry_config", "live_state", "event_streams"):
        with pytest.raises(AttributeError, match="read-only"):
            setattr(app.state, name, None)
        with pytest.raises(AttributeError, match="read-only"):
            delattr(app.state, name)
    app.state.host_value = 1
    del app.state.host_value


def test_the_app_works_without_lifespan_events(make_app: Callable[..., Starlette]) -> None:
    from starlette.testclient import TestClient

    client = TestClient(make_app(TelemetryAudience.USER_ONLY, seed_live_state()))
    assert 87 == client.get("/api/v1/metrics").json()["files_total"]  # not entered: no lifespan


def _mounted(app: Starlette) -> Starlette:
    return Starlette(routes=[Mount("/chaffra", app=app)])


def test_mounted_under_a_prefix_every_route_answers_below_it(
    make_app: Callable[..., Starlette],
) -> None:
    from starlette.testclient import TestClient

    with TestClient(_mounted(make_app(TelemetryAudience.ON, seed_live_state()))) as client:
        assert 87 == client.get("/chaffra/api/v1/metrics").json()["files_total"]
        page = client.get("/chaffra/")
        assert "<title>Chaffra Management Dashboard</title>" in page.text
        assert 404 == client.get("/api/v1/metrics").status_code
        index = client.get("/chaffra/api/v1/").json()
        assert "/chaffra/api/v1/metrics" in {e["path"] for e in index["endpoints"]}
        document = client.get("/chaffra/api/v1/openapi.json").json()
        assert [{"url": "/chaffra"}] == document["servers"]


def test_the_bare_prefix_redirects_to_the_prefix_with_a_slash(
    make_app: Callable[..., Starlette],
) -> None:
    from starlette.testclient import TestClient

    with TestClient(_mounted(make_app())) as client:
        response = client.get("/chaffra", follow_redirects=False)
        assert (307, "http://testserver/chaffra/") == (
            response.status_code,
            response.headers["location"],
        )


@pytest.mark.parametrize(("query", "location"), [(b"", "/p/"), (b"a=1", "/p/?a=1")])
def test_a_request_for_the_root_path_itself_redirects_inside_the_app(
    make_app: Callable[..., Starlette], query: bytes, location: str
) -> None:
    """An ASGI host that passes ``root_path`` without a trailing slash gets a redirect."""
    messages: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b""}

    async def send(message: dict[str, Any]) -> None:
        messages.append(message)

    import anyio

    scope: dict[str, Any] = {"type": "http", "method": "GET", "path": "/p", "root_path": "/p"}
    scope |= {"query_string": query, "headers": []}
    anyio.run(make_app(), scope, receive, send)  # type: ignore[arg-type]
    assert 307 == messages[0]["status"]
    assert location.encode() == dict(messages[0]["headers"])[b"location"]


def test_the_dashboard_is_served_with_a_strict_content_security_policy(
    make_client: Client,
) -> None:
    client = make_client()
    page = client.get("/")
    assert ("text/html; charset=utf-8", CONTENT_SECURITY_POLICY) == (
        page.headers["content-type"],
        page.headers["content-security-policy"],
    )
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    script = client.get("/static/app.js")
    assert (200, CONTENT_SECURITY_POLICY) == (
        script.status_code,
        script.headers["content-security-policy"],
    )


def test_the_dashboard_is_the_same_for_every_audience(make_client: Client) -> None:
    pages = {make_client(audience).get("/").content for audience in TelemetryAudience}
    assert 1 == len(pages)


def test_a_missing_dashboard_is_a_plain_404(
    make_client: Client, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(_app, "STATIC_DIR", tmp_path)
    response = make_client().get("/")
    assert (404, "The dashboard files are not installed.") == (
        response.status_code,
        response.text,
    )


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v1/metrics/nope", "/api/v2/x"])
def test_unknown_api_paths_are_json_404s(make_client: Client, path: str) -> None:
    response = make_client().get(path)
    assert (404, {"status": "error", "message": "Not found."}) == (
        response.status_code,
        response.json(),
    )


def test_unknown_paths_outside_the_api_get_the_framework_404(make_client: Client) -> None:
    response = make_client().get("/nope")
    assert (404, "Not Found") == (response.status_code, response.text)


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
def test_other_methods_are_json_405s(make_client: Client, method: str) -> None:
    response = make_client().request(method, "/api/v1/metrics")
    assert (405, "Method not allowed.") == (response.status_code, response.json()["message"])
    assert "GET" in response.headers["allow"]


def test_head_is_answered_like_get_without_a_body(make_client: Client) -> None:
    response = make_client().head("/api/v1/metrics")
    assert (200, b"") == (response.status_code, response.content)


def test_a_trailing_slash_variant_redirects_to_the_same_content(make_client: Client) -> None:
    client = make_client(TelemetryAudience.USER_ONLY, seed_live_state())
    assert 307 == client.get("/api/v1/metrics/", follow_redirects=False).status_code
    assert client.get("/api/v1/metrics").json() == client.get("/api/v1/metrics/").json()
    assert client.get("/api/v1/").json() == client.get("/api/v1").json()


class _BrokenState(LiveTelemetryState):
    def current(self, *, audience: TelemetryAudience) -> NoReturn:
        raise RuntimeError("/secret/path/telemetry.db is corrupt")


def test_an_unexpected_error_is_a_generic_500_without_details(
    make_client: Client, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(TelemetryAudience.ON, _BrokenState(), raise_server_exceptions=False)
    response = client.get("/api/v1/metrics")
    assert (500, {"status": "error", "message": "Internal server error."}) == (
        response.status_code,
        response.json(),
    )
    assert "secret" not in response.text
    assert "corrupt" in caplog.text


def test_the_index_lists_every_endpoint(make_client: Client) -> None:
    body = make_client().get("/api/v1/").json()
    assert "chaffra-management" == body["name"]
    assert [path for path, _ in ENDPOINTS] == [e["path"] for e in body["endpoints"]]


def test_the_openapi_document_describes_every_route(make_client: Client) -> None:
    app = create_app(telemetry_config=TelemetryConfig())
    document = make_client().get("/api/v1/openapi.json").json()
    routes = {getattr(r, "path", "") for r in app.routes} - {"/static"}
    assert routes == set(document["paths"])
    assert "3.1.0" == document["openapi"]


def test_the_readme_embedding_example_runs() -> None:
    from starlette.testclient import TestClient

    match = re.search(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert match is not None
    namespace: dict[str, Any] = {}
    exec(compile(match.group(1), str(README), "exec"), namespace)
    with TestClient(namespace["app"]) as client:
        assert "my service" == client.get("/").text
        assert "user-only" == client.get("/chaffra/api/v1/status").json()["audience"]
        assert "Chaffra Management Dashboard" in client.get("/chaffra").text
    assert namespace["live_state"] is namespace["chaffra"].state.live_state
