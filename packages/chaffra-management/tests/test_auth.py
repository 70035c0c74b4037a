"""The bearer token gate and the standalone Host allowlist."""

from __future__ import annotations

import asyncio
import hmac
from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from starlette.applications import Starlette
from starlette.routing import Mount

from chaffra_management import create_app
from chaffra_management._auth import (
    BearerTokenMiddleware,
    HostAllowlistMiddleware,
    loopback_hosts,
)
from chaffra_telemetry import TelemetryAudience, TelemetryConfig

if TYPE_CHECKING:
    from starlette.testclient import TestClient

Client = Callable[..., "TestClient"]
TOKEN = "s3cret-token"
ROUTES = (
    "/",
    "/static/app.js",
    "/api/v1/",
    "/api/v1/metrics",
    "/api/v1/metrics/history",
    "/api/v1/events",
    "/api/v1/openapi.json",
    "/api/v1/nope",
)


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize(
    "authorization", [None, "Bearer wrong", f"Basic {TOKEN}", TOKEN, "Bearer ", "Bearer"]
)
def test_every_route_answers_401_json_without_the_right_token(
    make_client: Client, route: str, authorization: str | None
) -> None:
    client = make_client(token=TOKEN)
    headers = {} if authorization is None else {"Authorization": authorization}
    response = client.get(route, headers=headers)
    assert 401 == response.status_code
    assert {"status": "error", "message": "Missing or invalid bearer token."} == response.json()
    assert response.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_the_right_token_is_accepted_with_any_scheme_case(make_client: Client, scheme: str) -> None:
    response = make_client(token=TOKEN).get(
        "/api/v1/status", headers={"Authorization": f"{scheme} {TOKEN}"}
    )
    assert 200 == response.status_code


def test_the_token_is_compared_in_constant_time(
    make_client: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[bytes, bytes]] = []
    original = hmac.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        calls.append((a, b))
        return original(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    client = make_client(token=TOKEN)
    client.get("/api/v1/status", headers={"Authorization": "Bearer nope"})
    client.get("/api/v1/status", headers={"Authorization": f"Bearer {TOKEN}"})
    # The header, then the (absent) sign-in cookie; a valid header needs no cookie.
    assert [
        (b"nope", TOKEN.encode()),
        (b"", TOKEN.encode()),
        (TOKEN.encode(), TOKEN.encode()),
    ] == [(bytes(a), bytes(b)) for a, b in calls]


def test_the_openapi_document_declares_the_bearer_scheme_when_a_token_is_set(
    make_client: Client,
) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    document = make_client(token=TOKEN).get("/api/v1/openapi.json", headers=headers).json()
    assert [{"bearer": []}] == document["security"]
    assert "401" in document["paths"]["/api/v1/metrics"]["get"]["responses"]
    assert "security" not in make_client().get("/api/v1/openapi.json").json()


@pytest.mark.parametrize("bad", ["", b"bytes"])
def test_an_empty_or_non_string_token_is_refused_at_construction(bad: object) -> None:
    with pytest.raises((ValueError, TypeError)):
        create_app(telemetry_config=TelemetryConfig(), token=bad)  # type: ignore[arg-type]


def test_loopback_hosts_name_all_three_loopback_spellings_with_the_port() -> None:
    assert frozenset({"127.0.0.1:9100", "localhost:9100", "[::1]:9100"}) == loopback_hosts(9100)
    assert {"127.0.0.1", "localhost", "[::1]"} <= loopback_hosts(80)


def _allowlisted(make_app: Callable[..., Starlette], port: int) -> Starlette:
    return Starlette(
        routes=[Mount("/", app=HostAllowlistMiddleware(make_app(), loopback_hosts(port)))]
    )


@pytest.mark.parametrize(
    "host", ["localhost:8123", "127.0.0.1:8123", "[::1]:8123", "LOCALHOST:8123"]
)
def test_the_allowlist_admits_loopback_names_with_the_bound_port(
    make_app: Callable[..., Starlette], host: str
) -> None:
    from starlette.testclient import TestClient

    with TestClient(_allowlisted(make_app, 8123)) as client:
        assert 200 == client.get("/api/v1/status", headers={"Host": host}).status_code


@pytest.mark.parametrize("host", ["evil.example:8123", "localhost:9999", "127.0.0.1", ""])
def test_the_allowlist_refuses_other_hosts_with_400_json(
    make_app: Callable[..., Starlette], host: str
) -> None:
    from starlette.testclient import TestClient

    with TestClient(_allowlisted(make_app, 8123)) as client:
        response = client.get("/api/v1/status", headers={"Host": host})
    assert (400, {"status": "error", "message": "Host not allowed."}) == (
        response.status_code,
        response.json(),
    )


def test_the_allowlist_passes_lifespan_through(make_app: Callable[..., Starlette]) -> None:
    """Entering the client runs lifespan through both middleware layers."""
    from starlette.testclient import TestClient

    app = HostAllowlistMiddleware(make_app(audience=TelemetryAudience.ON), loopback_hosts(1))
    with TestClient(app, base_url="http://localhost:1") as client:
        assert 200 == client.get("/api/v1/").status_code


def test_a_browser_signs_in_once_with_the_token_in_the_url(make_client: Client) -> None:
    """The token leaves the URL at once and lives on in an HttpOnly, SameSite=Strict cookie."""
    client = make_client(token=TOKEN)
    response = client.get(f"/?window=7d&token={TOKEN}", follow_redirects=False)
    assert 303 == response.status_code
    assert "/?window=7d" == response.headers["location"]
    cookie = response.headers["set-cookie"]
    assert f"chaffra_token={TOKEN}; HttpOnly; SameSite=Strict; Path=/" == cookie
    assert 200 == client.get("/api/v1/status").status_code


def test_a_wrong_token_in_the_url_or_cookie_is_refused(make_client: Client) -> None:
    client = make_client(token=TOKEN)
    assert 401 == client.get("/?token=wrong", follow_redirects=False).status_code
    client.cookies.set("chaffra_token", "wrong")
    assert 401 == client.get("/api/v1/status").status_code


def test_sign_in_under_a_mount_sets_the_cookie_for_the_prefix_only() -> None:
    from starlette.testclient import TestClient

    inner = create_app(telemetry_config=TelemetryConfig(), token=TOKEN)
    with TestClient(
        Starlette(routes=[Mount("/chaffra", app=inner)]), base_url="https://x"
    ) as client:
        response = client.get(f"/chaffra/?token={TOKEN}", follow_redirects=False)
    assert "/chaffra/" == response.headers["location"]
    assert response.headers["set-cookie"].endswith("Path=/chaffra; Secure")


def test_sign_in_also_works_for_servers_whose_path_excludes_the_root_path() -> None:
    sent: list[dict[str, object]] = []

    async def app(scope: object, receive: object, send: object) -> None:
        raise AssertionError("sign-in must not reach the app")

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    async def receive() -> dict[str, object]:
        return {"type": "http.request"}

    scope = {
        "type": "http",
        "path": "/",
        "root_path": "/chaffra",
        "query_string": f"token={TOKEN}".encode(),
        "headers": [],
        "scheme": "http",
    }
    asyncio.run(BearerTokenMiddleware(app, TOKEN)(scope, receive, send))  # type: ignore[arg-type]
    headers = dict(sent[0]["headers"])  # type: ignore[call-overload]
    assert b"/chaffra/" == headers[b"location"]
