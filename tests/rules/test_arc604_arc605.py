"""ARC604 (long-lived access tokens) and ARC605 (refresh tokens not rotated) on small projects:
what each finds, where it reports, and what it deliberately leaves alone."""

from __future__ import annotations

import textwrap

from archlint.rules.security.long_lived_access_token import LongLivedAccessToken, human
from archlint.rules.security.refresh_token_not_rotated import RefreshTokenNotRotated
from _support import run_rule


def findings(rule, source, path="example.py", files=None, options=None):
    result = run_rule(rule, textwrap.dedent(source), options, path, files)
    assert not result.notifications, result.notifications
    return [(f.path, f.span.line, f.message) for f in result.findings]


def arc604(source, path="example.py", files=None, options=None):
    return findings(LongLivedAccessToken, source, path, files, options)


def arc605(source, path="example.py", files=None):
    return findings(RefreshTokenNotRotated, source, path, files)


# -- ARC604 -------------------------------------------------------------------------------------
def test_constant_imported_by_name_is_reported_once_at_its_definition_with_its_uses() -> None:
    found = arc604(
        "ACCESS_TOKEN_EXPIRE_MINUTES = 60\n", path="app/config.py",
        files={
            "app/__init__.py": "",
            "app/security.py": (
                "import jwt\nfrom datetime import datetime, timedelta\n"
                "from .config import ACCESS_TOKEN_EXPIRE_MINUTES\n\n"
                "def create_access_token(sub):\n"
                "    exp = datetime.utcnow() + timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES)\n"
                "    return jwt.encode({'sub': sub, 'exp': exp}, 'k')\n"),
            "app/other.py": (
                "from datetime import timedelta\nfrom app.config import ACCESS_TOKEN_EXPIRE_MINUTES\n"
                "X = timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES)\n"),
        })
    assert len(found) == 1, found
    path, line, message = found[0]
    assert (path, line) == ("app/config.py", 1)
    assert "1 hour" in message and "used in" in message and "more place" in message


def test_the_unit_comes_from_the_use_before_the_name() -> None:
    found = arc604("""
        from datetime import timedelta
        ACCESS_TOKEN_TTL = 3600
        EXPIRES = timedelta(seconds=ACCESS_TOKEN_TTL)
    """)
    assert [line for _, line, _ in found] == [3]


def test_a_named_setting_through_another_named_setting_is_reported_on_the_inner_one() -> None:
    found = arc604("""
        from datetime import timedelta
        ACCESS_TOKEN_EXPIRE_MINUTES = 30
        JWT_ACCESS_TOKEN_EXPIRES = timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES)
    """)
    assert [line for _, line, _ in found] == [3]
    assert "JWT_ACCESS_TOKEN_EXPIRES" in found[0][2]


def test_limit_is_configurable_and_inclusive() -> None:
    source = "ACCESS_TOKEN_EXPIRE_MINUTES = 30\n"
    assert arc604(source, options={"max-lifetime": 1800}) == []
    assert len(arc604(source, options={"max-lifetime": 1799})) == 1
    assert arc604("ACCESS_TOKEN_EXPIRE_MINUTES = 15\n") == []


def test_environment_default_is_reported_and_said_so() -> None:
    (found,) = arc604("""
        import os
        ACCESS_TOKEN_EXPIRE_MINUTES = int(os.getenv("ACCESS_TOKEN_EXPIRE_MINUTES", "120"))
    """)
    assert "2 hours" in found[2] and "the default when ACCESS_TOKEN_EXPIRE_MINUTES is not set" \
        in found[2]


def test_flask_jwt_extended_config_update_and_never_expiring_tokens() -> None:
    found = arc604("""
        from datetime import timedelta
        def create_app(app):
            app.config.update(JWT_ACCESS_TOKEN_EXPIRES=timedelta(days=1))
            app.config["JWT_ACCESS_TOKEN_EXPIRES"] = False
            app.config["JWT_REFRESH_TOKEN_EXPIRES"] = timedelta(days=30)
    """)
    assert [line for _, line, _ in found] == [4, 5]
    assert "never expire" in found[1][2]


def test_exp_through_locals_and_time_time() -> None:
    found = arc604("""
        import time
        import jwt

        def issue(user):
            now = int(time.time())
            lifetime = 60 * 60 * 24
            claims = {"sub": user, "iat": now}
            claims.update({"exp": now + lifetime})
            return jwt.encode(claims, "k")
    """)
    assert [line for _, line, _ in found] == [9]
    assert "1 day" in found[0][2]


def test_exp_of_tokens_for_other_purposes_is_left_alone() -> None:
    assert arc604("""
        import jwt
        from datetime import datetime, timedelta

        def create_password_reset_token(email):
            return jwt.encode({"sub": email, "exp": datetime.utcnow() + timedelta(days=2)}, "k")

        def encode_oauth_state(state):
            payload = {"exp": datetime.utcnow() + timedelta(hours=1), **state}
            return jwt.encode(payload, "k")

        def refresh_pair(user):
            refresh_token = jwt.encode({"sub": user, "exp": datetime.utcnow() + timedelta(days=9)},
                                       "k")
            return refresh_token
    """) == []


def test_missing_exp_needs_an_access_token_and_a_payload_known_whole() -> None:
    assert arc604("""
        import jwt
        def sign(data):
            return jwt.encode({"sub": data}, "k")          # not named as an access token
        def create_access_token(data):
            return jwt.encode({**data, "sub": "x"}, "k")   # keys not known
        def make_access(data):
            payload = data.copy()
            return jwt.encode(payload, "k")                # keys not known
    """) == []
    found = arc604("""
        from jose import jwt
        def sign(user):
            claims = {"sub": user.id, "type": "access"}
            return jwt.encode(claims, "k", algorithm="HS256")
    """)
    assert [line for _, line, _ in found] == [5]


def test_authlib_token_expiry_settings() -> None:
    found = arc604("""
        from authlib.oauth2.rfc6750 import BearerTokenGenerator
        def make(app):
            app.config["OAUTH2_TOKEN_EXPIRES_IN"] = {"authorization_code": 7200, "implicit": 600}
            return BearerTokenGenerator(access_token_generator=gen, expires_in=86400)
    """)
    assert [line for _, line, _ in found] == [4, 5]
    found = arc604("""
        import authlib
        def issue(server, client):
            return server.generate_token(client, "client_credentials", expires_in=3600 * 8)
    """)
    assert [line for _, line, _ in found] == [4]


def test_tests_are_not_flagged() -> None:
    assert arc604("ACCESS_TOKEN_EXPIRE_MINUTES = 600\n", path="tests/test_auth.py") == []


def test_human_durations() -> None:
    assert human(900) == "15 minutes"
    assert human(86400 * 8) == "8 days"
    assert human(5400) == "90 minutes"
    assert human(5430) == "1.5 hours"


# -- ARC605 -------------------------------------------------------------------------------------
def test_simplejwt_without_settings_is_reported_where_refresh_tokens_are_issued() -> None:
    (found,) = arc605("""
        from rest_framework_simplejwt.tokens import RefreshToken

        def tokens_for(user):
            refresh = RefreshToken.for_user(user)
            return {"refresh": str(refresh), "access": str(refresh.access_token)}
    """, path="shop/auth.py")
    assert found[:2] == ("shop/auth.py", 5)
    assert "no SIMPLE_JWT setting" in found[2]


def test_simplejwt_rotation_absent_is_reported_on_the_dict() -> None:
    found = arc605(
        'SIMPLE_JWT = {"ACCESS_TOKEN_LIFETIME": 300}\n', path="shop/settings.py",
        files={"shop/urls.py": (
            "from django.urls import path\n"
            "from rest_framework_simplejwt import views\n"
            "urlpatterns = [path('t/', views.TokenObtainPairView.as_view())]\n")})
    assert [(p, line) for p, line, _ in found] == [("shop/settings.py", 1)]


def test_simplejwt_rotation_from_a_constant_and_with_blacklist_app() -> None:
    assert arc605(
        """
        ROTATE = True
        SIMPLE_JWT = {"ROTATE_REFRESH_TOKENS": ROTATE, "BLACKLIST_AFTER_ROTATION": True}
        INSTALLED_APPS = ["rest_framework_simplejwt.token_blacklist"]
        """, path="shop/settings.py",
        files={"shop/auth.py": (
            "from rest_framework_simplejwt.tokens import RefreshToken\n"
            "def f(u):\n    return RefreshToken.for_user(u)\n")}) == []


def test_refresh_endpoint_that_issues_both_tokens_through_one_helper_is_quiet() -> None:
    assert arc605("""
        from fastapi import FastAPI
        app = FastAPI()

        @app.post("/refresh")
        def refresh(body: dict):
            access = create_access_token(body["sub"])
            return issue_token_pair(body["sub"])
    """) == []


def test_refresh_endpoint_found_by_handler_name() -> None:
    found = arc605("""
        from flask import Flask
        app = Flask(__name__)

        @app.route("/session", methods=["PUT"])
        def refresh_session():
            return {"token": generate_access_token(current_user())}
    """)
    assert [line for _, line, _ in found] == [5]
    assert "PUT /session (refresh_session)" in found[0][2]


def test_login_endpoints_are_not_refresh_endpoints() -> None:
    assert arc605("""
        from fastapi import FastAPI
        app = FastAPI()

        @app.post("/login")
        def login(form: dict):
            return {"access_token": create_access_token(form["username"])}
    """) == []
