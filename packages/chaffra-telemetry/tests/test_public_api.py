"""The public surface: sorted exports that all resolve."""

from __future__ import annotations

import typing

import chaffra_telemetry
import chaffra_telemetry.audit
import chaffra_telemetry.backends
from chaffra_telemetry._converter import make_converter


def test_every_exported_name_resolves() -> None:
    for module in (chaffra_telemetry, chaffra_telemetry.audit, chaffra_telemetry.backends):
        assert [] == [name for name in module.__all__ if not hasattr(module, name)]


def test_unparametrized_mappings_are_written_with_sorted_keys() -> None:
    unstructured = make_converter().unstructure({"b": 1, "a": 2}, typing.Dict)  # noqa: UP006
    assert ["a", "b"] == list(unstructured)
