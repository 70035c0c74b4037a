"""``[modules.dead-code]``: the settings, validated fail-closed."""

from __future__ import annotations

import fnmatch

import attrs

from chaffra_core._module import ModuleConfig
from chaffra_core._module_schema import ConfigKey, ConfigSchema, ValueKind
from chaffra_core.analyzers.dead_code._rules import Confidence
from chaffra_core.errors import ConfigError

__all__ = ["CONFIG_SCHEMA", "KEYS", "Settings"]

KEYS = ("min-confidence", "unused-argument", "whitelist", "ignore-names")
"""The keys of ``[modules.dead-code]``."""

CONFIG_SCHEMA = ConfigSchema(
    keys=(
        ConfigKey(
            name="min-confidence",
            kind=ValueKind.INTEGER,
            default=Confidence.DEFAULT_MINIMUM,
            minimum=0,
            maximum=100,
            description="report findings with this confidence (0-100, as vulture's) or more",
        ),
        ConfigKey(
            name="unused-argument",
            kind=ValueKind.BOOLEAN,
            default=False,
            description="report unused function arguments",
        ),
        ConfigKey(
            name="whitelist",
            kind=ValueKind.STRINGS,
            default=[],
            description="vulture whitelist files (relative to the project root)",
        ),
        ConfigKey(
            name="ignore-names",
            kind=ValueKind.STRINGS,
            default=[],
            description="globs of names never reported (vulture's --ignore-names)",
        ),
    )
)
"""The settings of ``[modules.dead-code]``, checked before a run."""


@attrs.frozen(kw_only=True)
class Settings:
    """``min_confidence``: report findings at or above it (0-100, default 60);
    ``unused_argument``: report unused parameters (off by default);
    ``whitelist``: vulture whitelist files (root-relative) whose names count as used;
    ``ignore_names``: globs of names never reported (vulture's ``--ignore-names``)."""

    min_confidence: int = Confidence.DEFAULT_MINIMUM
    unused_argument: bool = False
    whitelist: tuple[str, ...] = ()
    ignore_names: tuple[str, ...] = ()

    @classmethod
    def from_config(cls, config: ModuleConfig) -> Settings:
        """The settings of ``config``; missing keys take the defaults.

        Raises:
            ConfigError: an unknown key or a value of the wrong type or range, named.
        """
        for key in config:
            if key not in KEYS:
                raise ConfigError(
                    f"[modules.dead-code]: unknown key {key!r} (expected one of: {', '.join(KEYS)})"
                )
        minimum = config.get("min-confidence", Confidence.DEFAULT_MINIMUM)
        if isinstance(minimum, bool) or not isinstance(minimum, int) or not 0 <= minimum <= 100:
            raise ConfigError(
                f"[modules.dead-code] min-confidence: invalid value {minimum!r} "
                "(expected an integer from 0 to 100)"
            )
        arguments = config.get("unused-argument", False)
        if not isinstance(arguments, bool):
            raise ConfigError(
                f"[modules.dead-code] unused-argument: invalid value {arguments!r} "
                "(expected true or false)"
            )
        return cls(
            min_confidence=minimum,
            unused_argument=arguments,
            whitelist=_strings(config, "whitelist"),
            ignore_names=_strings(config, "ignore-names"),
        )

    def ignored(self, name: str) -> bool:
        """Whether ``name`` matches one of ``ignore_names``."""
        if not self.ignore_names:
            return False
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in self.ignore_names)


def _strings(config: ModuleConfig, key: str) -> tuple[str, ...]:
    value = config.get(key, ())
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ConfigError(
            f"[modules.dead-code] {key}: invalid value {value!r} (expected an array of strings)"
        )
    return tuple(value)
