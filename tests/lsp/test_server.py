"""`archlint server` run for real over stdio, driven by pygls's own client.

Every wait has a timeout, so a server that hangs fails the test instead of blocking the suite.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import textwrap
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path

from lsprotocol import types
from pygls.lsp.client import LanguageClient
from pygls.uris import from_fs_path

from archlint.lsp.server import DEBOUNCE_S

WAIT_S = 20.0  # generous: two CPU cores are shared with other test runs

CLIENT_PY = 'greeting = "😀 漢字"; import requests; page = requests.get("https://example.com")\n'
# code points before `requests.get(...)`: 41; the emoji is 2 UTF-16 units, so 42 in UTF-16.
CALL_COLUMN = CLIENT_PY.index("requests.get")

CUSTOMER_PY = textwrap.dedent('''\
    class Customer:
        def __init__(self, email):
            self.__email = email

        @property
        def email(self):
            """The customer's email."""
            return self.__email

        @email.setter
        def email(self, value):
            self.__email = value
    ''')


class Session:
    """A started server and what it sent us."""

    def __init__(self, client: LanguageClient, root: Path) -> None:
        self.client = client
        self.root = root
        self.diagnostics: asyncio.Queue[types.PublishDiagnosticsParams] = asyncio.Queue()
        self.versions: dict[str, int] = {}

    def uri(self, path: str) -> str:
        return from_fs_path(str(self.root / path))

    async def next_for(self, uri: str, accept: Callable[[list[types.Diagnostic]], bool]
                       = lambda d: True) -> types.PublishDiagnosticsParams:
        """The next publication for `uri` that `accept`s its diagnostics (others are skipped)."""
        deadline = time.monotonic() + WAIT_S
        while True:
            params = await asyncio.wait_for(self.diagnostics.get(), deadline - time.monotonic())
            if params.uri == uri and accept(list(params.diagnostics)):
                return params

    def open(self, path: str, text: str | None = None) -> str:
        uri = self.uri(path)
        text = (self.root / path).read_text(encoding="utf-8") if text is None else text
        self.versions[uri] = 1
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="python", version=1, text=text)))
        return uri

    def change(self, uri: str, text: str) -> int:
        self.versions[uri] += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri,
                                                                version=self.versions[uri]),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)]))
        return self.versions[uri]

    def save(self, uri: str) -> None:
        self.client.text_document_did_save(types.DidSaveTextDocumentParams(
            text_document=types.TextDocumentIdentifier(uri=uri)))


@contextlib.asynccontextmanager
async def server(root: Path) -> AsyncIterator[Session]:
    client = LanguageClient("archlint-tests", "1")
    session = Session(client, root)

    @client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    def on_diagnostics(params: types.PublishDiagnosticsParams) -> None:
        session.diagnostics.put_nowait(params)

    await client.start_io(sys.executable, "-m", "archlint", "server", cwd=str(root))
    try:
        await asyncio.wait_for(client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(), root_uri=from_fs_path(str(root)),
            workspace_folders=[types.WorkspaceFolder(uri=from_fs_path(str(root)), name="p")],
        )), WAIT_S)
        client.initialized(types.InitializedParams())
        yield session
    finally:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(client.shutdown_async(None), WAIT_S)
        client.exit(None)
        try:
            await asyncio.wait_for(client.stop(), WAIT_S)
        except asyncio.TimeoutError:  # a server that ignores exit must not outlive the test
            process = getattr(client, "_server", None)
            if process is not None:
                process.kill()
            raise


def run(coroutine) -> None:
    asyncio.run(asyncio.wait_for(coroutine, 4 * WAIT_S))


def codes(params: types.PublishDiagnosticsParams) -> list[str]:
    return sorted(str(d.code) for d in params.diagnostics)


def write(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_open_change_save_close(tmp_path):
    write(tmp_path, {"archlint.toml": 'select = ["ARC401"]\n', "app/__init__.py": "",
                     "app/client.py": CLIENT_PY})

    async def scenario() -> None:
        async with server(tmp_path) as s:
            uri = s.open("app/client.py")
            opened = await s.next_for(uri, bool)
            (diag,) = opened.diagnostics
            assert (diag.code, diag.source) == ("ARC401", "archlint")
            assert diag.severity == types.DiagnosticSeverity.Error
            assert diag.code_description.href.endswith("/docs/rules/ARC401.md")
            assert "has no timeout" in diag.message
            # Positions in UTF-16 code units: the emoji before the call counts twice.
            assert diag.range.start == types.Position(line=0, character=CALL_COLUMN + 1)
            assert diag.range.end.character == len(CLIENT_PY.rstrip("\n")) + 1

            # Typing: three quick edits, one analysis, of the last text only.
            fixed = CLIENT_PY.replace('.com")', '.com", timeout=(3.05, 10))')
            started = time.monotonic()
            s.change(uri, CLIENT_PY.replace("page", "p"))
            s.change(uri, CLIENT_PY.replace("page", "pa"))
            last = s.change(uri, fixed)
            cleared = await s.next_for(uri)
            assert time.monotonic() - started >= DEBOUNCE_S
            assert (cleared.version, list(cleared.diagnostics)) == (last, [])
            assert s.diagnostics.empty()  # versions 2 and 3 were never published

            # The text is not written by the server: the file still has the finding.
            assert (tmp_path / "app/client.py").read_text(encoding="utf-8") == CLIENT_PY
            s.change(uri, "import requests\nrequests.get('https://a')\n")
            (tmp_path / "app/client.py").write_text(
                "import requests\nrequests.get('https://a')\n", encoding="utf-8")
            s.save(uri)
            saved = await s.next_for(uri, bool)
            assert [d.range.start for d in saved.diagnostics] == [types.Position(1, 0)]

            s.client.text_document_did_close(types.DidCloseTextDocumentParams(
                text_document=types.TextDocumentIdentifier(uri=uri)))
            closed = await s.next_for(uri, lambda d: not d)
            assert list(closed.diagnostics) == []

    run(scenario())


def test_project_rules_come_from_the_scan_and_refresh_on_save(tmp_path):
    write(tmp_path, {
        "archlint.toml": 'select = ["ARC101", "ARC401"]\n',
        "shop/__init__.py": "", "shop/domain/__init__.py": "",
        "shop/domain/order.py": "import sqlalchemy as sa\nimport requests\n\n"
                                "def load():\n    return requests.get('https://a')\n",
        "shop/domain/excluded_by_gitignore.py": "import requests\nrequests.get('https://a')\n",
        ".gitignore": "excluded_by_gitignore.py\n",
        # enough files that the scan runs them in worker processes (engine/parallel.py): the
        # scan process must be allowed children
        **{f"shop/module_{n}.py": f"VALUE = {n}\n" for n in range(24)},
    })

    async def scenario() -> None:
        async with server(tmp_path) as s:
            uri = s.open("shop/domain/order.py")
            # First the buffer's own findings, then the merged scan's project findings.
            merged = await s.next_for(uri, lambda d: any(x.code == "ARC101" for x in d))
            assert codes(merged) == ["ARC101", "ARC101", "ARC401"]  # sqlalchemy, requests
            arc101 = [d.range.start for d in merged.diagnostics if d.code == "ARC101"]
            assert arc101 == [types.Position(line=0, character=7), types.Position(1, 7)]

            # Saved without sqlalchemy: the next scan drops its ARC101.
            text = "import requests\n\ndef load():\n    return requests.get('https://a')\n"
            s.change(uri, text)
            (tmp_path / "shop/domain/order.py").write_text(text, encoding="utf-8")
            s.save(uri)
            refreshed = await s.next_for(uri, lambda d: len(d) == 2)
            assert [(d.code, d.range.start.line) for d in refreshed.diagnostics] == [
                ("ARC101", 0), ("ARC401", 3)]

            # A file the scan skips (.gitignore) gets no diagnostics at all: the next
            # publication is for the file opened after it.
            s.open("shop/domain/excluded_by_gitignore.py")
            other = s.open("shop/__init__.py", "import requests\nrequests.get('https://a')\n")
            first = await asyncio.wait_for(s.diagnostics.get(), WAIT_S)
            while first.uri == uri:  # a late re-publication of order.py after the scan
                first = await asyncio.wait_for(s.diagnostics.get(), WAIT_S)
            assert first.uri == other

    run(scenario())


def test_quick_fix_from_the_rules_fix(tmp_path):
    write(tmp_path, {"archlint.toml": 'select = ["ARC202"]\n',
                     "shop/customer.py": CUSTOMER_PY})

    async def scenario() -> None:
        async with server(tmp_path) as s:
            uri = s.open("shop/customer.py")
            published = await s.next_for(uri, bool)
            (diag,) = published.diagnostics
            assert diag.code == "ARC202"
            assert diag.range.start == types.Position(line=5, character=8)
            (setter,) = diag.related_information
            assert setter.location.range.start == types.Position(line=10, character=8)

            cursor = types.Range(start=types.Position(5, 10), end=types.Position(5, 10))
            actions = await asyncio.wait_for(s.client.text_document_code_action_async(
                types.CodeActionParams(
                    text_document=types.TextDocumentIdentifier(uri=uri), range=cursor,
                    context=types.CodeActionContext(diagnostics=[diag]))), WAIT_S)
            (action,) = actions
            assert action.kind == types.CodeActionKind.QuickFix
            assert action.is_preferred is False  # ARC202's fix is marked unsafe
            assert action.diagnostics[0].code == "ARC202"
            fixed = apply(CUSTOMER_PY, action.edit.changes[uri])
            assert fixed == textwrap.dedent('''\
                class Customer:
                    def __init__(self, email):
                        self.email = email
                ''')
            compile(fixed, "customer.py", "exec")

            # Away from the finding: nothing to offer. After an edit the stored fix is stale.
            elsewhere = types.Range(start=types.Position(0, 0), end=types.Position(0, 0))
            assert not await actions_at(s, uri, elsewhere)
            version = s.change(uri, "# a comment\n" + CUSTOMER_PY)
            assert not await actions_at(s, uri, cursor)
            # Once the new text is analysed, the fix is back, one line lower.
            assert (await s.next_for(uri, bool)).version == version
            moved = types.Range(start=types.Position(6, 10), end=types.Position(6, 10))
            (action,) = await actions_at(s, uri, moved)
            assert action.edit.changes[uri][0].range.start.line == 3

    run(scenario())


async def actions_at(s: Session, uri: str, where: types.Range) -> list[types.CodeAction]:
    found = await asyncio.wait_for(s.client.text_document_code_action_async(
        types.CodeActionParams(text_document=types.TextDocumentIdentifier(uri=uri), range=where,
                               context=types.CodeActionContext(diagnostics=[]))), WAIT_S)
    return list(found or [])


def apply(text: str, edits) -> str:
    """Apply LSP TextEdits (UTF-16 positions, non-overlapping) to `text`."""
    lines = text.split("\n")

    def offset(p: types.Position) -> int:
        line = lines[p.line]
        prefix = line.encode("utf-16-le")[: 2 * p.character].decode("utf-16-le")
        return sum(len(x) + 1 for x in lines[: p.line]) + len(prefix)

    for edit in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character),
                       reverse=True):
        text = text[: offset(edit.range.start)] + edit.new_text + text[offset(edit.range.end):]
    return text
