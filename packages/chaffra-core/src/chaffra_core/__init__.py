"""chaffra-core: project config, discovery, the one-traversal engine, analyzers and formats."""

from __future__ import annotations

from importlib.metadata import version

from chaffra_core._analysis import Analyzers, analyse_bytes
from chaffra_core._config import (
    CliOverrides,
    EffectiveConfig,
    discover_config,
    load_config_file,
    render_init_template,
    resolve_effective_config,
)
from chaffra_core._config_schema import HealthSection, ProjectConfig, ProjectSection, RuleLevel
from chaffra_core._discovery import discover, discover_directories, is_discovered
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
from chaffra_core._host import ModuleHost
from chaffra_core._module import AnalysisModule, FileAnalyzer, ModuleConfig, ProjectContext
from chaffra_core._pipeline import run_analysis
from chaffra_core._reading import DEFAULT_MAX_FILE_SIZE
from chaffra_core._result import ProgressCallback, RunResult
from chaffra_core._result_cache import cache_home, clean_cache
from chaffra_core._session import ProjectSession, SessionUpdate
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
    "DEFAULT_MAX_FILE_SIZE",
    "Action",
    "AnalysisModule",
    "AnalysisResult",
    "Analyzers",
    "CliOverrides",
    "ConfigError",
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
    "Location",
    "ModuleConfig",
    "ModuleHost",
    "ModuleInfo",
    "ModuleMetrics",
    "ProgressCallback",
    "ProjectConfig",
    "ProjectContext",
    "ProjectHealth",
    "ProjectSection",
    "ProjectSession",
    "Rule",
    "RuleExplanation",
    "RuleLevel",
    "RunResult",
    "Scope",
    "ScopeKind",
    "SessionUpdate",
    "Severity",
    "SkippedFile",
    "TextEdit",
    "Traversal",
    "__version__",
    "analyse_bytes",
    "cache_home",
    "clean_cache",
    "content_hash",
    "discover",
    "discover_config",
    "discover_directories",
    "grade_for",
    "is_discovered",
    "load_config_file",
    "make_anchor",
    "qualify",
    "render_init_template",
    "resolve_effective_config",
    "run_analysis",
    "split_rule_id",
]
