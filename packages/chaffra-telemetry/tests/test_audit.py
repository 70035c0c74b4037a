"""The telemetry audit log: its line format, the emission rule, reading, display and export."""

from __future__ import annotations

import json
import math
import stat
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chaffra_telemetry import TelemetryAudience
from chaffra_telemetry._audit import (
    AUDIT_LOG_FILE,
    AuditEvent,
    AuditReadResult,
    BackendAdded,
    BackendModified,
    BackendRemoved,
    PathModeChanged,
    SamplingRateChanged,
    TelemetryDisabled,
    TelemetryEmitted,
    TelemetryEnabled,
    TenantIdChanged,
    append_event,
    audit_log_path,
    current_user,
    event_from_dict,
    event_name,
    event_to_dict,
    export_log,
    format_log,
    log_backend_added,
    log_backend_removed,
    log_sampling_rate_changed,
    log_telemetry_disabled,
    log_telemetry_enabled,
    log_tenant_id_changed,
    read_log,
    record_emission,
)

TS = 1_718_594_000_000
ISO = "2024-06-17T03:13:20.000Z"

timestamps = st.integers(min_value=0, max_value=2**63 - 1)
text = st.text()
users = st.none() | text
rates = st.floats(allow_nan=False, allow_infinity=False)

events: st.SearchStrategy[AuditEvent] = st.one_of(
    st.builds(
        TelemetryEmitted,
        timestamp_ms=timestamps,
        user=users,
        audience=st.sampled_from(TelemetryAudience),
    ),
    st.builds(
        TelemetryEnabled,
        timestamp_ms=timestamps,
        user=users,
        audience=st.sampled_from(TelemetryAudience),
    ),
    st.builds(TelemetryDisabled, timestamp_ms=timestamps, user=users),
    st.builds(
        BackendAdded,
        timestamp_ms=timestamps,
        user=users,
        backend_kind=text,
        backend_endpoint=st.none() | text,
    ),
    st.builds(BackendRemoved, timestamp_ms=timestamps, user=users, backend_kind=text),
    st.builds(
        BackendModified,
        timestamp_ms=timestamps,
        user=users,
        backend_kind=text,
        field=text,
        old_value=text,
        new_value=text,
    ),
    st.builds(
        TenantIdChanged,
        timestamp_ms=timestamps,
        user=users,
        old_value=st.none() | text,
        new_value=text,
    ),
    st.builds(PathModeChanged, timestamp_ms=timestamps, user=users, old_value=text, new_value=text),
    st.builds(
        SamplingRateChanged, timestamp_ms=timestamps, user=users, old_value=rates, new_value=rates
    ),
)

# One of each event type, with the keys its line must carry in this order.
EXAMPLES: list[tuple[AuditEvent, list[str]]] = [
    (
        TelemetryEnabled(timestamp_ms=TS, user="alice", audience=TelemetryAudience.ON),
        ["event", "timestamp_ms", "user", "audience"],
    ),
    (TelemetryDisabled(timestamp_ms=TS, user=None), ["event", "timestamp_ms", "user"]),
    (
        BackendAdded(timestamp_ms=TS, user=None, backend_kind="statsd", backend_endpoint=None),
        ["event", "timestamp_ms", "user", "backend_kind", "backend_endpoint"],
    ),
    (
        BackendRemoved(timestamp_ms=TS, user="bob", backend_kind="otlp"),
        ["event", "timestamp_ms", "user", "backend_kind"],
    ),
    (
        BackendModified(
            timestamp_ms=TS,
            user=None,
            backend_kind="otlp",
            field="endpoint",
            old_value="a:4317",
            new_value="b:4318",
        ),
        ["event", "timestamp_ms", "user", "backend_kind", "field", "old_value", "new_value"],
    ),
    (
        TenantIdChanged(timestamp_ms=TS, user=None, old_value=None, new_value="acme"),
        ["event", "timestamp_ms", "user", "old_value", "new_value"],
    ),
    (
        PathModeChanged(timestamp_ms=TS, user=None, old_value="relative", new_value="hashed"),
        ["event", "timestamp_ms", "user", "old_value", "new_value"],
    ),
    (
        SamplingRateChanged(timestamp_ms=TS, user=None, old_value=1.0, new_value=0.5),
        ["event", "timestamp_ms", "user", "old_value", "new_value"],
    ),
]


def log_lines(root: Path) -> list[str]:
    return audit_log_path(root).read_text(encoding="utf-8").splitlines()


def fixed_clock() -> int:
    return TS


@given(events)
def test_every_event_type_round_trips_through_its_json_object(event: AuditEvent) -> None:
    assert event == event_from_dict(json.loads(json.dumps(event_to_dict(event))))


@given(st.lists(events, max_size=5))
def test_appended_events_read_back_unchanged_and_in_order(batch: list[AuditEvent]) -> None:
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory)
        assert all(append_event(event, root) for event in batch)

        assert AuditReadResult(events=tuple(batch), skipped=0) == read_log(root)


@pytest.mark.parametrize(("event", "keys"), EXAMPLES, ids=lambda v: getattr(v, "__name__", ""))
def test_event_lines_start_with_the_snake_case_type_then_fields_in_order(
    tmp_path: Path, event: AuditEvent, keys: list[str]
) -> None:
    append_event(event, tmp_path)
    [line] = log_lines(tmp_path)

    assert keys == list(json.loads(line))
    assert event_name(event) == json.loads(line)["event"]


def test_event_names_are_the_snake_case_type_names() -> None:
    assert [
        "telemetry_enabled",
        "telemetry_disabled",
        "backend_added",
        "backend_removed",
        "backend_modified",
        "tenant_id_changed",
        "path_mode_changed",
        "sampling_rate_changed",
    ] == [event_name(event) for event, _ in EXAMPLES]


def test_a_line_is_compact_json_with_absent_values_as_null(tmp_path: Path) -> None:
    event = BackendAdded(
        timestamp_ms=1_718_000_000_000,
        user=None,
        backend_kind="statsd",
        backend_endpoint="127.0.0.1:8125",
    )

    assert append_event(event, tmp_path)

    assert (
        '{"event":"backend_added","timestamp_ms":1718000000000,"user":null,'
        '"backend_kind":"statsd","backend_endpoint":"127.0.0.1:8125"}\n'
    ) == audit_log_path(tmp_path).read_text(encoding="utf-8")


def test_the_log_lives_under_the_project_chaffra_directory(tmp_path: Path) -> None:
    log_telemetry_disabled(tmp_path, user="alice", clock=fixed_clock)

    assert tmp_path / ".chaffra" / "telemetry-audit.log" == audit_log_path(tmp_path)
    assert AUDIT_LOG_FILE == audit_log_path(tmp_path).name
    assert "*\n" == (tmp_path / ".chaffra" / ".gitignore").read_text(encoding="utf-8")


def test_the_log_file_is_owner_only(tmp_path: Path) -> None:
    log_telemetry_disabled(tmp_path, user="alice", clock=fixed_clock)

    assert 0o600 == stat.S_IMODE(audit_log_path(tmp_path).stat().st_mode)


def test_a_wider_existing_log_file_is_tightened_to_owner_only(tmp_path: Path) -> None:
    log_telemetry_disabled(tmp_path, user="alice", clock=fixed_clock)
    audit_log_path(tmp_path).chmod(0o644)

    log_telemetry_disabled(tmp_path, user="alice", clock=fixed_clock)

    assert 0o600 == stat.S_IMODE(audit_log_path(tmp_path).stat().st_mode)
    assert 2 == len(log_lines(tmp_path))


def test_off_writes_nothing_and_creates_no_project_directory(tmp_path: Path) -> None:
    """The kill switch leaves no trace."""
    assert False is record_emission(TelemetryAudience.OFF, tmp_path, user="alice")

    assert [] == list(tmp_path.iterdir())


def test_a_user_only_run_records_that_it_emitted_under_user_only(tmp_path: Path) -> None:
    """Not ``telemetry_disabled``: the run did emit, for the user."""
    assert record_emission(TelemetryAudience.USER_ONLY, tmp_path, user="alice", clock=fixed_clock)

    assert (
        TelemetryEmitted(timestamp_ms=TS, user="alice", audience=TelemetryAudience.USER_ONLY),
    ) == read_log(tmp_path).events


@pytest.mark.parametrize(
    ("audience", "spelling"),
    [
        (TelemetryAudience.ON, "on"),
        (TelemetryAudience.OPERATOR_ONLY, "operator-only"),
        (TelemetryAudience.USER_ONLY, "user-only"),
    ],
)
def test_emitting_runs_record_telemetry_emitted_with_the_canonical_spelling(
    tmp_path: Path, audience: TelemetryAudience, spelling: str
) -> None:
    assert record_emission(audience, tmp_path, user="alice", clock=fixed_clock)

    [line] = log_lines(tmp_path)
    assert {
        "event": "telemetry_emitted",
        "timestamp_ms": TS,
        "user": "alice",
        "audience": spelling,
    } == json.loads(line)


def test_emission_user_defaults_to_the_environment_user(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("USER", "carol")

    record_emission(TelemetryAudience.ON, tmp_path, clock=fixed_clock)

    assert "carol" == read_log(tmp_path).events[0].user


def test_emission_without_any_user_in_the_environment_records_null(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("USER", raising=False)
    monkeypatch.delenv("USERNAME", raising=False)

    record_emission(TelemetryAudience.USER_ONLY, tmp_path, clock=fixed_clock)

    assert [None] == [json.loads(line)["user"] for line in log_lines(tmp_path)]


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"USER": "alice", "USERNAME": "ALICE"}, "alice"),
        ({"USERNAME": "bob"}, "bob"),
        ({"USER": "", "USERNAME": "bob"}, "bob"),
        ({"USER": "", "USERNAME": ""}, None),
        ({}, None),
    ],
)
def test_current_user_is_user_then_username_and_empty_is_none(
    environ: dict[str, str], expected: str | None
) -> None:
    assert expected == current_user(environ)


def test_current_user_reads_the_process_environment_by_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("USER", "dave")

    assert "dave" == current_user()


def test_convenience_writers_stamp_the_clock_and_append_in_order(tmp_path: Path) -> None:
    def write(**kw: Any) -> None:
        assert log_telemetry_enabled(TelemetryAudience.ON, tmp_path, **kw)
        assert log_telemetry_disabled(tmp_path, **kw)
        assert log_backend_added("statsd", "127.0.0.1:8125", tmp_path, **kw)
        assert log_backend_removed("statsd", tmp_path, **kw)
        assert log_sampling_rate_changed(1.0, 0.5, tmp_path, **kw)
        assert log_tenant_id_changed(None, "acme", tmp_path, **kw)

    write(user="alice", clock=fixed_clock)

    common: dict[str, Any] = {"timestamp_ms": TS, "user": "alice"}
    assert (
        TelemetryEnabled(**common, audience=TelemetryAudience.ON),
        TelemetryDisabled(**common),
        BackendAdded(**common, backend_kind="statsd", backend_endpoint="127.0.0.1:8125"),
        BackendRemoved(**common, backend_kind="statsd"),
        SamplingRateChanged(**common, old_value=1.0, new_value=0.5),
        TenantIdChanged(**common, old_value=None, new_value="acme"),
    ) == read_log(tmp_path).events


def test_appending_when_the_project_directory_is_a_file_returns_false(tmp_path: Path) -> None:
    (tmp_path / ".chaffra").write_text("not a directory", encoding="utf-8")

    assert False is append_event(TelemetryDisabled(timestamp_ms=TS, user=None), tmp_path)
    assert False is record_emission(TelemetryAudience.ON, tmp_path, user="alice")


def test_appending_under_a_missing_root_returns_false(tmp_path: Path) -> None:
    assert False is append_event(TelemetryDisabled(timestamp_ms=TS, user=None), tmp_path / "gone")


def test_appending_something_that_is_not_an_event_returns_false(tmp_path: Path) -> None:
    assert False is append_event("telemetry_enabled", tmp_path)  # type: ignore[arg-type]
    assert not audit_log_path(tmp_path).exists()


def test_a_non_finite_sampling_rate_is_written_as_null_and_read_as_nan(tmp_path: Path) -> None:
    event = SamplingRateChanged(timestamp_ms=TS, user=None, old_value=math.inf, new_value=0.5)

    assert append_event(event, tmp_path)

    assert None is json.loads(log_lines(tmp_path)[0])["old_value"]
    [read] = read_log(tmp_path).events
    assert isinstance(read, SamplingRateChanged)
    assert math.isnan(read.old_value)


def test_a_missing_log_reads_as_empty(tmp_path: Path) -> None:
    assert AuditReadResult(events=(), skipped=0) == read_log(tmp_path)


def test_an_unreadable_log_reads_as_empty(tmp_path: Path) -> None:
    audit_log_path(tmp_path).mkdir(parents=True)

    assert AuditReadResult(events=(), skipped=0) == read_log(tmp_path)


def test_bad_lines_are_skipped_and_counted_while_later_events_are_still_read(
    tmp_path: Path,
) -> None:
    """Invalid UTF-8 does not end reading (Beyond 23); blank lines are not counted."""
    first = TelemetryDisabled(timestamp_ms=1, user="alice")
    last = TelemetryEnabled(timestamp_ms=2, user="bob", audience=TelemetryAudience.ON)
    append_event(first, tmp_path)
    with audit_log_path(tmp_path).open("ab") as stream:
        stream.write(b'{"event":"telemetry_disabled","timestamp_ms":3,"user":"\xff\xfe"}\n')
        stream.write(b"not json\n")
        stream.write(b"   \n\n")
        stream.write(b'{"event":"telemetry_exploded","timestamp_ms":4,"user":null}\n')
        stream.write(b"[1, 2]\n")
    append_event(last, tmp_path)

    assert AuditReadResult(events=(first, last), skipped=4) == read_log(tmp_path)


def test_a_truncated_last_line_is_skipped_and_counted(tmp_path: Path) -> None:
    event = TelemetryDisabled(timestamp_ms=1, user=None)
    append_event(event, tmp_path)
    with audit_log_path(tmp_path).open("ab") as stream:
        stream.write(b'{"event":"telemetry_disabled","timest')

    assert AuditReadResult(events=(event,), skipped=1) == read_log(tmp_path)


@pytest.mark.parametrize(
    "data",
    [
        None,
        [],
        "telemetry_disabled",
        {},
        {"event": 1, "timestamp_ms": 1, "user": None},
        {"event": "telemetry_exploded", "timestamp_ms": 1, "user": None},
        {"event": "telemetry_disabled", "timestamp_ms": 1},
        {"event": "telemetry_disabled", "timestamp_ms": 1, "user": None, "extra": 1},
        {"event": "telemetry_disabled", "timestamp_ms": "1", "user": None},
        {"event": "telemetry_disabled", "timestamp_ms": True, "user": None},
        {"event": "telemetry_disabled", "timestamp_ms": 1.5, "user": None},
        {"event": "telemetry_disabled", "timestamp_ms": -1, "user": None},
        {"event": "telemetry_disabled", "timestamp_ms": 1, "user": 7},
        {"event": "telemetry_enabled", "timestamp_ms": 1, "user": None, "audience": "On"},
        {"event": "telemetry_enabled", "timestamp_ms": 1, "user": None, "audience": "sometimes"},
        {"event": "telemetry_enabled", "timestamp_ms": 1, "user": None, "audience": 1},
        {"event": "sampling_rate_changed", "timestamp_ms": 1, "user": None, "old_value": "1"},
    ],
)
def test_objects_that_are_not_a_well_typed_known_event_are_rejected(data: object) -> None:
    with pytest.raises(ValueError, match="audit event"):
        event_from_dict(data)


def test_display_of_an_empty_log_says_so() -> None:
    assert "No telemetry audit events recorded.\n" == format_log([])


def test_display_reports_how_many_lines_were_skipped() -> None:
    event = TelemetryDisabled(timestamp_ms=0, user=None)

    assert "No telemetry audit events recorded.\n(1 unreadable line skipped)\n" == format_log(
        [], skipped=1
    )
    assert "(3 unreadable lines skipped)" == format_log([event], skipped=3).splitlines()[-1]
    assert 3 == len(format_log([event], skipped=0).splitlines())


def test_display_shows_each_event_with_ms_iso_time_and_its_details() -> None:
    assert (
        "Telemetry Audit Log\n"
        + "=" * 60
        + "\n"
        + f"[{TS} {ISO}] telemetry_enabled audience=on user=alice\n"
        + f"[{TS} {ISO}] telemetry_disabled\n"
        + f"[{TS} {ISO}] backend_added kind=statsd\n"
        + f"[{TS} {ISO}] backend_removed kind=otlp\n"
        + f"[{TS} {ISO}] backend_modified kind=otlp endpoint: a:4317 -> b:4318\n"
        + f"[{TS} {ISO}] tenant_id_changed (none) -> acme\n"
        + f"[{TS} {ISO}] path_mode_changed relative -> hashed\n"
        + f"[{TS} {ISO}] sampling_rate_changed 1 -> 0.5\n"
    ) == format_log(event for event, _ in EXAMPLES)


def test_display_shows_optional_users_endpoints_and_old_tenants_when_present() -> None:
    shown = format_log(
        [
            TelemetryEnabled(timestamp_ms=0, user=None, audience=TelemetryAudience.OPERATOR_ONLY),
            TelemetryDisabled(timestamp_ms=1, user="bob"),
            BackendAdded(timestamp_ms=2, user="bob", backend_kind="otlp", backend_endpoint="h:1"),
            TenantIdChanged(timestamp_ms=3, user=None, old_value="a", new_value="b"),
        ]
    )

    assert [
        "[0 1970-01-01T00:00:00.000Z] telemetry_enabled audience=operator-only",
        "[1 1970-01-01T00:00:00.001Z] telemetry_disabled user=bob",
        "[2 1970-01-01T00:00:00.002Z] backend_added kind=otlp endpoint=h:1",
        "[3 1970-01-01T00:00:00.003Z] tenant_id_changed a -> b",
    ] == shown.splitlines()[2:]


def test_display_escapes_control_characters_so_values_cannot_forge_lines() -> None:
    event = TelemetryDisabled(timestamp_ms=0, user="eve\n[1] telemetry_enabled")

    shown = format_log([event])

    assert 3 == len(shown.splitlines())
    assert shown.endswith("telemetry_disabled user=eve\\n[1] telemetry_enabled\n")


def test_display_of_a_timestamp_beyond_the_calendar_says_out_of_range() -> None:
    shown = format_log([TelemetryDisabled(timestamp_ms=2**63 - 1, user=None)])

    assert f"[{2**63 - 1} out-of-range] telemetry_disabled" == shown.splitlines()[2]


def test_export_of_an_empty_log_is_an_empty_array() -> None:
    assert "[]" == export_log([])


def test_export_is_a_pretty_json_array_of_the_line_objects() -> None:
    event = TelemetryEnabled(timestamp_ms=TS, user="alice", audience=TelemetryAudience.ON)

    assert (
        "[\n"
        "  {\n"
        '    "event": "telemetry_enabled",\n'
        f'    "timestamp_ms": {TS},\n'
        '    "user": "alice",\n'
        '    "audience": "on"\n'
        "  }\n"
        "]"
    ) == export_log([event])


def test_export_for_a_user_keeps_only_that_users_events() -> None:
    alice = TelemetryDisabled(timestamp_ms=1, user="alice")
    bob = TelemetryDisabled(timestamp_ms=2, user="bob")
    nobody = TelemetryDisabled(timestamp_ms=3, user=None)

    exported = json.loads(export_log([alice, bob, nobody, alice], user="alice"))

    assert [event_to_dict(alice), event_to_dict(alice)] == exported
    assert [] == json.loads(export_log([bob, nobody], user="alice"))


def test_export_round_trips_through_the_reader(tmp_path: Path) -> None:
    original = [event for event, _ in EXAMPLES]

    exported = json.loads(export_log(original))
    log = audit_log_path(tmp_path)
    log.parent.mkdir()
    log.write_text("".join(json.dumps(item) + "\n" for item in exported), encoding="utf-8")

    assert AuditReadResult(events=tuple(original), skipped=0) == read_log(tmp_path)
    assert original == [event_from_dict(item) for item in exported]


def test_export_writes_non_finite_rates_as_null() -> None:
    event = SamplingRateChanged(timestamp_ms=0, user=None, old_value=math.nan, new_value=1.0)

    assert None is json.loads(export_log([event]))[0]["old_value"]


def test_concurrent_appends_keep_every_line_whole(tmp_path: Path) -> None:
    """Each event is one ``O_APPEND`` write, so interleaved writers never split a line."""
    expected = [TelemetryDisabled(timestamp_ms=i, user=f"user-{i}") for i in range(64)]

    with ThreadPoolExecutor(max_workers=8) as pool:
        written = list(pool.map(lambda event: append_event(event, tmp_path), expected))

    result = read_log(tmp_path)
    assert all(written)
    assert 0 == result.skipped
    assert expected == sorted(result.events, key=lambda e: e.timestamp_ms)
