"""Telemetry audiences: who may see what a run recorded."""

from __future__ import annotations

from chaffra_telemetry._compat import StrEnum
from chaffra_telemetry.errors import InvalidAudience

__all__ = ["TelemetryAudience"]

_ALIASES = {"user_only": "user-only", "operator_only": "operator-only"}


class TelemetryAudience(StrEnum):
    """Which scopes of telemetry may leave the process.

    ``user-only`` (the default) admits what describes the user's own code;
    ``operator-only`` admits what describes the machine and the tool
    (latencies, error counters, cache pressure); ``on`` admits both; ``off``
    admits nothing and makes every telemetry path side-effect free.
    """

    ON = "on"
    OFF = "off"
    USER_ONLY = "user-only"
    OPERATOR_ONLY = "operator-only"

    @property
    def user_enabled(self) -> bool:
        """True when user-scoped data may be emitted."""
        return self in _USER_AUDIENCES

    @property
    def operator_enabled(self) -> bool:
        """True when operator-scoped data may be emitted."""
        return self in _OPERATOR_AUDIENCES

    @classmethod
    def from_scopes(cls, *, user: bool, operator: bool) -> TelemetryAudience:
        """The audience admitting exactly the given scopes."""
        if user and operator:
            return cls.ON
        if user:
            return cls.USER_ONLY
        if operator:
            return cls.OPERATOR_ONLY
        return cls.OFF

    def intersect(self, other: TelemetryAudience) -> TelemetryAudience:
        """The audience admitting only what both admit (projection composes this way)."""
        return TelemetryAudience.from_scopes(
            user=self.user_enabled and other.user_enabled,
            operator=self.operator_enabled and other.operator_enabled,
        )

    @classmethod
    def parse(cls, value: object, *, key: str = "audience") -> TelemetryAudience:
        """Parse a user-written audience, case-insensitively, without trimming.

        Accepts ``on``, ``off``, ``user-only``, ``operator-only`` and the
        underscore spellings. Booleans, ``1``/``0``, bare ``user``/``operator``
        and anything that is not a string are rejected.

        Raises:
            InvalidAudience: naming ``key`` and the rejected value.
        """
        if not isinstance(value, str):
            raise InvalidAudience(value, key=key)
        lowered = value.lower()
        try:
            return cls(_ALIASES.get(lowered, lowered))
        except ValueError:
            raise InvalidAudience(value, key=key) from None


_USER_AUDIENCES = frozenset({TelemetryAudience.ON, TelemetryAudience.USER_ONLY})
_OPERATOR_AUDIENCES = frozenset({TelemetryAudience.ON, TelemetryAudience.OPERATOR_ONLY})
