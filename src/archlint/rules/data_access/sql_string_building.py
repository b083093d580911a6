"""ARC301 sql-string-building."""

from __future__ import annotations

import re
import string
from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

import libcst as cst

from archlint.model import Fix, Severity
from archlint.rules._mentions import Mentions
from archlint.rules._names import dotted, iter_statements
from archlint.rules._tree import blocks, children, scan
from archlint.rules.base import FileContext, Invalid, Rule
from archlint.rules.data_access._parameterise import parameterise, placeholder_style
from archlint.rules.data_access._sql_following import (
    _MAX_DEPTH,
    _NUMERIC_TYPES,
    _ROW_METHODS,
    _STR_VALIDATORS,
    _attribute_targets,
    _column_is_quoted,
    _constant_part,
    _describe,
    _escapes_quotes,
    _help,
    _hinted_const,
    _integer_index,
    _is_generator,
    _is_method,
    _is_preparer,
    _key,
    _label,
    _loop_value,
    _numeric_spec,
    _safe_annotation,
    _safe_pattern,
    _Shared,
    _sql_argument,
    _target_names,
    _with_node,
)
from archlint.rules.data_access._sql_values import (
    _DB_ROOTS,
    _DJANGO_MANAGERS,
    _EXTRA_KEYWORDS,
    _FORMS,
    _METHOD_SINKS,
    _NON_SQL_ROOTS,
    _NUMBER,
    _COPIES,
    _NUMERIC_CALLS,
    _NUMERIC_METHODS,
    _NUMERIC_SPEC_END,
    _OPAQUE_CONST,
    _ORM_COLUMN_ATTRS,
    _PERCENT,
    _PSYCOPG_SQL,
    _QUALIFIED_ATTRS,
    _QUOTERS,
    _AMOUNT_ATTR,
    _SANITIZER_NAME,
    _SANITIZERS,
    _SEQ_MUTATORS,
    _STR_METHODS,
    _TABLE_NAME_ATTRS,
    _UNKNOWN_V,
    _UPPER_NAME,
    _V,
    BUILT,
    CONST,
    CUSTOM,
    DRIVER,
    EXTRA,
    FUNC,
    GENERIC,
    PANDAS,
    PSYCOPG,
    RAW,
    RAWSQL,
    ROW,
    SCRIPT,
    SEQ,
    TEMPLATE,
    TEXT,
    UNKNOWN,
    _combine,
    _Frame,
    _is_nonconst,
    _join_states,
    _merge,
    _terminates,
    _union,
    _unknown,
    looks_like_sql,
    wraps_a_statement,
)


@dataclass(frozen=True)
class SqlStringBuildingOptions:
    """Options of ARC301.

    `extra-sinks`: more calls that take SQL text as their first argument (or `sql=`/`query=`):
    a bare name (`"run_sql"`, `"query"`) matches a method or function of that name, a dotted name
    (`"app.db.run_query"`) the imported function. They are checked like `cursor.execute`: flagged
    when the string is built from non-constant parts and its literal text looks like SQL.
    """

    extra_sinks: tuple[str, ...] = ()


class SqlStringBuilding(Rule):
    """## What it does
    Flags SQL text built from non-constant parts (`+`, `+=`, f-strings, `%` formatting,
    `.format()`, `str.join`, `string.Template`) that reaches a call that runs or wraps SQL.

    The sinks: DB-API `cursor.execute`/`executemany`/`executescript` and `connection.execute`
    (sqlite3, psycopg, psycopg2, PyMySQL, Django's `connection.cursor()`), SQLAlchemy `text()`,
    `exec_driver_sql()` and `Session.execute()` with a string, Django `Model.objects.raw()`,
    `.extra(select=/where=/tables=/order_by=)` and `RawSQL`, asyncpg `execute`/`executemany`/
    `fetch`/`fetchrow`/`fetchval`, aiosqlite and `databases` (`fetch_all`, `fetch_one`,
    `fetch_val`, `execute_many`, `iterate`), psycopg `sql.SQL(<built string>)` and pandas
    `read_sql`/`read_sql_query`.

    The rule follows the string through assignments in the same function (`q = "SELECT ..."`,
    `q += f" WHERE id = {x}"` inside an `if`, `conditions.append(...)` and
    `" AND ".join(conditions)`), and reports on the sink call: the message names how the string
    was built, where, and which value entered it; SARIF carries the building line as a related
    location.

    Method names shared with non-database code (`execute`, `fetch`, `iterate`, a `raw()` that
    is not on a Django manager) are sinks when the receiver is known to come from a database
    library, or else when the string's literal text looks like SQL (`SELECT ... FROM`,
    `INSERT INTO`, `UPDATE ... SET`, `DELETE FROM`, DDL, `WHERE col =`, `ORDER BY`, ...).
    `text()`, `RawSQL`, `.objects.raw()`, `.extra()`, `exec_driver_sql()`, `sql.SQL()` and
    `read_sql()` always take SQL.

    ## Why is this bad?
    A value pasted into SQL text becomes part of the statement: a quote in a user name, or a
    crafted `1 OR 1=1`, changes what the query does (SQL injection, CWE-89). Placeholders keep
    values out of the SQL text: the driver sends them separately, so no value can change the
    statement. Identifiers (table and column names) cannot be parameters; they must come from an
    allow-list or be quoted by the driver (`psycopg.sql.Identifier`).

    ## Example
    ```python
    from sqlalchemy import text

    def find_user(cursor, email):
        cursor.execute(f"SELECT id, name FROM users WHERE email = '{email}'")

    def search(session, status, order):
        query = "SELECT * FROM orders WHERE status = '%s'" % status
        if order:
            query += " ORDER BY " + order
        return session.execute(text(query))
    ```

    ## Use instead
    ```python
    from sqlalchemy import text

    def find_user(cursor, email):
        cursor.execute("SELECT id, name FROM users WHERE email = %s", (email,))

    ORDER_COLUMNS = {"created": "created_at", "total": "total"}

    def search(session, status, order):
        query = "SELECT * FROM orders WHERE status = :status"
        if order in ORDER_COLUMNS:
            query += " ORDER BY " + ORDER_COLUMNS[order]
        return session.execute(text(query), {"status": status})
    ```

    Fix (unsafe, `--fix --unsafe-fixes`): a query built with an f-string, `%s` or `.format()`
    right in a sqlite3, psycopg, psycopg2, PyMySQL or asyncpg call is rewritten into a
    parameterised one (`?`, `%s` or `$n`) when every interpolated value is a plain name,
    attribute or subscript in a value position (`= '{name}'` becomes `= ?`). A value in place
    of a table or column name, inside a longer string (`LIKE '%{q}%'`), or a query with a
    `%` of its own is left to the reader. Unsafe because the driver then sends typed values:
    a query that relied on their text form may behave differently.

    ## Options
    - `extra-sinks` (list of strings, default `[]`): more calls that take SQL text as their
      first argument (or `sql=`/`query=`). A bare name (`"run_sql"`, `"query"`) matches a method
      or function of that name; a dotted name (`"app.db.run_query"`) matches the imported
      function. They are checked like `cursor.execute`: flagged when the string is built from
      non-constant parts and its literal text looks like SQL.

    ## What it does not flag
    - Values passed separately: `cursor.execute("... WHERE id = %s", (user_id,))`,
      `text("... :id")` with bound parameters, placeholders only (`%s`, `?`, `:name`, `$1`),
      including placeholder lists (`", ".join(["%s"] * len(ids))`, `", ".join("?" for _ in ids)`).
    - Text built only from constants: literals, module-level names assigned once to a literal,
      UPPER_CASE names and attributes (`TABLE`, `settings.TABLE_NAME`, imported constants),
      class attributes assigned a literal in the class body and never reassigned through `self`,
      ORM table names (`Model.__tablename__`, `Model._meta.db_table`) and the table and key of
      an SQLAlchemy ORM attribute (`column.class_.__tablename__`, `column.key`), loop variables
      over a literal list or dict of constants (`for table in ("a", "b"):`,
      `for table, key in TABLES.items():`, `for table, kind in pairs:` with `pairs` a list of
      tuples of literals), and a module `ContextVar` this module only ever sets to constants.
    - Values checked against an allow-list before use: after `if col not in ("name", "id"):`
      (or `not COL_RE.fullmatch(col)`, `not col.isidentifier()`, `not isinstance(n, int)`)
      ending in `raise`, `return`, `continue` or `break`, and inside `if col in ALLOWED:`. A
      regular expression counts when, matched in full, it admits no quote, space, semicolon or
      `.` (`r"^[A-Za-z_][A-Za-z0-9_]*$"`). Attributes set through `self` only to constants,
      numbers (`self.dim = int(dim)`) or values checked like this right after the assignment
      are constants too.
    - Values that cannot carry SQL: numbers (numeric literals, `int()`, `len()`, `float()`,
      `math.ceil()`, arithmetic with a number, `range()`/`enumerate()` counters), `%d`/`{:d}`
      numeric formatting, and parameters annotated `int`, `float`, `bool`, `Decimal`, `UUID`,
      `date` or `datetime`.
    - Values quoted for SQL: identifier quoting (`connection.ops.quote_name`, `quote_ident`,
      `dialect.identifier_preparer.quote`), driver quoting (`cursor.mogrify`, `getquoted`,
      `escape_string`, psycopg `as_string`), SQL rendered by SQLAlchemy (`stmt.compile(...)`),
      quotes doubled by hand (`value.replace("'", "''")`), and names PostgreSQL quoted itself:
      a column of a row fetched by a constant query (`conn.execute(q).first()[0]`) that the
      query computes with `format('%I.%I', ...)` or `quote_ident(...)`.
    - `EXPLAIN [options] {statement}`: the statement to explain is SQL by contract, not a value
      pasted into one (a statement built from values here is still followed and flagged).
    - psycopg composition (`sql.SQL("SELECT {} FROM t").format(sql.Identifier(name))`),
      SQLAlchemy Core expressions and the Django ORM: no SQL text is built.
    - A string built for something other than a sink: log and error messages such as
      `f"Selected {n} rows from {table}"` stay quiet.
    - Methods named like a sink on objects of unknown type when the text does not look like SQL
      (`self.execute(f"ls {path}")`, a test client's `self.fetch(f"/users/{id}")`), and calls on
      objects known to come from redis, subprocess, HTTP clients, MongoDB, Elasticsearch or
      neo4j. `redis.execute_command`, `subprocess.run` and `os.system` are not sinks.
    - Strings built in another function or stored on `self`: the rule follows local names
      within one function, so `cursor.execute(query)` with `query` a parameter is quiet.
      A parameter or a call result that enters a string built here is a non-constant part,
      though: `cursor.execute("SELECT * FROM t WHERE " + where)` is flagged, and so is a
      fragment returned by a helper (`where, params = build_filter(f)`) pasted into the query
      unless that helper is defined in the same module and provably returns constants. Before
      reporting, the rule follows calls into the module's own functions and methods (a helper
      that validates its keys and binds its values, a nested `def` called with literals) to
      learn which results are constants, and binds the parameters of a private function or
      method (`_name`, only ever called by name or through `self`) that every call in the
      module passes a constant for.
    - `pandas.read_sql_table` (it takes a table name, not SQL).

    ## References
    - [CWE-89: SQL Injection](https://cwe.mitre.org/data/definitions/89.html)
    - [OWASP SQL Injection Prevention Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/SQL_Injection_Prevention_Cheat_Sheet.html)
    - [psycopg: Passing parameters to SQL queries](https://www.psycopg.org/psycopg3/docs/basic/params.html)
    - [psycopg: sql module, composing SQL](https://www.psycopg.org/psycopg3/docs/api/sql.html)
    - [SQLAlchemy: textual SQL and bound parameters](https://docs.sqlalchemy.org/en/20/core/sqlelement.html#sqlalchemy.sql.expression.text)
    - [Django: performing raw SQL queries](https://docs.djangoproject.com/en/stable/topics/db/sql/)
    """

    code = "ARC301"
    name = "sql-string-building"
    severity = Severity.ERROR
    cwe = 89
    tags = ("security", "sql")
    # GitHub's scale, as CodeQL rates its py/sql-injection query: remote, low complexity,
    # read/write access to the database.
    security_severity = 8.8
    Options = SqlStringBuildingOptions
    # Every sink's call text (a sink is always called, so its name is followed by "("), and the
    # imports that make `text()` a sink.
    triggers = (
        "execute", "exec_driver_sql", "fetch(", "fetchrow", "fetchval", "fetch_all", "fetch_one",
        "fetch_val", "iterate(", "raw(", "extra(", "RawSQL", "read_sql", "SQL(", "sqlalchemy",
        "sqlmodel",
    )

    @classmethod
    def triggers_for(cls, options: SqlStringBuildingOptions) -> tuple[str, ...]:
        return cls.triggers + tuple(sink.rsplit(".", 1)[-1] for sink in options.extra_sinks)

    @classmethod
    def gate(cls, mentions: Mentions, options: SqlStringBuildingOptions) -> bool:
        """Every report is on a call of a sink: a sink method (`cursor.execute(`), a configured
        sink, or a name imported as `text`, `RawSQL`, `sql.SQL` or `read_sql` and called by
        that name. Configured dotted sinks can be reached through any value: they open it."""
        if any("." in sink for sink in options.extra_sinks):
            return True
        extra = set(options.extra_sinks)
        methods = set(_METHOD_SINKS) | _QUALIFIED_ATTRS | extra
        functions = extra | {local for local, target in mentions.imports
                             if target.rsplit(".", 1)[-1] in _QUALIFIED_ATTRS
                             or target in _PSYCOPG_SQL}
        return mentions.calls_any(methods, functions)

    VALID: ClassVar = [
        # values passed as parameters
        """
        def find(cursor, user_id):
            cursor.execute("SELECT * FROM users WHERE id = %s", (user_id,))
        """,
        # literals and module-level constants only
        """
        TABLE = "users"
        columns = "id, name"

        def all_users(cursor):
            cursor.execute("SELECT " + columns + " FROM " + TABLE + " WHERE active")
        """,
        # placeholder list for IN (...)
        """
        def by_ids(cursor, ids):
            marks = ", ".join(["%s"] * len(ids))
            cursor.execute(f"SELECT * FROM users WHERE id IN ({marks})", ids)
        """,
        # asyncpg numbered placeholders
        """
        async def update(conn, fields):
            sets = ", ".join(f"${i}" for i in range(1, len(fields) + 1))
            await conn.execute(f"UPDATE items SET ({sets}) WHERE TRUE", *fields)
        """,
        # conditions appended as constants
        """
        def search(cursor, name, email):
            conditions, params = [], []
            conditions = []
            if name:
                conditions.append("name = %s")
                params.append(name)
            if email:
                conditions.append("email = %s")
                params.append(email)
            sql = "SELECT * FROM users WHERE " + " AND ".join(conditions)
            cursor.execute(sql, params)
        """,
        # psycopg composition
        """
        from psycopg import sql

        def count(conn, table):
            query = sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
            conn.execute(query)
        """,
        # SQLAlchemy text() with bind parameters, and Core
        """
        from sqlalchemy import select, text

        def load(session, user_id, User):
            session.execute(text("SELECT * FROM users WHERE id = :id"), {"id": user_id})
            session.execute(select(User).where(User.id == user_id))
        """,
        # prose never reaches a sink
        """
        import logging

        def report(cursor, n, table):
            msg = f"Selected {n} rows from {table}"
            logging.info(msg)
            cursor.execute("SELECT 1")
        """,
        # a numeric value cannot change the statement
        """
        def page(cursor, limit: int, offset: int):
            cursor.execute(f"SELECT * FROM logs ORDER BY id LIMIT {limit} OFFSET {offset}")
            cursor.execute("SELECT * FROM logs LIMIT %d" % int(limit))
        """,
        # reassignment to a constant clears the built string
        """
        def reset(cursor, name):
            query = f"DELETE FROM users WHERE name = '{name}'"
            query = "DELETE FROM users WHERE name = %s"
            cursor.execute(query, (name,))
        """,
        # execute on something that is not SQL
        """
        import subprocess

        class Runner:
            def execute(self, cmd):
                return subprocess.run(cmd, shell=False)

            def ls(self, path):
                self.execute(f"ls -la {path}")
        """,
        # loop over a literal list of tables
        """
        def truncate_all(cursor):
            for table in ("sessions", "tokens"):
                cursor.execute(f"DELETE FROM {table} WHERE expired")
        """,
        # built only in a branch that returns
        """
        def fetch(cursor, raw):
            query = "SELECT * FROM t"
            if raw:
                query = f"SELECT * FROM t WHERE x = {raw}"
                return None
            cursor.execute(query)
        """,
        # Django ORM and a parameterised raw()
        """
        def active(User, name):
            User.objects.filter(name=name)
            return User.objects.raw("SELECT * FROM auth_user WHERE name = %s", [name])
        """,
        # separate functions do not leak
        """
        def build(x):
            q = f"SELECT * FROM t WHERE a = {x}"
            return q

        def run(cursor):
            q = "SELECT * FROM t"
            cursor.execute(q)
        """,
        # an identifier checked against an allow-list first
        """
        def ordered(cursor, col):
            if col not in ("name", "created_at"):
                raise ValueError(col)
            cursor.execute(f"SELECT * FROM users ORDER BY {col}")
        """,
        # EXPLAIN of a whole statement
        """
        def cost(cursor, statement):
            cursor.execute(f"EXPLAIN (FORMAT JSON) {statement}")
        """,
        # unpacking a local list of constant tuples
        """
        def backfill(conn):
            tables = [("knowledge", "k"), ("prompt", "p")]
            for table, kind in tables:
                conn.execute(f'UPDATE "{table}" SET kind = %s', (kind,))
        """,
        # a helper of this module that validates its keys and binds its values
        """
        import re

        KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")

        def _where(filters):
            clause, params = "", {}
            for i, (key, value) in enumerate(filters.items()):
                if not KEY.fullmatch(key):
                    raise ValueError(key)
                clause += f" AND meta->>'{key}' = %(v{i})s"
                params[f"v{i}"] = value
            return clause, params

        def search(cursor, filters):
            clause, params = _where(filters)
            cursor.execute(f"SELECT * FROM docs WHERE TRUE{clause}", params)
        """,
        # a name PostgreSQL quoted itself
        """
        def rebuild(conn):
            row = conn.execute(
                "SELECT format('%I.%I', n.nspname, c.relname) FROM pg_class c"
                " JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relname = 'ix_a'"
            ).first()
            if row is not None:
                conn.execute(f"REINDEX INDEX {row[0]}")
        """,
    ]
    INVALID: ClassVar = [
        Invalid(
            """
            def find(cursor, email):
                cursor.execute(f"SELECT id FROM users WHERE email = '{email}'")
            """,
            line=3,
            message="built with an f-string from 'email'",
        ),
        Invalid(
            """
            def find(cursor, user_id):
                query = "SELECT * FROM users WHERE id = " + user_id
                cursor.execute(query)
            """,
            line=4,
            message="'+' concatenation from 'user_id' (line 3)",
        ),
        Invalid(
            """
            def search(cur, x):
                q = "SELECT * FROM items"
                if x:
                    q += f" WHERE a = {x}"
                cur.execute(q)
            """,
            line=6,
            message="f-string from 'x' (line 5)",
        ),
        Invalid(
            """
            def find(cursor, name):
                cursor.execute("SELECT * FROM users WHERE name = '%s'" % (name,))
            """,
            line=3,
            message="'%' formatting from 'name'",
        ),
        Invalid(
            """
            def find(cursor, table, key):
                cursor.executemany("INSERT INTO {} VALUES (%s)".format(table), key)
            """,
            line=3,
            message="str.format() from 'table'",
        ),
        Invalid(
            """
            def select(cursor, columns):
                cursor.execute("SELECT " + ", ".join(columns) + " FROM users")
            """,
            line=3,
            message="str.join() from 'columns'",
        ),
        Invalid(
            """
            from string import Template

            def find(cursor, name):
                sql = Template("SELECT * FROM users WHERE name = '$name'").substitute(name=name)
                cursor.execute(sql)
            """,
            line=6,
            message="string.Template from 'name'",
        ),
        Invalid(
            """
            from sqlalchemy import text

            def find(session, name):
                return session.execute(text(f"SELECT * FROM users WHERE name = '{name}'"))
            """,
            line=5,
            message="SQL passed to text()",
        ),
        Invalid(
            """
            def drop(engine, table):
                with engine.connect() as conn:
                    conn.exec_driver_sql("DROP TABLE " + table)
            """,
            line=4,
            message="exec_driver_sql()",
        ),
        Invalid(
            """
            def by_name(User, name):
                return User.objects.raw(f"SELECT * FROM auth_user WHERE name = '{name}'")
            """,
            line=3,
            message="User.objects.raw()",
        ),
        Invalid(
            """
            def ordered(qs, col):
                return qs.extra(where=[f"{col} > 0"])
            """,
            line=3,
            message="from 'col'",
        ),
        Invalid(
            """
            from django.db.models.expressions import RawSQL

            def annotate(qs, field):
                return qs.annotate(val=RawSQL("SELECT %s FROM t" % field, ()))
            """,
            line=5,
            message="RawSQL()",
        ),
        Invalid(
            """
            from django.db import connection

            def delete(pk):
                with connection.cursor() as cursor:
                    cursor.execute("DELETE FROM app_item WHERE id = " + str(pk))
            """,
            line=6,
            message="from 'pk'",
        ),
        Invalid(
            """
            async def get(pool, email):
                async with pool.acquire() as conn:
                    return await conn.fetchrow(f"SELECT * FROM users WHERE email = '{email}'")
            """,
            line=4,
            message="conn.fetchrow()",
        ),
        Invalid(
            """
            async def get(database, email):
                return await database.fetch_all(query=f"SELECT * FROM users WHERE email = '{email}'")
            """,
            line=3,
            message="database.fetch_all()",
        ),
        Invalid(
            """
            from psycopg2 import sql

            def count(conn, table):
                conn.cursor().execute(sql.SQL(f"SELECT count(*) FROM {table}"))
            """,
            line=5,
            message="sql.SQL()",
        ),
        Invalid(
            """
            import pandas as pd

            def frame(engine, day):
                return pd.read_sql("SELECT * FROM events WHERE day = '%s'" % day, engine)
            """,
            line=5,
            message="pd.read_sql()",
        ),
        Invalid(
            """
            import sqlite3

            def run(script):
                conn = sqlite3.connect("app.db")
                conn.executescript("BEGIN; " + script + "; COMMIT;")
            """,
            line=6,
            message="from 'script'",
        ),
        Invalid(
            """
            def run(db, name):
                db.run_sql(f"SELECT * FROM users WHERE name = '{name}'")
            """,
            line=3,
            message="db.run_sql()",
            options={"extra-sinks": ["run_sql"]},
        ),
    ]

    def __init__(self, ctx: FileContext, options: SqlStringBuildingOptions) -> None:
        super().__init__(ctx, options)
        self._scopes: list[dict[str, _V]] = [{}]
        self._comp: list[dict[str, _V]] = []
        self._frames: list[_Frame] = []
        self._class_consts: dict[int, dict[str, _V]] = {}
        extra = options.extra_sinks
        self._extra_names = frozenset(s for s in extra if "." not in s)
        self._extra_qualified = frozenset(s for s in extra if "." in s)
        self._consts: dict[str, _V] = {}
        # Module-level names bound once to re.compile("<pattern>") and to ContextVar(...).
        self._patterns: dict[str, str] = {}
        self._ctxvar_names: set[str] = set()
        self._shared = _Shared()
        # The functions being walked, innermost last, with the depth of their scope.
        self._funcs: list[tuple[cst.FunctionDef, int]] = []
        # A walk run on behalf of another one (to confirm a finding, to summarise what a function
        # returns, or to see the arguments of a call) reports nothing and follows calls into the
        # functions of this module ("precise"); the file's own walk does not.
        self._sub = False
        self._precise = False
        self._cls: cst.ClassDef | None = None
        self._reported: set[int] = set()
        self._values: dict[int, _V] = {}  # a precise walk's value at each sink it reported
        self._precise_value: _V | None = None
        self._watch: frozenset[int] = frozenset()
        self._watched: dict[int, list[tuple[str | None, str, _V]]] = {}
        self._returns: _V | None = None
        self._return_depth = -1
        self._depth = 0
        self._scan_module_constants()

    # -- module and class constants ------------------------------------------------------------
    def _scan_module_constants(self) -> None:
        counts: dict[str, int] = {}
        values: dict[str, cst.BaseExpression] = {}
        order: list[str] = []
        for small in iter_statements(self.ctx.module):
            if isinstance(small, cst.Assign):
                targets = [t.target for t in small.targets]
                value: cst.BaseExpression | None = small.value
            elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                targets = [small.target]
                value = small.value if isinstance(small, cst.AnnAssign) else None
            else:
                continue
            for target in targets:
                for name in _target_names(target):
                    counts[name] = counts.get(name, 0) + 1
                    if isinstance(target, cst.Name) and value is not None:
                        values[name] = value
                        order.append(name)
        for name in order:
            if counts[name] != 1:
                continue
            value = values[name]
            if isinstance(value, cst.Call):
                qualified = self.ctx.names.qualify(value.func)
                if qualified == "re.compile" and value.args:
                    pattern = self._eval(value.args[0].value)
                    if pattern.kind == CONST and pattern.known and pattern.is_str:
                        self._patterns[name] = pattern.text
                elif qualified == "contextvars.ContextVar":
                    self._ctxvar_names.add(name)
                continue
            v = self._eval(value)
            if v.kind == CONST or v.kind == TEMPLATE or (v.kind == SEQ and not _is_nonconst(v)):
                self._consts[name] = v

    def _current_class(self) -> cst.ClassDef | None:
        if self._sub:
            return self._cls
        return self.ctx.classes[-1] if self.ctx.classes else None

    def _class_constant(self, attr: str) -> _V | None:
        cls = self._current_class()
        if cls is None:
            return None
        table = self._class_consts.get(id(cls))
        if table is None:
            self._class_consts[id(cls)] = {}  # a reference to self.x inside the scan: unknown
            table = self._class_consts[id(cls)] = self._scan_class(cls)
        return table.get(attr)

    def _scan_class(self, cls: cst.ClassDef) -> dict[str, _V]:
        """Attributes that hold constants: assigned a literal in the class body, or only ever
        assigned (through `self`) constants, numbers (`self.size = int(size)`), or values checked
        against an allow-list right after (`if self.mode not in ("a", "b"): raise ...`)."""
        found: dict[str, _V] = {}
        reassigned: set[str] = set()
        in_methods: dict[str, _V | None] = {}  # None: assigned something else
        body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ()
        for stmt in body:
            if isinstance(stmt, cst.SimpleStatementLine):
                for small in stmt.body:
                    if isinstance(small, cst.Assign) and len(small.targets) == 1:
                        target = small.targets[0].target
                        value: cst.BaseExpression | None = small.value
                    elif isinstance(small, cst.AnnAssign) and small.value is not None:
                        target, value = small.target, small.value
                    else:
                        continue
                    if isinstance(target, cst.Name) and value is not None:
                        if target.value in found:
                            reassigned.add(target.value)
                        v = self._eval_in_scope(value)
                        if v.kind == CONST:
                            found[target.value] = v
            elif isinstance(stmt, cst.FunctionDef):
                for attr, v in self._self_assignments(stmt.body):
                    if attr in in_methods:
                        old = in_methods[attr]
                        in_methods[attr] = None if old is None or v is None else _merge(old, v)
                    else:
                        in_methods[attr] = v
        for attr, v in in_methods.items():
            if v is None or v.kind != CONST or attr in reassigned:
                found.pop(attr, None)
            elif attr in found:
                found[attr] = _merge(found[attr], v)
            else:
                found[attr] = v
        return {k: v for k, v in found.items() if k not in reassigned}

    def _self_assignments(self, block: cst.BaseSuite) -> list[tuple[str, _V | None]]:
        """`self.x = ...` in a method (nested blocks and functions included): what each one
        assigns when that is a constant, a number or a value validated right after; else None."""
        out: list[tuple[str, _V | None]] = []
        body = block.body if isinstance(block, cst.IndentedBlock) else [block]
        for index, stmt in enumerate(body):
            if isinstance(stmt, (cst.SimpleStatementLine, cst.SimpleStatementSuite)):
                smalls = stmt.body
            else:
                smalls = ()
                if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
                    out.extend(self._self_assignments(stmt.body))
                elif isinstance(stmt, cst.BaseCompoundStatement):
                    for inner in blocks(stmt):
                        if isinstance(inner, cst.If):
                            out.extend(self._self_assignments(inner.body))
                        else:
                            out.extend(self._self_assignments(inner))
            for small in smalls:
                targets: list[cst.BaseExpression] = []
                value: cst.BaseExpression | None = None
                if isinstance(small, cst.Assign):
                    targets = [t.target for t in small.targets]
                    value = small.value
                elif isinstance(small, cst.AnnAssign):
                    targets = [small.target]
                    value = small.value
                elif isinstance(small, cst.AugAssign):
                    targets = [small.target]
                for t in targets:
                    for el in _attribute_targets(t):
                        attr = el.attr.value
                        v: _V | None = None
                        if el is t and value is not None:
                            v = self._eval_in_scope(value)
                            if v.kind != CONST:
                                v = self._validated_after(body[index + 1:], _key(el))
                        out.append((attr, v))
        return out

    def _validated_after(self, rest: Sequence[cst.BaseStatement], key: str | None) -> _V | None:
        """The value `key` is proven to hold by an `if <not valid>: raise` guard that follows
        its assignment in the same block, with only assignments and other guards between."""
        if key is None:
            return None
        for stmt in rest:
            if isinstance(stmt, cst.If) and stmt.orelse is None and _terminates(stmt.body):
                for k, v in self._validations(stmt.test, positive=False):
                    if k == key:
                        return v
            elif not (
                isinstance(stmt, cst.SimpleStatementLine)
                and all(isinstance(s, (cst.Assign, cst.AnnAssign)) for s in stmt.body)
            ):
                return None
        return None

    def _validations(self, test: cst.BaseExpression, *, positive: bool) -> list[tuple[str, _V]]:
        """What `test` proves when it is true (positive) or false: (name or `self.x`, value)
        pairs for membership in a collection of constants (`x in ALLOWED`), equality with a
        constant, a full match of a regular expression that admits no quote or space
        (`NAME_RE.fullmatch(x)`), `x.isidentifier()`/`isalnum()`/`isdigit()` and
        `isinstance(x, int)`."""
        if isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not):
            return self._validations(test.expression, positive=not positive)
        if isinstance(test, cst.BooleanOperation):
            # `a and b` true, or `a or b` false: both parts hold
            if positive == isinstance(test.operator, cst.And):
                return [
                    *self._validations(test.left, positive=positive),
                    *self._validations(test.right, positive=positive),
                ]
            return []
        if isinstance(test, cst.Comparison) and len(test.comparisons) == 1:
            key = _key(test.left)
            if key is None:
                return []
            target = test.comparisons[0]
            op = target.operator
            if isinstance(op, cst.In if positive else cst.NotIn):
                allowed = self._allowed(target.comparator)
                return [(key, allowed)] if allowed is not None else []
            if isinstance(op, cst.Equal if positive else cst.NotEqual):
                v = self._eval(target.comparator)
                return [(key, v)] if v.kind == CONST else []
            return []
        if positive and isinstance(test, cst.Call):
            return self._validator_call(test)
        return []

    def _allowed(self, collection: cst.BaseExpression) -> _V | None:
        """What a member of `collection` holds when it is a collection of constants."""
        v = self._eval(collection)
        if v.kind == SEQ and not _is_nonconst(v):
            return v.elem if v.elem is not None and v.elem.kind == CONST else _OPAQUE_CONST
        if v.kind == CONST:
            return _OPAQUE_CONST  # a dict of constants, a constant by convention
        return None

    def _validator_call(self, call: cst.Call) -> list[tuple[str, _V]]:
        func = call.func
        if isinstance(func, cst.Attribute):
            attr = func.attr.value
            if attr in _STR_VALIDATORS and not call.args:
                key = _key(func.value)
                return [(key, _OPAQUE_CONST)] if key is not None else []
            if attr in ("fullmatch", "match") and call.args:
                pattern: str | None = None
                subject = call.args[0].value
                if self.ctx.names.qualify(func) in ("re.fullmatch", "re.match"):
                    if len(call.args) < 2:
                        return []
                    v = self._eval(call.args[0].value)
                    if v.kind == CONST and v.known and v.is_str:
                        pattern = v.text
                    subject = call.args[1].value
                elif isinstance(func.value, cst.Name) and not self._is_bound(func.value.value):
                    pattern = self._patterns.get(func.value.value)
                key = _key(subject)
                full = attr == "fullmatch"
                if pattern is not None and key is not None and _safe_pattern(pattern, full):
                    return [(key, _OPAQUE_CONST)]
            return []
        if isinstance(func, cst.Name) and func.value == "isinstance" and len(call.args) == 2:
            key = _key(call.args[0].value)
            types = call.args[1].value
            names = (
                [dotted(el.value) for el in types.elements]
                if isinstance(types, cst.Tuple)
                else [dotted(types)]
            )
            if key is not None and names and all(
                n is not None and n.rsplit(".", 1)[-1] in _NUMERIC_TYPES for n in names
            ):
                return [(key, _NUMBER)]
        return []

    def _eval_in_scope(self, expr: cst.BaseExpression) -> _V:
        """Evaluate with module constants only (for class bodies scanned from a method)."""
        saved_scopes, saved_comp = self._scopes, self._comp
        self._scopes, self._comp = [{}], []
        try:
            return self._eval(expr)
        finally:
            self._scopes, self._comp = saved_scopes, saved_comp

    # -- scopes and branches ---------------------------------------------------------------------
    def _param_scope(self, node: cst.FunctionDef) -> dict[str, _V]:
        scope: dict[str, _V] = {}
        params = node.params
        for p in (*params.posonly_params, *params.params, *params.kwonly_params):
            name = p.name.value
            if _safe_annotation(p.annotation):
                scope[name] = _NUMBER
            elif name in self._consts or _UPPER_NAME.fullmatch(name):
                scope[name] = _UNKNOWN_V
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param) and (
                star.name.value in self._consts or _UPPER_NAME.fullmatch(star.name.value)
            ):
                scope[star.name.value] = _UNKNOWN_V
        return scope

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._scopes.append(self._param_scope(node))
        self._funcs.append((node, len(self._scopes)))

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self._scopes.pop()
        self._funcs.pop()
        if len(self._scopes) > 1:  # a function defined in a function: followed into when called
            self._scopes[-1][node.name.value] = _V(FUNC, fn=node)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self._scopes.append({})

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self._scopes.pop()

    def _push_frame(self, blocks: set[int], loop: bool) -> None:
        depth = len(self._scopes) - 1
        self._frames.append(_Frame(depth, dict(self._scopes[depth]), blocks, loop))

    def visit_If(self, node: cst.If) -> None:
        blocks = {id(node.body)}
        if isinstance(node.orelse, cst.Else):
            blocks.add(id(node.orelse.body))
        self._push_frame(blocks, loop=False)
        # `if table in ALLOWED:` — the body sees a value from the allow-list
        for key, v in self._validations(node.test, positive=True):
            if "." not in key:
                self._scopes[-1][key] = v

    def leave_If(self, node: cst.If) -> None:
        frame = self._frames.pop()
        states = list(frame.outs)
        if not isinstance(node.orelse, cst.Else):
            states.append(self._scopes[frame.depth])
        self._scopes[frame.depth] = _join_states(states) if states else dict(frame.snapshot)
        if node.orelse is None and _terminates(node.body):
            # `if table not in ALLOWED: raise ...` — what follows sees a validated value
            for key, v in self._validations(node.test, positive=False):
                if "." not in key:
                    self._scopes[frame.depth][key] = v

    def visit_Match(self, node: cst.Match) -> None:
        self._push_frame({id(case.body) for case in node.cases}, loop=False)

    def leave_Match(self, node: cst.Match) -> None:
        frame = self._frames.pop()
        self._scopes[frame.depth] = _join_states([*frame.outs, self._scopes[frame.depth]])

    def visit_For(self, node: cst.For) -> None:
        self._bind_loop_target(node.target, node.iter)
        self._push_frame({id(node.body)}, loop=True)

    def leave_For(self, node: cst.For) -> None:
        self._frames.pop()

    def visit_While(self, node: cst.While) -> None:
        self._push_frame({id(node.body)}, loop=True)

    def leave_While(self, node: cst.While) -> None:
        self._frames.pop()

    def visit_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._push_frame({id(node.body)}, loop=True)
        if node.name is not None and isinstance(node.name.name, cst.Name):
            self._bind(node.name.name.value, _UNKNOWN_V)

    def leave_ExceptHandler(self, node: cst.ExceptHandler) -> None:
        self._frames.pop()

    def visit_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        self._push_frame({id(node.body)}, loop=True)

    def leave_ExceptStarHandler(self, node: cst.ExceptStarHandler) -> None:
        self._frames.pop()

    def leave_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        self._block_end(node)

    def leave_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self._block_end(node)

    def _block_end(self, block: cst.BaseSuite) -> None:
        if not self._frames or id(block) not in self._frames[-1].blocks:
            return
        frame = self._frames[-1]
        current = self._scopes[frame.depth]
        if frame.loop:  # the body may not run at all
            self._scopes[frame.depth] = _join_states([current, frame.snapshot])
            return
        if not _terminates(block):
            frame.outs.append(current)
        self._scopes[frame.depth] = dict(frame.snapshot)

    # -- bindings --------------------------------------------------------------------------------
    def _bind(self, name: str, v: _V) -> None:
        scope = self._scopes[-1]
        if v.kind == UNKNOWN and v.keys is None:
            if name in scope or name in self._consts or _UPPER_NAME.fullmatch(name):
                scope[name] = _UNKNOWN_V
            return
        scope[name] = v

    def _bind_target(self, target: cst.BaseExpression, value: cst.BaseExpression) -> None:
        if isinstance(target, cst.Name):
            self._bind(target.value, self._eval(value))
        elif isinstance(target, (cst.Tuple, cst.List)):
            self._bind_value(target, self._eval(value))

    def _bind_value(self, target: cst.BaseExpression, v: _V) -> None:
        if isinstance(target, cst.Name):
            self._bind(target.value, v)
        elif isinstance(target, (cst.Tuple, cst.List)):
            elements = target.elements
            if (
                v.kind == SEQ
                and v.items is not None
                and len(v.items) == len(elements)
                and not any(isinstance(e, cst.StarredElement) for e in elements)
            ):
                for t, item in zip(elements, v.items):
                    self._bind_value(t.value, item)
            else:
                for name in _target_names(target):
                    self._bind(name, _UNKNOWN_V)

    def leave_Assign(self, node: cst.Assign) -> None:
        for target in node.targets:
            self._bind_target(target.target, node.value)

    def leave_AnnAssign(self, node: cst.AnnAssign) -> None:
        if node.value is not None:
            self._bind_target(node.target, node.value)

    def leave_NamedExpr(self, node: cst.NamedExpr) -> None:
        self._bind_target(node.target, node.value)

    def leave_AugAssign(self, node: cst.AugAssign) -> None:
        target = node.target
        if not isinstance(target, cst.Name):
            return
        old = self._lookup(target)
        op = node.operator
        if isinstance(op, cst.AddAssign):
            right = self._eval(node.value)
            if old.kind == SEQ or right.kind == SEQ:
                base = old.elem if old.kind == SEQ else _unknown(target)
                added = right.elem if right.kind == SEQ else _unknown(node.value)
                new = _V(SEQ, elem=_union(base, added), node=old.node or target)
            else:
                if not (old.is_str and old.kind != UNKNOWN) and not right.is_str:
                    new = _NUMBER if old.kind == right.kind == CONST else _UNKNOWN_V
                elif right.kind == UNKNOWN and old.kind == UNKNOWN:
                    new = _UNKNOWN_V
                else:
                    new = _combine([old, right], _FORMS["augadd"], node)
        elif isinstance(op, cst.ModuloAssign) and old.kind in (CONST, BUILT) and old.is_str:
            new = self._percent(node, old, node.value)
        else:
            right = self._eval(node.value)
            both_const = old.kind == CONST and right.kind == CONST
            new = _NUMBER if both_const and not old.is_str else _UNKNOWN_V
        self._bind(target.value, new)

    def _bind_loop_target(self, target: cst.BaseExpression, iterable: cst.BaseExpression) -> None:
        for name, value in self._iteration(target, iterable):
            self._bind(name, value)

    def _iteration(
        self, target: cst.BaseExpression, iterable: cst.BaseExpression
    ) -> list[tuple[str, _V]]:
        """What loop variables hold: numbers over range() and enumerate() counters, the elements
        of a sequence whose elements are known (constants, or strings built here), else unknown."""
        names = _target_names(target)
        if not names:
            return []
        if isinstance(iterable, cst.Call) and iterable.args:
            func = iterable.func
            fname = func.value if isinstance(func, cst.Name) else ""
            if fname == "range":
                return [(name, _NUMBER) for name in names]
            if fname == "enumerate" and isinstance(target, cst.Tuple) and len(target.elements) == 2:
                first, second = (e.value for e in target.elements)
                pairs = [(n, _NUMBER) for n in _target_names(first)]
                value = _loop_value(second, self._elements(iterable.args[0].value))
                return pairs + [(n, value) for n in _target_names(second)]
        if (
            isinstance(iterable, cst.Call)
            and not iterable.args
            and isinstance(iterable.func, cst.Attribute)
            and iterable.func.attr.value in ("items", "keys", "values")
        ):
            mapping = self._eval(iterable.func.value)
            if iterable.func.attr.value == "keys":
                value = mapping.keys or _UNKNOWN_V
            else:  # a constant dict
                value = mapping if mapping.kind == CONST else _UNKNOWN_V
            return [(name, value) for name in names]
        positional = self._unpacked(target, iterable)
        if positional is not None:
            return positional
        value = _loop_value(target, self._elements(iterable))
        return [(name, value) for name in names]

    def _unpacked(self, target: cst.BaseExpression, iterable: cst.BaseExpression
                  ) -> list[tuple[str, _V]] | None:
        """`for role, check in [("ADMIN", f), ("OPS", g)]`: each name gets what its position
        holds in every tuple written out (`role` is a constant even though `check` is not)."""
        if not isinstance(target, (cst.Tuple, cst.List)):
            return None
        width = len(target.elements)
        rows = self._eval(iterable).items
        if not rows or any(r.kind != SEQ or r.items is None or len(r.items) != width
                           for r in rows):
            return None
        found: list[tuple[str, _V]] = []
        for index, element in enumerate(target.elements):
            column: _V | None = None
            for row in rows:
                column = _union(column, row.items[index])  # type: ignore[index]
            value = column if column is not None and column.kind in (CONST, BUILT) else _UNKNOWN_V
            found += [(name, value) for name in _target_names(element.value)]
        return found

    def _push_comprehension(self, comp: cst.CompFor | None) -> None:
        scope: dict[str, _V] = {}
        self._comp.append(scope)
        while comp is not None:
            for name, value in self._iteration(comp.target, comp.iter):
                scope[name] = value
            comp = comp.inner_for_in

    def _enter_comprehension(self, node: cst.ListComp | cst.SetComp | cst.GeneratorExp
                             | cst.DictComp) -> None:
        self._push_comprehension(node.for_in)

    def _leave_comprehension(self, node: cst.CSTNode) -> None:
        self._comp.pop()

    visit_ListComp = visit_SetComp = visit_GeneratorExp = visit_DictComp = _enter_comprehension
    leave_ListComp = leave_SetComp = leave_GeneratorExp = leave_DictComp = _leave_comprehension

    # -- evaluation ------------------------------------------------------------------------------
    def _lookup(self, node: cst.Name) -> _V:
        name = node.value
        for comp in reversed(self._comp):
            if name in comp:
                v = comp[name]
                return _unknown(node) if v.kind == UNKNOWN else v
        v = self._scopes[-1].get(name)
        if v is None and self._funcs and name not in self._shared.local_names(self._funcs[-1][0]):
            # a free variable of a closure: a constant of an enclosing function counts
            for scope in reversed(self._scopes[:-1]):
                outer = scope.get(name)
                if outer is not None:
                    v = outer if outer.kind == CONST else None
                    break
        if v is not None:
            if v.kind == UNKNOWN:
                return _unknown(node) if v.keys is None else _V(UNKNOWN, node=node, keys=v.keys)
            if v.kind == SEQ and v.node is None:
                return _V(SEQ, elem=v.elem, node=node, items=v.items)
            if v.kind in (FUNC, ROW):
                return _V(v.kind, v.text, node=node, fn=v.fn)
            return v
        v = self._consts.get(name)
        if v is not None:
            return v
        if name in ("None", "True", "False"):
            return _NUMBER
        if _UPPER_NAME.fullmatch(name):
            return _hinted_const(name)
        return _unknown(node)

    def _elements(self, expr: cst.BaseExpression) -> _V:
        """Summary of the elements an iterable yields (CONST "" for an empty one)."""
        v = self._eval(expr)
        if v.keys is not None:  # iterating a dict yields its keys
            return v.keys
        if v.kind == SEQ:
            if v.elem is None:
                return _V(CONST, "")
            if v.elem.kind == UNKNOWN and v.elem.node is None:
                return _unknown(expr)
            return v.elem
        if v.kind == UNKNOWN:
            return _unknown(v.node or expr)
        return v

    def _eval(self, e: cst.BaseExpression) -> _V:
        t = type(e)
        if t is cst.SimpleString:
            return _V(CONST, e.raw_value)  # type: ignore[attr-defined]
        if t is cst.Name:
            return self._lookup(e)  # type: ignore[arg-type]
        if t is cst.FormattedString:
            return self._fstring(e)  # type: ignore[arg-type]
        if t is cst.ConcatenatedString:
            # "a" "b" "c": flattened without recursing once per part (generated modules hold
            # thousands of parts)
            parts: list[cst.BaseExpression] = []
            stack: list[cst.BaseExpression] = [e]
            while stack:
                node = stack.pop()
                if type(node) is cst.ConcatenatedString:
                    stack.append(node.right)  # type: ignore[attr-defined]
                    stack.append(node.left)  # type: ignore[attr-defined]
                else:
                    parts.append(node)
            return _combine([self._eval(x) for x in parts], _FORMS["fstring"], e)
        if t is cst.BinaryOperation:
            return self._binary(e)  # type: ignore[arg-type]
        if t is cst.Call:
            return self._call(e)  # type: ignore[arg-type]
        if t is cst.Attribute:
            return self._attribute(e)  # type: ignore[arg-type]
        if t is cst.Integer or t is cst.Float or t is cst.Imaginary:
            return _NUMBER
        if t is cst.IfExp:
            return _merge(self._eval(e.body), self._eval(e.orelse))  # type: ignore[attr-defined]
        if t is cst.Await:
            return self._eval(e.expression)  # type: ignore[attr-defined]
        if t is cst.List or t is cst.Tuple or t is cst.Set:
            elem: _V | None = None
            items: list[_V] | None = [] if t is not cst.Set else None
            for el in e.elements:  # type: ignore[attr-defined]
                if isinstance(el, cst.StarredElement):
                    part = self._elements(el.value)
                    items = None
                else:
                    part = self._eval(el.value)
                    if items is not None:
                        items.append(part)
                elem = _union(elem, part)
            return _V(SEQ, elem=elem, node=e, items=tuple(items) if items is not None else None)
        if t is cst.ListComp or t is cst.GeneratorExp or t is cst.SetComp:
            return self._comprehension(e)  # type: ignore[arg-type]
        if t is cst.Dict:
            elem = keys = None
            for el in e.elements:  # type: ignore[attr-defined]
                if isinstance(el, cst.DictElement):
                    elem = _union(elem, self._eval(el.value))
                    keys = _union(keys, self._eval(el.key))
                else:
                    elem = _union(elem, _unknown(el.value))
                    keys = _union(keys, _unknown(el.value))
            if elem is None or elem.kind == CONST:
                return _V(CONST, elem.text if elem else "", keys=keys)
            return _V(UNKNOWN, node=e, keys=keys)
        if t is cst.Subscript:
            base = self._eval(e.value)  # type: ignore[attr-defined]
            if base.kind == CONST:
                return base if base.is_str else _OPAQUE_CONST
            if base.kind == ROW:
                index = _integer_index(e)  # type: ignore[arg-type]
                if index is not None and _column_is_quoted(base.text, index):
                    return _OPAQUE_CONST
                return _unknown(e)
            if base.kind == SEQ and base.elem is not None and base.elem.kind == CONST:
                return base.elem
            return _unknown(e)
        if t is cst.BooleanOperation:
            return _merge(self._eval(e.left), self._eval(e.right))  # type: ignore[attr-defined]
        if t is cst.Comparison:
            return _NUMBER
        if t is cst.UnaryOperation:
            inner = self._eval(e.expression)  # type: ignore[attr-defined]
            return _NUMBER if inner.kind == CONST else _unknown(e)
        return _unknown(e)

    def _fstring(self, e: cst.FormattedString) -> _V:
        parts: list[_V] = []
        for part in e.parts:
            if isinstance(part, cst.FormattedStringText):
                parts.append(_V(CONST, part.value))
                continue
            assert isinstance(part, cst.FormattedStringExpression)
            if part.format_spec and _numeric_spec(part.format_spec) and part.conversion is None:
                parts.append(_V(CONST, "{}"))
                continue
            v = self._eval(part.expression)
            parts.append(v if v.kind != CONST or v.is_str else _V(CONST, "0"))
        return _combine(parts, _FORMS["fstring"], e)

    def _binary(self, e: cst.BinaryOperation) -> _V:
        op = e.operator
        if isinstance(op, cst.BitAnd):
            # names & ALLOWED: an intersection holds only what the constant side holds
            left, right = self._eval(e.left), self._eval(e.right)
            if left is _NUMBER and right is _NUMBER:
                return _NUMBER
            for side in (left, right):
                if side.kind == CONST and side is not _NUMBER:
                    return _V(SEQ, elem=_OPAQUE_CONST, node=e)
                if side.kind == SEQ and not _is_nonconst(side):
                    return _V(SEQ, elem=side.elem, node=e)
            return _unknown(e)
        if isinstance(op, cst.Add):
            # flatten a + b + c (left-nested) without recursing once per term
            operands: list[cst.BaseExpression] = []
            node: cst.BaseExpression = e
            while isinstance(node, cst.BinaryOperation) and isinstance(node.operator, cst.Add):
                operands.append(node.right)
                node = node.left
            operands.append(node)
            operands.reverse()
            values = [self._eval(x) for x in operands]
            if not any(v.is_str and v.kind in (CONST, BUILT) for v in values):
                if all(v.kind == CONST for v in values):
                    return _NUMBER
                if any(v.kind == SEQ for v in values):
                    elem: _V | None = None
                    for v in values:
                        elem = _union(elem, v.elem if v.kind == SEQ else _unknown(v.node))
                    return _V(SEQ, elem=elem, node=e)
                return _unknown(e)
            return _combine(values, _FORMS["add"], e)
        if isinstance(op, cst.Modulo):
            left = self._eval(e.left)
            if left.kind in (CONST, BUILT) and left.is_str:
                return self._percent(e, left, e.right)
            right = self._eval(e.right)
            return _NUMBER if left.kind == CONST and right.kind == CONST else _unknown(e)
        left = self._eval(e.left)
        right = self._eval(e.right)
        if isinstance(op, cst.Multiply):
            for a in (left, right):
                if a.kind == CONST and a.is_str:
                    return a  # "?" * n
                if a.kind == SEQ:
                    return a  # ["%s"] * n
        if left.kind == CONST and right.kind == CONST:
            return _NUMBER
        if (left is _NUMBER or right is _NUMBER) and not isinstance(op, (cst.BitOr, cst.BitAnd)):
            return _NUMBER  # arithmetic with a number yields a number (seconds * 1000)
        return _unknown(e)

    def _percent(self, node: cst.CSTNode, left: _V, right: cst.BaseExpression) -> _V:
        if left.kind == BUILT:
            return left
        form = _FORMS["percent"]
        if left.known:
            convs = [
                (m.group("key"), m.group("type"))
                for m in _PERCENT.finditer(left.text)
                if m.group("type") != "%"
            ]
            if not any(t in "rsa" for _, t in convs):
                return left  # only numeric conversions, or none
            exprs: list[cst.BaseExpression]
            if (
                isinstance(right, cst.Tuple)
                and len(right.elements) == len(convs)
                and not any(isinstance(el, cst.StarredElement) for el in right.elements)
            ):
                exprs = [el.value for el, (_, t) in zip(right.elements, convs) if t in "rsa"]
            elif isinstance(right, cst.Dict) and all(k for k, _ in convs):
                mapping = {
                    el.key.raw_value: el.value
                    for el in right.elements
                    if isinstance(el, cst.DictElement) and isinstance(el.key, cst.SimpleString)
                }
                exprs = [mapping[k] for k, t in convs if t in "rsa" and k in mapping]
                if len(mapping) != len(right.elements):
                    exprs.append(right)
            else:
                exprs = [right]
        else:
            exprs = [right]
        for x in exprs:
            v = self._eval(x)
            if v.kind == BUILT:
                return v.retext(left.text + v.text)
            if _is_nonconst(v):
                entered = v.node or x
                if v.kind == SEQ and v.elem is not None and v.elem.node is not None:
                    entered = v.elem.node
                return _V(BUILT, left.text, form=form, node=node, entered=entered)
        return _V(CONST, left.text, known=left.known)

    def _attribute(self, e: cst.Attribute) -> _V:
        attr = e.attr.value
        if _UPPER_NAME.fullmatch(attr):
            return _hinted_const(attr)
        if _AMOUNT_ATTR.search(attr):
            return _NUMBER  # thresholds.lookback_days, self._window_days: settings in units
        if attr in _TABLE_NAME_ATTRS:
            return _OPAQUE_CONST
        value = e.value
        if (
            attr in _ORM_COLUMN_ATTRS
            and isinstance(value, cst.Name)
            and value.value in self._orm_attribute_names()
        ):
            return _OPAQUE_CONST  # column.key of an ORM attribute (`column.class_` is its model)
        if (
            attr in _ORM_COLUMN_ATTRS
            and isinstance(value, cst.Attribute)
            and isinstance(value.value, cst.Name)
            and value.value.value[:1].isupper()
        ):
            return _OPAQUE_CONST  # Model.column.name: a name the model's author wrote
        if (
            attr in ("value", "name")
            and isinstance(value, cst.Attribute)
            and _UPPER_NAME.fullmatch(value.attr.value)
        ):
            return _OPAQUE_CONST  # Status.ACTIVE.value
        if isinstance(value, cst.Name) and value.value in ("self", "cls"):
            v = self._class_constant(attr)
            if v is not None:
                return v
        return _unknown(e)

    def _comprehension(self, e: cst.ListComp | cst.GeneratorExp | cst.SetComp) -> _V:
        self._push_comprehension(e.for_in)
        try:
            elem = self._eval(e.elt)
        finally:
            self._comp.pop()
        return _V(SEQ, elem=elem, node=e)

    def _call(self, e: cst.Call) -> _V:
        func = e.func
        if isinstance(func, cst.Attribute):
            attr = func.attr.value
            if attr in ("format", "format_map"):
                return self._format(e, self._eval(func.value))
            if attr == "join":
                sep = self._eval(func.value)
                if sep.kind != CONST or not sep.is_str or not e.args:
                    return _unknown(e)
                elem = self._elements(e.args[0].value)
                if elem.kind == CONST:
                    return _V(CONST, elem.text, known=elem.known)
                if elem.kind == BUILT:
                    return elem
                return _V(BUILT, "{}", form=_FORMS["join"], node=e, entered=elem.node or e.args[0].value)
            if attr in ("substitute", "safe_substitute"):
                return self._substitute(e, self._eval(func.value))
            if attr in _STR_METHODS:
                recv = self._eval(func.value)
                return recv if recv.kind in (CONST, BUILT) and recv.is_str else _unknown(e)
            if attr == "replace":
                if e.args and _escapes_quotes(e.args[0].value):
                    return _OPAQUE_CONST  # value.replace("'", "''"): escaped by hand
                recv = self._eval(func.value)
                if recv.kind == BUILT:
                    return recv
                if recv.kind != CONST or not recv.is_str:
                    return _unknown(e)
                for arg in e.args[1:2]:
                    v = self._eval(arg.value)
                    if v.kind == BUILT:
                        return v.retext(recv.text)
                    if _is_nonconst(v):
                        return _V(BUILT, recv.text, form=_FORMS["replace"], node=e, entered=v.node or arg.value)
                return recv
            if attr in _SANITIZERS or attr in _QUOTERS and _is_preparer(func.value):
                return _OPAQUE_CONST
            if _SANITIZER_NAME.search(attr) and not (
                isinstance(func.value, cst.Name) and func.value.value in ("self", "cls")
            ):
                return _OPAQUE_CONST  # sql_safety.quote_identifier(name)
            if attr in _NUMERIC_METHODS and self.ctx.names.qualify(func.value) == "math":
                return _NUMBER
            if attr in ("dedent", "cleandoc") and e.args:
                return self._eval(e.args[0].value)
            if attr == "Template" and self.ctx.names.qualify(func) == "string.Template":
                return self._template(e)
            receiver = func.value
            if (
                attr == "get"
                and not e.args
                and isinstance(receiver, cst.Name)
                and receiver.value in self._ctxvar_names
                and not self._is_bound(receiver.value)
            ):
                return self._context_var(receiver.value, e)
            if attr == "keys" and not e.args:
                keys = self._eval(receiver).keys
                return _unknown(e) if keys is None else _V(SEQ, elem=keys, node=e)
            if attr in _ROW_METHODS and not e.args:
                row = self._fetched_row(receiver)
                if row is not None:
                    if attr == "scalar":
                        return _OPAQUE_CONST if _column_is_quoted(row, 0) else _unknown(e)
                    return _V(ROW, row, node=e)
            if (
                self._precise
                and isinstance(receiver, cst.Name)
                and receiver.value in ("self", "cls")
            ):
                cls = self._current_class()
                method = self._shared.index(self.ctx.module).method(cls, attr)
                if method is not None:
                    return self._summary(method, e, cls, bound_self=True)
            return _unknown(e)
        if isinstance(func, cst.Name):
            name = func.value
            if name in _NUMERIC_CALLS:
                return _NUMBER
            if name in ("max", "min") and any(self._eval(a.value) is _NUMBER for a in e.args):
                return _NUMBER
            if name == "str" and len(e.args) == 1:
                v = self._eval(e.args[0].value)
                if v.kind == CONST:
                    return _V(CONST, v.text, known=v.known)
                return v if v.kind == BUILT else _unknown(v.node or e)
            if name in _SANITIZERS or (
                _SANITIZER_NAME.search(name) and name not in self._shared.index(self.ctx.module).defs
            ):
                return _OPAQUE_CONST  # escape_string_literal(x) from a SQL-safety module
            if name in _COPIES and len(e.args) == 1 and not e.args[0].star:
                # list(d.keys()), sorted(names): the same elements, a dict's keys
                v = self._eval(e.args[0].value)
                if v.keys is not None:
                    return _V(SEQ, elem=v.keys, node=e)
                return _V(SEQ, elem=v.elem, node=e) if v.kind == SEQ else _unknown(e)
            if name in ("dedent", "cleandoc") and e.args:
                return self._eval(e.args[0].value)
            if name == "Template" and self.ctx.names.qualify(func) == "string.Template":
                return self._template(e)
            if self._precise:
                local = self._raw_binding(name)
                if local is not None:
                    if local.kind == FUNC and local.fn is not None:
                        return self._summary(local.fn, e, self._current_class(), nested=True)
                    return _unknown(e)
                fn = self._shared.index(self.ctx.module).defs.get(name)
                if fn is not None and name not in self.ctx.names.aliases and not self._is_bound(name):
                    return self._summary(fn, e, None)
        return _unknown(e)

    def _is_bound(self, name: str) -> bool:
        """A name bound in the function being walked (shadowing a module-level one)."""
        if any(name in comp for comp in self._comp) or name in self._scopes[-1]:
            return True
        return any(name in self._shared.local_names(f) for f, _ in self._funcs)

    def _raw_binding(self, name: str) -> _V | None:
        for comp in reversed(self._comp):
            if name in comp:
                return comp[name]
        return self._scopes[-1].get(name)

    # -- values produced elsewhere in the module ---------------------------------------------------
    def _context_var(self, name: str, e: cst.Call) -> _V:
        """`MODE.get()` on a module ContextVar that this module only ever sets to constants."""
        cache = self._shared.ctxvars
        if name not in cache:
            cache[name] = None
            value: _V | None = None
            for call in self._shared.index(self.ctx.module).ctxvar_sets.get(name, []):
                if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
                    value = None
                    break
                v = self._eval_in_scope(call.args[0].value)
                if v.kind != CONST:
                    value = None
                    break
                value = v if value is None else _merge(value, v)
            cache[name] = value
        value = cache[name]
        return value if value is not None else _unknown(e)

    def _fetched_row(self, receiver: cst.BaseExpression) -> str | None:
        """The SQL text of `conn.execute("<constant SQL>")` whose row is fetched."""
        if not (isinstance(receiver, cst.Call) and isinstance(receiver.func, cst.Attribute)):
            return None
        if _METHOD_SINKS.get(receiver.func.attr.value) not in (GENERIC, DRIVER):
            return None
        arg = _sql_argument(receiver)
        if arg is None:
            return None
        v = self._eval(arg)
        if v.kind == CONST and v.known and v.is_str:
            return v.text
        return None

    def _orm_attribute_names(self) -> frozenset[str]:
        """Names used as `x.class_` in the function being walked: SQLAlchemy ORM attributes."""
        if not self._funcs:
            return frozenset()
        fn = self._funcs[-1][0]
        cache = self._shared.orm_names
        found = cache.get(id(fn))
        if found is None:
            names = set()
            stack: list[cst.CSTNode] = [fn.body]
            while stack:
                node = stack.pop()
                if (
                    isinstance(node, cst.Attribute)
                    and node.attr.value == "class_"
                    and isinstance(node.value, cst.Name)
                ):
                    names.add(node.value.value)
                stack.extend(children(node))
            found = cache[id(fn)] = frozenset(names)
        return found

    # -- following calls into functions of this module (precise walks only) -----------------------
    def _spawn(self, cls: cst.ClassDef | None, scopes: list[dict[str, _V]]) -> SqlStringBuilding:
        sub = object.__new__(type(self))
        sub.ctx = self.ctx
        sub.options = self.options
        sub._scopes = scopes
        sub._comp = []
        sub._frames = []
        sub._class_consts = self._class_consts
        sub._extra_names = self._extra_names
        sub._extra_qualified = self._extra_qualified
        sub._consts = self._consts
        sub._patterns = self._patterns
        sub._ctxvar_names = self._ctxvar_names
        sub._shared = self._shared
        sub._funcs = []
        sub._sub = True
        sub._precise = True
        sub._cls = cls
        sub._reported = set()
        sub._values = {}
        sub._watch = frozenset()
        sub._watched = {}
        sub._returns = None
        sub._return_depth = -1
        sub._depth = self._depth + 1
        return sub

    def _walk_function(
        self,
        fn: cst.FunctionDef,
        cls: cst.ClassDef | None,
        outer: list[dict[str, _V]],
        bound: dict[str, _V],
        *,
        watch: frozenset[int] = frozenset(),
        returns: bool = False,
    ) -> SqlStringBuilding:
        sub = self._spawn(cls, [dict(scope) for scope in outer] or [{}])
        scope = sub._param_scope(fn)
        scope.update(bound)
        sub._scopes.append(scope)
        sub._funcs.append((fn, len(sub._scopes)))
        sub._watch = watch
        if returns:
            sub._return_depth = len(sub._scopes)
        scan(fn.body, sub)
        return sub

    def _summary(
        self,
        fn: cst.FunctionDef,
        call: cst.Call,
        cls: cst.ClassDef | None,
        *,
        bound_self: bool = False,
        nested: bool = False,
    ) -> _V:
        """What a call to a function of this module returns, when that is a constant (or a
        tuple of constants): the function is walked with the constant arguments of this call."""
        shared = self._shared
        if self._depth >= _MAX_DEPTH or id(fn) in shared.active or _is_generator(fn, shared):
            return _unknown(call)
        args = [
            (a.keyword.value if a.keyword else None, a.star, self._eval(a.value)) for a in call.args
        ]
        bound = self._bind_arguments(fn, args, method=bound_self and _is_method(fn)) or {}
        consts = tuple(sorted((k, v.kind, v.text, v.is_str, v.known) for k, v in bound.items()))
        key: tuple = (id(fn), id(cls), consts)
        if nested:
            key = (*key, id(call))  # closures see the state of the enclosing function
        result = shared.summaries.get(key)
        if result is None:
            shared.active.add(id(fn))
            try:
                outer = [self._scopes[0]] if not nested else self._scopes
                sub = self._walk_function(fn, cls, outer, bound, returns=True)
            finally:
                shared.active.discard(id(fn))
            result = shared.summaries[key] = _constant_part(sub._returns)
        return _with_node(result, call)

    def _bind_arguments(
        self,
        fn: cst.FunctionDef,
        args: list[tuple[str | None, str, _V]],
        *,
        method: bool,
    ) -> dict[str, _V] | None:
        """Parameters bound to the constant values of a call's arguments (and defaults);
        None when the call cannot be matched to the parameters."""
        params = fn.params
        positional = [*params.posonly_params, *params.params]
        if method and positional:
            positional = positional[1:]
        by_name = {p.name.value: p for p in (*positional, *params.kwonly_params)}
        values: dict[str, _V] = {}
        index = 0
        for keyword, star, v in args:
            if star:
                return None
            if keyword is None:
                if index >= len(positional):
                    return None
                values[positional[index].name.value] = v
                index += 1
            elif keyword in by_name:
                values[keyword] = v
            else:
                return None
        for name, p in by_name.items():
            if name not in values and p.default is not None:
                values[name] = self._eval_in_scope(p.default)
        return {k: v for k, v in values.items() if k in by_name and not _is_nonconst(v)}

    def _propagated(self, fn: cst.FunctionDef) -> dict[str, _V]:
        """Parameters of a private function (`_name`) that every call in this module passes a
        constant for."""
        shared = self._shared
        cached = shared.propagated.get(id(fn))
        if cached is not None:
            return cached
        shared.propagated[id(fn)] = {}
        name = fn.name.value
        out: dict[str, _V] = {}
        if name.startswith("_") and not name.startswith("__") and self._depth < _MAX_DEPTH:
            index = shared.index(self.ctx.module)
            sites = index.private_call_sites(fn)
            merged: dict[str, _V] | None = None
            for call, caller, caller_cls in sites or ():
                args = self._arguments_at(call, caller, caller_cls)
                if args is None:
                    merged = None
                    break
                is_method = index.owner.get(id(fn)) is not None and _is_method(fn)
                bound = self._bind_arguments(fn, args, method=is_method)
                if bound is None:
                    merged = None
                    break
                if merged is None:
                    merged = bound
                else:
                    merged = {
                        k: _merge(v, bound[k]) for k, v in merged.items() if k in bound
                    }
            if merged:
                out = {k: v for k, v in merged.items() if not _is_nonconst(v)}
        shared.propagated[id(fn)] = out
        return out

    def _arguments_at(
        self, call: cst.Call, caller: cst.FunctionDef | None, cls: cst.ClassDef | None
    ) -> list[tuple[str | None, str, _V]] | None:
        if caller is None:
            return [
                (a.keyword.value if a.keyword else None, a.star, self._eval_in_scope(a.value))
                for a in call.args
            ]
        if id(caller) in self._shared.active:
            return None
        self._shared.active.add(id(caller))
        try:
            bound = self._propagated(caller)
            sub = self._walk_function(caller, cls, [{}], bound, watch=frozenset({id(call)}))
        finally:
            self._shared.active.discard(id(caller))
        return sub._watched.get(id(call))

    def _confirmed(self, node: cst.Call) -> bool:
        """A finding in a function, seen by the file's own walk: does it survive a precise walk
        of that function (calls into this module's functions followed, private functions'
        parameters bound to what every call passes)?"""
        self._precise_value = None
        if not self._funcs:
            return True
        fn, depth = self._funcs[-1]
        if depth != len(self._scopes):
            return True
        shared = self._shared
        reported = shared.confirmed.get(id(fn))
        if reported is None:
            cls = self._current_class()
            shared.active.add(id(fn))
            try:
                bound = self._propagated(fn)
                outer = [dict(scope) for scope in self._scopes[:-1]]
                if len(self._funcs) > 1 and outer:
                    # a closure: what every call passes its enclosing private function
                    enclosing, _ = self._funcs[-2]
                    outer[-1].update(self._propagated(enclosing))
                sub = self._walk_function(fn, cls, outer, bound)
            finally:
                shared.active.discard(id(fn))
            reported = shared.confirmed[id(fn)] = frozenset(sub._reported)
            shared.confirmed_values[id(fn)] = sub._values
        self._precise_value = shared.confirmed_values.get(id(fn), {}).get(id(node))
        return id(node) in reported

    def _template(self, e: cst.Call) -> _V:
        if not e.args:
            return _unknown(e)
        v = self._eval(e.args[0].value)
        if v.kind == CONST:
            return _V(TEMPLATE, v.text, known=v.known)
        return _unknown(e)

    def _substitute(self, e: cst.Call, recv: _V) -> _V:
        if recv.kind != TEMPLATE:
            return _unknown(e)
        for arg in e.args:
            if arg.keyword is None and arg.star == "" and isinstance(arg.value, cst.Dict):
                values = [el.value for el in arg.value.elements]
            else:
                values = [arg.value]
            for x in values:
                v = self._eval(x)
                if v.kind == BUILT:
                    return v.retext(recv.text)
                if _is_nonconst(v):
                    return _V(BUILT, recv.text, form=_FORMS["template"], node=e, entered=v.node or x)
        return _V(CONST, recv.text, known=recv.known)

    def _format(self, e: cst.Call, recv: _V) -> _V:
        if recv.kind == BUILT:
            return recv
        if recv.kind != CONST or not recv.is_str:
            return _unknown(e)
        used: set[int | str] | None = None  # fields formatted as text; None: any
        if recv.known:
            used = set()
            auto = 0
            try:
                for _, field, spec, conv in string.Formatter().parse(recv.text):
                    if field is None:
                        continue
                    base = re.split(r"[.\[]", field, maxsplit=1)[0]
                    key: int | str
                    if base == "":
                        key, auto = auto, auto + 1
                    elif base.isdigit():
                        key = int(base)
                    else:
                        key = base
                    if not (spec and spec[-1] in _NUMERIC_SPEC_END and not conv):
                        used.add(key)
            except ValueError:
                used = None
        position = 0
        for arg in e.args:
            if arg.star:
                check = used is None or bool(used)
            elif arg.keyword is not None:
                check = used is None or arg.keyword.value in used
            else:
                check = used is None or position in used
                position += 1
            if not check:
                continue
            v = self._eval(arg.value)
            if v.kind == BUILT:
                return v.retext(recv.text)
            if _is_nonconst(v):
                return _V(BUILT, recv.text, form=_FORMS["format"], node=e, entered=v.node or arg.value)
        return _V(CONST, recv.text, known=recv.known)

    # -- sinks -----------------------------------------------------------------------------------
    def visit_Return(self, node: cst.Return) -> None:
        if self._return_depth != len(self._scopes) or self._comp:
            return
        v = self._eval(node.value) if node.value is not None else _NUMBER
        old = self._returns
        self._returns = v if old is None else _merge(old, v)

    def visit_Call(self, node: cst.Call) -> None:
        if self._watch and id(node) in self._watch:
            self._watched[id(node)] = [
                (a.keyword.value if a.keyword else None, a.star, self._eval(a.value))
                for a in node.args
            ]
        func = node.func
        kind: str | None = None
        if type(func) is cst.Attribute:
            attr = func.attr.value
            if attr in _SEQ_MUTATORS and self._mutate(func, attr, node):
                return
            kind = _METHOD_SINKS.get(attr)
            if kind is None:
                if attr in self._extra_names:
                    kind = CUSTOM
                elif attr in _QUALIFIED_ATTRS or self._extra_qualified:
                    kind = self._qualified_kind(func)
            elif (
                kind == RAW
                and isinstance(func.value, cst.Attribute)
                and func.value.attr.value in _DJANGO_MANAGERS
            ):
                kind = DRIVER  # Model.objects.raw(): always SQL
        elif type(func) is cst.Name:
            name = func.value
            if name in self._extra_names:
                kind = CUSTOM
            elif name in self.ctx.names.aliases:
                kind = self._qualified_kind(func)
        if kind is None:
            return
        if kind == EXTRA:
            self._check_extra(node, func)
            return
        arg = _sql_argument(node)
        if arg is None:
            return
        v = self._eval(arg)
        if v.kind != BUILT or wraps_a_statement(v.text):
            return
        root = ""
        if kind in (GENERIC, SCRIPT, RAW, CUSTOM) and isinstance(func, cst.Attribute):
            origin = self.ctx.names.callee(func)
            root = origin.split(".", 1)[0] if origin else ""
            if root in _NON_SQL_ROOTS:
                return
            if root not in _DB_ROOTS and not looks_like_sql(v.text):
                return
        elif kind == CUSTOM and not looks_like_sql(v.text):
            return
        self._report(node, func, kind, v, root)

    def _qualified_kind(self, func: cst.BaseExpression) -> str | None:
        qualified = self.ctx.names.callee(func)
        if qualified is None:
            return None
        if qualified in self._extra_qualified:
            return CUSTOM
        root = qualified.partition(".")[0]
        last = qualified.rsplit(".", 1)[-1]
        if last == "text" and root in ("sqlalchemy", "sqlmodel"):
            return TEXT
        if last == "RawSQL" and root == "django":
            return RAWSQL
        if qualified in _PSYCOPG_SQL:
            return PSYCOPG
        if last in ("read_sql", "read_sql_query") and root == "pandas":
            return PANDAS
        return None

    def _mutate(self, func: cst.Attribute, attr: str, node: cst.Call) -> bool:
        """`conditions.append(...)` on a list followed here; True when it was one."""
        if not isinstance(func.value, cst.Name) or not node.args:
            return False
        name = func.value.value
        scope = self._scopes[-1]
        old = scope.get(name)
        if old is None or old.kind != SEQ:
            return False
        arg = node.args[-1].value
        part = self._elements(arg) if attr == "extend" else self._eval(arg)
        scope[name] = _V(SEQ, elem=_union(old.elem, part), node=old.node)
        return True

    def _check_extra(self, node: cst.Call, func: cst.BaseExpression) -> None:
        for arg in node.args:
            if arg.keyword is None or arg.keyword.value not in _EXTRA_KEYWORDS:
                continue
            value = arg.value
            if isinstance(value, cst.Dict):
                exprs = [el.value for el in value.elements if isinstance(el, cst.DictElement)]
            elif isinstance(value, (cst.List, cst.Tuple)):
                exprs = [el.value for el in value.elements]
            else:
                exprs = [value]
            for x in exprs:
                v = self._eval(x)
                if v.kind == SEQ and v.elem is not None:
                    v = v.elem
                if v.kind == BUILT:
                    self._report(node, func, EXTRA, v, "", keyword=arg.keyword.value)
                    return

    def _report(
        self,
        node: cst.Call,
        func: cst.BaseExpression,
        kind: str,
        v: _V,
        root: str,
        keyword: str = "",
    ) -> None:
        if self._sub:
            self._reported.add(id(node))
            self._values[id(node)] = v
            return
        if not self._confirmed(node):
            return
        # the precise walk knows more (helpers' results for constant arguments): name its value
        v = self._precise_value or v
        ctx = self.ctx
        label = _label(ctx, func)
        shown = f"{label}({keyword}=...)" if keyword else f"{label}()"
        build_node = v.node if v.node is not None else node
        line = ctx.span_of(build_node).line
        entered = _describe(ctx, v.entered)
        message = (
            f"SQL passed to {shown} is built with {v.form} from {entered} (line {line}); "
            "a crafted value can change the query"
        )
        related = []
        if line != ctx.span_of(node).line:
            related.append((build_node, f"SQL string built here with {v.form}"))
        self.report(node, message, help=_help(ctx, kind, label, root, v.entered), related=related,
                    fix=self._parameterised(node, func))

    def _parameterised(self, node: cst.Call, func: cst.BaseExpression) -> Fix | None:
        """The rewrite into a parameterised query, for a driver call whose placeholders are
        known (see `_parameterise`)."""
        if not isinstance(func, cst.Attribute):
            return None
        driver = placeholder_style(self.ctx.names.callee(func))
        methods = _ASYNCPG_QUERIES if driver == "asyncpg" else ("execute",)
        if driver is None or func.attr.value not in methods:
            return None
        return parameterise(self.ctx, node, driver)


_ASYNCPG_QUERIES = ("execute", "fetch", "fetchrow", "fetchval")

__all__ = ["SqlStringBuilding", "SqlStringBuildingOptions", "looks_like_sql"]
