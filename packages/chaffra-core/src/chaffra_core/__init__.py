"""chaffra-core: project config, discovery, the parse-once pipeline, analyzers and formats."""

from __future__ import annotations

from importlib.metadata import version

from chaffra_core._baseline import BASELINE_FILE_NAME, Baseline, BaselineComparison, BaselineEntry
from chaffra_core._changes import changed_files
from chaffra_core._config import (
    CliOverrides,
    EffectiveConfig,
    discover_config,
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
from chaffra_core._parse import ParseCache, load_source, parse_findings, source_from_bytes
from chaffra_core._pipeline import run_analysis
from chaffra_core._result import ProgressCallback, RunResult
from chaffra_core._rule_texts import rule_explanations
from chaffra_core._source import SourceFile, content_hash
from chaffra_core.errors import ConfigError

__version__ = version("chaffra-core")

__all__ = [
    "BASELINE_FILE_NAME",
    "Action",
    "AnalysisModule",
    "AnalysisResult",
    "Baseline",
    "BaselineComparison",
    "BaselineEntry",
    "CliOverrides",
    "ConfigError",
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
    "changed_files",
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
    "rule_explanations",
    "run_analysis",
    "source_from_bytes",
    "split_rule_id",
]
