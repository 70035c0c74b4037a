"""``chaffra telemetry ...``: operator details for operator audiences only; no preview writes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from chaffra_cli._app import cli
from chaffra_telemetry import TelemetryAudience
from chaffra_telemetry.audit import TelemetryEnabled, append_event

SECRET_ENDPOINT = "10.1.2.3:8125"
OPERATOR_WORDS = ("json-file", "statsd", ".chaffra/telemetry.json", SECRET_ENDPOINT, "Sampling")


def listing(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def project_with(tmp_path: Path, telemetry: str = "") -> Path:
    root = tmp_path / "proj"
    root.mkdir()
    if telemetry:
        (root / ".chaffra.toml").write_text(f"[modules.telemetry]\n{telemetry}\n", "utf-8")
    return root


@pytest.mark.parametrize("audience", ["user-only", "off", None])
def test_status_withholds_backends_unless_the_audience_is_operator(
    runner: CliRunner, tmp_path: Path, audience: str | None
) -> None:
    root = project_with(tmp_path)
    args = ["telemetry", "status", str(root), "--telemetry-backend", "statsd"]
    args += ["--telemetry-endpoint", SECRET_ENDPOINT]
    if audience is not None:
        args += ["--telemetry", audience]
    result = runner.invoke(cli, args)
    assert 0 == result.exit_code
    assert f"Telemetry audience: {audience or 'user-only'}" == result.stdout.splitlines()[0]
    assert "backend details withheld (operator audience only)" in result.stdout
    for word in OPERATOR_WORDS:
        assert word not in result.stdout + result.stderr
    assert {} == listing(root)


@pytest.mark.parametrize("audience", ["on", "operator-only"])
def test_status_lists_backends_and_sampling_for_operator_audiences(
    runner: CliRunner, tmp_path: Path, audience: str
) -> None:
    root = project_with(tmp_path, f'audience = "{audience}"\nsampling-rate = 0.5')
    result = runner.invoke(cli, ["telemetry", "status", str(root)])
    assert 0 == result.exit_code
    assert [
        f"Telemetry audience: {audience}",
        f"Configuration: {root / '.chaffra.toml'}",
        f"History: {root / '.chaffra' / 'telemetry.db'}",
        "",
        "Backends:",
        f"  [OK] json-file (json-file) -- will write to {root / '.chaffra' / 'telemetry.json'}",
        "",
        "Sampling: rate 0.5 (strategy rate)",
    ] == result.stdout.splitlines()


@pytest.mark.parametrize(
    ("backend", "endpoint"),
    [("otlp", "x"), ("otlp", "ftp://x"), ("statsd", "localhost:99999"), ("json-file", "/tmp/x")],
)
def test_an_endpoint_the_backend_cannot_use_exits_2_naming_it(
    runner: CliRunner, tmp_path: Path, backend: str, endpoint: str
) -> None:
    root = project_with(tmp_path)
    args = ["telemetry", "status", str(root), "--telemetry", "on"]
    result = runner.invoke(
        cli, [*args, "--telemetry-backend", backend, "--telemetry-endpoint", endpoint]
    )
    assert 2 == result.exit_code
    assert f'--telemetry-endpoint = "{endpoint}"' in result.stderr
    assert "expected" in result.stderr


def test_status_reports_a_backend_that_is_not_usable(runner: CliRunner, tmp_path: Path) -> None:
    root = project_with(tmp_path, 'path = ".chaffra/out.json"')
    (root / ".chaffra").write_text("a file where the directory belongs", encoding="utf-8")
    result = runner.invoke(cli, ["telemetry", "status", str(root), "--telemetry", "on"])
    assert 0 == result.exit_code
    assert "  [FAIL] json-file (json-file) -- backend error" in result.stdout


def test_status_says_where_prometheus_scrapes(runner: CliRunner, tmp_path: Path) -> None:
    root = project_with(tmp_path, 'backend = "prometheus"')
    result = runner.invoke(cli, ["telemetry", "status", str(root), "--telemetry", "on"])
    assert 0 == result.exit_code
    assert "/metrics of `chaffra management <project>`" in result.stdout
    assert "9090" not in result.stdout


def test_status_of_an_invalid_file_audience_exits_2_naming_the_value(
    runner: CliRunner, tmp_path: Path
) -> None:
    root = project_with(tmp_path, 'audience = "loud"')
    result = runner.invoke(cli, ["telemetry", "status", str(root)])
    assert 2 == result.exit_code
    assert '"loud"' in result.stderr
    assert "[modules.telemetry]" in result.stderr


def test_the_explicit_flag_beats_the_file_audience(runner: CliRunner, tmp_path: Path) -> None:
    root = project_with(tmp_path, 'audience = "on"')
    result = runner.invoke(cli, ["--telemetry", "user-only", "telemetry", "status", str(root)])
    assert "Telemetry audience: user-only" == result.stdout.splitlines()[0]
    assert "json-file" not in result.stdout


@pytest.mark.parametrize("audience", ["user-only", "off"])
def test_test_needs_an_operator_audience_and_contacts_nothing(
    runner: CliRunner, tmp_path: Path, audience: str
) -> None:
    root = project_with(tmp_path)
    result = runner.invoke(cli, ["telemetry", "test", str(root), "--telemetry", audience])
    assert 1 == result.exit_code
    assert "no backend was exercised, contacted or named" in result.stderr
    assert "" == result.stdout
    for word in OPERATOR_WORDS:
        assert word not in result.stderr
    assert {} == listing(root)


def test_test_flushes_a_test_metric_to_each_backend(runner: CliRunner, tmp_path: Path) -> None:
    root = project_with(tmp_path)
    result = runner.invoke(cli, ["telemetry", "test", str(root), "--telemetry", "operator-only"])
    assert (0, "[OK] json-file -- test metric flushed\n") == (result.exit_code, result.stdout)
    written = json.loads((root / ".chaffra" / "telemetry.json").read_text("utf-8"))
    assert "chaffra.telemetry.test" in json.dumps(written)
    assert "operator-only" == written["audience"]


def test_test_exits_1_when_a_backend_fails(runner: CliRunner, tmp_path: Path) -> None:
    root = project_with(tmp_path, 'audience = "on"\npath = ".chaffra/out.json"')
    (root / ".chaffra").write_text("a file where the directory belongs", encoding="utf-8")
    result = runner.invoke(cli, ["telemetry", "test", str(root)])
    assert 1 == result.exit_code
    assert result.stdout.startswith("[FAIL] json-file -- ")
    args = ["telemetry", "test", str(root), "--telemetry-backend", "otlp"]
    refused = runner.invoke(cli, [*args, "--telemetry-endpoint", "http://127.0.0.1:1"])
    assert (1, "[FAIL] otlp -- ") == (refused.exit_code, refused.stdout[:15])


TANGLED = """\
def tangled(a, b, c, d, e, f, g, h, i, j, k):
    return a and b and c and d and e and f and g and h and i and j and k
"""


def analysed(runner: CliRunner, root: Path, *flags: str) -> dict[str, bytes]:
    """``root`` after a real ``complexity`` run on it, and its files then."""
    (root / "pkg").mkdir()
    (root / "pkg" / "tangled.py").write_text(TANGLED, "utf-8")
    result = runner.invoke(cli, ["complexity", str(root), *flags])
    assert 0 == result.exit_code, result.output
    return listing(root)


def test_inspect_before_any_run_says_so_and_creates_nothing(
    runner: CliRunner, tmp_path: Path
) -> None:
    root = project_with(tmp_path)
    result = runner.invoke(cli, ["telemetry", "inspect", str(root)])
    assert 0 == result.exit_code
    assert result.stdout.startswith(f"No run recorded yet for {root}")
    assert {} == listing(root)


def test_inspect_under_user_only_prints_the_latest_real_run_user_scoped(
    runner: CliRunner, tmp_path: Path
) -> None:
    root = project_with(tmp_path)
    before = analysed(runner, root, "--telemetry", "on")
    result = runner.invoke(cli, ["telemetry", "inspect", str(root)])
    assert 0 == result.exit_code
    label, _, payload = result.stdout.partition("\n\n")
    assert label.startswith("User-scoped payload (audience user-only) of the latest run")
    document = json.loads(payload)
    assert "user-only" == document["audience"]
    assert {} == document["operator_summary"]["module_call_durations"]
    assert "chaffra.module.call_duration_ms" not in payload
    assert 1 == document["user_summary"]["files_total"]
    assert {"warning": 1} == document["user_summary"]["findings_by_severity"]
    assert "example-module" not in payload
    for word in OPERATOR_WORDS:
        assert word not in result.stdout
    assert before == listing(root)


@pytest.mark.parametrize("audience", ["on", "operator-only"])
def test_inspect_under_operator_audiences_shows_each_backend_payload_without_the_label(
    runner: CliRunner, tmp_path: Path, audience: str
) -> None:
    root = project_with(tmp_path)
    before = analysed(runner, root, "--telemetry", "on")
    result = runner.invoke(cli, ["telemetry", "inspect", str(root), "--telemetry", audience])
    assert 0 == result.exit_code
    assert "User-scoped" not in result.stdout
    header, section = result.stdout.split("\n\n", 1)
    assert header.startswith("Latest run (")
    assert header.endswith(f"audience {audience}: as each configured backend gets it.")
    assert section.startswith("--- json-file ---\n{")
    assert "chaffra.module.call_duration_ms" in section
    assert '"complexity"' in section
    assert before == listing(root)


def test_inspect_never_shows_more_than_the_run_stored(runner: CliRunner, tmp_path: Path) -> None:
    """A run stored under user-only has no operator data to show, even under on."""
    root = project_with(tmp_path)
    analysed(runner, root)
    result = runner.invoke(cli, ["telemetry", "inspect", str(root), "--telemetry", "on"])
    assert 0 == result.exit_code
    assert "chaffra.module.call_duration_ms" not in result.stdout


def test_inspect_under_off_says_nothing_would_be_emitted(runner: CliRunner, tmp_path: Path) -> None:
    root = project_with(tmp_path, 'audience = "off"')
    result = runner.invoke(cli, ["telemetry", "inspect", str(root)])
    expected = "Telemetry audience: off: nothing is collected, stored or sent.\n"
    assert (0, expected) == (result.exit_code, result.stdout)
    assert [".chaffra.toml"] == list(listing(root))


def test_dashboard_prints_the_grafana_json_without_a_trailing_newline(runner: CliRunner) -> None:
    result = runner.invoke(cli, ["telemetry", "dashboard", "--stdout"])
    assert 0 == result.exit_code
    assert not result.stdout.endswith("\n")
    assert "chaffra-overview" == json.loads(result.stdout)["uid"]


def test_dashboard_writes_the_file_it_is_given(runner: CliRunner, tmp_path: Path) -> None:
    target = tmp_path / "dash.json"
    result = runner.invoke(cli, ["telemetry", "dashboard", "-o", str(target)])
    assert (0, f"Dashboard written to {target}\n") == (result.exit_code, result.stdout)
    assert "chaffra-overview" == json.loads(target.read_text("utf-8"))["uid"]


def test_dashboard_write_failure_exits_1(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(cli, ["telemetry", "dashboard", "-o", str(tmp_path / "no" / "d.json")])
    assert 1 == result.exit_code
    assert result.stderr.startswith("Error: [Errno 2]")


def test_dashboard_defaults_to_the_dashboard_file_name(
    runner: CliRunner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default is ``chaffra-grafana-dashboard.json`` in the working directory."""
    from chaffra_telemetry import grafana

    assert "chaffra-grafana-dashboard.json" == grafana.DASHBOARD_FILE
    target = tmp_path / grafana.DASHBOARD_FILE  # absolute, so the test needs no chdir
    monkeypatch.setattr(grafana, "DASHBOARD_FILE", str(target))
    result = runner.invoke(cli, ["telemetry", "dashboard"])
    assert f"Dashboard written to {target}\n" == result.stdout
    assert target.is_file()


def test_audit_log_of_a_project_without_events(runner: CliRunner, tmp_path: Path) -> None:
    root = project_with(tmp_path)
    result = runner.invoke(cli, ["telemetry", "audit-log", str(root)])
    assert (0, "No telemetry audit events recorded.\n") == (result.exit_code, result.stdout)
    exported = runner.invoke(cli, ["telemetry", "audit-log", str(root), "--export"])
    assert "[]\n" == exported.stdout
    assert {} == listing(root)


def test_audit_log_shows_and_exports_the_events(runner: CliRunner, tmp_path: Path) -> None:
    root = project_with(tmp_path)
    event = TelemetryEnabled(timestamp_ms=1_000, user="ada", audience=TelemetryAudience.ON)
    assert append_event(event, root)
    shown = runner.invoke(cli, ["telemetry", "audit-log", str(root)])
    assert shown.stdout.startswith("Telemetry Audit Log\n" + "=" * 60 + "\n[1000 ")
    assert "telemetry_enabled audience=on user=ada" in shown.stdout
    exported = runner.invoke(cli, ["telemetry", "audit-log", str(root / "sub"), "--export"])
    assert 2 == exported.exit_code  # PATH must exist
    exported = runner.invoke(cli, ["telemetry", "audit-log", str(root), "--export"])
    assert [{"event": "telemetry_enabled", "timestamp_ms": 1000}] == [
        {k: v for k, v in e.items() if k in ("event", "timestamp_ms")}
        for e in json.loads(exported.stdout)
    ]


def test_audit_log_finds_the_project_root_like_a_run_does(
    runner: CliRunner, tmp_path: Path
) -> None:
    root = project_with(tmp_path, 'audience = "on"')
    (root / "pkg").mkdir()
    (root / "pkg" / "m.py").write_text("x = 1\n", "utf-8")
    event = TelemetryEnabled(timestamp_ms=5, user=None, audience=TelemetryAudience.ON)
    append_event(event, root)
    for target in (root / "pkg", root / "pkg" / "m.py"):
        result = runner.invoke(cli, ["telemetry", "audit-log", str(target)])
        assert "telemetry_enabled" in result.stdout
    elsewhere = tmp_path / "other"
    elsewhere.mkdir()
    (elsewhere / "m.py").write_text("x = 1\n", "utf-8")
    args = ["telemetry", "audit-log", str(elsewhere / "m.py")]
    assert "No telemetry" in runner.invoke(cli, args).stdout
    # --config does not move the project: the log is still the one of elsewhere's project.
    with_config = ["--config", str(root / ".chaffra.toml")]
    assert "No telemetry" in runner.invoke(cli, [*args, *with_config]).stdout


def test_a_default_run_is_logged_as_emitted_for_the_user_not_as_disabled(
    runner: CliRunner, tmp_path: Path
) -> None:
    root = project_with(tmp_path)
    analysed(runner, root)
    result = runner.invoke(cli, ["telemetry", "audit-log", str(root)])
    assert "telemetry_emitted audience=user-only" in result.stdout
    assert "telemetry_disabled" not in result.stdout
