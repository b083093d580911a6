"""CORS facts per file, for ARC609: Starlette/FastAPI `CORSMiddleware` and flask-cors calls
judged where they are made (their values resolved through the file's constants), and
django-cors-headers settings, which ARC609 combines across settings modules.

Read with CPython's `ast`: a file that does not mention CORS is never LibCST-parsed.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass

from archlint.model import Span
from archlint.rules._ast import blocks, dotted, statements_by_walk, walk
from archlint.rules._classes import _Imports
from archlint.rules.base import AstCollector

_STARLETTE_CORS = frozenset({
    "starlette.middleware.cors.CORSMiddleware", "fastapi.middleware.cors.CORSMiddleware",
})
_MIDDLEWARE_WRAPPERS = frozenset({
    "starlette.middleware.Middleware", "fastapi.middleware.Middleware",
})
_FLASK_CORS = frozenset({
    "flask_cors.CORS", "flask_cors.extension.CORS", "flask_cors.cross_origin",
    "flask_cors.decorator.cross_origin",
})
ALLOW_ALL = ("CORS_ALLOW_ALL_ORIGINS", "CORS_ORIGIN_ALLOW_ALL")
REGEXES = ("CORS_ALLOWED_ORIGIN_REGEXES", "CORS_ORIGIN_REGEX_WHITELIST")
CREDENTIALS = "CORS_ALLOW_CREDENTIALS"
_SETTINGS = frozenset((*ALLOW_ALL, *REGEXES, CREDENTIALS))
# Origins no configuration meant to allow: a pattern that accepts them accepts every origin.
_FOREIGN_ORIGINS = ("https://attacker.invalid", "http://attacker.invalid")
# A settings block for development only: `if DEBUG:`, `if ENV == "local":`.
_DEV_ONLY = re.compile(r"DEBUG|dev|local|test", re.IGNORECASE)
_RULE_CHARS = re.compile(r"[*\\\]?$^\[()]")  # flask-cors's probably_regex


@dataclass(frozen=True, slots=True)
class CorsSite:
    """A CORS middleware or flask-cors call that lets any origin send credentials."""

    library: str  # "Starlette CORSMiddleware" | "flask-cors CORS" | "flask-cors cross_origin"
    span: Span
    origins: str  # what lets any origin in, as written: 'allow_origins=["*"]'
    credentials: str  # 'allow_credentials=True'
    constants: tuple[tuple[str, Span], ...]  # names followed to their values


@dataclass(frozen=True, slots=True)
class CorsSetting:
    """A module-level django-cors-headers setting. `value`: True/False when literal (for the
    regex lists: whether one of them accepts any origin), None when read at run time."""

    name: str
    value: bool | None
    span: Span
    conditional: bool  # assigned under an `if DEBUG:` (or dev/local/test) block


@dataclass(frozen=True, slots=True)
class FileCors:
    sites: tuple[CorsSite, ...]
    settings: tuple[CorsSetting, ...]
    star_imports: tuple[str, ...]  # `from .base import *`: ".base" (relative kept)


def matches_any_origin(pattern: str, *, full: bool) -> bool:
    """Whether an origin pattern accepts origins nobody configured (`.*`, `https?://.*`)."""
    try:
        compiled = re.compile(pattern, re.IGNORECASE)
    except (re.error, RecursionError):
        return False
    match = compiled.fullmatch if full else compiled.match
    return any(match(origin) for origin in _FOREIGN_ORIGINS)


class CorsCollector(AstCollector):
    kind = "cors"
    triggers = ("CORS", "cors")

    def collect(self) -> list[FileCors]:
        self.imports = _Imports()
        for stmt in statements_by_walk(self.tree):
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                self.imports.add(stmt)
        self.module_names = _bindings(self.tree.body)
        self.sites: list[CorsSite] = []
        self.settings: list[CorsSetting] = []
        stars = tuple(
            "." * stmt.level + (stmt.module or "")
            for stmt in self.tree.body
            if isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names)
        )
        self._settings(self.tree.body, conditional=False)
        self._walk(self.tree.body, [], None)
        if not (self.sites or self.settings):
            return []
        return [FileCors(tuple(self.sites), tuple(self.settings), stars)]

    # -- values --------------------------------------------------------------------------------
    def _resolve(self, expr: ast.expr, scopes: list[dict[str, ast.stmt | None]],
                 used: list[tuple[str, Span]]) -> ast.expr:
        for _ in range(4):
            if not isinstance(expr, ast.Name):
                return expr
            bound: ast.stmt | None = None
            found = False
            for scope in (*reversed(scopes), self.module_names):
                if expr.id in scope:
                    bound, found = scope[expr.id], True
                    break
            if not found or bound is None:
                return expr
            used.append((expr.id, self.span_of(bound)))
            expr = bound.value  # type: ignore[attr-defined]
        return expr

    def _is_true(self, expr: ast.expr, scopes, used) -> bool:
        value = self._resolve(expr, scopes, used)
        return isinstance(value, ast.Constant) and value.value is True

    def _strings(self, expr: ast.expr, scopes, used) -> list[str] | None:
        """A string, or the strings of a list/tuple/set literal; None when anything is unknown."""
        value = self._resolve(expr, scopes, used)
        if isinstance(value, ast.Constant) and isinstance(value.value, str):
            return [value.value]
        if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
            found = []
            for element in value.elts:
                item = self._resolve(element, scopes, used)
                if not (isinstance(item, ast.Constant) and isinstance(item.value, str)):
                    return None
                found.append(item.value)
            return found
        return None

    # -- django-cors-headers -------------------------------------------------------------------
    def _settings(self, body: list[ast.stmt], conditional: bool) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                continue
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                for target in targets:
                    if isinstance(target, ast.Name) and target.id in _SETTINGS:
                        self.settings.append(CorsSetting(
                            target.id, self._setting_value(target.id, stmt.value),
                            self.span_of(stmt), conditional,
                        ))
                continue
            nested = blocks(stmt)
            if nested:
                inner = conditional or (
                    isinstance(stmt, ast.If) and bool(_DEV_ONLY.search(ast.unparse(stmt.test)))
                )
                for block in nested:
                    self._settings(block, inner)

    def _setting_value(self, name: str, value: ast.expr) -> bool | None:
        if name in REGEXES:
            patterns = self._strings(value, [], [])
            if patterns is None:
                return None
            return any(matches_any_origin(p, full=False) for p in patterns)
        resolved = self._resolve(value, [], [])
        if isinstance(resolved, ast.Constant) and isinstance(resolved.value, bool):
            return resolved.value
        return None

    # -- calls ---------------------------------------------------------------------------------
    def _walk(self, body: list[ast.stmt], scopes: list[dict[str, ast.stmt | None]],
              cors_class: bool | None) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for decorator in stmt.decorator_list:
                    self._expression(decorator, scopes, cors_class)
                self._walk(stmt.body, [*scopes, _bindings(stmt.body, stmt)], cors_class)
            elif isinstance(stmt, ast.ClassDef):
                is_cors = any(self.imports.qualify(b) in _STARLETTE_CORS for b in stmt.bases)
                self._walk(stmt.body, scopes, is_cors)
            elif blocks(stmt):
                for name, value in ast.iter_fields(stmt):
                    if name in ("body", "orelse", "finalbody", "handlers", "cases"):
                        continue
                    for node in _expressions(value):
                        self._expression(node, scopes, cors_class)
                for block in blocks(stmt):
                    self._walk(block, scopes, cors_class)
            else:
                self._expression(stmt, scopes, cors_class)

    def _expression(self, root: ast.AST, scopes, cors_class: bool | None) -> None:
        for node in walk(root):
            if isinstance(node, ast.Call):
                self._call(node, scopes, cors_class)

    def _call(self, call: ast.Call, scopes, cors_class: bool | None) -> None:
        qualified = self.imports.qualify(call.func)
        first = call.args[0] if call.args else None
        if qualified in _STARLETTE_CORS:
            self._starlette(call, scopes)
        elif (
            (qualified in _MIDDLEWARE_WRAPPERS
             or (isinstance(call.func, ast.Attribute) and call.func.attr == "add_middleware"))
            and first is not None
            and self.imports.qualify(first) in _STARLETTE_CORS
        ):
            self._starlette(call, scopes)
        elif cors_class and _is_super_init(call):
            self._starlette(call, scopes)
        elif qualified in _FLASK_CORS:
            self._flask(call, scopes, qualified.rpartition(".")[2])

    def _keywords(self, call: ast.Call) -> dict[str, ast.expr] | None:
        if any(k.arg is None for k in call.keywords):
            return None  # **options may hold anything
        return {k.arg: k.value for k in call.keywords if k.arg is not None}

    def _starlette(self, call: ast.Call, scopes) -> None:
        keywords = self._keywords(call)
        if keywords is None or "allow_credentials" not in keywords:
            return
        used: list[tuple[str, Span]] = []
        if not self._is_true(keywords["allow_credentials"], scopes, used):
            return
        origins = None
        if "allow_origins" in keywords:
            values = self._strings(keywords["allow_origins"], scopes, used)
            if values is not None and "*" in values:
                origins = f"allow_origins={ast.unparse(keywords['allow_origins'])}"
        if origins is None and "allow_origin_regex" in keywords:
            values = self._strings(keywords["allow_origin_regex"], scopes, used)
            if values and matches_any_origin(values[0], full=True):
                origins = (f"allow_origin_regex={ast.unparse(keywords['allow_origin_regex'])} "
                           "(it matches any origin)")
        if origins is None:
            return
        credentials = f"allow_credentials={ast.unparse(keywords['allow_credentials'])}"
        self.sites.append(CorsSite("Starlette CORSMiddleware", self.span_of(call), origins,
                                   credentials, _unique(used)))

    def _flask(self, call: ast.Call, scopes, what: str) -> None:
        keywords = self._keywords(call)
        if keywords is None:
            return
        used: list[tuple[str, Span]] = []
        top_credentials = (
            self._is_true(keywords["supports_credentials"], scopes, used)
            if "supports_credentials" in keywords else False
        )
        top_origins = keywords.get("origins")
        resources = keywords.get("resources") if what == "CORS" else None
        options: list[tuple[bool, ast.expr | None]] = [(top_credentials, top_origins)]
        if resources is not None:
            value = self._resolve(resources, scopes, used)
            if isinstance(value, ast.Dict):
                options = []
                for per in value.values:
                    per = self._resolve(per, scopes, used)
                    if not isinstance(per, ast.Dict):
                        continue
                    entries = {
                        k.value: v for k, v in zip(per.keys, per.values)
                        if isinstance(k, ast.Constant) and isinstance(k.value, str)
                    }
                    credentials = (
                        self._is_true(entries["supports_credentials"], scopes, used)
                        if "supports_credentials" in entries else top_credentials
                    )
                    options.append((credentials, entries.get("origins", top_origins)))
        for credentials, origins in options:
            if not credentials:
                continue
            if origins is None:
                shown = "origins not set (flask-cors defaults to '*')"
            else:
                values = self._strings(origins, scopes, used)
                if values is None or not any(_flask_any(v) for v in values):
                    continue
                shown = f"origins={ast.unparse(origins)}"
            self.sites.append(CorsSite(
                f"flask-cors {what}", self.span_of(call), shown, "supports_credentials=True",
                _unique(used),
            ))
            return


def _flask_any(origin: str) -> bool:
    if origin == "*":
        return True
    return bool(_RULE_CHARS.search(origin)) and matches_any_origin(origin, full=False)


def _is_super_init(call: ast.Call) -> bool:
    func = call.func
    return (
        isinstance(func, ast.Attribute)
        and func.attr == "__init__"
        and isinstance(func.value, ast.Call)
        and dotted(func.value.func) == "super"
    )


def _unique(used: list[tuple[str, Span]]) -> tuple[tuple[str, Span], ...]:
    return tuple(dict.fromkeys(used))


def _expressions(value: object) -> Iterator[ast.AST]:
    if isinstance(value, ast.AST):
        yield value
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, ast.AST):
                yield item


def _bindings(body: list[ast.stmt],
              function: ast.FunctionDef | ast.AsyncFunctionDef | None = None
              ) -> dict[str, ast.stmt | None]:
    """Names bound once by a plain assignment in a block (not entering functions): name ->
    the assignment; None for names bound more than once or otherwise (parameters, loops)."""
    found: dict[str, ast.stmt | None] = {}
    if function is not None:
        args = function.args
        for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
            if arg is not None:
                found[arg.arg] = None

    def visit(stmts: list[ast.stmt]) -> None:
        for stmt in stmts:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                found[stmt.name] = None
                continue
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 and isinstance(
                stmt.targets[0], ast.Name
            ):
                name = stmt.targets[0].id
                found[name] = None if name in found else stmt
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
                name = stmt.target.id
                found[name] = None if name in found or stmt.value is None else stmt
            else:
                for node in ast.walk(stmt) if not blocks(stmt) else ():
                    if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
                        found[node.id] = None
                if isinstance(stmt, (ast.For, ast.AsyncFor)):
                    for node in ast.walk(stmt.target):
                        if isinstance(node, ast.Name):
                            found[node.id] = None
                elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                    for item in stmt.items:
                        if item.optional_vars is not None:
                            for node in ast.walk(item.optional_vars):
                                if isinstance(node, ast.Name):
                                    found[node.id] = None
            for block in blocks(stmt):
                visit(block)

    visit(body)
    return found
