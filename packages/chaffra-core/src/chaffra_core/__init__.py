"""chaffra-core: project config, discovery, the parse-once pipeline, analyzers and formats."""

from __future__ import annotations

from importlib.metadata import version

from chaffra_core._config import (
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
from chaffra_core._host import ModuleHost
from chaffra_core._module import AnalysisModule, ModuleConfig, PerFileModule
from chaffra_core._module_schema import ConfigKey, ConfigSchema, ValueKind
from chaffra_core._parse import ParseCache, load_source, parse_findings, source_from_bytes
from chaffra_core._peer_codes import PEER_CODES, PeerCode, register_peer_code
from chaffra_core._pipeline import run_analysis
from chaffra_core._policy import RulePolicy, RunSettings, validate_run_config
from chaffra_core._result import ProgressCallback, RunResult
from chaffra_core._source import SourceFile, content_hash
from chaffra_core.errors import ConfigError

__version__ = version("chaffra-core")

__all__ = [
    "PEER_CODES",
    "Action",
    "AnalysisModule",
    "AnalysisResult",
    "CliOverrides",
    "ConfigError",
    "ConfigKey",
    "ConfigSchema",
    "EffectiveConfig",
    "FileHealthScore",
    "Finding",
    "FixResult",
    "HealthGrade",
    "HealthSection",
    "Location",
    "ModuleConfig",
    "ModuleHost",
    "ModuleInfo",
    "ModuleMetrics",
    "ParseCache",
    "PeerCode",
    "PerFileModule",
    "ProgressCallback",
    "ProjectConfig",
    "ProjectHealth",
    "ProjectSection",
    "Rule",
    "RuleExplanation",
    "RuleLevel",
    "RulePolicy",
    "RunResult",
    "RunSettings",
    "Severity",
    "SourceFile",
    "TextEdit",
    "ValueKind",
    "__version__",
    "content_hash",
    "discover",
    "discover_config",
    "find_project_root",
    "grade_for",
    "load_config_file",
    "load_source",
    "make_anchor",
    "parse_findings",
    "qualify",
    "register_peer_code",
    "render_init_template",
    "resolve_effective_config",
    "run_analysis",
    "source_from_bytes",
    "split_rule_id",
    "validate_run_config",
]
