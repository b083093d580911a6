"""ARC608 unauthenticated-endpoint."""

from __future__ import annotations

import re
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import ClassVar

from archlint.model import Related, Severity, Span
from archlint.rules._classes import NameRef, symbols
from archlint.rules._routes import (
    DJANGO,
    DRF,
    FASTAPI,
    FLASK,
    STARLETTE,
    UNREADABLE,
    Endpoint,
    FileRoutes,
    Identity,
    RouteCollector,
    endpoint_framework,
    full_paths,
    handler_definition,
    inclusions,
    is_probe,
    owner_identity,
    owner_kinds,
    report_location,
    returns_constant,
    route_collectors,
    serving_owners,
)
from archlint.rules._scaffolding import is_scaffolding_path
from archlint.rules.base import Invalid, ProjectRule, Valid
from archlint.rules.resilience._scope import is_script
from archlint.rules.security._auth import (
    SCHEME_CLASSES,
    AuthCollector,
    FileAuth,
    GuardFunction,
    ViewClass,
)

PUBLIC_PATHS = (
    # RULES.md's list
    "/health*", "/ready*", "/live*", "/metrics", "/docs*", "/openapi.json", "/login*",
    "/token*", "/auth/*",
    # and, under any prefix, what is public by design: signing in, up and out, token and
    # OAuth endpoints, password resets, webhooks (they verify a signature, not a user), API docs
    "*/login*", "*/logout*", "*/signin*", "*/sign-in*", "*/signup*", "*/sign-up*",
    "*/register*", "*/token*", "*/auth/*", "*/oauth*", "*/callback*", "*/password*",
    "*/webhook*", "*/docs*", "*/redoc*", "*/openapi.json", "*/favicon*", "*/static/*",
    "*/public/*", "*/assets/*", "*/robots.txt", "*/manifest.json", "*/.well-known/*", "/",
)
GUARD_NAMES = ("*current*user*", "*auth*", "require_*", "verify_*token*")
GUARD_DECORATORS = ("*login_required*", "*jwt_required*", "*auth*", "*_required", "require_*",
                    "verify_*token*", "has_access*", "protect", "*permission*", "roles_*",
                    "requires")
# Django's HTTP-method decorators look like guards by name and are not.
_NOT_GUARDS = frozenset({"require_http_methods", "require_GET", "require_POST", "require_safe",
                         "login_not_required"})
_GUARD_MIDDLEWARE = ("*auth*", "*jwt*", "*token*", "*login*", "*permission*", "*oauth*",
                     "*keycloak*", "*apikey*", "*api_key*")
_GUARD_MIXINS = ("*loginrequired*", "*permissionrequired*", "*userpassestest*", "*auth*mixin",
                 "accessmixin", "*required*mixin")
_ALLOW_ANY = "AllowAny"
_NOT_GUARD_PARTS = ("service", "repository", "repo", "client", "config", "settings", "form",
                    "session", "_db", "database")
_INSIDE_CHECKS = ("*permission*", "*login*", "is_authenticated", "is_anonymous")
_PUBLIC_WORDS = re.compile(
    r"auth(?!or)|login|logout|sign-?in|sign-?out|sign-?up|register|token|sso|saml|oidc|ldap|mfa|"
    r"2fa|otp|password|callback|webhook|swagger|redoc|openapi|^docs$|session-cookie|"
    # third parties that call in and sign their requests
    r"^slack$|^teams$|^discord$|^telegram$|^whatsapp$|^twilio$|^stripe$|^ingress$|"
    # what a login page loads before anyone is signed in
    r"translations?|^i18n$|^locales?$|^avatars?$")
# GET endpoints that describe the app: what a client asks before it signs in
_METADATA = re.compile(
    r"^(?:version|changelog|config|configuration|info|server[-_]?info|status|feature[-_]?flags|"
    r"features|[a-z-]*tips|serviceproviderconfigs?|schemas|resourcetypes)$")
_METADATA_HANDLER = re.compile(r"(?:^|_)(?:version|changelog|status|server_info|config)$")
# Handlers that serve files of the frontend (`serve`, `serve_asset_file`, `get_logo`), send
# the client elsewhere (`read_folder_redirect`), or answer that nothing is there
# (`api_not_found`): nothing to protect
_STATIC_HANDLER = re.compile(
    r"^serve|static|asset|logo|favicon|frontend|avatar|redirect|not_found|catch_all|fallback")
_FILE = re.compile(r"\\?\.[a-z0-9]{1,5}\$?$")  # `sw.js`, `robots.txt`, Django's `sw\.js$`
_DRF_BASES = ("APIView", "GenericAPIView", "ViewSet", "GenericViewSet", "ModelViewSet",
              "ReadOnlyModelViewSet", "ViewSetMixin")
_LOGIN_FORMS = ("OAuth2PasswordRequestForm", "OAuth2PasswordRequestFormStrict")
_OWNER_WORD = {FLASK: "blueprint", STARLETTE: "router", FASTAPI: "router"}
_LABEL = {FASTAPI: "FastAPI", STARLETTE: "Starlette", FLASK: "Flask", DJANGO: "Django",
          DRF: "Django"}


@dataclass(frozen=True)
class UnauthenticatedEndpointOptions:
    public_paths: tuple[str, ...] = PUBLIC_PATHS  # globs over the full path, `*` crosses `/`
    guard_names: tuple[str, ...] = GUARD_NAMES  # dependency names that authenticate
    guard_decorators: tuple[str, ...] = GUARD_DECORATORS  # Flask/Django decorators that do
    # Report every open endpoint of an app that authenticates, not only whole open routers and
    # paths guarded for another method (far noisier on real backends: see the docs)
    every_open_endpoint: bool = False


@dataclass(frozen=True, slots=True)
class _Seen:
    path: str
    endpoint: Endpoint
    framework: str
    full: tuple[str, ...]
    group: Identity | str  # the app that serves it; "django" for a Django project
    guarded: bool
    # Something may guard it that the rule cannot read (a computed `dependencies=`, a
    # `before_request` hook, a middleware or a call named for authentication): not reported,
    # and no evidence that the app authenticates either.
    maybe: bool = False
    owner: Identity | str = ""  # its router or blueprint (Django: the views module)


class UnauthenticatedEndpoint(ProjectRule):
    """## What it does
    Flags an HTTP endpoint that no authentication guards, in an app that authenticates its
    other endpoints: the route someone forgot. An app that authenticates nowhere is public by
    design (or authenticated in front of it) and stays quiet. One finding per endpoint, on its
    route decorator (Django: the view's `def`/`class` line), when either
    - no endpoint of its router or blueprint (Django: of its views module) is guarded: a whole
      router left open in an app that authenticates; or
    - the same full path is guarded for another method (`GET /users/{id}` requires a user,
      `DELETE /users/{id}` does not).

    An open endpoint in a router that guards its other endpoints, on a path of its own, is a
    decision taken endpoint by endpoint (rates, QR codes, payment status by hash, public
    flows in the backends this rule was tried on) and is not reported.

    What guards an endpoint:
    - FastAPI: a `Depends()`/`Security()` on the route's parameters (also through
      `Annotated[User, Depends(...)]` aliases defined in another module), in the route's,
      router's, `include_router(...)`'s or app's `dependencies=[...]`, whose target is,
      transitively within the project, a security scheme (`OAuth2PasswordBearer`,
      `OAuth2AuthorizationCodeBearer`, `HTTPBearer`, `HTTPBasic`, `APIKey*`, `OpenIdConnect`),
      a function that takes one, a function that refuses unauthenticated requests (`raise
      HTTPException(401)`, `NotAuthenticated`), or a name matching `guard_names`
      (`*current*user*`, which also takes FastAPI's `get_current_active_user`, `*auth*`,
      `require_*`, `verify_*token*`) that does not name a service, client, form, session or
      database (`get_auth_service` is no guard); an authentication middleware on the app.
      A dependency that only forbids (403) may be an authorization check or something else
      entirely (rejecting proxied uploads): its endpoints stay quiet, and prove nothing.
    - Flask: a decorator matching `guard_decorators` (`login_required`, `jwt_required`,
      `auth.login_required`, `roles_required`, Flask-AppBuilder's `has_access`/`protect`, ...),
      a decorator of the project that aborts with 401/403, a `decorators = [...]` class
      attribute, or a `before_request` hook on the app or blueprint.
    - Django: `login_required`-style decorators, `LoginRequiredMixin`/`PermissionRequiredMixin`/
      `UserPassesTestMixin` in the class's bases (through the project's own base classes),
      `LoginRequiredMiddleware` in `MIDDLEWARE`; DRF `permission_classes` (class attribute or
      `@permission_classes`) other than `AllowAny`, or `DEFAULT_PERMISSION_CLASSES`.

    It also flags FastAPI's trap: `def handler(dependencies=[Depends(auth)])`. FastAPI reads a
    parameter named `dependencies` as a query parameter, and never runs the dependencies.

    ## Why is this bad?
    Zero Trust means every request is authenticated. When an app authenticates most routes,
    the one without a guard is almost always an oversight, and an attacker finds it first: it
    exposes data or actions to anyone who can reach the service (OWASP API1/API5: broken
    object and function level authorization).

    ## Example
    ```python
    @router.get("/users/me")
    def me(user: User = Depends(get_current_user)): ...

    @router.delete("/users/{id}")
    def delete_user(id: int): ...   # anyone can delete
    ```

    ## Use instead
    ```python
    router = APIRouter(dependencies=[Depends(get_current_user)])
    ```

    ## Options
    - `public-paths`: globs over the full path (router prefixes, mounts, blueprints and Django
      `include()` joined; `*` crosses `/`) that are public by design. The default is RULES.md's
      list (`/health*`, `/ready*`, `/live*`, `/metrics`, `/docs`, `/openapi.json`, `/login`,
      `/token`, `/auth/*`) plus sign-in, sign-up, token, OAuth callback, password reset and
      webhook paths under any prefix, static files (`*/static/*`, `*/public/*`,
      `*/assets/*`, favicons, `robots.txt`, `manifest.json`, `/.well-known/*`) and `/`.
    - `guard-names`: dependency names that count as authentication.
    - `guard-decorators`: Flask and Django decorator names that count.
    - `every-open-endpoint` (default false): also report an open endpoint in a router that
      guards its others, on a path of its own: the literal reading of "an app that
      authenticates elsewhere". On the pinned backends that reading was wrong more often than
      right (lnbits' rates and QR codes, langflow's public flows, open-webui's version and
      changelog: public by design), so it is opt-in.

    ## What it does not flag
    - Apps (Django: projects) where no endpoint is guarded: public APIs, or APIs authenticated
      by a gateway in front of them.
    - Public paths, probes, and login endpoints (a FastAPI handler taking
      `OAuth2PasswordRequestForm`). Beyond `public-paths`, any path with a segment about
      signing in or out, tokens, OAuth/SSO/SAML/LDAP, MFA, passwords, callbacks, webhooks or
      API docs (`/api/v1/auths/signout`, `/mfa/verify`), and static files (a last segment
      with a file extension: `sw.js`, `samples/data.csv`).
    - Websocket endpoints: a browser cannot send an Authorization header, so they check a
      token in the handler, where this rule does not look.
    - Third-party callbacks (`/slack/events`, Stripe, Twilio, `ingress` segments: they sign
      their requests), what a login page loads (translations, avatars), frontend files,
      redirects and not-found answers (handlers named `serve*` or for static files, assets,
      logos, favicons, redirects, `not_found`, catch-alls), and GET endpoints that
      describe the app (`/version`, `/changelog`, `/config`, `/info`, `/status`,
      `/feature-flags`, SCIM's `/Schemas` and `/ResourceTypes`): public by design in the
      backends this rule was tried on. A sensitive `/config` behind a guard elsewhere is the
      price of that choice.
    - Handlers that may check the caller themselves: they raise or abort with 401/403, or call
      something named for authentication (`verify_token(...)`, `get_current_user(request)`,
      `request.user.is_authenticated`). Such a handler is no evidence that the app
      authenticates, either: a login refuses a wrong password too.
    - DRF views whose `permission_classes` is `AllowAny`: a deliberate opt-out.
    - Endpoints under a Flask `before_request` hook (what the hook checks cannot be told), an
      app-level middleware whose name says it authenticates, a `dependencies=` computed at
      run time (`APIRouter(dependencies=get_dependencies())`), or guards archlint cannot
      resolve by name or definition (a dependency on an attribute of a parameter).
    - Litestar (its `guards=` are not modelled yet), and a scan of some files only.

    ## References
    - [OWASP ASVS 4.0, V4.1.1/V4.1.3: access control on every request](https://owasp.org/www-project-application-security-verification-standard/)
    - [NIST SP 800-207: Zero Trust Architecture, tenet 6](https://csrc.nist.gov/pubs/sp/800/207/final)
    - [OWASP API Security Top 10 2023: API5 Broken Function Level Authorization](https://owasp.org/API-Security/editions/2023/en/0xa5-broken-function-level-authorization/)
    - [FastAPI: dependencies in path operation decorators](https://fastapi.tiangolo.com/tutorial/dependencies/dependencies-in-path-operation-decorators/)
    - [CWE-306: Missing Authentication for Critical Function](https://cwe.mitre.org/data/definitions/306.html)
    """

    code = "ARC608"
    name = "unauthenticated-endpoint"
    severity = Severity.WARNING
    cwe = 306
    security_severity = 7.5
    tags = ("security", "authentication")
    precision = "medium"
    Options = UnauthenticatedEndpointOptions
    collectors = (*route_collectors(), AuthCollector)

    VALID: ClassVar = [
        # the whole router is guarded
        """
        from fastapi import APIRouter, Depends, FastAPI
        from fastapi.security import OAuth2PasswordBearer

        oauth2 = OAuth2PasswordBearer(tokenUrl="token")
        router = APIRouter(dependencies=[Depends(oauth2)])
        app = FastAPI()

        @router.get("/orders")
        def orders():
            return []

        @router.delete("/orders/{id}")
        def delete(id: int):
            return None

        app.include_router(router)
        """,
        # an app that authenticates nowhere is public by design
        """
        from fastapi import FastAPI
        app = FastAPI()

        @app.get("/catalog")
        def catalog():
            return []
        """,
        # public paths and login endpoints
        """
        from fastapi import Depends, FastAPI
        from fastapi.security import OAuth2PasswordRequestForm
        app = FastAPI()

        def get_current_user(token: str):
            return token

        @app.get("/me")
        def me(user=Depends(get_current_user)):
            return user

        @app.post("/api/v1/login/access-token")
        def login(form: OAuth2PasswordRequestForm = Depends()):
            return {}

        @app.get("/healthz")
        def health():
            return {"ok": True}
        """,
        # DRF: a deliberate AllowAny opt-out, and a default permission class
        Valid(
            """
            from rest_framework.permissions import AllowAny
            from rest_framework.views import APIView

            class Catalog(APIView):
                permission_classes = [AllowAny]

            class Orders(APIView):
                pass
            """,
            path="shop/views.py",
            files={
                "shop/urls.py": ("from django.urls import path\nfrom shop import views\n"
                                 "urlpatterns = [path('catalog/', views.Catalog.as_view()),\n"
                                 "               path('orders/', views.Orders.as_view())]\n"),
                "shop/settings.py": ("REST_FRAMEWORK = {'DEFAULT_PERMISSION_CLASSES': "
                                     "['rest_framework.permissions.IsAuthenticated']}\n"),
            },
        ),
    ]

    INVALID: ClassVar = [
        Invalid(
            """
            from fastapi import Depends, FastAPI
            from fastapi.security import HTTPBearer

            bearer = HTTPBearer()
            app = FastAPI()

            @app.get("/users/{id}")
            def read_user(id: int, credentials=Depends(bearer)):
                return credentials

            @app.delete("/users/{id}")
            def delete_user(id: int):
                return None
            """,
            line=12,
            message="DELETE /users/{id} (delete_user) has no authentication",
        ),
        # the guard in an Annotated alias of another module
        Invalid(
            """
            from fastapi import APIRouter
            from app.deps import CurrentUser

            router = APIRouter(prefix="/items")

            @router.get("/")
            def items(user: CurrentUser):
                return []

            @router.post("/")
            def create():
                return {}
            """,
            path="app/items.py",
            line=11,
            message="POST /items/ (create)",
            files={"app/deps.py": (
                "from typing import Annotated\nfrom fastapi import Depends\n"
                "def get_current_user():\n    return None\n"
                "CurrentUser = Annotated[dict, Depends(get_current_user)]\n")},
        ),
        # the FastAPI trap: dependencies= in the signature never runs
        Invalid(
            """
            from fastapi import Depends, FastAPI
            app = FastAPI()

            def require_admin():
                return None

            @app.get("/admin/stats")
            def stats(dependencies=[Depends(require_admin)]):
                return {}
            """,
            line=9,
            message="never runs",
        ),
        # Flask: one view without the decorator the others have
        Invalid(
            """
            from flask import Flask
            from flask_login import login_required
            app = Flask(__name__)

            @app.get("/account")
            @login_required
            def account():
                return {}

            @app.delete("/account")
            def delete_account():
                return {}
            """,
            line=11,
            message="while the same path requires one for another method (GET /account",
        ),
    ]

    def check(self) -> None:
        if not self.project.whole_project:
            return
        self._index()
        paths = full_paths(self.project)
        seen: list[_Seen] = []
        for path, fact in self.project.of(RouteCollector.kind):
            if not isinstance(fact, FileRoutes) or is_scaffolding_path(path) or is_script(path):
                continue
            for endpoint in fact.endpoints:
                framework = endpoint_framework(self.project, path, endpoint)
                if framework not in _LABEL:
                    continue
                full = paths.get((path, endpoint)) or (
                    (endpoint.path,) if endpoint.path is not None else ())
                self._maybe = False
                guarded = self._guarded(path, endpoint, framework)
                if guarded is None:
                    continue  # a deliberate opt-out (AllowAny, login_not_required)
                seen.append(_Seen(path, endpoint, framework, full,
                                  self._group(path, endpoint, framework), guarded,
                                  self._maybe, self._owner(path, endpoint, framework)))
                self._trap(path, endpoint, framework)
        guarded_in: dict[Identity | str, _Seen] = {}
        owners_guarded: set[Identity | str] = set()
        guarded_paths: dict[tuple[Identity | str, str], _Seen] = {}
        for item in seen:
            if item.guarded:
                guarded_in.setdefault(item.group, item)
                owners_guarded.add(item.owner)
                for full in item.full:
                    guarded_paths.setdefault((item.group, full), item)
        reported: set[tuple[str, int]] = set()
        for item in seen:
            example = guarded_in.get(item.group)
            if item.guarded or item.maybe or example is None or self._public(item):
                continue
            if item.owner not in owners_guarded:
                self._report(item, example, reported, whole_owner=True)
                continue
            if self.options.every_open_endpoint:
                self._report(item, example, reported, whole_owner=False)
                continue
            # Its router guards other endpoints and not this one: a decision per endpoint,
            # unless the same path is guarded for another method (GET guarded, DELETE open).
            sibling = next((guarded_paths[(item.group, full)] for full in item.full
                            if (item.group, full) in guarded_paths), None)
            if sibling is not None:
                self._report(item, sibling, reported, whole_owner=False)

    # -- the project's guards -----------------------------------------------------------------
    def _index(self) -> None:
        table = symbols(self.project)
        self.functions: dict[tuple[str, str], tuple[str, GuardFunction]] = {}
        self.views: dict[tuple[str, str], tuple[str, ViewClass]] = {}
        self.schemes: dict[tuple[str, str], tuple[str, NameRef]] = {}
        self.aliases: dict[tuple[str, str], tuple[str, tuple[NameRef, ...]]] = {}
        self.middlewares: list[tuple[str, NameRef | None, NameRef]] = []
        self.ignored: dict[tuple[str, str], Span] = {}
        self.default_permissions: tuple[str, ...] | None = None
        self.login_middleware = False
        for path, fact in self.project.of(AuthCollector.kind):
            module = table.modules.module_of.get(path)
            if not isinstance(fact, FileAuth) or module is None:
                continue
            for function in fact.functions:
                self.functions[(module, function.qualname)] = (path, function)
            for view in fact.views:
                self.views[(module, view.qualname)] = (path, view)
            for name, callee in fact.schemes:
                self.schemes[(module, name)] = (path, callee)
            for name, targets in fact.aliases:
                self.aliases[(module, name)] = (path, targets)
            self.middlewares.extend((path, m.owner, m.middleware) for m in fact.middlewares)
            self.ignored.update(((path, name), span) for name, span in fact.ignored)
            if is_scaffolding_path(path):
                continue
            if fact.default_permissions is not None and self.default_permissions is None:
                self.default_permissions = fact.default_permissions
            self.login_middleware |= any(m.endswith("LoginRequiredMiddleware")
                                         for m in fact.middleware_setting)
        self._guards: dict[tuple[str, str], tuple[bool, bool]] = {}  # (guard, maybe)
        self._maybe = False

    def _is_guard(self, path: str, ref: NameRef | None, depth: int = 0) -> bool:
        """Whether a dependency authenticates: a security scheme, or a function, instance,
        alias or class that leads to one, refuses requests, or is named for authentication."""
        if ref is None or depth > 8:
            return False
        if ref == UNREADABLE:
            self._maybe = True  # computed at run time: it may hold a guard
            return False
        last = ref.name.rpartition(".")[2]
        if last in SCHEME_CLASSES:
            return True
        if last in _LOGIN_FORMS:
            return False  # the login form itself
        identity = owner_identity(self.project, path, ref)
        if identity is not None:
            cached = self._guards.get(identity)
            if cached is not None:
                self._maybe |= cached[1]
                return cached[0]
            outer, self._maybe = self._maybe, False
            self._guards[identity] = (False, False)  # a cycle is no guard
            found = self._defined_guard(identity, depth)
            maybe, self._maybe = self._maybe, outer or self._maybe
            if found is not None:
                self._guards[identity] = (found, maybe)
                return found
            del self._guards[identity]
        return self._named_guard(last)

    def _named_guard(self, name: str) -> bool:
        """A name matching `guard_names`, unless it names a service, a client or a form
        (`get_auth_service`, `AuthClient`, `OAuth2PasswordRequestForm`)."""
        lowered = name.lower()
        return _matches(name, self.options.guard_names) and not any(
            part in lowered for part in _NOT_GUARD_PARTS)

    def _defined_guard(self, identity: Identity, depth: int) -> bool | None:
        """None when the project does not define `identity`."""
        name = identity[1].rpartition(".")[2]
        if identity in self.functions:
            path, function = self.functions[identity]
            if function.refuses == "403":
                self._maybe = True  # forbids something: maybe an authorization check
            return (self._named_guard(name) or function.refuses == "401"
                    or any(self._is_guard(path, d, depth + 1) for d in function.dependencies)
                    or any(self._alias_guard(path, a, depth + 1) for a in function.annotations))
        if identity in self.schemes:
            path, callee = self.schemes[identity]
            return (self._named_guard(name)
                    or self._is_guard(path, callee, depth + 1))
        if identity in self.aliases:
            path, targets = self.aliases[identity]
            return any(self._is_guard(path, t, depth + 1) for t in targets)
        call = (identity[0], f"{identity[1]}.__call__")  # a callable dependency class
        if identity in self.views or call in self.functions:
            bases = self.views[identity][1].bases if identity in self.views else ()
            path = self.views[identity][0] if identity in self.views else self.functions[call][0]
            return (self._named_guard(name)
                    or any(self._is_guard(path, b, depth + 1) for b in bases)
                    or (call in self.functions and self._defined_guard(call, depth + 1) is True))
        return None

    def _alias_guard(self, path: str, ref: NameRef, depth: int) -> bool:
        identity = owner_identity(self.project, path, ref)
        if identity is None or identity not in self.aliases:
            return False
        alias_path, targets = self.aliases[identity]
        return any(self._is_guard(alias_path, t, depth + 1) for t in targets)

    # -- is one endpoint guarded? -------------------------------------------------------------
    def _guarded(self, path: str, endpoint: Endpoint, framework: str) -> bool | None:
        if self._checks_inside(path, endpoint):
            return True
        if framework in (FASTAPI, STARLETTE):
            return self._guarded_asgi(path, endpoint)
        if framework == FLASK:
            return self._guarded_flask(path, endpoint)
        return self._guarded_django(path, endpoint, framework)

    def _checks_inside(self, path: str, endpoint: Endpoint) -> bool:
        """The handler authenticates in its body: it refuses with 401/403, or calls something
        named for authentication (`verify_token(...)`, `request.user.is_authenticated`)."""
        located = handler_definition(self.project, path, endpoint)
        if located is None:
            return False
        module = symbols(self.project).modules.module_of.get(located[0])
        found = self.functions.get((module, located[1])) if module is not None else None
        if found is None:
            return False
        function = found[1]
        if function.refuses or any(_matches(name, (*self.options.guard_names, *_INSIDE_CHECKS))
                                   for name in function.checks):
            # a login refuses a bad password, a delete refuses a protected row: a refusal in
            # a handler keeps it quiet but proves nothing about the app
            self._maybe = True
        return False

    def _guarded_asgi(self, path: str, endpoint: Endpoint) -> bool:
        if any(self._is_guard(path, d) for d in endpoint.dependencies):
            return True
        if any(self._alias_guard(path, a, 0) for a in endpoint.annotations):
            return True
        if any(d.name.rpartition(".")[2] == "requires" for d in endpoint.decorators):
            return True  # Starlette's @requires("authenticated")
        kinds = owner_kinds(self.project)
        modules = symbols(self.project).modules.path_of
        owners = serving_owners(self.project, path, endpoint.owner)
        for identity in owners:
            made = kinds.get(identity)
            owner_path = modules.get(identity[0])
            if made is not None and owner_path is not None and any(
                    self._is_guard(owner_path, d) for d in made.dependencies):
                return True
            for include, _, by in inclusions(self.project, identity):
                by_path = modules.get(by)
                if by_path is not None and any(self._is_guard(by_path, d)
                                               for d in include.dependencies):
                    return True
        return self._middleware_guards(owners)

    def _middleware_guards(self, owners: frozenset[Identity]) -> bool:
        for path, owner, middleware in self.middlewares:
            if not _matches(middleware.name.rpartition(".")[2].lower(), _GUARD_MIDDLEWARE):
                continue
            target = owner_identity(self.project, path, owner)
            if target is None or target in owners:
                self._maybe = True
        return False

    def _guarded_flask(self, path: str, endpoint: Endpoint) -> bool:
        if any(self._guard_decorator(path, d) for d in endpoint.decorators):
            return True
        located = handler_definition(self.project, path, endpoint)
        table = symbols(self.project)
        if located is not None:
            module = table.modules.module_of.get(located[0])
            view = self.views.get((module, located[1])) if module else None
            if view is not None and any(self._guard_decorator(view[0], d)
                                        for d in view[1].decorators):
                return True
        owners = serving_owners(self.project, path, endpoint.owner)
        for hook_path, fact in self.project.of(RouteCollector.kind):
            if isinstance(fact, FileRoutes):
                for hook in fact.hooks:
                    target = owner_identity(self.project, hook_path, hook.owner)
                    if target is None or target in owners:
                        self._maybe = True  # what the hook checks cannot be told
        return self._middleware_guards(owners)

    def _guard_decorator(self, path: str, ref: NameRef) -> bool:
        last = ref.name.rpartition(".")[2]
        if last in _NOT_GUARDS:
            return False
        if _matches(last, self.options.guard_decorators):
            return True
        identity = owner_identity(self.project, path, ref)
        found = self.functions.get(identity) if identity is not None else None
        return found is not None and found[1].refuses == "401"

    def _guarded_django(self, path: str, endpoint: Endpoint, framework: str) -> bool | None:
        located = handler_definition(self.project, path, endpoint)
        module = symbols(self.project).modules.module_of.get(located[0]) if located else None
        function = self.functions.get((module, located[1])) if located and module else None
        view = self.views.get((module, located[1])) if located and module else None
        decorators = [*endpoint.decorators]
        if function is not None:
            decorators += function[1].decorators
        if any(d.name.rpartition(".")[2] == "login_not_required" for d in decorators):
            return None
        if any(self._guard_decorator(located[0] if located else path, d) for d in decorators):
            return True
        permissions: tuple[NameRef, ...] | None = None
        drf = framework == DRF
        if function is not None and function[1].permission_classes is not None:
            permissions, drf = function[1].permission_classes, True
        if view is not None:
            bases, inherited, decorated = self._view_traits(view[0], view[1], 0)
            if decorated or any(_matches(b.lower(), _GUARD_MIXINS) for b in bases):
                return True
            drf = drf or any(b in _DRF_BASES or b.endswith(("APIView", "ViewSet"))
                             for b in bases)
            permissions = inherited if inherited is not None else permissions
        if permissions is not None:
            names = {p.name.rpartition(".")[2] for p in permissions}
            if not names:
                self._maybe = True  # `permission_classes = base + [...]`: cannot be read
                return False
            if names <= {_ALLOW_ANY}:
                return None  # explicitly public
            return True
        if drf and self.default_permissions:
            names = {p.rpartition(".")[2] for p in self.default_permissions}
            return not names <= {_ALLOW_ANY}
        return self.login_middleware

    def _view_traits(self, path: str, view: ViewClass, depth: int
                     ) -> tuple[set[str], tuple[NameRef, ...] | None, bool]:
        """A class view's base names (through the project's own bases), its permission
        classes (its own, else inherited), and whether a guard decorates it."""
        names: set[str] = set()
        permissions = view.permission_classes
        decorated = any(self._guard_decorator(path, d) for d in view.decorators)
        for base in view.bases:
            names.add(base.name.rpartition(".")[2])
            identity = owner_identity(self.project, path, base)
            parent = self.views.get(identity) if identity is not None else None
            if parent is not None and depth < 10:
                more, inherited, guarded = self._view_traits(parent[0], parent[1], depth + 1)
                names |= more
                decorated |= guarded
                if permissions is None:
                    permissions = inherited
        return names, permissions, decorated

    # -- grouping, public paths, reports ------------------------------------------------------
    def _group(self, path: str, endpoint: Endpoint, framework: str) -> Identity | str:
        """The app that serves an endpoint ("authenticates elsewhere" is decided per app; for
        Django per project); the endpoint's own owner when no app can be found."""
        if framework in (DJANGO, DRF):
            return DJANGO
        kinds = owner_kinds(self.project)
        owners = serving_owners(self.project, path, endpoint.owner)
        apps = sorted(o for o in owners if o in kinds and kinds[o].kind == "app")
        if apps:
            return apps[0]
        return owner_identity(self.project, path, endpoint.owner) or f"{path}:{framework}"

    def _public(self, item: _Seen) -> bool:
        handler = item.endpoint.handler or (item.endpoint.handler_ref.name
                                            if item.endpoint.handler_ref else None)
        if is_probe(item.full, handler, item.endpoint.methods):
            return True
        if "WEBSOCKET" in item.endpoint.methods:
            return True  # browsers cannot send headers: websockets authenticate in the handler
        if any(_public_by_design(full) for full in item.full):
            return True
        last = (handler or "").rpartition(".")[2].lower()
        if _STATIC_HANDLER.search(last) or returns_constant(self.project, item.path,
                                                             item.endpoint):
            return True  # a frontend file, a constant or a redirect: nothing to protect
        if set(item.endpoint.methods) <= {"GET", "HEAD"} and (
                _METADATA_HANDLER.search(last)
                or any(_METADATA.match(_last_literal(full)) for full in item.full)):
            return True
        if any(d.name.rpartition(".")[2] in _LOGIN_FORMS for d in item.endpoint.dependencies):
            return True
        return any(_matches(full.lower().rstrip("/") or "/", self.options.public_paths)
                   or _matches(full.lower(), self.options.public_paths) for full in item.full)

    def _trap(self, path: str, endpoint: Endpoint, framework: str) -> None:
        if framework != FASTAPI or endpoint.handler is None:
            return
        span = self.ignored.pop((path, endpoint.handler), None)
        if span is None:
            return
        self.report_at(
            path, span,
            f"`dependencies=[...]` in the signature of {endpoint.handler}() never runs: FastAPI "
            "reads a parameter named `dependencies` as a query parameter, so the guard it "
            "lists is ignored and the endpoint is open",
            help="move it to the route decorator: `@router.get(..., dependencies=[Depends(...)])`")

    def _owner(self, path: str, endpoint: Endpoint, framework: str) -> Identity | str:
        """Where the endpoint's authentication is decided along with its neighbours': its
        router, blueprint or app; for Django, the module that defines the view."""
        if framework in (DJANGO, DRF):
            located = handler_definition(self.project, path, endpoint)
            return located[0] if located is not None else path
        return owner_identity(self.project, path, endpoint.owner) or f"{path}:{framework}"

    def _report(self, item: _Seen, example: _Seen, reported: set[tuple[str, int]],
                whole_owner: bool) -> None:
        where = report_location(self.project, item.path, item.endpoint, item.framework)
        if where is None or (where[0], where[1].line) in reported:
            return
        reported.add((where[0], where[1].line))
        subject = _describe(item)
        label = _LABEL[item.framework]
        scope = "project" if item.framework in (DJANGO, DRF) else "app"
        looked = {
            FASTAPI: "no auth dependency on the route, its router or the app",
            STARLETTE: "no @requires and no authentication middleware",
            FLASK: "no login/JWT decorator and no before_request guard",
            DJANGO: "no login_required, LoginRequiredMixin or DRF permission class",
            DRF: "no login_required, LoginRequiredMixin or DRF permission class",
        }[item.framework]
        if whole_owner:
            where_decided = ("views module" if item.framework in (DJANGO, DRF)
                             else _OWNER_WORD.get(item.framework, "router"))
            message = (f"{subject} has no authentication: {looked}, and no endpoint of its "
                       f"{where_decided} has one, while other endpoints of this {label} {scope} "
                       f"require one (e.g. {_describe(example)})")
        elif set(item.full) & set(example.full):
            message = (f"{subject} has no authentication: {looked}, while the same path "
                       f"requires one for another method ({_describe(example)})")
        else:
            message = (f"{subject} has no authentication: {looked}, while other endpoints of "
                       f"this {label} {scope} require one (e.g. {_describe(example)})")
        example_at = report_location(self.project, example.path, example.endpoint,
                                     example.framework)
        related = [Related(example_at[1], "a guarded endpoint", example_at[0])] \
            if example_at is not None else []
        self.report_at(where[0], where[1], message, related=related,
                       help="add the same guard (a dependency, decorator or permission class), "
                            "or list the path in public-paths if it is public by design")


def _describe(item: _Seen) -> str:
    endpoint = item.endpoint
    handler = endpoint.handler or (endpoint.handler_ref.name.rpartition(".")[2]
                                   if endpoint.handler_ref else None)
    route = " ".join(filter(None, ("/".join(endpoint.methods) if endpoint.methods else None,
                                   item.full[0] if item.full else endpoint.path)))
    if route and handler:
        return f"{route} ({handler})"
    return route or handler or "this endpoint"


def _public_by_design(full: str) -> bool:
    """Signing in and out, tokens, OAuth and SSO, password resets, webhooks, API docs, and
    static files (a last segment with a file extension): public whatever the prefix."""
    segments = [s for s in re.split(r"[/\\]+", full.lower())
                if s and not s.startswith(("{", "<", "(", ":"))]
    if segments and _FILE.search(segments[-1]):
        return True
    return any(_PUBLIC_WORDS.search(segment) for segment in segments)


def _last_literal(full: str) -> str:
    segments = [s for s in full.lower().strip("/$^").split("/")
                if s and not s.startswith(("{", "<", "(", ":"))]
    return segments[-1].replace("\\", "") if segments else ""


def _matches(name: str, patterns: tuple[str, ...]) -> bool:
    lowered = name.lower()
    return any(fnmatchcase(lowered, pattern.lower()) for pattern in patterns)
