"""ARC505 endpoint-without-red-metrics."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from archlint.model import Severity, Span
from archlint.rules._classes import symbols
from archlint.rules._routes import (
    DJANGO,
    DRF,
    FASTAPI,
    FLASK,
    LITESTAR,
    STARLETTE,
    FileRoutes,
    Identity,
    RouteCollector,
    endpoint_framework,
    is_probe,
    owner_identity,
    route_collectors,
)
from archlint.rules._scaffolding import is_scaffolding_path
from archlint.rules._texts import instrumented_launch
from archlint.rules.base import Invalid, ProjectRule, Valid
from archlint.rules.observability._metrics import FileMetrics, MetricsCollector, RedMechanism
from archlint.rules.observability._tracing import ALL, FileTracing, TracingCollector
from archlint.rules.resilience._scope import is_script

_LABEL = {FASTAPI: "FastAPI", STARLETTE: "Starlette", FLASK: "Flask", LITESTAR: "Litestar",
          DJANGO: "Django"}
# What to add, per framework: the library a team would reach for first.
_ADVICE = {
    FASTAPI: "add prometheus-fastapi-instrumentator (`Instrumentator().instrument(app)"
             ".expose(app)`) or starlette-exporter's PrometheusMiddleware",
    STARLETTE: "add starlette-exporter (`app.add_middleware(PrometheusMiddleware)`)",
    FLASK: "add prometheus-flask-exporter (`PrometheusMetrics(app)`)",
    LITESTAR: "add Litestar's PrometheusConfig middleware and PrometheusController",
    DJANGO: "add django-prometheus (its Before/After middlewares first and last in MIDDLEWARE)",
}


_VENDORS = {"opentelemetry": "OpenTelemetry instrumentation with a MeterProvider",
            "ddtrace": "ddtrace", "newrelic": "the New Relic agent",
            "elastic-apm": "Elastic APM", "logfire": "logfire"}


@dataclass(frozen=True, slots=True)
class _App:
    path: str
    key: Identity  # (module, name) where it is bound
    framework: str
    span: Span

    @property
    def name(self) -> str:
        return self.key[1]


class EndpointWithoutRedMetrics(ProjectRule):
    """## What it does
    Flags an HTTP app that measures none of its requests: no rate, error or duration (RED)
    metrics. One finding per app object, on the line that makes it (`app = FastAPI()`,
    `Flask(__name__)`, `Starlette(...)`, `Litestar(...)`); for Django, on the `MIDDLEWARE`
    setting.

    An app counts as measured when any of these is attached to it, or is set up somewhere in
    the project without naming an app (an app factory, a middleware list):
    - prometheus-fastapi-instrumentator (`Instrumentator().instrument(app)`), starlette-exporter,
      starlette-prometheus or aioprometheus middleware (`add_middleware`, `Middleware(...)`);
    - prometheus-flask-exporter (`PrometheusMetrics(app)`, `PrometheusMetrics.for_app_factory()`
      with `init_app(app)`, the Gunicorn and RESTful variants);
    - django-prometheus (its middleware named in any module);
    - Litestar's `PrometheusConfig`;
    - an OpenTelemetry framework instrumentor or middleware on the app (`FastAPIInstrumentor`,
      `FlaskInstrumentor`, `DjangoInstrumentor`, `OpenTelemetryMiddleware`, ...) while a
      `MeterProvider` is made or installed somewhere in the project: the instrumentors record
      `http.server.duration` through it;
    - an APM agent that derives request rate, errors and latency from every request it traces:
      ddtrace, New Relic, Elastic APM, logfire (Sentry does not count: it samples
      transactions and records no metrics);
    - `opentelemetry-instrument` in a launch command (Dockerfile, Procfile, compose file, shell
      script): its distro sets up a MeterProvider, and the framework instrumentors it loads
      record `http.server.duration` for every request;
    - a prometheus_client `Histogram` or `Summary` observed (`.observe()`, `.time()`, through
      `.labels()`), or an OpenTelemetry histogram (`meter.create_histogram`) recorded, in a
      middleware or request hook: a function with a `call_next` or
      `get_response` parameter, `dispatch`/`__call__`/`process_request`/`process_response`/
      `process_view` of a class, or a function registered with `@app.middleware`,
      `before_request`, `after_request` or `teardown_request`.

    ## Why is this bad?
    Rate, errors and duration per endpoint are the first three numbers an on-call engineer looks
    at, and what latency and availability SLOs are computed from. An app without them is
    noticed to be slow or failing by its users first. Traces and logs do not replace them: they
    are sampled, and cannot be aggregated into an alert cheaply.

    ## Example
    ```python
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/orders")
    def list_orders(): ...
    ```

    ## Use instead
    ```python
    from fastapi import FastAPI
    from prometheus_fastapi_instrumentator import Instrumentator

    app = FastAPI()
    Instrumentator().instrument(app).expose(app)
    ```

    ## Options
    None.

    ## What it does not flag
    - An app whose file serves only probes (health, readiness, liveness, ping, metrics or a
      bare status endpoint, by path or handler name): the side server of a worker.
    - An app mounted in another app (`app.mount("/api", api_app)`): the parent's metrics
      middleware sees its requests, so only the parent is reported.
    - Apps that serve no endpoint archlint can see (an app whose framework has no endpoint in the
      project: a sub-app made for a test, a mounted static server), and apps made in tests,
      migrations or scripts.
    - Any app when a mechanism above is set up without naming an app, or names one archlint
      cannot resolve: which app it measures cannot be told, so the rule stays quiet.
    - Metrics gathered outside the process (a service mesh, an ingress controller, an APM agent
      configured only by environment): archlint sees the code and its launch files, nothing
      more. Suppress the finding with a reason when that is how the service is measured.
    - A scan of some files only (pre-commit): the metrics may be set up in a file not scanned.

    ## References
    - [The RED method (Tom Wilkie, Grafana Labs)](https://grafana.com/blog/2018/08/02/the-red-method-how-to-instrument-your-services/)
    - [Google SRE book: the four golden signals](https://sre.google/sre-book/monitoring-distributed-systems/)
    - [OpenTelemetry semantic conventions: HTTP server metrics](https://opentelemetry.io/docs/specs/semconv/http/http-metrics/)
    - [CWE-778: Insufficient Logging](https://cwe.mitre.org/data/definitions/778.html)
    """

    code = "ARC505"
    name = "endpoint-without-red-metrics"
    severity = Severity.NOTE
    cwe = 778
    tags = ("observability", "metrics")
    collectors = (*route_collectors(), MetricsCollector, TracingCollector)

    VALID: ClassVar = [
        """
        from fastapi import FastAPI
        from prometheus_fastapi_instrumentator import Instrumentator

        app = FastAPI()
        Instrumentator().instrument(app).expose(app)

        @app.get("/orders")
        def list_orders():
            return []
        """,
        # an app factory: the exporter is attached to whatever app the factory makes
        """
        from flask import Flask
        from prometheus_flask_exporter import PrometheusMetrics

        metrics = PrometheusMetrics.for_app_factory()

        def create_app():
            app = Flask(__name__)
            metrics.init_app(app)

            @app.route("/orders")
            def orders():
                return []
            return app
        """,
        # a hand-written middleware observing a Histogram, in another module
        Valid(
            """
            from fastapi import FastAPI
            from shop.metrics import REQUEST_SECONDS

            app = FastAPI()

            @app.middleware("http")
            async def measure(request, call_next):
                with REQUEST_SECONDS.labels(request.url.path).time():
                    return await call_next(request)

            @app.get("/orders")
            def list_orders():
                return []
            """,
            path="shop/main.py",
            files={"shop/metrics.py": (
                "from prometheus_client import Histogram\n"
                "REQUEST_SECONDS = Histogram('request_seconds', 'time per request', ['path'])\n"
            )},
        ),
        # django-prometheus in the settings
        Valid(
            """
            MIDDLEWARE = [
                "django_prometheus.middleware.PrometheusBeforeMiddleware",
                "django.middleware.common.CommonMiddleware",
                "django_prometheus.middleware.PrometheusAfterMiddleware",
            ]
            """,
            path="shop/settings.py",
            files={"shop/urls.py": (
                "from django.urls import path\nfrom shop import views\n"
                "urlpatterns = [path('orders/', views.orders)]\n"
            )},
        ),
        # an app without endpoints
        """
        from fastapi import FastAPI
        app = FastAPI()
        """,
    ]

    INVALID: ClassVar = [
        Invalid(
            """
            from fastapi import FastAPI

            app = FastAPI()

            @app.get("/orders")
            def list_orders():
                return []
            """,
            line=4,
            message="this FastAPI app measures none of its requests",
        ),
        Invalid(
            """
            from flask import Flask
            from prometheus_flask_exporter import PrometheusMetrics

            public = Flask("public")
            admin = Flask("admin")
            PrometheusMetrics(public)

            @admin.route("/users")
            def users():
                return []

            @public.route("/")
            def home():
                return "hi"
            """,
            line=6,
            message="prometheus-flask-exporter is attached to another app (public, line 7)",
        ),
        Invalid(
            """
            MIDDLEWARE = [
                "django.middleware.common.CommonMiddleware",
            ]
            """,
            path="shop/settings.py",
            line=2,
            message="this Django project measures none of its requests",
            files={"shop/urls.py": (
                "from django.urls import path\nfrom shop import views\n"
                "urlpatterns = [path('orders/', views.orders)]\n"
            )},
        ),
    ]

    def check(self) -> None:
        if not self.project.whole_project or instrumented_launch(self.project) is not None:
            return
        served = self._served_frameworks()
        if not served:
            return
        apps, parents = self._apps(served)
        mechanisms = [(path, m) for path, fact in self.project.of(MetricsCollector.kind)
                      if isinstance(fact, FileMetrics) and not is_scaffolding_path(path)
                      for m in (*fact.mechanisms, *self._observed_around_requests(path, fact))]
        mechanisms += self._tracers_that_measure()
        for app in apps.values():
            if app.key in parents:
                continue  # mounted in another app: measured, or reported, there
            elsewhere = []
            for path, mechanism in mechanisms:
                if app.framework not in mechanism.frameworks and ALL not in mechanism.frameworks:
                    continue
                target = apps.get(owner_identity(self.project, path, mechanism.target))
                if target is None or app.key in _enclosing(target.key, parents):
                    break
                elsewhere.append((mechanism, target))
            else:
                self._report(app, elsewhere)
        if DJANGO in served and not any(DJANGO in m.frameworks or ALL in m.frameworks
                                        for _, m in mechanisms):
            self._report_django()

    # -- what the project serves -----------------------------------------------------------------
    def _served_frameworks(self) -> set[str]:
        served = set()
        for path, fact in self.project.of(RouteCollector.kind):
            if not isinstance(fact, FileRoutes) or is_scaffolding_path(path):
                continue
            for endpoint in fact.endpoints:
                framework = endpoint_framework(self.project, path, endpoint)
                if framework is not None:
                    served.add(DJANGO if framework == DRF else framework)
        return served

    def _apps(self, served: set[str]) -> tuple[dict[Identity, _App], dict[Identity, Identity]]:
        """The project's apps by where they are bound, and which app each mounted sub-app
        (`app.mount("/api", api_app)`) is mounted in: a sub-app is measured where its parent
        is, and a mechanism attached to the sub-app measures the parent's traffic to it. The
        side server of a worker that serves only probes counts as mounted nowhere and is left
        out."""
        modules = symbols(self.project).modules.module_of
        apps: dict[Identity, _App] = {}
        for path, fact in self.project.of(RouteCollector.kind):
            if not isinstance(fact, FileRoutes) or is_scaffolding_path(path) or is_script(path) \
                    or _serves_probes_only(fact):
                continue
            for app in fact.apps:
                module = modules.get(path)
                if app.kind == "app" and app.framework in served and module is not None:
                    apps[(module, app.name)] = _App(path, (module, app.name), app.framework,
                                                    app.span)
        parents: dict[Identity, Identity] = {}
        for path, fact in self.project.of(RouteCollector.kind):
            if not isinstance(fact, FileRoutes):
                continue
            for include in fact.includes:
                if include.form != "mount":
                    continue
                child = owner_identity(self.project, path, include.child)
                parent = owner_identity(self.project, path, include.owner)
                if child in apps and parent in apps and child != parent:
                    parents[child] = parent
        return apps, parents

    # -- what measures them ----------------------------------------------------------------------
    def _observed_around_requests(self, path: str, fact: FileMetrics) -> list[RedMechanism]:
        """A Histogram or Summary observed in a middleware or request hook measures every
        request of whatever app runs that middleware: it names no app."""
        histograms = self.project.derived("arc505.histograms", _histogram_names)
        return [RedMechanism("prometheus_client", tuple(_LABEL), None, o.span)
                for o in fact.observations
                if o.around_requests and o.metric.name.rpartition(".")[2] in histograms]

    def _tracers_that_measure(self) -> list[tuple[str, RedMechanism]]:
        """Tracer instrumentation that also yields request metrics: an APM agent (ddtrace, New
        Relic, Elastic APM, logfire) derives rate, errors and duration from every request it
        traces; an OpenTelemetry framework instrumentor records `http.server.duration` when a
        MeterProvider is set up in the project. Sentry samples transactions and records no
        metrics: it does not count."""
        meters = any(fact.meter_providers for _, fact in self.project.of(MetricsCollector.kind)
                     if isinstance(fact, FileMetrics))
        found = []
        for path, fact in self.project.of(TracingCollector.kind):
            if not isinstance(fact, FileTracing) or is_scaffolding_path(path):
                continue
            for item in fact.instrumentations:
                if not item.frameworks or item.vendor == "sentry":
                    continue
                if item.vendor == "opentelemetry" and not meters:
                    continue
                frameworks = tuple(DJANGO if f == DRF else f for f in item.frameworks)
                found.append((path, RedMechanism(_VENDORS.get(item.vendor, item.what), frameworks,
                                                 item.target, item.span)))
        return found

    # -- reports ---------------------------------------------------------------------------------
    def _report(self, app: _App, elsewhere: list[tuple[RedMechanism, _App]]) -> None:
        label = _LABEL[app.framework]
        message = (
            f"this {label} app measures none of its requests: no request rate, error or duration "
            "metrics (no Prometheus exporter or instrumentator attached to it, no "
            "prometheus_client Histogram observed in a middleware)"
        )
        for mechanism, other in elsewhere[:1]:
            where = "" if other.path == app.path else f" in {other.path}"
            message += (f"; {mechanism.library} is attached to another app ({other.name}, line "
                        f"{mechanism.span.line}{where})")
        self.report_at(app.path, app.span, message, help=f"{_ADVICE[app.framework]}.")

    def _report_django(self) -> None:
        settings = sorted(
            (path, span) for path, fact in self.project.of(MetricsCollector.kind)
            if isinstance(fact, FileMetrics) and not is_scaffolding_path(path)
            for span in fact.django_middleware
        )
        if not settings:
            return
        path, span = min(settings, key=lambda item: ("test" in item[0], item[0], item[1].line))
        self.report_at(
            path, span,
            "this Django project measures none of its requests: no request rate, error or "
            "duration metrics (django-prometheus is not in any MIDDLEWARE, and no "
            "prometheus_client Histogram is observed in a middleware)",
            help=f"{_ADVICE[DJANGO]}.",
        )


def _enclosing(key: Identity, parents: dict[Identity, Identity]) -> list[Identity]:
    """The app itself and every app it is mounted in, innermost first."""
    chain = [key]
    while chain[-1] in parents and len(chain) < 10:
        chain.append(parents[chain[-1]])
    return chain


def _serves_probes_only(fact: FileRoutes) -> bool:
    """A file whose endpoints are all probes (`_routes.is_probe`: health, readiness, liveness,
    ping, metrics, a bare /status) and that mounts nothing from elsewhere: the side server of a
    worker, which needs no request metrics of its own."""
    if not fact.endpoints or any(i.child is not None and i.child.imported
                                 for i in fact.includes):
        return False
    return all(is_probe((e.path,) if e.path is not None else (), e.handler, e.methods)
               for e in fact.endpoints)


def _histogram_names(project) -> set[str]:
    return {name for _, fact in project.of(MetricsCollector.kind)
            if isinstance(fact, FileMetrics) for name in fact.histograms}
