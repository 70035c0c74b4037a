"""Telemetry configuration: value parsing, section structure, value types and JSON shape (§7)."""

from __future__ import annotations

import json
from collections.abc import Mapping

import attrs
import cattrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chaffra_telemetry._audience import TelemetryAudience
from chaffra_telemetry._config import (
    DEFAULT_JSON_FILE_PATH,
    VALID_KEYS,
    BackendConfig,
    BackendKind,
    TelemetryConfig,
    TelemetryFileSection,
    register_config_hooks,
    to_display,
)
from chaffra_telemetry._converter import make_converter
from chaffra_telemetry._sampling import SamplingStrategy
from chaffra_telemetry.errors import (
    ConfigError,
    InvalidAudience,
    InvalidBackendConfig,
    InvalidSamplingConfig,
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


# --- value parsing (§7.2) -------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("on", ON),
        ("ON", ON),
        ("off", OFF),
        ("Off", OFF),
        ("user-only", USER_ONLY),
        ("user_only", USER_ONLY),
        ("USER-ONLY", USER_ONLY),
        ("operator-only", OPERATOR_ONLY),
        ("operator_only", OPERATOR_ONLY),
        ("Operator_Only", OPERATOR_ONLY),
    ],
)
def test_file_audience_accepts_every_spelling_and_case(
    text: str, expected: TelemetryAudience
) -> None:
    assert expected is TelemetryFileSection.parse({"audience": text}).audience


@pytest.mark.parametrize(
    "value",
    ["true", "1", "false", "0", "user", "operator", " on", "on ", "", "yes", True, False, 1, 0],
)
def test_file_audience_rejects_booleans_numbers_and_bare_scopes(value: object) -> None:
    """A TOML ``audience = true`` must not become an operator opt-in."""
    with pytest.raises(InvalidAudience) as caught:
        TelemetryConfig.from_module_config({"audience": value})
    message = str(caught.value)
    assert "audience" in message
    assert shown(value) in message
    assert AUDIENCES_TEXT in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("json-file", BackendKind.JSON_FILE),
        ("json_file", BackendKind.JSON_FILE),
        ("JSON-FILE", BackendKind.JSON_FILE),
        ("json", BackendKind.JSON_FILE),
        ("file", BackendKind.JSON_FILE),
        ("File", BackendKind.JSON_FILE),
        ("stderr", BackendKind.STDERR),
        ("STDERR", BackendKind.STDERR),
        ("log", BackendKind.STDERR),
        ("prometheus", BackendKind.PROMETHEUS),
        ("Prometheus", BackendKind.PROMETHEUS),
        ("prom", BackendKind.PROMETHEUS),
        ("otlp", BackendKind.OTLP),
        ("OTLP", BackendKind.OTLP),
        ("otel", BackendKind.OTLP),
        ("opentelemetry", BackendKind.OTLP),
        ("OpenTelemetry", BackendKind.OTLP),
        ("statsd", BackendKind.STATSD),
        ("StatsD", BackendKind.STATSD),
        ("cloudwatch", BackendKind.CLOUDWATCH),
        ("CloudWatch", BackendKind.CLOUDWATCH),
        ("cw", BackendKind.CLOUDWATCH),
        ("CW", BackendKind.CLOUDWATCH),
    ],
)
def test_backend_parse_accepts_every_alias_and_case(text: str, expected: BackendKind) -> None:
    assert expected is BackendKind.parse(text)


@pytest.mark.parametrize(
    "value", ["", " json", "json ", "jsonfile", "JsonFile", "cloud-watch", "kafka", True, 1, None]
)
def test_backend_parse_rejects_unknown_spellings_and_non_strings(value: object) -> None:
    with pytest.raises(InvalidBackendConfig) as caught:
        TelemetryConfig.from_module_config({"backend": value})
    message = str(caught.value)
    assert "backend" in message
    assert shown(value) in message
    assert BACKENDS_TEXT in message


def test_backend_values_are_the_config_spellings() -> None:
    assert BACKENDS_TEXT.split(", ") == [str(kind) for kind in BackendKind]
    assert "cloudwatch" == BackendConfig(kind=BackendKind.CLOUDWATCH).name


@pytest.mark.parametrize("key", ["sampling-rate", "sampling_rate"])
@pytest.mark.parametrize(("value", "expected"), [("0.5", 0.5), (0.5, 0.5), (1, 1.0), (0, 0.0)])
def test_file_sampling_rate_accepts_numbers_and_numeric_strings_under_both_spellings(
    key: str, value: object, expected: float
) -> None:
    assert expected == TelemetryConfig.from_module_config({key: value}).sampling_rate


@pytest.mark.parametrize("key", ["sampling-rate", "sampling_rate"])
@pytest.mark.parametrize(
    ("value", "needle"),
    [
        (-1.0, "[0.0, 1.0]"),
        (5.0, "[0.0, 1.0]"),
        ("NaN", "non-finite"),
        ("nan", "non-finite"),
        ("inf", "non-finite"),
        ("-inf", "non-finite"),
        (float("nan"), "non-finite"),
        (float("inf"), "non-finite"),
        ("banana", "[0.0, 1.0]"),
        (True, "[0.0, 1.0]"),
        (" 0.5 ", "[0.0, 1.0]"),
        ("1_0", "[0.0, 1.0]"),
    ],
)
def test_file_sampling_rate_rejects_bad_values_naming_the_spelling_used(
    key: str, value: object, needle: str
) -> None:
    with pytest.raises(InvalidSamplingConfig) as caught:
        TelemetryConfig.from_module_config({key: value})
    message = str(caught.value)
    assert key in message
    assert shown(value) in message
    assert needle in message


@pytest.mark.parametrize("key", ["sampling-strategy", "sampling_strategy"])
@pytest.mark.parametrize(
    ("value", "expected"),
    [("rate", SamplingStrategy.RATE), ("ON_CHANGE", SamplingStrategy.ON_CHANGE)],
)
def test_file_sampling_strategy_is_read_under_both_spellings(
    key: str, value: str, expected: SamplingStrategy
) -> None:
    assert expected is TelemetryConfig.from_module_config({key: value}).sampling_strategy


@pytest.mark.parametrize("key", ["sampling-strategy", "sampling_strategy"])
@pytest.mark.parametrize("value", ["random", " rate", True, 1])
def test_file_sampling_strategy_rejects_bad_values(key: str, value: object) -> None:
    with pytest.raises(InvalidSamplingConfig) as caught:
        TelemetryConfig.from_module_config({key: value})
    message = str(caught.value)
    assert key in message
    assert shown(value) in message
    assert "rate, on-change" in message


@pytest.mark.parametrize(
    ("section", "bad_key", "bad_value"),
    [
        ({"sampling-rate": 0.5, "sampling_rate": 5.0}, "sampling_rate", 5.0),
        ({"sampling-rate": "nan", "sampling_rate": 0.5}, "sampling-rate", "nan"),
        (
            {"sampling-strategy": "rate", "sampling_strategy": "sometimes"},
            "sampling_strategy",
            "sometimes",
        ),
        ({"sampling-strategy": "often", "sampling_strategy": "rate"}, "sampling-strategy", "often"),
    ],
)
def test_both_spellings_present_with_one_invalid_is_rejected(
    section: dict[str, object], bad_key: str, bad_value: object
) -> None:
    with pytest.raises(InvalidSamplingConfig) as caught:
        TelemetryFileSection.parse(section)
    assert bad_key == caught.value.key
    assert shown(bad_value) in str(caught.value)


def test_both_spellings_valid_means_the_kebab_case_one_wins() -> None:
    section = TelemetryFileSection.parse(
        {
            "sampling_rate": 0.1,
            "sampling-rate": 0.9,
            "sampling_strategy": "rate",
            "sampling-strategy": "on-change",
        }
    )
    assert 0.9 == section.sampling_rate
    assert SamplingStrategy.ON_CHANGE is section.sampling_strategy


# --- section structure (§7.1, §7.3, Beyond 13) --------------------------------------------


def test_an_empty_section_marks_every_key_absent_and_yields_the_defaults() -> None:
    assert TelemetryFileSection() == TelemetryFileSection.parse({})
    assert TelemetryConfig() == TelemetryConfig.from_module_config({})


def test_the_default_config_is_user_only_one_json_file_backend_rate_one() -> None:
    config = TelemetryConfig()
    assert USER_ONLY is config.audience
    assert (DEFAULT_BACKEND,) == config.backends
    assert 1.0 == config.sampling_rate
    assert SamplingStrategy.RATE is config.sampling_strategy
    assert (None, False, None) == (
        config.cli_audience_override,
        config.cli_backend_override,
        config.cli_config_path,
    )


def test_a_full_section_sets_every_field() -> None:
    config = TelemetryConfig.from_module_config(
        {
            "audience": "operator-only",
            "backend": "statsd",
            "endpoint": "127.0.0.1:8125",
            "sampling-rate": "0.25",
            "sampling-strategy": "change",
        }
    )
    expected = TelemetryConfig(
        audience=OPERATOR_ONLY,
        backends=(BackendConfig(kind=BackendKind.STATSD, endpoint="127.0.0.1:8125"),),
        sampling_rate=0.25,
        sampling_strategy=SamplingStrategy.ON_CHANGE,
    )
    assert expected == config


def test_path_without_backend_means_a_json_file_backend_at_that_path() -> None:
    section = TelemetryFileSection.parse({"path": "out/telemetry.json"})
    assert (
        BackendConfig(kind=BackendKind.JSON_FILE, path="out/telemetry.json"),
    ) == section.backends


def test_endpoint_without_backend_is_rejected() -> None:
    with pytest.raises(ConfigError) as caught:
        TelemetryFileSection.parse({"endpoint": "http://collector:4317", "path": "x.json"})
    message = str(caught.value)
    assert "endpoint" in message
    assert '"http://collector:4317"' in message
    assert "backend" in message


@pytest.mark.parametrize("key", ["endpoint", "path"])
@pytest.mark.parametrize("value", ["", 4317, True, None, ["a"]])
def test_endpoint_and_path_must_be_non_empty_strings(key: str, value: object) -> None:
    with pytest.raises(ConfigError) as caught:
        TelemetryFileSection.parse({"backend": "otlp", key: value})
    message = str(caught.value)
    assert key in message
    assert shown(value) in message
    assert "a non-empty string" in message


def test_an_unknown_key_close_to_a_valid_one_gets_a_did_you_mean() -> None:
    """A typo such as ``sampling-rte`` must not silently keep rate 1.0."""
    with pytest.raises(ConfigError) as caught:
        TelemetryConfig.from_module_config({"audience": "on", "sampling-rte": 0.1})
    message = str(caught.value)
    assert "sampling-rte" in message
    assert 'did you mean "sampling-rate"' in message
    assert ", ".join(VALID_KEYS) in message


def test_an_unknown_key_far_from_every_valid_one_lists_the_valid_keys_only() -> None:
    with pytest.raises(ConfigError) as caught:
        TelemetryFileSection.parse({"colour": "blue"})
    message = str(caught.value)
    assert "colour" in message
    assert "did you mean" not in message
    assert ", ".join(VALID_KEYS) in message


@given(
    st.dictionaries(
        st.one_of(st.sampled_from(VALID_KEYS), st.text(max_size=20)),
        st.one_of(st.text(), st.floats(), st.integers(), st.booleans(), st.none()),
        max_size=6,
    )
)
def test_parsing_any_section_returns_a_section_or_raises_config_error(
    section: dict[str, object],
) -> None:
    try:
        TelemetryFileSection.parse(section)
    except ConfigError:
        return


@given(st.text())
def test_parsing_any_backend_or_audience_text_returns_a_member_or_raises_config_error(
    text: str,
) -> None:
    for parse, members in (
        (BackendKind.parse, set(BackendKind)),
        (TelemetryAudience.parse, set(TelemetryAudience)),
    ):
        try:
            parsed = parse(text)
        except ConfigError:
            continue
        assert parsed in members


# --- value types -------------------------------------------------------------------------


def test_backend_options_are_a_read_only_copy_and_the_config_stays_hashable() -> None:
    source = {"port": "9090"}
    backend = BackendConfig(kind=BackendKind.PROMETHEUS, options=source)
    source["port"] = "1"
    assert {"port": "9090"} == backend.options
    with pytest.raises(TypeError):
        backend.options["port"] = "2"  # type: ignore[index]
    assert hash(BackendConfig(kind=BackendKind.PROMETHEUS, options={"port": "9090"})) == hash(
        backend
    )


def test_a_config_rejects_an_out_of_range_sampling_rate_on_construction() -> None:
    with pytest.raises(InvalidSamplingConfig, match=r"sampling_rate = 2\.0 .*\[0\.0, 1\.0\]"):
        TelemetryConfig(sampling_rate=2.0)


# --- display and JSON shape (§7.4, Beyond 14) ------------------------------------------------


def test_display_without_operator_scope_shows_only_the_audience() -> None:
    config = TelemetryConfig.from_cli(telemetry="user-only", backend="cw", endpoint="stderr")
    assert {"audience": "user-only"} == to_display(config)


def test_display_with_operator_scope_uses_config_spellings_and_no_hints() -> None:
    config = TelemetryConfig.from_cli(telemetry="on", backend="cw", config_path="c.toml")
    expected = {
        "audience": "on",
        "backends": [{"kind": "cloudwatch", "endpoint": None, "path": None, "options": {}}],
        "sampling_rate": 1.0,
        "sampling_strategy": "rate",
    }
    displayed = to_display(config, include_operator=True)
    assert expected == displayed
    assert converter().unstructure(config) == displayed


def test_the_default_config_unstructures_to_the_documented_json_shape() -> None:
    expected = {
        "audience": "user-only",
        "backends": [
            {"kind": "json-file", "endpoint": None, "path": DEFAULT_JSON_FILE_PATH, "options": {}}
        ],
        "sampling_rate": 1.0,
        "sampling_strategy": "rate",
    }
    unstructured = converter().unstructure(TelemetryConfig())
    assert expected == unstructured
    assert str is type(unstructured["audience"])
    assert expected == json.loads(json.dumps(unstructured))


def test_hints_are_never_serialized_and_a_structured_config_has_them_unset() -> None:
    conv = converter()
    cli = TelemetryConfig.from_cli(telemetry="off", backend="log", config_path="c.toml")
    unstructured = conv.unstructure(cli)
    assert not set(unstructured) & {
        "cli_audience_override",
        "cli_backend_override",
        "cli_config_path",
    }
    expected = attrs.evolve(
        cli, cli_audience_override=None, cli_backend_override=False, cli_config_path=None
    )
    assert expected == conv.structure(unstructured, TelemetryConfig)


@pytest.mark.parametrize(
    "change",
    [
        {"cli_backend_override": True},
        {"sampling_rate": 3.0},
        {"audience": "true"},
        {"sampling_strategy": "onchange"},
    ],
)
def test_structuring_rejects_hints_and_invalid_values(change: Mapping[str, object]) -> None:
    conv = converter()
    with pytest.raises(cattrs.ClassValidationError):
        conv.structure({**conv.unstructure(TelemetryConfig()), **change}, TelemetryConfig)


backend_configs = st.builds(
    BackendConfig,
    kind=st.sampled_from(BackendKind),
    endpoint=st.none() | st.text(),
    path=st.none() | st.text(),
    options=st.dictionaries(st.text(), st.text(), max_size=3),
)
telemetry_configs = st.builds(
    TelemetryConfig,
    audience=st.sampled_from(TelemetryAudience),
    backends=st.lists(backend_configs, max_size=3).map(tuple),
    sampling_rate=st.floats(min_value=0.0, max_value=1.0),
    sampling_strategy=st.sampled_from(SamplingStrategy),
)


@given(backend_configs)
def test_backend_config_round_trips_through_the_package_converter(backend: BackendConfig) -> None:
    conv = converter()
    assert backend == conv.structure(conv.unstructure(backend), BackendConfig)


@given(telemetry_configs)
def test_telemetry_config_round_trips_through_json(config: TelemetryConfig) -> None:
    conv = converter()
    text = json.dumps(conv.unstructure(config))
    assert config == conv.structure(json.loads(text), TelemetryConfig)
