"""ARC405 swallowed-dependency-failure: broad handlers that do nothing around external calls,
where a call counts (try body, nested tries), messages, and the quiet cases."""

from __future__ import annotations

import pytest

from archlint.model import Severity
from archlint.rules.resilience.swallowed_dependency_failure import SwallowedDependencyFailure
from _support import run_rule

RULE = SwallowedDependencyFailure


def findings(source: str):
    result = run_rule(RULE, source)
    assert not result.notifications, result.notifications
    return result.findings


def lines(source: str) -> list[int]:
    return sorted(f.span.line for f in findings(source))


def test_metadata():
    assert RULE.code == "ARC405"
    assert RULE.name == "swallowed-dependency-failure"
    assert RULE.severity is Severity.WARNING
    assert RULE.cwe == 390


def test_files_without_a_known_client_library_are_not_parsed():
    assert not RULE.wants("try:\n    f()\nexcept Exception:\n    pass\n", RULE.Options())
    assert not RULE.wants("import requests\n", RULE.Options())  # nothing caught
    assert RULE.wants("import requests\ntry:\n    requests.get(u)\nexcept Exception:\n    pass\n",
                      RULE.Options())


@pytest.mark.parametrize(
    "clause", ["except:", "except Exception:", "except BaseException:",
               "except (KeyError, Exception):", "except Exception as exc:",
               "except builtins.Exception:"],
)
def test_broad_clauses(clause):
    source = f"""
import requests
def f(u):
    try:
        requests.get(u, timeout=1)
    {clause}
        pass
"""
    assert lines(source) == [6]


@pytest.mark.parametrize("body", ["pass", "...", "continue", "break", "'ignored'", "pass; pass"])
def test_bodies_that_do_nothing(body):
    source = f"""
import requests
def f(urls):
    for u in urls:
        try:
            requests.get(u, timeout=1)
        except Exception:
            {body}
"""
    assert lines(source) == [7]


@pytest.mark.parametrize(
    "body",
    ["return", "return None", "raise", "x = 1", "log.debug('x')", "print('x')",
     "if u:\n                pass", "counter += 1"],
)
def test_bodies_that_handle(body):
    source = f"""
import requests
def f(urls):
    for u in urls:
        try:
            requests.get(u, timeout=1)
        except Exception:
            {body}
"""
    assert lines(source) == []


def test_message_names_the_call_the_clause_and_the_body():
    (found,) = findings("""
import redis
r = redis.Redis(socket_timeout=1)
def f(k):
    try:
        r.set(k, 1)
    except Exception:
        pass
""")
    assert found.span.line == 7
    assert found.message.startswith("when r.set() (redis.Redis) fails, `except Exception:` only "
                                    "does `pass`")
    assert "redis.RedisError" in found.help
    assert [rel.span.line for rel in found.related] == [6]


def test_one_finding_per_handler_counting_other_calls():
    (found,) = findings("""
import requests
def f(u):
    try:
        requests.get(u, timeout=1)
        requests.post(u, timeout=1)
        requests.post(u, timeout=1)
    except Exception:
        pass
""")
    assert "(and 1 other external call)" in found.message


def test_one_line_try():
    assert lines("import requests\ntry: requests.get(u, timeout=1)\nexcept: pass\n") == [3]


def test_async_clients_and_with_statements():
    assert lines("""
import aiohttp
async def f(u):
    async with aiohttp.ClientSession() as s:
        try:
            async with s.get(u) as resp:
                return await resp.json()
        except Exception:
            pass
""") == [8]


def test_a_connecting_construction_is_a_call_a_plain_one_is_not():
    assert lines("""
import psycopg2, requests
def f(dsn):
    try:
        psycopg2.connect(dsn)
    except Exception:
        pass
    try:
        requests.Session()
    except Exception:
        pass
""") == [6]


def test_nested_try_without_broad_handler_propagates_to_the_outer_one():
    assert lines("""
import requests
def f(u):
    try:
        try:
            requests.get(u, timeout=1)
        except KeyError:
            raise
    except Exception:
        pass
""") == [9]


def test_inner_swallowing_handler_is_reported_not_the_outer():
    assert lines("""
import requests
def f(u):
    try:
        try:
            requests.get(u, timeout=1)
        except Exception:
            pass
    except Exception:
        pass
""") == [7]


def test_a_narrow_handler_before_the_broad_one_does_not_hide_it():
    assert lines("""
import requests
def f(u):
    try:
        requests.get(u, timeout=1)
    except ValueError:
        raise
    except Exception:
        pass
""") == [8]


def test_the_first_broad_handler_decides():
    assert lines("""
import requests
def f(u):
    try:
        requests.get(u, timeout=1)
    except Exception:
        raise
    except BaseException:
        pass
""") == []


@pytest.mark.parametrize(
    "where",
    [
        "def g():\n            requests.get(u, timeout=1)",
        "g = lambda: requests.get(u, timeout=1)",
        "class G:\n            x = requests.get(u, timeout=1)",
    ],
)
def test_calls_in_definitions_do_not_run_in_the_try(where):
    source = f"""
import requests
def f(u):
    try:
        {where}
    except Exception:
        pass
"""
    # the class body does run, but its calls are not attributed across a class boundary
    assert lines(source) == []


@pytest.mark.parametrize("block", ["else", "finally"])
def test_calls_in_else_and_finally_are_not_covered(block):
    assert lines(f"""
import requests
def f(u):
    try:
        parse(u)
    except Exception:
        pass
    {block}:
        requests.get(u, timeout=1)
""") == []


def test_calls_in_a_handler_belong_to_the_enclosing_try():
    assert lines("""
import requests
def f(u):
    try:
        try:
            parse(u)
        except ValueError:
            requests.post(u, timeout=1)
    except Exception:
        pass
""") == [9]


def test_unknown_clients_are_not_external_calls():
    assert lines("""
import requests
def f(client, u):
    try:
        client.get(u)
    except Exception:
        pass
""") == []


def test_a_failed_round_of_a_polling_loop_is_not_a_swallowed_failure():
    from archlint.rules.resilience.swallowed_dependency_failure import SwallowedDependencyFailure
    from _support import run_rule

    source = """
import asyncio, time, requests

async def wait_ready(client, url):
    while True:
        try:
            await client.get(url)
            return True
        except Exception:
            pass
        await asyncio.sleep(1)

def wait_ready_sync(url):
    for _ in range(30):
        try:
            requests.get(url, timeout=1)
        except Exception:
            pass
        time.sleep(1)

def hammer(url):
    while True:
        try:
            requests.get(url, timeout=1)
        except Exception:
            pass
"""
    result = run_rule(SwallowedDependencyFailure, source, path="app/ready.py")
    assert [f.span.line for f in result.findings] == [25]
