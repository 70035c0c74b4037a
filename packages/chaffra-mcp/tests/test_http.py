"""The streamable HTTP app: loopback Host check, the bearer token, the refusal of unsafe binds."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from chaffra_mcp import ServerSettings, UsageError, create_server
from chaffra_mcp._http import bind, http_app, is_loopback, require_safe_bind, url_of

INIT = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-06-18",
        "capabilities": {},
        "clientInfo": {"name": "t", "version": "0"},
    },
}
HEADERS = {"accept": "application/json, text/event-stream", "content-type": "application/json"}


def app_for(root: Path, cache: Path, **options: Any) -> Any:
    server = create_server(ServerSettings.create([root], cache_dir=cache))
    return http_app(server, **options)


@pytest.mark.parametrize(
    ("host", "expected"),
    [("127.0.0.1", True), ("127.8.0.1", True), ("::1", True), ("[::1]", True),
     ("localhost", True), ("0.0.0.0", False), ("example.org", False)],
)  # fmt: skip
def test_loopback_addresses_are_recognised(host: str, expected: bool) -> None:
    assert expected is is_loopback(host)


def test_a_remote_bind_needs_a_token(make_project: Callable[..., Path], cache_dir: Path) -> None:
    require_safe_bind("127.0.0.1", None)
    require_safe_bind("0.0.0.0", "secret")
    with pytest.raises(UsageError, match=r"non-loopback address 0\.0\.0\.0 without a token"):
        app_for(make_project(), cache_dir, host="0.0.0.0", port=9, token=None)


def test_the_loopback_endpoint_answers_its_own_host_only(
    make_project: Callable[..., Path], cache_dir: Path
) -> None:
    app = app_for(make_project(), cache_dir, host="127.0.0.1", port=8123, token=None)
    with TestClient(app, base_url="http://127.0.0.1:8123") as client:
        ok = client.post("/mcp", json=INIT, headers=HEADERS)
        rebound = client.post("/mcp", json=INIT, headers={**HEADERS, "host": "evil.test:8123"})
    assert 200 == ok.status_code
    assert "chaffra" in ok.text
    assert rebound.status_code in {421, 400}


def test_with_a_token_every_request_must_carry_it(
    make_project: Callable[..., Path], cache_dir: Path
) -> None:
    app = app_for(make_project(), cache_dir, host="0.0.0.0", port=8123, token="s3cret")
    with TestClient(app, base_url="http://203.0.113.5:8123") as client:
        missing = client.post("/mcp", json=INIT, headers=HEADERS)
        wrong = client.post("/mcp", json=INIT, headers={**HEADERS, "authorization": "Basic s3cret"})
        right = client.post(
            "/mcp", json=INIT, headers={**HEADERS, "authorization": "Bearer s3cret"}
        )
    assert (401, 401, 200) == (missing.status_code, wrong.status_code, right.status_code)
    assert 'Bearer realm="chaffra-mcp"' == missing.headers["www-authenticate"]


def test_binding_port_0_picks_a_free_port_and_names_the_endpoint() -> None:
    sock = bind("127.0.0.1", 0)
    try:
        url = url_of(sock)
    finally:
        sock.close()
    assert url.startswith("http://127.0.0.1:")
    assert url.endswith("/mcp")
    assert not url.endswith(":0/mcp")


def test_binding_a_taken_port_fails() -> None:
    taken = bind("127.0.0.1", 0)
    try:
        with pytest.raises(OSError, match="in use"):
            bind("127.0.0.1", taken.getsockname()[1])
    finally:
        taken.close()
