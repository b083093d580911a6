"""ARC501 endpoint-without-tracing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from archlint.model import Related, Severity
from archlint.rules._classes import NameRef
from archlint.rules._routes import (
    DJANGO,
    DRF,
    FASTAPI,
    FLASK,
    LITESTAR,
    STARLETTE,
    Endpoint,
    FileRoutes,
    RouteCollector,
    endpoint_framework,
    full_paths,
    handler_definition,
    is_probe,
    owner_identity,
    owner_kinds,
    report_location,
    returns_constant,
    route_collectors,
    serving_owners,
)
from archlint.rules._scaffolding import is_scaffolding_path
from archlint.rules._texts import tracing_launch
from archlint.rules.base import Invalid, ProjectRule, Valid
from archlint.rules.observability._tracing import (
    FileTracing,
    Instrumentation,
    TracingCollector,
    span_like,
)
from archlint.rules.resilience._scope import is_script


@dataclass(frozen=True)
class EndpointTracingOptions:
    """Options of ARC501.

    `instrumented`: the service is traced by something archlint cannot see (an agent the
    platform injects, a `sitecustomize`): the rule then reports nothing.
    `span_helpers`: names of the project's own decorators that open a span around a handler
    (`@traced_endpoint`), matched against the name as written, its qualified name, or (without
    a dot) the last part of the name. Decorators and `with` blocks whose name mentions a span or
    a trace are recognised without configuration.
    """

    instrumented: bool = False
    span_helpers: tuple[str, ...] = ()


_FRAMEWORK_NAMES = {
    FASTAPI: "FastAPI", STARLETTE: "Starlette", FLASK: "Flask", DJANGO: "Django",
    DRF: "Django REST framework", LITESTAR: "Litestar",
}
_EXPECTED = {
    FASTAPI: "FastAPIInstrumentor, OpenTelemetryMiddleware",
    STARLETTE: "StarletteInstrumentor, OpenTelemetryMiddleware",
    FLASK: "FlaskInstrumentor, OpenTelemetryMiddleware on app.wsgi_app",
    DJANGO: "DjangoInstrumentor, OpenTelemetryMiddleware around the ASGI/WSGI application",
    DRF: "DjangoInstrumentor, OpenTelemetryMiddleware around the ASGI/WSGI application",
    LITESTAR: "OpenTelemetryConfig/OpenTelemetryPlugin",
}
_HELP = {
    FASTAPI: "call FastAPIInstrumentor.instrument_app(app) where the app is made (or run the "
             "service under opentelemetry-instrument); open a span in the handler only for work "
             "the request span does not cover",
    STARLETTE: "call StarletteInstrumentor.instrument_app(app) (or run the service under "
               "opentelemetry-instrument)",
    FLASK: "call FlaskInstrumentor().instrument_app(app) where the app is made (or run the "
           "service under opentelemetry-instrument)",
    DJANGO: "call DjangoInstrumentor().instrument() in manage.py/wsgi.py/asgi.py (or run the "
            "service under opentelemetry-instrument)",
    DRF: "call DjangoInstrumentor().instrument() in manage.py/wsgi.py/asgi.py (or run the "
         "service under opentelemetry-instrument)",
    LITESTAR: "pass OpenTelemetryPlugin(OpenTelemetryConfig()) to Litestar(plugins=[...]) (or "
              "run the service under opentelemetry-instrument)",
}
class EndpointWithoutTracing(ProjectRule):
    """## What it does
    Flags an HTTP endpoint that no trace covers: nothing instruments the app that serves it and
    the handler opens no span itself. One finding per endpoint, on its route decorator (Django
    and DRF: on the view's `def`/`class` line, in its own module).

    Endpoints are those of the shared route model (FastAPI, Starlette, Flask, Django and DRF,
    Litestar). An endpoint is traced when any of these holds:

    - the service is launched under `opentelemetry-instrument`, `ddtrace-run` or
      `newrelic-admin run-program` in a Dockerfile, Procfile, compose file or shell script;
    - an instrumentation of its framework runs anywhere in the project (tests excluded):
      `FastAPIInstrumentor.instrument_app(app)`/`FastAPIInstrumentor().instrument()`,
      `StarletteInstrumentor`, `FlaskInstrumentor`, `DjangoInstrumentor`, OpenTelemetry's
      ASGI/WSGI `OpenTelemetryMiddleware` (`app.add_middleware(...)`, `Middleware(...)`,
      `app = OpenTelemetryMiddleware(app)`, `app.wsgi_app = ...`), Litestar's
      `OpenTelemetryConfig`/`OpenTelemetryPlugin`, `auto_instrumentation.initialize()`; and the
      other tracers a team may use instead: ddtrace `patch_all()`/`patch(fastapi=True)`/`import
      ddtrace.auto`, `sentry_sdk.init(traces_sample_rate=...)` (Sentry's framework
      integrations trace every request once tracing is on), logfire `instrument_fastapi(app)`
      and siblings, New Relic `newrelic.agent.initialize()`, Elastic APM. An instrumentation
      bound to one app object (`instrument_app(app)`, middleware added to `app`) covers that
      app and the routers, blueprints and mounts included in it; one that is not
      (`.instrument()`, or an app the rule cannot name, such as `self.app`) covers every app of
      its framework;
    - the handler opens a span: `with tracer.start_as_current_span(...)`/`start_span` in its
      body, `@tracer.start_as_current_span(...)` on it (any method of a class view counts), or a
      decorator or `with` whose name says it opens a span or a trace (`@traced`).

    ## Why is this bad?
    A request that leaves no trace cannot be followed across services: its latency cannot be
    broken down, its errors cannot be tied to the downstream calls that caused them, and the
    trace context of the caller stops at this service. Auto-instrumenting the framework once
    gives every endpoint a server span, with the route, status code and duration, at no cost in
    the handlers.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/users/{user_id}")
    async def read_user(user_id: int): ...
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    app = FastAPI()
    FastAPIInstrumentor.instrument_app(app)

    @app.get("/users/{user_id}")
    async def read_user(user_id: int): ...
    ```

    ## Options
    - `instrumented` (boolean, default false): the service is traced by something the rule
      cannot see (an agent injected by the platform); nothing is reported.
    - `span_helpers` (list of strings, default empty): the project's own decorators that open a
      span around a handler, matched by name as written, qualified name, or last name part.

    ## What it does not flag
    - Health, readiness, liveness, ping and metrics endpoints, by full path (router prefixes,
      mounts, blueprints and Django `include()` joined: `/health*`, `/healthz`, `/ready*`,
      `/live*`, `/ping`, `/metrics`; under a prefix, a segment starting with `health` or a last
      segment `ready`/`live`/`ping`/`metrics`) or by a handler
      name starting with `health`, `ready`, `live` or `ping` (or containing `health`); also a
      bare `/status`, HEAD-only routes, and handlers whose whole body returns a constant
      (`return {"status": "ok"}` on `/`): they answer "is it up?" and do nothing to trace.
    - Endpoints of an app the rule cannot place: when some app of the framework is instrumented
      by name and the endpoint's router is not seen being included in any app, it may be served
      by the instrumented one.
    - Local servers of command-line tools (`cli/`, `scripts/`, `bin/` folders, `cli.py`, ...:
      an OAuth callback server that `tool login` starts for one request).
    - Endpoints whose owner's framework the route model cannot tell, Django views defined
      outside the project (`LoginView` from `django.contrib.auth`), tests and migrations.
    - Spans opened in functions the handler calls: only the handler's own spans count (a
      framework instrumentation is the fix anyway).
    - Scans of some files only (pre-commit passes file names): whether anything instruments
      the app cannot be answered then, so the rule stays quiet.
    - Instrumentation that is switched off at run time (`if settings.OTEL_ENABLED:`): the code
      is there, which is what a static reading can check.

    ## References
    - [OpenTelemetry: FastAPI instrumentation](https://opentelemetry-python-contrib.readthedocs.io/en/latest/instrumentation/fastapi/fastapi.html)
    - [OpenTelemetry: Flask instrumentation](https://opentelemetry-python-contrib.readthedocs.io/en/latest/instrumentation/flask/flask.html)
    - [OpenTelemetry: Django instrumentation](https://opentelemetry-python-contrib.readthedocs.io/en/latest/instrumentation/django/django.html)
    - [OpenTelemetry: zero-code instrumentation for Python](https://opentelemetry.io/docs/zero-code/python/)
    - [OpenTelemetry: creating spans](https://opentelemetry.io/docs/languages/python/instrumentation/#creating-spans)
    - [CWE-778: Insufficient Logging](https://cwe.mitre.org/data/definitions/778.html)
    """

    code = "ARC501"
    name = "endpoint-without-tracing"
    severity = Severity.WARNING
    cwe = 778
    tags = ("observability", "tracing")
    precision = "medium"
    Options = EndpointTracingOptions
    collectors = (*route_collectors(), TracingCollector)

    VALID: ClassVar = [
        """
        from fastapi import FastAPI
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        app = FastAPI()
        FastAPIInstrumentor.instrument_app(app)

        @app.get("/users/{user_id}")
        async def read_user(user_id: int):
            return {}
        """,
        """
        from flask import Flask
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)
        app = Flask(__name__)

        @app.route("/orders")
        def orders():
            with tracer.start_as_current_span("orders"):
                return []

        @app.get("/healthz")
        def healthz():
            return "ok"
        """,
        # every app of the framework: `.instrument()`, set up in another module
        Valid(
            """
            from fastapi import APIRouter

            router = APIRouter(prefix="/users")

            @router.get("/{user_id}")
            async def read_user(user_id: int):
                return {}
            """,
            path="shop/users.py",
            files={"shop/telemetry.py": (
                "from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor\n"
                "def setup():\n    FastAPIInstrumentor().instrument()\n")},
        ),
        # a launch command under opentelemetry-instrument
        Valid(
            """
            from fastapi import FastAPI
            app = FastAPI()

            @app.get("/users")
            async def users():
                return []
            """,
            path="shop/main.py",
            files={"Dockerfile": 'CMD ["opentelemetry-instrument", "uvicorn", "shop.main:app"]\n'},
        ),
        # a health check under a router prefix
        Valid(
            """
            from fastapi import APIRouter, FastAPI
            app = FastAPI()
            router = APIRouter(prefix="/status")

            @router.get("/live")
            async def probe():
                return "ok"

            app.include_router(router)
            """,
        ),
        Valid(
            """
            from fastapi import FastAPI
            app = FastAPI()

            @app.get("/users")
            async def users():
                return []
            """,
            options={"instrumented": True},
        ),
    ]

    INVALID: ClassVar = [
        Invalid(
            """
            from fastapi import FastAPI

            app = FastAPI()

            @app.get("/users/{user_id}")
            async def read_user(user_id: int):
                return {}
            """,
            line=6,
            message="GET /users/{user_id} (read_user) is traced by nothing: no OpenTelemetry "
                    "instrumentation of this FastAPI app",
        ),
        # the Procfile runs the service without the OpenTelemetry launcher
        Invalid(
            """
            from flask import Blueprint

            bp = Blueprint("orders", __name__, url_prefix="/orders")

            @bp.post("/")
            def create_order():
                return {}
            """,
            line=6,
            path="shop/orders.py",
            message="POST /orders/ (create_order) is traced by nothing",
            files={"Procfile": "web: gunicorn shop.wsgi:app\n"},
        ),
        # only the admin app is instrumented
        Invalid(
            """
            from fastapi import FastAPI
            from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

            public = FastAPI()
            admin = FastAPI()
            FastAPIInstrumentor.instrument_app(admin)

            @public.get("/items")
            async def items():
                return []
            """,
            line=9,
            message="instruments other FastAPI apps (admin)",
        ),
    ]

    def check(self) -> None:
        if not self.project.whole_project or self.options.instrumented:
            return
        if tracing_launch(self.project) is not None:
            return
        self._instrumentations = [
            (path, item) for path, fact in self.project.of(TracingCollector.kind)
            if isinstance(fact, FileTracing) and not is_scaffolding_path(path)
            for item in fact.instrumentations]
        self._openers = {
            path: set(fact.openers) for path, fact in self.project.of(TracingCollector.kind)
            if isinstance(fact, FileTracing)}
        paths = full_paths(self.project)
        reported: set[tuple[str, int]] = set()
        for path, fact in self.project.of(RouteCollector.kind):
            if not isinstance(fact, FileRoutes) or is_scaffolding_path(path) or is_script(path):
                continue
            for endpoint in fact.endpoints:
                self._check(path, endpoint, paths.get((path, endpoint), ()), reported)

    def _check(self, path: str, endpoint: Endpoint, full: tuple[str, ...],
               reported: set[tuple[str, int]]) -> None:
        framework = endpoint_framework(self.project, path, endpoint)
        if framework is None:
            return
        handler_name = endpoint.handler or (endpoint.handler_ref.name.rpartition(".")[2]
                                            if endpoint.handler_ref else None)
        if not full and endpoint.path is not None:
            full = (endpoint.path,)
        if is_probe(full, handler_name, endpoint.methods) or returns_constant(self.project, path, endpoint):
            return
        others = self._instrumented_elsewhere(framework, path, endpoint)
        if others is None:
            return
        if self._opens_span(path, endpoint):
            return
        where = report_location(self.project, path, endpoint, framework)
        if where is None:
            return
        report_path, span = where
        if (report_path, span.line) in reported:
            return
        reported.add((report_path, span.line))
        name = _FRAMEWORK_NAMES[framework]
        route = " ".join(filter(None, (
            "/".join(endpoint.methods) if endpoint.methods else None,
            full[0] if full else endpoint.path)))
        handler = f" ({handler_name})" if handler_name else ""
        subject = f"{route}{handler}" if route else (handler_name or "this endpoint")
        related: list[Related] = []
        if others:
            apps = sorted({i.target.name.rpartition(".")[2] for _, i in others if i.target})
            message = (
                f"{subject} is traced by nothing: the project instruments other {name} apps "
                f"({', '.join(apps)}) but not the one serving this endpoint, and the handler "
                "opens no span")
            related = [Related(i.span, f"instruments {i.target.name if i.target else 'an app'}",
                               p) for p, i in others[:3]]
        else:
            message = (
                f"{subject} is traced by nothing: no OpenTelemetry instrumentation of this "
                f"{name} app ({_EXPECTED[framework]}, opentelemetry-instrument in a launch "
                "command) and no span in this handler")
        self.report_at(report_path, span, message, help=_HELP[framework], related=related)

    # -- instrumentation ------------------------------------------------------------------------
    def _instrumented_elsewhere(
            self, framework: str, path: str,
            endpoint: Endpoint) -> list[tuple[str, Instrumentation]] | None:
        """None when an instrumentation covers the endpoint (or may: the app cannot be told);
        else the instrumentations of other apps of its framework (empty: none at all)."""
        known = owner_kinds(self.project)
        targeted: list[tuple[str, Instrumentation]] = []
        for inst_path, item in self._instrumentations:
            if not item.traces_framework(framework):
                continue
            target = owner_identity(self.project, inst_path, item.target)
            if target is None or target not in known:
                return None  # bound to no app the rule can name: every app of the framework
            targeted.append((inst_path, item))
        if not targeted:
            return []
        serving = serving_owners(self.project, path, endpoint.owner)
        if not any(known[o].kind == "app" for o in serving if o in known):
            return None  # cannot tell which app serves it: it may be an instrumented one
        for inst_path, item in targeted:
            if owner_identity(self.project, inst_path, item.target) in serving:
                return None
        return targeted

    # -- spans in the handler -------------------------------------------------------------------
    def _opens_span(self, path: str, endpoint: Endpoint) -> bool:
        for decorator in endpoint.decorators:
            if span_like(decorator.name) or self._helper(decorator):
                return True
        located = handler_definition(self.project, path, endpoint)
        if located is None:
            return False
        handler_path, qualname = located
        openers = self._openers.get(handler_path, set())
        return qualname in openers or any(o.startswith(qualname + ".") for o in openers)

    def _helper(self, ref: NameRef) -> bool:
        for helper in self.options.span_helpers:
            if ref.name == helper or ("." not in helper
                                      and ref.name.rpartition(".")[2] == helper):
                return True
        return False
