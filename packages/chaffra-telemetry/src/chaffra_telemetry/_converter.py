"""The package-local cattrs converter: every JSON shape of chaffra-telemetry goes through it.

Never the global converter: other libraries in the same process register their
own hooks there. Callers obtain one with :func:`make_converter` (cheap) or share
the module-level :data:`CONVERTER`.
"""

from __future__ import annotations

import json
import math
from typing import Any

import cattrs
from cattrs.preconf.json import make_converter as make_json_converter

from chaffra_telemetry.errors import TelemetrySerializationError

__all__ = ["CONVERTER", "dumps", "make_converter", "register_hooks", "sanitize_floats"]


def register_hooks(converter: cattrs.Converter) -> cattrs.Converter:
    """Register chaffra-telemetry's hooks on ``converter`` and return it.

    Non-finite floats unstructure to ``None`` so JSON output never carries
    ``NaN`` or ``Infinity`` (neither is valid JSON).
    """
    converter.register_unstructure_hook(float, _finite_or_none)
    return converter


def make_converter() -> cattrs.Converter:
    """A fresh converter with chaffra-telemetry's hooks."""
    return register_hooks(make_json_converter(forbid_extra_keys=True))


def _finite_or_none(value: float) -> float | None:
    return value if math.isfinite(value) else None


def sanitize_floats(value: Any) -> Any:
    """Replace non-finite floats anywhere in a JSON-like tree with ``None``."""
    if isinstance(value, float):
        return _finite_or_none(value)
    if isinstance(value, dict):
        return {k: sanitize_floats(v) for k, v in value.items()}
    if isinstance(value, list):
        return [sanitize_floats(v) for v in value]
    return value


def dumps(document: Any, *, indent: int | None = None) -> str:
    """Serialize an unstructured document as strict JSON with sorted map keys.

    Raises:
        TelemetrySerializationError: if the document holds something JSON cannot encode.
    """
    try:
        return json.dumps(sanitize_floats(document), indent=indent, allow_nan=False)
    except (TypeError, ValueError) as error:
        raise TelemetrySerializationError(str(error)) from error


CONVERTER = make_converter()
