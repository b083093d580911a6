"""ARC401 external-call-without-timeout."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import ClassVar

import libcst as cst

from archlint.model import Edit, Fix, Severity, Span
from archlint.rules._calls import (
    reaches_catalogue,
    BOTO_OFFLINE_METHODS,
    CallKind,
    ExternalCall,
    classify_callee,
    client_type,
    code_snippet,
    describe_call,
    find_argument,
    is_none,
)
from archlint.rules._mentions import Mentions
from archlint.rules._names import dotted, iter_statements
from archlint.rules._tree import scan
from archlint.rules.base import FileContext, Invalid, PendingReport, Rule, Valid


@dataclass(frozen=True)
class TimeoutOptions:
    """Options of ARC401.

    `default-timeout`: the read timeout, in seconds, that help texts suggest (`timeout=(3.05, 10)`).
    `accept-library-defaults`: treat aiohttp's 5-minute session default and botocore's 60 s
    connect/read defaults as bounded, and report only calls that can wait forever.
    `require-explicit-httpx-timeout`: also report httpx helpers and clients that rely on httpx's
    implicit 5 s default instead of passing `timeout=`.
    """

    default_timeout: float = 10.0
    accept_library_defaults: bool = False
    require_explicit_httpx_timeout: bool = False


@dataclass(frozen=True)
class _Binding:
    value: cst.BaseExpression
    statement: cst.CSTNode


_UNKNOWN = object()  # a name bound to something this rule does not follow

# What an argument turned out to be.
_MISSING, _NONE, _GIVEN, _HIDDEN = "missing", "none", "given", "hidden"


@dataclass(frozen=True)
class _Arg:
    state: str
    arg: cst.Arg | None = None
    value: cst.BaseExpression | None = None  # the argument, or what the name it passes is bound to
    binding: _Binding | None = None  # set when the value came through a name


# requests: parameters that can carry the timeout positionally (0-based, `self` not counted).
_REQUESTS_TIMEOUT_POSITION = {"request": 8, "fetch_token": 9, "refresh_token": 4}
_REQUESTS_MOUNT_PLAIN_ADAPTERS = frozenset({"requests.adapters.HTTPAdapter"})
# Standard-library constructors and their positional timeout index (oldest supported signature).
_STDLIB_CONSTRUCTORS = {
    "http.client.HTTPConnection": 2,
    "http.client.HTTPSConnection": 4,
    "smtplib.SMTP": 3,
    "smtplib.SMTP_SSL": 5,
    "ftplib.FTP": 4,
    "ftplib.FTP_TLS": 7,
    "socket.create_connection": 1,
}
_BOTO_FACTORIES = frozenset({"client", "resource", "create_client"})
_BOTO_CONFIGS = frozenset(
    {"botocore.config.Config", "botocore.client.Config", "aiobotocore.config.AioConfig"}
)
_REDIS_CHECKED = frozenset(
    {"redis.Redis", "redis.asyncio.Redis", "redis.ConnectionPool", "redis.asyncio.ConnectionPool"}
)
_AIOHTTP_REQUESTS = frozenset(
    {"get", "post", "put", "patch", "delete", "head", "options", "request"}
)
_TIMEOUT_FACTORIES = frozenset(
    {"httpx.Timeout", "httpx._config.Timeout", "aiohttp.ClientTimeout",
     "aiohttp.client.ClientTimeout"}
)


class ExternalCallWithoutTimeout(Rule):
    """## What it does
    Flags an outbound call that can wait forever on a stalled server: an HTTP, gRPC, SMTP, FTP,
    socket, AWS or Redis call made without a timeout, or with the timeout turned off.

    Checked per library:

    - `requests.get/post/...` and `requests.Session` methods (also requests-oauthlib's
      `OAuth2Session`, including `fetch_token`/`refresh_token`) without `timeout=`, or with
      `timeout=None` (also a name bound to `None`). requests has no default timeout.
    - `httpx`: only an explicit `timeout=None` (httpx's default is 5 s), on a helper, a request,
      or once on `httpx.Client(timeout=None)`/`AsyncClient(timeout=None)`; and `httpx.Timeout(None)`
      with no `read=` bound.
    - `aiohttp.ClientSession()` without `timeout=` (aiohttp's default is 5 minutes in total and no
      bound on a single read), a request with `timeout=None` (no timeout at all), and
      `aiohttp.ClientTimeout(...)` that sets neither `total` nor `sock_read`.
    - `urllib.request.urlopen` / an opener's `.open` without timeout, `urlretrieve` (it cannot take
      one), `http.client.HTTPConnection`/`HTTPSConnection`, `smtplib.SMTP`/`SMTP_SSL`,
      `ftplib.FTP`/`FTP_TLS` given a host, `socket.create_connection`; a timeout passed by
      position counts.
    - `boto3.client/resource`, `Session.client/resource` and botocore's `create_client` without a
      `botocore.config.Config` that sets `connect_timeout` or `read_timeout`.
    - gRPC stub calls (stubs built from a `*_pb2_grpc` module's `...Stub` class) without
      `timeout=`, including `.future(...)` and `.with_call(...)`.
    - `redis.Redis`/`StrictRedis`/`from_url` (sync and `redis.asyncio`) and Redis connection pools
      without `socket_timeout`.

    Aliases (`import requests as r`, `from requests import get`) and clients stored in locals,
    `self` attributes, annotated parameters and fields, `with ... as` targets and module-level
    names are resolved. A client built without a timeout it needs is reported once, on the
    construction; everything else on the call.

    ## Why is this bad?
    A call without a timeout waits as long as the other side keeps the connection open. One slow
    or stalled dependency then holds a worker thread, process or task per request until the pool
    is exhausted and the whole service stops answering: a partial outage becomes a full one.
    Timeouts are what lets retries, circuit breakers and fallbacks act at all.

    ## Example
    ```python
    import requests

    def charge(order):
        return requests.post(PAYMENTS_URL, json=order.payload())
    ```

    ## Use instead
    ```python
    import requests

    def charge(order):
        return requests.post(PAYMENTS_URL, json=order.payload(), timeout=(3.05, 10))
    ```

    Fix (`archlint check --fix`): for requests calls, adds `timeout=<default-timeout>` after the
    last argument (on a line of its own when the call puts one argument a line), or writes it
    over a literal `timeout=None`. Safe: a wait with no bound becomes a bound on the silence
    between bytes (requests' timeout is not a total deadline). Unsafe (applied only with
    `--unsafe-fixes`) when the call passes `stream=`: long gaps between chunks may be intended
    there. No fix when the call ends in `*args`, for a timeout bound to a name, or for other
    libraries (their timeouts take other types).

    ## Options
    - `default-timeout` (number, default 10): the read timeout, in seconds, that the help texts
      and the fix suggest.
    - `accept-library-defaults` (bool, default false): treat aiohttp's 5-minute session default
      and botocore's 60 s connect/read defaults as bounded; only calls that can wait forever are
      reported.
    - `require-explicit-httpx-timeout` (bool, default false): also report httpx helpers and
      `httpx.Client()`/`AsyncClient()` that rely on httpx's implicit 5 s default.

    ## What it does not flag
    - A call that passes `**kwargs` (or `*args` where the timeout can be positional): it may carry
      a timeout.
    - A timeout that comes from anywhere the rule does not follow (settings, attributes,
      parameters, function results), and a boto3 `config=` that is not a visible `Config(...)`.
    - Clients of classes the rule does not know: a `requests.Session` subclass defined in the
      project (it may set a default timeout), and a session that has a custom adapter mounted
      (`session.mount(prefix, TimeoutAdapter(...))`) or its `request` replaced.
    - httpx calls that rely on httpx's 5 s default (unless `require-explicit-httpx-timeout`).
    - An `aiohttp.ClientSession()` held in a local name (`async with ... as session`) when every
      request made through it in that function passes its own `timeout=` (or `**kwargs`, which
      may carry one) and the session is used for nothing else.
    - boto3 clients in a module that imports moto (`from moto import mock_aws`): a test module,
      whose clients talk to moto's in-process mocks (`with mock_aws():`, `@mock_s3`, fixtures and
      the helpers they call).
    - A boto3 client whose only uses are offline methods (`generate_presigned_url`/`_post`,
      `generate_db_auth_token` and the Aurora DSQL token methods sign locally): held in a local
      name, within its function; held on `self` (also through a property that returns it),
      within its module. The Config's timeouts would govern no call.
    - Standard-library calls (`urllib`, `http.client`, `smtplib`, `ftplib`, `socket`) in a module
      that calls `socket.setdefaulttimeout()`; a default set in another module is not seen.
    - `ftplib.FTP()` without a host (the timeout can still be given to `connect()`), a Redis client
      built on `connection_pool=` (the pool is checked instead), a `from_url` whose literal URL
      carries `socket_timeout`, and Redis Cluster clients.
    - `urllib3`, `aiohttp.request(...)`, raw `socket.socket()` and database drivers (ARC302 covers
      pools).

    ## References
    - [requests: Timeouts](https://requests.readthedocs.io/en/latest/user/advanced/#timeouts)
    - [HTTPX: Timeouts](https://www.python-httpx.org/advanced/timeouts/)
    - [aiohttp: Timeouts](https://docs.aiohttp.org/en/stable/client_quickstart.html#timeouts)
    - [botocore Config](https://botocore.amazonaws.com/v1/documentation/api/latest/reference/config.html)
    - [gRPC: Deadlines](https://grpc.io/docs/guides/deadlines/)
    - [redis-py: connection timeouts](https://redis.readthedocs.io/en/stable/connections.html)
    - [CWE-1088: Synchronous Access of Remote Resource without Timeout](https://cwe.mitre.org/data/definitions/1088.html)
    """

    code = "ARC401"
    name = "external-call-without-timeout"
    severity = Severity.ERROR
    cwe = 1088
    tags = ("resilience",)
    Options = TimeoutOptions
    triggers = (
        "requests", "httpx", "aiohttp", "urllib", "http.client", "HTTPConnection",
        "HTTPSConnection", "smtplib", "ftplib", "socket", "boto3", "botocore", "grpc", "redis",
    )

    @classmethod
    def gate(cls, mentions: Mentions, options: object) -> bool:
        return reaches_catalogue(mentions, _TIMEOUT_FACTORIES)

    VALID: ClassVar = [
        # requests with a timeout, positional or via a bound name
        """
        import requests
        TIMEOUT = (3.05, 10)
        def fetch(url):
            return requests.get(url, timeout=TIMEOUT)
        """,
        # **kwargs may carry the timeout
        """
        import requests
        def fetch(url, **kwargs):
            return requests.get(url, **kwargs)
        """,
        # the timeout comes from a parameter whose default is None: callers decide
        """
        import requests
        def fetch(url, timeout=None):
            return requests.get(url, timeout=timeout)
        """,
        # httpx has a 5 s default
        """
        import httpx
        async def fetch(url):
            async with httpx.AsyncClient() as client:
                return await client.get(url)
        """,
        # aiohttp session with an explicit ClientTimeout
        """
        import aiohttp
        async def fetch(url):
            timeout = aiohttp.ClientTimeout(total=30, sock_read=10)
            async with aiohttp.ClientSession(timeout=timeout) as session:
                async with session.get(url) as resp:
                    return await resp.json()
        """,
        # every request of a local aiohttp session passes its own timeout
        """
        import aiohttp
        async def fetch(url):
            async with aiohttp.ClientSession() as session:
                async with session.get(url, timeout=aiohttp.ClientTimeout(total=10)) as resp:
                    return await resp.json()
        """,
        # urlopen with a positional timeout
        """
        from urllib.request import urlopen
        def fetch(url):
            return urlopen(url, None, 10).read()
        """,
        # boto3 with a Config carrying timeouts, through a module-level name
        """
        import boto3
        from botocore.config import Config
        AWS = Config(connect_timeout=3, read_timeout=10)
        s3 = boto3.client("s3", config=AWS)
        """,
        # gRPC stub call with a deadline
        """
        import grpc
        from app.protos import users_pb2_grpc
        def get_user(request):
            stub = users_pb2_grpc.UsersStub(grpc.insecure_channel("users:50051"))
            return stub.GetUser(request, timeout=2.0)
        """,
        # redis with socket timeouts, and a client built on a pool
        """
        import redis
        pool = redis.ConnectionPool(host="cache", socket_timeout=2, socket_connect_timeout=1)
        cache = redis.Redis(connection_pool=pool)
        """,
        # a project Session subclass is unknown: it may set a default timeout
        """
        import requests
        class TimeoutSession(requests.Session):
            def request(self, *args, **kwargs):
                kwargs.setdefault("timeout", 10)
                return super().request(*args, **kwargs)
        session = TimeoutSession()
        def fetch(url):
            return session.get(url)
        """,
        # a custom adapter mounted on the session sets the timeout
        """
        import requests
        from app.http import TimeoutAdapter
        class Api:
            def __init__(self):
                self.session = requests.Session()
                self.session.mount("https://", TimeoutAdapter(timeout=5))
            def users(self):
                return self.session.get("https://api/users")
        """,
        # a module-wide socket default covers the standard library
        """
        import socket
        import smtplib
        socket.setdefaulttimeout(10)
        def send(msg):
            with smtplib.SMTP("mail") as smtp:
                smtp.send_message(msg)
        """,
        # FTP without a host does not connect yet
        """
        import ftplib
        def client():
            return ftplib.FTP()
        """,
        # an unknown object's get() is not an HTTP call
        """
        def lookup(cache, key):
            return cache.get(key)
        """,
        # moto answers boto3 in-process
        """
        import boto3
        from moto import mock_aws
        def test_upload():
            with mock_aws():
                s3 = boto3.client("s3", region_name="us-east-1")
                s3.create_bucket(Bucket="uploads")
        """,
        # an RDS IAM auth token is signed locally: the client never calls the service
        """
        import boto3
        def db_password(host, user):
            rds = boto3.client("rds")
            return rds.generate_db_auth_token(DBHostname=host, Port=5432, DBUsername=user)
        """,
        # aiohttp's default is accepted when configured so
        Valid(
            """
            import aiohttp
            async def fetch(url):
                async with aiohttp.ClientSession() as session:
                    return await session.get(url)
            """,
            options={"accept-library-defaults": True},
        ),
    ]

    INVALID: ClassVar = [
        Invalid(
            """
            import requests
            def charge(order):
                return requests.post(URL, json=order)
            """,
            line=4,
            message="requests.post() has no timeout",
        ),
        Invalid(
            """
            import requests as r
            r.get("https://example.com", timeout=None)
            """,
            line=3,
            message="timeout=None",
        ),
        Invalid(
            """
            from requests import get
            TIMEOUT = None
            def fetch(url):
                return get(url, timeout=TIMEOUT)
            """,
            line=5,
            message="timeout=TIMEOUT, which is None",
        ),
        Invalid(
            """
            import requests
            class Billing:
                def __init__(self):
                    self.session = requests.Session()
                def invoices(self):
                    return self.session.get("https://billing/invoices")
            """,
            line=7,
            message="(self.session: requests.Session) has no timeout",
        ),
        Invalid(
            """
            from requests_oauthlib import OAuth2Session
            def login(client_id, url, response):
                oauth = OAuth2Session(client_id)
                return oauth.fetch_token(url, authorization_response=response)
            """,
            line=5,
            message="has no timeout",
        ),
        Invalid(
            """
            import httpx
            client = httpx.Client(timeout=None)
            """,
            line=3,
            message="httpx.Client(timeout=None)",
        ),
        Invalid(
            """
            import httpx
            limits = httpx.Timeout(None, connect=3.0)
            """,
            line=3,
            message="httpx.Timeout",
        ),
        Invalid(
            """
            import aiohttp
            async def fetch(url):
                async with aiohttp.ClientSession() as session:
                    return await session.get(url)
            """,
            line=4,
            message="5 minutes",
        ),
        Invalid(
            """
            import aiohttp
            TIMEOUT = aiohttp.ClientTimeout(connect=5)
            """,
            line=3,
            message="neither total nor sock_read",
        ),
        Invalid(
            """
            import urllib.request
            def fetch(url):
                return urllib.request.urlopen(url).read()
            """,
            line=4,
            message="urllib.request.urlopen() has no timeout",
        ),
        Invalid(
            """
            import smtplib
            def send(msg):
                with smtplib.SMTP("mail.internal", 25) as smtp:
                    smtp.send_message(msg)
            """,
            line=4,
            message="smtplib.SMTP() has no timeout",
        ),
        Invalid(
            """
            import socket
            conn = socket.create_connection(("db", 5432))
            """,
            line=3,
            message="socket.create_connection() has no timeout",
        ),
        Invalid(
            """
            import boto3
            class Storage:
                def __init__(self):
                    self.s3 = boto3.client("s3")
            """,
            line=5,
            message='boto3.client("s3") has no botocore Config',
        ),
        Invalid(
            """
            import boto3
            from botocore.config import Config
            session = boto3.session.Session()
            sqs = session.client("sqs", config=Config(retries={"max_attempts": 3}))
            """,
            line=5,
            message="has a botocore Config without connect_timeout or read_timeout",
        ),
        Invalid(
            """
            from app.protos.users_pb2_grpc import UsersStub
            class Users:
                def __init__(self, channel):
                    self.stub = UsersStub(channel)
                def get(self, request):
                    return self.stub.GetUser(request)
            """,
            line=7,
            message="gRPC",
        ),
        Invalid(
            """
            from redis import asyncio as aioredis
            cache = aioredis.from_url("redis://cache:6379/0")
            """,
            line=3,
            message="socket_timeout",
        ),
        Invalid(
            """
            import httpx
            def fetch(url):
                return httpx.get(url)
            """,
            line=4,
            message="httpx's implicit 5 s default",
            options={"require-explicit-httpx-timeout": True},
        ),
    ]

    def __init__(self, ctx: FileContext, options: TimeoutOptions) -> None:
        super().__init__(ctx, options)
        self._scopes: list[dict[str, object]] = []  # [module, function or class scopes...]
        self._class_scope: list[bool] = []
        self._stdlib_default = False
        # requests findings by receiver, dropped at the end when the receiver turned out to have a
        # custom adapter mounted or its `request` replaced.
        self._by_receiver: list[tuple[str, object]] = []
        self._patched: set[str] = set()
        # aiohttp sessions bound to a local name: call id -> (name, binding already visited),
        # and the findings to drop when every request made through that name in its function
        # passes its own timeout (see _SessionWatch).
        self._local_name_of: dict[int, tuple[str, bool]] = {}
        self._watch: dict[str, _SessionWatch] = {}
        self._not_names: set[int] = set()  # attribute and keyword Name nodes: not name uses
        # boto3 clients reported on construction, dropped when every use of the client in its
        # function (a local name) or module (a `self` attribute) is offline (presigning, auth
        # tokens): the timeout Config would govern no call.
        self._self_attr_of: dict[int, str] = {}  # `self.x = <call>`: call id -> "x"
        self._boto_by_name: list[tuple[cst.FunctionDef, str, object]] = []
        self._boto_by_attr: list[tuple[cst.ClassDef, str, object]] = []
        # A module that imports moto is a test module whose boto3 clients talk to moto's
        # in-process mocks (`with mock_aws():`, `@mock_s3`, fixtures and their helpers).
        self._moto = False

    # -- name bindings (None literals and Config(...) calls) -----------------------------------
    def visit_Module(self, node: cst.Module) -> None:
        module: dict[str, object] = {}
        for small in iter_statements(node):
            self._bind_statement(module, small)
        self._scopes = [module]
        self._class_scope = [False]
        self._stdlib_default = "setdefaulttimeout" in self.ctx.source
        self._moto = "moto" in self.ctx.source and _imports_moto(node)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        params = node.params
        scope: dict[str, object] = {
            p.name.value: _UNKNOWN
            for p in (*params.posonly_params, *params.params, *params.kwonly_params)
        }
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                scope[star.name.value] = _UNKNOWN
        self._scopes.append(scope)
        self._class_scope.append(False)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._scopes.pop()
        self._class_scope.pop()
        if self._watch:
            self._resolve_session_watch(node)
        if self._boto_by_name:
            self._resolve_boto_names(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._scopes.append({})
        self._class_scope.append(True)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._scopes.pop()
        self._class_scope.pop()

    def visit_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._note_patch(target.target)
        if len(node.targets) == 1 and isinstance(node.value, cst.Call):
            self._note_target(node.targets[0].target, node.value, True)
        if len(self._scopes) > 1:  # module-level bindings were collected up front
            self._bind_statement(self._scopes[-1], node)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.value, cst.Call):
            self._note_target(node.target, node.value, True)
        if len(self._scopes) > 1:
            self._bind_statement(self._scopes[-1], node)

    def _note_target(self, target: cst.BaseExpression, value: cst.Call, seen: bool) -> None:
        if isinstance(target, cst.Name):
            self._local_name_of[id(value)] = (target.value, seen)
        elif _is_self_attribute(target):
            self._self_attr_of[id(value)] = target.attr.value  # type: ignore[attr-defined]

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        if len(self._scopes) > 1:
            _forget(self._scopes[-1], node.target)

    def visit_For(self, node: cst.For) -> None:
        if self._scopes:
            _forget(self._scopes[-1], node.target)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None and self._scopes:
            _forget(self._scopes[-1], node.asname.name)
            if isinstance(node.item, cst.Call) and isinstance(node.asname.name, cst.Name):
                self._local_name_of[id(node.item)] = (node.asname.name.value, False)

    def visit_NamedExpr(self, node: cst.NamedExpr) -> None:
        if self._scopes:
            _forget(self._scopes[-1], node.target)

    def visit_Import(self, node: cst.Import) -> None:
        if len(self._scopes) > 1:
            _forget_imported(self._scopes[-1], node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        if len(self._scopes) > 1:
            _forget_imported(self._scopes[-1], node)

    def visit_Global(self, node: cst.Global) -> None:
        for item in node.names:
            self._scopes[0][item.name.value] = _UNKNOWN

    def _bind_statement(self, scope: dict[str, object], small: cst.CSTNode) -> None:
        if isinstance(small, cst.Assign):
            for target in small.targets:
                if isinstance(target.target, cst.Name):
                    _bind(scope, target.target.value, small.value, small)
                else:
                    _forget(scope, target.target)
        elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
            if small.value is not None:
                _bind(scope, small.target.value, small.value, small)
        elif isinstance(small, cst.AugAssign):
            _forget(scope, small.target)
        elif isinstance(small, (cst.Import, cst.ImportFrom)):
            # `try: from settings import TIMEOUT` / `except ImportError: TIMEOUT = None`
            _forget_imported(scope, small)

    def _lookup(self, name: str) -> _Binding | None:
        innermost = len(self._scopes) - 1
        for index in range(innermost, -1, -1):
            if self._class_scope[index] and index != innermost:
                continue  # a class body's names are not visible inside its methods
            found = self._scopes[index].get(name)
            if found is not None:
                return found if isinstance(found, _Binding) else None
        return None

    def _argument(self, call: cst.Call, keyword: str, position: int | None = None) -> _Arg:
        found = find_argument(call, keyword, position)
        if found.arg is None:
            return _Arg(_HIDDEN if found.hidden else _MISSING)
        value = found.arg.value
        if is_none(value):
            return _Arg(_NONE, found.arg, value)
        if isinstance(value, cst.Name):
            binding = self._lookup(value.value)
            if binding is not None:
                state = _NONE if is_none(binding.value) else _GIVEN
                return _Arg(state, found.arg, binding.value, binding)
        return _Arg(_GIVEN, found.arg, value)

    # -- requests sessions with custom adapters ------------------------------------------------
    def _note_patch(self, target: cst.BaseExpression) -> None:
        """`session.request = functools.partial(session.request, timeout=5)` and the like."""
        if isinstance(target, cst.Attribute) and target.attr.value in ("request", "send"):
            receiver = dotted(target.value)
            if receiver is not None:
                self._patched.add(receiver)

    def _note_mount(self, call: cst.Call, receiver_origin: str) -> None:
        owner = client_type(receiver_origin)
        if owner is None or owner.library != "requests" or not isinstance(call.func, cst.Attribute):
            return
        adapter = find_argument(call, "adapter", 1)
        plain = (
            adapter.arg is not None
            and isinstance(adapter.arg.value, cst.Call)
            and self.ctx.names.callee(adapter.arg.value.func) in _REQUESTS_MOUNT_PLAIN_ADAPTERS
        )
        receiver = dotted(call.func.value)
        if not plain and receiver is not None:
            self._patched.add(receiver)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if self._watch:
            self._not_names.add(id(node.attr))

    def visit_Arg(self, node: cst.Arg) -> None:
        if self._watch and node.keyword is not None:
            self._not_names.add(id(node.keyword))

    def visit_Name(self, node: cst.Name) -> None:
        if self._watch:
            watch = self._watch.get(node.value)
            if watch is not None and id(node) not in self._not_names:
                watch.names += 1

    def _watch_session(self, node: cst.Call) -> None:
        local = self._local_name_of.get(id(node))
        function = self.ctx.current_function
        if local is None or function is None:
            return
        name, binding_seen = local
        if name in self._watch:  # two sessions under one name: keep both findings
            self._watch[name].spoiled = True
            return
        self._watch[name] = _SessionWatch(function, self.ctx.pending[-1], int(binding_seen))

    def _note_session_use(self, call: cst.Call, func: cst.Attribute, name: str) -> None:
        watch = self._watch.get(name)
        if watch is None:
            return
        if func.attr.value == "close":
            watch.harmless += 1
        elif func.attr.value == "ws_connect":
            watch.websockets += 1
        elif func.attr.value in _AIOHTTP_REQUESTS:
            timeout = find_argument(call, "timeout")
            if timeout.hidden or (timeout.arg is not None and not is_none(timeout.arg.value)):
                watch.bounded += 1  # a timeout of its own, or **kwargs that may carry one

    def _resolve_session_watch(self, function: cst.FunctionDef) -> None:
        for name, watch in list(self._watch.items()):
            if watch.function is not function:
                continue
            del self._watch[name]
            if watch.spoiled:
                continue
            accounted = 1 + watch.bounded + watch.harmless
            if watch.bounded and watch.names == accounted:
                self._drop(watch.pending)
            elif watch.websockets and watch.names == accounted + watch.websockets:
                # A read or total bound closes an idle websocket (aiohttp #8444): bound the
                # handshake and let heartbeats find a dead peer instead.
                watch.pending.help = (
                    "this session opens websockets: bound the handshake with timeout=aiohttp."
                    "ClientTimeout(total=None, sock_connect=3, connect=10) and pass heartbeat=30 "
                    "to ws_connect(); no sock_read or total, which would close idle websockets"
                )

    def _resolve_boto_names(self, function: cst.FunctionDef) -> None:
        keep = []
        for scope, name, pending in self._boto_by_name:
            if scope is not function:
                keep.append((scope, name, pending))
            elif _offline_name_uses(function, name):
                self._drop(pending)
        self._boto_by_name = keep

    def _drop(self, pending: object) -> None:
        self.ctx.pending[:] = [p for p in self.ctx.pending if p is not pending]

    def leave_Module(self, node: cst.Module) -> None:
        imported = frozenset(self.ctx.names.aliases)
        for cls, attr, pending in self._boto_by_attr:
            if _offline_attribute_uses(node, cls, attr, imported):
                self._drop(pending)
        if not self._patched or not self._by_receiver:
            return
        dropped = {id(p) for receiver, p in self._by_receiver if receiver in self._patched}
        if dropped:
            self.ctx.pending[:] = [p for p in self.ctx.pending if id(p) not in dropped]

    # -- calls ---------------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, (cst.Attribute, cst.Name)):
            return
        if self._watch and isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            self._note_session_use(node, func, func.value.value)
        qualified = self.ctx.names.callee(func)
        if qualified is not None:
            if qualified in _TIMEOUT_FACTORIES:
                self._check_timeout_factory(node, qualified)
                return
            if qualified.endswith(".mount"):
                self._note_mount(node, qualified[: -len(".mount")])
                return
        ext = classify_callee(node, qualified, self.ctx.names)
        if ext is None:
            return
        check = _CHECKS.get(ext.library)
        if check is not None:
            check(self, node, ext)

    # requests ---------------------------------------------------------------------------------
    def _check_requests(self, node: cst.Call, ext: ExternalCall) -> None:
        if ext.kind is CallKind.HELPER:
            position = None
        elif ext.kind is CallKind.METHOD:
            position = _REQUESTS_TIMEOUT_POSITION.get(ext.method or "")
        else:
            return
        arg = self._argument(node, "timeout", position)
        if arg.state not in (_MISSING, _NONE):
            return
        who = self._who(node, ext)
        message = f"{who} {self._what(arg, 'timeout')}; a stalled server blocks this worker forever"
        d = self._d
        self._report(node, message, f"pass timeout=(connect, read), e.g. timeout=(3.05, {d})", arg,
                     fix=self._timeout_fix(node, arg))
        if ext.kind is CallKind.METHOD and isinstance(node.func, cst.Attribute):
            receiver = dotted(node.func.value)
            if receiver is not None:
                self._by_receiver.append((receiver, self.ctx.pending[-1]))

    # httpx ------------------------------------------------------------------------------------
    def _check_httpx(self, node: cst.Call, ext: ExternalCall) -> None:
        if ext.kind is CallKind.METHOD and ext.method == "send":
            return  # the timeout belongs to build_request()
        arg = self._argument(node, "timeout")
        d = self._d
        help = f"pass a bounded timeout, e.g. timeout=httpx.Timeout({d}, connect=3.0)"
        strict = self.options.require_explicit_httpx_timeout
        if ext.kind is CallKind.CONSTRUCTION:
            name = ext.qualified.replace("httpx._client.", "httpx.")
            if arg.state == _NONE:
                shown = code_snippet(arg.arg.value) if arg.arg is not None else "None"
                message = (
                    f"{name}(timeout={shown}) turns off every timeout for all requests of this "
                    f"client; a stalled server {self._stalls(ext)}"
                )
                self._report(node, message, help, arg)
            elif arg.state == _MISSING and strict:
                self._report(
                    node, f"{name}() relies on httpx's implicit 5 s default timeout", help, arg
                )
            return
        if arg.state == _NONE:
            message = (
                f"{self._who(node, ext)} {self._what(arg, 'timeout')}, which turns off httpx's "
                f"default 5 s timeout; a stalled server {self._stalls(ext)}"
            )
            self._report(node, message, help, arg)
        elif arg.state == _MISSING and strict and ext.kind is CallKind.HELPER:
            self._report(
                node, f"{self._who(node, ext)} relies on httpx's implicit 5 s default timeout",
                help, arg,
            )

    # aiohttp ----------------------------------------------------------------------------------
    def _check_aiohttp(self, node: cst.Call, ext: ExternalCall) -> None:
        d = self._d
        total = f"{self.options.default_timeout * 3:g}"
        help = f"pass timeout=aiohttp.ClientTimeout(total={total}, sock_connect=3, sock_read={d})"
        if ext.kind is CallKind.CONSTRUCTION and ext.client is not None:
            if ext.client.name != "aiohttp.ClientSession" or self.options.accept_library_defaults:
                return
            arg = self._argument(node, "timeout")
            if arg.state not in (_MISSING, _NONE):
                return
            for legacy in ("read_timeout", "conn_timeout"):
                if find_argument(node, legacy).arg is not None:
                    return
            if arg.state == _MISSING:
                what = "has no timeout="
            else:
                what = f"{self._what(arg, 'timeout')}, which means the default"
            message = (
                f"aiohttp.ClientSession() {what}: every request of this session falls back to "
                "aiohttp's default of 5 minutes in total with no bound on a single read, so a "
                "stalled server holds the task for 5 minutes"
            )
            self._report(node, message, help, arg)
            self._watch_session(node)
            return
        if ext.kind is CallKind.METHOD and ext.method != "ws_connect":
            arg = self._argument(node, "timeout")
            if arg.state == _NONE:
                message = (
                    f"{self._who(node, ext)} {self._what(arg, 'timeout')}, which turns off the "
                    "session's timeouts for this request; a stalled server suspends this task "
                    "forever"
                )
                self._report(node, message, help, arg)

    def _check_timeout_factory(self, node: cst.Call, qualified: str) -> None:
        if any(a.star for a in node.args):
            return
        if qualified.startswith("httpx"):
            read = self._argument(node, "read")
            if read.state == _MISSING:
                read = self._argument(node, "timeout", 0)
            if read.state != _NONE:
                return
            message = (
                f"{code_snippet(node, 50)} sets no read timeout (read is None); a client or request "
                "using it waits forever on a stalled server"
            )
            help = f"give it a bound, e.g. httpx.Timeout({self._d}, connect=3.0)"
            self._report(node, message, help, read)
            return
        total = self._argument(node, "total", 0)
        sock_read = self._argument(node, "sock_read", 2)
        if total.state == _GIVEN or sock_read.state == _GIVEN:
            return
        message = (
            f"{code_snippet(node, 50)} sets neither total nor sock_read, so nothing bounds a request or "
            "a read; a session or request using it waits forever on a stalled server"
        )
        d = self._d
        bound = f"{self.options.default_timeout * 3:g}"
        help = f"set total and sock_read, e.g. aiohttp.ClientTimeout(total={bound}, sock_read={d})"
        self._report(node, message, help, total if total.binding else sock_read)

    # urllib, http.client, smtplib, ftplib, socket ---------------------------------------------
    def _check_stdlib(self, node: cst.Call, ext: ExternalCall) -> None:
        if self._stdlib_default:
            return
        if ext.kind is CallKind.HELPER:
            if ext.qualified == "urllib.request.urlretrieve":
                self._report(
                    node,
                    "urllib.request.urlretrieve() cannot take a timeout; a stalled server blocks "
                    "this worker forever",
                    f"use urllib.request.urlopen(url, timeout={self._d}) and write the body "
                    "yourself",
                )
                return
            position: int | None = 2
            name = f"{ext.qualified}()"
        elif ext.kind is CallKind.METHOD:
            if ext.method != "open":
                return
            position, name = 2, self._who(node, ext)
        else:
            position = _STDLIB_CONSTRUCTORS.get(ext.qualified)
            if position is None or (ext.library == "ftplib" and not ext.performs_io):
                return  # FTP() without a host: connect(host, timeout=...) may still bound it
            name = f"{ext.qualified}()"
        arg = self._argument(node, "timeout", position)
        if arg.state not in (_MISSING, _NONE):
            return
        message = f"{name} {self._what(arg, 'timeout')}; a stalled server blocks this worker forever"
        self._report(node, message, f"pass timeout={self._d} (seconds)", arg)

    # boto3 ------------------------------------------------------------------------------------
    def _check_boto3(self, node: cst.Call, ext: ExternalCall) -> None:
        if (
            ext.kind is not CallKind.CONSTRUCTION
            or ext.qualified.rpartition(".")[2] not in _BOTO_FACTORIES
            or self.options.accept_library_defaults
            or self._moto
        ):
            return
        arg = self._argument(node, "config", 9)
        related: list[tuple[cst.CSTNode, str]] = []
        if arg.state == _GIVEN:
            config = arg.value
            if not isinstance(config, cst.Call):
                return
            if self.ctx.names.callee(config.func) not in _BOTO_CONFIGS:
                return
            if any(a.star for a in config.args):
                return
            for key in ("connect_timeout", "read_timeout"):
                found = find_argument(config, key).arg
                if found is not None and not is_none(found.value):
                    return
            problem = "has a botocore Config without connect_timeout or read_timeout"
            if arg.binding is not None:
                related.append((arg.binding.statement, "the Config is built here"))
        elif arg.state == _NONE:
            problem = self._what(arg, "config")
        elif arg.state == _MISSING:
            problem = "has no botocore Config with connect_timeout/read_timeout"
        else:
            return
        service = ""
        first = find_argument(node, "service_name", 0).arg
        if first is not None and isinstance(first.value, cst.SimpleString):
            service = first.value.value
        message = (
            f"{self._boto_name(node, ext)}({service}) {problem}; every call falls back to "
            "botocore's 60 s connect and 60 s read timeouts, retried, so a stalled endpoint "
            "holds this worker for minutes"
        )
        help = (
            f"pass config=botocore.config.Config(connect_timeout=3, read_timeout={self._d}, "
            "retries={'max_attempts': 3, 'mode': 'standard'})"
        )
        if arg.binding is not None and arg.state == _NONE:
            related.append((arg.binding.statement, "bound to None here"))
        self.report(node, message, help=help, related=related)
        self._watch_boto_client(node)

    def _watch_boto_client(self, node: cst.Call) -> None:
        pending = self.ctx.pending[-1]
        local = self._local_name_of.get(id(node))
        function = self.ctx.current_function
        if local is not None and function is not None:
            self._boto_by_name.append((function, local[0], pending))
            return
        attr = self._self_attr_of.get(id(node))
        if attr is not None and function is not None and self.ctx.classes:
            self._boto_by_attr.append((self.ctx.classes[-1], attr, pending))

    def _boto_name(self, node: cst.Call, ext: ExternalCall) -> str:
        if ext.qualified in ("boto3.client", "boto3.resource"):
            return ext.qualified
        return code_snippet(node.func, 40)

    # gRPC -------------------------------------------------------------------------------------
    def _check_grpc(self, node: cst.Call, ext: ExternalCall) -> None:
        if ext.kind is not CallKind.STUB:
            return
        arg = self._argument(node, "timeout", 1)
        if arg.state not in (_MISSING, _NONE):
            return
        message = (
            f"gRPC call {code_snippet(node.func, 60)}() {self._what(arg, 'timeout')}, so it has no "
            "deadline; a stalled server holds this call forever"
        )
        self._report(node, message, f"pass timeout={self._d} (a deadline in seconds)", arg)

    # redis ------------------------------------------------------------------------------------
    def _check_redis(self, node: cst.Call, ext: ExternalCall) -> None:
        if (
            ext.kind is not CallKind.CONSTRUCTION
            or ext.client is None
            or ext.client.name not in _REDIS_CHECKED
        ):
            return
        if find_argument(node, "connection_pool").arg is not None:
            return
        last = ext.qualified.rpartition(".")[2]
        if last == "from_url":
            url = find_argument(node, "url", 0).arg
            if url is not None and "socket_timeout" in code_snippet(url.value, 10_000):
                return
        position = 4 if last in ("Redis", "StrictRedis") else None
        arg = self._argument(node, "socket_timeout", position)
        if arg.state not in (_MISSING, _NONE):
            return
        stalls = "suspends this task" if ext.asynchronous else "blocks this worker"
        message = (
            f"{ext.qualified}() {self._what(arg, 'socket_timeout')}; a Redis server that stops "
            f"answering {stalls} forever on its next command"
        )
        help = f"pass socket_timeout={self._d} and socket_connect_timeout=3"
        self._report(node, message, help, arg)

    # -- wording ---------------------------------------------------------------------------------
    @property
    def _d(self) -> str:
        return f"{self.options.default_timeout:g}"

    def _who(self, node: cst.Call, ext: ExternalCall) -> str:
        return describe_call(node, ext)

    @staticmethod
    def _stalls(ext: ExternalCall) -> str:
        if ext.asynchronous:
            return "suspends this task forever"
        return "blocks this worker forever"

    @staticmethod
    def _what(arg: _Arg, keyword: str) -> str:
        if arg.state == _MISSING:
            return f"has no {keyword}"
        if arg.binding is not None and arg.arg is not None:
            return f"passes {keyword}={code_snippet(arg.arg.value)}, which is None"
        return f"passes {keyword}=None"

    def _report(self, node: cst.Call, message: str, help: str, arg: _Arg | None = None,
                fix: Fix | None = None) -> None:
        related: list[tuple[cst.CSTNode, str]] = []
        if arg is not None and arg.binding is not None and arg.state == _NONE:
            name = code_snippet(arg.arg.value) if arg.arg is not None else "the name"
            related.append((arg.binding.statement, f"{name} is bound to None here"))
        self.report(node, message, help=help, related=related, fix=fix)

    def _timeout_fix(self, node: cst.Call, arg: _Arg) -> Fix | None:
        """`timeout=<default-timeout>` added after the last argument, or written over a literal
        `timeout=None`; nothing when the call has no argument or ends in `*args`. Unsafe when
        the call streams (`stream=`): long gaps between chunks may be intended there."""
        d = self._d
        if arg.state == _NONE and arg.binding is None and arg.arg is not None:
            edit = Edit(self.ctx.span_of(arg.arg.value), d)
        elif arg.state == _MISSING and node.args and not node.args[-1].star:
            last = node.args[-1]
            comma = last.comma
            if isinstance(comma, cst.Comma) and isinstance(comma.whitespace_after,
                                                            cst.ParenthesizedWhitespace):
                # one argument a line, trailing comma: a line of its own, aligned
                at = self.ctx.span_of(comma)
                indent = " " * self.ctx.span_of(last).column
                edit = Edit(Span(at.end_line, at.end_column, at.end_line, at.end_column),
                            f"\n{indent}timeout={d},")
            else:
                end = self.ctx.span_of(last.value)
                edit = Edit(Span(end.end_line, end.end_column, end.end_line, end.end_column),
                            f", timeout={d}")
        else:
            return None
        streams = find_argument(node, "stream").arg is not None
        return Fix(f"pass timeout={d} (seconds without a byte from the server)", (edit,),
                   safe=not streams)


_CHECKS: dict[str, Callable[[ExternalCallWithoutTimeout, cst.Call, ExternalCall], None]] = {
    "requests": ExternalCallWithoutTimeout._check_requests,
    "httpx": ExternalCallWithoutTimeout._check_httpx,
    "aiohttp": ExternalCallWithoutTimeout._check_aiohttp,
    "urllib": ExternalCallWithoutTimeout._check_stdlib,
    "http.client": ExternalCallWithoutTimeout._check_stdlib,
    "smtplib": ExternalCallWithoutTimeout._check_stdlib,
    "ftplib": ExternalCallWithoutTimeout._check_stdlib,
    "socket": ExternalCallWithoutTimeout._check_stdlib,
    "boto3": ExternalCallWithoutTimeout._check_boto3,
    "grpc": ExternalCallWithoutTimeout._check_grpc,
    "redis": ExternalCallWithoutTimeout._check_redis,
}


@dataclass
class _SessionWatch:
    """A local aiohttp session reported for having no timeout, and how its function uses it:
    requests that pass their own timeout (`bounded`), `close()` calls (`harmless`), websockets
    opened (`websockets`), and every occurrence of its name (`names`, the binding included). Any
    other use (passing it on, returning it, a request without a timeout) shows up as a surplus
    occurrence and keeps the finding."""

    function: cst.FunctionDef
    pending: PendingReport
    names: int
    bounded: int = 0
    harmless: int = 0
    websockets: int = 0
    spoiled: bool = False


class _MotoImport(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found = False

    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            name = dotted(alias.name) or ""
            if name == "moto" or name.startswith("moto."):
                self.found = True

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        name = dotted(node.module) if node.module is not None and not node.relative else ""
        if name == "moto" or (name or "").startswith("moto."):
            self.found = True


def _imports_moto(module: cst.Module) -> bool:
    """`import moto`, `from moto import mock_aws`, anywhere in the module (fixtures often import
    it inside a function)."""
    finder = _MotoImport()
    scan(module, finder)
    return finder.found


def _is_self_attribute(expr: cst.BaseExpression) -> bool:
    return (
        isinstance(expr, cst.Attribute)
        and isinstance(expr.value, cst.Name)
        and expr.value.value == "self"
    )


def _offline_call(call: cst.Call, receiver: Callable[[cst.BaseExpression], bool]) -> bool:
    func = call.func
    return (
        isinstance(func, cst.Attribute)
        and func.attr.value in BOTO_OFFLINE_METHODS
        and receiver(func.value)
    )


class _NameUses(cst.CSTVisitor):
    """Occurrences of a local name in a function (attribute and keyword names excluded), and how
    many of them are offline boto3 calls (`name.generate_presigned_url(...)`)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.total = 0
        self.offline = 0

    def _is_it(self, expr: cst.BaseExpression) -> bool:
        return isinstance(expr, cst.Name) and expr.value == self.name

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name:
            self.total += 1

    def visit_Attribute(self, node: cst.Attribute) -> bool:
        node.value.visit(self)
        return False

    def visit_Arg(self, node: cst.Arg) -> bool:
        node.value.visit(self)
        return False

    def visit_Call(self, node: cst.Call) -> None:
        if _offline_call(node, self._is_it):
            self.offline += 1


def _offline_name_uses(function: cst.FunctionDef, name: str) -> bool:
    """Every use of the client held in local `name` is an offline method call (one binding)."""
    uses = _NameUses(name)
    function.body.visit(uses)
    return uses.offline > 0 and uses.total == 1 + uses.offline


class _AttributeUses(cst.CSTVisitor):
    """Every `<x>.attr` in a module, for `attr` a client attribute of class `cls` or a property
    of `cls` that returns it. Uses inside `cls` through `self` that only bind, test or return the
    client, or call an offline method on it, are harmless; any other use (another class, another
    receiver, passing it on, a method that goes over the wire) spoils the count. Attributes of
    imported modules (`boto3.client` next to a property named `client`) are not uses."""

    def __init__(
        self,
        cls: cst.ClassDef,
        names: frozenset[str],
        properties: frozenset[str],
        imported: frozenset[str],
        family: frozenset[str],
    ) -> None:
        self.cls = cls
        self.family = family  # the class and its subclasses in the module
        self.names = names
        self.properties = properties
        self.imported = imported
        self.classes: list[cst.ClassDef] = []
        self.functions: list[str] = []
        self.total = 0
        self.harmless = 0
        self.offline = 0

    def _is_it(self, expr: cst.BaseExpression) -> bool:
        return (
            bool(self.classes) and self.classes[-1] is self.cls
            and _is_self_attribute(expr) and expr.attr.value in self.names  # type: ignore[attr-defined]
        )

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.append(node)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.classes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.append(node.name.value)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.functions.pop()

    def visit_Attribute(self, node: cst.Attribute) -> None:
        if node.attr.value not in self.names:
            return
        head = dotted(node.value)
        if head is not None and head.split(".")[0] in self.imported:
            return  # `boto3.client`
        if (
            head == "self"
            and self.classes
            and self.classes[-1].name.value not in self.family
        ):
            return  # another class's own attribute of the same name
        self.total += 1

    def visit_Call(self, node: cst.Call) -> None:
        if _offline_call(node, self._is_it):
            self.offline += 1

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        if self._is_it(node.target):
            self.harmless += 1

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if self._is_it(node.target):
            self.harmless += 1

    def visit_Comparison(self, node: cst.Comparison) -> None:
        if self._is_it(node.left) and all(
            isinstance(c.operator, (cst.Is, cst.IsNot)) and is_none(c.comparator)
            for c in node.comparisons
        ):
            self.harmless += 1

    def visit_If(self, node: cst.If) -> None:
        test = node.test
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            test = test.expression
        if self._is_it(test):
            self.harmless += 1

    def visit_Return(self, node: cst.Return) -> None:
        if (
            node.value is not None and self._is_it(node.value)
            and self.functions and self.functions[-1] in self.properties
        ):
            self.harmless += 1


def _offline_attribute_uses(
    module: cst.Module, cls: cst.ClassDef, attr: str, imported: frozenset[str]
) -> bool:
    """Every use of the client held in `self.<attr>` (directly, or through a property of the
    class that returns it) is an offline method call."""
    properties = frozenset(
        stmt.name.value
        for stmt in (cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ())
        if isinstance(stmt, cst.FunctionDef) and _is_property(stmt) and _returns_only(stmt, attr)
    )
    uses = _AttributeUses(
        cls, frozenset({attr}) | properties, properties, imported, _family(module, cls)
    )
    scan(module, uses)
    return uses.offline > 0 and uses.total == uses.harmless + uses.offline


class _Classes(cst.CSTVisitor):
    def __init__(self) -> None:
        self.bases: dict[str, set[str]] = {}

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        names = {dotted(b.value) for b in node.bases} - {None}
        self.bases.setdefault(node.name.value, set()).update(
            n.rpartition(".")[2] for n in names  # type: ignore[union-attr]
        )


def _family(module: cst.Module, cls: cst.ClassDef) -> frozenset[str]:
    """The class and every class of the module that derives from it, directly or not."""
    classes = _Classes()
    scan(module, classes)
    family = {cls.name.value}
    grew = True
    while grew:
        grew = False
        for name, bases in classes.bases.items():
            if name not in family and bases & family:
                family.add(name)
                grew = True
    return frozenset(family)


def _is_property(function: cst.FunctionDef) -> bool:
    for decorator in function.decorators:
        name = dotted(decorator.decorator)
        if name is not None and name.rpartition(".")[2] in ("property", "cached_property"):
            return True
    return False


class _Returns(cst.CSTVisitor):
    def __init__(self) -> None:
        self.values: list[cst.BaseExpression | None] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False  # nested functions return their own values

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_Return(self, node: cst.Return) -> None:
        self.values.append(node.value)


def _returns_only(function: cst.FunctionDef, attr: str) -> bool:
    """The function's every `return` gives back `self.<attr>`."""
    returns = _Returns()
    function.body.visit(returns)
    return bool(returns.values) and all(
        v is not None and _is_self_attribute(v) and v.attr.value == attr  # type: ignore[attr-defined]
        for v in returns.values
    )


def _bind(scope: dict[str, object], name: str, value: cst.BaseExpression, stmt: cst.CSTNode) -> None:
    """Record a binding; a name bound twice is followed only if both bindings are None."""
    previous = scope.get(name)
    if previous is None:
        scope[name] = _Binding(value, stmt)
    elif not (
        isinstance(previous, _Binding) and is_none(previous.value) and is_none(value)
    ):
        scope[name] = _UNKNOWN


def _forget(scope: dict[str, object], target: cst.BaseExpression) -> None:
    if isinstance(target, cst.Name):
        scope[target.value] = _UNKNOWN
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            _forget(scope, element.value)
    elif isinstance(target, cst.StarredElement):
        _forget(scope, target.value)


def _forget_imported(scope: dict[str, object], node: cst.Import | cst.ImportFrom) -> None:
    if isinstance(node.names, cst.ImportStar):
        return
    for alias in node.names:
        if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
            scope[alias.asname.name.value] = _UNKNOWN
        else:
            name = dotted(alias.name)
            if name is not None:
                scope[name.split(".")[0]] = _UNKNOWN


