"""Backend construction, status reporting, number formatting and the projection guard."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from chaffra_telemetry import (
    BackendConfig,
    BackendKind,
    BackendStatus,
    MetricDataPoint,
    TelemetryAudience,
    TelemetrySnapshot,
    project,
)
from chaffra_telemetry.backends import (
    SCRAPE_HINT,
    Backend,
    CloudWatchBackend,
    JsonFileBackend,
    OtlpBackend,
    PrometheusBackend,
    StatsdBackend,
    StderrBackend,
    create_backend,
    create_backends,
    exposed_metric_names,
    format_number,
    render_prometheus,
)
from chaffra_telemetry.backends._format import compact_json, pretty_json
from chaffra_telemetry.errors import InvalidBackendConfig, TelemetrySerializationError


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (850.0, "850"),
        (0.0, "0"),
        (-0.0, "-0"),
        (92.0, "92"),
        (0.1875, "0.1875"),
        (1e-07, "0.0000001"),
        (1e22, "10000000000000000000000"),
        (-2.5e-3, "-0.0025"),
        (math.nan, "NaN"),
        (math.inf, "inf"),
        (-math.inf, "-inf"),
    ],
)
def test_format_number_uses_positional_shortest_digits(value: float, text: str) -> None:
    assert text == format_number(value)


def _health_snapshot() -> TelemetrySnapshot:
    point = MetricDataPoint(name="chaffra.health.score", value=90.0, labels={}, timestamp_ms=1)
    return TelemetrySnapshot(timestamp_ms=1, data_points=(point,))


def _every_backend(tmp_path: Path) -> list[Backend]:
    return [
        JsonFileBackend(tmp_path / "t.json"),
        StderrBackend(),
        PrometheusBackend(),
        OtlpBackend(),
        StatsdBackend(),
        CloudWatchBackend(),
    ]


def test_every_backend_implements_the_backend_protocol(tmp_path: Path) -> None:
    for backend in _every_backend(tmp_path):
        assert isinstance(backend, Backend)


def test_every_backend_rejects_a_raw_snapshot(tmp_path: Path) -> None:
    raw = TelemetrySnapshot(timestamp_ms=1)
    for backend in _every_backend(tmp_path):
        with pytest.raises(TypeError, match="accepts only a ProjectedSnapshot"):
            backend.flush(raw)  # type: ignore[arg-type]
        with pytest.raises(TypeError, match="accepts only a ProjectedSnapshot"):
            backend.inspect(raw)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        render_prometheus(raw)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        exposed_metric_names(raw)  # type: ignore[arg-type]
    assert [] == list((tmp_path).iterdir())


@pytest.mark.parametrize(
    ("kind", "cls"),
    [
        (BackendKind.JSON_FILE, JsonFileBackend),
        (BackendKind.STDERR, StderrBackend),
        (BackendKind.PROMETHEUS, PrometheusBackend),
        (BackendKind.OTLP, OtlpBackend),
        (BackendKind.STATSD, StatsdBackend),
        (BackendKind.CLOUDWATCH, CloudWatchBackend),
    ],
)
def test_create_backend_builds_each_kind_named_by_its_config_spelling(
    kind: BackendKind, cls: type[Backend]
) -> None:
    backend = create_backend(BackendConfig(kind=kind))
    assert isinstance(backend, cls)
    assert kind.value == backend.name


def test_create_backend_applies_documented_defaults(tmp_path: Path) -> None:
    json_file = create_backend(BackendConfig(kind=BackendKind.JSON_FILE), project_root=tmp_path)
    otlp = create_backend(BackendConfig(kind=BackendKind.OTLP))
    statsd = create_backend(BackendConfig(kind=BackendKind.STATSD))
    prometheus = create_backend(BackendConfig(kind=BackendKind.PROMETHEUS))
    cloudwatch = create_backend(BackendConfig(kind=BackendKind.CLOUDWATCH))
    assert isinstance(json_file, JsonFileBackend)
    assert tmp_path / ".chaffra" / "telemetry.json" == json_file.path
    assert isinstance(otlp, OtlpBackend)
    assert "http://localhost:4318/v1/metrics" == otlp.url
    assert 5.0 == otlp.timeout
    assert isinstance(statsd, StatsdBackend)
    assert ("127.0.0.1", 8125) == (statsd.host, statsd.port)
    assert isinstance(prometheus, PrometheusBackend)
    assert isinstance(cloudwatch, CloudWatchBackend)
    assert ("chaffra", Path(".chaffra/cloudwatch-emf.jsonl")) == (
        cloudwatch.namespace,
        cloudwatch.path,
    )


def test_create_backend_reads_endpoint_path_and_options(tmp_path: Path) -> None:
    otlp = create_backend(
        BackendConfig(
            kind=BackendKind.OTLP, endpoint="http://collector:4318/", options={"timeout": "0.5"}
        )
    )
    cloudwatch = create_backend(
        BackendConfig(kind=BackendKind.CLOUDWATCH, path="emf.log", options={"namespace": "ci"}),
        project_root=tmp_path,
    )
    assert isinstance(otlp, OtlpBackend)
    assert ("http://collector:4318/v1/metrics", 0.5) == (otlp.url, otlp.timeout)
    assert isinstance(cloudwatch, CloudWatchBackend)
    assert ("ci", tmp_path / "emf.log") == (cloudwatch.namespace, cloudwatch.path)


def test_create_backend_sends_cloudwatch_to_stderr_only_when_asked(
    capsys: pytest.CaptureFixture[str],
) -> None:
    backend = create_backend(BackendConfig(kind=BackendKind.CLOUDWATCH, endpoint="stderr"))
    assert isinstance(backend, CloudWatchBackend)
    assert None is backend.path
    assert "CloudWatch EMF lines for namespace 'chaffra' to stderr" == backend.test_connection()
    backend.flush(project(_health_snapshot(), TelemetryAudience.ON))
    out, err = capsys.readouterr()
    assert ("", 1) == (out, len(err.splitlines()))


@pytest.mark.parametrize(
    ("kind", "endpoint"),
    [
        (BackendKind.STATSD, "localhost:99999"),
        (BackendKind.OTLP, "ftp://x"),
        (BackendKind.JSON_FILE, "/tmp/x.json"),
        (BackendKind.CLOUDWATCH, "udp://127.0.0.1:25888"),
    ],
)
def test_create_backend_rejects_an_endpoint_its_kind_cannot_use(
    kind: BackendKind, endpoint: str
) -> None:
    """A library caller building a BackendConfig by hand gets the config parser's checks."""
    with pytest.raises(InvalidBackendConfig, match=f'endpoint = "{endpoint}"'):
        create_backend(BackendConfig(kind=kind, endpoint=endpoint))


@pytest.mark.parametrize("timeout", ["x", "0", "-1", "nan", "inf"])
def test_create_backend_rejects_an_invalid_otlp_timeout(timeout: str) -> None:
    config = BackendConfig(kind=BackendKind.OTLP, options={"timeout": timeout})
    with pytest.raises(InvalidBackendConfig, match="timeout"):
        create_backend(config)


def test_create_backends_reports_one_status_per_config_in_order(tmp_path: Path) -> None:
    configs = [
        BackendConfig(kind=BackendKind.STDERR),
        BackendConfig(kind=BackendKind.JSON_FILE, path="missing/t.json"),
        BackendConfig(kind=BackendKind.STATSD, endpoint="no-port"),
        BackendConfig(kind=BackendKind.PROMETHEUS),
    ]
    backends, statuses = create_backends(configs, project_root=tmp_path)
    assert ["stderr", "json-file", "prometheus"] == [b.name for b in backends]
    assert [
        BackendStatus(
            name="stderr", kind="stderr", connected=True, message="stderr is always available"
        ),
        BackendStatus(
            name="json-file",
            kind="json-file",
            connected=False,
            message=f"backend error: directory does not exist: {tmp_path / 'missing'}",
        ),
        BackendStatus(
            name="statsd",
            kind="statsd",
            connected=False,
            message='invalid backend config: endpoint = "no-port" '
            "(expected host:port with a port from 1 to 65535, e.g. 127.0.0.1:8125)",
        ),
        BackendStatus(
            name="prometheus",
            kind="prometheus",
            connected=True,
            message=SCRAPE_HINT,
        ),
    ] == statuses


def test_create_backends_with_no_configs_returns_nothing() -> None:
    assert ([], []) == create_backends([])


def test_a_projected_snapshot_flows_through_a_created_backend(tmp_path: Path) -> None:
    backends, _ = create_backends(
        [BackendConfig(kind=BackendKind.JSON_FILE, path="t.json")], project_root=tmp_path
    )
    projected = project(TelemetrySnapshot(timestamp_ms=5), TelemetryAudience.USER_ONLY)
    backends[0].flush(projected)
    assert (tmp_path / "t.json").read_text(encoding="utf-8") == backends[0].inspect(projected)


def test_backend_json_helpers_report_unencodable_documents() -> None:
    with pytest.raises(TelemetrySerializationError, match="not JSON serializable"):
        pretty_json({"value": object()})
    with pytest.raises(TelemetrySerializationError):
        compact_json([object()])


def test_every_backend_kind_has_exactly_one_builder() -> None:
    """A new kind without a builder fails here instead of falling through to another backend."""
    from chaffra_telemetry.backends._factory import BUILDERS

    assert set(BackendKind) == set(BUILDERS)


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (BackendKind.JSON_FILE, JsonFileBackend),
        (BackendKind.STDERR, StderrBackend),
        (BackendKind.PROMETHEUS, PrometheusBackend),
        (BackendKind.OTLP, OtlpBackend),
        (BackendKind.STATSD, StatsdBackend),
        (BackendKind.CLOUDWATCH, CloudWatchBackend),
    ],
)
def test_each_kind_builds_its_own_backend(
    kind: BackendKind, expected: type[Backend], tmp_path: Path
) -> None:
    assert type(create_backend(BackendConfig(kind=kind), project_root=tmp_path)) is expected


def test_flush_each_reports_every_backend_and_goes_on_after_a_failure(tmp_path: Path) -> None:
    from chaffra_telemetry.backends import FlushOutcome, flush_each

    (tmp_path / "taken").mkdir()  # a directory where the json-file backend wants its file
    payload = project(TelemetrySnapshot(timestamp_ms=1), TelemetryAudience.ON)
    configs = [
        BackendConfig(kind=BackendKind.OTLP, endpoint="not a url"),
        BackendConfig(kind=BackendKind.JSON_FILE, path="taken"),
        BackendConfig(kind=BackendKind.JSON_FILE, path=".chaffra/ok.json"),
    ]
    outcomes = flush_each(payload, configs, project_root=tmp_path)
    assert ["otlp", "json-file", "json-file"] == [o.backend for o in outcomes]
    assert [True, True, False] == [o.error is not None for o in outcomes]
    assert FlushOutcome(backend="json-file") == outcomes[2]
    assert (tmp_path / ".chaffra" / "ok.json").is_file()
