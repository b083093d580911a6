"""ARC605 refresh-token-not-rotated."""

from __future__ import annotations

from typing import ClassVar

from archlint.model import Severity, Span
from archlint.rules._classes import NameRef, symbols
from archlint.rules._constants import BOOL, ConstantCollector, Entry, Located, constants
from archlint.rules._routes import (
    DJANGO,
    DRF,
    Endpoint,
    FileRoutes,
    RouteCollector,
    endpoint_framework,
    route_collectors,
)
from archlint.rules._scaffolding import is_scaffolding_path
from archlint.rules.base import Invalid, ProjectRule, Valid
from archlint.rules.security._refresh import FileRefresh, RefreshCollector, TokenFunction

# SimpleJWT views that issue refresh tokens (the obtain-pair view) or take one in (refresh).
_ISSUING_VIEWS = frozenset({
    "rest_framework_simplejwt.views.TokenObtainPairView",
    "rest_framework_simplejwt.views.TokenRefreshView",
    "rest_framework_simplejwt.views.token_obtain_pair",
    "rest_framework_simplejwt.views.token_refresh",
})
ROTATE, BLACKLIST = "ROTATE_REFRESH_TOKENS", "BLACKLIST_AFTER_ROTATION"
_HELP_ROTATE = ("set `\"ROTATE_REFRESH_TOKENS\": True` and `\"BLACKLIST_AFTER_ROTATION\": True` "
                "in SIMPLE_JWT, with `rest_framework_simplejwt.token_blacklist` in "
                "INSTALLED_APPS, so every refresh hands out a new refresh token and the used one "
                "stops working.")
_HELP_ENDPOINT = ("issue a new refresh token with every refresh (and revoke the one presented), "
                  "so a stolen refresh token is detected when either party uses it again "
                  "(flask-jwt-extended: return `create_refresh_token(identity)` too and "
                  "block-list the old token's jti).")


class RefreshTokenNotRotated(ProjectRule):
    """## What it does
    Flags refresh tokens that are not rotated, that is: a refresh that hands out a new access
    token and lets the client keep using the same refresh token.
    - SimpleJWT: while the project issues refresh tokens (`TokenObtainPairView` or
      `TokenRefreshView` routed, also through a subclass, or `RefreshToken.for_user(...)`
      called), `SIMPLE_JWT["ROTATE_REFRESH_TOKENS"]` false or absent (SimpleJWT's default is
      false: on the entry, or on `SIMPLE_JWT` when absent, or on the first place that issues
      refresh tokens when there is no `SIMPLE_JWT` at all); with rotation on,
      `BLACKLIST_AFTER_ROTATION` false or absent (the old refresh token keeps working until it
      expires), or true while `rest_framework_simplejwt.token_blacklist` is named nowhere in the
      project (without the app, SimpleJWT skips the blacklisting silently). One finding per
      settings entry.
    - A hand-written refresh endpoint (FastAPI, Starlette, Flask, Litestar: its path or handler
      names refresh, or flask-jwt-extended's `@jwt_required(refresh=True)`) whose handler issues
      a new access token and no new refresh token: the incoming refresh token is reused. On the
      route decorator. The endpoints come from the shared route model (`rules/_routes.py`).

    ## Why is this bad?
    A refresh token lives for days or weeks. Without rotation, a stolen one gives its holder
    fresh access tokens for that whole time, and neither the server nor the user can notice.
    With rotation (and revocation of the used token), the first reuse of an old refresh token
    is detectable: OAuth 2.1 requires public clients' refresh tokens to be sender-constrained
    or rotated, and the OAuth 2.0 Security BCP recommends rotation with reuse detection.

    ## Example
    ```python
    @app.post("/auth/refresh")
    @jwt_required(refresh=True)
    def refresh():
        return {"access_token": create_access_token(identity=get_jwt_identity())}
    ```

    ## Use instead
    ```python
    @app.post("/auth/refresh")
    @jwt_required(refresh=True)
    def refresh():
        identity = get_jwt_identity()
        revoke(get_jwt()["jti"])
        return {"access_token": create_access_token(identity=identity),
                "refresh_token": create_refresh_token(identity=identity)}
    ```

    ## Options
    None.

    ## What it does not flag
    - A refresh endpoint whose handler delegates to something archlint cannot see into (a
      service method that returns the token pair), or that calls anything that issues a refresh
      token or both tokens (`create_refresh_token`, `create_tokens`, `issue_token_pair`,
      anything that rotates), or a `jwt.encode` it cannot tell the purpose of.
    - Django and DRF views written by hand (SimpleJWT's own views are judged through the
      settings), sliding tokens (`TokenObtainSlidingView`), and refresh tokens sent with proof
      of possession (DPoP, mTLS), which archlint cannot see.
    - SimpleJWT settings while nothing issues refresh tokens, tests and migrations.

    ## References
    - [The OAuth 2.1 Authorization Framework (draft), 4.3.1 Refresh Token Grant, refresh token protection](https://datatracker.ietf.org/doc/draft-ietf-oauth-v2-1/)
    - [RFC 9700: OAuth 2.0 Security Best Current Practice, 2.2.2 and 4.14.2 (refresh token rotation)](https://www.rfc-editor.org/rfc/rfc9700)
    - [RFC 6819: OAuth 2.0 Threat Model, 5.2.2.3 (refresh token rotation)](https://www.rfc-editor.org/rfc/rfc6819#section-5.2.2.3)
    - [Simple JWT settings: ROTATE_REFRESH_TOKENS, BLACKLIST_AFTER_ROTATION](https://django-rest-framework-simplejwt.readthedocs.io/en/latest/settings.html)
    - [OWASP ASVS 5.0, V10.4 OAuth authorization server (V3/V51 in 4.0)](https://owasp.org/www-project-application-security-verification-standard/)
    - [CWE-613: Insufficient Session Expiration](https://cwe.mitre.org/data/definitions/613.html)
    """

    code = "ARC605"
    name = "refresh-token-not-rotated"
    severity = Severity.WARNING
    cwe = 613
    security_severity = 5.4
    tags = ("security", "oauth", "jwt")
    collectors = (*route_collectors(), ConstantCollector, RefreshCollector)

    VALID: ClassVar = [
        Valid(
            """
            SIMPLE_JWT = {
                "ROTATE_REFRESH_TOKENS": True,
                "BLACKLIST_AFTER_ROTATION": True,
            }
            INSTALLED_APPS = ["rest_framework_simplejwt.token_blacklist"]
            """,
            path="shop/settings.py",
            files={"shop/urls.py": (
                "from django.urls import path\n"
                "from rest_framework_simplejwt.views import TokenObtainPairView\n"
                "urlpatterns = [path('token/', TokenObtainPairView.as_view())]\n")},
        ),
        # SimpleJWT settings without anything that issues refresh tokens
        Valid('SIMPLE_JWT = {"ACCESS_TOKEN_LIFETIME": 300}\n', path="shop/settings.py"),
        # a refresh endpoint that rotates
        """
        from fastapi import FastAPI
        from .security import create_access_token, create_refresh_token

        app = FastAPI()

        @app.post("/auth/refresh")
        def refresh(body: dict):
            user = verify(body["refresh_token"])
            return {"access_token": create_access_token(user),
                    "refresh_token": create_refresh_token(user)}
        """,
        # a refresh endpoint that delegates: nothing to see
        """
        from fastapi import FastAPI
        app = FastAPI()

        @app.post("/auth/refresh")
        async def refresh(body: dict):
            return await auth_service.refresh(body["refresh_token"])
        """,
    ]

    INVALID: ClassVar = [
        Invalid(
            """
            from flask import Flask
            from flask_jwt_extended import create_access_token, get_jwt_identity, jwt_required

            app = Flask(__name__)

            @app.post("/token/refresh")
            @jwt_required(refresh=True)
            def refresh():
                return {"access_token": create_access_token(identity=get_jwt_identity())}
            """,
            line=7,
            message="returns a new access token (create_access_token, line 10) and no new refresh token",
        ),
        Invalid(
            """
            from datetime import timedelta
            SIMPLE_JWT = {
                "ACCESS_TOKEN_LIFETIME": timedelta(minutes=5),
                "ROTATE_REFRESH_TOKENS": False,
            }
            """,
            path="shop/settings.py",
            line=5,
            message="ROTATE_REFRESH_TOKENS is False",
            files={"shop/urls.py": (
                "from django.urls import path\n"
                "from rest_framework_simplejwt.views import TokenRefreshView\n"
                "urlpatterns = [path('token/refresh/', TokenRefreshView.as_view())]\n")},
        ),
        Invalid(
            """
            SIMPLE_JWT = {"ROTATE_REFRESH_TOKENS": True}
            """,
            path="shop/settings.py",
            line=2,
            message="BLACKLIST_AFTER_ROTATION is not set",
            files={"shop/auth.py": (
                "from rest_framework_simplejwt.tokens import RefreshToken\n\n"
                "def tokens_for(user):\n"
                "    refresh = RefreshToken.for_user(user)\n"
                "    return str(refresh), str(refresh.access_token)\n")},
        ),
    ]

    def check(self) -> None:
        self._simplejwt()
        self._endpoints()

    # -- SimpleJWT --------------------------------------------------------------------------------
    def _issuers(self) -> list[tuple[str, Span, str]]:
        """Where the project issues SimpleJWT refresh tokens: (path, span, what)."""
        found: list[tuple[str, Span, str]] = []
        for path, fact in self.project.of(RouteCollector.kind):
            if not isinstance(fact, FileRoutes) or is_scaffolding_path(path):
                continue
            for endpoint in fact.endpoints:
                view = self._simplejwt_view(path, endpoint)
                if view is not None:
                    found.append((path, endpoint.span, f"{view} routed"))
        for path, fact in self.project.of(RefreshCollector.kind):
            if isinstance(fact, FileRefresh) and not is_scaffolding_path(path):
                found.extend((path, span, "RefreshToken.for_user") for span in fact.for_user)
        return sorted(found, key=lambda f: (f[0], f[1].line))

    def _simplejwt_view(self, path: str, endpoint: Endpoint) -> str | None:
        """The SimpleJWT view an endpoint routes to, also through a project subclass."""
        ref = endpoint.handler_ref
        if ref is None or endpoint.form not in ("urlpattern", "register", "api_view"):
            return None
        table = symbols(self.project)
        module = table.modules.module_of.get(path)
        if module is None:
            return None
        found = table.of_ref(ref, module) if ref.imported or "." in ref.name else None
        if found is None and not ref.imported:
            found = table.of_ref(ref, module)
        for _ in range(10):
            if found is None:
                return None
            if found.kind == "external":
                return found.name.rpartition(".")[2] if found.name in _ISSUING_VIEWS else None
            if found.kind != "class" or found.cls is None or found.rest:
                return None
            bases = found.cls.fact.bases
            cls_module = found.cls.module
            found = None
            for base in bases:
                candidate = table.of_ref(base, cls_module)
                if candidate is not None and (candidate.kind == "class" or (
                        candidate.kind == "external" and candidate.name in _ISSUING_VIEWS)):
                    found = candidate
                    break
        return None

    def _simplejwt(self) -> None:
        issuers = self._issuers()
        if not issuers:
            return
        table = constants(self.project)
        settings = [located for located in table.all()
                    if located.constant.name == "SIMPLE_JWT" and located.constant.is_dict
                    and not is_scaffolding_path(located.path)]
        if not settings:
            path, span, what = issuers[0]
            self.report_at(
                path, span,
                f"refresh tokens are issued here ({what}) and are not rotated: there is no "
                f"SIMPLE_JWT setting, and SimpleJWT's {ROTATE} defaults to False",
                help=_HELP_ROTATE)
            return
        blacklist_app = any(isinstance(f, FileRefresh) and f.blacklist_app
                            for p, f in self.project.of(RefreshCollector.kind))
        where = f"{issuers[0][2]} at {issuers[0][0]}:{issuers[0][1].line}"
        for located in settings:
            self._settings(table, located, where, blacklist_app)

    def _settings(self, table, located: Located, where: str, blacklist_app: bool) -> None:
        entries = {e.key: e for e in located.constant.entries}
        rotate = self._flag(table, located, entries.get(ROTATE))
        path = located.path
        if rotate is None:
            self.report_at(
                path, located.constant.span,
                f"refresh tokens are not rotated: {ROTATE} is not set in SIMPLE_JWT "
                f"(SimpleJWT's default is False) while refresh tokens are issued ({where})",
                help=_HELP_ROTATE)
            return
        if rotate is False:
            self.report_at(
                path, entries[ROTATE].span,
                f"refresh tokens are not rotated: {ROTATE} is False while refresh tokens are "
                f"issued ({where})", help=_HELP_ROTATE)
            return
        if rotate != "on":
            return  # a value archlint cannot fold
        blacklist = self._flag(table, located, entries.get(BLACKLIST))
        if blacklist is None:
            self.report_at(
                path, located.constant.span,
                f"rotated refresh tokens stay valid: {BLACKLIST} is not set in SIMPLE_JWT "
                "(SimpleJWT's default is False), so a used refresh token keeps working until "
                "it expires", help=_HELP_ROTATE)
        elif blacklist is False:
            self.report_at(
                path, entries[BLACKLIST].span,
                f"rotated refresh tokens stay valid: {BLACKLIST} is False, so a used refresh "
                "token keeps working until it expires", help=_HELP_ROTATE)
        elif blacklist == "on" and not blacklist_app:
            self.report_at(
                path, entries[BLACKLIST].span,
                f"{BLACKLIST} is True but `rest_framework_simplejwt.token_blacklist` is not in "
                "INSTALLED_APPS anywhere in the project: SimpleJWT then skips the blacklisting "
                "silently and used refresh tokens keep working", help=_HELP_ROTATE)

    @staticmethod
    def _flag(table, located: Located, entry: Entry | None) -> object:
        """None when absent, False when it folds to false, "on" when true, "?" otherwise."""
        if entry is None:
            return None
        folded = table.evaluate(located.module, entry.value)
        if folded is None or folded.kind != BOOL:
            if folded is not None and folded.kind == "number":
                return "on" if folded.value else False
            return "?"
        return "on" if folded.value else False

    # -- hand-written refresh endpoints -----------------------------------------------------------
    def _endpoints(self) -> None:
        functions: dict[str, dict[str, TokenFunction]] = {}
        for path, fact in self.project.of(RefreshCollector.kind):
            if isinstance(fact, FileRefresh):
                functions[path] = {f.qualname: f for f in fact.functions}
        for path, fact in self.project.of(RouteCollector.kind):
            if not isinstance(fact, FileRoutes) or is_scaffolding_path(path):
                continue
            local = functions.get(path, {})
            for endpoint in fact.endpoints:
                if endpoint.handler is None or endpoint.handler not in local \
                        or endpoint.is_class:
                    continue
                if endpoint_framework(self.project, path, endpoint) in (None, DJANGO, DRF):
                    continue
                handler = local[endpoint.handler]
                text = f"{endpoint.path or ''} {endpoint.handler}".lower()
                if not (handler.refresh_view or "refresh" in text) or handler.issues_refresh:
                    continue
                route = f"{'/'.join(endpoint.methods) or 'route'} {endpoint.path or ''}".strip()
                self.report_at(
                    path, endpoint.span,
                    f"{route} ({endpoint.handler}) refreshes without rotating: it returns a new "
                    f"access token ({handler.access_callee}, line {handler.access.line}) and no "
                    "new refresh token, so the incoming refresh token stays valid and is reused",
                    help=_HELP_ENDPOINT)


__all__ = ["RefreshTokenNotRotated", "NameRef"]
