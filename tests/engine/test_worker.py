"""Phase 1 on one file: decoding, parsing, rule isolation, positions, facts."""

from __future__ import annotations

from _support import FunctionNames, PrintCall, spec

from archlint.engine.worker import DecodeError, analyze_file, analyze_source, decode_source
from archlint.model import NotificationKind, Span
import libcst as cst
import pytest


def test_finding_is_complete_with_code_point_columns():
    source = 'x = "é€😀"; print(x)\n'
    [finding] = analyze_source(source, "m.py", [spec(PrintCall)]).findings
    assert finding.code == "ARC999" and finding.path == "m.py"
    # 0-based column counted in code points: the emoji is one column, not two (UTF-16) or four.
    assert finding.span == Span(1, 11, 1, 19)
    assert finding.help == "use logging"
    assert finding.statement_lines == (1, 1)


def test_statement_lines_cover_a_multiline_statement():
    source = "result = wrap(\n    1,\n    print(2),\n)\n"
    [finding] = analyze_source(source, "m.py", [spec(PrintCall)]).findings
    assert finding.span.line == 3
    assert finding.statement_lines == (1, 4)


def test_options_reach_the_rule():
    source = "shout('a')\nprint('b')\n"
    result = analyze_source(source, "m.py", [spec(PrintCall, word="shout")])
    assert [f.span.line for f in result.findings] == [1]


def test_file_without_trigger_words_is_not_parsed():
    result = analyze_source("x = (\n", "m.py", [spec(PrintCall)])  # would not parse
    assert not result.parsed and not result.notifications


def test_parse_error_becomes_a_notification_with_line():
    result = analyze_source("def f(:\n    print(1)\n", "bad.py", [spec(PrintCall)])
    [note] = result.notifications
    assert note.kind is NotificationKind.PARSE_ERROR and note.path == "bad.py"
    assert note.line == 1 and "cannot parse" in note.message
    assert result.findings == []


def test_rule_that_raises_is_reported_and_others_still_run():
    source = "print(1)\nboom()\nprint(2)\n"
    result = analyze_source(source, "m.py", [spec(PrintCall), spec(PrintCall, word="boom")])
    # The rule instance with word="print" hits boom() and dies after its first finding; the other
    # instance (word="boom") also raises on boom(): both are reported, nothing escapes.
    kinds = {n.kind for n in result.notifications}
    assert kinds == {NotificationKind.INTERNAL_ERROR}
    assert all("ValueError: rule bug on purpose" in n.message for n in result.notifications)
    assert "Traceback" in result.notifications[0].detail
    assert [f.span.line for f in result.findings] == [1]


def test_skip_file_comment():
    result = analyze_source("# archlint: skip-file\nprint(1)\n", "m.py", [spec(PrintCall)])
    assert result.skipped and result.findings == []


def test_skip_file_text_inside_a_string_does_not_skip():
    result = analyze_source('x = "archlint: skip-file"\nprint(1)\n', "m.py", [spec(PrintCall)])
    assert not result.skipped and len(result.findings) == 1


def test_collector_facts_are_plain_data():
    result = analyze_source("def a():\n    pass\n", "m.py", [spec(FunctionNames)])
    assert result.facts == {"function-names": [("a", Span(1, 4, 1, 5))]}


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"\xef\xbb\xbfprint('bom')\n", "print('bom')\n"),
        (b"# -*- coding: latin-1 -*-\ns = '\xe9'\n", "# -*- coding: latin-1 -*-\ns = '\xe9'\n"),
        (b"a = 1\r\nb = 2\r\n", "a = 1\nb = 2\n"),
        (b"a = 1\rb = 2\r", "a = 1\nb = 2\n"),
    ],
)
def test_decode_pep263(data, expected):
    assert decode_source(data) == expected


def test_decode_rejects_non_utf8_without_cookie():
    with pytest.raises(DecodeError):
        decode_source(b"s = '\xe9'\n")


def test_decode_rejects_unknown_cookie():
    with pytest.raises(DecodeError):
        decode_source(b"# coding: klingon\nx = 1\n")


def test_analyze_file_reports_undecodable_and_missing(tmp_path):
    bad = tmp_path / "latin.py"
    bad.write_bytes(b"x = 1\n\n\nprint('\xe9')\n")
    [note] = analyze_file(str(bad), "latin.py", [spec(PrintCall)]).notifications
    assert note.kind is NotificationKind.DECODE_ERROR and "utf-8" in note.message
    assert note.line == 4
    [gone] = analyze_file(str(tmp_path / "gone.py"), "gone.py", [spec(PrintCall)]).notifications
    assert gone.kind is NotificationKind.UNREADABLE


def test_crlf_file_positions_match_lines(tmp_path):
    path = tmp_path / "crlf.py"
    path.write_bytes(b"x = 1\r\n\r\nprint(x)\r\n")
    [finding] = analyze_file(str(path), "crlf.py", [spec(PrintCall)]).findings
    assert finding.span.line == 3


def test_rule_that_fails_to_start_is_reported_and_others_still_run():
    from _support import BrokenAtStart

    result = analyze_source("print(1)\n", "m.py", [spec(BrokenAtStart), spec(PrintCall)])
    [note] = result.notifications
    assert note.kind is NotificationKind.INTERNAL_ERROR and note.rule == "ARC996"
    assert "RecursionError" in note.message
    assert [f.code for f in result.findings] == ["ARC999"]


# -- AstCollectors: facts from CPython's ast, without a LibCST parse -------------------------------
from archlint.rules.architecture._imports import ImportCollector  # noqa: E402


def test_file_only_ast_collectors_want_is_not_parsed_by_libcst(monkeypatch):
    import libcst

    def refuse(*args, **kwargs):
        raise AssertionError("LibCST must not parse this file")

    monkeypatch.setattr(libcst, "parse_module", refuse)
    result = analyze_source("import os\nfrom . import sibling\n", "a.py", [spec(ImportCollector)])
    assert result.parsed and not result.notifications
    assert [(f.module, f.span.line) for f in result.facts["imports"]] == [("os", 1), ("", 2)]


def test_ast_and_libcst_checkers_share_one_file_and_one_parse_error():
    source = "import os\nprint(os)\n"
    result = analyze_source(source, "a.py", [spec(ImportCollector), spec(PrintCall)])
    assert [f.code for f in result.findings] == ["ARC999"] and result.facts["imports"]
    broken = analyze_source("import os\nprint(1)\ndef f(:\n", "b.py",
                            [spec(ImportCollector), spec(PrintCall)])
    assert [n.kind for n in broken.notifications] == [NotificationKind.PARSE_ERROR]
    alone = analyze_source("import os\ndef f(:\n", "b.py", [spec(ImportCollector)])
    assert [(n.kind, n.line) for n in alone.notifications] == [(NotificationKind.PARSE_ERROR, 2)]


def test_ast_collector_columns_count_code_points():
    result = analyze_source("x = 'é'; import os\n", "a.py", [spec(ImportCollector)])
    assert result.facts["imports"][0].span == Span(1, 16, 1, 18)


def test_the_parse_skips_libcst_node_checks_only_while_it_runs() -> None:
    from archlint.engine.worker import _parse_unvalidated

    module = _parse_unvalidated("x = compute(a, b=1)\n")
    assert module.code == "x = compute(a, b=1)\n"
    with pytest.raises(cst.ParserSyntaxError):
        _parse_unvalidated("def (:\n")
    with pytest.raises(cst.CSTValidationError):  # nodes built elsewhere (fixes) are still checked
        cst.Name("not a name")
