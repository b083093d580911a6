"""Findings as LSP values: columns in code points become the client's code units."""

from __future__ import annotations

from pathlib import Path

from lsprotocol import types

from archlint.api import check_source
from archlint.config import settings_from_table
from archlint.engine.discover import is_excluded
from archlint.lsp.convert import diagnostic, lsp_range, overlaps, units
from archlint.model import Finding, Related, Severity, Span

UTF8, UTF16, UTF32 = (types.PositionEncodingKind.Utf8, types.PositionEncodingKind.Utf16,
                      types.PositionEncodingKind.Utf32)


def test_code_units_of_emoji_and_cjk():
    # U+1F600 is outside the BMP: a surrogate pair in UTF-16; U+6F22 is one unit, 3 bytes.
    assert [units("😀", e) for e in (UTF8, UTF16, UTF32)] == [4, 2, 1]
    assert [units("漢", e) for e in (UTF8, UTF16, UTF32)] == [3, 1, 1]
    assert units("ascii", UTF16) == 5


def test_range_counts_what_precedes_the_finding_on_its_line():
    lines = ['x = "😀漢"; requests.get(url)', "y"]
    span = Span(line=1, column=10, end_line=1, end_column=27)  # in code points
    assert lines[0][10:27] == "requests.get(url)"
    r = lsp_range(span, lines, UTF16)  # the emoji takes 2 units, the CJK character 1
    assert (r.start.line, r.start.character, r.end.line, r.end.character) == (0, 11, 0, 28)
    r8 = lsp_range(span, lines, UTF8)  # 4 bytes and 3 bytes
    assert (r8.start.character, r8.end.character) == (10 + 3 + 2, 27 + 3 + 2)


def test_a_place_past_the_end_of_the_text_is_clamped():
    r = lsp_range(Span(7, 3, 9, 0), ["a = 1", "bb"], UTF16)
    assert (r.start.line, r.start.character, r.end.line, r.end.character) == (1, 2, 1, 2)


def test_diagnostic_fields_and_related_places_in_other_files():
    finding = Finding(
        code="ARC101", name="framework-import-in-domain", message="domain imports sqlalchemy",
        path="shop/domain/order.py", span=Span(1, 0, 1, 6), severity=Severity.NOTE,
        help="move it to an adapter",
        related=(Related(Span(2, 1, 2, 2), "here too"),
                 Related(Span(1, 1, 1, 2), "elsewhere", path="shop/other.py")),
    )
    other = {"shop/other.py": ["😀x"]}
    diag = diagnostic(finding, ["import sqlalchemy", "😀y"], UTF16, docs_url="https://d/ARC101",
                      uri_of=lambda p: f"file:///root/{p}", lines_of=other.__getitem__)
    assert diag.code == "ARC101" and diag.source == "archlint"
    assert diag.code_description.href == "https://d/ARC101"
    assert diag.severity == types.DiagnosticSeverity.Information
    assert diag.message == "domain imports sqlalchemy\nmove it to an adapter"
    first, second = diag.related_information
    assert first.location.uri == "file:///root/shop/domain/order.py"
    assert first.location.range.start.character == 2  # after the emoji of its own file
    assert second.location.uri == "file:///root/shop/other.py"
    assert second.location.range.start.character == 2  # after the emoji of the other file


def test_overlaps_counts_touching_ranges():
    def rng(a, b, c, d):
        return types.Range(types.Position(a, b), types.Position(c, d))
    assert overlaps(rng(1, 0, 1, 5), rng(1, 5, 1, 5))
    assert not overlaps(rng(1, 0, 1, 5), rng(1, 6, 2, 0))
    assert overlaps(rng(0, 0, 3, 0), rng(1, 2, 1, 2))


def test_check_source_keeps_the_engines_suppressions_and_per_file_ignores(tmp_path):
    source = ("import requests\n"
              "requests.get('https://a')\n"
              "requests.get('https://b')  # noqa: ARC401\n")
    settings = settings_from_table({"select": ["ARC401"]}, root=tmp_path)
    report = check_source(source, "app/client.py", settings)
    assert [(f.code, f.span.line) for f in report.findings] == [("ARC401", 2)]
    assert report.suppressed == 1
    ignoring = settings_from_table(
        {"select": ["ARC401"], "per-file-ignores": {"app/*.py": ["ARC401"]}}, root=tmp_path)
    assert check_source(source, "app/client.py", ignoring).findings == []
    # CRLF from an editor: the same lines and columns as the file on disk would give.
    crlf = check_source(source.replace("\n", "\r\n"), "app/client.py", settings)
    assert [f.span for f in crlf.findings] == [f.span for f in report.findings]


def test_is_excluded_follows_the_scan(tmp_path):
    (tmp_path / ".gitignore").write_text("generated/\n")
    settings = settings_from_table({"extend-exclude": ["legacy/*.py"]}, root=tmp_path)
    assert not is_excluded(tmp_path / "app" / "client.py", settings)
    assert is_excluded(tmp_path / "generated" / "api.py", settings)
    assert is_excluded(tmp_path / "legacy" / "old.py", settings)
    assert is_excluded(tmp_path / ".venv" / "lib" / "x.py", settings)
    assert is_excluded(Path("/elsewhere/x.py"), settings)
