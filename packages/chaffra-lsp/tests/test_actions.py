"""The code actions' edits: the dead-code module's safe fix as one minimal text edit."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from lsprotocol import types

from chaffra_core import Finding, Location, Severity
from chaffra_core.analyzers.dead_code import DeadCodeModule
from chaffra_lsp import ServerSettings, create_server
from chaffra_lsp._actions import code_actions, safe_fix_edit
from chaffra_lsp.testing import LspClient


def _apply(text: str, edit: types.TextEdit) -> str:
    lines = text.splitlines(keepends=True)
    start, end = edit.range.start.line, edit.range.end.line
    return "".join(lines[:start]) + edit.new_text + "".join(lines[end:])


_LINES = st.lists(st.sampled_from(["a\n", "b\n", "c\n", "\n"]), max_size=8).map("".join)


@given(_LINES, _LINES)
def test_the_safe_fix_edit_turns_the_text_into_the_fixed_text(text: str, fixed: str) -> None:
    assert fixed == _apply(text, safe_fix_edit(text, fixed))


def test_the_edit_replaces_only_the_lines_that_differ() -> None:
    edit = safe_fix_edit("import os\nimport sys\n\nprint(sys)\n", "import sys\n\nprint(sys)\n")

    assert (
        types.Range(
            start=types.Position(line=0, character=0), end=types.Position(line=1, character=0)
        )
        == edit.range
    )
    assert "" == edit.new_text


def _unused_import(line: int, name: str) -> Finding:
    return Finding(
        rule_id="dead-code:unused-import",
        message=f"import `{name}` is never used",
        severity=Severity.WARNING,
        location=Location(file="m.py", start_line=line, end_line=line),
        metadata={"name": name, "confidence": "90"},
    )


def _diagnostic(line: int) -> types.Diagnostic:
    position = types.Position(line=line - 1, character=0)
    return types.Diagnostic(range=types.Range(start=position, end=position), message="")


def test_an_unused_import_gets_a_preferred_remove_action_keeping_the_other_names() -> None:
    text = "from os import path, sep\n\nprint(sep)\n"

    fix, suppress, docs = code_actions(
        "file:///m.py", text, [(_diagnostic(1), _unused_import(1, "path"))]
    )

    assert "Remove the unused import" == fix.title
    assert fix.is_preferred
    assert fix.edit is not None
    assert fix.edit.changes is not None
    assert "from os import sep\n\nprint(sep)\n" == _apply(text, fix.edit.changes["file:///m.py"][0])
    assert not suppress.is_preferred
    assert docs.command is not None


def test_an_import_the_fix_declines_gets_no_remove_action() -> None:
    text = "import os  # noqa\n"

    actions = code_actions("file:///m.py", text, [(_diagnostic(1), _unused_import(1, "os"))])

    assert ["Suppress", "Show"] == [a.title.split()[0] for a in actions]


def test_the_server_offers_removing_an_unused_import_found_by_the_dead_code_module(
    tmp_path: Path,
) -> None:
    (tmp_path / ".chaffra.toml").write_text("", encoding="utf-8")
    server = create_server(ServerSettings(use_cache=False, debounce_ms=0))
    client = LspClient.in_thread(server.start_io)
    try:
        client.initialize(tmp_path)
        uri = client.open(tmp_path / "m.py", text="import os\nimport sys\n\nprint(sys.argv)\n")
        published = client.diagnostics(uri, lambda p: bool(p.diagnostics))
        unused = [d for d in published.diagnostics if d.code == "dead-code:unused-import"]
        actions: list[types.CodeAction] = client.request(
            types.TEXT_DOCUMENT_CODE_ACTION,
            types.CodeActionParams(
                text_document=types.TextDocumentIdentifier(uri=uri),
                range=unused[0].range,
                context=types.CodeActionContext(diagnostics=unused),
            ),
            list[types.CodeAction],
        )
    finally:
        client.close()

    assert [DeadCodeModule().describe().id] == sorted({str(d.code).split(":")[0] for d in unused})
    preferred = [a for a in actions if a.is_preferred]
    assert ["Remove the unused import"] == [a.title for a in preferred]
    assert preferred[0].edit is not None
    assert preferred[0].edit.changes is not None
    assert "import sys\n\nprint(sys.argv)\n" == _apply(
        "import os\nimport sys\n\nprint(sys.argv)\n", preferred[0].edit.changes[uri][0]
    )


def test_the_fixes_come_before_every_diagnostics_suppression_and_documentation() -> None:
    text = "import os\n"
    other = Finding(
        rule_id="complexity:low-health-score",
        message="low",
        severity=Severity.INFO,
        location=Location(file="m.py", start_line=1, end_line=1),
    )

    actions = code_actions(
        "file:///m.py",
        text,
        [(_diagnostic(1), other), (_diagnostic(1), _unused_import(1, "os"))],
    )

    assert ["Remove", "Suppress", "Show", "Suppress", "Show"] == [
        a.title.split()[0] for a in actions
    ]
