"""Telemetry configuration: CLI flags and the explicit-flag-wins precedence (spec §7.5-7.6)."""

from __future__ import annotations

import cattrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chaffra_telemetry._audience import TelemetryAudience
from chaffra_telemetry._config import (
    DEFAULT_JSON_FILE_PATH,
    BackendConfig,
    BackendKind,
    TelemetryConfig,
    merge_config,
    register_config_hooks,
    resolve_audience,
)
from chaffra_telemetry._converter import make_converter
from chaffra_telemetry._sampling import SamplingStrategy
from chaffra_telemetry.errors import (
    ConfigError,
    InvalidAudience,
    InvalidBackendConfig,
)

ON = TelemetryAudience.ON
OFF = TelemetryAudience.OFF
USER_ONLY = TelemetryAudience.USER_ONLY
OPERATOR_ONLY = TelemetryAudience.OPERATOR_ONLY
AUDIENCES_TEXT = "on, off, user-only, operator-only"
BACKENDS_TEXT = "json-file, stderr, prometheus, otlp, statsd, cloudwatch"
DEFAULT_BACKEND = BackendConfig(kind=BackendKind.JSON_FILE, path=DEFAULT_JSON_FILE_PATH)


def shown(value: object) -> str:
    """How an error message renders a rejected value."""
    return f'"{value}"' if isinstance(value, str) else repr(value)


def converter() -> cattrs.Converter:
    return register_config_hooks(make_converter())


# --- CLI flags (§7.5) --------------------------------------------------------------------


def test_cli_without_flags_is_the_default_config_without_hints() -> None:
    assert TelemetryConfig() == TelemetryConfig.from_cli()


def test_cli_telemetry_flag_sets_audience_and_the_override_hint() -> None:
    config = TelemetryConfig.from_cli(telemetry="USER_ONLY")
    assert (USER_ONLY, USER_ONLY) == (config.audience, config.cli_audience_override)


@pytest.mark.parametrize("value", ["true", "1", "user", "operator", " on", ""])
def test_cli_rejects_an_invalid_telemetry_flag_naming_the_flag(value: str) -> None:
    with pytest.raises(InvalidAudience) as caught:
        TelemetryConfig.from_cli(telemetry=value)
    message = str(caught.value)
    assert "--telemetry" in message
    assert shown(value) in message
    assert AUDIENCES_TEXT in message


def test_cli_rejects_an_invalid_backend_flag_naming_the_flag() -> None:
    with pytest.raises(InvalidBackendConfig) as caught:
        TelemetryConfig.from_cli(backend="kafka")
    message = str(caught.value)
    assert "--telemetry-backend" in message
    assert '"kafka"' in message
    assert BACKENDS_TEXT in message


def test_cli_rejects_an_empty_endpoint_flag() -> None:
    with pytest.raises(ConfigError, match="--telemetry-endpoint"):
        TelemetryConfig.from_cli(endpoint="")


@pytest.mark.parametrize(
    ("backend", "endpoint", "expected"),
    [
        ("prom", None, BackendConfig(kind=BackendKind.PROMETHEUS)),
        (
            "statsd",
            "10.0.0.1:8125",
            BackendConfig(kind=BackendKind.STATSD, endpoint="10.0.0.1:8125"),
        ),
        (None, "http://c:4317", BackendConfig(kind=BackendKind.OTLP, endpoint="http://c:4317")),
    ],
)
def test_cli_backend_selectors_give_one_backend_and_the_override_hint(
    backend: str | None, endpoint: str | None, expected: BackendConfig
) -> None:
    """``--telemetry-endpoint`` alone selects one otlp backend."""
    config = TelemetryConfig.from_cli(backend=backend, endpoint=endpoint)
    assert ((expected,), True) == (config.backends, config.cli_backend_override)


def test_cli_config_path_is_kept_as_a_hint() -> None:
    assert "ci.toml" == TelemetryConfig.from_cli(config_path="ci.toml").cli_config_path


# --- precedence (§7.6) -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cli", "file", "expected"),
    [
        ("off", "on", OFF),
        ("on", "off", ON),
        ("user-only", "on", USER_ONLY),
        ("operator-only", "user-only", OPERATOR_ONLY),
        ("off", "operator-only", OFF),
        (None, "on", ON),
        (None, "operator-only", OPERATOR_ONLY),
        (None, None, USER_ONLY),
    ],
)
def test_audience_precedence_table(
    cli: str | None, file: str | None, expected: TelemetryAudience
) -> None:
    section = {} if file is None else {"audience": file}
    assert expected is merge_config(TelemetryConfig.from_cli(telemetry=cli), section).audience
    cli_audience = None if cli is None else TelemetryAudience.parse(cli)
    file_audience = None if file is None else TelemetryAudience.parse(file)
    assert expected is resolve_audience(cli_audience, file_audience, USER_ONLY)


@given(st.sampled_from(TelemetryAudience), st.sampled_from(TelemetryAudience))
def test_an_explicit_cli_audience_is_never_changed_by_the_file(
    cli: TelemetryAudience, file: TelemetryAudience
) -> None:
    """``--telemetry off`` can never be re-enabled by a checked-in file."""
    merged = merge_config(TelemetryConfig.from_cli(telemetry=cli.value), {"audience": file.value})
    assert cli is merged.audience


def test_explicit_user_only_flag_beats_a_file_audience_of_on() -> None:
    """Presence decides, not comparison with the default (which is also user-only)."""
    merged = merge_config(TelemetryConfig.from_cli(telemetry="user-only"), {"audience": "on"})
    assert USER_ONLY is merged.audience


def test_no_section_returns_the_cli_config_unchanged() -> None:
    cli = TelemetryConfig.from_cli(telemetry="on", backend="log", config_path="c.toml")
    assert cli is merge_config(cli, None)


def test_the_file_backend_applies_when_no_cli_selector_was_given() -> None:
    merged = merge_config(TelemetryConfig.from_cli(), {"backend": "otel", "endpoint": "http://c"})
    assert (BackendConfig(kind=BackendKind.OTLP, endpoint="http://c"),) == merged.backends


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ({"backend": "stderr"}, BackendConfig(kind=BackendKind.STDERR)),
        ({"endpoint": "http://cli"}, BackendConfig(kind=BackendKind.OTLP, endpoint="http://cli")),
    ],
)
def test_a_cli_backend_selector_beats_the_file_backend(
    flags: dict[str, str], expected: BackendConfig
) -> None:
    merged = merge_config(
        TelemetryConfig.from_cli(**flags), {"backend": "file", "path": ".chaffra/f.json"}
    )
    assert (expected,) == merged.backends


def test_no_backend_anywhere_keeps_the_default_json_file_backend() -> None:
    assert (DEFAULT_BACKEND,) == merge_config(
        TelemetryConfig.from_cli(), {"audience": "on"}
    ).backends


def test_a_file_with_only_backend_keeps_the_cli_base_sampling() -> None:
    cli = TelemetryConfig(sampling_rate=0.25, sampling_strategy=SamplingStrategy.ON_CHANGE)
    merged = merge_config(cli, {"backend": "stderr"})
    assert (0.25, SamplingStrategy.ON_CHANGE) == (merged.sampling_rate, merged.sampling_strategy)


def test_a_file_that_omits_sampling_keys_does_not_reset_them() -> None:
    cli = TelemetryConfig(sampling_rate=0.5, sampling_strategy=SamplingStrategy.ON_CHANGE)
    merged = merge_config(cli, {"audience": "on"})
    assert (0.5, SamplingStrategy.ON_CHANGE) == (merged.sampling_rate, merged.sampling_strategy)


def test_file_sampling_keys_override_the_cli_base() -> None:
    merged = merge_config(
        TelemetryConfig.from_cli(telemetry="on"),
        {"sampling_rate": 0.1, "sampling_strategy": "on-change"},
    )
    assert (0.1, SamplingStrategy.ON_CHANGE) == (merged.sampling_rate, merged.sampling_strategy)


@pytest.mark.parametrize(
    ("flags", "section", "error"),
    [
        ({"telemetry": "off"}, {"audience": "true"}, InvalidAudience),
        ({"backend": "stderr"}, {"backend": "kafka"}, InvalidBackendConfig),
        ({"endpoint": "http://cli"}, {"endpoint": "http://file"}, ConfigError),
    ],
)
def test_the_whole_section_is_validated_even_where_the_cli_overrides_it(
    flags: dict[str, str], section: dict[str, object], error: type[ConfigError]
) -> None:
    with pytest.raises(error):
        merge_config(TelemetryConfig.from_cli(**flags), section)


def test_merge_keeps_the_cli_precedence_hints() -> None:
    cli = TelemetryConfig.from_cli(telemetry="on", endpoint="http://c", config_path="p.toml")
    merged = merge_config(cli, {"sampling-rate": 0.5})
    assert (ON, True, "p.toml") == (
        merged.cli_audience_override,
        merged.cli_backend_override,
        merged.cli_config_path,
    )
