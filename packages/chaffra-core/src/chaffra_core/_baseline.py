"""Baselines: the findings a project accepted, so CI reports and gates only new ones.

The file is committed with the project (``chaffra baseline`` writes it; only
on that explicit command). It is built for review and merges: entries are
sorted and each is one line, so two branches that each fix or accept a finding
merge without conflict. A finding is identified by rule, file and anchor
(the enclosing symbol, never the line or the signature), or by its message
when its module sets no anchor, exactly as finding churn matches them; equal
keys count as often as they occur.
"""

from __future__ import annotations

import json
import os
import secrets
from collections import defaultdict
from collections.abc import Iterable
from pathlib import Path

import attrs

from chaffra_core._findings import Finding
from chaffra_core._reading import ReadRefused, read_file
from chaffra_core._text import escape_surrogates
from chaffra_core.errors import ConfigError

__all__ = [
    "BASELINE_FILE_NAME",
    "Baseline",
    "BaselineComparison",
    "BaselineEntry",
]

BASELINE_FILE_NAME = ".chaffra-baseline.json"
"""The default baseline file, in the project root."""

_FORMAT_KEY = "chaffra_baseline"
_FORMAT_VERSION = 1


@attrs.frozen(kw_only=True, order=True)
class BaselineEntry:
    """One accepted finding: its root-relative ``file``, ``rule_id``, ``anchor`` and ``message``."""

    file: str
    rule_id: str
    anchor: str = ""
    message: str = ""

    @classmethod
    def of(cls, finding: Finding) -> BaselineEntry:
        """The entry that accepts ``finding``."""
        return cls(
            file=escape_surrogates(finding.location.file),
            rule_id=escape_surrogates(finding.rule_id),
            anchor=escape_surrogates(finding.anchor),
            message=escape_surrogates(finding.message),
        )

    @property
    def key(self) -> tuple[str, str, str]:
        """What matches a finding: rule, file and anchor (the message without an anchor)."""
        return (self.rule_id, self.file, self.anchor or f"message:{self.message}")


@attrs.frozen(kw_only=True)
class BaselineComparison:
    """Findings split by a baseline: ``new``, ``known``, and the ``resolved`` entries."""

    new: tuple[Finding, ...]
    known: tuple[Finding, ...]
    resolved: tuple[BaselineEntry, ...]


def _sorted_entries(entries: Iterable[BaselineEntry]) -> tuple[BaselineEntry, ...]:
    return tuple(sorted(entries))


@attrs.frozen(kw_only=True)
class Baseline:
    """A sorted multiset of accepted findings."""

    entries: tuple[BaselineEntry, ...] = attrs.field(converter=_sorted_entries)

    @classmethod
    def of(cls, findings: Iterable[Finding]) -> Baseline:
        """The baseline that accepts every finding in ``findings``."""
        return cls(entries=tuple(BaselineEntry.of(f) for f in findings))

    def compare(self, findings: Iterable[Finding]) -> BaselineComparison:
        """Which of ``findings`` are new, which known, and which entries no finding matches."""
        pending: dict[tuple[str, str, str], list[BaselineEntry]] = defaultdict(list)
        for entry in self.entries:
            pending[entry.key].append(entry)
        new: list[Finding] = []
        known: list[Finding] = []
        for finding in findings:
            waiting = pending.get(BaselineEntry.of(finding).key)
            if waiting:
                waiting.pop()
                known.append(finding)
            else:
                new.append(finding)
        resolved = sorted(entry for entries in pending.values() for entry in entries)
        return BaselineComparison(new=tuple(new), known=tuple(known), resolved=tuple(resolved))

    def dumps(self) -> str:
        """The file's text: a JSON object, one entry per line, sorted, trailing newline."""
        lines = [json.dumps(attrs.asdict(entry), ensure_ascii=False) for entry in self.entries]
        body = ",\n    ".join(lines)
        findings = f"[\n    {body}\n  ]" if lines else "[]"
        return f'{{\n  "{_FORMAT_KEY}": {_FORMAT_VERSION},\n  "findings": {findings}\n}}\n'

    def write(self, path: Path) -> None:
        """Write the baseline to ``path`` (UTF-8), atomically.

        ``path`` is replaced, never written through: a symlink a repository
        committed there (``.chaffra-baseline.json -> ~/.bashrc``) is replaced by
        the file and its target is left alone.

        Raises:
            OSError: the file could not be written (no temporary file is left).
        """
        temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
        with open(os.open(temporary, flags, 0o666), "w", encoding="utf-8") as stream:
            stream.write(self.dumps())
        try:
            os.replace(temporary, path)
        except OSError:
            os.unlink(temporary)
            raise

    @classmethod
    def loads(cls, text: str, *, source: str = "<baseline>") -> Baseline:
        """Parse a baseline file's text.

        Raises:
            ConfigError: the text is not a chaffra baseline, naming ``source``.
        """
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ConfigError(f"not a JSON baseline: {error}", path=source) from None
        except RecursionError:  # arrays or objects nested thousands deep
            raise ConfigError("not a JSON baseline: nested too deeply", path=source) from None
        if not isinstance(data, dict) or data.get(_FORMAT_KEY) != _FORMAT_VERSION:
            raise ConfigError(
                f'not a chaffra baseline (expected "{_FORMAT_KEY}": {_FORMAT_VERSION}; '
                "write one with `chaffra baseline`)",
                path=source,
            )
        rows = data.get("findings")
        if not isinstance(rows, list):
            raise ConfigError('"findings" must be an array', path=source)
        return cls(entries=tuple(_entry(row, source, index) for index, row in enumerate(rows)))

    @classmethod
    def read(cls, path: Path) -> Baseline:
        """Read the baseline file at ``path``.

        Raises:
            ConfigError: the file is missing, unreadable, not a regular file (a
                committed link to ``/dev/zero``), too large or not a baseline.
        """
        data = read_file(path)
        if isinstance(data, ReadRefused):
            raise ConfigError(f"cannot read baseline: {data.reason}", path=str(path))
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError("cannot read baseline: not UTF-8", path=str(path)) from None
        return cls.loads(text, source=str(path))


def _entry(row: object, source: str, index: int) -> BaselineEntry:
    fields = ("file", "rule_id", "anchor", "message")
    if (
        not isinstance(row, dict)
        or not {"file", "rule_id"} <= row.keys() <= set(fields)
        or not all(isinstance(row[key], str) for key in row)
    ):
        raise ConfigError(
            f"findings[{index}] must be an object of strings with file and rule_id "
            "(and optional anchor, message)",
            path=source,
        )
    return BaselineEntry(**row)
