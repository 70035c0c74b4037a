"""Module config schemas, the whole-config check before a run, and the rule policy."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chaffra_core import (
    PEER_CODES,
    CliOverrides,
    ConfigError,
    ConfigKey,
    ConfigSchema,
    Finding,
    Location,
    ModuleHost,
    PeerCode,
    RuleLevel,
    RulePolicy,
    Severity,
    ValueKind,
    find_project_root,
    register_peer_code,
    resolve_effective_config,
    validate_run_config,
)
from chaffra_core._module_schema import KeyInvalid, close_match
from chaffra_core._peer_codes import has_suppression_marker, peer_rules
from chaffra_core._policy import schema_of
from chaffra_core.analyzers.complexity import ComplexityModule

NO_FLAGS = CliOverrides()


def finding(rule_id: str, severity: Severity = Severity.WARNING) -> Finding:
    return Finding(
        rule_id=rule_id,
        message="m",
        severity=severity,
        location=Location(file="a.py", start_line=1, end_line=1),
    )


# --- ConfigKey ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "good", "bad", "allowed"),
    [
        (
            ConfigKey(name="n", kind=ValueKind.INTEGER, default=1, minimum=0, maximum=9),
            [(0, 0), (9, 9)],
            [-1, 10, True, "3", 1.0],
            "an integer from 0 to 9",
        ),
        (
            ConfigKey(name="r", kind=ValueKind.NUMBER, default=0.5, maximum=1),
            [(1, 1.0), (0.25, 0.25)],
            [1.5, math.nan, math.inf, False, "0.5"],
            "a number <= 1",
        ),
        (
            ConfigKey(name="b", kind=ValueKind.BOOLEAN, default=False),
            [(True, True)],
            [1, "true"],
            "a boolean",
        ),
        (
            ConfigKey(name="s", kind=ValueKind.STRING, default="a", choices=("a", "b")),
            [("b", "b")],
            ["c", 1],
            'one of: "a", "b"',
        ),
        (
            ConfigKey(name="g", kind=ValueKind.STRINGS, default=()),
            [(["x", "y"], ("x", "y")), ([], ())],
            ["x", [1], ("x", 2)],
            "an array of strings",
        ),
        (
            ConfigKey(name="m", kind=ValueKind.INTEGER, default=5, minimum=2),
            [(2, 2)],
            [1],
            "an integer >= 2",
        ),
    ],
)
def test_a_key_converts_good_values_and_rejects_bad_ones_saying_what_is_allowed(
    key: ConfigKey, good: list[tuple[object, object]], bad: list[object], allowed: str
) -> None:
    assert allowed == key.allowed()
    for value, expected in good:
        assert expected == key.check(value)
    for value in bad:
        with pytest.raises(KeyInvalid, match=allowed):
            key.check(value)


@given(st.integers())
def test_an_integer_key_accepts_exactly_its_range(value: int) -> None:
    key = ConfigKey(name="n", kind=ValueKind.INTEGER, default=0, minimum=0, maximum=100)
    if 0 <= value <= 100:
        assert value == key.check(value)
    else:
        with pytest.raises(KeyInvalid):
            key.check(value)


def test_a_schema_lists_its_keys_and_defaults_and_finds_a_key() -> None:
    schema = ComplexityModule().config_schema()
    assert ("max-cyclomatic", "max-cognitive", "min-score", "model") == schema.names()
    assert {"max-cyclomatic": 10, "max-cognitive": 15, "min-score": 70, "model": 2} == dict(
        schema.defaults()
    )
    assert 100 == schema.key("min-score").maximum
    with pytest.raises(KeyError):
        schema.key("nope")
    assert 'did you mean "min-score"? ' == close_match("min-scor", schema.names())
    assert "" == close_match("zzz", schema.names())


def test_a_module_that_declares_no_schema_takes_no_keys() -> None:
    class Bare:
        pass

    assert ConfigSchema() == schema_of(Bare())  # type: ignore[arg-type]


# --- validate_run_config -----------------------------------------------------------------


def resolved(tmp_path: Path, text: str, overrides: CliOverrides = NO_FLAGS) -> ConfigError | None:
    (tmp_path / ".git").mkdir(exist_ok=True)
    (tmp_path / ".chaffra.toml").write_text(text, encoding="utf-8")
    config = resolve_effective_config(tmp_path, None, overrides)
    host = ModuleHost([ComplexityModule()])
    try:
        validate_run_config(config, list(host), host.infos())
    except ConfigError as error:
        return error
    return None


def test_a_misspelt_bare_rule_gets_the_closest_bare_name(tmp_path: Path) -> None:
    error = resolved(tmp_path, '[rules]\nhigh-cyclomatc = "off"\n')
    assert error is not None
    assert 'unknown rule rules.high-cyclomatc (did you mean "high-cyclomatic"?' in str(error)


def test_a_config_that_names_core_module_error_is_refused(tmp_path: Path) -> None:
    error = resolved(tmp_path, '[rules]\n"core:module-error" = "off"\n')
    assert error is not None
    assert "core:module-error cannot be configured" in str(error)


@pytest.mark.parametrize(
    "rules",
    [
        'high-cognitive = "off"',
        '"parse:syntax-error" = "warning"',
        '"core:stale-suppression" = "off"',
    ],
)
def test_bare_parse_and_core_rules_can_be_configured(tmp_path: Path, rules: str) -> None:
    assert resolved(tmp_path, f"[rules]\n{rules}\n") is None


def test_telemetry_tables_are_left_to_the_telemetry_resolver(tmp_path: Path) -> None:
    assert resolved(tmp_path, '[modules.telemetry]\naudience = "off"\n') is None


def test_a_module_table_in_a_custom_host_without_the_owner_ignores_health(tmp_path: Path) -> None:
    (tmp_path / ".chaffra.toml").write_text("[health]\nmax-cyclomatic = 3\n", encoding="utf-8")
    config = resolve_effective_config(tmp_path, None, NO_FLAGS)
    settings = validate_run_config(config, [], [])
    assert {} == dict(settings.modules)


def test_health_values_become_the_complexity_settings(tmp_path: Path) -> None:
    (tmp_path / ".chaffra.toml").write_text(
        "[health]\nmax-cyclomatic = 3\n[modules.complexity]\nmax-cyclomatic = 3\nmin-score = 5\n",
        encoding="utf-8",
    )
    config = resolve_effective_config(tmp_path, None, NO_FLAGS)
    host = ModuleHost([ComplexityModule()])
    settings = validate_run_config(config, list(host), host.infos())
    assert {"max-cyclomatic": 3, "min-score": 5} == dict(settings.modules["complexity"])
    assert (3, 15, 5, 2) == tuple(
        settings.setting("complexity", key) for key in ComplexityModule().config_schema().names()
    )


def test_selectors_on_the_command_line_are_checked(tmp_path: Path) -> None:
    error = resolved(tmp_path, "", CliOverrides(select=("complexity",), ignore=("cmplexity",)))
    assert error is not None
    assert str(error).startswith("--ignore cmplexity: no rule id or prefix matches")


# --- RulePolicy ----------------------------------------------------------------------------


def test_a_qualified_level_wins_over_a_bare_one() -> None:
    policy = RulePolicy(
        levels={"high-cyclomatic": RuleLevel.OFF, "complexity:high-cyclomatic": RuleLevel.INFO}
    )
    assert RuleLevel.INFO is policy.level("complexity:high-cyclomatic")
    assert RuleLevel.OFF is policy.level("other:high-cyclomatic")
    assert policy.level("complexity:high-cognitive") is None
    kept = policy.apply([finding("complexity:high-cyclomatic"), finding("other:high-cyclomatic")])
    assert [("complexity:high-cyclomatic", Severity.INFO)] == [
        (f.rule_id, f.severity) for f in kept
    ]


def test_module_errors_are_always_reported_at_their_severity() -> None:
    policy = RulePolicy(levels={"module-error": RuleLevel.INFO}, select=("complexity",))
    error = finding("core:module-error", Severity.ERROR)
    assert [error] == policy.apply([error])


def test_select_and_ignore_match_prefixes_of_ids_and_of_bare_names() -> None:
    policy = RulePolicy(select=("complexity:high-", "low-"), ignore=("high-cog",))
    assert policy.reports("complexity:high-cyclomatic")
    assert policy.reports("complexity:low-health-score")
    assert not policy.reports("complexity:high-cognitive")
    assert not policy.reports("core:stale-suppression")


def test_an_unchanged_severity_keeps_the_same_finding() -> None:
    original = finding("complexity:high-cyclomatic")
    policy = RulePolicy(levels={"complexity:high-cyclomatic": RuleLevel.WARNING})
    assert original is policy.apply([original])[0]


# --- peer codes ----------------------------------------------------------------------------


def test_peer_markers_are_found_in_bytes_and_text() -> None:
    assert has_suppression_marker(b"x = 1  # NOQA: C901\n")
    assert has_suppression_marker("x = 1  # nosec\n")
    assert not has_suppression_marker("x = 1\n")


def test_a_text_without_any_marker_has_no_suppressions() -> None:
    from chaffra_core._suppressions import scan_suppressions

    assert () == scan_suppressions("x = 1  # a comment\n")


def test_only_mapped_peer_codes_suppress() -> None:
    assert (("# noqa:E501 c901", ("complexity:high-cyclomatic",)),) == peer_rules(
        "# noqa:E501 c901"
    )
    assert () == peer_rules("# noqa: E501")
    assert () == peer_rules("# nosec B602")  # nothing maps bandit's codes yet
    assert () == peer_rules("# noqa")


def test_registering_peer_codes_is_checked() -> None:
    known = PEER_CODES["noqa", "C901"]
    register_peer_code(known)  # the same mapping again is fine
    with pytest.raises(ValueError, match="already mapped"):
        register_peer_code(PeerCode(tool="x", marker="noqa", code="c901", rules=("a:b",)))
    with pytest.raises(ValueError, match="unknown peer marker 'pylint'"):
        register_peer_code(PeerCode(tool="x", marker="pylint", code="R0912", rules=("a:b",)))


def test_a_registered_nosec_code_maps_to_its_rules() -> None:
    code = PeerCode(tool="bandit", marker="nosec", code="B999", rules=("security:x",))
    register_peer_code(code)
    try:
        assert (("# nosec B999", ("security:x",)),) == peer_rules("# nosec B999")
    finally:
        del PEER_CODES["nosec", "B999"]


# --- the project root ----------------------------------------------------------------------


def test_the_project_root_is_found_from_the_target_only(tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "a" / "b").mkdir(parents=True)
    assert tmp_path / "a" / "b" == find_project_root(tmp_path / "a" / "b")
    (tmp_path / "pyproject.toml").write_text("[tool.chaffra]\n", encoding="utf-8")
    assert tmp_path == find_project_root(tmp_path / "a" / "b")
    (tmp_path / "a" / "pyproject.toml").write_text("[[[", encoding="utf-8")
    (tmp_path / "a" / "b" / "pyproject.toml").write_text("[project]\n", encoding="utf-8")
    assert tmp_path == find_project_root(tmp_path / "a" / "b")
    (tmp_path / "a" / ".chaffra.toml").write_text("", encoding="utf-8")
    assert tmp_path / "a" == find_project_root(tmp_path / "a" / "b")
