"""The real ``chaffra`` on hostile projects and damaged stores.

It never writes outside ``.chaffra/``, never follows a symlink there, and
telemetry never changes a run's report or exit status.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from _servers import running_server

TIMEOUT = 120
MODULE = "def f(a):\n    if a:\n        return 1\n    return 2\n"


def chaffra_command() -> list[str]:
    sibling = Path(sys.executable).with_name("chaffra")
    if sibling.is_file():
        return [str(sibling)]
    found = shutil.which("chaffra")
    return [found] if found else [sys.executable, "-m", "chaffra_cli"]


def chaffra(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*chaffra_command(), *map(str, args)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )


def project(tmp_path: Path, telemetry: str = "") -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    (root / "m.py").write_text(MODULE, encoding="utf-8")
    if telemetry:
        (root / ".chaffra.toml").write_text(f"[modules.telemetry]\n{telemetry}\n", "utf-8")
    return root


def warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("Warning:")]


# -- writes stay inside <project>/.chaffra/ ----------------------------------------------------


@pytest.mark.parametrize("target", ["victim", "../victim"])
def test_a_project_config_cannot_point_the_json_file_outside_chaffra(
    tmp_path: Path, target: str
) -> None:
    victim = tmp_path / "victim"
    victim.write_text("precious\n", encoding="utf-8")
    value = str(victim) if target == "victim" else target
    root = project(tmp_path, f'backend = "json-file"\npath = "{value}"')
    done = chaffra("health", root)
    assert 2 == done.returncode
    assert f'path = "{value}"' in done.stderr
    assert "inside .chaffra/" in done.stderr
    assert "precious\n" == victim.read_text(encoding="utf-8")
    assert not (root / ".chaffra").exists()


def test_a_symlinked_chaffra_dir_is_refused_and_the_report_is_unchanged(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    root = project(tmp_path)
    (root / ".chaffra").symlink_to(elsewhere)
    done = chaffra("health", root, "--format", "json")
    assert 0 == done.returncode
    assert 1 == json.loads(done.stdout)["summary"]["files_analyzed"]
    assert [
        "Warning: telemetry skipped, nothing written: refusing to use"
        f" {root / '.chaffra'}: it is a symbolic link (chaffra never writes through one)"
    ] == warnings(done.stderr)
    assert [] == list(elsewhere.iterdir())


def test_planted_symlinks_inside_chaffra_are_never_followed(tmp_path: Path) -> None:
    root = project(tmp_path)
    victim = tmp_path / "victim"
    victim.write_text("precious\n", encoding="utf-8")
    (root / ".chaffra").mkdir()
    for name in ("telemetry.json", "telemetry.db-wal", "telemetry-audit.log", ".gitignore"):
        (root / ".chaffra" / name).symlink_to(victim)
    done = chaffra("health", root, "--telemetry", "on")
    assert 0 == done.returncode
    assert "precious\n" == victim.read_text(encoding="utf-8")


# -- the project's own small files are never read blindly -------------------------------------


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_fifo_ignore_files_neither_hang_nor_change_the_report(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "sub").mkdir()
    (root / "sub" / "n.py").write_text(MODULE, encoding="utf-8")
    os.mkfifo(root / ".gitignore")
    os.mkfifo(root / "sub" / ".chaffraignore")
    done = chaffra("health", root, "--format", "json", "--telemetry", "off")
    assert (0, 2) == (done.returncode, json.loads(done.stdout)["summary"]["files_analyzed"])


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_a_fifo_config_file_is_a_config_error_not_a_hang(tmp_path: Path) -> None:
    root = project(tmp_path)
    os.mkfifo(root / ".chaffra.toml")
    done = chaffra("health", root, "--telemetry", "off")
    assert 2 == done.returncode
    assert "failed to read configuration file: not a regular file" in done.stderr


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs are POSIX")
def test_fifos_inside_chaffra_never_hang_a_run_or_change_its_report(tmp_path: Path) -> None:
    """A tarball can carry FIFOs where git cannot: none blocks the run or its telemetry."""
    root = project(tmp_path)
    (root / ".chaffra").mkdir()
    for name in ("telemetry.db", "telemetry-audit.log", "telemetry.json"):
        os.mkfifo(root / ".chaffra" / name)
    done = chaffra("health", root, "--format", "json", "--telemetry", "on")
    assert (0, 1) == (done.returncode, json.loads(done.stdout)["summary"]["files_analyzed"])
    assert "telemetry.db is not a regular file; moved it aside" in done.stderr
    log = chaffra("telemetry", "audit-log", root)
    assert 0 == log.returncode


# -- a damaged store: moved aside, replaced, one warning ---------------------------------------


def _not_sqlite(db: Path) -> None:
    db.write_bytes(b"\x00garbage" * 512)


def _future_schema(db: Path) -> None:
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    connection.close()


def _truncated(db: Path) -> None:
    data = db.read_bytes()
    db.write_bytes(data[: len(data) // 2])


@pytest.mark.parametrize("damage", [_not_sqlite, _future_schema, _truncated])
def test_a_damaged_store_is_moved_aside_and_the_run_reports_normally(
    tmp_path: Path, damage: object
) -> None:
    root = project(tmp_path)
    assert 0 == chaffra("health", root).returncode
    db = root / ".chaffra" / "telemetry.db"
    for _ in range(3):  # enough rows for a truncation to cut into them
        assert 0 == chaffra("health", root).returncode
    assert callable(damage)
    damage(db)
    done = chaffra("health", root, "--format", "json")
    assert (0, 1) == (done.returncode, json.loads(done.stdout)["summary"]["files_analyzed"])
    (line,) = warnings(done.stderr)
    assert "moved it aside to telemetry.db.corrupt-" in line
    assert any(p.name.startswith("telemetry.db.corrupt-") for p in db.parent.iterdir())
    again = chaffra("health", root)
    assert (0, []) == (again.returncode, warnings(again.stderr))


# -- backends: stdout is the report's, endpoints fail closed -----------------------------------


def test_cloudwatch_keeps_stdout_parseable_and_writes_emf_under_chaffra(tmp_path: Path) -> None:
    root = project(tmp_path)
    done = chaffra("health", root, "--format", "json", "--telemetry-backend", "cloudwatch")
    assert 0 == done.returncode
    json.loads(done.stdout)
    emf = (root / ".chaffra" / "cloudwatch-emf.jsonl").read_text(encoding="utf-8").splitlines()
    assert emf
    assert all("_aws" in json.loads(line) for line in emf)


def test_cloudwatch_writes_emf_to_stderr_when_asked(tmp_path: Path) -> None:
    root = project(tmp_path)
    args = ("--format", "sarif", "--telemetry-backend", "cloudwatch")
    done = chaffra("health", root, *args, "--telemetry-endpoint", "stderr")
    assert 0 == done.returncode
    assert "2.1.0" == json.loads(done.stdout)["version"]
    emf = [line for line in done.stderr.splitlines() if line.startswith('{"_aws"')]
    assert emf


@pytest.mark.parametrize(
    ("backend", "endpoint"),
    [("statsd", "127.0.0.1:99999"), ("otlp", "ftp://x"), ("statsd", "::::"), ("json-file", "x")],
)
def test_an_unusable_endpoint_exits_2_from_flags_and_from_the_project_file(
    tmp_path: Path, backend: str, endpoint: str
) -> None:
    root = project(tmp_path, f'backend = "{backend}"\nendpoint = "{endpoint}"')
    from_file = chaffra("health", root)
    assert 2 == from_file.returncode
    assert f'endpoint = "{endpoint}"' in from_file.stderr
    (root / ".chaffra.toml").unlink()
    flags = ("--telemetry-backend", backend, "--telemetry-endpoint", endpoint)
    from_flags = chaffra("health", root, *flags)
    assert 2 == from_flags.returncode
    assert f'--telemetry-endpoint = "{endpoint}"' in from_flags.stderr
    assert not (root / ".chaffra").exists()


# -- the management server ---------------------------------------------------------------------


def test_a_taken_port_fails_before_anything_is_analysed_or_written(tmp_path: Path) -> None:
    root = project(tmp_path)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        done = chaffra("management", root, "--port", str(port))
    assert 1 == done.returncode
    assert f"cannot listen on 127.0.0.1:{port}: address already in use" in done.stderr
    assert "--port 0" in done.stderr
    assert not (root / ".chaffra").exists()


def _promtool() -> str | None:
    found = shutil.which("promtool")
    if found is None and os.environ.get("CHAFFRA_REQUIRE_PROMTOOL") == "1":
        pytest.fail("CHAFFRA_REQUIRE_PROMTOOL=1 but promtool is not installed")
    return found


@pytest.mark.parametrize("audience", ["on", "user-only"])
def test_management_serves_metrics_that_promtool_accepts(tmp_path: Path, audience: str) -> None:
    promtool = _promtool()
    if promtool is None:
        pytest.skip("promtool is not installed (Debian: apt-get install prometheus)")
    root = project(tmp_path)
    command = [*chaffra_command(), "management", str(root), "--port", "0"]
    with running_server([*command, "--telemetry", audience]) as (url, lines, process):
        assert f"Prometheus: {url}metrics" in lines
        exposition = httpx.get(url + "metrics", timeout=TIMEOUT).text
        process.terminate()
        process.wait(timeout=TIMEOUT)
    assert "chaffra_analysis_files_total 1\n" in exposition
    assert ("chaffra_module_call_duration_seconds" in exposition) == (audience == "on")
    checked = subprocess.run(
        [promtool, "check", "metrics"],
        input=exposition,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=False,
    )
    assert (0, "", "") == (checked.returncode, checked.stdout, checked.stderr)


def test_the_seeded_demo_exposition_passes_promtool_too() -> None:
    promtool = _promtool()
    if promtool is None:
        pytest.skip("promtool is not installed (Debian: apt-get install prometheus)")
    command = [sys.executable, "-m", "chaffra_management", "--seeded", "--port", "0"]
    with running_server([*command, "--audience", "on"]) as (url, _, process):
        exposition = httpx.get(url + "metrics", timeout=TIMEOUT).text
        process.terminate()
        process.wait(timeout=TIMEOUT)
    checked = subprocess.run(
        [promtool, "check", "metrics"],
        input=exposition,
        capture_output=True,
        text=True,
        check=False,
    )
    assert (0, "") == (checked.returncode, checked.stdout + checked.stderr)


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "0.0.0.0"])
def test_allow_remote_without_a_token_is_refused_on_every_address(host: str) -> None:
    env = {k: v for k, v in os.environ.items() if k != "CHAFFRA_MANAGEMENT_TOKEN"}
    done = subprocess.run(
        [sys.executable, "-m", "chaffra_management", "--host", host, "--allow-remote"],
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        env=env,
        check=False,
    )
    assert 2 == done.returncode
    assert "--allow-remote needs a bearer token" in done.stderr
