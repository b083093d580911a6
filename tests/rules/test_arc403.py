"""ARC403 blocking-call-in-async: where a call counts as inside `async def`, which clients block,
the offloaded forms, recall against ruff's flake8-async (ASYNC2xx) cases, and wording."""

from __future__ import annotations

import pytest
from _support import run_rule

from archlint.model import Severity
from archlint.rules.resilience.blocking_call_in_async import BlockingCallInAsync as ARC403


def findings(source: str, **options):
    result = run_rule(ARC403, source, {k.replace("_", "-"): v for k, v in options.items()})
    assert not result.notifications, result.notifications
    return result.findings


def lines(source: str, **options) -> list[int]:
    return sorted(f.span.line for f in findings(source, **options))


def only(source: str, **options):
    found = findings(source, **options)
    assert len(found) == 1, [(f.span.line, f.message) for f in found]
    return found[0]


def test_metadata():
    assert ARC403.severity is Severity.ERROR
    assert ARC403.cwe is None
    assert ARC403.tags == ("resilience",)
    assert ARC403.meta().summary.startswith("Flags a synchronous call inside the body of an")
    docs = ARC403.meta().docs
    for leaves_to_ruff in ("ASYNC230", "ASYNC240", "ASYNC250"):
        assert leaves_to_ruff in docs


# -- where: the async function's own body ----------------------------------------------------------
def test_sync_def_is_quiet():
    assert lines(
        """
        import requests, time
        def fetch(u):
            time.sleep(1)
            return requests.get(u, timeout=5)
        """
    ) == []


def test_nested_def_and_lambda_inside_async_def_are_quiet():
    source = """
        import asyncio, requests, time
        async def fetch(u, loop):
            def work():
                time.sleep(1)
                return requests.get(u, timeout=5)
            await asyncio.to_thread(work)
            await loop.run_in_executor(None, lambda: requests.get(u, timeout=5))
            await asyncio.to_thread(lambda: time.sleep(1))
            return requests.get(u, timeout=5)
        """
    assert lines(source) == [10]


def test_async_def_nested_in_a_sync_def_is_checked():
    source = """
        import time
        def make():
            async def tick():
                time.sleep(1)
            return tick
        """
    assert lines(source) == [5]


def test_decorators_and_defaults_are_not_the_body():
    source = """
        import time
        @register(time.sleep(0))
        async def tick(delay=time.sleep(0)):
            pass
        """
    assert lines(source) == []


def test_one_line_async_body():
    assert lines("import time\nasync def tick(): time.sleep(1)\n") == [2]


def test_comprehension_in_async_def_runs_inline():
    source = """
        import requests
        async def fetch_all(urls):
            return [requests.get(u, timeout=5) for u in urls]
        """
    assert lines(source) == [4]


# -- offloaded forms -------------------------------------------------------------------------------
def test_offloaded_forms_pass_the_function():
    source = """
        import asyncio, functools, subprocess, time
        import anyio, requests
        from asgiref.sync import sync_to_async
        from fastapi.concurrency import run_in_threadpool
        from starlette.concurrency import run_in_threadpool as starlette_pool
        async def handler(u):
            loop = asyncio.get_running_loop()
            await loop.run_in_executor(None, requests.get, u)
            await asyncio.to_thread(requests.get, u, timeout=5)
            await anyio.to_thread.run_sync(time.sleep, 1)
            await run_in_threadpool(subprocess.run, ["ls"])
            await starlette_pool(functools.partial(requests.get, u, timeout=5))
            await sync_to_async(requests.get)(u, timeout=5)
        """
    assert lines(source) == []


@pytest.mark.parametrize(
    ("call", "shown"),
    [
        ("await asyncio.to_thread(requests.get(u, timeout=5))", "asyncio.to_thread(requests.get"),
        (
            "await asyncio.get_running_loop().run_in_executor(None, requests.get(u, timeout=5))",
            "run_in_executor(None, requests.get",
        ),
    ],
)
def test_call_written_inside_the_offloader_still_blocks(call, shown):
    found = only(
        f"""
        import asyncio, requests
        async def handler(u):
            return {call}
        """
    )
    assert "before" in found.message and shown in found.message


# -- what blocks ---------------------------------------------------------------------------------
def test_requests_helpers_and_aliases():
    source = """
        import requests as r
        from requests import post
        async def handler(u):
            r.get(u, timeout=5)
            post(u, json={}, timeout=5)
            r.request("GET", u, timeout=5)
        """
    assert lines(source) == [5, 6, 7]


def test_requests_session_in_local_self_and_annotated_param():
    source = """
        import requests
        from requests import Session
        class Api:
            def __init__(self):
                self.http = requests.Session()
            async def a(self, u):
                return self.http.get(u, timeout=5)
        async def b(u):
            s = requests.Session()
            return s.post(u, timeout=5)
        async def c(u, session: Session):
            return session.get(u, timeout=5)
        async def d(u):
            with requests.Session() as s:
                return s.get(u, timeout=5)
        """
    assert lines(source) == [8, 11, 13, 16]


def test_requests_session_construction_does_not_block():
    assert lines("import requests\nasync def f():\n    s = requests.Session()\n") == []


def test_stdlib_http():
    source = """
        import http.client
        import urllib.request
        async def f(u):
            urllib.request.urlopen(u, timeout=5)
            conn = http.client.HTTPSConnection("api", timeout=5)
            conn.request("GET", "/")
            conn.getresponse()
        """
    assert lines(source) == [5, 7, 8]


@pytest.mark.parametrize(
    ("setup", "call", "client"),
    [
        ("import psycopg2\nconn = psycopg2.connect(dsn)\ncur = conn.cursor()", "cur.execute(q)",
         "psycopg2.extensions.cursor"),
        ("import psycopg\nconn = psycopg.connect(dsn)", "conn.execute(q)", "psycopg.Connection"),
        ("import sqlite3\nconn = sqlite3.connect(path)", "conn.commit()", "sqlite3.Connection"),
        ("import pymysql\nconn = pymysql.connect(host='db')", "conn.commit()",
         "pymysql.connections.Connection"),
        ("import MySQLdb\nconn = MySQLdb.connect(host='db')", "conn.ping()",
         "pymysql.connections.Connection"),
    ],
)
def test_sync_db_drivers(setup, call, client):
    found = only(f"{setup}\nasync def f(q):\n    {call}\n")
    assert found.span.line == setup.count("\n") + 3
    assert client in found.message


def test_connecting_inside_async_def_blocks():
    source = """
        import psycopg2
        async def f(dsn):
            return psycopg2.connect(dsn)
        """
    assert "opens a database connection" in only(source).message


@pytest.mark.parametrize(
    "call",
    ["db.execute(stmt)", "db.scalars(stmt)", "db.query(User)", "db.get(User, 1)", "db.commit()",
     "db.flush()", "db.refresh(user)", "db.scalar(stmt)"],
)
def test_sqlalchemy_sync_session_calls(call):
    found = only(
        f"""
        from sqlalchemy.orm import Session
        async def handler(db: Session):
            {call}
        """
    )
    assert "sqlalchemy.orm.Session" in found.message and "AsyncSession" in found.message


def test_sqlalchemy_query_chain_counts_once_and_local_methods_are_quiet():
    source = """
        from sqlalchemy.orm import Session
        async def handler(db: Session, user):
            db.query(User).filter(User.id == 1).order_by(User.id).first()
            db.add(user)
            db.delete(user)
            db.expunge(user)
        """
    assert lines(source) == [4]


def test_sqlalchemy_engine_connection_and_with_session():
    source = """
        from sqlalchemy import create_engine, text
        from sqlalchemy.orm import Session
        from sqlmodel import Session as ModelSession
        engine = create_engine(url)
        async def handler():
            with engine.begin() as conn:
                conn.execute(text("SELECT 1"))
            with Session(engine) as session:
                session.commit()
            with ModelSession(engine) as s:
                s.exec(stmt)
        """
    assert lines(source) == [8, 10, 12]


def test_sqlalchemy_async_session_and_engine_are_quiet():
    source = """
        from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
        engine = create_async_engine(url)
        async def handler(db: AsyncSession):
            await db.execute(stmt)
            db.add(obj)
            await db.commit()
            async with engine.connect() as conn:
                await conn.execute(stmt)
        """
    assert lines(source) == []


def test_redis_sync_client_but_not_redis_asyncio():
    source = """
        import redis
        import redis.asyncio as aioredis
        sync_cache = redis.Redis(socket_timeout=1)
        async_cache = aioredis.Redis(socket_timeout=1)
        async def handler(k):
            sync_cache.get(k)
            sync_cache.pipeline()
            await async_cache.get(k)
        """
    assert lines(source) == [7]


def test_boto3_calls_but_not_offline_methods():
    source = """
        import boto3
        async def handler(key):
            s3 = boto3.client("s3")
            s3.get_object(Bucket="b", Key=key)
            s3.generate_presigned_url("get_object", Params={"Key": key})
            boto3.resource("dynamodb").Table("t").put_item(Item={})
        """
    assert lines(source) == [5, 7]


def test_httpx_sync_but_not_async_client():
    source = """
        import httpx
        async def handler(u):
            httpx.get(u)
            with httpx.Client() as client:
                client.get(u)
            async with httpx.AsyncClient() as client:
                await client.get(u)
        """
    assert lines(source) == [4, 6]


def test_brokers_that_queue_locally_are_quiet():
    source = """
        import confluent_kafka, kafka
        producer = confluent_kafka.Producer(conf)
        legacy = kafka.KafkaProducer()
        async def publish(msg):
            producer.produce("topic", msg)
            legacy.send("topic", msg)
            producer.flush()
        """
    assert lines(source) == [8]


def test_grpc_stub_calls_are_not_judged():
    source = """
        from app.protos import users_pb2_grpc
        async def handler(channel, request):
            stub = users_pb2_grpc.UsersStub(channel)
            return stub.GetUser(request, timeout=2)
        """
    assert lines(source) == []


# -- names the rule cannot resolve, and evidently asynchronous objects -----------------------------
def test_shadowed_imports_are_quiet():
    source = """
        import requests, time
        async def a(requests):
            return requests.get("x")
        async def b():
            time = clock()
            time.sleep(1)
        async def c():
            from asyncio import sleep
            await sleep(1)
        """
    assert lines(source) == []


def test_awaited_async_with_and_async_for_calls_are_quiet():
    source = """
        import redis
        from sqlalchemy.orm import Session
        cache = redis.Redis(socket_timeout=1)
        async def handler(db: Session, k):
            await cache.get(k)
            async with db.begin():
                pass
            async for row in db.stream(stmt):
                pass
            return await db.execute(stmt)
        """
    assert lines(source) == []


def test_unknown_receivers_are_quiet():
    source = """
        async def handler(cache, session, k):
            cache.get(k)
            session.execute(stmt)
        """
    assert lines(source) == []


# -- options ---------------------------------------------------------------------------------------
def test_blocking_functions_option():
    source = """
        from app.legacy import reports
        async def handler(day):
            reports.fetch_report(day)
            reports.other(day)
        """
    assert lines(source) == []
    found = only(source, blocking_functions=["app.legacy.reports.fetch_report"])
    assert found.span.line == 4 and "blocking-functions" in found.message


# -- recall against ruff's flake8-async ASYNC2xx ---------------------------------------------------
RUFF_CASES = {
    # ASYNC210 blocking HTTP call (ruff also lists `connect`/`trace`, which neither library has)
    "ASYNC210": [
        "urllib.request.urlopen(u)",
        "urllib3.request('GET', u)",
        *(f"requests.{v}(u)" for v in ("get", "post", "delete", "patch", "put", "head", "options")),
        *(f"httpx.{v}(u)" for v in ("get", "post", "delete", "patch", "put", "head", "options")),
    ],
    # ASYNC212 blocking httpx client (its `close()` is left out: it sends nothing)
    "ASYNC212": [
        f"client.{m}(u)"
        for m in ("delete", "get", "head", "options", "patch", "post", "put", "request", "send",
                  "stream")
    ],
    # ASYNC220 create subprocess
    "ASYNC220": ["subprocess.Popen(cmd)", "os.popen(cmd)", "os.spawnl(os.P_NOWAIT, path, a)",
                 "os.spawnv(os.P_NOWAIT, path, args)"],
    # ASYNC221 run process
    "ASYNC221": [
        "os.system(cmd)", "os.posix_spawn(path, args, env)", "os.posix_spawnp(path, args, env)",
        "subprocess.run(cmd)", "subprocess.call(cmd)", "subprocess.check_call(cmd)",
        "subprocess.check_output(cmd)", "subprocess.getoutput(cmd)",
        "subprocess.getstatusoutput(cmd)", "os.spawnlp(os.P_WAIT, path, a)",
    ],
    # ASYNC222 wait for process
    "ASYNC222": ["os.wait()", "os.wait3(0)", "os.wait4(pid, 0)", "os.waitid(idtype, id, opts)",
                 "os.waitpid(pid, 0)"],
    # ASYNC251 blocking sleep
    "ASYNC251": ["time.sleep(1)"],
}


@pytest.mark.parametrize(
    ("ruff_code", "call"),
    [(code, call) for code, calls in RUFF_CASES.items() for call in calls],
)
def test_recall_of_ruff_async_cases(ruff_code, call):
    source = f"""
        import os, subprocess, time, urllib.request, urllib3
        import httpx, requests
        client = httpx.Client()
        async def handler(u, cmd, path, a, args, env, pid, idtype, id, opts):
            {call}
        """
    assert lines(source) == [6], ruff_code


def test_ruff_cases_left_to_ruff_are_quiet():
    source = """
        import io, os.path, pathlib
        async def handler(p):
            open(p)
            io.open(p)
            os.path.exists(p)
            pathlib.Path(p).read_text()
            input()
        """
    assert lines(source) == []


def test_waitpid_with_wnohang_polls():
    assert lines("import os\nasync def reap():\n    os.waitpid(-1, os.WNOHANG)\n") == []


# -- wording ---------------------------------------------------------------------------------------
def test_message_names_call_client_function_and_remedy():
    found = only(
        """
        import requests
        class Api:
            def __init__(self):
                self.http = requests.Session()
            async def users(self):
                return self.http.get("https://api/users", timeout=5)
        """
    )
    assert found.message == (
        "self.http.get() (self.http: requests.Session) blocks the event loop in `async def "
        "users`: a synchronous HTTP call through requests.Session; use httpx.AsyncClient or "
        "aiohttp.ClientSession and await it, or run it in a worker thread: "
        "`await asyncio.to_thread(self.http.get, ...)`"
    )
    assert "one thread" in found.help


def test_sleep_message_suggests_asyncio_sleep_only():
    found = only("import time\nasync def tick():\n    time.sleep(1)\n")
    assert found.message.endswith("use `await asyncio.sleep(...)`")
    assert "to_thread" not in found.message


def test_triggers_need_async():
    assert not ARC403.wants("import requests\nrequests.get(u)\n", ARC403.Options())
    assert not ARC403.wants("async def f(): pass\n", ARC403.Options())  # nothing could block
    assert ARC403.wants("import time\nasync def f():\n    time.sleep(1)\n", ARC403.Options())
    assert ARC403.wants("async def f():\n    my_sync_helper()\n",
                        ARC403.Options(blocking_functions=("app.util.my_sync_helper",)))
