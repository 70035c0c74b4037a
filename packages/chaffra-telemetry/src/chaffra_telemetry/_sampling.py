"""Sampling: whether a successful run's telemetry is handed to the backends."""

from __future__ import annotations

import math
import random
import re

from chaffra_telemetry._compat import StrEnum
from chaffra_telemetry.errors import InvalidSamplingConfig, describe_allowed

__all__ = [
    "SamplingDecision",
    "SamplingStrategy",
    "check_sampling_rate",
    "parse_sampling_rate",
    "should_sample",
]

RATE_ALLOWED = "a finite number in [0.0, 1.0]"

# Plain decimals with an optional exponent ("0.5", "1", ".5", "1e-1"). No sign
# other than a leading one, no whitespace, no "_" separators: float() would
# accept " 0.5 " and "1_0", which a config file must not.
_DECIMAL = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
_NON_FINITE_TEXT = re.compile(r"[+-]?(?:nan|inf|infinity)", re.IGNORECASE)

# Process-wide source of randomness; callers that need determinism pass ``rng``.
_DEFAULT_RNG = random.Random()


class SamplingStrategy(StrEnum):
    """How :func:`should_sample` decides: a random fraction, or only on change."""

    RATE = "rate"
    ON_CHANGE = "on-change"

    @classmethod
    def parse(cls, value: object, *, key: str) -> SamplingStrategy:
        """Parse a user-written strategy: lowercase, ``_`` read as ``-``, no trimming.

        Accepts ``rate`` and ``on-change``/``onchange``/``change``.

        Raises:
            InvalidSamplingConfig: ``value`` is not a string or not a known spelling.
        """
        if isinstance(value, str):
            member = _STRATEGY_ALIASES.get(value.lower().replace("_", "-"))
            if member is not None:
                return member
        raise InvalidSamplingConfig(key, value, describe_allowed(cls))


_STRATEGY_ALIASES = {
    "rate": SamplingStrategy.RATE,
    "on-change": SamplingStrategy.ON_CHANGE,
    "onchange": SamplingStrategy.ON_CHANGE,
    "change": SamplingStrategy.ON_CHANGE,
}


class SamplingDecision(StrEnum):
    """Whether this run's telemetry is emitted."""

    EMIT = "emit"
    SKIP = "skip"


def should_sample(
    strategy: SamplingStrategy,
    rate: float,
    current_hash: int,
    previous_hash: int | None,
    *,
    rng: random.Random | None = None,
) -> SamplingDecision:
    """Decide whether to emit this run's telemetry.

    ``rate``: emit always at ``rate >= 1``, never at ``rate <= 0``, otherwise when
    a uniform draw from ``rng`` falls below ``rate``. ``on-change``: emit when
    there is no previous findings hash or it differs from ``current_hash``; the
    rate is ignored and ``rng`` is not drawn from.
    """
    if strategy is SamplingStrategy.ON_CHANGE:
        changed = previous_hash is None or previous_hash != current_hash
        return SamplingDecision.EMIT if changed else SamplingDecision.SKIP
    if rate >= 1.0:
        return SamplingDecision.EMIT
    if rate <= 0.0:
        return SamplingDecision.SKIP
    draw = (rng if rng is not None else _DEFAULT_RNG).random()
    return SamplingDecision.EMIT if draw < rate else SamplingDecision.SKIP


def parse_sampling_rate(value: object, *, key: str) -> float:
    """Parse a user-written sampling rate: a number or a strict decimal string.

    Booleans are rejected although Python counts them as ints, and so are
    padded strings, digit separators, NaN, infinities and values outside
    [0.0, 1.0] (never clamped).

    Raises:
        InvalidSamplingConfig: naming ``key``, the rejected value and the range.
    """
    if isinstance(value, str):
        if _NON_FINITE_TEXT.fullmatch(value):
            raise InvalidSamplingConfig(key, value, RATE_ALLOWED, reason="non-finite value")
        if not _DECIMAL.fullmatch(value):
            raise InvalidSamplingConfig(key, value, RATE_ALLOWED, reason="not a decimal number")
        number = float(value)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        try:
            number = float(value)
        except OverflowError:  # an int too large for a float
            raise InvalidSamplingConfig(key, value, RATE_ALLOWED, reason="out of range") from None
    else:
        raise InvalidSamplingConfig(key, value, RATE_ALLOWED, reason="not a number")
    check_sampling_rate(number, key=key, shown=value)
    return number


def check_sampling_rate(rate: float, *, key: str, shown: object = None) -> None:
    """Check that an already numeric ``rate`` is finite and within [0.0, 1.0].

    ``shown`` is the value to name in the error (defaults to ``rate``).

    Raises:
        InvalidSamplingConfig: the rate is non-finite or out of range.
    """
    shown = rate if shown is None else shown
    if not math.isfinite(rate):
        raise InvalidSamplingConfig(key, shown, RATE_ALLOWED, reason="non-finite value")
    if not 0.0 <= rate <= 1.0:
        raise InvalidSamplingConfig(key, shown, RATE_ALLOWED, reason="out of range")
