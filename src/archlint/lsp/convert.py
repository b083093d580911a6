"""archlint's findings as LSP values: ranges in the client's position encoding, diagnostics,
quick fixes. Pure functions of their inputs, so they are tested without a server.

archlint counts columns in Unicode code points (model.py); LSP counts them in UTF-16 code units
unless client and server agreed on another encoding (LSP 3.17 `positionEncoding`). An emoji
before a finding is 1 code point but 2 UTF-16 units, a CJK character 1 and 1, both 4 UTF-8 bytes
or 3: converting at this edge is what keeps the squiggle under the right characters.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from lsprotocol import types

from archlint.model import Finding, Fix, Severity, Span

SOURCE = "archlint"

SEVERITIES = {
    Severity.ERROR: types.DiagnosticSeverity.Error,
    Severity.WARNING: types.DiagnosticSeverity.Warning,
    # Information, not Hint: editors draw hints as faint dots that nobody sees.
    Severity.NOTE: types.DiagnosticSeverity.Information,
}


def units(text: str, encoding: str) -> int:
    """How many code units of `encoding` the text takes."""
    if encoding == types.PositionEncodingKind.Utf8:
        return len(text.encode("utf-8", "surrogatepass"))
    if encoding == types.PositionEncodingKind.Utf32:
        return len(text)
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


def position(lines: Sequence[str], line: int, column: int, encoding: str) -> types.Position:
    """1-based line and code-point column -> 0-based LSP position. A place past the end of the
    text (a finding from the file on disk while the buffer is shorter) is clamped to it."""
    index = line - 1
    if index < 0:
        return types.Position(line=0, character=0)
    if index >= len(lines):
        if not lines:
            return types.Position(line=0, character=0)
        index = len(lines) - 1
        column = len(lines[index])
    text = lines[index].rstrip("\r\n")
    return types.Position(line=index, character=units(text[: max(column, 0)], encoding))


def lsp_range(span: Span, lines: Sequence[str], encoding: str) -> types.Range:
    return types.Range(
        start=position(lines, span.line, span.column, encoding),
        end=position(lines, span.end_line, span.end_column, encoding),
    )


def diagnostic(
    finding: Finding,
    lines: Sequence[str],
    encoding: str,
    *,
    docs_url: str,
    uri_of: Callable[[str], str],
    lines_of: Callable[[str], Sequence[str]],
) -> types.Diagnostic:
    """`lines` is the text the finding was made on (the finding's own file); `uri_of` and
    `lines_of` give another file's URI and text, for related places in other files."""
    related = []
    for place in finding.related:
        other = place.path is not None and place.path != finding.path
        related.append(types.DiagnosticRelatedInformation(
            location=types.Location(
                uri=uri_of(place.path if other else finding.path),
                range=lsp_range(place.span, lines_of(place.path) if other else lines, encoding),
            ),
            message=place.message,
        ))
    message = finding.message if not finding.help else f"{finding.message}\n{finding.help}"
    return types.Diagnostic(
        range=lsp_range(finding.span, lines, encoding),
        message=message,
        severity=SEVERITIES[finding.severity],
        code=finding.code,
        code_description=types.CodeDescription(href=docs_url),
        source=SOURCE,
        related_information=related or None,
    )


def quick_fix(
    fix: Fix, diag: types.Diagnostic, uri: str, lines: Sequence[str], encoding: str
) -> types.CodeAction:
    """A finding's Fix as a quickfix code action. Its edits are in the finding's own file.
    An unsafe fix (one that may change behaviour) is offered but never preferred, so that no
    "fix all" shortcut applies it unseen."""
    edits = [
        types.TextEdit(range=lsp_range(edit.span, lines, encoding), new_text=edit.replacement)
        for edit in fix.edits
    ]
    return types.CodeAction(
        title=f"archlint: {fix.description}",
        kind=types.CodeActionKind.QuickFix,
        diagnostics=[diag],
        is_preferred=fix.safe,
        edit=types.WorkspaceEdit(changes={uri: edits}),
    )


def overlaps(a: types.Range, b: types.Range) -> bool:
    """Whether two ranges share a position (touching counts: a cursor at a squiggle's end)."""
    def key(p: types.Position) -> tuple[int, int]:
        return (p.line, p.character)

    return key(a.start) <= key(b.end) and key(b.start) <= key(a.end)
