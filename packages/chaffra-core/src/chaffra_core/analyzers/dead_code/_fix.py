"""The safe fix: remove unused imports (and, opt-in, unreachable statements) from source.

Edits work on the source text, so the file's layout survives: an alias is cut
out of its statement with its comma (a parenthesised, multi-line import keeps
its other lines), a statement whose every name goes is deleted with its lines
(or becomes ``pass`` when it was a block's only statement). Nothing is touched
when a line carries ``# noqa``, the statement shares a line with another one,
the import is a known side-effect import or may be an availability check, or
the result would not parse.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Mapping, Sequence

import attrs

from chaffra_core._analysis import Analyzers, analyse_bytes
from chaffra_core._findings import Finding
from chaffra_core._module import AnalysisModule, ModuleConfig, ProjectContext
from chaffra_core._summary import FileSummary
from chaffra_core._suppressions import physical_lines
from chaffra_core.analyzers.dead_code._rules import (
    MODULE_ID,
    UNREACHABLE_CODE,
    UNUSED_IMPORT,
    Confidence,
)

__all__ = ["FileFix", "fix_findings", "fix_source", "new_findings"]

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*))?", re.I)
_SIDE_EFFECTS = frozenset(
    {"readline", "rlcompleter", "antigravity", "this", "site", "gevent.monkey"}
)


@attrs.frozen(kw_only=True)
class FileFix:
    """The fixed text of one file and which findings it fixed or left, with why."""

    text: str
    fixed: tuple[Finding, ...] = ()
    skipped: tuple[tuple[Finding, str], ...] = ()


def fix_source(text: str, findings: Iterable[Finding], *, unreachable: bool = False) -> FileFix:
    """``text`` with the fixable ``findings`` (of this file) removed."""
    lines = physical_lines(text)
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return FileFix(text=text, skipped=tuple((f, "the file does not parse") for f in findings))
    statements = _statements(tree)
    removals: dict[int, set[str]] = {}
    chosen: list[Finding] = []
    skipped: list[tuple[Finding, str]] = []
    deletions: list[tuple[int, int]] = []
    for finding in findings:
        reason = _refusal(finding, lines, statements, unreachable=unreachable)
        if reason is not None:
            skipped.append((finding, reason))
            continue
        chosen.append(finding)
        start = finding.location.start_line
        if finding.rule_id == UNUSED_IMPORT:
            removals.setdefault(start, set()).add(str(finding.metadata["name"]))
        else:
            deletions.append((start, finding.location.end_line))
    edits: list[tuple[int, int, list[str]]] = []  # (first line, last line, replacement lines)
    for line, names in removals.items():
        node, parent_body = statements[line][0]
        assert isinstance(node, (ast.Import, ast.ImportFrom))  # checked by _refusal
        alone = len(parent_body) == 1 and parent_body is not tree.body  # a block needs a body
        edits.append(_import_edit(node, names, lines, alone=alone))
    edits.extend((start, end, []) for start, end in deletions)
    new_lines = list(lines)
    for first, last, replacement in sorted(edits, reverse=True):
        new_lines[first - 1 : last] = replacement
    fixed = "".join(new_lines)
    try:
        ast.parse(fixed)
    except SyntaxError:
        return FileFix(text=text, skipped=tuple((f, "the result would not parse") for f in chosen))
    return FileFix(text=fixed, fixed=tuple(chosen), skipped=tuple(skipped))


_Statements = dict[int, list[tuple[ast.stmt, Sequence[ast.stmt]]]]


def _statements(tree: ast.Module) -> _Statements:
    """The statements starting on each line, with the body each belongs to (one small walk)."""
    found: _Statements = {}
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        for field in ("body", "orelse", "finalbody", "handlers", "cases"):
            body = getattr(node, field, None)
            if isinstance(body, list):
                for child in body:
                    if isinstance(child, ast.stmt):
                        found.setdefault(child.lineno, []).append((child, body))
                    stack.append(child)
    return found


def _refusal(
    finding: Finding,
    lines: Sequence[str],
    statements: _Statements,
    *,
    unreachable: bool,
) -> str | None:
    start, end = finding.location.start_line, finding.location.end_line
    if finding.rule_id == UNREACHABLE_CODE:
        if not unreachable:
            return "unreachable code is removed only with --unreachable"
        if finding.metadata.get("kind") != "after":
            return "only statements after a return, raise, break or continue are removed"
    elif finding.rule_id != UNUSED_IMPORT:
        return "only unused imports and unreachable code are fixed automatically"
    elif int(finding.metadata.get("confidence", "0")) < Confidence.IMPORT:
        return "the import may be an availability check"
    entries = statements.get(start, [])
    if not entries or any(_noqa(lines[i - 1]) for i in range(start, end + 1)):
        return "the statement is marked `# noqa` or not found"
    node = entries[0][0]
    if len(entries) > 1 or (
        finding.rule_id == UNUSED_IMPORT and not isinstance(node, (ast.Import, ast.ImportFrom))
    ):
        return "another statement shares its lines"
    if isinstance(node, ast.Import) and any(a.name in _SIDE_EFFECTS for a in node.names):
        return "a side-effect import"
    if _shares_lines(node, lines, end):
        return "another statement shares its lines"
    return None


def _noqa(line: str) -> bool:
    """A bare ``# noqa`` or one naming F401 (flake8's and vulture's reading)."""
    match = _NOQA.search(line)
    return match is not None and (not match["codes"] or "F401" in match["codes"].upper())


def _shares_lines(node: ast.stmt, lines: Sequence[str], end: int) -> bool:
    first = lines[node.lineno - 1].encode("utf-8")
    if first[: node.col_offset].strip():
        return True
    last = lines[end - 1].encode("utf-8")
    rest = last[node.end_col_offset if node.end_lineno == end else 0 :].decode("utf-8", "replace")
    if not isinstance(node, (ast.Import, ast.ImportFrom)):
        return False  # the unreachable range ends with its last statement's line
    return bool(rest.strip()) and not rest.strip().startswith("#")


def _import_edit(
    node: ast.Import | ast.ImportFrom, names: set[str], lines: Sequence[str], *, alone: bool
) -> tuple[int, int, list[str]]:
    first, last = node.lineno, node.end_lineno or node.lineno
    kept = [a for a in node.names if _bound(a, node) not in names]
    if not kept:
        indent = lines[first - 1][: len(lines[first - 1]) - len(lines[first - 1].lstrip())]
        return first, last, [f"{indent}pass\n"] if alone else []
    text = "".join(lines[first - 1 : last])
    offset = _Offsets(physical_lines(text))
    for alias in reversed(node.names):
        if _bound(alias, node) not in names:
            continue
        start = offset(alias.lineno - first, alias.col_offset)
        stop = offset((alias.end_lineno or alias.lineno) - first, alias.end_col_offset or 0)
        after = re.match(r"[ \t]*,[ \t]*(#[^\n]*)?\n?[ \t]*", text[stop:])
        if after is not None and "#" not in after.group(0):
            text = text[:start] + text[stop + after.end() :]
            continue
        before = re.search(r",[ \t]*\n?[ \t]*$", text[:start])
        cut = before.start() if before is not None else start
        text = text[:cut] + text[stop:]
    replaced = [line for line in physical_lines(text) if line.strip()]
    return first, last, replaced


def _bound(alias: ast.alias, node: ast.Import | ast.ImportFrom) -> str:
    if isinstance(node, ast.Import):
        return alias.asname or alias.name.partition(".")[0]
    return alias.asname or alias.name


class _Offsets:
    """Character offset in a text from ``(line index, UTF-8 byte column)``."""

    def __init__(self, lines: Sequence[str]) -> None:
        self._lines = lines
        self._starts = [0]
        for line in lines:
            self._starts.append(self._starts[-1] + len(line))

    def __call__(self, line: int, byte_column: int) -> int:
        prefix = self._lines[line].encode("utf-8")[:byte_column].decode("utf-8", "replace")
        return self._starts[line] + len(prefix)


def fix_findings(
    findings: Iterable[Finding], read: Callable[[str], str], *, unreachable: bool = False
) -> dict[str, FileFix]:
    """The fix of every file with dead-code findings (``read(path)`` gives its text);
    only files that change are returned."""
    by_file: dict[str, list[Finding]] = {}
    for finding in findings:
        if finding.rule_id in (UNUSED_IMPORT, UNREACHABLE_CODE):
            by_file.setdefault(finding.location.file, []).append(finding)
    fixes: dict[str, FileFix] = {}
    for path, found in sorted(by_file.items()):
        text = read(path)
        fix = fix_source(text, found, unreachable=unreachable)
        if fix.fixed:
            fixes[path] = fix
    return fixes


def new_findings(
    module: AnalysisModule,
    summaries: Sequence[FileSummary],
    fixed: Mapping[str, str],
    *,
    config: ModuleConfig,
    project: ProjectContext,
    before: Iterable[Finding],
) -> list[Finding]:
    """The findings the fixed texts would add (none for a safe fix): the changed files
    are analysed again and the project index rebuilt from the other files' summaries."""
    analyzers, _ = Analyzers.build([module], {MODULE_ID: config})  # raises ConfigError
    updated = [
        analyse_bytes(
            fixed[s.path].encode("utf-8"),
            path=s.path,
            absolute=project.root / s.path,
            analyzers=analyzers,
        )
        if s.path in fixed
        else s
        for s in summaries
    ]
    after = [f for s in updated for f in s.results[MODULE_ID].findings if s.path in fixed]
    after.extend(module.combine(updated, config, project).findings)
    known = {_identity(f) for f in before}
    return [f for f in after if _identity(f) not in known]


def _identity(finding: Finding) -> tuple[str, str, str]:
    """Line-independent: a fix moves lines but a finding keeps its rule, file and message."""
    return (finding.rule_id, finding.location.file, finding.message)
