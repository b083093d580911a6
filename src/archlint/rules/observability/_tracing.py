"""Tracing as facts: what instruments the project's web apps and client libraries, and where the
code opens spans itself. Read by ARC501 (endpoints) and ARC502 (outbound calls).

Per file (phase 1), from CPython's `ast`, `TracingCollector` records one `FileTracing` fact:

- `instrumentations` (`Instrumentation`): something that makes a tracer create spans without
  the code asking, each with the route frameworks (`_routes` names) and the client libraries
  (`_calls` library names) it traces, and the app object it is bound to when it targets one:
  - OpenTelemetry instrumentors: `FastAPIInstrumentor.instrument_app(app)` (one app) or
    `FastAPIInstrumentor().instrument()` (every app of the framework), `FlaskInstrumentor`,
    `DjangoInstrumentor`, `StarletteInstrumentor`, and the client instrumentors
    (`RequestsInstrumentor`, `HTTPXClientInstrumentor` including `instrument_client(client)`,
    `Psycopg2Instrumentor`, ...: `_LIBRARY_INSTRUMENTORS`), `dbapi.trace_integration(psycopg2,
    ...)`; an instrumentor built but not seen calling `instrument_app` counts for everything it
    can trace (`self.instrumentor.instrument()` cannot be followed);
  - OpenTelemetry ASGI/WSGI middleware: `app.add_middleware(OpenTelemetryMiddleware)` and
    `app = OpenTelemetryMiddleware(app)`/`app.wsgi_app = OpenTelemetryMiddleware(app.wsgi_app)`
    (that app), `Middleware(OpenTelemetryMiddleware)` and a wrapped call result
    (`OpenTelemetryMiddleware(get_asgi_application())`) (every ASGI/WSGI app);
  - Litestar `OpenTelemetryConfig`/`OpenTelemetryPlugin`, `auto_instrumentation.initialize()`;
  - other tracers, which a team may run instead of OpenTelemetry: ddtrace (`patch_all()`,
    `patch(fastapi=True, ...)`, `import ddtrace.auto`), Sentry (`sentry_sdk.init` with
    `traces_sample_rate`/`traces_sampler`/`enable_tracing`, whose default integrations trace
    requests of every supported framework and the HTTP, AWS, Redis and SQLAlchemy clients:
    `_SENTRY_LIBRARIES`), logfire (`logfire.instrument_fastapi(app)`, `instrument_httpx()`,
    ...), New Relic (`newrelic.agent.initialize()`), Elastic APM (`elasticapm.instrument()`,
    `ElasticAPM(app)`, `add_middleware(ElasticAPM)`, `"elasticapm.contrib.django"` in settings),
    and OpenTelemetry Django middleware named in a `MIDDLEWARE` setting.
- `blocks` (`SpanBlock`): line ranges the code runs inside a span: `with
  tracer.start_as_current_span(...)` / `start_span` blocks, functions decorated with
  `@tracer.start_as_current_span(...)`, and a `span = tracer.start_span(...)` call (from that
  line to the end of its function). Recognised openers: OpenTelemetry's `start_as_current_span`
  and `start_span` on any receiver (a tracer is often imported or built by a project helper:
  `get_tracer().start_as_current_span`), Sentry `start_span`/`start_transaction`/`@trace`,
  logfire `span`/`@instrument`, ddtrace `tracer.trace`/`@tracer.wrap`, and decorators or
  context managers whose own name mentions a span or a trace (`@traced`, `with trace_span(..)`),
  which is how projects wrap their tracer.
- `openers`: the qualified names of functions and methods that open a span anywhere in their
  body or by decorator ("list_users", "UserView.get"); `traced`: those a span decorator wraps
  whole.

Recognising too much here only makes the rules quieter; nothing here ever reports.
"""

from __future__ import annotations

import ast
import unicodedata
from dataclasses import dataclass

from archlint.model import Span
from archlint.rules._ast import (
    SIMPLE_STATEMENTS,
    argument,
    blocks,
    dotted,
    nodes_of,
    statements_by_walk,
)
from archlint.rules._classes import NameRef, _Imports
from archlint.rules._routes import DJANGO, DRF, FASTAPI, FLASK, LITESTAR, STARLETTE
from archlint.rules.base import AstCollector

ALL = "*"  # in `frameworks` / `libraries`: every one

_ASGI = (FASTAPI, STARLETTE, LITESTAR, DJANGO, DRF)
_WSGI = (FLASK, DJANGO, DRF)
_DJANGO = (DJANGO, DRF)
_STARLETTE_BASED = (FASTAPI, STARLETTE)

# OpenTelemetry web-framework instrumentors: class name -> route frameworks.
_FRAMEWORK_INSTRUMENTORS: dict[str, tuple[str, ...]] = {
    "FastAPIInstrumentor": _STARLETTE_BASED,
    "StarletteInstrumentor": _STARLETTE_BASED,
    "FlaskInstrumentor": (FLASK,),
    "DjangoInstrumentor": _DJANGO,
}
# OpenTelemetry client instrumentors: class name -> `_calls` library names.
_LIBRARY_INSTRUMENTORS: dict[str, tuple[str, ...]] = {
    "RequestsInstrumentor": ("requests",),
    "HTTPXClientInstrumentor": ("httpx",),
    "AioHttpClientInstrumentor": ("aiohttp",),
    # requests sends through urllib3's pools, so urllib3's spans cover its calls too
    "URLLib3Instrumentor": ("urllib3", "requests"),
    "URLLibInstrumentor": ("urllib",),
    "BotocoreInstrumentor": ("boto3",),
    "Boto3SQSInstrumentor": ("boto3",),
    "AioBotocoreInstrumentor": ("aioboto3",),
    "GrpcInstrumentorClient": ("grpc",),
    "GrpcAioInstrumentorClient": ("grpc",),
    "Psycopg2Instrumentor": ("psycopg2",),
    "PsycopgInstrumentor": ("psycopg",),
    "AsyncPGInstrumentor": ("asyncpg",),
    "PyMySQLInstrumentor": ("pymysql",),
    "MySQLClientInstrumentor": ("pymysql",),  # MySQLdb: `_calls` models it as pymysql
    "SQLite3Instrumentor": ("sqlite3",),
    "SQLAlchemyInstrumentor": ("sqlalchemy",),
    "RedisInstrumentor": ("redis",),
    "PymongoInstrumentor": ("pymongo",),
    "ElasticsearchInstrumentor": ("elasticsearch",),
    "KafkaInstrumentor": ("kafka",),
    "ConfluentKafkaInstrumentor": ("confluent_kafka",),
    "AIOKafkaInstrumentor": ("aiokafka",),
    "PikaInstrumentor": ("pika",),
}
# ASGI/WSGI middleware classes that trace every request of the app they wrap.
_MIDDLEWARES = ("OpenTelemetryMiddleware", "ElasticAPM")
# Modules a driver is imported as, for `dbapi.trace_integration(module, ...)` and ddtrace.
_DRIVER_LIBRARIES = {
    "psycopg2": ("psycopg2",), "psycopg": ("psycopg", "psycopg2"), "pymysql": ("pymysql",),
    "MySQLdb": ("pymysql",), "mysqldb": ("pymysql",), "sqlite3": ("sqlite3",),
    "asyncpg": ("asyncpg",), "requests": ("requests",), "httpx": ("httpx",),
    "aiohttp": ("aiohttp",), "urllib3": ("urllib3", "requests"), "botocore": ("boto3",),
    "boto": ("boto3",), "aiobotocore": ("aioboto3",), "grpc": ("grpc",),
    "redis": ("redis",), "pymongo": ("pymongo",), "sqlalchemy": ("sqlalchemy",),
    "httplib": ("http.client", "urllib", "requests", "urllib3"), "kafka": ("kafka",),
    "confluent_kafka": ("confluent_kafka",), "aiokafka": ("aiokafka",), "pika": ("pika",),
}
_DDTRACE_FRAMEWORKS = {"fastapi": _STARLETTE_BASED, "starlette": _STARLETTE_BASED,
                       "flask": (FLASK,), "django": _DJANGO}
# Sentry's default and auto-enabling integrations that create spans for outbound calls (the
# stdlib one patches http.client, which requests, urllib3 and urllib send through).
_SENTRY_LIBRARIES = ("requests", "urllib3", "urllib", "http.client", "httpx", "aiohttp",
                     "boto3", "redis", "sqlalchemy", "asyncpg", "pymongo", "grpc")
_LOGFIRE = {
    "instrument_fastapi": (_STARLETTE_BASED, ()),
    "instrument_starlette": (_STARLETTE_BASED, ()),
    "instrument_asgi": (_ASGI, ()),
    "instrument_flask": ((FLASK,), ()),
    "instrument_wsgi": (_WSGI, ()),
    "instrument_django": (_DJANGO, ()),
    "instrument_httpx": ((), ("httpx",)),
    "instrument_requests": ((), ("requests",)),
    "instrument_aiohttp_client": ((), ("aiohttp",)),
    "instrument_sqlalchemy": ((), ("sqlalchemy",)),
    "instrument_psycopg": ((), ("psycopg", "psycopg2")),
    "instrument_asyncpg": ((), ("asyncpg",)),
    "instrument_redis": ((), ("redis",)),
    "instrument_pymongo": ((), ("pymongo",)),
    "instrument_sqlite3": ((), ("sqlite3",)),
    "instrument_botocore": ((), ("boto3",)),
}
_LOGFIRE_TARGETED = frozenset({"instrument_fastapi", "instrument_starlette", "instrument_flask",
                               "instrument_asgi", "instrument_wsgi"})
# Settings strings that install tracing in Django (MIDDLEWARE / INSTALLED_APPS entries).
_DJANGO_SETTINGS = (("opentelemetry", (), "opentelemetry"),
                    ("elasticapm.contrib.django", (ALL,), "elastic-apm"),
                    ("ddtrace", (), "ddtrace"), ("newrelic", (), "newrelic"))

# What an instrumentation's code must name (an instrumentor, a tracing middleware, a vendor's
# module, a Django setting): other files are not searched for one. Names reach `_call` as
# written or through an import that spells them.
_INSTRUMENTING = ("Instrumentor", "OpenTelemetry", "ElasticAPM", "Middleware", "add_middleware",
                  "auto_instrumentation", "ddtrace", "newrelic", "sentry_sdk", "logfire",
                  "elasticapm", "dbapi", "MIDDLEWARE", "INSTALLED_APPS")

_SPAN_METHODS = frozenset({"start_as_current_span", "start_span", "start_transaction",
                           "start_active_span"})
_TRACER_ATTRIBUTES = frozenset({"trace", "wrap", "span", "instrument"})

Function = ast.FunctionDef | ast.AsyncFunctionDef


@dataclass(frozen=True, slots=True)
class Instrumentation:
    what: str  # how a message names it: "FastAPIInstrumentor.instrument_app(app)"
    frameworks: tuple[str, ...]  # route frameworks it traces (`ALL`: every one)
    libraries: tuple[str, ...]  # `_calls` libraries it traces (`ALL`: every one)
    target: NameRef | None  # the app it is bound to; None: every app of its frameworks
    span: Span
    # Whose tracer: "opentelemetry", "ddtrace", "sentry", "logfire", "newrelic" or
    # "elastic-apm" (ARC505 asks which of them also measure requests).
    vendor: str = "opentelemetry"

    def traces_framework(self, framework: str) -> bool:
        return ALL in self.frameworks or framework in self.frameworks

    def traces_library(self, library: str) -> bool:
        return ALL in self.libraries or library in self.libraries


@dataclass(frozen=True, slots=True)
class SpanBlock:
    first: int
    last: int
    function: str | None  # the enclosing function's qualified name; None at module level
    what: str  # the opener as written: "tracer.start_as_current_span"

    def covers(self, line: int) -> bool:
        return self.first <= line <= self.last


@dataclass(frozen=True, slots=True)
class FileTracing:
    instrumentations: tuple[Instrumentation, ...]
    blocks: tuple[SpanBlock, ...]
    openers: tuple[str, ...]  # functions that open a span (qualified names in the module)
    traced: tuple[str, ...] = ()  # functions a span decorator wraps whole


def span_like(name: str) -> bool:
    """A decorator or context manager whose own name says it opens a span: `traced`,
    `trace_span`, `with_span`, `otel_trace` (not `traceback`)."""
    last = name.rpartition(".")[2].lower()
    return ("span" in last or "trace" in last) and "traceback" not in last


class TracingCollector(AstCollector):
    kind = "tracing"
    triggers = ("opentelemetry", "OpenTelemetry", "Instrumentor", "span", "trace", "sentry",
                "logfire", "newrelic", "elasticapm", "ElasticAPM", "MIDDLEWARE")

    def collect(self) -> list[FileTracing]:
        self.names = _Imports()
        for node in reversed(statements_by_walk(self.tree)):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                self.names.add(node)  # the first import of a name in the file wins
        self.instrumentations: list[Instrumentation] = []
        self.blocks: list[SpanBlock] = []
        self.openers: set[str] = set()
        self.traced: set[str] = set()
        # Identifiers are read NFKC-normalised: a non-ASCII file is searched as Python reads it.
        text = self.source if self.source.isascii() else unicodedata.normalize(
            "NFKC", self.source)
        if any(word in text for word in _INSTRUMENTING):
            self._instrumentations()
        self._walk(self.tree.body, (), None, None)
        if not (self.instrumentations or self.blocks or self.openers):
            return []
        return [FileTracing(tuple(self.instrumentations), tuple(self.blocks),
                            tuple(sorted(self.openers)), tuple(sorted(self.traced)))]

    # -- instrumentation ----------------------------------------------------------------------
    def _instrumentations(self) -> None:
        bound: dict[str, str] = {}  # variable -> instrumentor class bound to it
        built: dict[str, int] = {}  # variable -> the construction bound to it
        for node in nodes_of(self.tree, ast.Assign):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
                cls = self._instrumentor(node.value.func)
                if cls is not None:
                    for target in node.targets:
                        written = dotted(target)
                        if written is not None:
                            bound[written] = cls
                            built[written] = id(node.value)
        consumed: set[int] = set()
        targeted: set[str] = set()
        for node in nodes_of(self.tree, ast.Call):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                self._method(node, node.func, bound, built, consumed, targeted)
        for node in nodes_of(self.tree, ast.Call, ast.Import, ast.ImportFrom, ast.Assign,
                             ast.AnnAssign):
            if isinstance(node, ast.Call) and id(node) not in consumed:
                self._call(node, targeted)
            elif isinstance(node, ast.Import):
                if any(a.name.startswith("ddtrace.auto") for a in node.names):
                    self._add("import ddtrace.auto", (ALL,), (ALL,), None, node, "ddtrace")
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                    "ddtrace.auto"):
                self._add("import ddtrace.auto", (ALL,), (ALL,), None, node, "ddtrace")
            elif isinstance(node, (ast.Assign, ast.AnnAssign)):
                self._django_setting(node)

    def _instrumentor(self, func: ast.expr) -> str | None:
        """The instrumentor class a callee names (`FastAPIInstrumentor`, any module)."""
        written = dotted(func)
        if written is None:
            return None
        ref = self.names.ref_name(written)
        last = ref.name.rpartition(".")[2]
        if last in _FRAMEWORK_INSTRUMENTORS or last in _LIBRARY_INSTRUMENTORS:
            return last
        return None

    def _receiver_class(self, receiver: ast.expr, bound: dict[str, str]) -> str | None:
        """`FastAPIInstrumentor`, `FastAPIInstrumentor()` or a variable bound to one."""
        if isinstance(receiver, ast.Call):
            return self._instrumentor(receiver.func)
        written = dotted(receiver)
        if written is not None and written in bound:
            return bound[written]
        return self._instrumentor(receiver)

    def _method(self, node: ast.Call, func: ast.Attribute, bound: dict[str, str],
                built: dict[str, int], consumed: set[int], targeted: set[str]) -> None:
        method = func.attr
        if method.startswith("uninstrument"):
            consumed.add(id(node))
            if isinstance(func.value, ast.Call):
                consumed.add(id(func.value))
            return
        cls = self._receiver_class(func.value, bound)
        if cls is None:
            return
        if isinstance(func.value, ast.Call):
            consumed.add(id(func.value))
        written = dotted(func.value)
        if written is not None and written in built:
            consumed.add(built[written])  # `inst = X()` then `inst.instrument()`: one
        consumed.add(id(node))
        frameworks = _FRAMEWORK_INSTRUMENTORS.get(cls, ())
        libraries = _LIBRARY_INSTRUMENTORS.get(cls, ())
        app = argument(node, 0, "app") if method == "instrument_app" else None
        target = self._target(app) if app is not None else None
        if target is not None:
            targeted.add(cls)
        self._add(f"{cls}.{method}({_text(app) if app is not None else ''})", frameworks,
                  libraries, target, node)

    def _call(self, node: ast.Call, targeted: set[str]) -> None:
        func = node.func
        written = dotted(func)
        if written is None:
            return
        qualified = self.names.ref_name(written).name
        last = qualified.rpartition(".")[2]
        if last in _FRAMEWORK_INSTRUMENTORS or last in _LIBRARY_INSTRUMENTORS:
            # built and then used out of sight (`self._instrumentor.instrument()`)
            if last not in targeted:
                self._add(f"{last}()", _FRAMEWORK_INSTRUMENTORS.get(last, ()),
                          _LIBRARY_INSTRUMENTORS.get(last, ()), None, node)
        elif last in _MIDDLEWARES:
            self._wrapping_middleware(node, qualified, last)
        elif last == "add_middleware" and node.args:
            self._added_middleware(node, func)
        elif last == "Middleware" and node.args:
            middleware = self._middleware_class(node.args[0])
            if middleware is not None:
                self._add(f"Middleware({middleware})", self._middleware_frameworks(middleware),
                          self._middleware_libraries(middleware), None, node,
                          _middleware_vendor(middleware))
        elif last in ("OpenTelemetryConfig", "OpenTelemetryPlugin") and "litestar" in qualified:
            self._add(f"{last}(...)", (LITESTAR,), (), None, node)
        elif qualified.endswith("auto_instrumentation.initialize"):
            self._add(f"{written}()", (ALL,), (ALL,), None, node)
        elif qualified in ("ddtrace.patch_all", "newrelic.agent.initialize"):
            self._add(f"{written}()", (ALL,), (ALL,), None, node, qualified.split(".")[0])
        elif qualified in ("ddtrace.patch", "ddtrace.monkey.patch"):
            self._ddtrace_patch(node, written)
        elif qualified in ("sentry_sdk.init", "sentry_sdk.client.Client"):
            self._sentry(node, written)
        elif qualified.startswith("logfire.") or written.startswith("logfire"):
            self._logfire(node, last, written)
        elif qualified in ("elasticapm.instrument", "elasticapm.instrumentation.control.instrument"):
            self._add(f"{written}()", (), (ALL,), None, node, "elastic-apm")
        elif last in ("trace_integration", "wrap_connect") and "dbapi" in qualified and node.args:
            module = dotted(node.args[0])
            libraries = _DRIVER_LIBRARIES.get(module.rpartition(".")[2], ()) if module else ()
            if libraries:
                self._add(f"{written}({module})", (), libraries, None, node)

    def _middleware_class(self, expr: ast.expr) -> str | None:
        written = dotted(expr)
        if written is None:
            return None
        qualified = self.names.ref_name(written).name
        return qualified if qualified.rpartition(".")[2] in _MIDDLEWARES else None

    @staticmethod
    def _middleware_frameworks(qualified: str) -> tuple[str, ...]:
        if ".wsgi" in qualified or "flask" in qualified:
            return _WSGI
        if ".asgi" in qualified or "starlette" in qualified:
            return _ASGI
        return (ALL,)

    @staticmethod
    def _middleware_libraries(qualified: str) -> tuple[str, ...]:
        # Elastic APM's client instruments every supported library when it starts.
        return (ALL,) if "elasticapm" in qualified else ()

    def _wrapping_middleware(self, node: ast.Call, qualified: str, last: str) -> None:
        """`app = OpenTelemetryMiddleware(app)`, `app.wsgi_app = ...(app.wsgi_app)`,
        `ElasticAPM(app)`: the app wrapped, when it is named."""
        if last == "ElasticAPM" and "elasticapm" not in qualified:
            return
        wrapped = argument(node, 0, "app")
        target = None
        if wrapped is not None:
            written = dotted(wrapped)
            if written is not None and written.endswith((".wsgi_app", ".asgi_app")):
                written = written.rpartition(".")[0]
            if written is not None and "." not in written:
                target = self.names.ref_name(written)
        what = f"{last}({_text(wrapped) if wrapped is not None else ''})"
        self._add(what, self._middleware_frameworks(qualified),
                  self._middleware_libraries(qualified), target, node, _middleware_vendor(qualified))

    def _added_middleware(self, node: ast.Call, func: ast.expr) -> None:
        middleware = self._middleware_class(node.args[0])
        if middleware is None or not isinstance(func, ast.Attribute):
            return
        app = self._target(func.value)
        self._add(f"{_text(func.value)}.add_middleware({middleware.rpartition('.')[2]})",
                  self._middleware_frameworks(middleware),
                  self._middleware_libraries(middleware), app, node, _middleware_vendor(middleware))

    def _target(self, expr: ast.expr) -> NameRef | None:
        """The app an instrumentation is bound to, when it is a plain name (`app`, or imported);
        `self.app`, `request.app` or a call cannot be told, and count for every app."""
        if isinstance(expr, ast.Name):
            return self.names.ref_name(expr.id)
        return None

    def _ddtrace_patch(self, node: ast.Call, written: str) -> None:
        frameworks: list[str] = []
        libraries: list[str] = []
        for keyword in node.keywords:
            if keyword.arg is None:
                self._add(f"{written}(**...)", (ALL,), (ALL,), None, node, "ddtrace")
                return
            if isinstance(keyword.value, ast.Constant) and not keyword.value.value:
                continue
            frameworks.extend(_DDTRACE_FRAMEWORKS.get(keyword.arg, ()))
            libraries.extend(_DRIVER_LIBRARIES.get(keyword.arg, ()))
        if frameworks or libraries:
            self._add(f"{written}({', '.join(k.arg or '' for k in node.keywords)})",
                      tuple(frameworks), tuple(libraries), None, node, "ddtrace")

    def _sentry(self, node: ast.Call, written: str) -> None:
        """Sentry traces only with a sample rate, a sampler, or `enable_tracing=True`."""
        for keyword in node.keywords:
            if keyword.arg is None or keyword.arg in ("traces_sample_rate", "traces_sampler",
                                                      "enable_tracing"):
                value = keyword.value
                if isinstance(value, ast.Constant) and value.value in (0, None, False):
                    continue
                self._add(f"{written}({keyword.arg or '**...'}=...)", (ALL,), _SENTRY_LIBRARIES,
                          None, node, "sentry")
                return

    def _logfire(self, node: ast.Call, last: str, written: str) -> None:
        if last not in _LOGFIRE:
            return
        frameworks, libraries = _LOGFIRE[last]
        target = None
        if last in _LOGFIRE_TARGETED:
            app = argument(node, 0, "app")
            target = self._target(app) if app is not None else None
        self._add(f"{written}(...)", frameworks, libraries, target, node, "logfire")

    def _django_setting(self, node: ast.Assign | ast.AnnAssign) -> None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = {t.id for t in targets if isinstance(t, ast.Name)}
        if not names & {"MIDDLEWARE", "INSTALLED_APPS", "MIDDLEWARE_CLASSES"}:
            return
        value = node.value
        if not isinstance(value, (ast.List, ast.Tuple)):
            return
        for element in value.elts:
            if isinstance(element, ast.Constant) and isinstance(element.value, str):
                for marker, libraries, vendor in _DJANGO_SETTINGS:
                    if marker in element.value:
                        self._add(f"{next(iter(names))} entry {element.value!r}", _DJANGO,
                                  libraries, None, element, vendor)
                        break

    def _add(self, what: str, frameworks: tuple[str, ...], libraries: tuple[str, ...],
             target: NameRef | None, node: ast.expr | ast.stmt,
             vendor: str = "opentelemetry") -> None:
        if frameworks or libraries:
            self.instrumentations.append(
                Instrumentation(what, frameworks, libraries, target, self.span_of(node), vendor))

    # -- spans ----------------------------------------------------------------------------------
    def _walk(self, body: list[ast.stmt], outer: tuple[str, ...], function: str | None,
              function_end: int | None) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                qualname = ".".join((*outer, stmt.name))
                end = stmt.end_lineno or stmt.lineno
                for decorator in stmt.decorator_list:
                    opener = self._opener(decorator, decorator=True)
                    if opener is not None:
                        self.blocks.append(SpanBlock(stmt.lineno, end, qualname, opener))
                        self.openers.add(qualname)
                        self.traced.add(qualname)
                        break
                self._walk(stmt.body, (*outer, stmt.name), qualname, end)
                continue
            if isinstance(stmt, ast.ClassDef):
                self._walk(stmt.body, (*outer, stmt.name), function, function_end)
                continue
            if isinstance(stmt, (ast.With, ast.AsyncWith)):
                for item in stmt.items:
                    opener = self._opener(item.context_expr, decorator=False)
                    if opener is not None:
                        self.blocks.append(SpanBlock(stmt.lineno, stmt.end_lineno or stmt.lineno,
                                                     function, opener))
                        if function is not None:
                            self.openers.add(function)
                        break
            else:
                self._started_spans(stmt, function, function_end)
                if isinstance(stmt, SIMPLE_STATEMENTS):
                    continue  # no block inside
            for block in blocks(stmt):  # body, orelse, finalbody, handlers, cases: in order
                self._walk(block, outer, function, function_end)

    def _started_spans(self, stmt: ast.stmt, function: str | None,
                       function_end: int | None) -> None:
        """`span = tracer.start_span("x")` ... `span.end()`: the rest of the function runs in
        it (as far as a static reading can tell)."""
        if not isinstance(stmt, (ast.Assign, ast.Expr, ast.AnnAssign)):
            return
        value = stmt.value
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute) and (
                value.func.attr in _SPAN_METHODS):
            end = function_end if function_end is not None else stmt.end_lineno or stmt.lineno
            self.blocks.append(SpanBlock(stmt.lineno, end, function, _text(value.func)))
            if function is not None:
                self.openers.add(function)

    def _opener(self, expr: ast.expr, decorator: bool) -> str | None:
        """The span opener an expression is (`tracer.start_as_current_span`), or None."""
        func = expr.func if isinstance(expr, ast.Call) else expr
        if isinstance(func, ast.Call):  # `@get_tracer().start_as_current_span(...)` kept below
            func = func.func
        if isinstance(func, ast.Attribute):
            if func.attr in _SPAN_METHODS:
                return _text(func)
            receiver = _text(func.value).lower()
            if func.attr in _TRACER_ATTRIBUTES and (
                    "tracer" in receiver or "logfire" in receiver or "ddtrace" in receiver
                    or "sentry" in receiver):
                return _text(func)
        written = dotted(func)
        if written is None:
            return None
        qualified = self.names.ref_name(written).name
        if qualified in ("sentry_sdk.trace", "sentry_sdk.tracing.trace", "logfire.instrument",
                         "logfire.span", "langfuse.observe", "langfuse.decorators.observe"):
            return written
        if span_like(written) or span_like(qualified):
            return written
        return None


def _middleware_vendor(qualified: str) -> str:
    return "elastic-apm" if "elasticapm" in qualified else "opentelemetry"


def _text(node: ast.AST) -> str:
    text = ast.unparse(node)
    return text if len(text) <= 60 else text[:57] + "..."


def instrumentors_of(library: str) -> tuple[str, ...]:
    """The OpenTelemetry instrumentors that trace a `_calls` library, for messages."""
    return tuple(name for name, libraries in _LIBRARY_INSTRUMENTORS.items()
                 if library in libraries)
