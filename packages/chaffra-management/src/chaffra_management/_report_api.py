"""The report endpoints: files, functions, findings, one file, and the health's rows.

Each request validates its query first, then reads the run reports the app's
audience may see (``LiveTelemetryState.report`` returns nothing under
``operator-only`` or ``off``, without reading the store), then filters, sorts
and pages rows derived from them. Which reports (docs/dashboard.md):

* scores, files and functions come from the newest report whose run scored
  health (a ``chaffra dead-code`` or ``security`` run scores nothing, so the
  pages keep the scores of the run before it);
* findings are each analyzer's newest: a run of one analyzer only (see
  :data:`SINGLE_ANALYZER_COMMANDS`) replaces that analyzer's findings and keeps
  the others' from the runs before it, back to the newest run of every analyzer.

The rows are derived once and reused while the newest report stays the same;
orders are computed on first use. Handlers are plain functions, run in a
worker thread.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from starlette.requests import Request

from chaffra_management._context import AppContext
from chaffra_management._report_query import (
    BadQuery,
    ListQuery,
    ListSpec,
    boolean,
    non_empty,
    parse_list_query,
    severity,
    single,
    text,
)
from chaffra_management._serialize import ApiResponse
from chaffra_telemetry.report import SEVERITIES, ReportFinding, ReportPoint, StoredReport

__all__ = [
    "FILES",
    "FINDINGS",
    "FUNCTIONS",
    "SINGLE_ANALYZER_COMMANDS",
    "TREND_RUNS",
    "ReportHandlers",
]

Row = dict[str, Any]
Key = Callable[[Row], Any]

TREND_RUNS = 20
HEALTH_FILES = 50
# How far back the findings of the other analyzers are looked for after a run of one
# analyzer: first the few reports a store keeps decoded, then as many as it keeps.
CHAIN_LIMITS = (4, 20)
SINGLE_ANALYZER_COMMANDS: Mapping[str, str] = {
    "complexity": "complexity",
    "dead-code": "dead-code",
    "security": "security",
    "fix": "dead-code",
}
"""The commands (CLI and MCP tools) that run one analyzer only, and which one. A run of
any other command runs every analyzer, so its report replaces all findings."""
_RANK = {name: len(SEVERITIES) - i for i, name in enumerate(SEVERITIES)}

FILES = ListSpec(
    sorts={"score": False, "lines": True, "findings": True, "file": False},
    default_sort="score",
    filters={"q": text},
)
FUNCTIONS = ListSpec(
    sorts={"cognitive": True, "cyclomatic": True, "lines": True, "file": False},
    default_sort="cognitive",
    filters={"file": non_empty},
)
FINDINGS = ListSpec(
    sorts={"severity": True, "file": False, "rule": False},
    default_sort="severity",
    filters={
        "module": non_empty,
        "rule": non_empty,
        "severity": severity,
        "file": non_empty,
        "new": boolean,
    },
)

_PRIMARY: Mapping[str, Mapping[str, Key]] = {
    "files": {
        "score": lambda r: r["score"],
        "lines": lambda r: r["lines"],
        "findings": lambda r: sum(r["findings"].values()),
        "file": lambda r: r["file"],
    },
    "functions": {
        "cognitive": lambda r: r["cognitive"],
        "cyclomatic": lambda r: r["cyclomatic"],
        "lines": lambda r: r["lines"],
        "file": lambda r: r["file"],
    },
    "findings": {
        "severity": lambda r: _RANK[r["severity"]],
        "file": lambda r: r["file"],
        "rule": lambda r: r["rule_id"],
    },
}
_TIEBREAK: Mapping[str, Key] = {
    "files": lambda r: r["file"],
    "functions": lambda r: (r["file"], r["line"], r["name"]),
    "findings": lambda r: (r["file"], r["line"], r["column"], r["rule_id"], r["fingerprint"]),
}
_FINDING_FILTERS: Mapping[str, str] = {
    "module": "module",
    "rule": "rule_id",
    "severity": "severity",
    "file": "file",
    "new": "new",
}


def _finite(value: float | None) -> float | None:
    return value if value is not None and math.isfinite(value) else None


def _run(stored: StoredReport) -> dict[str, Any]:
    report = stored.report
    return {
        "id": report.run_id,
        "timestamp_ms": report.timestamp_ms,
        "source": "seeded" if stored.seeded else "live",
    }


def _analyzer(stored: StoredReport) -> str | None:
    """The one analyzer a report's run ran, or ``None`` when it ran every analyzer."""
    return SINGLE_ANALYZER_COMMANDS.get(stored.report.command)


def _newest_findings(chain: Sequence[StoredReport]) -> list[ReportFinding]:
    """Each analyzer's findings from the newest report in ``chain`` (newest first) that ran it."""
    found: list[ReportFinding] = []
    claimed: set[str] = set()
    for stored in chain:
        analyzer = _analyzer(stored)
        if analyzer is None:
            found += [f for f in stored.report.findings if f.module not in claimed]
            break
        if analyzer not in claimed:
            claimed.add(analyzer)
            found += [f for f in stored.report.findings if f.module == analyzer]
    return found


def _counts_by_file(findings: Sequence[ReportFinding]) -> dict[str, dict[str, int]]:
    counts: dict[str, dict[str, int]] = {}
    for finding in findings:
        per_file = counts.setdefault(finding.file, {})
        per_file[finding.severity] = per_file.get(finding.severity, 0) + 1
    return counts


class _Rows:
    """The rows of a chain of reports (newest first), and their orders computed on first use.

    The chain ends at its first run of every analyzer (or at the oldest report
    read); see the module docstring for which report each row comes from.
    """

    def __init__(self, chain: Sequence[StoredReport]) -> None:
        scored = next((s for s in chain if s.report.health.model), chain[0])
        report = scored.report
        self.report = report
        self.run = _run(scored)
        self.findings_run = _run(chain[0])
        findings = _newest_findings(chain)
        # A file's finding counts: its report's own, unless later runs replaced findings.
        counts = None if _analyzer(chain[0]) is None else _counts_by_file(findings)
        self.rows: dict[str, list[Row]] = {
            "files": [
                {
                    "file": f.file,
                    "lines": f.lines,
                    "score": _finite(f.score),
                    "grade": f.grade,
                    "functions": f.functions,
                    "findings": dict(f.findings) if counts is None else counts.get(f.file, {}),
                }
                for f in report.files
            ],
            "functions": [
                {
                    "file": f.file,
                    "name": f.name,
                    "line": f.line,
                    "end_line": f.end_line,
                    "cyclomatic": f.cyclomatic,
                    "cognitive": f.cognitive,
                    "lines": f.lines,
                    "max_nesting": f.max_nesting,
                }
                for f in report.functions
            ],
            "findings": [
                {
                    "fingerprint": f.fingerprint,
                    "module": f.module,
                    "rule_id": f.rule_id,
                    "severity": f.severity,
                    "file": f.file,
                    "line": f.line,
                    "column": f.column,
                    "symbol": f.symbol,
                    "message": f.message,
                    "new": f.new,
                }
                for f in findings
            ],
        }
        self.files = {row["file"]: row for row in self.rows["files"]}
        self.facets = {
            "module": _tally(row["module"] for row in self.rows["findings"]),
            "severity": _tally(row["severity"] for row in self.rows["findings"]),
            "rule": _tally(row["rule_id"] for row in self.rows["findings"]),
        }
        self._orders: dict[tuple[str, str, bool], list[Row]] = {}
        self._by_file: dict[str, dict[str, list[Row]]] = {}
        self._lock = threading.Lock()

    def in_file(self, kind: str, path: str) -> list[Row]:
        """The rows of ``kind`` in the file at ``path``, by line."""
        with self._lock:
            index = self._by_file.get(kind)
        if index is None:
            index = {}
            for row in self.ordered(kind, "file", False):
                index.setdefault(row["file"], []).append(row)
            with self._lock:
                self._by_file[kind] = index
        return index.get(path, [])

    def ordered(self, kind: str, sort: str, descending: bool) -> list[Row]:
        """The rows of ``kind`` sorted by ``sort`` (rows without a value last), ties stable."""
        key = (kind, sort, descending)
        with self._lock:
            found = self._orders.get(key)
        if found is not None:
            return found
        primary = _PRIMARY[kind][sort]
        base = sorted(self.rows[kind], key=_TIEBREAK[kind])
        valued = [row for row in base if primary(row) is not None]
        unvalued = [row for row in base if primary(row) is None]
        ordered = sorted(valued, key=primary, reverse=descending) + unvalued
        with self._lock:
            self._orders[key] = ordered
        return ordered


def _tally(values: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for value in values:
        counts[value] = counts.get(value, 0) + 1
    return {key: counts[key] for key in sorted(counts)}


def _bad(error: BadQuery) -> ApiResponse:
    return ApiResponse({"error": error.message}, 400)


def _page(run: Mapping[str, Any] | None, rows: Sequence[Row], query: ListQuery) -> dict[str, Any]:
    return {
        "run": run,
        "total": len(rows),
        "limit": query.limit,
        "offset": query.offset,
        "items": list(rows[query.offset : query.offset + query.limit]),
    }


def _trend(points: Sequence[ReportPoint], file: str) -> list[float]:
    scores = (_finite(p.scores.get(file)) for p in points)
    return [score for score in scores if score is not None]


class ReportHandlers:
    """The handlers of ``/files``, ``/functions``, ``/findings`` and ``/file``."""

    def __init__(self, context: AppContext) -> None:
        self._context = context
        self._latest: tuple[str, int, bool, _Rows] | None = None

    def _chain(self, newest: StoredReport) -> list[StoredReport]:
        """``newest`` and the reports before it, back to a run of every analyzer."""
        if _analyzer(newest) is None:
            return [newest]
        context = self._context
        chain: list[StoredReport] = []
        for limit in CHAIN_LIMITS:
            recent = context.live_state.reports(audience=context.audience, limit=limit)
            chain = []
            for stored in reversed(recent):
                chain.append(stored)
                if _analyzer(stored) is None:
                    return chain
            if len(recent) < limit:
                break
        return chain or [newest]

    def rows(self) -> _Rows | None:
        """The rows of the newest reports as the app's audience may see them, or ``None``."""
        context = self._context
        stored = context.live_state.report(audience=context.audience)
        if stored is None:
            return None
        report = stored.report
        latest = self._latest
        if latest is not None and latest[:3] == (report.run_id, report.timestamp_ms, stored.seeded):
            return latest[3]
        rows = _Rows(self._chain(stored))
        self._latest = (report.run_id, report.timestamp_ms, stored.seeded, rows)
        return rows

    def _points(self, rows: _Rows) -> list[ReportPoint]:
        """The trend's runs: those scored by the same health model as the newest report."""
        context = self._context
        points = context.live_state.report_trend(audience=context.audience, limit=TREND_RUNS)
        model = rows.report.health.model
        return [p for p in points if p.model == model]

    def files(self, request: Request) -> ApiResponse:
        """Files of the newest report, worst first by default, each with its score trend."""
        try:
            query = parse_list_query(request.query_params, FILES)
        except BadQuery as error:
            return _bad(error)
        rows = self.rows()
        if rows is None:
            return ApiResponse(_page(None, [], query))
        ordered = rows.ordered("files", query.sort, query.descending)
        needle = query.filters.get("q")
        if needle:
            ordered = [row for row in ordered if needle in row["file"]]
        body = _page(rows.run, ordered, query)
        points = self._points(rows) if body["items"] else []
        body["items"] = [{**row, "trend": _trend(points, row["file"])} for row in body["items"]]
        return ApiResponse(body)

    def functions(self, request: Request) -> ApiResponse:
        """Functions of the newest report, most cognitively complex first by default."""
        try:
            query = parse_list_query(request.query_params, FUNCTIONS)
        except BadQuery as error:
            return _bad(error)
        rows = self.rows()
        if rows is None:
            return ApiResponse(_page(None, [], query))
        ordered = rows.ordered("functions", query.sort, query.descending)
        file = query.filters.get("file")
        if file is not None:
            ordered = [row for row in ordered if row["file"] == file]  # keeps the order asked
        return ApiResponse(_page(rows.run, ordered, query))

    def findings(self, request: Request) -> ApiResponse:
        """Findings of the newest report, errors first by default, with facets over them all."""
        try:
            query = parse_list_query(request.query_params, FINDINGS)
        except BadQuery as error:
            return _bad(error)
        rows = self.rows()
        if rows is None:
            body = _page(None, [], query)
            body["facets"] = {"module": {}, "severity": {}, "rule": {}}
            return ApiResponse(body)
        ordered = rows.ordered("findings", query.sort, query.descending)
        for name, value in query.filters.items():
            field = _FINDING_FILTERS[name]
            ordered = [row for row in ordered if row[field] == value]
        body = _page(rows.findings_run, ordered, query)
        body["facets"] = rows.facets
        return ApiResponse(body)

    def file(self, request: Request) -> ApiResponse:
        """One file of the newest report: its row, functions, findings and score trend."""
        try:
            path = single(request.query_params, "path")
            if not path:
                raise BadQuery("path is required: a file's path relative to the project")
        except BadQuery as error:
            return _bad(error)
        rows = self.rows()
        if rows is None:
            return ApiResponse(
                {"run": None, "file": None, "functions": [], "findings": [], "trend": []}
            )
        row = rows.files.get(path)
        if row is None:
            return ApiResponse({"error": "The newest report has no such file."}, 404)
        points = self._points(rows)
        trend = [
            {"timestamp_ms": p.timestamp_ms, "score": score}
            for p in points
            if (score := _finite(p.scores.get(path))) is not None
        ]
        functions = rows.in_file("functions", path)
        findings = rows.in_file("findings", path)
        return ApiResponse(
            {
                "run": rows.run,
                "file": {**row, "trend": [t["score"] for t in trend]},
                "functions": functions,
                "findings": findings,
                "trend": trend,
            }
        )

    def health_rows(self) -> dict[str, Any] | None:
        """The newest report's health as ``/health`` shows it, or ``None`` without one."""
        rows = self.rows()
        if rows is None:
            return None
        health = rows.report.health
        scored = rows.ordered("files", "score", False)
        files = [
            {"file": r["file"], "score": r["score"], "grade": r["grade"], "lines": r["lines"]}
            for r in scored[:HEALTH_FILES]
            if r["score"] is not None
        ]
        return {
            "score": _finite(health.score),
            "grade": health.grade,
            "files": files,
            "contributors": [
                {
                    "kind": c.kind.value,
                    "file": c.file,
                    "symbol": c.symbol,
                    "rule_id": c.rule_id,
                    "cost": c.cost,
                    "detail": c.detail,
                }
                for c in health.contributors
            ],
            "model": health.model,
            "total_files": health.total_files,
            "unscored_files": health.unscored_files,
        }
