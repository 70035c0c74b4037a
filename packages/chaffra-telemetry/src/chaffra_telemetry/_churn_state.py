"""The churn state file ``<root>/.chaffra/telemetry-state.json`` and the project lock.

The file maps a scope (the command, e.g. ``dead-code``) to the previous run's
:class:`~chaffra_telemetry._churn.ChurnState`, so running one command never
makes another one's findings look resolved::

    {"version": 2,
     "scopes": {"dead-code": {"fingerprints": [...], "findings_hash": 1, "timestamp_ms": 2}}}

A version-less (v1) file holding one state at the top level is read as the
scope ``legacy``. :func:`project_lock` serializes load -> save per project root
across threads and processes; it relies on ``fcntl.flock`` (Linux and macOS only).
"""

from __future__ import annotations

import contextlib
import fcntl
import functools
import json
import math
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, override

from chaffra_telemetry._atomic import atomic_write_text
from chaffra_telemetry._churn import ChurnState, register_churn_hooks
from chaffra_telemetry._converter import dumps, make_converter
from chaffra_telemetry._project_dir import PROJECT_DIR, open_nofollow, safe_project_dir
from chaffra_telemetry.errors import (
    ChurnLockTimeout,
    ChurnStateParseError,
    ChurnStateReadError,
    TelemetryIOError,
)

__all__ = [
    "LEGACY_SCOPE",
    "LOCK_FILE",
    "STATE_FILE",
    "STATE_VERSION",
    "load_state",
    "project_lock",
    "save_state",
    "state_path",
]

STATE_FILE = "telemetry-state.json"
LOCK_FILE = "telemetry-state.lock"
STATE_VERSION = 2
LEGACY_SCOPE = "legacy"
"""Scope under which a v1 (unscoped) state file is read."""

_MAX_POLL_S = 0.05


def _check_version(_instance: object, _attribute: object, value: Any) -> None:
    if type(value) is not int or value != STATE_VERSION:
        raise ValueError(f"unsupported state file version {value!r} (expected {STATE_VERSION})")


@attrs.frozen(kw_only=True)
class _StateDocument:
    version: int = attrs.field(validator=_check_version)
    scopes: dict[str, ChurnState]


def _make_state_converter() -> cattrs.Converter:
    converter = register_churn_hooks(make_converter())
    converter.register_structure_hook(
        _StateDocument,
        make_dict_structure_fn(
            _StateDocument,
            converter,
            _cattrs_forbid_extra_keys=False,
            version=override(struct_hook=lambda value, _type: value),
        ),
    )
    return converter


@functools.cache
def _converter() -> cattrs.Converter:
    """Built on first use: generating the hooks at import would slow every command."""
    return _make_state_converter()


def state_path(root: Path) -> Path:
    """The churn state file of the project at ``root``."""
    return root / PROJECT_DIR / STATE_FILE


def load_state(root: Path, scope: str) -> ChurnState | None:
    """The state saved for ``scope``, or ``None`` when the file or the scope does not exist.

    Raises:
        ValueError: ``scope`` is empty.
        ChurnStateReadError: the file exists but cannot be read or is not UTF-8.
        ChurnStateParseError: the file is not valid JSON or not a valid state
            document (wrong version, missing or ill-typed field, value out of range).
    """
    _check_scope(scope)
    document = _read_document(state_path(root))
    return None if document is None else document.scopes.get(scope)


def save_state(root: Path, scope: str, state: ChurnState) -> None:
    """Store ``state`` under ``scope``, keeping the other scopes; the write is atomic.

    Call it under :func:`project_lock`. A v1 file is rewritten as v2 with its
    state kept under ``legacy``. The file is owner-only (0600).

    Raises:
        ValueError: ``scope`` is empty.
        ChurnStateReadError, ChurnStateParseError: the existing file is unusable;
            it is left untouched rather than overwritten.
        TelemetryIOError: the file or its directory could not be written.
    """
    _check_scope(scope)
    path = state_path(root)
    document = _read_document(path)
    scopes = {} if document is None else dict(document.scopes)
    scopes[scope] = state
    updated = _StateDocument(version=STATE_VERSION, scopes=dict(sorted(scopes.items())))
    safe_project_dir(root)
    atomic_write_text(path, dumps(_converter().unstructure(updated), indent=2) + "\n")


def _check_scope(scope: str) -> None:
    if not scope:
        raise ValueError("churn scope must be a non-empty string, got ''")


def _read_document(path: Path) -> _StateDocument | None:
    try:
        with open(open_nofollow(path, os.O_RDONLY), "rb") as stream:
            data = stream.read()
    except FileNotFoundError:
        return None
    except TelemetryIOError as error:  # a symlink is never read: it may point anywhere
        raise ChurnStateReadError(path, str(error)) from error
    except OSError as error:
        raise ChurnStateReadError(path, error.strerror or str(error)) from error
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ChurnStateReadError(path, f"not UTF-8 ({error})") from error
    try:
        raw = json.loads(text)
    except (ValueError, RecursionError) as error:
        raise ChurnStateParseError(path, f"invalid JSON ({error})") from error
    if not isinstance(raw, dict):
        raise ChurnStateParseError(path, f"expected a JSON object, got {type(raw).__name__}")
    try:
        if "version" in raw:
            return _converter().structure(raw, _StateDocument)
        legacy = _converter().structure(raw, ChurnState)
    except (cattrs.BaseValidationError, ValueError, TypeError) as error:
        raise ChurnStateParseError(path, _describe(error)) from error
    return _StateDocument(version=STATE_VERSION, scopes={LEGACY_SCOPE: legacy})


def _describe(error: Exception) -> str:
    def format_exception(exc: BaseException, type_: object) -> str:
        if isinstance(exc, KeyError):
            return "required field missing"
        return str(exc) or type(exc).__name__

    return "; ".join(cattrs.transform_error(error, format_exception=format_exception))


_REGISTRY_LOCK = threading.Lock()
_ROOT_LOCKS: dict[str, threading.Lock] = {}


def _thread_lock(root: Path) -> threading.Lock:
    key = os.path.realpath(root)
    with _REGISTRY_LOCK:
        return _ROOT_LOCKS.setdefault(key, threading.Lock())


@contextlib.contextmanager
def project_lock(root: Path, *, timeout_s: float = 10.0) -> Iterator[None]:
    """Hold the churn lock of the project at ``root``, from loading the state to saving it.

    Combines an in-process lock per canonical root (threads) with an advisory
    ``fcntl.flock`` on ``<root>/.chaffra/telemetry-state.lock`` (processes),
    waiting at most ``timeout_s`` in total. Not reentrant: nesting it for the
    same root in one thread times out. POSIX only (Linux, macOS).

    Raises:
        ValueError: ``timeout_s`` is negative or not finite.
        ChurnLockTimeout: another thread or process held the lock past ``timeout_s``.
        TelemetryIOError: the ``.chaffra`` directory or the lock file could not be created.
    """
    if not (math.isfinite(timeout_s) and timeout_s >= 0):
        raise ValueError(f"timeout_s must be a finite number >= 0, got {timeout_s!r}")
    deadline = time.monotonic() + timeout_s
    lock_path = safe_project_dir(root) / LOCK_FILE
    thread_lock = _thread_lock(root)
    if not thread_lock.acquire(timeout=min(timeout_s, threading.TIMEOUT_MAX)):
        raise ChurnLockTimeout(lock_path, timeout_s)
    try:
        fd = _open_lock_file(lock_path)
        try:
            _flock_until(fd, lock_path, deadline, timeout_s)
            yield
        finally:
            os.close(fd)  # closing the only descriptor releases the flock
    finally:
        thread_lock.release()


def _open_lock_file(lock_path: Path) -> int:
    return open_nofollow(lock_path, os.O_RDWR | os.O_CREAT)


def _flock_until(fd: int, lock_path: Path, deadline: float, timeout_s: float) -> None:
    delay = 0.001
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ChurnLockTimeout(lock_path, timeout_s) from None
            time.sleep(min(delay, remaining))
            delay = min(delay * 2, _MAX_POLL_S)
        except OSError as error:
            raise TelemetryIOError(f"cannot lock {lock_path}: {error}") from error
        else:
            return
