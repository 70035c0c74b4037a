"""The public surface: sorted exports that all resolve."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
import typing

import pytest

import chaffra_telemetry
import chaffra_telemetry.audit
import chaffra_telemetry.backends
from chaffra_telemetry._converter import make_converter

PUBLIC_MODULES = (
    "chaffra_telemetry",
    "chaffra_telemetry.audit",
    "chaffra_telemetry.backends",
    "chaffra_telemetry.catalog",
    "chaffra_telemetry.churn",
    "chaffra_telemetry.config",
    "chaffra_telemetry.demo",
    "chaffra_telemetry.files",
    "chaffra_telemetry.grafana",
    "chaffra_telemetry.lifecycle",
    "chaffra_telemetry.report",
    "chaffra_telemetry.serialization",
    "chaffra_telemetry.store",
)


@pytest.mark.parametrize("name", PUBLIC_MODULES)
def test_every_exported_name_resolves(name: str) -> None:
    module = importlib.import_module(name)
    assert [] == [name for name in module.__all__ if not hasattr(module, name)]
    assert sorted(module.__all__) == sorted(set(module.__all__))


def test_the_names_that_moved_to_submodules_still_resolve_from_the_top_level() -> None:
    from chaffra_telemetry.store import SqliteStore

    assert chaffra_telemetry.SqliteStore is SqliteStore
    assert "SqliteStore" in dir(chaffra_telemetry)
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = chaffra_telemetry.Nope


def test_importing_the_recording_api_loads_no_backend_store_or_cattrs() -> None:
    """A third-party tool that only records pays for attrs, not for the rest of the package."""
    code = (
        "import sys, chaffra_telemetry\n"
        "c = chaffra_telemetry.TelemetryCollector(chaffra_telemetry.TelemetryConfig())\n"
        "c.record('chaffra.health.score', 90.0)\n"
        "print(' '.join(sorted(sys.modules)))"
    )
    loaded = set(
        subprocess.run(
            [sys.executable, "-c", code],
            capture_output=True,
            text=True,
            check=True,
            # Without coverage's subprocess hook: coverage itself loads sqlite3.
            env={k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")},
        ).stdout.split()
    )
    heavy = {
        "cattrs",
        "sqlite3",
        "chaffra_telemetry.backends",
        "chaffra_telemetry._sqlite_store",
        "chaffra_telemetry._lifecycle",
        "chaffra_telemetry._grafana",
        "chaffra_telemetry._seed",
        "chaffra_telemetry._module",
    }
    assert set() == heavy & loaded


def test_unparametrized_mappings_are_written_with_sorted_keys() -> None:
    unstructured = make_converter().unstructure({"b": 1, "a": 2}, typing.Dict)  # noqa: UP006
    assert ["a", "b"] == list(unstructured)


def test_the_backends_package_loads_a_backend_on_use_and_rejects_unknown_names() -> None:
    from chaffra_telemetry.backends._stderr import StderrBackend

    assert chaffra_telemetry.backends.StderrBackend is StderrBackend
    assert "StderrBackend" in dir(chaffra_telemetry.backends)
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        _ = chaffra_telemetry.backends.Nope


def test_a_config_error_names_the_file_line_and_column_when_known() -> None:
    from chaffra_telemetry.errors import ConfigError

    assert "a.toml:3:7: bad" == str(ConfigError("bad", path="a.toml", line=3, column=7))
    assert "a.toml:3: bad" == str(ConfigError("bad", path="a.toml", line=3))
    assert "bad" == str(ConfigError("bad"))


def test_importing_the_package_loads_none_of_its_modules_until_a_name_is_used() -> None:
    code = (
        "import sys, chaffra_telemetry\n"
        "before = sorted(m for m in sys.modules if m.startswith('chaffra_telemetry.'))\n"
        "audience = chaffra_telemetry.TelemetryAudience.OFF\n"
        "after = sorted(m for m in sys.modules if m.startswith('chaffra_telemetry.'))\n"
        "print(' '.join(before) or '-', ' '.join(after))"
    )
    before, after = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={k: v for k, v in os.environ.items() if not k.startswith("COVERAGE_")},
    ).stdout.split(" ", 1)
    assert "-" == before
    assert "chaffra_telemetry._audience" in after.split()
    assert "chaffra_telemetry._collector" not in after.split()


def test_a_converter_generates_each_shape_hook_on_first_use_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import cattrs.gen

    from chaffra_telemetry import MetricDefinition, MetricKind, TelemetryConfig
    from chaffra_telemetry._churn import ChurnState

    generated: list[type] = []
    for name in ("make_dict_structure_fn", "make_dict_unstructure_fn"):
        real = getattr(cattrs.gen, name)

        def counting(cls: type, *args: object, _real: typing.Any = real, **kw: object) -> object:
            generated.append(cls)
            return _real(cls, *args, **kw)

        monkeypatch.setattr(cattrs.gen, name, counting)
        monkeypatch.setattr(f"chaffra_telemetry._converter.{name}", counting)
    converter = make_converter()
    assert [] == generated
    definition = MetricDefinition(name="x.y", kind=MetricKind.COUNTER, unit="1", description="d")
    document = converter.unstructure(definition)
    assert "provenance" not in document
    assert definition == converter.structure(document, MetricDefinition)
    assert [MetricDefinition, MetricDefinition] == generated
    converter.unstructure(TelemetryConfig())
    converter.unstructure(ChurnState(fingerprints=frozenset(), findings_hash=0, timestamp_ms=0))
    assert {TelemetryConfig, ChurnState} <= set(generated)
