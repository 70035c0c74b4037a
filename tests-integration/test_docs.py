"""The repository's documentation stands alone and agrees with the code."""

from __future__ import annotations

import re
from pathlib import Path

import chaffra_core

REPO = Path(__file__).resolve().parents[1]
_LINK = re.compile(r"\]\((?P<target>[^)#\s]+)(?:#[^)]*)?\)")


def _documents() -> list[Path]:
    return [
        REPO / "README.md",
        *sorted((REPO / "docs").glob("*.md")),
        *sorted(REPO.glob("packages/*/README.md")),
    ]


def test_relative_links_in_the_docs_lead_to_files_of_the_repository() -> None:
    """A clone has no ``../shared``: every relative link resolves inside the repository."""
    broken = []
    for document in _documents():
        for found in _LINK.finditer(document.read_text(encoding="utf-8")):
            target = found["target"]
            if re.match(r"[a-z][a-z0-9+.-]*:", target):  # http:, https:, mailto:
                continue
            resolved = (document.parent / target).resolve()
            if not resolved.is_relative_to(REPO) or not resolved.exists():
                broken.append(f"{document.relative_to(REPO)}: {target}")
    assert [] == broken


def test_the_readme_keeps_its_two_commands() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "python -m pip install -q uv && uv run chaffra health ." in readme
    assert "python -m pip install -q uv && uv run nox" in readme


def test_the_peer_code_table_in_the_docs_is_the_registry() -> None:
    text = (REPO / "docs" / "suppressions.md").read_text(encoding="utf-8")
    row = re.compile(r"^\| ([^|]+) \| `# (\w+)(?:: (\w+))?` \| ([^|]+) \|$", re.M)
    rows = row.findall(text)
    documented = {
        (marker, code): (tool.strip(), tuple(r.strip(" `") for r in rules.split(",")))
        for tool, marker, code, rules in rows
    }
    chaffra_core.ModuleHost.default()  # loading the analyzers registers their peer codes
    registered = {key: (peer.tool, peer.rules) for key, peer in chaffra_core.PEER_CODES.items()}
    assert registered == documented


def test_every_table_in_the_docs_starts_with_its_header() -> None:
    """A table row after a blank line (a table split in two) renders as plain text."""
    headless = []
    for document in _documents():
        text = re.sub(r"```.*?```", "", document.read_text(encoding="utf-8"), flags=re.S)
        lines = ["", *text.splitlines(), ""]
        for before, line, after in zip(lines, lines[1:], lines[2:], strict=False):
            starts = line.startswith("|") and not before.startswith("|")
            if starts and not re.fullmatch(r"\|(?:\s*:?-+:?\s*\|)+", after.strip()):
                headless.append(f"{document.relative_to(REPO)}: {line[:60]}")
    assert [] == headless
