"""ARC302 db-pool-unconfigured: SQLAlchemy engines (dialects, pool classes), asyncpg and
psycopg_pool pools, Redis clients and pools, connections per request, one-job engines and
clients, messages."""

from __future__ import annotations

import pytest

from archlint.model import Severity
from archlint.rules.data_access.db_pool_unconfigured import DbPoolUnconfigured
from _support import run_rule

RULE = DbPoolUnconfigured


def findings(source: str, path: str = "app/db.py"):
    result = run_rule(RULE, source, path=path)
    assert not result.notifications, result.notifications
    return result.findings


def lines(source: str, path: str = "app/db.py") -> list[int]:
    return sorted(f.span.line for f in findings(source, path))


def test_metadata():
    assert RULE.code == "ARC302"
    assert RULE.name == "db-pool-unconfigured"
    assert RULE.severity is Severity.WARNING
    assert RULE.cwe == 770


# -- SQLAlchemy -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("args", "flagged"),
    [
        ("URL", True),
        ("'postgresql://db/app'", True),
        ("f'mysql+pymysql://{user}@db/app'", True),
        ("'sqlite:///app.db'", False),
        ("'sqlite+aiosqlite:///app.db'", False),
        ("'sqlite:///' + path", False),
        ("f'sqlite:///{path}'", False),
        ("'duckdb:///x.db'", False),
        ("'gsheets://'", False),
        ("URL.create('sqlite', database=path)", False),
        ("URL.create('postgresql+psycopg', host=h)", True),
        ("make_url('sqlite://')", False),
        ("URL, poolclass=NullPool", False),
        ("URL, poolclass=pool.StaticPool", False),
        ("URL, poolclass=QueuePool", True),
        ("URL, poolclass=choose_pool()", False),
        ("URL, pool=my_pool", False),
        ("URL, **options", False),
        ("*args", False),
        ("URL, pool_size=5, pool_timeout=10", False),
        ("URL, max_overflow=0, pool_timeout=10", False),
        ("URL, pool_size=None, pool_timeout=10", True),
    ],
)
def test_engine_urls_and_pools(args, flagged):
    source = f"from sqlalchemy import create_engine\nengine = create_engine({args})\n"
    assert lines(source) == ([2] if flagged else [])


def test_a_name_bound_once_to_a_literal_gives_the_dialect():
    assert lines("""
from sqlalchemy import create_engine
URL = "sqlite:///local.db"
engine = create_engine(URL)
""") == []
    assert lines("""
from sqlalchemy import create_engine
URL = "sqlite:///local.db"
if PROD:
    URL = settings.url
engine = create_engine(URL)
""") == [6]


def test_an_unknown_url_in_a_sqlite_scope_is_left_alone():
    assert lines("""
from sqlalchemy.ext.asyncio import create_async_engine
class AioSqliteConfiguration:
    def engine(self):
        self._engine = create_async_engine(self.url)
        return self._engine
""") == []


@pytest.mark.parametrize(
    ("args", "missing"),
    [
        ("URL", "has no pool_size/max_overflow and no pool_timeout"),
        ("URL, pool_size=5", "has no pool_timeout"),
        ("URL, pool_timeout=5", "has no pool_size/max_overflow:"),
    ],
)
def test_engine_message_names_what_is_missing(args, missing):
    (found,) = findings(f"import sqlalchemy\nengine = sqlalchemy.create_engine({args})\n")
    assert found.message.startswith(f"create_engine() {missing}")
    assert "pool_timeout=10" in found.help


def test_sqlmodel_and_async_engines():
    assert lines("""
import sqlmodel
from sqlalchemy.ext.asyncio import create_async_engine
a = sqlmodel.create_engine(URL)
b = create_async_engine(URL)
""") == [4, 5]


# -- asyncpg, psycopg_pool ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "message"),
    [
        ("asyncpg.create_pool(dsn)", "asyncpg.create_pool() has no min_size/max_size"),
        ("ConnectionPool(dsn)", "ConnectionPool() has no min_size/max_size and no timeout"),
        ("ConnectionPool(dsn, max_size=10)", "ConnectionPool() has no timeout: a request waits"),
        ("AsyncConnectionPool(dsn, timeout=5)", "AsyncConnectionPool() has no min_size/max_size:"),
    ],
)
def test_driver_pools(call, message):
    (found,) = findings(f"""
import asyncpg
from psycopg_pool import AsyncConnectionPool, ConnectionPool
pool = {call}
""")
    assert found.message.startswith(message)


@pytest.mark.parametrize(
    "call",
    ["asyncpg.create_pool(dsn, max_size=5)", "asyncpg.create_pool(dsn, **kw)",
     "ConnectionPool(dsn, min_size=1, max_size=4, timeout=3)", "asyncpg.connect(dsn)"],
)
def test_configured_driver_pools_and_plain_connections(call):
    assert lines(f"""
import asyncpg
from psycopg_pool import ConnectionPool
pool = {call}
""") == []


# -- Redis ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("call", "flagged"),
    [
        ("redis.Redis()", True),
        ("redis.StrictRedis(host='c')", True),
        ("redis.Redis.from_url(URL)", True),
        ("redis.from_url('redis://c/0')", True),
        ("redis.from_url('redis://c/0?max_connections=10')", False),
        ("redis.Redis(connection_pool=pool)", False),
        ("redis.Redis(connection_pool=None)", True),
        ("redis.Redis(max_connections=10)", False),
        ("redis.Redis(**conf)", False),
        ("redis.ConnectionPool(host='c')", True),
        ("redis.BlockingConnectionPool(host='c')", False),
        ("redis.asyncio.Redis(host='c')", True),
        ("redis.RedisCluster(host='c')", False),
    ],
)
def test_redis(call, flagged):
    source = f"import redis\nimport redis.asyncio\nclient = {call}\n"
    assert lines(source) == ([3] if flagged else [])


# -- one job: short-lived engines and clients -----------------------------------------------------
@pytest.mark.parametrize(
    "body",
    [
        "engine = create_engine(URL)\n    engine.connect()",
        "engine = create_engine(URL)\n    yield engine\n    engine.dispose()",
        "with create_engine(URL) as engine:\n        engine.connect()",
        "engine = create_engine(URL)\n    Session = sessionmaker(engine)\n    work(Session)",
        "engine = create_engine(URL)\n    return engine.connect().execute(q).scalar()",
    ],
)
def test_an_engine_for_one_job_is_left_alone(body):
    assert lines(f"from sqlalchemy import create_engine\ndef job():\n    {body}\n") == []


@pytest.mark.parametrize(
    "body",
    [
        "engine = create_engine(URL)\n    return engine",
        "engine = create_engine(URL)\n    self.engine = engine",
        "engine = create_engine(URL)\n    Session = sessionmaker(engine)\n    return Session",
        "engine = create_engine(URL)\n    self.s = scoped_session(sessionmaker(bind=engine))",
        "global engine\n    engine = create_engine(URL)",
        "return create_engine(URL)",
        "self.engine = create_engine(URL)",
    ],
)
def test_an_engine_that_outlives_its_function_is_flagged(body):
    assert lines(f"from sqlalchemy import create_engine\ndef job(self):\n    {body}\n") != []


def test_cli_commands_and_tooling_paths_are_left_alone():
    source = "from sqlalchemy import create_engine\nengine = create_engine(URL)\n"
    for path in ("app/cli.py", "app/migrations/versions/0001_x.py", "tests/test_db.py",
                 "app/management/commands/load.py", "scripts/seed.py", "app/db_test.py"):
        assert lines(source, path) == [], path
    assert lines("""
import click
from sqlalchemy import create_engine
@cli.command("seed")
def seed():
    return create_engine(URL)
""") == []


# -- connections per request ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "decorator",
    ["@app.get('/users')", "@router.post('/users')", "@app.route('/users')",
     "@bp.route('/users', methods=['POST'])", "@users_router.delete('/users/{id}')",
     "@api_view(['GET'])", "@server.get('/users')", "@app.websocket('/ws')"],
)
def test_connect_in_a_route(decorator):
    (found,) = findings(f"""
import psycopg2
{decorator}
def users():
    conn = psycopg2.connect(DSN)
    conn.close()
""")
    assert found.span.line == 5
    assert found.message.startswith("psycopg2.connect() inside the request handler users(): a "
                                    "new database connection per request")


@pytest.mark.parametrize(
    "decorator",
    ["@cache.get('key')", "@property", "@app.get", "@app.middleware('http')", "@something"],
)
def test_connect_under_other_decorators(decorator):
    assert lines(f"""
import psycopg2
{decorator}
def users():
    return psycopg2.connect(DSN)
""") == []


def test_pool_or_engine_built_in_a_handler_is_a_pool_per_request():
    (found,) = findings("""
import asyncpg
@app.get("/users")
async def users():
    pool = await asyncpg.create_pool(DSN, max_size=2)
    await pool.close()
""")
    assert "a new connection pool per request" in found.message


@pytest.mark.parametrize(
    ("path", "source", "flagged"),
    [
        ("shop/views.py", "def detail(request, pk):\n    pymysql.connect(host='db')", True),
        ("shop/views/orders.py", "def detail(request):\n    pymysql.connect(host='db')", True),
        ("shop/views.py",
         "class Detail(View):\n    def get(self, request):\n        pymysql.connect(host='db')",
         True),
        ("shop/services.py", "def detail(request):\n    pymysql.connect(host='db')", False),
        ("shop/views.py", "def helper(conn_info):\n    pymysql.connect(host='db')", False),
    ],
)
def test_django_views(path, source, flagged):
    found = lines("import pymysql\n" + source + "\n", path)
    assert bool(found) is flagged


def test_borrowed_and_local_connections_in_handlers_are_left_alone():
    assert lines("""
import sqlite3
@app.get("/notes")
def notes():
    with pool.connection() as conn:
        conn.execute("select 1")
    return sqlite3.connect("notes.db").execute("select 1")
""") == []


def test_url_create_with_a_drivername_keyword_is_read():
    from archlint.rules.data_access.db_pool_unconfigured import DbPoolUnconfigured
    from _support import run_rule

    source = """
import sqlalchemy as sa
from sqlalchemy.engine import URL

def cache_db(path):
    return sa.create_engine(URL.create(drivername="sqlite", database=path), future=True)

def main_db(host):
    return sa.create_engine(URL.create(drivername="postgresql", host=host))
"""
    result = run_rule(DbPoolUnconfigured, source, path="app/db.py")
    assert [f.span.line for f in result.findings] == [9]
