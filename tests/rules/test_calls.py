"""The shared model of external calls (archlint.rules._calls), tested on its own: each call shape,
aliases, clients held in locals, `self` attributes, annotated parameters and fields, `with ... as`,
module-level clients, gRPC stubs, and unknown objects (None)."""

from __future__ import annotations

import textwrap
from typing import ClassVar

import libcst as cst
import pytest

from archlint.engine.worker import analyze_source
from archlint.rules._calls import (
    CallKind,
    ExternalCall,
    Service,
    classify,
    client_type,
    find_argument,
)
from archlint.rules.base import Collector, NoOptions


class _Classified(Collector):
    """Records classify() for every call, keyed by the call's source text."""

    kind = "classified"
    extra: ClassVar[dict[str, str]] = {}

    def visit_Call(self, node: cst.Call) -> None:
        ext = classify(node, self.ctx.names, extra=self.extra or None)
        self.add((self.ctx.code_of(node), ext))


def calls(source: str, extra: dict[str, str] | None = None) -> dict[str, ExternalCall | None]:
    _Classified.extra = extra or {}
    try:
        result = analyze_source(textwrap.dedent(source), "example.py", [(_Classified, NoOptions())])
    finally:
        _Classified.extra = {}
    assert not result.notifications, result.notifications
    return dict(result.facts.get("classified", []))


def one(source: str, call: str, extra: dict[str, str] | None = None) -> ExternalCall | None:
    found = calls(source, extra)
    assert call in found, sorted(found)
    return found[call]


# -- module-level helpers ---------------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "call", "library", "qualified"),
    [
        ("import requests\nrequests.get(u)", "requests.get(u)", "requests", "requests.get"),
        ("import requests as r\nr.post(u)", "r.post(u)", "requests", "requests.post"),
        ("from requests import get\nget(u)", "get(u)", "requests", "requests.get"),
        ("from requests import request as go\ngo('GET', u)", "go('GET', u)", "requests",
         "requests.request"),
        ("import httpx\nhttpx.stream('GET', u)", "httpx.stream('GET', u)", "httpx",
         "httpx.stream"),
        ("import urllib.request\nurllib.request.urlopen(u)", "urllib.request.urlopen(u)",
         "urllib", "urllib.request.urlopen"),
        ("from urllib import request\nrequest.urlopen(u)", "request.urlopen(u)", "urllib",
         "urllib.request.urlopen"),
    ],
)
def test_helpers(source, call, library, qualified):
    ext = one(source, call)
    assert ext is not None
    assert (ext.kind, ext.library, ext.qualified) == (CallKind.HELPER, library, qualified)
    assert ext.service is Service.HTTP and ext.is_remote_service and ext.performs_io
    assert ext.asynchronous is False


def test_helper_method_name():
    ext = one("import requests\nrequests.delete(u)", "requests.delete(u)")
    assert ext is not None and ext.method == "delete"


# -- constructions ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "call", "client", "library", "service", "asynchronous"),
    [
        ("import requests\nrequests.Session()", "requests.Session()", "requests.Session",
         "requests", Service.HTTP, False),
        ("import requests\nrequests.session()", "requests.session()", "requests.Session",
         "requests", Service.HTTP, False),
        ("from requests_oauthlib import OAuth2Session\nOAuth2Session(cid)", "OAuth2Session(cid)",
         "requests_oauthlib.OAuth2Session", "requests", Service.HTTP, False),
        ("import httpx\nhttpx.Client(timeout=5)", "httpx.Client(timeout=5)", "httpx.Client",
         "httpx", Service.HTTP, False),
        ("import httpx\nhttpx.AsyncClient()", "httpx.AsyncClient()", "httpx.AsyncClient",
         "httpx", Service.HTTP, True),
        ("import aiohttp\naiohttp.ClientSession()", "aiohttp.ClientSession()",
         "aiohttp.ClientSession", "aiohttp", Service.HTTP, True),
        ("import boto3\nboto3.client('s3')", "boto3.client('s3')", "botocore.client.BaseClient",
         "boto3", Service.CLOUD, False),
        ("import boto3\nboto3.resource('s3')", "boto3.resource('s3')",
         "boto3.resources.base.ServiceResource", "boto3", Service.CLOUD, False),
        ("import redis\nredis.Redis(host=h)", "redis.Redis(host=h)", "redis.Redis", "redis",
         Service.CACHE, False),
        ("import redis\nredis.from_url(u)", "redis.from_url(u)", "redis.Redis", "redis",
         Service.CACHE, False),
        ("from redis import asyncio as aioredis\naioredis.Redis()", "aioredis.Redis()",
         "redis.asyncio.Redis", "redis", Service.CACHE, True),
        ("import grpc\ngrpc.insecure_channel(t)", "grpc.insecure_channel(t)", "grpc.Channel",
         "grpc", Service.RPC, False),
        ("import psycopg2\npsycopg2.connect(dsn)", "psycopg2.connect(dsn)",
         "psycopg2.extensions.connection", "psycopg2", Service.DATABASE, False),
        ("from kafka import KafkaProducer\nKafkaProducer()", "KafkaProducer()",
         "kafka.KafkaProducer", "kafka", Service.BROKER, False),
    ],
)
def test_constructions(source, call, client, library, service, asynchronous):
    ext = one(source, call)
    assert ext is not None and ext.is_construction
    assert ext.client is not None and ext.client.name == client
    assert (ext.library, ext.service, ext.asynchronous) == (library, service, asynchronous)


def test_construction_that_connects():
    found = calls(
        """
        import smtplib, socket, psycopg2, requests
        smtplib.SMTP("mail")
        smtplib.SMTP()
        socket.create_connection(("db", 5432))
        psycopg2.connect(dsn)
        requests.Session()
        """
    )
    performs = {code: ext.performs_io for code, ext in found.items() if ext is not None}
    assert performs == {
        'smtplib.SMTP("mail")': True,
        "smtplib.SMTP()": False,
        'socket.create_connection(("db", 5432))': True,
        "psycopg2.connect(dsn)": True,
        "requests.Session()": False,
    }


def test_derived_clients_are_constructions():
    found = calls(
        """
        import boto3, psycopg2
        session = boto3.session.Session(profile_name="prod")
        sqs = session.client("sqs")
        conn = psycopg2.connect(dsn)
        cur = conn.cursor()
        """
    )
    sqs = found['session.client("sqs")']
    assert sqs is not None and sqs.is_construction and sqs.library == "boto3"
    assert sqs.client is not None and sqs.client.name == "botocore.client.BaseClient"
    assert not sqs.performs_io
    cursor = found["conn.cursor()"]
    assert cursor is not None and cursor.client is not None
    assert cursor.client.name == "psycopg2.extensions.cursor"


# -- method calls on clients, wherever the client is held ---------------------------------------
def _method(found, call, qualified, library):
    ext = found[call]
    assert ext is not None, call
    assert (ext.kind, ext.qualified, ext.library) == (CallKind.METHOD, qualified, library)
    assert ext.performs_io
    return ext


def test_method_on_local_client():
    found = calls(
        """
        import requests
        def f():
            s = requests.Session()
            s.get(u)
            s.mount("https://", adapter)
        """
    )
    _method(found, "s.get(u)", "requests.Session.get", "requests")
    assert found['s.mount("https://", adapter)'] is None  # not a network call


def test_method_on_self_attribute_set_anywhere_in_class():
    found = calls(
        """
        import boto3
        class Storage:
            def load(self, key):
                return self.s3.get_object(Bucket=b, Key=key)
            def setup(self):
                self.s3 = boto3.client("s3")
        """
    )
    ext = _method(found, "self.s3.get_object(Bucket=b, Key=key)", "boto3.client.get_object",
                  "boto3")
    assert ext.service is Service.CLOUD and ext.is_remote_service
    assert ext.method == "get_object"


def test_method_on_annotated_parameter_and_dataclass_field():
    found = calls(
        """
        import httpx
        from dataclasses import dataclass
        from typing import Optional
        async def f(client: httpx.AsyncClient, other: Optional[httpx.Client] = None):
            await client.post(u)
            other.get(u)
        @dataclass
        class Api:
            http: httpx.AsyncClient
            async def users(self):
                return await self.http.get("/users")
        """
    )
    assert _method(found, "client.post(u)", "httpx.AsyncClient.post", "httpx").asynchronous
    assert not _method(found, "other.get(u)", "httpx.Client.get", "httpx").asynchronous
    _method(found, 'self.http.get("/users")', "httpx.AsyncClient.get", "httpx")


def test_method_on_with_as_target_and_module_level_client():
    found = calls(
        """
        import aiohttp
        import redis
        cache = redis.Redis(host="cache")
        async def f():
            async with aiohttp.ClientSession() as session:
                await session.get(u)
            cache.get("k")
            cache.pipeline()
        """
    )
    _method(found, "session.get(u)", "aiohttp.ClientSession.get", "aiohttp")
    ext = _method(found, 'cache.get("k")', "redis.Redis.get", "redis")
    assert ext.service is Service.CACHE and not ext.is_remote_service
    pipeline = found["cache.pipeline()"]
    assert pipeline is not None and pipeline.is_construction  # a pipeline is built, not sent


def test_method_on_awaited_client_and_pool_connection():
    found = calls(
        """
        import asyncpg
        async def f():
            pool = await asyncpg.create_pool(dsn)
            async with pool.acquire() as conn:
                await conn.fetch("SELECT 1")
        """
    )
    ext = _method(found, 'conn.fetch("SELECT 1")', "asyncpg.create_pool.acquire.fetch", "asyncpg")
    assert ext.service is Service.DATABASE and ext.asynchronous


def test_oauth2_session_is_a_requests_session():
    found = calls(
        """
        from requests_oauthlib import OAuth2Session
        oauth = OAuth2Session(client_id)
        oauth.fetch_token(url)
        oauth.get(api)
        oauth.authorization_url(url)
        """
    )
    token = _method(found, "oauth.fetch_token(url)", "requests_oauthlib.OAuth2Session.fetch_token",
                    "requests")
    assert token.client is not None and token.client.name == "requests_oauthlib.OAuth2Session"
    _method(found, "oauth.get(api)", "requests_oauthlib.OAuth2Session.get", "requests")
    assert found["oauth.authorization_url(url)"] is None  # builds a URL, no I/O


def test_boto3_session_client_and_resource_subresources():
    found = calls(
        """
        import boto3
        session = boto3.Session()
        sqs = session.client("sqs")
        sqs.send_message(QueueUrl=q, MessageBody=b)
        sqs.get_paginator("list_queues")
        table = boto3.resource("dynamodb").Table("orders")
        table.put_item(Item=item)
        """
    )
    _method(found, "sqs.send_message(QueueUrl=q, MessageBody=b)",
            "boto3.Session.client.send_message", "boto3")
    assert found['sqs.get_paginator("list_queues")'].performs_io is False
    _method(found, "table.put_item(Item=item)", "boto3.resource.Table.put_item", "boto3")


def test_boto3_offline_methods_are_not_calls():
    found = calls(
        """
        import boto3
        rds = boto3.client("rds")
        rds.generate_db_auth_token(DBHostname=h, Port=5432, DBUsername=u)
        rds.describe_db_instances()
        s3 = boto3.client("s3")
        s3.generate_presigned_url("get_object", Params=p)
        s3.generate_presigned_post(b, k)
        dsql = boto3.client("dsql")
        dsql.generate_db_connect_admin_auth_token(h, r)
        """
    )
    for offline in (
        "rds.generate_db_auth_token(DBHostname=h, Port=5432, DBUsername=u)",
        's3.generate_presigned_url("get_object", Params=p)',
        "s3.generate_presigned_post(b, k)",
        "dsql.generate_db_connect_admin_auth_token(h, r)",
    ):
        assert found[offline] is None, offline
    _method(found, "rds.describe_db_instances()", "boto3.client.describe_db_instances", "boto3")


def test_mypy_boto3_annotation():
    found = calls(
        """
        from mypy_boto3_s3 import S3Client
        def upload(s3: S3Client):
            s3.put_object(Bucket=b, Key=k, Body=body)
        """
    )
    _method(found, "s3.put_object(Bucket=b, Key=k, Body=body)",
            "mypy_boto3_s3.S3Client.put_object", "boto3")


# -- gRPC stubs ---------------------------------------------------------------------------------
def test_grpc_stub_calls():
    found = calls(
        """
        import grpc
        from app.protos import users_pb2_grpc
        from app.protos.orders_pb2_grpc import OrdersStub
        channel = grpc.insecure_channel("users:50051")
        users = users_pb2_grpc.UsersStub(channel)
        class Orders:
            def __init__(self, channel):
                self.stub = OrdersStub(channel)
            def get(self, req):
                self.stub.GetOrder(req)
                self.stub.GetOrder.future(req)
        users.GetUser(req)
        """
    )
    stub = found["users.GetUser(req)"]
    assert stub is not None and stub.kind is CallKind.STUB and stub.library == "grpc"
    assert stub.qualified == "app.protos.users_pb2_grpc.UsersStub.GetUser"
    assert stub.method == "GetUser" and stub.service is Service.RPC and stub.asynchronous is None
    assert found["self.stub.GetOrder(req)"].kind is CallKind.STUB
    future = found["self.stub.GetOrder.future(req)"]
    assert future is not None and future.kind is CallKind.STUB and future.method == "GetOrder"
    built = found["users_pb2_grpc.UsersStub(channel)"]
    assert built is not None and built.is_construction and not built.performs_io


def test_grpc_servicer_is_not_a_stub():
    found = calls(
        """
        from app.protos import users_pb2_grpc
        servicer = users_pb2_grpc.UsersServicer()
        servicer.GetUser(req, ctx)
        """
    )
    assert found["servicer.GetUser(req, ctx)"] is None


# -- unknown objects, shadowing, extra names ------------------------------------------------------
def test_unknown_objects_are_none():
    found = calls(
        """
        import requests
        def f(client, cache):
            client.get("/x")
            cache.get("k")
            session = make_session()
            session.get(u)
            requests.utils.quote(u)
        class MySession(requests.Session):
            pass
        MySession().get(u)
        """
    )
    assert set(found.values()) == {None}


def test_local_name_shadows_import():
    found = calls(
        """
        import requests
        def f(requests):
            requests.get(u)
        """
    )
    assert found["requests.get(u)"] is None


def test_extra_names_map_to_catalogue_types():
    source = """
        from app.http import ApiSession
        s = ApiSession()
        s.get(u)
        """
    assert calls(source)["s.get(u)"] is None
    ext = calls(source, {"app.http.ApiSession": "requests.Session"})["s.get(u)"]
    assert ext is not None and ext.library == "requests" and ext.kind is CallKind.METHOD


# -- SQLAlchemy ---------------------------------------------------------------------------------
def test_sqlalchemy_sync_session_connection_and_engine():
    found = calls(
        """
        from sqlalchemy import create_engine, text
        from sqlalchemy.orm import Session
        engine = create_engine(url)
        def report(db: Session):
            db.query(User).filter(User.id == 1).first()
            db.add(user)
            db.commit()
            with engine.connect() as conn:
                conn.execute(text("SELECT 1"))
            with Session(engine) as session:
                session.scalars(stmt)
        """
    )
    query = found["db.query(User)"]
    assert query is not None and query.kind is CallKind.METHOD
    assert (query.library, query.qualified, query.service, query.asynchronous) == (
        "sqlalchemy", "sqlalchemy.orm.Session.query", Service.DATABASE, False)
    assert found["db.query(User).filter(User.id == 1).first()"] is None  # one call per chain
    assert found["db.add(user)"] is None  # only changes the session's state
    assert found["db.commit()"].method == "commit"
    assert found["create_engine(url)"].kind is CallKind.CONSTRUCTION
    assert not found["create_engine(url)"].performs_io
    assert found["engine.connect()"].client.name == "sqlalchemy.engine.Connection"
    assert not found["engine.connect()"].performs_io
    execute = found['conn.execute(text("SELECT 1"))']
    assert execute is not None and execute.client.name == "sqlalchemy.engine.Connection"
    assert found["session.scalars(stmt)"].client.name == "sqlalchemy.orm.Session"


def test_sqlalchemy_async_session_and_engine_are_asynchronous():
    found = calls(
        """
        from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
        engine = create_async_engine(url)
        async def report(db: AsyncSession):
            await db.execute(stmt)
            async with engine.begin() as conn:
                await conn.execute(stmt)
        """
    )
    assert found["db.execute(stmt)"].asynchronous is True
    assert found["conn.execute(stmt)"].client.name == "sqlalchemy.ext.asyncio.AsyncConnection"
    assert found["conn.execute(stmt)"].asynchronous is True


def test_client_type_follows_derivations():
    assert client_type("requests.Session").name == "requests.Session"
    assert client_type("boto3.Session.client").name == "botocore.client.BaseClient"
    assert client_type("sqlite3.connect.cursor").name == "sqlite3.Cursor"
    assert client_type("boto3.resource.Bucket").subresources
    assert client_type("requests.Session.get") is None
    assert client_type("app.things.Thing") is None


# -- arguments ------------------------------------------------------------------------------------
def _call(code: str) -> cst.Call:
    expr = cst.parse_expression(code)
    assert isinstance(expr, cst.Call)
    return expr


def test_find_argument_by_keyword_position_and_hidden():
    found = find_argument(_call("f(a, timeout=3)"), "timeout", 2)
    assert found.arg is not None and not found.missing
    assert find_argument(_call("f(a, b, 3)"), "timeout", 2).arg is not None
    assert find_argument(_call("f(a, b)"), "timeout", 2).missing
    assert find_argument(_call("f(a, **kw)"), "timeout").hidden
    assert find_argument(_call("f(*args)"), "timeout", 2).hidden
    assert find_argument(_call("f(*args)"), "timeout").missing  # keyword-only: *args cannot


# -- engines and pools (ARC302) ------------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "call", "client"),
    [
        ("from sqlalchemy import create_engine\ncreate_engine(u)", "create_engine(u)",
         "sqlalchemy.engine.Engine"),
        ("import sqlmodel\nsqlmodel.create_engine(u)", "sqlmodel.create_engine(u)",
         "sqlalchemy.engine.Engine"),
        ("from sqlalchemy.ext.asyncio import create_async_engine\ncreate_async_engine(u)",
         "create_async_engine(u)", "sqlalchemy.ext.asyncio.AsyncEngine"),
        ("from psycopg_pool import ConnectionPool\nConnectionPool(u)", "ConnectionPool(u)",
         "psycopg_pool.ConnectionPool"),
        ("from psycopg_pool import AsyncConnectionPool\nAsyncConnectionPool(u)",
         "AsyncConnectionPool(u)", "psycopg_pool.AsyncConnectionPool"),
    ],
)
def test_engines_and_pools_are_constructions_without_io(source, call, client):
    ext = one(source, call)
    assert ext is not None and ext.kind is CallKind.CONSTRUCTION
    assert ext.client is not None and ext.client.name == client
    assert ext.service is Service.DATABASE and not ext.performs_io


def test_engines_hand_out_connections_and_pool_connections_are_psycopg():
    found = calls("""
from sqlalchemy import create_engine
from psycopg_pool import ConnectionPool
engine = create_engine(u)
engine.connect()
pool = ConnectionPool(u)
with pool.connection() as conn:
    conn.execute(q)
""")
    connect = found["engine.connect()"]  # hands out a Connection; not a call of the engine
    assert connect is not None and connect.kind is CallKind.CONSTRUCTION
    assert connect.client is not None and connect.client.name == "sqlalchemy.engine.Connection"
    ext = found["conn.execute(q)"]
    assert ext is not None and ext.library == "psycopg" and ext.kind is CallKind.METHOD


def test_import_triggers_cover_every_catalogue_library():
    from archlint.rules._calls import IMPORT_TRIGGERS

    for word in ("requests", "redis", "psycopg2", "sqlalchemy", "psycopg_pool", "http.client",
                 "_pb2_grpc", "mypy_boto3_"):
        assert word in IMPORT_TRIGGERS
    assert "http" not in IMPORT_TRIGGERS


def test_libraries_lists_every_library_name_of_the_catalogue():
    from archlint.rules._calls import libraries

    names = libraries()
    assert {"requests", "httpx", "aiohttp", "urllib", "urllib3", "http.client", "boto3",
            "aioboto3", "grpc", "psycopg2", "psycopg", "pymysql", "asyncpg", "sqlite3",
            "redis", "pymongo", "sqlalchemy"} <= names
    assert "Requests" not in names


def test_transports_are_not_calls_but_are_known():
    from archlint.rules._calls import transport_library

    assert transport_library("httpx.AsyncHTTPTransport") == "httpx"
    assert transport_library("aiohttp.TCPConnector") == "aiohttp"
    assert transport_library("aiohttp.ClientSession") is None
    assert transport_library(None) is None
