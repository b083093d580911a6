"""Request metrics as facts, for ARC505: what in a file gives an HTTP app its rate, error and
duration (RED) metrics.

Per file (phase 1, CPython `ast`), `MetricsCollector` records one `FileMetrics` fact:

- `mechanisms` (`RedMechanism`): a library that measures every request of an app, and the app
  it is attached to when the code names one: prometheus-fastapi-instrumentator
  (`Instrumentator().instrument(app)`), starlette-exporter / starlette-prometheus / aioprometheus
  middlewares (`app.add_middleware(PrometheusMiddleware)`, `Middleware(...)` in a list),
  prometheus-flask-exporter (`PrometheusMetrics(app)`, `.init_app(app)`), django-prometheus
  (its middleware named in any string), Litestar's `PrometheusConfig`.
- `meter_providers`: where an OpenTelemetry `MeterProvider` is made or installed; with an
  OpenTelemetry framework instrumentor (tracing facts) that yields `http.server.duration`.
- `histograms` / `observations`: prometheus_client `Histogram`/`Summary` objects and
  OpenTelemetry histograms (`meter.create_histogram`) defined here, and where one is observed
  (`.observe()`, `.time()`, through `.labels(...)`; `.record()` for OpenTelemetry), with the
  enclosing function and whether it runs around requests (a middleware: a `call_next` or
  `get_response` parameter, `dispatch`/`__call__`/`process_response` of a class, a function
  registered with `@app.middleware`/`before_request`/`after_request`/`teardown_request`).
- `django_middleware`: module-level `MIDDLEWARE = [...]` settings, where ARC505 reports a
  Django project.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from archlint.model import Span
from archlint.rules._ast import argument, blocks, children, dotted, statements_of, walk
from archlint.rules._classes import NameRef, tree_imports
from archlint.rules._routes import DJANGO, FASTAPI, FLASK, LITESTAR, STARLETTE
from archlint.rules.base import AstCollector


@dataclass(frozen=True, slots=True)
class RedMechanism:
    library: str  # the PyPI project: "prometheus-fastapi-instrumentator"
    frameworks: tuple[str, ...]  # the frameworks whose apps it can measure
    target: NameRef | None  # the app it is attached to; None: not named here (a factory, a list)
    span: Span


@dataclass(frozen=True, slots=True)
class Observation:
    metric: NameRef  # the Histogram/Summary as referenced
    function: str  # qualified name of the enclosing function ("" at module level)
    around_requests: bool  # the function is a middleware or a request hook
    span: Span


@dataclass(frozen=True, slots=True)
class FileMetrics:
    mechanisms: tuple[RedMechanism, ...] = ()
    meter_providers: tuple[Span, ...] = ()
    # Names bound to prometheus_client Histogram(...)/Summary(...) at module level, or to an
    # OpenTelemetry `meter.create_histogram(...)` anywhere in the file.
    histograms: tuple[str, ...] = ()
    observations: tuple[Observation, ...] = ()
    django_middleware: tuple[Span, ...] = ()


_ASGI = (FASTAPI, STARLETTE)
# Middleware classes that measure every request, by qualified name.
_MIDDLEWARES = {
    "starlette_exporter.PrometheusMiddleware": "starlette-exporter",
    "starlette_exporter.middleware.PrometheusMiddleware": "starlette-exporter",
    "starlette_prometheus.PrometheusMiddleware": "starlette-prometheus",
    "starlette_prometheus.middleware.PrometheusMiddleware": "starlette-prometheus",
    "aioprometheus.asgi.middleware.MetricsMiddleware": "aioprometheus",
    "aioprometheus.MetricsMiddleware": "aioprometheus",
}
_FLASK_EXPORTERS = ("PrometheusMetrics", "GunicornPrometheusMetrics",
                    "GunicornInternalPrometheusMetrics", "RESTfulPrometheusMetrics",
                    "UWsgiPrometheusMetrics")
_LITESTAR_CONFIGS = ("litestar.contrib.prometheus.PrometheusConfig",
                     "litestar.plugins.prometheus.PrometheusConfig")
_METER_PROVIDERS = ("opentelemetry.sdk.metrics.MeterProvider",
                    "opentelemetry.metrics.set_meter_provider")
_HISTOGRAMS = ("prometheus_client.Histogram", "prometheus_client.Summary",
               "prometheus_client.metrics.Histogram", "prometheus_client.metrics.Summary")
_OBSERVE = ("observe", "time")
_CLOCKS = ("time", "datetime")  # `time.time()` is no Histogram
_REQUEST_HOOKS = ("middleware", "before_request", "after_request", "teardown_request",
                  "before_app_request", "after_app_request")
_MIDDLEWARE_METHODS = ("dispatch", "__call__", "process_request", "process_response",
                       "process_view")
_MIDDLEWARE_PARAMS = ("call_next", "get_response")


class MetricsCollector(AstCollector):
    kind = "metrics"
    triggers = ("prometheus", "Prometheus", "Instrumentator", "MeterProvider", "MIDDLEWARE",
                ".observe(", ".time(", "create_histogram")

    def collect(self) -> list[FileMetrics]:
        statements = statements_of(self.tree)
        self.imports = tree_imports(self.tree)
        self.mechanisms: list[RedMechanism] = []
        self.meter_providers: list[Span] = []
        self.observations: list[Observation] = []
        # Names bound to `meter.create_histogram(...)` anywhere in the file (often locals of a
        # setup function whose middleware records them).
        self.otel_histograms = {
            name for stmt in statements if isinstance(stmt, ast.Assign)
            and isinstance(stmt.value, ast.Call) and isinstance(stmt.value.func, ast.Attribute)
            and stmt.value.func.attr == "create_histogram"
            for name in [_single_target(stmt)] if name
        }
        self._assigned: str | None = None  # `app` while walking `app = FastAPI(...)`
        self._handled: set[int] = set()  # Middleware(...) calls already given their app
        self._visit_body(self.tree.body, "", False, False)
        fact = FileMetrics(
            tuple(self.mechanisms),
            tuple(self.meter_providers),
            tuple(sorted({*self._histograms(), *self.otel_histograms})),
            tuple(self.observations),
            tuple(self._django_middleware()),
        )
        return [fact] if fact != FileMetrics() else []

    # -- the walk: statements with their enclosing function -------------------------------------
    def _visit_body(self, body: list[ast.stmt], scope: str, around: bool, in_class: bool) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                qualname = f"{scope}.{stmt.name}" if scope else stmt.name
                for decorator in stmt.decorator_list:
                    self._expression(decorator, scope, around)
                self._visit_body(stmt.body, qualname, around or self._runs_around(stmt, in_class),
                                 False)
            elif isinstance(stmt, ast.ClassDef):
                qualname = f"{scope}.{stmt.name}" if scope else stmt.name
                self._visit_body(stmt.body, qualname, around, True)
            else:
                self._assigned = _single_target(stmt)
                for child in children(stmt):
                    if isinstance(child, ast.stmt):
                        continue
                    self._expression(child, scope, around)
                for block in blocks(stmt):
                    self._visit_body(block, scope, around, False)

    def _runs_around(self, node: ast.FunctionDef | ast.AsyncFunctionDef, in_class: bool) -> bool:
        params = [a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)]
        if any(p in _MIDDLEWARE_PARAMS for p in params):
            return True
        if in_class and node.name in _MIDDLEWARE_METHODS:
            return True
        for decorator in node.decorator_list:
            func = decorator.func if isinstance(decorator, ast.Call) else decorator
            if isinstance(func, ast.Attribute) and func.attr in _REQUEST_HOOKS:
                return True
        return False

    def _expression(self, expr: ast.AST, scope: str, around: bool) -> None:
        for node in walk(expr):
            if isinstance(node, ast.Call):
                self._call(node, scope, around)
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and node.value.startswith("django_prometheus.middleware."):
                self.mechanisms.append(RedMechanism("django-prometheus", (DJANGO,), None,
                                                    self.span_of(node)))

    def _call(self, call: ast.Call, scope: str, around: bool) -> None:
        func = call.func
        name = self.imports.qualify(func)
        if name in _METER_PROVIDERS:
            self.meter_providers.append(self.span_of(call))
            return
        if name in _LITESTAR_CONFIGS:
            self.mechanisms.append(RedMechanism("litestar[prometheus]", (LITESTAR,), None,
                                                self.span_of(call)))
            return
        if name is not None and name.startswith("prometheus_flask_exporter.") \
                and name.rpartition(".")[2] in _FLASK_EXPORTERS:
            self.mechanisms.append(RedMechanism("prometheus-flask-exporter", (FLASK,),
                                                self._app_argument(call), self.span_of(call)))
            return
        if not isinstance(func, ast.Attribute):
            if name == "starlette.middleware.Middleware" and call.args \
                    and id(call) not in self._handled:
                self._middleware(call, None)
            for keyword in call.keywords:
                # `app = FastAPI(middleware=[Middleware(PrometheusMiddleware)])`: that app's
                if keyword.arg == "middleware" and isinstance(keyword.value, (ast.List, ast.Tuple)):
                    target = NameRef(self._assigned, False) if self._assigned else None
                    for item in keyword.value.elts:
                        if isinstance(item, ast.Call) and item.args and \
                                self.imports.qualify(item.func) == "starlette.middleware.Middleware":
                            self._handled.add(id(item))
                            self._middleware(item, target)
            return
        if func.attr == "add_middleware" and call.args:
            library = _MIDDLEWARES.get(self.imports.qualify(call.args[0]) or "")
            if library:
                self.mechanisms.append(RedMechanism(library, _ASGI, self.imports.ref(func.value),
                                                    self.span_of(call)))
        elif func.attr == "instrument" and self._imports_module("prometheus_fastapi_instrumentator"):
            self.mechanisms.append(RedMechanism("prometheus-fastapi-instrumentator", _ASGI,
                                                self._app_argument(call), self.span_of(call)))
        elif func.attr == "init_app" and self._imports_module("prometheus_flask_exporter"):
            self.mechanisms.append(RedMechanism("prometheus-flask-exporter", (FLASK,),
                                                self._app_argument(call), self.span_of(call)))
        elif func.attr == "record" and isinstance(func.value, ast.Name) \
                and func.value.id in self.otel_histograms:
            self.observations.append(Observation(NameRef(func.value.id, False), scope, around,
                                                 self.span_of(call)))
        elif func.attr in _OBSERVE:
            metric = _metric_of(func.value)
            if metric is not None:
                ref = self.imports.ref(metric)
                if ref is not None and not (ref.imported and ref.name.split(".")[0] in _CLOCKS):
                    self.observations.append(Observation(ref, scope, around, self.span_of(call)))

    def _middleware(self, call: ast.Call, target: NameRef | None) -> None:
        library = _MIDDLEWARES.get(self.imports.qualify(call.args[0]) or "")
        if library:
            self.mechanisms.append(RedMechanism(library, _ASGI, target, self.span_of(call)))

    def _app_argument(self, call: ast.Call) -> NameRef | None:
        app = argument(call, 0, "app")
        return self.imports.ref(app) if app is not None else None

    def _imports_module(self, module: str) -> bool:
        return any(target == module or target.startswith(module + ".")
                   for target in self.imports.aliases.values())

    # -- module-level facts -------------------------------------------------------------------
    def _histograms(self) -> list[str]:
        found = []
        for stmt in self.tree.body:
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and isinstance(stmt.value, ast.Call) \
                    and self.imports.qualify(stmt.value.func) in _HISTOGRAMS:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                found.extend(t.id for t in targets if isinstance(t, ast.Name))
        return found

    def _django_middleware(self) -> list[Span]:
        found = []
        for stmt in self.tree.body:
            if isinstance(stmt, ast.Assign) and isinstance(stmt.value, (ast.List, ast.Tuple)) \
                    and any(isinstance(t, ast.Name) and t.id == "MIDDLEWARE"
                            for t in stmt.targets):
                found.append(self.span_of(stmt))
        return found


def _single_target(stmt: ast.stmt) -> str | None:
    if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
            and isinstance(stmt.targets[0], ast.Name):
        return stmt.targets[0].id
    if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        return stmt.target.id
    return None


def _metric_of(receiver: ast.expr) -> ast.expr | None:
    """`REQUEST_TIME` of `REQUEST_TIME.time()` and of `REQUEST_TIME.labels(...).observe(x)`."""
    if isinstance(receiver, ast.Call) and isinstance(receiver.func, ast.Attribute) \
            and receiver.func.attr == "labels":
        receiver = receiver.func.value
    return receiver if dotted(receiver) is not None else None

