"""The pygls server: a thin adapter from LSP messages to :class:`ProjectSession` updates.

Every analysis runs on one worker thread, in message order (never on the
event loop), so results for a document arrive in the order its edits did;
a result older than what was already published for a document is dropped.
A save's telemetry run follows its diagnostics on the session's own
background thread, so the next edit's analysis does not queue behind it.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import json
import logging
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, TypeVar

import attrs
from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInvalidRequest, JsonRpcParseError
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol
from pygls.uris import from_fs_path, to_fs_path

from chaffra_core import Finding, ModuleHost, ProjectSession, SessionUpdate
from chaffra_lsp._actions import EXPLAIN_COMMAND, code_actions
from chaffra_lsp._history import FunctionHistory
from chaffra_lsp._hover import (
    enclosing,
    explanation_markdown,
    function_markdown,
    project_trend,
)
from chaffra_lsp._mapping import SOURCE, diagnostics
from chaffra_lsp._projects import (
    CONFIG_ERRORS,
    CONFIG_NAMES,
    LSP_COMMAND,
    ConfigProblem,
    Projects,
    ServerSettings,
)
from chaffra_lsp._version import VERSION

if TYPE_CHECKING:
    from chaffra_telemetry.report import StoredReport

__all__ = ["RECORDED", "ChaffraServer", "create_server", "serve_stdio"]

RECORDED = "chaffra: recorded the run of the save of"
"""The start of the log message that follows a save's telemetry run (and its report)."""

logger = logging.getLogger(__name__)

_T = TypeVar("_T")


@attrs.frozen
class _Malformed:
    """A request that could not be read: answered with an error, then forgotten."""

    msg_id: Any
    error: JsonRpcException


class _Protocol(LanguageServerProtocol):
    """pygls' protocol, answering a malformed request with an error instead of dropping it."""

    def structure_message(self, data: dict[str, Any]) -> Any:
        try:
            return super().structure_message(data)
        except JsonRpcException as error:
            if "id" in data and "method" in data:
                return _Malformed(msg_id=data["id"], error=error)
            raise

    def handle_message(self, message: Any) -> None:
        if isinstance(message, _Malformed):
            self._send_response(message.msg_id, error=message.error.to_response_error())
            return
        if not hasattr(message, "jsonrpc"):  # a JSON value that is no JSON-RPC message
            error = {"code": JsonRpcInvalidRequest.CODE, "message": JsonRpcInvalidRequest.MESSAGE}
            self._send_data({"jsonrpc": "2.0", "id": None, "error": error})
            return
        super().handle_message(message)


class ChaffraServer(LanguageServer):
    """chaffra's language server (see the package docstring for what it offers)."""

    def __init__(self, settings: ServerSettings, host: ModuleHost | None = None) -> None:
        super().__init__(
            "chaffra",
            VERSION,
            text_document_sync_kind=types.TextDocumentSyncKind.Full,
            protocol_cls=_Protocol,
        )
        self.settings = settings
        self.projects = Projects(settings, host if host is not None else ModuleHost.default())
        self.analysis = ThreadPoolExecutor(max_workers=1, thread_name_prefix="chaffra-analysis")
        self._timers: dict[str, asyncio.TimerHandle] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._published: dict[str, int | None] = {}
        self._shown: set[str] = set()
        self._config_uris: set[str] = set()
        self.function_history = FunctionHistory()

    def report_server_error(self, error: Exception, source: Any) -> None:
        """Log to stderr; a body that is not JSON gets a parse error reply (``id: null``)."""
        logger.error("chaffra lsp: %s: %s", type(error).__name__, error)
        if isinstance(error, json.JSONDecodeError):
            error_body = {"code": JsonRpcParseError.CODE, "message": JsonRpcParseError.MESSAGE}
            self.protocol._send_data({"jsonrpc": "2.0", "id": None, "error": error_body})

    # -- documents and projects -------------------------------------------------

    def folders(self) -> list[Path]:
        """The workspace folders as paths (the fallback project roots)."""
        found = [to_fs_path(f.uri) for f in self.workspace.folders.values()]
        if self.workspace.root_path:
            found.append(self.workspace.root_path)
        return [Path(os.path.abspath(p)) for p in found if p]

    def open_document(self, uri: str) -> tuple[str, int | None] | None:
        """The text and version the editor holds for ``uri``, if it is open."""
        document = self.workspace.text_documents.get(uri)
        return None if document is None else (document.source, document.version)

    def session_for(self, path: Path) -> ProjectSession | ConfigProblem:
        """``path``'s project session (made on first use), or its configuration problem."""
        try:
            return self.projects.session(path, self.folders())
        except CONFIG_ERRORS as error:
            return ConfigProblem.of(error)

    async def run(self, work: Callable[[], _T]) -> _T:
        """``work()`` on the analysis thread."""
        return await asyncio.get_running_loop().run_in_executor(self.analysis, work)

    async def analyse(self, uri: str, *, record: bool = False) -> None:
        """Re-analyse ``uri`` from the editor's text (else the disk) and publish every open
        document whose diagnostics changed; ``record`` a telemetry run (a save)."""
        path = to_fs_path(uri)
        if path is None or not uri.startswith("file:"):
            return
        held = self.open_document(uri)
        if held is None:
            return
        text, version = held

        def work() -> tuple[ProjectSession, SessionUpdate] | ConfigProblem | None:
            session = self.session_for(Path(path))
            if isinstance(session, ConfigProblem):
                return session
            if not self.function_history.loaded(session.root):
                self.function_history.load(session.root, session.config.telemetry.audience)
            if not session.covers(Path(path)):
                return None
            return session, session.update({Path(path): text})

        outcome = await self.run(work)
        if isinstance(outcome, ConfigProblem):
            self.config_failed(uri, version, outcome)
            return
        self.config_fixed()
        if outcome is None:
            self.publish(uri, version, [], text)
            return
        session, update = outcome
        self.publish(uri, version, update.findings.get(session.relative(Path(path)), ()), text)
        self.publish_changed(session, update, skip=uri)
        if record:  # after publishing, off the analysis thread: nobody waits for the run
            loop = asyncio.get_running_loop()

            def recorded(stored: StoredReport | None) -> None:
                audience = session.config.telemetry.audience
                self.function_history.load(session.root, audience, own=stored)
                with contextlib.suppress(RuntimeError):  # the server stopped: no one to tell
                    loop.call_soon_threadsafe(self.log_recorded, uri)

            session.record_soon(command=LSP_COMMAND, stderr=sys.stderr, then=recorded)

    def log_recorded(self, uri: str) -> None:
        """Say in the editor's log that the telemetry run of a save of ``uri`` is stored."""
        self.window_log_message(
            types.LogMessageParams(type=types.MessageType.Log, message=f"{RECORDED} {uri}")
        )

    def publish(
        self, uri: str, version: int | None, findings: Sequence[Finding], text: str
    ) -> None:
        """Publish ``findings`` for ``uri`` unless a newer version was published already."""
        published = self._published.get(uri)
        if version is not None and published is not None and version < published:
            return
        self._published[uri] = version
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(
                uri=uri, version=version, diagnostics=diagnostics(findings, text)
            )
        )

    def publish_changed(
        self, session: ProjectSession, update: SessionUpdate, *, skip: str | None = None
    ) -> None:
        """Republish the open documents (other than ``skip``) whose findings changed."""
        for relative, findings in update.findings.items():
            uri = from_fs_path(str(session.root / relative))
            if uri is None or uri == skip:
                continue
            held = self.open_document(uri)
            if held is not None:
                self.publish(uri, held[1], findings, held[0])

    def config_failed(self, uri: str, version: int | None, problem: ConfigProblem) -> None:
        """No analysis: clear ``uri``, put the error on the config file, tell the user once."""
        self.publish(uri, version, [], "")
        logger.error("Config error, skipping analysis: %s", problem.message)
        if problem.path is not None:
            config_uri = from_fs_path(str(problem.path))
            if config_uri is not None:
                line = max((problem.line or 1) - 1, 0)
                self._config_uris.add(config_uri)
                self.text_document_publish_diagnostics(
                    types.PublishDiagnosticsParams(
                        uri=config_uri,
                        diagnostics=[
                            types.Diagnostic(
                                range=types.Range(
                                    start=types.Position(line=line, character=0),
                                    end=types.Position(line=line + 1, character=0),
                                ),
                                severity=types.DiagnosticSeverity.Error,
                                source=SOURCE,
                                code="core:config-error",
                                message=problem.message,
                            )
                        ],
                    )
                )
        if problem.message not in self._shown:
            self._shown.add(problem.message)
            self.window_show_message(
                types.ShowMessageParams(
                    type=types.MessageType.Error,
                    message=f"chaffra: configuration error, no analysis: {problem.message}",
                )
            )

    def config_fixed(self) -> None:
        """Clear the diagnostics put on configuration files once a configuration works."""
        for uri in sorted(self._config_uris):
            self.text_document_publish_diagnostics(
                types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
            )
        self._config_uris.clear()
        self._shown.clear()

    # -- debounce ---------------------------------------------------------------

    def schedule(self, uri: str) -> None:
        """Analyse ``uri`` once the edits have paused for the debounce delay."""
        self.cancel(uri)
        loop = asyncio.get_running_loop()
        delay = self.settings.debounce_ms / 1000

        def fire() -> None:
            self._timers.pop(uri, None)
            task = loop.create_task(self.analyse(uri))
            self._tasks.add(task)
            task.add_done_callback(self._tasks.discard)

        self._timers[uri] = loop.call_later(delay, fire)

    def cancel(self, uri: str) -> None:
        """Drop ``uri``'s pending debounced analysis."""
        timer = self._timers.pop(uri, None)
        if timer is not None:
            timer.cancel()


def _register(server: ChaffraServer) -> None:  # noqa: PLR0915 - one handler per LSP method
    @server.feature(types.INITIALIZED)
    async def initialized(ls: ChaffraServer, params: types.InitializedParams) -> None:
        capabilities = ls.client_capabilities.workspace
        watched = capabilities.did_change_watched_files if capabilities is not None else None
        if watched is None or not watched.dynamic_registration:
            return
        globs = [f"**/{name}" for name in sorted(CONFIG_NAMES)] + ["**/*.py"]
        ls.client_register_capability(
            types.RegistrationParams(
                registrations=[
                    types.Registration(
                        id="chaffra-watched-files",
                        method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                        register_options=types.DidChangeWatchedFilesRegistrationOptions(
                            watchers=[types.FileSystemWatcher(glob_pattern=g) for g in globs]
                        ),
                    )
                ]
            )
        )

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: ChaffraServer, params: types.DidOpenTextDocumentParams) -> None:
        await ls.analyse(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: ChaffraServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    async def did_save(ls: ChaffraServer, params: types.DidSaveTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.cancel(uri)
        path = to_fs_path(uri)
        if path is not None and Path(path).name in CONFIG_NAMES:
            await _reload(ls)
            return
        await ls.analyse(uri, record=True)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    async def did_close(ls: ChaffraServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        ls.cancel(uri)
        ls._published.pop(uri, None)
        ls.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[])
        )
        path = to_fs_path(uri)
        session = None if path is None else ls.projects.find(Path(path))
        if session is None or path is None:
            return
        # The buffer is gone: the file on disk is the truth again.
        update = await ls.run(lambda: session.refresh([Path(path)]))
        ls.publish_changed(session, update, skip=uri)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def did_change_watched_files(
        ls: ChaffraServer, params: types.DidChangeWatchedFilesParams
    ) -> None:
        paths = [p for p in (to_fs_path(change.uri) for change in params.changes) if p]
        if any(Path(p).name in CONFIG_NAMES for p in paths):
            await _reload(ls)
            return
        closed = [Path(p) for p in paths if ls.open_document(from_fs_path(p) or "") is None]
        for session in ls.projects.all():
            mine = [p for p in closed if session.root == p or session.root in p.parents]
            if mine:
                update = await ls.run(functools.partial(session.refresh, mine))
                ls.publish_changed(session, update)

    @server.feature(
        types.TEXT_DOCUMENT_DIAGNOSTIC,
        types.DiagnosticOptions(
            identifier=SOURCE, inter_file_dependencies=True, workspace_diagnostics=True
        ),
    )
    async def document_diagnostic(
        ls: ChaffraServer, params: types.DocumentDiagnosticParams
    ) -> types.RelatedFullDocumentDiagnosticReport:
        uri = params.text_document.uri
        path = to_fs_path(uri)
        held = ls.open_document(uri)
        if path is None or not uri.startswith("file:"):
            return types.RelatedFullDocumentDiagnosticReport(items=[])

        def work() -> tuple[Sequence[Finding], str]:
            session = ls.session_for(Path(path))
            if isinstance(session, ConfigProblem) or not session.covers(Path(path)):
                return (), ""
            if held is not None:
                session.update({Path(path): held[0]})
                return session.findings(Path(path)), held[0]
            return session.findings(Path(path)), _read(Path(path))

        findings, text = await ls.run(work)
        return types.RelatedFullDocumentDiagnosticReport(items=diagnostics(findings, text))

    @server.feature(types.WORKSPACE_DIAGNOSTIC)
    async def workspace_diagnostic(
        ls: ChaffraServer, params: types.WorkspaceDiagnosticParams
    ) -> types.WorkspaceDiagnosticReport:
        def work() -> list[types.WorkspaceFullDocumentDiagnosticReport]:
            for folder in ls.folders():
                ls.session_for(folder / "__chaffra_workspace__.py")
            reports = []
            for session in ls.projects.all():
                grouped: dict[str, list[Finding]] = {}
                for finding in session.findings():
                    grouped.setdefault(finding.location.file, []).append(finding)
                for relative, findings in sorted(grouped.items()):
                    file = session.root / relative
                    uri = from_fs_path(str(file))
                    if uri is None or not file.is_file():
                        continue
                    held = ls.open_document(uri)
                    text, version = held if held is not None else (_read(file), None)
                    reports.append(
                        types.WorkspaceFullDocumentDiagnosticReport(
                            uri=uri, version=version, items=diagnostics(findings, text)
                        )
                    )
            return reports

        return types.WorkspaceDiagnosticReport(items=await ls.run(work))

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    def hover(ls: ChaffraServer, params: types.HoverParams) -> types.Hover | None:
        uri = params.text_document.uri
        path = to_fs_path(uri)
        session = None if path is None else ls.projects.find(Path(path))
        if session is None or path is None:
            return None
        line = params.position.line + 1
        parts: list[str] = []
        for finding in session.findings(Path(path)):
            if (
                finding.location.start_line
                <= line
                <= max(finding.location.end_line, finding.location.start_line)
            ):
                try:
                    parts.append(explanation_markdown(ls.projects.host.explain(finding.rule_id)))
                except Exception:  # a rule its module cannot explain: the message is enough
                    parts.append(f"**{finding.rule_id}**: {finding.message}")
        function = enclosing(session.functions(Path(path)), line)
        if function is not None:
            trends = project_trend(session.root, session.config.telemetry.audience)
            parts.insert(
                0,
                function_markdown(
                    function,
                    history=ls.function_history.series(
                        session.root, session.relative(Path(path)), function.qualified_name
                    ),
                    project=trends,
                ),
            )
        if not parts:
            return None
        return types.Hover(
            contents=types.MarkupContent(
                kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(parts)
            )
        )

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    def code_action(ls: ChaffraServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        path = to_fs_path(uri)
        session = None if path is None else ls.projects.find(Path(path))
        held = ls.open_document(uri)
        if session is None or path is None or held is None:
            return []
        findings = session.findings(Path(path))
        pairs = [
            (diagnostic, finding)
            for diagnostic in params.context.diagnostics
            if diagnostic.source == SOURCE
            for finding in findings
            if _matches(diagnostic, finding)
        ]
        return code_actions(uri, held[0], pairs)

    @server.command(EXPLAIN_COMMAND)
    def explain(ls: ChaffraServer, *arguments: Any) -> str | None:
        rule = str(arguments[0]) if arguments else ""
        try:
            text = explanation_markdown(ls.projects.host.explain(rule))
        except Exception as error:
            text = f"chaffra: no documentation for {rule!r}: {error}"
        ls.window_show_message(types.ShowMessageParams(type=types.MessageType.Info, message=text))
        return text

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: ChaffraServer, params: None) -> None:
        for uri in list(ls._timers):
            ls.cancel(uri)
        ls.analysis.shutdown(wait=True)
        for session in ls.projects.all():
            session.close()  # a save's telemetry run and run report still happen


async def _reload(server: ChaffraServer) -> None:
    """A configuration file changed: forget the projects and analyse every open document."""
    server.projects.reset()
    server.function_history.clear()
    for uri in list(server.workspace.text_documents):
        await server.analyse(uri)


def _matches(diagnostic: types.Diagnostic, finding: Finding) -> bool:
    data = diagnostic.data if isinstance(diagnostic.data, Mapping) else {}
    return (
        data.get("rule_id", diagnostic.code) == finding.rule_id
        and data.get("line", diagnostic.range.start.line + 1) == finding.location.start_line
        and diagnostic.message == finding.message
    )


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def create_server(settings: ServerSettings, host: ModuleHost | None = None) -> ChaffraServer:
    """A chaffra language server (not started) for ``settings``; ``host`` defaults to
    the built-in and installed modules, loaded once for the server's life."""
    server = ChaffraServer(settings, host)
    _register(server)
    return server


def serve_stdio(
    settings: ServerSettings,
    *,
    stdin: BinaryIO | None = None,
    stdout: BinaryIO | None = None,
) -> None:
    """Serve over stdin/stdout until ``exit`` or end of input.

    stdout carries protocol frames only: ``sys.stdout`` is rebound to stderr
    for the server's life, so a stray ``print`` cannot corrupt the stream.
    """
    transport_in = stdin if stdin is not None else sys.stdin.buffer
    transport_out = stdout if stdout is not None else sys.stdout.buffer
    real_stdout = sys.stdout
    sys.stdout = sys.stderr
    try:
        create_server(settings).start_io(transport_in, transport_out)
    finally:
        sys.stdout = real_stdout
