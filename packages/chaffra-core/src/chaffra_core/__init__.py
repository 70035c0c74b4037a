"""chaffra-core: project config, discovery, the one-traversal engine, analyzers and formats."""

from __future__ import annotations

from importlib.metadata import version

from chaffra_core._analysis import Analyzers, analyse_bytes
from chaffra_core._baseline import BASELINE_FILE_NAME, Baseline, BaselineComparison, BaselineEntry
from chaffra_core._changes import changed_files
from chaffra_core._config import (
    CONFIG_FILE_NAME,
    CliOverrides,
    EffectiveConfig,
    discover_config,
    find_project_root,
    load_config_file,
    render_init_template,
    resolve_effective_config,
)
from chaffra_core._config_schema import HealthSection, ProjectConfig, ProjectSection, RuleLevel
from chaffra_core._discovery import discover
from chaffra_core._findings import (
    Action,
    AnalysisResult,
    FileHealthScore,
    Finding,
    FixResult,
    HealthGrade,
    Location,
    ModuleInfo,
    ModuleMetrics,
    ProjectHealth,
    Rule,
    RuleExplanation,
    Severity,
    TextEdit,
    grade_for,
    make_anchor,
    qualify,
    split_rule_id,
)
from chaffra_core._function_metrics import FunctionMetrics
from chaffra_core._host import LoadError, ModuleHost
from chaffra_core._module import AnalysisModule, FileAnalyzer, ModuleConfig, ProjectContext
from chaffra_core._module_schema import ConfigKey, ConfigSchema, ValueKind
from chaffra_core._peer_codes import PEER_CODES, PeerCode, register_peer_code
from chaffra_core._pipeline import run_analysis
from chaffra_core._policy import RulePolicy, RunSettings, validate_run_config
from chaffra_core._reading import DEFAULT_MAX_FILE_SIZE
from chaffra_core._result import ProgressCallback, RunResult
from chaffra_core._result_cache import cache_home, clean_cache
from chaffra_core._rule_texts import rule_explanations
from chaffra_core._summary import (
    FileContext,
    FileResult,
    FileSummary,
    Language,
    SkippedFile,
    content_hash,
)
from chaffra_core._traversal import Scope, ScopeKind, Traversal
from chaffra_core.errors import ConfigError

__version__ = version("chaffra-core")

__all__ = [
    "BASELINE_FILE_NAME",
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
    "Rule",
    "RuleExplanation",
    "RuleLevel",
    "RulePolicy",
    "RunResult",
    "RunSettings",
    "Scope",
    "ScopeKind",
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
    "find_project_root",
    "grade_for",
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
