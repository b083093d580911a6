"""The shared route model (archlint.rules._routes), run through the engine on realistic snippets:
every registration form of FastAPI, Starlette, Flask, Django, DRF and Litestar, the apps and
includes around them, and what is deliberately not recorded."""

from __future__ import annotations

import textwrap

from archlint.engine.project import build_model
from archlint.engine.worker import analyze_source
from archlint.rules._classes import NameRef
from archlint.rules._routes import (
    Endpoint,
    FileRoutes,
    RouteCollector,
    endpoint_framework,
    route_collectors,
)


def routes(source: str, path: str = "app.py") -> FileRoutes:
    result = analyze_source(textwrap.dedent(source), path,
                            [(RouteCollector, RouteCollector.Options())])
    assert not result.notifications, result.notifications
    facts = result.facts.get("routes", [])
    assert len(facts) <= 1
    return facts[0] if facts else FileRoutes((), (), ())


def endpoints(source: str, path: str = "app.py") -> list[Endpoint]:
    return list(routes(source, path).endpoints)


def only(source: str, path: str = "app.py") -> Endpoint:
    found = endpoints(source, path)
    assert len(found) == 1, found
    return found[0]


def local(name: str) -> NameRef:
    return NameRef(name, False)


# -- FastAPI -----------------------------------------------------------------------------------
def test_fastapi_app_decorators_record_method_path_owner_and_spans() -> None:
    source = """\
        from fastapi import FastAPI

        app = FastAPI()

        @app.get("/users/{user_id}")
        async def read_user(user_id: int):
            return {}

        @app.post("/users")
        def create_user():
            return {}
    """
    first, second = endpoints(source)
    assert (first.framework, first.form, first.handler) == ("fastapi", "decorator", "read_user")
    assert (first.methods, first.path, first.owner) == (("GET",), "/users/{user_id}", local("app"))
    assert first.span.line == 5 and first.handler_span is not None
    assert first.handler_span.line == 6
    assert (second.methods, second.path, second.span.line) == (("POST",), "/users", 9)
    app, = routes(source).apps
    assert (app.name, app.framework, app.kind, app.span.line) == ("app", "fastapi", "app", 3)


def test_fastapi_every_method_api_route_and_websocket() -> None:
    source = """\
        import fastapi

        app = fastapi.FastAPI()

        @app.put("/a")
        def a(): ...
        @app.patch("/b")
        def b(): ...
        @app.delete("/c")
        def c(): ...
        @app.options("/d")
        def d(): ...
        @app.head("/e")
        def e(): ...
        @app.api_route("/f", methods=["GET", "post"])
        def f(): ...
        @app.websocket("/ws")
        async def g(ws): ...
    """
    found = {e.handler: e.methods for e in endpoints(source)}
    assert found == {"a": ("PUT",), "b": ("PATCH",), "c": ("DELETE",), "d": ("OPTIONS",),
                     "e": ("HEAD",), "f": ("GET", "POST"), "g": ("WEBSOCKET",)}


def test_fastapi_router_prefix_dependencies_and_include_router() -> None:
    source = """\
        from typing import Annotated
        from fastapi import APIRouter, Depends, FastAPI, Security
        from .auth import get_current_user, oauth2_scheme
        from . import deps

        router = APIRouter(prefix="/items", dependencies=[Depends(deps.verify_token)])

        @router.get("/", dependencies=[Depends(oauth2_scheme)])
        async def list_items(
            user: Annotated[dict, Depends(get_current_user)],
            db=Depends(deps.get_db),
            scoped=Security(get_current_user, scopes=["items"]),
        ):
            return []

        app = FastAPI()
        app.include_router(router, prefix="/api", dependencies=[Depends(deps.audit)])
    """
    facts = routes(source)
    endpoint, = facts.endpoints
    assert endpoint.owner == local("router") and endpoint.path == "/"
    assert endpoint.dependencies == (
        NameRef(".auth.oauth2_scheme", True), NameRef(".auth.get_current_user", True),
        NameRef(".deps.get_db", True), NameRef(".auth.get_current_user", True))
    router = next(a for a in facts.apps if a.name == "router")
    assert (router.kind, router.prefix) == ("router", "/items")
    assert router.dependencies == (NameRef(".deps.verify_token", True),)
    include, = facts.includes
    assert (include.form, include.owner, include.child, include.prefix) == (
        "include_router", local("app"), local("router"), "/api")
    assert include.framework == "fastapi"
    assert include.dependencies == (NameRef(".deps.audit", True),)


def test_depends_without_argument_uses_the_annotation_and_class_instances_their_class() -> None:
    source = """\
        from fastapi import APIRouter, Depends
        from .services import Service, RoleChecker

        router = APIRouter()

        @router.get("/x")
        def x(service: Service = Depends(), admin=Depends(RoleChecker("admin"))): ...
    """
    assert only(source).dependencies == (NameRef(".services.Service", True),
                                         NameRef(".services.RoleChecker", True))


def test_handler_decorators_exclude_the_route_decorator_and_two_routes_give_two_facts() -> None:
    source = """\
        from fastapi import FastAPI
        from .auth import requires_admin
        import cache

        app = FastAPI()

        @app.get("/a")
        @app.get("/b")
        @requires_admin
        @cache.cached(ttl=5)
        def handler(): ...
    """
    first, second = endpoints(source)
    assert (first.path, second.path) == ("/a", "/b")
    assert first.decorators == (NameRef(".auth.requires_admin", True),
                                NameRef("cache.cached", True))


def test_add_api_route_local_and_imported_handlers() -> None:
    source = """\
        from fastapi import FastAPI
        from .views import health

        app = FastAPI()

        def create(payload): ...

        app.add_api_route("/items", create, methods=["POST"])
        app.add_api_route(path="/health", endpoint=health)
    """
    created, checked = endpoints(source)
    assert (created.form, created.handler, created.methods, created.path) == (
        "add_api_route", "create", ("POST",), "/items")
    assert created.handler_span is not None and created.handler_span.line == 6
    assert created.span.line == 8
    assert (checked.handler, checked.handler_ref, checked.methods) == (
        None, NameRef(".views.health", True), ("GET",))


def test_route_on_an_owner_made_elsewhere_is_recorded_for_the_project_phase() -> None:
    source = """\
        from .main import app
        from . import bp

        @app.get("/users")
        def users(): ...

        @bp.route("/admin", methods=["POST"])
        def admin(): ...
    """
    users, admin = endpoints(source)
    assert (users.framework, users.owner, users.methods) == (
        None, NameRef(".main.app", True), ("GET",))
    assert (admin.framework, admin.owner, admin.methods) == (None, NameRef(".bp", True), ("POST",))


# -- negatives ---------------------------------------------------------------------------------
def test_get_on_something_that_is_not_an_app_is_not_a_route() -> None:
    source = """\
        import functools
        from .cache import cache

        class Registry:
            def get(self, key): ...

        registry = Registry()

        @registry.get("users")          # no path: a key, not a route
        def users(): ...

        @cache.get("user:{id}")
        def cached(): ...

        def setup(app):
            @app.get("/in-a-factory")  # a parameter: nothing says what it is
            def inner(): ...

        class Service:
            def wire(self):
                @self.app.get("/x")
                def f(): ...
    """
    assert endpoints(source) == []


def test_a_file_without_routes_gives_no_fact() -> None:
    result = analyze_source("import flask\n\nx = 1\n", "a.py",
                            [(RouteCollector, RouteCollector.Options())])
    assert "routes" not in result.facts


def test_a_route_function_that_is_not_the_frameworks_is_not_recorded() -> None:
    source = """\
        from myrouting import Route, path  # not starlette, not django

        routes = [Route("/x", handler)]
        urlpatterns = [path("x/", view)]
    """
    assert endpoints(source) == []


# -- Starlette ---------------------------------------------------------------------------------
def test_starlette_route_lists_mounts_and_app_routes() -> None:
    source = """\
        from starlette.applications import Starlette
        from starlette.routing import Mount, Route, WebSocketRoute
        from . import users

        async def homepage(request): ...

        routes = [
            Route("/", homepage),
            Route("/users", endpoint=users.list_users, methods=["GET", "POST"]),
            WebSocketRoute("/ws", users.socket),
            Mount("/admin", routes=[Route("/stats", homepage)]),
        ]

        app = Starlette(routes=routes)
    """
    facts = routes(source)
    home, listed, socket, stats = facts.endpoints
    assert (home.framework, home.form, home.handler, home.owner) == (
        "starlette", "route", "homepage", local("routes"))
    assert home.methods == ("GET",) and home.mount_prefix is None
    assert (listed.handler_ref, listed.methods) == (NameRef(".users.list_users", True),
                                                    ("GET", "POST"))
    assert socket.methods == ("WEBSOCKET",)
    assert (stats.path, stats.mount_prefix) == ("/stats", "/admin")
    mount, = facts.includes
    assert (mount.form, mount.prefix, mount.owner) == ("mount", "/admin", local("routes"))
    assert facts.apps[0].framework == "starlette"


def test_starlette_app_route_add_route_mount_and_websocket_route() -> None:
    source = """\
        from starlette.applications import Starlette
        from .admin import admin_app

        app = Starlette()

        @app.route("/old", methods=["GET", "POST"])
        async def old(request): ...

        @app.websocket_route("/ws")
        async def ws(socket): ...

        async def health(request): ...

        app.add_route("/health", health)
        app.mount("/admin", admin_app)
    """
    facts = routes(source)
    old, ws, health = facts.endpoints
    assert (old.framework, old.methods) == ("starlette", ("GET", "POST"))
    assert ws.methods == ("WEBSOCKET",)
    assert (health.form, health.handler, health.methods) == ("add_api_route", "health", ("GET",))
    mount, = facts.includes
    assert (mount.framework, mount.owner, mount.child, mount.prefix) == (
        "starlette", local("app"), NameRef(".admin.admin_app", True), "/admin")


# -- Flask -------------------------------------------------------------------------------------
def test_flask_route_methods_blueprints_and_add_url_rule() -> None:
    source = """\
        from flask import Blueprint, Flask
        from flask_login import login_required
        from .views import ItemView

        app = Flask(__name__)
        bp = Blueprint("admin", __name__, url_prefix="/admin")

        @app.route("/")
        def index(): ...

        @app.route("/login", methods=["GET", "POST"])
        def login(): ...

        @bp.get("/dashboard")
        @login_required
        def dashboard(): ...

        app.add_url_rule("/items", view_func=ItemView.as_view("items"))
        app.add_url_rule("/plain", "plain", index)
        app.register_blueprint(bp, url_prefix="/backoffice")
    """
    facts = routes(source)
    index, login, dashboard, items, plain = facts.endpoints
    assert (index.framework, index.methods, index.path) == ("flask", ("GET",), "/")
    assert login.methods == ("GET", "POST")
    assert (dashboard.owner, dashboard.methods) == (local("bp"), ("GET",))
    assert dashboard.decorators == (NameRef("flask_login.login_required", True),)
    assert (items.form, items.handler_ref, items.is_class) == (
        "add_url_rule", NameRef(".views.ItemView", True), True)
    assert (plain.handler, plain.path) == ("index", "/plain")
    bp = next(a for a in facts.apps if a.name == "bp")
    assert (bp.kind, bp.prefix) == ("blueprint", "/admin")
    include, = facts.includes
    assert (include.form, include.child, include.prefix, include.framework) == (
        "register_blueprint", local("bp"), "/backoffice", "flask")


def test_flask_before_request_hooks() -> None:
    source = """\
        from flask import Blueprint, Flask
        from .auth import load_user
        from . import api

        app = Flask(__name__)
        admin = Blueprint("admin", __name__)

        @admin.before_request
        def require_admin(): ...

        app.before_request(load_user)

        @api.before_app_request
        def tag_request(): ...
    """
    first, third, second = routes(source).hooks  # decorators first, then registering calls
    assert (first.framework, first.kind, first.owner, first.handler) == (
        "flask", "before_request", local("admin"), local("require_admin"))
    assert first.span.line == 8
    assert (second.owner, second.handler) == (local("app"), NameRef(".auth.load_user", True))
    assert (third.framework, third.kind, third.owner) == (
        None, "before_app_request", NameRef(".api", True))


def test_flask_app_made_in_a_factory() -> None:
    source = """\
        from flask import Flask

        def create_app():
            app = Flask(__name__)

            @app.route("/ping")
            def ping(): ...

            return app
    """
    endpoint = only(source)
    assert (endpoint.framework, endpoint.handler) == ("flask", "create_app.ping")


def test_imports_inside_the_factory_identify_the_framework() -> None:
    source = """\
        def init(model):
            from fastapi import FastAPI

            app = FastAPI()

            @app.post("/invocations")
            def invocations(): ...
    """
    endpoint = only(source)
    assert (endpoint.framework, endpoint.handler) == ("fastapi", "init.invocations")


# -- Django and DRF ----------------------------------------------------------------------------
def test_django_urlpatterns_function_and_class_views_and_include() -> None:
    source = """\
        from django.urls import include, path, re_path
        from django.conf.urls import url
        from . import views
        from .views import ArticleView

        urlpatterns = [
            path("", views.index, name="index"),
            path("articles/<int:pk>/", ArticleView.as_view(), name="article"),
            re_path(r"^archive/(?P<year>[0-9]{4})/$", views.archive),
            url(r"^old/$", views.old),
            path("api/", include("api.urls")),
        ]
    """
    facts = routes(source, "shop/urls.py")
    index, article, archive, old = facts.endpoints
    assert (index.framework, index.form, index.path, index.methods) == (
        "django", "urlpattern", "", ())
    assert index.handler_ref == NameRef(".views.index", True)
    assert (article.handler_ref, article.is_class) == (NameRef(".views.ArticleView", True), True)
    assert archive.path == r"^archive/(?P<year>[0-9]{4})/$"
    assert old.handler_ref == NameRef(".views.old", True)
    include, = facts.includes
    assert (include.form, include.module, include.prefix) == ("include", "api.urls", "api/")


def test_django_lambdas_view_factories_and_instances_calling_as_view() -> None:
    source = """\
        from django.http import HttpResponseRedirect
        from django.urls import path, re_path
        from core import views
        from .api import FilesAPI

        urlpatterns = [
            re_path(r"^swagger/$", lambda request: HttpResponseRedirect("/docs/")),
            re_path(r"^sw\\.js$", views.static_file("js/sw.js")),
            path("files", FilesAPI().as_view(serializer_class=None)),
        ]
    """
    redirect, built, files = endpoints(source, "core/urls.py")
    assert (redirect.handler_ref, redirect.path) == (None, r"^swagger/$")
    assert redirect.handler_span is not None and redirect.handler_span.line == 7
    assert (built.handler_ref, built.handler_span) == (None, None)
    assert (files.handler_ref, files.is_class) == (NameRef(".api.FilesAPI", True), True)


def test_django_path_outside_urls_py_and_added_patterns_are_recorded() -> None:
    # The import says it is Django's path(): the file's name does not matter (ROOT_URLCONF can
    # name any module), and `urlpatterns += [...]` adds routes like the first list does.
    source = """\
        from django.urls import path
        from . import views

        urlpatterns = []
        urlpatterns += [path("extra/", views.extra)]
    """
    endpoint = only(source, "shop/routing.py")
    assert (endpoint.framework, endpoint.path) == ("django", "extra/")


def test_django_view_defined_in_the_same_file_gets_its_span() -> None:
    source = """\
        from django.urls import path
        from django.contrib.auth.decorators import login_required

        @login_required
        def profile(request): ...

        urlpatterns = [path("profile/", profile)]
    """
    endpoint = only(source)
    assert endpoint.handler == "profile" and endpoint.handler_span is not None
    assert endpoint.handler_span.line == 5  # the `def`, after its decorators
    assert endpoint.decorators == (
        NameRef("django.contrib.auth.decorators.login_required", True),)


def test_drf_router_register_and_api_view() -> None:
    source = """\
        from rest_framework import routers
        from rest_framework.decorators import api_view, permission_classes
        from rest_framework.permissions import AllowAny
        from .viewsets import UserViewSet

        router = routers.DefaultRouter()
        router.register(r"users", UserViewSet, basename="user")

        @api_view(["GET", "POST"])
        @permission_classes([AllowAny])
        def ping(request): ...

        @api_view()
        def pong(request): ...
    """
    facts = routes(source)
    ping, pong, users = facts.endpoints  # decorated handlers first, then registering calls
    assert (users.framework, users.form, users.path, users.owner) == (
        "drf", "register", "users", local("router"))
    assert (users.handler_ref, users.methods) == (NameRef(".viewsets.UserViewSet", True), ())
    assert (ping.form, ping.methods, ping.path) == ("api_view", ("GET", "POST"), None)
    assert ping.decorators == (NameRef("rest_framework.decorators.permission_classes", True),)
    assert pong.methods == ("GET",)
    assert facts.apps[0].kind == "router"


# -- Litestar ----------------------------------------------------------------------------------
def test_litestar_handlers_controllers_and_route_handlers() -> None:
    source = """\
        from litestar import Controller, Litestar, Router, get, post
        from litestar.handlers import websocket

        @get("/health")
        async def health() -> dict: ...

        class UserController(Controller):
            path = "/users"

            @get()
            async def list_users(self) -> list: ...

            @post("/{user_id:int}")
            async def update(self, user_id: int) -> None: ...

        @websocket("/ws")
        async def socket(socket) -> None: ...

        api = Router(path="/api", route_handlers=[UserController])
        app = Litestar(route_handlers=[health, api, socket])
    """
    facts = routes(source)
    health, list_users, update, socket = facts.endpoints
    assert (health.framework, health.form, health.methods, health.owner) == (
        "litestar", "handler", ("GET",), None)
    assert (list_users.handler, list_users.path, list_users.owner) == (
        "UserController.list_users", "/", local("UserController"))
    assert (update.methods, update.path) == (("POST",), "/{user_id:int}")
    assert socket.methods == ("WEBSOCKET",)
    controller = next(a for a in facts.apps if a.kind == "controller")
    assert (controller.name, controller.prefix) == ("UserController", "/users")
    children = {(i.owner.name if i.owner else None, i.child.name if i.child else None, i.prefix)
                for i in facts.includes}
    assert children == {("api", "UserController", "/api"), ("app", "health", None),
                        ("app", "api", None), ("app", "socket", None)}


def test_litestar_route_with_http_methods() -> None:
    source = """\
        from litestar import route
        from litestar.enums import HttpMethod

        @route("/items", http_method=["GET", "POST"])
        async def items() -> list: ...
    """
    assert only(source).methods == ("GET", "POST")


def test_a_get_function_from_another_library_is_not_a_litestar_handler() -> None:
    source = """\
        from requests import get

        @get("/x")
        def f(): ...
    """
    assert endpoints(source) == []


# -- the project phase: owners made in other modules -------------------------------------------
def owners_of(files: dict[str, str]) -> dict[str, str | None]:
    """handler -> owner_framework(...) for every endpoint of a small project."""
    specs = [(c, c.Options()) for c in route_collectors()]
    results = [analyze_source(textwrap.dedent(text), path, specs) for path, text in files.items()]
    project = build_model(results)
    return {e.handler or "": endpoint_framework(project, path, e)
            for path, fact in project.of(RouteCollector.kind) for e in fact.endpoints}


def test_owner_framework_follows_imports_packages_and_subclasses() -> None:
    files = {
        "shop/__init__.py": "",
        "shop/main.py": "from fastapi import FastAPI\napp = FastAPI()\n",
        "shop/users.py": "from .main import app\n\n@app.get('/users')\ndef users(): ...\n",
        "shop/admin/__init__.py": "from flask import Blueprint\nbp = Blueprint('a', __name__)\n",
        "shop/admin/views.py": "from . import bp\n\n@bp.route('/admin')\ndef admin(): ...\n",
        "shop/routing.py": "from fastapi import APIRouter\nclass ShopRouter(APIRouter): ...\n",
        "shop/items.py": (
            "from .routing import ShopRouter\nrouter = ShopRouter(prefix='/items')\n\n"
            "@router.get('/')\ndef items(): ...\n"),
        "shop/cache.py": (
            "from sanic import Blueprint\nbp = Blueprint('x')\n\n"
            "@bp.get('/sanic')\ndef sanic_route(): ...\n"),
        "shop/aio.py": (
            "from aiohttp import web\nroutes = web.RouteTableDef()\n\n"
            "@routes.get('/aio')\nasync def aio_route(request): ...\n"),
        "shop/local.py": (
            "from fastapi import FastAPI\napp = FastAPI()\n\n@app.get('/')\ndef home(): ...\n"),
        "shop/gateway.py": (
            "from .routing import ShopRouter\n\ndef create():\n    api = ShopRouter()\n\n"
            "    @api.post('/chat')\n    def chat(): ...\n"),
    }
    assert owners_of(files) == {"users": "fastapi", "admin": "flask", "items": "fastapi",
                                "sanic_route": None, "aio_route": None, "home": "fastapi",
                                "create.chat": "fastapi"}


# -- full paths and serving owners (project phase) -------------------------------------------------
def project_of(files: dict[str, str]):
    specs = [(c, c.Options()) for c in route_collectors()]
    results = [analyze_source(textwrap.dedent(text), path, specs) for path, text in files.items()]
    return build_model(results)


def paths_by_handler(files: dict[str, str]) -> dict[str, tuple[str, ...]]:
    from archlint.rules._routes import full_paths

    return {endpoint.handler or (endpoint.handler_ref.name if endpoint.handler_ref else ""): found
            for (path, endpoint), found in full_paths(project_of(files)).items()}


def test_full_paths_join_router_include_and_app_prefixes_across_modules() -> None:
    found = paths_by_handler({
        "shop/__init__.py": "",
        "shop/main.py": (
            "from fastapi import FastAPI\nfrom .users import router\napp = FastAPI()\n"
            "app.include_router(router, prefix='/api/v1')\n"
            "@app.get('/healthz')\ndef healthz(): ...\n"),
        "shop/users.py": (
            "from fastapi import APIRouter\nrouter = APIRouter(prefix='/users')\n"
            "@router.get('/{user_id}')\ndef read_user(user_id: int): ...\n"
            "@router.get('')\ndef list_users(): ...\n"),
    })
    assert found["read_user"] == ("/api/v1/users/{user_id}",)
    assert found["list_users"] == ("/api/v1/users",)
    assert found["healthz"] == ("/healthz",)


def test_full_paths_flask_blueprints_starlette_mounts_litestar_and_django_includes() -> None:
    found = paths_by_handler({
        "web.py": (
            "from flask import Blueprint, Flask\napp = Flask(__name__)\n"
            "bp = Blueprint('r', __name__, url_prefix='/reports')\n"
            "other = Blueprint('o', __name__, url_prefix='/ignored')\n"
            "@bp.get('/daily')\ndef daily(): ...\n"
            "@other.get('/x')\ndef other_x(): ...\n"
            "app.register_blueprint(bp)\napp.register_blueprint(other, url_prefix='/o')\n"),
        "star.py": (
            "from starlette.applications import Starlette\n"
            "from starlette.routing import Mount, Route\n"
            "def ping(request): ...\n"
            "routes = [Mount('/internal', routes=[Route('/ping', ping)])]\n"),
        "lite.py": (
            "from litestar import Controller, Router, get\n"
            "class Users(Controller):\n    path = '/users'\n"
            "    @get('/{uid:int}')\n    async def one(self, uid: int) -> None: ...\n"
            "api = Router(path='/api', route_handlers=[Users])\n"),
        "proj/__init__.py": "",
        "proj/urls.py": (
            "from django.urls import include, path\n"
            "urlpatterns = [path('api/', include('proj.app_urls'))]\n"),
        "proj/app_urls.py": (
            "from django.urls import path\nfrom . import views\n"
            "urlpatterns = [path('invoices/<int:pk>/', views.invoice)]\n"),
    })
    assert found["daily"] == ("/reports/daily",)
    assert found["other_x"] == ("/o/x",)  # register_blueprint's url_prefix replaces the own one
    assert found["ping"] == ("/internal/ping",)
    assert found["Users.one"] == ("/api/users/{uid:int}",)
    assert found[".views.invoice"] == ("/api/invoices/<int:pk>/",)


def test_serving_owners_follow_includes_to_the_app() -> None:
    from archlint.rules._routes import owner_identity, serving_owners

    project = project_of({
        "shop/__init__.py": "",
        "shop/main.py": (
            "from fastapi import FastAPI\nfrom shop.users import router\napp = FastAPI()\n"
            "app.include_router(router)\n"),
        "shop/users.py": (
            "from fastapi import APIRouter\nrouter = APIRouter()\n"
            "@router.get('/u')\ndef u(): ...\n"),
        "shop/loose.py": (
            "from fastapi import APIRouter\nrouter = APIRouter()\n"
            "@router.get('/l')\ndef l(): ...\n"),
    })
    assert serving_owners(project, "shop/users.py", NameRef("router", False)) == {
        ("shop.users", "router"), ("shop.main", "app")}
    assert serving_owners(project, "shop/loose.py", NameRef("router", False)) == {
        ("shop.loose", "router")}
    assert owner_identity(project, "shop/main.py", NameRef("shop.users.router", True)) == (
        "shop.users", "router")
    assert owner_identity(project, "shop/main.py", None) is None
