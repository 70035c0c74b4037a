"""chaffra-core: project config, discovery, the one-traversal engine, analyzers and formats.

Names load on first use (PEP 562): a command imports only the parts it uses.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from chaffra_core._analysis import Analyzers as Analyzers
    from chaffra_core._analysis import analyse_bytes as analyse_bytes
    from chaffra_core._baseline import BASELINE_FILE_NAME as BASELINE_FILE_NAME
    from chaffra_core._baseline import Baseline as Baseline
    from chaffra_core._baseline import BaselineComparison as BaselineComparison
    from chaffra_core._baseline import BaselineEntry as BaselineEntry
    from chaffra_core._changes import changed_files as changed_files
    from chaffra_core._config import CONFIG_FILE_NAME as CONFIG_FILE_NAME
    from chaffra_core._config import CliOverrides as CliOverrides
    from chaffra_core._config import EffectiveConfig as EffectiveConfig
    from chaffra_core._config import discover_config as discover_config
    from chaffra_core._config import find_project_root as find_project_root
    from chaffra_core._config import load_config_file as load_config_file
    from chaffra_core._config import render_init_template as render_init_template
    from chaffra_core._config import resolve_effective_config as resolve_effective_config
    from chaffra_core._config_schema import HealthSection as HealthSection
    from chaffra_core._config_schema import ProjectConfig as ProjectConfig
    from chaffra_core._config_schema import ProjectSection as ProjectSection
    from chaffra_core._config_schema import RuleLevel as RuleLevel
    from chaffra_core._discovery import discover as discover
    from chaffra_core._discovery import discover_directories as discover_directories
    from chaffra_core._discovery import is_discovered as is_discovered
    from chaffra_core._findings import Action as Action
    from chaffra_core._findings import AnalysisResult as AnalysisResult
    from chaffra_core._findings import FileHealthScore as FileHealthScore
    from chaffra_core._findings import Finding as Finding
    from chaffra_core._findings import FixResult as FixResult
    from chaffra_core._findings import HealthContributor as HealthContributor
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
    from chaffra_core._function_metrics import FunctionMetrics as FunctionMetrics
    from chaffra_core._host import LoadError as LoadError
    from chaffra_core._host import ModuleHost as ModuleHost
    from chaffra_core._module import AnalysisModule as AnalysisModule
    from chaffra_core._module import FileAnalyzer as FileAnalyzer
    from chaffra_core._module import ModuleConfig as ModuleConfig
    from chaffra_core._module import ProjectContext as ProjectContext
    from chaffra_core._module_schema import ConfigKey as ConfigKey
    from chaffra_core._module_schema import ConfigSchema as ConfigSchema
    from chaffra_core._module_schema import ValueKind as ValueKind
    from chaffra_core._peer_codes import PEER_CODES as PEER_CODES
    from chaffra_core._peer_codes import PeerCode as PeerCode
    from chaffra_core._peer_codes import register_peer_code as register_peer_code
    from chaffra_core._pipeline import run_analysis as run_analysis
    from chaffra_core._policy import RulePolicy as RulePolicy
    from chaffra_core._policy import RunSettings as RunSettings
    from chaffra_core._policy import validate_run_config as validate_run_config
    from chaffra_core._reading import DEFAULT_MAX_FILE_SIZE as DEFAULT_MAX_FILE_SIZE
    from chaffra_core._result import ProgressCallback as ProgressCallback
    from chaffra_core._result import RunResult as RunResult
    from chaffra_core._result_cache import cache_home as cache_home
    from chaffra_core._result_cache import clean_cache as clean_cache
    from chaffra_core._rule_texts import BUILTIN_EXPLANATIONS as BUILTIN_EXPLANATIONS
    from chaffra_core._rule_texts import rule_explanations as rule_explanations
    from chaffra_core._session import ProjectSession as ProjectSession
    from chaffra_core._session import SessionUpdate as SessionUpdate
    from chaffra_core._summary import FileContext as FileContext
    from chaffra_core._summary import FileResult as FileResult
    from chaffra_core._summary import FileSummary as FileSummary
    from chaffra_core._summary import Language as Language
    from chaffra_core._summary import SkippedFile as SkippedFile
    from chaffra_core._summary import content_hash as content_hash
    from chaffra_core._traversal import Scope as Scope
    from chaffra_core._traversal import ScopeKind as ScopeKind
    from chaffra_core._traversal import Traversal as Traversal
    from chaffra_core.errors import ConfigError as ConfigError

    __version__: str

__all__ = [
    "BASELINE_FILE_NAME",
    "BUILTIN_EXPLANATIONS",
    "CONFIG_FILE_NAME",
    "DEFAULT_MAX_FILE_SIZE",
    "PEER_CODES",
    "Action",
    "AnalysisModule",
    "AnalysisResult",
    "Analyzers",
    "Baseline",
    "BaselineComparison",
    "BaselineEntry",
    "CliOverrides",
    "ConfigError",
    "ConfigKey",
    "ConfigSchema",
    "EffectiveConfig",
    "FileAnalyzer",
    "FileContext",
    "FileHealthScore",
    "FileResult",
    "FileSummary",
    "Finding",
    "FixResult",
    "FunctionMetrics",
    "HealthContributor",
    "HealthGrade",
    "HealthSection",
    "Language",
    "LoadError",
    "Location",
    "ModuleConfig",
    "ModuleHost",
    "ModuleInfo",
    "ModuleMetrics",
    "PeerCode",
    "ProgressCallback",
    "ProjectConfig",
    "ProjectContext",
    "ProjectHealth",
    "ProjectSection",
    "ProjectSession",
    "Rule",
    "RuleExplanation",
    "RuleLevel",
    "RulePolicy",
    "RunResult",
    "RunSettings",
    "Scope",
    "ScopeKind",
    "SessionUpdate",
    "Severity",
    "SkippedFile",
    "TextEdit",
    "Traversal",
    "ValueKind",
    "__version__",
    "analyse_bytes",
    "cache_home",
    "changed_files",
    "clean_cache",
    "content_hash",
    "discover",
    "discover_config",
    "discover_directories",
    "find_project_root",
    "grade_for",
    "is_discovered",
    "load_config_file",
    "make_anchor",
    "qualify",
    "register_peer_code",
    "render_init_template",
    "resolve_effective_config",
    "rule_explanations",
    "run_analysis",
    "split_rule_id",
    "validate_run_config",
]

_HOMES = {
    "is_discovered": "chaffra_core._discovery",
    "discover_directories": "chaffra_core._discovery",
    "SessionUpdate": "chaffra_core._session",
    "ProjectSession": "chaffra_core._session",
    "Analyzers": "chaffra_core._analysis",
    "analyse_bytes": "chaffra_core._analysis",
    "BASELINE_FILE_NAME": "chaffra_core._baseline",
    "Baseline": "chaffra_core._baseline",
    "BaselineComparison": "chaffra_core._baseline",
    "BaselineEntry": "chaffra_core._baseline",
    "changed_files": "chaffra_core._changes",
    "CONFIG_FILE_NAME": "chaffra_core._config",
    "CliOverrides": "chaffra_core._config",
    "EffectiveConfig": "chaffra_core._config",
    "discover_config": "chaffra_core._config",
    "find_project_root": "chaffra_core._config",
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
    "HealthContributor": "chaffra_core._findings",
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
    "FunctionMetrics": "chaffra_core._function_metrics",
    "LoadError": "chaffra_core._host",
    "ModuleHost": "chaffra_core._host",
    "AnalysisModule": "chaffra_core._module",
    "FileAnalyzer": "chaffra_core._module",
    "ModuleConfig": "chaffra_core._module",
    "ProjectContext": "chaffra_core._module",
    "ConfigKey": "chaffra_core._module_schema",
    "ConfigSchema": "chaffra_core._module_schema",
    "ValueKind": "chaffra_core._module_schema",
    "PEER_CODES": "chaffra_core._peer_codes",
    "PeerCode": "chaffra_core._peer_codes",
    "register_peer_code": "chaffra_core._peer_codes",
    "run_analysis": "chaffra_core._pipeline",
    "RulePolicy": "chaffra_core._policy",
    "RunSettings": "chaffra_core._policy",
    "validate_run_config": "chaffra_core._policy",
    "DEFAULT_MAX_FILE_SIZE": "chaffra_core._reading",
    "ProgressCallback": "chaffra_core._result",
    "RunResult": "chaffra_core._result",
    "cache_home": "chaffra_core._result_cache",
    "clean_cache": "chaffra_core._result_cache",
    "BUILTIN_EXPLANATIONS": "chaffra_core._rule_texts",
    "rule_explanations": "chaffra_core._rule_texts",
    "FileContext": "chaffra_core._summary",
    "FileResult": "chaffra_core._summary",
    "FileSummary": "chaffra_core._summary",
    "Language": "chaffra_core._summary",
    "SkippedFile": "chaffra_core._summary",
    "content_hash": "chaffra_core._summary",
    "Scope": "chaffra_core._traversal",
    "ScopeKind": "chaffra_core._traversal",
    "Traversal": "chaffra_core._traversal",
    "ConfigError": "chaffra_core.errors",
}


def __getattr__(name: str) -> object:
    if name == "__version__":
        from chaffra_core._version import VERSION

        value: object = VERSION
    elif name in _HOMES:
        value = getattr(importlib.import_module(_HOMES[name]), name)
    else:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(__all__)
