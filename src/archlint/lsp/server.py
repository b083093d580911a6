"""The language server: archlint's findings as diagnostics while the code is being written.

- Per-file rules run on the editor's text in memory (`api.check_source`: the engine's own
  `analyze_source` and suppressions), on open, on save, and on change after a pause of
  `DEBOUNCE_S` (typing does not start an analysis per key). Nothing is ever written to disk.
- Project rules need the whole project: their findings come from the last full scan
  (`api.check` over the workspace folder), run at start and again after every save, in a child
  process (see `ScanProcess`), and are merged into each open file's diagnostics. While a
  buffer has unsaved edits, its project findings are those of the file as last saved.
- Diagnostics are published for open documents only, and cleared when a document closes; a file
  the scan would skip (excludes, .gitignore, outside the workspace) gets none.
- Quick fixes are the rules' own `Finding.fix`es, offered only while the text they were computed
  on is the text in the editor.
"""

from __future__ import annotations

import asyncio
import atexit
import logging
import multiprocessing
import os
import threading
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from urllib.parse import unquote

from lsprotocol import types
from pygls.lsp.server import LanguageServer
from pygls.uris import from_fs_path, to_fs_path
from pygls.workspace import TextDocument

from archlint import __version__
from archlint.api import CheckOptions, check, check_source
from archlint.config import ConfigError, Settings, load_settings
from archlint.engine.discover import is_excluded, relative
from archlint.engine.worker import DecodeError, decode_source
from archlint.lsp.convert import diagnostic, overlaps, quick_fix
from archlint.model import Finding
from archlint.rules.base import ProjectRule
from archlint.rules.registry import by_code_or_name

DEBOUNCE_S = 0.3
log = logging.getLogger("archlint.lsp")


@dataclass
class Analysis:
    """The per-file findings of one version of a document, with the text they were made on."""

    version: int | None
    text: str
    findings: list[Finding]

    @property
    def lines(self) -> list[str]:
        return self.text.split("\n")


@dataclass
class Published:
    """What was last published for a document: each diagnostic with its finding and the text
    the finding's positions refer to (for code actions)."""

    items: list[tuple[types.Diagnostic, Finding, str]] = field(default_factory=list)


class ArchlintServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__("archlint", __version__,
                         text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.workspace_root: Path | None = None
        self.settings: Settings | None = None
        self.analyses: dict[str, Analysis] = {}  # uri -> per-file findings
        self.project: dict[str, list[Finding]] = {}  # root-relative path -> project findings
        self.published: dict[str, Published] = {}
        self.pending: dict[str, asyncio.Task] = {}  # uri -> scheduled analysis
        self.scan_task: asyncio.Task | None = None
        self.scan_wanted = False
        self.scanner = ScanProcess()

    def document(self, uri: str) -> TextDocument | None:
        """The open document at `uri`, None when it is not open (pygls keys them unquoted)."""
        return self.workspace.text_documents.get(unquote(uri))

    # -- paths ------------------------------------------------------------------------------
    def path_of(self, uri: str) -> str | None:
        """The root-relative path archlint knows the document by, or None when the document is
        not a file of this project that a scan would cover."""
        if self.settings is None or not uri.startswith("file:"):
            return None
        fs_path = to_fs_path(uri)
        if fs_path is None or not fs_path.endswith(".py"):
            return None
        if is_excluded(Path(fs_path), self.settings):
            return None
        return relative(fs_path, self.settings.root)

    def uri_of(self, path: str) -> str:
        assert self.settings is not None
        return from_fs_path(os.fspath(self.settings.root / path)) or path

    def lines_of(self, path: str) -> list[str]:
        """Another file's text: the editor's if it is open, else the file on disk."""
        uri = self.uri_of(path)
        document = self.document(uri)
        if document is not None:
            return _normalised(document.source).split("\n")
        try:
            assert self.settings is not None
            return decode_source((self.settings.root / path).read_bytes()).split("\n")
        except (OSError, DecodeError):
            return []

    # -- per-file analysis ------------------------------------------------------------------
    def schedule(self, uri: str, delay: float) -> None:
        """Analyse the document after `delay` seconds; a newer request replaces an older one."""
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self.pending[uri] = asyncio.ensure_future(self._analyse(uri, delay))

    async def _analyse(self, uri: str, delay: float) -> None:
        if delay:
            await asyncio.sleep(delay)
        path = self.path_of(uri)
        document = self.document(uri)
        if path is None or document is None or self.settings is None:
            return
        version, text = document.version, _normalised(document.source)
        settings = self.settings
        loop = asyncio.get_running_loop()
        report = await loop.run_in_executor(None, check_source, text, path, settings)
        if self.document(uri) is None:  # closed meanwhile
            return
        self.analyses[uri] = Analysis(version, text, report.findings)
        self.pending.pop(uri, None)
        self.publish(uri)

    def publish(self, uri: str) -> None:
        path = self.path_of(uri)
        analysis = self.analyses.get(uri)
        if path is None or analysis is None:
            return
        document = self.document(uri)
        encoding = self.workspace.position_encoding or types.PositionEncodingKind.Utf16
        current = _normalised(document.source) if document is not None else analysis.text
        published = Published()
        # Per-file findings were made on the analysed text; project findings on the file as
        # saved, which is the editor's text unless it has unsaved edits (then best effort).
        sources = [(f, analysis.text) for f in analysis.findings]
        sources += [(f, current) for f in self.project.get(path, [])]
        for finding, text in sorted(sources, key=lambda item: item[0].sort_key):
            diag = diagnostic(finding, text.split("\n"), str(encoding),
                              docs_url=_docs_url(finding.code), uri_of=self.uri_of,
                              lines_of=self.lines_of)
            published.items.append((diag, finding, text))
        self.published[uri] = published
        self.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, version=analysis.version, diagnostics=[d for d, _, _ in published.items]))

    def forget(self, uri: str) -> None:
        task = self.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        self.analyses.pop(uri, None)
        self.published.pop(uri, None)
        self.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    # -- project scan -----------------------------------------------------------------------
    def request_scan(self) -> None:
        """Scan the project (again). Saves during a scan are folded into one more scan after it."""
        if self.workspace_root is None or self.settings is None:
            return
        self.scan_wanted = True
        if self.scan_task is None or self.scan_task.done():
            self.scan_task = asyncio.ensure_future(self._scan_loop())

    async def _scan_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while self.scan_wanted:
            self.scan_wanted = False
            assert self.workspace_root is not None
            try:
                found = await loop.run_in_executor(None, self.scanner.scan,
                                                   os.fspath(self.workspace_root))
            except Exception as exc:  # the scan failed: keep the last findings, say so
                self.window_log_message(types.LogMessageParams(
                    type=types.MessageType.Error, message=f"archlint: project scan failed: {exc}"))
                continue
            before, self.project = self.project, found
            for uri in list(self.analyses):  # only where the scan changed something
                path = self.path_of(uri)
                if path is not None and before.get(path, []) != found.get(path, []):
                    self.publish(uri)

    def stop_scan(self) -> None:
        self.scanner.stop()


class ScanProcess:
    """One long-lived child process that runs full scans on request, so that a scan after a
    save does not pay for starting Python and importing the rules again.

    A child and not a thread: the scan forks its own workers, which is unsafe from the
    server's threaded process, and a "spawn"ed child is single-threaded. Not a daemon: daemons
    may not have the scan's worker processes. It ends when the server closes the pipe (or dies:
    the pipe closes then too), and `stop()` ends it on shutdown and at exit."""

    def __init__(self) -> None:
        self.process: multiprocessing.process.BaseProcess | None = None
        self.connection: Connection | None = None
        self.lock = threading.Lock()

    def scan(self, folder: str) -> dict[str, list[Finding]]:
        """The project rules' findings of a full scan of `folder`, by path (blocks)."""
        with self.lock:
            if self.process is None or not self.process.is_alive():
                context = multiprocessing.get_context("spawn")
                self.connection, child_end = context.Pipe()
                self.process = context.Process(target=_scan_requests, args=(child_end,),
                                               name="archlint-scan")
                self.process.start()
                child_end.close()
                atexit.register(self.stop)  # before multiprocessing's own join at exit
            connection, process = self.connection, self.process
        assert connection is not None
        try:
            connection.send(folder)
            outcome = connection.recv()
        except (EOFError, OSError):
            raise RuntimeError(f"the scan process ended (exit code {process.exitcode})") from None
        if isinstance(outcome, str):
            raise RuntimeError(outcome)
        return outcome

    def stop(self) -> None:
        with self.lock:
            process, connection, self.process, self.connection = (
                self.process, self.connection, None, None)
        if connection is not None:
            connection.close()
        if process is not None and process.is_alive():
            process.terminate()
            process.join(5)


def _scan_requests(connection: Connection) -> None:
    """The scan process: a folder in, its project findings (or an error message) out, until the
    pipe closes. Stdout is the protocol's channel: nothing may print there."""
    os.dup2(2, 1)
    while True:
        try:
            folder = connection.recv()
        except (EOFError, OSError):
            return
        try:
            connection.send(_project_scan(folder))
        except ConfigError as exc:
            connection.send(str(exc))
        except Exception as exc:  # noqa: BLE001 - reported to the editor, never a silent hang
            connection.send(f"{type(exc).__name__}: {exc}")


def _project_scan(folder: str) -> dict[str, list[Finding]]:
    settings = load_settings(Path(folder))
    project_codes = {r.code for r in settings.enabled_rules() if issubclass(r, ProjectRule)}
    report = check([Path(folder)], settings, CheckOptions())
    found: dict[str, list[Finding]] = {}
    for finding in report.findings:
        if finding.code in project_codes:
            found.setdefault(finding.path, []).append(finding)
    return found


def _normalised(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n") if "\r" in text else text


def _docs_url(code: str) -> str:
    rule = by_code_or_name(code)
    return rule.meta().help_uri if rule is not None else ""


def _workspace_folder(params: types.InitializeParams) -> Path:
    for uri in [*(f.uri for f in params.workspace_folders or ()), params.root_uri]:
        if uri and uri.startswith("file:"):
            path = to_fs_path(uri)
            if path:
                return Path(path)
    if params.root_path:
        return Path(params.root_path)
    return Path.cwd()


def make_server() -> ArchlintServer:
    server = ArchlintServer()

    @server.feature(types.INITIALIZE)
    def initialize(ls: ArchlintServer, params: types.InitializeParams) -> None:
        ls.workspace_root = _workspace_folder(params).resolve()
        try:
            ls.settings = load_settings(ls.workspace_root)
        except ConfigError as exc:
            ls.settings = None
            ls.window_show_message(types.ShowMessageParams(
                type=types.MessageType.Error, message=f"archlint: {exc}"))

    @server.feature(types.INITIALIZED)
    def initialized(ls: ArchlintServer, params: types.InitializedParams) -> None:
        ls.request_scan()

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: ArchlintServer, params: types.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: ArchlintServer, params: types.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, DEBOUNCE_S)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: ArchlintServer, params: types.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)
        ls.request_scan()

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: ArchlintServer, params: types.DidCloseTextDocumentParams) -> None:
        ls.forget(params.text_document.uri)

    @server.feature(
        types.TEXT_DOCUMENT_CODE_ACTION,
        types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]),
    )
    def code_action(ls: ArchlintServer, params: types.CodeActionParams) -> list[types.CodeAction]:
        uri = params.text_document.uri
        document = ls.document(uri)
        published = ls.published.get(uri)
        if document is None or published is None:
            return []
        current = _normalised(document.source)
        encoding = str(ls.workspace.position_encoding or types.PositionEncodingKind.Utf16)
        actions = []
        for diag, finding, text in published.items:
            # An edit computed on other text than the editor's would land in the wrong place.
            if finding.fix is None or not finding.fix.edits or text != current:
                continue
            if overlaps(diag.range, params.range):
                actions.append(quick_fix(finding.fix, diag, uri, current.split("\n"), encoding))
        return actions

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: ArchlintServer, *params: object) -> None:
        ls.stop_scan()

    return server


def serve() -> None:
    """Serve over stdio until the client says exit."""
    make_server().start_io()
