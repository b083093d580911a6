"""HTTP endpoints as facts: the ONE route model that the observability rules (ARC501-ARC505) and
the security rules (ARC608) read. Never re-detect routes in a rule; extend this module.

Per file (phase 1), from CPython's `ast` (no LibCST parse), `RouteCollector` records one
`FileRoutes` fact holding:

- `endpoints` (`Endpoint`): a handler registered for a path, in any of these forms
  ("form" field):
  "decorator"     FastAPI/Starlette `@app.get(...)`/`@router.post(...)`/`api_route`/`websocket`,
                  Flask `@app.route(...)`/`@bp.get(...)`;
  "add_api_route" FastAPI `app.add_api_route(path, fn, methods=[...])`, Starlette
                  `app.add_route(...)`/`add_websocket_route(...)`;
  "add_url_rule"  Flask `app.add_url_rule(rule, endpoint, view_func)`;
  "route"         Starlette `Route(path, endpoint)`/`WebSocketRoute(...)` (in a routes list);
  "urlpattern"    Django `path()`/`re_path()`/`url()` pointing at a view or `View.as_view()`;
  "register"      DRF `router.register(prefix, ViewSet)`;
  "api_view"      DRF `@api_view([...])` (the path comes from urls.py: None here);
  "handler"       Litestar `@get`/`@post`/`@route`/`@websocket` (module functions or methods of a
                  `Controller`, whose owner is then the controller class).
- `apps` (`AppObject`): app/router/blueprint/controller objects made in the file
  (`app = FastAPI()`, `router = APIRouter(prefix=...)`, `bp = Blueprint(...)`,
  `router = DefaultRouter()`, `class C(Controller): path = ...`), with their prefix and
  `dependencies=[...]`.
- `includes` (`Include`): one router mounted on another with a prefix: FastAPI
  `include_router`, Flask `register_blueprint`, Starlette `Mount`/`app.mount`, Django
  `path("x/", include("app.urls"))`, Litestar `route_handlers=[...]` of an app or `Router`.
- `hooks` (`Hook`): Flask `before_request`/`before_app_request` functions (where Flask apps
  authenticate, for ARC608).

Frameworks are known only through the file's imports: `app` counts as a FastAPI app because it
is bound to `fastapi.FastAPI(...)` here. A decorator on an owner the file does not make (`from
.main import app`, `from . import bp`) is recorded with framework None and the owner as a NameRef
(plus, when the file binds it to some other call, that call's callee): `endpoint_framework` /
`owner_framework` resolve it in the project phase, through module bindings and class bases
(`class ShopRouter(APIRouter)`); rules count an endpoint only when that gives a framework. Such
an unresolved owner is recorded only when the path is a literal that starts with "/" (or is
empty), so `cache.get("key")` never becomes an endpoint. Django's `path()` is recorded in any
file that imports it from Django (ROOT_URLCONF can name any module), not only in urls.py.

Project-phase helpers: `full_paths(project)` joins prefixes (the router's own, include_router/
register_blueprint/Mount/Litestar route_handlers chains, Django include() of another urls
module) into each endpoint's full paths; `owner_identity` says where an owner is bound
((module, name), through imports and re-exports); `serving_owners` lists an owner and every
owner that includes it (the apps among them serve its endpoints); `owner_kinds` maps identities
to their `AppObject`s. What a rule still has to do itself: resolve handlers named
in another module (Django views, DRF viewsets, Flask view_func) to their definition, and decide
whether a Django class view is a DRF APIView (its bases, through `ClassCollector`), DRF
`@action` methods of viewsets, and DRF `permission_classes` (class attributes, `ClassCollector`).
Not covered: Flask-AppBuilder `@expose`, Sanic, aiohttp, Quart, Tornado.
"""

from __future__ import annotations

import ast
import bisect
import re
from dataclasses import dataclass

from archlint.model import Span
from archlint.rules._ast import (
    SIMPLE_STATEMENTS,
    argument,
    blocks,
    children,
    dotted,
    statements_of,
    walk,
)
from archlint.rules._classes import (
    BindingCollector,
    ClassCollector,
    NameRef,
    Symbol,
    Symbols,
    _Imports,
    symbols,
    tree_imports,
)
from archlint.rules.base import AstCollector, ProjectModel

FASTAPI, STARLETTE, FLASK, DJANGO, DRF, LITESTAR = (
    "fastapi", "starlette", "flask", "django", "drf", "litestar")

HTTP_METHODS = ("get", "post", "put", "patch", "delete", "options", "head", "trace")
WEBSOCKET = "WEBSOCKET"


@dataclass(frozen=True, slots=True)
class Endpoint:
    framework: str | None  # None: the owner is made elsewhere; the project phase resolves it
    form: str  # see the module docstring
    handler: str | None  # qualified name in this module: "list_users", "UserView", "C.get"
    handler_ref: NameRef | None  # the handler as referenced: local ("index") or imported
    handler_span: Span | None  # the handler's `def`/`class` statement, when it is in this file
    span: Span  # the registration: the route decorator, or the registering call
    methods: tuple[str, ...]  # upper case; () when the framework decides (Django, DRF viewsets)
    path: str | None  # as written, when a literal
    owner: NameRef | None  # the app/router/blueprint/controller it is registered on
    decorators: tuple[NameRef, ...]  # the handler's decorators other than route decorators
    dependencies: tuple[NameRef, ...]  # Depends()/Security() targets: params and dependencies=
    is_class: bool = False  # a class view / viewset / controller method's class
    mount_prefix: str | None = None  # Starlette: literal paths of the Mount()s around a Route()
    # For an owner recorded with framework None that this file binds to a call (`app =
    # GatewayAPI(...)`, also inside a function): that call's callee, for `owner_framework`.
    owner_constructor: NameRef | None = None
    # The handler's parameter annotations that are plain names (`user: CurrentUser`): a name
    # may be an `Annotated[User, Depends(...)]` alias defined in another module, which only the
    # project phase can resolve.
    annotations: tuple[NameRef, ...] = ()

    @property
    def line(self) -> int:
        return self.span.line


@dataclass(frozen=True, slots=True)
class AppObject:
    name: str  # the variable (or controller class) it is bound to
    framework: str
    kind: str  # "app" | "router" | "blueprint" | "controller"
    constructor: str  # qualified: "fastapi.APIRouter"
    span: Span  # the constructing call (the class statement for a controller)
    prefix: str | None  # APIRouter(prefix=), Blueprint(url_prefix=), Controller.path, Router(path=)
    dependencies: tuple[NameRef, ...]


@dataclass(frozen=True, slots=True)
class Include:
    framework: str | None
    form: str  # "include_router" | "register_blueprint" | "mount" | "include" | "route_handlers"
    owner: NameRef | None  # what it is mounted on (None: a routes list / urlpatterns)
    child: NameRef | None  # the router/blueprint/handler mounted
    module: str | None  # Django include("app.urls"): the urls module, as written
    prefix: str | None  # as written, when a literal
    span: Span
    dependencies: tuple[NameRef, ...]


@dataclass(frozen=True, slots=True)
class Hook:
    """A function run before every request of an app or blueprint (Flask `before_request`,
    `before_app_request`): where Flask projects authenticate (ARC608)."""

    framework: str | None  # None: the owner is made elsewhere (see `owner_framework`)
    kind: str  # "before_request" | "before_app_request"
    owner: NameRef
    handler: NameRef | None  # the hook function, local or imported
    span: Span  # the decorator or the registering call


@dataclass(frozen=True, slots=True)
class FileRoutes:
    endpoints: tuple[Endpoint, ...]
    apps: tuple[AppObject, ...]
    includes: tuple[Include, ...]
    hooks: tuple[Hook, ...] = ()


# Constructors of route owners: qualified name -> (framework, kind).
_OWNERS = {
    "fastapi.FastAPI": (FASTAPI, "app"),
    "fastapi.applications.FastAPI": (FASTAPI, "app"),
    "fastapi.APIRouter": (FASTAPI, "router"),
    "fastapi.routing.APIRouter": (FASTAPI, "router"),
    "starlette.applications.Starlette": (STARLETTE, "app"),
    "starlette.routing.Router": (STARLETTE, "router"),
    "flask.Flask": (FLASK, "app"),
    "flask.app.Flask": (FLASK, "app"),
    "flask.Blueprint": (FLASK, "blueprint"),
    "flask.blueprints.Blueprint": (FLASK, "blueprint"),
    "apiflask.APIFlask": (FLASK, "app"),
    "apiflask.APIBlueprint": (FLASK, "blueprint"),
    "flask_smorest.Blueprint": (FLASK, "blueprint"),
    "rest_framework.routers.DefaultRouter": (DRF, "router"),
    "rest_framework.routers.SimpleRouter": (DRF, "router"),
    "litestar.Litestar": (LITESTAR, "app"),
    "litestar.app.Litestar": (LITESTAR, "app"),
    "litestar.Router": (LITESTAR, "router"),
    "litestar.router.Router": (LITESTAR, "router"),
}
_HOOKS = ("before_request", "before_app_request")
# The names of every registering call: the walk over expressions looks only at calls of these.
_CALL_NAMES = frozenset({
    "Route", "WebSocketRoute", "APIRoute", "APIWebSocketRoute", "Mount", "path", "re_path", "url",
    "add_api_route", "add_route", "add_websocket_route", "add_url_rule", "include_router",
    "register_blueprint", "mount", "register", *_HOOKS,
})
_CALL_NEEDLE = re.compile(r"\b(?:" + "|".join(sorted(_CALL_NAMES)) + r")\s*\(")
# Parts of those names, each name holding one: fewer searches of the text than the names.
_CALL_ANCHORS = ("Route", "route", "ount", "path", "url", "register", "before_")
assert all(any(anchor in name for anchor in _CALL_ANCHORS) for name in _CALL_NAMES)
_PREFIX_KEYWORD = {FASTAPI: "prefix", FLASK: "url_prefix", LITESTAR: "path"}
_CONTROLLERS = ("litestar.Controller", "litestar.controller.Controller")
# In `dependencies`: a `dependencies=` value the file computes (`get_dependencies()`), which
# may hold any dependency; a rule asking "is there a guard?" cannot say no.
UNREADABLE = NameRef("<unreadable dependencies>", False)
_BUILTIN_TYPES = frozenset({"int", "str", "float", "bool", "bytes", "dict", "list", "set",
                            "tuple", "object"})
_DEPENDS = ("fastapi.Depends", "fastapi.params.Depends", "fastapi.Security",
            "fastapi.params.Security")
_STARLETTE_ROUTES = {
    "starlette.routing.Route": STARLETTE, "starlette.routing.WebSocketRoute": STARLETTE,
    "fastapi.routing.APIRoute": FASTAPI, "fastapi.routing.APIWebSocketRoute": FASTAPI,
}
_MOUNTS = ("starlette.routing.Mount",)
_DJANGO_PATHS = ("django.urls.path", "django.urls.re_path", "django.conf.urls.url",
                 "django.urls.conf.path", "django.urls.conf.re_path")
_DJANGO_INCLUDES = ("django.urls.include", "django.conf.urls.include", "django.urls.conf.include")
_API_VIEW = ("rest_framework.decorators.api_view",)
_LITESTAR_MODULES = ("litestar", "litestar.handlers", "litestar.handlers.http_handlers",
                     "litestar.handlers.websocket_handlers")
_LITESTAR_HANDLERS = {m: m.upper() for m in HTTP_METHODS if m != "trace"}
_LITESTAR_HANDLERS.update({"route": "", "websocket": WEBSOCKET, "websocket_listener": WEBSOCKET})

Function = ast.FunctionDef | ast.AsyncFunctionDef
Owner = tuple[str | None, str]  # (framework or None when made elsewhere, kind)


def _string(expr: ast.expr | None) -> str | None:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    return None


def _methods(expr: ast.expr | None) -> tuple[str, ...] | None:
    """A literal list of method names, upper case; None when not literal."""
    if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
        names = [_string(e) for e in expr.elts]
        if all(n is not None for n in names):
            return tuple(str(n).upper() for n in names)
    text = _string(expr)
    return (text.upper(),) if text is not None else None


def _needle_starts(source: str) -> list[int]:
    """Where `_CALL_NEEDLE` matches, in order: the parts the names share found with
    `str.find` (fast), then the needle tried at the start of the word around each (running
    the regex over the whole text costs more than the rest of the collector)."""
    found = set()
    for anchor in _CALL_ANCHORS:
        at = source.find(anchor)
        while at >= 0:
            start = at
            while start and (source[start - 1].isalnum() or source[start - 1] == "_"):
                start -= 1  # back to the start of the word (what `\w` matches)
            if _CALL_NEEDLE.match(source, start):
                found.add(start)
            at = source.find(anchor, at + 1)
    return sorted(found)


class RouteCollector(AstCollector):
    kind = "routes"
    # Every form needs an import of its framework, or a decorator/call with a path literal.
    triggers = ("fastapi", "starlette", "flask", "django", "rest_framework", "litestar",
                "route", ".get(", ".post(", ".put(", ".patch(", ".delete(", "Blueprint",
                ".head(", ".options(", "websocket", "add_url_rule", "api_view")

    def collect(self) -> list[FileRoutes]:
        self.statements = statements_of(self.tree)
        self.names: _Imports = tree_imports(self.tree)
        self._parent_map: dict[int, ast.AST] | None = None
        self.endpoints: list[Endpoint] = []
        self.apps: list[AppObject] = []
        self.includes: list[Include] = []
        self.hooks: list[Hook] = []
        self.owners: dict[str, Owner] = {}  # variable -> what made it (framework constructors)
        self.bound: set[str] = set()  # every name assigned in the file
        self.made_by: dict[str, NameRef] = {}  # name -> callee, for `name = other_call(...)`
        self.functions: dict[str, tuple[str, Function | ast.ClassDef]] = {}  # top-level defs
        self._find_owners()
        self._definitions(self.tree.body, ())
        self._calls()
        if not (self.endpoints or self.apps or self.includes or self.hooks):
            return []
        return [FileRoutes(tuple(self.endpoints), tuple(self.apps), tuple(self.includes),
                           tuple(self.hooks))]

    # -- what the file makes ------------------------------------------------------------------
    def _find_owners(self) -> None:
        """`name = FastAPI(...)` and the like, anywhere (app factories make the app inside a
        function)."""
        for node in self.statements:
            if isinstance(node, ast.Assign):
                targets = [t.id for t in node.targets if isinstance(t, ast.Name)]
                value = node.value
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
                targets, value = [node.target.id], node.value
            else:
                continue
            self.bound.update(targets)
            if not isinstance(value, ast.Call) or not targets:
                continue
            constructor = self.names.qualify(value.func)
            if constructor not in _OWNERS:
                callee = self.names.ref(value.func)
                if callee is not None:
                    for target in targets:
                        self.made_by.setdefault(target, callee)
                continue
            framework, kind = _OWNERS[constructor]
            prefix_keyword = _PREFIX_KEYWORD.get(framework)
            prefix = _string(argument(value, None, prefix_keyword)) if prefix_keyword else None
            for target in targets:
                self.owners[target] = (framework, kind)
                self.apps.append(AppObject(
                    target, framework, kind, constructor, self.span_of(value), prefix,
                    self._dependency_list(argument(value, None, "dependencies"))))
            if framework == LITESTAR:
                self._route_handlers(value, NameRef(targets[0], False), prefix)

    def _route_handlers(self, call: ast.Call, owner: NameRef, prefix: str | None) -> None:
        handlers = argument(call, None, "route_handlers")
        if isinstance(handlers, (ast.List, ast.Tuple)):
            for element in handlers.elts:
                child = self.names.ref(element)
                if child is not None:
                    self.includes.append(Include(LITESTAR, "route_handlers", owner, child, None,
                                                 prefix, self.span_of(element), ()))

    # -- handlers and their decorators --------------------------------------------------------
    def _definitions(self, body: list[ast.stmt], outer: tuple[str, ...],
                     controller: str | None = None) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                qualname = ".".join((*outer, stmt.name))
                if not outer:
                    self.functions[stmt.name] = (qualname, stmt)
                inner_controller = None
                if isinstance(stmt, ast.ClassDef):
                    inner_controller = self._controller(stmt, qualname)
                self._decorated(stmt, qualname, controller)
                self._definitions(stmt.body, (*outer, stmt.name), inner_controller)
            elif not isinstance(stmt, SIMPLE_STATEMENTS):
                for block in blocks(stmt):
                    self._definitions(block, outer, controller)

    def _controller(self, node: ast.ClassDef, qualname: str) -> str | None:
        if not any(self.names.qualify(b) in _CONTROLLERS for b in node.bases):
            return None
        prefix = None
        for stmt in node.body:  # `path = "/users"` (or annotated) in the class body
            if isinstance(stmt, ast.Assign):
                targets, value = stmt.targets, stmt.value
            elif isinstance(stmt, ast.AnnAssign):
                targets, value = [stmt.target], stmt.value
            else:
                continue
            if any(isinstance(t, ast.Name) and t.id == "path" for t in targets):
                prefix = _string(value)
        dependencies: tuple[NameRef, ...] = ()
        self.apps.append(AppObject(qualname, LITESTAR, "controller", "litestar.Controller",
                                   self.span_of(node), prefix, dependencies))
        return qualname

    def _decorated(self, node: Function | ast.ClassDef, qualname: str,
                   controller: str | None) -> None:
        routes: list[tuple[ast.expr, Endpoint]] = []
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Attribute) and decorator.attr in _HOOKS:
                self._hook(decorator, decorator.attr, decorator.value, NameRef(qualname, False))
            found = self._route_decorator(decorator, controller)
            if found is not None:
                routes.append((decorator, found))
        if not routes:
            return
        route_nodes = {id(d) for d, _ in routes}
        decorators = tuple(
            ref for d in node.decorator_list if id(d) not in route_nodes
            for ref in (self.names.ref(d.func if isinstance(d, ast.Call) else d),)
            if ref is not None)
        function = not isinstance(node, ast.ClassDef)
        parameters = self._parameter_dependencies(node) if function else ()
        annotations = self._annotation_names(node) if function else ()
        for decorator, found in routes:
            call = decorator if isinstance(decorator, ast.Call) else None
            listed = self._dependency_list(argument(call, None, "dependencies")) if call else ()
            self.endpoints.append(Endpoint(
                found.framework, found.form, qualname, NameRef(qualname, False),
                self.span_of(node), self.span_of(decorator), found.methods, found.path,
                found.owner, decorators, (*listed, *parameters),
                isinstance(node, ast.ClassDef), None,
                self._constructor(found.framework, found.owner), annotations))

    def _route_decorator(self, decorator: ast.expr, controller: str | None) -> Endpoint | None:
        """The route a decorator declares, without the handler (filled in by the caller)."""
        call = decorator if isinstance(decorator, ast.Call) else None
        func = call.func if call is not None else decorator
        qualified = self.names.qualify(func)
        if qualified is not None:
            module, _, function = qualified.rpartition(".")
            if qualified in _API_VIEW:
                methods = _methods(argument(call, 0, "http_method_names")) if call else None
                return self._partial(DRF, "api_view", methods or ("GET",), None, None)
            if module in _LITESTAR_MODULES and function in _LITESTAR_HANDLERS:
                return self._litestar(call, function, controller)
        if call is None or not isinstance(func, ast.Attribute):
            return None
        method = func.attr
        owner_expr = func.value
        owner_ref = self.names.ref(owner_expr)
        if owner_ref is None:
            return None
        owner = self._owner_of(owner_expr)
        if owner is None:
            return None
        framework, _ = owner
        path_arg = argument(call, 0, "rule" if framework == FLASK else "path")
        path = _string(path_arg)
        if framework is None and (path is None or not (path == "" or path.startswith("/"))):
            return None  # made elsewhere: only a literal path says it is a route
        if method in HTTP_METHODS:
            return self._partial(framework, "decorator", (method.upper(),), path, owner_ref)
        if method in ("api_route", "route"):
            methods = _methods(argument(call, None, "methods"))
            if methods is None and argument(call, None, "methods") is None:
                methods = ("GET",)  # Flask's, Starlette's and FastAPI's default
            return self._partial(framework, "decorator", methods or (), path, owner_ref)
        if method in ("websocket", "websocket_route"):
            return self._partial(framework, "decorator", (WEBSOCKET,), path, owner_ref)
        return None

    def _litestar(self, call: ast.Call | None, function: str,
                  controller: str | None) -> Endpoint:
        path_arg = argument(call, 0, "path") if call is not None else None
        path = "/" if path_arg is None else _string(path_arg)  # Litestar's default path
        if function == "route":
            methods = _methods(argument(call, None, "http_method") if call else None) or ()
        else:
            methods = (_LITESTAR_HANDLERS[function],)
        owner = NameRef(controller, False) if controller else None
        return self._partial(LITESTAR, "handler", methods, path, owner)

    @staticmethod
    def _partial(framework: str | None, form: str, methods: tuple[str, ...], path: str | None,
                 owner: NameRef | None) -> Endpoint:
        return Endpoint(framework, form, None, None, None, Span(0, 0, 0, 0), methods, path,
                        owner, (), ())

    def _owner_of(self, expr: ast.expr) -> Owner | None:
        """What made a route owner: a framework constructor in this file, or (framework None)
        something the project phase must resolve: an imported name or an unknown local."""
        if isinstance(expr, ast.Name) and expr.id in self.owners:
            return self.owners[expr.id]
        written = dotted(expr)
        if written is None:
            return None
        head = written.split(".")[0]
        if head in self.names.aliases or head in self.bound:
            return (None, "")
        return None  # a parameter or an attribute of `self`: nothing to resolve it by

    # -- dependencies -------------------------------------------------------------------------
    def _depends_target(self, expr: ast.expr, annotation: ast.expr | None) -> NameRef | None:
        if not isinstance(expr, ast.Call) or self.names.qualify(expr.func) not in _DEPENDS:
            return None
        target = argument(expr, 0, "dependency")
        if target is None:  # `x: Service = Depends()`: the annotation is the dependency
            target = annotation
        if isinstance(target, ast.Call):  # Depends(RoleChecker("admin")): the class
            target = target.func
        return self.names.ref(target) if target is not None else None

    def _dependency_list(self, expr: ast.expr | None) -> tuple[NameRef, ...]:
        if expr is None or (isinstance(expr, ast.Constant) and expr.value is None):
            return ()
        if not isinstance(expr, (ast.List, ast.Tuple)):
            return (UNREADABLE,)  # `dependencies=get_dependencies()`
        return tuple(ref for e in expr.elts for ref in (self._depends_target(e, None),)
                     if ref is not None)

    def _parameter_dependencies(self, node: Function) -> tuple[NameRef, ...]:
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
        pairs = list(zip(positional, [*defaults, *args.defaults]))
        pairs += list(zip(args.kwonlyargs, args.kw_defaults))
        found: list[NameRef] = []
        for arg, default in pairs:
            annotation = arg.annotation
            if default is not None:
                ref = self._depends_target(default, annotation)
                if ref is not None:
                    found.append(ref)
                    continue
            # Annotated[User, Depends(current_user)]
            if (isinstance(annotation, ast.Subscript)
                    and self.names.qualify(annotation.value) in (
                        "typing.Annotated", "typing_extensions.Annotated")
                    and isinstance(annotation.slice, ast.Tuple) and annotation.slice.elts):
                base, *extras = annotation.slice.elts
                for extra in extras:
                    ref = self._depends_target(extra, base)
                    if ref is not None:
                        found.append(ref)
        return tuple(found)

    # -- registering calls --------------------------------------------------------------------
    def _calls(self) -> None:
        """Registering calls. Walking every expression of a file costs as much as parsing it, so
        only the simple statements on whose lines a registering call's name is followed by "("
        are walked."""
        lines: list[int] = []
        line, counted = 1, 0
        for start in _needle_starts(self.source):
            line += self.source.count("\n", counted, start)
            counted = start
            if not lines or lines[-1] != line:
                lines.append(line)
        if not lines:
            return
        for stmt in self.statements:
            if not isinstance(stmt, SIMPLE_STATEMENTS):
                continue
            first = bisect.bisect_left(lines, stmt.lineno)
            if first == len(lines) or lines[first] > (stmt.end_lineno or stmt.lineno):
                continue
            for node in walk(stmt):
                if isinstance(node, ast.Call):
                    self._call(node)

    def _call(self, node: ast.Call) -> None:
        func = node.func
        last = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if last not in _CALL_NAMES:
            return
        qualified = self.names.qualify(func)
        if qualified in _STARLETTE_ROUTES:
            self._starlette_route(node, _STARLETTE_ROUTES[qualified], qualified,
                                  self._parents(node))
        elif qualified in _MOUNTS:
            self._mount(node, None, self._parents(node))
        elif qualified in _DJANGO_PATHS:
            self._django_path(node)
        elif isinstance(func, ast.Attribute):
            self._method_call(node, func)

    def _parents(self, node: ast.AST) -> tuple[ast.AST, ...]:
        """The nodes around `node`, outermost first (the parent map is built once, and only
        for files with Starlette routes)."""
        if self._parent_map is None:
            self._parent_map = {}
            for parent in walk(self.tree):
                for child in children(parent):
                    self._parent_map[id(child)] = parent
        found: list[ast.AST] = []
        current = self._parent_map.get(id(node))
        while current is not None:
            found.append(current)
            current = self._parent_map.get(id(current))
        return tuple(reversed(found))

    def _method_call(self, node: ast.Call, func: ast.Attribute) -> None:
        owner = self._owner_of(func.value)
        owner_ref = self.names.ref(func.value)
        if owner is None or owner_ref is None:
            return
        framework, kind = owner
        method = func.attr
        if method == "add_api_route" and framework in (FASTAPI, None):
            self._registered(node, FASTAPI if framework else None, "add_api_route", owner_ref,
                             argument(node, 1, "endpoint"), "path", ("GET",))
        elif method in ("add_route", "add_websocket_route") and framework in (STARLETTE, FASTAPI):
            default = (WEBSOCKET,) if method == "add_websocket_route" else ("GET",)
            self._registered(node, framework, "add_api_route", owner_ref,
                             argument(node, 1, "route"), "path", default)
        elif method == "add_url_rule" and framework in (FLASK, None):
            view = argument(node, 2, "view_func")
            if view is not None:
                self._registered(node, framework, "add_url_rule", owner_ref, view, "rule",
                                 ("GET",))
        elif method in _HOOKS and node.args:
            self._hook(node, method, func.value, self.names.ref(node.args[0]))
        elif method == "include_router" and framework in (FASTAPI, None):
            self._include(node, framework, "include_router", owner_ref, "router", "prefix")
        elif method == "register_blueprint" and framework in (FLASK, None):
            self._include(node, framework, "register_blueprint", owner_ref, "blueprint",
                          "url_prefix")
        elif method == "mount" and framework in (FASTAPI, STARLETTE):
            self._mount(node, owner_ref, ())
        elif method == "register" and framework == DRF and kind == "router":
            viewset = argument(node, 1, "viewset")
            if viewset is not None:
                self._endpoint_to(viewset, DRF, "register", node, (),
                                  _string(argument(node, 0, "prefix")), owner_ref, ())

    def _hook(self, node: ast.expr, kind: str, owner_expr: ast.expr,
              handler: NameRef | None) -> None:
        owner = self._owner_of(owner_expr)
        owner_ref = self.names.ref(owner_expr)
        if owner is None or owner_ref is None or owner[0] not in (FLASK, None):
            return
        self.hooks.append(Hook(owner[0], kind, owner_ref, handler, self.span_of(node)))

    def _registered(self, node: ast.Call, framework: str | None, form: str, owner: NameRef,
                    handler: ast.expr | None, path_name: str,
                    default_methods: tuple[str, ...]) -> None:
        if handler is None:
            return
        path = _string(argument(node, 0, path_name))
        if framework is None and (path is None or not (path == "" or path.startswith("/"))):
            return
        methods_arg = argument(node, None, "methods")
        methods = _methods(methods_arg) if methods_arg is not None else default_methods
        listed = self._dependency_list(argument(node, None, "dependencies"))
        self._endpoint_to(handler, framework, form, node, methods or (), path, owner, listed)

    def _endpoint_to(self, handler: ast.expr, framework: str | None, form: str, node: ast.Call,
                     methods: tuple[str, ...], path: str | None, owner: NameRef | None,
                     listed: tuple[NameRef, ...], mount_prefix: str | None = None) -> None:
        """An endpoint whose handler is an expression: a function or class (`View.as_view()`)
        named here or imported. A lambda or a view some call builds (`make_view("x")`) is still
        an endpoint, with no handler (handler_ref None): a rule cannot look inside it."""
        is_class = False
        if (isinstance(handler, ast.Call) and isinstance(handler.func, ast.Attribute)
                and handler.func.attr == "as_view"):
            handler, is_class = handler.func.value, True
            if isinstance(handler, ast.Call):  # `View().as_view()`
                handler = handler.func
        ref = self.names.ref(handler)
        if ref is None:
            if isinstance(handler, (ast.Lambda, ast.Call)):
                self.endpoints.append(Endpoint(
                    framework, form, None, None,
                    self.span_of(handler) if isinstance(handler, ast.Lambda) else None,
                    self.span_of(node), methods, path, owner, (), listed, False, mount_prefix,
                    self._constructor(framework, owner)))
            return
        qualname = span = None
        decorators: tuple[NameRef, ...] = ()
        dependencies = listed
        annotations: tuple[NameRef, ...] = ()
        local = self.functions.get(ref.name) if not ref.imported else None
        if local is not None:
            qualname, definition = local
            span = self.span_of(definition)
            is_class = is_class or isinstance(definition, ast.ClassDef)
            decorators = tuple(
                r for d in definition.decorator_list
                for r in (self.names.ref(d.func if isinstance(d, ast.Call) else d),)
                if r is not None)
            if not isinstance(definition, ast.ClassDef):
                dependencies = (*listed, *self._parameter_dependencies(definition))
                annotations = self._annotation_names(definition)
        self.endpoints.append(Endpoint(framework, form, qualname, ref, span, self.span_of(node),
                                       methods, path, owner, decorators, dependencies,
                                       is_class, mount_prefix,
                                       self._constructor(framework, owner), annotations))

    def _annotation_names(self, node: Function) -> tuple[NameRef, ...]:
        args = node.args
        found = []
        for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
            annotation = arg.annotation
            if isinstance(annotation, (ast.Name, ast.Attribute)) and (
                    not isinstance(annotation, ast.Name) or annotation.id not in _BUILTIN_TYPES):
                ref = self.names.ref(annotation)
                if ref is not None:
                    found.append(ref)
        return tuple(found)

    def _constructor(self, framework: str | None, owner: NameRef | None) -> NameRef | None:
        if framework is not None or owner is None or owner.imported:
            return None
        return self.made_by.get(owner.name)

    def _include(self, node: ast.Call, framework: str | None, form: str, owner: NameRef,
                 child_name: str, prefix_name: str) -> None:
        child_expr = argument(node, 0, child_name)
        child = self.names.ref(child_expr) if child_expr is not None else None
        if child is None:
            return
        prefix = _string(argument(node, None, prefix_name))
        self.includes.append(Include(
            framework or (self.owners.get(child.name, (None, ""))[0] if not child.imported
                          else None),
            form, owner, child, None, prefix, self.span_of(node),
            self._dependency_list(argument(node, None, "dependencies"))))

    def _starlette_route(self, node: ast.Call, framework: str, qualified: str,
                         parents: tuple[ast.AST, ...]) -> None:
        endpoint = argument(node, 1, "endpoint")
        if endpoint is None:
            return
        websocket = "WebSocket" in qualified
        methods_arg = argument(node, None, "methods")
        if websocket:
            methods: tuple[str, ...] = (WEBSOCKET,)
        elif methods_arg is not None:
            methods = _methods(methods_arg) or ()
        else:
            methods = ("GET",)
        self._endpoint_to(endpoint, framework, "route", node, methods,
                          _string(argument(node, 0, "path")), _list_owner(parents),
                          self._dependency_list(argument(node, None, "dependencies")),
                          mount_prefix=self._mount_prefix(parents))

    def _mount_prefix(self, parents: tuple[ast.AST, ...]) -> str | None:
        """`Mount("/api", routes=[Route("/x", f)])`: "/api" for the Route (None: no Mount, or
        one whose path is not a literal)."""
        prefix = ""
        mounted = False
        for parent in parents:
            if isinstance(parent, ast.Call) and self.names.qualify(parent.func) in _MOUNTS:
                path = _string(argument(parent, 0, "path"))
                if path is None:
                    return None
                prefix, mounted = prefix + path, True
        return prefix if mounted else None

    def _mount(self, node: ast.Call, owner: NameRef | None,
               parents: tuple[ast.AST, ...]) -> None:
        """`Mount("/api", routes=[...])` (its routes are endpoints of their own, found by the
        walk) or `Mount("/api", app=sub)` / `app.mount("/static", sub)`."""
        child_expr = argument(node, 1, "app")
        child = self.names.ref(child_expr) if child_expr is not None else None
        routes = argument(node, None, "routes")
        if child is None and routes is None:
            return
        framework = STARLETTE if owner is None else self.owners.get(owner.name, (None, ""))[0]
        self.includes.append(Include(framework, "mount", owner or _list_owner(parents), child,
                                     None, _string(argument(node, 0, "path")),
                                     self.span_of(node), ()))

    def _django_path(self, node: ast.Call) -> None:
        view = argument(node, 1, "view")
        if view is None:
            return
        route = _string(argument(node, 0, "route"))
        if isinstance(view, ast.Call) and self.names.qualify(view.func) in _DJANGO_INCLUDES:
            target = argument(view, 0, "arg")
            if isinstance(target, ast.Tuple) and target.elts:  # include((patterns, "app"))
                target = target.elts[0]
            module = _string(target)
            child = None if module is not None or target is None else self.names.ref(target)
            if module is not None or child is not None:
                self.includes.append(Include(DJANGO, "include", None, child, module, route,
                                             self.span_of(node), ()))
            return
        self._endpoint_to(view, DJANGO, "urlpattern", node, (), route, None, ())


def _list_owner(parents: tuple[ast.AST, ...]) -> NameRef | None:
    """The variable a routes list is assigned to, or the app whose `routes=` holds it."""
    for parent in reversed(parents):
        if isinstance(parent, ast.Assign):
            names = [t.id for t in parent.targets if isinstance(t, ast.Name)]
            return NameRef(names[0], False) if names else None
        if isinstance(parent, ast.AnnAssign) and isinstance(parent.target, ast.Name):
            return NameRef(parent.target.id, False)
        if isinstance(parent, ast.stmt):
            return None
    return None


# Probes and scrape targets: endpoints that answer "is it up?" or serve metrics, which the
# observability rules leave alone.
_PROBE_PATH = re.compile(r"^/(?:health|ready|live|ping/?$|metrics/?$)")
_PROBE_LAST = re.compile(r"^(?:ready|readyz|readiness|live|livez|liveness|alive|ping|metrics)$")
_PROBE_HANDLER = ("health", "ready", "live", "ping")


def is_probe(paths: tuple[str, ...], handler: str | None,
             methods: tuple[str, ...] = ()) -> bool:
    """A health, readiness, liveness, ping or metrics endpoint: by full path (`/health*`,
    `/healthz`, `/ready*`, `/live*`, `/ping`, `/metrics`; under a prefix, any segment starting
    with `health` (`/api/health/db`) and a last segment `ready`, `live`, `ping`, `metrics` or
    their `z`/`-ness` forms) or by a handler name starting with health, ready, live or ping
    (or naming health anywhere: `handle_webhook_health`);
    also a bare `/status` and a HEAD-only route (both answer "is it up?")."""
    if methods == ("HEAD",):
        return True
    if handler is not None:
        last = handler.rpartition(".")[2].lower().lstrip("_")
        if last.startswith(_PROBE_HANDLER) or "health" in last:
            return True
    for path in paths:
        lowered = path.lower()
        if _PROBE_PATH.match(lowered) or lowered.rstrip("/") == "/status":
            return True
        segments = [s for s in lowered.split("/") if s and not s.startswith(("{", "<", ":"))]
        if any(s.startswith("health") for s in segments):
            return True
        if segments and _PROBE_LAST.match(segments[-1]):
            return True
    return False



@dataclass(frozen=True, slots=True)
class ViewDefinitions:
    """Per module that imports a web framework: its top-level functions (where a rule places a
    finding for a Django function view that a urls module names: on the view's `def` line), and
    the functions whose whole body returns a non-empty string or dict literal (`return {"status":
    "ok"}`) or a redirect to a literal URL: handlers that do nothing to trace or protect, the
    shape of a probe whatever its path (an empty `{}`/`[]` is a stub, and stays in scope)."""

    functions: tuple[tuple[str, Span], ...]
    constant: tuple[str, ...] = ()  # qualified names


class ViewDefinitionCollector(AstCollector):
    kind = "view-definitions"
    triggers = ("django", "rest_framework", "fastapi", "flask", "starlette", "litestar")

    def collect(self) -> list[ViewDefinitions]:
        found = tuple((stmt.name, self.span_of(stmt)) for stmt in self.tree.body
                      if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)))
        constant: list[str] = []
        self._constant(self.tree.body, (), constant)
        if not (found or constant):
            return []
        return [ViewDefinitions(found, tuple(constant))]

    def _constant(self, body: list[ast.stmt], outer: tuple[str, ...], found: list[str]) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                qualname = (*outer, stmt.name)
                if not isinstance(stmt, ast.ClassDef) and _returns_constant(stmt.body):
                    found.append(".".join(qualname))
                self._constant(stmt.body, qualname, found)


def _returns_constant(body: list[ast.stmt]) -> bool:
    statements = [s for s in body if not (isinstance(s, ast.Expr)
                                          and isinstance(s.value, ast.Constant))]
    if len(statements) != 1 or not isinstance(statements[0], ast.Return):
        return False
    value = statements[0].value
    # `return "OK"`, `return {"status": "ok"}`: an empty `{}`/`[]` is a stub, not a probe
    if isinstance(value, ast.Constant):
        return isinstance(value.value, str) and bool(value.value)
    # `return RedirectResponse("/admin/", status_code=308)`, `return redirect("/login")`
    if isinstance(value, ast.Call) and (dotted(value.func) or "").rpartition(".")[2] in (
            "RedirectResponse", "redirect", "HttpResponseRedirect",
            "HttpResponsePermanentRedirect"):
        return all(isinstance(a, ast.Constant) for a in value.args) and all(
            isinstance(k.value, (ast.Constant, ast.Attribute)) for k in value.keywords)
    return isinstance(value, ast.Dict) and bool(value.keys) and _literal(value)


def _literal(expr: ast.expr) -> bool:
    if isinstance(expr, ast.Constant):
        return True
    if isinstance(expr, (ast.List, ast.Tuple, ast.Set)):
        return all(_literal(e) for e in expr.elts)
    if isinstance(expr, ast.Dict):
        return all(k is not None and _literal(k) for k in expr.keys) and all(
            _literal(v) for v in expr.values)
    return False


# -- the project phase ---------------------------------------------------------------------------
def route_collectors() -> tuple[type[AstCollector], ...]:
    """What a project rule reading routes lists in `collectors`: the routes, and the classes and
    module bindings through which `owner_framework` resolves owners made in other modules."""
    return (RouteCollector, ClassCollector, BindingCollector, ViewDefinitionCollector)


def endpoint_framework(project: ProjectModel, path: str, endpoint: Endpoint) -> str | None:
    """The framework an endpoint belongs to: as recorded, or else through its owner. A rule
    counts an endpoint only when this is not None (an aiohttp `RouteTableDef`, a Sanic blueprint
    or an unresolvable owner give None)."""
    return endpoint.framework or owner_framework(project, path, endpoint.owner,
                                                 endpoint.owner_constructor)


def owner_framework(project: ProjectModel, path: str, owner: NameRef | None,
                    constructor: NameRef | None = None) -> str | None:
    """The framework of a route owner recorded with framework None: what the value it names was
    made by (`from .main import app` where main.py has `app = FastAPI()`; `from . import bp` where
    the package makes `bp = Blueprint(...)`; `router = PrefectRouter()` whose class derives from
    `APIRouter`; `constructor`: the callee that made it in the file, as `Endpoint` records it).
    None when it cannot be told (a parameter, a factory function's result, another library)."""
    if owner is None:
        return None
    table = symbols(project)
    module = table.modules.module_of.get(path)
    if module is None:
        return None
    if constructor is not None:
        made = table.of_ref(constructor, module)
        if made is not None and made.kind == "external":
            return _made_by(table, made.name, 0)
        if made is not None and made.kind == "class" and made.cls is not None and not made.rest:
            return _made_by(table, made.cls.key, 0)
        return None
    found = table.of_ref(owner, module)
    if found is None or found.kind != "call" or found.rest:
        return None
    return _made_by(table, found.name, 0)


def _made_by(table: Symbols, constructor: str, depth: int) -> str | None:
    """The framework of what `constructor` makes: one of its owners, or a project class that
    derives from one."""
    if constructor in _OWNERS:
        return _OWNERS[constructor][0]
    if depth > 10:
        return None
    symbol: Symbol | None = table.resolve(constructor)
    if symbol is None or symbol.kind != "class" or symbol.cls is None or symbol.rest:
        return None
    for base in symbol.cls.fact.bases:
        resolved = table.of_ref(base, symbol.cls.module)
        if resolved is None:
            continue
        if resolved.kind == "external":
            name = resolved.name
        elif resolved.kind == "class" and resolved.cls is not None and not resolved.rest:
            name = resolved.cls.key
        else:
            continue
        framework = _made_by(table, name, depth + 1)
        if framework is not None:
            return framework
    return None


# -- full paths: prefixes joined across routers, blueprints, mounts and Django include() -------
Identity = tuple[str, str]  # (module, name): where a route owner is bound


def owner_identity(project: ProjectModel, path: str, ref: NameRef | None) -> Identity | None:
    """Where the value a name refers to is bound, as (module, top-level name): `app` in
    `shop/main.py` is ("shop.main", "app"); `from .main import app` in another module resolves
    to the same, through re-exports. None when it cannot be told (a parameter's attribute, a name
    outside the project)."""
    if ref is None:
        return None
    table = symbols(project)
    module = table.modules.module_of.get(path)
    if module is None:
        return None
    if not ref.imported:
        return (module, ref.name)
    name = table.absolute(ref.name, module)
    for _ in range(8):  # re-exports: `from .main import app` in a package __init__
        if not name:
            return None
        parts = table.modules.canonical(name).split(".")
        for i in range(len(parts) - 1, 0, -1):
            candidate = ".".join(parts[:i])
            if candidate in table.modules.path_of:
                module, attribute = candidate, ".".join(parts[i:])
                break
        else:
            return None
        bindings = table.bindings.get(module)
        head, _, tail = attribute.partition(".")
        imported = dict(bindings.imports) if bindings is not None else {}
        if head not in imported:
            return (module, attribute)
        target = table.absolute(imported[head], module)
        name = f"{target}.{tail}" if target and tail else target
    return None


def full_paths(project: ProjectModel) -> dict[tuple[str, Endpoint], tuple[str, ...]]:
    """Every endpoint with a literal path -> the full paths it answers on, prefixes joined:
    the router's own prefix (`APIRouter(prefix=)`, `Blueprint(url_prefix=)`, a Litestar
    controller's or `Router`'s `path`), the prefixes of whatever includes it
    (`include_router(prefix=)`, `register_blueprint(url_prefix=)`, which replaces the
    blueprint's own as Flask does, `Mount`/`app.mount`, Litestar `route_handlers`), and for
    Django/DRF the `path("api/", include("app.urls"))` chain down from ROOT_URLCONF. An owner
    included in several places gives several paths; an unknown prefix (not a literal) drops that
    chain. Paths start with "/"; Django regexes keep their text without `^`/`$`. Built once per
    project: `(file path, endpoint)` is the key."""
    return project.derived("routes.full_paths", _full_paths)


def _join(*parts: str) -> str:
    joined = "/".join(p.strip("/").lstrip("^").rstrip("$") for p in parts if p.strip("/"))
    last = parts[-1] if parts else ""
    trailing = "/" if last.endswith("/") and joined else ""
    return "/" + joined + trailing if joined else "/"


class _Prefixes:
    def __init__(self, project: ProjectModel) -> None:
        self.project = project
        self.own: dict[Identity, str | None] = {}
        self.objects: dict[Identity, AppObject] = {}
        # child -> (the include, the owner it is included in, the includer's module)
        self.parents: dict[Identity, list[tuple[Include, Identity | None, str]]] = {}
        self.modules_included: dict[str, list[tuple[Include, str]]] = {}  # urls module -> by
        table = symbols(project)
        facts = [(p, f) for p, f in project.of(RouteCollector.kind) if isinstance(f, FileRoutes)]
        for path, fact in facts:
            module = table.modules.module_of.get(path)
            if module is None:
                continue
            for app in fact.apps:
                self.own.setdefault((module, app.name), app.prefix or "")
                self.objects.setdefault((module, app.name), app)
        for path, fact in facts:
            module = table.modules.module_of.get(path)
            if module is None:
                continue
            for include in fact.includes:
                if include.form == "include":
                    self._django(path, module, include)
                    continue
                child = owner_identity(project, path, include.child)
                if child is None:
                    continue
                owner = owner_identity(project, path, include.owner)
                self.parents.setdefault(child, []).append((include, owner, module))

    def _django(self, path: str, module: str, include: Include) -> None:
        table = symbols(self.project)
        if include.module is not None:
            target = table.modules.canonical(include.module)
            self.modules_included.setdefault(target, []).append((include, module))
        elif include.child is not None:
            ref = include.child
            if ref.name.endswith(".urls"):  # include(router.urls): the DRF router
                ref = NameRef(ref.name.removesuffix(".urls"), ref.imported)
            child = owner_identity(self.project, path, ref)
            if child is not None:
                self.parents.setdefault(child, []).append((include, None, module))

    def of_owner(self, identity: Identity | None, depth: int = 0) -> set[str]:
        """The prefixes before the paths registered on an owner, its own included."""
        if identity is None:
            return {""}
        own = self.own.get(identity) or ""
        parents = self.parents.get(identity)
        if not parents or depth > 10:
            return {own}
        found: set[str] = set()
        for include, owner, by in parents:
            if include.form == "include":  # a DRF router in `path("api/", include(r.urls))`
                if include.prefix is not None:
                    for above in self.of_module(by, depth + 1):
                        found.add(_join(above, include.prefix, own))
                continue
            for above in self.of_owner(owner, depth + 1) if owner is not None else {""}:
                if include.form == "route_handlers":  # the owner's path is `above` already
                    found.add(_join(above, own))
                elif include.form == "register_blueprint" and include.prefix is not None:
                    found.add(_join(above, include.prefix))  # replaces the blueprint's own
                else:
                    found.add(_join(above, include.prefix or "", own))
        return found or {own}

    def of_module(self, module: str, depth: int = 0) -> set[str]:
        """Django: the prefixes under which a urls module's patterns are served."""
        includes = self.modules_included.get(module)
        if not includes or depth > 10:
            return {""}
        found: set[str] = set()
        for include, by in includes:
            if include.prefix is None:
                continue
            for above in self.of_module(by, depth + 1):
                found.add(_join(above, include.prefix))
        return found


def _full_paths(project: ProjectModel) -> dict[tuple[str, Endpoint], tuple[str, ...]]:
    prefixes = _prefixes(project)
    table = symbols(project)
    found: dict[tuple[str, Endpoint], tuple[str, ...]] = {}
    for path, fact in project.of(RouteCollector.kind):
        if not isinstance(fact, FileRoutes):
            continue
        module = table.modules.module_of.get(path)
        for endpoint in fact.endpoints:
            if endpoint.path is None:
                continue
            if endpoint.form == "urlpattern" and module is not None:
                above = prefixes.of_module(module)
            elif endpoint.form == "register":
                owner = owner_identity(project, path, endpoint.owner)
                above = prefixes.of_owner(owner) if owner in prefixes.parents else (
                    prefixes.of_module(module) if module else {""})
            else:
                above = prefixes.of_owner(owner_identity(project, path, endpoint.owner))
            mount = endpoint.mount_prefix or ""
            found[(path, endpoint)] = tuple(sorted(
                {_join(a, mount, endpoint.path) for a in above}))
    return found


def _prefixes(project: ProjectModel) -> _Prefixes:
    return project.derived("routes.prefixes", _Prefixes)


def serving_owners(project: ProjectModel, path: str, owner: NameRef | None) -> frozenset[Identity]:
    """A route owner and every owner that includes it, transitively (`include_router`,
    `register_blueprint`, mounts, Litestar `route_handlers`, `include(router.urls)`): the app
    objects among them serve its endpoints. Empty when the owner cannot be told."""
    start = owner_identity(project, path, owner)
    if start is None:
        return frozenset()
    parents = _prefixes(project).parents
    seen = {start}
    stack = [start]
    while stack:
        for _, above, _ in parents.get(stack.pop(), ()):
            if above is not None and above not in seen:
                seen.add(above)
                stack.append(above)
    return frozenset(seen)


def inclusions(project: ProjectModel,
               identity: Identity) -> list[tuple[Include, Identity | None, str]]:
    """Where an owner is included: (the include, the owner it is included in, the including
    module), e.g. `app.include_router(router, dependencies=[...])`."""
    return list(_prefixes(project).parents.get(identity, ()))


def owner_kinds(project: ProjectModel) -> dict[Identity, AppObject]:
    """Every app/router/blueprint/controller object of the project, by where it is bound."""
    return {identity: app for identity, app in _prefixes(project).objects.items()}


def handler_definition(project: ProjectModel, path: str,
                       endpoint: Endpoint) -> tuple[str, str] | None:
    """The file and qualified name of an endpoint's handler definition, when it is in the
    project (Django views and DRF viewsets are named in urls.py and defined elsewhere)."""
    if endpoint.handler is not None:
        return path, endpoint.handler
    identity = owner_identity(project, path, endpoint.handler_ref)
    if identity is None:
        return None
    handler_path = symbols(project).modules.path_of.get(identity[0])
    return (handler_path, identity[1]) if handler_path is not None else None


def report_location(project: ProjectModel, path: str, endpoint: Endpoint,
                    framework: str) -> tuple[str, Span] | None:
    """Where a finding about an endpoint sits: the route decorator (or registering call); for
    Django and DRF, the view's `def`/`class` line in its own module when it can be found, else
    the `path()` entry. None for a view from a library."""
    if framework not in (DJANGO, DRF):
        return path, endpoint.span
    if endpoint.handler_span is not None:
        return path, endpoint.handler_span
    ref = endpoint.handler_ref
    if ref is None:
        return path, endpoint.span
    table = symbols(project)
    module = table.modules.module_of.get(path)
    found = table.of_ref(ref, module) if module is not None else None
    if found is not None and found.kind == "class" and found.cls is not None and not found.rest:
        return found.cls.path, found.cls.fact.span
    if found is not None and found.kind == "external":
        return None
    located = handler_definition(project, path, endpoint)
    if located is None:
        return None
    return _view_definitions(project)[0].get(located, (path, endpoint.span))


def returns_constant(project: ProjectModel, path: str, endpoint: Endpoint) -> bool:
    """The handler only returns a constant (`return {"status": "ok"}`): a probe by shape."""
    located = handler_definition(project, path, endpoint)
    return located is not None and located in _view_definitions(project)[1]


def _view_definitions(project: ProjectModel
                      ) -> tuple[dict[tuple[str, str], tuple[str, Span]], set[tuple[str, str]]]:
    def build(project: ProjectModel):
        where: dict[tuple[str, str], tuple[str, Span]] = {}
        constant: set[tuple[str, str]] = set()
        for path, fact in project.of(ViewDefinitionCollector.kind):
            if isinstance(fact, ViewDefinitions):
                where.update(((path, name), (path, span)) for name, span in fact.functions)
                constant.update((path, name) for name in fact.constant)
        return where, constant
    return project.derived("routes.view_definitions", build)
