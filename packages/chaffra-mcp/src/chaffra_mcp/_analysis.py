"""The analysis tools: one generic adapter over ``run_analysis``, parameterised by module ids.

``chaffra_complexity``, ``chaffra_dead_code`` and ``chaffra_security`` are the
same adapter with different modules; ``chaffra_health`` shares its resolution
and analysis and shapes the health score instead of the findings.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import attrs

from chaffra_core import Finding, ProjectHealth, RunResult
from chaffra_core.output import to_document
from chaffra_mcp._context import Resolved, ToolContext
from chaffra_mcp._paths import confine
from chaffra_mcp._registry import Listing, PageInfo, ToolSpec
from chaffra_mcp._schema import (
    CURSOR,
    LIMIT,
    NOTES,
    PAGE,
    PATH,
    core_definition,
    object_schema,
)
from chaffra_mcp._version import VERSION
from chaffra_mcp.errors import ToolError

__all__ = ["AnalysisTool", "analysis_spec", "health_spec", "importance", "wire_findings"]

JsonObject = Mapping[str, Any]

_COUNTS = object_schema(
    {
        "error": {"type": "integer"},
        "warning": {"type": "integer"},
        "info": {"type": "integer"},
        "total": {"type": "integer"},
    },
    required=("error", "warning", "info", "total"),
)
SUMMARY = object_schema(
    {"files_analyzed": {"type": "integer"}, "findings": _COUNTS},
    required=("files_analyzed", "findings"),
)


def importance(finding: Finding) -> tuple[float, ...]:
    """Sort key, most important first: severity, then how far past its threshold, then place.

    The excess is read from the finding's metadata (a numeric measure beside a
    numeric ``threshold``), so any module reporting thresholds ranks the same way.
    """
    return (-finding.severity.rank, -_excess(finding.metadata), -finding.confidence)


def _number(text: str | float) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def _excess(metadata: Mapping[str, str | float]) -> float:
    threshold = _number(metadata.get("threshold", ""))
    if threshold is None or threshold <= 0:
        return 0.0
    values = [
        number
        for key, text in metadata.items()
        if key != "threshold" and (number := _number(text)) is not None
    ]
    return max(values, default=threshold) / threshold


def wire_findings(result: RunResult) -> list[tuple[Finding, JsonObject]]:
    """Each finding with its documented JSON form (the CLI's ``--format json`` shape)."""
    document = to_document(result, tool_version=VERSION)
    return list(zip(result.findings, document["findings"], strict=True))


def _counts(result: RunResult) -> dict[str, Any]:
    document_counts = dict.fromkeys(("error", "warning", "info"), 0)
    for finding in result.findings:
        document_counts[finding.severity.value] += 1
    return {
        "files_analyzed": result.files_analyzed,
        "findings": {**document_counts, "total": len(result.findings)},
    }


@attrs.frozen(kw_only=True)
class AnalysisTool:
    """One analysis tool: which modules it runs, under which churn scope (``command``)."""

    name: str
    title: str
    description: str
    modules: tuple[str, ...]
    command: str
    alias: str


def _analysis_input() -> dict[str, Any]:
    return object_schema({"path": PATH, "limit": LIMIT, "cursor": CURSOR})


def _describe_findings(header: JsonObject, page: PageInfo) -> str:
    counts = header["summary"]["findings"]
    text = (
        f"{counts['total']} findings ({counts['error']} errors, {counts['warning']} warnings, "
        f"{counts['info']} info) in {header['summary']['files_analyzed']} files"
    )
    if page.returned:
        text += f"; items {page.offset + 1}-{page.offset + page.returned}, most important first"
    if page.next_cursor:
        text += "; more with cursor=page.next_cursor"
    return text + "."


def _resolve(context: ToolContext, arguments: JsonObject) -> Resolved:
    return context.resolve(confine(arguments.get("path"), context.settings))


def analysis_spec(tool: AnalysisTool) -> ToolSpec:
    """The tool spec of ``tool``: findings of its modules, most important first, paged."""

    def handle(context: ToolContext, arguments: JsonObject) -> Listing:
        resolved = _resolve(context, arguments)
        result = context.analyse(resolved, command=tool.command, modules=tool.modules, churn=True)
        ranked = sorted(wire_findings(result), key=lambda pair: importance(pair[0]))
        header = {
            "modules": list(result.modules),
            "summary": _counts(result),
            "notes": list(resolved.notes),
        }
        return Listing(
            header=header,
            key="findings",
            items=tuple(wire for _, wire in ranked),
            describe=_describe_findings,
        )

    output = object_schema(
        {
            "modules": {"type": "array", "items": {"type": "string"}},
            "summary": SUMMARY,
            "notes": NOTES,
            "findings": {"type": "array", "items": core_definition("finding")},
            "page": PAGE,
        },
        required=("modules", "summary", "notes", "findings", "page"),
    )
    return ToolSpec(
        name=tool.name,
        title=tool.title,
        description=tool.description,
        input_schema=_analysis_input(),
        output_schema=output,
        handler=handle,
        aliases=(tool.alias,),
    )


def _health_header(health: ProjectHealth, result: RunResult, notes: tuple[str, ...]) -> JsonObject:
    return {
        "score": health.score,
        "grade": None if health.grade is None else health.grade.value,
        "total_files": health.total_files,
        "summary": _counts(result),
        "notes": list(notes),
    }


def _describe_health(header: JsonObject, page: PageInfo) -> str:
    graded = header["score"] is not None
    score = f"{header['score']} ({header['grade']})" if graded else "not graded"
    text = f"Health {score} over {header['total_files']} files"
    if page.returned:
        text += f"; files {page.offset + 1}-{page.offset + page.returned}, worst first"
    if page.next_cursor:
        text += "; more with cursor=page.next_cursor"
    return text + "."


def health_spec() -> ToolSpec:
    """``chaffra_health``: the 0-100 score and A-F grade, and the files, worst first."""

    def handle(context: ToolContext, arguments: JsonObject) -> Listing:
        resolved = _resolve(context, arguments)
        # Every module counts for health (docs/health.md), as in `chaffra health`.
        modules = tuple(context.host.ids())
        result = context.analyse(resolved, command="health", modules=modules, churn=False)
        health = result.health
        if health is None:  # pragma: no cover - the complexity module always reports health
            raise ToolError("Analysis error: the complexity module reported no health score")
        # Only the health part is shown: leave the findings out of the conversion.
        document = to_document(attrs.evolve(result, findings=()), tool_version=VERSION)
        files = sorted(document["health"]["files"], key=lambda f: (f["score"], f["file"]))
        return Listing(
            header=_health_header(health, result, resolved.notes),
            key="files",
            items=tuple(files),
            describe=_describe_health,
        )

    project = core_definition("projectHealth")
    output = object_schema(
        {
            "score": project["properties"]["score"],
            "grade": project["properties"]["grade"],
            "total_files": {"type": "integer"},
            "summary": SUMMARY,
            "notes": NOTES,
            "files": {"type": "array", "items": core_definition("fileHealth")},
            "page": PAGE,
        },
        required=("score", "grade", "total_files", "summary", "notes", "files", "page"),
    )
    return ToolSpec(
        name="chaffra_health",
        title="Project health",
        description=(
            "Health score (0-100) and grade (A-F) of the Python project at `path`, from the "
            "complexity, size and nesting of its functions, with the files worst first (paged: "
            "pass `cursor` for more). Each call is one chaffra run: its telemetry snapshot is "
            "stored in the project's .chaffra/telemetry.db like a CLI run."
        ),
        input_schema=_analysis_input(),
        output_schema=output,
        handler=handle,
        aliases=("chaffra/health",),
    )
