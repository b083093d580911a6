"""Authentication as facts, for ARC608: what in a file can guard an endpoint.

Per file (phase 1), from CPython's `ast`, `AuthCollector` records one `FileAuth` fact:

- `schemes`: module-level names bound to a FastAPI security scheme (`oauth2 =
  OAuth2PasswordBearer(tokenUrl="token")`, `HTTPBearer()`, `APIKeyHeader(...)`, ...) or to a
  call of a project class (resolved in the project phase: `class JWTBearer(HTTPBearer)`).
- `aliases`: `CurrentUser = Annotated[User, Depends(get_current_user)]`: name -> targets.
- `functions`: module-level functions and methods with what makes them a guard: their own
  `Depends()`/`Security()` parameters (a function that takes a security scheme is one), their
  decorators, and whether they refuse a request: unauthenticated (`raise
  HTTPException(status_code=401)`, `abort(401)`, `NotAuthenticated`) or forbidden (403,
  `PermissionDenied`).
- `views`: classes with bases (Django and DRF views, Flask `MethodView`s, callable dependency
  classes): their bases, `permission_classes`, the `decorators` class attribute and
  `method_decorator(...)` class decorators.
- `middlewares`: `app.add_middleware(X)` and `Middleware(X)` in an app's `middleware=[...]`,
  with the app when it is named.
- `ignored`: FastAPI's trap, `def handler(dependencies=[Depends(auth)])`: a parameter named
  `dependencies` whose default is a list of `Depends()`; FastAPI takes it for a query
  parameter and never runs the dependencies.
- `settings`: DRF `REST_FRAMEWORK["DEFAULT_PERMISSION_CLASSES"]` and Django `MIDDLEWARE`
  entries (strings), module-level literals.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from archlint.model import Span
from archlint.rules._ast import WordLines, argument, dotted, own_nodes, statements_of, walk
from archlint.rules._classes import NameRef, _Imports
from archlint.rules.base import AstCollector

# FastAPI's security schemes (fastapi.security): a dependency on one reads credentials.
SCHEME_CLASSES = frozenset({
    "OAuth2PasswordBearer", "OAuth2AuthorizationCodeBearer", "OAuth2", "HTTPBearer",
    "HTTPBasic", "HTTPDigest", "APIKeyHeader", "APIKeyQuery", "APIKeyCookie", "OpenIdConnect",
})
_DEPENDS = frozenset({"fastapi.Depends", "fastapi.params.Depends", "fastapi.Security",
                      "fastapi.params.Security"})
_ANNOTATED = frozenset({"typing.Annotated", "typing_extensions.Annotated"})
_UNAUTHENTICATED = ("HTTP_401", "UNAUTHORIZED", "NotAuthenticated", "AuthenticationFailed",
                    "Unauthorized")
_FORBIDDEN = ("HTTP_403", "FORBIDDEN", "PermissionDenied", "Forbidden")


@dataclass(frozen=True, slots=True)
class GuardFunction:
    qualname: str
    dependencies: tuple[NameRef, ...]  # Depends()/Security() targets of its parameters
    annotations: tuple[NameRef, ...]  # plain-name parameter annotations (possible aliases)
    decorators: tuple[NameRef, ...]
    # "401" when it refuses unauthenticated callers somewhere in its body (`raise
    # HTTPException(status_code=401)`, `NotAuthenticated`), "403" when it only forbids
    # (`PermissionDenied`, `abort(403)`), "" when it does neither
    refuses: str
    span: Span
    # DRF's `@permission_classes([...])` on a function view: the classes; None without it
    permission_classes: tuple[NameRef, ...] | None = None
    # Names it calls that may check a user (`verify_token(...)`, `get_current_user(request)`,
    # `request.user.is_authenticated`): authentication inside a handler.
    checks: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ViewClass:
    qualname: str
    bases: tuple[NameRef, ...]
    permission_classes: tuple[NameRef, ...] | None  # None: not set in the class body
    decorators: tuple[NameRef, ...]  # class decorators, `method_decorator(x)` as x, and the
    # `decorators = [...]` class attribute of Flask's class views
    span: Span


@dataclass(frozen=True, slots=True)
class AppMiddleware:
    owner: NameRef | None  # the app it is added to; None when not named
    middleware: NameRef
    span: Span


@dataclass(frozen=True, slots=True)
class FileAuth:
    schemes: tuple[tuple[str, NameRef], ...] = ()  # (module-level name, the class called)
    aliases: tuple[tuple[str, tuple[NameRef, ...]], ...] = ()
    functions: tuple[GuardFunction, ...] = ()
    views: tuple[ViewClass, ...] = ()
    middlewares: tuple[AppMiddleware, ...] = ()
    ignored: tuple[tuple[str, Span], ...] = ()  # (function qualname, the parameter)
    default_permissions: tuple[str, ...] | None = None  # DRF DEFAULT_PERMISSION_CLASSES
    middleware_setting: tuple[str, ...] = ()  # Django MIDDLEWARE entries


Function = ast.FunctionDef | ast.AsyncFunctionDef


class AuthCollector(AstCollector):
    kind = "auth"
    triggers = ("fastapi", "flask", "django", "rest_framework", "starlette", "litestar",
                "Depends", "Security")

    def collect(self) -> list[FileAuth]:
        self.names = _Imports()
        self.statements = statements_of(self.tree)
        for stmt in self.statements:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                self.names.add(stmt)
        self.functions: list[GuardFunction] = []
        self.views: list[ViewClass] = []
        self.ignored: list[tuple[str, Span]] = []
        self._refusal_lines = WordLines(self.source, ("raise", "abort"))
        self._definitions(self.tree.body, ())
        schemes, aliases = [], []
        default_permissions: tuple[str, ...] | None = None
        middleware_setting: tuple[str, ...] = ()
        for stmt in self.tree.body:
            if not isinstance(stmt, (ast.Assign, ast.AnnAssign)) or stmt.value is None:
                continue
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            value = stmt.value
            if isinstance(value, ast.Call):
                callee = self.names.ref(value.func)
                if callee is not None:
                    schemes.extend((name, callee) for name in names)
            targets_of = self._annotated_dependencies(value)
            if targets_of:
                aliases.extend((name, targets_of) for name in names)
            if "REST_FRAMEWORK" in names and isinstance(value, ast.Dict):
                default_permissions = _setting_strings(value, "DEFAULT_PERMISSION_CLASSES")
            if "MIDDLEWARE" in names and isinstance(value, (ast.List, ast.Tuple)):
                middleware_setting = tuple(e.value for e in value.elts
                                           if isinstance(e, ast.Constant)
                                           and isinstance(e.value, str))
        fact = FileAuth(tuple(schemes), tuple(aliases), tuple(self.functions),
                        tuple(self.views), tuple(self._middlewares()), tuple(self.ignored),
                        default_permissions, middleware_setting)
        return [fact] if fact != FileAuth() else []

    # -- definitions --------------------------------------------------------------------------
    def _definitions(self, body: list[ast.stmt], outer: tuple[str, ...]) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                qualname = ".".join((*outer, stmt.name))
                self._function(stmt, qualname)
                self._definitions(stmt.body, (*outer, stmt.name))
            elif isinstance(stmt, ast.ClassDef):
                qualname = ".".join((*outer, stmt.name))
                self._class(stmt, qualname)
                self._definitions(stmt.body, (*outer, stmt.name))

    def _function(self, node: Function, qualname: str) -> None:
        dependencies, annotations = self._parameters(node, qualname)
        decorators = self._decorators(node.decorator_list)
        if not (dependencies or annotations or decorators) and not self._refusal_lines.between(
                min((d.lineno for d in node.decorator_list), default=node.lineno),
                node.end_lineno or node.lineno):
            return  # nothing to record: it cannot refuse (no `raise`, no `abort()`)
        refusals, checked = set(), set()
        for sub in own_nodes(node):  # one pass; nested functions are visited on their own
            if isinstance(sub, (ast.Raise, ast.Call)):
                refusal = _refusal(sub)
                if refusal:
                    refusals.add(refusal)
            name = _checked(sub)
            if name is not None:
                checked.add(name)
        refuses = "401" if "401" in refusals else ("403" if refusals else "")
        permissions = None
        for decorator in node.decorator_list:
            if isinstance(decorator, ast.Call) and decorator.args and (
                    dotted(decorator.func) or "").rpartition(".")[2] == "permission_classes":
                permissions = _refs_in(decorator.args[0], self.names)
        if dependencies or annotations or decorators or refuses:
            self.functions.append(GuardFunction(qualname, dependencies, annotations,
                                                decorators, refuses, self.span_of(node),
                                                permissions, tuple(sorted(checked))))

    def _parameters(self, node: Function, qualname: str
                    ) -> tuple[tuple[NameRef, ...], tuple[NameRef, ...]]:
        args = node.args
        positional = [*args.posonlyargs, *args.args]
        defaults: list[ast.expr | None] = [None] * (len(positional) - len(args.defaults))
        pairs = list(zip(positional, [*defaults, *args.defaults]))
        pairs += list(zip(args.kwonlyargs, args.kw_defaults))
        dependencies: list[NameRef] = []
        annotations: list[NameRef] = []
        for arg, default in pairs:
            if arg.arg == "dependencies" and isinstance(default, (ast.List, ast.Tuple)) and any(
                    self._depends_target(e, None) is not None for e in default.elts):
                self.ignored.append((qualname, self.span_of(arg)))
                continue
            if default is not None:
                target = self._depends_target(default, arg.annotation)
                if target is not None:
                    dependencies.append(target)
                    continue
            annotation = arg.annotation
            if annotation is None:
                continue
            inline = self._annotated_dependencies(annotation)
            if inline:
                dependencies.extend(inline)
            elif isinstance(annotation, (ast.Name, ast.Attribute)):
                ref = self.names.ref(annotation)
                if ref is not None:
                    annotations.append(ref)
        return tuple(dependencies), tuple(annotations)

    def _depends_target(self, expr: ast.expr, annotation: ast.expr | None) -> NameRef | None:
        if not isinstance(expr, ast.Call) or self.names.qualify(expr.func) not in _DEPENDS:
            return None
        target = argument(expr, 0, "dependency")
        if target is None:
            target = annotation
        if isinstance(target, ast.Call):
            target = target.func
        return self.names.ref(target) if target is not None else None

    def _annotated_dependencies(self, expr: ast.expr) -> tuple[NameRef, ...]:
        """`Annotated[User, Depends(current_user)]` -> (current_user,)."""
        if not (isinstance(expr, ast.Subscript) and self.names.qualify(expr.value) in _ANNOTATED
                and isinstance(expr.slice, ast.Tuple) and expr.slice.elts):
            return ()
        base, *extras = expr.slice.elts
        return tuple(ref for extra in extras
                     for ref in (self._depends_target(extra, base),) if ref is not None)

    def _decorators(self, decorators: list[ast.expr]) -> tuple[NameRef, ...]:
        found = []
        for decorator in decorators:
            func = decorator.func if isinstance(decorator, ast.Call) else decorator
            ref = self.names.ref(func)
            if ref is None:
                continue
            if ref.name.rpartition(".")[2] == "method_decorator" and isinstance(
                    decorator, ast.Call) and decorator.args:
                inner = decorator.args[0]
                inner_refs = [self.names.ref(e.func if isinstance(e, ast.Call) else e)
                              for e in (inner.elts if isinstance(inner, (ast.List, ast.Tuple))
                                        else [inner])]
                found.extend(r for r in inner_refs if r is not None)
                continue
            found.append(ref)
        return tuple(found)

    def _class(self, node: ast.ClassDef, qualname: str) -> None:
        bases = tuple(r for b in node.bases for r in (self.names.ref(b),) if r is not None)
        if not bases:
            return
        permissions: tuple[NameRef, ...] | None = None
        decorators = list(self._decorators(node.decorator_list))
        for stmt in node.body:
            if not isinstance(stmt, (ast.Assign, ast.AnnAssign)) or stmt.value is None:
                continue
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names = {t.id for t in targets if isinstance(t, ast.Name)}
            if "permission_classes" in names:
                permissions = _refs_in(stmt.value, self.names)
            if "decorators" in names or "method_decorators" in names:
                decorators.extend(_refs_in(stmt.value, self.names))
        self.views.append(ViewClass(qualname, bases, permissions, tuple(decorators),
                                    self.span_of(node)))

    # -- middlewares --------------------------------------------------------------------------
    def _middlewares(self) -> list[AppMiddleware]:
        found: list[AppMiddleware] = []
        for stmt in self.statements:
            if not isinstance(stmt, (ast.Assign, ast.Expr)):
                continue
            assigned = (stmt.targets[0].id if isinstance(stmt, ast.Assign)
                        and len(stmt.targets) == 1 and isinstance(stmt.targets[0], ast.Name)
                        else None)
            call = stmt.value
            if not isinstance(call, ast.Call):
                continue
            if isinstance(call.func, ast.Attribute) and call.func.attr == "add_middleware" \
                    and call.args:
                middleware = self.names.ref(call.args[0])
                if middleware is not None:
                    found.append(AppMiddleware(self.names.ref(call.func.value), middleware,
                                               self.span_of(call)))
                continue
            listed = argument(call, None, "middleware")
            if isinstance(listed, (ast.List, ast.Tuple)):
                for item in listed.elts:
                    if isinstance(item, ast.Call) and item.args:
                        middleware = self.names.ref(item.args[0])
                        if middleware is not None:
                            owner = NameRef(assigned, False) if assigned else None
                            found.append(AppMiddleware(owner, middleware, self.span_of(item)))
        return found


def _refusal(node: ast.Raise | ast.Call) -> str | None:
    """"401" for `raise HTTPException(status_code=401)`, `NotAuthenticated`, `abort(401)`;
    "403" for a 403, `PermissionDenied`, `abort(403)`; None otherwise."""
    if isinstance(node, ast.Call):
        name = dotted(node.func) or ""
        if name.rpartition(".")[2] != "abort" or not node.args:
            return None
        first = node.args[0]
        if isinstance(first, ast.Constant) and first.value in (401, 403):
            return str(first.value)
        return None
    if node.exc is None:
        return None
    for sub in walk(node.exc):
        if isinstance(sub, ast.Constant) and sub.value in (401, 403):
            return str(sub.value)
        if isinstance(sub, (ast.Name, ast.Attribute)):
            name = dotted(sub) or ""
            if any(mark in name for mark in _UNAUTHENTICATED):
                return "401"
            if any(mark in name for mark in _FORBIDDEN):
                return "403"
    return None


_CHECK_WORDS = re.compile(r"auth|user|token|login|permission|verify|session|require|check|"
                          r"credential|api_?key", re.IGNORECASE)


def _checked(node: ast.AST) -> str | None:
    """The last name of a call that may check who is calling, or `is_authenticated`."""
    if isinstance(node, ast.Attribute) and node.attr in ("is_authenticated", "is_anonymous"):
        return node.attr
    if not isinstance(node, ast.Call):
        return None
    name = (dotted(node.func) or "").rpartition(".")[2]
    return name if name and _CHECK_WORDS.search(name) else None


def _refs_in(expr: ast.expr, names: _Imports) -> tuple[NameRef, ...]:
    """The classes a `permission_classes`/`decorators` value lists, through `+`
    (`api_settings.DEFAULT_PERMISSION_CLASSES + [ProjectPermission]`)."""
    if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
        return (*_refs_in(expr.left, names), *_refs_in(expr.right, names))
    items = expr.elts if isinstance(expr, (ast.List, ast.Tuple)) else [expr]
    return tuple(r for e in items
                 for r in (names.ref(e.func if isinstance(e, ast.Call) else e),) if r is not None)


def _setting_strings(value: ast.Dict, key: str) -> tuple[str, ...] | None:
    for k, v in zip(value.keys, value.values):
        if isinstance(k, ast.Constant) and k.value == key and isinstance(v, (ast.List, ast.Tuple)):
            return tuple(e.value for e in v.elts
                         if isinstance(e, ast.Constant) and isinstance(e.value, str))
    return None
