"""ARC601 oauth-implicit-flow, ARC602 oauth-password-grant, ARC603 oauth-without-pkce: each
library form, and the deliberate non-findings."""

from __future__ import annotations

import pytest
from _support import run_rule

from archlint.rules.security.oauth_implicit_flow import OAuthImplicitFlow
from archlint.rules.security.oauth_password_grant import OAuthPasswordGrant
from archlint.rules.security.oauth_without_pkce import OAuthWithoutPkce


def lines(rule, source: str, path: str = "app/auth.py", files: dict[str, str] | None = None,
          project: dict | None = None) -> list[tuple[str, int]]:
    result = run_rule(rule, source, path=path, files=files, project=project)
    assert not result.notifications, result.notifications
    return [(f.path, f.span.line) for f in result.findings]


def messages(rule, source: str, **kwargs) -> list[str]:
    return [f.message for f in run_rule(rule, source, path="app/auth.py", **kwargs).findings]


# -- ARC601 ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("source", [
    'import requests\nrequests.get(URL, params={"response_type": "token", "client_id": ID})\n',
    'from urllib.parse import urlencode\nurlencode(dict(response_type="token"))\n',
    'URL = "https://idp/authorize?client_id=a&response_type=token"\n',
    'URL = "https://idp/authorize?response_type=id_token+token&client_id=a"\n',
    'def f(cid):\n    return f"https://idp/authorize?response_type=token&client_id={cid}"\n',
    'def f(p):\n    p["response_type"] = "token"\n',
    'from oauthlib.oauth2.rfc6749.clients import MobileApplicationClient\n'
    'c = MobileApplicationClient("id")\n',
    'from oauthlib.oauth2 import ImplicitGrant\ng = ImplicitGrant(validator)\n',
    'from authlib.oauth2.rfc6749.grants import ImplicitGrant\nserver.register_grant(ImplicitGrant)\n',
    'from authlib.integrations.flask_client import OAuth\noauth = OAuth()\n'
    'oauth.register("x", authorize_url=U, authorize_params={"response_type": "token"})\n',
    'def f(Application):\n'
    '    Application(authorization_grant_type=Application.GRANT_IMPLICIT)\n',
])
def test_implicit_forms_are_reported(source):
    assert len(lines(OAuthImplicitFlow, source)) == 1


@pytest.mark.parametrize("source", [
    # the code flow, OpenID id_token only, and the hybrid code id_token
    'import requests\nrequests.get(URL, params={"response_type": "code", "client_id": ID})\n',
    'URL = "https://idp/authorize?response_type=id_token&client_id=a&nonce=n"\n',
    'URL = "https://idp/authorize?response_type=code%20id_token&client_id=a"\n',
    # the word token in other keys and values
    'd = {"grant_type": "token", "token_type": "token", "type": "token"}\n',
    'URL = "https://api/x?token=abc&type=token"\n',
    # a response_type the rule cannot read
    'def f(rt):\n    return {"response_type": rt}\n',
    # comparisons and docstrings
    'def f(r):\n    """Rejects ?response_type=token."""\n    return r.response_type == "token"\n',
    # OpenID metadata of a provider
    'META = {"response_types_supported": ["code", "token", "id_token token"]}\n',
    # a non-OAuth API with a response_type argument
    'client.get_repo(owner, response_type="Repository")\n',
])
def test_implicit_non_findings(source):
    assert lines(OAuthImplicitFlow, source) == []


def test_mobile_client_in_a_session_is_one_finding_and_not_arc603():
    source = (
        "from oauthlib.oauth2 import MobileApplicationClient\n"
        "from requests_oauthlib import OAuth2Session\n"
        "def login():\n"
        "    s = OAuth2Session(client=MobileApplicationClient(client_id=ID))\n"
        "    return s.authorization_url(AUTHORIZE)\n"
    )
    assert lines(OAuthImplicitFlow, source) == [("app/auth.py", 4)]
    assert lines(OAuthWithoutPkce, source) == []


def test_tests_and_migrations_are_left_alone():
    source = 'URL = "https://idp/authorize?response_type=token&client_id=a"\n'
    assert lines(OAuthImplicitFlow, source, path="tests/test_login.py") == []
    assert lines(OAuthImplicitFlow, source, path="app/migrations/0001_initial.py") == []


# -- ARC602 ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("source", [
    'import requests\nrequests.post(URL, data={"grant_type": "password"}, timeout=5)\n',
    'import requests\nrequests.post(URL, data="grant_type=password&username=u", timeout=5)\n',
    'import requests\nrequests.post(URL + "?grant_type=password", timeout=5)\n',
    'import httpx\nhttpx.post(URL, data=dict(grant_type="password"))\n',
    'from oauthlib.oauth2 import LegacyApplicationClient\nc = LegacyApplicationClient("id")\n',
    'from oauthlib.oauth2 import LegacyApplicationServer\ns = LegacyApplicationServer(v)\n',
    'from authlib.integrations.requests_client import OAuth2Session\n'
    'def f(u, p):\n'
    '    s = OAuth2Session("id")\n'
    '    return s.fetch_token(URL, username=u, password=p)\n',
    'from authlib.oauth2.rfc6749 import grants\n'
    'class G(grants.ResourceOwnerPasswordCredentialsGrant):\n'
    '    pass\n',
    'def f(Application):\n'
    '    Application(authorization_grant_type=Application.GRANT_PASSWORD)\n',
    'from fastapi import Depends\nfrom fastapi.security import OAuth2PasswordRequestFormStrict\n'
    'def token(form: OAuth2PasswordRequestFormStrict = Depends()): ...\n',
    'from fastapi import Depends\nfrom fastapi.security import OAuth2PasswordRequestForm\n'
    'def token(form=Depends(OAuth2PasswordRequestForm)): ...\n',
])
def test_password_forms_are_reported(source):
    assert len(lines(OAuthPasswordGrant, source)) == 1


@pytest.mark.parametrize("source", [
    'import requests\nrequests.post(URL, data={"grant_type": "client_credentials"}, timeout=5)\n',
    'import requests\nrequests.post(URL, data="grant_type=refresh_token&password=x", timeout=5)\n',
    'def f(form):\n    return form["grant_type"] == "password"\n',
    'META = {"grant_types_supported": ["password", "authorization_code"]}\n',
    # authlib fetch_token for the code grant; an unknown object's fetch_token
    'from authlib.integrations.requests_client import OAuth2Session\n'
    'def f(resp):\n'
    '    return OAuth2Session("id").fetch_token(URL, authorization_response=resp)\n',
    'def f(client, u, p):\n    return client.fetch_token(URL, username=u, password=p)\n',
    # authlib grants other than the password grant
    'from authlib.oauth2.rfc6749 import grants\nserver.register_grant(grants.RefreshTokenGrant)\n',
])
def test_password_non_findings(source):
    assert lines(OAuthPasswordGrant, source) == []


def test_a_registered_password_grant_is_reported_once_on_register_grant():
    source = (
        "from authlib.oauth2.rfc6749 import grants\n"
        "class PasswordGrant(grants.ResourceOwnerPasswordCredentialsGrant):\n"
        "    pass\n"
        "server.register_grant(PasswordGrant)\n"
    )
    assert lines(OAuthPasswordGrant, source) == [("app/auth.py", 4)]


BEARER = ('from fastapi.security import OAuth2PasswordBearer\n'
          'scheme = OAuth2PasswordBearer(tokenUrl="/auth/token")\n')
FORM = ('from fastapi import Depends\nfrom fastapi.security import OAuth2PasswordRequestForm\n'
        'def login(form: OAuth2PasswordRequestForm = Depends()): ...\n')


def test_bearer_and_form_endpoint_are_one_flow_reported_on_the_endpoint():
    result = run_rule(OAuthPasswordGrant, BEARER, path="app/deps.py", files={"app/auth.py": FORM})
    assert [(f.path, f.span.line) for f in result.findings] == [("app/auth.py", 3)]
    finding = result.findings[0]
    assert 'OAuth2PasswordBearer(tokenUrl="/auth/token") at app/deps.py:2' in finding.message
    assert [r.path for r in finding.related] == ["app/deps.py"]
    assert "login endpoint" in finding.help


def test_a_bearer_alone_declares_the_password_flow():
    assert lines(OAuthPasswordGrant, BEARER) == [("app/auth.py", 2)]
    assert "Swagger UI" in messages(OAuthPasswordGrant, BEARER)[0]


def test_a_custom_bearer_class_is_not_fastapis():
    source = ("from fastapi.security.base import SecurityBase\n"
              "class CookieBearer(SecurityBase): ...\n"
              "scheme = CookieBearer()\n")
    assert lines(OAuthPasswordGrant, source) == []


# -- ARC603 ----------------------------------------------------------------------------------------
REGISTRY = "from authlib.integrations.flask_client import OAuth\noauth = OAuth()\n"


@pytest.mark.parametrize(("registration", "reported"), [
    ('oauth.register("g", authorize_url=U)', True),
    ('oauth.register("g", server_metadata_url=U, client_kwargs={"scope": "openid"})', True),
    ('oauth.register("g", server_metadata_url=U, client_kwargs=dict(scope="openid"))', True),
    ('oauth.register("g", server_metadata_url=U, client_kwargs=None)', True),
    ('oauth.register("g", server_metadata_url=U,\n'
     '               client_kwargs={"code_challenge_method": "S256"})', False),
    ('oauth.register("g", server_metadata_url=U, code_challenge_method="S256")', False),
    ('oauth.register("g", server_metadata_url=U, client_kwargs=KWARGS)', False),
    ('oauth.register("g", server_metadata_url=U, client_kwargs={**BASE})', False),
    ('oauth.register("g", **SETTINGS)', False),
    ('oauth.register("g")', False),  # configured from app.config: cannot tell
    ('oauth.register(name, authorize_url=U)', False),  # a computed name may be "g"
])
def test_registered_clients(registration, reported):
    source = REGISTRY + registration + "\ndef login():\n    return oauth.g.authorize_redirect(CB)\n"
    found = lines(OAuthWithoutPkce, source)
    assert bool(found) is reported, found


def test_client_kwargs_from_configuration_keep_the_rule_quiet():
    source = REGISTRY + 'oauth.register("g", authorize_url=U)\n' \
        "def login():\n    return oauth.g.authorize_redirect(CB)\n"
    files = {"app/config.py": 'G_CLIENT_KWARGS = {"code_challenge_method": "S256"}\n'}
    assert lines(OAuthWithoutPkce, source, files=files) == []


def test_registry_registration_and_flow_in_three_modules():
    files = {
        "shop/__init__.py": "",
        "shop/ext.py": REGISTRY,
        "shop/providers.py": "from shop.ext import oauth\n"
                             'oauth.register(name="google", server_metadata_url=U)\n',
    }
    source = ("from .ext import oauth\n"
              "async def login(request):\n"
              "    return await oauth.google.authorize_redirect(request, CB)\n")
    result = run_rule(OAuthWithoutPkce, source, path="shop/views.py", files=files)
    assert [(f.path, f.span.line) for f in result.findings] == [("shop/views.py", 3)]
    assert "registered at shop/providers.py:2" in result.findings[0].message
    assert result.findings[0].related[0].path == "shop/providers.py"


def test_a_register_method_of_something_else_is_no_registration():
    source = ("from app.plugins import registry as oauth\n"
              'oauth.register("g", Plugin)\n'
              "def login():\n    return oauth.g.authorize_redirect(CB)\n")
    assert lines(OAuthWithoutPkce, source) == []


@pytest.mark.parametrize(("source", "reported"), [
    # authlib sessions
    ("from authlib.integrations.httpx_client import AsyncOAuth2Client\n"
     "async def f():\n"
     "    async with AsyncOAuth2Client(ID) as c:\n"
     "        return c.create_authorization_url(U)\n", True),
    ("from authlib.integrations.httpx_client import AsyncOAuth2Client\n"
     "async def f(v):\n"
     "    async with AsyncOAuth2Client(ID, code_challenge_method='S256') as c:\n"
     "        return c.create_authorization_url(U, code_verifier=v)\n", False),
    ("from authlib.integrations.requests_client import OAuth2Session\n"
     "def f(v):\n"
     "    return OAuth2Session(ID).create_authorization_url(U, code_challenge=v)\n", False),
    ("from authlib.integrations.requests_client import OAuth2Session\n"
     "def f(s, v):\n"
     "    return s.create_authorization_url(U)\n", False),  # a parameter: unknown client
    # requests-oauthlib
    ("from requests_oauthlib import OAuth2Session\n"
     "class Login:\n"
     "    def __init__(self):\n"
     "        self.s = OAuth2Session(ID, redirect_uri=CB)\n"
     "    def start(self):\n"
     "        return self.s.authorization_url(U)\n", True),
    ("from requests_oauthlib import OAuth2Session\n"
     "S = OAuth2Session(ID, pkce=PKCE)\n"
     "def start():\n"
     "    return S.authorization_url(U)\n", False),  # a pkce the rule cannot read
    ("from requests_oauthlib import OAuth2Session\n"
     "def start(client):\n"
     "    return OAuth2Session(client=client).authorization_url(U)\n", False),
    # oauthlib
    ("from oauthlib.oauth2 import WebApplicationClient\n"
     "c = WebApplicationClient(ID)\n"
     "def f(ch):\n"
     "    return c.prepare_request_uri(U, code_challenge=ch, code_challenge_method='S256')\n",
     False),
    # by hand
    ("def f(cid):\n"
     "    return f'{BASE}?client_id={cid}&response_type=code&code_challenge={CH}'\n", False),
    ("def f(cid):\n"
     "    url = f'{BASE}?client_id={cid}&response_type=code'\n"
     "    return url + pkce_suffix()\n", False),
    ("def f(cid):\n"
     "    return {'response_type': 'code', 'client_id': cid, **EXTRA}\n", False),
    ("def f(code):\n"
     "    return {'response_type': 'code', 'code': code}\n", False),
    ("import requests\n"
     "def f(cid):\n"
     "    return requests.get(U, params=dict(response_type='code', client_id=cid), timeout=5)\n",
     True),
    # plain
    ("from requests_oauthlib import OAuth2Session\nS = OAuth2Session(ID, pkce='plain')\n", True),
    ("URL = 'https://idp/a?code_challenge=x&code_challenge_method=plain&client_id=a'\n", True),
])
def test_client_sessions_and_hand_built_requests(source, reported):
    found = lines(OAuthWithoutPkce, source)
    assert bool(found) is reported, found


def test_a_login_url_that_another_method_extends_with_a_challenge_is_not_reported():
    # JupyterHub's HubOAuth: the base login URL, and the handler that adds the PKCE challenge
    source = (
        "class HubOAuth:\n"
        "    def _login_url(self):\n"
        "        return url_concat(self.authorize_url, {'client_id': self.client_id,\n"
        "                                               'response_type': 'code'})\n"
        "class Handler:\n"
        "    def get_login_url(self):\n"
        "        params = {'code_challenge': self.challenge(), 'code_challenge_method': 'S256'}\n"
        "        return url_concat(self.hub_auth.login_url, params)\n"
    )
    assert lines(OAuthWithoutPkce, source) == []
