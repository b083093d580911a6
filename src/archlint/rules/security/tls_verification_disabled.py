"""ARC607 tls-verification-disabled."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import ClassVar

import libcst as cst

from archlint.model import Edit, Fix, Severity, Span
from archlint.rules._calls import (
    CallKind,
    ExternalCall,
    classify_callee,
    client_type,
    code_snippet,
    describe_call,
    TRANSPORTS,
    find_argument,
    reaches_catalogue,
    transport_library,
)
from archlint.rules._mentions import Mentions
from archlint.rules._names import dotted, iter_statements
from archlint.rules._scaffolding import is_scaffolding_path
from archlint.rules.base import FileContext, Invalid, PendingReport, Rule, Valid
from archlint.rules.security._values import Binding, Scopes, is_false, string_value


# `verify=False`, `VERIFY_SSL = False`, `"verify_ssl": False`, `ctx.check_hostname = False`
_SET_FALSE = re.compile(r"(?i)(?:verify|ssl|hostname)[\w\"'\]]*\s*[:=]\s*False\b")


@dataclass(frozen=True)
class TlsOptions:
    """Options of ARC607.

    `report-opt-in`: also report verification turned off behind an explicit opt-in: under an `if`
    whose test names an insecure/skip-verify setting, or bound to a name that says it is the
    insecure variant (`_insecure_transport = ...`).
    `include-tests`: also report tests, test helpers and migrations.
    """

    report_opt_in: bool = False
    include_tests: bool = False


_UNVERIFIED_CONTEXT = frozenset({"ssl._create_unverified_context", "ssl._create_stdlib_context"})
_CERT_NONE = frozenset({"ssl.CERT_NONE", "ssl.VerifyMode.CERT_NONE"})
# urllib3's `cert_reqs` also takes the names of the ssl constants, with or without `CERT_`.
_CERT_NONE_STRINGS = frozenset({"cert_none", "none"})
# Server-side contexts: CERT_NONE there means "ask clients for no certificate", the default.
_SERVER_SIDE = ("CLIENT_AUTH", "PROTOCOL_TLS_SERVER", "server_side=True")
# An `if` that reads one of these is an explicit opt-in to skipping verification.
_OPT_IN_WORDS = re.compile(
    r"insecure|verif|skip|unsafe|self_?signed|allow_invalid"
    r"|ignore_(ssl|tls|cert)|no_?(ssl|tls|cert)"
    r"|disable_(ssl|tls|cert)",
    re.IGNORECASE,
)
_OPT_IN_NAMES = re.compile(r"insecure|unverified|no_?verify|skip_?verify|unsafe", re.IGNORECASE)
_LOCAL_HOSTS = re.compile(r"^https?://(localhost|127\.0\.0\.1|\[::1\])([:/]|$)", re.IGNORECASE)
# Generated OpenAPI/Swagger clients (kubernetes, giteapy...): `configuration.verify_ssl = False`.
_CONFIGURATION_SUFFIX = ".Configuration"
_SSL_NAMES = frozenset(TRANSPORTS) | _UNVERIFIED_CONTEXT | _CERT_NONE


def _any(target: str) -> bool:
    return True


def _is_configuration(qualified: str) -> bool:
    return qualified.endswith(_CONFIGURATION_SUFFIX)


_HELP_CA = (
    "keep verification on; for a private CA pass its bundle (verify='/path/ca.pem', "
    "ssl.create_default_context(cafile=...)) or set SSL_CERT_FILE / REQUESTS_CA_BUNDLE"
)
_WHY = (
    "the server's certificate is not checked, so anyone on the network path can impersonate "
    "it and read or change the traffic"
)


class TlsVerificationDisabled(Rule):
    """## What it does
    Flags code that turns TLS certificate or hostname verification off for outbound
    connections:

    - `verify=False` on `requests` helpers and `Session` methods, `session.verify = False` on a
      `requests.Session`; `verify=False` on `httpx` helpers, `httpx.Client`/`AsyncClient` and
      `httpx.HTTPTransport`/`AsyncHTTPTransport`;
    - `ssl=False` or `verify_ssl=False` on `aiohttp` requests, `aiohttp.request` and
      `aiohttp.TCPConnector`;
    - `urllib3.PoolManager`/`HTTPSConnectionPool`/`ProxyManager` with `cert_reqs="CERT_NONE"`
      (or `"NONE"`) or `assert_hostname=False`;
    - `ssl._create_unverified_context` (called, or installed as
      `ssl._create_default_https_context`);
    - `ssl.CERT_NONE` assigned to `verify_mode`, passed as a keyword argument (`cert_reqs=`,
      `ssl_cert_reqs=`, `validate=`) or put in a dict entry (`{"cert_reqs": ssl.CERT_NONE}`);
    - `ctx.check_hostname = False` (when the same context also gets `verify_mode = CERT_NONE`,
      one finding, on that line);
    - `configuration.verify_ssl = False` on a generated OpenAPI client `Configuration`.

    The value may come through a name: a local variable or module constant bound to `False`
    (`VERIFY_TLS = False` ... `verify=VERIFY_TLS`) is followed, and the message names it.

    ## Why is this bad?
    Without certificate verification TLS still encrypts, but to whoever answers: an attacker on
    the path (a compromised pod, a rogue Wi-Fi, a poisoned DNS entry) presents any certificate,
    terminates the connection and reads or rewrites credentials, tokens and data. "It is only
    internal traffic" is exactly what Zero Trust rejects: every hop authenticates its peer.
    Without hostname verification any valid certificate for any domain is accepted.

    ## Example
    ```python
    import httpx

    VERIFY_TLS = False

    def client():
        return httpx.Client(base_url=BILLING_URL, verify=VERIFY_TLS)
    ```

    ## Use instead
    ```python
    import httpx
    import ssl

    def client():
        ctx = ssl.create_default_context(cafile="/etc/ssl/internal-ca.pem")
        return httpx.Client(base_url=BILLING_URL, verify=ctx)
    ```

    Fix (`archlint check --fix --unsafe-fixes`): deletes a literal `verify=False` (requests,
    httpx) or `ssl=False` / `verify_ssl=False` (aiohttp) argument with its comma. Unsafe: a
    host with a private CA or a self-signed certificate, often the very reason for the flag,
    fails from then on until the CA bundle is passed. No fix when the value comes through a
    name, or for `CERT_NONE` and unverified contexts (the replacement needs a CA bundle).

    ## Options
    - `report-opt-in` (bool, default false): also report verification turned off behind an
      explicit opt-in: code under an `if` whose test names an insecure or skip-verify setting
      (`if settings.TLS_INSECURE_SKIP_VERIFY:`, `if not verify_ssl:`), or a client bound to a
      name that says it is the insecure variant (`_insecure_transport = ...`).
    - `include-tests` (bool, default false): also report tests, test helpers and migrations,
      which usually talk to local servers with throw-away certificates.

    ## What it does not flag
    - A `verify`/`ssl` value read at run time: a parameter, an attribute, a setting
      (`verify=settings.VERIFY_SSL`), a conditional expression: the code cannot tell what it
      is, and a switch that the deployment sets is an opt-in, not a decision in the code.
    - Verification turned off behind an explicit opt-in (see `report-opt-in`). An `if` that
      merely enables TLS (`if ssl_require:`) is not an opt-in to skipping verification.
    - Requests to a literal `http://` URL (no TLS) or to `localhost`/`127.0.0.1`/`[::1]`.
    - `urllib3.disable_warnings()` alone, `verify=True`, a CA bundle path or an `SSLContext`.
    - `verify_mode = CERT_NONE` in code that builds a server-side context (`Purpose.CLIENT_AUTH`,
      `PROTOCOL_TLS_SERVER`, `server_side=True`): there it means "request no client
      certificate", which is the default.
    - A context whose function also turns verification back on for it
      (`ctx.verify_mode = ssl.CERT_REQUIRED` for a `verify-ca` mode): configurable modes in
      the manner of libpq's `sslmode`, where the unverified one is chosen by configuration.
    - Comparisons with `ssl.CERT_NONE`, and `verify=False` on calls of libraries it does not
      know (its `_calls.py` model: a project's own wrapper with a `verify` parameter).
    - Tests, test helpers and migrations (see `include-tests`).

    ## References
    - [OWASP ASVS 4.0, V9.2 Server Communication Security](https://owasp.org/www-project-application-security-verification-standard/)
    - [RFC 9110, 4.3.4 https certificate verification](https://www.rfc-editor.org/rfc/rfc9110#section-4.3.4)
    - [RFC 6125: Representation and Verification of Domain-Based Application Service Identity](https://www.rfc-editor.org/rfc/rfc6125)
    - [NIST SP 800-207: Zero Trust Architecture](https://csrc.nist.gov/pubs/sp/800/207/final)
    - [requests: SSL Cert Verification](https://requests.readthedocs.io/en/latest/user/advanced/#ssl-cert-verification)
    - [Python ssl: Security considerations](https://docs.python.org/3/library/ssl.html#security-considerations)
    - [CWE-295: Improper Certificate Validation](https://cwe.mitre.org/data/definitions/295.html)
    """

    code = "ARC607"
    name = "tls-verification-disabled"
    severity = Severity.ERROR
    cwe = 295
    security_severity = 7.4
    tags = ("security",)
    Options = TlsOptions
    triggers = ("verify", "ssl", "check_hostname", "cert_reqs", "assert_hostname")
    _VALUES = ("False", "CERT_NONE", "_create_unverified_context", "_create_stdlib_context",
               "NONE", "none")

    VALID: ClassVar = [
        # verification on, or a private CA
        """
        import requests
        def fetch(url):
            return requests.get(url, verify="/etc/ssl/internal-ca.pem", timeout=5)
        """,
        # a run-time setting decides: cannot tell
        """
        import httpx
        from app.config import settings
        client = httpx.Client(verify=settings.VERIFY_SSL)
        """,
        # an explicit opt-in guards it
        """
        import ssl
        def context(settings):
            ctx = ssl.create_default_context()
            if settings.tls_insecure_skip_verify:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            return ctx
        """,
        # only silencing the warning
        """
        import urllib3
        urllib3.disable_warnings()
        """,
        # no TLS at all
        """
        import requests
        requests.get("http://metadata.internal/latest", verify=False, timeout=2)
        """,
        # a server context that asks clients for no certificate
        """
        import ssl
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.verify_mode = ssl.CERT_NONE
        """,
        # tests talk to local servers
        Valid(
            """
            import requests
            def test_health(server):
                assert requests.get(server.url, verify=False).ok
            """,
            path="tests/test_health.py",
        ),
    ]

    INVALID: ClassVar = [
        Invalid(
            """
            import requests
            def fetch(url):
                return requests.get(url, verify=False, timeout=5)
            """,
            line=4,
            message="requests.get() passes verify=False",
        ),
        Invalid(
            """
            import httpx
            VERIFY_TLS = False
            def client():
                return httpx.AsyncClient(verify=VERIFY_TLS)
            """,
            line=5,
            message="verify=VERIFY_TLS, which is False",
        ),
        Invalid(
            """
            import aiohttp
            connector = aiohttp.TCPConnector(ssl=False)
            """,
            line=3,
            message="ssl=False",
        ),
        Invalid(
            """
            import ssl
            ssl._create_default_https_context = ssl._create_unverified_context
            """,
            line=3,
            message="ssl._create_unverified_context",
        ),
        Invalid(
            """
            import ssl
            def context():
                ctx = ssl.create_default_context()
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
                return ctx
            """,
            line=6,
            message="verify_mode = ssl.CERT_NONE",
        ),
        Invalid(
            """
            import urllib3
            http = urllib3.PoolManager(cert_reqs="CERT_NONE")
            """,
            line=3,
            message='cert_reqs="CERT_NONE"',
        ),
        Invalid(
            """
            import requests
            session = requests.Session()
            session.verify = False
            """,
            line=4,
            message="session.verify = False",
        ),
    ]

    @classmethod
    def wants(cls, source: str, options: object) -> bool:
        """Most files say "verify" and "False" somewhere: parse only those where a value
        that turns verification off is written (`CERT_NONE`, an unverified context) or where
        something named for verification or SSL is set to False (`verify=False`,
        `VERIFY_SSL = False`, `"ssl": False`, `session.verify = False`). A `verify=` flowing
        from a name that says neither (`INSECURE = False`) is missed by this pre-filter."""
        if not super().wants(source, options):
            return False
        if any(v in source for v in cls._VALUES if v != "False"):
            return True
        return _SET_FALSE.search(source) is not None

    @classmethod
    def gate(cls, mentions: Mentions, options: object) -> bool:
        """Only `x.check_hostname = False` is reported on any receiver; everything else is a
        call, a constant or a configuration reached through an import: a client library or
        transport, the ssl module's unverified contexts and CERT_NONE, or a generated API
        client's `Configuration`."""
        if "check_hostname" in mentions.source:
            return True
        if reaches_catalogue(mentions, _SSL_NAMES):
            return True
        return mentions.reaches("configuration", _any, _is_configuration)

    def __init__(self, ctx: FileContext, options: TlsOptions) -> None:
        super().__init__(ctx, options)
        self._scopes: Scopes | None = None
        self._skip = False
        self._in_import = 0
        self._module_code: str | None = None
        # `ctx.check_hostname = False`, held until the module ends: dropped when the same
        # receiver in the same function also gets `verify_mode = CERT_NONE` (one finding).
        self._hostname: dict[tuple[int, str], PendingReport] = {}
        self._cert_none: set[tuple[int, str]] = set()

    # -- set-up --------------------------------------------------------------------------------
    def visit_Module(self, node: cst.Module) -> None:
        self._scopes = Scopes(node)
        self._skip = not self.options.include_tests and is_scaffolding_path(self.ctx.path)

    def leave_Module(self, node: cst.Module) -> None:
        for key, pending in self._hostname.items():
            if key not in self._cert_none:
                self.ctx.pending.append(pending)

    def visit_Import(self, node: cst.Import) -> None:
        self._in_import += 1

    def leave_Import(self, node: cst.Import) -> None:
        self._in_import -= 1

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._in_import += 1

    def leave_ImportFrom(self, node: cst.ImportFrom) -> None:
        self._in_import -= 1

    # -- helpers -------------------------------------------------------------------------------
    def _resolve(self, expr: cst.BaseExpression) -> tuple[cst.BaseExpression, Binding | None]:
        assert self._scopes is not None
        return self._scopes.resolve(expr, self.ctx.functions)

    def _opted_in(self) -> bool:
        """Under an `if` that names an insecure/skip-verify switch, or bound to a name that says
        it is the insecure variant."""
        if self.options.report_opt_in:
            return False
        for stmt in self.ctx.statements:
            if isinstance(stmt, (cst.If, cst.While)) and _OPT_IN_WORDS.search(
                code_snippet(stmt.test, 10_000)
            ):
                return True
        if self.ctx.statements:
            innermost = self.ctx.statements[-1]
            if isinstance(innermost, cst.SimpleStatementLine):
                for small in innermost.body:
                    targets: list[cst.BaseExpression] = []
                    if isinstance(small, cst.Assign):
                        targets = [t.target for t in small.targets]
                    elif isinstance(small, cst.AnnAssign):
                        targets = [small.target]
                    for target in targets:
                        name = dotted(target) or ""
                        if _OPT_IN_NAMES.search(name.rpartition(".")[2]):
                            return True
        return False

    def _is_cert_none(self, expr: cst.BaseExpression) -> bool:
        return self.ctx.names.qualify(expr) in _CERT_NONE

    def _server_side(self) -> bool:
        function = self.ctx.current_function
        if function is not None:
            code = self.ctx.code_of(function)
        else:  # module-level code: its own statements, not the functions'
            if self._module_code is None:
                self._module_code = "\n".join(
                    code_snippet(small, 10_000) for small in iter_statements(self.ctx.module)
                )
            code = self._module_code
        return any(marker in code for marker in _SERVER_SIDE)

    def _mode_selected(self, receiver: str) -> bool:
        """The function also turns verification back on for the same context
        (`ctx.verify_mode = ssl.CERT_REQUIRED` under a `verify-ca` mode): it implements
        configurable modes (libpq's sslmode), and the unverified one is chosen by configuration."""
        function = self.ctx.current_function
        if function is None:
            return False
        pattern = re.compile(
            re.escape(receiver) + r"\.(verify_mode\s*=\s*(ssl\.)?CERT_(REQUIRED|OPTIONAL)"
            r"|check_hostname\s*=\s*True)"
        )
        return pattern.search(self.ctx.code_of(function)) is not None

    def _flag_value(
        self, arg: cst.Arg | None
    ) -> tuple[cst.Arg, Binding | None] | None:
        """The argument, when it is False (literally or through a name bound to False)."""
        if arg is None:
            return None
        value, binding = self._resolve(arg.value)
        return (arg, binding) if is_false(value) else None

    def _emit(self, node: cst.CSTNode, message: str, help: str,
              binding: Binding | None = None, fix: Fix | None = None) -> None:
        related = []
        if binding is not None:
            related.append((binding.statement, f"{binding.name} is set here"))
        self.report(node, message, help=help, related=related, fix=fix)

    def _drop_fix(self, call: cst.Call, arg: cst.Arg) -> Fix | None:
        """Delete a literal `verify=False` / `ssl=False` / `verify_ssl=False` argument with its
        comma. Unsafe: a host with a private CA or a self-signed certificate, often the very
        reason for the flag, fails from then on."""
        if not (isinstance(arg.value, cst.Name) and arg.value.value == "False"):
            return None  # a name or an expression: what else uses it is not known here
        index = next(i for i, a in enumerate(call.args) if a is arg)
        if index > 0:  # from the end of the previous argument to the end of this one
            start = self.ctx.span_of(call.args[index - 1].value)
            end = self.ctx.span_of(arg.value)
            span = Span(start.end_line, start.end_column, end.end_line, end.end_column)
        elif len(call.args) > 1:  # the first of several: up to the next argument
            start = self.ctx.span_of(arg)
            nxt = self.ctx.span_of(call.args[1])
            span = Span(start.line, start.column, nxt.line, nxt.column)
        else:  # the only one, with its trailing comma if any
            start = self.ctx.span_of(arg)
            end = self.ctx.span_of(arg.comma if isinstance(arg.comma, cst.Comma) else arg.value)
            span = Span(start.line, start.column, end.end_line, end.end_column)
        keyword = arg.keyword.value if arg.keyword is not None else "the flag"
        return Fix(f"drop {keyword}=False (verify certificates, the default)",
                   (Edit(span, ""),), safe=False)

    @staticmethod
    def _shown(arg: cst.Arg, binding: Binding | None) -> str:
        keyword = arg.keyword.value if arg.keyword is not None else "argument"
        shown = f"{keyword}={code_snippet(arg.value)}"
        if binding is not None:
            return f"{shown}, which is {code_snippet(binding.value)}"
        return shown

    # -- calls ---------------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        if self._skip:
            return
        qualified = self.ctx.names.callee(node.func)
        if qualified is None:
            return
        library = transport_library(qualified)
        if library is not None:
            self._check_flags(node, f"{qualified}()", library)
            return
        ext = classify_callee(node, qualified, self.ctx.names)
        if ext is None:
            return
        if ext.library in ("requests", "httpx", "aiohttp"):
            if ext.kind is not CallKind.CONSTRUCTION and self._plain_or_local(node):
                return
            self._check_flags(node, describe_call(node, ext), ext.library)
        elif ext.library == "urllib3" and ext.kind is CallKind.CONSTRUCTION:
            self._check_urllib3(node, ext)

    def _plain_or_local(self, node: cst.Call) -> bool:
        """The URL is a literal `http://` URL (no TLS) or a local one."""
        for keyword, position in (("url", 0), ("url", 1)):
            found = find_argument(node, keyword, position).arg
            text = string_value(found.value) if found is not None else None
            if text is not None and "://" in text:
                return text.lower().startswith("http://") or bool(_LOCAL_HOSTS.match(text))
        return False

    def _check_flags(self, node: cst.Call, who: str, library: str) -> None:
        keywords = ("verify",) if library in ("requests", "httpx") else ("ssl", "verify_ssl")
        for keyword in keywords:
            found = self._flag_value(find_argument(node, keyword).arg)
            if found is None or self._opted_in():
                continue
            arg, binding = found
            help = _HELP_CA
            if library == "aiohttp":
                help = ("drop ssl=False; for a private CA pass "
                        "ssl=ssl.create_default_context(cafile=...)")
            fix = self._drop_fix(node, arg) if binding is None else None
            self._emit(arg, f"{who} passes {self._shown(arg, binding)}: {_WHY}", help, binding,
                       fix)

    def _check_urllib3(self, node: cst.Call, ext: ExternalCall) -> None:
        if self._opted_in():
            return
        found = find_argument(node, "cert_reqs").arg
        if found is not None:
            value, binding = self._resolve(found.value)
            text = string_value(value)
            if text is not None and text.lower().removeprefix("cert_") in _CERT_NONE_STRINGS:
                self._emit(
                    found, f"{ext.qualified}() passes {self._shown(found, binding)}: {_WHY}",
                    'pass cert_reqs="CERT_REQUIRED" (the default) with ca_certs=... for a '
                    "private CA", binding,
                )
                return
        hostname = self._flag_value(find_argument(node, "assert_hostname").arg)
        if hostname is not None:
            arg, binding = hostname
            self._emit(
                arg,
                f"{ext.qualified}() passes {self._shown(arg, binding)}: the certificate is not "
                "matched to the host, so any valid certificate for any domain is accepted",
                "drop assert_hostname=False", binding,
            )

    # -- ssl module ----------------------------------------------------------------------------
    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._check_unverified_reference(node)

    def visit_Name(self, node: cst.Name) -> None:
        self._check_unverified_reference(node)

    def _check_unverified_reference(self, node: cst.Attribute | cst.Name) -> None:
        if self._skip or self._in_import:
            return
        if isinstance(node, cst.Name) and node.value not in (
            "_create_unverified_context", "_create_stdlib_context"
        ):
            return
        if isinstance(node, cst.Attribute) and node.attr.value not in (
            "_create_unverified_context", "_create_stdlib_context"
        ):
            return
        if self.ctx.names.qualify(node) not in _UNVERIFIED_CONTEXT or self._opted_in():
            return
        self._emit(
            node,
            f"{code_snippet(node)} builds an SSL context that checks neither the certificate nor "
            f"the host name: {_WHY}",
            "use ssl.create_default_context() (with cafile=... for a private CA)",
        )

    def visit_Arg(self, node: cst.Arg) -> None:
        if self._skip or node.keyword is None:
            return
        value, binding = self._resolve(node.value)
        if self._is_cert_none(value) and not self._server_side() and not self._opted_in():
            self._emit(
                node,
                f"{node.keyword.value}={code_snippet(node.value)} turns certificate verification "
                f"off: {_WHY}",
                "pass ssl.CERT_REQUIRED (with a CA bundle for a private CA)", binding,
            )

    def visit_DictElement(self, node: cst.DictElement) -> None:
        if self._skip:
            return
        key = string_value(node.key)
        if key is None:
            return
        value, binding = self._resolve(node.value)
        if self._is_cert_none(value) and not self._server_side() and not self._opted_in():
            self._emit(
                node,
                f'"{key}": {code_snippet(node.value)} turns certificate verification off: {_WHY}',
                "use ssl.CERT_REQUIRED (with a CA bundle for a private CA)", binding,
            )

    def visit_Assign(self, node: cst.Assign) -> None:
        if self._skip:
            return
        for target in node.targets:
            if isinstance(target.target, cst.Attribute):
                self._check_attribute(target.target, node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if not self._skip and isinstance(node.target, cst.Attribute) and node.value is not None:
            self._check_attribute(node.target, node.value)

    def _check_attribute(self, target: cst.Attribute, raw: cst.BaseExpression) -> None:
        attr = target.attr.value
        if attr not in ("check_hostname", "verify_mode", "verify", "verify_ssl"):
            return
        value, binding = self._resolve(raw)
        receiver = code_snippet(target.value, 200)
        function = self.ctx.current_function
        key = (id(function) if function is not None else 0, receiver)
        if self._mode_selected(receiver):
            return
        if attr == "verify_mode":
            if not self._is_cert_none(value) or self._server_side():
                return
            self._cert_none.add(key)
            if self._opted_in():
                return
            self._emit(
                target,
                f"{receiver}.verify_mode = {code_snippet(raw)} turns certificate verification "
                f"off: {_WHY}",
                "keep ssl.CERT_REQUIRED and check_hostname = True (create_default_context() "
                "sets both); for a private CA use load_verify_locations(cafile=...)", binding,
            )
            return
        if not is_false(value) or self._opted_in():
            return
        if attr == "check_hostname":
            self._hostname[key] = PendingReport(
                self, target,
                f"{receiver}.check_hostname = False: the certificate is not matched to the host, "
                "so any valid certificate for any domain is accepted",
                "keep check_hostname = True (create_default_context() sets it)",
                ((binding.statement, f"{binding.name} is set here"),) if binding else (),
                None, tuple(self.ctx.statements),
            )
            return
        origin = self.ctx.names.origin_of(target.value)
        if origin is None:
            return
        if attr == "verify":
            owner = client_type(origin)
            if owner is None or owner.library != "requests":
                return
            who = f"{receiver}.verify = False ({receiver}: {owner.name})"
        elif origin.endswith(_CONFIGURATION_SUFFIX):
            who = f"{receiver}.verify_ssl = False ({receiver}: {origin})"
        else:
            return
        self._emit(target, f"{who}: every request through it skips certificate checks; {_WHY}",
                   _HELP_CA, binding)
