"""``chaffra_changes``: what got better or worse since a baseline, so an agent can check its edit.

One current run through the pipeline (telemetry as usual), compared with a
baseline from :data:`~chaffra_mcp._baselines.BASELINES`: new and resolved
findings by fingerprint, and the per-function measures (cyclomatic,
cognitive) that moved, for every function present in both (matched by file and
qualified name), flagged or not. When the baseline has no per-function
measures (the churn state's fingerprints only), the measures of findings
present in both are compared instead.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from chaffra_core import Finding, FunctionMetrics, RunResult
from chaffra_mcp._analysis import importance
from chaffra_mcp._baselines import BASELINES, Baseline, ChangeRequest
from chaffra_mcp._context import ToolContext
from chaffra_mcp._diff import BaselineItem, Diff, change_entry, measures
from chaffra_mcp._paths import confine
from chaffra_mcp._registry import Listing, PageInfo, ToolSpec
from chaffra_mcp._schema import CURSOR, LIMIT, NOTES, PAGE, PATH, object_schema

__all__ = ["changes_spec"]

JsonObject = Mapping[str, Any]
_CHANGE_ORDER = {"new": 0, "worse": 1, "resolved": 2, "better": 3}


_MEASURE_RULES = {
    "cyclomatic": "complexity:high-cyclomatic",
    "cognitive": "complexity:high-cognitive",
}


def _function_deltas(
    before: Sequence[tuple[str, FunctionMetrics]], after: Sequence[tuple[str, FunctionMetrics]]
) -> list[tuple[float, dict[str, Any]]]:
    """``(-|delta|, entry)`` for each measure of each function present in both that moved."""
    old = {(path, f.qualified_name): f for path, f in before}
    moved: list[tuple[float, dict[str, Any]]] = []
    for path, function in after:
        previous = old.get((path, function.qualified_name))
        if previous is None:
            continue
        for name, rule_id in _MEASURE_RULES.items():
            was, now = getattr(previous, name), getattr(function, name)
            if was != now:
                entry = {
                    "change": "worse" if now > was else "better",
                    "rule_id": rule_id,
                    "file": path,
                    "start_line": function.start_line,
                    "severity": None,
                    "message": (
                        f"{function.kind} `{function.qualified_name}`: {name} {was} -> {now}"
                    ),
                    "symbol": function.qualified_name,
                    "measure": name,
                    "before": float(was),
                    "after": float(now),
                }
                moved.append((-abs(now - was), entry))
    return moved


def _entries(result: Diff, baseline: Baseline, current: RunResult) -> list[dict[str, Any]]:
    """Every change, most important first: new, worse, resolved, better."""
    new = sorted(result.new, key=lambda f: (importance(f), f.sort_key))
    entries = [_new_entry(f) for f in new]
    if baseline.functions:
        moved = _function_deltas(baseline.functions, current.functions())
    else:
        moved = _finding_deltas(result)
    moved.sort(key=lambda pair: (_CHANGE_ORDER[pair[1]["change"]], pair[0]))
    worse = [entry for _, entry in moved if entry["change"] == "worse"]
    better = [entry for _, entry in moved if entry["change"] == "better"]
    return [*entries, *worse, *(_resolved_entry(i) for i in result.resolved), *better]


def _finding_deltas(result: Diff) -> list[tuple[float, dict[str, Any]]]:
    """Measures of findings present in both that moved (when no function list is known)."""
    moved: list[tuple[float, dict[str, Any]]] = []
    for finding, item in result.matched:
        if item.finding is None:
            continue
        before, after = measures(item.finding), measures(finding)
        for name in sorted(before.keys() & after.keys()):
            delta = after[name] - before[name]
            if delta:
                entry = change_entry(
                    "worse" if delta > 0 else "better",
                    finding.fingerprint(),
                    finding,
                    measure=name,
                    before=before[name],
                    after=after[name],
                )
                moved.append((-abs(delta), entry))
    return moved


def _new_entry(finding: Finding) -> dict[str, Any]:
    values = measures(finding)
    name = next(iter(sorted(values)), None)
    return change_entry(
        "new",
        finding.fingerprint(),
        finding,
        measure=name,
        after=values[name] if name is not None else None,
    )


def _resolved_entry(item: BaselineItem) -> dict[str, Any]:
    values = measures(item.finding) if item.finding is not None else {}
    name = next(iter(sorted(values)), None)
    return change_entry(
        "resolved",
        item.fingerprint,
        item.finding,
        measure=name,
        before=values[name] if name is not None else None,
        message=item.message,
    )


def _describe(header: JsonObject, page: PageInfo) -> str:
    since = header["since"]
    if not since["available"]:
        return f"No baseline yet ({since['label']}): this run is the baseline of the next call."
    s = header["summary"]
    text = (
        f"Since {since['label']}: {s['new']} new, {s['resolved']} resolved, "
        f"{s['unchanged']} unchanged findings; {s['worse']} measures worse, {s['better']} better"
    )
    health = header["health"]
    if health["before"] is not None and health["after"] is not None:
        text += f"; health {health['before']} -> {health['after']}"
    if page.next_cursor:
        text += "; more with cursor=page.next_cursor"
    return text + "."


def _header(
    baseline: Baseline, result: RunResult, compared: Diff | None, entries: list[dict[str, Any]]
) -> dict[str, Any]:
    counts = dict.fromkeys(_CHANGE_ORDER, 0)
    for entry in entries:
        counts[entry["change"]] += 1
    return {
        "since": {
            "kind": baseline.kind,
            "label": baseline.label,
            "available": baseline.available,
            **baseline.details,
        },
        "modules": list(result.modules),
        "summary": {
            **counts,
            "unchanged": len(compared.matched) if compared is not None else 0,
            "findings_now": len(result.findings),
            "findings_before": len(baseline.items),
        },
        "health": {
            "before": baseline.health,
            "after": result.health.score if result.health is not None else None,
        },
    }


def changes_spec(modules: tuple[str, ...]) -> ToolSpec:
    """``chaffra_changes`` over ``modules`` (the analysis modules the server has)."""

    def handle(context: ToolContext, arguments: JsonObject) -> Listing:
        resolved = context.resolve(confine(arguments.get("path"), context.settings))
        selected = tuple(arguments.get("modules") or modules)
        request = ChangeRequest(resolved=resolved, modules=selected, arguments=arguments)
        baseline = BASELINES[arguments.get("since", "last-run")].load(context, request)
        result = context.analyse(resolved, command="changes", modules=selected, churn=False)
        compared = baseline.compare(result.findings) if baseline.available else None
        entries = _entries(compared, baseline, result) if compared is not None else []
        header = {
            **_header(baseline, result, compared, entries),
            "notes": [*resolved.notes, *baseline.notes],
        }
        return Listing(header=header, key="changes", items=tuple(entries), describe=_describe)

    entry = object_schema(
        {
            "change": {"type": "string", "enum": list(_CHANGE_ORDER)},
            "rule_id": {"type": "string"},
            "file": {"type": "string"},
            "start_line": {"type": "integer"},
            "severity": {"type": ["string", "null"]},
            "message": {"type": ["string", "null"]},
            "symbol": {"type": ["string", "null"], "description": "Enclosing function or method."},
            "measure": {"type": ["string", "null"], "description": "e.g. cyclomatic, cognitive."},
            "before": {"type": ["number", "null"]},
            "after": {"type": ["number", "null"]},
        },
        required=("change", "rule_id", "file", "start_line"),
    )
    count = {"type": "integer"}
    return ToolSpec(
        name="chaffra_changes",
        title="Changes since a baseline",
        description=(
            "What got better or worse in the project at `path` since a baseline: new and "
            "resolved findings (matched by fingerprint, so moved code is not 'new') and the "
            "cyclomatic and cognitive complexity of every function that went up or down, most "
            "important first. since=last-run (default): the previous run this server saw on the "
            "same path (call once before editing, again after); since=git-ref with `ref` (e.g. "
            "HEAD, main): the committed tree at that ref; since=baseline-file: the findings "
            "accepted in a baseline file written by `chaffra baseline` (`baseline`, default "
            "<project>/.chaffra-baseline.json), matched as `chaffra health --baseline` does."
        ),
        input_schema=object_schema(
            {
                "path": PATH,
                "since": {"type": "string", "enum": list(BASELINES), "default": "last-run"},
                "ref": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 256,
                    "description": "Git ref to compare with (since=git-ref).",
                },
                "baseline": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 4096,
                    "description": (
                        "Baseline file inside the server's roots (since=baseline-file; "
                        "default: <project>/.chaffra-baseline.json)."
                    ),
                },
                "modules": {
                    "type": "array",
                    "items": {"type": "string", "enum": list(modules)},
                    "minItems": 1,
                    "uniqueItems": True,
                    "description": "Modules to compare (default: all).",
                },
                "limit": LIMIT,
                "cursor": CURSOR,
            }
        ),
        output_schema=object_schema(
            {
                "since": object_schema(
                    {
                        "kind": {"type": "string"},
                        "label": {"type": "string"},
                        "available": {"type": "boolean"},
                    },
                    required=("kind", "label", "available"),
                ),
                "modules": {"type": "array", "items": {"type": "string"}},
                "summary": object_schema(
                    {
                        "new": count,
                        "resolved": count,
                        "unchanged": count,
                        "worse": count,
                        "better": count,
                        "findings_now": count,
                        "findings_before": count,
                    },
                    required=("new", "resolved", "unchanged", "worse", "better"),
                ),
                "health": object_schema(
                    {"before": {"type": ["number", "null"]}, "after": {"type": ["number", "null"]}},
                    required=("before", "after"),
                ),
                "notes": NOTES,
                "changes": {"type": "array", "items": entry},
                "page": PAGE,
            },
            required=("since", "modules", "summary", "health", "notes", "changes", "page"),
        ),
        handler=handle,
        aliases=("chaffra/changes",),
    )
