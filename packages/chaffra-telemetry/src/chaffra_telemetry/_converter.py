"""The package-local cattrs converter: every JSON shape of chaffra-telemetry goes through it.

Never the global converter: other libraries in the same process register their
own hooks there. :func:`make_converter` builds one; :data:`CONVERTER` is shared.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any, get_args

import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.preconf.json import make_converter as make_json_converter

from chaffra_telemetry._churn import register_churn_hooks
from chaffra_telemetry._config import register_config_hooks
from chaffra_telemetry._metrics import MetricDataPoint, MetricDefinition, SpanData
from chaffra_telemetry.errors import TelemetrySerializationError

__all__ = ["CONVERTER", "dumps", "exactly", "make_converter", "register_hooks", "sanitize_floats"]


def register_hooks(converter: cattrs.Converter) -> cattrs.Converter:
    """Register chaffra-telemetry's hooks on ``converter`` and return it.

    - non-finite floats unstructure to ``None`` (JSON has no NaN or Infinity);
    - maps unstructure with sorted keys, so output is deterministic;
    - provenance is never serialized and never read from JSON;
    - configuration and churn state use their documented file shapes.
    """
    converter.register_unstructure_hook(float, _float_or_none)
    converter.register_structure_hook(float, _structure_float)
    converter.register_unstructure_hook_factory(_is_mapping, _sorted_mapping_factory(converter))
    for cls in (MetricDefinition, MetricDataPoint, SpanData):
        converter.register_unstructure_hook_factory(
            exactly(cls),
            lambda cls: make_dict_unstructure_fn(cls, converter, provenance=override(omit=True)),
        )
        converter.register_structure_hook_factory(
            exactly(cls),
            lambda cls: make_dict_structure_fn(
                cls, converter, _cattrs_forbid_extra_keys=True, provenance=override(omit=True)
            ),
        )
    register_config_hooks(converter)
    register_churn_hooks(converter)
    return converter


def exactly(cls: type) -> Callable[[Any], bool]:
    """A hook-factory predicate for ``cls`` itself: its hook is generated on first use,
    so building a converter costs nothing for the shapes a process never converts."""
    return lambda type_: type_ is cls


def make_converter() -> cattrs.Converter:
    """A fresh converter with chaffra-telemetry's hooks."""
    return register_hooks(make_json_converter(forbid_extra_keys=True))


def _float_or_none(value: float) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _structure_float(value: object, _: object) -> float:
    """Numbers as floats; ``null`` (how non-finite values are written) as NaN; never a bool."""
    if value is None:
        return math.nan
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"expected a number, got {value!r}")
    return float(value)


def _is_mapping(type_: Any) -> bool:
    origin = getattr(type_, "__origin__", None)
    return origin in (Mapping, dict)


def _sorted_mapping_factory(
    converter: cattrs.Converter,
) -> Callable[[Any], Callable[[Mapping[Any, Any]], dict[Any, Any]]]:
    def factory(type_: Any) -> Callable[[Mapping[Any, Any]], dict[Any, Any]]:
        args = get_args(type_)
        value_hook = converter.get_unstructure_hook(args[1]) if args else converter.unstructure

        def unstructure(mapping: Mapping[Any, Any]) -> dict[Any, Any]:
            return {k: value_hook(mapping[k]) for k in sorted(mapping)}

        return unstructure

    return factory


def sanitize_floats(value: Any) -> Any:
    """A JSON-ready copy of ``value``: non-finite floats at any depth become ``None``.

    Mappings become dicts with string keys, lists and tuples become lists.
    """
    if isinstance(value, float):
        return _float_or_none(value)
    if isinstance(value, Mapping):
        return {str(k): sanitize_floats(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [sanitize_floats(v) for v in value]
    return value


def dumps(document: Any, *, indent: int | None = None) -> str:
    """Serialize an unstructured document as strict JSON.

    Raises:
        TelemetrySerializationError: if the document holds something JSON cannot encode.
    """
    try:
        return json.dumps(sanitize_floats(document), indent=indent, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise TelemetrySerializationError(str(error)) from error


CONVERTER = make_converter()
