"""Sampling strategy parsing, rate parsing and the sampling decision (spec §7.2, §8.1)."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chaffra_telemetry._sampling import (
    SamplingDecision,
    SamplingStrategy,
    check_sampling_rate,
    parse_sampling_rate,
    should_sample,
)
from chaffra_telemetry.errors import ConfigError, InvalidSamplingConfig

EMIT = SamplingDecision.EMIT
SKIP = SamplingDecision.SKIP
RATE = SamplingStrategy.RATE
ON_CHANGE = SamplingStrategy.ON_CHANGE
hashes = st.integers(min_value=-(2**63), max_value=2**64)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rate", RATE),
        ("RATE", RATE),
        ("Rate", RATE),
        ("on-change", ON_CHANGE),
        ("on_change", ON_CHANGE),
        ("ON-CHANGE", ON_CHANGE),
        ("On_Change", ON_CHANGE),
        ("onchange", ON_CHANGE),
        ("OnChange", ON_CHANGE),
        ("change", ON_CHANGE),
        ("CHANGE", ON_CHANGE),
    ],
)
def test_strategy_parse_accepts_every_alias_and_case(text: str, expected: SamplingStrategy) -> None:
    assert expected is SamplingStrategy.parse(text, key="sampling-strategy")


@pytest.mark.parametrize(
    "value",
    ["", " rate", "rate ", "random", "on change", "on--change", "changed", True, 1, None, 0.5],
)
def test_strategy_parse_rejects_unknown_spellings_and_non_strings(value: object) -> None:
    with pytest.raises(InvalidSamplingConfig) as caught:
        SamplingStrategy.parse(value, key="sampling_strategy")
    message = str(caught.value)
    assert "sampling_strategy" in message
    assert (f'"{value}"' if isinstance(value, str) else repr(value)) in message
    assert "rate, on-change" in message


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("0.5", 0.5),
        (0.5, 0.5),
        (1, 1.0),
        (0, 0.0),
        ("1", 1.0),
        ("0", 0.0),
        (".5", 0.5),
        ("1.", 1.0),
        ("+0.25", 0.25),
        ("-0", 0.0),
        ("1e-1", 0.1),
        ("5E-1", 0.5),
        ("1.0", 1.0),
        (0.0, 0.0),
    ],
)
def test_sampling_rate_accepts_numbers_and_strict_decimal_strings(
    value: object, expected: float
) -> None:
    """Exponent notation is accepted on purpose: TOML floats allow it too."""
    parsed = parse_sampling_rate(value, key="sampling-rate")
    assert expected == parsed
    assert type(parsed) is float


@pytest.mark.parametrize(
    ("value", "shown", "needle"),
    [
        (-1.0, "-1.0", "[0.0, 1.0]"),
        (5.0, "5.0", "[0.0, 1.0]"),
        (2, "2", "[0.0, 1.0]"),
        (10**400, "1" + "0" * 400, "[0.0, 1.0]"),
        ("1.5", '"1.5"', "[0.0, 1.0]"),
        ("-0.1", '"-0.1"', "[0.0, 1.0]"),
        ("NaN", '"NaN"', "non-finite"),
        ("nan", '"nan"', "non-finite"),
        ("inf", '"inf"', "non-finite"),
        ("-inf", '"-inf"', "non-finite"),
        ("+Infinity", '"+Infinity"', "non-finite"),
        ("1e999", '"1e999"', "non-finite"),
        (float("nan"), "nan", "non-finite"),
        (float("inf"), "inf", "non-finite"),
        (float("-inf"), "-inf", "non-finite"),
        ("banana", '"banana"', "[0.0, 1.0]"),
        (" 0.5 ", '" 0.5 "', "[0.0, 1.0]"),
        ("0.5\n", '"0.5\n"', "[0.0, 1.0]"),
        ("1_0", '"1_0"', "[0.0, 1.0]"),
        ("", '""', "[0.0, 1.0]"),
        ("0x1", '"0x1"', "[0.0, 1.0]"),
        ("½", '"½"', "[0.0, 1.0]"),
        (True, "True", "[0.0, 1.0]"),
        (False, "False", "[0.0, 1.0]"),
        (None, "None", "[0.0, 1.0]"),
        ([0.5], "[0.5]", "[0.0, 1.0]"),
    ],
)
def test_sampling_rate_rejects_non_numbers_non_finite_and_out_of_range(
    value: object, shown: str, needle: str
) -> None:
    """Never clamped, never coerced: ``True`` is not 1.0 and ``" 0.5 "`` is not 0.5."""
    with pytest.raises(InvalidSamplingConfig) as caught:
        parse_sampling_rate(value, key="sampling_rate")
    message = str(caught.value)
    assert "sampling_rate" in message
    assert shown in message
    assert needle in message


def test_check_sampling_rate_names_the_rate_itself_by_default() -> None:
    with pytest.raises(InvalidSamplingConfig, match=r"rate = 1\.5 \(out of range"):
        check_sampling_rate(1.5, key="rate")


@given(st.text())
def test_strategy_parse_of_any_text_returns_a_member_or_raises_config_error(text: str) -> None:
    try:
        parsed = SamplingStrategy.parse(text, key="sampling-strategy")
    except ConfigError:
        return
    assert parsed in set(SamplingStrategy)


@given(st.one_of(st.text(), st.floats(), st.integers(), st.booleans(), st.none()))
def test_sampling_rate_parse_returns_a_finite_rate_in_range_or_raises_config_error(
    value: object,
) -> None:
    try:
        parsed = parse_sampling_rate(value, key="sampling-rate")
    except ConfigError:
        return
    assert 0.0 <= parsed <= 1.0


@given(st.floats(min_value=1.0, allow_nan=False), hashes, st.one_of(st.none(), hashes))
def test_rate_at_or_above_one_always_emits(rate: float, current: int, previous: int | None) -> None:
    assert EMIT is should_sample(RATE, rate, current, previous)


@given(st.floats(max_value=0.0, allow_nan=False), hashes, st.one_of(st.none(), hashes))
def test_rate_at_or_below_zero_never_emits(rate: float, current: int, previous: int | None) -> None:
    assert SKIP is should_sample(RATE, rate, current, previous)


@given(
    st.floats(min_value=0.0, max_value=1.0, exclude_min=True, exclude_max=True),
    st.integers(),
)
def test_rate_decisions_with_a_seeded_random_are_deterministic(rate: float, seed: int) -> None:
    first = [should_sample(RATE, rate, 1, 1, rng=random.Random(seed)) for _ in range(5)]
    again = [should_sample(RATE, rate, 1, 1, rng=random.Random(seed)) for _ in range(5)]
    assert first == again


@given(st.floats(min_value=0.0, max_value=1.0, exclude_min=True, exclude_max=True), st.integers())
def test_rate_emits_exactly_when_the_draw_falls_below_the_rate(rate: float, seed: int) -> None:
    expected = EMIT if random.Random(seed).random() < rate else SKIP
    assert expected is should_sample(RATE, rate, 0, None, rng=random.Random(seed))


def test_rate_without_an_injected_random_uses_the_module_default() -> None:
    assert should_sample(RATE, 0.5, 0, None) in {EMIT, SKIP}


def test_rate_emits_roughly_the_configured_fraction_of_runs() -> None:
    rng = random.Random(1234)
    emitted = sum(should_sample(RATE, 0.25, 0, None, rng=rng) is EMIT for _ in range(10_000))
    assert 2300 < emitted < 2700


@given(hashes, st.floats(allow_nan=True))
def test_on_change_emits_without_a_previous_hash_whatever_the_rate(
    current: int, rate: float
) -> None:
    assert EMIT is should_sample(ON_CHANGE, rate, current, None)


@given(hashes, st.floats(allow_nan=True))
def test_on_change_skips_an_unchanged_hash_whatever_the_rate(current: int, rate: float) -> None:
    assert SKIP is should_sample(ON_CHANGE, rate, current, current)


@given(hashes, hashes)
def test_on_change_emits_iff_the_hash_changed(current: int, previous: int) -> None:
    expected = EMIT if current != previous else SKIP
    assert expected is should_sample(ON_CHANGE, 0.0, current, previous)


def test_on_change_never_draws_from_the_random_source() -> None:
    rng = random.Random(7)
    state = rng.getstate()
    should_sample(ON_CHANGE, 0.5, 1, 2, rng=rng)
    assert state == rng.getstate()


def test_decision_and_strategy_values_are_the_wire_spellings() -> None:
    assert ["emit", "skip"] == [str(member) for member in SamplingDecision]
    assert ["rate", "on-change"] == [str(member) for member in SamplingStrategy]
