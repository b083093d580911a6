"""Outbound calls as facts, for ARC502: the calls that leave the process through a client
library, classified by the shared model (`rules/_calls.py`, which needs LibCST's tree and name
table, hence a LibCST `Collector`), and the calls between the module's own functions.

Recorded per call (`OutboundCall`): remote services (HTTP, cloud SDKs, gRPC: ARC402's scope)
and raw database driver queries (`execute`/`executemany`/`callproc`/`fetch*`/`copy*` of
psycopg2, psycopg, PyMySQL/MySQLdb and asyncpg connections and cursors). Left out: building a
client, `connect()`, `commit()`/`rollback()`, http.client's `connect`/`getresponse`/
`send`/`endheaders` (the `request()` of the same exchange is recorded), SQLAlchemy and other
ORMs, sqlite3 (a file in the process, not a remote call), caches and brokers; calls at module
level or in class bodies (they run once, at import); tests, migrations and one-shot scripts.

Each call keeps the names of the `with` items around it and of the decorators of the functions
around it, so that ARC502's `span_helpers` option can match any of them.
`LocalCall`s (`helper()`, `self.helper()` inside a function) let the rule tell which functions
only run inside a caller's span.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import libcst as cst

from archlint.model import Span
from archlint.rules._calls import (
    IMPORT_TRIGGERS,
    CallKind,
    classify_callee,
    describe_call,
    reaches_catalogue,
)
from archlint.rules._mentions import Mentions
from archlint.rules._names import dotted
from archlint.rules._scaffolding import is_scaffolding_path
from archlint.rules.base import Collector
from archlint.rules.resilience._scope import is_script, is_script_source

# Raw DB drivers whose query calls are in scope (sqlite3 stays in the process).
DB_DRIVERS = frozenset({"psycopg2", "psycopg", "pymysql", "asyncpg"})
_DB_QUERIES = frozenset({"execute", "executemany", "callproc", "fetch", "fetchrow", "fetchval",
                         "copy", "copy_expert", "copy_from", "copy_to", "copy_from_query",
                         "copy_from_table", "copy_to_table", "copy_records_to_table", "stream"})
_HTTP_CLIENT_CONTINUATIONS = frozenset({"connect", "getresponse", "endheaders", "send"})
# Probes: a span on a readiness poll or a health check is noise.
_PROBE_FUNCTIONS = ("health", "ping", "probe", "readiness", "liveness")
_PROBE_URL = re.compile(r"/(?:health\w*|ready|readyz|readiness|live|livez|liveness|ping)"
                        r"(?=$|[/?#\"'])")


@dataclass(frozen=True)
class OutboundCall:
    span: Span
    statement_lines: tuple[int, int]
    library: str  # `_calls` library name: "requests", "boto3", "psycopg2"
    service: str  # `_calls.Service` value: "http", "cloud", "rpc", "database"
    who: str  # how a message names the call: `requests.get()`
    function: str  # the enclosing function's qualified name in the module
    contexts: tuple[str, ...]  # enclosing `with` items and decorators: as written and qualified


@dataclass(frozen=True)
class LocalCall:
    caller: str  # qualified name of the calling function
    callee: str  # "helper" for `helper()`, "Client._get" for `self._get()` in class Client
    line: int


# Libraries out of ARC502's scope (ORMs, sqlite3, caches, brokers, MongoDB): a file that names
# only these is not parsed for it.
_OUT_OF_SCOPE = frozenset({"sqlalchemy", "sqlmodel", "sqlite3", "redis", "kafka", "aiokafka",
                           "confluent_kafka", "pika", "motor", "pymongo", "psycopg_pool"})


class OutboundCallCollector(Collector):
    kind = "outbound-calls"
    triggers = tuple(t for t in IMPORT_TRIGGERS if t not in _OUT_OF_SCOPE)

    @classmethod
    def gate(cls, mentions: Mentions, options: object) -> bool:
        return reaches_catalogue(mentions)

    def __init__(self, ctx, options) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx, options)
        path = ctx.path
        self._skip = (is_scaffolding_path(path) or is_script(path)
                      or is_script_source(ctx.source))
        self._scopes: list[tuple[str, str]] = []  # ("class" | "function", name)
        self._decorators: list[tuple[str, ...]] = []  # per enclosing function
        self._withs: list[tuple[str, ...]] = []
        self._defined: set[str] = set()
        self._found = False
        self._calling: set[str] = set()  # functions that make an outbound call
        # (caller, callee, call, statements around it): kept until the module is left, and
        # recorded only for files with outbound calls, for callees the module defines
        self._local: list[tuple[str, str, cst.Call, tuple[cst.CSTNode, ...]]] = []

    # -- scopes ---------------------------------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._scopes.append(("class", node.name.value))

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._scopes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._scopes.append(("function", node.name.value))
        self._defined.add(".".join(name for _, name in self._scopes))
        names: list[str] = []
        for decorator in node.decorators:
            expr = decorator.decorator
            names.extend(self._names(expr.func if isinstance(expr, cst.Call) else expr))
        self._decorators.append(tuple(names))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._scopes.pop()
        self._decorators.pop()

    def visit_With(self, node: cst.With) -> None:
        names: list[str] = []
        for item in node.items:
            expr = item.item
            if isinstance(expr, cst.Await):
                expr = expr.expression
            names.extend(self._names(expr.func if isinstance(expr, cst.Call) else expr))
        self._withs.append(tuple(names))

    def leave_With(self, node: cst.With) -> None:
        self._withs.pop()

    def _names(self, expr: cst.BaseExpression) -> list[str]:
        if isinstance(expr, cst.Call):  # `get_tracer().start_as_current_span`: the method
            expr = expr.func
        written = dotted(expr)
        if written is None:
            if isinstance(expr, cst.Attribute):
                return [expr.attr.value]
            return []
        qualified = self.ctx.names.qualify(expr)
        return [written, qualified] if qualified and qualified != written else [written]

    def _function(self) -> str | None:
        """The innermost enclosing function's qualified name (None: module level or a class
        body)."""
        if not self._scopes or self._scopes[-1][0] != "function":
            return None
        return ".".join(name for _, name in self._scopes)

    def _class(self) -> str | None:
        """The class whose method encloses the call (`self.x()` resolves in it)."""
        for index in range(len(self._scopes) - 1, -1, -1):
            if self._scopes[index][0] == "class":
                return ".".join(name for _, name in self._scopes[:index + 1])
        return None

    # -- calls ----------------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        if self._skip:
            return
        function = self._function()
        if function is None:
            return
        if function.rpartition(".")[2].lstrip("_").lower().startswith(_PROBE_FUNCTIONS):
            return
        self._local_call(node, function)
        qualified = self.ctx.names.callee(node.func)
        ext = classify_callee(node, qualified, self.ctx.names)
        if ext is None or ext.kind is CallKind.CONSTRUCTION:
            return
        if ext.service.is_remote_service:
            if ext.library == "http.client" and ext.method in _HTTP_CLIENT_CONTINUATIONS:
                return
        elif not (ext.library in DB_DRIVERS and ext.method in _DB_QUERIES):
            return
        if ext.service.value == "http" and _probe_url(node):
            return
        contexts = tuple(n for names in (*self._withs, *self._decorators) for n in names)
        statement = self.ctx.statements[-1] if self.ctx.statements else node
        statement_span = self.ctx.span_of(statement)
        self._found = True
        self._calling.add(function)
        self.add(OutboundCall(
            self.ctx.span_of(node), (statement_span.line, statement_span.end_line), ext.library,
            ext.service.value, describe_call(node, ext), function, contexts))

    def _local_call(self, node: cst.Call, function: str) -> None:
        func = node.func
        callee = None
        if isinstance(func, cst.Name):
            callee = func.value
        elif (isinstance(func, cst.Attribute) and isinstance(func.value, cst.Name)
              and func.value.value in ("self", "cls")):
            owner = self._class()
            callee = f"{owner}.{func.attr.value}" if owner else None
        if callee is not None:
            self._local.append((function, callee, node, tuple(self.ctx.statements)))

    def leave_Module(self, node: cst.Module) -> None:
        if not self._found:
            return
        wanted = self._leading_to_calls()
        for caller, callee, call, statements in self._local:
            if callee in wanted:
                self.add(LocalCall(caller, callee, self.ctx.span_of(call, statements).line))

    def _leading_to_calls(self) -> set[str]:
        """The module's functions that make an outbound call, and those that call them, up the
        chain: ARC502 follows callers of those only, and a call's line costs a render."""
        reached = set(self._calling)
        grew = True
        while grew:
            grew = False
            for caller, callee, _, _ in self._local:
                if callee in reached and callee in self._defined and caller not in reached:
                    reached.add(caller)
                    grew = True
        return reached & self._defined


_SNIPPET = cst.Module(body=[])


def _probe_url(call: cst.Call) -> bool:
    """The call's first argument (or `url=`) is a literal or f-string naming a probe path:
    `client.get(f"{self.api_url}/health")`."""
    target = None
    for arg in call.args:
        if arg.keyword is not None and arg.keyword.value == "url":
            target = arg.value
            break
        if arg.keyword is None and not arg.star and target is None:
            target = arg.value
    if not isinstance(target, (cst.SimpleString, cst.FormattedString, cst.ConcatenatedString)):
        return False
    return _PROBE_URL.search(_SNIPPET.code_for_node(target)) is not None
