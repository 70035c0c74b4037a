"""``chaffra security`` as a user runs it: findings in every format, canary secrets that
never leak to any output path, and the advisory database fetched from a loopback server."""

from __future__ import annotations

import io
import json
import os
import subprocess
import threading
import zipfile
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_cli_projects import chaffra_command

TIMEOUT = 120
FORMATS = ("terminal", "json", "markdown", "sarif", "codeclimate", "github")

APP = """\
import os
from flask import request

def run():
    os.system(request.args["c"])
"""

# Real advisory facts (OSV / GitHub advisory database): package, affected ranges, ids.
ADVISORIES = [
    {
        "id": "GHSA-hmr4-m2h5-33qx",
        "modified": "2024-01-01T00:00:00Z",
        "aliases": ["CVE-2020-7471"],
        "summary": "SQL Injection in Django (StringAgg delimiter)",
        "database_specific": {"severity": "CRITICAL"},
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "django"},
                "ranges": [
                    {
                        "type": "ECOSYSTEM",
                        "events": [
                            {"introduced": "1.11"},
                            {"fixed": "1.11.28"},
                            {"introduced": "2.2"},
                            {"fixed": "2.2.10"},
                            {"introduced": "3.0"},
                            {"fixed": "3.0.3"},
                        ],
                    }
                ],
            }
        ],
    },
    {
        "id": "GHSA-j8r2-6x86-q33q",
        "modified": "2024-01-01T00:00:00Z",
        "aliases": ["CVE-2023-32681"],
        "summary": "Unintended leak of Proxy-Authorization header in requests",
        "database_specific": {"severity": "MODERATE"},
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "requests"},
                "ranges": [
                    {
                        "type": "ECOSYSTEM",
                        "events": [{"introduced": "2.3.0"}, {"fixed": "2.31.0"}],
                    }
                ],
            }
        ],
    },
]


def _osv_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for entry in ADVISORIES:
            archive.writestr(f"{entry['id']}.json", json.dumps(entry))
    return buffer.getvalue()


def _run(*args: str | Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run ``chaffra`` from the project it analyses, as a user would (paths relative to it)."""
    project = next((a for a in args if isinstance(a, Path) and a.is_dir()), None)
    return subprocess.run(
        [*chaffra_command(), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        check=False,
        cwd=project,
    )


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return {**os.environ, "CHAFFRA_CACHE_DIR": str(tmp_path / "cache"), "NO_COLOR": "1"}


@pytest.fixture
def osv_server() -> Iterator[str]:
    payload = _osv_zip()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/PyPI/all.zip"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def _project(root: Path, canary: str = "AKIAIOSFODNN7EXAMPLQ") -> Path:
    root.mkdir(parents=True, exist_ok=True)
    (root / "app.py").write_text(
        APP + f'DB_PASSWORD = "{canary}"\nADMIN_PASSWORD = "s3cret-Admin-pw"\n', encoding="utf-8"
    )
    (root / ".env").write_text(f"GITHUB_TOKEN={canary}\n", encoding="utf-8")
    (root / "requirements.txt").write_text("-r base.txt\nflask\n", encoding="utf-8")
    (root / "base.txt").write_text("django==3.0.0\nrequests==2.30.0\n", encoding="utf-8")
    return root


def test_security_finds_injection_password_and_vulnerable_pin_after_an_update(
    tmp_path: Path, env: dict[str, str], osv_server: str
) -> None:
    """The issue's "done when": the injection, the password and the vulnerable pin."""
    project = _project(tmp_path / "proj")
    before = _run("security", project, "--format", "json", "--telemetry", "off", env=env)
    assert 0 == before.returncode, before.stderr
    rules = [f["rule_id"] for f in json.loads(before.stdout)["findings"]]
    assert "security:advisory-db-missing" in rules  # never a silent pass
    assert "security:vulnerable-dependency" not in rules

    update = _run("advisories", "update", "--url", osv_server, env=env)
    assert 0 == update.returncode, update.stderr
    assert "Stored 2 advisories" in update.stdout
    info = _run("advisories", "info", env=env)
    assert osv_server in info.stdout
    assert "(0 days old)" in info.stdout

    after = _run("security", project, "--format", "json", "--telemetry", "off", env=env)
    findings = json.loads(after.stdout)["findings"]
    by_rule = {f["rule_id"]: f for f in findings}
    assert {
        "security:command-injection",
        "security:hardcoded-password",
        "security:hardcoded-secret",
        "security:vulnerable-dependency",
    } <= set(by_rule)
    deps = sorted(
        (
            f["location"]["file"],
            f["metadata"]["package"],
            f["severity"],
            f["metadata"]["fixed_version"],
        )
        for f in findings
        if f["rule_id"] == "security:vulnerable-dependency"
    )
    assert [
        ("base.txt", "django", "error", "3.0.3"),
        ("base.txt", "requests", "warning", "2.31.0"),
    ] == deps
    message = by_rule["security:vulnerable-dependency"]["message"]
    assert "days old" in message
    assert "CVE-" in message


def test_an_unreachable_advisory_server_is_an_error_not_a_silent_pass(
    tmp_path: Path, env: dict[str, str]
) -> None:
    result = _run("advisories", "update", "--url", "http://127.0.0.1:9/all.zip", env=env)
    assert 1 == result.returncode
    assert "could not update the advisory database" in result.stderr


def test_an_explicit_advisories_export_is_used_without_a_database(
    tmp_path: Path, env: dict[str, str]
) -> None:
    project = _project(tmp_path / "proj")
    export = tmp_path / "osv"
    export.mkdir()
    for entry in ADVISORIES:
        (export / f"{entry['id']}.json").write_text(json.dumps(entry), encoding="utf-8")
    result = _run(
        "security",
        project,
        "--advisories",
        export,
        "--format",
        "json",
        "--telemetry",
        "off",
        env=env,
    )
    advisories = sorted(
        f["metadata"]["advisory"]
        for f in json.loads(result.stdout)["findings"]
        if f["rule_id"] == "security:vulnerable-dependency"
    )
    assert ["GHSA-hmr4-m2h5-33qx", "GHSA-j8r2-6x86-q33q"] == advisories


def _leaks(canary: str, root: Path, *texts: str) -> list[str]:
    found = [f"output {i}" for i, text in enumerate(texts) if canary in text]
    for path in root.rglob("*"):
        if path.is_file() and canary.encode() in path.read_bytes():
            found.append(str(path))
    return found


_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"


@settings(
    max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(body=st.text(_ALPHABET, min_size=36, max_size=36))
def test_canary_secrets_never_appear_on_any_output_path(
    tmp_path_factory: pytest.TempPathFactory, body: str
) -> None:
    """security and health, every format, telemetry on with a json-file backend: stdout,
    stderr, every file under .chaffra/ and the result cache hold only redacted forms."""
    canary = "ghp_" + body
    base = tmp_path_factory.mktemp("canary")
    project = _project(base / "proj", canary)
    env = {**os.environ, "CHAFFRA_CACHE_DIR": str(base / "cache"), "NO_COLOR": "1"}
    outputs: list[str] = []
    for command in ("security", "health"):
        for fmt in FORMATS:
            result = _run(
                command,
                project,
                "--format",
                fmt,
                "--telemetry",
                "on",
                "--telemetry-backend",
                "json-file",
                env=env,
            )
            # health exits 1: the planted secrets cap and sink the small project's score.
            assert result.returncode == (1 if command == "health" else 0), result.stderr
            outputs += [result.stdout, result.stderr]
    assert any("ghp_…#" in text for text in outputs)
    assert (project / ".chaffra").is_dir()
    sources = {project / "app.py", project / ".env"}
    leaked = [p for p in _leaks(canary, base, *outputs) if Path(p) not in sources]
    assert [] == leaked
