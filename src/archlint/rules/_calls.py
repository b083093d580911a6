"""The shared model of external calls: which calls leave the process, through which client library.

Every resilience and observability rule asks the same question of a `cst.Call`: "is this an outbound
call to a remote service, a database, a cache or a broker, and through what?". This module answers
it once, from tables of qualified names, so that ARC401 (timeouts), ARC402 (circuit breakers),
ARC403 (blocking calls in `async def`) and ARC502 (spans) agree on what an external call is.

    ext = classify(call, ctx.names)
    if ext is not None and ext.kind is CallKind.METHOD and ext.library == "boto3": ...

(`classify_callee(call, qualified, names)` does the same for a rule that already computed
`qualified = ctx.names.callee(call.func)`.) Helpers for arguments: `find_argument(call, "timeout",
position)` says whether a parameter is passed by keyword or position, or may be hidden in
`*args`/`**kwargs`; `is_none(expr)` recognises the literal `None`.

A call is recognised in one of four shapes (`CallKind`):

- HELPER: a module-level function that performs the I/O itself: `requests.get(...)`,
  `httpx.post(...)`, `urllib.request.urlopen(...)`.
- CONSTRUCTION: a call that builds a client value: `requests.Session()`, `httpx.Client(...)`,
  `aiohttp.ClientSession(...)`, `boto3.client("s3")`, `session.client("s3")` on a boto3 session,
  `redis.Redis(...)`, `psycopg2.connect(...)`, `conn.cursor()`. Some constructions connect at once
  (`smtplib.SMTP(host)`, `socket.create_connection(...)`, DB `connect()`): `performs_io` says so.
- METHOD: a method of a known client value that goes over the wire: `session.get(...)`,
  `self.s3.get_object(...)`, `client.post(...)`, `cursor.execute(...)`.
- STUB: a gRPC stub method, `stub.GetUser(request)` (also `.future(...)` / `.with_call(...)`), where
  the stub is a value built from a class imported from a `*_pb2_grpc` module.

Client values are known through the shared `NameTable` (`ctx.names`): its `callee()` resolves
`s.get` to `requests.Session.get` when `s` holds a `requests.Session()` result (a local, a `self.x`
set anywhere in the class, a parameter or field annotated with the client type, `with ... as`, a
module-level client). Anything the table cannot resolve yields None: rules stay quiet about it.

The tables below are the whole catalogue. To teach archlint a library, add a `ClientType` and the
names that produce it (constructors, factory functions, type annotations) to `_CONSTRUCTORS`, or a
module function to `_HELPERS`.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache

import libcst as cst

from archlint.rules._mentions import Mentions, head_in
from archlint.rules._names import NameTable, dotted


class Service(enum.Enum):
    """What sits at the other end of the call."""

    HTTP = "http"  # HTTP APIs (requests, httpx, aiohttp, urllib, http.client, urllib3)
    CLOUD = "cloud"  # cloud SDK clients (boto3/botocore, aioboto3)
    RPC = "rpc"  # gRPC
    DATABASE = "database"  # DB drivers (DB-API, asyncpg, pymongo) and SQLAlchemy
    CACHE = "cache"  # redis
    BROKER = "broker"  # kafka, pika
    MAIL = "mail"  # smtplib
    FILE_TRANSFER = "file-transfer"  # ftplib
    SOCKET = "socket"  # raw sockets

    @property
    def is_remote_service(self) -> bool:
        """HTTP, cloud SDK and RPC calls: ARC402's scope (not databases, caches or brokers)."""
        return self in (Service.HTTP, Service.CLOUD, Service.RPC)


class CallKind(enum.Enum):
    HELPER = "helper"
    CONSTRUCTION = "construction"
    METHOD = "method"
    STUB = "stub"


class Connects(enum.Enum):
    """Whether constructing a client opens a connection."""

    NEVER = "never"  # requests.Session(), httpx.Client(), boto3.client(), redis.Redis()
    ALWAYS = "always"  # psycopg2.connect(...), socket.create_connection(...)
    WITH_HOST = "with-host"  # smtplib.SMTP(host), ftplib.FTP(host): only when a host is passed


@dataclass(frozen=True)
class ClientType:
    """A kind of client value and what its methods do.

    `calls` lists the methods that go over the wire; None means every public lowercase method
    except those in `local` (for clients with hundreds of generated methods: boto3, redis).
    `derived` maps a method to the name of the ClientType it returns (`session.client` -> a boto3
    client, `conn.cursor` -> a cursor); `subresources` says that capitalised methods return another
    value of the same type (boto3 resources: `s3.Bucket("b")`, `dynamodb.Table("t")`).
    """

    name: str  # canonical qualified name, e.g. "requests.Session"
    library: str  # the library whose behaviour it has: OAuth2Session is "requests"
    service: Service
    asynchronous: bool | None  # None: cannot tell from the type (gRPC stubs)
    calls: frozenset[str] | None = frozenset()
    local: frozenset[str] = frozenset()
    derived: Mapping[str, str] = field(default_factory=dict)
    subresources: bool = False
    connects: Connects = Connects.NEVER

    def is_call(self, method: str) -> bool:
        if self.calls is not None:
            return method in self.calls
        return method[:1].islower() and method not in self.local


@dataclass(frozen=True)
class ExternalCall:
    """One classified call. `qualified` is what was called, fully qualified through imports and
    value origins: "requests.get", "requests.Session.get", "boto3.client", "boto3.client.get_object",
    "app.protos.users_pb2_grpc.UsersStub.GetUser"."""

    library: str
    kind: CallKind
    qualified: str
    service: Service
    asynchronous: bool | None
    client: ClientType | None = None  # CONSTRUCTION: the type built; METHOD/STUB: the receiver's
    method: str | None = None  # METHOD/STUB: the method; HELPER: the function's own name
    performs_io: bool = True

    @property
    def is_construction(self) -> bool:
        return self.kind is CallKind.CONSTRUCTION

    @property
    def is_remote_service(self) -> bool:
        return self.service.is_remote_service


# -- the catalogue -------------------------------------------------------------------------------
def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


HTTP_VERBS = _words("get post put patch delete head options request")
_REQUESTS_CALLS = HTTP_VERBS | {"send"}
# boto3/botocore client methods that never call the service: presigning and auth tokens are
# signed locally (RDS IAM and Aurora DSQL tokens are presigned URLs), the rest is bookkeeping.
BOTO_OFFLINE_METHODS = _words(
    "can_paginate close generate_presigned_url generate_presigned_post generate_db_auth_token "
    "generate_db_connect_auth_token generate_db_connect_admin_auth_token"
)
_DBAPI_CURSOR = _words("execute executemany callproc copy_expert copy_from copy_to mogrify")
# SQLAlchemy methods that talk to the database. `query()` only builds a Query, but the chain it
# starts (`.filter(...).first()`) runs SQL: counting the `query()` call gives one call per chain.
# `exec` is SQLModel's. `add`, `delete`, `expunge` and `close` only change the session's state.
_SQLA_CONNECTION = _words("execute exec_driver_sql scalar scalars commit rollback")
_SQLA_SESSION = _words(
    "execute scalar scalars query get get_one commit flush refresh merge rollback exec "
    "bulk_save_objects bulk_insert_mappings bulk_update_mappings"
)

_TYPES: dict[str, ClientType] = {
    t.name: t
    for t in (
        # HTTP
        ClientType("requests.Session", "requests", Service.HTTP, False, _REQUESTS_CALLS),
        ClientType(
            "requests_oauthlib.OAuth2Session", "requests", Service.HTTP, False,
            _REQUESTS_CALLS | {"fetch_token", "refresh_token"},
        ),
        ClientType(
            "requests_oauthlib.OAuth1Session", "requests", Service.HTTP, False,
            _REQUESTS_CALLS | {"fetch_request_token", "fetch_access_token"},
        ),
        ClientType("httpx.Client", "httpx", Service.HTTP, False, HTTP_VERBS | {"stream", "send"}),
        ClientType(
            "httpx.AsyncClient", "httpx", Service.HTTP, True, HTTP_VERBS | {"stream", "send"}
        ),
        ClientType(
            "aiohttp.ClientSession", "aiohttp", Service.HTTP, True, HTTP_VERBS | {"ws_connect"}
        ),
        ClientType("urllib.request.OpenerDirector", "urllib", Service.HTTP, False, _words("open")),
        ClientType(
            "urllib3.PoolManager", "urllib3", Service.HTTP, False,
            _words("request urlopen request_encode_url request_encode_body"),
        ),
        ClientType(
            "http.client.HTTPConnection", "http.client", Service.HTTP, False,
            _words("connect request getresponse send putrequest endheaders"),
        ),
        ClientType(
            "http.client.HTTPSConnection", "http.client", Service.HTTP, False,
            _words("connect request getresponse send putrequest endheaders"),
        ),
        # mail, file transfer, sockets
        ClientType(
            "smtplib.SMTP", "smtplib", Service.MAIL, False,
            _words("connect helo ehlo login starttls sendmail send_message quit noop mail rcpt "
                   "data docmd verify"),
            connects=Connects.WITH_HOST,
        ),
        ClientType(
            "smtplib.SMTP_SSL", "smtplib", Service.MAIL, False,
            _words("connect helo ehlo login sendmail send_message quit noop mail rcpt data docmd "
                   "verify"),
            connects=Connects.WITH_HOST,
        ),
        ClientType(
            "ftplib.FTP", "ftplib", Service.FILE_TRANSFER, False,
            _words("connect login cwd pwd nlst dir mlsd retrbinary retrlines storbinary storlines "
                   "sendcmd voidcmd delete rename mkd rmd size quit"),
            connects=Connects.WITH_HOST,
        ),
        ClientType(
            "ftplib.FTP_TLS", "ftplib", Service.FILE_TRANSFER, False,
            _words("connect login prot_p cwd pwd nlst dir mlsd retrbinary retrlines storbinary "
                   "storlines sendcmd voidcmd delete rename mkd rmd size quit"),
            connects=Connects.WITH_HOST,
        ),
        ClientType(
            "socket.socket", "socket", Service.SOCKET, False,
            _words("connect connect_ex recv recv_into recvfrom send sendall sendto accept"),
        ),
        # cloud SDKs
        ClientType(
            "boto3.session.Session", "boto3", Service.CLOUD, False,
            derived={"client": "botocore.client.BaseClient",
                     "resource": "boto3.resources.base.ServiceResource"},
        ),
        ClientType(
            "botocore.session.Session", "boto3", Service.CLOUD, False,
            derived={"create_client": "botocore.client.BaseClient"},
        ),
        ClientType(
            "botocore.client.BaseClient", "boto3", Service.CLOUD, False, None,
            local=BOTO_OFFLINE_METHODS | _words("get_paginator get_waiter"),
            derived={"get_paginator": "botocore.paginate.Paginator",
                     "get_waiter": "botocore.waiter.Waiter"},
        ),
        ClientType("botocore.paginate.Paginator", "boto3", Service.CLOUD, False, _words("paginate")),
        ClientType("botocore.waiter.Waiter", "boto3", Service.CLOUD, False, _words("wait")),
        ClientType(
            "boto3.resources.base.ServiceResource", "boto3", Service.CLOUD, False, None,
            local=_words("get_available_subresources"), subresources=True,
        ),
        ClientType(
            "aioboto3.Session", "aioboto3", Service.CLOUD, True,
            derived={"client": "aiobotocore.client.AioBaseClient",
                     "resource": "aioboto3.resources.base.AIOBoto3ServiceResource"},
        ),
        ClientType(
            "aiobotocore.session.AioSession", "aioboto3", Service.CLOUD, True,
            derived={"create_client": "aiobotocore.client.AioBaseClient"},
        ),
        ClientType(
            "aiobotocore.client.AioBaseClient", "aioboto3", Service.CLOUD, True, None,
            local=BOTO_OFFLINE_METHODS | _words("get_paginator get_waiter"),
        ),
        ClientType(
            "aioboto3.resources.base.AIOBoto3ServiceResource", "aioboto3", Service.CLOUD, True,
            None, local=_words("get_available_subresources"), subresources=True,
        ),
        # gRPC channels (stubs are recognised by their module, see _stub_type)
        ClientType("grpc.Channel", "grpc", Service.RPC, False),
        ClientType("grpc.aio.Channel", "grpc", Service.RPC, True),
        # caches
        ClientType(
            "redis.Redis", "redis", Service.CACHE, False, None,
            local=_words("pipeline pubsub lock register_script get_encoder get_connection_kwargs "
                         "get_retry set_retry set_response_callback close aclose"),
            derived={"pipeline": "redis.client.Pipeline"},
        ),
        ClientType(
            "redis.asyncio.Redis", "redis", Service.CACHE, True, None,
            local=_words("pipeline pubsub lock register_script get_encoder get_connection_kwargs "
                         "get_retry set_retry set_response_callback close aclose"),
            derived={"pipeline": "redis.asyncio.client.Pipeline"},
        ),
        ClientType(
            "redis.cluster.RedisCluster", "redis", Service.CACHE, False, None,
            local=_words("pipeline pubsub lock get_node get_nodes get_primaries get_replicas"),
        ),
        ClientType(
            "redis.asyncio.cluster.RedisCluster", "redis", Service.CACHE, True, None,
            local=_words("pipeline pubsub lock get_node get_nodes get_primaries get_replicas"),
        ),
        ClientType("redis.client.Pipeline", "redis", Service.CACHE, False, _words("execute")),
        ClientType("redis.asyncio.client.Pipeline", "redis", Service.CACHE, True, _words("execute")),
        ClientType("redis.ConnectionPool", "redis", Service.CACHE, False),
        ClientType("redis.asyncio.ConnectionPool", "redis", Service.CACHE, True),
        # databases
        ClientType(
            "psycopg2.extensions.connection", "psycopg2", Service.DATABASE, False,
            _words("commit rollback"), derived={"cursor": "psycopg2.extensions.cursor"},
            connects=Connects.ALWAYS,
        ),
        ClientType("psycopg2.extensions.cursor", "psycopg2", Service.DATABASE, False, _DBAPI_CURSOR),
        ClientType(
            "psycopg.Connection", "psycopg", Service.DATABASE, False,
            _words("execute commit rollback"), derived={"cursor": "psycopg.Cursor"},
            connects=Connects.ALWAYS,
        ),
        ClientType(
            "psycopg.Cursor", "psycopg", Service.DATABASE, False,
            _words("execute executemany copy stream"),
        ),
        ClientType(
            "psycopg.AsyncConnection", "psycopg", Service.DATABASE, True,
            _words("execute commit rollback"), derived={"cursor": "psycopg.AsyncCursor"},
            connects=Connects.ALWAYS,
        ),
        ClientType(
            "psycopg.AsyncCursor", "psycopg", Service.DATABASE, True,
            _words("execute executemany copy stream"),
        ),
        ClientType(
            "sqlite3.Connection", "sqlite3", Service.DATABASE, False,
            _words("execute executemany executescript commit rollback"),
            derived={"cursor": "sqlite3.Cursor"}, connects=Connects.ALWAYS,
        ),
        ClientType(
            "sqlite3.Cursor", "sqlite3", Service.DATABASE, False,
            _words("execute executemany executescript"),
        ),
        ClientType(
            "pymysql.connections.Connection", "pymysql", Service.DATABASE, False,
            _words("commit rollback ping"), derived={"cursor": "pymysql.cursors.Cursor"},
            connects=Connects.ALWAYS,
        ),
        ClientType("pymysql.cursors.Cursor", "pymysql", Service.DATABASE, False, _DBAPI_CURSOR),
        ClientType(
            "asyncpg.Connection", "asyncpg", Service.DATABASE, True,
            _words("execute executemany fetch fetchrow fetchval copy_from_query copy_from_table "
                   "copy_to_table copy_records_to_table"),
            connects=Connects.ALWAYS,
        ),
        ClientType(
            "asyncpg.Pool", "asyncpg", Service.DATABASE, True,
            _words("execute executemany fetch fetchrow fetchval"),
            derived={"acquire": "asyncpg.Connection"}, connects=Connects.ALWAYS,
        ),
        ClientType(
            "pymongo.MongoClient", "pymongo", Service.DATABASE, False,
            _words("server_info list_database_names drop_database"),
        ),
        ClientType(
            "motor.motor_asyncio.AsyncIOMotorClient", "motor", Service.DATABASE, True,
            _words("server_info list_database_names drop_database"),
        ),
        # SQLAlchemy (library "sqlalchemy": an ORM, which a rule may leave out of its scope, as
        # ARC502 does). Building an engine does no I/O and its own methods are not calls; the
        # connections it hands out and the sessions built on it run SQL.
        ClientType(
            "sqlalchemy.engine.Engine", "sqlalchemy", Service.DATABASE, False,
            derived={"connect": "sqlalchemy.engine.Connection",
                     "begin": "sqlalchemy.engine.Connection"},
        ),
        ClientType(
            "sqlalchemy.ext.asyncio.AsyncEngine", "sqlalchemy", Service.DATABASE, True,
            derived={"connect": "sqlalchemy.ext.asyncio.AsyncConnection",
                     "begin": "sqlalchemy.ext.asyncio.AsyncConnection"},
        ),
        ClientType(
            "sqlalchemy.engine.Connection", "sqlalchemy", Service.DATABASE, False, _SQLA_CONNECTION,
        ),
        ClientType(
            "sqlalchemy.ext.asyncio.AsyncConnection", "sqlalchemy", Service.DATABASE, True,
            _SQLA_CONNECTION,
        ),
        ClientType("sqlalchemy.orm.Session", "sqlalchemy", Service.DATABASE, False, _SQLA_SESSION),
        ClientType(
            "sqlalchemy.ext.asyncio.AsyncSession", "sqlalchemy", Service.DATABASE, True,
            _SQLA_SESSION,
        ),
        ClientType(
            "psycopg_pool.ConnectionPool", "psycopg_pool", Service.DATABASE, False,
            derived={"connection": "psycopg.Connection", "getconn": "psycopg.Connection"},
        ),
        ClientType(
            "psycopg_pool.AsyncConnectionPool", "psycopg_pool", Service.DATABASE, True,
            derived={"connection": "psycopg.AsyncConnection", "getconn": "psycopg.AsyncConnection"},
        ),
        # brokers
        ClientType("kafka.KafkaProducer", "kafka", Service.BROKER, False, _words("send flush")),
        ClientType("kafka.KafkaConsumer", "kafka", Service.BROKER, False, _words("poll commit")),
        ClientType(
            "confluent_kafka.Producer", "confluent_kafka", Service.BROKER, False,
            _words("produce flush poll"),
        ),
        ClientType(
            "confluent_kafka.Consumer", "confluent_kafka", Service.BROKER, False,
            _words("poll consume commit"),
        ),
        ClientType(
            "aiokafka.AIOKafkaProducer", "aiokafka", Service.BROKER, True,
            _words("start send send_and_wait flush stop"),
        ),
        ClientType(
            "aiokafka.AIOKafkaConsumer", "aiokafka", Service.BROKER, True,
            _words("start getone getmany commit stop"),
        ),
        ClientType(
            "pika.BlockingConnection", "pika", Service.BROKER, False, _words("process_data_events"),
            derived={"channel": "pika.adapters.blocking_connection.BlockingChannel"},
            connects=Connects.ALWAYS,
        ),
        ClientType(
            "pika.adapters.blocking_connection.BlockingChannel", "pika", Service.BROKER, False,
            _words("basic_publish basic_get basic_consume start_consuming queue_declare "
                   "exchange_declare queue_bind basic_ack"),
        ),
    )
}

# Qualified names that produce (or, as annotations, declare) a value of a client type.
_CONSTRUCTORS: dict[str, str] = {
    **dict.fromkeys(
        ("requests.Session", "requests.session", "requests.sessions.Session",
         "requests.sessions.session"), "requests.Session"),
    **dict.fromkeys(
        ("requests_oauthlib.OAuth2Session", "requests_oauthlib.oauth2_session.OAuth2Session"),
        "requests_oauthlib.OAuth2Session"),
    **dict.fromkeys(
        ("requests_oauthlib.OAuth1Session", "requests_oauthlib.oauth1_session.OAuth1Session"),
        "requests_oauthlib.OAuth1Session"),
    **dict.fromkeys(("httpx.Client", "httpx._client.Client"), "httpx.Client"),
    **dict.fromkeys(("httpx.AsyncClient", "httpx._client.AsyncClient"), "httpx.AsyncClient"),
    **dict.fromkeys(
        ("aiohttp.ClientSession", "aiohttp.client.ClientSession"), "aiohttp.ClientSession"),
    **dict.fromkeys(
        ("urllib.request.build_opener", "urllib.request.OpenerDirector"),
        "urllib.request.OpenerDirector"),
    **dict.fromkeys(
        ("urllib3.PoolManager", "urllib3.poolmanager.PoolManager", "urllib3.ProxyManager",
         "urllib3.HTTPConnectionPool", "urllib3.HTTPSConnectionPool",
         "urllib3.connection_from_url"), "urllib3.PoolManager"),
    "http.client.HTTPConnection": "http.client.HTTPConnection",
    "http.client.HTTPSConnection": "http.client.HTTPSConnection",
    "smtplib.SMTP": "smtplib.SMTP",
    "smtplib.SMTP_SSL": "smtplib.SMTP_SSL",
    "ftplib.FTP": "ftplib.FTP",
    "ftplib.FTP_TLS": "ftplib.FTP_TLS",
    **dict.fromkeys(("socket.socket", "socket.create_connection"), "socket.socket"),
    **dict.fromkeys(("boto3.Session", "boto3.session.Session"), "boto3.session.Session"),
    **dict.fromkeys(
        ("botocore.session.Session", "botocore.session.get_session"), "botocore.session.Session"),
    **dict.fromkeys(
        ("boto3.client", "botocore.client.BaseClient"), "botocore.client.BaseClient"),
    **dict.fromkeys(
        ("boto3.resource", "boto3.resources.base.ServiceResource"),
        "boto3.resources.base.ServiceResource"),
    **dict.fromkeys(("aioboto3.Session", "aioboto3.session.Session"), "aioboto3.Session"),
    **dict.fromkeys(
        ("aiobotocore.session.get_session", "aiobotocore.session.AioSession"),
        "aiobotocore.session.AioSession"),
    **dict.fromkeys(
        ("grpc.insecure_channel", "grpc.secure_channel", "grpc.intercept_channel",
         "grpc.Channel"), "grpc.Channel"),
    **dict.fromkeys(
        ("grpc.aio.insecure_channel", "grpc.aio.secure_channel", "grpc.aio.Channel"),
        "grpc.aio.Channel"),
    **dict.fromkeys(
        ("redis.Redis", "redis.StrictRedis", "redis.client.Redis", "redis.client.StrictRedis",
         "redis.from_url", "redis.Redis.from_url", "redis.StrictRedis.from_url",
         "redis.client.Redis.from_url"), "redis.Redis"),
    **dict.fromkeys(
        ("redis.asyncio.Redis", "redis.asyncio.StrictRedis", "redis.asyncio.client.Redis",
         "redis.asyncio.from_url", "redis.asyncio.Redis.from_url",
         "redis.asyncio.client.Redis.from_url"), "redis.asyncio.Redis"),
    **dict.fromkeys(
        ("redis.RedisCluster", "redis.cluster.RedisCluster", "redis.RedisCluster.from_url",
         "redis.cluster.RedisCluster.from_url"), "redis.cluster.RedisCluster"),
    **dict.fromkeys(
        ("redis.asyncio.RedisCluster", "redis.asyncio.cluster.RedisCluster",
         "redis.asyncio.RedisCluster.from_url"), "redis.asyncio.cluster.RedisCluster"),
    **dict.fromkeys(
        ("redis.ConnectionPool", "redis.BlockingConnectionPool", "redis.connection.ConnectionPool",
         "redis.connection.BlockingConnectionPool", "redis.ConnectionPool.from_url",
         "redis.BlockingConnectionPool.from_url"), "redis.ConnectionPool"),
    **dict.fromkeys(
        ("redis.asyncio.ConnectionPool", "redis.asyncio.BlockingConnectionPool",
         "redis.asyncio.connection.ConnectionPool", "redis.asyncio.ConnectionPool.from_url"),
        "redis.asyncio.ConnectionPool"),
    **dict.fromkeys(
        ("psycopg2.connect", "psycopg2.extensions.connection"), "psycopg2.extensions.connection"),
    "psycopg2.extensions.cursor": "psycopg2.extensions.cursor",
    **dict.fromkeys(
        ("psycopg.connect", "psycopg.Connection", "psycopg.Connection.connect"),
        "psycopg.Connection"),
    "psycopg.Cursor": "psycopg.Cursor",
    **dict.fromkeys(
        ("psycopg.AsyncConnection", "psycopg.AsyncConnection.connect"), "psycopg.AsyncConnection"),
    "psycopg.AsyncCursor": "psycopg.AsyncCursor",
    **dict.fromkeys(("sqlite3.connect", "sqlite3.Connection"), "sqlite3.Connection"),
    "sqlite3.Cursor": "sqlite3.Cursor",
    **dict.fromkeys(
        ("pymysql.connect", "pymysql.Connect", "pymysql.connections.Connection",
         "MySQLdb.connect", "MySQLdb.Connect"), "pymysql.connections.Connection"),
    **dict.fromkeys(
        ("asyncpg.connect", "asyncpg.Connection", "asyncpg.connection.Connection"),
        "asyncpg.Connection"),
    **dict.fromkeys(
        ("asyncpg.create_pool", "asyncpg.Pool", "asyncpg.pool.Pool"), "asyncpg.Pool"),
    **dict.fromkeys(
        ("pymongo.MongoClient", "pymongo.mongo_client.MongoClient"), "pymongo.MongoClient"),
    **dict.fromkeys(
        ("motor.motor_asyncio.AsyncIOMotorClient",), "motor.motor_asyncio.AsyncIOMotorClient"),
    **dict.fromkeys(
        ("sqlalchemy.create_engine", "sqlalchemy.engine.create_engine",
         "sqlalchemy.engine.create.create_engine", "sqlalchemy.Engine", "sqlalchemy.engine.Engine",
         "sqlalchemy.engine.base.Engine", "sqlmodel.create_engine"), "sqlalchemy.engine.Engine"),
    **dict.fromkeys(
        ("sqlalchemy.ext.asyncio.create_async_engine",
         "sqlalchemy.ext.asyncio.engine.create_async_engine", "sqlalchemy.ext.asyncio.AsyncEngine",
         "sqlalchemy.ext.asyncio.engine.AsyncEngine"), "sqlalchemy.ext.asyncio.AsyncEngine"),
    **dict.fromkeys(
        ("sqlalchemy.Connection", "sqlalchemy.engine.Connection",
         "sqlalchemy.engine.base.Connection"), "sqlalchemy.engine.Connection"),
    **dict.fromkeys(
        ("sqlalchemy.ext.asyncio.AsyncConnection",
         "sqlalchemy.ext.asyncio.engine.AsyncConnection"),
        "sqlalchemy.ext.asyncio.AsyncConnection"),
    **dict.fromkeys(
        ("sqlalchemy.orm.Session", "sqlalchemy.orm.session.Session",
         "sqlalchemy.orm.scoped_session", "sqlalchemy.orm.scoping.scoped_session",
         "sqlmodel.Session", "sqlmodel.orm.session.Session"), "sqlalchemy.orm.Session"),
    **dict.fromkeys(
        ("sqlalchemy.ext.asyncio.AsyncSession", "sqlalchemy.ext.asyncio.session.AsyncSession",
         "sqlalchemy.ext.asyncio.async_scoped_session",
         "sqlmodel.ext.asyncio.session.AsyncSession"), "sqlalchemy.ext.asyncio.AsyncSession"),
    **dict.fromkeys(
        ("psycopg_pool.ConnectionPool", "psycopg_pool.pool.ConnectionPool"),
        "psycopg_pool.ConnectionPool"),
    **dict.fromkeys(
        ("psycopg_pool.AsyncConnectionPool", "psycopg_pool.pool_async.AsyncConnectionPool"),
        "psycopg_pool.AsyncConnectionPool"),
    **{n: n for n in ("kafka.KafkaProducer", "kafka.KafkaConsumer", "confluent_kafka.Producer",
                      "confluent_kafka.Consumer", "aiokafka.AIOKafkaProducer",
                      "aiokafka.AIOKafkaConsumer", "pika.BlockingConnection")},
}


@dataclass(frozen=True)
class _Helper:
    library: str
    service: Service
    asynchronous: bool


_HELPERS: dict[str, _Helper] = {
    **{f"{m}.{v}": _Helper("requests", Service.HTTP, False)
       for m in ("requests", "requests.api") for v in HTTP_VERBS},
    **{f"httpx.{v}": _Helper("httpx", Service.HTTP, False) for v in HTTP_VERBS | {"stream"}},
    "aiohttp.request": _Helper("aiohttp", Service.HTTP, True),
    "urllib.request.urlopen": _Helper("urllib", Service.HTTP, False),
    "urllib.request.urlretrieve": _Helper("urllib", Service.HTTP, False),
    "urllib3.request": _Helper("urllib3", Service.HTTP, False),
}


# Objects that carry an HTTP client's connection settings (TLS, pools) and make no call
# themselves: handed to a client as `transport=` (httpx) or `connector=` (aiohttp). Not
# external calls; ARC607 reads their TLS options (`verify=`, `ssl=`, `verify_ssl=`).
TRANSPORTS: dict[str, str] = {
    **dict.fromkeys(
        ("httpx.HTTPTransport", "httpx.AsyncHTTPTransport",
         "httpx._transports.default.HTTPTransport",
         "httpx._transports.default.AsyncHTTPTransport"), "httpx"),
    **dict.fromkeys(("aiohttp.TCPConnector", "aiohttp.connector.TCPConnector"), "aiohttp"),
}


def transport_library(qualified: str | None) -> str | None:
    """The HTTP library whose transport/connector `qualified` builds, or None."""
    return TRANSPORTS.get(qualified) if qualified is not None else None


def _import_triggers() -> tuple[str, ...]:
    """Words one of which a file must contain to hold a call this catalogue recognises: the top
    package of every name above (`http.client` spelled out: "http" is in every URL), and the
    marks of gRPC stubs and boto3-stubs annotations. For a rule's `triggers`."""
    heads = {name.split(".")[0] for name in (*_CONSTRUCTORS, *_HELPERS)} - {"http"}
    return (*sorted(heads), "http.client", "HTTPConnection", "HTTPSConnection", "_pb2_grpc",
            "mypy_boto3_")


# Factories that connect although the type they build does not on construction.
_CONNECTING_FACTORIES = frozenset({"socket.create_connection"})

IMPORT_TRIGGERS = _import_triggers()

_GRPC_CALL_WRAPPERS = frozenset({"future", "with_call"})


# -- the gate -------------------------------------------------------------------------------------
_CATALOGUE_HEADS = frozenset(name.split(".")[0] for name in (*_CONSTRUCTORS, *_HELPERS))


def _may_reach_catalogue(target: str) -> bool:
    """An import through which a catalogue name can be reached (a cheap look at its target)."""
    return (target.lstrip(".").split(".", 1)[0] in _CATALOGUE_HEADS or "_pb2_grpc" in target
            or target.startswith("mypy_boto3_"))


def _catalogue_root(qualified: str) -> bool:
    """Where every classified call starts: a helper, a constructor (what a client value's
    origin resolves to), a boto3-stubs annotation or a gRPC stub class."""
    return (qualified in _HELPERS or qualified in _CONSTRUCTORS
            or _is_boto_stub_annotation(qualified) or _stub_type(qualified) is not None)


def reaches_catalogue(mentions: Mentions, also: frozenset[str] = frozenset()) -> bool:
    """Whether `classify` can recognise any call of the file: it qualifies every call through
    names imported from a catalogue library, so a file whose text reaches no catalogue name
    (and none of `also`, a rule's own qualified names) holds no external call. For a rule's
    `gate`."""
    if mentions.reaches("catalogue", _may_reach_catalogue, _catalogue_root):
        return True
    if not also:
        return False
    heads = frozenset(name.split(".", 1)[0] for name in also)
    # A value's method (`subprocess.Popen.wait`) is reached through its owner's name.
    owners = frozenset(name.rsplit(".", cut)[0] for name in also
                       for cut in range(name.count(".")))
    return mentions.reaches(f"also:{sorted(also)}", head_in(heads), (also | owners).__contains__)


# -- classification -------------------------------------------------------------------------------
def classify(
    call: cst.Call, names: NameTable, *, extra: Mapping[str, str] | None = None
) -> ExternalCall | None:
    """Classify a call, or None when it is not a known external call (rules then stay quiet).

    `extra` maps further qualified names (a project's `requests.Session` subclass, say) to the
    name of a catalogue type ("requests.Session").
    """
    return classify_callee(call, names.callee(call.func), names, extra=extra)


def classify_callee(
    call: cst.Call,
    qualified: str | None,
    names: NameTable,
    *,
    extra: Mapping[str, str] | None = None,
) -> ExternalCall | None:
    """`classify` for a caller that already has `qualified = names.callee(call.func)`."""
    if qualified is None:
        return _grpc_wrapped_call(call, names)
    helper = _HELPERS.get(qualified)
    if helper is not None:
        return ExternalCall(
            helper.library, CallKind.HELPER, qualified, helper.service, helper.asynchronous,
            method=qualified.rpartition(".")[2],
        )
    built = client_type(qualified, extra)
    if built is not None:
        return ExternalCall(
            built.library, CallKind.CONSTRUCTION, qualified, built.service, built.asynchronous,
            client=built,
            performs_io=qualified in _CONNECTING_FACTORIES or _connects(built, call),
        )
    owner, _, method = qualified.rpartition(".")
    if not owner:
        return None
    receiver = client_type(owner, extra)
    if receiver is not None and receiver.is_call(method):
        return ExternalCall(
            receiver.library, CallKind.METHOD, qualified, receiver.service,
            receiver.asynchronous, client=receiver, method=method,
        )
    stub = _stub_type(owner)
    if stub is not None and not method.startswith("_"):
        return ExternalCall(
            "grpc", CallKind.STUB, qualified, Service.RPC, None, client=stub, method=method
        )
    if _stub_type(qualified) is not None:  # building the stub itself: no I/O
        return ExternalCall(
            "grpc", CallKind.CONSTRUCTION, qualified, Service.RPC, None,
            client=_stub_type(qualified), performs_io=False,
        )
    return None


def client_type(origin: str, extra: Mapping[str, str] | None = None) -> ClientType | None:
    """The client type of a value whose origin (constructor, factory or annotation, as
    `NameTable.origin_of` reports it) is `origin`, following derived values: "boto3.Session.client"
    is a boto3 client, "psycopg2.connect.cursor" a cursor, "boto3.resource.Table" a resource."""
    if extra:
        target = extra.get(origin)
        if target is not None:
            return _TYPES.get(target)
        owner, _, method = origin.rpartition(".")
        if owner and owner in extra:
            parent = _TYPES.get(extra[owner])
            return _derive(parent, method)
    return _client_type(origin)


@lru_cache(maxsize=4096)
def _client_type(origin: str) -> ClientType | None:
    name = _CONSTRUCTORS.get(origin)
    if name is not None:
        return _TYPES[name]
    owner, _, method = origin.rpartition(".")
    if not owner:
        return None
    if _is_boto_stub_annotation(origin):
        return _TYPES["botocore.client.BaseClient"]
    return _derive(_client_type(owner), method)


def _derive(parent: ClientType | None, method: str) -> ClientType | None:
    if parent is None:
        return None
    derived = parent.derived.get(method)
    if derived is not None:
        return _TYPES[derived]
    if parent.subresources and method[:1].isupper():
        return parent
    return None


def _is_boto_stub_annotation(origin: str) -> bool:
    """`mypy_boto3_s3.S3Client`, `mypy_boto3_s3.client.S3Client` (boto3-stubs annotations)."""
    return origin.startswith("mypy_boto3_") and origin.endswith("Client")


@lru_cache(maxsize=1024)
def _stub_type(origin: str) -> ClientType | None:
    """A stub class imported from a generated `*_pb2_grpc` module (`users_pb2_grpc.UsersStub`);
    servicers (the server side) are not clients."""
    module, _, cls = origin.rpartition(".")
    if not module.endswith("_pb2_grpc") or not cls.endswith("Stub"):
        return None
    return ClientType(origin, "grpc", Service.RPC, None, None)


def _grpc_wrapped_call(call: cst.Call, names: NameTable) -> ExternalCall | None:
    """`stub.GetUser.future(request)` and `stub.GetUser.with_call(request)`."""
    func = call.func
    if not (isinstance(func, cst.Attribute) and func.attr.value in _GRPC_CALL_WRAPPERS):
        return None
    inner = func.value
    if not isinstance(inner, cst.Attribute):
        return None
    owner = names.origin_of(inner.value)
    stub = _stub_type(owner) if owner is not None else None
    if stub is None:
        return None
    return ExternalCall(
        "grpc", CallKind.STUB, f"{owner}.{inner.attr.value}.{func.attr.value}", Service.RPC, None,
        client=stub, method=inner.attr.value,
    )


def _connects(client: ClientType, call: cst.Call) -> bool:
    if client.connects is Connects.ALWAYS:
        return True
    if client.connects is Connects.WITH_HOST:
        positional = [a for a in call.args if a.keyword is None and a.star == ""]
        return bool(positional) or any(
            a.keyword is not None and a.keyword.value == "host" for a in call.args
        ) or any(a.star for a in call.args)
    return False


# -- arguments ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ArgumentLookup:
    """Where a call passes a parameter: `arg` when it does, by keyword or position; `hidden` when
    it does not visibly but `**kwargs` (or `*args`, for a positional parameter) may carry it."""

    arg: cst.Arg | None
    hidden: bool = False

    @property
    def missing(self) -> bool:
        return self.arg is None and not self.hidden


def find_argument(call: cst.Call, keyword: str, position: int | None = None) -> ArgumentLookup:
    """The argument a call passes for parameter `keyword` (at `position`, 0-based, if it can be
    passed positionally)."""
    index = 0
    star_args = False
    star_kwargs = False
    for arg in call.args:
        if arg.star == "**":
            star_kwargs = True
        elif arg.star == "*":
            star_args = True
        elif arg.keyword is not None:
            if arg.keyword.value == keyword:
                return ArgumentLookup(arg)
        else:
            if position is not None and index == position and not star_args:
                return ArgumentLookup(arg)
            index += 1
    hidden = star_kwargs or (star_args and position is not None)
    return ArgumentLookup(None, hidden)


def is_none(expr: cst.BaseExpression | None) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "None"


_SNIPPET_MODULE = cst.Module(body=[])


def code_snippet(node: cst.CSTNode | None, limit: int = 40) -> str:
    """The code of a node on one line, cut to `limit` characters: what messages quote."""
    if node is None:
        return ""
    text = " ".join(_SNIPPET_MODULE.code_for_node(node).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def describe_call(node: cst.Call, ext: ExternalCall) -> str:
    """How a message names an external call: `requests.get()`, or for a method of a known
    client `self.session.post() (self.session: requests.Session)`."""
    if ext.kind is CallKind.HELPER:
        return f"{ext.qualified}()"
    code = f"{code_snippet(node.func, 60)}()"
    if ext.kind is CallKind.METHOD and ext.client is not None and isinstance(
        node.func, cst.Attribute
    ):
        receiver = dotted(node.func.value)
        if receiver is not None:
            return f"{code} ({receiver}: {ext.client.name})"
    return code


def libraries() -> frozenset[str]:
    """Every library name the catalogue gives an `ExternalCall` ("requests", "boto3", "grpc",
    ...): what other tables keyed by library (ARC502's instrumentors) must spell the same way."""
    return frozenset({t.library for t in _TYPES.values()} | {h.library for h in _HELPERS.values()}
                     | {"grpc"})
