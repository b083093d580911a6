"""ARC401 external-call-without-timeout: focused cases per library, precision, options, wording."""

from __future__ import annotations

import textwrap

import pytest
from _support import run_rule

from archlint.model import Severity
from archlint.rules.resilience.external_call_without_timeout import (
    ExternalCallWithoutTimeout as ARC401,
)


def findings(source: str, **options):
    result = run_rule(ARC401, source, {k.replace("_", "-"): v for k, v in options.items()})
    assert not result.notifications, result.notifications
    return result.findings


def lines(source: str, **options) -> list[int]:
    return sorted(f.span.line for f in findings(source, **options))


def only(source: str, **options):
    found = findings(source, **options)
    assert len(found) == 1, [(f.span.line, f.message) for f in found]
    return found[0]


# -- metadata ------------------------------------------------------------------------------------
def test_metadata():
    assert ARC401.severity is Severity.ERROR
    assert ARC401.cwe == 1088
    assert ARC401.tags == ("resilience",)
    assert "security" not in ARC401.tags
    assert ARC401.meta().summary.startswith("Flags an outbound call that can wait forever")


@pytest.mark.parametrize(
    "source",
    [
        "from http import client\nclient.HTTPConnection('h')",
        "from http import client\nclient.HTTPSConnection('h')",
        "from urllib import request\nrequest.urlopen(u)",
        "import botocore.session\nbotocore.session.get_session()",
        "from app.protos import users_pb2_grpc",
        "from redis import asyncio",
        "from requests_oauthlib import OAuth2Session",
    ],
)
def test_triggers_admit_every_import_form(source):
    assert ARC401.wants(source, ARC401.Options())


# -- requests --------------------------------------------------------------------------------------
def test_requests_helpers_all_verbs():
    source = """
        import requests
        requests.get(u)
        requests.post(u, json=b)
        requests.put(u)
        requests.patch(u)
        requests.delete(u)
        requests.head(u)
        requests.options(u)
        requests.request("GET", u)
        requests.get(u, timeout=5)
        """
    assert lines(source) == [3, 4, 5, 6, 7, 8, 9, 10]


def test_requests_aliases():
    source = """
        import requests as r
        from requests import get as fetch, Session as S
        r.get(u)
        fetch(u)
        S().post(u)
        """
    assert lines(source) == [4, 5, 6]


def test_requests_message_location_and_help():
    found = only(
        """
        import requests
        def charge(order):
            resp = requests.post(URL, json=order)
        """
    )
    assert found.message == (
        "requests.post() has no timeout; a stalled server blocks this worker forever"
    )
    assert found.help == "pass timeout=(connect, read), e.g. timeout=(3.05, 10)"
    assert (found.span.line, found.span.column) == (4, 11)


def test_timeout_none_literal_and_names_bound_to_none():
    source = """
        import requests
        MODULE_TIMEOUT = None
        def f(u):
            local = None
            requests.get(u, timeout=None)
            requests.get(u, timeout=MODULE_TIMEOUT)
            requests.get(u, timeout=local)
        """
    found = findings(source)
    assert [f.span.line for f in found] == [6, 7, 8]
    assert "passes timeout=None" in found[0].message
    assert "passes timeout=MODULE_TIMEOUT, which is None" in found[1].message
    assert [(r.span.line, r.message) for r in found[1].related] == [
        (3, "MODULE_TIMEOUT is bound to None here")
    ]
    assert [r.span.line for r in found[2].related] == [5]


def test_names_the_rule_cannot_pin_down_stay_quiet():
    source = """
        import requests
        from app.settings import TIMEOUT
        CONDITIONAL = None
        if FAST:
            CONDITIONAL = 5
        REBOUND = None
        def set_default():
            global REBOUND
            REBOUND = 10
        def f(u, timeout=None, *, t2=None):
            requests.get(u, timeout=TIMEOUT)
            requests.get(u, timeout=CONDITIONAL)
            requests.get(u, timeout=REBOUND)
            requests.get(u, timeout=timeout)
            requests.get(u, timeout=t2)
            requests.get(u, timeout=settings.HTTP_TIMEOUT)
            requests.get(u, timeout=self.timeout)
            for t in (None, 5):
                requests.get(u, timeout=t)
        """
    assert lines(source) == []


def test_optional_import_with_none_fallback_stays_quiet():
    source = """
        import requests
        try:
            from app.settings import HTTP_TIMEOUT
        except ImportError:
            HTTP_TIMEOUT = None
        def f(u):
            try:
                from app.local import LOCAL
            except ImportError:
                LOCAL = None
            requests.get(u, timeout=HTTP_TIMEOUT)
            requests.get(u, timeout=LOCAL)
        """
    assert lines(source) == []


def test_kwargs_may_carry_the_timeout():
    source = """
        import requests
        def f(u, *args, **kwargs):
            requests.get(u, **kwargs)
            requests.Session().request("GET", u, *args)
            requests.get(*args)
        """
    assert lines(source) == [6]  # requests.get's timeout is keyword-only: *args cannot carry it


def test_session_request_positional_timeout():
    source = """
        import requests
        s = requests.Session()
        s.request("GET", u, None, None, None, None, None, None, 5)
        s.request("GET", u, None)
        """
    assert lines(source) == [5]


def test_sessions_stored_on_self_annotated_and_with_as():
    source = """
        import requests
        from dataclasses import dataclass
        class Billing:
            def invoices(self):
                return self.http.get("/invoices")
            def __init__(self):
                self.http = requests.Session()
        def f(session: requests.Session):
            session.get(u)
        def g():
            with requests.Session() as s:
                s.get(u)
                s.get(u, timeout=3)
        @dataclass
        class Shipping:
            session: requests.Session
            def quote(self):
                return self.session.post("/quotes")
        """
    assert lines(source) == [6, 10, 13, 19]


def test_session_construction_is_not_reported():
    assert lines("import requests\ns = requests.Session()\n") == []


def test_oauth2_session_calls():
    source = """
        from requests_oauthlib import OAuth2Session
        oauth = OAuth2Session(client_id)
        oauth.fetch_token(url, client_secret=s)
        oauth.refresh_token(url, None, "", None, 10)
        oauth.get(api, timeout=5)
        oauth.authorization_url(url)
        """
    assert lines(source) == [4]


def test_project_session_subclass_is_unknown():
    source = """
        import requests
        class TimeoutSession(requests.Session):
            pass
        session = TimeoutSession()
        session.get(u)
        """
    assert lines(source) == []


def test_custom_adapter_mount_silences_that_session_only():
    source = """
        import requests
        from requests.adapters import HTTPAdapter
        from app.http import TimeoutAdapter
        class A:
            def __init__(self):
                self.session = requests.Session()
                self.session.mount("https://", TimeoutAdapter(timeout=5))
            def get(self):
                return self.session.get(u)
        class B:
            def __init__(self):
                self.plain = requests.Session()
                self.plain.mount("https://", HTTPAdapter(max_retries=3))
            def get(self):
                return self.plain.get(u)
        """
    assert lines(source) == [16]


def test_mount_after_use_still_silences():
    source = """
        import requests
        session = requests.Session()
        def get(u):
            return session.get(u)
        session.mount("https://", RETRYING_ADAPTER)
        """
    assert lines(source) == []


def test_replaced_request_method_silences():
    source = """
        import functools
        import requests
        session = requests.Session()
        session.request = functools.partial(session.request, timeout=10)
        session.get(u)
        """
    assert lines(source) == []


# -- httpx -----------------------------------------------------------------------------------------
def test_httpx_default_is_respected():
    source = """
        import httpx
        httpx.get(u)
        client = httpx.Client()
        client.get(u)
        async def f():
            async with httpx.AsyncClient(base_url=b) as c:
                await c.post("/x")
        """
    assert lines(source) == []


def test_httpx_explicit_none():
    source = """
        import httpx
        httpx.get(u, timeout=None)
        client = httpx.Client()
        client.get(u, timeout=None)
        """
    found = findings(source)
    assert [f.span.line for f in found] == [3, 5]
    assert "turns off httpx's default 5 s timeout" in found[0].message
    assert "(client: httpx.Client)" in found[1].message


def test_httpx_client_without_timeout_reported_once_on_construction():
    source = """
        import httpx
        client = httpx.AsyncClient(timeout=None)
        async def f():
            await client.get(u)
            await client.post(u)
        """
    found = only(source)
    assert found.span.line == 3
    assert "httpx.AsyncClient(timeout=None) turns off every timeout" in found.message
    assert "suspends this task forever" in found.message
    assert found.help == "pass a bounded timeout, e.g. timeout=httpx.Timeout(10, connect=3.0)"


def test_httpx_client_with_name_bound_to_none():
    source = """
        import httpx
        UNBOUNDED = None
        client = httpx.Client(timeout=UNBOUNDED)
        """
    found = only(source)
    assert found.message.startswith("httpx.Client(timeout=UNBOUNDED) turns off every timeout")
    assert [(r.span.line, r.message) for r in found.related] == [
        (3, "UNBOUNDED is bound to None here")
    ]


def test_boto3_config_none_through_a_name():
    source = """
        import boto3
        NO_CONFIG = None
        s3 = boto3.client("s3", config=NO_CONFIG)
        """
    found = only(source)
    assert 'boto3.client("s3") passes config=NO_CONFIG, which is None' in found.message
    assert [r.span.line for r in found.related] == [3]


def test_httpx_timeout_objects():
    source = """
        import httpx
        a = httpx.Timeout(None)
        b = httpx.Timeout(None, connect=3.0)
        c = httpx.Timeout(None, read=10.0)
        d = httpx.Timeout(10.0)
        e = httpx.Timeout(10.0, read=None)
        f = httpx.Timeout(timeout=None)
        client = httpx.Client(timeout=httpx.Timeout(None))
        """
    assert lines(source) == [3, 4, 7, 8, 9]  # line 9: once, on the Timeout, not the Client


def test_require_explicit_httpx_timeout_option():
    source = """
        import httpx
        httpx.get(u)
        client = httpx.Client()
        client.get(u)
        httpx.post(u, timeout=5)
        """
    assert lines(source) == []
    found = findings(source, require_explicit_httpx_timeout=True)
    assert [f.span.line for f in found] == [3, 4]
    assert all("implicit 5 s default" in f.message for f in found)


# -- aiohttp ---------------------------------------------------------------------------------------
def test_aiohttp_session_without_timeout_reported_once():
    source = """
        import aiohttp
        async def f():
            async with aiohttp.ClientSession() as session:
                await session.get(u)
                await session.post(u)
        """
    found = only(source)
    assert found.span.line == 4
    assert "5 minutes in total with no bound on a single read" in found.message
    assert found.help.startswith("pass timeout=aiohttp.ClientTimeout(total=30")


def test_local_aiohttp_session_whose_requests_all_bound_themselves():
    source = """
        import aiohttp
        T = aiohttp.ClientTimeout(total=10)
        async def quiet(u):
            async with aiohttp.ClientSession() as session:
                async with session.get(u, timeout=T) as a:
                    pass
                await session.post(u, timeout=T, **extra)
            await session.close()
        async def one_unbounded(u):
            async with aiohttp.ClientSession() as session:
                await session.get(u, timeout=T)
                await session.get(u)
        async def escapes(u):
            session = aiohttp.ClientSession()
            await session.get(u, timeout=T)
            return session
        async def passed_on(u):
            async with aiohttp.ClientSession() as session:
                await session.get(u, timeout=T)
                await helper(session)
        async def no_requests(u):
            async with aiohttp.ClientSession() as session:
                pass
        """
    assert lines(source) == [11, 15, 19, 23]


def test_websocket_only_session_gets_advice_that_keeps_idle_websockets_open():
    # sock_read/total would close an idle websocket (aiohttp #8444): bound the handshake instead
    source = """
        import aiohttp
        async def listen(u):
            async with aiohttp.ClientSession() as session:
                async with session.ws_connect(u) as ws:
                    async for msg in ws:
                        print(msg)
        async def both(u):
            async with aiohttp.ClientSession() as session:
                await session.get(u)
                await session.ws_connect(u)
        """
    websocket, mixed = findings(source)
    assert websocket.span.line == 4 and mixed.span.line == 9
    assert "heartbeat=30" in websocket.help and "sock_read" not in websocket.help.split("no ")[0]
    assert mixed.help.startswith("pass timeout=aiohttp.ClientTimeout(total=30")


def test_local_aiohttp_session_whose_requests_pass_kwargs():
    # **options may carry the request's own timeout, as it would for requests; attribute names
    # that happen to equal the session's name (`self.session`) are not uses of it.
    source = """
        import aiohttp
        class Loader:
            async def fetch(self, url):
                async with aiohttp.ClientSession(trust_env=True) as session:
                    options = self.requests_kwargs | {"headers": self.session.headers}
                    if isinstance(options.get("timeout"), (int, float)):
                        options["timeout"] = aiohttp.ClientTimeout(total=options["timeout"])
                    async with session.get(url, **options) as response:
                        return await response.text()
            async def mixed(self, url):
                async with aiohttp.ClientSession() as session:
                    await session.get(url, **self.options)
                    await session.get(url)
        """
    assert lines(source) == [12]


def test_aiohttp_session_variants():
    source = """
        import aiohttp
        from aiohttp import ClientSession, ClientTimeout
        a = ClientSession(timeout=None)
        b = ClientSession(timeout=ClientTimeout(total=10))
        c = ClientSession(read_timeout=10)
        d = ClientSession(timeout=settings.timeout)
        e = ClientSession(**opts)
        """
    found = findings(source)
    assert [f.span.line for f in found] == [4]
    assert "which means the default" in found[0].message


def test_aiohttp_request_timeout_none_disables_everything():
    source = """
        import aiohttp
        async def f(session: aiohttp.ClientSession):
            await session.get(u, timeout=None)
            await session.get(u)
            await session.get(u, timeout=aiohttp.ClientTimeout(total=5))
        """
    found = only(source)
    assert found.span.line == 4
    assert "turns off the session's timeouts for this request" in found.message


def test_aiohttp_client_timeout_objects():
    source = """
        import aiohttp
        a = aiohttp.ClientTimeout()
        b = aiohttp.ClientTimeout(total=None)
        c = aiohttp.ClientTimeout(connect=5, sock_connect=5)
        d = aiohttp.ClientTimeout(total=30)
        e = aiohttp.ClientTimeout(sock_read=10)
        f = aiohttp.ClientTimeout(30)
        g = aiohttp.ClientTimeout(**cfg)
        """
    assert lines(source) == [3, 4, 5]


def test_accept_library_defaults_option():
    source = """
        import aiohttp, boto3
        s = aiohttp.ClientSession()
        s3 = boto3.client("s3")
        t = aiohttp.ClientTimeout(connect=5)
        """
    assert lines(source) == [3, 4, 5]
    assert lines(source, accept_library_defaults=True) == [5]  # forever is still forever


# -- standard library --------------------------------------------------------------------------------
def test_urllib():
    source = """
        import urllib.request
        from urllib.request import urlopen, build_opener
        urllib.request.urlopen(u)
        urlopen(u, None, 10)
        urlopen(u, timeout=None)
        opener = build_opener()
        opener.open(u)
        opener.open(u, timeout=5)
        urllib.request.urlretrieve(u, path)
        """
    found = findings(source)
    assert [f.span.line for f in found] == [4, 6, 8, 10]
    assert "cannot take a timeout" in found[3].message


@pytest.mark.parametrize(
    ("call", "flagged"),
    [
        ("http.client.HTTPConnection('api')", True),
        ("http.client.HTTPConnection('api', 80, 5)", False),
        ("http.client.HTTPSConnection('api', 443)", True),
        ("http.client.HTTPSConnection('api', timeout=5)", False),
        ("smtplib.SMTP('mail', 25)", True),
        ("smtplib.SMTP()", True),  # connect() takes no timeout: the instance's is used
        ("smtplib.SMTP('mail', 25, None, 10)", False),
        ("smtplib.SMTP_SSL('mail', timeout=10)", False),
        ("smtplib.SMTP_SSL('mail')", True),
        ("ftplib.FTP('files')", True),
        ("ftplib.FTP(host='files')", True),
        ("ftplib.FTP()", False),
        ("ftplib.FTP('files', 'u', 'p', '', 30)", False),
        ("ftplib.FTP_TLS('files', timeout=30)", False),
        ("socket.create_connection(('db', 5432))", True),
        ("socket.create_connection(('db', 5432), 3)", False),
        ("socket.create_connection(('db', 5432), timeout=None)", True),
        ("socket.socket()", False),
    ],
)
def test_stdlib_constructors(call, flagged):
    source = f"import http.client, smtplib, ftplib, socket\nx = {call}\n"
    assert lines(source) == ([2] if flagged else [])


def test_setdefaulttimeout_in_module_silences_stdlib_only():
    source = """
        import socket, urllib.request, requests
        socket.setdefaulttimeout(10)
        urllib.request.urlopen(u)
        socket.create_connection(addr)
        requests.get(u)
        """
    assert lines(source) == [6]


# -- boto3 -------------------------------------------------------------------------------------------
def test_boto3_reported_once_on_construction_not_on_calls():
    source = """
        import boto3
        class Storage:
            def __init__(self):
                self.s3 = boto3.client("s3")
            def get(self, key):
                return self.s3.get_object(Bucket=b, Key=key)
        """
    found = only(source)
    assert found.span.line == 5
    assert found.message.startswith('boto3.client("s3") has no botocore Config')
    assert "botocore's 60 s connect and 60 s read timeouts, retried" in found.message
    assert "connect_timeout=3, read_timeout=10" in found.help


def test_boto3_config_forms():
    source = """
        import boto3, botocore
        from botocore.config import Config
        GOOD = Config(connect_timeout=3, read_timeout=10)
        RETRIES = Config(retries={"max_attempts": 3})
        a = boto3.client("s3", config=GOOD)
        b = boto3.client("s3", config=Config(read_timeout=5))
        c = boto3.client("s3", config=botocore.config.Config(connect_timeout=2))
        d = boto3.client("s3", config=settings.aws_config)
        e = boto3.client("s3", config=Config(**kw))
        f = boto3.client("s3", **client_kwargs)
        g = boto3.client("s3", config=RETRIES)
        h = boto3.client("s3", config=Config(read_timeout=None))
        i = boto3.client("s3", config=None)
        """
    found = findings(source)
    assert [f.span.line for f in found] == [12, 13, 14]
    assert [(r.span.line, r.message) for r in found[0].related] == [
        (5, "the Config is built here")
    ]


def test_boto3_sessions_and_resources():
    source = """
        import boto3
        import botocore.session
        session = boto3.session.Session(profile_name="prod")
        sqs = session.client("sqs")
        dynamo = boto3.Session().resource("dynamodb")
        table = dynamo.Table("orders")
        table.put_item(Item=item)
        raw = botocore.session.get_session().create_client("s3")
        """
    assert lines(source) == [5, 6, 9]


def test_boto3_in_a_module_that_imports_moto_is_not_outbound():
    source = """
        import boto3
        import pytest
        from moto import mock_aws, mock_s3
        def test_upload():
            with mock_s3():
                s3 = boto3.client("s3", region_name="us-east-1")
                s3.create_bucket(Bucket="b")
        @pytest.fixture
        def s3_client():
            with mock_aws():
                yield boto3.client("s3", region_name="us-east-1")
        @mock_aws
        class TestStorage:
            def test_put(self):
                boto3.resource("dynamodb").Table("t").put_item(Item={})
        def remove_bucket():  # a helper the mocked tests call
            boto3.client("s3").delete_bucket(Bucket="b")
        """
    assert lines(source) == []
    imported_late = """
        import boto3
        def test_queue():
            import moto
            with moto.mock_aws():
                boto3.client("sqs").create_queue(QueueName="q")
        """
    assert lines(imported_late) == []


def test_mock_named_like_moto_but_not_moto_still_reports():
    source = """
        import boto3
        from unittest.mock import patch
        from app.testing import mock_s3
        def f():
            with mock_s3(), patch("x"):
                return boto3.client("s3")
        """
    assert lines(source) == [7]


def test_local_boto3_client_used_only_offline_is_quiet():
    source = """
        import boto3
        def iam_token(host, port, user):
            rds = boto3.client("rds", region_name="eu-west-1")
            return rds.generate_db_auth_token(DBHostname=host, Port=port, DBUsername=user)
        def presign(key):
            s3 = boto3.client("s3")
            url = s3.generate_presigned_url("get_object", Params={"Key": key})
            post = s3.generate_presigned_post("bucket", key)
            return url, post
        def mixed(host):
            rds = boto3.client("rds")
            rds.describe_db_instances()
            return rds.generate_db_auth_token(DBHostname=host, Port=5432, DBUsername="u")
        def escapes():
            s3 = boto3.client("s3")
            s3.generate_presigned_url("get_object", Params={})
            return s3
        def paginates():
            s3 = boto3.client("s3")
            return s3.get_paginator("list_objects_v2").paginate(Bucket="b")
        def never_used():
            s3 = boto3.client("s3")
        """
    assert lines(source) == [12, 16, 20, 23]


def test_boto3_client_on_self_used_only_offline_is_quiet():
    source = """
        import boto3
        class RdsIamAuth:
            def __init__(self, host):
                self.host = host
                self._client = None
            @property
            def client(self):
                if self._client is None:
                    self._client = boto3.client("rds")
                return self._client
            def password(self):
                return self.client.generate_db_auth_token(DBHostname=self.host, Port=5432)
        class Presigner:
            def __init__(self):
                self.s3 = boto3.client("s3")
            def url(self, key):
                return self.s3.generate_presigned_url("get_object", Params={"Key": key})
        class Storage:
            def __init__(self):
                self.s3 = boto3.client("s3")
            def url(self, key):
                return self.s3.generate_presigned_url("get_object", Params={"Key": key})
            def get(self, key):
                return self.s3.get_object(Bucket="b", Key=key)
        """
    assert lines(source) == [21]


@pytest.mark.parametrize(
    "use",
    [
        "auth = Auth()\nauth.client.describe_db_instances()",  # used from outside the class
        "class Sub(Auth):\n    def f(self):\n        return self._client.describe_db_instances()",
        "def leak(auth):\n    return auth._client",
    ],
)
def test_boto3_client_on_self_used_elsewhere_in_module_reports(use):
    source = textwrap.dedent(
        """
        import boto3
        class Auth:
            @property
            def client(self):
                self._client = boto3.client("rds")
                return self._client
            def token(self):
                return self.client.generate_db_auth_token(DBHostname="h", Port=5432)
        """
    ) + use + "\n"
    assert lines(source) == [6]


# -- gRPC ----------------------------------------------------------------------------------------------
def test_grpc_stub_calls():
    source = """
        import grpc
        from app.protos import users_pb2_grpc
        channel = grpc.insecure_channel("users:50051")
        stub = users_pb2_grpc.UsersStub(channel)
        stub.GetUser(req)
        stub.GetUser(req, timeout=2)
        stub.GetUser(req, 2)
        stub.GetUser.future(req)
        stub.GetUser.with_call(req, timeout=2)
        stub.GetUser(req, **call_options)
        """
    found = findings(source)
    assert [f.span.line for f in found] == [6, 9]
    assert "gRPC call stub.GetUser() has no timeout" in found[0].message
    assert found[0].help == "pass timeout=10 (a deadline in seconds)"


def test_grpc_stub_on_self_and_servicer():
    source = """
        from app.protos.users_pb2_grpc import UsersStub, UsersServicer
        class Users:
            def __init__(self, channel):
                self.stub = UsersStub(channel)
            async def get(self, req):
                return await self.stub.GetUser(req)
        class Impl(UsersServicer):
            def GetUser(self, request, context):
                return self.lookup(request)
        """
    assert lines(source) == [7]


# -- redis ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "flagged"),
    [
        ("redis.Redis()", True),
        ("redis.Redis(host='cache', socket_timeout=2)", False),
        ("redis.Redis(host='cache', socket_timeout=None)", True),
        ("redis.Redis(host='cache', socket_connect_timeout=2)", True),
        ("redis.Redis('cache', 6379, 0, None, 2)", False),
        ("redis.StrictRedis(host='cache')", True),
        ("redis.Redis(connection_pool=pool)", False),
        ("redis.Redis(**settings.REDIS)", False),
        ("redis.from_url(url)", True),
        ("redis.from_url('redis://cache?socket_timeout=2')", False),
        ("redis.Redis.from_url(url, socket_timeout=2)", False),
        ("redis.ConnectionPool(host='cache')", True),
        ("redis.ConnectionPool.from_url(url)", True),
        ("redis.asyncio.Redis(host='cache')", True),
        ("redis.asyncio.from_url(url)", True),
        ("redis.RedisCluster(host='cache')", False),
    ],
)
def test_redis_constructions(call, flagged):
    source = f"import redis, redis.asyncio\nx = {call}\n"
    assert lines(source) == ([2] if flagged else [])


def test_redis_message_and_calls_not_reported():
    source = """
        from redis import asyncio as aioredis
        cache = aioredis.Redis(host="cache")
        async def f():
            await cache.get("k")
        """
    found = only(source)
    assert found.message == (
        "redis.asyncio.Redis() has no socket_timeout; a Redis server that stops answering "
        "suspends this task forever on its next command"
    )
    assert found.help == "pass socket_timeout=10 and socket_connect_timeout=3"


# -- options and quiet cases -----------------------------------------------------------------------
def test_default_timeout_option_shapes_help():
    source = "import requests\nrequests.get(u)\n"
    assert findings(source, default_timeout=30)[0].help.endswith("timeout=(3.05, 30)")
    assert findings(source, default_timeout=2.5)[0].help.endswith("timeout=(3.05, 2.5)")


def test_unknown_objects_stay_quiet():
    source = """
        def f(client, cache, api):
            client.get("/x")
            cache.get("k")
            api.session.post("/x")
            get(u)
        """
    assert lines(source) == []


def test_module_level_pre_scan_does_not_double_bind():
    # A module-level name bound once to None must stay None when the traversal reaches it.
    source = """
        import requests
        NO = None
        requests.get(u, timeout=NO)
        """
    assert lines(source) == [4]


def test_one_finding_per_problem_in_fixture_like_code():
    source = textwrap.dedent(
        """
        import httpx, aiohttp
        c = httpx.Client(timeout=httpx.Timeout(None))
        s = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout())
        """
    )
    found = findings(source)
    assert [(f.span.line, f.span.column) for f in found] == [(3, 25), (4, 34)]
