"""The telemetry audit log ``<root>/.chaffra/telemetry-audit.log``.

One compact JSON object per line (JSON Lines), owner-only (0600), append-only::

    {"event":"backend_added","timestamp_ms":1718000000000,"user":null,"backend_kind":"statsd","backend_endpoint":"127.0.0.1:8125"}

The first key names the event (snake_case); the event's fields follow in a
fixed order and absent optional values are written as ``null``. Writing is best
effort (it never raises); reading skips and counts lines it cannot use.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import os
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, TypeAlias

import attrs
import cattrs
from cattrs.strategies import configure_tagged_union

from chaffra_telemetry._audience import TelemetryAudience
from chaffra_telemetry._collector import wall_clock_ms
from chaffra_telemetry._converter import make_converter, sanitize_floats
from chaffra_telemetry._project_dir import PROJECT_DIR, open_nofollow, safe_project_dir
from chaffra_telemetry.backends import format_number
from chaffra_telemetry.errors import TelemetryIOError

__all__ = [
    "AUDIT_LOG_FILE",
    "AuditEvent",
    "AuditReadResult",
    "BackendAdded",
    "BackendModified",
    "BackendRemoved",
    "PathModeChanged",
    "SamplingRateChanged",
    "TelemetryDisabled",
    "TelemetryEmitted",
    "TelemetryEnabled",
    "TenantIdChanged",
    "append_event",
    "audit_log_path",
    "current_user",
    "event_from_dict",
    "event_name",
    "event_to_dict",
    "export_log",
    "format_log",
    "log_backend_added",
    "log_backend_removed",
    "log_sampling_rate_changed",
    "log_telemetry_disabled",
    "log_telemetry_enabled",
    "log_tenant_id_changed",
    "read_log",
    "record_emission",
]

AUDIT_LOG_FILE = "telemetry-audit.log"
TAG_KEY = "event"
NO_EVENTS = "No telemetry audit events recorded."
_FILE_MODE = 0o600

Clock = Callable[[], int]


def _check_timestamp(_instance: object, _attribute: object, value: object) -> None:
    if type(value) is not int or value < 0:
        raise ValueError(f"timestamp_ms must be a non-negative int, got {value!r}")


def _timestamp() -> Any:
    return attrs.field(validator=_check_timestamp)


@attrs.frozen(kw_only=True)
class TelemetryEmitted:
    """A run emitted its telemetry (stored, and sent to the backends) under ``audience``.

    What :func:`record_emission` writes for every run that is not ``off``.
    """

    timestamp_ms: int = _timestamp()
    user: str | None
    audience: TelemetryAudience


@attrs.frozen(kw_only=True)
class TelemetryEnabled:
    """Telemetry with the operator scope was emitted (audience ``on`` or ``operator-only``).

    Written for every such run by earlier versions (now :class:`TelemetryEmitted`); still read.
    """

    timestamp_ms: int = _timestamp()
    user: str | None
    audience: TelemetryAudience


@attrs.frozen(kw_only=True)
class TelemetryDisabled:
    """Telemetry ran without the operator scope (audience ``user-only``).

    Written for every such run by earlier versions, a misleading name for a run
    that did emit user telemetry (now :class:`TelemetryEmitted`); still read.
    """

    timestamp_ms: int = _timestamp()
    user: str | None


@attrs.frozen(kw_only=True)
class BackendAdded:
    """A backend was configured."""

    timestamp_ms: int = _timestamp()
    user: str | None
    backend_kind: str
    backend_endpoint: str | None


@attrs.frozen(kw_only=True)
class BackendRemoved:
    """A backend was removed from the configuration."""

    timestamp_ms: int = _timestamp()
    user: str | None
    backend_kind: str


@attrs.frozen(kw_only=True)
class BackendModified:
    """One setting of a configured backend changed."""

    timestamp_ms: int = _timestamp()
    user: str | None
    backend_kind: str
    field: str
    old_value: str
    new_value: str


@attrs.frozen(kw_only=True)
class TenantIdChanged:
    """The tenant id changed (``old_value`` is ``None`` when there was none)."""

    timestamp_ms: int = _timestamp()
    user: str | None
    old_value: str | None
    new_value: str


@attrs.frozen(kw_only=True)
class PathModeChanged:
    """The path reporting mode changed."""

    timestamp_ms: int = _timestamp()
    user: str | None
    old_value: str
    new_value: str


@attrs.frozen(kw_only=True)
class SamplingRateChanged:
    """The sampling rate changed."""

    timestamp_ms: int = _timestamp()
    user: str | None
    old_value: float
    new_value: float


AuditEvent: TypeAlias = (
    TelemetryEmitted
    | TelemetryEnabled
    | TelemetryDisabled
    | BackendAdded
    | BackendRemoved
    | BackendModified
    | TenantIdChanged
    | PathModeChanged
    | SamplingRateChanged
)
"""Every event the audit log records."""

_EVENT_NAMES: Mapping[type, str] = {
    TelemetryEmitted: "telemetry_emitted",
    TelemetryEnabled: "telemetry_enabled",
    TelemetryDisabled: "telemetry_disabled",
    BackendAdded: "backend_added",
    BackendRemoved: "backend_removed",
    BackendModified: "backend_modified",
    TenantIdChanged: "tenant_id_changed",
    PathModeChanged: "path_mode_changed",
    SamplingRateChanged: "sampling_rate_changed",
}


def _strict_int(value: object, _: object) -> int:
    if type(value) is not int:
        raise TypeError(f"expected an integer, got {value!r}")
    return value


def _strict_str(value: object, _: object) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {value!r}")
    return value


def _strict_audience(value: object, _: object) -> TelemetryAudience:
    # Canonical spellings only (``operator-only``, never ``OperatorOnly``).
    return TelemetryAudience(_strict_str(value, str))


def _make_audit_converter() -> cattrs.Converter:
    # A derived package converter: strict about JSON types on read (the package
    # default would turn 12 into "12"), events tagged under "event".
    converter = make_converter()
    converter.register_structure_hook(int, _strict_int)
    converter.register_structure_hook(str, _strict_str)
    converter.register_structure_hook(TelemetryAudience, _strict_audience)
    configure_tagged_union(
        AuditEvent, converter, tag_generator=_EVENT_NAMES.__getitem__, tag_name=TAG_KEY
    )
    return converter


@functools.cache
def _converter() -> cattrs.Converter:
    """Built on first use: generating the hooks at import would slow every command."""
    return _make_audit_converter()


def event_name(event: AuditEvent) -> str:
    """The snake_case event type written under ``"event"`` (e.g. ``backend_added``)."""
    return _EVENT_NAMES[type(event)]


def event_to_dict(event: AuditEvent) -> dict[str, Any]:
    """The JSON object of ``event``: ``"event"`` first, then its fields in order.

    Non-finite floats become ``None``.
    """
    data: dict[str, Any] = _converter().unstructure(event, AuditEvent)
    tag = data.pop(TAG_KEY)
    return {TAG_KEY: tag, **data}


def event_from_dict(data: object) -> AuditEvent:
    """Parse one JSON object written by :func:`event_to_dict`.

    Raises:
        ValueError: ``data`` is not an object of a known event type with exactly
            its fields, correctly typed.
    """
    if not isinstance(data, dict) or not isinstance(data.get(TAG_KEY), str):
        raise ValueError(f"not an audit event: {data!r}")
    if data[TAG_KEY] not in _EVENT_NAMES.values():
        raise ValueError(f"unknown audit event type {data[TAG_KEY]!r}")
    try:
        structure = _converter().get_structure_hook(AuditEvent)
        event: AuditEvent = structure(data, AuditEvent)
    except cattrs.BaseValidationError as error:
        detail = "; ".join(cattrs.transform_error(error, path="event"))
        raise ValueError(f"malformed {data[TAG_KEY]} audit event: {detail}") from error
    return event


def audit_log_path(root: Path) -> Path:
    """The audit log of the project at ``root``."""
    return root / PROJECT_DIR / AUDIT_LOG_FILE


def current_user(environ: Mapping[str, str] | None = None) -> str | None:
    """``USER``, else ``USERNAME``, from ``environ`` (default ``os.environ``); empty -> ``None``."""
    env = os.environ if environ is None else environ
    return env.get("USER") or env.get("USERNAME") or None


# -- writing -----------------------------------------------------------------------------------


def append_event(event: AuditEvent, root: Path) -> bool:
    """Append ``event`` to the audit log of ``root``; return whether it was written.

    Best effort: serialization, directory creation, open and write failures are
    swallowed, so the caller is never affected. The file is created owner-only
    (0600) and tightened to 0600 if it already existed with a wider mode.
    """
    try:
        line = json.dumps(
            sanitize_floats(event_to_dict(event)), separators=(",", ":"), allow_nan=False
        )
        directory = safe_project_dir(root)
        fd = open_nofollow(directory / AUDIT_LOG_FILE, os.O_WRONLY | os.O_APPEND | os.O_CREAT)
        with open(fd, "ab") as stream:
            if os.stat(stream.fileno()).st_mode & 0o777 != _FILE_MODE:
                os.fchmod(stream.fileno(), _FILE_MODE)
            stream.write(line.encode("ascii") + b"\n")
    except Exception:
        # The contract is "never raises": auditing must not break the run it audits.
        return False
    return True


def record_emission(
    audience: TelemetryAudience,
    root: Path,
    *,
    user: str | None = None,
    clock: Clock = wall_clock_ms,
) -> bool:
    """Record one telemetry-emitting invocation at the emission boundary; return whether written.

    Every audience but ``off`` records ``telemetry_emitted`` with the audience;
    ``off`` records nothing and touches no file (the kill switch leaves no
    trace). ``user`` defaults to :func:`current_user`.
    """
    if audience is TelemetryAudience.OFF:
        return False
    event = TelemetryEmitted(timestamp_ms=clock(), user=_user(user), audience=audience)
    return append_event(event, root)


def log_telemetry_enabled(
    audience: TelemetryAudience,
    root: Path,
    *,
    user: str | None = None,
    clock: Clock = wall_clock_ms,
) -> bool:
    """Append ``telemetry_enabled`` stamped now; ``user`` defaults to :func:`current_user`."""
    event = TelemetryEnabled(timestamp_ms=clock(), user=_user(user), audience=audience)
    return append_event(event, root)


def log_telemetry_disabled(
    root: Path, *, user: str | None = None, clock: Clock = wall_clock_ms
) -> bool:
    """Append ``telemetry_disabled`` stamped now; ``user`` defaults to :func:`current_user`."""
    return append_event(TelemetryDisabled(timestamp_ms=clock(), user=_user(user)), root)


def log_backend_added(
    kind: str,
    endpoint: str | None,
    root: Path,
    *,
    user: str | None = None,
    clock: Clock = wall_clock_ms,
) -> bool:
    """Append ``backend_added`` stamped now; ``user`` defaults to :func:`current_user`."""
    event = BackendAdded(
        timestamp_ms=clock(), user=_user(user), backend_kind=kind, backend_endpoint=endpoint
    )
    return append_event(event, root)


def log_backend_removed(
    kind: str, root: Path, *, user: str | None = None, clock: Clock = wall_clock_ms
) -> bool:
    """Append ``backend_removed`` stamped now; ``user`` defaults to :func:`current_user`."""
    event = BackendRemoved(timestamp_ms=clock(), user=_user(user), backend_kind=kind)
    return append_event(event, root)


def log_sampling_rate_changed(
    old: float, new: float, root: Path, *, user: str | None = None, clock: Clock = wall_clock_ms
) -> bool:
    """Append ``sampling_rate_changed`` stamped now; ``user`` defaults to :func:`current_user`."""
    event = SamplingRateChanged(
        timestamp_ms=clock(), user=_user(user), old_value=old, new_value=new
    )
    return append_event(event, root)


def log_tenant_id_changed(
    old: str | None, new: str, root: Path, *, user: str | None = None, clock: Clock = wall_clock_ms
) -> bool:
    """Append ``tenant_id_changed`` stamped now; ``user`` defaults to :func:`current_user`."""
    event = TenantIdChanged(timestamp_ms=clock(), user=_user(user), old_value=old, new_value=new)
    return append_event(event, root)


def _user(user: str | None) -> str | None:
    return current_user() if user is None else user


# -- reading -----------------------------------------------------------------------------------


@attrs.frozen(kw_only=True)
class AuditReadResult:
    """The events of an audit log, in file order, and how many lines were skipped.

    ``skipped`` counts non-blank lines that were not valid UTF-8 or did not
    parse as a known event; blank lines are ignored and not counted.
    """

    events: tuple[AuditEvent, ...]
    skipped: int


def read_log(root: Path) -> AuditReadResult:
    """Read the audit log of ``root``; a missing or unreadable file (or a symlink) reads as empty.

    Reading continues after a bad line, so one corrupt line never hides later events.
    """
    try:
        with open(open_nofollow(audit_log_path(root), os.O_RDONLY), "rb") as stream:
            data = stream.read()
    except (OSError, TelemetryIOError):
        return AuditReadResult(events=(), skipped=0)
    events: list[AuditEvent] = []
    skipped = 0
    for raw in data.split(b"\n"):
        if not raw.strip():
            continue
        event = _parse_line(raw)
        if event is None:
            skipped += 1
        else:
            events.append(event)
    return AuditReadResult(events=tuple(events), skipped=skipped)


def _parse_line(raw: bytes) -> AuditEvent | None:
    try:
        return event_from_dict(json.loads(raw.decode("utf-8")))
    except (ValueError, RecursionError):  # UnicodeDecodeError and JSONDecodeError are ValueErrors
        return None


# -- display and export ------------------------------------------------------------------------


def format_log(events: Iterable[AuditEvent], *, skipped: int = 0) -> str:
    """The human-readable log: a title, a rule, then ``[<ms> <ISO-8601 UTC>] <event> <details>``.

    ``skipped`` (from :class:`AuditReadResult`) adds a closing line saying how
    many lines could not be read, so a damaged log never looks complete.
    """
    lines = [
        f"[{e.timestamp_ms} {_iso(e.timestamp_ms)}] {event_name(e)}{_details(e)}" for e in events
    ]
    lines = ["Telemetry Audit Log", "=" * 60, *lines] if lines else [NO_EVENTS]
    if skipped:
        lines.append(f"({skipped} unreadable line{'' if skipped == 1 else 's'} skipped)")
    return "\n".join(lines) + "\n"


def export_log(events: Iterable[AuditEvent], *, user: str | None = None) -> str:
    """All events (only ``user``'s when given) as a pretty JSON array, for access requests.

    Each element is the event's line object, so :func:`event_from_dict` reads it back.
    """
    selected = [event_to_dict(e) for e in events if user is None or e.user == user]
    return json.dumps(sanitize_floats(selected), indent=2, allow_nan=False)


def _details(event: AuditEvent) -> str:
    if isinstance(event, (TelemetryEmitted, TelemetryEnabled)):
        return f" audience={event.audience.value}{_optional(' user=', event.user)}"
    if isinstance(event, TelemetryDisabled):
        return _optional(" user=", event.user)
    if isinstance(event, BackendAdded):
        return f" kind={_show(event.backend_kind)}{_optional(' endpoint=', event.backend_endpoint)}"
    if isinstance(event, BackendRemoved):
        return f" kind={_show(event.backend_kind)}"
    if isinstance(event, BackendModified):
        change = _change(event.old_value, event.new_value)
        return f" kind={_show(event.backend_kind)} {_show(event.field)}:{change}"
    if isinstance(event, TenantIdChanged):
        old = "(none)" if event.old_value is None else event.old_value
        return _change(old, event.new_value)
    if isinstance(event, PathModeChanged):
        return _change(event.old_value, event.new_value)
    return _change(format_number(event.old_value), format_number(event.new_value))


def _change(old: str, new: str) -> str:
    return f" {_show(old)} -> {_show(new)}"


def _optional(prefix: str, value: str | None) -> str:
    return "" if value is None else prefix + _show(value)


def _show(text: str) -> str:
    # The log is user-editable: escape control characters so one value cannot
    # forge extra display lines.
    return text if text.isprintable() else text.encode("unicode_escape").decode("ascii")


def _iso(timestamp_ms: int) -> str:
    epoch = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
    try:
        moment = epoch + dt.timedelta(milliseconds=timestamp_ms)
    except OverflowError:
        return "out-of-range"
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
