"""ARC606 jwt-without-verification."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import ClassVar

import libcst as cst

from archlint.model import Severity
from archlint.rules._calls import code_snippet, find_argument
from archlint.rules._names import dotted
from archlint.rules._scaffolding import is_scaffolding_path
from archlint.rules.base import FileContext, Invalid, PendingReport, Rule, Valid
from archlint.rules.security._values import (
    Binding,
    Scopes,
    dict_entries,
    is_false,
    sequence_items,
    string_value,
)


@dataclass(frozen=True)
class JwtOptions:
    """Options of ARC606.

    `bookkeeping-claims`: claims that may be read from an unverified token when nothing else is
    (scheduling a refresh from `exp`, routing on `iss`): such a read decides nothing.
    `include-tests`: also report tests and test helpers.
    """

    bookkeeping_claims: tuple[str, ...] = ("exp", "iat", "nbf", "iss", "kid", "alg", "typ")
    include_tests: bool = False


def _names(*prefixes: str, functions: str) -> frozenset[str]:
    return frozenset(f"{p}.{f}" for p in prefixes for f in functions.split())


# PyJWT (1.x and 2.x): module functions and PyJWT instances.
_PYJWT_DECODE = _names(
    "jwt", "jwt.api_jwt", "jwt.PyJWT", "jwt.api_jwt.PyJWT", functions="decode decode_complete"
)
_PYJWT_HEADER = _names("jwt", "jwt.api_jws", "jwt.PyJWS", functions="get_unverified_header")
# python-jose
_JOSE_DECODE = frozenset({"jose.jwt.decode"})
_JOSE_CLAIMS = _names("jose.jwt", "jose.jws", functions="get_unverified_claims")
_JOSE_HEADER = _names(
    "jose.jwt", "jose.jws", functions="get_unverified_header get_unverified_headers"
)
# authlib.jose: decode verifies the signature; the claims are checked by `.validate()`.
_AUTHLIB_DECODE = _names(
    "authlib.jose.jwt", "authlib.jose.JsonWebToken", "authlib.jose.rfc7519.JsonWebToken",
    "authlib.jose.rfc7519.jwt.JsonWebToken", functions="decode",
)
# jwcrypto
_JWCRYPTO_JWT = frozenset({"jwcrypto.jwt.JWT"})
_JWCRYPTO_JWS = frozenset({"jwcrypto.jws.JWS"})
_HEADER_READS = _PYJWT_HEADER | _JOSE_HEADER

_UNVERIFIED_NAME = re.compile(r"unverified|insecure|unsafe|without_verif", re.IGNORECASE)
_UNVERIFIED_DOC = re.compile(
    r"without (verifying|verification|validating|validation)|(not|never) (verify|validate)"
    r"|unverified",
    re.IGNORECASE,
)
_FORGE = (
    "anyone can forge its claims (a user id, roles, an expiry) and they are trusted as they are"
)
_HELP_VERIFY = (
    "decode with the issuer's key and a fixed algorithms=[...] list; to choose the key, read "
    "the unverified header (kid) and then verify the same token in this function"
)


@dataclass
class _Event:
    """A decode in one function: what token it reads and whether it verifies it."""

    token: str
    verified: bool
    report: PendingReport | None = None  # unverified reads: the finding, unless excused
    call: cst.Call | None = None


@dataclass
class _Scope:
    node: cst.CSTNode  # the function (or module) whose body the events are in
    events: list[_Event] = field(default_factory=list)
    authlib: list[tuple[cst.Call, PendingReport]] = field(default_factory=list)


class JwtWithoutVerification(Rule):
    """## What it does
    Flags JSON Web Tokens read without verifying them, or verified too weakly:

    - PyJWT: `jwt.decode(..., options={"verify_signature": False})`, `verify=False` (PyJWT
      1.x), `options={"verify_exp": False}`, an `algorithms` list that includes `"none"`, an
      `algorithms` value taken from the token's own unverified header, and a verifying
      `decode` without `algorithms` (PyJWT 1.x then accepts whatever algorithm the token's
      header names: algorithm confusion; PyJWT 2 refuses to decode, so such code is 1.x code).
    - python-jose: `jwt.get_unverified_claims(token)`, `jwt.decode(..., options={
      "verify_signature": False})`, `verify_exp: False`, and `decode` without `algorithms`
      (python-jose then accepts the header's algorithm).
    - jwcrypto: `jwt.JWT(jwt=token)` without `key=` (the token is only deserialized) and
      `JWS().deserialize(token)` without a key, unless the same object is validated/verified
      in the function.
    - authlib.jose: `jwt.decode(s, key)` whose claims are never `.validate()`d: authlib checks
      the signature, but `exp`, `nbf`, `iss` and `aud` only in `claims.validate()`.

    The options dict and the algorithms list may be inline, in a local variable or in a module
    constant. Signature-less reads sit on the `verify_signature` dict entry (or the call, when
    the options come through a name, which the message names); the others on the entry or
    argument that carries the problem.

    ## Why is this bad?
    A JWT is only as trustworthy as its signature check. Claims read from an unverified token
    can be written by anyone: a user id, a role, a tenant. RFC 8725 (JWT BCP) requires
    verifying every token, pinning the accepted algorithms (never `none`, never the one the
    token asks for), and validating the time and audience claims; a token that is never
    checked for `exp` lives forever once leaked.

    ## Example
    ```python
    import jwt

    def current_user(token):
        claims = jwt.decode(token, options={"verify_signature": False})
        return claims["sub"]
    ```

    ## Use instead
    ```python
    import jwt

    def current_user(token):
        claims = jwt.decode(token, PUBLIC_KEY, algorithms=["RS256"], audience="api")
        return claims["sub"]
    ```

    ## Options
    - `bookkeeping-claims` (list, default `["exp", "iat", "nbf", "iss", "kid", "alg", "typ"]`):
      claims that may be read from an unverified token when nothing else is read (scheduling a
      refresh from `exp`, choosing a provider by `iss`).
    - `include-tests` (bool, default false): also report tests and test helpers, which decode
      tokens they just made.

    ## What it does not flag
    - The pick-the-key idiom: an unverified read (`get_unverified_claims`, `verify_signature:
      False`, a key-less jwcrypto deserialization) when the same function also verifies the
      same token (the same expression) with a verifying decode.
    - `get_unverified_header` (kid/alg/typ only; what it feeds is checked where it is used).
    - Reads in a function that says it does not verify: named `*unverified*`/`*insecure*`, or
      whose docstring says the token is read without verification: a documented helper
      (logging, debugging) whose callers decide what to trust.
    - An ID token taken from a token-endpoint response (`token_info["id_token"]`,
      `tokens.get("id_token")`): OIDC Core 3.1.3.7 lets a client that received it directly
      from the token endpoint over TLS skip its signature check. One read from the request
      (`request.form["id_token"]`) is still flagged.
    - An unverified read whose result is used only for the bookkeeping claims above.
    - `verify_aud: False` and other claim options than `verify_signature`/`verify_exp`.
    - Values it cannot see: options or algorithms read from settings, parameters or
      attributes, a call with `**kwargs`; an authlib result that leaves the function
      (returned, passed on, stored), whose caller may validate it.
    - Tests and test helpers (see `include-tests`).

    ## References
    - [RFC 8725: JSON Web Token Best Current Practices, 3.1-3.2, 3.8-3.10](https://www.rfc-editor.org/rfc/rfc8725)
    - [RFC 7519: JSON Web Token, 7.2 Validating a JWT](https://www.rfc-editor.org/rfc/rfc7519#section-7.2)
    - [OWASP ASVS 4.0, V3.5 Token-based Session Management](https://owasp.org/www-project-application-security-verification-standard/)
    - [PyJWT: Usage, reading the claimset without validation](https://pyjwt.readthedocs.io/en/stable/usage.html)
    - [authlib: JSON Web Token, claims validation](https://docs.authlib.org/en/latest/jose/jwt.html)
    - [CWE-347: Improper Verification of Cryptographic Signature](https://cwe.mitre.org/data/definitions/347.html)
    """

    code = "ARC606"
    name = "jwt-without-verification"
    severity = Severity.ERROR
    cwe = 347
    security_severity = 8.1
    tags = ("security",)
    Options = JwtOptions
    triggers = ("jwt", "jose", "jwcrypto")

    VALID: ClassVar = [
        """
        import jwt
        def current_user(token):
            return jwt.decode(token, PUBLIC_KEY, algorithms=["RS256"], audience="api")["sub"]
        """,
        # the pick-the-key idiom
        """
        import jwt
        def verify(token, jwks):
            issuer = jwt.decode(token, options={"verify_signature": False})["iss"]
            key = jwks.key_for(issuer, jwt.get_unverified_header(token)["kid"])
            return jwt.decode(token, key, algorithms=["RS256"], issuer=issuer)
        """,
        # only bookkeeping: when to refresh
        """
        import jwt
        def refresh_at(id_token):
            return jwt.decode(id_token, options={"verify_signature": False}).get("exp")
        """,
        # audience not checked is out of scope
        """
        from jose import jwt
        def claims(token):
            return jwt.decode(token, KEY, algorithms=["HS256"], options={"verify_aud": False})
        """,
        # authlib claims validated
        """
        from authlib.jose import jwt
        def claims(token):
            claims = jwt.decode(token, KEY)
            claims.validate()
            return claims
        """,
        Valid(
            """
            import jwt
            def test_token_roundtrip():
                assert jwt.decode(make(), options={"verify_signature": False})["sub"] == "u1"
            """,
            path="tests/test_tokens.py",
        ),
    ]

    INVALID: ClassVar = [
        Invalid(
            """
            import jwt
            def current_user(token):
                claims = jwt.decode(token, options={"verify_signature": False})
                return claims["sub"]
            """,
            line=4,
            message='"verify_signature": False',
        ),
        Invalid(
            """
            import jwt
            NO_EXPIRY = {"verify_exp": False}
            def claims(token):
                return jwt.decode(token, KEY, algorithms=["HS256"], options=NO_EXPIRY)
            """,
            line=3,
            message="verify_exp",
        ),
        Invalid(
            """
            import jwt
            def claims(token):
                return jwt.decode(token, KEY, algorithms=["HS256", "none"])
            """,
            line=4,
            message='"none"',
        ),
        Invalid(
            """
            import jwt
            def claims(token):
                return jwt.decode(token, PUBLIC_KEY)
            """,
            line=4,
            message="no algorithms",
        ),
        Invalid(
            """
            from jose import jwt
            def roles(token):
                return jwt.get_unverified_claims(token)["roles"]
            """,
            line=4,
            message="get_unverified_claims",
        ),
        Invalid(
            """
            from jwcrypto import jwt
            def subject(token):
                parsed = jwt.JWT(jwt=token)
                return parsed.token.objects["payload"]
            """,
            line=4,
            message="without a key",
        ),
        Invalid(
            """
            from authlib.jose import jwt
            def subject(token):
                claims = jwt.decode(token, PUBLIC_KEY)
                return claims["sub"]
            """,
            line=4,
            message="validate()",
        ),
    ]

    def __init__(self, ctx: FileContext, options: JwtOptions) -> None:
        super().__init__(ctx, options)
        self._values: Scopes | None = None
        self._skip = False
        self._stack: list[_Scope] = []
        # How a call's result is used where it is made: `name = <call>`, `<call>["k"]`,
        # `<call>.get("k")`, `return <call>`.
        self._assigned: dict[int, str] = {}
        self._direct_key: dict[int, str] = {}
        self._bookkeeping = frozenset(options.bookkeeping_claims)

    # -- scopes --------------------------------------------------------------------------------
    def visit_Module(self, node: cst.Module) -> None:
        self._values = Scopes(node)
        self._skip = not self.options.include_tests and is_scaffolding_path(self.ctx.path)
        self._stack = [_Scope(node)]

    def leave_Module(self, node: cst.Module) -> None:
        self._close(self._stack.pop())

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._stack.append(_Scope(node))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._close(self._stack.pop())

    def _close(self, scope: _Scope) -> None:
        verified = {e.token for e in scope.events if e.verified}
        for event in scope.events:
            if event.verified or event.report is None or event.token in verified:
                continue
            if event.call is not None and self._only_bookkeeping(event.call, scope.node):
                continue
            self.ctx.pending.append(event.report)
        for call, report in scope.authlib:
            if self._claims_unvalidated(call, scope.node):
                self.ctx.pending.append(report)

    # -- how results are used ------------------------------------------------------------------
    def visit_Assign(self, node: cst.Assign) -> None:
        value = node.value.expression if isinstance(node.value, cst.Await) else node.value
        if (
            isinstance(value, cst.Call)
            and len(node.targets) == 1
            and isinstance(node.targets[0].target, cst.Name)
        ):
            self._assigned[id(value)] = node.targets[0].target.value

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if isinstance(node.value, cst.Call) and len(node.slice) == 1:
            index = node.slice[0].slice
            key = string_value(index.value) if isinstance(index, cst.Index) else None
            if key is not None:
                self._direct_key[id(node.value)] = key

    def _note_get(self, node: cst.Call) -> None:
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value == "get"
            and isinstance(func.value, cst.Call)
            and node.args
        ):
            key = string_value(node.args[0].value)
            if key is not None:
                self._direct_key[id(func.value)] = key

    def _only_bookkeeping(self, call: cst.Call, scope: cst.CSTNode) -> bool:
        key = self._direct_key.get(id(call))
        if key is not None:
            return key in self._bookkeeping
        name = self._assigned.get(id(call))
        if name is None:
            return False
        keys = _keys_read(scope, name)
        return keys is not None and bool(keys) and keys <= self._bookkeeping

    def _claims_unvalidated(self, call: cst.Call, scope: cst.CSTNode) -> bool:
        """An authlib result read for claims and never validated in its function."""
        if id(call) in self._direct_key:
            return True
        name = self._assigned.get(id(call))
        if name is None:
            return False  # returned or passed on: the caller may validate
        uses = _Uses(name)
        scope.visit(uses)
        if uses.validated:
            return False
        return uses.escapes == 0 and bool(uses.keys)

    # -- calls ---------------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        self._note_get(node)
        if self._skip:
            return
        qualified = self.ctx.names.callee(node.func)
        if qualified is None:
            return
        if qualified in _PYJWT_DECODE:
            self._check_decode(node, qualified, "jwt", pyjwt=True)
        elif qualified in _JOSE_DECODE:
            self._check_decode(node, qualified, "token", pyjwt=False)
        elif qualified in _JOSE_CLAIMS:
            token = find_argument(node, "token", 0).arg
            self._unverified(
                node, node, token,
                f"{code_snippet(node.func)}() reads the claims without verifying the signature: "
                f"{_FORGE}",
            )
        elif qualified in _JWCRYPTO_JWT:
            self._check_jwcrypto_jwt(node)
        elif qualified.rpartition(".")[0] in _JWCRYPTO_JWS and qualified.endswith(".deserialize"):
            self._check_jwcrypto_deserialize(node)
        elif qualified in _AUTHLIB_DECODE:
            self._check_authlib(node)

    def _resolve(self, expr: cst.BaseExpression) -> tuple[cst.BaseExpression, Binding | None]:
        assert self._values is not None
        return self._values.resolve(expr, self.ctx.functions)

    def _pending(self, node: cst.CSTNode, message: str, help: str,
                 binding: Binding | None = None) -> PendingReport:
        related = ((binding.statement, f"{binding.name} is set here"),) if binding else ()
        return PendingReport(self, node, message, help, related, None, tuple(self.ctx.statements))

    def _unverified(self, call: cst.Call, where: cst.CSTNode, token: cst.Arg | None,
                    message: str, binding: Binding | None = None) -> None:
        if token is not None and self._token_response_id_token(token.value):
            return
        if self._documented_unverified():
            return
        text = code_snippet(token.value, 200) if token is not None else ""
        self._stack[-1].events.append(
            _Event(text, False, self._pending(where, message, _HELP_VERIFY, binding), call)
        )

    def _documented_unverified(self) -> bool:
        """The enclosing function says it reads tokens without verifying them (its name, or its
        docstring): a documented helper, whose callers decide what to trust."""
        function = self.ctx.current_function
        if function is None:
            return False
        if _UNVERIFIED_NAME.search(function.name.value):
            return True
        docstring = function.get_docstring() or ""
        return _UNVERIFIED_DOC.search(docstring) is not None

    def _token_response_id_token(self, expr: cst.BaseExpression) -> bool:
        """`token_info["id_token"]` / `tokens.get("id_token")` (directly or through a local):
        an ID token the client got from the token endpoint over TLS, which OIDC Core 3.1.3.7
        lets it accept without a signature check. One read from a request is not."""
        expr = self._resolve(expr)[0]
        base: cst.BaseExpression | None = None
        key: str | None = None
        if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
            index = expr.slice[0].slice
            base = expr.value
            key = string_value(index.value) if isinstance(index, cst.Index) else None
        elif (
            isinstance(expr, cst.Call)
            and isinstance(expr.func, cst.Attribute)
            and expr.func.attr.value == "get"
            and expr.args
        ):
            base, key = expr.func.value, string_value(expr.args[0].value)
        if key != "id_token" or base is None:
            return False
        root = code_snippet(base, 200).split(".")[0].split("[")[0].lower()
        return root not in ("request", "req", "form", "form_data", "args", "params", "query")

    def _verified(self, token: cst.Arg | None) -> None:
        if token is not None:
            self._stack[-1].events.append(_Event(code_snippet(token.value, 200), True))

    def _check_decode(self, node: cst.Call, qualified: str, token_param: str, pyjwt: bool) -> None:
        who = f"{code_snippet(node.func)}()"
        token = find_argument(node, token_param, 0).arg
        options_arg = find_argument(node, "options").arg
        entries: list[tuple[str, cst.BaseExpression, cst.CSTNode]] = []
        options_binding: Binding | None = None
        if options_arg is not None:
            value, options_binding = self._resolve(options_arg.value)
            entries = dict_entries(value) or []
        flags = {key: (value, entry) for key, value, entry in entries}
        signature = flags.get("verify_signature")
        if signature is not None and is_false(self._resolve(signature[0])[0]):
            where = signature[1] if options_binding is None else node
            shown = '"verify_signature": False'
            via = f", through {options_binding.name}" if options_binding else ""
            self._unverified(
                node, where, token,
                f"{who} skips signature verification ({shown}{via}): {_FORGE}",
                options_binding,
            )
            return
        verify = find_argument(node, "verify").arg if pyjwt else None
        if verify is not None and is_false(self._resolve(verify.value)[0]):
            self._unverified(
                node, verify, token,
                f"{who} passes {code_snippet(verify)} (PyJWT 1.x), so the signature is not "
                f"verified: {_FORGE}",
            )
            return
        self._verified(token)
        expiry = flags.get("verify_exp")
        if expiry is not None and is_false(self._resolve(expiry[0])[0]):
            where = f", in {options_binding.name}" if options_binding else ""
            self._report(
                expiry[1],
                f'{who} does not check the token\'s expiry ("verify_exp": False{where}): a '
                "leaked token stays valid forever",
                "drop verify_exp: False; allow clock skew with leeway=... instead",
                related=((node, f"{who} uses it here"),) if options_binding else (),
            )
        self._check_algorithms(node, who, pyjwt)

    def _check_algorithms(self, node: cst.Call, who: str, pyjwt: bool) -> None:
        found = find_argument(node, "algorithms", 2)
        arg = found.arg
        if arg is not None and arg.keyword is None and pyjwt and _is_bool(arg.value):
            # PyJWT 1.x: decode(jwt, key, verify, algorithms, ...)
            found = find_argument(node, "algorithms", 3)
            arg = found.arg
        if arg is None:
            if found.hidden:
                return
            self._report(
                node,
                f"{who} has no algorithms=: the token's own header chooses the algorithm "
                "(PyJWT 1.x, python-jose), which allows algorithm confusion, e.g. an HS256 "
                "token signed with the public RSA key",
                'pass algorithms=["RS256"] (the algorithms your issuer uses)',
            )
            return
        value, binding = self._resolve(arg.value)
        items = sequence_items(value)
        for item in items if items is not None else [value]:
            resolved = self._resolve(item)[0]
            text = string_value(resolved)
            if text is not None and text.strip().lower() == "none":
                self._report(
                    arg,
                    f'{who} accepts algorithm "none"'
                    f"{f' (through {binding.name})' if binding else ''}: an unsigned token "
                    "passes as verified",
                    'remove "none" from algorithms',
                )
                return
            if self._from_header(resolved):
                self._report(
                    arg,
                    f"{who} takes its algorithms from the token's own unverified header "
                    f"({code_snippet(item)}): the attacker chooses how the token is checked",
                    'pass a fixed list, e.g. algorithms=["RS256"]',
                )
                return

    def _from_header(self, expr: cst.BaseExpression) -> bool:
        """`header["alg"]` / `header.get("alg")` where `header` is an unverified header read."""
        base: cst.BaseExpression | None = None
        if isinstance(expr, cst.Subscript):
            base = expr.value
        elif (
            isinstance(expr, cst.Call)
            and isinstance(expr.func, cst.Attribute)
            and expr.func.attr.value == "get"
        ):
            base = expr.func.value
        if base is None:
            return False
        base = self._resolve(base)[0]
        return isinstance(base, cst.Call) and self.ctx.names.callee(base.func) in _HEADER_READS

    def _check_jwcrypto_jwt(self, node: cst.Call) -> None:
        token = find_argument(node, "jwt").arg
        if token is None:
            return
        key = find_argument(node, "key")
        if key.arg is not None or key.hidden:
            self._verified(token)
            return
        name = self._assigned.get(id(node))
        function = self.ctx.current_function
        if name is not None and function is not None and _method_called(function, name,
                                                                         ("validate",)):
            self._verified(token)
            return
        self._unverified(
            node, node, token,
            f"{code_snippet(node.func)}(jwt=...) without a key only deserializes the token: its "
            f"signature is never verified, and {_FORGE}",
        )

    def _check_jwcrypto_deserialize(self, node: cst.Call) -> None:
        if len(node.args) >= 2 or any(a.star for a in node.args) or find_argument(
            node, "key"
        ).arg is not None:
            return
        receiver = dotted(node.func.value) if isinstance(node.func, cst.Attribute) else None
        function = self.ctx.current_function
        if receiver is not None and function is not None and _method_called(
            function, receiver, ("verify", "decrypt")
        ):
            return
        token = find_argument(node, "raw_jws", 0).arg
        self._unverified(
            node, node, token,
            f"{code_snippet(node.func)}() without a key does not verify the signature: {_FORGE}",
        )

    def _check_authlib(self, node: cst.Call) -> None:
        self._stack[-1].authlib.append((node, self._pending(
            node,
            f"{code_snippet(node.func)}() verifies the signature, but the claims (exp, nbf, iss, "
            "aud) are never validated: authlib checks them only in claims.validate(), so an "
            "expired token is accepted",
            "call claims.validate() (with claims_options for iss/aud) before using the claims",
        )))

    def _report(self, node: cst.CSTNode, message: str, help: str,
                related: tuple[tuple[cst.CSTNode, str], ...] = ()) -> None:
        self.report(node, message, help=help, related=related)


def _is_bool(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value in ("True", "False")


class _Uses(cst.CSTVisitor):
    """How a local name is used in a function: claim reads (`n["k"]`, `n.get("k")`),
    `n.validate(...)`, and any other use (`escapes`: returned, passed on, stored)."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.keys: set[str] = set()
        self.validated = False
        self.escapes = 0
        self._handled: set[int] = set()

    def _is_it(self, expr: cst.BaseExpression) -> bool:
        return isinstance(expr, cst.Name) and expr.value == self.name

    def visit_AssignTarget(self, node: cst.AssignTarget) -> None:
        if self._is_it(node.target):
            self._handled.add(id(node.target))

    def visit_Subscript(self, node: cst.Subscript) -> None:
        if self._is_it(node.value):
            self._handled.add(id(node.value))
            index = node.slice[0].slice if len(node.slice) == 1 else None
            key = string_value(index.value) if isinstance(index, cst.Index) else None
            if key is None:
                self.escapes += 1
            else:
                self.keys.add(key)

    def visit_Attribute(self, node: cst.Attribute) -> None:
        self._handled.add(id(node.attr))
        if self._is_it(node.value):
            self._handled.add(id(node.value))
            method = node.attr.value
            if method == "validate":
                self.validated = True
            elif method not in ("get", "items", "keys", "values"):
                self.keys.add(method)

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and self._is_it(func.value)
            and func.attr.value == "get"
            and node.args
        ):
            key = string_value(node.args[0].value)
            if key is None:
                self.escapes += 1
            else:
                self.keys.add(key)

    def visit_Arg(self, node: cst.Arg) -> None:
        if node.keyword is not None:
            self._handled.add(id(node.keyword))

    def visit_Name(self, node: cst.Name) -> None:
        if node.value == self.name and id(node) not in self._handled:
            self.escapes += 1


def _keys_read(scope: cst.CSTNode, name: str) -> set[str] | None:
    """The claims read from local `name` in `scope`, or None when it is used otherwise."""
    uses = _Uses(name)
    scope.visit(uses)
    return None if uses.escapes else uses.keys


class _MethodCalls(cst.CSTVisitor):
    def __init__(self, receiver: str, methods: tuple[str, ...]) -> None:
        self.receiver = receiver
        self.methods = methods
        self.found = False

    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if (
            isinstance(func, cst.Attribute)
            and func.attr.value in self.methods
            and dotted(func.value) == self.receiver
        ):
            self.found = True


def _method_called(function: cst.FunctionDef, receiver: str, methods: tuple[str, ...]) -> bool:
    calls = _MethodCalls(receiver, methods)
    function.visit(calls)
    return calls.found
