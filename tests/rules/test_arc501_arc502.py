"""ARC501 endpoint-without-tracing and ARC502 external-call-without-span: the tracing facts, how
instrumentations bind to apps and libraries, and the observability project matrix."""

from __future__ import annotations

import textwrap

import pytest
from _support import FIXTURES, run_rule

from archlint.api import CheckOptions, check
from archlint.config import Settings
from archlint.engine.worker import analyze_source
from archlint.rules._routes import is_probe
from archlint.rules.observability._tracing import ALL, FileTracing, TracingCollector
from archlint.rules.observability.endpoint_without_tracing import EndpointWithoutTracing
from archlint.rules.observability.external_call_without_span import ExternalCallWithoutSpan

MATRIX = FIXTURES / "projects" / "observability"


def tracing(source: str, path: str = "app.py") -> FileTracing:
    result = analyze_source(textwrap.dedent(source), path,
                            [(TracingCollector, TracingCollector.Options())])
    assert not result.notifications, result.notifications
    facts = result.facts.get("tracing", [])
    return facts[0] if facts else FileTracing((), (), ())


def lines(rule, source, **kwargs) -> list[int]:
    result = run_rule(rule, source, **kwargs)
    assert not result.notifications, result.notifications
    return [f.span.line for f in result.findings]


# -- the tracing facts ----------------------------------------------------------------------------
def test_instrumentors_targeted_global_and_bound_to_a_variable():
    fact = tracing("""\
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
        from opentelemetry.instrumentation.flask import FlaskInstrumentor
        from opentelemetry.instrumentation.requests import RequestsInstrumentor
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

        FastAPIInstrumentor.instrument_app(app)
        FlaskInstrumentor().instrument()
        instrumentor = RequestsInstrumentor()
        instrumentor.instrument()
        HTTPXClientInstrumentor.instrument_client(client)
        FastAPIInstrumentor.uninstrument_app(app)
    """)
    found = [(i.frameworks, i.libraries, i.target.name if i.target else None)
             for i in fact.instrumentations]
    assert (("fastapi", "starlette"), (), "app") in found
    assert (("flask",), (), None) in found
    assert ((), ("requests",), None) in found
    assert ((), ("httpx",), None) in found
    assert len(found) == 4  # the instrumentor built on line 8 is the one line 9 uses; no uninstrument


def test_instrument_app_on_self_app_counts_for_every_app():
    fact = tracing("""\
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
        class Telemetry:
            def setup(self):
                FastAPIInstrumentor.instrument_app(app=self.app)
    """)
    (item,) = fact.instrumentations
    assert item.target is None and item.traces_framework("fastapi")


def test_middleware_forms():
    fact = tracing("""\
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware
        from opentelemetry.instrumentation.wsgi import OpenTelemetryMiddleware as WsgiMiddleware
        from starlette.middleware import Middleware
        from django.core.asgi import get_asgi_application

        app.add_middleware(OpenTelemetryMiddleware)
        flask_app.wsgi_app = WsgiMiddleware(flask_app.wsgi_app)
        application = OpenTelemetryMiddleware(get_asgi_application())
        middleware = [Middleware(OpenTelemetryMiddleware)]
    """)
    found = [(i.target.name if i.target else None, "flask" in i.frameworks,
              "fastapi" in i.frameworks) for i in fact.instrumentations]
    assert found == [("app", False, True), ("flask_app", True, False), (None, False, True),
                     (None, False, True)]


def test_other_tracers():
    fact = tracing("""\
        import ddtrace
        import logfire
        import sentry_sdk
        from ddtrace import patch

        sentry_sdk.init(dsn=DSN, traces_sample_rate=0.2)
        sentry_sdk.init(dsn=DSN, traces_sample_rate=0)
        patch(fastapi=True, requests=True, redis=False)
        logfire.instrument_fastapi(app)
        logfire.instrument_httpx()
        ddtrace.patch_all()
    """)
    found = [(i.what, i.frameworks, i.libraries) for i in fact.instrumentations]
    assert found[0][1] == (ALL,) and "requests" in found[0][2]  # sentry with tracing on
    assert found[1] == ("patch(fastapi, requests, redis)", ("fastapi", "starlette"), ("requests",))
    assert fact.instrumentations[2].target.name == "app"
    assert found[3][2] == ("httpx",)
    assert found[4][1:] == ((ALL,), (ALL,))
    assert len(found) == 5  # traces_sample_rate=0 traces nothing


def test_django_settings_and_ddtrace_auto():
    fact = tracing("""\
        import ddtrace.auto
        MIDDLEWARE = ["opentelemetry.instrumentation.django.middleware.otel_middleware._DjangoMiddleware",
                      "django.middleware.common.CommonMiddleware"]
    """, path="settings.py")
    assert [i.frameworks for i in fact.instrumentations] == [(ALL,), ("django", "drf")]


def test_span_blocks_decorators_and_openers():
    fact = tracing("""\
        from opentelemetry import trace
        from app.telemetry import traced
        tracer = trace.get_tracer(__name__)

        @tracer.start_as_current_span("a")
        def a():
            pass

        def b():
            with tracer.start_as_current_span("b"):
                pass

        class V:
            @traced
            def get(self):
                pass

            def post(self):
                span = tracer.start_span("post")
                call()
                span.end()

        def c():
            import traceback
            with open("x") as f:
                traceback.print_exc()
    """)
    assert fact.openers == ("V.get", "V.post", "a", "b")
    assert fact.traced == ("V.get", "a")
    assert [(b.first, b.last, b.function) for b in fact.blocks] == [
        (6, 7, "a"), (10, 11, "b"), (15, 16, "V.get"), (19, 21, "V.post")]


def test_probes_by_path_and_name():
    assert is_probe(("/healthz",), "check")
    assert is_probe(("/api/v1/health/db",), "db")
    assert is_probe(("/metrics",), "export")
    assert is_probe(("/users",), "liveness_probe")
    assert is_probe(("/status/ready",), "status")
    assert not is_probe(("/api/2.0/mlflow/metrics/get-history",), "get_history")
    assert not is_probe(("/users/{id}",), "read_user")


# -- ARC501 ---------------------------------------------------------------------------------------
APP = """\
    from fastapi import FastAPI
    app = FastAPI()

    @app.get("/users")
    async def users():
        return []
"""


def test_a_router_included_in_an_uninstrumented_app_is_reported_and_an_unplaced_one_is_not():
    files = {
        "shop/__init__.py": "",
        "shop/main.py": (
            "from fastapi import FastAPI\n"
            "from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor\n"
            "from shop.admin import router as admin_router\n"
            "app = FastAPI()\nadmin = FastAPI()\n"
            "FastAPIInstrumentor.instrument_app(app)\n"
            "admin.include_router(admin_router)\n"),
        "shop/admin.py": (
            "from fastapi import APIRouter\nrouter = APIRouter()\n\n"
            "@router.get('/stats')\nasync def stats():\n    return {}\n"),
    }
    unplaced = (
        "from fastapi import APIRouter\nrouter = APIRouter()\n\n"
        "@router.get('/orders')\nasync def orders():\n    return []\n")
    result = run_rule(EndpointWithoutTracing, unplaced, path="shop/orders.py", files=files)
    assert [(f.path, f.span.line) for f in result.findings] == [("shop/admin.py", 4)]


def test_an_imported_app_instrumented_where_it_is_made():
    result = run_rule(EndpointWithoutTracing, (
        "from shop.main import app\n\n@app.get('/users')\nasync def users():\n    return []\n"),
        path="shop/routes.py", files={
            "shop/__init__.py": "",
            "shop/main.py": (
                "from fastapi import FastAPI\n"
                "from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor\n"
                "app = FastAPI()\nFastAPIInstrumentor.instrument_app(app)\n")})
    assert result.findings == []


def test_tracing_in_tests_does_not_count_and_sentry_does():
    test_file = ("from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor\n"
                 "from main import app\nFastAPIInstrumentor.instrument_app(app)\n")
    assert lines(EndpointWithoutTracing, APP, path="main.py",
                 files={"tests/test_app.py": test_file}) == [4]
    sentry = "import sentry_sdk\nsentry_sdk.init(dsn='x', traces_sample_rate=1.0)\n"
    assert lines(EndpointWithoutTracing, APP, path="main.py", files={"boot.py": sentry}) == []


@pytest.mark.parametrize("launch", [
    {"Procfile": "web: ddtrace-run gunicorn main:app\n"},
    {"docker-compose.yml": "services:\n  api:\n    command: newrelic-admin run-program uvicorn main:app\n"},
])
def test_other_tracing_launchers(launch):
    assert lines(EndpointWithoutTracing, APP, path="main.py", files=launch) == []


def test_span_helper_option_and_a_named_decorator():
    source = """\
        from fastapi import FastAPI
        from shop.obs import observed
        app = FastAPI()

        @app.get("/users")
        @observed
        async def users():
            return []
    """
    assert lines(EndpointWithoutTracing, source) == [5]
    assert lines(EndpointWithoutTracing, source, options={"span_helpers": ["observed"]}) == []


def test_django_view_reported_once_on_its_definition():
    views = ("from django.http import JsonResponse\n\n"
             "def invoices(request):\n    return JsonResponse({})\n")
    urls = ("from django.urls import path\nfrom shop import views\n"
            "urlpatterns = [path('invoices/', views.invoices), path('bills/', views.invoices)]\n")
    result = run_rule(EndpointWithoutTracing, urls, path="shop/urls.py",
                      files={"shop/__init__.py": "", "shop/views.py": views})
    assert [(f.path, f.span.line) for f in result.findings] == [("shop/views.py", 3)]
    django = ("from opentelemetry.instrumentation.django import DjangoInstrumentor\n"
              "DjangoInstrumentor().instrument()\n")
    assert run_rule(EndpointWithoutTracing, urls, path="shop/urls.py", files={
        "shop/__init__.py": "", "shop/views.py": views, "manage.py": django}).findings == []


def test_a_scan_of_some_files_only_stays_quiet(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[project]\nname='x'\n")
    (tmp_path / "main.py").write_text(textwrap.dedent(APP))
    report = check([tmp_path / "main.py"], Settings(root=tmp_path),
                   CheckOptions(jobs=1, use_cache=False),
                   rules=[EndpointWithoutTracing, ExternalCallWithoutSpan])
    assert report.findings == []


# -- ARC502 ---------------------------------------------------------------------------------------
def test_a_helper_called_from_a_span_block_in_the_module_is_covered():
    source = """\
        import requests
        from opentelemetry import trace
        tracer = trace.get_tracer(__name__)

        def sync():
            with tracer.start_as_current_span("sync"):
                fetch()

        def fetch():
            return requests.get("https://a.example", timeout=5)

        def fetch_loose():
            return requests.get("https://b.example", timeout=5)

        def loose_caller():
            fetch_loose()
    """
    assert lines(ExternalCallWithoutSpan, source) == [13]


def test_urllib3_instrumentation_covers_requests_and_sentry_covers_boto3_not_psycopg2():
    source = """\
        import boto3, psycopg2, requests
        s3 = boto3.client("s3")

        def go(conn: psycopg2.extensions.connection):
            requests.get("https://a.example", timeout=5)
            s3.list_buckets()
            conn.cursor().execute("select 1")
            conn.commit()
    """
    urllib3 = ("from opentelemetry.instrumentation.urllib3 import URLLib3Instrumentor\n"
               "URLLib3Instrumentor().instrument()\n")
    assert lines(ExternalCallWithoutSpan, source, files={"boot.py": urllib3}) == [6, 7]
    sentry = "import sentry_sdk\nsentry_sdk.init(dsn='x', traces_sampler=sample)\n"
    assert lines(ExternalCallWithoutSpan, source, files={"boot.py": sentry}) == [7]


def test_orm_cache_and_module_level_calls_are_out_of_scope():
    source = """\
        import redis, requests, sqlite3
        from sqlalchemy.orm import Session
        r = redis.Redis()
        BOOT = requests.get("https://a.example", timeout=5)

        def go(session: Session):
            session.execute("select 1")
            r.get("k")
            sqlite3.connect("x.db").execute("select 1")
    """
    assert lines(ExternalCallWithoutSpan, source) == []


def test_instrumented_libraries_option():
    source = 'import requests\n\ndef go():\n    requests.get("https://a.example", timeout=5)\n'
    assert lines(ExternalCallWithoutSpan, source) == [4]
    assert lines(ExternalCallWithoutSpan, source,
                 options={"instrumented_libraries": ["requests"]}) == []


def test_head_only_routes_and_a_bare_status_are_probes():
    assert is_probe(("/",), "status_check", ("HEAD",))
    assert is_probe(("/status",), "status", ("GET",))
    assert not is_probe(("/jobs/{id}/status",), "job_status", ("GET",))


def test_health_polls_and_probe_functions_need_no_span():
    source = """\
        import httpx

        def wait_until_up(client: httpx.Client, base):
            client.get(f"{base}/health")
            client.get(f"{base}/api/ready?x=1")
            client.get(f"{base}/users")

        def ping_payments():
            httpx.get("https://pay.example/v1/charges")
    """
    assert lines(ExternalCallWithoutSpan, source) == [6]


def test_a_handler_returning_a_constant_is_a_probe_by_shape():
    source = """\
        from fastapi import FastAPI
        app = FastAPI()

        @app.get("/")
        async def root():
            \"\"\"Is it up?\"\"\"
            return {"status": "ok"}

        @app.get("/webhook")
        async def handle_webhook_health():
            return make_status()

        @app.get("/version")
        async def version():
            return {"version": VERSION}
    """
    assert lines(EndpointWithoutTracing, source) == [13]


def test_a_command_line_tools_callback_server_is_not_reported():
    assert lines(EndpointWithoutTracing, APP, path="tool/cli/login.py") == []


def test_instrumentor_tables_spell_libraries_as_the_call_model_does():
    from archlint.rules._calls import libraries
    from archlint.rules.observability import _tracing

    named = {lib for libs in _tracing._LIBRARY_INSTRUMENTORS.values() for lib in libs}
    named |= {lib for libs in _tracing._DRIVER_LIBRARIES.values() for lib in libs}
    named |= set(_tracing._SENTRY_LIBRARIES)
    assert named - libraries() == {"elasticsearch"}  # not modelled by _calls yet
