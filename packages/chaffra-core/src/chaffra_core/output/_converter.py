"""The output package's own cattrs converter: every JSON shape it writes goes through it.

Never the global converter: other libraries in the same process register their
own hooks there. :func:`make_converter` builds one; :data:`CONVERTER` is shared.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from typing import Any, get_args

import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override
from cattrs.preconf.json import make_converter as make_json_converter

from chaffra_core._findings import Finding

__all__ = ["CONVERTER", "make_converter", "register_hooks"]


def register_hooks(converter: cattrs.Converter) -> cattrs.Converter:
    """Register the wire-format hooks on ``converter`` and return it.

    - non-finite floats unstructure to ``None`` (JSON has no NaN or Infinity)
      and ``null`` structures back to NaN;
    - maps unstructure with sorted keys, so output is deterministic;
    - a finding's ``anchor`` is internal: never written, never read.
    """
    converter.register_unstructure_hook(float, _float_or_none)
    converter.register_structure_hook(float, _structure_float)
    converter.register_unstructure_hook_factory(_is_mapping, _sorted_mapping_factory(converter))
    converter.register_unstructure_hook(
        Finding, make_dict_unstructure_fn(Finding, converter, anchor=override(omit=True))
    )
    converter.register_structure_hook(
        Finding,
        make_dict_structure_fn(
            Finding, converter, _cattrs_forbid_extra_keys=True, anchor=override(omit=True)
        ),
    )
    return converter


def make_converter() -> cattrs.Converter:
    """A fresh converter with the output hooks."""
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
    return getattr(type_, "__origin__", None) in (Mapping, dict)


def _sorted_mapping_factory(
    converter: cattrs.Converter,
) -> Callable[[Any], Callable[[Mapping[Any, Any]], dict[Any, Any]]]:
    def factory(type_: Any) -> Callable[[Mapping[Any, Any]], dict[Any, Any]]:
        value_hook = converter.get_unstructure_hook(get_args(type_)[1])

        def unstructure(mapping: Mapping[Any, Any]) -> dict[Any, Any]:
            return {key: value_hook(mapping[key]) for key in sorted(mapping)}

        return unstructure

    return factory


CONVERTER = make_converter()
