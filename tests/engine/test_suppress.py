from __future__ import annotations

from archlint.engine.suppress import apply_suppressions, parse_suppressions, unused_suppressions
from archlint.model import Finding, Severity, Span


def finding(line, code="ARC301", name="sql-string-building", statement=None, path="a.py"):
    return Finding(code, name, "m", path, Span(line, 0, line, 1), Severity.ERROR,
                   statement_lines=statement)


def comments(source, path="a.py"):
    return {path: parse_suppressions(source)}


def test_noqa_forms():
    parsed = parse_suppressions(
        "a  # noqa\nb  # noqa: ARC301\nc  # noqa:ARC301,ARC401\nd  # NOQA: E501 ARC4\n"
    )
    assert [(c.line, c.codes) for c in parsed] == [
        (1, ()), (2, ("ARC301",)), (3, ("ARC301", "ARC401")), (4, ("E501", "ARC4")),
    ]


def test_archlint_ignore_with_reason_and_names():
    [c] = parse_suppressions("x()  # archlint: ignore[ARC301, external-call-without-timeout] -- vetted\n")
    assert c.codes == ("ARC301", "external-call-without-timeout") and c.reason == "vetted"
    assert c.style == "archlint"


def test_noqa_inside_a_string_is_not_a_comment():
    assert parse_suppressions('x = "# noqa"\n') == []


def test_matching_rules():
    source = "q1  # noqa\nq2  # noqa: ARC3\nq3  # noqa: E501\nq4  # archlint: ignore[sql-string-building]\nq5  # archlint: ignore[ARC401]\n"
    found = [finding(n) for n in range(1, 6)]
    out = apply_suppressions(found, comments(source))
    assert [f.span.line for f in out.kept] == [3, 5]
    assert out.suppressed == 3


def test_comment_on_first_or_last_line_of_statement():
    source = "cur.execute(  # noqa: ARC301\n    q,\n)\nother(\n    q,\n)  # archlint: ignore[ARC301]\nthird(\n  q,  \n)\n"
    found = [finding(2, statement=(1, 3)), finding(5, statement=(4, 6)), finding(8, statement=(7, 9))]
    out = apply_suppressions(found, comments(source))
    assert [f.span.line for f in out.kept] == [8]


def test_per_file_ignores_by_glob_code_prefix_and_name():
    found = [finding(1, path="scripts/x.py"), finding(1, path="app/x.py"),
             finding(2, "ARC401", "external-call-without-timeout", path="app/x.py")]
    out = apply_suppressions(found, {}, [("scripts/*", ("ARC3",)),
                                         ("app/**", ("external-call-without-timeout",))])
    assert [(f.path, f.code) for f in out.kept] == [("app/x.py", "ARC301")]


def test_unused_suppressions_only_for_enabled_archlint_codes():
    source = "a  # noqa: ARC301\nb  # noqa\nc  # noqa: E501\nd  # archlint: ignore[ARC401]\ne  # noqa: ARC301\n"
    all_comments = comments(source)
    out = apply_suppressions([finding(5)], all_comments)
    unused = unused_suppressions(all_comments, out.used, {"ARC301", "ARC401"},
                                 {"sql-string-building"})
    assert [c.line for _, c in unused] == [1, 4]
