"""Facts for ARC303: cache writes without an expiry, and the Django `CACHES` settings that decide
what a write with no timeout means.

A Redis write to a key built from values (an f-string with fields, `+`, `%`, `.format()`,
`.join()`, or a local name bound to one) is judged within its function (or the module body): `set` without `ex`/`px`/
`exat`/`pxat`/`keepttl`, and `hset`/`hmset`/`hsetnx`/`sadd`/`lpush`/`rpush`/`zadd`/`setnx` on a
key that no `expire`/`pexpire`/`expireat`/`pexpireat` of the same function names (the key is
compared as written, or through a local name bound to it); `mset`/`msetnx` cannot carry a TTL
and count as expired when the function expires anything. Those facts are complete findings.

A Django cache write (`cache.set/add/set_many/get_or_set/touch` and their `a*` async twins, on
`django.core.cache.cache` or `caches["alias"]`) with `timeout=None` is complete too; one with no
timeout records the alias, and the project rule reports it only when a `CACHES` setting gives
that alias `TIMEOUT: None`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import libcst as cst

from archlint.model import Span
from archlint.rules._calls import client_type, find_argument, is_none, reaches_catalogue
from archlint.rules._mentions import Mentions
from archlint.rules._names import dotted
from archlint.rules.base import Collector


@dataclass(frozen=True)
class CacheWrite:
    """A write to report: always (`alias` None), or only when the Django cache `alias` keeps
    entries forever by default."""

    span: Span
    statement_lines: tuple[int, int]
    message: str
    help: str
    alias: str | None = None


@dataclass(frozen=True)
class CacheSetting:
    """One alias of a `CACHES = {...}` literal, and whether it sets `TIMEOUT: None`."""

    alias: str
    forever: bool
    span: Span


# Redis writes: the TTL parameters of `set` and their positions (0-based, after name and value).
_SET_TTL = (("ex", 2), ("px", 3), ("keepttl", 6), ("exat", 8), ("pxat", 9))
_KEYED_WRITES = frozenset(
    {"hset", "hmset", "hsetnx", "sadd", "lpush", "rpush", "zadd", "setnx"}
)
_MULTI_WRITES = frozenset({"mset", "msetnx"})
_EXPIRES = frozenset({"expire", "pexpire", "expireat", "pexpireat"})
# Django cache writes and the position of their timeout.
_DJANGO_WRITES = {"set": 2, "add": 2, "set_many": 1, "get_or_set": 2, "touch": 1}
_DJANGO_WRITES.update({f"a{name}": position for name, position in list(_DJANGO_WRITES.items())})
_DJANGO_CACHE = "django.core.cache.cache"
_DJANGO_CACHES = "django.core.cache.caches"

_MODULE = cst.Module(body=[])


def _text(node: cst.CSTNode) -> str:
    return " ".join(_MODULE.code_for_node(node).split())


def _short(node: cst.CSTNode, limit: int = 40) -> str:
    text = _text(node)
    return text if len(text) <= limit else text[: limit - 3] + "..."


@dataclass
class _Pending:
    call: cst.Call
    method: str
    keys: frozenset[str]
    span: Span
    statement_lines: tuple[int, int]
    who: str
    key: str


@dataclass
class _Scope:
    name: str | None  # the function's name; None for the module body
    bound: dict[str, cst.BaseExpression] = field(default_factory=dict)  # local name -> value
    writes: list[_Pending] = field(default_factory=list)
    expired: set[str] = field(default_factory=set)


class CacheWriteCollector(Collector):
    kind = "cache-writes"
    # A redis client (imported, or annotated), Django's cache API, or a settings module's CACHES.
    triggers = ("redis", "django.core.cache", "caches", "CACHES")

    @classmethod
    def gate(cls, mentions: Mentions, options: object) -> bool:
        """A settings module's CACHES, or a write through a redis client or Django's cache API,
        both known only through imports."""
        return "CACHES" in mentions.source or reaches_catalogue(
            mentions, frozenset({_DJANGO_CACHE, _DJANGO_CACHES}))

    def __init__(self, ctx, options) -> None:  # type: ignore[no-untyped-def]
        super().__init__(ctx, options)
        self._scopes: list[_Scope] = [_Scope(None)]

    # -- scopes ------------------------------------------------------------------------------------
    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._scopes.append(_Scope(node.name.value))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._resolve(self._scopes.pop())

    def leave_Module(self, node: cst.Module) -> None:
        self._resolve(self._scopes[0])

    def visit_Assign(self, node: cst.Assign) -> None:
        if len(node.targets) == 1 and isinstance(node.targets[0].target, cst.Name):
            name = node.targets[0].target.value
            self._scopes[-1].bound[name] = node.value
            if name == "CACHES" and len(self._scopes) == 1 and not self.ctx.classes:
                self._collect_caches(node.value)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name) and node.value is not None:
            self._scopes[-1].bound[node.target.value] = node.value
            if node.target.value == "CACHES" and len(self._scopes) == 1 and not self.ctx.classes:
                self._collect_caches(node.value)

    # -- calls -------------------------------------------------------------------------------------
    def visit_Call(self, node: cst.Call) -> None:
        func = node.func
        if not isinstance(func, cst.Attribute):
            return
        method = func.attr.value
        if method in _DJANGO_WRITES:
            alias = self._django_alias(func.value)
            if alias is not None:
                self._django_write(node, method, alias)
                return
        if method not in _EXPIRES and method != "set" and method not in _KEYED_WRITES | _MULTI_WRITES:
            return
        owner = self.ctx.names.origin_of(func.value)
        client = client_type(owner) if owner is not None else None
        if client is None or client.library != "redis":
            return
        scope = self._scopes[-1]
        if method in _EXPIRES:
            key = _key(node)
            scope.expired.update(self._forms(key) if key is not None else {"*"})
            scope.expired.add("*any*")
            return
        if method == "set" and not self._set_without_ttl(node):
            return
        key = _key(node) if method not in _MULTI_WRITES else None
        if key is not None and not self._per_entity(key):
            return
        keys = self._forms(key) if key is not None else frozenset()
        receiver = dotted(func.value) or _short(func.value, 30)
        scope.writes.append(_Pending(
            node, method, keys, self.ctx.span_of(node), self._statement_lines(node),
            f"{receiver}.{method}()", _short(key) if key is not None else "",
        ))

    def _set_without_ttl(self, node: cst.Call) -> bool:
        for keyword, position in _SET_TTL:
            found = find_argument(node, keyword, position)
            if found.hidden:
                return False
            if found.arg is not None and not _off(found.arg.value):
                return False
        return True

    def _per_entity(self, key: cst.BaseExpression) -> bool:
        """A key built from values (`f"user:{uid}"`, `"user:" + uid`, `"user:%s" % uid`,
        `"user:{}".format(uid)`, `":".join(...)`), or a local name bound to one: such keys
        multiply with the data. A fixed key (a literal, a constant, a parameter, `str(path)`) is
        one long-lived value or registry, which an expiry would wipe whole."""
        if isinstance(key, cst.Name):
            for scope in reversed(self._scopes[1:]):
                if key.value in scope.bound:
                    return _built(scope.bound[key.value])
            return False
        return _built(key)

    def _forms(self, key: cst.BaseExpression) -> frozenset[str]:
        text = _text(key)
        forms = {text}
        if isinstance(key, cst.Name):
            for scope in reversed(self._scopes):
                if key.value in scope.bound:
                    forms.add(_text(scope.bound[key.value]))
                    break
        return frozenset(forms)

    def _resolve(self, scope: _Scope) -> None:
        where = f"{scope.name}()" if scope.name else "this module"
        for write in scope.writes:
            if write.method in _MULTI_WRITES:
                if "*any*" in scope.expired:
                    continue
                message = (
                    f"{write.who} writes keys with no expiry, and {write.method} cannot set one: "
                    "they stay in Redis until something deletes them"
                )
                help = "write through a pipeline of set(key, value, ex=<seconds>) instead"
            elif write.method == "set":
                if write.keys & scope.expired:
                    continue
                message = (
                    f"{write.who} stores {write.key} with no expiry (no ex/px/exat/pxat/keepttl): "
                    "the key stays in Redis until something deletes it"
                )
                help = (
                    "pass ex=<seconds> (or px/exat/pxat), or keepttl=True when updating a key that "
                    "already has one"
                )
            else:
                if write.keys & scope.expired or "*" in scope.expired:
                    continue
                message = (
                    f"{write.who} writes {write.key} and nothing in {where} gives it an expiry "
                    "(expire/pexpire/expireat): the key stays in Redis until something deletes it"
                )
                help = f"call expire({write.key}, <seconds>) after the write, in the same pipeline"
            self.add(CacheWrite(write.span, write.statement_lines, message, help))

    # -- Django ------------------------------------------------------------------------------------
    def _django_alias(self, receiver: cst.BaseExpression) -> str | None:
        """"default" for `cache`, the alias for `caches["alias"]`, "?" for `caches[name]`."""
        if isinstance(receiver, cst.Subscript):
            if self.ctx.names.qualify(receiver.value) != _DJANGO_CACHES:
                return None
            index = receiver.slice[0].slice if len(receiver.slice) == 1 else None
            if isinstance(index, cst.Index) and isinstance(index.value, cst.SimpleString):
                alias = index.value.evaluated_value
                return alias if isinstance(alias, str) else "?"
            return "?"
        if self.ctx.names.qualify(receiver) == _DJANGO_CACHE:
            return "default"
        return None

    def _django_write(self, node: cst.Call, method: str, alias: str) -> None:
        timeout = find_argument(node, "timeout", _DJANGO_WRITES[method])
        if timeout.hidden:
            return
        who = f"{_short(node.func, 40)}()"
        help = (
            "pass a timeout in seconds (and keep TIMEOUT bounded in CACHES); use None only for "
            "entries that are deleted explicitly"
        )
        if timeout.arg is not None:
            if not is_none(timeout.arg.value):
                return
            message = (
                f"{who} passes timeout=None: the entry never expires and stays in the cache until "
                "it is deleted or evicted"
            )
            self.add(CacheWrite(self.ctx.span_of(node), self._statement_lines(node), message,
                                help))
        elif alias != "?":
            message = f"{who} passes no timeout, so the '{alias}' cache's default applies"
            self.add(CacheWrite(self.ctx.span_of(node), self._statement_lines(node), message,
                                help, alias))

    def _collect_caches(self, value: cst.BaseExpression) -> None:
        if not isinstance(value, cst.Dict):
            return
        for element in value.elements:
            if not isinstance(element, cst.DictElement) or not isinstance(
                element.key, cst.SimpleString
            ):
                continue
            alias = element.key.evaluated_value
            if not isinstance(alias, str) or not isinstance(element.value, cst.Dict):
                continue
            forever = any(
                isinstance(item, cst.DictElement)
                and isinstance(item.key, cst.SimpleString)
                and item.key.evaluated_value == "TIMEOUT"
                and is_none(item.value)
                for item in element.value.elements
            )
            self.add(CacheSetting(alias, forever, self.ctx.span_of(element)))

    def _statement_lines(self, node: cst.CSTNode) -> tuple[int, int]:
        statement = self.ctx.statements[-1] if self.ctx.statements else node
        span = self.ctx.span_of(statement)
        if isinstance(statement, cst.SimpleStatementLine):
            return (span.line, span.end_line)
        return (span.line, self.ctx.span_of(node).end_line)


def _built(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.FormattedString):
        return any(isinstance(p, cst.FormattedStringExpression) for p in expr.parts)
    if isinstance(expr, cst.BinaryOperation):
        return isinstance(expr.operator, (cst.Add, cst.Modulo))
    if isinstance(expr, cst.Call) and isinstance(expr.func, cst.Attribute):
        return expr.func.attr.value in ("format", "join")
    return False


def _key(call: cst.Call) -> cst.BaseExpression | None:
    found = find_argument(call, "name", 0)
    if found.arg is None:
        found = find_argument(call, "key", 0)
    return found.arg.value if found.arg is not None else None


def _off(expr: cst.BaseExpression) -> bool:
    """`None` or `False`: a TTL parameter that sets nothing."""
    return is_none(expr) or (isinstance(expr, cst.Name) and expr.value == "False")
