"""ARC402 external-call-without-circuit-breaker: guards, the module's call graph, scope, wording."""

from __future__ import annotations

import pytest
from _support import run_rule

from archlint.model import Severity
from archlint.rules.resilience.external_call_without_circuit_breaker import (
    ExternalCallWithoutCircuitBreaker as ARC402,
)


def findings(source: str, path: str = "app/adapters.py", **options):
    result = run_rule(ARC402, source, {k.replace("_", "-"): v for k, v in options.items()}, path)
    assert not result.notifications, result.notifications
    return result.findings


def lines(source: str, path: str = "app/adapters.py", **options) -> list[int]:
    return sorted(f.span.line for f in findings(source, path, **options))


def only(source: str, **options):
    found = findings(source, **options)
    assert len(found) == 1, [(f.span.line, f.message) for f in found]
    return found[0]


def test_metadata():
    assert ARC402.severity is Severity.WARNING
    assert ARC402.cwe is None
    assert ARC402.tags == ("resilience",)
    assert ARC402.meta().summary.startswith("Flags an outbound call to a remote service")


# -- guards --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "source",
    [
        # pybreaker instance as a decorator, built at module level
        """
        import pybreaker, requests
        breaker = pybreaker.CircuitBreaker(fail_max=5)
        @breaker
        def f(u):
            return requests.get(u, timeout=5)
        """,
        # aliased import, instance built in a class body, used on a method
        """
        from pybreaker import CircuitBreaker as CB
        import httpx
        class Users:
            cb = CB()
            @cb
            def get(self, client: httpx.Client):
                return client.get("/users")
        """,
        # circuitbreaker: bare and called
        """
        from circuitbreaker import circuit
        import requests
        @circuit
        def f(u):
            return requests.get(u, timeout=5)
        @circuit(failure_threshold=3, recovery_timeout=10)
        def g(u):
            return requests.get(u, timeout=5)
        """,
        # circuitbreaker.CircuitBreaker subclass defined in the module
        """
        from circuitbreaker import CircuitBreaker
        import requests
        class PaymentsBreaker(CircuitBreaker):
            FAILURE_THRESHOLD = 5
        @PaymentsBreaker()
        def f(u):
            return requests.get(u, timeout=5)
        """,
        # aiobreaker instance, async decorator and call_async
        """
        import aiobreaker, aiohttp
        breaker = aiobreaker.CircuitBreaker()
        @breaker
        async def f(session: aiohttp.ClientSession, u):
            return await session.get(u)
        async def g(session: aiohttp.ClientSession, u):
            return await breaker.call_async(session.get, u)
        """,
        # purgatory: decorator, async with await get_breaker, sync with get_breaker
        """
        from purgatory import AsyncCircuitBreakerFactory, SyncCircuitBreakerFactory
        import httpx, requests
        breakers = AsyncCircuitBreakerFactory()
        sync_breakers = SyncCircuitBreakerFactory()
        @breakers("users")
        async def f(client: httpx.AsyncClient):
            return await client.get("/users")
        async def g(client: httpx.AsyncClient):
            async with await breakers.get_breaker("users"):
                return await client.get("/users")
        def h(u):
            with sync_breakers.get_breaker("users"):
                return requests.get(u, timeout=5)
        """,
        # pybreaker: breaker.call with the function passed, with a lambda, and calling()
        """
        import pybreaker, requests
        breaker = pybreaker.CircuitBreaker()
        def f(u):
            return breaker.call(requests.get, u, timeout=5)
        def g(u):
            return breaker.call(lambda: requests.get(u, timeout=5))
        def h(u):
            with breaker.calling():
                return requests.get(u, timeout=5)
        """,
        # a breaker on self, built in __init__
        """
        import pybreaker, requests
        class Api:
            def __init__(self):
                self.breaker = pybreaker.CircuitBreaker()
                self.session = requests.Session()
            def users(self):
                with self.breaker.calling():
                    return self.session.get("https://api/users", timeout=5)
            def orders(self):
                return self.breaker.call(self.session.get, "https://api/orders", timeout=5)
        """,
        # an unknown breaker, named so: taken as a guard
        """
        from app.resilience import payments_breaker
        import requests
        @payments_breaker
        def f(u):
            return requests.get(u, timeout=5)
        """,
    ],
)
def test_guarded_calls_are_quiet(source):
    assert lines(source) == []


def test_configured_guards_decorator_context_callable_and_class():
    source = """
        import requests
        from app import resilience
        from app.resilience import guarded, protect

        @resilience.shield
        def a(u):
            return requests.get(u, timeout=5)

        def b(u):
            with protect("payments"):
                return requests.get(u, timeout=5)

        def c(u):
            return guarded(requests.get, u, timeout=5)

        def d(u):
            return guarded(lambda: requests.get(u, timeout=5))

        @protect
        class Api:
            def e(self, u):
                return requests.get(u, timeout=5)
        """
    assert lines(source) == [8, 12, 18, 23]
    assert lines(source, guards=["app.resilience.shield", "protect", "guarded"]) == []
    assert lines(source, guards=["resilience.shield"]) == [12, 18, 23]


def test_guard_wraps_only_its_block():
    source = """
        import pybreaker, requests
        breaker = pybreaker.CircuitBreaker()
        def f(u):
            with breaker.calling():
                requests.get(u, timeout=5)
            requests.post(u, timeout=5)
        """
    assert lines(source) == [7]


# -- the module's call graph -------------------------------------------------------------------
def test_guarded_by_every_caller_transitively():
    source = """
        import pybreaker, requests
        breaker = pybreaker.CircuitBreaker()

        class Payments:
            @breaker
            def charge(self, order):
                return self._post("/charges", order)

            @breaker
            def refund(self, order):
                return self._post("/refunds", order)

            def _post(self, path, body):
                return _send(path, body)

        def _send(path, body):
            return requests.post(path, json=body, timeout=5)
        """
    assert lines(source) == []


def test_one_unguarded_caller_is_named():
    source = """
        import pybreaker, requests
        breaker = pybreaker.CircuitBreaker()

        @breaker
        def guarded():
            return _get()

        def unguarded():
            return _get()

        def _get():
            return requests.get("https://api", timeout=5)
        """
    found = only(source)
    assert found.span.line == 13
    assert "_get() is called from unguarded(), which no breaker guards" in found.message


def test_function_without_caller_must_guard_itself():
    source = """
        import requests
        def _get():
            return requests.get("https://api", timeout=5)
        """
    assert lines(source) == [4]


def test_passing_a_function_to_the_breaker_guards_it():
    source = """
        import pybreaker, requests
        breaker = pybreaker.CircuitBreaker()
        class Api:
            def users(self):
                return breaker.call(self._fetch, "/users")
            def _fetch(self, path):
                return requests.get(path, timeout=5)
        """
    assert lines(source) == []


def test_passing_a_function_elsewhere_is_an_unguarded_caller():
    source = """
        import pybreaker, requests
        breaker = pybreaker.CircuitBreaker()
        @breaker
        def a():
            return _fetch()
        def b(executor):
            return executor.submit(_fetch)
        def _fetch():
            return requests.get("https://api", timeout=5)
        """
    assert lines(source) == [10]


def test_recursion_under_a_guard_stays_guarded():
    source = """
        import pybreaker, requests
        breaker = pybreaker.CircuitBreaker()
        @breaker
        def entry():
            return _page(None)
        def _page(token):
            data = requests.get("https://api", params={"t": token}, timeout=5).json()
            return _page(data["next"]) if data["next"] else data
        """
    assert lines(source) == []


def test_nested_function_called_by_guarded_outer():
    source = """
        import pybreaker, requests
        breaker = pybreaker.CircuitBreaker()
        @breaker
        def outer():
            def inner():
                return requests.get("https://api", timeout=5)
            return inner()
        """
    assert lines(source) == []


def test_base_class_method_called_through_self():
    source = """
        import pybreaker, requests
        breaker = pybreaker.CircuitBreaker()
        class Base:
            def _get(self, u):
                return requests.get(u, timeout=5)
        class Users(Base):
            @breaker
            def list(self):
                return self._get("https://api/users")
        """
    assert lines(source) == []


# -- scope ---------------------------------------------------------------------------------------
def test_remote_services_in_scope():
    source = """
        import boto3, grpc
        from app.protos import users_pb2_grpc
        from requests_oauthlib import OAuth2Session
        import http.client

        class Adapters:
            def __init__(self):
                self.sqs = boto3.client("sqs")
                self.stub = users_pb2_grpc.UsersStub(grpc.insecure_channel("users:50051"))
                self.oauth = OAuth2Session("client-id")

            def publish(self, body):
                self.sqs.send_message(QueueUrl=URL, MessageBody=body)

            def user(self, request):
                return self.stub.GetUser(request, timeout=2)

            def token(self):
                return self.oauth.fetch_token(TOKEN_URL, client_secret=SECRET, timeout=5)

            def raw(self):
                conn = http.client.HTTPSConnection("api.example.com", timeout=5)
                conn.request("GET", "/")
                return conn.getresponse()
        """
    found = findings(source)
    assert [f.span.line for f in found] == [14, 17, 20, 24]
    assert "self.sqs.send_message() (boto3 client) calls a cloud service API" in found[0].message
    assert "(gRPC stub) calls a gRPC service" in found[1].message
    assert "(requests_oauthlib.OAuth2Session)" in found[2].message


def test_databases_caches_brokers_and_constructions_are_out_of_scope():
    source = """
        import boto3, psycopg2, redis, requests, smtplib
        from kafka import KafkaProducer

        def work(key):
            boto3.client("s3")
            requests.Session()
            redis.Redis(socket_timeout=1).get(key)
            psycopg2.connect(DSN).cursor().execute("select 1")
            KafkaProducer().send("topic", b"x")
            smtplib.SMTP("mail", timeout=5).sendmail(a, b, c)
            boto3.client("s3").generate_presigned_url("get_object", Params={})
        """
    assert lines(source) == []


def test_import_time_and_one_off_calls_are_quiet():
    source = """
        import requests

        CONFIG = requests.get("https://config", timeout=5).json()

        def _load():
            return requests.get("https://flags", timeout=5).json()

        FLAGS = _load()

        def main():
            requests.get("https://api", timeout=5)

        def health():
            return requests.get("http://localhost:8080/health", timeout=1)

        def local(port):
            return requests.get(f"http://127.0.0.1:{port}/ping", timeout=1)
        """
    assert lines(source) == []


@pytest.mark.parametrize(
    "path",
    [
        "tests/test_api.py", "app/tests/helpers.py", "test_api.py", "api_test.py", "conftest.py",
        "app/migrations/0002_backfill.py", "alembic/versions/abc.py", "scripts/backfill.py",
        "app/__main__.py", "app/cli/users.py", "app/cli.py", "manage.py",
    ],
)
def test_tests_migrations_and_scripts_are_quiet(path):
    source = "import requests\ndef f():\n    return requests.get(URL, timeout=5)\n"
    assert lines(source, path=path) == []
    assert lines(source, path="app/services/api.py") == [3]


def test_argparse_program_is_a_script():
    source = """
        import argparse, requests
        def fetch(u):
            return requests.get(u, timeout=5)
        if __name__ == "__main__":
            parser = argparse.ArgumentParser()
            fetch(parser.parse_args().url)
        """
    assert lines(source) == []
    web_main = source.replace("import argparse, requests", "import requests").replace(
        "parser = argparse.ArgumentParser()\n            fetch(parser.parse_args().url)",
        "uvicorn.run(app)",
    )
    assert "argparse" not in web_main
    assert lines(web_main) == [4]


# -- wording: retries are not a breaker -----------------------------------------------------------
def test_message_mentions_tenacity_retry_of_a_caller():
    source = """
        import requests
        from tenacity import retry, stop_after_attempt

        @retry(stop=stop_after_attempt(3))
        def sync_users():
            return _get("/users")

        def _get(path):
            return requests.get(path, timeout=5)
        """
    found = only(source)
    assert found.span.line == 10
    assert "retries alone are not a breaker: @tenacity.retry on sync_users()" in found.message


def test_message_mentions_retrying_loop_and_urllib3_retry():
    source = """
        import requests
        import tenacity
        from requests.adapters import HTTPAdapter
        from urllib3.util.retry import Retry

        session = requests.Session()
        session.mount("https://", HTTPAdapter(max_retries=Retry(total=3, backoff_factor=1)))

        def a():
            for attempt in tenacity.Retrying(stop=tenacity.stop_after_attempt(3)):
                with attempt:
                    return requests.get("https://api", timeout=5)

        def b():
            return session.get("https://api", timeout=5)
        """
    found = findings(source)
    assert [f.span.line for f in found] == [13, 16]
    assert "retries alone are not a breaker: a tenacity.Retrying loop" in found[0].message
    assert "the urllib3 Retry built in this module" in found[1].message


def test_message_without_retries():
    found = only("import httpx\nasync def f(c: httpx.AsyncClient):\n    return await c.get('/x')\n")
    assert found.message == (
        "c.get() (httpx.AsyncClient) calls a remote HTTP service with no circuit breaker; when "
        "the service fails or slows down, every caller keeps waiting on it"
    )
    assert "pybreaker.CircuitBreaker" in found.help


def test_probes_and_version_checks_are_quiet():
    source = """
        import httpx, requests

        async def verify_connection(client: httpx.AsyncClient, url):
            return await client.get(url + "/models")

        def healthcheck(url):
            return requests.get(url + "/health", timeout=1)

        def check_for_updates():
            return _latest_version()

        def _latest_version():
            return requests.get("https://pypi.org/pypi/app/json", timeout=2).json()

        def _fetch_models(url):
            return requests.get(url + "/models", timeout=5)

        def ping_models(url):
            return _fetch_models(url)

        def list_models(url):
            return _fetch_models(url)
        """
    assert lines(source) == [17]
