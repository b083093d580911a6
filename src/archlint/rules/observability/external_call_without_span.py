"""ARC502 external-call-without-span."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import ClassVar

from archlint.model import Severity
from archlint.rules._scaffolding import is_scaffolding_path
from archlint.rules._texts import tracing_launch
from archlint.rules.base import Invalid, ProjectRule, Valid
from archlint.rules.observability._outbound import (
    LocalCall,
    OutboundCall,
    OutboundCallCollector,
)
from archlint.rules.observability._tracing import (
    FileTracing,
    TracingCollector,
    instrumentors_of,
    span_like,
)


@dataclass(frozen=True)
class CallSpanOptions:
    """Options of ARC502.

    `instrumented_libraries`: client libraries (as the shared call model names them:
    "requests", "httpx", "aiohttp", "urllib", "urllib3", "http.client", "boto3", "aioboto3",
    "grpc", "psycopg2", "psycopg", "pymysql", "asyncpg") traced by something the code does not
    show (an agent the platform injects); "*" for all of them.
    `span_helpers`: names of the project's own decorators and context managers that open a
    span (`@traced_call`, `with span_for("payments")`), matched against the name as written,
    its qualified name, or (without a dot) the last part of the name.
    """

    instrumented_libraries: tuple[str, ...] = ()
    span_helpers: tuple[str, ...] = ()


_SERVICES = {"http": "an HTTP service", "cloud": "a cloud service", "rpc": "a gRPC service",
             "database": "the database"}


class ExternalCallWithoutSpan(ProjectRule):
    """## What it does
    Flags an outbound call that no span covers: a call to a remote service (an HTTP API through
    requests, httpx, aiohttp, urllib, urllib3 or http.client; a cloud SDK such as boto3; a gRPC
    stub: ARC402's scope) or a raw database driver query (`execute`, `executemany`, `callproc`,
    `fetch*`, `copy*` on psycopg2, psycopg, PyMySQL/MySQLdb or asyncpg connections and
    cursors), when

    - its library is instrumented nowhere in the project (tests excluded): no
      `RequestsInstrumentor().instrument()`, `HTTPXClientInstrumentor` (also
      `instrument_client(client)`, which counts for every httpx call: the client cannot be
      followed), `AioHttpClientInstrumentor`, `URLLib3Instrumentor` (which also traces requests,
      built on urllib3), `URLLibInstrumentor`, `BotocoreInstrumentor`, `GrpcInstrumentorClient`,
      `Psycopg2Instrumentor`, `PsycopgInstrumentor`, `PyMySQLInstrumentor`,
      `MySQLClientInstrumentor`, `AsyncPGInstrumentor`, `dbapi.trace_integration(driver, ...)`,
      nor the other tracers' equivalents (ddtrace `patch_all()`/`patch(requests=True)`, Sentry
      with tracing on, which traces the HTTP clients, boto3, asyncpg and gRPC, logfire
      `instrument_httpx()` and siblings, New Relic, Elastic APM), and no launch command runs
      the service under `opentelemetry-instrument`, `ddtrace-run` or `newrelic-admin`;
    - and the call is not inside a span the code opens: a `with
      tracer.start_as_current_span(...)`/`start_span(...)` block, a function decorated with
      `@tracer.start_as_current_span(...)`, the rest of a function after `span =
      tracer.start_span(...)`, the equivalents of Sentry, logfire and ddtrace, a decorator or
      `with` whose name says it opens a span or a trace (`@traced`), or one named in
      `span_helpers`;
    - and its function is not called, within the module, from inside such a span: a helper
      that a traced function calls (`self._get()` from a `@tracer.start_as_current_span`
      method) runs in that span. One covered caller is enough: precision first, the rule does
      not blame a helper that is traced on some paths.

    One finding per call, on the call.

    ## Why is this bad?
    An outbound call without a span is invisible in the trace: the time the request spent
    waiting on the payment API or the database shows up as an unexplained gap in the parent
    span, its errors are not tied to the dependency that failed, and the trace context is not
    propagated to the service called, so its own trace starts anew. Instrumenting the client
    library once gives every call a client span with the method, URL or statement, status and
    duration, and propagates the context in the request headers.

    ## Example
    ```python
    import requests

    def charge(order):
        return requests.post(PAYMENTS_URL, json=order, timeout=10)
    ```

    ## Use instead
    ```python
    import requests
    from opentelemetry.instrumentation.requests import RequestsInstrumentor

    RequestsInstrumentor().instrument()  # once, at start-up

    def charge(order):
        return requests.post(PAYMENTS_URL, json=order, timeout=10)
    ```

    ## Options
    - `instrumented_libraries` (list of strings, default empty): libraries traced by something
      the code does not show; "*" for all.
    - `span_helpers` (list of strings, default empty): the project's own decorators and context
      managers that open a span, matched by name as written, qualified name, or last name part.

    ## What it does not flag
    - ORM and cache calls (SQLAlchemy sessions, Django's ORM including `connection.cursor()`,
      Redis), message brokers, SMTP, FTP and raw sockets: out of this rule's scope; sqlite3,
      which stays in the process; pymongo and motor.
    - Building a client, `connect()`, `commit()`/`rollback()`, and http.client's `connect`,
      `getresponse`, `send` and `endheaders` (the `request()` of the exchange is reported).
    - Calls at module level or in a class body (they run once, at import), tests, migrations
      and one-shot scripts (`scripts/`, `bin/`, `manage.py`, modules that parse their own
      command line).
    - Calls covered by a span opened in another module's caller: the call graph followed is
      the module's own.
    - Clients the shared model of external calls cannot resolve (a client returned by a
      project function), and google-cloud or azure SDK clients (not modelled yet).
    - Scans of some files only (pre-commit passes file names): whether a library is
      instrumented anywhere cannot be answered then, so the rule stays quiet.
    - Instrumentation switched off at run time (`if settings.OTEL_ENABLED:`): the code is
      there, which is what a static reading can check.

    ## References
    - [OpenTelemetry: instrumentation libraries for Python](https://opentelemetry.io/docs/languages/python/libraries/)
    - [OpenTelemetry: requests instrumentation](https://opentelemetry-python-contrib.readthedocs.io/en/latest/instrumentation/requests/requests.html)
    - [OpenTelemetry: creating spans](https://opentelemetry.io/docs/languages/python/instrumentation/#creating-spans)
    - [OpenTelemetry: semantic conventions for HTTP client spans](https://opentelemetry.io/docs/specs/semconv/http/http-spans/#http-client)
    - [CWE-778: Insufficient Logging](https://cwe.mitre.org/data/definitions/778.html)
    """

    code = "ARC502"
    name = "external-call-without-span"
    severity = Severity.WARNING
    cwe = 778
    tags = ("observability", "tracing")
    precision = "medium"
    Options = CallSpanOptions
    collectors = (OutboundCallCollector, TracingCollector)

    VALID: ClassVar = [
        """
        import requests
        from opentelemetry.instrumentation.requests import RequestsInstrumentor

        RequestsInstrumentor().instrument()

        def charge(order):
            return requests.post("https://pay.example/charges", json=order, timeout=10)
        """,
        """
        import httpx
        from opentelemetry import trace

        tracer = trace.get_tracer(__name__)

        class Users:
            @tracer.start_as_current_span("users.fetch")
            def fetch(self, user_id):
                return self._get(f"/users/{user_id}")

            def _get(self, path):
                return httpx.get("https://users.example" + path, timeout=5)

        def ping_all(client: httpx.Client):
            with tracer.start_as_current_span("ping"):
                client.get("https://a.example")
        """,
        # the other module instruments psycopg2
        Valid(
            """
            import psycopg2

            def load(user_id):
                with psycopg2.connect(DSN) as conn:
                    cur = conn.cursor()
                    cur.execute("select * from users where id = %s", (user_id,))
                    return cur.fetchone()
            """,
            path="shop/db.py",
            files={"shop/telemetry.py": (
                "from opentelemetry.instrumentation.psycopg2 import Psycopg2Instrumentor\n"
                "Psycopg2Instrumentor().instrument()\n")},
        ),
        # the Dockerfile launches the service under opentelemetry-instrument
        Valid(
            """
            import boto3
            s3 = boto3.client("s3")

            def upload(key, body):
                s3.put_object(Bucket="b", Key=key, Body=body)
            """,
            path="shop/storage.py",
            files={"Dockerfile": "CMD opentelemetry-instrument gunicorn shop.wsgi\n"},
        ),
        Valid(
            """
            import requests

            @traced_call("payments")
            def charge(order):
                return requests.post("https://pay.example/charges", json=order, timeout=10)
            """,
        ),
    ]

    INVALID: ClassVar = [
        Invalid(
            """
            import requests

            def charge(order):
                return requests.post("https://pay.example/charges", json=order, timeout=10)
            """,
            line=5,
            message="requests.post() calls an HTTP service outside any span: requests is "
                    "instrumented nowhere in the project",
        ),
        # HTTPX is instrumented, psycopg2 is not; the Procfile runs no tracing launcher
        Invalid(
            """
            import psycopg2
            from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

            HTTPXClientInstrumentor().instrument()

            def load(conn: psycopg2.extensions.connection, user_id):
                cur = conn.cursor()
                cur.execute("select * from users where id = %s", (user_id,))
            """,
            line=9,
            path="shop/db.py",
            message="(Psycopg2Instrumentor",
            files={"Procfile": "web: gunicorn shop.wsgi\n"},
        ),
        Invalid(
            """
            import requests

            @observed("payments")
            def charge(order):
                return requests.post("https://pay.example/charges", json=order, timeout=10)

            def refund(order):
                return requests.post("https://pay.example/refunds", json=order, timeout=10)
            """,
            line=9,
            options={"span_helpers": ["observed"]},
        ),
    ]

    def check(self) -> None:
        if not self.project.whole_project:
            return
        if "*" in self.options.instrumented_libraries or tracing_launch(self.project):
            return
        tracing: dict[str, FileTracing] = {}
        instrumented: dict[str, bool] = {}
        instrumentations = []
        for path, fact in self.project.of(TracingCollector.kind):
            if not isinstance(fact, FileTracing):
                continue
            tracing[path] = fact
            if not is_scaffolding_path(path):
                instrumentations.extend(fact.instrumentations)
        calls: dict[str, list[OutboundCall]] = defaultdict(list)
        local: dict[str, dict[str, list[LocalCall]]] = defaultdict(lambda: defaultdict(list))
        for path, fact in self.project.of(OutboundCallCollector.kind):
            if isinstance(fact, OutboundCall):
                calls[path].append(fact)
            elif isinstance(fact, LocalCall):
                local[path][fact.callee].append(fact)
        for path in sorted(calls):
            file_tracing = tracing.get(path)
            callers = local.get(path, {})
            covered: dict[str, bool] = {}
            for call in calls[path]:
                library = call.library
                if library not in instrumented:
                    instrumented[library] = library in self.options.instrumented_libraries or any(
                        i.traces_library(library) for i in instrumentations)
                if instrumented[library]:
                    continue
                if self._in_span(call, file_tracing):
                    continue
                if self._function_covered(call.function, file_tracing, callers, covered, 0):
                    continue
                self._report(path, call)

    def _in_span(self, call: OutboundCall, tracing: FileTracing | None) -> bool:
        if any(span_like(name) or self._helper(name) for name in call.contexts):
            return True
        line = call.span.line
        return tracing is not None and any(b.covers(line) for b in tracing.blocks)

    def _helper(self, name: str) -> bool:
        for helper in self.options.span_helpers:
            if name == helper or ("." not in helper and name.rpartition(".")[2] == helper):
                return True
        return False

    def _function_covered(self, function: str, tracing: FileTracing | None,
                          callers: dict[str, list[LocalCall]], memo: dict[str, bool],
                          depth: int) -> bool:
        """A function wrapped whole by a span decorator, or called (within the module) from
        inside a span or from such a function."""
        if function in memo:
            return memo[function]
        memo[function] = False  # recursion: a cycle adds no coverage
        result = tracing is not None and function in tracing.traced
        if not result and depth < 20:
            for call in callers.get(function, ()):
                if tracing is not None and any(b.covers(call.line) for b in tracing.blocks):
                    result = True
                    break
                if self._function_covered(call.caller, tracing, callers, memo, depth + 1):
                    result = True
                    break
        memo[function] = result
        return result

    def _report(self, path: str, call: OutboundCall) -> None:
        service = _SERVICES.get(call.service, "a remote service")
        instrumentors = instrumentors_of(call.library)
        how = f"{', '.join(instrumentors)}, " if instrumentors else ""
        message = (
            f"{call.who} calls {service} outside any span: {call.library} is instrumented "
            f"nowhere in the project ({how}opentelemetry-instrument in a launch command) and "
            "no span is open around this call")
        first = instrumentors[0] if instrumentors else "the library's OpenTelemetry instrumentor"
        help = (
            f"instrument {call.library} once at start-up ({first}().instrument(), or run the "
            "service under opentelemetry-instrument); or wrap the call in `with "
            "tracer.start_as_current_span(...)`")
        self.report_at(path, call.span, message, help=help,
                       statement_lines=call.statement_lines)
