"""The churn state file (scoped v2, legacy v1), its fail-safe loading and the project lock."""

from __future__ import annotations

import fcntl
import json
import os
import select
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from chaffra_telemetry._churn import ChurnState, FindingFingerprint, hash_fingerprints
from chaffra_telemetry._churn_state import (
    LOCK_FILE,
    _read_document,
    load_state,
    project_lock,
    save_state,
    state_path,
)
from chaffra_telemetry.errors import (
    ChurnLoadError,
    ChurnLockTimeout,
    ChurnStateParseError,
    ChurnStateReadError,
    TelemetryIOError,
)

WORKER = Path(__file__).with_name("churn_worker.py")
TIMEOUT_S = 30.0

A = FindingFingerprint(rule_id="dead-code:unused-function", file="pkg/util.py", start_line=14)
B = FindingFingerprint(rule_id="security:eval", file="main.py", start_line=7, anchor="h")


def make_state(*fingerprints: FindingFingerprint, timestamp_ms: int = 1) -> ChurnState:
    fps = frozenset(fingerprints)
    return ChurnState(
        fingerprints=fps, findings_hash=hash_fingerprints(fps), timestamp_ms=timestamp_ms
    )


def write_state_file(root: Path, document: Any) -> Path:
    path = state_path(root)
    path.parent.mkdir(exist_ok=True)
    path.write_text(json.dumps(document), encoding="utf-8")
    return path


def v2(fingerprint: dict[str, Any] | None = None, **fields: Any) -> dict[str, Any]:
    """A v2 document with one scope ``dead-code``; ``fields`` override the scope's fields."""
    row = {"rule_id": "r", "file": "a.py", "start_line": 1, "anchor": ""}
    scope = {
        "fingerprints": [{**row, **(fingerprint or {})}],
        "findings_hash": 1,
        "timestamp_ms": 2,
    }
    return {"version": 2, "scopes": {"dead-code": {**scope, **fields}}}


# -- file format ---------------------------------------------------------------------------


def test_state_lives_in_the_project_chaffra_directory(tmp_path: Path) -> None:
    assert tmp_path / ".chaffra" / "telemetry-state.json" == state_path(tmp_path)


def test_saved_state_loads_back_equal(tmp_path: Path) -> None:
    state = make_state(A, B, timestamp_ms=1718003600000)
    save_state(tmp_path, "dead-code", state)
    assert state == load_state(tmp_path, "dead-code")


def test_saved_file_is_pretty_sorted_v2_json(tmp_path: Path) -> None:
    save_state(tmp_path, "security", make_state(B, A, timestamp_ms=5))
    save_state(tmp_path, "dead-code", make_state(timestamp_ms=6))
    rows = [
        {"rule_id": A.rule_id, "file": A.file, "start_line": 14, "anchor": ""},
        {"rule_id": B.rule_id, "file": B.file, "start_line": 7, "anchor": "h"},
    ]
    expected = {
        "version": 2,
        "scopes": {
            "dead-code": {
                "fingerprints": [],
                "findings_hash": hash_fingerprints([]),
                "timestamp_ms": 6,
            },
            "security": {
                "fingerprints": rows,
                "findings_hash": hash_fingerprints([A, B]),
                "timestamp_ms": 5,
            },
        },
    }
    assert json.dumps(expected, indent=2) + "\n" == state_path(tmp_path).read_text(encoding="utf-8")


def test_saving_creates_the_chaffra_directory_with_a_gitignore(tmp_path: Path) -> None:
    save_state(tmp_path, "dead-code", make_state(A))
    assert "*\n" == (tmp_path / ".chaffra" / ".gitignore").read_text(encoding="utf-8")


def test_state_file_is_readable_by_its_owner_only(tmp_path: Path) -> None:
    save_state(tmp_path, "dead-code", make_state(A))
    save_state(tmp_path, "security", make_state(B))
    assert 0o600 == state_path(tmp_path).stat().st_mode & 0o777


def test_missing_file_means_no_previous_state(tmp_path: Path) -> None:
    assert load_state(tmp_path, "dead-code") is None


def test_missing_scope_means_no_previous_state(tmp_path: Path) -> None:
    save_state(tmp_path, "security", make_state(B))
    assert load_state(tmp_path, "dead-code") is None


def test_scopes_are_kept_independent(tmp_path: Path) -> None:
    """Running ``security`` after ``dead-code`` must not replace dead-code's findings."""
    dead_code, security = make_state(A), make_state(B, timestamp_ms=9)
    save_state(tmp_path, "dead-code", dead_code)
    save_state(tmp_path, "security", security)
    assert (dead_code, security) == (
        load_state(tmp_path, "dead-code"),
        load_state(tmp_path, "security"),
    )


def test_saving_a_scope_again_replaces_only_that_scope(tmp_path: Path) -> None:
    save_state(tmp_path, "dead-code", make_state(A))
    save_state(tmp_path, "security", make_state(B))
    save_state(tmp_path, "dead-code", make_state(B, timestamp_ms=3))
    assert (make_state(B, timestamp_ms=3), make_state(B)) == (
        load_state(tmp_path, "dead-code"),
        load_state(tmp_path, "security"),
    )


def test_a_v1_file_is_read_as_the_legacy_scope(tmp_path: Path) -> None:
    write_state_file(
        tmp_path,
        {
            "fingerprints": [{"rule_id": A.rule_id, "file": A.file, "start_line": 14}],
            "findings_hash": 9876543210987654321,
            "timestamp_ms": 1718003600000,
            "written_by": "an older chaffra",
        },
    )
    expected = ChurnState(
        fingerprints=frozenset({A}), findings_hash=9876543210987654321, timestamp_ms=1718003600000
    )
    assert (expected, None) == (load_state(tmp_path, "legacy"), load_state(tmp_path, "dead-code"))


def test_saving_over_a_v1_file_keeps_it_as_the_legacy_scope(tmp_path: Path) -> None:
    write_state_file(tmp_path, {"fingerprints": [], "findings_hash": 1, "timestamp_ms": 2})
    save_state(tmp_path, "dead-code", make_state(A))
    document = json.loads(state_path(tmp_path).read_text(encoding="utf-8"))
    assert (2, ["dead-code", "legacy"]) == (document["version"], list(document["scopes"]))
    assert ChurnState(fingerprints=frozenset(), findings_hash=1, timestamp_ms=2) == load_state(
        tmp_path, "legacy"
    )


def test_duplicate_fingerprint_rows_collapse(tmp_path: Path) -> None:
    document = v2()
    rows = document["scopes"]["dead-code"]["fingerprints"]
    rows.append(dict(rows[0]))
    write_state_file(tmp_path, document)
    state = load_state(tmp_path, "dead-code")
    assert state is not None
    assert 1 == len(state.fingerprints)


@pytest.mark.parametrize("scope", ["", None])
def test_an_empty_scope_is_a_usage_error(tmp_path: Path, scope: Any) -> None:
    with pytest.raises(ValueError, match="churn scope must be a non-empty string"):
        load_state(tmp_path, scope)
    with pytest.raises(ValueError, match="churn scope must be a non-empty string"):
        save_state(tmp_path, scope, make_state())


# -- unusable files are reported and never overwritten ---------------------------------------


def test_corrupt_json_is_a_parse_error_naming_the_path(tmp_path: Path) -> None:
    path = state_path(tmp_path)
    path.parent.mkdir()
    path.write_text('{"version": 2, "scopes": {', encoding="utf-8")
    with pytest.raises(ChurnStateParseError) as caught:
        load_state(tmp_path, "dead-code")
    assert path == caught.value.path
    assert str(path) in str(caught.value)
    assert "invalid JSON" in caught.value.detail


def test_save_refuses_to_overwrite_a_corrupt_file(tmp_path: Path) -> None:
    path = state_path(tmp_path)
    path.parent.mkdir()
    path.write_bytes(b"not json at all")
    with pytest.raises(ChurnStateParseError):
        save_state(tmp_path, "dead-code", make_state(A))
    assert b"not json at all" == path.read_bytes()


MALFORMED: dict[str, Any] = {
    "bool start_line": v2({"start_line": True}),
    "string start_line": v2({"start_line": "14"}),
    "float start_line": v2({"start_line": 14.0}),
    "start_line 2**32": v2({"start_line": 2**32}),
    "negative start_line": v2({"start_line": -1}),
    "int rule_id": v2({"rule_id": 5}),
    "null file": v2({"file": None}),
    "int anchor": v2({"anchor": 1}),
    "missing rule_id": v2(fingerprints=[{"file": "a", "start_line": 1}]),
    "hash -1": v2(findings_hash=-1),
    "hash 2**64": v2(findings_hash=2**64),
    "bool hash": v2(findings_hash=True),
    "NaN hash": v2(findings_hash=float("nan")),
    "string timestamp": v2(timestamp_ms="5"),
    "negative timestamp": v2(timestamp_ms=-5),
    "fingerprints object": v2(fingerprints={}),
    "fingerprint row not an object": v2(fingerprints=[3]),
    "missing findings_hash": {
        "version": 2,
        "scopes": {"dead-code": {"fingerprints": [], "timestamp_ms": 1}},
    },
    "scope not an object": {"version": 2, "scopes": {"dead-code": []}},
    "scopes not an object": {"version": 2, "scopes": []},
    "missing scopes": {"version": 2},
    "version 3": {"version": 3, "scopes": {}},
    "version 1": {"version": 1, "scopes": {}},
    "string version": {"version": "2", "scopes": {}},
    "bool version": {"version": True, "scopes": {}},
    "v1 bool start_line": {
        "fingerprints": [{"rule_id": "r", "file": "a", "start_line": False}],
        "findings_hash": 1,
        "timestamp_ms": 1,
    },
    "v1 missing timestamp": {"fingerprints": [], "findings_hash": 1},
    "top-level array": [],
    "top-level string": "version",
    "top-level null": None,
}


@pytest.mark.parametrize("document", MALFORMED.values(), ids=MALFORMED.keys())
def test_every_malformed_document_is_rejected_and_kept(tmp_path: Path, document: Any) -> None:
    path = write_state_file(tmp_path, document)
    before = path.read_bytes()
    with pytest.raises(ChurnStateParseError) as caught:
        load_state(tmp_path, "dead-code")
    assert path == caught.value.path
    with pytest.raises(ChurnStateParseError):
        save_state(tmp_path, "dead-code", make_state(A))
    assert before == path.read_bytes()


def test_parse_errors_say_what_is_wrong_and_where(tmp_path: Path) -> None:
    write_state_file(tmp_path, v2({"start_line": 2**32}) | {"extra": "ignored"})
    with pytest.raises(ChurnStateParseError) as caught:
        load_state(tmp_path, "dead-code")
    where = "$.scopes['dead-code'].fingerprints[0]"
    assert f"start_line must be in 0..4294967295, got 4294967296 @ {where}" == caught.value.detail


def test_a_missing_field_is_reported_as_missing(tmp_path: Path) -> None:
    write_state_file(tmp_path, {"fingerprints": [], "timestamp_ms": 1})
    with pytest.raises(ChurnStateParseError) as caught:
        load_state(tmp_path, "legacy")
    assert "required field missing @ $.findings_hash" == caught.value.detail


def test_a_directory_in_place_of_the_file_is_a_read_error(tmp_path: Path) -> None:
    state_path(tmp_path).mkdir(parents=True)
    with pytest.raises(ChurnStateReadError) as caught:
        load_state(tmp_path, "dead-code")
    assert state_path(tmp_path) == caught.value.path
    with pytest.raises(ChurnStateReadError):
        save_state(tmp_path, "dead-code", make_state(A))
    assert state_path(tmp_path).is_dir()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc/self/mem is Linux's")
def test_a_read_failing_after_the_open_is_a_read_error() -> None:
    """``/proc/self/mem`` opens as a regular file, then every read fails with EIO."""
    with pytest.raises(ChurnStateReadError, match="Input/output error"):
        _read_document(Path("/proc/self/mem"))


def test_a_file_in_place_of_the_chaffra_directory_is_a_read_error(tmp_path: Path) -> None:
    (tmp_path / ".chaffra").write_text("x", encoding="utf-8")
    with pytest.raises(ChurnStateReadError):
        load_state(tmp_path, "dead-code")


def test_bytes_that_are_not_utf8_are_a_read_error(tmp_path: Path) -> None:
    path = state_path(tmp_path)
    path.parent.mkdir()
    path.write_bytes(b'{"version": 2, "scopes": {"\xff": 1}}')
    with pytest.raises(ChurnStateReadError, match="not UTF-8"):
        load_state(tmp_path, "dead-code")


def test_deeply_nested_json_is_a_parse_error(tmp_path: Path) -> None:
    path = state_path(tmp_path)
    path.parent.mkdir()
    path.write_text("[" * 200_000, encoding="utf-8")
    with pytest.raises(ChurnStateParseError):
        load_state(tmp_path, "dead-code")


def test_load_errors_share_one_base_class() -> None:
    assert issubclass(ChurnStateParseError, ChurnLoadError)
    assert issubclass(ChurnStateReadError, ChurnLoadError)


# -- locking -----------------------------------------------------------------------------------


def add_under_lock(root: Path, fingerprint: FindingFingerprint) -> None:
    with project_lock(root, timeout_s=TIMEOUT_S):
        previous = load_state(root, "dead-code")
        known = previous.fingerprints if previous else frozenset()
        save_state(root, "dead-code", make_state(*known, fingerprint))


def test_threads_updating_under_the_lock_lose_no_update(tmp_path: Path) -> None:
    threads_n, rounds = 8, 5
    barrier = threading.Barrier(threads_n, timeout=TIMEOUT_S)
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            barrier.wait()
            for line in range(rounds):
                mine = FindingFingerprint(rule_id=f"t{worker}", file="a.py", start_line=line)
                add_under_lock(tmp_path, mine)
        except BaseException as error:  # reported below; a thread cannot fail the test itself
            errors.append(error)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(threads_n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(TIMEOUT_S)
    assert [] == errors
    state = load_state(tmp_path, "dead-code")
    assert state is not None
    assert threads_n * rounds == len(state.fingerprints)


def test_the_lock_is_not_reentrant_and_times_out(tmp_path: Path) -> None:
    with (
        project_lock(tmp_path),
        pytest.raises(ChurnLockTimeout) as caught,
        project_lock(tmp_path, timeout_s=0),
    ):
        pass
    assert tmp_path / ".chaffra" / LOCK_FILE == caught.value.path


def test_the_lock_is_per_canonical_root(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "alias").symlink_to(tmp_path, target_is_directory=True)
    with project_lock(tmp_path):
        for spelling in (tmp_path / "sub" / "..", tmp_path / "alias"):
            with pytest.raises(ChurnLockTimeout), project_lock(spelling, timeout_s=0):
                pass
        with project_lock(tmp_path / "sub", timeout_s=0):
            pass


def test_a_thread_waits_for_the_lock_held_by_another_thread(tmp_path: Path) -> None:
    held, release = threading.Event(), threading.Event()

    def holder() -> None:
        with project_lock(tmp_path):
            held.set()
            release.wait(TIMEOUT_S)

    thread = threading.Thread(target=holder)
    thread.start()
    try:
        assert held.wait(TIMEOUT_S)
        with pytest.raises(ChurnLockTimeout), project_lock(tmp_path, timeout_s=0.05):
            pass
    finally:
        release.set()
        thread.join(TIMEOUT_S)
    with project_lock(tmp_path, timeout_s=TIMEOUT_S):
        pass


def test_the_lock_can_be_taken_again_after_release_and_after_an_error(tmp_path: Path) -> None:
    with project_lock(tmp_path):
        pass
    with pytest.raises(RuntimeError), project_lock(tmp_path):
        raise RuntimeError("boom")
    with project_lock(tmp_path, timeout_s=0):
        pass


@pytest.mark.parametrize("timeout_s", [-1.0, float("nan"), float("inf")])
def test_an_invalid_timeout_is_a_usage_error(tmp_path: Path, timeout_s: float) -> None:
    with (
        pytest.raises(ValueError, match="timeout_s must be a finite number >= 0"),
        project_lock(tmp_path, timeout_s=timeout_s),
    ):
        pass


def test_an_unopenable_lock_file_is_an_io_error(tmp_path: Path) -> None:
    (tmp_path / ".chaffra" / LOCK_FILE).mkdir(parents=True)
    with pytest.raises(TelemetryIOError, match=r"cannot open .*lock"), project_lock(tmp_path):
        pass
    (tmp_path / ".chaffra" / LOCK_FILE).rmdir()
    with project_lock(tmp_path, timeout_s=0):  # the failed attempt released the thread lock
        pass


def test_a_symlinked_state_file_is_neither_read_nor_replaced(tmp_path: Path) -> None:
    secret = tmp_path / "secret.json"
    secret.write_text(json.dumps({"version": 2, "scopes": {}}), encoding="utf-8")
    (tmp_path / ".chaffra").mkdir()
    state_path(tmp_path).symlink_to(secret)
    with pytest.raises(ChurnStateReadError, match="symbolic link"):
        load_state(tmp_path, "health")
    with pytest.raises(ChurnStateReadError, match="symbolic link"):
        save_state(tmp_path, "health", make_state())
    assert state_path(tmp_path).is_symlink()


def test_a_symlinked_lock_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / ".chaffra").mkdir()
    (tmp_path / ".chaffra" / LOCK_FILE).symlink_to(tmp_path / "elsewhere")
    with pytest.raises(TelemetryIOError, match="symbolic link"), project_lock(tmp_path):
        pass
    assert not (tmp_path / "elsewhere").exists()


def test_a_failing_flock_is_an_io_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(_fd: int, _operation: int) -> None:
        raise OSError(37, "No locks available")

    monkeypatch.setattr(fcntl, "flock", refuse)
    with pytest.raises(TelemetryIOError, match="No locks available"), project_lock(tmp_path):
        pass


def test_a_missing_project_root_is_an_io_error(tmp_path: Path) -> None:
    with pytest.raises(TelemetryIOError), project_lock(tmp_path / "absent"):
        pass


# -- other processes -----------------------------------------------------------------------


@pytest.fixture
def spawn() -> Iterator[Any]:
    """Start ``churn_worker.py`` children; any still running at the end are killed."""
    children: list[subprocess.Popen[bytes]] = []

    def start(*args: str) -> subprocess.Popen[bytes]:
        child = subprocess.Popen(
            [sys.executable, str(WORKER), *args], stdin=subprocess.PIPE, stdout=subprocess.PIPE
        )
        children.append(child)
        return child

    yield start
    for child in children:
        if child.poll() is None:
            child.kill()
        child.wait(TIMEOUT_S)
        for stream in (child.stdin, child.stdout):
            if stream is not None:
                stream.close()


def expect(child: subprocess.Popen[bytes], message: str) -> None:
    """Wait (bounded) for the child to print ``message``."""
    assert child.stdout is not None
    ready, _, _ = select.select([child.stdout], [], [], TIMEOUT_S)
    assert ready, f"worker did not say {message!r} within {TIMEOUT_S} s"
    assert message == child.stdout.readline().decode().strip()


def tell(child: subprocess.Popen[bytes]) -> None:
    assert child.stdin is not None
    child.stdin.write(b"go\n")
    child.stdin.flush()


def test_processes_updating_under_the_lock_lose_no_update(tmp_path: Path, spawn: Any) -> None:
    workers, rounds = 4, 10
    children = [spawn("add", str(tmp_path), str(n), str(rounds)) for n in range(workers)]
    for child in children:
        expect(child, "ready")
    for child in children:
        tell(child)
    for child in children:
        expect(child, "done")
        assert 0 == child.wait(TIMEOUT_S)
    state = load_state(tmp_path, "dead-code")
    assert state is not None
    expected = {
        FindingFingerprint(rule_id=f"worker-{n}", file="a.py", start_line=line)
        for n in range(workers)
        for line in range(rounds)
    }
    assert expected == state.fingerprints
    assert hash_fingerprints(expected) == state.findings_hash


def test_a_lock_held_by_another_process_times_out(tmp_path: Path, spawn: Any) -> None:
    holder = spawn("hold", str(tmp_path))
    expect(holder, "locked")
    with pytest.raises(ChurnLockTimeout) as caught, project_lock(tmp_path, timeout_s=0.2):
        pass
    assert "0.2 s" in str(caught.value)
    tell(holder)
    assert 0 == holder.wait(TIMEOUT_S)
    with project_lock(tmp_path, timeout_s=TIMEOUT_S):
        pass


def test_a_process_killed_during_a_save_leaves_the_previous_state(
    tmp_path: Path, spawn: Any
) -> None:
    previous = make_state(A, B, timestamp_ms=1)
    save_state(tmp_path, "dead-code", previous)
    before = state_path(tmp_path).read_bytes()
    child = spawn("stall-save", str(tmp_path))
    expect(child, "replacing")
    os.kill(child.pid, signal.SIGKILL)
    assert -signal.SIGKILL == child.wait(TIMEOUT_S)
    assert before == state_path(tmp_path).read_bytes()
    assert previous == load_state(tmp_path, "dead-code")
    # The killed child's temp file is left behind; it does not disturb later saves.
    save_state(tmp_path, "dead-code", make_state(A, timestamp_ms=2))
    assert make_state(A, timestamp_ms=2) == load_state(tmp_path, "dead-code")
