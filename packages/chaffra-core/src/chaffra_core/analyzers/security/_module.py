"""The security module: SAST on the shared walk, secrets in every text file the
project tracks, and dependency advisories from lock files matched in ``combine``."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import attrs

from chaffra_core._findings import (
    AnalysisResult,
    Finding,
    FixResult,
    Location,
    ModuleInfo,
    ModuleMetrics,
    RuleExplanation,
    Severity,
    make_anchor,
    qualify,
    split_rule_id,
)
from chaffra_core._module import ModuleConfig, ProjectContext
from chaffra_core._module_schema import ConfigKey, ConfigSchema, ValueKind
from chaffra_core._reading import ReadRefused, read_file
from chaffra_core._summary import FileContext, FileResult, FileSummary
from chaffra_core.analyzers.security._lockfiles import (
    MANIFEST_PATTERNS,
    parse_manifest,
    parse_requirements,
    requirement_includes,
)
from chaffra_core.analyzers.security._rules import MODULE_ID, RULE_INFO, RULES
from chaffra_core.analyzers.security._sast import SastVisitor, is_test_path, sast_visitor
from chaffra_core.analyzers.security._secrets import scan_secrets
from chaffra_core.errors import ConfigError, RuleNotFound

__all__ = ["SECRET_PATTERNS", "SecurityModule"]

SECRET_PATTERNS = (
    ".env",
    ".env.*",
    "*.env",
    "*.toml",
    "*.yaml",
    "*.yml",
    "*.json",
    "*.ini",
    "*.cfg",
    "*.conf",
    "*.properties",
    "Dockerfile",
    "Dockerfile.*",
    "*.dockerfile",
    "*.sh",
    "*.bash",
    "*.zsh",
)
"""Non-Python files scanned for secrets (lock files and requirements come with the manifests)."""

_KEYS = ("advisories", "check-tests", "secrets")
CONFIG_SCHEMA = ConfigSchema(
    keys=(
        ConfigKey(
            name="advisories",
            kind=ValueKind.STRING,
            default="",
            description="an OSV export (zip or directory) to check dependencies against; "
            "empty: the local database of `chaffra advisories update`",
        ),
        ConfigKey(
            name="check-tests",
            kind=ValueKind.BOOLEAN,
            default=False,
            description="report test code (asserts, fixtures' secrets) with full confidence",
        ),
        ConfigKey(
            name="secrets",
            kind=ValueKind.BOOLEAN,
            default=True,
            description="scan Python and configuration files for hard-coded secrets",
        ),
    )
)
"""The settings of ``[modules.security]``, checked before a run."""
_PASSWORD = qualify(MODULE_ID, "hardcoded-password")


@attrs.frozen(kw_only=True)
class Settings:
    """``[modules.security]``: ``advisories`` (an OSV zip or directory, else the local
    database), ``check-tests`` (full confidence in test code), ``secrets`` (scan for them)."""

    advisories: str | None = None
    check_tests: bool = False
    secrets: bool = True

    @classmethod
    def from_config(cls, config: ModuleConfig) -> Settings:
        """The settings of ``config``.

        Raises:
            ConfigError: an unknown key or a value of the wrong type (naming both).
        """
        for key in config:
            if key not in _KEYS:
                raise ConfigError(
                    f"unknown key [modules.security] {key} (allowed: {', '.join(_KEYS)})"
                )
        advisories = config.get("advisories")
        if advisories is not None and not isinstance(advisories, str):
            raise ConfigError(
                f"[modules.security] advisories = {advisories!r}: expected a path string"
            )
        flags = {}
        for key in ("check-tests", "secrets"):
            value = config.get(key, key == "secrets")
            if not isinstance(value, bool):
                raise ConfigError(
                    f"[modules.security] {key} = {value!r}: expected one of true, false"
                )
            flags[key.replace("-", "_")] = value
        return cls(advisories=advisories or None, **flags)


@attrs.frozen(kw_only=True)
class _FileAnalyzer:
    settings: Settings
    needs_functions: bool = False

    def visitor(self, file: FileContext) -> SastVisitor | None:
        if file.tree is None:
            return None
        return sast_visitor(file, check_tests=self.settings.check_tests)

    def finish(self, file: FileContext, visitor: object | None) -> FileResult:
        python = file.language == "python"
        findings: list[Finding] = []
        if isinstance(visitor, SastVisitor):
            findings.extend(visitor.hits.values())
        test_code = is_test_path(file.path) and not self.settings.check_tests
        if self.settings.secrets:
            passwords = {
                f.location.start_line
                for f in findings
                if f.rule_id == qualify(MODULE_ID, "hardcoded-password")
            }
            secrets = scan_secrets(file.path, file.text, python=python, test_code=test_code)
            providers = {
                f.location.start_line for f in secrets if f.metadata.get("detector") != "keyword"
            }
            # One finding per credential: a provider match beats bandit's name-based B105,
            # which beats the generic keyword match.
            findings = [
                f
                for f in findings
                if not (f.rule_id == _PASSWORD and f.location.start_line in providers)
            ]
            findings.extend(
                f
                for f in secrets
                if not (
                    f.metadata.get("detector") == "keyword" and f.location.start_line in passwords
                )
            )
        facts: dict[str, object] = {}
        name = file.path.rpartition("/")[2]
        dependencies = parse_manifest(name, file.text)
        if dependencies is not None:
            facts["dependencies"] = [d.to_json() for d in dependencies]
            includes = requirement_includes(file.text) if name.endswith(".txt") else []
            if includes:
                facts["includes"] = includes
        return FileResult(findings=tuple(sorted(findings, key=lambda f: f.sort_key)), facts=facts)


def _with_includes(
    facts: Mapping[str, Mapping[str, object]], root: Path
) -> dict[str, Sequence[object]]:
    """Each manifest's pins, plus those of the files they include with ``-r`` that
    discovery did not see (``requirements/base.txt``), read from the project."""
    manifests: dict[str, Sequence[object]] = {}
    pending = list(facts.items())
    while pending and len(manifests) < 256:
        path, table = pending.pop()
        pins = table.get("dependencies", [])
        manifests[path] = pins if isinstance(pins, list) else []
        includes = table.get("includes", [])
        for include in includes if isinstance(includes, list) else []:
            target = (root / path).parent / str(include)
            try:
                relative = target.resolve().relative_to(root.resolve()).as_posix()
            except ValueError:
                continue  # outside the project: not read
            if relative in manifests or relative in facts:
                continue
            data = read_file(target)  # a regular file within 4 MiB, as discovered ones
            if isinstance(data, ReadRefused):
                continue
            text = data.decode("utf-8", errors="replace")
            pending.append(
                (
                    relative,
                    {
                        "dependencies": [d.to_json() for d in parse_requirements(text)],
                        "includes": requirement_includes(text),
                    },
                )
            )
    return manifests


def _missing_database(path: str) -> Finding:
    return Finding(
        rule_id=qualify(MODULE_ID, "advisory-db-missing"),
        message=(
            "dependencies not checked for known vulnerabilities: no advisory database "
            "(run `chaffra advisories update`, or pass `--advisories PATH` to an OSV export)"
        ),
        severity=Severity.INFO,
        location=Location(file=path, start_line=1, end_line=1),
        metadata={"command": "chaffra advisories update"},
        anchor=make_anchor("<file>", "advisory-db-missing"),
    )


def _peer_syntax(bandit_ids: Sequence[str]) -> str:
    if not bandit_ids:
        return ""
    first = bandit_ids[0]
    return f"  (or bandit's # nosec {first}, ruff's # noqa: S{first[1:]})"


class SecurityModule:
    """bandit-grade SAST with taint, secrets that never leak and offline advisories."""

    def __init__(self, *, environ: Mapping[str, str] | None = None) -> None:
        self._environ = environ

    def describe(self) -> ModuleInfo:
        """Id, name, version, capabilities, rules and the non-Python files it reads."""
        return ModuleInfo(
            id=MODULE_ID,
            name="Security Analysis",
            version="0.4.0",  # the result cache is keyed on it: bump when findings change
            languages=("python",),
            capabilities=("analyze", "explain"),
            rules=RULES,
            file_patterns=SECRET_PATTERNS + MANIFEST_PATTERNS,
        )

    def config_schema(self) -> ConfigSchema:
        """``advisories``, ``check-tests`` and ``secrets``, with their defaults."""
        return CONFIG_SCHEMA

    def file_analyzer(self, config: ModuleConfig) -> _FileAnalyzer:
        """The per-file analyzer for ``config``.

        Raises:
            ConfigError: for an invalid ``[modules.security]`` table.
        """
        return _FileAnalyzer(settings=Settings.from_config(config))

    def combine(
        self, files: Sequence[FileSummary], config: ModuleConfig, project: ProjectContext
    ) -> AnalysisResult:
        """``vulnerable-dependency`` findings for the dependencies the files pinned or locked.

        Raises:
            ConfigError: for an invalid ``[modules.security]`` table or advisories path.
        """
        settings = Settings.from_config(config)
        counters = {"files_scanned": len(files)}
        own = [f for s in files for f in s.results.get(MODULE_ID, FileResult()).findings]
        counters["sast_findings"] = sum(1 for f in own if f.metadata.get("bandit_id") is not None)
        counters["secret_findings"] = sum(1 for f in own if "secret_type" in f.metadata)
        facts = {
            s.path: s.results[MODULE_ID].facts
            for s in files
            if MODULE_ID in s.results and "dependencies" in s.results[MODULE_ID].facts
        }
        manifests = _with_includes(facts, project.root)
        findings: tuple[Finding, ...] = ()
        summary: dict[str, float] = {}
        if manifests:
            explicit = Path(settings.advisories) if settings.advisories else None
            if explicit is not None and not explicit.is_absolute():
                explicit = project.root / explicit
            # Only a project with manifests loads the advisory database (and its HTTP code).
            from chaffra_core.analyzers.security._advisories import match_dependencies
            from chaffra_core.analyzers.security._database import open_advisories

            source = open_advisories(explicit, environ=self._environ)
            if source.missing:
                findings = (_missing_database(min(manifests)),)
            else:
                findings = tuple(match_dependencies(manifests, source))
            counters["dependencies"] = sum(len(d) for d in manifests.values())
            counters["dependency_findings"] = len(findings)
            if source.age_days is not None:
                counters["advisory_db_age_days"] = source.age_days
                summary["advisory_db_age_days"] = float(source.age_days)
        return AnalysisResult(
            findings=findings,
            metrics=ModuleMetrics(files_analyzed=len(files), counters=counters, summary=summary),
        )

    def explain(self, rule: str) -> RuleExplanation:
        """The explanation of one of the security rules (bare or qualified).

        Raises:
            RuleNotFound: for any other rule.
        """
        module, name = split_rule_id(rule)
        if module not in (None, MODULE_ID) or name not in RULE_INFO:
            raise RuleNotFound(rule)
        info = RULE_INFO[name]
        return RuleExplanation(
            rule_id=info.id,
            name=info.title,
            description=f"{info.description} (CWE-{info.cwe})",
            rationale=info.rationale,
            default_severity=info.severity,
            suppression_syntax=f"# chaffra: ignore[{info.id}]" + _peer_syntax(info.bandit_ids),
            examples=(info.example,),
        )

    def fix(self, findings: Sequence[Finding], *, dry_run: bool) -> list[FixResult]:
        """Security findings need a person: nothing is fixed automatically."""
        return [
            FixResult(rule_id=f.rule_id, applied=False, reason="requires manual review")
            for f in findings
        ]
