"""Suppression comments of peer tools that chaffra honours, and what they map to.

A project moving from flake8, ruff, bandit or vulture already has comments
like ``# noqa: C901``; chaffra reads them so the same line is not reported
twice. The mapping is a registry: each analyzer registers the peer codes of
its rules (the security analyzer adds ``# nosec``), and
``docs/suppressions.md`` shows the table (a test keeps the two equal).

Peer comments cover their own line only, as in the peer tool, and are never
reported stale: they belong to the other tool too.
"""

from __future__ import annotations

import re

import attrs

__all__ = [
    "PEER_CODES",
    "PeerCode",
    "has_suppression_marker",
    "peer_rules",
    "register_peer_code",
]


@attrs.frozen(kw_only=True)
class PeerCode:
    """``# <marker>: <code>`` of ``tool`` suppresses the chaffra ``rules``."""

    tool: str
    marker: str
    code: str
    rules: tuple[str, ...]


PEER_CODES: dict[tuple[str, str], PeerCode] = {}
"""The registered peer codes, by ``(marker, code)``; codes are upper case."""

_CODE_LISTS: dict[str, re.Pattern[str]] = {
    # flake8's grammar: "#" "noqa:" then codes split by commas or spaces; any case.
    "noqa": re.compile(r"#\s*noqa\s*:\s*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*)", re.I),
    # bandit's: "# nosec B602, B607".
    "nosec": re.compile(r"#\s*nosec\b[:\s]*(?P<codes>[A-Z]+[0-9]+(?:[,\s]+[A-Z]+[0-9]+)*)?", re.I),
}
# Searched for in the lower-cased content: a case-insensitive regex cannot skip ahead
# to a literal and costs five times as much on a large project.
_MARKERS = ("chaffra:", "noqa", "nosec")
_MARKERS_BYTES = tuple(m.encode("ascii") for m in _MARKERS)


def register_peer_code(code: PeerCode) -> None:
    """Map a peer code to chaffra rules (an analyzer calls this for its rules).

    Raises:
        ValueError: the marker is unknown, or the code is already mapped elsewhere.
    """
    if code.marker not in _CODE_LISTS:
        known = ", ".join(sorted(_CODE_LISTS))
        raise ValueError(f"unknown peer marker {code.marker!r} (expected one of: {known})")
    key = (code.marker, code.code.upper())
    if key in PEER_CODES and PEER_CODES[key] != code:
        raise ValueError(f"peer code {code.marker}: {code.code} is already mapped")
    PEER_CODES[key] = code


def has_suppression_marker(data: bytes | str) -> bool:
    """Whether a file's content may hold a suppression comment (chaffra's or a peer's)."""
    if isinstance(data, str):
        folded = data.casefold()  # as re.IGNORECASE matches (a long s is an s)
        return any(marker in folded for marker in _MARKERS)
    lowered = data.lower()
    return any(marker in lowered for marker in _MARKERS_BYTES)


def peer_rules(comment: str) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """Each peer marker in ``comment`` as ``(marker text, chaffra rules)``, mapped codes only."""
    found = []
    for marker, pattern in _CODE_LISTS.items():
        for match in pattern.finditer(comment):
            codes = re.split(r"[,\s]+", (match["codes"] or "").strip())
            rules = tuple(
                dict.fromkeys(
                    rule
                    for code in codes
                    if (marker, code.upper()) in PEER_CODES
                    for rule in PEER_CODES[marker, code.upper()].rules
                )
            )
            if rules:
                found.append((match.group(0).strip(), rules))
    return tuple(found)


register_peer_code(
    PeerCode(
        tool="flake8 / ruff (mccabe)",
        marker="noqa",
        code="C901",
        rules=("complexity:high-cyclomatic",),
    )
)

# Dead code: pyflakes' codes (flake8, ruff) and vulture's own (``vulture --help``:
# V101 attribute ... V107 variable or argument, V201 unreachable code, which for
# vulture includes a constant condition); vulture maps F401/F841 the same way.
_DEAD_CODE_PEERS = {
    ("flake8 / ruff (pyflakes)", "F401"): ("dead-code:unused-import",),
    ("flake8 / ruff (pyflakes)", "F841"): ("dead-code:unused-variable",),
    ("vulture", "V101"): ("dead-code:unused-attribute",),
    ("vulture", "V102"): ("dead-code:unused-class",),
    ("vulture", "V103"): ("dead-code:unused-function",),
    ("vulture", "V104"): ("dead-code:unused-import",),
    ("vulture", "V105"): ("dead-code:unused-method",),
    ("vulture", "V106"): ("dead-code:unused-method",),
    ("vulture", "V107"): ("dead-code:unused-variable", "dead-code:unused-argument"),
    ("vulture", "V201"): ("dead-code:unreachable-code", "dead-code:redundant-condition"),
}
for (_tool, _code), _rules in _DEAD_CODE_PEERS.items():
    register_peer_code(PeerCode(tool=_tool, marker="noqa", code=_code, rules=_rules))
