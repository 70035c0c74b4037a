"""Compare a run's findings with a baseline's: new, resolved, and measures that moved.

Findings are matched by fingerprint, as churn is (``chaffra_telemetry.compute_churn``):
equal fingerprints, else the same rule, file and non-empty anchor (the finding
moved lines). Measures come from a finding's metadata: a numeric value beside a
numeric ``threshold`` (the complexity module's ``cyclomatic``/``cognitive``),
where higher is worse.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import attrs

from chaffra_core import Baseline as AcceptedFindings
from chaffra_core import BaselineEntry, Finding
from chaffra_telemetry import FindingFingerprint

__all__ = ["BaselineItem", "Diff", "accepted_diff", "change_entry", "diff", "measures"]

_NOT_MEASURES = frozenset({"threshold", "symbol"})


@attrs.frozen(kw_only=True)
class BaselineItem:
    """A baseline finding: always its fingerprint, the finding itself when it is known."""

    fingerprint: FindingFingerprint
    finding: Finding | None = None
    message: str | None = None
    """The message when only that is known (a baseline file's entry)."""

    @classmethod
    def of(cls, finding: Finding) -> BaselineItem:
        """The item of a known finding."""
        return cls(fingerprint=finding.fingerprint(), finding=finding)

    @classmethod
    def accepted(cls, entry: BaselineEntry) -> BaselineItem:
        """The item of a baseline file's entry (no line: ``start_line`` 0)."""
        fingerprint = FindingFingerprint(
            rule_id=entry.rule_id, file=entry.file, start_line=0, anchor=entry.anchor
        )
        return cls(fingerprint=fingerprint, message=entry.message or None)


@attrs.frozen(kw_only=True)
class Diff:
    """``new`` current findings, ``resolved`` baseline items, ``matched`` pairs."""

    new: tuple[Finding, ...]
    resolved: tuple[BaselineItem, ...]
    matched: tuple[tuple[Finding, BaselineItem], ...]


def _number(text: str | float) -> float | None:
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) else None


def measures(finding: Finding) -> dict[str, float]:
    """The finding's thresholded measures, by name (empty without a numeric ``threshold``)."""
    metadata = finding.metadata
    if _number(metadata.get("threshold", "")) is None:
        return {}
    found = {}
    for key, text in metadata.items():
        number = _number(text)
        if key not in _NOT_MEASURES and number is not None:
            found[key] = number
    return found


def diff(current: Sequence[Finding], baseline: Iterable[BaselineItem]) -> Diff:
    """Match ``current`` against ``baseline`` (duplicates count as often as they occur)."""
    exact: dict[FindingFingerprint, list[BaselineItem]] = defaultdict(list)
    for item in baseline:
        exact[item.fingerprint].append(item)
    matched: list[tuple[Finding, BaselineItem]] = []
    unmatched: list[Finding] = []
    for finding in current:
        candidates = exact.get(finding.fingerprint())
        if candidates:
            matched.append((finding, candidates.pop()))
        else:
            unmatched.append(finding)
    by_anchor: dict[tuple[str, str, str], list[BaselineItem]] = defaultdict(list)
    for items in exact.values():
        for item in items:
            fp = item.fingerprint
            if fp.anchor:
                by_anchor[(fp.rule_id, fp.file, fp.anchor)].append(item)
    new: list[Finding] = []
    for finding in unmatched:
        moved = by_anchor.get((finding.rule_id, finding.location.file, finding.anchor))
        if finding.anchor and moved:
            item = moved.pop()
            exact[item.fingerprint].remove(item)
            matched.append((finding, item))
        else:
            new.append(finding)
    resolved = [item for items in exact.values() for item in items]
    return Diff(
        new=tuple(new),
        resolved=tuple(sorted(resolved, key=lambda i: _fingerprint_key(i.fingerprint))),
        matched=tuple(matched),
    )


def accepted_diff(accepted: AcceptedFindings, current: Sequence[Finding]) -> Diff:
    """Match ``current`` against a baseline file's entries as ``chaffra health --baseline``
    does (rule, file and anchor, else the message): the same findings are new for both."""
    comparison = accepted.compare(current)
    return Diff(
        new=comparison.new,
        resolved=tuple(BaselineItem.accepted(entry) for entry in comparison.resolved),
        matched=tuple(
            (finding, BaselineItem.accepted(BaselineEntry.of(finding)))
            for finding in comparison.known
        ),
    )


def _fingerprint_key(fp: FindingFingerprint) -> tuple[str, int, str, str]:
    return (fp.file, fp.start_line, fp.rule_id, fp.anchor)


def change_entry(
    change: str,
    fingerprint: FindingFingerprint,
    finding: Finding | None,
    *,
    measure: str | None = None,
    before: float | None = None,
    after: float | None = None,
    message: str | None = None,
) -> dict[str, Any]:
    """One entry of the changes list (a flat object, cheap in tokens); ``message`` when
    the finding itself is not known."""
    metadata: Mapping[str, str | float] = finding.metadata if finding is not None else {}
    return {
        "change": change,
        "rule_id": fingerprint.rule_id,
        "file": fingerprint.file,
        "start_line": fingerprint.start_line,
        "severity": finding.severity.value if finding is not None else None,
        "message": finding.message if finding is not None else message,
        "symbol": metadata.get("symbol"),
        "measure": measure,
        "before": before,
        "after": after,
    }
