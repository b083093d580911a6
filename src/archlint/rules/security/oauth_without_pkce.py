"""ARC603 oauth-without-pkce."""

from __future__ import annotations

from collections.abc import Iterator
from typing import ClassVar

from archlint.model import Related, Severity
from archlint.rules._classes import BindingCollector
from archlint.rules._routes import owner_identity
from archlint.rules.architecture._project import structure
from archlint.rules.base import Invalid, ProjectRule, Valid
from archlint.rules.security._oauth import (
    FileOAuth,
    FlowStart,
    OAuthCollector,
    Registration,
    oauth_facts,
    where,
)

_HELP = (
    "send an S256 code_challenge with the authorization request and the code_verifier with the "
    "token request (RFC 7636): requests-oauthlib OAuth2Session(..., pkce=\"S256\"); authlib "
    "OAuth2Session(..., code_challenge_method=\"S256\") and create_authorization_url(url, "
    "code_verifier=generate_token(48)); oauthlib WebApplicationClient.create_code_verifier() and "
    "create_code_challenge(verifier, \"S256\"); by hand, "
    "code_challenge=BASE64URL(SHA256(verifier)) "
    "and code_challenge_method=S256"
)
_REGISTERED_HELP = (
    "add client_kwargs={\"code_challenge_method\": \"S256\"} to the client's register(...): "
    "authlib then makes a code_verifier, sends its S256 code_challenge, and passes the verifier "
    "at the token exchange by itself"
)
_PLAIN_HELP = ("use code_challenge_method=S256: the challenge is then a hash the verifier cannot "
               "be read from")


class OAuthWithoutPkce(ProjectRule):
    """## What it does
    Flags an authorization-code flow started without PKCE (Proof Key for Code Exchange), on the
    call, dict or URL that starts it:

    - authlib framework clients (Flask, Django, Starlette/FastAPI integrations):
      `oauth.google.authorize_redirect(...)` / `create_authorization_url(...)` (also through
      `oauth.create_client("google")`, `getattr(oauth, name)`, or a name bound to
      `oauth.register(...)`) when the client is registered with neither
      `client_kwargs={"code_challenge_method": "S256"}` nor `code_challenge_method=` on
      `register(...)`. The registration is found across modules (`oauth = OAuth()` in one
      module, `oauth.register(...)` in another, the flow in a third); a client chosen at run
      time (`oauth.create_client(provider)`) is reported only when no registration of that
      registry sets PKCE. The finding names the registration.
    - authlib `OAuth2Session`/`OAuth2Client`/`AsyncOAuth2Client` built in the file:
      `create_authorization_url(url)` with no `code_challenge`, and no `code_verifier` (authlib
      sends a challenge only for a `code_verifier` on a client with
      `code_challenge_method="S256"`), or a `code_verifier` on a client without
      `code_challenge_method`.
    - requests-oauthlib (>= 2.0, which has `pkce=`): `authorization_url()` on an
      `OAuth2Session` built in the file without `pkce=` or with `pkce=None`, unless the session
      is built on a client that is not an authorization-code client (MobileApplicationClient is
      ARC601, LegacyApplicationClient ARC602, BackendApplicationClient has no redirect).
    - oauthlib `WebApplicationClient(...).prepare_request_uri()` /
      `prepare_authorization_request()` without `code_challenge`.
    - Authorization requests built by hand: a dict literal or `dict(...)` with
      `"response_type": "code"` and another authorization-request parameter (`client_id`,
      `redirect_uri`, `scope`, `state`: a provider's `authorize_params`), or a URL string or
      f-string with
      `response_type=code` and `client_id=`, when the file never mentions `code_challenge` or
      PKCE (the challenge may be added later: `params["code_challenge"] = ...` in the same
      function, or another method that extends the URL).
    - `code_challenge_method="plain"` anywhere (keyword, dict entry, URL) and requests-oauthlib
      `pkce="plain"`.

    Confidential server-side clients are reported too: OAuth 2.1 makes PKCE mandatory for every
    client that uses the authorization code, not only for public ones.

    ## Why is this bad?
    Without PKCE, an authorization code that leaks (a malicious app registered for the same
    redirect scheme, a log, a Referer header, a proxy) can be redeemed by whoever holds it, and
    an attacker can inject a code of their own into a victim's session (authorization code
    injection, CSRF). PKCE binds the code to a secret the client keeps: only the holder of the
    code verifier can exchange it. OAuth 2.1 (draft-ietf-oauth-v2-1, Sections 4.1.1 and 7.5)
    requires PKCE for the authorization-code grant, RFC 9700 (Section 2.1.1) requires it for
    public clients and recommends it for confidential ones, and both reject the `plain` method
    where S256 can be used: `plain` sends the verifier itself, so anyone who sees the
    authorization request can redeem the code.

    ## Example
    ```python
    from authlib.integrations.starlette_client import OAuth

    oauth = OAuth()
    oauth.register("google", server_metadata_url=GOOGLE_OIDC, client_kwargs={"scope": "openid"})

    async def login(request):
        return await oauth.google.authorize_redirect(request, CALLBACK)
    ```

    ## Use instead
    ```python
    from authlib.integrations.starlette_client import OAuth

    oauth = OAuth()
    oauth.register("google", server_metadata_url=GOOGLE_OIDC,
                   client_kwargs={"scope": "openid", "code_challenge_method": "S256"})

    async def login(request):
        return await oauth.google.authorize_redirect(request, CALLBACK)
    ```

    ## Options
    None.

    ## What it does not flag
    - Any flow whose client the rule cannot find or read: a registration that passes `**kwargs`
      or a `client_kwargs` that is not a literal dict, a registration that names neither
      `authorize_url` nor `server_metadata_url` (its settings, `client_kwargs` included, come
      from the app's configuration), a client name with no registration in the
      project, a session passed in as a parameter, a call that passes `**kwargs`, and projects
      that configure authlib clients through `<NAME>_CLIENT_KWARGS` or `AUTHLIB_OAUTH_CLIENTS`
      settings (which can add `code_challenge_method`).
    - Hybrid and implicit response types (`"code id_token"`, `"token"`): ARC601 covers the
      implicit grant; an OpenID hybrid flow's `nonce` binds its ID token.
    - OAuth 1 registrations (`request_token_url=`), other grants (client credentials, refresh,
      device code), and the token exchange itself.
    - Server side: whether an authorization server requires PKCE (authlib's `CodeChallenge`
      extension, django-oauth-toolkit's `PKCE_REQUIRED`) is not checked.
    - Tests and migrations.

    ## References
    - [RFC 7636: Proof Key for Code Exchange by OAuth Public Clients](https://datatracker.ietf.org/doc/html/rfc7636)
    - [OAuth 2.1 (draft-ietf-oauth-v2-1), Section 4.1.1: Authorization Request (code_challenge)](https://datatracker.ietf.org/doc/html/draft-ietf-oauth-v2-1#section-4.1.1)
    - [RFC 9700 (OAuth 2.0 Security BCP), Section 2.1.1: Authorization Code Grant](https://datatracker.ietf.org/doc/html/rfc9700#section-2.1.1)
    - [authlib: code challenge in web clients](https://docs.authlib.org/en/latest/client/frameworks.html#code-challenge)
    - [requests-oauthlib: OAuth2Session(pkce=...)](https://requests-oauthlib.readthedocs.io/en/latest/api.html)
    - [CWE-294: Authentication Bypass by Capture-replay](https://cwe.mitre.org/data/definitions/294.html)
    """

    code = "ARC603"
    name = "oauth-without-pkce"
    severity = Severity.ERROR
    cwe = 294
    security_severity = 7.4
    tags = ("security", "oauth")
    collectors = (OAuthCollector, BindingCollector)

    VALID: ClassVar = [
        # authlib registration with PKCE
        """
        from authlib.integrations.flask_client import OAuth
        oauth = OAuth()
        oauth.register("github", client_id=ID, client_kwargs={"code_challenge_method": "S256"})
        def login():
            return oauth.github.authorize_redirect(CALLBACK)
        """,
        # requests-oauthlib with pkce
        """
        from requests_oauthlib import OAuth2Session
        def login():
            session = OAuth2Session(CLIENT_ID, redirect_uri=CALLBACK, pkce="S256")
            return session.authorization_url(AUTHORIZE_URL)
        """,
        # a hand-built request whose challenge is added afterwards
        """
        from urllib.parse import urlencode
        def login_url(verifier):
            params = {"response_type": "code", "client_id": CLIENT_ID}
            params["code_challenge"] = s256(verifier)
            params["code_challenge_method"] = "S256"
            return AUTHORIZE_URL + "?" + urlencode(params)
        """,
        # a client registered somewhere the rule cannot see
        """
        def login(oauth, request):
            return oauth.google.authorize_redirect(request, CALLBACK)
        """,
        # registration kwargs the rule cannot read
        """
        from authlib.integrations.starlette_client import OAuth
        oauth = OAuth()
        oauth.register("google", **GOOGLE_SETTINGS)
        async def login(request):
            return await oauth.google.authorize_redirect(request, CALLBACK)
        """,
    ]

    INVALID: ClassVar = [
        Invalid(
            """
            from authlib.integrations.starlette_client import OAuth
            oauth = OAuth()
            oauth.register("google", server_metadata_url=URL, client_kwargs={"scope": "openid"})
            async def login(request):
                return await oauth.google.authorize_redirect(request, CALLBACK)
            """,
            line=6,
            message='the authlib client "google" is registered at line 4 without '
                    "code_challenge_method",
        ),
        Invalid(
            """
            from requests_oauthlib import OAuth2Session
            def login():
                github = OAuth2Session(CLIENT_ID, redirect_uri=CALLBACK)
                return github.authorization_url(AUTHORIZE_URL)
            """,
            line=5,
            message="without pkce",
        ),
        Invalid(
            """
            def login_url(state):
                return f"{BASE}/authorize?response_type=code&client_id={CLIENT_ID}&state={state}"
            """,
            line=3,
            message="an authorization URL built by hand",
        ),
        Invalid(
            """
            from authlib.integrations.requests_client import OAuth2Session
            client = OAuth2Session(CLIENT_ID, code_challenge_method="plain")
            """,
            line=3,
            message='code_challenge_method="plain"',
        ),
    ]

    def check(self) -> None:
        facts = oauth_facts(self.project)
        for path, fact in facts:
            for site in fact.no_pkce:
                self.report_at(
                    path, site.span,
                    f"{site.what} starts an OAuth authorization-code flow without PKCE",
                    help=_HELP)
            for site in fact.plain:
                self.report_at(
                    path, site.span,
                    f"{site.what}: the plain PKCE method sends the code verifier itself as the "
                    "challenge, so whoever sees the authorization request can redeem the code; "
                    "OAuth 2.1 requires S256",
                    help=_PLAIN_HELP)
        if any(fact.flow_starts for _, fact in facts):
            self._registered(facts)

    # -- authlib clients registered on a framework registry ----------------------------------------
    def _registered(self, facts: list[tuple[str, FileOAuth]]) -> None:
        if any(fact.client_kwargs_config for _, fact in facts):
            return  # `<NAME>_CLIENT_KWARGS` / AUTHLIB_OAUTH_CLIENTS may set code_challenge_method
        modules = structure(self.project).modules
        registries = {(modules.module_of.get(path), name)
                      for path, fact in facts for name in fact.registries}
        by_registry: dict[tuple[str, str], list[tuple[str, Registration]]] = {}
        by_binding: dict[tuple[str, str], tuple[str, Registration]] = {}
        for path, fact in facts:
            for reg in fact.registrations:
                identity = owner_identity(self.project, path, reg.registry)
                if identity in registries:
                    key: tuple[str, str] = identity  # type: ignore[assignment]
                    by_registry.setdefault(key, []).append((path, reg))
                    module = modules.module_of.get(path)
                    if reg.bound and module:
                        by_binding[(module, reg.bound)] = (path, reg)
        for path, fact in facts:
            for start in fact.flow_starts:
                found = list(self._registrations(path, start, by_registry, by_binding))
                if not found or any(reg.pkce is not False for _, reg in found):
                    continue
                reg_path, reg = found[0]
                if start.client is None and start.bound is None:
                    what = (f"the client is chosen at run time, and none of the {len(found)} "
                            f"clients registered on that registry (first at "
                            f"{where(self.project, reg_path, reg.span, path)}) sets "
                            "code_challenge_method")
                else:
                    what = (f'the authlib client "{reg.name or start.client}" is registered at '
                            f"{where(self.project, reg_path, reg.span, path)} without "
                            "code_challenge_method")
                self.report_at(
                    path, start.span,
                    f"{start.call} starts an OAuth authorization-code flow without PKCE: {what}",
                    help=_REGISTERED_HELP,
                    related=[Related(r.span, "registered here without code_challenge_method", p)
                             for p, r in found[:5]],
                )

    def _registrations(
        self, path: str, start: FlowStart,
        by_registry: dict[tuple[str, str], list[tuple[str, Registration]]],
        by_binding: dict[tuple[str, str], tuple[str, Registration]],
    ) -> Iterator[tuple[str, Registration]]:
        """The registrations the flow's client may come from; nothing when one cannot be
        told (a name never registered, a registration whose name is not a literal)."""
        if start.bound is not None:
            identity = owner_identity(self.project, path, start.bound)
            if identity in by_binding:
                yield by_binding[identity]  # type: ignore[index]
            return
        identity = owner_identity(self.project, path, start.registry)
        regs = by_registry.get(identity, []) if identity else []  # type: ignore[arg-type]
        if start.client is None:
            yield from regs
            return
        if any(reg.name is None for _, reg in regs):
            return  # a registration under a computed name may be this client
        yield from ((p, reg) for p, reg in regs if reg.name == start.client)
