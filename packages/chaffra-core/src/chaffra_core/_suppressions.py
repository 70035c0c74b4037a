"""Inline suppressions, applied by the host after every module ran, and stale detection.

Syntax (in a ``#`` comment, found with ``tokenize`` so never inside a string)::

    x = risky()  # chaffra: ignore[security:command-injection, high-cyclomatic]
    # chaffra: ignore[unused-function]       <- also covers the next line
    # chaffra: ignore                        <- every rule
    # chaffra: ignore-file[complexity]       <- whole file; only in the leading comments

Rules are qualified (``module:rule``) or bare (``rule``, matching that rule of
any module). The original's bracket-less form ``# chaffra:ignore a, b -- reason``
is accepted too: the list ends at the first whitespace not next to a comma.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable, Mapping, Sequence

import attrs

from chaffra_core._findings import (
    Action,
    Finding,
    Location,
    ModuleInfo,
    Severity,
    TextEdit,
    make_anchor,
    split_rule_id,
)
from chaffra_core._peer_codes import has_suppression_marker, peer_rules

__all__ = [
    "STALE_SUPPRESSION",
    "Suppression",
    "apply_suppressions",
    "physical_lines",
    "scan_suppressions",
]

STALE_SUPPRESSION = "core:stale-suppression"

_MARKER = re.compile(r"chaffra:\s*ignore(?P<file>-file)?(?:\[(?P<list>[^\]]*)\]|(?=\s|$))")
_RULE = r"[A-Za-z0-9_][\w.-]*(?::[A-Za-z0-9_][\w.-]*)?"
_LEGACY_LIST = re.compile(rf"\s*(?P<list>{_RULE}(?:\s*,\s*(?:{_RULE}|\*))*|\*)")
_HEADER_TOKENS = frozenset({tokenize.COMMENT, tokenize.NL, tokenize.ENCODING})


@attrs.frozen(kw_only=True)
class Suppression:
    """One suppression comment.

    ``rules`` are as written (bare or qualified); empty means every rule.
    ``lines`` are the lines whose findings it covers (empty for a misplaced
    ``ignore-file``, which then covers nothing and is reported stale);
    ``file_level`` suppressions cover the whole file; ``peer`` ones come from
    another tool's comment (``# noqa: C901``), mapped to chaffra rules.
    ``source`` is the comment's physical line (with its ending), kept so a stale
    one can be removed without the file's text.
    """

    line: int
    column: int
    marker: str
    rules: tuple[str, ...]
    lines: frozenset[int]
    file_level: bool = False
    peer: bool = False
    source: str = ""


def scan_suppressions(text: str) -> tuple[Suppression, ...]:
    """The suppression comments of a Python source text, in line order.

    A trailing comment covers its own line; a comment alone on its line covers
    it and the next one (so it can sit above a ``def``). A file that does not
    tokenize keeps the suppressions found before the error.
    """
    if not has_suppression_marker(text):
        return ()  # the common case, without tokenizing
    found: list[Suppression] = []
    header = True
    try:
        for token in tokenize.generate_tokens(io.StringIO(text, newline="").readline):
            if token.type != tokenize.COMMENT:
                header = header and token.type in _HEADER_TOKENS
                continue
            suppression = _parse_comment(token, header=header)
            if suppression is not None:
                found.append(suppression)
            found.extend(_peer_suppressions(token))
    except (tokenize.TokenError, SyntaxError):
        pass  # a broken file: keep what was found before the error
    return tuple(found)


def _parse_comment(token: tokenize.TokenInfo, *, header: bool) -> Suppression | None:
    match = _MARKER.search(token.string)
    if match is None:
        return None
    line, column = token.start
    if match["list"] is not None:
        rules = _split(match["list"])
        marker = match.group(0)
    else:
        legacy = _LEGACY_LIST.match(token.string, match.end())
        rules = _split(legacy["list"]) if legacy else ()
        marker = token.string[match.start() : legacy.end()] if legacy else match.group(0)
    file_level = match["file"] is not None
    if file_level:
        covered: frozenset[int] = frozenset()
    elif token.line[:column].strip():
        covered = frozenset({line})  # trailing: its own line only
    else:
        covered = frozenset({line, line + 1})
    return Suppression(
        line=line,
        column=column + _comment_start(token.string, match.start()),
        marker=marker.strip(),
        rules=rules,
        lines=covered,
        file_level=file_level and header,
        source=token.line.splitlines(keepends=True)[0] if token.line else "",
    )


def _peer_suppressions(token: tokenize.TokenInfo) -> list[Suppression]:
    line, column = token.start
    return [
        Suppression(
            line=line,
            column=column,
            marker=marker,
            rules=rules,
            lines=frozenset({line}),  # as in the peer tool: its own line only
            peer=True,
        )
        for marker, rules in peer_rules(token.string)
    ]


def physical_lines(text: str) -> list[str]:
    """``text``'s lines as the tokenizer and ``ast`` count them, with their endings.

    Unlike ``str.splitlines`` this does not break at form feeds and other
    Unicode separators, which would shift line numbers.
    """
    return io.StringIO(text, newline="").readlines()


def _split(rule_list: str) -> tuple[str, ...]:
    """Pieces trimmed; empty ones and ``*`` dropped; duplicates once. ``()`` = all rules."""
    rules = (piece.strip() for piece in rule_list.split(","))
    return tuple(dict.fromkeys(rule for rule in rules if rule and rule != "*"))


def _comment_start(comment: str, marker_at: int) -> int:
    """Offset of the ``#`` that opens the suppression (``# noqa  # chaffra: ...``)."""
    return comment.rfind("#", 0, marker_at)


def _names(rule: str, rule_id: str) -> bool:
    module, name = split_rule_id(rule)
    finding_module, finding_name = split_rule_id(rule_id)
    if module is None or finding_module is None:
        return name == finding_name
    return rule == rule_id


def apply_suppressions(
    findings: Iterable[Finding],
    suppressions: Mapping[str, Sequence[Suppression]],
    *,
    modules: Iterable[ModuleInfo],
    all_modules_ran: bool,
    hidden_rules: frozenset[str] = frozenset(),
) -> tuple[list[Finding], list[Finding]]:
    """``(kept, stale)``: findings not suppressed (in input order), and stale suppressions.

    ``suppressions`` maps each Python file of the run to its suppression comments
    (findings in other files are always kept); ``modules`` describe the modules
    that ran. A listed rule is stale when it suppressed nothing and its module
    ran (a bare rule: some module that ran has a rule of that name); an
    all-rules suppression is judged
    only when ``all_modules_ran``. Suppressions of modules that did not run
    are never stale, nor are those of ``hidden_rules`` (qualified ids the run
    does not report: ``off``, not selected), nor peer-tool comments
    (``# noqa: C901``), which belong to their tool. Each stale rule is one
    ``core:stale-suppression`` info finding; when the whole comment is stale
    it carries an edit removing it.
    """
    scanned = {path: found for path, found in suppressions.items() if found}
    used: set[tuple[str, int, str]] = set()  # (path, suppression index, rule or "*")
    kept: list[Finding] = []
    for finding in findings:
        suppressed = False
        for index, suppression in enumerate(scanned.get(finding.location.file, ())):
            if not (suppression.file_level or finding.location.start_line in suppression.lines):
                continue
            for rule in suppression.rules or ("*",):
                if rule == "*" or _names(rule, finding.rule_id):
                    used.add((finding.location.file, index, rule))
                    suppressed = True
        if not suppressed:
            kept.append(finding)
    judge = _Judge(modules, all_modules_ran=all_modules_ran, hidden=hidden_rules)
    stale: list[Finding] = []
    for path, comments in scanned.items():
        for index, suppression in enumerate(comments):
            if suppression.peer:
                continue
            rules = suppression.rules or ("*",)
            unused = [
                rule for rule in rules if (path, index, rule) not in used and judge.evaluates(rule)
            ]
            whole = len(unused) == len(rules)
            stale.extend(
                _stale_finding(path, suppression, rule, removable=whole) for rule in unused
            )
    return kept, stale


class _Judge:
    """Which suppressed rules this run can call stale."""

    def __init__(
        self, modules: Iterable[ModuleInfo], *, all_modules_ran: bool, hidden: frozenset[str]
    ) -> None:
        infos = list(modules)
        self._module_ids = {info.id for info in infos}
        self._rule_names = {
            split_rule_id(rule.id)[1]
            for info in infos
            for rule in info.rules
            if rule.id not in hidden
        }
        self._hidden = hidden
        self._all = all_modules_ran and not hidden

    def evaluates(self, rule: str) -> bool:
        if rule == "*":
            return self._all
        module, name = split_rule_id(rule)
        if module is None:
            return name in self._rule_names
        return module in self._module_ids and rule not in self._hidden


def _stale_finding(path: str, suppression: Suppression, rule: str, *, removable: bool) -> Finding:
    shown = suppression.marker if rule == "*" else rule
    source = suppression.source
    body = source.rstrip("\r\n")
    actions: tuple[Action, ...] = ()
    if removable:
        before = body[: suppression.column].rstrip()
        new_text = before + source[len(body) :] if before else ""
        edit = TextEdit(
            file=path,
            start_line=suppression.line,
            end_line=suppression.line,
            new_text=new_text,
        )
        actions = (
            Action(description="remove the stale suppression", auto_fixable=True, edits=(edit,)),
        )
    return Finding(
        rule_id=STALE_SUPPRESSION,
        message=f"suppression `{shown}` matches no finding",
        severity=Severity.INFO,
        location=Location(
            file=path,
            start_line=suppression.line,
            end_line=suppression.line,
            start_column=suppression.column,
            end_column=len(body),
        ),
        actions=actions,
        metadata={"suppression": suppression.marker, "rule": rule},
        anchor=make_anchor("<suppression>", f"{rule} {body[suppression.column :]}"),
    )
