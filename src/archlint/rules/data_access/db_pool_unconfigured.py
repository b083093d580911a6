"""ARC302 db-pool-unconfigured."""

from __future__ import annotations

import re
from typing import ClassVar

import libcst as cst

from archlint.model import Severity
from archlint.rules._calls import (
    ExternalCall,
    Service,
    classify_callee,
    code_snippet,
    find_argument,
    is_none,
    reaches_catalogue,
)
from archlint.rules._mentions import Mentions
from archlint.rules._names import dotted, iter_statements
from archlint.rules.base import Invalid, Rule, Valid

# SQLAlchemy pool classes that keep no pool to size (or a single connection).
_UNPOOLED = frozenset({"NullPool", "StaticPool", "SingletonThreadPool", "AssertionPool"})
_QUEUE_POOLS = frozenset({"QueuePool", "AsyncAdaptedQueuePool"})
# Dialects of database servers reached over the network, where a pool matters. A literal URL of
# any other dialect (sqlite, duckdb, in-process adapters such as shillelagh's gsheets://) is left
# alone.
_SERVER_DIALECTS = frozenset({
    "postgresql", "postgres", "mysql", "mariadb", "mssql", "oracle", "cockroachdb", "redshift",
    "db2", "ibm_db_sa", "sybase", "firebird", "snowflake", "clickhouse",
})
_URL_FACTORIES = frozenset({"create", "make_url"})
_REDIS_CLIENTS = frozenset({"redis.Redis", "redis.asyncio.Redis"})
_REDIS_POOLS = frozenset({"redis.ConnectionPool", "redis.asyncio.ConnectionPool"})
_ROUTE_METHODS = frozenset({
    "get", "post", "put", "patch", "delete", "head", "options", "trace", "route", "api_route",
    "websocket",
})
_ROUTER_OWNER = re.compile(r"(app|router|bp|blueprint|api|routes)$", re.IGNORECASE)
_SCHEME = re.compile(r"^\s*([A-Za-z][\w.]*)(?:\+[\w.]+)?:")


class DbPoolUnconfigured(Rule):
    """## What it does
    Flags a database or Redis connection pool created without an explicit size bound or
    acquisition timeout, and a database connection opened inside a request handler.

    - SQLAlchemy `create_engine`/`create_async_engine` (also `sqlmodel.create_engine`) without
      `pool_size`/`max_overflow` (size) or without `pool_timeout` (how long a request waits for a
      connection); SQLAlchemy's implicit 5 + 10 connections and 30 s do not count as configured.
    - asyncpg `create_pool` without `min_size`/`max_size`.
    - psycopg_pool `ConnectionPool`/`AsyncConnectionPool` without `min_size`/`max_size` or without
      `timeout`.
    - `redis.Redis`/`StrictRedis`/`from_url` (sync and `redis.asyncio`) and `redis.ConnectionPool`
      without `max_connections`: redis-py's pool grows without bound. (Socket timeouts are ARC401's:
      one constructor can carry both findings.)
    - `psycopg2.connect`, `psycopg.connect`, `pymysql.connect`/`MySQLdb.connect`,
      `asyncpg.connect`, and pools, engines or Mongo clients built inside a request handler: a
      function decorated as a route (`@app.get(...)`, `@router.post(...)`, `@app.route(...)`,
      `@bp.route(...)`, `@api_view`) or a Django view (`def view(request, ...)`, or a method
      `def get(self, request, ...)`, in a `views.py` module or `views/` package).

    The finding sits on the construction (or on the connect call inside the handler) and names
    what is missing.

    ## Why is this bad?
    An unbounded pool lets a traffic spike open as many connections as there are concurrent
    requests, until the database refuses connections for every service that shares it; a pool
    without an acquisition timeout makes requests queue silently instead of failing fast when the
    database is slow. Implicit defaults are sized for nobody in particular: per-process pool sizes
    multiplied by the number of workers and replicas must fit the server's `max_connections`, so
    they belong in configuration where they can be reasoned about. A connection opened per request
    pays a TCP, TLS and authentication handshake every time and is bounded by nothing.

    ## Example
    ```python
    from sqlalchemy import create_engine

    engine = create_engine(settings.database_url)
    ```

    ## Use instead
    ```python
    from sqlalchemy import create_engine

    engine = create_engine(
        settings.database_url, pool_size=5, max_overflow=5, pool_timeout=10, pool_pre_ping=True
    )
    ```

    ## Options
    None.

    ## What it does not flag
    - SQLAlchemy engines with `poolclass=NullPool`/`StaticPool`/`SingletonThreadPool`/
      `AssertionPool`, a `poolclass=` or `pool=` the rule cannot read, and engines whose URL is a
      literal (or a name bound once to a literal, in the function or module) for SQLite or any
      dialect that is not a network database server (`duckdb://`, `gsheets://`). An engine whose URL
      is known only at run time is flagged, since the default `QueuePool` applies to every server
      URL, except inside a function or class whose name mentions SQLite.
    - A parameter passed through `**kwargs` (or the URL through `*args`): it may be configured.
    - `redis.BlockingConnectionPool` (bounded at 50 with a 20 s timeout by default), a Redis
      client built on `connection_pool=` (the pool is checked), a `from_url` whose literal URL
      carries `max_connections=`, and Redis Cluster clients.
    - `sqlite3.connect` in a handler (a local file), connections borrowed from a pool
      (`pool.acquire()`, `engine.connect()`), and connections opened in functions that a handler
      calls, or in handlers the rule cannot recognise by their decorator or Django signature.
    - Project wrappers around these constructors, and `engine_from_config` (configured from a
      dict the rule cannot read).

    ## References
    - [SQLAlchemy: Connection Pooling](https://docs.sqlalchemy.org/en/20/core/pooling.html)
    - [asyncpg: Connection Pools](https://magicstack.github.io/asyncpg/current/api/index.html#connection-pools)
    - [psycopg: Connection pools](https://www.psycopg.org/psycopg3/docs/advanced/pool.html)
    - [redis-py: Connection pools](https://redis.readthedocs.io/en/stable/connections.html#connectionpool-async)
    - [CWE-770: Allocation of Resources Without Limits or Throttling](https://cwe.mitre.org/data/definitions/770.html)
    """

    code = "ARC302"
    name = "db-pool-unconfigured"
    severity = Severity.WARNING
    cwe = 770
    tags = ("data-access", "resilience")
    triggers = (
        "sqlalchemy", "sqlmodel", "asyncpg", "psycopg", "redis", "pymysql", "MySQLdb", "pymongo",
        "motor",
    )

    @classmethod
    def gate(cls, mentions: Mentions, options: object) -> bool:
        return reaches_catalogue(mentions)

    VALID: ClassVar = [
        # a sized engine with an acquisition timeout
        """
        from sqlalchemy import create_engine
        engine = create_engine(URL, pool_size=5, max_overflow=5, pool_timeout=10)
        """,
        # SQLite, and NullPool behind PgBouncer
        """
        from sqlalchemy import create_engine
        from sqlalchemy.pool import NullPool
        local = create_engine("sqlite:///app.db")
        bounced = create_engine(URL, poolclass=NullPool)
        """,
        # the settings may come through **kwargs
        """
        from sqlalchemy.ext.asyncio import create_async_engine
        def make(url, **options):
            return create_async_engine(url, **options)
        """,
        # asyncpg and psycopg_pool with bounds
        """
        import asyncpg
        from psycopg_pool import ConnectionPool
        async def start(dsn):
            return await asyncpg.create_pool(dsn, min_size=2, max_size=10)
        pool = ConnectionPool(DSN, min_size=2, max_size=10, timeout=5)
        """,
        # Redis: bounded pools, a client on a pool
        """
        import redis
        pool = redis.ConnectionPool(host="cache", max_connections=20)
        cache = redis.Redis(connection_pool=pool)
        blocking = redis.BlockingConnectionPool(host="cache")
        """,
        # a connection borrowed from a pool in a handler
        """
        from fastapi import APIRouter
        router = APIRouter()
        @router.get("/users")
        async def users(request):
            async with request.app.state.pool.acquire() as conn:
                return await conn.fetch("select 1")
        """,
        # a connect() outside any handler
        Valid(
            """
            import psycopg2
            def migrate(dsn):
                with psycopg2.connect(dsn) as conn:
                    conn.cursor().execute("select 1")
            """,
            path="app/views.py",
        ),
    ]

    INVALID: ClassVar = [
        Invalid(
            """
            from sqlalchemy import create_engine
            engine = create_engine(settings.database_url)
            """,
            line=3,
            message="no pool_size/max_overflow and no pool_timeout",
        ),
        Invalid(
            """
            import asyncpg
            async def start(dsn):
                return await asyncpg.create_pool(dsn)
            """,
            line=4,
            message="asyncpg.create_pool() has no min_size/max_size",
        ),
        Invalid(
            """
            import redis
            cache = redis.Redis(host="cache", socket_timeout=2)
            """,
            line=3,
            message="no max_connections",
        ),
        Invalid(
            """
            import psycopg2
            from flask import Flask
            app = Flask(__name__)
            @app.route("/users")
            def users():
                conn = psycopg2.connect(DSN)
                return conn.cursor().execute("select 1")
            """,
            line=7,
            message="inside the request handler users()",
        ),
        Invalid(
            """
            import pymysql
            def detail(request, pk):
                conn = pymysql.connect(host="db")
            """,
            line=4,
            message="a new database connection per request",
            path="shop/views.py",
        ),
    ]

    def visit_Call(self, node: cst.Call) -> None:
        qualified = self.ctx.names.callee(node.func)
        if qualified is None:
            return
        ext = classify_callee(node, qualified, self.ctx.names)
        if ext is None or not ext.is_construction or ext.client is None:
            return
        if self.ctx.names.qualify(node.func) is None:
            return  # a value's method (`pool.acquire()`, `conn.cursor()`), not a constructor
        client = ext.client.name
        if ext.service is Service.DATABASE and ext.library != "sqlite3":
            self._check_in_handler(node, ext)
        if self._short_lived(node) or _in_tooling(self.ctx.path):
            return
        if ext.library == "sqlalchemy":
            self._check_engine(node, ext)
        elif client == "asyncpg.Pool" and qualified.endswith("create_pool"):
            self._check_sized(node, ext, ("min_size", "max_size"), None, "asyncpg's default of 10")
        elif ext.library == "psycopg_pool":
            self._check_sized(node, ext, ("min_size", "max_size"), "timeout",
                              "psycopg_pool's default of 4")
        elif client in _REDIS_CLIENTS or client in _REDIS_POOLS:
            self._check_redis(node, ext)

    # -- engines and clients that serve one job ----------------------------------------------------
    def _short_lived(self, node: cst.Call) -> bool:
        """The engine, pool or client serves one piece of work: built in a function that is a
        command-line command, or held in a local name (or `with ... as`) that the function
        closes or disposes, or that never leaves it (not returned, yielded, stored on an object
        or declared global). Its pool never grows past what that one job uses."""
        function = self.ctx.current_function
        if function is None:
            return False
        if any(_is_cli_command(d.decorator) for d in function.decorators):
            return True
        name = _local_name(self.ctx.statements[-1] if self.ctx.statements else None, node)
        if name is None:
            return False
        closed, escapes = _local_fate(function, name)
        return closed or not escapes

    # -- SQLAlchemy ------------------------------------------------------------------------------
    def _check_engine(self, node: cst.Call, ext: ExternalCall) -> None:
        if not ext.qualified.rpartition(".")[2].startswith("create_"):
            return
        url = find_argument(node, "url", 0)
        if url.arg is None:
            return
        poolclass = find_argument(node, "poolclass")
        if poolclass.hidden or find_argument(node, "pool").arg is not None:
            return
        if poolclass.arg is not None:
            name = dotted(poolclass.arg.value)
            if name is None or name.rpartition(".")[2] not in _QUEUE_POOLS:
                return  # NullPool, StaticPool, ... or something the rule cannot read
        dialect = self._dialect(url.arg.value)
        if dialect is not None and dialect not in _SERVER_DIALECTS:
            return
        if dialect is None and self._in_sqlite_scope():
            return
        missing = []
        if _absent(node, "pool_size") and _absent(node, "max_overflow"):
            missing.append("no pool_size/max_overflow")
        if _absent(node, "pool_timeout"):
            missing.append("no pool_timeout")
        if not missing:
            return
        who = ext.qualified.rpartition(".")[2]
        implicit = []
        if len(missing) == 2 or "pool_size" in missing[0]:
            implicit.append("5 + 10 overflow connections per process")
        if missing[-1] == "no pool_timeout":
            implicit.append("a 30 s wait for a free connection")
        message = (
            f"{who}() has {' and '.join(missing)}: the pool runs on SQLAlchemy's implicit "
            f"defaults ({', '.join(implicit)}), sized for no deployment in particular"
        )
        help = (
            "size the pool for workers x replicas within the server's max_connections and fail "
            "fast when it is exhausted, e.g. pool_size=5, max_overflow=5, pool_timeout=10 (or "
            "poolclass=NullPool behind PgBouncer)"
        )
        self.report(node, message, help=help)

    def _dialect(self, expr: cst.BaseExpression) -> str | None:
        """The dialect of a URL expression when the code spells it out, else None: a literal
        (`"postgresql://..."`, an f-string's head, `"sqlite:///" + path`), a name bound once to
        one, or `URL.create("postgresql+psycopg", ...)` (also `drivername=`) / `make_url("...")`."""
        if isinstance(expr, cst.Name):
            bound = self._bound_once(expr.value)
            expr = bound if bound is not None else expr
        text = _literal_prefix(expr)
        if text is not None:
            return _scheme(text)
        if isinstance(expr, cst.Call) and expr.args:
            name = dotted(expr.func)
            driver = next((a for a in expr.args if a.keyword is not None
                           and a.keyword.value == "drivername"), None)
            if driver is None and expr.args[0].keyword is None:
                driver = expr.args[0]  # URL.create("postgresql+psycopg", ...)
            first = _literal_prefix(driver.value) if driver is not None else None
            if name is not None and first is not None:
                factory = name.rpartition(".")[2]
                if factory == "make_url":
                    return _scheme(first)
                if factory == "create":
                    return first.split("+")[0].lower() or None
        return None

    def _bound_once(self, name: str) -> cst.BaseExpression | None:
        """The value of `name = <value>` when the enclosing function (or the module) binds the
        name exactly once."""
        scopes: list[cst.BaseSuite | cst.Module] = []
        if self.ctx.functions:
            scopes.append(self.ctx.functions[-1].body)
        scopes.append(self.ctx.module)
        for scope in scopes:
            values = [
                small.value for small in iter_statements(scope)
                if isinstance(small, cst.Assign)
                and any(isinstance(t.target, cst.Name) and t.target.value == name
                        for t in small.targets)
            ]
            if len(values) == 1:
                return values[0]
            if values:
                return None
        return None

    def _in_sqlite_scope(self) -> bool:
        names = [f.name.value for f in self.ctx.functions] + [c.name.value for c in self.ctx.classes]
        return any("sqlite" in n.lower() for n in names)

    # -- asyncpg, psycopg_pool ---------------------------------------------------------------------
    def _check_sized(
        self, node: cst.Call, ext: ExternalCall, sizes: tuple[str, ...], timeout: str | None,
        default: str,
    ) -> None:
        missing = []
        if all(_absent(node, s) for s in sizes):
            missing.append("/".join(sizes))
        if timeout is not None and _absent(node, timeout):
            missing.append(timeout)
        if not missing:
            return
        who = code_snippet(node.func, 50)
        message = f"{who}() has no {' and no '.join(missing)}: "
        if len(missing) == 2 or missing[0] != timeout:
            message += f"it keeps {default} connections per process, sized for no deployment"
        else:
            message += "a request waits the library's default 30 s for a free connection"
        help = (
            "size the pool for workers x replicas within the server's max_connections"
            + (f" and set {timeout}= so that a request fails fast when it is exhausted"
               if timeout in missing else "")
        )
        self.report(node, message, help=help)

    # -- Redis -------------------------------------------------------------------------------------
    def _check_redis(self, node: cst.Call, ext: ExternalCall) -> None:
        if "Blocking" in ext.qualified:
            return
        if ext.client is not None and ext.client.name in _REDIS_CLIENTS:
            pool = find_argument(node, "connection_pool")
            if pool.arg is not None and not is_none(pool.arg.value) or pool.hidden:
                return
        if not _absent(node, "max_connections"):
            return
        if ext.qualified.endswith("from_url"):
            url = find_argument(node, "url", 0)
            text = _literal_prefix(url.arg.value) if url.arg is not None else None
            if text is not None and "max_connections=" in text:
                return
        who = code_snippet(node.func, 50)
        message = (
            f"{who}() has no max_connections: redis-py's connection pool grows without bound, one "
            "connection per concurrent command, until Redis refuses clients (maxclients)"
        )
        help = "pass max_connections= sized for your concurrency (or use a BlockingConnectionPool)"
        self.report(node, message, help=help)

    # -- connections per request -------------------------------------------------------------------
    def _check_in_handler(self, node: cst.Call, ext: ExternalCall) -> None:
        function = self.ctx.current_function
        if function is None or not self._is_handler(function):
            return
        who = code_snippet(node.func, 50)
        if ext.client is not None and ext.client.connects.value == "always" and ext.library in (
            "psycopg2", "psycopg", "pymysql", "asyncpg"
        ) and not ext.qualified.endswith("create_pool"):
            what = "a new database connection per request"
        else:
            what = "a new connection pool per request"
        message = (
            f"{who}() inside the request handler {function.name.value}(): {what}, paying a TCP, TLS "
            "and authentication handshake each time with no bound on concurrent connections"
        )
        help = (
            "create the pool once at startup (a SQLAlchemy engine, psycopg_pool.ConnectionPool, "
            "asyncpg.create_pool) and borrow a connection from it in the handler"
        )
        self.report(node, message, help=help)

    def _is_handler(self, function: cst.FunctionDef) -> bool:
        for decorator in function.decorators:
            if self._is_route_decorator(decorator.decorator):
                return True
        return self._is_django_view(function)

    def _is_route_decorator(self, expr: cst.BaseExpression) -> bool:
        call = expr if isinstance(expr, cst.Call) else None
        func = call.func if call is not None else expr
        name = dotted(func)
        if name is None:
            return False
        owner, _, last = name.rpartition(".")
        if last == "api_view":
            return True
        if call is None or not owner or last not in _ROUTE_METHODS:
            return False
        if _ROUTER_OWNER.search(owner.rpartition(".")[2]):
            return True
        first = call.args[0].value if call.args and call.args[0].keyword is None else None
        text = _literal_prefix(first) if first is not None else None
        return text is not None and text.startswith("/")

    def _is_django_view(self, function: cst.FunctionDef) -> bool:
        path = self.ctx.path.replace("\\", "/")
        if not (path.endswith("views.py") or "/views/" in f"/{path}"):
            return False
        params = [p.name.value for p in function.params.params]
        in_class = bool(self.ctx.classes) and len(self.ctx.functions) == 1
        if in_class:
            return params[:2] == ["self", "request"]
        return len(self.ctx.functions) == 1 and params[:1] == ["request"]


_TOOLING_DIRS = ("migrations/", "alembic/", "management/commands/", "scripts/", "tests/", "test/")
_TOOLING_FILES = ("cli.py", "__main__.py", "manage.py", "conftest.py")


def _in_tooling(path: str) -> bool:
    """Migrations, management commands, scripts, CLI entry points and tests run one job and
    exit: nothing shares their pool."""
    path = "/" + path.replace("\\", "/")
    if any(f"/{d}" in path for d in _TOOLING_DIRS):
        return True
    file = path.rpartition("/")[2]
    return file in _TOOLING_FILES or file.startswith("test_") or file.endswith("_test.py")


def _is_cli_command(expr: cst.BaseExpression) -> bool:
    """`@click.command()`, `@group.command("name")`, `@app.command()` (typer)."""
    func = expr.func if isinstance(expr, cst.Call) else expr
    name = dotted(func)
    return name is not None and name.rpartition(".")[2] == "command"


def _local_name(statement: cst.CSTNode | None, call: cst.Call) -> str | None:
    """The local name a statement binds the call's result to: `x = call`, `x = await call`,
    `with call as x`."""
    def is_call(value: cst.BaseExpression | None) -> bool:
        if isinstance(value, cst.Await):
            value = value.expression
        return value is call

    if isinstance(statement, cst.SimpleStatementLine):
        for small in statement.body:
            if (
                isinstance(small, cst.Assign) and is_call(small.value) and len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
            ):
                return small.targets[0].target.value
            if (
                isinstance(small, cst.AnnAssign) and is_call(small.value)
                and isinstance(small.target, cst.Name)
            ):
                return small.target.value
    if isinstance(statement, cst.With):
        for item in statement.items:
            if is_call(item.item) and item.asname is not None and isinstance(
                item.asname.name, cst.Name
            ):
                return item.asname.name.value
    return None


_CLOSERS = frozenset({"close", "aclose", "dispose", "disconnect"})


def _local_fate(function: cst.FunctionDef, name: str) -> tuple[bool, bool]:
    """(closed, escapes) for a local name in a function: closed when the function calls
    `name.close()`/`aclose()`/`dispose()`/`disconnect()` (also on `name.connection_pool`);
    escapes when it, or a local built from it (`Session = sessionmaker(bind=engine)`,
    `store = RedisStore(client=client)`), is returned, yielded, stored on an object or in a
    container, or declared global/nonlocal."""
    facts = _Statements()
    function.body.visit(facts)
    tracked = {name}
    grew = True
    while grew:
        grew = False
        for targets, value in facts.assigns:
            if _mentions(value, tracked):
                for target in targets:
                    if isinstance(target, cst.Name) and target.value not in tracked:
                        tracked.add(target.value)
                        grew = True
    escapes = any(
        _mentions(value, tracked) for value in facts.outputs
    ) or any(
        _mentions(value, tracked)
        for targets, value in facts.assigns
        if any(not isinstance(t, cst.Name) for t in targets)
    ) or bool(tracked & facts.declared)
    return name in facts.closed, escapes


class _Statements(cst.CSTVisitor):
    """What `_local_fate` needs from a function body, in one pass."""

    def __init__(self) -> None:
        self.assigns: list[tuple[list[cst.BaseExpression], cst.BaseExpression]] = []
        self.outputs: list[cst.BaseExpression] = []  # returned and yielded values
        self.declared: set[str] = set()  # global and nonlocal names
        self.closed: set[str] = set()

    def visit_Assign(self, node: cst.Assign) -> None:
        self.assigns.append(([t.target for t in node.targets], node.value))

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self.assigns.append(([node.target], node.value))

    def visit_Return(self, node: cst.Return) -> None:
        if node.value is not None:
            self.outputs.append(node.value)

    def visit_Yield(self, node: cst.Yield) -> None:
        if isinstance(node.value, cst.BaseExpression):
            self.outputs.append(node.value)

    def visit_Global(self, node: cst.Global) -> None:
        self.declared.update(n.name.value for n in node.names)

    def visit_Nonlocal(self, node: cst.Nonlocal) -> None:
        self.declared.update(n.name.value for n in node.names)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if isinstance(func, cst.Attribute) and func.attr.value in _CLOSERS:
            owner = dotted(func.value)
            if owner is not None:
                self.closed.add(owner.split(".")[0])


def _mentions(node: cst.CSTNode, names: set[str]) -> bool:
    finder = _Finds(names)
    node.visit(finder)
    return finder.found


class _Finds(cst.CSTVisitor):
    """Whether an expression holds one of the names as a value; `name.method(...)` holds the
    method's result, not the name."""

    def __init__(self, names: set[str]) -> None:
        self.names = names
        self.found = False

    def visit_Call(self, node: cst.Call) -> bool:
        func = node.func
        if isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name):
            for arg in node.args:
                arg.visit(self)
            return False
        return True

    def visit_Name(self, node: cst.Name) -> None:
        if node.value in self.names:
            self.found = True


def _absent(node: cst.Call, keyword: str) -> bool:
    found = find_argument(node, keyword)
    return found.missing or (found.arg is not None and is_none(found.arg.value))


def _literal_prefix(expr: cst.BaseExpression | None) -> str | None:
    """The literal text a string expression starts with: a string, an f-string's leading text,
    the left side of a `+`."""
    if isinstance(expr, cst.SimpleString):
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    if isinstance(expr, cst.FormattedString):
        head = expr.parts[0] if expr.parts else None
        return head.value if isinstance(head, cst.FormattedStringText) else None
    if isinstance(expr, cst.ConcatenatedString):
        return _literal_prefix(expr.left)
    if isinstance(expr, cst.BinaryOperation) and isinstance(expr.operator, cst.Add):
        return _literal_prefix(expr.left)
    return None


def _scheme(text: str) -> str | None:
    match = _SCHEME.match(text)
    return match.group(1).lower() if match else None


_MODULE = cst.Module(body=[])
