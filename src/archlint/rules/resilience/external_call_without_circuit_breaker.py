"""ARC402 external-call-without-circuit-breaker."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

import libcst as cst

from archlint.model import Severity
from archlint.rules._calls import (
    CallKind,
    ExternalCall,
    Service,
    classify_callee,
    code_snippet,
    reaches_catalogue,
)
from archlint.rules._mentions import Mentions
from archlint.rules._names import dotted
from archlint.rules._tree import scan
from archlint.rules._scaffolding import is_scaffolding_path
from archlint.rules.base import FileContext, Invalid, PendingReport, Rule, Valid
from archlint.rules.resilience._retries import RetryKind, decorator_retry, retry_kind
from archlint.rules.resilience._scope import is_script, is_script_source


@dataclass(frozen=True)
class BreakerOptions:
    """Options of ARC402.

    `guards`: names of home-grown circuit breakers: decorators (`@resilient`), context managers
    (`with breaker_for("payments"):`) or callables the call is passed through
    (`guarded(requests.get, url)`). An entry matches the name as written (`resilience.guarded`),
    its imported qualified name (`app.resilience.guarded`), or, for an entry without a dot, the
    last part of the name (`guarded`).
    """

    guards: tuple[str, ...] = ()


# Classes whose instances are breakers (decorators, `.call(fn)`, `.calling()`).
_BREAKER_TYPES = frozenset(
    {"pybreaker.CircuitBreaker", "aiobreaker.CircuitBreaker",
     "aiobreaker.circuitbreaker.CircuitBreaker", "circuitbreaker.CircuitBreaker",
     "aiocircuitbreaker.CircuitBreaker", "asyncbreaker.CircuitBreaker"}
)
# purgatory: a factory of named breakers, `@factory("name")` and `with factory.get_breaker("n")`.
_BREAKER_FACTORIES = frozenset(
    {"purgatory.AsyncCircuitBreakerFactory", "purgatory.SyncCircuitBreakerFactory",
     "purgatory.CircuitBreakerFactory"}
)
# Decorators used as they are: `@circuit`, `@circuit(failure_threshold=3)`.
_BREAKER_DECORATORS = frozenset({"circuitbreaker.circuit", "aiocircuitbreaker.circuit"})
_GUARD_CALLS = frozenset({"call", "call_async"})  # breaker.call(fn, *args)
_GUARD_CONTEXTS = frozenset({"calling", "get_breaker"})  # with breaker.calling():
# http.client: one exchange is request() (or putrequest()) then getresponse(); report it once.
_HTTP_CLIENT_CONTINUATIONS = frozenset({"connect", "getresponse", "endheaders", "send"})
# Words that make a name read as a breaker; used only to stay quiet (a guard the rule may not
# know), never to report.
_BREAKER_WORDS = ("breaker", "circuit")


@dataclass(eq=False)
class _Class:
    node: cst.ClassDef
    guarded: bool
    methods: dict[str, _Function] = field(default_factory=dict)


@dataclass(eq=False)
class _Function:
    node: cst.FunctionDef
    cls: _Class | None  # the class whose method it is, or encloses it (`self` inside)
    parent: _Function | None
    guarded: bool  # decorated by a breaker, or a method of a breaker-decorated class
    retry: str | None  # "@backoff.on_exception" when a retrying decorator wraps it
    children: dict[str, _Function] = field(default_factory=dict)
    depth: int = 0  # breaker contexts (`with`, `breaker.call(...)` arguments) open right now
    retry_loops: list[str] = field(default_factory=list)  # `for attempt in Retrying(...)`


@dataclass(frozen=True)
class _Ref:
    """A call or a reference (passed as an argument) to a name that may be a module function."""

    caller: _Function | None  # None: module level
    name: str
    through_self: bool  # `self.m(...)` / `cls.m(...)`
    guarded: bool


@dataclass
class _Site:
    pending: PendingReport
    function: _Function
    ext: ExternalCall
    who: str
    retry: str | None


class ExternalCallWithoutCircuitBreaker(Rule):
    """## What it does
    Flags an outbound call to a remote service (an HTTP API, a gRPC service, a cloud SDK such as
    boto3) that no circuit breaker guards.

    A call is guarded when:

    - the function or method that makes it is decorated by a breaker: a `pybreaker`,
      `aiobreaker` or `circuitbreaker` `CircuitBreaker` instance (`@payments_breaker`),
      `circuitbreaker.circuit` (`@circuit`, `@circuit(...)`), a `purgatory` factory
      (`@breakers("payments")`), a module class derived from one of those classes, or a name in
      the `guards` option; a class decorated by a breaker guards its methods;
    - it is made inside a breaker context: `with breaker.calling():`, purgatory's
      `async with await breakers.get_breaker("payments"):`, or a `guards` context manager;
    - it is passed through the breaker rather than called: `breaker.call(requests.get, url)`,
      `await breaker.call_async(fetch, url)`, `breaker.call(lambda: client.get(url))`;
    - every caller of its function within the module is guarded (transitively), by any of the
      above: `self._fetch()` called only from a `@breaker` method is guarded. A function nothing
      in the module calls must guard itself.

    Breaker instances are known by their construction (`breaker = pybreaker.CircuitBreaker(...)`
    at module level, in a class body or as `self.breaker = ...`); a decorator, context manager or
    receiver of `.call()` whose name contains "breaker" or "circuit" is also taken as a guard.

    In scope: HTTP clients (requests, requests-oauthlib including `fetch_token`/`refresh_token`,
    httpx, aiohttp, urllib, urllib3, http.client), gRPC stubs and cloud SDK clients (boto3,
    botocore, aioboto3), whatever service sits behind them (an SQS `send_message` is in scope).
    When the call is retried (a tenacity `@retry` or `Retrying` loop, `@backoff.on_exception`, or
    a urllib3 `Retry` in a module that calls through requests or urllib3), the message says that
    retries alone are not a breaker.

    ## Why is this bad?
    When a dependency fails or slows down, every request that needs it still waits on it: worker
    threads and connections pile up behind the slow service until the caller fails too, and the
    outage cascades. Retries make it worse by multiplying the load on a service that is already
    struggling. A circuit breaker counts failures and, past a threshold, fails fast for a while
    without calling the service at all, which sheds the load and lets it recover.

    ## Example
    ```python
    import requests

    def charge(order):
        return requests.post(PAYMENTS_URL, json=order.payload(), timeout=10)
    ```

    ## Use instead
    ```python
    import pybreaker
    import requests

    payments_breaker = pybreaker.CircuitBreaker(fail_max=5, reset_timeout=30)

    @payments_breaker
    def charge(order):
        return requests.post(PAYMENTS_URL, json=order.payload(), timeout=10)
    ```

    ## Options
    - `guards` (list of strings, default empty): home-grown breakers: decorators, context
      managers, or callables the call is passed through (`guarded(requests.get, url)`). An entry
      matches the name as written, its imported qualified name, or (without a dot) the last part
      of the name.

    ## What it does not flag
    - Databases, caches and message brokers (DB drivers, redis, kafka, pika): pooled
      infrastructure guarded by timeouts and pool bounds (ARC401, ARC302). Also SMTP, FTP and raw
      sockets.
    - Building a client (`requests.Session()`, `boto3.client("s3")`, a gRPC stub) and offline
      methods (presigning); for http.client, only `request()`/`putrequest()` are reported, not the
      `connect()`, `send()`, `endheaders()` and `getresponse()` of the same exchange.
    - Calls at module level or in a class body: they run once, at import; likewise in `main()`
      and in a private function that only module-level code calls.
    - Probes: functions named `verify*`, `health*`, `ping*`, `probe*`, `readiness*`,
      `liveness*`, `test_connection*`, `check_connection*`, and version checks (names with
      `latest_version`, `version_check`, `check_..._version`, `check_for_update`,
      `update_check`, `check_update`), and functions only they call. They exist to reach the
      service now; a breaker would answer in its place.
    - Literal URLs on this machine (`http://localhost...`, `127.0.0.1`, `0.0.0.0`, `[::1]`).
    - Tests, test helpers and migrations (`tests/`, `test_*.py`, `*_test.py`, `conftest.py`,
      `migrations/`, `alembic/`), and scripts that run once from a command line (`scripts/`,
      `bin/`, `examples/`, `docs/`, `__main__.py`, `setup.py`, `manage.py`).
    - Calls guarded by callers in other modules: the call graph is the module's own (a function
      that other modules call through a breaker should carry the breaker itself).
    - google-cloud and azure SDK clients (not modelled yet), and clients the shared model of
      external calls cannot resolve (a client returned by a project function, say).

    ## References
    - [Martin Fowler: CircuitBreaker](https://martinfowler.com/bliki/CircuitBreaker.html)
    - [pybreaker](https://github.com/danielfm/pybreaker)
    - [circuitbreaker](https://github.com/fabfuel/circuitbreaker)
    - [purgatory](https://mardiros.github.io/purgatory/)
    - [AWS Builders' Library: Timeouts, retries, and backoff with jitter](https://aws.amazon.com/builders-library/timeouts-retries-and-backoff-with-jitter/)
    - No CWE describes a missing circuit breaker: CWE-1088 (no timeout) is ARC401's.
    """

    code = "ARC402"
    name = "external-call-without-circuit-breaker"
    severity = Severity.WARNING
    cwe = None
    tags = ("resilience",)
    precision = "medium"
    Options = BreakerOptions
    triggers = (
        "requests", "httpx", "aiohttp", "urllib", "http.client", "HTTPConnection",
        "HTTPSConnection", "boto", "grpc",
    )

    @classmethod
    def gate(cls, mentions: Mentions, options: object) -> bool:
        return reaches_catalogue(mentions)

    VALID: ClassVar = [
        """
        import pybreaker
        import requests

        payments = pybreaker.CircuitBreaker(fail_max=5, reset_timeout=30)

        @payments
        def charge(order):
            return requests.post(URL, json=order, timeout=10)
        """,
        """
        from circuitbreaker import circuit
        import httpx

        @circuit(failure_threshold=3)
        def users():
            return httpx.get(URL)
        """,
        """
        import pybreaker
        import requests

        breaker = pybreaker.CircuitBreaker()

        def charge(order):
            return breaker.call(requests.post, URL, json=order, timeout=10)

        def refund(order):
            with breaker.calling():
                return requests.post(URL + "/refund", json=order, timeout=10)
        """,
        """
        import pybreaker
        import requests

        breaker = pybreaker.CircuitBreaker()

        class Payments:
            @breaker
            def charge(self, order):
                return self._post("/charges", order)

            def _post(self, path, body):
                return requests.post(URL + path, json=body, timeout=10)
        """,
        """
        from purgatory import AsyncCircuitBreakerFactory
        import httpx

        breakers = AsyncCircuitBreakerFactory()

        async def users(client: httpx.AsyncClient):
            async with await breakers.get_breaker("users"):
                return await client.get(URL)
        """,
        # databases, caches and brokers are out of scope
        """
        import redis
        import psycopg2

        def load(key):
            redis.Redis(socket_timeout=1).get(key)
            psycopg2.connect(DSN).cursor().execute("select 1")
        """,
        # import-time calls run once
        "import requests\nCONFIG = requests.get(URL, timeout=5).json()\n",
        Valid("import requests\ndef test_api():\n    requests.get(URL, timeout=5)\n",
              path="tests/test_api.py"),
        Valid(
            """
            import requests
            from app.resilience import guarded

            def charge(order):
                return guarded(requests.post, URL, json=order, timeout=10)
            """,
            options={"guards": ["guarded"]},
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            """
            import requests

            def charge(order):
                return requests.post(URL, json=order, timeout=10)
            """,
            5,
            "requests.post() calls a remote HTTP service with no circuit breaker",
        ),
        Invalid(
            """
            import boto3

            class Queue:
                def __init__(self):
                    self.sqs = boto3.client("sqs")

                def publish(self, body):
                    self.sqs.send_message(QueueUrl=URL, MessageBody=body)
            """,
            9,
            "self.sqs.send_message() (boto3 client)",
        ),
        Invalid(
            """
            import backoff
            import requests

            @backoff.on_exception(backoff.expo, requests.RequestException, max_tries=5)
            def fetch(url):
                return requests.get(url, timeout=5)
            """,
            7,
            "retries alone are not a breaker",
        ),
        Invalid(
            """
            import pybreaker
            import requests

            breaker = pybreaker.CircuitBreaker()

            @breaker
            def guarded():
                return _get()

            def unguarded():
                return _get()

            def _get():
                return requests.get(URL, timeout=5)
            """,
            15,
            "_get() is called from unguarded(), which no breaker guards",
        ),
    ]

    def __init__(self, ctx: FileContext, options: BreakerOptions) -> None:
        super().__init__(ctx, options)
        self._skip = (
            is_scaffolding_path(ctx.path) or is_script(ctx.path) or is_script_source(ctx.source)
        )
        self._guards = frozenset(options.guards)
        self._scopes: list[_Function | _Class] = []
        self._functions: list[_Function] = []
        self._top_functions: dict[str, _Function] = {}
        self._top_classes: dict[str, _Class] = {}
        self._refs: list[_Ref] = []
        self._sites: list[_Site] = []
        self._guard_nodes: set[int] = set()  # With and Call nodes that opened a breaker context
        self._retry_fors: set[int] = set()
        # Breakers known by construction: module/class-level names, `self.x` attributes, and
        # module classes derived from a breaker class.
        self._breaker_names: set[str] = set()
        self._breaker_attrs: set[str] = set()
        self._breaker_classes: set[str] = set()
        self._urllib3_retry: str | None = None  # set when the module builds a urllib3 Retry
        self._every_function: list[_Function] = []

    # -- what is a breaker ---------------------------------------------------------------------
    def visit_Module(self, node: cst.Module) -> None:
        source = self.ctx.source
        if "reaker" in source or "ircuit" in source or self._guards:
            _BreakerScan(self).scan(node)

    def _is_breaker_construction(self, call: cst.Call) -> bool:
        qualified = self.ctx.names.qualify(call.func)
        if qualified in _BREAKER_TYPES or qualified in _BREAKER_FACTORIES:
            return True
        return isinstance(call.func, cst.Name) and call.func.value in self._breaker_classes

    def _is_breaker(self, expr: cst.BaseExpression) -> bool:
        """A value that is a breaker (or a purgatory factory): known by construction, or named so."""
        if isinstance(expr, cst.Name) and expr.value in self._breaker_names:
            return True
        if (
            isinstance(expr, cst.Attribute)
            and isinstance(expr.value, cst.Name)
            and expr.value.value in ("self", "cls")
            and expr.attr.value in self._breaker_attrs
        ):
            return True
        origin = self.ctx.names.origin_of(expr)
        if origin in _BREAKER_TYPES or origin in _BREAKER_FACTORIES:
            return True
        return self._named_like_breaker(expr) or self._configured(expr)

    @staticmethod
    def _named_like_breaker(expr: cst.BaseExpression) -> bool:
        name = dotted(expr)
        if name is None:
            return False
        last = name.rpartition(".")[2].lower()
        return any(word in last for word in _BREAKER_WORDS)

    def _configured(self, expr: cst.BaseExpression) -> bool:
        if not self._guards:
            return False
        written = dotted(expr)
        if written is None:
            return False
        qualified = self.ctx.names.qualify(expr)
        return bool({written, qualified, written.rpartition(".")[2]} & self._guards)

    def _guard_decorator(self, decorator: cst.Decorator) -> bool:
        expr = decorator.decorator
        if isinstance(expr, cst.Call):
            if self._is_breaker_construction(expr):  # @CircuitBreaker(...), @MyBreaker()
                return True
            expr = expr.func
        qualified = self.ctx.names.qualify(expr)
        if qualified in _BREAKER_DECORATORS or qualified in _BREAKER_TYPES:
            return True
        if isinstance(expr, cst.Name) and expr.value in self._breaker_classes:
            return True
        return self._is_breaker(expr)

    def _guard_context(self, item: cst.WithItem) -> bool:
        expr = item.item
        if isinstance(expr, cst.Await):
            expr = expr.expression
        if isinstance(expr, cst.Call):
            func = expr.func
            if isinstance(func, cst.Attribute) and func.attr.value in _GUARD_CONTEXTS:
                return True
            if self._is_breaker_construction(expr):
                return True
            return self._named_like_breaker(func) or self._configured(func)
        return self._is_breaker(expr)

    def _guard_call(self, call: cst.Call) -> bool:
        func = call.func
        if not call.args:
            return False
        if isinstance(func, cst.Attribute) and func.attr.value in _GUARD_CALLS:
            return self._is_breaker(func.value)
        return self._configured(func)

    # -- scopes --------------------------------------------------------------------------------
    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        guarded = any(self._guard_decorator(d) for d in node.decorators)
        cls = _Class(node, guarded)
        if not self._scopes:
            self._top_classes[node.name.value] = cls
        self._scopes.append(cls)

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._scopes.pop()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        outer = self._scopes[-1] if self._scopes else None
        parent = self._functions[-1] if self._functions else None
        if isinstance(outer, _Class):
            cls: _Class | None = outer
        else:
            cls = parent.cls if parent is not None else None
        guarded = any(self._guard_decorator(d) for d in node.decorators)
        if isinstance(outer, _Class) and outer.guarded:
            guarded = True
        retry = None
        for decorator in node.decorators:
            found = decorator_retry(decorator, self.ctx.names)
            if found is not None:
                retry = f"@{found[1]} on {node.name.value}()"
                break
        fn = _Function(node, cls, parent, guarded, retry)
        name = node.name.value
        if isinstance(outer, _Class):
            outer.methods[name] = fn
        elif isinstance(outer, _Function):
            outer.children[name] = fn
        else:
            self._top_functions[name] = fn
        self._scopes.append(fn)
        self._functions.append(fn)
        self._every_function.append(fn)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._scopes.pop()
        self._functions.pop()

    def visit_With(self, node: cst.With) -> None:
        if self._functions and any(self._guard_context(item) for item in node.items):
            self._functions[-1].depth += 1
            self._guard_nodes.add(id(node))

    def leave_With(self, node: cst.With) -> None:
        if id(node) in self._guard_nodes:
            self._functions[-1].depth -= 1

    def visit_For(self, node: cst.For) -> None:
        if not self._functions or not isinstance(node.iter, cst.Call):
            return
        qualified = self.ctx.names.qualify(node.iter.func)
        if retry_kind(qualified) is RetryKind.TENACITY_LOOP:
            self._functions[-1].retry_loops.append(f"a {qualified} loop")
            self._retry_fors.add(id(node))

    def leave_For(self, node: cst.For) -> None:
        if id(node) in self._retry_fors:
            self._functions[-1].retry_loops.pop()

    # -- calls ---------------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        function = self._functions[-1] if self._functions else None
        guarded_here = function is not None and function.depth > 0
        if self._guard_call(node):
            self._note_arguments(node, function, guarded=True)
            if function is not None:
                function.depth += 1
                self._guard_nodes.add(id(node))
            return
        self._note_arguments(node, function, guarded=guarded_here)
        func = node.func
        if isinstance(func, cst.Name):
            self._refs.append(_Ref(function, func.value, False, guarded_here))
        elif _is_self_method(func):
            self._refs.append(_Ref(function, func.attr.value, True, guarded_here))  # type: ignore[attr-defined]
        if self._skip:
            return
        qualified = self.ctx.names.callee(func)
        if self._urllib3_retry is None and retry_kind(qualified) is RetryKind.URLLIB3:
            self._urllib3_retry = "the urllib3 Retry built in this module"
        if function is None or guarded_here:
            return
        ext = classify_callee(node, qualified, self.ctx.names)
        if ext is None or not self._in_scope(ext) or _local_url(node):
            return
        who = self._who(node, ext)
        self.report(node, "", help=_HELP)
        retry = function.retry_loops[-1] if function.retry_loops else None
        self._sites.append(_Site(self.ctx.pending[-1], function, ext, who, retry))

    def leave_Call(self, node: cst.Call) -> None:
        if id(node) in self._guard_nodes:
            self._functions[-1].depth -= 1

    def _note_arguments(self, node: cst.Call, function: _Function | None, *, guarded: bool) -> None:
        """Functions passed as arguments (`breaker.call(fetch)`, `executor.submit(self._poll)`)
        are called by whatever receives them: an edge of the call graph, guarded or not."""
        for arg in node.args:
            value = arg.value
            if isinstance(value, cst.Name):
                self._refs.append(_Ref(function, value.value, False, guarded))
            elif _is_self_method(value):
                self._refs.append(_Ref(function, value.attr.value, True, guarded))  # type: ignore[attr-defined]

    @staticmethod
    def _in_scope(ext: ExternalCall) -> bool:
        if not ext.is_remote_service:
            return False
        if ext.kind is CallKind.CONSTRUCTION:
            return ext.performs_io
        if ext.library == "http.client" and ext.method in _HTTP_CLIENT_CONTINUATIONS:
            return False
        return True

    def _who(self, node: cst.Call, ext: ExternalCall) -> str:
        if ext.kind is CallKind.HELPER:
            return f"{ext.qualified}()"
        code = f"{code_snippet(node.func)}()"
        if ext.kind is CallKind.STUB:
            return f"{code} (gRPC stub)"
        if ext.client is not None:
            kind = "client" if ext.service is Service.CLOUD else ext.client.name
            label = f"{ext.library} {kind}" if ext.service is Service.CLOUD else kind
            return f"{code} ({label})"
        return code

    # -- the module's call graph ----------------------------------------------------------------
    def leave_Module(self, node: cst.Module) -> None:
        if not self._sites:
            return
        callers = self._callers()
        guarded = self._guarded(callers)
        probes = self._probes(callers)
        retried = self._retried(callers)
        keep: set[int] = set()
        for site in self._sites:
            if site.function in guarded or site.function in probes:
                continue
            if _runs_once(site.function, callers):
                continue
            keep.add(id(site.pending))
            site.pending.message = self._message(site, callers, guarded, retried)
        dropped = {id(s.pending) for s in self._sites} - keep
        if dropped:
            self.ctx.pending[:] = [p for p in self.ctx.pending if id(p) not in dropped]

    def _resolve(self, ref: _Ref) -> _Function | None:
        if ref.through_self:
            cls = ref.caller.cls if ref.caller is not None else None
            return self._method(cls, ref.name, set()) if cls is not None else None
        scope = ref.caller
        while scope is not None:
            found = scope.children.get(ref.name)
            if found is not None:
                return found
            scope = scope.parent
        return self._top_functions.get(ref.name)

    def _method(self, cls: _Class, name: str, seen: set[int]) -> _Function | None:
        if id(cls) in seen:
            return None
        seen.add(id(cls))
        found = cls.methods.get(name)
        if found is not None:
            return found
        for base in cls.node.bases:
            if isinstance(base.value, cst.Name):
                parent = self._top_classes.get(base.value.value)
                if parent is not None:
                    found = self._method(parent, name, seen)
                    if found is not None:
                        return found
        return None

    def _callers(self) -> dict[_Function, list[tuple[_Function | None, bool]]]:
        edges: dict[_Function, list[tuple[_Function | None, bool]]] = {}
        for ref in self._refs:
            target = self._resolve(ref)
            if target is not None and target is not ref.caller:
                edges.setdefault(target, []).append((ref.caller, ref.guarded))
        return edges

    def _guarded(
        self, callers: dict[_Function, list[tuple[_Function | None, bool]]]
    ) -> set[_Function]:
        """Functions decorated by a breaker, and those whose every caller in the module is
        guarded (a greatest fixpoint, so that recursion between guarded functions stays
        guarded), limited to functions a guard reaches."""
        roots = {fn for fn in self._every_function if fn.guarded}
        roots |= {fn for fn, edges in callers.items() if any(g for _, g in edges)}
        if not roots:
            return set()
        callees: dict[_Function, list[_Function]] = {}
        for callee, edges in callers.items():
            for caller, _ in edges:
                if caller is not None:
                    callees.setdefault(caller, []).append(callee)
        reached: set[_Function] = set()
        todo = list(roots)
        while todo:
            fn = todo.pop()
            if fn in reached:
                continue
            reached.add(fn)
            todo.extend(callees.get(fn, ()))
        guarded = {fn for fn in reached if fn.guarded or callers.get(fn)}
        changed = True
        while changed:
            changed = False
            for fn in list(guarded):
                if fn.guarded:
                    continue
                if any(not g and (c is None or c not in guarded) for c, g in callers[fn]):
                    guarded.discard(fn)
                    changed = True
        return guarded

    def _probes(
        self, callers: dict[_Function, list[tuple[_Function | None, bool]]]
    ) -> set[_Function]:
        """Connection probes, health checks and version checks (by name), and functions only
        they call: they exist to reach the service now, and a breaker would answer for it."""
        probes = {fn for fn in self._every_function if _PROBE.search(fn.node.name.value)}
        if not probes:
            return probes
        changed = True
        while changed:
            changed = False
            for fn, edges in callers.items():
                if fn not in probes and all(c is not None and c in probes for c, _ in edges):
                    probes.add(fn)
                    changed = True
        return probes

    def _retried(
        self, callers: dict[_Function, list[tuple[_Function | None, bool]]]
    ) -> dict[_Function, str]:
        """Functions run under a retrying decorator: their own, or a caller's (transitively)."""
        retried = {fn: fn.retry for fn in self._every_function if fn.retry}
        if not retried:
            return {}
        changed = True
        while changed:
            changed = False
            for callee, edges in callers.items():
                if callee in retried:
                    continue
                for caller, _ in edges:
                    if caller is not None and caller in retried:
                        retried[callee] = retried[caller]
                        changed = True
                        break
        return retried  # type: ignore[return-value]

    # -- wording ---------------------------------------------------------------------------------
    def _message(
        self,
        site: _Site,
        callers: dict[_Function, list[tuple[_Function | None, bool]]],
        guarded: set[_Function],
        retried: dict[_Function, str],
    ) -> str:
        service = _SERVICE_WORDS[site.ext.service]
        message = f"{site.who} calls {service} with no circuit breaker"
        edges = callers.get(site.function, [])
        if any(caller in guarded or g for caller, g in edges):
            unguarded = sorted(
                {f"{c.node.name.value}()" if c is not None else "module level"
                 for c, g in edges if not g and (c is None or c not in guarded)}
            )
            name = site.function.node.name.value
            message += f"; {name}() is called from {', '.join(unguarded)}, which no breaker guards"
        else:
            message += "; when the service fails or slows down, every caller keeps waiting on it"
        retry = site.retry or retried.get(site.function)
        if retry is None and self._urllib3_retry and site.ext.library in ("requests", "urllib3"):
            retry = self._urllib3_retry
        if retry is not None:
            message += (
                f"; retries alone are not a breaker: {retry} keeps calling a service that is down"
            )
        return message


_HELP = (
    "guard it with a circuit breaker: decorate the function with a pybreaker.CircuitBreaker "
    "instance (@payments_breaker) or circuitbreaker's @circuit, or call it through "
    "breaker.call(fn, ...); list home-grown breakers in the `guards` option"
)

_SERVICE_WORDS = {
    Service.HTTP: "a remote HTTP service",
    Service.CLOUD: "a cloud service API",
    Service.RPC: "a gRPC service",
}


class _BreakerScan(cst.CSTVisitor):
    """Before the traversal: names and `self` attributes bound to breakers, and module classes
    that derive from a breaker class."""

    def __init__(self, rule: ExternalCallWithoutCircuitBreaker) -> None:
        super().__init__()
        self.rule = rule

    def scan(self, module: cst.Module) -> None:
        scan(module, self)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        for base in node.bases:
            qualified = self.rule.ctx.names.qualify(base.value)
            if qualified in _BREAKER_TYPES or (
                isinstance(base.value, cst.Name) and base.value.value in self.rule._breaker_classes
            ):
                self.rule._breaker_classes.add(node.name.value)

    def visit_Assign(self, node: cst.Assign) -> None:
        value = node.value
        if isinstance(value, cst.Await):
            value = value.expression
        if not isinstance(value, cst.Call) or not self.rule._is_breaker_construction(value):
            return
        for target in node.targets:
            expr = target.target
            if isinstance(expr, cst.Name):
                self.rule._breaker_names.add(expr.value)
            elif _is_self_method(expr):
                self.rule._breaker_attrs.add(expr.attr.value)  # type: ignore[attr-defined]


# Functions that call a service to learn whether it answers, or which version is current.
_PROBE = re.compile(
    r"^_*(verify|health|ping|probe|readiness|liveness|test_connection|check_connection)"
    r"|latest_version|version_check|check_\w*version|check_for_update|update_check|check_update"
)
_LOCAL_HOSTS = ("://localhost", "://127.0.0.1", "://0.0.0.0", "://[::1]")


def _local_url(call: cst.Call) -> bool:
    """A literal URL on this machine (`requests.get("http://localhost:8080/health")`): a local
    process, not a remote dependency."""
    for index, arg in enumerate(call.args):
        if arg.keyword is not None and arg.keyword.value != "url":
            continue
        if arg.keyword is None and index > 1:
            break
        text = _literal_start(arg.value)
        if text is not None and any(host in text for host in _LOCAL_HOSTS):
            return True
    return False


def _literal_start(expr: cst.BaseExpression) -> str | None:
    if isinstance(expr, cst.SimpleString):
        return expr.value
    if isinstance(expr, cst.FormattedString):
        head = expr.parts[0] if expr.parts else None
        return head.value if isinstance(head, cst.FormattedStringText) else None
    if isinstance(expr, cst.ConcatenatedString):
        return _literal_start(expr.left)
    return None


def _runs_once(fn: _Function, callers: dict[_Function, list[tuple[_Function | None, bool]]]) -> bool:
    """`main()`, and a private function the module calls only at import time: one-off setup."""
    name = fn.node.name.value
    if name == "main" and fn.cls is None:
        return True
    edges = callers.get(fn)
    return bool(edges) and name.startswith("_") and all(c is None for c, _ in edges)


def _is_self_method(expr: cst.BaseExpression) -> bool:
    return (
        isinstance(expr, cst.Attribute)
        and isinstance(expr.value, cst.Name)
        and expr.value.value in ("self", "cls")
    )
