"""ARC601 oauth-implicit-flow."""

from __future__ import annotations

from typing import ClassVar

from archlint.model import Severity
from archlint.rules.base import Invalid, ProjectRule, Valid
from archlint.rules.security._oauth import OAuthCollector, oauth_facts

_HELP = (
    "use the authorization-code flow with PKCE instead: response_type=code with an S256 "
    "code_challenge, and exchange the code for the token at the token endpoint from the back "
    "end (oauthlib: WebApplicationClient; requests-oauthlib: OAuth2Session(..., pkce=\"S256\"); "
    "authlib: client_kwargs={\"code_challenge_method\": \"S256\"}). A server should offer "
    "AuthorizationCodeGrant with PKCE rather than the implicit grant."
)


class OAuthImplicitFlow(ProjectRule):
    """## What it does
    Flags the OAuth 2.0 implicit grant, which OAuth 2.1 removed, on the call, dict entry, URL or
    class that carries it:

    - `response_type="token"` (or any value whose space-separated types include `token`:
      `"id_token token"`, `"code token"`) as a keyword argument (authlib
      `create_authorization_url(..., response_type="token")`, `authorize_redirect(...)`,
      `OAuth2Session(..., response_type="token")`), a dict entry (`{"response_type": "token"}`,
      `urlencode({...})`, authlib `authorize_params={...}`), an item assignment
      (`params["response_type"] = "token"`), or a query parameter of a URL string or f-string
      (`f"{base}/authorize?response_type=token&client_id={cid}"`). A module-level string
      constant passed by name counts.
    - oauthlib `MobileApplicationClient(...)`, also inside
      `requests_oauthlib.OAuth2Session(client=MobileApplicationClient(...))`: one finding, on the
      client (ARC603 does not report that session).
    - Servers that offer the grant: oauthlib `MobileApplicationServer(...)` and
      `ImplicitGrant(...)`; authlib `ImplicitGrant`/`OpenIDImplicitGrant` subclasses, on their
      `register_grant(...)` call when the same file registers them, else on the class;
      django-oauth-toolkit applications created with
      `authorization_grant_type=Application.GRANT_IMPLICIT` (or `"implicit"`).

    ## Why is this bad?
    In the implicit grant the authorization server puts the access token in the fragment of the
    redirect URI. The token then lives in the browser: in its history, in `Referer` headers,
    readable by any script on the page, and injectable by an attacker, with no way to bind it to
    the client that asked for it. OAuth 2.1 (draft-ietf-oauth-v2-1, Section 10, "Differences
    from OAuth 2.0") drops the grant, and the OAuth 2.0 Security Best Current Practice (RFC 9700,
    Section 2.1.2) says clients SHOULD NOT use it, nor any response type that returns an access
    token in the authorization response. The authorization-code flow with PKCE (RFC 7636) serves
    browser apps as well and keeps the token out of the URL.

    ## Example
    ```python
    from oauthlib.oauth2 import MobileApplicationClient
    from requests_oauthlib import OAuth2Session

    session = OAuth2Session(client=MobileApplicationClient(client_id=CLIENT_ID))
    url, state = session.authorization_url(AUTHORIZE_URL)
    ```

    ## Use instead
    ```python
    from requests_oauthlib import OAuth2Session

    session = OAuth2Session(CLIENT_ID, redirect_uri=CALLBACK, pkce="S256")
    url, state = session.authorization_url(AUTHORIZE_URL)
    ```

    ## Options
    None.

    ## What it does not flag
    - `response_type="code"` and OpenID Connect `"id_token"` or `"code id_token"`: no access
      token travels in the front channel (ARC603 checks the code flow for PKCE).
    - The word "token" in other keys or values (`{"type": "token"}`, `token_type="bearer"`),
      and a `response_type` the rule cannot read (a parameter, a setting, a function result).
    - Comparisons (`if response_type == "token":`): a server checking what it was asked is not
      offering the grant; OpenID discovery metadata (`response_types_supported`).
    - oauthlib's all-in-one `Server(...)`: which grants it serves is decided by its request
      validator, which the rule cannot read (django-oauth-toolkit uses it for every
      application).
    - Docstrings, tests and migrations.

    ## References
    - [OAuth 2.1 (draft-ietf-oauth-v2-1), Section 10: Differences from OAuth 2.0](https://datatracker.ietf.org/doc/html/draft-ietf-oauth-v2-1#section-10)
    - [RFC 6749, Section 4.2: Implicit Grant](https://datatracker.ietf.org/doc/html/rfc6749#section-4.2)
    - [RFC 9700 (OAuth 2.0 Security BCP), Section 2.1.2: Implicit Grant](https://datatracker.ietf.org/doc/html/rfc9700#section-2.1.2)
    - [RFC 7636: Proof Key for Code Exchange](https://datatracker.ietf.org/doc/html/rfc7636)
    - [CWE-522: Insufficiently Protected Credentials](https://cwe.mitre.org/data/definitions/522.html)
    """

    code = "ARC601"
    name = "oauth-implicit-flow"
    severity = Severity.ERROR
    cwe = 522
    security_severity = 7.4
    tags = ("security", "oauth")
    collectors = (OAuthCollector,)

    VALID: ClassVar = [
        # the authorization-code flow with PKCE
        """
        from authlib.integrations.requests_client import OAuth2Session
        client = OAuth2Session(CLIENT_ID, code_challenge_method="S256")
        def login(verifier):
            return client.create_authorization_url(AUTHORIZE_URL, code_verifier=verifier)
        """,
        # OpenID Connect hybrid flow: no access token in the fragment
        """
        from urllib.parse import urlencode
        def login_url(nonce, challenge):
            return AUTHORIZE_URL + "?" + urlencode({
                "response_type": "code id_token", "client_id": CLIENT_ID, "nonce": nonce,
                "code_challenge": challenge, "code_challenge_method": "S256",
            })
        """,
        # a server checking the request it got
        """
        def validate(request):
            if request.response_type == "token":
                raise UnsupportedResponseType()
        """,
        # "token" in an unrelated dict
        """
        CREDENTIALS = {"type": "token", "token_type": "bearer"}
        """,
        # tests exercise flows
        Valid(
            """
            def test_implicit_is_rejected(client):
                client.get("/authorize?response_type=token&client_id=abc")
            """,
            path="tests/test_authorize.py",
        ),
    ]

    INVALID: ClassVar = [
        Invalid(
            """
            from oauthlib.oauth2 import MobileApplicationClient
            from requests_oauthlib import OAuth2Session
            session = OAuth2Session(client=MobileApplicationClient(client_id=CLIENT_ID))
            """,
            line=4,
            message="oauthlib MobileApplicationClient is the OAuth 2.0 implicit grant",
        ),
        Invalid(
            """
            def login(oauth, request):
                return oauth.google.authorize_redirect(request, CALLBACK, response_type="token")
            """,
            line=3,
            message='response_type="token"',
        ),
        Invalid(
            """
            def login_url(client_id):
                return f"https://idp/authorize?response_type=id_token%20token&client_id={client_id}"
            """,
            line=3,
            message="in a URL",
        ),
        Invalid(
            """
            from authlib.oauth2.rfc6749 import grants
            class ImplicitGrant(grants.ImplicitGrant):
                TOKEN_ENDPOINT_AUTH_METHODS = ["none"]
            server.register_grant(ImplicitGrant)
            """,
            line=5,
            message="register_grant(ImplicitGrant)",
        ),
    ]

    def check(self) -> None:
        for path, fact in oauth_facts(self.project):
            for site in fact.implicit:
                self.report_at(
                    path, site.span,
                    f"{site.what} is the OAuth 2.0 implicit grant, removed in OAuth 2.1: the "
                    "access token comes back in the redirect URL's fragment, where browser "
                    "history, Referer headers and scripts on the page can read it",
                    help=_HELP,
                )
