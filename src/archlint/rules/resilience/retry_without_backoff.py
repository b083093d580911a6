"""ARC404 retry-without-backoff."""

from __future__ import annotations

from typing import ClassVar

import libcst as cst

from archlint.model import Severity
from archlint.rules._calls import (
    CallKind,
    ExternalCall,
    classify,
    code_snippet,
    find_argument,
    is_none,
    reaches_catalogue,
)
from archlint.rules._mentions import Mentions
from archlint.rules._names import dotted
from archlint.rules._scaffolding import is_scaffolding_path
from archlint.rules.base import FileContext, Invalid, NoOptions, Rule, Valid
from archlint.rules.resilience._retries import RETRY_NAMES, RetryKind, retry_kind

# tenacity values that mean "no wait" / "never stop".
_NO_WAIT = frozenset({"tenacity.wait_none", "tenacity.wait.wait_none"})
_FIXED_WAIT = frozenset({"tenacity.wait_fixed", "tenacity.wait.wait_fixed"})
_NEVER_STOP = frozenset({"tenacity.stop_never", "tenacity.stop.stop_never"})

# A call that pauses the loop: `time.sleep`, `asyncio.sleep`, `event.wait(5)`, `backoff(...)`.
_PAUSE_WORDS = ("sleep", "wait", "backoff", "delay", "throttle")
# A call that reads a clock: a deadline bounds the loop.
_CLOCKS = frozenset({"time", "monotonic", "perf_counter", "now", "utcnow", "monotonic_ns", "time_ns"})
# Exceptions a handler catches that are not the dependency failing (parsing, lookups, logic).
_NOT_TRANSPORT = frozenset(
    {"ValueError", "KeyError", "TypeError", "IndexError", "AttributeError", "JSONDecodeError",
     "UnicodeDecodeError", "StopIteration", "StopAsyncIteration", "CancelledError",
     "KeyboardInterrupt", "SystemExit", "NotImplementedError", "AssertionError",
     "ValidationError", "LookupError", "ZeroDivisionError", "NameError", "UnicodeError"}
)
_EXITS = (cst.Raise, cst.Return, cst.Break)


class RetryWithoutBackoff(Rule):
    """## What it does
    Flags a retry that hammers a failing dependency: it retries at once, or forever.

    - tenacity: `@retry` with no arguments, and `@retry(...)`, `retry(...)(fn)`, `Retrying(...)`,
      `AsyncRetrying(...)` without `stop=` (tenacity retries forever by default) or without
      `wait=` (it retries at once by default); `wait=wait_none()` and `wait=wait_fixed(0)` count
      as no wait.
    - backoff: `@backoff.on_exception(...)` and `@backoff.on_predicate(...)` with neither
      `max_tries` nor `max_time` (or with them set to `None`): it retries forever.
    - urllib3: `Retry(...)` (`urllib3.Retry`, `urllib3.util.retry.Retry`,
      `requests.adapters.Retry`) whose `backoff_factor` is absent or 0 (urllib3's default is 0:
      every retry follows the failure at once).
    - A hand-written `while True:` (or `while 1:`) loop with a `try:` around an external call (any
      call the shared model of external calls knows: HTTP, gRPC, cloud SDKs, databases, caches,
      brokers), a handler that catches broadly or a transport error and always goes round again
      (it has no `raise`, `return` or `break`), no pause anywhere in the loop (a call named
      `*sleep*`, `*wait*`, `*backoff*`, `*delay*` or `*throttle*`) and no bound (no counter that
      the loop increments and a condition compares, no clock read for a deadline). A `break` or
      `return` after the call succeeds is not a bound: the failure path still spins.

    The finding sits on the decorator or the `Retry(...)`/`Retrying(...)` call; for a
    hand-written loop, on the `while` line.

    ## Why is this bad?
    A dependency that fails is usually overloaded or restarting. Retrying at once multiplies its
    load at the worst moment (a retry storm), and retrying forever holds a worker for as long as
    the outage lasts and never lets the failure reach the caller. Retries need a growing,
    jittered wait between attempts and a limit on attempts or time.

    ## Example
    ```python
    from tenacity import retry

    @retry
    def fetch_rates():
        return client.get("/rates").json()
    ```

    ## Use instead
    ```python
    from tenacity import retry, stop_after_attempt, wait_random_exponential

    @retry(stop=stop_after_attempt(5), wait=wait_random_exponential(multiplier=0.5, max=30))
    def fetch_rates():
        return client.get("/rates").json()
    ```

    ## Options
    None.

    ## What it does not flag
    - Calls that pass `**kwargs`: the missing argument may be in them.
    - `stop=stop_never` written out: retrying forever was chosen (a reconnect loop that waits).
    - A urllib3 `Retry` that retries at most once (`total=0`, `1` or `False`), and subclasses of
      `Retry` defined in the project (they may change the backoff).
    - Retry helpers of other libraries (redis-py's `Retry`, rq's `Retry`, Celery's
      `autoretry_for`), and a project's own retry decorators.
    - Loops other than `while True:`, loops whose handlers raise, return or break (on any path),
      loops with any pause or any counter or deadline, and handlers that only catch parsing or
      programming errors (`ValueError`, `KeyError`, `JSONDecodeError`, ...).
    - Tests, test helpers and migrations.

    ## References
    - [tenacity](https://tenacity.readthedocs.io/en/latest/)
    - [backoff](https://github.com/litl/backoff)
    - [urllib3 Retry](https://urllib3.readthedocs.io/en/stable/reference/urllib3.util.html#urllib3.util.Retry)
    - [AWS Builders' Library: Timeouts, retries, and backoff with jitter](https://aws.amazon.com/builders-library/timeouts-retries-and-backoff-with-jitter/)
    - [CWE-400: Uncontrolled Resource Consumption](https://cwe.mitre.org/data/definitions/400.html)
    """

    code = "ARC404"
    name = "retry-without-backoff"
    severity = Severity.WARNING
    cwe = 400
    tags = ("resilience",)
    triggers = ("retry", "Retry", "backoff", "while True", "while 1")

    @classmethod
    def gate(cls, mentions: Mentions, options: NoOptions) -> bool:
        return reaches_catalogue(mentions, RETRY_NAMES)

    VALID: ClassVar = [
        """
        from tenacity import retry, stop_after_attempt, wait_exponential

        @retry(stop=stop_after_attempt(5), wait=wait_exponential(max=30))
        def fetch():
            ...
        """,
        """
        import backoff
        import requests

        @backoff.on_exception(backoff.expo, requests.RequestException, max_tries=5)
        def fetch(url):
            return requests.get(url, timeout=5)
        """,
        "from urllib3.util.retry import Retry\nRETRY = Retry(total=5, backoff_factor=0.5)\n",
        "from urllib3.util.retry import Retry\nNO_RETRY = Retry(total=0)\n",
        """
        import time
        import requests

        def poll(url):
            while True:
                try:
                    return requests.get(url, timeout=5)
                except requests.ConnectionError:
                    time.sleep(2)
        """,
        """
        import requests

        def poll(url):
            attempts = 0
            while True:
                try:
                    return requests.get(url, timeout=5)
                except requests.ConnectionError:
                    attempts += 1
                    if attempts > 3:
                        raise
        """,
        Valid("from tenacity import retry\n@retry\ndef test_flaky():\n    ...\n",
              path="tests/test_flaky.py"),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from tenacity import retry\n\n@retry\ndef fetch():\n    ...\n",
            3,
            "@retry with no arguments retries forever and at once",
        ),
        Invalid(
            """
            import tenacity

            @tenacity.retry(stop=tenacity.stop_after_attempt(3))
            def fetch():
                ...
            """,
            4,
            "has no wait=",
        ),
        Invalid(
            """
            import backoff

            @backoff.on_exception(backoff.expo, ConnectionError)
            def fetch():
                ...
            """,
            4,
            "neither max_tries nor max_time",
        ),
        Invalid(
            """
            from requests.adapters import HTTPAdapter, Retry

            ADAPTER = HTTPAdapter(max_retries=Retry(total=5, status_forcelist=[502, 503]))
            """,
            4,
            "has no backoff_factor",
        ),
        Invalid(
            """
            import requests

            def wait_for(url):
                while True:
                    try:
                        return requests.get(url, timeout=5)
                    except requests.ConnectionError:
                        continue
            """,
            5,
            "no pause and no bound",
        ),
    ]

    def __init__(self, ctx: FileContext, options: NoOptions) -> None:
        super().__init__(ctx, options)
        self._skip = is_scaffolding_path(ctx.path)

    # -- tenacity, backoff, urllib3 ---------------------------------------------------------------
    def visit_Decorator(self, node: cst.Decorator) -> None:
        expr = node.decorator
        if self._skip or isinstance(expr, cst.Call):
            return
        qualified = self.ctx.names.qualify(expr)
        if retry_kind(qualified) is RetryKind.TENACITY_DECORATOR:
            self.report(
                expr,
                f"@{dotted(expr)} with no arguments retries forever and at once: tenacity's "
                "defaults are stop=stop_never and wait=wait_none()",
                help=_TENACITY_HELP,
            )

    def visit_Call(self, node: cst.Call) -> None:
        if self._skip:
            return
        qualified = self.ctx.names.qualify(node.func)
        kind = retry_kind(qualified)
        if kind is None:
            return
        if kind in (RetryKind.TENACITY_DECORATOR, RetryKind.TENACITY_LOOP):
            self._check_tenacity(node, qualified, kind)  # type: ignore[arg-type]
        elif kind is RetryKind.BACKOFF:
            self._check_backoff(node, qualified)  # type: ignore[arg-type]
        else:
            self._check_urllib3(node, qualified)  # type: ignore[arg-type]

    def _check_tenacity(self, node: cst.Call, qualified: str, kind: RetryKind) -> None:
        written = dotted(node.func) or qualified
        positional = [a for a in node.args if a.keyword is None and not a.star]
        if kind is RetryKind.TENACITY_DECORATOR and len(positional) == 1 and len(node.args) == 1:
            # retry(fn): the bare decorator applied by hand.
            self.report(
                node,
                f"{written}(...) applied to a function with no arguments retries forever and at "
                "once: tenacity's defaults are stop=stop_never and wait=wait_none()",
                help=_TENACITY_HELP,
            )
            return
        stop = find_argument(node, "stop")
        wait = find_argument(node, "wait")
        missing = []
        if stop.missing:
            missing.append("no stop= (tenacity retries forever by default)")
        elif stop.arg is not None and is_none(stop.arg.value):
            missing.append("stop=None")
        if wait.missing:
            missing.append("no wait= (tenacity retries at once by default)")
        elif wait.arg is not None and self._no_wait(wait.arg.value):
            missing.append(f"wait={code_snippet(wait.arg.value)}, no wait at all")
        if not missing:
            return
        what = "@" + written if kind is RetryKind.TENACITY_DECORATOR else written
        self.report(
            node, f"{what}(...) has {' and '.join(missing)}: a failing dependency is hammered",
            help=_TENACITY_HELP,
        )

    def _no_wait(self, value: cst.BaseExpression) -> bool:
        if is_none(value):
            return True
        if not isinstance(value, cst.Call):
            return False
        qualified = self.ctx.names.qualify(value.func)
        if qualified in _NO_WAIT:
            return True
        if qualified in _FIXED_WAIT:
            wait = find_argument(value, "wait", 0)
            return wait.arg is not None and _is_zero(wait.arg.value)
        return False

    def _check_backoff(self, node: cst.Call, qualified: str) -> None:
        tries = find_argument(node, "max_tries")
        time = find_argument(node, "max_time")
        if tries.hidden or time.hidden:
            return
        bounded = [
            a for a in (tries.arg, time.arg) if a is not None and not is_none(a.value)
        ]
        if bounded:
            return
        written = dotted(node.func) or qualified
        given = [f"{a.keyword.value}=None" for a in (tries.arg, time.arg)
                 if a is not None and a.keyword is not None]
        what = " and ".join(given) if given else "neither max_tries nor max_time"
        self.report(
            node,
            f"@{written}(...) has {what}: it retries forever, holding this worker for as long as "
            "the dependency is down",
            help="give it a limit: max_tries=5 or max_time=60 (seconds)",
        )

    def _check_urllib3(self, node: cst.Call, qualified: str) -> None:
        if any(a.star == "**" for a in node.args):
            return
        total = find_argument(node, "total", 0)
        if total.arg is not None and _at_most_once(total.arg.value):
            return
        factor = find_argument(node, "backoff_factor")
        if factor.arg is None:
            what = "has no backoff_factor (urllib3's default is 0)"
        elif _is_zero(factor.arg.value):
            what = f"has backoff_factor={code_snippet(factor.arg.value)}"
        else:
            return
        written = dotted(node.func) or qualified
        self.report(
            node,
            f"{written}(...) {what}: every retry follows the failure at once, hammering a "
            "dependency that is already failing",
            help="pass backoff_factor=0.5 (waits 0.5, 1, 2, 4 s ... between retries)",
        )

    # -- hand-written loops -------------------------------------------------------------------
    def leave_While(self, node: cst.While) -> None:
        if self._skip or not _forever(node.test):
            return
        scan = _LoopScan()
        node.body.visit(scan)
        if scan.pauses or scan.clock:
            return
        if scan.incremented & scan.compared:
            return
        for attempt in scan.tries:
            call = self._external_call(attempt)
            if call is None:
                continue
            handler = next((h for h in attempt.handlers if _loops_back(h)), None)
            if handler is None:
                continue
            _, where = call
            caught = _caught(handler)
            self.report(
                node,
                f"this `while True:` loop retries {where} on {caught} with no pause and no "
                "bound: a failing dependency is called again at once, in a tight loop",
                help="sleep with exponential backoff and jitter between attempts and give up "
                "after a few attempts or a deadline (tenacity: @retry(stop=stop_after_attempt(5),"
                " wait=wait_random_exponential(max=30)))",
            )
            return

    def _external_call(self, attempt: cst.Try) -> tuple[ExternalCall, str] | None:
        calls = _Calls()
        attempt.body.visit(calls)
        for call in calls.found:
            ext = classify(call, self.ctx.names)
            if ext is None or (ext.kind is CallKind.CONSTRUCTION and not ext.performs_io):
                continue
            return ext, f"{code_snippet(call.func)}()"
        return None


_TENACITY_HELP = (
    "bound it and wait between attempts: @retry(stop=stop_after_attempt(5), "
    "wait=wait_random_exponential(multiplier=0.5, max=30))"
)


def _forever(test: cst.BaseExpression) -> bool:
    if isinstance(test, cst.Name):
        return test.value == "True"
    return isinstance(test, cst.Integer) and test.value == "1"


def _is_zero(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Integer):
        return int(expr.value.replace("_", ""), 0) == 0
    if isinstance(expr, cst.Float):
        try:
            return float(expr.value.replace("_", "")) == 0.0
        except ValueError:
            return False
    return False


def _at_most_once(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Name):
        return expr.value == "False"
    if isinstance(expr, cst.Integer):
        return int(expr.value.replace("_", ""), 0) <= 1
    return False


def _loops_back(handler: cst.ExceptHandler) -> bool:
    """A handler that catches the dependency's failure and always goes round again."""
    if not _catches_transport(handler.type):
        return False
    exits = _Exits()
    handler.body.visit(exits)
    return not exits.found


def _catches_transport(expr: cst.BaseExpression | None) -> bool:
    if expr is None:
        return True  # bare except
    names = [e.value for e in expr.elements] if isinstance(expr, cst.Tuple) else [expr]
    for name in names:
        written = dotted(name)
        if written is None:
            return True  # an expression we cannot read: assume it may catch the failure
        if written.rpartition(".")[2] not in _NOT_TRANSPORT:
            return True
    return False


def _caught(handler: cst.ExceptHandler) -> str:
    if handler.type is None:
        return "any exception"
    return code_snippet(handler.type)


class _LoopScan(cst.CSTVisitor):
    """What a loop body holds, not entering nested functions and classes: its `try` statements
    (not those of nested loops), pauses, clock reads, counters and compared names."""

    def __init__(self) -> None:
        super().__init__()
        self.tries: list[cst.Try] = []
        self.pauses = False
        self.clock = False
        self.incremented: set[str] = set()
        self.compared: set[str] = set()
        self._nested_loops = 0

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def visit_For(self, node: cst.For) -> None:
        self._nested_loops += 1

    def leave_For(self, node: cst.For) -> None:
        self._nested_loops -= 1

    def visit_While(self, node: cst.While) -> None:
        self._nested_loops += 1
        self._names_in(node.test)

    def leave_While(self, node: cst.While) -> None:
        self._nested_loops -= 1

    def visit_Try(self, node: cst.Try) -> None:
        if not self._nested_loops:
            self.tries.append(node)

    def visit_Call(self, node: cst.Call) -> None:
        name = dotted(node.func)
        last = (name or "").rpartition(".")[2].lower()
        if any(word in last for word in _PAUSE_WORDS):
            self.pauses = True
        elif last in _CLOCKS:
            self.clock = True

    def visit_AugAssign(self, node: cst.AugAssign) -> None:
        name = dotted(node.target)
        if name is not None:
            self.incremented.add(name)

    def visit_Assign(self, node: cst.Assign) -> None:
        # `attempts = attempts + 1`
        if isinstance(node.value, cst.BinaryOperation):
            for target in node.targets:
                name = dotted(target.target)
                if name is not None:
                    self.incremented.add(name)

    def visit_Comparison(self, node: cst.Comparison) -> None:
        self._names_in(node)

    def visit_If(self, node: cst.If) -> None:
        self._names_in(node.test)

    def _names_in(self, expr: cst.BaseExpression) -> None:
        names = _Names()
        expr.visit(names)
        self.compared |= names.found


class _Names(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found: set[str] = set()

    def visit_Name(self, node: cst.Name) -> None:
        self.found.add(node.value)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        name = dotted(node)
        if name is not None:
            self.found.add(name)


class _Exits(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found = False

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False

    def on_visit(self, node: cst.CSTNode) -> bool:
        if isinstance(node, _EXITS):
            self.found = True
        elif isinstance(node, cst.Call) and dotted(node.func) in (
            "sys.exit", "exit", "quit", "os._exit"
        ):
            self.found = True
        return super().on_visit(node)


class _Calls(cst.CSTVisitor):
    def __init__(self) -> None:
        self.found: list[cst.Call] = []

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_Call(self, node: cst.Call) -> None:
        self.found.append(node)
