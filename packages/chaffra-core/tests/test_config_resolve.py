"""Resolving the effective configuration: discovery, flags over the file, telemetry settings,
the init template (spec cli-and-core §2, §5)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pytest

import chaffra_telemetry
from chaffra_core._config import (
    CliOverrides,
    load_config_file,
    render_init_template,
    resolve_effective_config,
)
from chaffra_core._config_schema import HealthSection, ProjectConfig
from chaffra_core.analyzers.complexity import ComplexityModule
from chaffra_core.analyzers.dead_code import DeadCodeModule
from chaffra_core.analyzers.security import SecurityModule
from chaffra_core.errors import ConfigError
from chaffra_telemetry import BackendConfig, BackendKind, TelemetryAudience
from chaffra_telemetry.errors import InvalidAudience

NO_FLAGS = CliOverrides()
_BUILTIN_MODULES = (ComplexityModule(), DeadCodeModule(), SecurityModule())


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- resolving the effective configuration ----------------------------------


def test_a_project_without_config_gets_the_defaults_rooted_at_the_target(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    effective = resolve_effective_config(tmp_path, None, NO_FLAGS)
    assert (tmp_path, tmp_path, None) == (
        effective.project_root,
        effective.target,
        effective.config_path,
    )
    assert ProjectConfig() == effective.project
    assert chaffra_telemetry.TelemetryConfig.from_cli() == effective.telemetry
    assert ((), {}) == (effective.warnings, effective.modules)


def test_a_file_target_without_config_is_rooted_at_its_directory(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    target = write(tmp_path / "pkg" / "mod.py", "")
    effective = resolve_effective_config(target, None, NO_FLAGS)
    assert (tmp_path / "pkg", target) == (effective.project_root, effective.target)


def test_the_project_root_is_the_directory_of_the_config_file(tmp_path: Path) -> None:
    write(tmp_path / ".chaffra.toml", "[health]\nmin-score = 80\n[modules.x]\na = 1\n")
    target = write(tmp_path / "src" / "pkg" / "mod.py", "")
    effective = resolve_effective_config(target, None, NO_FLAGS)
    assert (tmp_path, target, tmp_path / ".chaffra.toml") == (
        effective.project_root,
        effective.target,
        effective.config_path,
    )
    assert 80 == effective.project.health.min_score
    assert effective.project.modules == effective.modules == {"x": {"a": 1}}


def test_an_explicit_config_replaces_discovery_but_not_the_project_root(tmp_path: Path) -> None:
    write(tmp_path / "project" / ".chaffra.toml", "[health]\nmin-score = 80\n")
    explicit = write(tmp_path / "ci" / "strict.toml", "[health]\nmin-score = 90\n")
    (tmp_path / "project" / "src").mkdir()
    effective = resolve_effective_config(tmp_path / "project" / "src", explicit, NO_FLAGS)
    assert (90, explicit, tmp_path / "project") == (
        effective.project.health.min_score,
        effective.config_path,
        effective.project_root,
    )
    assert str(explicit) == effective.telemetry.cli_config_path


def test_an_explicit_pyproject_is_read_for_its_tool_chaffra_table(tmp_path: Path) -> None:
    explicit = write(tmp_path / "pyproject.toml", "[tool.chaffra.health]\nmin-score = 5\n")
    effective = resolve_effective_config(tmp_path, explicit, NO_FLAGS)
    assert 5 == effective.project.health.min_score


def test_a_missing_explicit_config_is_an_error_naming_the_path(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    with pytest.raises(ConfigError, match="failed to read configuration file") as caught:
        resolve_effective_config(tmp_path, missing, NO_FLAGS)
    assert str(missing) == caught.value.path
    assert str(missing) in str(caught.value)


def test_an_invalid_discovered_file_is_an_error_not_the_defaults(tmp_path: Path) -> None:
    write(tmp_path / ".chaffra.toml", "[health]\nmax-cyclomatic = -1\n")
    with pytest.raises(ConfigError, match=r"health\.max-cyclomatic = -1"):
        resolve_effective_config(tmp_path, None, NO_FLAGS)


def test_discovery_warnings_reach_the_effective_config(tmp_path: Path) -> None:
    write(tmp_path / ".chaffra.toml", "")
    write(tmp_path / "pyproject.toml", "[tool.chaffra]\n")
    (warning,) = resolve_effective_config(tmp_path, None, NO_FLAGS).warnings
    assert "using" in warning


@pytest.mark.parametrize(
    ("flag", "file", "expected"),
    [
        (None, "on", TelemetryAudience.ON),
        (None, "off", TelemetryAudience.OFF),
        (None, "operator-only", TelemetryAudience.OPERATOR_ONLY),
        ("user-only", "on", TelemetryAudience.USER_ONLY),
        ("off", "on", TelemetryAudience.OFF),
        ("operator-only", "off", TelemetryAudience.OPERATOR_ONLY),
    ],
)
def test_an_explicit_telemetry_flag_beats_the_file(
    tmp_path: Path, flag: str | None, file: str, expected: TelemetryAudience
) -> None:
    write(tmp_path / ".chaffra.toml", f'[modules.telemetry]\naudience = "{file}"\n')
    effective = resolve_effective_config(tmp_path, None, CliOverrides(telemetry=flag))
    assert expected is effective.telemetry.audience


def test_backend_flags_beat_the_file_backend(tmp_path: Path) -> None:
    write(tmp_path / ".chaffra.toml", '[modules.telemetry]\nbackend = "stderr"\n')
    flags = CliOverrides(telemetry_backend="otlp", telemetry_endpoint="http://collector:4318")
    effective = resolve_effective_config(tmp_path, None, flags)
    expected = (BackendConfig(kind=BackendKind.OTLP, endpoint="http://collector:4318"),)
    assert expected == effective.telemetry.backends


def test_a_relative_telemetry_path_is_resolved_against_the_project_root(tmp_path: Path) -> None:
    write(tmp_path / ".chaffra.toml", '[modules.telemetry]\npath = ".chaffra/t.json"\n')
    target = tmp_path / "src"
    target.mkdir()
    effective = resolve_effective_config(target, None, NO_FLAGS)
    expected = (BackendConfig(kind=BackendKind.JSON_FILE, path=str(tmp_path / ".chaffra/t.json")),)
    assert expected == effective.telemetry.backends


@pytest.mark.parametrize("value", ["/tmp/victim", "../x.json", "out/t.json"])
def test_a_telemetry_path_escaping_the_project_dir_is_a_config_error_naming_the_file(
    tmp_path: Path, value: str
) -> None:
    write(tmp_path / ".chaffra.toml", f'[modules.telemetry]\npath = "{value}"\n')
    with pytest.raises(ConfigError) as caught:
        resolve_effective_config(tmp_path, None, NO_FLAGS)
    message = str(caught.value)
    assert f'path = "{value}"' in message
    assert str(tmp_path / ".chaffra.toml") in message


def test_an_invalid_telemetry_flag_is_a_telemetry_error_before_any_file_is_read(
    tmp_path: Path,
) -> None:
    write(tmp_path / ".chaffra.toml", "not toml [")
    with pytest.raises(InvalidAudience, match="garbage"):
        resolve_effective_config(tmp_path, None, CliOverrides(telemetry="garbage"))


@pytest.mark.parametrize(
    "line",
    [
        'audience = "everyone"',
        'backend = "carrier-pigeon"',
        'sampling-rate = "nan"',
        "sampling-rate = 1.5",
        'sampling-strategy = "sometimes"',
        'audiense = "on"',
    ],
)
def test_invalid_telemetry_file_values_fail_naming_the_file(tmp_path: Path, line: str) -> None:
    path = write(tmp_path / ".chaffra.toml", f"[modules.telemetry]\n{line}\n")
    with pytest.raises(ConfigError) as caught:
        resolve_effective_config(tmp_path, None, CliOverrides(telemetry="off"))
    message = str(caught.value)
    assert message.startswith(f"invalid [modules.telemetry] configuration in {path}: ")
    assert line.split(" = ")[1].strip('"') in message or "audiense" in message
    assert str(path) == caught.value.path
    assert isinstance(caught.value.__cause__, chaffra_telemetry.ConfigError)


def test_invalid_telemetry_values_in_pyproject_name_the_full_table(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", "[tool.chaffra.modules.telemetry]\naudience = 1\n")
    with pytest.raises(ConfigError) as caught:
        resolve_effective_config(tmp_path, None, NO_FLAGS)
    expected = f"invalid [tool.chaffra.modules.telemetry] configuration in {path}: "
    assert str(caught.value).startswith(expected)


# --- the init template --------------------------------------------------------


def test_the_init_template_parses_to_exactly_the_defaults(tmp_path: Path) -> None:
    path = write(tmp_path / ".chaffra.toml", render_init_template())
    assert ProjectConfig() == load_config_file(path)


def test_the_init_template_shows_every_setting_commented(tmp_path: Path) -> None:
    template = render_init_template()
    commented = "\n".join(
        line.removeprefix("# ") for line in template.splitlines() if line.startswith("# ")
    )
    for module in _BUILTIN_MODULES:
        info = module.describe()
        assert f"[modules.{info.id}]" in commented
        for rule in info.rules:
            assert f'"{rule.id}" = "{rule.default_severity.value}"' in commented
        for key in module.config_schema().keys:
            assert f"\n{key.name} = " in commented
    assert 'default audience is "user-only"' in " ".join(commented.split())
    assert "opt-in" in commented


def test_the_init_template_with_every_line_uncommented_is_the_default_run(
    tmp_path: Path,
) -> None:
    """Each value the template shows is the real default: uncommenting changes nothing."""
    from chaffra_core import ModuleHost
    from chaffra_core._policy import validate_run_config

    write(tmp_path / "init" / ".chaffra.toml", _uncomment(render_init_template()))
    (tmp_path / "bare" / ".git").mkdir(parents=True)
    uncommented = resolve_effective_config(tmp_path / "init", None, NO_FLAGS)
    defaults = resolve_effective_config(tmp_path / "bare", None, NO_FLAGS)
    assert {"complexity", "dead-code", "security", "telemetry"} == set(uncommented.modules)
    assert HealthSection(max_cyclomatic=10, max_cognitive=15, min_score=70, model=2) == (
        uncommented.project.health
    )
    assert defaults.telemetry == uncommented.telemetry
    host = ModuleHost(list(_BUILTIN_MODULES))
    settings = validate_run_config(uncommented, list(host), host.infos())
    default_settings = validate_run_config(defaults, list(host), host.infos())
    for module in _BUILTIN_MODULES:
        module_id = module.describe().id
        defaults_shown = _sequences_as_tuples(module.config_schema().defaults())
        assert defaults_shown == _sequences_as_tuples(settings.modules[module_id])
        for rule in module.describe().rules:
            level = settings.policy.level(rule.id)
            assert level is not None
            assert rule.default_severity is level.severity
    assert {} == dict(default_settings.modules)


def _sequences_as_tuples(table: Mapping[str, object]) -> dict[str, object]:
    """``table`` with lists as tuples: TOML arrays and schema defaults compare as values."""
    return {key: tuple(v) if isinstance(v, list) else v for key, v in table.items()}


def _uncomment(template: str) -> str:
    settings = re.compile(r"# ((?:\[|\"|[a-z-]+ = ).*)")
    return "\n".join(
        found[1] if (found := settings.fullmatch(line)) else line for line in template.splitlines()
    )


def test_core_and_telemetry_share_one_config_error() -> None:
    """``chaffra_core.ConfigError`` catches a bad project file and a bad telemetry value alike."""
    import chaffra_telemetry
    from chaffra_telemetry.errors import InvalidAudience

    assert chaffra_telemetry.ConfigError is ConfigError
    assert issubclass(InvalidAudience, ConfigError)
