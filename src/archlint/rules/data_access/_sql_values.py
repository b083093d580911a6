"""ARC301's values: what a string expression is known to hold, how parts combine, and what
looks like SQL."""

from __future__ import annotations

import re

import libcst as cst

# -- values ------------------------------------------------------------------------------------
# What an expression is known to hold, as far as string building goes.
CONST, BUILT, UNKNOWN, SEQ, TEMPLATE, FUNC, ROW = range(7)

# Stands in for SQL-looking text we cannot see (an imported constant named like a query).
_SQL_HINT = "\x00SQL\x00"


class _V:
    """An immutable abstract value: CONST (text known or not), BUILT (a string built from a
    non-constant part: how, where, and which value entered), UNKNOWN (any non-constant value),
    SEQ (a list/tuple/generator whose elements are summarised by `elem`; a tuple or list written
    out also keeps each element in `items`), TEMPLATE (a string.Template over `text`), FUNC (a
    function defined in the function being walked: `fn`), ROW (a row fetched by the query `text`).
    A dict written out keeps a summary of its keys in `keys`, whatever its own kind: its keys are
    often column names while its values are not.
    """

    __slots__ = (
        "elem", "entered", "fn", "form", "is_str", "items", "keys", "kind", "known", "node",
        "text",
    )

    def __init__(
        self,
        kind: int,
        text: str = "",
        *,
        is_str: bool = True,
        known: bool = True,
        form: str = "",
        node: cst.CSTNode | None = None,
        entered: cst.CSTNode | None = None,
        elem: _V | None = None,
        items: tuple[_V, ...] | None = None,
        fn: cst.FunctionDef | None = None,
        keys: _V | None = None,
    ) -> None:
        self.kind = kind
        self.text = text
        self.is_str = is_str
        self.known = known
        self.form = form
        self.node = node
        self.entered = entered
        self.elem = elem
        self.items = items
        self.fn = fn
        self.keys = keys

    def retext(self, text: str) -> _V:
        return _V(self.kind, text, form=self.form, node=self.node, entered=self.entered)


_NUMBER = _V(CONST, "", is_str=False)
_OPAQUE_CONST = _V(CONST, "", known=False)  # a constant by convention whose text we do not see
_UNKNOWN_V = _V(UNKNOWN)


def _unknown(node: cst.CSTNode | None) -> _V:
    return _V(UNKNOWN, node=node)


def _is_nonconst(v: _V) -> bool:
    if v.kind == CONST:
        return False
    if v.kind == SEQ:
        return v.elem is not None and _is_nonconst(v.elem)
    return True


def _textish(v: _V) -> str:
    return v.text if v.kind in (CONST, BUILT) else "{}"


def _combine(parts: list[_V], form: str, node: cst.CSTNode) -> _V:
    """Concatenation of string parts: the first BUILT part keeps its story; otherwise the first
    non-constant part makes this a string built here."""
    text = "".join(_textish(p) for p in parts)
    for p in parts:
        if p.kind == BUILT:
            return p.retext(text)
    for p in parts:
        if _is_nonconst(p):
            return _V(BUILT, text, form=form, node=node, entered=p.node)
    return _V(CONST, text, known=all(p.known for p in parts))


def _merge(a: _V | None, b: _V | None) -> _V:
    """The value of a name after two paths meet (None: not bound on that path)."""
    if a is b and a is not None:
        return a
    if a is not None and a.kind == BUILT:
        return a
    if b is not None and b.kind == BUILT:
        return b
    if a is None or b is None:
        return _UNKNOWN_V
    if a.kind == CONST and b.kind == CONST:
        text = a.text if a.text == b.text else f"{a.text}\n{b.text}"
        return _V(CONST, text, is_str=a.is_str or b.is_str, known=a.known and b.known)
    if a.kind == SEQ and b.kind == SEQ:
        items = None
        if a.items is not None and b.items is not None and len(a.items) == len(b.items):
            items = tuple(_merge(x, y) for x, y in zip(a.items, b.items))
        return _V(SEQ, elem=_union(a.elem, b.elem), node=a.node, items=items)
    return _UNKNOWN_V


def _union(a: _V | None, b: _V | None) -> _V | None:
    """Summary of the elements of two sequences (None: no elements)."""
    if a is None:
        return b
    if b is None:
        return a
    if a.kind == BUILT:
        return a
    if b.kind == BUILT:
        return b
    if a.kind != CONST:
        return a
    if b.kind != CONST:
        return b
    return _merge(a, b)


def _join_states(states: list[dict[str, _V]]) -> dict[str, _V]:
    if len(states) == 1:
        return dict(states[0])
    keys: set[str] = set()
    for s in states:
        keys.update(s)
    out: dict[str, _V] = {}
    for key in keys:
        value = states[0].get(key)
        for s in states[1:]:
            value = _merge(value, s.get(key))
        assert value is not None
        out[key] = value
    return out


# -- what looks like SQL ----------------------------------------------------------------------
# Statement shapes, in upper or lower case (holes of the built string read as "{}").
_SQL_SHAPE = re.compile(
    r"""
      \b(?:SELECT|select)\s[\s\S]*?\b(?:FROM|from)\b
    | \b(?:INSERT|insert)\s+(?:(?:OR|or)\s+\w+\s+|(?:IGNORE|ignore)\s+)?(?:INTO|into)\b
    | \b(?:UPDATE|update)\s+(?:(?:ONLY|only)\s+)?\S+\s+(?:SET|set)\b
    | \b(?:DELETE|delete)\s+(?:FROM|from)\b
    | \b(?:CREATE|create|DROP|drop|ALTER|alter)\s+(?:\w+\s+){0,3}?
        (?:TABLE|table|INDEX|index|VIEW|view|SCHEMA|schema|DATABASE|database|SEQUENCE|sequence
          |TRIGGER|trigger|FUNCTION|function|PROCEDURE|procedure|EXTENSION|extension|ROLE|role)\b
    | \b(?:TRUNCATE|truncate)\s+(?:TABLE|table)\b
    | \b(?:WHERE|where)\s+[\w."`\[\]{}]+\s*
        (?:=|<|>|!=|<>|\b(?:LIKE|like|ILIKE|ilike|IN|in|IS|is|BETWEEN|between)\b)
    | \b(?:ORDER|order|GROUP|group)\s+(?:BY|by)\b
    | \b(?:VALUES|values)\s*\(
    | \A\s*WITH\s+(?:RECURSIVE\s+)?\S+\s+AS\b
    | \A\s*(?:SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|KILL|TRUNCATE|GRANT|REVOKE|VACUUM
        |ANALYZE|PRAGMA|SET|SHOW|COPY|CALL|EXPLAIN|LOCK|NOTIFY|LISTEN|REFRESH|REINDEX|MERGE
        |REPLACE|ATTACH|DETACH|SAVEPOINT|COMMENT|DECLARE)\b
    | \x00SQL\x00
    """,
    re.VERBOSE,
)
_SQLISH_NAME = re.compile(r"(?i)sql|query|stmt|statement")
_UPPER_NAME = re.compile(r"_*[A-Z][A-Z0-9_]*")


def looks_like_sql(text: str) -> bool:
    return _SQL_SHAPE.search(text) is not None


# `EXPLAIN [options] <statement>`: the hole is a whole statement (the SQL to explain), not a value
# pasted into one. Holes read as "{}" (or "%s" for '%' formatting).
_EXPLAIN_WRAPPER = re.compile(
    r"""(?ix)\A\s*EXPLAIN
        (?:\s+(?:ANALY[SZ]E|VERBOSE|QUERY\s+PLAN|EXTENDED|PARTITIONS|FORMAT\s*=?\s*\w+)
          |\s*\([^(){}%]*\))*
        \s*(?:\{\}|%s)\s*;?\s*\Z"""
)


def wraps_a_statement(text: str) -> bool:
    """`EXPLAIN {statement}`: the only hole is the statement being explained."""
    return _EXPLAIN_WRAPPER.match(text) is not None


# -- sinks ---------------------------------------------------------------------------------------
GENERIC, SCRIPT, DRIVER, RAW, EXTRA, TEXT, RAWSQL, PSYCOPG, PANDAS, CUSTOM = (
    "generic", "script", "driver", "raw", "extra", "text", "rawsql", "psycopg", "pandas", "custom",
)
_METHOD_SINKS = {
    # DB-API cursors and connections, SQLAlchemy Connection/Session, aiosqlite
    "execute": GENERIC,
    "executemany": GENERIC,
    "executescript": SCRIPT,
    "execute_fetchall": GENERIC,
    "execute_insert": GENERIC,
    # asyncpg
    "fetch": GENERIC,
    "fetchrow": GENERIC,
    "fetchval": GENERIC,
    # databases
    "execute_many": GENERIC,
    "fetch_all": GENERIC,
    "fetch_one": GENERIC,
    "fetch_val": GENERIC,
    "iterate": GENERIC,
    # SQLAlchemy, Django
    "exec_driver_sql": DRIVER,
    "raw": RAW,
    "extra": EXTRA,
}
# Attribute names that are sinks only when the callee resolves to the library (`sa.text`).
_QUALIFIED_ATTRS = frozenset({"text", "SQL", "RawSQL", "read_sql", "read_sql_query"})
_SQL_KEYWORDS = frozenset(
    {"sql", "query", "statement", "operation", "text", "string", "obj", "raw_query"}
)
_DJANGO_MANAGERS = frozenset({"objects", "_default_manager", "_base_manager"})
_EXTRA_KEYWORDS = ("select", "where", "tables", "order_by")
# Receivers known (through imports) to come from these libraries are SQL connections, cursors or
# sessions: their methods are sinks whatever the string looks like.
_DB_ROOTS = frozenset({
    "sqlite3", "psycopg", "psycopg2", "psycopg_pool", "asyncpg", "aiosqlite", "pymysql", "MySQLdb",
    "mysql", "aiomysql", "aiopg", "databases", "sqlalchemy", "sqlmodel", "django", "cx_Oracle",
    "oracledb", "pyodbc", "pymssql", "duckdb", "snowflake", "clickhouse_driver", "trino",
    "alembic",
})
# ... and these are not SQL, whatever the string looks like.
_NON_SQL_ROOTS = frozenset({
    "subprocess", "os", "redis", "aioredis", "celery", "asyncio", "concurrent", "pymongo", "motor",
    "elasticsearch", "neo4j", "graphql", "requests", "httpx", "aiohttp", "boto3", "paramiko",
    "fabric", "docker", "kombu", "pika",
})
_PSYCOPG_SQL = frozenset({"psycopg.sql.SQL", "psycopg2.sql.SQL"})
_SEQ_MUTATORS = frozenset({"append", "extend", "insert", "add"})
_STR_METHODS = frozenset({
    "strip", "lstrip", "rstrip", "upper", "lower", "casefold", "removeprefix", "removesuffix",
})
_COPIES = frozenset({"list", "tuple", "sorted", "set", "frozenset"})
_NUMERIC_CALLS = frozenset(
    {"int", "float", "len", "bool", "abs", "round", "ord", "hash", "ceil", "floor", "trunc"}
)
_NUMERIC_METHODS = frozenset({"ceil", "floor", "trunc", "fabs", "sqrt"})
# SQLAlchemy's dialect.identifier_preparer.quote(name) and friends
_QUOTERS = frozenset({"quote", "quote_schema", "quote_identifier", "format_table", "format_column"})
# ORM metadata that names a table: developer-defined constants
_TABLE_NAME_ATTRS = frozenset({"__tablename__", "db_table"})
# ... and what names a column of an ORM attribute (`column.key` where `column.class_` is used)
_ORM_COLUMN_ATTRS = frozenset({"key", "name"})
# Identifier quoting, literal quoting by the driver, and SQL rendered by the library itself.
_SANITIZERS = frozenset({
    "quote_name", "quote_ident", "quote_identifier", "quote_table", "quote_column",
    "escape_identifier", "quote_literal", "escape_literal", "escape_string", "mogrify",
    "getquoted", "as_string", "compile",
})
# A function named for escaping or quoting (`escape_string_literal`, `quote_identifier`) that
# the rule cannot follow (another module's): trusted, as its name is the project's own promise.
# Module-local helpers are followed instead, so a naive `_quote_id = lambda n: f'"{n}"'` is not.
_SANITIZER_NAME = re.compile(r"(?:^|_)(?:escape|quote|sanitize|sanitise)(?:_|$)")
# An attribute named for a quantity (`lookback_days`, `self._window_days`, `min_bytes`,
# `self._row_threshold`, `underused_p50`): a number from settings. Plain names are not trusted this way: `limit` or `days`
# read from a request are strings.
_AMOUNT_ATTR = re.compile(
    r"_(?:days|hours|minutes|mins|seconds|secs|ms|millis|bytes|kb|mb|gb|threshold|ratio|pct"
    r"|percent|p\d\d)$"
)
_SAFE_ANNOTATIONS = frozenset({
    "int", "float", "bool", "Decimal", "UUID", "date", "datetime", "time", "PositiveInt",
    "NonNegativeInt", "StrictInt", "conint",
})
_NUMERIC_SPEC_END = frozenset("bcdeEfFgGnoxX%")
_PERCENT = re.compile(
    r"%(?:\((?P<key>[^)]*)\))?[#0\- +]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<type>[diouxXeEfFgGcrsa%])"
)
_FORMS = {
    "fstring": "an f-string",
    "add": "'+' concatenation",
    "augadd": "'+=' concatenation",
    "percent": "'%' formatting",
    "format": "str.format()",
    "join": "str.join()",
    "template": "string.Template",
    "replace": "str.replace()",
}


class _Frame:
    """A branching statement being walked: its state before, and the states its branches left."""

    __slots__ = ("blocks", "depth", "loop", "outs", "snapshot")

    def __init__(self, depth: int, snapshot: dict[str, _V], blocks: set[int], loop: bool) -> None:
        self.depth = depth
        self.snapshot = snapshot
        self.outs: list[dict[str, _V]] = []
        self.blocks = blocks
        self.loop = loop


def _terminates(block: cst.BaseSuite) -> bool:
    body = block.body
    if not body:
        return False
    last = body[-1]
    if isinstance(last, cst.SimpleStatementLine):
        last = last.body[-1] if last.body else last
    return isinstance(last, (cst.Return, cst.Raise, cst.Continue, cst.Break))
