"""A project's configuration cannot point a write outside ``.chaffra/``; endpoints fail closed."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chaffra_telemetry import BackendConfig, BackendKind, TelemetryConfig, merge_config
from chaffra_telemetry.errors import ConfigError, InvalidBackendConfig


def test_a_file_path_inside_the_project_dir_is_returned_absolute(tmp_path: Path) -> None:
    merged = merge_config(TelemetryConfig(), {"path": ".chaffra/t.json"}, project_root=tmp_path)
    assert (
        BackendConfig(kind=BackendKind.JSON_FILE, path=str(tmp_path / ".chaffra" / "t.json")),
    ) == merged.backends


def test_an_absolute_path_inside_the_project_dir_is_accepted(tmp_path: Path) -> None:
    inside = str(tmp_path / ".chaffra" / "emf.jsonl")
    section = {"backend": "cloudwatch", "path": inside}
    assert (
        inside == merge_config(TelemetryConfig(), section, project_root=tmp_path).backends[0].path
    )


def test_without_a_project_root_only_the_relative_form_is_accepted() -> None:
    config = TelemetryConfig.from_module_config({"path": ".chaffra/t.json"})
    assert ".chaffra/t.json" == config.backends[0].path
    with pytest.raises(ConfigError, match="needs a project root"):
        TelemetryConfig.from_module_config({"path": "/tmp/.chaffra/t.json"})


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("/tmp/victim", "may only name files in .chaffra/"),
        ("../x.json", "contains .."),
        (".chaffra/../x.json", "contains .."),
        ("x.json", "may only name files in .chaffra/"),
        (".chaffra/sub/x.json", "may only name files in .chaffra/"),
        (".chaffra", "may only name files in .chaffra/"),
        (".chaffra/telemetry.db", "keeps that file for itself"),
        (".chaffra/.gitignore", "keeps that file for itself"),
        ("~/.bashrc", "may only name files in .chaffra/"),
    ],
)
def test_a_path_escaping_the_project_dir_is_a_config_error_naming_key_and_value(
    tmp_path: Path, value: str, reason: str
) -> None:
    for section in ({"path": value}, {"backend": "cloudwatch", "path": value}):
        with pytest.raises(ConfigError) as caught:
            merge_config(TelemetryConfig(), section, project_root=tmp_path)
        message = str(caught.value)
        assert f'path = "{value}"' in message
        assert reason in message
        assert "inside .chaffra/" in message


def test_a_symlink_inside_the_project_dir_is_rejected(tmp_path: Path) -> None:
    (tmp_path / ".chaffra").mkdir()
    (tmp_path / ".chaffra" / "t.json").symlink_to(tmp_path / "victim")
    with pytest.raises(ConfigError, match="symbolic link"):
        merge_config(TelemetryConfig(), {"path": ".chaffra/t.json"}, project_root=tmp_path)


def test_a_hostile_path_fails_even_when_a_cli_backend_replaces_the_file_one(
    tmp_path: Path,
) -> None:
    """The table is validated whole: a flag does not make a hostile file acceptable."""
    cli = TelemetryConfig.from_cli(backend="stderr")
    with pytest.raises(ConfigError, match="/tmp/victim"):
        merge_config(cli, {"path": "/tmp/victim"}, project_root=tmp_path)


@given(st.text(min_size=1, max_size=30))
def test_a_confined_path_always_lands_directly_in_the_project_dir(value: str) -> None:
    root = Path("/project")
    try:
        merged = merge_config(TelemetryConfig(), {"path": value}, project_root=root)
    except ConfigError:
        return
    path = merged.backends[0].path
    assert path is not None
    assert root / ".chaffra" == Path(path).parent


# --- endpoints, checked when the configuration is read ---------------------------------------


@pytest.mark.parametrize(
    ("backend", "endpoint", "allowed"),
    [
        ("statsd", "localhost:99999", "host:port with a port from 1 to 65535"),
        ("statsd", "::::", "host:port"),
        ("statsd", "no-port", "host:port"),
        ("statsd", "bad host:8125", "host:port"),
        ("otlp", "ftp://x", "an http:// or https:// URL"),
        ("otlp", "http://", "an http:// or https:// URL"),
        ("otlp", "http://c:99999", "an http:// or https:// URL"),
        ("otlp", "::::", "an http:// or https:// URL"),
        ("otlp", "http://[::1", "an http:// or https:// URL"),
        ("otlp", "http://x:4318/v1 metrics", "an http:// or https:// URL"),
        ("otlp", "http://x:4318/\u0007", "an http:// or https:// URL"),
        ("otlp", "http://x:4318/caf\u00e9", "an http:// or https:// URL"),
        ("json-file", "/tmp/x.json", "no endpoint (json-file writes the file at path)"),
        ("stderr", "x", "no endpoint"),
        ("prometheus", "0.0.0.0:9090", "no endpoint (Prometheus scrapes /metrics"),
        ("cloudwatch", "udp://127.0.0.1:25888", '"stderr", or none'),
    ],
)
def test_an_endpoint_the_backend_cannot_use_is_rejected_from_the_file_and_the_cli(
    backend: str, endpoint: str, allowed: str
) -> None:
    with pytest.raises(InvalidBackendConfig) as from_file:
        TelemetryConfig.from_module_config({"backend": backend, "endpoint": endpoint})
    assert f'endpoint = "{endpoint}"' in str(from_file.value)
    assert allowed in str(from_file.value)
    with pytest.raises(InvalidBackendConfig) as from_cli:
        TelemetryConfig.from_cli(backend=backend, endpoint=endpoint)
    assert f'--telemetry-endpoint = "{endpoint}"' in str(from_cli.value)
    assert allowed in str(from_cli.value)


def test_an_endpoint_alone_on_the_cli_is_checked_as_otlp() -> None:
    with pytest.raises(InvalidBackendConfig, match='--telemetry-endpoint = "ftp://x"'):
        TelemetryConfig.from_cli(endpoint="ftp://x")


@pytest.mark.parametrize(
    ("backend", "endpoint"),
    [
        ("statsd", "127.0.0.1:8125"),
        ("statsd", "[::1]:8125"),
        ("statsd", "metrics.internal:8125"),
        ("otlp", "https://collector.example:4318/"),
        ("otlp", "http://[::1]:4318"),
        ("cloudwatch", "stderr"),
    ],
)
def test_valid_endpoints_are_kept(backend: str, endpoint: str) -> None:
    config = TelemetryConfig.from_module_config({"backend": backend, "endpoint": endpoint})
    assert endpoint == config.backends[0].endpoint


@pytest.mark.parametrize("backend", ["stderr", "statsd", "otlp", "prometheus"])
def test_a_path_for_a_backend_that_writes_no_file_is_rejected(backend: str) -> None:
    with pytest.raises(InvalidBackendConfig, match=f"the {backend} backend writes no file"):
        TelemetryConfig.from_module_config({"backend": backend, "path": ".chaffra/x"})
