"""Project configuration: finding, reading and resolving it (spec cli-and-core §2, §5).

:func:`resolve_effective_config` is the one resolver every producer (analysis
commands, watch, LSP, MCP, management) calls. A configuration file that exists
is used or rejected, never replaced by defaults; only a project without one
gets the defaults.
"""

from __future__ import annotations

import os
import re
import stat
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs

import chaffra_telemetry
from chaffra_core._compat import StrEnum
from chaffra_core._config_schema import ProjectConfig, parse_project_config
from chaffra_core._reading import ReadRefused, read_file
from chaffra_core.errors import ConfigError
from chaffra_telemetry import TelemetryConfig

if sys.version_info >= (3, 11):  # pragma: no cover - exercised only on one interpreter per run
    import tomllib
else:  # pragma: no cover - exercised only on Python 3.10
    import tomli as tomllib  # type: ignore[import-not-found, unused-ignore]

__all__ = [
    "CONFIG_FILE_NAME",
    "PYPROJECT_FILE_NAME",
    "CliOverrides",
    "ConfigKind",
    "ConfigSource",
    "EffectiveConfig",
    "discover_config",
    "find_project_root",
    "load_config_file",
    "render_init_template",
    "resolve_effective_config",
]

CONFIG_FILE_NAME = ".chaffra.toml"
PYPROJECT_FILE_NAME = "pyproject.toml"
_PYPROJECT_TABLE = ("tool", "chaffra")
# tomllib/tomli end every message with its position; only 3.13+ also sets attributes.
_POSITION = re.compile(r"(?P<message>.*) \(at line (?P<line>\d+), column (?P<column>\d+)\)", re.S)


class ConfigKind(StrEnum):
    """Which kind of file holds the configuration; the values are the file names."""

    CHAFFRA_TOML = CONFIG_FILE_NAME
    PYPROJECT = PYPROJECT_FILE_NAME  # the ``[tool.chaffra]`` table

    @classmethod
    def of(cls, path: Path) -> ConfigKind:
        """``PYPROJECT`` for a file named ``pyproject.toml``, else ``CHAFFRA_TOML``."""
        return cls.PYPROJECT if path.name == PYPROJECT_FILE_NAME else cls.CHAFFRA_TOML


@attrs.frozen(kw_only=True)
class ConfigSource:
    """A configuration file that was found, and the warnings finding it raised."""

    path: Path
    kind: ConfigKind
    warnings: tuple[str, ...] = ()

    @property
    def root(self) -> Path:
        """The project root: the directory holding the file."""
        return self.path.parent


@attrs.frozen(kw_only=True)
class CliOverrides:
    """The raw command-line flags that configure a run; ``None``/empty means not given.

    ``select`` and ``ignore`` are rule ids or prefixes (checked against the
    modules' rules before the run); ``exclude`` are gitignore-style globs,
    relative to the project root, added to ``[project] ignore``.
    """

    telemetry: str | None = None
    telemetry_backend: str | None = None
    telemetry_endpoint: str | None = None
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()


@attrs.frozen(kw_only=True)
class EffectiveConfig:
    """Everything a run needs from configuration, resolved once per run."""

    project_root: Path
    target: Path
    config_path: Path | None
    project: ProjectConfig
    telemetry: TelemetryConfig
    modules: Mapping[str, Mapping[str, object]] = attrs.field(hash=False)
    warnings: tuple[str, ...] = ()
    select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def ignore_patterns(self) -> tuple[str, ...]:
        """``[project] ignore`` and the ``--exclude`` globs, relative to the project root."""
        return (*self.project.project.ignore, *self.exclude)


def _absolute(path: Path) -> Path:
    # Lexical, like the user wrote it: ``..`` is folded but symlinks are kept.
    return Path(os.path.abspath(path))


def _probe(path: Path) -> os.stat_result | None:
    """``path``'s status, or ``None`` when it definitely does not exist.

    Raises:
        ConfigError: existence cannot be determined (permission denied, a
            symlink loop, an I/O error).
    """
    try:
        return path.stat()
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as exc:
        raise ConfigError(f"failed to probe: {exc.strerror or exc}", path=str(path)) from exc


def _start_directory(target: Path) -> Path:
    status = _probe(target)
    return target if status is not None and stat.S_ISDIR(status.st_mode) else target.parent


def _read_toml(path: Path) -> dict[str, Any]:
    """The parsed TOML document at ``path``.

    Raises:
        ConfigError: the file cannot be read (or is not a regular file, or is
            larger than the size limit: never read blindly), is not UTF-8 or is
            not valid TOML (then with the line and column when the parser gives them).
    """
    data = read_file(path)
    if isinstance(data, ReadRefused):
        raise ConfigError(f"failed to read configuration file: {data.reason}", path=str(path))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"invalid TOML: not UTF-8 text ({exc})", path=str(path)) from exc
    try:
        document: dict[str, Any] = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        found = _POSITION.fullmatch(str(exc))
        if found is None:  # e.g. "... (at end of document)"
            raise ConfigError(f"invalid TOML: {exc}", path=str(path)) from exc
        raise ConfigError(
            f"invalid TOML: {found['message']}",
            path=str(path),
            line=int(found["line"]),
            column=int(found["column"]),
        ) from exc
    except RecursionError:  # tomllib recurses once per nested array or inline table
        raise ConfigError("invalid TOML: values nested too deeply", path=str(path)) from None
    return document


def _tool_chaffra(document: Mapping[str, object]) -> tuple[bool, object]:
    """Whether ``[tool.chaffra]`` is present in a ``pyproject.toml``, and its value."""
    tool = document.get("tool")
    if isinstance(tool, dict) and "chaffra" in tool:
        return True, tool["chaffra"]
    return False, None


def load_config_file(path: Path) -> ProjectConfig:
    """The validated configuration in ``path``.

    A file named ``pyproject.toml`` is read for its ``[tool.chaffra]`` table
    (required); any other file is a whole ``.chaffra.toml`` document.

    Raises:
        ConfigError: the file cannot be read or parsed, lacks ``[tool.chaffra]``
            (``pyproject.toml``), or does not match the schema.
    """
    document = _read_toml(path)
    if ConfigKind.of(path) is ConfigKind.CHAFFRA_TOML:
        return parse_project_config(document, path=str(path))
    present, table = _tool_chaffra(document)
    if not present:
        raise ConfigError("no [tool.chaffra] table", path=str(path))
    if not isinstance(table, dict):
        raise ConfigError("invalid value tool.chaffra: expected a table", path=str(path))
    return parse_project_config(table, path=str(path), prefix=_PYPROJECT_TABLE)


def _config_in(directory: Path) -> ConfigSource | None:
    chaffra = directory / CONFIG_FILE_NAME
    pyproject = directory / PYPROJECT_FILE_NAME
    has_chaffra = _probe(chaffra) is not None
    # A pyproject.toml that exists but cannot be parsed is an error even beside a
    # .chaffra.toml: whether it configures chaffra cannot be known.
    has_tool = _probe(pyproject) is not None and _tool_chaffra(_read_toml(pyproject))[0]
    if has_chaffra and has_tool:
        warning = f"both {chaffra} and [tool.chaffra] in {pyproject} found; using {chaffra}"
        return ConfigSource(path=chaffra, kind=ConfigKind.CHAFFRA_TOML, warnings=(warning,))
    if has_chaffra:
        return ConfigSource(path=chaffra, kind=ConfigKind.CHAFFRA_TOML)
    if has_tool:
        return ConfigSource(path=pyproject, kind=ConfigKind.PYPROJECT)
    return None


def discover_config(target: Path) -> ConfigSource | None:
    """The configuration of ``target`` (a file or directory), found by walking up.

    From ``target``'s directory up to the filesystem root, the first directory
    holding ``.chaffra.toml`` or a ``pyproject.toml`` with ``[tool.chaffra]``
    wins; ``.chaffra.toml`` wins over a ``pyproject.toml`` beside it, with a
    warning. The walk ends after the repository root (a directory holding
    ``.git``). ``None`` means no configuration: use the defaults.

    Raises:
        ConfigError: a candidate's existence cannot be determined, or a
            ``pyproject.toml`` on the way cannot be read or parsed.
    """
    directory = _start_directory(_absolute(target))
    for candidate in (directory, *directory.parents):
        source = _config_in(candidate)
        if source is not None:
            return source
        if _probe(candidate / ".git") is not None:
            return None
    return None


def resolve_effective_config(
    project_root: Path, explicit_config_path: Path | None, cli_overrides: CliOverrides
) -> EffectiveConfig:
    """The effective configuration of a run on ``project_root``, the target path.

    The telemetry flags are validated first. ``explicit_config_path`` (``--config``)
    replaces discovery; otherwise the configuration is discovered from the target.
    The project root (where ``.chaffra/`` lives and what paths are relative to)
    always follows the target, never a ``--config`` file's location: the
    directory that holds the target's own configuration file, or the target's
    directory when there is none. Telemetry merges the flags with
    ``[modules.telemetry]``, an explicit flag winning.

    Raises:
        chaffra_telemetry.ConfigError: a telemetry flag value is invalid (a usage error).
        ConfigError: the configuration file is missing (``--config``), unreadable
            or invalid, including its ``[modules.telemetry]`` table.
    """
    target = _absolute(project_root)
    cli = TelemetryConfig.from_cli(
        telemetry=cli_overrides.telemetry,
        backend=cli_overrides.telemetry_backend,
        endpoint=cli_overrides.telemetry_endpoint,
        config_path=None if explicit_config_path is None else str(explicit_config_path),
    )
    if explicit_config_path is not None:
        config_path = _absolute(explicit_config_path)
        source: ConfigSource | None = ConfigSource(
            path=config_path, kind=ConfigKind.of(config_path)
        )
        root = find_project_root(target)
    else:
        source = discover_config(target)
        root = _start_directory(target) if source is None else source.root
    project = ProjectConfig() if source is None else load_config_file(source.path)
    return EffectiveConfig(
        project_root=root,
        target=target,
        config_path=None if source is None else source.path,
        project=project,
        telemetry=_merge_telemetry(cli, project, source, root),
        modules=project.modules,
        warnings=() if source is None else source.warnings,
        select=cli_overrides.select,
        ignore=cli_overrides.ignore,
        exclude=cli_overrides.exclude,
    )


def find_project_root(target: Path) -> Path:
    """The project root of ``target`` whatever configuration file is used.

    The nearest directory from ``target`` up to the repository root (a
    directory holding ``.git``) that holds ``.chaffra.toml`` or a
    ``pyproject.toml`` with ``[tool.chaffra]``; else ``target``'s directory.
    Unlike :func:`discover_config` nothing is validated: a ``pyproject.toml``
    that cannot be read does not configure chaffra.

    Raises:
        ConfigError: the existence of a candidate cannot be determined.
    """
    start = _start_directory(_absolute(target))
    for candidate in (start, *start.parents):
        if _probe(candidate / CONFIG_FILE_NAME) is not None or _has_tool_table(candidate):
            return candidate
        if _probe(candidate / ".git") is not None:
            break
    return start


def _has_tool_table(directory: Path) -> bool:
    pyproject = directory / PYPROJECT_FILE_NAME
    if _probe(pyproject) is None:
        return False
    try:
        return _tool_chaffra(_read_toml(pyproject))[0]
    except ConfigError:
        return False


def _merge_telemetry(
    cli: TelemetryConfig, project: ProjectConfig, source: ConfigSource | None, root: Path
) -> TelemetryConfig:
    try:
        return chaffra_telemetry.merge_config(
            cli, project.modules.get("telemetry"), project_root=root
        )
    except chaffra_telemetry.ConfigError as exc:
        # Only a file can hold [modules.telemetry], so ``source`` is set here.
        assert source is not None
        section = (
            "[modules.telemetry]"
            if source.kind is ConfigKind.CHAFFRA_TOML
            else "[tool.chaffra.modules.telemetry]"
        )
        error = ConfigError(f"invalid {section} configuration in {source.path}: {exc}")
        error.path = str(source.path)
        raise error from exc


_INIT_HEADER = """\
# chaffra project configuration.
# Found by walking up from the analysed path (stopping at the repository root);
# a [tool.chaffra] table in pyproject.toml works too. Unknown sections and keys are
# errors. Every setting below is commented out and shows its default.

[project]
# Globs relative to the project root (gitignore syntax).
# entry = ["src/mypackage/__main__.py"]
# ignore = ["build/**", "**/migrations/**"]

[rules]
# Per-rule severity: "error", "warning" (or "warn"), "info" or "off" (not reported).
# Rule ids are "module:rule" (quoted: TOML bare keys cannot hold ":"); a bare
# rule name means that rule in every module. `chaffra modules` lists the rules.
"""

_INIT_TELEMETRY = """\

# [modules.telemetry]
# The default audience is "user-only": only what you see about your own code is
# collected. Operator telemetry (module timings and errors) is opt-in: set "on"
# or "operator-only" ("off" collects nothing). An explicit --telemetry flag
# always wins over this file.
# audience = "user-only"
# sampling-rate = 1.0
# sampling-strategy = "rate"  # or "on-change"
# To export, add a backend (json-file, stderr, prometheus, otlp, statsd or
# cloudwatch) with its path or endpoint, e.g. backend = "json-file".
"""


def render_init_template() -> str:
    """The commented ``.chaffra.toml`` written by ``chaffra init``.

    Every built-in module's rules and settings, each showing its real default
    taken from the module that owns it, so uncommenting every line changes nothing.
    """
    from chaffra_core._config_schema import show_value
    from chaffra_core.analyzers.complexity import ComplexityModule
    from chaffra_core.analyzers.dead_code import DeadCodeModule
    from chaffra_core.analyzers.security import SecurityModule

    modules = (ComplexityModule(), DeadCodeModule(), SecurityModule())
    rules = [
        f'# "{rule.id}" = "{rule.default_severity.value}"'
        for module in modules
        for rule in module.describe().rules
    ]
    health_keys = modules[0].config_schema().keys
    tables: list[str] = []
    for module in modules:
        tables += ["", f"# [modules.{module.describe().id}]"]
        tables += [
            f"# {key.name} = {show_value(key.default)}  # {key.description}"
            for key in module.config_schema().keys
        ]
    return "\n".join(
        [
            _INIT_HEADER + "\n".join(rules),
            "",
            "[health]",
            "# The complexity thresholds. [modules.complexity] takes the same keys:",
            "# set each in one place (both, with different values, is an error).",
            *(
                f"# {key.name} = {show_value(key.default)}  # {key.description}"
                for key in health_keys
            ),
            "",
            "[modules]",
            "# Each [modules.<id>] table is handed to that module (`chaffra modules`).",
            *tables,
            _INIT_TELEMETRY,
        ]
    )
