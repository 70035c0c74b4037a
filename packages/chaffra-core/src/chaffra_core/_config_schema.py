"""The project configuration schema (spec cli-and-core §5.2), validated fail-closed.

Every key is checked: an unknown key or section, or a value of the wrong type,
is a :class:`~chaffra_core.errors.ConfigError` naming the key as a dotted path,
the value and what is expected. Nothing is silently defaulted or ignored.
"""

from __future__ import annotations

import datetime
import difflib
import json
import re
from collections.abc import Mapping
from types import MappingProxyType

import attrs

from chaffra_core._compat import StrEnum
from chaffra_core._findings import Severity
from chaffra_core._reading import DEFAULT_MAX_FILE_SIZE
from chaffra_core.errors import ConfigError

__all__ = [
    "HealthSection",
    "ProjectConfig",
    "ProjectSection",
    "RuleLevel",
    "parse_project_config",
    "show_value",
    "toml_key",
]


class RuleLevel(StrEnum):
    """What a ``[rules]`` entry sets a rule to; the values are the config spellings."""

    ERROR = "error"
    WARNING = "warning"
    INFO = "info"
    OFF = "off"

    @property
    def severity(self) -> Severity | None:
        """The finding severity, or ``None`` for ``off`` (the rule reports nothing)."""
        return None if self is RuleLevel.OFF else Severity(self.value)


_RULE_LEVELS = {**{level.value: level for level in RuleLevel}, "warn": RuleLevel.WARNING}
_RULE_ID = re.compile(r"(?:[A-Za-z0-9][\w.-]*:)?[A-Za-z0-9][\w.-]*", re.ASCII)
_BARE_KEY = re.compile(r"[A-Za-z0-9_-]+", re.ASCII)


def _freeze(value: object) -> object:
    # TOML tables become read-only mappings and arrays tuples, so a config shared
    # by watch iterations or threads cannot be changed under them.
    if isinstance(value, dict):
        return MappingProxyType({key: _freeze(item) for key, item in value.items()})
    if isinstance(value, list):
        return tuple(_freeze(item) for item in value)
    return value


def _freeze_mapping(mapping: Mapping[str, object]) -> Mapping[str, object]:
    return MappingProxyType({key: _freeze(value) for key, value in mapping.items()})


def _freeze_modules(
    modules: Mapping[str, Mapping[str, object]],
) -> Mapping[str, Mapping[str, object]]:
    return MappingProxyType({key: _freeze_mapping(table) for key, table in modules.items()})


def _freeze_rules(rules: Mapping[str, RuleLevel]) -> Mapping[str, RuleLevel]:
    return MappingProxyType(dict(rules))


@attrs.frozen(kw_only=True)
class ProjectSection:
    """``[project]``: glob lists of entry points and of paths to ignore, and the size
    above which a file is skipped with a notice (bytes)."""

    entry: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    max_file_size: int = DEFAULT_MAX_FILE_SIZE


@attrs.frozen(kw_only=True)
class HealthSection:
    """``[health]``: the complexity thresholds, the score ``health`` must reach and the
    health model (1 or 2, docs/health.md).

    ``None`` means not set: the default is the complexity module's (declared
    once, in its config schema), and ``[modules.complexity]`` may set it instead.
    """

    max_cyclomatic: int | None = None
    max_cognitive: int | None = None
    min_score: int | None = None
    model: int | None = None


@attrs.frozen(kw_only=True)
class ProjectConfig:
    """A validated project configuration; the defaults are the empty file's.

    ``rules`` maps a rule id (``module:rule`` or a bare ``rule``) to its level;
    ``modules`` holds each ``[modules.<id>]`` table, read-only, with TOML arrays
    as tuples. Mappings are left out of the hash (they have none).
    """

    project: ProjectSection = ProjectSection()
    rules: Mapping[str, RuleLevel] = attrs.field(factory=dict, converter=_freeze_rules, hash=False)
    health: HealthSection = HealthSection()
    modules: Mapping[str, Mapping[str, object]] = attrs.field(
        factory=dict, converter=_freeze_modules, hash=False
    )


_SECTIONS = ("project", "rules", "health", "modules")
_PROJECT_KEYS = ("entry", "ignore", "max-file-size")
_SIZE = re.compile(r"(?P<number>\d+)\s*(?P<unit>[KMG]i?B|B)?", re.IGNORECASE)
_UNITS = {
    "b": 1,
    "kb": 1000,
    "kib": 1024,
    "mb": 1000**2,
    "mib": 1024**2,
    "gb": 1000**3,
    "gib": 1024**3,
}
_HEALTH_KEYS = ("max-cyclomatic", "max-cognitive", "min-score", "model")
_HEALTH_MODELS = (1, 2)


@attrs.frozen
class _Context:
    """Where the table came from, to name the file and the full key in errors."""

    path: str | None
    prefix: tuple[str, ...]

    def dotted(self, *keys: str) -> str:
        return ".".join(toml_key(key) for key in (*self.prefix, *keys))

    def invalid(self, keys: tuple[str, ...], value: object, expected: str) -> ConfigError:
        return ConfigError(
            f"invalid value {self.dotted(*keys)} = {show_value(value)}: expected {expected}",
            path=self.path,
        )

    def unknown(
        self, keys: tuple[str, ...], allowed: tuple[str, ...], *, table: bool
    ) -> ConfigError:
        name = f"section [{self.dotted(*keys)}]" if table else f"key {self.dotted(*keys)}"
        close = difflib.get_close_matches(keys[-1], allowed, n=1)
        hint = f'did you mean "{close[0]}"? ' if close else ""
        return ConfigError(
            f"unknown {name} ({hint}expected one of: {', '.join(allowed)})", path=self.path
        )


def toml_key(key: str) -> str:
    """``key`` as TOML writes it: bare when it can be, else quoted."""
    return key if _BARE_KEY.fullmatch(key) else json.dumps(key, ensure_ascii=False)


def show_value(value: object) -> str:
    """``value`` as it would be written in TOML, for error messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{toml_key(k)} = {show_value(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(show_value(item) for item in value) + "]"
    if isinstance(value, (datetime.date, datetime.time)):
        return value.isoformat()
    return repr(value)


def parse_project_config(
    data: Mapping[str, object], *, path: str | None = None, prefix: tuple[str, ...] = ()
) -> ProjectConfig:
    """Validate a parsed TOML document (or ``[tool.chaffra]`` table) against the schema.

    ``path`` names the file in errors; ``prefix`` is prepended to every key
    named in an error (``("tool", "chaffra")`` for ``pyproject.toml``).

    Raises:
        ConfigError: an unknown section or key (with a close match when there
            is one), or a value of the wrong type or out of range.
    """
    ctx = _Context(path, prefix)
    _check_known(ctx, data, (), _SECTIONS)
    project = _table(ctx, data, "project")
    _check_known(ctx, project, ("project",), _PROJECT_KEYS)
    health = _table(ctx, data, "health")
    _check_known(ctx, health, ("health",), _HEALTH_KEYS)
    return ProjectConfig(
        project=ProjectSection(
            entry=_globs(ctx, project, "entry"),
            ignore=_globs(ctx, project, "ignore"),
            max_file_size=_file_size(ctx, project),
        ),
        rules=_rules(ctx, _table(ctx, data, "rules")),
        health=HealthSection(
            max_cyclomatic=_count(ctx, health, "max-cyclomatic"),
            max_cognitive=_count(ctx, health, "max-cognitive"),
            min_score=_score(ctx, health),
            model=_model(ctx, health),
        ),
        modules=_modules(ctx, _table(ctx, data, "modules")),
    )


def _check_known(
    ctx: _Context, table: Mapping[str, object], where: tuple[str, ...], allowed: tuple[str, ...]
) -> None:
    for key, value in table.items():
        if key not in allowed:
            raise ctx.unknown((*where, key), allowed, table=isinstance(value, dict))


def _table(ctx: _Context, data: Mapping[str, object], key: str) -> Mapping[str, object]:
    value = data.get(key, {})
    if not isinstance(value, dict):
        raise ctx.invalid((key,), value, f"a table [{ctx.dotted(key)}]")
    return value


def _globs(ctx: _Context, section: Mapping[str, object], key: str) -> tuple[str, ...]:
    value = section.get(key, [])
    if not isinstance(value, list):
        raise ctx.invalid(("project", key), value, "an array of glob strings")
    for item in value:
        if not isinstance(item, str) or not item:
            raise ctx.invalid(("project", key), value, "an array of non-empty glob strings")
    return tuple(value)


def _rules(ctx: _Context, section: Mapping[str, object]) -> dict[str, RuleLevel]:
    rules: dict[str, RuleLevel] = {}
    for rule_id, value in section.items():
        if not _RULE_ID.fullmatch(rule_id):
            raise ctx.invalid(("rules", rule_id), value, 'a rule id key, "rule" or "module:rule"')
        level = _RULE_LEVELS.get(value) if isinstance(value, str) else None
        if level is None:
            raise ctx.invalid(
                ("rules", rule_id), value, 'one of: "error", "warning", "info", "off"'
            )
        rules[rule_id] = level
    return rules


def _count(ctx: _Context, section: Mapping[str, object], key: str) -> int | None:
    if key not in section:
        return None
    value = section[key]
    # bool is an int subclass in Python; TOML's true is not a number.
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ctx.invalid(("health", key), value, "a non-negative integer")
    return value


def _file_size(ctx: _Context, section: Mapping[str, object]) -> int:
    """``max-file-size``: a positive number of bytes, or a string such as ``"8 MiB"``."""
    value = section.get("max-file-size", DEFAULT_MAX_FILE_SIZE)
    size: int | None = None
    if isinstance(value, int) and not isinstance(value, bool):
        size = value
    elif isinstance(value, str) and (match := _SIZE.fullmatch(value.strip())):
        size = int(match["number"]) * _UNITS[(match["unit"] or "b").lower()]
    if size is None or size <= 0:
        raise ctx.invalid(
            ("project", "max-file-size"),
            value,
            'a positive number of bytes or a size such as "8 MiB"'
            " (units B, KB, KiB, MB, MiB, GB, GiB)",
        )
    return size


def _score(ctx: _Context, section: Mapping[str, object]) -> int | None:
    score = _count(ctx, section, "min-score")
    if score is not None and score > 100:
        raise ctx.invalid(("health", "min-score"), score, "an integer from 0 to 100")
    return score


def _model(ctx: _Context, section: Mapping[str, object]) -> int | None:
    if "model" not in section:
        return None
    value = section["model"]
    if isinstance(value, bool) or not isinstance(value, int) or value not in _HEALTH_MODELS:
        raise ctx.invalid(("health", "model"), value, "an integer from 1 to 2")
    return value


def _modules(ctx: _Context, section: Mapping[str, object]) -> dict[str, Mapping[str, object]]:
    modules: dict[str, Mapping[str, object]] = {}
    for module_id, table in section.items():
        if not isinstance(table, dict):
            raise ctx.invalid(
                ("modules", module_id), table, f"a table [{ctx.dotted('modules', module_id)}]"
            )
        modules[module_id] = table
    return modules
