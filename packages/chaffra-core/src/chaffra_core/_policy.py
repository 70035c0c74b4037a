"""The whole configuration checked against the modules of a run, and the rule policy.

:func:`validate_run_config` runs before anything is analysed: every
``[modules.<id>]`` table against its module's declared schema, every
``[rules]`` id against the rules the modules define, ``--select`` and
``--ignore`` against the same. The result carries the module tables to hand
to the modules and the :class:`RulePolicy` that turns the modules' findings
into the reported ones (severity overrides, ``off``, selection).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from types import MappingProxyType

import attrs

from chaffra_core._config import EffectiveConfig
from chaffra_core._config_schema import RuleLevel, show_value, toml_key
from chaffra_core._findings import Finding, ModuleInfo, split_rule_id
from chaffra_core._module import AnalysisModule
from chaffra_core._module_schema import ConfigSchema, KeyInvalid, close_match
from chaffra_core._parse import PARSE_RULES
from chaffra_core._suppressions import STALE_SUPPRESSION
from chaffra_core.errors import ConfigError

__all__ = [
    "ALWAYS_REPORTED",
    "EXTERNAL_TABLES",
    "SECTION_OWNERS",
    "RulePolicy",
    "RunSettings",
    "schema_of",
    "validate_run_config",
]

MODULE_ERROR = "core:module-error"
ALWAYS_REPORTED = frozenset({MODULE_ERROR})
"""Rules no configuration can hide or demote: a failed module always fails the run."""

EXTERNAL_TABLES = frozenset({"telemetry"})
"""``[modules.<id>]`` tables read outside the module host (validated by their owner)."""

SECTION_OWNERS: Mapping[str, str] = MappingProxyType({"health": "complexity"})
"""Top-level sections whose keys are settings of a module: ``[health] max-cyclomatic``
is ``[modules.complexity] max-cyclomatic``, written once in either place."""

_CORE_RULES = (STALE_SUPPRESSION,)


def schema_of(module: AnalysisModule) -> ConfigSchema:
    """The settings ``module`` declares (an empty schema when it declares none)."""
    declare = getattr(module, "config_schema", None)
    return declare() if callable(declare) else ConfigSchema()


@attrs.frozen(kw_only=True)
class RulePolicy:
    """Which rules are reported, at which severity.

    ``levels`` maps a rule id as written in ``[rules]`` (qualified, or a bare
    name meaning that rule in every module) to its level; a qualified entry
    wins over a bare one. ``select`` (when not empty) and ``ignore`` hold
    prefixes of qualified ids or of bare names (``complexity``,
    ``complexity:high-``, ``high-cyclomatic``). ``core:module-error`` is
    always reported.
    """

    levels: Mapping[str, RuleLevel] = attrs.field(factory=dict, hash=False)
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()

    def level(self, rule_id: str) -> RuleLevel | None:
        """The configured level of ``rule_id``, or ``None`` for its default."""
        if rule_id in self.levels:
            return self.levels[rule_id]
        return self.levels.get(split_rule_id(rule_id)[1])

    def reports(self, rule_id: str) -> bool:
        """Whether findings of ``rule_id`` are reported at all."""
        if rule_id in ALWAYS_REPORTED:
            return True
        if self.level(rule_id) is RuleLevel.OFF:
            return False
        if self.select and not any(_matches(s, rule_id) for s in self.select):
            return False
        return not any(_matches(s, rule_id) for s in self.ignore)

    def apply(self, findings: Iterable[Finding]) -> list[Finding]:
        """The reported findings: hidden rules dropped, overridden severities set."""
        out = []
        for finding in findings:
            if not self.reports(finding.rule_id):
                continue
            level = None if finding.rule_id in ALWAYS_REPORTED else self.level(finding.rule_id)
            severity = None if level is None else level.severity
            out.append(
                finding
                if severity is None or severity is finding.severity
                else attrs.evolve(finding, severity=severity)
            )
        return out


def _matches(selector: str, rule_id: str) -> bool:
    return rule_id.startswith(selector) or split_rule_id(rule_id)[1].startswith(selector)


@attrs.frozen(kw_only=True)
class RunSettings:
    """The validated configuration of one run, as the modules and the reporter need it."""

    modules: Mapping[str, Mapping[str, object]] = attrs.field(hash=False)
    policy: RulePolicy
    rule_ids: tuple[str, ...]
    schemas: Mapping[str, ConfigSchema] = attrs.field(factory=dict, hash=False)

    def setting(self, module_id: str, key: str) -> object:
        """The value of ``key`` for ``module_id``: configured, else the schema's default.

        Raises:
            KeyError: the module is unknown or declares no such key.
        """
        table = self.modules.get(module_id, {})
        return table[key] if key in table else self.schemas[module_id].key(key).default

    def hidden_rules(self) -> frozenset[str]:
        """The known rules this run does not report (their suppressions are not judged)."""
        return frozenset(r for r in self.rule_ids if not self.policy.reports(r))


def validate_run_config(
    config: EffectiveConfig, modules: Sequence[AnalysisModule], infos: Sequence[ModuleInfo]
) -> RunSettings:
    """Check the whole configuration against the modules able to run.

    ``modules`` are every registered module (not only the selected ones):
    a table for a module that exists but is not run this time is still checked.

    Raises:
        ConfigError: an unknown ``[modules.<id>]`` table, an unknown key or a bad
            value in one (naming the key, the value and what is allowed, with a
            close match when there is one), a ``[health]`` value that disagrees with
            the module table, an unknown rule in ``[rules]``, ``--select`` or ``--ignore``.
    """
    names = _Names(config)
    schemas = {info.id: schema_of(module) for module, info in zip(modules, infos, strict=True)}
    tables: dict[str, Mapping[str, object]] = {}
    for module_id, table in config.project.modules.items():
        if module_id in EXTERNAL_TABLES:
            continue
        if module_id not in schemas:
            known = tuple(sorted({*schemas, *EXTERNAL_TABLES}))
            raise names.error(
                f"unknown section [{names.dotted('modules', module_id)}] "
                f"({close_match(module_id, known)}modules: {', '.join(known)})"
            )
        tables[module_id] = _checked(names, ("modules", module_id), table, schemas[module_id])
    for section, owner in SECTION_OWNERS.items():
        if owner in schemas:
            given = _section_values(config, section)
            inherited = _checked(names, (section,), given, schemas[owner])
            merged = _merge(names, section, owner, inherited, tables.get(owner, {}))
            if merged:
                tables[owner] = merged
    rule_ids = _rule_ids(infos)
    for rule_id in config.project.rules:
        _known_rule(names, rule_id, rule_ids, where=("rules", rule_id))
    for flag, selectors in (("--select", config.select), ("--ignore", config.ignore)):
        for selector in selectors:
            if not any(_matches(selector, rule) for rule in rule_ids):
                raise ConfigError(
                    f"{flag} {selector}: no rule id or prefix matches "
                    f"({close_match(selector, rule_ids)}rules: {', '.join(rule_ids)})"
                )
    return RunSettings(
        modules=MappingProxyType(tables),
        policy=RulePolicy(levels=config.project.rules, select=config.select, ignore=config.ignore),
        rule_ids=rule_ids,
        schemas=MappingProxyType(schemas),
    )


class _Names:
    """Names keys as the user wrote them (``tool.chaffra.`` inside ``pyproject.toml``)."""

    def __init__(self, config: EffectiveConfig) -> None:
        path = config.config_path
        self.path = None if path is None else str(path)
        in_pyproject = path is not None and path.name == "pyproject.toml"
        self.prefix: tuple[str, ...] = ("tool", "chaffra") if in_pyproject else ()

    def dotted(self, *keys: str) -> str:
        return ".".join(toml_key(key) for key in (*self.prefix, *keys))

    def error(self, message: str) -> ConfigError:
        return ConfigError(message, path=self.path)


def _checked(
    names: _Names, where: tuple[str, ...], table: Mapping[str, object], schema: ConfigSchema
) -> Mapping[str, object]:
    allowed = schema.names()
    checked: dict[str, object] = {}
    for key, value in table.items():
        if key not in allowed:
            expected = f"expected one of: {', '.join(allowed)}" if allowed else "it takes no keys"
            raise names.error(
                f"unknown key {names.dotted(*where, key)} ({close_match(key, allowed)}{expected})"
            )
        try:
            checked[key] = schema.key(key).check(value)
        except KeyInvalid as invalid:
            raise names.error(
                f"invalid value {names.dotted(*where, key)} = {show_value(value)}: "
                f"expected {invalid}"
            ) from None
    return checked


def _section_values(config: EffectiveConfig, section: str) -> Mapping[str, object]:
    values = getattr(config.project, section)
    return {
        field.name.replace("_", "-"): getattr(values, field.name)
        for field in attrs.fields(type(values))
        if getattr(values, field.name) is not None
    }


def _merge(
    names: _Names,
    section: str,
    owner: str,
    inherited: Mapping[str, object],
    own: Mapping[str, object],
) -> Mapping[str, object]:
    for key, value in inherited.items():
        if key in own and own[key] != value:
            raise names.error(
                f"{names.dotted(section, key)} = {value} and "
                f"{names.dotted('modules', owner, key)} = {own[key]} disagree: set it in one place"
            )
    return {**inherited, **own}


def _rule_ids(infos: Iterable[ModuleInfo]) -> tuple[str, ...]:
    ids = {rule.id for info in infos for rule in info.rules}
    ids.update(rule.id for rule in PARSE_RULES)
    ids.update(_CORE_RULES)
    return tuple(sorted(ids))


def _known_rule(
    names: _Names, rule_id: str, rule_ids: tuple[str, ...], *, where: tuple[str, ...]
) -> None:
    bare_names = {split_rule_id(rule)[1] for rule in rule_ids}
    module, _ = split_rule_id(rule_id)
    if rule_id in rule_ids or (module is None and rule_id in bare_names):
        return
    if rule_id in ALWAYS_REPORTED:
        raise names.error(
            f"{names.dotted(*where)}: {rule_id} cannot be configured "
            "(a failed module always fails the run)"
        )
    candidates = rule_ids if module is not None else tuple(sorted(bare_names))
    raise names.error(
        f"unknown rule {names.dotted(*where)} ({close_match(rule_id, candidates)}"
        f"rules: {', '.join(rule_ids)})"
    )
