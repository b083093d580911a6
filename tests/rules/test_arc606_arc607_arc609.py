"""ARC606 jwt-without-verification, ARC607 tls-verification-disabled, ARC609 permissive-cors:
every library form, values through names, and the deliberate non-findings."""

from __future__ import annotations

import pytest
from _support import run_rule

from archlint.model import Severity
from archlint.rules.security._cors import matches_any_origin
from archlint.rules.security.jwt_without_verification import JwtWithoutVerification as ARC606
from archlint.rules.security.permissive_cors import PermissiveCors as ARC609
from archlint.rules.security.tls_verification_disabled import TlsVerificationDisabled as ARC607


def found(rule, source: str, path: str = "app/module.py", files=None, **options):
    result = run_rule(rule, source, {k.replace("_", "-"): v for k, v in options.items()},
                      path=path, files=files)
    assert not result.notifications, result.notifications
    return [(f.span.line, f.message) for f in result.findings]


def lines(rule, source: str, **kwargs) -> list[int]:
    return sorted(line for line, _ in found(rule, source, **kwargs))


@pytest.mark.parametrize(("rule", "cwe", "severity"), [
    (ARC606, 347, Severity.ERROR), (ARC607, 295, Severity.ERROR), (ARC609, 942, Severity.WARNING),
])
def test_metadata(rule, cwe, severity):
    assert rule.cwe == cwe and rule.severity is severity and "security" in rule.tags
    assert f"CWE-{cwe}" in rule.__doc__


# -- ARC606: PyJWT ---------------------------------------------------------------------------------
@pytest.mark.parametrize("call", [
    'jwt.decode(token, options={"verify_signature": False})',
    'jwt.decode(token, KEY, algorithms=["HS256"], options=dict(verify_signature=False))',
    "jwt.decode(token, KEY, verify=False)",
    'jwt.decode_complete(token, options={"verify_signature": False})',
    'jwt.PyJWT().decode(token, options={"verify_signature": False})',
])
def test_pyjwt_unverified_reads(call):
    source = f"import jwt\ndef user(token):\n    claims = {call}\n    return claims['sub']\n"
    assert lines(ARC606, source) == [3]


def test_options_from_local_variable_and_module_constant():
    source = """
        import jwt
        OPTIONS = {"verify_signature": False}
        def a(token):
            return jwt.decode(token, options=OPTIONS)["sub"]
        def b(token):
            options = {"verify_signature": False}
            return jwt.decode(token, options=options)["sub"]
    """
    result = found(ARC606, source)
    assert [line for line, _ in result] == [5, 8]
    assert "through OPTIONS" in result[0][1] and "through options" in result[1][1]


def test_aliases_and_from_imports():
    assert lines(ARC606, """
        import jwt as pyjwt
        from jwt import decode
        def a(t):
            return pyjwt.decode(t, options={"verify_signature": False})["role"]
        def b(t):
            return decode(t, options={"verify_signature": False})["role"]
    """) == [5, 7]


def test_verify_exp_false_and_none_algorithm_and_missing_algorithms():
    source = """
        import jwt
        def a(t):
            return jwt.decode(t, KEY, algorithms=["HS256"], options={"verify_exp": False})
        def b(t):
            return jwt.decode(t, KEY, algorithms="NONE")
        def c(t):
            return jwt.decode(t, KEY)
        def d(t):
            return jwt.decode(t, KEY, ["HS256"])
        def e(t, **kw):
            return jwt.decode(t, KEY, **kw)
    """
    result = found(ARC606, source)
    assert [line for line, _ in result] == [4, 6, 8]
    assert "expiry" in result[0][1] and '"none"' in result[1][1]
    assert "algorithm confusion" in result[2][1]


def test_pyjwt1_positional_verify_then_algorithms():
    assert lines(ARC606, """
        import jwt
        def a(t):
            return jwt.decode(t, KEY, True, ["HS256"])
        def b(t):
            return jwt.decode(t, KEY, True)
    """) == [6]


def test_algorithms_from_unverified_header():
    source = """
        import jwt
        def a(t):
            return jwt.decode(t, KEY, algorithms=[jwt.get_unverified_header(t)["alg"]])
        def b(t):
            header = jwt.get_unverified_header(t)
            return jwt.decode(t, KEY, algorithms=header.get("alg"))
    """
    assert lines(ARC606, source) == [4, 7]


def test_pick_the_key_idiom_and_bookkeeping_are_quiet():
    assert lines(ARC606, """
        import jwt
        def verify(t):
            unverified = jwt.decode(t, options={"verify_signature": False})
            key = KEYS[unverified["iss"]][unverified["tenant"]]
            return jwt.decode(t, key, algorithms=["RS256"])
        def expiry(t):
            return jwt.decode(t, options={"verify_signature": False})["exp"]
        def header_only(t):
            return jwt.get_unverified_header(t)["kid"]
        def audience(t):
            return jwt.decode(t, KEY, algorithms=["RS256"], options={"verify_aud": False})
    """) == []


def test_idiom_needs_the_same_token():
    assert lines(ARC606, """
        import jwt
        def verify(t, other):
            claims = jwt.decode(t, options={"verify_signature": False})
            jwt.decode(other, KEY, algorithms=["RS256"])
            return claims["sub"]
    """) == [4]


def test_unverified_claims_escaping_are_flagged():
    assert lines(ARC606, """
        import jwt
        def update_roles(user, t):
            claims = jwt.decode(t, options={"verify_signature": False})
            return assign_roles(user, claims)
    """) == [4]


def test_bookkeeping_claims_option():
    source = """
        import jwt
        def tenant(t):
            return jwt.decode(t, options={"verify_signature": False})["tenant"]
    """
    assert lines(ARC606, source) == [4]
    assert lines(ARC606, source, bookkeeping_claims=["tenant"]) == []


def test_tests_are_skipped_unless_included():
    source = ('import jwt\ndef test_a(t):\n'
              '    return jwt.decode(t, options={"verify_signature": False})["sub"]\n')
    assert lines(ARC606, source, path="tests/test_tokens.py") == []
    assert lines(ARC606, source, path="tests/test_tokens.py", include_tests=True) == [3]


# -- ARC606: python-jose, jwcrypto, authlib ---------------------------------------------------
def test_python_jose():
    assert lines(ARC606, """
        from jose import jwt
        def a(t):
            return jwt.get_unverified_claims(t)["role"]
        def b(t):
            return jwt.decode(t, KEY, options={"verify_signature": False})["role"]
        def c(t):
            return jwt.decode(t, KEY)
        def d(t):
            return jwt.decode(t, KEY, algorithms=["HS256"], options={"verify_exp": False})
        def ok(t):
            issuer = jwt.get_unverified_claims(t)["iss"]
            return jwt.decode(t, KEYS[issuer], algorithms=["RS256"])
        def header(t):
            return jwt.get_unverified_header(t)
    """) == [4, 6, 8, 10]


def test_jwcrypto():
    assert lines(ARC606, """
        from jwcrypto import jwt, jws
        def a(t):
            return jwt.JWT(jwt=t).token.objects["payload"]
        def b(t):
            s = jws.JWS()
            s.deserialize(t)
            return s.objects
        def ok_key(t):
            return jwt.JWT(jwt=t, key=KEY).claims
        def ok_validate(t):
            parsed = jwt.JWT(jwt=t)
            parsed.validate(KEY)
            return parsed.claims
        def ok_deserialize_with_key(t):
            s = jws.JWS()
            s.deserialize(t, KEY)
            return s.payload
        def ok_build():
            return jwt.JWT(header={"alg": "RS256"}, claims={"sub": "u"})
    """) == [4, 7]


def test_authlib():
    assert lines(ARC606, """
        from authlib.jose import jwt, JsonWebToken
        class Verifier:
            def __init__(self):
                self.jwt = JsonWebToken(["RS256"])
            def user(self, t):
                claims = self.jwt.decode(t, KEY)
                return claims["sub"]
            def ok(self, t):
                claims = self.jwt.decode(t, KEY)
                claims.validate()
                return claims["sub"]
        def direct(t):
            return jwt.decode(t, KEY)["sub"]
        def returned(t):
            return jwt.decode(t, KEY)
    """) == [7, 14]


# -- ARC607 ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("code", [
    "requests.get(URL, verify=False, timeout=5)",
    "requests.request('GET', URL, verify=False, timeout=5)",
    "requests.Session().get(URL, verify=False, timeout=5)",
    "httpx.get(URL, verify=False)",
    "httpx.Client(verify=False)",
    "httpx.AsyncClient(verify=False)",
    "httpx.HTTPTransport(verify=False)",
    "aiohttp.TCPConnector(ssl=False)",
    "aiohttp.TCPConnector(verify_ssl=False)",
    "aiohttp.request('GET', URL, ssl=False)",
    'urllib3.PoolManager(cert_reqs="CERT_NONE")',
    'urllib3.PoolManager(cert_reqs="NONE")',
    "urllib3.PoolManager(cert_reqs=ssl.CERT_NONE)",
    "urllib3.HTTPSConnectionPool('h', assert_hostname=False)",
    "ssl._create_unverified_context()",
    "ssl.wrap_socket(sock, cert_reqs=ssl.CERT_NONE)",
])
def test_tls_forms(code):
    source = f"import ssl, requests, httpx, aiohttp, urllib3\ndef f(sock):\n    return {code}\n"
    assert lines(ARC607, source) == [3], code


def test_aiohttp_session_request_and_requests_session_attribute():
    assert lines(ARC607, """
        import aiohttp, requests
        async def fetch(url):
            async with aiohttp.ClientSession() as session:
                return await session.get(url, ssl=False)
        class Client:
            def __init__(self):
                self.session = requests.Session()
                self.session.verify = False
    """) == [5, 9]


def test_verify_through_local_and_module_constant_but_not_settings():
    result = found(ARC607, """
        import requests
        from app import settings
        VERIFY = False
        def a(url):
            return requests.get(url, verify=VERIFY, timeout=5)
        def b(url):
            verify = False
            return requests.get(url, verify=verify, timeout=5)
        def c(url):
            return requests.get(url, verify=settings.VERIFY_SSL, timeout=5)
        def d(url, verify=False):
            return requests.get(url, verify=verify, timeout=5)
        def e(url):
            verify = False
            if url.startswith("https://intranet"):
                verify = True
            return requests.get(url, verify=verify, timeout=5)
    """)
    assert [line for line, _ in result] == [6, 9]
    assert "VERIFY, which is False" in result[0][1]


def test_context_hostname_and_cert_none_once():
    assert lines(ARC607, """
        import ssl
        def both():
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            return ctx
        def hostname():
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            return ctx
        def fine():
            ctx = ssl.create_default_context()
            ctx.check_hostname = True
            return ctx
    """) == [6, 10]


def test_opt_in_guards_and_option():
    source = """
        import ssl, httpx
        def context(settings):
            ctx = ssl.create_default_context()
            if settings.TLS_INSECURE_SKIP_VERIFY:
                ctx.check_hostname = False
                ctx.verify_mode = ssl.CERT_NONE
            return ctx
        def client(verify_ssl):
            if not verify_ssl:
                return httpx.Client(verify=False)
            return httpx.Client()
        _insecure_client = httpx.Client(verify=False)
        def database(ssl_require):
            if ssl_require:
                return httpx.Client(verify=False)
    """
    assert lines(ARC607, source) == [16]
    assert lines(ARC607, source, report_opt_in=True) == [7, 11, 13, 16]


def test_not_flagged():
    assert lines(ARC607, """
        import ssl, urllib3, requests
        urllib3.disable_warnings()
        def a(ctx):
            return ctx.verify_mode == ssl.CERT_NONE
        def b():
            return requests.get("http://plain.internal/", verify=False, timeout=5)
        def c():
            return requests.get("https://127.0.0.1:8443/", verify=False, timeout=5)
        def d(client):
            return client.get("https://x", verify=False)
        def e():
            ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            ctx.verify_mode = ssl.CERT_NONE
            return ctx
        def f(flag):
            return ssl.CERT_REQUIRED if flag else ssl.CERT_NONE
    """) == []


def test_generated_client_configuration():
    assert lines(ARC607, """
        import kubernetes
        def client():
            configuration = kubernetes.client.Configuration()
            configuration.verify_ssl = False
            return configuration
    """) == [5]


def test_dict_entry_with_cert_none():
    assert lines(ARC607, 'import ssl\nBROKER_USE_SSL = {"cert_reqs": ssl.CERT_NONE}\n') == [2]


def test_tls_tests_skipped_unless_included():
    source = "import requests\ndef test_a():\n    requests.get(U, verify=False)\n"
    assert lines(ARC607, source, path="tests/test_a.py") == []
    assert lines(ARC607, source, path="tests/test_a.py", include_tests=True) == [3]


def test_wants_needs_a_value_word():
    assert not ARC607.wants("import requests\nrequests.get(u, verify=True)\n", ARC607.Options())
    assert ARC607.wants("import requests\nrequests.get(u, verify=False)\n", ARC607.Options())


# -- ARC609 ---------------------------------------------------------------------------------------
def test_matches_any_origin():
    for pattern in (".*", "https?://.*", "^https://.*$", ".+"):
        assert matches_any_origin(pattern, full=True), pattern
    for pattern in (r"https://.*\.example\.com", "https://app.example.com", "(("):
        assert not matches_any_origin(pattern, full=True), pattern


def test_starlette_forms():
    assert lines(ARC609, """
        from fastapi import FastAPI
        from fastapi.middleware.cors import CORSMiddleware
        from starlette.middleware import Middleware
        app = FastAPI()
        app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=True)
        mw = Middleware(CORSMiddleware, allow_origin_regex=".*", allow_credentials=True)
        wrapped = CORSMiddleware(app, allow_origins=("*",), allow_credentials=True)
        quiet = CORSMiddleware(app, allow_origins=["*"])
        quiet2 = CORSMiddleware(app, allow_origins=["*"], allow_credentials=False)
        quiet3 = CORSMiddleware(app, allow_origins=["https://a.example"], allow_credentials=True)
    """) == [6, 7, 8]


def test_credentials_through_a_constant():
    assert lines(ARC609, """
        from fastapi.middleware.cors import CORSMiddleware
        CREDENTIALS = True
        def setup(app):
            app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_credentials=CREDENTIALS)
    """) == [5]


def test_flask_cors_forms():
    assert lines(ARC609, """
        from flask_cors import CORS, cross_origin
        CORS(app, supports_credentials=True)
        CORS(app, origins="*", supports_credentials=True)
        CORS(app, origins=[r"https?://.*"], supports_credentials=True)
        CORS(app, origins=["https://a.example"], supports_credentials=True)
        CORS(app)
        CORS(app, resources={r"/api/*": {"origins": "https://a"}}, supports_credentials=True)
        @cross_origin(supports_credentials=True, origins="*")
        def view():
            pass
    """) == [3, 4, 5, 9]


def test_django_same_module_and_legacy_name():
    assert lines(ARC609, "CORS_ORIGIN_ALLOW_ALL = True\nCORS_ALLOW_CREDENTIALS = True\n",
                 path="proj/settings.py") == [1]
    assert lines(ARC609, "CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = env('X')\n",
                 path="proj/settings.py") == []


def test_django_credentials_in_a_module_that_imports_it():
    assert lines(ARC609, "CORS_ALLOW_ALL_ORIGINS = True\n", path="proj/settings/base.py", files={
        "proj/settings/prod.py":
            "from proj.settings.base import *\nCORS_ALLOW_CREDENTIALS = True\n",
    }) == [1]


def test_django_unlinked_modules_stay_quiet():
    assert lines(ARC609, "CORS_ALLOW_ALL_ORIGINS = True\n", path="proj/settings/base.py", files={
        "other/settings.py": "CORS_ALLOW_CREDENTIALS = True\n",
    }) == []


def test_cors_tests_skipped():
    source = ("from fastapi.middleware.cors import CORSMiddleware\n"
              "CORSMiddleware(app, allow_origins=['*'], allow_credentials=True)\n")
    assert lines(ARC609, source, path="tests/test_cors.py") == []


def test_id_token_from_token_response_is_quiet_but_not_from_request():
    assert lines(ARC606, """
        import jwt
        def user(token_info):
            id_token = token_info["id_token"]
            return jwt.decode(id_token, options={"verify_signature": False})["email"]
        def user2(tokens):
            return jwt.decode(tokens.get("id_token"), options={"verify_signature": False})["sub"]
        def from_browser(request):
            return jwt.decode(request.form["id_token"], options={"verify_signature": False})["sub"]
    """) == [9]


def test_configurable_ssl_modes_are_quiet():
    assert lines(ARC607, """
        import ssl
        def context(mode):
            ctx = ssl.create_default_context()
            ctx.check_hostname = False
            ctx.verify_mode = ssl.CERT_NONE
            if mode == "verify-ca":
                ctx.verify_mode = ssl.CERT_REQUIRED
            if mode == "verify-full":
                ctx.check_hostname = True
            return ctx
    """) == []


def test_django_fallback_branch_counts_but_debug_does_not():
    source = """
        ORIGINS = env("CORS_ALLOWED_ORIGINS")
        if ORIGINS:
            CORS_ALLOW_ALL_ORIGINS = False
        else:
            CORS_ALLOW_ALL_ORIGINS = True
        CORS_ALLOW_CREDENTIALS = True
    """
    assert lines(ARC609, source, path="proj/settings.py") == [6]
    debug = "if DEBUG:\n    CORS_ALLOW_ALL_ORIGINS = True\nCORS_ALLOW_CREDENTIALS = True\n"
    assert lines(ARC609, debug, path="proj/settings.py") == []


def test_documented_unverified_helpers_are_quiet():
    assert lines(ARC606, '''
        import jwt
        def user_id_for_logs(token):
            """The user id of a token, read without verifying the signature (logging only)."""
            return jwt.decode(token, options={"verify_signature": False})["sub"]
        def peek_unverified(token):
            return jwt.decode(token, options={"verify_signature": False})["sub"]
        def user_id(token):
            """The user id of a token."""
            return jwt.decode(token, options={"verify_signature": False})["sub"]
    ''') == [10]
