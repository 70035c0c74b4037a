"""Secrets in any text file: provider detectors, ``password=`` assignments and
high-entropy strings in a keyword context, with the filters that keep entropy
quiet on hashes, UUIDs, identifiers and lock files.

A secret never leaves this module whole: findings carry its redacted form
(:func:`redact`) in the message, the metadata and the anchor.
"""

from __future__ import annotations

import bisect
import math
import re
from collections import Counter
from collections.abc import Iterator

import attrs

from chaffra_core._findings import Finding, Location, Severity, make_anchor, qualify
from chaffra_core.analyzers.security._redact import redact
from chaffra_core.analyzers.security._rules import (
    MODULE_ID,
    RULE_INFO,
    Confidence,
    names_a_field,
)

__all__ = ["PROVIDERS", "SecretMatch", "scan_secrets", "shannon_entropy"]

PROVIDERS: dict[str, tuple[str, str]] = {
    # group name: (what it is, pattern; the secret is the group itself)
    "aws_key_id": ("AWS access key id", r"\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b"),
    "aws_secret": (
        "AWS secret access key",
        r"(?i:aws_?secret_?(?:access_?)?key)[\"']?\s*[:=]\s*[\"']?(?P<aws_secret_v>[A-Za-z0-9/+=]{40})(?![A-Za-z0-9/+=])",
    ),
    "github": (
        "GitHub token",
        r"\b(?:gh[pousr]_[A-Za-z0-9]{36,255}|github_pat_[A-Za-z0-9_]{82})\b",
    ),
    "gitlab": ("GitLab token", r"\bglpat-[A-Za-z0-9_-]{20,}"),
    "slack_token": ("Slack token", r"\bxox[abposr]-[A-Za-z0-9-]{10,}"),
    "slack_webhook": (
        "Slack webhook URL",
        r"https://hooks\.slack\.com/services/T[A-Za-z0-9_]+/B[A-Za-z0-9_]+/[A-Za-z0-9_]{16,}",
    ),
    "stripe": ("Stripe secret key", r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{24,}"),
    "google": ("Google API key", r"\bAIza[0-9A-Za-z_-]{35}"),
    "azure": (
        "Azure storage account key",
        r"(?i:AccountKey)\s*[:=]\s*[\"']?(?P<azure_v>[A-Za-z0-9+/]{86}==)",
    ),
    "twilio": ("Twilio key", r"\b(?:SK|AC)[0-9a-f]{32}\b"),
    "sendgrid": ("SendGrid API key", r"\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b"),
    "npm": ("npm token", r"\bnpm_[A-Za-z0-9]{36}\b"),
    "pypi": ("PyPI token", r"\bpypi-AgEIcHlwaS5vcmc[A-Za-z0-9_-]{50,}"),
    "private_key": (
        "private key",
        r"-----BEGIN (?:RSA |EC |DSA |OPENSSH |PGP |ENCRYPTED )?PRIVATE KEY(?: BLOCK)?-----",
    ),
    "jwt": (
        "JSON web token",
        r"\beyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}",
    ),
    "basic_auth": (
        "password in a URL",
        r"\b[a-z][a-z0-9+.-]{1,20}://[^\s/:@\"'`]{1,64}:(?P<basic_auth_v>[^\s/:@\"'`]{3,128})@[\w.-]+",
    ),
}
"""Provider detectors by name: (description, regular expression)."""

_SCANNED: dict[str, tuple[str, ...]] = {
    # Patterns that start with alternatives scan as one pattern per alternative: a pattern
    # that starts with literal text is found many times faster (same matches: they cannot
    # overlap). The others scan as written in PROVIDERS.
    "stripe": (
        r"\bsk_(?:live|test)_[A-Za-z0-9]{24,}",
        r"\brk_(?:live|test)_[A-Za-z0-9]{24,}",
    ),
    "twilio": (r"\bSK[0-9a-f]{32}\b", r"\bAC[0-9a-f]{32}\b"),
}
_MARKERS: dict[str, str] = {
    # Lower-case text a match must contain, for the patterns that do not start with
    # literal text (case-insensitive): they are scanned only in files that have it.
    "aws_secret": "aws",
    "azure": "accountkey",
}
_SCHEME = r"\b[a-z][a-z0-9+.-]{1,20}"
_SCHEME_BEFORE = re.compile(_SCHEME + r"\Z")


def _compile(name: str, regex: str) -> tuple[re.Pattern[str], str]:
    """A provider's pattern as scanned, and what to check before each match: a leading
    ``\\b`` (``"word"``) or URL scheme (``"scheme"``) is checked on the text before the
    match, because a pattern that starts with literal text is found many times faster."""
    if regex.startswith(_SCHEME):
        return re.compile(f"(?P<{name}>{regex[len(_SCHEME) :]})"), "scheme"
    if regex.startswith(r"\b"):
        return re.compile(f"(?P<{name}>{regex[2:]})"), "word"
    return re.compile(f"(?P<{name}>{regex})"), ""


def _led(text: str, start: int, lead: str) -> bool:
    """Whether the match at ``start`` has what its pattern's dropped prefix required."""
    if lead == "scheme":
        return _SCHEME_BEFORE.search(text, max(0, start - 21), start) is not None
    if lead and start:
        before = text[start - 1]
        return not (before.isalnum() or before == "_")
    return True


_REGEXES = tuple(
    (name, *_compile(name, regex))
    for name, (_, written) in PROVIDERS.items()
    for regex in _SCANNED.get(name, (written,))
)
_VALUE_GROUPS = {"aws_secret": "aws_secret_v", "azure": "azure_v", "basic_auth": "basic_auth_v"}

_KEYWORD = (
    r"password|passwd|passphrase|pwd|secret|token|api[_-]?key|apikey|access[_-]?key|"
    r"private[_-]?key|auth|credential|signing[_-]?key|client[_-]?secret|salt"
)
_KEYWORD_RE = re.compile(rf"(?i:{_KEYWORD})")
# The same keywords by their first letters: each starts with literal text (found many
# times faster) and no two match at one offset, so the leftmost non-overlapping matches
# of all of them are those of _KEYWORD.
_KEYWORDS_LOWER = tuple(
    re.compile(keyword)
    for keyword in (
        "pass(?:word|wd|phrase)",
        "pwd",
        "secret",
        "token",
        "api[_-]?key",
        "access[_-]?key",
        "private[_-]?key",
        "auth",
        "credential",
        "signing[_-]?key",
        "client[_-]?secret",
        "salt",
    )
)
# What follows a keyword: the rest of the key, an assignment operator and a value.
_TAIL = re.compile(
    r"(?P<rest>[A-Za-z0-9_.-]*)[\"']?\s*(?::=|=>|=|:)\s*"
    r"(?:(?P<quote>[\"'])(?P<quoted>[^\"'\n]{1,512})(?P=quote)|(?P<bare>[^\s\"'`,;#]{1,512}))"
)
_KEY_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_.-")
_STRONG_KEY = re.compile(r"(?i)pass|pwd|secret")
_PLACEHOLDER = re.compile(
    r"^(?:\$\{?.*|\{\{.*|%\(.*|<.*>|\*+|x+|\.+|-+|none|null|nil|true|false|changeme_?|"
    r"your[_-].*|example.*|dummy.*|fake.*|test|testing|password|secret|redacted|todo|tbd|"
    r"os\.environ.*|env\(.*|!.*|[A-Z_]+)$",
    re.IGNORECASE,
)
_UUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_BASE64 = re.compile(r"^[A-Za-z0-9+/_=-]{20,}$")
_HEX = re.compile(r"^[0-9a-fA-F]{32,}$")
_DOTTED = re.compile(r"^[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)+$")
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z_.-]*$")
_HASH_CONTEXT = re.compile(
    r"(?i)sha(?:1|256|384|512)[:=-]|md5[:=]|--hash|integrity|checksum|digest"
)
_NEWLINE = re.compile("\n")
_ALLOW = "pragma: allowlist secret"
_ALLOW_NEXT = "pragma: allowlist nextline secret"
_LOCK_FILES = frozenset({"uv.lock", "poetry.lock", "Pipfile.lock", "package-lock.json"})
_LOCK_FILES |= {"yarn.lock", "pnpm-lock.yaml", "Cargo.lock", "composer.lock", "go.sum"}


def shannon_entropy(value: str) -> float:
    """Bits per character of ``value`` (0 for the empty string)."""
    if not value:
        return 0.0
    counts = Counter(value)
    size = len(value)
    return -sum(n / size * math.log2(n / size) for n in counts.values())


@attrs.frozen(kw_only=True)
class SecretMatch:
    """One secret in a file (the value stays in memory; only its redaction goes out)."""

    rule: str
    kind: str
    detector: str
    line: int
    column: int
    value: str
    confidence: Confidence


def scan_secrets(
    path: str, text: str, *, python: bool, test_code: bool, skip_lines: frozenset[int] = frozenset()
) -> list[Finding]:
    """The secret findings of one file (at most one per line; ``skip_lines`` are allow-listed)."""
    return [
        _finding(path, match, test_code=test_code)
        for match in _matches(path, text, python=python)
        if match.line not in skip_lines
    ]


class _Lines:
    """Line numbers of offsets in one text (the line starts are found when first needed:
    most files have no candidate at all)."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._starts: list[int] | None = None

    @property
    def starts(self) -> list[int]:
        if self._starts is None:
            self._starts = [0, *(m.end() for m in _NEWLINE.finditer(self.text))]
        return self._starts

    def line(self, offset: int) -> int:
        return bisect.bisect_right(self.starts, offset)


def _matches(path: str, text: str, *, python: bool) -> Iterator[SecretMatch]:
    lines = _Lines(text)
    allowed = _allowed_lines(text, lines.starts) if "allowlist" in text else set()
    taken: set[int] = set(allowed)
    name = path.rpartition("/")[2]
    lowered = text.lower()
    same_offsets = len(lowered) == len(text)
    provider_matches = sorted(
        (
            (m.start(), name, m)
            for name, regex, lead in _REGEXES
            if not same_offsets or name not in _MARKERS or _MARKERS[name] in lowered
            for m in regex.finditer(text)
            if _led(text, m.start(), lead)
        ),
        key=lambda item: item[0],
    )
    for _, detector, match in provider_matches:
        value_group = _VALUE_GROUPS.get(detector)
        value = match.group(value_group) if value_group else match.group(detector)
        start = match.start(value_group) if value_group else match.start(detector)
        line = lines.line(start)
        if line in taken or (detector == "basic_auth" and _PLACEHOLDER.match(value)):
            continue
        taken.add(line)
        yield SecretMatch(
            rule="hardcoded-secret",
            kind=PROVIDERS[detector][0],
            detector=detector,
            line=line,
            column=start - lines.starts[line - 1],
            value=value,
            confidence=Confidence.HIGH,
        )
    if name in _LOCK_FILES:
        return
    resume = 0
    keywords = _keywords(lowered) if same_offsets else _KEYWORD_RE.finditer(text)
    for keyword in keywords:
        if keyword.start() < resume:
            continue
        tail = _TAIL.match(text, keyword.end())
        if tail is None:
            continue
        resume = tail.end()
        start = keyword.start()
        while start > 0 and text[start - 1] in _KEY_CHARS:
            start -= 1
        line = lines.line(start)
        line_start = lines.starts[line - 1]
        if line in taken or _in_comment(text, line_start, start, python=python):
            continue
        found = _assignment(text[start : tail.end("rest")], tail, python=python)
        if found is None:
            continue
        rule, kind, detector, value, confidence = found
        taken.add(line)
        value_start = tail.start("quoted") if tail["quoted"] is not None else tail.start("bare")
        yield SecretMatch(
            rule=rule,
            kind=kind,
            detector=detector,
            line=line,
            column=value_start - line_start,
            value=value,
            confidence=confidence,
        )


def _keywords(lowered: str) -> list[re.Match[str]]:
    """The matches of :data:`_KEYWORD` in ``lowered``, leftmost first, none overlapping."""
    found = sorted(
        (m for regex in _KEYWORDS_LOWER for m in regex.finditer(lowered)), key=lambda m: m.start()
    )
    kept: list[re.Match[str]] = []
    end = 0
    for match in found:
        if match.start() >= end:
            kept.append(match)
            end = match.end()
    return kept


def _assignment(
    key: str, match: re.Match[str], *, python: bool
) -> tuple[str, str, str, str, Confidence] | None:
    value = match["quoted"] if match["quoted"] is not None else match["bare"]
    if match["quoted"] is None and python:
        return None  # an unquoted value in Python is an expression, not a literal
    value = value.strip()
    if len(value) < 6 or _PLACEHOLDER.match(value) or " " in value.strip():
        return None
    if _HASH_CONTEXT.search(key) or _HASH_CONTEXT.match(value):
        return None
    entropy = _entropy_kind(value)
    if names_a_field(key, value):
        return None
    if _STRONG_KEY.search(key) and not _DOTTED.match(value) and not _UUID.match(value):
        return ("hardcoded-secret", f"`{key}` assignment", "keyword", value, Confidence.MEDIUM)
    if entropy is not None:
        return (
            "high-entropy-string",
            f"{entropy} string in `{key}`",
            entropy,
            value,
            Confidence.MEDIUM,
        )
    return None


def _entropy_kind(value: str) -> str | None:
    """``"hex"`` or ``"base64"`` for a random-looking value, else ``None``."""
    if _UUID.match(value) or _IDENTIFIER.match(value):
        return None
    if _HEX.match(value):
        return "hex" if shannon_entropy(value) >= 3.0 else None
    if _BASE64.match(value) and any(c.isdigit() for c in value):
        return "base64" if shannon_entropy(value) >= 4.5 else None
    return None


def _in_comment(text: str, line_start: int, at: int, *, python: bool) -> bool:
    return text[line_start:at].lstrip().startswith(("#", "//", ";"))


def _allowed_lines(text: str, starts: list[int]) -> set[int]:
    allowed: set[int] = set()
    for marker, offset in ((_ALLOW, 0), (_ALLOW_NEXT, 1)):
        position = text.find(marker)
        while position >= 0:
            allowed.add(bisect.bisect_right(starts, position) + offset)
            position = text.find(marker, position + 1)
    allowed.discard(0)
    return allowed


def _finding(path: str, match: SecretMatch, *, test_code: bool) -> Finding:
    shown = redact(match.value)
    confidence = Confidence.LOW if test_code else match.confidence
    severity = RULE_INFO[match.rule].severity
    if test_code:
        severity = Severity.INFO
    if match.rule == "hardcoded-secret":
        message = f"hard-coded {match.kind} ({shown})"
    else:
        message = f"high-entropy {match.kind} may be a secret ({shown})"
    return Finding(
        rule_id=qualify(MODULE_ID, match.rule),
        message=message,
        severity=severity,
        location=Location(
            file=path,
            start_line=match.line,
            end_line=match.line,
            start_column=match.column,
            end_column=match.column + len(match.value),
        ),
        confidence=confidence.score,
        metadata={
            "secret": shown,
            "secret_type": match.kind,
            "detector": match.detector,
            "confidence": confidence.value,
            "cwe": f"CWE-{RULE_INFO[match.rule].cwe}",
        },
        anchor=make_anchor("<file>", f"{match.rule} {match.detector} {shown}"),
    )
