"""ARC602 oauth-password-grant."""

from __future__ import annotations

from typing import ClassVar

from archlint.model import Related, Severity
from archlint.rules.base import Invalid, ProjectRule, Valid
from archlint.rules.security._oauth import OAuthCollector, oauth_facts, where

_HELP = (
    "send the user through the authorization-code flow with PKCE, so that only the "
    "authorization server ever sees the password; for a service acting on its own behalf use "
    "the client_credentials grant"
)
_FORM_HELP = (
    "OAuth 2.1 removed the password grant. If this is the login of your own front end, it is a "
    "login endpoint rather than an OAuth token endpoint: take the credentials as a plain form or "
    "JSON body and declare the scheme that carries the token it issues (HTTPBearer, "
    "APIKeyCookie), so the API stops advertising the password grant. If users should log in at "
    "an identity provider, use the authorization-code flow with PKCE "
    "(OAuth2AuthorizationCodeBearer)."
)
_BEARER_HELP = (
    "declare how the token is really obtained: OAuth2AuthorizationCodeBearer(authorizationUrl=..., "
    "tokenUrl=...) for an authorization server's code flow with PKCE, or HTTPBearer when the "
    "token comes from elsewhere"
)


class OAuthPasswordGrant(ProjectRule):
    """## What it does
    Flags the OAuth 2.0 resource-owner password credentials grant, which OAuth 2.1 removed:

    - `grant_type="password"` in a token request: a keyword argument, a dict entry
      (`data={"grant_type": "password", ...}`), an item assignment, or a form body or query
      string (`"grant_type=password&username=..."`); a module-level string constant passed by
      name counts.
    - oauthlib `LegacyApplicationClient(...)`, also inside
      `requests_oauthlib.OAuth2Session(client=LegacyApplicationClient(...))`, whose
      `fetch_token(username=..., password=...)` is the same flow: one finding, on the client.
    - authlib clients (`OAuth2Session`, `OAuth2Client`, `AsyncOAuth2Client` built in the file)
      calling `fetch_token(url, username=..., password=...)` without a `grant_type`: authlib
      then sends `grant_type=password`.
    - Servers that offer the grant: oauthlib `LegacyApplicationServer(...)` and
      `ResourceOwnerPasswordCredentialsGrant(...)`; authlib `ResourceOwnerPasswordCredentialsGrant`
      subclasses, on their `register_grant(...)` call when the same file registers them, else on
      the class; django-oauth-toolkit applications created with
      `authorization_grant_type=Application.GRANT_PASSWORD` (or `"password"`).
    - FastAPI: a function parameter of type `OAuth2PasswordRequestForm` (or `...Strict`, or a
      subclass; through `Annotated[..., Depends()]` or `= Depends(...)`) is the token endpoint
      of a password flow, and is reported on that parameter. The
      `OAuth2PasswordBearer(tokenUrl=...)`
      instances that point clients at it are the same flow and are named in that finding, not
      reported again. An `OAuth2PasswordBearer` is reported by itself only when the project has
      no such endpoint: it still declares the password flow in the OpenAPI document (Swagger UI
      asks for the user's password and posts `grant_type=password` to `tokenUrl`).

    ## Why is this bad?
    In the password grant the client collects the user's password and sends it to the token
    endpoint. The client sees the credentials, which defeats the point of delegated
    authorization; the flow cannot carry multi-factor authentication, single sign-on or
    consent; and it trains users to type their password into any app. RFC 9700 (Section 2.4)
    says the grant MUST NOT be used, and OAuth 2.1 (draft-ietf-oauth-v2-1, Section 10) removes
    it. FastAPI's tutorial uses `OAuth2PasswordBearer` with `OAuth2PasswordRequestForm` for the
    first-party login of a single app: that works, but it publishes the API as an OAuth 2
    password-grant server, which no OAuth 2.1 client will talk to.

    ## Example
    ```python
    from fastapi import Depends, FastAPI
    from fastapi.security import OAuth2PasswordBearer, OAuth2PasswordRequestForm

    app = FastAPI()
    oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")

    @app.post("/token")
    def login(form: OAuth2PasswordRequestForm = Depends()):
        return {"access_token": issue_token(form.username, form.password)}
    ```

    ## Use instead
    ```python
    from fastapi import Depends, FastAPI
    from fastapi.security import HTTPBearer
    from pydantic import BaseModel

    app = FastAPI()
    bearer = HTTPBearer()

    class Credentials(BaseModel):
        username: str
        password: str

    @app.post("/login")
    def login(credentials: Credentials):
        return {"access_token": issue_token(credentials.username, credentials.password)}
    ```

    ## Options
    None.

    ## What it does not flag
    - Other grant types (`authorization_code`, `refresh_token`, `client_credentials`, device
      code, JWT bearer), and a `grant_type` the rule cannot read.
    - Comparisons (`if grant_type == "password":`), OAuth metadata (`grant_types_supported`),
      and a `password` field in a dict that has no `grant_type`.
    - An `OAuth2PasswordBearer` in a project that also has an `OAuth2PasswordRequestForm`
      endpoint (the flow is reported once, there), and on a scan of some files only.
    - A login endpoint that takes a JSON body or its own form class: that is a login, not the
      OAuth password grant.
    - oauthlib's all-in-one `Server(...)` (its validator decides the grants), tests and
      migrations.

    ## References
    - [OAuth 2.1 (draft-ietf-oauth-v2-1), Section 10: Differences from OAuth 2.0](https://datatracker.ietf.org/doc/html/draft-ietf-oauth-v2-1#section-10)
    - [RFC 6749, Section 4.3: Resource Owner Password Credentials Grant](https://datatracker.ietf.org/doc/html/rfc6749#section-4.3)
    - [RFC 9700 (OAuth 2.0 Security BCP), Section 2.4: Resource Owner Password Credentials Grant](https://datatracker.ietf.org/doc/html/rfc9700#section-2.4)
    - [FastAPI: Simple OAuth2 with Password and Bearer](https://fastapi.tiangolo.com/tutorial/security/simple-oauth2/)
    - [CWE-522: Insufficiently Protected Credentials](https://cwe.mitre.org/data/definitions/522.html)
    """

    code = "ARC602"
    name = "oauth-password-grant"
    severity = Severity.WARNING
    cwe = 522
    security_severity = 5.9
    tags = ("security", "oauth")
    collectors = (OAuthCollector,)

    VALID: ClassVar = [
        # the client credentials grant
        """
        import requests
        def service_token():
            return requests.post(TOKEN_URL, data={"grant_type": "client_credentials"}, timeout=5)
        """,
        # a server dispatching on the grant it was asked for
        """
        def token(request):
            if request.form["grant_type"] == "password":
                return reject(request)
        """,
        # a JSON login, not the OAuth password grant
        """
        from fastapi import FastAPI
        from fastapi.security import HTTPBearer
        app = FastAPI()
        bearer = HTTPBearer()
        @app.post("/login")
        def login(credentials: Credentials): ...
        """,
    ]

    INVALID: ClassVar = [
        Invalid(
            """
            import requests
            def token(username, password):
                return requests.post(TOKEN_URL, timeout=5, data={
                    "grant_type": "password", "username": username, "password": password})
            """,
            line=5,
            message='grant_type="password"',
        ),
        Invalid(
            """
            from oauthlib.oauth2 import LegacyApplicationClient
            from requests_oauthlib import OAuth2Session
            def token(username, password):
                session = OAuth2Session(client=LegacyApplicationClient(client_id=CLIENT_ID))
                return session.fetch_token(TOKEN_URL, username=username, password=password)
            """,
            line=5,
            message="oauthlib LegacyApplicationClient",
        ),
        Invalid(
            """
            from typing import Annotated
            from fastapi import APIRouter, Depends
            from fastapi.security import OAuth2PasswordRequestForm
            router = APIRouter()
            @router.post("/token")
            def login(form: Annotated[OAuth2PasswordRequestForm, Depends()]): ...
            """,
            line=7,
            message="login() takes an OAuth2PasswordRequestForm",
        ),
        Invalid(
            """
            from fastapi.security import OAuth2PasswordBearer
            scheme = OAuth2PasswordBearer(tokenUrl="https://idp.example.com/token")
            """,
            line=3,
            message="declares the OAuth 2 password flow",
        ),
    ]

    def check(self) -> None:
        facts = oauth_facts(self.project)
        bearers = [(path, site) for path, fact in facts for site in fact.password_bearers]
        forms = [(path, site) for path, fact in facts for site in fact.password_forms]
        for path, fact in facts:
            for site in fact.password:
                self.report_at(
                    path, site.span,
                    f"{site.what} is the OAuth 2.0 resource-owner password grant, removed in "
                    "OAuth 2.1: the client handles the user's password itself",
                    help=_HELP,
                )
        for path, site in forms:
            named = "; ".join(f"{b.what} at {where(self.project, p, b.span, path)}"
                             for p, b in bearers[:3])
            message = (f"{site.what} takes an OAuth2PasswordRequestForm: it is the token endpoint "
                       "of the OAuth 2.0 resource-owner password grant (grant_type=password), "
                       "removed in OAuth 2.1")
            if named:
                message += f"; the password flow is declared by {named}"
            self.report_at(
                path, site.span, message, help=_FORM_HELP,
                related=[Related(b.span, f"{b.what} declares this password flow", p)
                         for p, b in bearers],
            )
        if forms or not self.project.whole_project:
            return
        for path, site in bearers:
            self.report_at(
                path, site.span,
                f"{site.what} declares the OAuth 2 password flow in the OpenAPI document (Swagger "
                "UI asks for the user's password and posts grant_type=password to tokenUrl); "
                "OAuth 2.1 removed the password grant",
                help=_BEARER_HELP,
            )
