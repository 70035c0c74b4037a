"""chaffra-core: project config, discovery, the parse-once pipeline, analyzers and formats.

Names load on first use (PEP 562): a command imports only the parts it uses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chaffra_core._config import CONFIG_FILE_NAME as CONFIG_FILE_NAME
    from chaffra_core._config import CliOverrides as CliOverrides
    from chaffra_core._config import EffectiveConfig as EffectiveConfig
    from chaffra_core._config import discover_config as discover_config
    from chaffra_core._config import load_config_file as load_config_file
    from chaffra_core._config import render_init_template as render_init_template
    from chaffra_core._config import resolve_effective_config as resolve_effective_config
    from chaffra_core._config_schema import HealthSection as HealthSection
    from chaffra_core._config_schema import ProjectConfig as ProjectConfig
    from chaffra_core._config_schema import ProjectSection as ProjectSection
    from chaffra_core._config_schema import RuleLevel as RuleLevel
    from chaffra_core._discovery import discover as discover
    from chaffra_core._findings import Action as Action
    from chaffra_core._findings import AnalysisResult as AnalysisResult
    from chaffra_core._findings import FileHealthScore as FileHealthScore
    from chaffra_core._findings import Finding as Finding
    from chaffra_core._findings import FixResult as FixResult
    from chaffra_core._findings import HealthGrade as HealthGrade
    from chaffra_core._findings import Location as Location
    from chaffra_core._findings import ModuleInfo as ModuleInfo
    from chaffra_core._findings import ModuleMetrics as ModuleMetrics
    from chaffra_core._findings import ProjectHealth as ProjectHealth
    from chaffra_core._findings import Rule as Rule
    from chaffra_core._findings import RuleExplanation as RuleExplanation
    from chaffra_core._findings import Severity as Severity
    from chaffra_core._findings import TextEdit as TextEdit
    from chaffra_core._findings import grade_for as grade_for
    from chaffra_core._findings import make_anchor as make_anchor
    from chaffra_core._findings import qualify as qualify
    from chaffra_core._findings import split_rule_id as split_rule_id
    from chaffra_core._host import LoadError as LoadError
    from chaffra_core._host import ModuleHost as ModuleHost
    from chaffra_core._module import AnalysisModule as AnalysisModule
    from chaffra_core._module import ModuleConfig as ModuleConfig
    from chaffra_core._module import PerFileModule as PerFileModule
    from chaffra_core._parse import ParseCache as ParseCache
    from chaffra_core._parse import load_source as load_source
    from chaffra_core._parse import parse_findings as parse_findings
    from chaffra_core._parse import source_from_bytes as source_from_bytes
    from chaffra_core._pipeline import run_analysis as run_analysis
    from chaffra_core._result import ProgressCallback as ProgressCallback
    from chaffra_core._result import RunResult as RunResult
    from chaffra_core._source import SourceFile as SourceFile
    from chaffra_core._source import content_hash as content_hash
    from chaffra_core.errors import ConfigError as ConfigError

    __version__: str

__all__ = [
    "CONFIG_FILE_NAME",
    "Action",
    "AnalysisModule",
    "AnalysisResult",
    "CliOverrides",
    "ConfigError",
    "EffectiveConfig",
    "FileHealthScore",
    "Finding",
    "FixResult",
    "HealthGrade",
    "HealthSection",
    "LoadError",
    "Location",
    "ModuleConfig",
    "ModuleHost",
    "ModuleInfo",
    "ModuleMetrics",
    "ParseCache",
    "PerFileModule",
    "ProgressCallback",
    "ProjectConfig",
    "ProjectHealth",
    "ProjectSection",
    "Rule",
    "RuleExplanation",
    "RuleLevel",
    "RunResult",
    "Severity",
    "SourceFile",
    "TextEdit",
    "__version__",
    "content_hash",
    "discover",
    "discover_config",
    "grade_for",
    "load_config_file",
    "load_source",
    "make_anchor",
    "parse_findings",
    "qualify",
    "render_init_template",
    "resolve_effective_config",
    "run_analysis",
    "source_from_bytes",
    "split_rule_id",
]

_HOMES = {
    "CONFIG_FILE_NAME": "chaffra_core._config",
    "CliOverrides": "chaffra_core._config",
    "EffectiveConfig": "chaffra_core._config",
    "discover_config": "chaffra_core._config",
    "load_config_file": "chaffra_core._config",
    "render_init_template": "chaffra_core._config",
    "resolve_effective_config": "chaffra_core._config",
    "HealthSection": "chaffra_core._config_schema",
    "ProjectConfig": "chaffra_core._config_schema",
    "ProjectSection": "chaffra_core._config_schema",
    "RuleLevel": "chaffra_core._config_schema",
    "discover": "chaffra_core._discovery",
    "Action": "chaffra_core._findings",
    "AnalysisResult": "chaffra_core._findings",
    "FileHealthScore": "chaffra_core._findings",
    "Finding": "chaffra_core._findings",
    "FixResult": "chaffra_core._findings",
    "HealthGrade": "chaffra_core._findings",
    "Location": "chaffra_core._findings",
    "ModuleInfo": "chaffra_core._findings",
    "ModuleMetrics": "chaffra_core._findings",
    "ProjectHealth": "chaffra_core._findings",
    "Rule": "chaffra_core._findings",
    "RuleExplanation": "chaffra_core._findings",
    "Severity": "chaffra_core._findings",
    "TextEdit": "chaffra_core._findings",
    "grade_for": "chaffra_core._findings",
    "make_anchor": "chaffra_core._findings",
    "qualify": "chaffra_core._findings",
    "split_rule_id": "chaffra_core._findings",
    "LoadError": "chaffra_core._host",
    "ModuleHost": "chaffra_core._host",
    "AnalysisModule": "chaffra_core._module",
    "ModuleConfig": "chaffra_core._module",
    "PerFileModule": "chaffra_core._module",
    "ParseCache": "chaffra_core._parse",
    "load_source": "chaffra_core._parse",
    "parse_findings": "chaffra_core._parse",
    "source_from_bytes": "chaffra_core._parse",
    "run_analysis": "chaffra_core._pipeline",
    "ProgressCallback": "chaffra_core._result",
    "RunResult": "chaffra_core._result",
    "SourceFile": "chaffra_core._source",
    "content_hash": "chaffra_core._source",
    "ConfigError": "chaffra_core.errors",
}


def __getattr__(name: str) -> object:
    if name == "__version__":
        from importlib.metadata import version

        value: object = version("chaffra-core")
    elif name in _HOMES:
        value = getattr(importlib.import_module(_HOMES[name]), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
