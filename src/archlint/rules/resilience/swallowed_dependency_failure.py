"""ARC405 swallowed-dependency-failure."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

import libcst as cst

from archlint.model import Severity
from archlint.rules._calls import (
    IMPORT_TRIGGERS,
    CallKind,
    ExternalCall,
    classify,
    code_snippet,
    reaches_catalogue,
)
from archlint.rules._mentions import Mentions
from archlint.rules._names import dotted
from archlint.rules.base import Invalid, Rule

_BROAD = frozenset({"Exception", "BaseException", "builtins.Exception", "builtins.BaseException"})

# The exceptions worth catching instead, per library.
_SPECIFIC = {
    "requests": "requests.RequestException",
    "httpx": "httpx.HTTPError",
    "aiohttp": "aiohttp.ClientError",
    "urllib": "urllib.error.URLError",
    "boto3": "botocore.exceptions.BotoCoreError/ClientError",
    "aioboto3": "botocore.exceptions.BotoCoreError/ClientError",
    "redis": "redis.RedisError",
    "grpc": "grpc.RpcError",
    "psycopg2": "psycopg2.Error",
    "psycopg": "psycopg.Error",
    "asyncpg": "asyncpg.PostgresError",
    "pymysql": "pymysql.MySQLError",
    "sqlite3": "sqlite3.Error",
    "pymongo": "pymongo.errors.PyMongoError",
    "motor": "pymongo.errors.PyMongoError",
    "smtplib": "smtplib.SMTPException",
    "kafka": "kafka.errors.KafkaError",
    "pika": "pika.exceptions.AMQPError",
}


@dataclass
class _Swallowed:
    handler: cst.ExceptHandler
    calls: list[tuple[cst.Call, ExternalCall]] = field(default_factory=list)


class SwallowedDependencyFailure(Rule):
    """## What it does
    Flags an `except` clause that catches every exception (`except:`, `except Exception:`,
    `except BaseException:`, or a tuple holding one of them) around an external call (HTTP,
    cloud SDK, gRPC, database, cache, broker, mail, socket; the calls `_calls.py` recognises) and
    then does nothing: its body is only `pass`, `...`, `continue`, `break` or a string.

    The call counts when it sits in the `try:` body itself (not in a function or lambda defined
    there), or in a nested `try:` that has no broad handler of its own, so that its failure
    reaches this one. One finding per `except` clause, on its line, naming the calls it swallows.

    ## Why is this bad?
    When a dependency fails, the failure disappears: no log line, no metric, no error for the
    caller, and the code carries on as if the call had worked. Graceful degradation has to be
    defined (a logged warning and an explicit fallback value, a re-raise as a domain error), or
    an outage is only discovered through its side effects. A bare `except:` also swallows
    `KeyboardInterrupt` and task cancellation.

    ## Example
    ```python
    def publish(event):
        try:
            requests.post(WEBHOOK_URL, json=event, timeout=5)
        except Exception:
            pass
    ```

    ## Use instead
    ```python
    def publish(event):
        try:
            requests.post(WEBHOOK_URL, json=event, timeout=5)
        except requests.RequestException:
            logger.warning("webhook delivery failed", exc_info=True)
    ```

    ## Options
    None.

    ## What it does not flag
    - A handler that does anything else: logs, raises, returns (even a bare `return`: the
      function's result is then the fallback), assigns, calls anything.
    - Narrow handlers (`except requests.Timeout: pass`, `except KeyError: pass`): catching one
      expected exception is a decision, not a blanket.
    - Calls made in the handler, `else:` or `finally:` blocks, and calls in functions or lambdas
      defined inside the `try:`.
    - A `try:` inside a loop that sleeps between rounds (a readiness poll, a reconnect loop):
      a failed round means "not yet", and the loop is the handling.
    - `contextlib.suppress(Exception)` around a call, and calls archlint cannot recognise as
      external (a client passed in without a type annotation, project wrappers); building a client
      that does not connect (`requests.Session()`, `redis.Redis()`) is not an external call.

    ## References
    - [Python tutorial: Handling exceptions](https://docs.python.org/3/tutorial/errors.html#handling-exceptions)
    - [CWE-390: Detection of Error Condition Without Action](https://cwe.mitre.org/data/definitions/390.html)
    - [CWE-396: Declaration of Catch for Generic Exception](https://cwe.mitre.org/data/definitions/396.html)
    """

    code = "ARC405"
    name = "swallowed-dependency-failure"
    severity = Severity.WARNING
    cwe = 390
    tags = ("resilience",)
    triggers = IMPORT_TRIGGERS  # a client library
    requires = ("except",)  # and a handler

    @classmethod
    def gate(cls, mentions: Mentions, options: object) -> bool:
        return reaches_catalogue(mentions)

    VALID: ClassVar = [
        # logs
        """
        import logging, requests
        logger = logging.getLogger(__name__)
        def publish(event):
            try:
                requests.post("https://hooks/x", json=event, timeout=5)
            except Exception:
                logger.exception("webhook failed")
        """,
        # a fallback value
        """
        import redis
        cache = redis.Redis(socket_timeout=1)
        def cached(key):
            try:
                return cache.get(key)
            except Exception:
                return None
        """,
        # a narrow handler
        """
        import requests
        def ping(url):
            try:
                requests.get(url, timeout=1)
            except requests.Timeout:
                pass
        """,
        # the call sits in the handler, not in the try body
        """
        import requests
        def ping(url, fallback):
            try:
                parse(url)
            except Exception:
                pass
            finally:
                requests.get(fallback, timeout=1)
        """,
        # a client built without connecting is no external call
        """
        import requests
        try:
            session = requests.Session()
        except Exception:
            pass
        """,
        # a function defined in the try body is not called there
        """
        import requests
        try:
            def fetch(url):
                return requests.get(url, timeout=1)
        except Exception:
            pass
        """,
        # the inner handler decides; the outer one never sees the failure
        """
        import logging, requests
        def run(url):
            try:
                try:
                    requests.get(url, timeout=1)
                except Exception:
                    logging.warning("failed")
                parse(url)
            except Exception:
                pass
        """,
    ]

    INVALID: ClassVar = [
        Invalid(
            """
            import requests
            def publish(event):
                try:
                    requests.post("https://hooks/x", json=event, timeout=5)
                except Exception:
                    pass
            """,
            line=6,
            message="requests.post() fails",
        ),
        Invalid(
            """
            import redis
            cache = redis.Redis(socket_timeout=1)
            def warm(keys):
                for key in keys:
                    try:
                        cache.delete(key)
                    except:
                        continue
            """,
            line=8,
            message="bare `except:` only does `continue`",
        ),
        Invalid(
            """
            import psycopg2
            def ping(dsn):
                try:
                    try:
                        conn = psycopg2.connect(dsn)
                    except ValueError:
                        raise
                except (OSError, BaseException):
                    ...
            """,
            line=9,
            message="psycopg2.connect()",
        ),
    ]

    def __init__(self, ctx, options) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx, options)
        self._bodies: dict[int, cst.Try] = {}  # id(try body suite) -> the try
        self._stack: list[cst.Try | None] = []  # entered try bodies; None: a function boundary
        self._swallowed: dict[int, _Swallowed] = {}  # id(handler) -> what it swallows

    # -- where a call runs ---------------------------------------------------------------------
    def visit_Try(self, node: cst.Try) -> None:
        self._bodies[id(node.body)] = node

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._enter_suite(node)

    def leave_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._leave_suite(node)

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self._enter_suite(node)

    def leave_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self._leave_suite(node)

    def _enter_suite(self, node: cst.BaseSuite) -> None:
        owner = self._bodies.get(id(node))
        if owner is not None:
            self._stack.append(owner)

    def _leave_suite(self, node: cst.BaseSuite) -> None:
        if self._bodies.pop(id(node), None) is not None:
            self._stack.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._stack.append(None)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._stack.pop()

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._stack.append(None)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._stack.pop()

    def visit_Lambda(self, node: cst.Lambda) -> None:
        self._stack.append(None)

    def leave_Lambda(self, node: cst.Lambda) -> None:
        self._stack.pop()

    # -- calls -----------------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        if not self._stack or self._stack[-1] is None:
            return
        ext = classify(node, self.ctx.names)
        if ext is None or (ext.is_construction and not ext.performs_io):
            return
        for owner in reversed(self._stack):
            if owner is None:
                return
            handler = _broad_handler(owner)
            if handler is None:
                continue  # the failure propagates to an enclosing try, if any
            if _does_nothing(handler):
                entry = self._swallowed.setdefault(id(handler), _Swallowed(handler))
                entry.calls.append((node, ext))
            return

    def leave_Try(self, node: cst.Try) -> None:
        polling = self._in_polling_loop()
        for handler in node.handlers:
            entry = self._swallowed.pop(id(handler), None)
            if entry is not None and not polling:
                self._report(entry)

    def _in_polling_loop(self) -> bool:
        """The try sits in a loop that sleeps between rounds (a readiness poll, a reconnect
        loop): a failed round means "not yet", and the loop is the handling."""
        for statement in reversed(self.ctx.statements[:-1]):
            if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
                return False
            if isinstance(statement, (cst.While, cst.For)):
                return _sleeps(statement.body)
        return False

    def _report(self, entry: _Swallowed) -> None:
        node, ext = entry.calls[0]
        who = _who(node, ext)
        more = len({_who(n, e) for n, e in entry.calls}) - 1
        also = f" (and {more} other external call{'s' if more > 1 else ''})" if more else ""
        clause = _clause(entry.handler)
        does = _body_words(entry.handler)
        message = (
            f"when {who} fails{also}, {clause} only does {does}: the failure disappears with no "
            "log, no re-raise and no fallback value"
        )
        specific = _SPECIFIC.get(ext.library)
        catch = f"catch {specific} instead of everything" if specific else (
            "catch the exceptions you expect instead of everything"
        )
        help = (
            "log it (logger.warning(..., exc_info=True)), re-raise it as a domain error, or "
            f"return an explicit fallback; and {catch}"
        )
        self.report(entry.handler, message, help=help, related=[(node, "the call that can fail")])


def _broad_handler(node: cst.Try) -> cst.ExceptHandler | None:
    for handler in node.handlers:
        if _is_broad(handler.type):
            return handler
    return None


def _is_broad(expr: cst.BaseExpression | None) -> bool:
    if expr is None:
        return True
    if isinstance(expr, cst.Tuple):
        return any(_is_broad(e.value) for e in expr.elements if isinstance(e, cst.Element))
    return dotted(expr) in _BROAD


def _does_nothing(handler: cst.ExceptHandler) -> bool:
    return all(_is_noop(small) for small in _small_statements(handler))


def _small_statements(handler: cst.ExceptHandler) -> list[cst.CSTNode]:
    body = handler.body
    if isinstance(body, cst.SimpleStatementSuite):
        return list(body.body)
    found: list[cst.CSTNode] = []
    for statement in body.body:
        if isinstance(statement, cst.SimpleStatementLine):
            found.extend(statement.body)
        else:
            found.append(statement)  # a compound statement does something
    return found


def _is_noop(small: cst.CSTNode) -> bool:
    if isinstance(small, (cst.Pass, cst.Continue, cst.Break)):
        return True
    return isinstance(small, cst.Expr) and isinstance(
        small.value, (cst.Ellipsis, cst.SimpleString, cst.ConcatenatedString)
    )


def _body_words(handler: cst.ExceptHandler) -> str:
    words = []
    for small in _small_statements(handler):
        if isinstance(small, cst.Pass):
            word = "`pass`"
        elif isinstance(small, cst.Continue):
            word = "`continue`"
        elif isinstance(small, cst.Break):
            word = "`break`"
        elif isinstance(small, cst.Expr) and isinstance(small.value, cst.Ellipsis):
            word = "`...`"
        else:
            word = "a string"
        if word not in words:
            words.append(word)
    return " and ".join(words)


def _clause(handler: cst.ExceptHandler) -> str:
    if handler.type is None:
        return "bare `except:`"
    text = code_snippet(handler.type, 10_000)
    if len(text) > 50:
        text = text[:47] + "..."
    return f"`except {text}:`"


def _who(node: cst.Call, ext: ExternalCall) -> str:
    if ext.kind is CallKind.HELPER:
        return f"{ext.qualified}()"
    code = code_snippet(node.func, 50)
    if ext.kind is CallKind.METHOD and ext.client is not None:
        return f"{code}() ({ext.client.name})"
    return f"{code}()"


def _sleeps(body: cst.BaseSuite) -> bool:
    """A `sleep(...)` call (time, asyncio, anyio, trio, gevent) in a loop body, nested functions
    aside."""
    stack: list[cst.CSTNode] = [body]
    while stack:
        node = stack.pop()
        if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
            continue
        if isinstance(node, cst.Call):
            name = dotted(node.func) if isinstance(node.func, (cst.Name, cst.Attribute)) else None
            if name is not None and name.rpartition(".")[2] == "sleep":
                return True
        stack.extend(node.children)
    return False
