"""ARC608 unauthenticated-endpoint: what counts as a guard in FastAPI, Flask and Django, how
"authenticates elsewhere" is decided per app, and what is public by design."""

from __future__ import annotations

from _support import run_rule

from archlint.rules.security.unauthenticated_endpoint import PUBLIC_PATHS, UnauthenticatedEndpoint

RULE = UnauthenticatedEndpoint


def lines(source, files=None, path="app/main.py", options=None):
    result = run_rule(RULE, source, options=options, path=path, files=files)
    assert not result.notifications, result.notifications
    return sorted(f.span.line for f in result.findings if f.path == path)


GUARDED_AND_OPEN = """\
from fastapi import Depends, FastAPI
{imports}
app = FastAPI()

@app.get("/orders")
def me(user=Depends({guard})):
    return user

@app.post("/orders")
def create():
    return {{}}
"""


def fastapi(guard, imports="", files=None):
    return lines(GUARDED_AND_OPEN.format(guard=guard, imports=imports), files)


def test_a_security_scheme_a_subclass_and_a_function_that_takes_one_are_guards():
    assert fastapi("HTTPBearer()", "from fastapi.security import HTTPBearer") == [9]
    subclass = ("from fastapi.security import HTTPBearer\n"
                "class JWTBearer(HTTPBearer):\n    pass\n")
    assert fastapi("JWTBearer()", "from app.security import JWTBearer",
                   {"app/security.py": subclass}) == [9]
    takes_one = ("from fastapi import Depends\nfrom fastapi.security import APIKeyHeader\n"
                 "key = APIKeyHeader(name='x-key')\n"
                 "def tenant(k: str = Depends(key)):\n    return k\n")
    assert fastapi("tenant", "from app.security import tenant",
                   {"app/security.py": takes_one}) == [9]


def test_a_dependency_that_refuses_or_is_named_for_auth_is_a_guard_and_others_are_not():
    refuses = ("from fastapi import HTTPException, Header\n"
               "def check_key(x_key: str = Header()):\n"
               "    if x_key != 'k':\n        raise HTTPException(status_code=401)\n")
    assert fastapi("check_key", "from app.security import check_key",
                   {"app/security.py": refuses}) == [9]
    # a 403 may be anything (rejecting proxied uploads): quiet, and no evidence either
    forbids = refuses.replace("401", "403")
    assert fastapi("check_key", "from app.security import check_key",
                   {"app/security.py": forbids}) == []
    # a service named for auth is no guard
    assert fastapi("get_auth_service", "from app.services import get_auth_service",
                   {"app/services.py": "def get_auth_service():\n    return 1\n"}) == []
    assert fastapi("get_current_active_user", "from app.users import get_current_active_user",
                   {"app/users.py": "def get_current_active_user():\n    return 1\n"}) == [9]
    # a database session is no guard: the app authenticates nowhere, so nothing is reported
    assert fastapi("get_db", "from app.db import get_db",
                   {"app/db.py": "def get_db():\n    yield 1\n"}) == []


def test_a_callable_dependency_class_whose_call_takes_the_current_user():
    checker = ("from fastapi import Depends\nfrom app.users import get_current_user\n"
               "class RoleChecker:\n    def __init__(self, role):\n        self.role = role\n"
               "    def __call__(self, user=Depends(get_current_user)):\n        return user\n")
    files = {"app/roles.py": checker, "app/users.py": "def get_current_user():\n    return 1\n"}
    assert fastapi("RoleChecker('admin')", "from app.roles import RoleChecker", files) == [9]


def test_fastapi_users_current_user_bound_at_module_level():
    users = ("from fastapi_users import FastAPIUsers\nfastapi_users = FastAPIUsers(None, [])\n"
             "current_active_user = fastapi_users.current_user(active=True)\n")
    assert fastapi("current_active_user", "from app.users import current_active_user",
                   {"app/users.py": users}) == [9]


def test_app_level_dependencies_and_auth_middleware_guard_every_route():
    source = """\
        from fastapi import Depends, FastAPI
        from app.users import get_current_user
        app = FastAPI(dependencies=[Depends(get_current_user)])

        @app.get("/a")
        def a():
            return 1

        @app.get("/b")
        def b():
            return 2
    """
    assert lines(source) == []
    middleware = """\
        from fastapi import Depends, FastAPI
        from app.auth import JWTAuthMiddleware
        from app.users import get_current_user
        app = FastAPI()
        app.add_middleware(JWTAuthMiddleware)

        @app.get("/me")
        def me(user=Depends(get_current_user)):
            return user

        @app.get("/b")
        def b():
            return 2
    """
    assert lines(middleware) == []


def test_each_app_decides_for_itself():
    source = """\
        from fastapi import Depends, FastAPI
        from app.users import get_current_user
        private = FastAPI()
        public = FastAPI()

        @private.get("/secrets")
        def me(user=Depends(get_current_user)):
            return user

        @private.post("/secrets")
        def secrets():
            return []

        @public.get("/catalog")
        def catalog():
            return []
    """
    assert lines(source) == [10]


def test_public_paths_are_matched_after_prefixes_and_can_be_configured():
    source = """\
        from fastapi import APIRouter, Depends, FastAPI
        from app.users import get_current_user
        app = FastAPI()
        router = APIRouter(prefix="/api/v1")

        @router.get("/items")
        def me(user=Depends(get_current_user)):
            return user

        @router.post("/password-recovery/{email}")
        def recover(email: str):
            return {}

        @router.post("/items")
        def items():
            return []

        app.include_router(router)
    """
    assert lines(source) == [14]
    # the option replaces the list; a password recovery is public by design whatever it says
    assert lines(source, options={"public_paths": [*PUBLIC_PATHS, "/api/v1/items"]}) == []
    assert lines(source, options={"public_paths": []}) == [14]


def test_flask_before_request_on_the_blueprint_guards_its_views():
    source = """\
        from flask import Blueprint, Flask
        from flask_jwt_extended import jwt_required
        app = Flask(__name__)
        admin = Blueprint("admin", __name__, url_prefix="/admin")

        @app.get("/feed")
        @jwt_required()
        def me():
            return {}

        @app.post("/feed")
        def feed():
            return []

        @admin.before_request
        def only_admins():
            pass

        @admin.get("/users")
        def users():
            return []

        app.register_blueprint(admin)
    """
    assert lines(source) == [11]


URLS = ("from django.urls import path\nfrom shop import views, other\n"
        "urlpatterns = [path('a/', views.a), path('b/', other.B.as_view())]\n")
GUARDED_VIEW = ("from django.contrib.auth.decorators import login_required\n"
                "@login_required\ndef a(request):\n    return None\n")


def django(other, files=None):
    return lines(other, {"shop/urls.py": URLS, "shop/views.py": GUARDED_VIEW, **(files or {})},
                 "shop/other.py")


def test_drf_default_permission_classes_guard_drf_views_and_allow_any_opts_out():
    open_view = "from rest_framework.views import APIView\nclass B(APIView):\n    pass\n"
    assert django(open_view) == [2]
    settings = ("REST_FRAMEWORK = {'DEFAULT_PERMISSION_CLASSES': "
                "['rest_framework.permissions.IsAuthenticated']}\n")
    assert django(open_view, {"shop/settings.py": settings}) == []
    allow_any = open_view.replace("    pass", "    permission_classes = [AllowAny]").replace(
        "from rest_framework.views", "from rest_framework.permissions import AllowAny\n"
        "from rest_framework.views")
    assert django(allow_any) == []


def test_django_mixins_through_the_projects_own_base_class():
    base = ("from django.contrib.auth.mixins import LoginRequiredMixin\n"
            "from django.views import View\n"
            "class Private(LoginRequiredMixin, View):\n    pass\n")
    assert django("from django.http import JsonResponse\nfrom shop.base import Private\n"
                  "class B(Private):\n    pass\n",
                  {"shop/base.py": base}) == []
    assert django("from django.views import View\nclass B(View):\n    pass\n") == [2]


def test_a_view_module_that_guards_some_views_decides_view_by_view():
    views = GUARDED_VIEW + "def c(request):\n    return None\n"
    urls = URLS.replace("path('a/', views.a)", "path('a/', views.a), path('c/', views.c)")
    result = run_rule(RULE, views, path="shop/views.py",
                      files={"shop/urls.py": urls, "shop/other.py": "class B:\n    pass\n"})
    assert [(f.path, f.span.line) for f in result.findings] == [("shop/other.py", 1)]


def test_django_login_required_middleware_guards_every_view_but_opt_outs():
    settings = "MIDDLEWARE = ['django.contrib.auth.middleware.LoginRequiredMiddleware']\n"
    open_view = "from django.views import View\nclass B(View):\n    pass\n"
    assert django(open_view, {"shop/settings.py": settings}) == []
    opted_out = ("from django.contrib.auth.decorators import login_not_required\n"
                 "@login_not_required\ndef b(request):\n    return None\n")
    urls = URLS.replace("other.B.as_view()", "other.b")
    assert lines(opted_out, {"shop/urls.py": urls, "shop/views.py": GUARDED_VIEW,
                             "shop/settings.py": settings}, "shop/other.py") == []


def test_a_partial_scan_stays_quiet():
    import textwrap

    from archlint.engine.project import build_model, run_project_rules
    from archlint.engine.worker import analyze_source
    source = GUARDED_AND_OPEN.format(guard="HTTPBearer()",
                                     imports="from fastapi.security import HTTPBearer")
    result = analyze_source(textwrap.dedent(source), "app/main.py",
                            [(c, c.Options()) for c in RULE.collectors])
    findings, _ = run_project_rules([(RULE, RULE.Options())],
                                    build_model([result], whole_project=False))
    assert findings == []


def test_views_imported_through_a_django_manage_py_root_are_resolved():
    files = {
        "site/manage.py": "import django\n",
        "site/core/__init__.py": "",
        "site/core/settings.py": ("REST_FRAMEWORK = {'DEFAULT_PERMISSION_CLASSES': "
                                  "['rest_framework.permissions.IsAuthenticated']}\n"),
        "site/core/base.py": ("from rest_framework import generics\n"
                              "class SyncAPI(generics.GenericAPIView):\n    pass\n"),
        "site/core/urls.py": ("from django.urls import path\nfrom core import views\n"
                              "urlpatterns = [path('a/', views.a), "
                              "path('sync/', views.AzureSync.as_view())]\n"),
    }
    views = """\
        from django.contrib.auth.decorators import login_required
        from core.base import SyncAPI

        @login_required
        def a(request):
            return None

        class AzureSync(SyncAPI):
            pass
    """
    assert lines(views, files, "site/core/views.py") == []


def test_a_guard_the_rule_cannot_read_keeps_its_endpoints_quiet_but_proves_nothing():
    source = """\
        from fastapi import APIRouter, FastAPI
        from app.deps import get_dependencies
        app = FastAPI()
        guarded = APIRouter(dependencies=get_dependencies())
        other = APIRouter()

        @guarded.get("/a")
        def a():
            return 1

        @other.get("/b")
        def b():
            return 2

        app.include_router(guarded)
        app.include_router(other)
    """
    assert lines(source) == []


def test_websockets_and_handlers_that_refuse_are_left_alone():
    source = """\
        from fastapi import Depends, FastAPI, HTTPException, WebSocket
        from app.users import get_current_user
        app = FastAPI()

        @app.get("/me")
        def me(user=Depends(get_current_user)):
            return user

        @app.websocket("/ws")
        async def ws(socket: WebSocket):
            await socket.accept()

        @app.get("/admin")
        def admin(key: str):
            if key != "k":
                raise HTTPException(status_code=403)
            return {}
    """
    assert lines(source) == []


def test_every_open_endpoint_reports_open_paths_of_guarded_routers_too():
    source = """\
        from fastapi import Depends, FastAPI
        from app.users import get_current_user
        app = FastAPI()

        @app.get("/orders")
        def orders(user=Depends(get_current_user)):
            return []

        @app.get("/rates")
        def rates():
            return []
    """
    assert lines(source) == []
    assert lines(source, options={"every_open_endpoint": True}) == [9]
