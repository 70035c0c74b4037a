"""Smoke check run by ``nox -s standalone`` against the installed wheel and its deps alone."""

from __future__ import annotations

import asyncio
import json

from chaffra_management import create_app
from chaffra_telemetry import TelemetryAudience, TelemetryConfig, seed_live_state


async def _get(path: str) -> tuple[int, bytes]:
    app = create_app(
        telemetry_config=TelemetryConfig(audience=TelemetryAudience.USER_ONLY),
        live_state=seed_live_state(),
    )
    sent: list[dict[str, object]] = []

    async def receive() -> dict[str, object]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, object]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"127.0.0.1:9100")],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 9100),
    }
    await app(scope, receive, send)  # type: ignore[arg-type]
    status = int(sent[0]["status"])  # type: ignore[call-overload]
    body = b"".join(bytes(m.get("body", b"")) for m in sent[1:])  # type: ignore[call-overload]
    return status, body


status, body = asyncio.run(_get("/api/v1/health"))
assert status == 200, status
health = json.loads(body)
assert health["grade"] == "C", health
print("chaffra-management serves the seeded health:", health["score"], health["grade"])
