"""The language server over real pipes, driven by an lsprotocol-typed client."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest
from lsprotocol import types

from chaffra_core import (
    Action,
    AnalysisResult,
    FileContext,
    FileResult,
    FileSummary,
    Finding,
    FixResult,
    Location,
    ModuleConfig,
    ModuleHost,
    ModuleInfo,
    ProjectContext,
    Rule,
    RuleExplanation,
    Severity,
    TextEdit,
)
from chaffra_core.analyzers.complexity import ComplexityModule
from chaffra_lsp import ServerSettings, create_server
from chaffra_lsp.testing import LspClient, LspError
from chaffra_telemetry import LiveTelemetryState, SqliteStore, TelemetryAudience

COMPLEX = """def tangled(a, b, c, d):
    if a and b or c and d:
        for x in range(a):
            if x % 2:
                while b:
                    if c:
                        b -= 1
                    elif d:
                        b -= 2
                    else:
                        break
    if a:
        return 1
    elif b:
        return 2
    elif c:
        return 3
    return 4
"""


class _Names:
    def __init__(self) -> None:
        self.defined: list[tuple[str, int, int]] = []
        self.used: set[str] = set()
        self._depth = 0

    def enter_FunctionDef(self, node: object) -> None:
        if self._depth == 0:
            self.defined.append((node.name, node.lineno, node.end_lineno))  # type: ignore[attr-defined]
        self._depth += 1

    def leave_FunctionDef(self, node: object) -> None:
        self._depth -= 1

    def enter_Name(self, node: object) -> None:
        self.used.add(node.id)  # type: ignore[attr-defined]


class _Analyzer:
    needs_functions = False

    def visitor(self, file: FileContext) -> _Names:
        return _Names()

    def finish(self, file: FileContext, visitor: object | None) -> FileResult:
        assert isinstance(visitor, _Names)
        return FileResult(facts={"defined": visitor.defined, "used": sorted(visitor.used)})


class UnusedModule:
    """Cross-file: a top-level function no file uses, with a safe fix deleting it."""

    def describe(self) -> ModuleInfo:
        rule = Rule(
            id="unused:unused-function",
            name="unused function",
            description="A function nothing calls.",
            default_severity=Severity.WARNING,
            category="dead-code",
        )
        return ModuleInfo(
            id="unused",
            name="unused",
            version="1",
            languages=("python",),
            capabilities=(),
            rules=(rule,),
        )

    def file_analyzer(self, config: ModuleConfig) -> _Analyzer:
        return _Analyzer()

    def combine(
        self, files: Sequence[FileSummary], config: ModuleConfig, project: ProjectContext
    ) -> AnalysisResult:
        used = {name for f in files for name in f.results["unused"].facts["used"]}
        findings = tuple(
            Finding(
                rule_id="unused:unused-function",
                message=f"function `{name}` is never used",
                severity=Severity.WARNING,
                location=Location(file=f.path, start_line=start, end_line=start),
                actions=(
                    Action(
                        description=f"Remove `{name}`",
                        auto_fixable=True,
                        edits=(TextEdit(file=f.path, start_line=start, end_line=end, new_text=""),),
                    ),
                ),
            )
            for f in files
            for name, start, end in f.results["unused"].facts["defined"]
            if name not in used
        )
        return AnalysisResult(findings=findings)

    def explain(self, rule: str) -> RuleExplanation:
        return RuleExplanation(
            rule_id="unused:unused-function",
            name="unused function",
            description="A function nothing calls.",
            rationale="Dead code costs reading time.",
            default_severity=Severity.WARNING,
            suppression_syntax="# chaffra: ignore[unused:unused-function]",
        )

    def fix(self, findings: Sequence[Finding], *, dry_run: bool) -> list[FixResult]:
        return []


def host() -> ModuleHost:
    return ModuleHost([ComplexityModule(), UnusedModule()])


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write(
        tmp_path / "project",
        {
            ".chaffra.toml": "",
            "a.py": "def helper():\n    return 1\n",
            "b.py": "def main():\n    return helper()\n\n\nmain()\n",
        },
    )


def start(settings: ServerSettings | None = None) -> LspClient:
    server = create_server(settings or ServerSettings(use_cache=False, debounce_ms=0), host=host())
    return LspClient.in_thread(server.start_io)


@pytest.fixture
def client() -> Iterator[LspClient]:
    lsp = start()
    try:
        yield lsp
    finally:
        lsp.close()


@pytest.fixture
def saving_client() -> Iterator[LspClient]:
    """A client whose changes are never analysed before a save: only the save analyses
    and records, so a pull queued after its diagnostics waits for its run."""
    lsp = start(ServerSettings(use_cache=False, debounce_ms=60_000))
    try:
        yield lsp
    finally:
        lsp.close()


def _codes(params: types.PublishDiagnosticsParams) -> list[str]:
    return sorted(str(d.code) for d in params.diagnostics)


def _runs(root: Path) -> int:
    store = SqliteStore.for_project(root)
    try:
        return LiveTelemetryState(store).snapshot_count()
    finally:
        store.close()


def _identifier(uri: str) -> types.TextDocumentIdentifier:
    return types.TextDocumentIdentifier(uri=uri)


def test_editing_one_document_republishes_another_whose_cross_file_findings_changed(
    client: LspClient, project: Path
) -> None:
    client.initialize(project)
    a = client.open(project / "a.py")
    assert not client.diagnostics(a).diagnostics
    b = client.open(project / "b.py")
    client.diagnostics(b)

    client.change(b, "def main():\n    return 2\n\n\nmain()\n", version=2)

    republished = client.diagnostics(a, lambda p: bool(p.diagnostics))
    assert ["unused:unused-function"] == _codes(republished)
    assert (types.DiagnosticTag.Unnecessary,) == republished.diagnostics[0].tags
    assert 1 == republished.version
    assert 1 == _runs(project)  # the project's first analysis only: no run per keystroke


def test_each_save_is_one_stored_run_of_the_whole_project(
    saving_client: LspClient, project: Path
) -> None:
    client = saving_client
    client.initialize(project)
    uri = client.open(project / "b.py")
    client.diagnostics(uri)
    (project / "b.py").write_text(COMPLEX + "\ntangled(1, 2, 3, 4)\n", encoding="utf-8")

    client.change(uri, COMPLEX + "\ntangled(1, 2, 3, 4)\n", version=2)
    client.save(uri)

    saved = client.diagnostics(uri, lambda p: "complexity:high-cyclomatic" in _codes(p))
    assert 2 == saved.version
    client.recorded(uri)  # the run follows the diagnostics, on a thread of its own
    assert 2 == _runs(project)
    store = SqliteStore.for_project(project)
    try:
        current = LiveTelemetryState(store).current(audience=TelemetryAudience.USER_ONLY)
    finally:
        store.close()
    assert current is not None
    assert 2 == current.user_summary.files_total


def test_hover_shows_complexity_rank_the_trend_over_saves_and_the_rule(
    saving_client: LspClient, project: Path
) -> None:
    client = saving_client
    client.initialize(project)
    simple = "def tangled(a):\n    if a:\n        return 1\n    return 2\n\n\ntangled(1)\n"
    write(project, {"c.py": simple})
    uri = client.open(project / "c.py")
    client.diagnostics(uri)
    client.save(uri)
    client.recorded(uri)
    write(project, {"c.py": COMPLEX + "\ntangled(1, 2, 3, 4)\n"})
    client.change(uri, COMPLEX + "\ntangled(1, 2, 3, 4)\n", version=2)
    client.save(uri)
    client.diagnostics(uri, lambda p: bool(p.diagnostics))
    client.recorded(uri)

    hover: types.Hover | None = client.request(
        types.TEXT_DOCUMENT_HOVER,
        types.HoverParams(
            text_document=_identifier(uri), position=types.Position(line=0, character=5)
        ),
        types.Hover | None,
    )

    assert hover is not None
    assert isinstance(hover.contents, types.MarkupContent)
    text = hover.contents.value
    assert "**tangled** — cyclomatic 13 (rank C), cognitive 23" in text
    assert "cognitive 1 → 23 over the last 3 runs" in text  # start, two saves: stored runs
    assert "health" in text  # the project's trend from the store
    assert "Suppress: `# chaffra: ignore[complexity:high-cyclomatic]`" in text
    nowhere: types.Hover | None = client.request(
        types.TEXT_DOCUMENT_HOVER,
        types.HoverParams(
            text_document=_identifier((project / "missing.py").as_uri()),
            position=types.Position(line=0, character=0),
        ),
        types.Hover | None,
    )
    assert nowhere is None


def test_code_actions_offer_the_modules_fix_a_suppression_and_the_rule_documentation(
    client: LspClient, project: Path
) -> None:
    client.initialize(project)
    uri = client.open(project / "c.py", text="import os\n\n\ndef orphan():\n    return 1\n")
    published = client.diagnostics(uri, lambda p: bool(p.diagnostics))

    actions: list[types.CodeAction] = client.request(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionParams(
            text_document=_identifier(uri),
            range=published.diagnostics[0].range,
            context=types.CodeActionContext(diagnostics=published.diagnostics),
        ),
        list[types.CodeAction],
    )

    fix, suppress, docs = actions
    assert fix.is_preferred
    assert fix.edit is not None
    assert fix.edit.changes is not None
    assert [
        types.TextEdit(
            range=types.Range(
                start=types.Position(line=3, character=0),
                end=types.Position(line=5, character=0),
            ),
            new_text="",
        )
    ] == list(fix.edit.changes[uri])
    assert suppress.edit is not None
    assert suppress.edit.changes is not None
    assert "# chaffra: ignore[unused:unused-function]\n" == suppress.edit.changes[uri][0].new_text
    assert docs.command is not None
    shown: str = client.request(
        types.WORKSPACE_EXECUTE_COMMAND,
        types.ExecuteCommandParams(command=docs.command.command, arguments=docs.command.arguments),
        str,
    )
    assert "Dead code costs reading time." in shown
    client.wait(types.WINDOW_SHOW_MESSAGE, lambda p: "Dead code" in p["message"])


def test_a_broken_config_is_shown_on_the_config_file_once_and_a_fix_is_picked_up(
    client: LspClient, project: Path
) -> None:
    (project / ".chaffra.toml").write_text("[project\n", encoding="utf-8")
    client.initialize(project)
    config_uri = (project / ".chaffra.toml").as_uri()

    a = client.open(project / "a.py")
    assert not client.diagnostics(a).diagnostics
    on_config = client.diagnostics(config_uri)
    message = client.wait(types.WINDOW_SHOW_MESSAGE)
    b = client.open(project / "b.py")
    client.diagnostics(b)
    (project / ".chaffra.toml").write_text("", encoding="utf-8")
    client.notify(
        types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
        types.DidChangeWatchedFilesParams(
            changes=[types.FileEvent(uri=config_uri, type=types.FileChangeType.Changed)]
        ),
    )

    assert not client.diagnostics(config_uri, lambda p: not p.diagnostics).diagnostics
    assert "invalid TOML" in on_config.diagnostics[0].message
    assert 0 == on_config.diagnostics[0].range.start.line
    assert "configuration error" in message["params"]["message"]
    assert 1 == sum(1 for m in client.seen if m["method"] == types.WINDOW_SHOW_MESSAGE)
    assert any(
        m["method"] == "client/registerCapability" for m in client.seen
    )  # the server asked to be told about config changes


def test_pull_diagnostics_answer_for_a_document_and_the_whole_workspace(
    client: LspClient, project: Path
) -> None:
    write(project, {"pkg/c.py": COMPLEX})
    client.initialize(project)

    workspace: types.WorkspaceDiagnosticReport = client.request(
        types.WORKSPACE_DIAGNOSTIC,
        types.WorkspaceDiagnosticParams(previous_result_ids=[]),
        types.WorkspaceDiagnosticReport,
    )
    document: types.RelatedFullDocumentDiagnosticReport = client.request(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DocumentDiagnosticParams(text_document=_identifier((project / "a.py").as_uri())),
        types.RelatedFullDocumentDiagnosticReport,
    )

    by_uri = {
        item.uri: [str(d.code) for d in item.items]
        for item in workspace.items
        if isinstance(item, types.WorkspaceFullDocumentDiagnosticReport)
    }
    assert {(project / "pkg" / "c.py").as_uri()} == set(by_uri)
    assert "complexity:high-cyclomatic" in by_uri[(project / "pkg" / "c.py").as_uri()]
    assert not document.items


def test_malformed_messages_get_error_replies_and_the_server_keeps_serving(
    client: LspClient, project: Path
) -> None:
    client.initialize(project)

    client.send_raw("{not json")
    client.send_raw('{"jsonrpc": "2.0", "id": 41, "method": "textDocument/hover", "params": {}}')
    client.send_raw("[1, 2]")

    assert {"code": -32700, "message": "Parse Error"} == client.response(None)["error"]
    assert -32602 == client.response(41)["error"]["code"]
    assert -32600 == client.response(None)["error"]["code"]
    with pytest.raises(LspError) as unknown:
        client.request("chaffra/unknown", {}, Any)
    assert -32601 == unknown.value.code
    uri = client.open(project / "a.py")
    assert not client.diagnostics(uri).diagnostics
    assert client.shutdown() is None


def test_documents_outside_the_analysis_get_empty_diagnostics(
    client: LspClient, project: Path
) -> None:
    write(project, {"node_modules/x.py": COMPLEX, "notes.md": "# notes\n"})
    client.initialize(project)

    ignored = client.open(project / "node_modules" / "x.py")
    notes = client.open(project / "notes.md")
    client.notify(
        types.TEXT_DOCUMENT_DID_OPEN,
        types.DidOpenTextDocumentParams(
            text_document=types.TextDocumentItem(
                uri="untitled:Untitled-1", language_id="python", version=1, text=COMPLEX
            )
        ),
    )

    assert not client.diagnostics(ignored).diagnostics
    assert not client.diagnostics(notes).diagnostics


def test_closing_a_document_clears_it_and_the_disk_is_the_truth_again(
    client: LspClient, project: Path
) -> None:
    client.initialize(project)
    a = client.open(project / "a.py")
    client.diagnostics(a)
    b = client.open(project / "b.py", text="def main():\n    return 2\n\n\nmain()\n")
    assert ["unused:unused-function"] == _codes(
        client.diagnostics(a, lambda p: bool(p.diagnostics))
    )

    client.notify(
        types.TEXT_DOCUMENT_DID_CLOSE,
        types.DidCloseTextDocumentParams(text_document=_identifier(b)),
    )

    assert not client.diagnostics(b).diagnostics
    assert not client.diagnostics(a).diagnostics  # b.py on disk still uses helper


def test_a_file_changed_outside_the_editor_updates_open_documents(
    client: LspClient, project: Path
) -> None:
    client.initialize(project)
    a = client.open(project / "a.py")
    client.diagnostics(a)
    (project / "b.py").write_text("x = 1\n", encoding="utf-8")

    client.notify(
        types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
        types.DidChangeWatchedFilesParams(
            changes=[
                types.FileEvent(uri=(project / "b.py").as_uri(), type=types.FileChangeType.Changed)
            ]
        ),
    )

    assert ["unused:unused-function"] == _codes(
        client.diagnostics(a, lambda p: bool(p.diagnostics))
    )


@pytest.mark.parametrize("audience", ["on", "user-only", "operator-only", "off"])
def test_a_secret_in_the_source_reaches_no_diagnostic_hover_or_snapshot(
    tmp_path: Path, audience: str
) -> None:
    """Privacy canary: the source's literal never leaves the editor's own buffer."""
    canary = "CANARY-9f8e7d6c5b4a"
    root = write(
        tmp_path / "p",
        {
            ".chaffra.toml": "",
            "s.py": f'TOKEN = "{canary}"\n\n\n' + COMPLEX.replace("return 4", f'return "{canary}"'),
        },
    )
    from chaffra_core import CliOverrides

    lsp = start(
        ServerSettings(use_cache=False, debounce_ms=0, overrides=CliOverrides(telemetry=audience))
    )
    try:
        lsp.initialize(root)
        uri = lsp.open(root / "s.py")
        published = lsp.diagnostics(uri)
        lsp.save(uri)
        lsp.diagnostics(uri)
        lsp.recorded(uri)
        hover: types.Hover | None = lsp.request(
            types.TEXT_DOCUMENT_HOVER,
            types.HoverParams(
                text_document=_identifier(uri), position=types.Position(line=4, character=4)
            ),
            types.Hover | None,
        )
        lsp.request(
            types.TEXT_DOCUMENT_DIAGNOSTIC,
            types.DocumentDiagnosticParams(text_document=_identifier(uri)),
            types.RelatedFullDocumentDiagnosticReport,
        )
    finally:
        lsp.close()

    assert published.diagnostics
    assert hover is not None
    assert canary not in repr(published) + repr(hover)
    stored = (
        b"".join(p.read_bytes() for p in (root / ".chaffra").glob("*") if p.is_file())
        if (root / ".chaffra").exists()
        else b""
    )
    assert canary.encode() not in stored
    assert (audience == "off") == (not (root / ".chaffra").exists())
