"""The package-local cattrs converters of chaffra-core (never the global converter).

Two flavours of the same shapes: the *wire* converter writes findings as the
published contract (no ``anchor``); the *cache* converter keeps ``anchor`` so a
finding read back from the result cache keeps its fingerprint.
"""

from __future__ import annotations

import functools
from typing import Any

import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.preconf.json import make_converter as make_json_converter

from chaffra_core._findings import Finding, Severity
from chaffra_telemetry.serialization import exactly
from chaffra_telemetry.serialization import register_hooks as register_telemetry_hooks

__all__ = [
    "converter",
    "make_cache_converter",
    "make_converter",
    "register_cache_hooks",
    "register_hooks",
]


def register_hooks(converter: cattrs.Converter) -> cattrs.Converter:
    """Register the wire shapes of findings and results on ``converter`` and return it.

    The other attrs classes of ``_findings`` (locations, actions, metrics,
    results, health) need no hook of their own: cattrs derives them.

    Severities are their wire spellings (anything else fails to structure),
    tuples are JSON arrays, read-only mappings are objects with sorted keys
    (from chaffra-telemetry's hooks), unknown keys are rejected, and a
    finding's ``anchor`` is neither written nor read.
    """
    converter.register_unstructure_hook(Severity, _unstructure_severity)
    converter.register_structure_hook(Severity, _structure_severity)
    converter.register_unstructure_hook_factory(
        exactly(Finding),
        lambda cls: make_dict_unstructure_fn(cls, converter, anchor=override(omit=True)),
    )
    converter.register_structure_hook_factory(
        exactly(Finding), lambda cls: _strict_structure(cls, converter, anchor=override(omit=True))
    )
    return converter


def register_cache_hooks(converter: cattrs.Converter) -> cattrs.Converter:
    """:func:`register_hooks`, except that findings keep their ``anchor``."""
    register_hooks(converter)
    converter.register_unstructure_hook_factory(
        exactly(Finding), lambda cls: make_dict_unstructure_fn(cls, converter)
    )
    converter.register_structure_hook_factory(
        exactly(Finding), lambda cls: _strict_structure(cls, converter)
    )
    return converter


def make_converter() -> cattrs.Converter:
    """A fresh JSON converter for the wire shapes (telemetry's hooks included)."""
    return register_hooks(_base())


def make_cache_converter() -> cattrs.Converter:
    """A fresh JSON converter for the result cache (findings keep their ``anchor``)."""
    return register_cache_hooks(_base())


@functools.cache
def converter() -> cattrs.Converter:
    """The shared wire converter, built on first use (its hooks are generated lazily)."""
    return make_converter()


def _base() -> cattrs.Converter:
    return register_telemetry_hooks(make_json_converter(forbid_extra_keys=True))


def _strict_structure(cls: type, converter: cattrs.Converter, **overrides: Any) -> Any:
    return make_dict_structure_fn(cls, converter, _cattrs_forbid_extra_keys=True, **overrides)


def _unstructure_severity(value: Severity) -> str:
    return value.value


def _structure_severity(value: object, _: object) -> Severity:
    if not isinstance(value, str):
        raise TypeError(f"expected a severity string, got {value!r}")
    return Severity(value)
