"""The settings a module accepts in its ``[modules.<id>]`` table, declared by the module.

A module's :meth:`~chaffra_core.AnalysisModule.config_schema` lists its keys
with a type, a default and the allowed range. The whole configuration is
checked against every module's schema before a run starts, so a typo or an
out-of-range value is a configuration error (exit 2) naming the key, the
value and what is allowed, never a silent default or a per-file failure.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Mapping
from types import MappingProxyType

import attrs

from chaffra_core._compat import StrEnum

__all__ = ["ConfigKey", "ConfigSchema", "KeyInvalid", "ValueKind", "close_match"]


class ValueKind(StrEnum):
    """The TOML type of a setting; the values are the words used in messages."""

    INTEGER = "integer"
    NUMBER = "number"
    BOOLEAN = "boolean"
    STRING = "string"
    STRINGS = "array of strings"


class KeyInvalid(ValueError):
    """A value does not fit its key; the message says what is allowed."""


def _integer(value: object) -> object | None:
    # bool is an int subclass in Python; TOML's true is not a number.
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _number(value: object) -> object | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _boolean(value: object) -> object | None:
    return value if isinstance(value, bool) else None


def _string(value: object) -> object | None:
    return value if isinstance(value, str) else None


def _strings(value: object) -> object | None:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        return None
    return tuple(value)


_CONVERTERS: Mapping[ValueKind, Callable[[object], object | None]] = {
    ValueKind.INTEGER: _integer,
    ValueKind.NUMBER: _number,
    ValueKind.BOOLEAN: _boolean,
    ValueKind.STRING: _string,
    ValueKind.STRINGS: _strings,
}


def close_match(word: str, candidates: tuple[str, ...]) -> str:
    """``'did you mean "x"? '`` for the closest candidate, or ``""``."""
    close = difflib.get_close_matches(word, candidates, n=1)
    return f'did you mean "{close[0]}"? ' if close else ""


@attrs.frozen(kw_only=True)
class ConfigKey:
    """One setting: its kebab-case name, type, default and allowed values."""

    name: str
    kind: ValueKind
    default: object
    description: str = ""
    minimum: float | None = None
    maximum: float | None = None
    choices: tuple[str, ...] = ()

    def allowed(self) -> str:
        """What the key accepts, in words (``an integer from 0 to 100``)."""
        if self.choices:
            return "one of: " + ", ".join(f'"{choice}"' for choice in self.choices)
        article = "an" if self.kind.value[0] in "aeiou" else "a"
        text = f"{article} {self.kind.value}"
        low, high = self.minimum, self.maximum
        if low is not None and high is not None:
            return f"{text} from {_plain(low)} to {_plain(high)}"
        if low is not None:
            return f"{text} >= {_plain(low)}"
        if high is not None:
            return f"{text} <= {_plain(high)}"
        return text

    def check(self, value: object) -> object:
        """``value`` converted to the key's type (TOML arrays become tuples).

        Raises:
            KeyInvalid: the value has the wrong type, is out of range or not a choice.
        """
        converted = _CONVERTERS[self.kind](value)
        if converted is None or not self._in_range(converted):
            raise KeyInvalid(self.allowed())
        return converted

    def _in_range(self, value: object) -> bool:
        if self.choices:
            return value in self.choices
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            if self.minimum is not None and value < self.minimum:
                return False
            if self.maximum is not None and value > self.maximum:
                return False
        return True


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else str(number)


@attrs.frozen(kw_only=True)
class ConfigSchema:
    """The keys of one module's table; a module without settings has an empty schema."""

    keys: tuple[ConfigKey, ...] = ()

    def names(self) -> tuple[str, ...]:
        """The key names, in declaration order."""
        return tuple(key.name for key in self.keys)

    def defaults(self) -> Mapping[str, object]:
        """Every key's default, in declaration order."""
        return MappingProxyType({key.name: key.default for key in self.keys})

    def key(self, name: str) -> ConfigKey:
        """The key called ``name``.

        Raises:
            KeyError: the schema has no such key.
        """
        for key in self.keys:
            if key.name == name:
                return key
        raise KeyError(name)
