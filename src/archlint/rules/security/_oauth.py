"""OAuth 2 flows as facts, for ARC601 (implicit grant), ARC602 (password grant) and ARC603
(authorization code without PKCE).

Per file (phase 1, CPython `ast`, no LibCST parse), `OAuthCollector` records one `FileOAuth`
fact. What can be judged within the file is judged here and recorded as a `Site` (where, and
what it is); what needs other modules is recorded as it is written:

- `implicit` (ARC601): `response_type` "token" / "id_token token" (any value whose
  space-separated types include `token`) as a keyword argument, a dict entry, a `d["..."] = ...`
  item or a query parameter in a URL string or f-string; oauthlib `MobileApplicationClient(...)`
  (so `requests_oauthlib.OAuth2Session(client=MobileApplicationClient(...))` is reported once, on
  the client), oauthlib `MobileApplicationServer`/`ImplicitGrant`; authlib `ImplicitGrant` /
  `OpenIDImplicitGrant` (a grant class of the file, on its `register_grant(...)` call when the
  file registers it, else on the class); django-oauth-toolkit
  `authorization_grant_type=Application.GRANT_IMPLICIT`.
- `password` (ARC602): `grant_type` "password" in the same forms; oauthlib
  `LegacyApplicationClient`/`LegacyApplicationServer`/`ResourceOwnerPasswordCredentialsGrant`;
  authlib `ResourceOwnerPasswordCredentialsGrant` (as for the implicit grant); authlib client
  `fetch_token(url, username=..., password=...)` (authlib guesses the password grant from them);
  django-oauth-toolkit `GRANT_PASSWORD`.
- `password_forms` / `password_bearers` (ARC602, FastAPI): parameters typed
  `OAuth2PasswordRequestForm[Strict]` (also through `Annotated[...]`, `Depends(...)` and
  subclasses of the file): the token endpoint of a password flow; and `OAuth2PasswordBearer(...)`
  instances, which declare the password flow in the OpenAPI document.
- `no_pkce` (ARC603, judged here): `authorization_url()` on a requests-oauthlib `OAuth2Session`
  built in the file without `pkce=` (or `pkce=None`) and not on an implicit/password/backend
  client; `create_authorization_url()` on an authlib `OAuth2Session`/`OAuth2Client`/
  `AsyncOAuth2Client` built in the file with no `code_challenge`, and no `code_verifier` (or a
  `code_verifier` while the client has no `code_challenge_method`); oauthlib
  `WebApplicationClient(...).prepare_request_uri()`/`prepare_authorization_request()` without
  `code_challenge`; a dict literal or `dict(...)` with `response_type` "code" and `client_id`,
  `redirect_uri`, `scope` or `state`,
  and a URL string with `response_type=code` and `client_id=`, when the file never mentions
  `code_challenge` or PKCE.
- `plain` (ARC603): `code_challenge_method` "plain" (keyword, dict entry, URL) and
  requests-oauthlib `pkce="plain"`.
- `registries`, `registrations`, `flow_starts` (ARC603, resolved in the project phase): module
  names bound to an authlib framework `OAuth(...)` registry; `<registry>.register(...)` calls
  (client name, whether `code_challenge_method` is set in `client_kwargs` or as a keyword, or
  cannot be read: `**kwargs`, a `client_kwargs` that is no literal dict, or no `authorize_url`/
  `server_metadata_url`, when the app's configuration supplies the rest);
  `authorize_redirect()`/`create_authorization_url()` on a registered client
  (`oauth.google`, `oauth.create_client("google")`, a name bound to `oauth.register(...)`).
- `client_kwargs_config`: the file names a `*_CLIENT_KWARGS` config key or
  `AUTHLIB_OAUTH_CLIENTS`, through which authlib's Flask/Django integrations can add
  `code_challenge_method` to a registration that does not pass it.

Tests and migrations record nothing: they exercise flows, they do not offer them.
"""

from __future__ import annotations

import ast
import os
import re
from dataclasses import dataclass
from urllib.parse import unquote_plus

from archlint.model import Span
from archlint.rules._ast import all_statements, argument, children, dotted, statements_by_walk
from archlint.rules._classes import NameRef, _Imports, tree_imports
from archlint.rules._scaffolding import is_scaffolding_path
from archlint.rules.base import AstCollector, ProjectModel


@dataclass(frozen=True, slots=True)
class Site:
    span: Span
    what: str  # what carries the problem, as a message names it: 'response_type="token"'
    function: str = ""  # the enclosing function, "" at module level


@dataclass(frozen=True, slots=True)
class Registration:
    """`oauth.register("google", ...)` on an authlib framework registry."""

    span: Span
    registry: NameRef  # the registry as the file names it
    name: str | None  # the client's name; None when not a literal
    pkce: bool | None  # code_challenge_method set (True), surely not (False), cannot tell (None)
    bound: str | None  # the module-level name bound to the result (`google = oauth.register(...)`)


@dataclass(frozen=True, slots=True)
class FlowStart:
    """`authorize_redirect()`/`create_authorization_url()` on a client of an authlib registry."""

    span: Span
    call: str  # as written: "oauth.google.authorize_redirect()"
    registry: NameRef | None  # the registry the client comes from
    client: str | None  # the client's name; None: chosen at run time
    bound: NameRef | None  # or: a name bound to a registration's result


@dataclass(frozen=True, slots=True)
class FileOAuth:
    implicit: tuple[Site, ...] = ()
    password: tuple[Site, ...] = ()
    password_forms: tuple[Site, ...] = ()
    password_bearers: tuple[Site, ...] = ()
    no_pkce: tuple[Site, ...] = ()
    plain: tuple[Site, ...] = ()
    registries: tuple[str, ...] = ()
    registrations: tuple[Registration, ...] = ()
    flow_starts: tuple[FlowStart, ...] = ()
    client_kwargs_config: bool = False


Function = ast.FunctionDef | ast.AsyncFunctionDef

# oauthlib classes by their last name; any module under `oauthlib.` counts.
_OAUTHLIB_IMPLICIT = ("MobileApplicationClient", "MobileApplicationServer", "ImplicitGrant")
_OAUTHLIB_PASSWORD = ("LegacyApplicationClient", "LegacyApplicationServer",
                      "ResourceOwnerPasswordCredentialsGrant")
_OAUTHLIB_NOT_CODE = ("MobileApplicationClient", "LegacyApplicationClient",
                      "BackendApplicationClient", "ServiceApplicationClient", "DeviceClient")
# authlib grant classes a server registers.
_AUTHLIB_IMPLICIT = ("ImplicitGrant", "OpenIDImplicitGrant")
_AUTHLIB_PASSWORD = ("ResourceOwnerPasswordCredentialsGrant",)
_AUTHLIB_CLIENTS = ("OAuth2Session", "OAuth2Client", "AsyncOAuth2Client")
_REQUESTS_OAUTHLIB_SESSIONS = ("requests_oauthlib.OAuth2Session",
                               "requests_oauthlib.oauth2_session.OAuth2Session")
_FASTAPI_FORMS = ("OAuth2PasswordRequestForm", "OAuth2PasswordRequestFormStrict")
_FASTAPI_MODULES = ("fastapi.security", "fastapi.security.oauth2")
# Keyword arguments only an authlib client registration takes (`register` is a common name).
_REGISTRATION_KEYS = ("client_id", "client_secret", "authorize_url", "access_token_url",
                      "server_metadata_url", "client_kwargs", "api_base_url", "authorize_params")

# Parameters of an authorization request besides response_type (RFC 6749, 4.1.1): a dict with
# response_type "code" and one of these is an authorization request, not a server's record.
_REQUEST_KEYS = frozenset({"client_id", "redirect_uri", "scope", "state"})
# A registration that names its endpoints is configured in the call, not by app settings.
_ENDPOINT_KEYS = ("authorize_url", "server_metadata_url")

_QUERY = r"(?:^|[?&#])"
# the value ends the parameter: `grant_type=password in a request body` is prose, not a query
_VALUE = r"=([^&#\s'\"]*)(?=$|[&#'\"])"
_RESPONSE_TYPE = re.compile(_QUERY + "response_type" + _VALUE)
_GRANT_TYPE = re.compile(_QUERY + "grant_type" + _VALUE)
_CHALLENGE_METHOD = re.compile(_QUERY + "code_challenge_method" + _VALUE)
_PKCE_WORDS = re.compile(r"code_challenge|pkce", re.IGNORECASE)
_PLACEHOLDER = "\x00"  # an f-string's `{...}` part


def _types(value: str) -> list[str]:
    """The space-separated types of a response_type ("id_token token", "id_token+token")."""
    return unquote_plus(value).split()


def is_implicit(value: str) -> bool:
    return "token" in _types(value)


def _is_code(value: str) -> bool:
    return _types(value) == ["code"]


class OAuthCollector(AstCollector):
    kind = "oauth"
    triggers = ("response_type", "grant_type", "code_challenge", "oauthlib", "authlib",
                "OAuth2Password", "GRANT_PASSWORD", "GRANT_IMPLICIT", "pkce", "CLIENT_KWARGS",
                "AUTHLIB_OAUTH_CLIENTS", "authorize_redirect", "authorization_url", "register(")

    def collect(self) -> list[FileOAuth]:
        if is_scaffolding_path(self.path):
            return []
        self.imports: _Imports = tree_imports(self.tree)
        self.implicit: list[Site] = []
        self.password: list[Site] = []
        self.forms: list[Site] = []
        self.bearers: list[Site] = []
        self.no_pkce: list[Site] = []
        self.plain: list[Site] = []
        self.registrations: list[Registration] = []
        self.flow_starts: list[FlowStart] = []
        self.constants = _module_constants(self.tree)
        self.module_bindings = _bindings(self.tree.body)
        self.registries = {
            name for name, value in self.module_bindings.items()
            if isinstance(value, ast.Call) and self._is_registry_class(value.func)
        }
        self.grants = self._grant_classes()
        self.form_classes = self._form_classes()
        self._functions: list[Function] = []
        self._scopes: list[dict[str, ast.expr]] = []
        self._self_attrs: list[dict[str, ast.expr]] = []
        self._pkce_mentioned: bool | None = None
        self._registered: set[str] = set()  # grant classes whose register_grant() was reported
        self._visit(self.tree)
        for cls, kind in self.grants.items():
            if cls.name not in self._registered:
                bucket = self.implicit if kind == "implicit" else self.password
                bucket.append(Site(self.span_of(cls), f"the authlib grant class {cls.name}"))
        fact = FileOAuth(
            tuple(self.implicit), tuple(self.password), tuple(self.forms), tuple(self.bearers),
            tuple(self.no_pkce), tuple(self.plain), tuple(sorted(self.registries)),
            tuple(self.registrations), tuple(self.flow_starts),
            "CLIENT_KWARGS" in self.source or "AUTHLIB_OAUTH_CLIENTS" in self.source,
        )
        return [fact] if fact != FileOAuth() else []

    # -- names ---------------------------------------------------------------------------------
    def _qualified(self, expr: ast.expr) -> str | None:
        return self.imports.qualify(expr)

    def _is_registry_class(self, func: ast.expr) -> bool:
        name = self._qualified(func) or ""
        return name.startswith("authlib.") and name.endswith(".OAuth")

    def _oauthlib(self, func: ast.expr, names: tuple[str, ...]) -> str | None:
        name = self._qualified(func) or ""
        last = name.rpartition(".")[2]
        return last if name.startswith("oauthlib.") and last in names else None

    def _authlib_client(self, func: ast.expr) -> bool:
        name = self._qualified(func) or ""
        return name.startswith("authlib.") and name.rpartition(".")[2] in _AUTHLIB_CLIENTS

    def _fastapi(self, expr: ast.expr, names: tuple[str, ...]) -> bool:
        name = self._qualified(expr) or ""
        module, _, last = name.rpartition(".")
        return module in _FASTAPI_MODULES and last in names

    def _string(self, expr: ast.expr | None) -> str | None:
        """A literal string, or a module-level name bound once to one."""
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return expr.value
        if isinstance(expr, ast.Name):
            return self.constants.get(expr.id)
        return None

    def _resolve(self, expr: ast.expr) -> ast.expr:
        """What a local name, module name or `self.x` is bound to (one step), else `expr`."""
        for _ in range(3):
            if isinstance(expr, ast.Name):
                for scope in reversed(self._scopes):
                    if expr.id in scope:
                        expr = scope[expr.id]
                        break
                else:
                    if expr.id in self.module_bindings:
                        expr = self.module_bindings[expr.id]
                    else:
                        return expr
            elif (isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name)
                  and expr.value.id == "self" and self._self_attrs
                  and expr.attr in self._self_attrs[-1]):
                expr = self._self_attrs[-1][expr.attr]
            else:
                return expr
        return expr

    def _function(self) -> str:
        return self._functions[-1].name if self._functions else ""

    def _site(self, node: ast.AST, what: str) -> Site:
        return Site(self.span_of(node), what, self._function())  # type: ignore[arg-type]

    def _mentions_pkce(self) -> bool:
        """The file mentions code_challenge or PKCE: the challenge may be added to the request
        elsewhere (`params.update(pkce)`, or a login URL that another method of the file
        extends with `code_challenge`, as JupyterHub's HubOAuth does)."""
        if self._pkce_mentioned is None:
            self._pkce_mentioned = bool(_PKCE_WORDS.search(self.source))
        return self._pkce_mentioned

    # -- classes of the file -------------------------------------------------------------------
    def _grant_classes(self) -> dict[ast.ClassDef, str]:
        """Classes of the file deriving (within the file) from authlib's implicit or password
        grant."""
        classes = [s for s in statements_by_walk(self.tree) if isinstance(s, ast.ClassDef)]
        kinds: dict[str, str] = {}
        grew = True
        while grew:
            grew = False
            for cls in classes:
                if cls.name in kinds:
                    continue
                for base in cls.bases:
                    kind = self._grant_kind(base, kinds)
                    if kind:
                        kinds[cls.name] = kind
                        grew = True
                        break
        return {cls: kinds[cls.name] for cls in classes if cls.name in kinds}

    def _grant_kind(self, expr: ast.expr, local: dict[str, str]) -> str | None:
        if isinstance(expr, ast.Name) and expr.id in local:
            return local[expr.id]
        name = self._qualified(expr) or ""
        if not name.startswith("authlib."):
            return None
        last = name.rpartition(".")[2]
        if last in _AUTHLIB_IMPLICIT:
            return "implicit"
        if last in _AUTHLIB_PASSWORD:
            return "password"
        return None

    def _form_classes(self) -> set[str]:
        """FastAPI password-form classes and the file's subclasses of them."""
        found: set[str] = set()
        classes = [s for s in statements_by_walk(self.tree) if isinstance(s, ast.ClassDef)]
        grew = True
        while grew:
            grew = False
            for cls in classes:
                if cls.name not in found and any(
                    (isinstance(b, ast.Name) and b.id in found) or self._fastapi(b, _FASTAPI_FORMS)
                    for b in cls.bases
                ):
                    found.add(cls.name)
                    grew = True
        return found

    def _is_form(self, expr: ast.expr | None) -> bool:
        if expr is None:
            return False
        if isinstance(expr, ast.Subscript):  # Annotated[OAuth2PasswordRequestForm, Depends()]
            inner = expr.slice
            first = inner.elts[0] if isinstance(inner, ast.Tuple) and inner.elts else inner
            return self._is_form(first)
        if isinstance(expr, ast.Name) and expr.id in self.form_classes:
            return True
        return self._fastapi(expr, _FASTAPI_FORMS)

    # -- the walk --------------------------------------------------------------------------------
    def _visit(self, node: ast.AST) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self._parameters(node)
            self._functions.append(node)
            self._scopes.append(_bindings(node.body))
            for child in node.body:
                self._visit(child)
            self._scopes.pop()
            self._functions.pop()
            for decorator in node.decorator_list:
                self._visit(decorator)
            return
        if isinstance(node, ast.ClassDef):
            self._self_attrs.append(_self_attributes(node))
            for child in children(node):
                self._visit(child)
            self._self_attrs.pop()
            return
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            return  # a docstring
        if isinstance(node, ast.Call):
            self._call(node)
        elif isinstance(node, ast.Dict):
            self._dict(node)
        elif isinstance(node, ast.Assign):
            self._item_assignment(node)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            self._url(node, node.value)
        elif isinstance(node, ast.JoinedStr):
            text = "".join(v.value if isinstance(v, ast.Constant) else _PLACEHOLDER
                           for v in node.values)
            self._url(node, text)
            return
        for child in children(node):
            self._visit(child)

    def _parameters(self, node: Function) -> None:
        args = node.args
        params = [*args.posonlyargs, *args.args, *args.kwonlyargs]
        defaults: dict[str, ast.expr] = {}
        positional = [*args.posonlyargs, *args.args]
        for param, default in zip(positional[len(positional) - len(args.defaults):],
                                  args.defaults, strict=True):
            defaults[param.arg] = default
        for param, kw_default in zip(args.kwonlyargs, args.kw_defaults, strict=True):
            if kw_default is not None:
                defaults[param.arg] = kw_default
        for param in params:
            default = defaults.get(param.arg)
            depends = (
                default.args[0] if isinstance(default, ast.Call) and default.args else None
            )
            if self._is_form(param.annotation) or self._is_form(depends):
                span = self.span_of(param)  # type: ignore[arg-type]
                self.forms.append(Site(span, f"{node.name}()", node.name))

    # -- keyword arguments, dict entries, item assignments, URLs ----------------------------------
    def _parameter(self, key: str, value: ast.expr, at: ast.AST) -> None:
        """One OAuth request parameter given as `key=value` in any form."""
        if key == "authorization_grant_type":  # django-oauth-toolkit's Application
            name = (dotted(value) or "").rpartition(".")[2]
            text = self._string(value)
            if name == "GRANT_IMPLICIT" or text == "implicit":
                self.implicit.append(self._site(at, "authorization_grant_type implicit"))
            elif name == "GRANT_PASSWORD" or text == "password":
                self.password.append(self._site(at, "authorization_grant_type password"))
            return
        text = self._string(value)
        if text is None:
            return
        if key == "response_type" and is_implicit(text):
            self.implicit.append(self._site(at, f'response_type="{text}"'))
        elif key == "grant_type" and text == "password":
            self.password.append(self._site(at, 'grant_type="password"'))
        elif key == "code_challenge_method" and text.lower() == "plain":
            self.plain.append(self._site(at, 'code_challenge_method="plain"'))

    def _dict(self, node: ast.Dict) -> None:
        keys: dict[str, ast.expr] = {}
        spread = False
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                spread = True
                continue
            text = self._string(key)
            if text is None:
                continue
            keys[text] = value
            self._parameter(text, value, key)
        response = self._string(keys.get("response_type"))
        if (response is not None and _is_code(response) and keys.keys() & _REQUEST_KEYS
                and not spread
                and "code_challenge" not in keys and not self._mentions_pkce()):
            self.no_pkce.append(self._site(
                node, 'an authorization request built by hand (response_type "code")'))

    def _item_assignment(self, node: ast.Assign) -> None:
        for target in node.targets:
            if isinstance(target, ast.Subscript):
                key = self._string(target.slice)
                if key is not None:
                    self._parameter(key, node.value, node)

    def _url(self, node: ast.expr, text: str) -> None:
        if "=" not in text:
            return
        for match in _RESPONSE_TYPE.finditer(text):
            value = match.group(1)
            if _PLACEHOLDER in value:
                continue
            if is_implicit(value):
                self.implicit.append(self._site(node, f"response_type={value} in a URL"))
            elif (_is_code(value) and "client_id=" in text and "code_challenge" not in text
                  and not self._mentions_pkce()):
                self.no_pkce.append(self._site(
                    node, "an authorization URL built by hand (response_type=code)"))
        for match in _GRANT_TYPE.finditer(text):
            if match.group(1) == "password":
                self.password.append(self._site(node, "grant_type=password in a request body"))
        for match in _CHALLENGE_METHOD.finditer(text):
            if match.group(1).lower() == "plain":
                self.plain.append(self._site(node, "code_challenge_method=plain in a URL"))

    # -- calls -----------------------------------------------------------------------------------
    def _call(self, node: ast.Call) -> None:
        for keyword in node.keywords:
            if keyword.arg is not None:
                self._parameter(keyword.arg, keyword.value, keyword)
                if keyword.arg == "pkce" and (self._string(keyword.value) or "").lower() == "plain":
                    self.plain.append(self._site(keyword, 'pkce="plain"'))
        func = node.func
        if isinstance(func, ast.Name) and func.id == "dict":
            self._dict_call(node)
        implicit = self._oauthlib(func, _OAUTHLIB_IMPLICIT)
        if implicit:
            self.implicit.append(self._site(node, f"oauthlib {implicit}"))
        password = self._oauthlib(func, _OAUTHLIB_PASSWORD)
        if password:
            self.password.append(self._site(node, f"oauthlib {password}"))
        if self._fastapi(func, ("OAuth2PasswordBearer",)):
            url = self._string(argument(node, 0, "tokenUrl"))
            shown = f'tokenUrl="{url}"' if url is not None else "tokenUrl=..."
            self.bearers.append(self._site(node, f"OAuth2PasswordBearer({shown})"))
        if isinstance(func, ast.Attribute):
            self._method_call(node, func)

    def _dict_call(self, node: ast.Call) -> None:
        keys = {k.arg for k in node.keywords}
        response = next((self._string(k.value) for k in node.keywords
                         if k.arg == "response_type"), None)
        if (response is not None and _is_code(response) and keys & _REQUEST_KEYS
                and None not in keys and not node.args and "code_challenge" not in keys
                and not self._mentions_pkce()):
            self.no_pkce.append(self._site(
                node, 'an authorization request built by hand (response_type "code")'))

    def _method_call(self, node: ast.Call, func: ast.Attribute) -> None:
        method = func.attr
        if method == "register_grant" and node.args:
            self._register_grant(node)
        elif method == "register":
            self._registration(node, func.value)
        elif method == "authorization_url":
            self._requests_oauthlib_start(node, func.value)
        elif method in ("prepare_request_uri", "prepare_authorization_request"):
            self._oauthlib_start(node, func.value)
        elif method in ("create_authorization_url", "authorize_redirect"):
            self._authlib_start(node, func.value, method)
        elif method == "fetch_token":
            self._authlib_fetch_token(node, func.value)

    def _register_grant(self, node: ast.Call) -> None:
        grant = node.args[0]
        for cls, kind in self.grants.items():
            if isinstance(grant, ast.Name) and grant.id == cls.name:
                self._registered.add(cls.name)
                bucket = self.implicit if kind == "implicit" else self.password
                bucket.append(self._site(node, f"register_grant({cls.name})"))
                return
        kind = self._grant_kind(grant, {})
        if kind:
            bucket = self.implicit if kind == "implicit" else self.password
            bucket.append(self._site(node, f"register_grant({dotted(grant)})"))

    # requests-oauthlib ----------------------------------------------------------------------------
    def _requests_oauthlib_start(self, node: ast.Call, receiver: ast.expr) -> None:
        session = self._resolve(receiver)
        if not isinstance(session, ast.Call):
            return
        if (self._qualified(session.func) or "") not in _REQUESTS_OAUTHLIB_SESSIONS:
            return
        if _spread(session) or _spread(node) or _has(node, "code_challenge"):
            return
        client = argument(session, None, "client")
        if client is not None:
            made = self._resolve(client)
            if not isinstance(made, ast.Call) or self._oauthlib(made.func, _OAUTHLIB_NOT_CODE):
                return  # not a code flow (ARC601/ARC602 report the client), or cannot tell
            if not self._oauthlib(made.func, ("WebApplicationClient",)):
                return
        pkce = argument(session, None, "pkce")
        if pkce is not None and not _is_none(pkce):
            return  # "S256", "plain" (reported as plain) or a value the rule cannot read
        self.no_pkce.append(self._site(
            node, "requests-oauthlib OAuth2Session.authorization_url() on a session built "
                  f"without pkce (line {session.lineno})"))

    def _oauthlib_start(self, node: ast.Call, receiver: ast.expr) -> None:
        client = self._resolve(receiver)
        if not isinstance(client, ast.Call) or not self._oauthlib(client.func,
                                                                  ("WebApplicationClient",)):
            return
        if _spread(node) or _has(node, "code_challenge") or len(node.args) > 4:
            return  # prepare_request_uri(uri, redirect_uri, scope, state, code_challenge, ...)
        self.no_pkce.append(self._site(
            node, f"oauthlib WebApplicationClient.{node.func.attr}() "  # type: ignore[attr-defined]
                  "without code_challenge"))

    # authlib -----------------------------------------------------------------------------------
    def _authlib_session(self, receiver: ast.expr) -> ast.Call | None:
        made = self._resolve(receiver)
        if isinstance(made, ast.Call) and self._authlib_client(made.func):
            return made
        return None

    def _authlib_start(self, node: ast.Call, receiver: ast.expr, method: str) -> None:
        if _spread(node) or _has(node, "code_challenge"):
            return
        response = self._string(argument(node, None, "response_type"))
        if response is not None and not _is_code(response):
            return  # the implicit grant (reported as such) or a hybrid flow
        session = self._authlib_session(receiver)
        if session is not None:
            if method == "create_authorization_url":
                self._authlib_session_start(node, session)
            return
        self._registered_start(node, receiver, method)

    def _authlib_session_start(self, node: ast.Call, session: ast.Call) -> None:
        response = self._string(argument(session, None, "response_type"))
        if response is not None and not _is_code(response):
            return
        verifier = argument(node, 2, "code_verifier")
        if verifier is None or _is_none(verifier):
            why = "no code_verifier is passed"
        else:
            if _spread(session):
                return
            method = argument(session, None, "code_challenge_method")
            if method is not None and not _is_none(method):
                return
            why = (f"a code_verifier is passed but the client (line {session.lineno}) has no "
                   "code_challenge_method, so authlib sends no code_challenge")
        name = (self._qualified(session.func) or "").rpartition(".")[2]
        self.no_pkce.append(self._site(
            node, f"authlib {name}.create_authorization_url() without PKCE: {why}"))

    def _registered_start(self, node: ast.Call, receiver: ast.expr, method: str) -> None:
        call = f"{ast.unparse(receiver)}.{method}()"
        if isinstance(receiver, ast.Attribute) and dotted(receiver.value) is not None:
            # oauth.google.authorize_redirect(...)
            registry = self.imports.ref(receiver.value)
            if registry is not None and receiver.attr not in ("client", "session"):
                self.flow_starts.append(FlowStart(self.span_of(node), call, registry,
                                                  receiver.attr, None))
            return
        made = self._resolve(receiver)
        if isinstance(made, ast.Call) and isinstance(made.func, ast.Attribute):
            owner = made.func.value
            if dotted(owner) is None:
                return
            registry = self.imports.ref(owner)
            if made.func.attr == "create_client":  # oauth.create_client("google")
                name = self._string(made.args[0]) if made.args else None
                self.flow_starts.append(FlowStart(self.span_of(node), call, registry, name, None))
            elif made.func.attr == "register" and isinstance(receiver, ast.Name):
                # google = oauth.register(...) in this function or module
                if receiver.id in self.module_bindings and not any(
                        receiver.id in s for s in self._scopes):
                    self.flow_starts.append(FlowStart(self.span_of(node), call, None, None,
                                                      NameRef(receiver.id, False)))
            return
        if isinstance(made, ast.Call) and isinstance(made.func, ast.Name) \
                and made.func.id == "getattr" and made.args:
            registry = self.imports.ref(made.args[0])
            name = self._string(made.args[1]) if len(made.args) > 1 else None
            if registry is not None:
                self.flow_starts.append(FlowStart(self.span_of(node), call, registry, name, None))
            return
        if isinstance(receiver, ast.Name) and receiver is made and not any(
                receiver.id in s for s in self._scopes):
            # `from .auth import google` (a registration's result bound in another module)
            ref = self.imports.ref(receiver)
            if ref is not None and ref.imported:
                self.flow_starts.append(FlowStart(self.span_of(node), call, None, None, ref))

    def _registration(self, node: ast.Call, owner: ast.expr) -> None:
        if dotted(owner) is None:
            return
        local = isinstance(owner, ast.Name) and owner.id in self.registries
        keys = {k.arg for k in node.keywords}
        if not local and not keys & set(_REGISTRATION_KEYS) and None not in keys:
            return  # some other registry's register()
        if argument(node, None, "request_token_url") is not None:
            return  # an OAuth 1 client
        name = self._string(argument(node, 0, "name"))
        self.registrations.append(Registration(
            self.span_of(node), self.imports.ref(owner) or NameRef(dotted(owner) or "", False),
            name, self._registration_pkce(node), self._bound_to(node)))

    def _registration_pkce(self, node: ast.Call) -> bool | None:
        if _spread(node):
            return None
        direct = argument(node, None, "code_challenge_method")
        if direct is not None:
            return self._challenge_method(direct)
        if not any(_has(node, key) for key in _ENDPOINT_KEYS):
            return None  # endpoints, and maybe client_kwargs, come from configuration
        client_kwargs = argument(node, None, "client_kwargs")
        if client_kwargs is None or _is_none(client_kwargs):
            return False
        value = self._resolve(client_kwargs)
        if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) \
                and value.func.id == "dict":
            if any(k.arg is None for k in value.keywords) or value.args:
                return None
            for keyword in value.keywords:
                if keyword.arg == "code_challenge_method":
                    return self._challenge_method(keyword.value)
            return False
        if not isinstance(value, ast.Dict):
            return None
        for key, item in zip(value.keys, value.values, strict=True):
            if key is None:
                return None
            if self._string(key) == "code_challenge_method":
                return self._challenge_method(item)
        return False

    def _challenge_method(self, value: ast.expr) -> bool | None:
        if _is_none(value):
            return False
        text = self._string(value)
        if text is None:
            return None
        return text.upper() == "S256" or None  # "plain" is reported as plain

    def _bound_to(self, node: ast.Call) -> str | None:
        if self._functions:
            return None
        for name, value in self.module_bindings.items():
            if value is node:
                return name
        return None

    def _authlib_fetch_token(self, node: ast.Call, receiver: ast.expr) -> None:
        if self._authlib_session(receiver) is None or _has(node, "grant_type"):
            return
        if _has(node, "username") and _has(node, "password"):
            self.password.append(self._site(
                node, "authlib fetch_token(username=..., password=...)"))


# -- helpers -------------------------------------------------------------------------------------
def _spread(call: ast.Call) -> bool:
    return any(k.arg is None for k in call.keywords) or any(
        isinstance(a, ast.Starred) for a in call.args)


def _has(call: ast.Call, name: str) -> bool:
    return any(k.arg == name for k in call.keywords)


def _is_none(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is None


def _module_constants(tree: ast.Module) -> dict[str, str]:
    """Module-level names bound exactly once, to a string literal."""
    found: dict[str, str | None] = {}
    for stmt in tree.body:
        if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
                and isinstance(stmt.targets[0], ast.Name):
            name, value = stmt.targets[0].id, stmt.value
        elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) \
                and stmt.value is not None:
            name, value = stmt.target.id, stmt.value
        else:
            continue
        literal = value.value if isinstance(value, ast.Constant) \
            and isinstance(value.value, str) else None
        found[name] = None if name in found else literal
    return {k: v for k, v in found.items() if v is not None}


def _bindings(body: list[ast.stmt]) -> dict[str, ast.expr]:
    """`name = value` and `with value as name` in a block (not entering functions or classes);
    the last binding wins."""
    found: dict[str, ast.expr] = {}

    def walk(stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found.pop(stmt.name, None)
                continue
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        found[target.id] = stmt.value
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) \
                    and stmt.value is not None:
                found[stmt.target.id] = stmt.value
            elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                for item in stmt.items:
                    if isinstance(item.optional_vars, ast.Name):
                        found[item.optional_vars.id] = item.context_expr
            for name in ("body", "orelse", "finalbody"):
                inner = getattr(stmt, name, None)
                if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                    walk(inner)
            for handler in getattr(stmt, "handlers", ()):
                walk(handler.body)

    walk(body)
    return found


def _self_attributes(cls: ast.ClassDef) -> dict[str, ast.expr]:
    """`self.x = value` in the class's methods; an attribute bound twice to different calls is
    dropped."""
    found: dict[str, ast.expr] = {}
    dropped: set[str] = set()
    for method in cls.body:
        if not isinstance(method, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        for stmt in all_statements(method.body):
            if not isinstance(stmt, ast.Assign):
                continue
            for target in stmt.targets:
                if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                        and target.value.id == "self"):
                    if target.attr in found and ast.dump(found[target.attr]) != ast.dump(
                            stmt.value):
                        dropped.add(target.attr)
                    found[target.attr] = stmt.value
    return {k: v for k, v in found.items() if k not in dropped}


# -- the project phase ---------------------------------------------------------------------------
def oauth_facts(project: ProjectModel) -> list[tuple[str, FileOAuth]]:
    return [(path, fact) for path, fact in project.of(OAuthCollector.kind)
            if isinstance(fact, FileOAuth)]


def where(project: ProjectModel, path: str, span: Span, seen_from: str) -> str:
    """`line 12` in the finding's own file, else `pkg/auth.py:12` from the project root."""
    if path == seen_from:
        return f"line {span.line}"
    shown = path
    if project.root is not None:
        relative = os.path.relpath(os.path.abspath(path), os.path.abspath(project.root))
        if not relative.startswith(".."):
            shown = relative.replace(os.sep, "/")
    return f"{shown}:{span.line}"
