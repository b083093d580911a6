"""ARC505 endpoint-without-red-metrics: which apps count, what measures them, and which app a
mechanism is attached to."""

from __future__ import annotations

import textwrap

from _support import run_rule

from archlint.engine.project import build_model, run_project_rules
from archlint.engine.worker import analyze_source
from archlint.rules.observability.endpoint_without_red_metrics import EndpointWithoutRedMetrics

RULE = EndpointWithoutRedMetrics
URLS = ("from django.urls import path\nfrom shop import views\n"
        "urlpatterns = [path('orders/', views.orders)]\n")
FASTAPI_APP = """\
    from fastapi import FastAPI

    app = FastAPI()

    @app.get("/orders")
    def list_orders():
        return []
"""


def found(source: str, path: str = "shop/main.py", files: dict[str, str] | None = None):
    result = run_rule(RULE, source, path=path, files=files)
    assert not result.notifications, result.notifications
    return [(f.path, f.span.line) for f in result.findings]


def test_a_histogram_observed_only_in_one_handler_measures_no_app():
    source = FASTAPI_APP + """\

    from prometheus_client import Histogram
    SECONDS = Histogram("s", "s")

    @app.get("/slow")
    def slow():
        with SECONDS.time():
            return []
    """
    assert found(source) == [("shop/main.py", 3)]


def test_a_histogram_observed_in_a_django_middleware_class_measures_the_project():
    middleware = """\
        from prometheus_client import Histogram
        LATENCY = Histogram("latency", "per request")

        class Measure:
            def __init__(self, get_response):
                self.get_response = get_response

            def __call__(self, request):
                with LATENCY.time():
                    return self.get_response(request)
    """
    settings = 'MIDDLEWARE = ["shop.middleware.Measure"]\n'
    assert found(settings, "shop/settings.py", {"shop/urls.py": URLS}) == [("shop/settings.py", 1)]
    assert found(settings, "shop/settings.py",
                 {"shop/urls.py": URLS, "shop/middleware.py": middleware}) == []


def test_django_is_reported_once_on_the_main_settings_even_with_several_settings_modules():
    files = {"shop/urls.py": URLS, "shop/settings/test.py": 'MIDDLEWARE = ["a"]\n',
             "shop/settings/prod.py": 'from .base import *\nMIDDLEWARE = MIDDLEWARE + ["b"]\n'}
    assert found('MIDDLEWARE = ["a"]\n', "shop/settings/base.py", files) == [
        ("shop/settings/base.py", 1)]


def test_prometheus_fastapi_instrumentator_on_an_imported_app():
    files = {"shop/metrics.py": ("from prometheus_fastapi_instrumentator import Instrumentator\n"
                                 "from shop.main import app\n"
                                 "Instrumentator().instrument(app).expose(app)\n"),
             "shop/__init__.py": ""}
    assert found(FASTAPI_APP, files=files) == []


def test_an_instrumentator_on_a_parameter_may_measure_any_app():
    files = {"shop/metrics.py": ("from prometheus_fastapi_instrumentator import Instrumentator\n"
                                 "def setup(app):\n    Instrumentator().instrument(app)\n")}
    assert found(FASTAPI_APP, files=files) == []


def test_litestar_prometheus_config():
    source = """\
        from litestar import Litestar, get
        from litestar.plugins.prometheus import PrometheusConfig, PrometheusController

        @get("/orders")
        async def orders() -> list:
            return []

        app = Litestar([orders, PrometheusController], middleware=[PrometheusConfig().middleware])
    """
    assert found(source) == []
    assert found(source.replace("middleware=[PrometheusConfig().middleware]", "")
                 .replace(", PrometheusConfig", "")) == [("shop/main.py", 8)]


def test_a_scan_of_some_files_only_stays_quiet():
    result = analyze_source(textwrap.dedent(FASTAPI_APP), "shop/main.py",
                            [(c, c.Options()) for c in RULE.collectors])
    findings, _ = run_project_rules([(RULE, RULE.Options())],
                                    build_model([result], whole_project=False))
    assert findings == []
    findings, _ = run_project_rules([(RULE, RULE.Options())], build_model([result]))
    assert len(findings) == 1


def test_a_sub_app_mounted_through_a_re_export_is_measured_where_its_parent_is():
    files = {
        "shop/__init__.py": "",
        "shop/apps/__init__.py": "from shop.apps.api import app as api_app\n",
        "shop/apps/api.py": ("from fastapi import FastAPI\napp = FastAPI()\n"
                             "@app.get('/orders')\ndef orders():\n    return []\n"),
    }
    parent = """\
        from fastapi import FastAPI
        from shop.apps import api_app

        app = FastAPI()
        app.mount("/api", api_app)
    """
    assert found(parent, files=files) == [("shop/main.py", 4)]


def test_a_side_server_of_health_probes_needs_no_request_metrics():
    source = """\
        from fastapi import APIRouter, FastAPI

        def build_healthcheck_server(is_healthy):
            app = FastAPI()
            router = APIRouter()

            def perform_health_check():
                return is_healthy()

            router.add_api_route("/health", perform_health_check, methods=["GET"])
            app.include_router(router)
            return app
    """
    assert found(source) == []
    assert found(source.replace('"/health"', '"/run"').replace("perform_health_check", "run")) \
        == [("shop/main.py", 4)]


def test_opentelemetry_instrumentation_measures_requests_only_with_a_meter_provider():
    source = FASTAPI_APP + """\

    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
    FastAPIInstrumentor.instrument_app(app)
    """
    assert found(source) == [("shop/main.py", 3)]
    meters = {"shop/telemetry.py": ("from opentelemetry import metrics\n"
                                    "from opentelemetry.sdk.metrics import MeterProvider\n"
                                    "metrics.set_meter_provider(MeterProvider())\n")}
    assert found(source, files=meters) == []


def test_apm_agents_measure_requests_but_sentry_does_not():
    ddtrace = "import ddtrace\nddtrace.patch_all()\n"
    assert found(FASTAPI_APP, files={"shop/boot.py": ddtrace}) == []
    sentry = "import sentry_sdk\nsentry_sdk.init(dsn='x', traces_sample_rate=0.2)\n"
    assert found(FASTAPI_APP, files={"shop/boot.py": sentry}) == [("shop/main.py", 3)]
