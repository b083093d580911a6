"""ARC403 blocking-call-in-async."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

import libcst as cst

from archlint.model import Severity
from archlint.rules._calls import (
    IMPORT_TRIGGERS,
    CallKind,
    ExternalCall,
    Service,
    classify_callee,
    code_snippet,
    describe_call,
    reaches_catalogue,
)
from archlint.rules._mentions import Mentions
from archlint.rules.base import FileContext, Invalid, Rule


@dataclass(frozen=True)
class BlockingCallOptions:
    """Options of ARC403.

    `blocking-functions`: further qualified names (the project's own sync helpers, a vendored SDK)
    whose call inside `async def` blocks the event loop.
    """

    blocking_functions: tuple[str, ...] = ()


@dataclass(frozen=True)
class _Primitive:
    """A standard-library call that blocks without talking to a remote dependency."""

    what: str  # what it does while the loop waits
    instead: str  # the asynchronous form
    threadable: bool = True  # worth suggesting a worker thread (not for a sleep)


_SLEEP = _Primitive(
    "sleeps in the event loop's thread", "`await asyncio.sleep(...)`", threadable=False
)
_RUN = _Primitive(
    "runs a process and waits for it to finish",
    "`await asyncio.create_subprocess_exec(...)` (or `create_subprocess_shell`) and "
    "`await proc.communicate()`",
)
_START = _Primitive(
    "starts a process with a blocking fork/exec, and hands back a process whose pipes and exit "
    "can only be waited on synchronously",
    "`await asyncio.create_subprocess_exec(...)` (or `create_subprocess_shell`)",
)
_WAIT = _Primitive(
    "waits for a child process", "an asyncio subprocess and `await proc.wait()`"
)

# Blocking standard-library calls that are not external calls: nothing leaves the process for a
# remote dependency, so they are not in the shared catalogue (`_calls.py`), which ARC401, ARC402
# and ARC502 read as "outbound calls". The set is ruff's ASYNC220/221/222/251.
_PRIMITIVES: dict[str, _Primitive] = {
    "time.sleep": _SLEEP,
    **dict.fromkeys(
        (f"subprocess.{f}" for f in
         ("run", "call", "check_call", "check_output", "getoutput", "getstatusoutput")),
        _RUN,
    ),
    "os.system": _RUN,
    **dict.fromkeys(
        ("subprocess.Popen", "os.popen", "os.posix_spawn", "os.posix_spawnp",
         *(f"os.spawn{s}" for s in ("l", "le", "lp", "lpe", "v", "ve", "vp", "vpe"))),
        _START,
    ),
    **dict.fromkeys((f"os.{f}" for f in ("wait", "wait3", "wait4", "waitid", "waitpid")), _WAIT),
}
_BLOCKING = frozenset(_PRIMITIVES)
_NON_BLOCKING_FLAGS = ("WNOHANG",)  # os.waitpid(pid, os.WNOHANG) returns at once

# Calls that hand a function to a worker thread. A blocking call written *inside* their argument
# list (`to_thread(requests.get(url))`) still runs on the event loop, before the hand-over.
_OFFLOADERS = frozenset(
    {
        "asyncio.to_thread", "anyio.to_thread.run_sync", "trio.to_thread.run_sync",
        "starlette.concurrency.run_in_threadpool", "fastapi.concurrency.run_in_threadpool",
        "asgiref.sync.sync_to_async",
    }
)
_OFFLOAD_METHODS = frozenset({"run_in_executor"})

# Client methods that only queue locally and return at once (the producers' flush/poll block).
_QUEUES_LOCALLY = frozenset({("kafka", "send"), ("confluent_kafka", "produce")})

_SERVICE_WORDS = {
    Service.HTTP: "HTTP call",
    Service.CLOUD: "AWS SDK call",
    Service.DATABASE: "database call",
    Service.CACHE: "Redis call",
    Service.BROKER: "message broker call",
    Service.MAIL: "SMTP call",
    Service.FILE_TRANSFER: "FTP call",
    Service.SOCKET: "socket call",
}

_ASYNC_CLIENTS = {
    "requests": "httpx.AsyncClient or aiohttp.ClientSession",
    "httpx": "httpx.AsyncClient",
    "urllib": "httpx.AsyncClient or aiohttp.ClientSession",
    "urllib3": "httpx.AsyncClient or aiohttp.ClientSession",
    "http.client": "httpx.AsyncClient or aiohttp.ClientSession",
    "psycopg2": "asyncpg or psycopg 3's AsyncConnection",
    "psycopg": "psycopg.AsyncConnection",
    "sqlite3": "aiosqlite",
    "pymysql": "aiomysql or asyncmy",
    "sqlalchemy": "sqlalchemy.ext.asyncio's AsyncSession/AsyncEngine",
    "redis": "redis.asyncio",
    "boto3": "aioboto3 or aiobotocore",
    "pymongo": "motor or pymongo's AsyncMongoClient",
    "kafka": "aiokafka",
    "confluent_kafka": "aiokafka",
    "pika": "aio-pika",
    "smtplib": "aiosmtplib",
    "ftplib": "aioftp",
    "socket": "asyncio streams (asyncio.open_connection)",
}


@dataclass
class _Frame:
    """A function or lambda being visited; `in_body` once its body is reached (decorators,
    defaults and annotations are evaluated where the function is defined, not in its body)."""

    node: cst.FunctionDef | cst.Lambda
    is_async: bool
    in_body: bool


class BlockingCallInAsync(Rule):
    """## What it does
    Flags a synchronous call inside the body of an `async def` that blocks the event loop while
    it waits: network or database I/O through a synchronous client, `time.sleep`, and running or
    waiting for processes.

    Checked, through the shared model of external calls (aliases, clients held in locals, `self`
    attributes, annotated parameters and fields, `with ... as` targets, module-level clients):

    - HTTP: `requests.get/post/...`, `requests.Session` (and requests-oauthlib) methods,
      `httpx.get/...` helpers and `httpx.Client` methods, `urllib.request.urlopen`/`urlretrieve`
      and openers, `urllib3`, `http.client` connections.
    - Databases: psycopg2, psycopg 3's sync `Connection`/`Cursor`, sqlite3, pymysql/MySQLdb
      (connecting, `execute`, `commit`, ...), pymongo, and SQLAlchemy's sync `Session`,
      `scoped_session`, SQLModel `Session` and `Connection` (`execute`, `scalars`, `query`,
      `get`, `commit`, `flush`, `refresh`, ...; a `query(...)...first()` chain counts once, on
      `query`).
    - The sync Redis client (`redis.Redis`, `StrictRedis`, `from_url`, pipelines), boto3 clients,
      resources, paginators and waiters, kafka-python and pika blocking calls, smtplib, ftplib,
      sockets.
    - `time.sleep`; `subprocess.run/call/check_call/check_output/getoutput/getstatusoutput/Popen`;
      `os.system`, `os.popen`, `os.posix_spawn*`, `os.spawn*`; `os.wait*` (not with
      `os.WNOHANG`).

    One finding per call, on the call. A blocking call written inside the arguments of
    `run_in_executor`/`asyncio.to_thread` (`to_thread(requests.get(url))`) is reported with a
    note: it runs on the event loop before the thread ever sees it.

    Recall against ruff's flake8-async rules: archlint covers ASYNC210 (requests/httpx helpers,
    `urllib.request.urlopen`, `urllib3.request`), ASYNC212 (`httpx.Client` request methods),
    ASYNC220/221/222 (process creation, running and waiting) and ASYNC251 (`time.sleep`), and
    goes beyond them with sessions, DB drivers, SQLAlchemy, Redis and boto3. It deliberately
    leaves to ruff: ASYNC230 (`open()` and `io` file calls) and ASYNC240 (`os.path`/`pathlib`
    file-system calls), which are local disk I/O rather than dependencies; ASYNC250 (`input()`),
    which a backend does not call; the trio/anyio cancellation rules (ASYNC1xx); and `close()` on
    an `httpx.Client`, which ASYNC212 also reports.

    ## Why is this bad?
    An event loop runs every task of the process on one thread. A synchronous call parks that
    thread until the other side answers: for its whole duration no other request is served, no
    timeout fires, no health check answers. One slow dependency then stalls the whole service,
    not only the requests that need it (principle: no synchronous service calls).

    ## Example
    ```python
    import requests

    @router.get("/rates")
    async def rates():
        return requests.get(RATES_URL, timeout=5).json()
    ```

    ## Use instead
    ```python
    import httpx

    @router.get("/rates")
    async def rates():
        async with httpx.AsyncClient(timeout=5) as client:
            return (await client.get(RATES_URL)).json()

    # or keep the sync client and run it in a worker thread:
    #     return (await asyncio.to_thread(requests.get, RATES_URL, timeout=5)).json()
    ```

    ## Options
    - `blocking-functions` (list of qualified names): further functions whose call inside
      `async def` blocks, such as the project's own sync helpers
      (`["app.legacy.reports.fetch_report"]`).

    ## What it does not flag
    - Calls in a plain `def`, and in a `def` or `lambda` nested inside an `async def`: they run
      wherever they are called (typically a worker thread: `await asyncio.to_thread(work)`).
    - The offloaded forms, which pass the function instead of calling it:
      `loop.run_in_executor(None, fn, ...)`, `asyncio.to_thread(fn, ...)`,
      `anyio.to_thread.run_sync(fn, ...)`, `run_in_threadpool(fn, ...)` (Starlette, FastAPI),
      `sync_to_async(fn)(...)` (asgiref).
    - Asynchronous clients: `httpx.AsyncClient`, aiohttp, asyncpg, psycopg's `AsyncConnection`,
      SQLAlchemy's `AsyncSession`/`AsyncEngine`, `redis.asyncio`, aioboto3, motor, aiokafka.
    - A call that is awaited, or used with `async with`/`async for`: whatever its name or
      annotation says, the object is asynchronous.
    - Building a client that does not connect yet (`requests.Session()`, `redis.Redis(...)`,
      `boto3.client("s3")`, `create_engine(...)`, `engine.connect()`), and methods that stay local
      (`session.add(obj)`, boto3's presigning, `redis.pipeline()`).
    - gRPC stub calls: the model cannot tell a stub on a sync channel from one on `grpc.aio`.
    - kafka-python's `send()` and confluent-kafka's `produce()`, which queue the message locally.
    - Names the rule cannot resolve: an import shadowed by a local or parameter, clients passed
      in without an annotation, sessions from a `sessionmaker` factory, Django's ORM.
    - A sync helper of the project that blocks, called from `async def`: out of scope (name it in
      `blocking-functions`).
    - File I/O (`open()`, `pathlib`), `input()`: left to ruff's ASYNC230/240/250.

    ## References
    - [asyncio: Running blocking code](https://docs.python.org/3/library/asyncio-dev.html#running-blocking-code)
    - [asyncio.to_thread](https://docs.python.org/3/library/asyncio-task.html#asyncio.to_thread)
    - [SQLAlchemy: Asynchronous I/O](https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html)
    - [redis-py: asyncio](https://redis.readthedocs.io/en/stable/examples/asyncio_examples.html)
    - [ruff: flake8-async rules](https://docs.astral.sh/ruff/rules/#flake8-async-async)
    """

    code = "ARC403"
    name = "blocking-call-in-async"
    severity = Severity.ERROR
    # No CWE describes it: CWE-400 (uncontrolled resource consumption) is about resources an
    # attacker can exhaust; a blocked event loop is an availability defect of the code itself.
    cwe = None
    tags = ("resilience",)
    Options = BlockingCallOptions
    requires = ("async",)
    triggers = (*IMPORT_TRIGGERS, "sleep", "subprocess", "os.", "from os")  # something to block

    @classmethod
    def triggers_for(cls, options: BlockingCallOptions) -> tuple[str, ...]:
        return cls.triggers + tuple(name.rsplit(".", 1)[-1] for name in options.blocking_functions)

    @classmethod
    def gate(cls, mentions: Mentions, options: BlockingCallOptions) -> bool:
        return reaches_catalogue(mentions, _BLOCKING | frozenset(options.blocking_functions))

    VALID: ClassVar = [
        # a plain def may block: it runs wherever it is called
        """
        import requests
        def rates():
            return requests.get(URL, timeout=5).json()
        """,
        # the function is passed to a worker thread, not called
        """
        import asyncio, requests
        async def rates():
            return (await asyncio.to_thread(requests.get, URL, timeout=5)).json()
        """,
        # a lambda or nested def runs in the thread it is handed to
        """
        import asyncio, time
        async def pause(loop):
            await loop.run_in_executor(None, lambda: time.sleep(1))
            def work():
                time.sleep(1)
            await asyncio.to_thread(work)
        """,
        # asynchronous clients
        """
        import httpx
        from redis import asyncio as aioredis
        from sqlalchemy.ext.asyncio import AsyncSession
        cache = aioredis.from_url("redis://cache")
        async def handler(db: AsyncSession):
            async with httpx.AsyncClient(timeout=5) as client:
                await client.get(URL)
            await cache.get("k")
            await db.execute(stmt)
        """,
        # `requests` here is a parameter, not the library
        """
        import requests
        async def handler(requests):
            return requests.get("page")
        """,
        # awaited: the object is asynchronous whatever its annotation says
        """
        from sqlalchemy.orm import Session
        async def handler(db: Session):
            return await db.execute(stmt)
        """,
    ]

    INVALID: ClassVar = [
        Invalid(
            """
            import requests
            async def rates():
                return requests.get(URL, timeout=5).json()
            """,
            line=4,
            message="requests.get() blocks the event loop in `async def rates`",
        ),
        Invalid(
            """
            import requests
            class Rates:
                def __init__(self):
                    self.session = requests.Session()
                async def latest(self):
                    return self.session.get(URL, timeout=5)
            """,
            line=7,
            message="(self.session: requests.Session)",
        ),
        Invalid(
            """
            from fastapi import Depends
            from sqlalchemy.orm import Session
            async def users(db: Session = Depends(get_db)):
                return db.query(User).all()
            """,
            line=5,
            message="AsyncSession",
        ),
        Invalid(
            """
            import redis
            cache = redis.Redis(socket_timeout=1)
            async def seen(key):
                return cache.get(key)
            """,
            line=5,
            message="redis.asyncio",
        ),
        Invalid(
            """
            import boto3
            class Storage:
                def __init__(self):
                    self.s3 = boto3.client("s3")
                async def upload(self, key, body):
                    self.s3.put_object(Bucket="b", Key=key, Body=body)
            """,
            line=7,
            message="aioboto3",
        ),
        Invalid(
            """
            import time
            async def poll():
                time.sleep(1)
            """,
            line=4,
            message="asyncio.sleep",
        ),
        Invalid(
            """
            import subprocess
            async def build():
                subprocess.run(["make"], check=True)
            """,
            line=4,
            message="create_subprocess_exec",
        ),
        Invalid(
            """
            import asyncio, requests
            async def rates():
                return await asyncio.to_thread(requests.get(URL, timeout=5))
            """,
            line=4,
            message="before asyncio.to_thread",
        ),
        Invalid(
            """
            from app.legacy import fetch_report
            async def report(day):
                return fetch_report(day)
            """,
            line=4,
            message="blocking-functions",
            options={"blocking-functions": ["app.legacy.fetch_report"]},
        ),
    ]

    def __init__(self, ctx: FileContext, options: BlockingCallOptions) -> None:
        super().__init__(ctx, options)
        self._frames: list[_Frame] = []
        self._asynchronous: set[int] = set()  # calls awaited or used by async with / async for
        self._offloaded: dict[int, str] = {}  # call -> the offloading call it is an argument of
        self._extra = frozenset(options.blocking_functions)

    # -- where we are --------------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._frames.append(_Frame(node, node.asynchronous is not None, False))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._frames.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._frames.append(_Frame(node, False, True))

    def leave_Lambda(self, node: cst.Lambda) -> None:
        self._frames.pop()

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._enter_body(node)

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self._enter_body(node)

    def _enter_body(self, node: cst.BaseSuite) -> None:
        if self._frames and self._frames[-1].node.body is node:
            self._frames[-1].in_body = True

    def _async_function(self) -> cst.FunctionDef | None:
        """The `async def` whose own body is being visited, or None."""
        if not self._frames:
            return None
        frame = self._frames[-1]
        if frame.is_async and frame.in_body and isinstance(frame.node, cst.FunctionDef):
            return frame.node
        return None

    # -- calls that are evidently asynchronous ----------------------------------------------------
    def visit_Await(self, node: cst.Await) -> None:
        if isinstance(node.expression, cst.Call):
            self._asynchronous.add(id(node.expression))

    def visit_With(self, node: cst.With) -> None:
        if node.asynchronous is not None:
            for item in node.items:
                if isinstance(item.item, cst.Call):
                    self._asynchronous.add(id(item.item))

    def visit_For(self, node: cst.For) -> None:
        if node.asynchronous is not None and isinstance(node.iter, cst.Call):
            self._asynchronous.add(id(node.iter))

    def visit_CompFor(self, node: cst.CompFor) -> None:
        if node.asynchronous is not None and isinstance(node.iter, cst.Call):
            self._asynchronous.add(id(node.iter))

    # -- the check -----------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        function = self._async_function()
        if function is None:
            return
        qualified = self.ctx.names.callee(node.func)
        self._note_offloading(node, qualified)
        if id(node) in self._asynchronous:
            return
        if qualified is not None:
            primitive = _PRIMITIVES.get(qualified)
            if primitive is not None:
                if not _non_blocking(node):
                    self._report_primitive(node, function, qualified, primitive)
                return
            if qualified in self._extra:
                self._report_configured(node, function, qualified)
                return
        ext = classify_callee(node, qualified, self.ctx.names)
        if ext is not None and _blocks(ext):
            self._report_external(node, function, ext)

    def _note_offloading(self, node: cst.Call, qualified: str | None) -> None:
        func = node.func
        if qualified in _OFFLOADERS or (
            isinstance(func, cst.Attribute) and func.attr.value in _OFFLOAD_METHODS
        ):
            name = code_snippet(func, 60)
        else:
            return
        for arg in node.args:
            if isinstance(arg.value, cst.Call):
                self._offloaded[id(arg.value)] = name

    # -- messages --------------------------------------------------------------------------------
    def _remedy(self, node: cst.Call, instead: str | None, threadable: bool = True) -> str:
        """What to do: the asynchronous form, or a worker thread, which is handed the function,
        not its result."""
        func = code_snippet(node.func)
        offloader = self._offloaded.get(id(node))
        if offloader is not None:
            args = "None, " if offloader.endswith("run_in_executor") else ""
            return (
                f", and it runs here, on the event loop, before {offloader} is even called: pass "
                f"the function and its arguments, `{offloader}({args}{func}, ...)`"
            )
        remedy = f"; use {instead}" if instead else ";"
        if threadable:
            joint = ", or" if instead else ""
            remedy += f"{joint} run it in a worker thread: `await asyncio.to_thread({func}, ...)`"
        return remedy

    def _report_primitive(
        self, node: cst.Call, function: cst.FunctionDef, qualified: str, primitive: _Primitive
    ) -> None:
        remedy = self._remedy(node, primitive.instead, primitive.threadable)
        message = f"{qualified}() {_where(function)}: it {primitive.what}{remedy}"
        self.report(node, message, help=_HELP)

    def _report_configured(
        self, node: cst.Call, function: cst.FunctionDef, qualified: str
    ) -> None:
        remedy = self._remedy(node, None)
        message = f"{qualified}() {_where(function)}: listed in `blocking-functions`{remedy}"
        self.report(node, message, help=_HELP)

    def _report_external(
        self, node: cst.Call, function: cst.FunctionDef, ext: ExternalCall
    ) -> None:
        what = _SERVICE_WORDS.get(ext.service, "call")
        client = ext.client.name if ext.client is not None else ext.library
        if ext.kind is CallKind.CONSTRUCTION:
            how = f"it opens a {what.replace(' call', '')} connection through {client}"
        elif ext.kind is CallKind.HELPER:
            how = f"a synchronous {what} through {ext.library}"
        else:
            how = f"a synchronous {what} through {client}"
        alternative = _ASYNC_CLIENTS.get(ext.library)
        instead = f"{alternative} and await it" if alternative else None
        message = f"{describe_call(node, ext)} {_where(function)}: {how}{self._remedy(node, instead)}"
        self.report(node, message, help=_HELP)


_HELP = (
    "An event loop runs every task of the process on one thread: until a synchronous call "
    "returns, no other request is served and no timeout fires. Await an asynchronous client, or "
    "hand the blocking function (not its result) to a worker thread: `asyncio.to_thread`, "
    "`loop.run_in_executor`, anyio's `to_thread.run_sync`, Starlette/FastAPI's "
    "`run_in_threadpool`."
)


def _where(function: cst.FunctionDef) -> str:
    return f"blocks the event loop in `async def {function.name.value}`"


def _blocks(ext: ExternalCall) -> bool:
    if ext.asynchronous is not False:  # asynchronous clients, and gRPC stubs (cannot tell)
        return False
    if ext.kind is CallKind.CONSTRUCTION:
        return ext.performs_io
    return (ext.library, ext.method) not in _QUEUES_LOCALLY


def _non_blocking(node: cst.Call) -> bool:
    """`os.waitpid(pid, os.WNOHANG)`: polls and returns at once."""
    return any(
        flag in code_snippet(arg.value, 10_000)
        for arg in node.args
        for flag in _NON_BLOCKING_FLAGS
    )
