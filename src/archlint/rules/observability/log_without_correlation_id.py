"""ARC503 log-without-correlation-id."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from archlint.model import Severity
from archlint.rules._classes import symbols
from archlint.rules._routes import (
    Endpoint,
    FileRoutes,
    RouteCollector,
    endpoint_framework,
    route_collectors,
)
from archlint.rules.base import Invalid, ProjectRule, Valid
from archlint.rules.observability._log_setup import carries_id, correlation, logging_facts
from archlint.rules.observability._logging import FileLogging, LoggingCollector

DEFAULT_ID_NAMES = ("correlation_id", "request_id", "trace_id", "x_request_id")

_LOOKED_FOR = (
    "no logging filter, record factory or structlog processor adds a request/correlation/trace "
    "id, no correlation library's log filter (asgi-correlation-id, django-guid), no structlog "
    "merge_contextvars with a bound id, no OpenTelemetry LoggingInstrumentor or "
    "opentelemetry-instrument launch"
)
_HELP = (
    "put the request id into every log record once, for the whole project: e.g. "
    "asgi-correlation-id's CorrelationIdMiddleware with its CorrelationIdFilter on the handlers, "
    "a logging.Filter that sets record.request_id from a contextvar, structlog's "
    "merge_contextvars with bind_contextvars(request_id=...) in a middleware, or OpenTelemetry's "
    "LoggingInstrumentor; or pass extra={\"request_id\": ...} on this call"
)


@dataclass(frozen=True)
class CorrelationOptions:
    # Record attributes, extra= keys and bound names that count as a correlation id (compared
    # without case, `_` or `-`, and as a part: "otelTraceID" contains "trace_id").
    id_names: tuple[str, ...] = DEFAULT_ID_NAMES


@dataclass(frozen=True)
class _Handler:
    path: str  # the file that defines it
    qualname: str  # "list_users", "UserView" (a class: all of its methods)
    endpoint: Endpoint
    framework: str


class LogWithoutCorrelationId(ProjectRule):
    """## What it does
    Flags a log call (`logging`, `structlog`, `loguru`) in request-handling code when nothing in
    the project puts a request, correlation or trace id into log records. Request-handling code
    is an endpoint's handler (FastAPI, Starlette, Flask, Django and DRF views, Litestar, as
    `rules/_routes.py` finds them; for a class view, every method of the class) and the
    functions of the same module it calls, directly or through each other.

    The project counts as correlated, and the rule stays quiet everywhere, when any of these
    exists outside tests:
    - a function that sets an id attribute on a log record: a `logging.Filter`'s `filter()`
      (`record.request_id = ...`, also `setattr(record, "request_id", ...)`), a
      `logging.setLogRecordFactory` factory, a structlog processor that sets
      `event_dict["request_id"]`, a loguru patcher that sets `record["extra"]["request_id"]`;
    - the log filter of a correlation library: asgi-correlation-id's `CorrelationIdFilter`,
      django-guid's `CorrelationId`, flask-log-request-id's `RequestIDLogFilter`,
      django-log-request-id's `RequestIDFilter` (in code, in a `dictConfig`/`LOGGING` string,
      or in a logging config file);
    - `structlog.contextvars.merge_contextvars` together with `bind_contextvars(request_id=...)`
      (or `bound_contextvars`) somewhere; loguru's `logger.contextualize(request_id=...)`;
    - OpenTelemetry's `LoggingInstrumentor`, or a launch command (Dockerfile, Procfile, compose,
      shell script) running under `opentelemetry-instrument`, whose logging instrumentation
      adds `otelTraceID`/`otelSpanID` to every record.

    A call that carries the id itself is not flagged: `extra={"request_id": ...}`, a keyword
    argument of that name (structlog, loguru), or a logger bound with it
    (`log = logger.bind(request_id=rid)`). The finding sits on the call, one per call.

    ## Why is this bad?
    A service handles many requests at once and their log lines interleave. Without an id that
    every line of one request shares, the lines of a failed request cannot be pulled out of the
    stream, nor joined with the lines of the services it called or with its trace. An id added
    once, by a filter or a context-bound logger, reaches every line, including those of
    libraries; an id passed by hand on each call is forgotten on the next one.

    ## Example
    ```python
    logger = logging.getLogger(__name__)

    @app.post("/orders")
    def create_order(order: Order):
        logger.info("creating order")
        ...
    ```

    ## Use instead
    ```python
    from asgi_correlation_id import CorrelationIdFilter, CorrelationIdMiddleware

    app.add_middleware(CorrelationIdMiddleware)
    handler.addFilter(CorrelationIdFilter())  # and %(correlation_id)s in the format
    ```

    ## Options
    - `id_names` (list of names, default `["correlation_id", "request_id", "trace_id",
      "x_request_id"]`): the record attributes, `extra=` keys and bound names that count as a
      correlation id; compared without case, `_` and `-`, and as a part of the name (`trace_id`
      matches `otelTraceID`).

    ## What it does not flag
    - Any log call when the project has one of the mechanisms above anywhere. A filter or
      factory defined in the project is trusted to be installed (the rule does not follow
      `addFilter` or `LOGGING["filters"]`).
    - A call that passes `extra=` or `**kwargs` the rule cannot read (they may carry the id).
    - Log calls in modules other than the endpoint's (a service or repository module the handler
      imports): out of scope for now. Helpers reached through an import, a parameter, or a
      method of another object are not followed.
    - Endpoints whose framework cannot be told (an owner made by a factory the rule cannot
      follow), and Django/DRF views whose `urls.py` reference cannot be resolved to a function
      or class of the project.
    - Correlation middleware alone (`CorrelationIdMiddleware`, django-guid's middleware): it
      keeps the id in a contextvar but puts nothing into log records until its log filter is
      installed; the message says so when it sees one.
    - A request id kept in `flask.g` or `request.state` that no filter reads.
    - Tests and migrations; and a scan of some files only (pre-commit), where whether a mechanism
      exists elsewhere cannot be told.

    ## References
    - [OpenTelemetry: Logs, trace context in log records](https://opentelemetry.io/docs/specs/otel/logs/#log-correlation)
    - [The Twelve-Factor App: XI. Logs](https://12factor.net/logs)
    - [OWASP Logging Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html)
    - [CWE-778: Insufficient Logging](https://cwe.mitre.org/data/definitions/778.html)
    """

    code, name, severity = "ARC503", "log-without-correlation-id", Severity.WARNING
    cwe = 778
    tags = ("observability", "logging")
    Options = CorrelationOptions
    collectors = (*route_collectors(), LoggingCollector)

    VALID: ClassVar = [
        # a logging.Filter puts the id into every record
        Valid(
            """
            import logging
            from fastapi import FastAPI
            app = FastAPI()
            logger = logging.getLogger(__name__)

            class RequestIdFilter(logging.Filter):
                def filter(self, record):
                    record.request_id = request_id_var.get()
                    return True

            @app.get("/orders")
            def list_orders():
                logger.info("listing orders")
            """,
            path="app/main.py",
        ),
        # the call passes the id itself
        Valid(
            """
            import logging
            from flask import Flask, g
            app = Flask(__name__)
            logger = logging.getLogger(__name__)

            @app.route("/orders")
            def list_orders():
                logger.info("listing", extra={"request_id": g.request_id})
            """,
            path="app/views.py",
        ),
        # structlog: merge_contextvars and a bound request id
        Valid(
            """
            import structlog
            from structlog.contextvars import bind_contextvars, merge_contextvars
            from fastapi import FastAPI
            app = FastAPI()
            structlog.configure(processors=[merge_contextvars, structlog.processors.JSONRenderer()])
            log = structlog.get_logger()

            @app.middleware("http")
            async def bind_request_id(request, call_next):
                bind_contextvars(request_id=request.headers.get("x-request-id"))
                return await call_next(request)

            @app.get("/orders")
            async def list_orders():
                log.info("listing orders")
            """,
            path="app/main.py",
        ),
        # asgi-correlation-id's filter named in a logging config file
        Valid(
            """
            import logging
            import logging.config
            from fastapi import FastAPI
            logging.config.fileConfig("logging.ini")
            app = FastAPI()
            logger = logging.getLogger(__name__)

            @app.get("/orders")
            def list_orders():
                logger.info("listing orders")
            """,
            path="app/main.py",
            files={"logging.ini": "[filters]\nkeys=cid\n\n[filter_cid]\n"
                                  "()=asgi_correlation_id.CorrelationIdFilter\n"},
        ),
        # a log call outside request handling
        Valid(
            """
            import logging
            from fastapi import FastAPI
            app = FastAPI()
            logger = logging.getLogger(__name__)

            def warm_cache():
                logger.info("warming")

            @app.get("/orders")
            def list_orders():
                return []
            """,
            path="app/main.py",
        ),
        # a custom id name
        Valid(
            """
            import logging
            from fastapi import FastAPI
            app = FastAPI()
            logger = logging.getLogger(__name__)

            @app.get("/orders")
            def list_orders():
                logger.info("listing", extra={"txn": 1})
            """,
            options={"id_names": ["txn"]},
            path="app/main.py",
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            """
            import logging
            from fastapi import FastAPI
            app = FastAPI()
            logger = logging.getLogger(__name__)

            @app.get("/orders")
            def list_orders():
                logger.info("listing orders")
            """,
            line=9,
            path="app/main.py",
            message="no logging filter, record factory or structlog processor adds a request",
        ),
        # in a helper the handler calls within the module
        Invalid(
            """
            import logging
            from flask import Flask
            app = Flask(__name__)
            logger = logging.getLogger(__name__)

            def load(order_id):
                logger.warning("order %s missing", order_id)

            @app.route("/orders/<order_id>")
            def show(order_id):
                return load(order_id)
            """,
            line=8,
            path="app/views.py",
            message="called from endpoint show",
        ),
        # the middleware alone puts nothing into log records
        Invalid(
            """
            import logging
            from asgi_correlation_id import CorrelationIdMiddleware
            from fastapi import FastAPI
            app = FastAPI()
            app.add_middleware(CorrelationIdMiddleware)
            logger = logging.getLogger(__name__)

            @app.get("/orders")
            def list_orders():
                logger.info("listing orders")
            """,
            line=11,
            path="app/main.py",
            message="CorrelationIdMiddleware",
        ),
        # a Django view referenced from urls.py
        Invalid(
            """
            import logging
            logger = logging.getLogger(__name__)

            def index(request):
                logger.info("index")
            """,
            line=6,
            path="shop/views.py",
            files={"shop/__init__.py": "",
                   "shop/urls.py": "from django.urls import path\nfrom . import views\n"
                                   "urlpatterns = [path('', views.index)]\n"},
        ),
    ]

    def check(self) -> None:
        if not self.project.whole_project:
            return  # a mechanism may sit in a file this scan did not include
        id_names = tuple(self.options.id_names)
        found = correlation(self.project, id_names)
        if found.mechanism is not None:
            return
        facts = {path: fact for path, fact in logging_facts(self.project)}
        handlers: dict[str, list[_Handler]] = {}
        for handler in self._handlers():
            if handler.path in facts:
                handlers.setdefault(handler.path, []).append(handler)
        reported: set[tuple[str, int, int]] = set()
        for path, owned in handlers.items():
            fact = facts[path]
            reached = _reached(fact, owned)
            for call in fact.log_calls:
                if call.function is None or call.opaque or carries_id(call.id_keys, id_names):
                    continue
                origin = reached.get(call.function)
                if origin is None:
                    continue
                key = (path, call.span.line, call.span.column)
                if key in reported:
                    continue
                reported.add(key)
                self._report(path, call.span, call.method, call.function, origin,
                             found.middleware)

    def _report(self, path, span, method, function, origin: _Handler,
                middleware: str | None) -> None:  # type: ignore[no-untyped-def]
        endpoint = origin.endpoint
        route = " ".join(filter(None, (",".join(endpoint.methods), endpoint.path)))
        where = f"endpoint {origin.qualname}" + (f" ({route})" if route else "")
        if function == origin.qualname or function.startswith(origin.qualname + "."):
            context = f"in {where}"
        else:
            context = f"in {function}(), called from {where}"
        note = (f"; {middleware} is installed but puts the id into no log record until its log "
                f"filter is added" if middleware else "")
        self.report_at(
            path, span,
            f".{method}() {context} logs without a correlation id: {_LOOKED_FOR}, and this "
            f"call passes no extra={{\"request_id\": ...}}{note}",
            help=_HELP,
            statement_lines=(span.line, span.end_line),
        )

    def _handlers(self) -> Iterable[_Handler]:
        table = None
        for path, routes in self.project.of(RouteCollector.kind):
            assert isinstance(routes, FileRoutes)
            for endpoint in routes.endpoints:
                framework = endpoint_framework(self.project, path, endpoint)
                if framework is None:
                    continue
                if endpoint.handler is not None:
                    yield _Handler(path, endpoint.handler, endpoint, framework)
                    continue
                ref = endpoint.handler_ref
                if ref is None or not ref.imported:
                    continue
                table = table or symbols(self.project)
                located = _locate(table, path, ref.name)
                if located is not None:
                    yield _Handler(located[0], located[1], endpoint, framework)


def _locate(table, path: str, name: str) -> tuple[str, str] | None:  # type: ignore[no-untyped-def]
    """The file and qualified name of a handler imported into `path` (`views.index` through
    `from . import views`; a class view through re-exports): None when it is not the project's."""
    module = table.modules.module_of.get(path)
    if module is None:
        return None
    symbol = table.resolve(table.absolute(name, module) or "")
    if symbol is not None and symbol.kind == "class" and symbol.cls is not None \
            and not symbol.rest:
        return symbol.cls.path, symbol.cls.fact.qualname
    absolute = table.absolute(name, module)
    if absolute is None:
        return None
    parts = absolute.split(".")
    for i in range(len(parts) - 1, 0, -1):
        found = table.modules.path_of.get(".".join(parts[:i]))
        if found is not None:
            return found, ".".join(parts[i:])
    return None


def _reached(fact: FileLogging, handlers: list[_Handler]) -> dict[str, _Handler]:
    """Every function of the module that request handling runs: the handlers (a class view: all
    of its methods), what is nested in them, and what they call within the module, each with
    the endpoint that reaches it first."""
    nested: dict[str, list[str]] = {}
    for name in fact.functions:
        parts = name.split(".")
        for i in range(1, len(parts)):
            nested.setdefault(".".join(parts[:i]), []).append(name)
    calls: dict[str, list[str]] = {}
    for caller, callee in fact.calls:
        calls.setdefault(caller, []).append(callee)
    reached: dict[str, _Handler] = {}
    queue: deque[tuple[str, _Handler]] = deque()
    for handler in handlers:
        queue.append((handler.qualname, handler))
        for inner in nested.get(handler.qualname, ()):
            queue.append((inner, handler))
    while queue:
        name, origin = queue.popleft()
        if name in reached:
            continue
        reached[name] = origin
        for callee in calls.get(name, ()):
            if callee not in reached:
                queue.append((callee, origin))
                for inner in nested.get(callee, ()):
                    queue.append((inner, origin))
    return reached
