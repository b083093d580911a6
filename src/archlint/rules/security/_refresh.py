"""Refresh tokens as facts, for ARC605 (refresh tokens not rotated).

Per file (phase 1), from CPython's `ast`, `RefreshCollector` records one `FileRefresh` fact:

- `for_user`: where SimpleJWT issues a refresh token by hand
  (`rest_framework_simplejwt.tokens.RefreshToken.for_user(user)`);
- `blacklist_app`: the file names `rest_framework_simplejwt.token_blacklist` (INSTALLED_APPS);
- `functions` (`TokenFunction`): every function or method that issues an access token, with
  whether it also issues a refresh token. Issuing is read from the callee's name
  (`create_access_token`, `generate_access_token`, flask-jwt-extended's `create_access_token`;
  `create_refresh_token`, `RefreshToken.for_user`, `set_refresh_cookies`, anything that
  rotates, and helpers that issue both: `create_tokens`, `issue_token_pair`), from SimpleJWT's
  `refresh.access_token`, and from `jwt.encode` calls whose `type` claim or variable says
  access or refresh (a `jwt.encode` of unknown purpose counts as issuing a refresh token, so
  the rule stays quiet). Also whether the function is a flask-jwt-extended refresh view
  (`@jwt_required(refresh=True)`, `@jwt_refresh_token_required`).
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from archlint.model import Span
from archlint.rules._ast import WordLines, argument, children, dotted, nodes_of, statements_by_walk
from archlint.rules._classes import _Imports
from archlint.rules.base import AstCollector
from archlint.rules.security._tokens import ENCODERS

FOR_USER = ("rest_framework_simplejwt.tokens.RefreshToken.for_user",)
BLACKLIST_APP = "rest_framework_simplejwt.token_blacklist"
_ISSUE = r"(?:create|generate|issue|make|new|encode|sign|mint|build|gen)"
_ISSUES_ACCESS = re.compile(rf"^_*{_ISSUE}_?(?:new_)?(?:jwt_)?access_?(?:jwt|token)", re.I)
_ISSUES_REFRESH = re.compile(
    rf"^_*{_ISSUE}_?.*refresh|rotat|tokens$|token_?pair|jwt_?pair|"
    r"set_refresh_cookies|^for_user$|^_*(?:login|authenticate)_?user$",
    re.I)
_REFRESH_DECORATORS = ("flask_jwt_extended.jwt_refresh_token_required",
                       "flask_jwt_extended.refresh_jwt_required")
_JWT_REQUIRED = ("flask_jwt_extended.jwt_required",)


@dataclass(frozen=True, slots=True)
class TokenFunction:
    qualname: str  # "refresh", "AuthView.post"
    access: Span  # the first call that issues an access token
    access_callee: str
    issues_refresh: bool
    refresh_view: bool  # `@jwt_required(refresh=True)`


@dataclass(frozen=True, slots=True)
class FileRefresh:
    for_user: tuple[Span, ...]
    blacklist_app: bool
    functions: tuple[TokenFunction, ...]


Function = ast.FunctionDef | ast.AsyncFunctionDef


class RefreshCollector(AstCollector):
    kind = "refresh_tokens"
    triggers = ("refresh", "Refresh", "REFRESH", "token_blacklist")

    def collect(self) -> list[FileRefresh]:
        self.names = _Imports()
        imports = [s for s in statements_by_walk(self.tree)
                   if isinstance(s, (ast.Import, ast.ImportFrom))]
        for stmt in sorted(imports, key=lambda s: -s.lineno):
            self.names.add(stmt)
        # `RefreshToken.for_user` is spelled in the file, where it is called or imported.
        calls = nodes_of(self.tree, ast.Call) if "for_user" in self.source \
            or not self.source.isascii() else []
        for_user = tuple(self.span_of(node) for node in calls
                         if self.names.qualify(node.func) in FOR_USER)
        # A function issues an access token through a name with "access" in it (any case:
        # `create_access_token`, `refresh.access_token`) or `jwt.encode` (also imported under
        # another name): one without any on its lines is not walked.
        encoders = tuple(alias for alias, name in self.names.aliases.items() if name in ENCODERS)
        self._issuing_lines = WordLines(self.source, ("access", "encode", *encoders),
                                        ignore_case=True)
        functions: list[TokenFunction] = []
        self._functions(self.tree.body, (), functions)
        blacklist = BLACKLIST_APP in self.source
        if not (for_user or blacklist or functions):
            return []
        return [FileRefresh(for_user, blacklist, tuple(functions))]

    def _functions(self, body: list[ast.stmt], outer: tuple[str, ...],
                   found: list[TokenFunction]) -> None:
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                qualname = (*outer, stmt.name)
                fact = self._function(stmt, ".".join(qualname)) \
                    if self._issuing_lines.within(stmt) else None
                if fact is not None:
                    found.append(fact)
                self._functions(stmt.body, qualname, found)
            elif isinstance(stmt, ast.ClassDef):
                self._functions(stmt.body, (*outer, stmt.name), found)
            else:
                for name in ("body", "orelse", "finalbody"):
                    inner = getattr(stmt, name, None)
                    if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                        self._functions(inner, outer, found)

    def _function(self, node: Function, qualname: str) -> TokenFunction | None:
        access: tuple[Span, str] | None = None
        refresh = False
        for sub in _own_nodes(node):
            if isinstance(sub, ast.Attribute) and sub.attr == "access_token" \
                    and isinstance(sub.ctx, ast.Load) and isinstance(sub.value, (ast.Name,
                                                                             ast.Call)):
                # SimpleJWT: `refresh.access_token` / `RefreshToken(token).access_token`
                base = sub.value.func if isinstance(sub.value, ast.Call) else sub.value
                written = dotted(base) or ""
                if "refresh" in written.lower():
                    access = access or (self.span_of(sub), f"{written}.access_token")
                continue
            if not isinstance(sub, ast.Call):
                continue
            callee = sub.func.attr if isinstance(sub.func, ast.Attribute) else getattr(
                sub.func, "id", None)
            if callee is None:
                continue
            qualified = self.names.qualify(sub.func)
            if qualified in ENCODERS:
                purpose = _encode_purpose(sub, ENCODERS[qualified])
                if purpose == "access":
                    access = access or (self.span_of(sub), "jwt.encode")
                else:
                    refresh = True  # a refresh token, or a token archlint cannot tell
            elif _ISSUES_REFRESH.search(callee):
                refresh = True
            elif _ISSUES_ACCESS.search(callee):
                access = access or (self.span_of(sub), callee)
        if access is None:
            return None
        return TokenFunction(qualname, access[0], access[1], refresh, self._refresh_view(node))

    def _refresh_view(self, node: Function) -> bool:
        for decorator in node.decorator_list:
            func = decorator.func if isinstance(decorator, ast.Call) else decorator
            qualified = self.names.qualify(func)
            if qualified in _REFRESH_DECORATORS:
                return True
            if qualified in _JWT_REQUIRED and isinstance(decorator, ast.Call):
                flag = argument(decorator, None, "refresh")
                if isinstance(flag, ast.Constant) and flag.value is True:
                    return True
        return False


def _encode_purpose(call: ast.Call, position: int) -> str:
    payload = argument(call, position, "payload") or argument(call, None, "claims")
    if isinstance(payload, ast.Dict):
        for key, value in zip(payload.keys, payload.values):
            if isinstance(key, ast.Constant) and key.value in ("type", "token_type", "typ") \
                    and isinstance(value, ast.Constant) and isinstance(value.value, str):
                return "access" if "access" in value.value.lower() else "other"
    written = (dotted(payload) or "") if payload is not None else ""
    return "access" if "access" in written.lower() else "unknown"


def _own_nodes(node: Function):  # noqa: ANN202 - an iterator of nodes
    """The nodes of a function's body, not entering nested functions or classes."""
    stack: list[ast.AST] = list(node.body)
    while stack:
        current = stack.pop()
        yield current
        for child in children(current):
            if not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                      ast.Lambda)):
                stack.append(child)
