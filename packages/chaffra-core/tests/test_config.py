"""Loading and validating one configuration file (spec cli-and-core §2, §5)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chaffra_core._config import ConfigKind, load_config_file
from chaffra_core._config_schema import (
    HealthSection,
    ProjectConfig,
    ProjectSection,
    RuleLevel,
    parse_project_config,
)
from chaffra_core._findings import Severity
from chaffra_core.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def load_text(tmp_path: Path, text: str) -> ProjectConfig:
    return load_config_file(write(tmp_path / ".chaffra.toml", text))


def load_error(tmp_path: Path, text: str) -> ConfigError:
    with pytest.raises(ConfigError) as caught:
        load_text(tmp_path, text)
    return caught.value


# --- loading a valid file ---------------------------------------------------


def test_an_empty_file_is_the_default_configuration(tmp_path: Path) -> None:
    assert ProjectConfig() == load_text(tmp_path, "")


def test_defaults_follow_the_spec() -> None:
    """[health] leaves every threshold unset: the complexity module owns the defaults."""
    assert HealthSection(max_cyclomatic=None, max_cognitive=None, min_score=None) == HealthSection()
    assert ProjectSection(entry=(), ignore=()) == ProjectSection()
    assert ({}, {}) == (ProjectConfig().rules, ProjectConfig().modules)


def test_every_section_is_read_into_typed_values(tmp_path: Path) -> None:
    config = load_text(
        tmp_path,
        """
[project]
entry = ["src/app/__main__.py"]
ignore = ["build/**", "**/migrations/**"]

[rules]
"complexity:high-cyclomatic" = "error"
high-cognitive = "warn"
"complexity:low-health-score" = "off"
"dead-code:unused-import" = "info"

[health]
max-cyclomatic = 25
max-cognitive = 0
min-score = 100

[modules.complexity]
max-cyclomatic = 30
nested = { deep = [1, { x = 2 }] }

[modules.dead-code]
""",
    )
    assert (
        ProjectConfig(
            project=ProjectSection(
                entry=("src/app/__main__.py",), ignore=("build/**", "**/migrations/**")
            ),
            rules={
                "complexity:high-cyclomatic": RuleLevel.ERROR,
                "high-cognitive": RuleLevel.WARNING,
                "complexity:low-health-score": RuleLevel.OFF,
                "dead-code:unused-import": RuleLevel.INFO,
            },
            health=HealthSection(max_cyclomatic=25, max_cognitive=0, min_score=100),
            modules={
                "complexity": {"max-cyclomatic": 30, "nested": {"deep": (1, {"x": 2})}},
                "dead-code": {},
            },
        )
        == config
    )


def test_module_tables_are_read_only_with_arrays_as_tuples(tmp_path: Path) -> None:
    config = load_text(tmp_path, "[modules.m]\nlist = [1, [2]]\ntable = { a = 1 }\n")
    module = config.modules["m"]
    assert (1, (2,)) == module["list"]
    with pytest.raises(TypeError):
        module["table"]["a"] = 2  # type: ignore[index]
    with pytest.raises(TypeError):
        config.modules["m"] = {}  # type: ignore[index]


def test_a_configuration_is_hashable_and_compares_by_value(tmp_path: Path) -> None:
    config = load_text(tmp_path, '[rules]\nx = "off"\n')
    assert config == load_text(tmp_path, '[rules]\nx = "off"\n')
    assert isinstance(hash(config), int)


@pytest.mark.parametrize(
    ("level", "severity"),
    [
        (RuleLevel.ERROR, Severity.ERROR),
        (RuleLevel.WARNING, Severity.WARNING),
        (RuleLevel.INFO, Severity.INFO),
        (RuleLevel.OFF, None),
    ],
)
def test_rule_levels_map_to_finding_severities(level: RuleLevel, severity: Severity | None) -> None:
    assert severity is level.severity


# --- TOML syntax and reading errors -----------------------------------------


def test_a_toml_syntax_error_reports_file_line_and_column(tmp_path: Path) -> None:
    error = load_error(tmp_path, "[health]\nmax-cyclomatic = = 3\n")
    path = str(tmp_path / ".chaffra.toml")
    assert (path, 2, 18) == (error.path, error.line, error.column)
    assert f"{path}:2:18: invalid TOML: Invalid value" == str(error)


def test_a_syntax_error_at_the_end_of_the_file_has_no_line(tmp_path: Path) -> None:
    error = load_error(tmp_path, "a = ")
    assert (None, None) == (error.line, error.column)
    assert "invalid TOML: Invalid value (at end of document)" in str(error)


def test_a_file_that_is_not_utf8_is_an_error(tmp_path: Path) -> None:
    path = tmp_path / ".chaffra.toml"
    path.write_bytes(b"a = '\xff'\n")
    with pytest.raises(ConfigError, match="not UTF-8") as caught:
        load_config_file(path)
    assert str(path) == caught.value.path


def test_an_unreadable_config_file_is_an_error_not_the_defaults(tmp_path: Path) -> None:
    (tmp_path / ".chaffra.toml").mkdir()
    with pytest.raises(ConfigError, match="failed to read configuration file") as caught:
        load_config_file(tmp_path / ".chaffra.toml")
    assert str(tmp_path / ".chaffra.toml") == caught.value.path


# --- unknown keys -------------------------------------------------------------


def test_a_misspelt_key_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    error = load_error(tmp_path, "[health]\nmax-cyclomtic = 10\n")
    assert (
        f"{tmp_path / '.chaffra.toml'}: unknown key health.max-cyclomtic "
        '(did you mean "max-cyclomatic"? expected one of: max-cyclomatic, max-cognitive, '
        "min-score, model)"
    ) == str(error)


def test_a_health_model_other_than_1_or_2_is_an_error_naming_the_allowed_values(
    tmp_path: Path,
) -> None:
    for value in ("3", "0", "1.0", "true", '"2"'):
        error = load_error(tmp_path, f"[health]\nmodel = {value}\n")
        assert (
            f"{tmp_path / '.chaffra.toml'}: invalid value health.model = {value}: "
            "expected an integer from 1 to 2"
        ) == str(error)


def test_a_snake_case_key_is_unknown_and_points_at_the_kebab_case_one(tmp_path: Path) -> None:
    error = load_error(tmp_path, "[health]\nmax_cognitive = 10\n")
    assert 'unknown key health.max_cognitive (did you mean "max-cognitive"?' in str(error)


def test_an_unknown_key_without_a_close_match_lists_the_valid_keys(tmp_path: Path) -> None:
    error = load_error(tmp_path, '[project]\nzzz = "x"\n')
    assert "unknown key project.zzz (expected one of: entry, ignore, max-file-size)" in str(error)


@pytest.mark.parametrize("section", ["boundaries", "duplication", "audit", "framework"])
def test_sections_of_the_original_that_do_nothing_are_unknown(tmp_path: Path, section: str) -> None:
    error = load_error(tmp_path, f'[{section}]\nkey = "v"\n')
    assert f"unknown section [{section}]" in str(error)


def test_a_misspelt_section_is_an_error_with_a_suggestion(tmp_path: Path) -> None:
    error = load_error(tmp_path, "[helth]\nmax-cyclomatic = 10\n")
    assert 'unknown section [helth] (did you mean "health"?' in str(error)


def test_an_array_of_tables_section_is_unknown(tmp_path: Path) -> None:
    error = load_error(tmp_path, '[[plugins]]\nname = "x"\n')
    assert "unknown key plugins" in str(error)


def test_an_unknown_top_level_key_is_an_error(tmp_path: Path) -> None:
    error = load_error(tmp_path, "max-cyclomatic = 10\n")
    assert "unknown key max-cyclomatic (expected one of: project, rules, health, modules)" in str(
        error
    )


def test_a_key_that_is_not_bare_is_quoted_in_the_message(tmp_path: Path) -> None:
    error = load_error(tmp_path, '"odd key" = 1\n')
    assert 'unknown key "odd key"' in str(error)


_KNOWN = {"project", "rules", "health", "modules", "entry", "ignore"}
_KNOWN |= {"max-cyclomatic", "max-cognitive", "min-score"}
unknown_keys = st.from_regex(r"[A-Za-z0-9_-]{1,12}", fullmatch=True).filter(
    lambda key: key not in _KNOWN
)
toml_values = st.recursive(
    st.none().map(lambda _: "v") | st.integers() | st.booleans() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(unknown_keys, inner, max_size=3),
    max_leaves=5,
)


@given(st.dictionaries(unknown_keys, toml_values, min_size=1))
def test_unknown_top_level_keys_are_never_silently_ignored(data: dict[str, object]) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_project_config(data)
    named = re.search(r"unknown (?:key |section \[)([A-Za-z0-9_-]+)", str(caught.value))
    assert named is not None
    assert named[1] in data


@given(
    st.sampled_from(["project", "health"]),
    st.dictionaries(unknown_keys, toml_values, min_size=1),
)
def test_unknown_keys_inside_a_section_are_never_silently_ignored(
    section: str, table: dict[str, object]
) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_project_config({section: table})
    named = re.search(rf"unknown (?:key |section \[){section}\.([A-Za-z0-9_-]+)", str(caught.value))
    assert named is not None
    assert named[1] in table


# --- wrong types ------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "shown"),
    [
        ('max-cyclomatic = "x"', '"x"'),
        ("max-cyclomatic = true", "true"),
        ("max-cyclomatic = false", "false"),
        ("max-cyclomatic = -1", "-1"),
        ("max-cyclomatic = 1.5", "1.5"),
        ("max-cyclomatic = 1979-05-27", "1979-05-27"),
        ("max-cyclomatic = [1, 'a']", '[1, "a"]'),
        ("max-cyclomatic = { a = 1 }", "{a = 1}"),
    ],
)
def test_a_threshold_must_be_a_non_negative_integer(tmp_path: Path, text: str, shown: str) -> None:
    error = load_error(tmp_path, f"[health]\n{text}\n")
    expected = f"invalid value health.max-cyclomatic = {shown}: expected a non-negative integer"
    assert f"{tmp_path / '.chaffra.toml'}: {expected}" == str(error)


@pytest.mark.parametrize("key", ["max-cognitive", "min-score"])
def test_every_health_threshold_is_type_checked(tmp_path: Path, key: str) -> None:
    error = load_error(tmp_path, f'[health]\n{key} = "15"\n')
    assert f'invalid value health.{key} = "15": expected a non-negative integer' in str(error)


def test_a_minimum_score_above_100_is_an_error(tmp_path: Path) -> None:
    error = load_error(tmp_path, "[health]\nmin-score = 101\n")
    assert "invalid value health.min-score = 101: expected an integer from 0 to 100" in str(error)


@pytest.mark.parametrize("section", ["project", "rules", "health", "modules"])
def test_a_section_must_be_a_table(tmp_path: Path, section: str) -> None:
    error = load_error(tmp_path, f"{section} = 3\n")
    assert f"invalid value {section} = 3: expected a table [{section}]" in str(error)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('ignore = "build/**"', 'project.ignore = "build/**": expected an array of glob strings'),
        ("entry = [1]", "project.entry = [1]: expected an array of non-empty glob strings"),
        ('ignore = ["a", ""]', 'project.ignore = ["a", ""]: expected an array of non-empty'),
    ],
)
def test_project_globs_must_be_arrays_of_non_empty_strings(
    tmp_path: Path, text: str, expected: str
) -> None:
    assert f"invalid value {expected}" in str(load_error(tmp_path, f"[project]\n{text}\n"))


@pytest.mark.parametrize("value", ['"fatal"', '"ERROR"', "1", "true"])
def test_a_rule_level_must_be_one_of_the_levels(tmp_path: Path, value: str) -> None:
    error = load_error(tmp_path, f'[rules]\n"complexity:high-cyclomatic" = {value}\n')
    assert (
        f'invalid value rules."complexity:high-cyclomatic" = {value}: '
        'expected one of: "error", "warning", "info", "off"'
    ) in str(error)


@pytest.mark.parametrize("rule_id", ["bad id", "a:", ":b", "a:b:c", ""])
def test_a_rule_key_must_be_a_rule_id(tmp_path: Path, rule_id: str) -> None:
    error = load_error(tmp_path, f'[rules]\n"{rule_id}" = "off"\n')
    assert f'invalid value rules."{rule_id}" = "off": expected a rule id key' in str(error)


def test_a_non_table_under_modules_is_an_error(tmp_path: Path) -> None:
    error = load_error(tmp_path, "[modules]\nx = 1\n")
    assert "invalid value modules.x = 1: expected a table [modules.x]" in str(error)


# --- pyproject.toml ---------------------------------------------------------


def test_a_tool_chaffra_table_in_pyproject_is_the_same_schema(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "x"\n\n[tool.chaffra.health]\nmax-cognitive = 9\n'
        '[tool.chaffra.project]\nignore = ["b/**"]\n',
    )
    expected = ProjectConfig(
        project=ProjectSection(ignore=("b/**",)), health=HealthSection(max_cognitive=9)
    )
    assert expected == load_config_file(path)


def test_errors_in_pyproject_name_the_full_key(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", "[tool.chaffra.health]\nmax-cyclomtic = 1\n")
    with pytest.raises(ConfigError, match=r"unknown key tool\.chaffra\.health\.max-cyclomtic"):
        load_config_file(path)


@pytest.mark.parametrize("text", ['[project]\nname = "x"\n', "tool = 1\n", "[tool.black]\n"])
def test_a_pyproject_without_tool_chaffra_is_an_error_when_loaded(
    tmp_path: Path, text: str
) -> None:
    path = write(tmp_path / "pyproject.toml", text)
    with pytest.raises(ConfigError, match=r"no \[tool\.chaffra\] table"):
        load_config_file(path)


def test_tool_chaffra_must_be_a_table(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", "[tool]\nchaffra = 1\n")
    with pytest.raises(ConfigError, match=r"invalid value tool\.chaffra: expected a table"):
        load_config_file(path)


def test_the_kind_of_a_file_follows_its_name() -> None:
    assert ConfigKind.PYPROJECT is ConfigKind.of(Path("a/pyproject.toml"))
    assert ConfigKind.CHAFFRA_TOML is ConfigKind.of(Path("ci/chaffra.toml"))
