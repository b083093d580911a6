"""ARC404 retry-without-backoff: tenacity, backoff, urllib3 Retry, hand-written loops."""

from __future__ import annotations

import pytest
from _support import run_rule

from archlint.model import Severity
from archlint.rules.resilience.retry_without_backoff import RetryWithoutBackoff as ARC404


def findings(source: str, path: str = "app/clients.py"):
    result = run_rule(ARC404, source, {}, path)
    assert not result.notifications, result.notifications
    return result.findings


def lines(source: str, path: str = "app/clients.py") -> list[int]:
    return sorted(f.span.line for f in findings(source, path))


def only(source: str):
    found = findings(source)
    assert len(found) == 1, [(f.span.line, f.message) for f in found]
    return found[0]


def test_metadata():
    assert ARC404.severity is Severity.WARNING
    assert ARC404.cwe == 400
    assert ARC404.meta().summary.startswith("Flags a retry that hammers a failing dependency")


# -- tenacity ------------------------------------------------------------------------------------
def test_tenacity_bare_decorator_and_applied_by_hand():
    source = """
        import tenacity
        from tenacity import retry

        @retry
        def a(): ...

        @tenacity.retry
        def b(): ...

        c = retry(lambda: fetch())
        """
    found = findings(source)
    assert [f.span.line for f in found] == [5, 8, 11]
    assert "@retry with no arguments retries forever and at once" in found[0].message
    assert "@tenacity.retry with no arguments" in found[1].message


def test_tenacity_missing_stop_or_wait():
    source = """
        from tenacity import (AsyncRetrying, Retrying, retry, stop_after_attempt, wait_exponential,
                              wait_fixed, wait_none)

        @retry(wait=wait_exponential())
        def a(): ...

        @retry(stop=stop_after_attempt(3))
        def b(): ...

        @retry(reraise=True)
        def c(): ...

        @retry(stop=stop_after_attempt(3), wait=wait_none())
        def d(): ...

        @retry(stop=stop_after_attempt(3), wait=wait_fixed(0))
        def e(): ...

        def f():
            for attempt in Retrying(stop=stop_after_attempt(3)):
                with attempt:
                    fetch()

        async def g():
            async for attempt in AsyncRetrying(wait=wait_fixed(1)):
                with attempt:
                    await fetch()
        """
    found = findings(source)
    assert [f.span.line for f in found] == [5, 8, 11, 14, 17, 21, 26]
    assert "has no stop= (tenacity retries forever by default)" in found[0].message
    assert "has no wait= (tenacity retries at once by default)" in found[1].message
    assert "no stop= (tenacity retries forever by default) and no wait=" in found[2].message
    assert "wait=wait_none(), no wait at all" in found[3].message
    assert "wait=wait_fixed(0), no wait at all" in found[4].message
    assert found[5].message.startswith("Retrying(...) has no wait=")


@pytest.mark.parametrize(
    "source",
    [
        ("from tenacity import retry, stop_after_attempt, wait_random_exponential\n"
        "@retry(stop=stop_after_attempt(5), wait=wait_random_exponential(max=30))\ndef f(): ...\n"),
        # **kwargs may carry stop and wait
        "from tenacity import retry\n@retry(**RETRY_POLICY)\ndef f(): ...\n",
        # stop_never written out: chosen on purpose
        ("from tenacity import retry, stop_never, wait_fixed\n"
        "@retry(stop=stop_never, wait=wait_fixed(5))\ndef f(): ...\n"),
        # other retry decorators
        "from app.utils import retry\n@retry\ndef f(): ...\n",
        "from retrying import retry\n@retry\ndef f(): ...\n",
    ],
)
def test_tenacity_quiet(source):
    assert lines(source) == []


# -- backoff -------------------------------------------------------------------------------------
def test_backoff_without_limit():
    source = """
        import backoff
        from backoff import on_predicate

        @backoff.on_exception(backoff.expo, ConnectionError)
        def a(): ...

        @on_predicate(backoff.fibo)
        def b(): ...

        @backoff.on_exception(backoff.expo, ConnectionError, max_tries=None)
        def c(): ...

        @backoff.on_exception(backoff.expo, ConnectionError, max_tries=5)
        def d(): ...

        @backoff.on_exception(backoff.expo, ConnectionError, max_time=60)
        def e(): ...

        def wrap(fn, **kwargs):
            return backoff.on_exception(backoff.expo, Exception, **kwargs)(fn)
        """
    found = findings(source)
    assert [f.span.line for f in found] == [5, 8, 11]
    assert "@backoff.on_exception(...) has neither max_tries nor max_time" in found[0].message
    assert "@on_predicate(...) has neither" in found[1].message
    assert "has max_tries=None" in found[2].message


# -- urllib3 Retry -------------------------------------------------------------------------------
def test_urllib3_retry_backoff_factor():
    source = """
        import urllib3
        from requests.adapters import Retry as R
        from urllib3.util.retry import Retry

        a = Retry(total=5)
        b = urllib3.Retry(total=5, backoff_factor=0)
        c = R(connect=3, backoff_factor=0.0)
        d = Retry(total=5, backoff_factor=0.5)
        e = Retry(total=0)
        f = Retry(1)
        g = Retry(False)
        h = Retry(total=5, **EXTRA)
        i = urllib3.util.Retry(3, backoff_factor=BACKOFF)
        """
    found = findings(source)
    assert [f.span.line for f in found] == [6, 7, 8]
    assert found[0].message.startswith(
        "Retry(...) has no backoff_factor (urllib3's default is 0): every retry follows"
    )
    assert "urllib3.Retry(...) has backoff_factor=0" in found[1].message
    assert "R(...) has backoff_factor=0.0" in found[2].message


def test_other_libraries_retry_classes_are_quiet():
    source = """
        from redis.retry import Retry
        from redis.backoff import NoBackoff
        from rq import Retry as RqRetry
        a = Retry(NoBackoff(), 3)
        b = RqRetry(max=3)
        """
    assert lines(source) == []


# -- hand-written loops ---------------------------------------------------------------------------
def test_tight_retry_loop():
    source = """
        import logging
        import requests

        def fetch(url):
            while True:
                try:
                    response = requests.get(url, timeout=5)
                    break
                except Exception:
                    logging.exception("retrying")
            return response

        async def listen(r: "redis.asyncio.Redis"):
            while 1:
                try:
                    return await session.get(url)
                except:
                    pass
        """
    found = findings(source)
    assert [f.span.line for f in found] == [6]
    assert found[0].message.startswith(
        "this `while True:` loop retries requests.get() on Exception with no pause and no bound"
    )


@pytest.mark.parametrize(
    "body",
    [
        # a pause
        "try:\n    return requests.get(u, timeout=5)\nexcept Exception:\n    time.sleep(1)",
        "try:\n    return requests.get(u, timeout=5)\nexcept Exception:\n    stop.wait(1)",
        # the handler gives up
        "try:\n    return requests.get(u, timeout=5)\nexcept Exception:\n    raise",
        "try:\n    r = requests.get(u, timeout=5)\nexcept Exception:\n    break",
        # a counter compared
        ("n += 1\nif n > 5:\n    raise Failed()\ntry:\n    return requests.get(u, timeout=5)\n"
        "except Exception:\n    continue"),
        # a deadline
        ("if time.monotonic() > deadline:\n    raise Failed()\ntry:\n"
        "    return requests.get(u, timeout=5)\nexcept Exception:\n    continue"),
        # not an external call
        "try:\n    return parse(u)\nexcept Exception:\n    continue",
        # only parsing errors caught
        ("try:\n    return requests.get(u, timeout=5).json()\nexcept (ValueError, KeyError):\n"
        "    continue"),
        # the try is in a nested loop
        ("for u in urls:\n    try:\n        requests.get(u, timeout=5)\n    except Exception:\n"
        "        pass"),
    ],
)
def test_loops_that_pause_or_are_bounded_are_quiet(body):
    indented = "\n".join("        " + line for line in body.splitlines())
    source = f"import time\nimport requests\ndef f(u, n=0):\n    while True:\n{indented}\n"
    assert lines(source) == []


def test_only_while_true():
    source = """
        import requests
        def f(u, running):
            while running:
                try:
                    requests.get(u, timeout=5)
                except Exception:
                    pass
        """
    assert lines(source) == []


def test_tests_are_quiet():
    assert lines("from tenacity import retry\n@retry\ndef f(): ...\n", path="tests/test_x.py") == []
    assert lines("from tenacity import retry\n@retry\ndef f(): ...\n", path="scripts/x.py") == [2]
