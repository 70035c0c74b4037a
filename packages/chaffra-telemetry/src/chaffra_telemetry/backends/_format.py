"""Helpers shared by the backends: number formatting, JSON text, paths and options."""

from __future__ import annotations

import json
import math
import os
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

from chaffra_telemetry._converter import sanitize_floats
from chaffra_telemetry.errors import (
    BackendError,
    InvalidBackendConfig,
    TelemetrySerializationError,
)

__all__ = [
    "check_directory",
    "compact_json",
    "format_number",
    "parse_timeout",
    "pretty_json",
    "resolve_path",
]


def format_number(x: float) -> str:
    """Shortest round-trip digits in positional notation, without a trailing ``.0``.

    ``850.0`` → ``850``, ``0.1875`` → ``0.1875``, ``1e-07`` → ``0.0000001``,
    ``-0.0`` → ``-0``, and ``NaN``, ``inf``, ``-inf`` for non-finite values.
    """
    x = float(x)
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    text = format(Decimal(repr(x)), "f")
    return text.removesuffix(".0")


def pretty_json(document: Any) -> str:
    """2-space indented strict JSON, UTF-8 unescaped, non-finite floats as ``null``.

    Raises:
        TelemetrySerializationError: the document holds something JSON cannot encode.
    """
    return _dumps(document, indent=2, ensure_ascii=False, separators=None)


def compact_json(document: Any) -> str:
    """One-line strict JSON (``,`` and ``:`` separators), non-finite floats as ``null``.

    Raises:
        TelemetrySerializationError: the document holds something JSON cannot encode.
    """
    return _dumps(document, indent=None, ensure_ascii=True, separators=(",", ":"))


def _dumps(
    document: Any, *, indent: int | None, ensure_ascii: bool, separators: tuple[str, str] | None
) -> str:
    try:
        return json.dumps(
            sanitize_floats(document),
            indent=indent,
            ensure_ascii=ensure_ascii,
            separators=separators,
            allow_nan=False,
        )
    except (TypeError, ValueError) as error:
        raise TelemetrySerializationError(str(error)) from error


def resolve_path(path: str, project_root: Path | None) -> Path:
    """``path`` as given when absolute or when there is no project root, else below the root."""
    candidate = Path(path)
    if project_root is None or candidate.is_absolute():
        return candidate
    return project_root / candidate


def check_directory(directory: Path) -> None:
    """Require an existing, writable directory (the backends never create one).

    Raises:
        BackendError: the directory is missing, not a directory or not writable.
    """
    if not directory.is_dir():
        raise BackendError(f"directory does not exist: {directory}")
    if not os.access(directory, os.W_OK):
        raise BackendError(f"directory is not writable: {directory}")


def parse_timeout(options: Mapping[str, str], default: float) -> float:
    """The ``timeout`` option in seconds: a finite positive number.

    Raises:
        InvalidBackendConfig: the option is present but not a finite positive number.
    """
    raw = options.get("timeout")
    if raw is None:
        return default
    try:
        value = float(raw)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise InvalidBackendConfig("timeout", raw, "a positive number of seconds")
    return value
