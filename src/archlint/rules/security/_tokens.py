"""Token lifetimes as facts, for ARC604 (long-lived access tokens). Module-level constants and
settings-class fields come from `rules/_constants.py`; this collector adds what only a walk of
function bodies sees.

Per file (phase 1), from CPython's `ast`, `TokenCollector` records one `FileTokens` fact:

- `encodes` (`Encode`): `jwt.encode(...)` calls of PyJWT (`jwt.encode`), python-jose
  (`jose.jwt.encode`), authlib (`authlib.jose.jwt.encode(header, payload, key)`) and joserfc,
  with what the payload holds: a dict literal, or a local variable built from dict literals
  (`payload = {...}`, `payload.update({...})`, `payload["exp"] = ...`); `closed` when every key
  is known (no `**spread`, no copy of a parameter, no update with a dict from elsewhere). The
  `exp` values are kept as source text with the function's locals inlined (`expire = now +
  delta` then `{"exp": expire}` gives `datetime.utcnow() + timedelta(hours=1)`); a parameter or
  a name bound some other way becomes `__local__`, which never folds. A local assigned in
  several branches, or to `a or b` / `a if c else b`, gives one variant per value (at most 4).
- `settings` (`SettingSet`): lifetimes set at run time: `app.config["JWT_ACCESS_TOKEN_EXPIRES"] =
  ...`, `app.config.update(JWT_ACCESS_TOKEN_EXPIRES=...)` / `.update({...})` /
  `.from_mapping(...)`, and any `X["KEY"] = ...` whose key names an access-token lifetime;
  authlib's `OAUTH2_TOKEN_EXPIRES_IN` dict, entry by entry.
- `units` (`UnitUse`): `timedelta(minutes=NAME)` where NAME names an access-token lifetime:
  the unit a plain number setting is counted in.
- `expires_in` (`ExpiresIn`): authlib token generation with an explicit lifetime:
  `expires_in=` on `generate_token(...)`, `BearerTokenGenerator(...)`,
  `JWTBearerTokenGenerator(...)` in files that import authlib.
"""

from __future__ import annotations

import ast
import copy
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass

from archlint.model import Span
from archlint.rules._ast import WordLines, argument, children, dotted, walk
from archlint.rules._classes import tree_imports
from archlint.rules.base import AstCollector

# `jwt.encode` callees, and the position of the payload among the positional arguments.
ENCODERS = {
    "jwt.encode": 0, "jwt.api_jwt.encode": 0, "jose.jwt.encode": 0,
    "authlib.jose.jwt.encode": 1, "joserfc.jwt.encode": 1,
}
_PAYLOAD_KEYWORDS = ("payload", "claims")
_AUTHLIB_GENERATORS = ("generate_token", "BearerTokenGenerator", "JWTBearerTokenGenerator")
_TIMEDELTA = ("datetime.timedelta",)
OPAQUE = "__local__"  # a function local that does not fold: a parameter, a loop variable
_MAX_VARIANTS = 4

# Keys whose value is an access-token lifetime, beyond what `is_access_lifetime_name` says.
JWT_ACCESS_TOKEN_EXPIRES = "JWT_ACCESS_TOKEN_EXPIRES"  # flask-jwt-extended
OAUTH2_TOKEN_EXPIRES_IN = "OAUTH2_TOKEN_EXPIRES_IN"  # authlib's Flask/Django integrations

_LIFETIME = re.compile(r"EXPIR|LIFETIME|TTL|MAX_AGE", re.IGNORECASE)
# Names that mention access and a lifetime but are not an access token's: AWS access keys,
# presigned URLs, access logs, caches, refresh tokens.
_NOT_ACCESS_TOKEN = re.compile(
    r"REFRESH|URL|LINK|LOG|PRESIGN|SIGNED|CACHE|ACCESS_?KEY|S3|ID_TOKEN_ONLY|CODE",
    re.IGNORECASE)


def is_access_lifetime_name(name: str) -> bool:
    """A setting or constant whose name says it is an access-token lifetime: it names ACCESS and
    EXPIRE, LIFETIME or TTL (`ACCESS_TOKEN_EXPIRE_MINUTES`, `JWT_ACCESS_TOKEN_EXPIRES`,
    `ACCESS_TOKEN_LIFETIME`, `access_token_ttl`), and no refresh token, access key, URL,
    log or cache."""
    last = name.rpartition(".")[2]
    return ("access" in last.lower() and _LIFETIME.search(last) is not None
            and _NOT_ACCESS_TOKEN.search(last) is None)


def is_lifetime_key(name: str) -> bool:
    return name in (JWT_ACCESS_TOKEN_EXPIRES, OAUTH2_TOKEN_EXPIRES_IN) \
        or is_access_lifetime_name(name)


@dataclass(frozen=True, slots=True)
class Encode:
    span: Span  # the call
    function: str | None  # the enclosing function's qualified name
    target: str | None  # the variable the token is assigned to
    payload_name: str | None  # the payload variable, when it is one
    keys: tuple[str, ...]  # the payload's known keys
    closed: bool  # every key is known
    exp: tuple[tuple[str, Span], ...]  # exp variants: (source with locals inlined, where written)
    token_type: str | None  # the literal value of a `type`/`token_type`/`typ` key


@dataclass(frozen=True, slots=True)
class SettingSet:
    key: str  # "JWT_ACCESS_TOKEN_EXPIRES", or "OAUTH2_TOKEN_EXPIRES_IN[authorization_code]"
    values: tuple[str, ...]  # variants, locals inlined
    span: Span  # the target or the keyword / dict entry


@dataclass(frozen=True, slots=True)
class UnitUse:
    unit: str  # a timedelta keyword: "minutes"
    ref: str  # the name as written (locals inlined): "settings.ACCESS_TOKEN_EXPIRE_MINUTES"
    span: Span  # the timedelta call
    call: str  # the timedelta call, locals inlined


@dataclass(frozen=True, slots=True)
class ExpiresIn:
    values: tuple[str, ...]
    span: Span  # the keyword's value
    callee: str


@dataclass(frozen=True, slots=True)
class FileTokens:
    encodes: tuple[Encode, ...]
    settings: tuple[SettingSet, ...]
    units: tuple[UnitUse, ...]
    expires_in: tuple[ExpiresIn, ...]


Function = ast.FunctionDef | ast.AsyncFunctionDef


class _Scope:
    """A function's locals: every simple `name = value`, and every name bound some other way."""

    def __init__(self, node: Function | None, body: list[ast.stmt]) -> None:
        self.assigned: dict[str, list[ast.expr]] = {}
        self.opaque: set[str] = set()
        self.statements = list(_own_statements(body))
        if node is None:
            return  # module level: names are module constants, which _constants folds
        args = node.args
        for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs, args.vararg, args.kwarg):
            if arg is not None:
                self.opaque.add(arg.arg)
        for stmt in self.statements:
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1 \
                    and isinstance(stmt.targets[0], ast.Name):
                self.assigned.setdefault(stmt.targets[0].id, []).extend(_either(stmt.value))
            elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name) \
                    and stmt.value is not None:
                self.assigned.setdefault(stmt.target.id, []).extend(_either(stmt.value))
            else:
                for sub in walk(stmt):
                    if isinstance(sub, ast.Name) and isinstance(sub.ctx, ast.Store):
                        self.opaque.add(sub.id)
                    elif isinstance(sub, ast.alias):
                        self.opaque.add((sub.asname or sub.name).split(".")[0])
        for stmt in self.statements:  # `for x in ...`, `with ... as x`, `except E as x`
            if isinstance(stmt, (ast.For, ast.AsyncFor)):
                self.opaque.update(n.id for n in walk(stmt.target) if isinstance(n, ast.Name))
            elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                for item in stmt.items:
                    if item.optional_vars is not None:
                        self.opaque.update(n.id for n in walk(item.optional_vars)
                                           if isinstance(n, ast.Name))
            elif isinstance(stmt, ast.ExceptHandler) and stmt.name:
                self.opaque.add(stmt.name)

    def inline(self, expr: ast.expr, depth: int = 0) -> list[ast.expr]:
        """`expr` with locals replaced by what they are assigned, one variant per combination
        of assignments (at most `_MAX_VARIANTS`)."""
        names = sorted({n.id for n in walk(expr) if isinstance(n, ast.Name)
                        and (n.id in self.assigned or n.id in self.opaque)})
        if not names:
            return [expr]
        if depth > 4:
            return [_Replace({n: [ast.Name(OPAQUE, ast.Load())] for n in names}).apply(expr)]
        choices = {}
        for name in names:
            if name in self.opaque or name not in self.assigned:
                choices[name] = [ast.Name(OPAQUE, ast.Load())]
            else:
                choices[name] = self.assigned[name][:_MAX_VARIANTS]
        found: list[ast.expr] = []
        for combination in itertools.islice(itertools.product(*choices.values()), _MAX_VARIANTS):
            replaced = _Replace(dict(zip(choices, ([c] for c in combination)))).apply(expr)
            for variant in self.inline(replaced, depth + 1):
                if len(found) < _MAX_VARIANTS:
                    found.append(variant)
        return found


class _Replace(ast.NodeTransformer):
    def __init__(self, table: dict[str, list[ast.expr]]) -> None:
        self.table = table

    def apply(self, expr: ast.expr) -> ast.expr:
        return self.visit(copy.deepcopy(expr))

    def visit_Name(self, node: ast.Name) -> ast.expr:  # noqa: N802 - ast's naming
        if node.id in self.table and isinstance(node.ctx, ast.Load):
            return copy.deepcopy(self.table[node.id][0])
        return node

    def visit_Lambda(self, node: ast.Lambda) -> ast.expr:  # noqa: N802
        return node


def _either(value: ast.expr) -> list[ast.expr]:
    """`minutes = expire_minutes or settings.X`: either operand, one variant each (the
    parameter's default None picks the setting)."""
    if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or):
        return list(value.values)
    if isinstance(value, ast.IfExp):  # `a if cond else b`
        return [value.body, value.orelse]
    return [value]


def _own_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement of a block and its nested blocks, not entering functions or classes."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for name in ("body", "orelse", "finalbody"):
            inner = getattr(stmt, name, None)
            if isinstance(inner, list) and inner and isinstance(inner[0], ast.stmt):
                yield from _own_statements(inner)
        for handler in getattr(stmt, "handlers", ()):
            yield handler  # type: ignore[misc]
            yield from _own_statements(handler.body)
        for case in getattr(stmt, "cases", ()):
            yield from _own_statements(case.body)


def _own_nodes(stmt: ast.stmt) -> Iterator[ast.AST]:
    """The nodes of one statement, not entering nested functions, lambdas or classes."""
    stack: list[ast.AST] = [stmt]
    while stack:
        node = stack.pop()
        yield node
        for child in children(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                  ast.Lambda, ast.stmt)):
                continue
            stack.append(child)


def _string(expr: ast.expr | None) -> str | None:
    if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
        return expr.value
    return None


def _written(expr: ast.expr) -> str | None:
    """A dotted name, or an attribute of a call without arguments (`get_settings().X`)."""
    text = dotted(expr)
    if text is not None:
        return text
    rest = []
    while isinstance(expr, ast.Attribute):
        rest.insert(0, expr.attr)
        expr = expr.value
    if isinstance(expr, ast.Call) and not expr.args and not expr.keywords and rest:
        head = dotted(expr.func)
        return f"{head}().{'.'.join(rest)}" if head else None
    return None


def last_name(written: str) -> str:
    return written.rpartition(".")[2]


class TokenCollector(AstCollector):
    kind = "tokens"
    # Token code names its library; lifetime settings their purpose ("ACCESS" alone is in
    # every other file: access keys, access control, access logs)
    triggers = ("jwt", "JWT", "jose", "authlib", "expires_in", "EXPIRE", "LIFETIME", "TTL")

    def collect(self) -> list[FileTokens]:
        self.names = tree_imports(self.tree)
        self.authlib = any(v.startswith("authlib") for v in self.names.aliases.values())
        self.encodes: list[Encode] = []
        self.settings: list[SettingSet] = []
        self.units: list[UnitUse] = []
        self.expires_in: list[ExpiresIn] = []
        # The calls `_statement` reads are spelled on their lines (`jwt.encode`, `timedelta`,
        # `.update(`, `expires_in=`), or called by a name an import gave them.
        renamed = tuple(alias for alias, name in self.names.aliases.items()
                        if name in ENCODERS or name in _TIMEDELTA)
        self._call_lines = WordLines(self.source, (
            "encode", "timedelta", "update", "from_mapping", "expires_in", *renamed))
        self._walk(None, self.tree.body, ())
        if not (self.encodes or self.settings or self.units or self.expires_in):
            return []
        return [FileTokens(tuple(self.encodes), tuple(self.settings), tuple(self.units),
                           tuple(self.expires_in))]

    def _walk(self, node: Function | None, body: list[ast.stmt], outer: tuple[str, ...]) -> None:
        scope = _Scope(node, body)
        function = ".".join(outer) if node is not None else None
        for stmt in scope.statements:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self._walk(stmt, stmt.body, (*outer, stmt.name))
                continue
            if isinstance(stmt, ast.ClassDef):
                for inner in stmt.body:
                    if isinstance(inner, (ast.FunctionDef, ast.AsyncFunctionDef)):
                        self._walk(inner, inner.body, (*outer, stmt.name, inner.name))
                continue
            if isinstance(stmt, ast.ExceptHandler):
                continue
            self._statement(stmt, scope, function)

    def _statement(self, stmt: ast.stmt, scope: _Scope, function: str | None) -> None:
        if isinstance(stmt, ast.Assign):
            for target in stmt.targets:
                if isinstance(target, ast.Subscript):
                    key = _string(target.slice)
                    if key is not None and is_lifetime_key(key):
                        self._setting(key, stmt.value, self.span_of(target), scope)
        if not self._call_lines.within(stmt):
            return
        for node in _own_nodes(stmt):
            if not isinstance(node, ast.Call):
                continue
            qualified = self.names.qualify(node.func)
            if qualified in ENCODERS:
                self._encode(node, ENCODERS[qualified], stmt, scope, function)
            elif qualified in _TIMEDELTA:
                self._units(node, scope)
            elif isinstance(node.func, ast.Attribute) \
                    and node.func.attr in ("update", "from_mapping"):
                self._config_update(node, scope)
            if self.authlib and any(k.arg == "expires_in" for k in node.keywords):
                callee = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
                    node.func, "id", "")
                if callee in _AUTHLIB_GENERATORS:
                    value = argument(node, None, "expires_in")
                    if value is not None:
                        self.expires_in.append(ExpiresIn(
                            tuple(ast.unparse(v) for v in scope.inline(value)),
                            self.span_of(value), callee))

    # -- settings set at run time ---------------------------------------------------------------
    def _setting(self, key: str, value: ast.expr, span: Span, scope: _Scope) -> None:
        if key == OAUTH2_TOKEN_EXPIRES_IN:
            if isinstance(value, ast.Dict):
                for k, v in zip(value.keys, value.values):
                    grant = _string(k)
                    if grant is not None:
                        self.settings.append(SettingSet(
                            f"{key}[{grant}]", tuple(ast.unparse(x) for x in scope.inline(v)),
                            _join(self.span_of(k), self.span_of(v))))  # type: ignore[arg-type]
            return
        self.settings.append(SettingSet(key, tuple(ast.unparse(v) for v in scope.inline(value)),
                                        span))

    def _config_update(self, call: ast.Call, scope: _Scope) -> None:
        """`app.config.update(JWT_ACCESS_TOKEN_EXPIRES=...)` or `.update({...})`."""
        receiver = dotted(call.func.value) if isinstance(call.func, ast.Attribute) else None
        if receiver is None or not receiver.endswith("config"):
            return
        for keyword in call.keywords:
            if keyword.arg and is_lifetime_key(keyword.arg):
                self._setting(keyword.arg, keyword.value, self.span_of(keyword.value), scope)
        for arg in call.args:
            if isinstance(arg, ast.Dict):
                for k, v in zip(arg.keys, arg.values):
                    key = _string(k)
                    if key is not None and is_lifetime_key(key):
                        self._setting(key, v, _join(self.span_of(k), self.span_of(v)),
                                      scope)  # type: ignore[arg-type]

    def _units(self, call: ast.Call, scope: _Scope) -> None:
        for keyword in call.keywords:
            if keyword.arg is None:
                continue
            for variant in scope.inline(keyword.value):
                written = _written(variant)
                if written is not None and is_access_lifetime_name(last_name(written)):
                    whole = _Replace({}).apply(call)
                    whole.keywords = [ast.keyword(k.arg, variant if k is keyword else k.value)
                                      for k in call.keywords]
                    self.units.append(UnitUse(keyword.arg, written, self.span_of(call),
                                              ast.unparse(whole)))
                    break

    # -- jwt.encode ---------------------------------------------------------------------------
    def _encode(self, call: ast.Call, position: int, stmt: ast.stmt, scope: _Scope,
                function: str | None) -> None:
        payload = argument(call, position, _PAYLOAD_KEYWORDS[0])
        if payload is None:
            payload = argument(call, None, _PAYLOAD_KEYWORDS[1])
        if payload is None:
            return
        target = None
        if isinstance(stmt, (ast.Assign, ast.AnnAssign)):
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
            names = [t.id for t in targets if isinstance(t, ast.Name)]
            target = names[0] if names else None
        entries: dict[str, list[ast.expr]] = {}
        closed = True
        payload_name = None
        if isinstance(payload, ast.Dict):
            closed = _dict_entries(payload, entries)
        elif isinstance(payload, ast.Name) and payload.id in scope.assigned \
                and payload.id not in scope.opaque:
            payload_name = payload.id
            closed = self._built(payload.id, scope, entries, call.lineno)
        else:
            closed = False
            if isinstance(payload, ast.Name):
                payload_name = payload.id
        exp: list[tuple[str, Span]] = []
        for value in entries.get("exp", ()):
            for variant in scope.inline(value):
                exp.append((ast.unparse(variant), self.span_of(value)))
        token_type = None
        for key in ("type", "token_type", "typ", "token_use"):
            for value in entries.get(key, ()):
                token_type = _string(value) or token_type
        self.encodes.append(Encode(self.span_of(call), function, target, payload_name,
                                   tuple(entries), closed, tuple(exp[:_MAX_VARIANTS * 2]),
                                   token_type))

    def _built(self, name: str, scope: _Scope, entries: dict[str, list[ast.expr]],
               before: int) -> bool:
        """The keys a local payload dict gets before the encode call: True when all are known."""
        closed = True
        for value in scope.assigned.get(name, ()):
            if isinstance(value, ast.Dict):
                closed &= _dict_entries(value, entries)
            elif isinstance(value, ast.Call) and dotted(value.func) == "dict" and not value.args:
                for keyword in value.keywords:
                    if keyword.arg is None:
                        closed = False
                    else:
                        entries.setdefault(keyword.arg, []).append(keyword.value)
            else:
                closed = False
        for stmt in scope.statements:
            if stmt.lineno > before:
                continue
            if isinstance(stmt, ast.Assign):
                for t in stmt.targets:
                    if isinstance(t, ast.Subscript) and isinstance(t.value, ast.Name) \
                            and t.value.id == name:
                        key = _string(t.slice)
                        if key is None:
                            closed = False
                        else:
                            entries.setdefault(key, []).append(stmt.value)
            elif isinstance(stmt, ast.AugAssign) and isinstance(stmt.target, ast.Name) \
                    and stmt.target.id == name:
                closed &= isinstance(stmt.value, ast.Dict) and _dict_entries(stmt.value, entries)
            for node in _own_nodes(stmt):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) \
                        and isinstance(node.func.value, ast.Name) and node.func.value.id == name:
                    if node.func.attr == "update":
                        for arg in node.args:
                            closed &= isinstance(arg, ast.Dict) and _dict_entries(arg, entries)
                        for keyword in node.keywords:
                            if keyword.arg is None:
                                closed = False
                            else:
                                entries.setdefault(keyword.arg, []).append(keyword.value)
                    elif node.func.attr == "setdefault" and node.args:
                        key = _string(node.args[0])
                        if key is None or len(node.args) < 2:
                            closed = False
                        else:
                            entries.setdefault(key, []).append(node.args[1])
        return closed


def _dict_entries(node: ast.Dict, entries: dict[str, list[ast.expr]]) -> bool:
    closed = True
    for key, value in zip(node.keys, node.values):
        text = _string(key)
        if text is None:
            closed = False  # `**spread` or a computed key
            continue
        entries.setdefault(text, []).append(value)
    return closed


def _join(first: Span, last: Span) -> Span:
    return Span(first.line, first.column, last.end_line, last.end_column)
