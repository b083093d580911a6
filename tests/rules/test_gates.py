"""The second pre-filter (`_Triggered.gate`, `_mentions.py`): what a file reaches through its
imports decides whether a LibCST checker parses it. A gate may let through a file without a
finding, never the other way round."""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import pytest

from archlint.config import parse_options
from archlint.engine.worker import _through_gates, analyze_source, decode_source
from archlint.rules._calls import reaches_catalogue
from archlint.rules._mentions import Mentions
from archlint.rules.base import Collector, Rule
from archlint.rules.data_access.sql_string_building import SqlStringBuilding
from archlint.rules.observability._outbound import OutboundCallCollector
from archlint.rules.registry import all_rules
from archlint.rules.resilience.blocking_call_in_async import BlockingCallInAsync
from archlint.rules.resilience.external_call_without_timeout import ExternalCallWithoutTimeout

FIXTURES = Path(__file__).resolve().parent.parent.parent / "fixtures"


def mentions(source: str) -> Mentions:
    source = textwrap.dedent(source)
    return Mentions(ast.parse(source), source)


# -- what a file reaches ------------------------------------------------------------------------
def test_imports_are_bound_as_the_name_table_binds_them() -> None:
    found = mentions("""
        import a.b
        import c.d as e
        from .m import x as y, z
        from .. import w
        from f import *
        def g():
            import h
    """).imports
    assert found == [("a", "a"), ("e", "c.d"), ("y", ".m.x"), ("z", ".m.z"), ("w", "..w"),
                     ("h", "h")]


@pytest.mark.parametrize("source", [
    "import requests\nrequests.get(url)",
    "import requests as r\nr . get(url)",
    "from requests import get as fetch\nfetch(url)",
    "import urllib.request\nurllib.request.urlopen(url)",
    "from sqlalchemy import create_engine\nengine = create_engine(url)",
    "import httpx\ndef f(client: httpx.Client): ...",
    "import boto3\nclient = (\n    boto3\n    .client('s3')\n)",
    "from .protos import users_pb2_grpc\nstub = users_pb2_grpc.UsersStub(channel)",
    "from mypy_boto3_s3 import S3Client\ndef f(s3: S3Client): ...",
    "def f():\n    import requests\n    return requests.post(url)",
])
def test_a_catalogue_name_reached_through_an_import_opens_the_gate(source: str) -> None:
    assert reaches_catalogue(mentions(source))


@pytest.mark.parametrize("source", [
    '"""Sends requests to the server."""\ndef send(requests): return requests.pop()',
    "import requests\nfrom requests.exceptions import HTTPError\nraise HTTPError()",
    "import sqlalchemy as sa\ncolumn = sa.Column(sa.Integer)",
    "from myapp import requests\nrequests.get(url)",
    "import requestsx\nrequestsx.get(url)",
    "import requests\nsession.requests.get(url)",
])
def test_a_file_that_reaches_no_catalogue_name_stays_closed(source: str) -> None:
    assert not reaches_catalogue(mentions(source))


def test_a_rule_s_own_names_open_the_gate_and_their_owners_too() -> None:
    also = frozenset({"myapp.legacy.Client.fetch"})
    assert reaches_catalogue(mentions("from myapp import legacy\nlegacy.Client().x"), also)
    assert not reaches_catalogue(mentions("from myapp import other\nother.legacy()"), also)


def test_calls_any_wants_the_name_called() -> None:
    found = mentions("cursor.execute (query)\nrun(fetch)\nsql(query)\n")
    assert found.calls_any(methods={"execute"})
    assert not found.calls_any(methods={"fetch"})
    assert not found.calls_any(functions={"execute"})  # a method, not a function
    assert found.calls_any(functions={"sql"})
    assert not mentions("executor = pool.executor\nrun(executor)").calls_any({"execute"})


# -- the worker applies them --------------------------------------------------------------------
def spec(rule: type) -> tuple[type, object]:
    if issubclass(rule, Rule):
        return rule, parse_options(rule, {}, "test")
    return rule, rule.Options()


def test_a_closed_gate_spares_the_libcst_parse() -> None:
    source = '"""Handles requests; executes the sqlalchemy query."""\ndef handle(requests): pass\n'
    specs = [spec(ExternalCallWithoutTimeout), spec(SqlStringBuilding)]
    assert all(cls.wants(source, opts) for cls, opts in specs)
    assert _through_gates(source, "a.py", specs, None, parsed_already=False)[0] == []
    result = analyze_source(source, "a.py", specs)
    assert not result.findings and not result.notifications


def test_a_file_ast_cannot_parse_goes_through_ungated() -> None:
    source = "import requests\nprint 'py2'\n"
    specs = [spec(ExternalCallWithoutTimeout)]
    assert _through_gates(source, "a.py", specs, None, parsed_already=False) == (specs, None)
    assert [n.kind.value for n in analyze_source(source, "a.py", specs).notifications] == [
        "parse-error"]


def test_options_reach_the_gate() -> None:
    source = "from myapp.legacy import fetch_rows\nasync def f():\n    fetch_rows()\n"
    rule = BlockingCallInAsync
    plain = parse_options(rule, {}, "test")
    configured = parse_options(rule, {"blocking-functions": ["myapp.legacy.fetch_rows"]}, "test")
    assert not rule.gate(mentions(source), plain)
    assert rule.gate(mentions(source), configured)
    assert [f.code for f in analyze_source(source, "a.py", [(rule, configured)]).findings] == [
        "ARC403"]


# -- never a lost finding -----------------------------------------------------------------------
def _gated_checkers() -> list[type]:
    found: list[type] = []
    for rule in all_rules():
        candidates = [rule] if issubclass(rule, Rule) else list(getattr(rule, "collectors", ()))
        found.extend(c for c in candidates if issubclass(c, (Rule, Collector)) and c.has_gate()
                     and c not in found)
    return found


def _sources() -> list[tuple[str, str, type | None, dict]]:
    """Every example and fixture file of the suite, the cases the rules are known to report:
    (name, source, the rule it is an example of, the options it runs under)."""
    found = []
    for rule in all_rules():
        for example in (*rule.VALID, *rule.INVALID):
            if isinstance(example, str):
                found.append((f"{rule.code} example", textwrap.dedent(example), rule, {}))
                continue
            options = dict(getattr(example, "options", {}))
            found.append((f"{rule.code} example", textwrap.dedent(example.source), rule, options))
            for path, text in getattr(example, "files", {}).items():
                if path.endswith(".py"):
                    found.append((f"{rule.code} {path}", textwrap.dedent(text), rule, options))
    for path in sorted(FIXTURES.rglob("*.py")):
        found.append((str(path.relative_to(FIXTURES)), decode_source(path.read_bytes()), None, {}))
    return found


def test_gated_checkers_are_the_expected_ones() -> None:
    names = {c.__name__ for c in _gated_checkers()}
    assert {"ExternalCallWithoutTimeout", "SqlStringBuilding", "OutboundCallCollector",
            "BlockingCallInAsync"} <= names


@pytest.mark.parametrize("checker", _gated_checkers(), ids=lambda c: c.__name__)
def test_a_closed_gate_never_hides_a_finding_or_a_fact(checker: type) -> None:
    """Every file the suite knows, run with the gate and without it: the same results."""
    ungated = type(checker.__name__, (checker,), {"gate": classmethod(lambda c, m, o: True)})
    closed = 0
    for name, source, rule, options in _sources():
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        if rule is checker and options:
            opts = parse_options(checker, options, name)
        else:
            opts = spec(checker)[1]
        if checker.gate(Mentions(tree, source), opts):
            continue
        closed += 1
        result = analyze_source(source, "app/module.py", [(ungated, opts)])
        assert not result.findings and not any(result.facts.values()), name
    assert closed  # the gate closes on some of them, or this test proves nothing


def test_outbound_collector_is_gated_like_the_rules_it_feeds() -> None:
    assert OutboundCallCollector.has_gate()
