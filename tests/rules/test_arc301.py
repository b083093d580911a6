"""ARC301 sql-string-building: building forms, sink families, flow through locals, messages,
related locations, options and the quiet cases."""

from __future__ import annotations

import pytest

from archlint.config import ConfigError
from archlint.model import Severity
from archlint.rules.data_access.sql_string_building import SqlStringBuilding, looks_like_sql
from _support import run_rule

RULE = SqlStringBuilding


def findings(source: str, options: dict | None = None, path: str = "example.py"):
    result = run_rule(RULE, source, options, path)
    assert not result.notifications, result.notifications
    return result.findings


def lines(source: str, options: dict | None = None) -> list[int]:
    return sorted(f.span.line for f in findings(source, options))


def only(source: str, options: dict | None = None):
    found = findings(source, options)
    assert len(found) == 1, [f.message for f in found]
    return found[0]


# -- metadata ---------------------------------------------------------------------------------
def test_metadata():
    assert RULE.code == "ARC301"
    assert RULE.name == "sql-string-building"
    assert RULE.severity is Severity.ERROR
    assert RULE.cwe == 89
    assert set(RULE.tags) == {"security", "sql"}
    assert RULE.security_severity == pytest.approx(8.8)


@pytest.mark.parametrize(
    "sink",
    [
        "execute", "executemany", "executescript", "execute_many", "execute_fetchall",
        "execute_insert", "fetch", "fetchrow", "fetchval", "fetch_all", "fetch_one", "fetch_val",
        "iterate", "exec_driver_sql", "raw", "extra", "RawSQL", "read_sql", "read_sql_query",
        "SQL",
    ],
)
def test_every_sink_call_is_a_trigger(sink):
    assert RULE.wants(f"x.{sink}(q)", RULE.Options())


def test_text_needs_an_import_of_sqlalchemy_or_sqlmodel_which_is_a_trigger():
    assert RULE.wants("from sqlalchemy import text", RULE.Options())
    assert RULE.wants("from sqlmodel import text", RULE.Options())
    assert not RULE.wants("def text(x):\n    return x\n", RULE.Options())


def test_extra_sinks_become_triggers():
    source = "def f(db, x):\n    db.run_sql(f'select a from t where b = {x}')\n"
    assert not RULE.wants(source, RULE.Options())
    assert RULE.wants(source, RULE.Options(extra_sinks=("app.db.run_sql",)))


# -- building forms ---------------------------------------------------------------------------
FORMS = {
    "an f-string": 'q = f"SELECT * FROM users WHERE name = \'{name}\'"',
    "'+' concatenation": 'q = "SELECT * FROM users WHERE name = \'" + name + "\'"',
    "'%' formatting": 'q = "SELECT * FROM users WHERE name = \'%s\'" % name',
    "str.format()": 'q = "SELECT * FROM users WHERE name = \'{}\'".format(name)',
    "str.join()": 'q = "SELECT * FROM users WHERE " + " AND ".join(name)',
    "string.Template": (
        'q = string.Template("SELECT * FROM users WHERE name = \'$n\'").substitute(n=name)'
    ),
    "str.replace()": 'q = "SELECT * FROM users WHERE name = \'NAME\'".replace("NAME", name)',
}


@pytest.mark.parametrize(("form", "statement"), list(FORMS.items()), ids=list(FORMS))
def test_each_building_form(form, statement):
    source = f"""
    import string

    def find(cursor, name):
        {statement}
        cursor.execute(q)
    """
    finding = only(source)
    assert finding.span.line == 6
    assert f"built with {form} from 'name' (line 5)" in finding.message
    assert [(r.span.line, r.message) for r in finding.related] == [
        (5, f"SQL string built here with {form}")
    ]


def test_augmented_concatenation_names_the_augmented_assignment():
    finding = only(
        """
        def find(cursor, where):
            q = "SELECT * FROM users WHERE "
            q += where
            cursor.execute(q)
        """
    )
    assert "'+=' concatenation from 'where' (line 4)" in finding.message


def test_percent_tuple_is_string_building_not_a_db_api_parameter():
    finding = only(
        """
        def find(cursor, user_id):
            cursor.execute("SELECT * FROM users WHERE id = %s" % (user_id,))
        """
    )
    assert "'%' formatting from 'user_id'" in finding.message


def test_percent_dict_names_the_value():
    finding = only(
        """
        def find(cursor, name, n):
            cursor.execute("SELECT * FROM t WHERE a = %(n)d AND b = '%(name)s'" % {"n": n, "name": name})
        """
    )
    assert "from 'name'" in finding.message


def test_format_keyword_and_numeric_fields():
    assert lines(
        """
        def find(cursor, table, n: str):
            cursor.execute("SELECT * FROM {table} LIMIT {n:d}".format(table=table, n=n))
            cursor.execute("SELECT * FROM t LIMIT {n:d}".format(n=n))
        """
    ) == [3]


def test_fstring_with_only_constant_fields_is_quiet():
    assert lines(
        """
        TABLE = "users"

        def find(cursor):
            cursor.execute(f"SELECT * FROM {TABLE} WHERE id = %s", (1,))
            cursor.execute(f"SELECT * FROM users WHERE id = {42}")
        """
    ) == []


def test_inline_build_has_no_related_location():
    finding = only(
        """
        def find(cursor, email):
            cursor.execute(f"SELECT id FROM users WHERE email = '{email}'")
        """
    )
    assert finding.related == ()
    assert finding.message == (
        "SQL passed to cursor.execute() is built with an f-string from 'email' (line 3); "
        "a crafted value can change the query"
    )
    assert finding.help == 'pass values as parameters: cursor.execute("... WHERE id = %s", (email,))'


def test_finding_sits_on_the_sink_call():
    finding = only(
        """
        def find(cursor, email):
            query = (
                "SELECT id FROM users "
                f"WHERE email = '{email}'"
            )
            rows = cursor.execute(query)
        """
    )
    assert (finding.span.line, finding.span.column) == (7, 11)
    assert finding.related[0].span.line == 5  # the f-string part that takes the value


# -- sink families ----------------------------------------------------------------------------
SINKS = {
    "dbapi-execute": """
        def f(cur, x):
            cur.execute(f"SELECT * FROM t WHERE a = '{x}'")
        """,
    "dbapi-executemany": """
        def f(cur, x, rows):
            cur.executemany(f"INSERT INTO {x} VALUES (%s, %s)", rows)
        """,
    "sqlite-executescript": """
        import sqlite3

        def f(x):
            sqlite3.connect("a.db").executescript("DROP TABLE " + x)
        """,
    "connection-execute": """
        def f(connection, x):
            connection.execute("DELETE FROM t WHERE a = '%s'" % x)
        """,
    "sqlalchemy-text": """
        import sqlalchemy as sa

        def f(conn, x):
            conn.execute(sa.text(f"SELECT * FROM t WHERE a = '{x}'"))
        """,
    "sqlalchemy-exec-driver-sql": """
        def f(conn, x):
            conn.exec_driver_sql("VACUUM " + x)
        """,
    "sqlalchemy-session-execute": """
        def f(session, x):
            session.execute(f"UPDATE t SET a = '{x}'")
        """,
    "django-raw": """
        def f(Model, x):
            Model.objects.raw("SELECT * FROM t WHERE a = " + x)
        """,
    "django-extra-select": """
        def f(qs, x):
            qs.extra(select={"is_x": f"a = '{x}'"})
        """,
    "django-rawsql": """
        from django.db.models import RawSQL

        def f(qs, x):
            qs.annotate(v=RawSQL(f"a + {x}", ()))
        """,
    "django-connection-cursor": """
        from django.db import connection

        def f(x):
            connection.cursor().execute("SELECT " + x)
        """,
    "asyncpg-execute": """
        async def f(conn, x):
            await conn.execute(f"DELETE FROM t WHERE a = '{x}'")
        """,
    "asyncpg-fetch": """
        async def f(conn, x):
            await conn.fetch(f"SELECT * FROM t WHERE a = '{x}'")
        """,
    "asyncpg-fetchrow": """
        async def f(conn, x):
            await conn.fetchrow(f"SELECT * FROM t WHERE a = '{x}'")
        """,
    "asyncpg-fetchval": """
        async def f(conn, x):
            await conn.fetchval(f"SELECT count(*) FROM t WHERE a = '{x}'")
        """,
    "asyncpg-executemany": """
        async def f(conn, x, rows):
            await conn.executemany(f"INSERT INTO {x} VALUES ($1)", rows)
        """,
    "aiosqlite": """
        import aiosqlite

        async def f(x):
            async with aiosqlite.connect("a.db") as db:
                await db.execute_fetchall("PRAGMA table_info(" + x + ")")
        """,
    "databases": """
        async def f(database, x):
            await database.fetch_one(query=f"SELECT * FROM t WHERE a = '{x}'")
        """,
    "databases-iterate": """
        async def f(database, x):
            async for row in database.iterate(f"SELECT * FROM t WHERE a = '{x}'"):
                pass
        """,
    "psycopg-sql": """
        from psycopg import sql

        def f(cur, x):
            cur.execute(sql.SQL("SELECT * FROM " + x))
        """,
    "pandas-read-sql": """
        import pandas as pd

        def f(con, x):
            pd.read_sql(f"SELECT * FROM t WHERE a = '{x}'", con)
        """,
    "pandas-read-sql-query": """
        from pandas import read_sql_query

        def f(con, x):
            read_sql_query(sql="SELECT * FROM t WHERE a = '%s'" % x, con=con)
        """,
}


@pytest.mark.parametrize("source", list(SINKS.values()), ids=list(SINKS))
def test_each_sink_family(source):
    found = findings(source)
    assert len(found) == 1, [f.message for f in found]
    assert "from 'x'" in found[0].message


def test_nested_text_in_execute_is_reported_once_on_text():
    finding = only(
        """
        from sqlalchemy import text

        def f(session, x):
            session.execute(text("SELECT * FROM t WHERE a = " + x))
        """
    )
    assert "SQL passed to text()" in finding.message
    assert finding.span.column == 20


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            """
            from sqlalchemy import text
            def f(session, x):
                session.execute(text(f"SELECT * FROM t WHERE a = '{x}'"))
            """,
            'text("... WHERE id = :x") and pass {"x": x} to execute()',
        ),
        (
            """
            def f(User, x):
                User.objects.raw(f"SELECT * FROM t WHERE a = '{x}'")
            """,
            'User.objects.raw("... WHERE id = %s", [x])',
        ),
        (
            """
            async def f(conn, x):
                await conn.fetch(f"SELECT * FROM t WHERE a = '{x}'")
            """,
            'conn.fetch("... WHERE id = $1", x)',
        ),
        (
            """
            import sqlite3
            def f(x):
                db = sqlite3.connect("a.db")
                db.execute(f"SELECT * FROM t WHERE a = '{x}'")
            """,
            'db.execute("... WHERE id = ?", (x,))',
        ),
        (
            """
            from psycopg import sql
            def f(cur, table):
                cur.execute(sql.SQL(f"SELECT * FROM {table}"))
            """,
            "sql.Identifier(table)",
        ),
        (
            """
            def f(cur, table_name):
                cur.execute(f"SELECT * FROM {table_name}")
            """,
            "allow-list",
        ),
        (
            """
            def f(session, x):
                session.execute(f"SELECT * FROM t WHERE a = '{x}'")
            """,
            'session.execute(text("... WHERE id = :x"), {"x": x})',
        ),
    ],
)
def test_help_is_adapted_to_the_sink(source, expected):
    assert expected in only(source).help


# -- precision of the generic method names -----------------------------------------------------
def test_generic_method_needs_sql_looking_text():
    assert lines(
        """
        class Shell:
            def run(self, path, key, url):
                self.execute(f"ls -la {path}")
                self.client.fetch(f"/api/select/{key}?from=now")
                self.queue.iterate(f"jobs:{key}")
        """
    ) == []


def test_generic_method_with_sql_on_any_object_is_flagged():
    assert lines(
        """
        class Repo:
            def load(self, key):
                return self.execute(f"SELECT * FROM t WHERE k = '{key}'")
        """
    ) == [4]


def test_known_database_receiver_needs_no_sql_looking_text():
    assert lines(
        """
        import psycopg2

        def f(x):
            conn = psycopg2.connect("")
            cur = conn.cursor()
            cur.execute(x + " LIMIT 10")
        """
    ) == [7]


def test_known_non_sql_receivers_are_quiet():
    assert lines(
        """
        import redis
        import subprocess
        import os

        r = redis.Redis()

        def f(key, path):
            r.execute_command(f"GET {key}")
            pipe = r.pipeline()
            pipe.execute(f"SELECT {key} FROM x")
            subprocess.run(f"rm -rf {path}", shell=True)
            os.system("DELETE FROM " + path)
        """
    ) == []


def test_read_sql_table_takes_a_table_name():
    assert lines(
        """
        import pandas as pd

        def f(con, name):
            pd.read_sql_table(f"events_{name}", con)
        """
    ) == []


def test_unimported_text_is_not_sqlalchemy():
    assert lines(
        """
        from sqlalchemy import select

        def text(x):
            return x

        def f(name):
            return text(f"Hello {name}")
        """
    ) == []


# -- flow through local assignments -------------------------------------------------------------
def test_augassign_in_branch_is_followed():
    finding = only(
        """
        def f(cur, x):
            q = "SELECT * FROM items"
            if x:
                q += f" WHERE a = {x}"
            cur.execute(q)
        """
    )
    assert finding.span.line == 6
    assert "f-string from 'x' (line 5)" in finding.message
    assert finding.related[0].span.line == 5


def test_elif_else_branches_merge():
    source = """
    def f(cur, kind, x):
        if kind == "a":
            q = "SELECT * FROM a"
        elif kind == "b":
            q = "SELECT * FROM b WHERE x = " + x
        else:
            q = "SELECT * FROM c"
        cur.execute(q)
    """
    assert lines(source) == [9]


def test_all_branches_constant_is_quiet():
    assert lines(
        """
        def f(cur, kind):
            if kind:
                q = "SELECT * FROM a"
            else:
                q = "SELECT * FROM b"
            cur.execute(q)
        """
    ) == []


def test_else_branch_does_not_see_the_if_branch():
    assert lines(
        """
        def f(cur, x):
            if x:
                q = f"SELECT * FROM t WHERE a = {x}"
                cur.execute(q)
            else:
                q = "SELECT * FROM t"
                cur.execute(q)
        """
    ) == [5]


def test_branch_that_returns_does_not_reach_later_code():
    assert lines(
        """
        def f(cur, x):
            q = "SELECT 1"
            if x:
                q = f"SELECT * FROM t WHERE a = {x}"
                raise ValueError(q)
            cur.execute(q)
        """
    ) == []


def test_reassignment_to_a_constant_clears_it():
    assert lines(
        """
        def f(cur, x):
            q = f"SELECT * FROM t WHERE a = {x}"
            q = "SELECT * FROM t WHERE a = %s"
            cur.execute(q, (x,))
        """
    ) == []


def test_reassignment_to_something_unknown_clears_it():
    assert lines(
        """
        def f(cur, x, build):
            q = f"SELECT * FROM t WHERE a = {x}"
            q = build(q)
            cur.execute(q)
        """
    ) == []


def test_separate_functions_do_not_leak():
    assert lines(
        """
        def build(x):
            q = f"SELECT * FROM t WHERE a = {x}"
            return q

        def run(cur, q):
            cur.execute(q)

        def other(cur):
            cur.execute(q)
        """
    ) == []


def test_nested_function_has_its_own_scope():
    assert lines(
        """
        def outer(cur, x):
            q = f"SELECT * FROM t WHERE a = {x}"
            def inner(cur):
                q = "SELECT 1"
                cur.execute(q)
            inner(cur)
            cur.execute(q)
        """
    ) == [8]


def test_loop_body_may_build():
    assert lines(
        """
        def f(cur, filters):
            q = "SELECT * FROM t WHERE 1 = 1"
            for key in filters:
                q += " AND " + key + " = %s"
            cur.execute(q, list(filters.values()))
        """
    ) == [6]


def test_except_handler_may_build():
    assert lines(
        """
        def f(cur, x, y):
            q = "SELECT 1"
            try:
                y()
            except ValueError:
                q = f"SELECT * FROM t WHERE a = {x}"
            cur.execute(q)
        """
    ) == [8]


def test_match_case_may_build():
    assert lines(
        """
        def f(cur, cmd, x):
            q = "SELECT 1"
            match cmd:
                case "one":
                    q = f"SELECT * FROM t WHERE a = {x}"
                case _:
                    pass
            cur.execute(q)
        """
    ) == [9]


def test_appended_conditions_are_followed():
    finding = only(
        """
        def f(cur, name, email):
            conditions = ["active"]
            if name:
                conditions.append("name = %s")
            if email:
                conditions.append(f"email = '{email}'")
            cur.execute("SELECT * FROM users WHERE " + " AND ".join(conditions))
        """
    )
    assert finding.span.line == 8
    assert "an f-string from 'email' (line 7)" in finding.message


def test_comprehension_of_columns_is_followed():
    finding = only(
        """
        def update(cur, data, pk):
            sets = ", ".join(f"{col} = %s" for col in data)
            cur.execute("UPDATE t SET " + sets + " WHERE id = %s", [*data.values(), pk])
        """
    )
    assert "an f-string from 'col' (line 3)" in finding.message


def test_walrus_binding_is_followed():
    assert lines(
        """
        def f(cur, x):
            if (q := f"SELECT * FROM t WHERE a = {x}"):
                cur.execute(q)
        """
    ) == [4]


def test_module_level_script_is_checked():
    assert lines(
        """
        import sys
        import sqlite3

        conn = sqlite3.connect("a.db")
        name = sys.argv[1]
        query = "SELECT * FROM t WHERE name = '" + name + "'"
        conn.execute(query)
        """
    ) == [8]


def test_module_constants_assigned_twice_are_not_constants():
    assert lines(
        """
        table = "users"
        table = input()

        def f(cur):
            cur.execute("SELECT * FROM " + table)
        """
    ) == [6]


# -- values that cannot change the statement ---------------------------------------------------
def test_numbers_are_not_injections():
    assert lines(
        """
        import math

        def f(cur, ids, limit: int, ratio: float | None, seconds):
            cur.execute(f"SELECT * FROM t LIMIT {len(ids)}")
            cur.execute("SELECT * FROM t LIMIT %d" % limit)
            cur.execute(f"SELECT * FROM t LIMIT {limit} OFFSET {int(seconds)}")
            cur.execute(f"SELECT * FROM t WHERE r > {ratio}")
            ms = max(1, math.ceil(seconds * 1000))
            cur.execute(f"SET LOCAL lock_timeout = '{ms}ms'")
            cur.execute(f"SELECT * FROM t LIMIT {seconds:d}")
        """
    ) == []


def test_placeholder_lists_are_quiet():
    assert lines(
        """
        def f(cur, conn, ids):
            marks = ",".join("?" for _ in ids)
            cur.execute(f"SELECT * FROM t WHERE id IN ({marks})", ids)
            cur.execute("SELECT * FROM t WHERE id IN (%s)" % ", ".join(["%s"] * len(ids)), ids)
            nums = ", ".join(f"${i + 1}" for i, _ in enumerate(ids))
            conn.execute(f"SELECT * FROM t WHERE id IN ({nums})", *ids)
            cur.execute("SELECT * FROM t WHERE id IN (" + "%s," * len(ids) + ")", ids)
        """
    ) == []


def test_constants_by_convention_and_class_attributes():
    assert lines(
        """
        from django.conf import settings
        from app.constants import AUDIT_TABLE

        class Repo:
            table = "orders"
            TABLE = "orders"

            def f(self, cur, Model):
                cur.execute(f"SELECT * FROM {self.table}")
                cur.execute(f"SELECT * FROM {self.TABLE}")
                cur.execute(f"SELECT * FROM {settings.ORDERS_TABLE}")
                cur.execute("SELECT * FROM " + AUDIT_TABLE)
                cur.execute(f"SELECT * FROM {Model._meta.db_table}")
                cur.execute(f"SELECT * FROM {Model.__tablename__}")
        """
    ) == []


def test_class_attribute_reassigned_through_self_is_not_constant():
    assert lines(
        """
        class Repo:
            table = "orders"

            def __init__(self, table):
                self.table = table

            def f(self, cur):
                cur.execute(f"SELECT * FROM {self.table}")
        """
    ) == [9]


def test_loop_over_constant_list_and_dict():
    assert lines(
        """
        TABLES = {"a": "id", "b": "pk"}
        names = ["x", "y"]

        def f(cur):
            for table in ["sessions", "tokens"]:
                cur.execute(f"DELETE FROM {table} WHERE expired")
            for table, key in TABLES.items():
                cur.execute(f"DELETE FROM {table} WHERE {key} IS NULL")
            for name in names:
                cur.execute("DROP TABLE " + name)
        """
    ) == []


def test_loop_over_unknown_values_is_flagged():
    assert lines(
        """
        def f(cur, tables):
            for table in tables:
                cur.execute(f"DELETE FROM {table} WHERE expired")
        """
    ) == [4]


def test_identifier_quoting_and_quote_escaping():
    assert lines(
        """
        def f(cur, connection, dialect, name, value):
            cur.execute(f"SELECT * FROM {connection.ops.quote_name(name)}")
            cur.execute(f"SELECT * FROM {dialect.identifier_preparer.quote(name)}")
            escaped = value.replace("'", "''")
            cur.execute(f"SELECT * FROM t WHERE a = '{escaped}'")
        """
    ) == []


def test_psycopg_composition_and_core_are_quiet():
    assert lines(
        """
        from psycopg import sql
        from sqlalchemy import select, table, column

        def f(conn, session, name, value):
            q = sql.SQL("SELECT * FROM {} WHERE a = %s").format(sql.Identifier(name))
            conn.execute(q, (value,))
            session.execute(select(column("a")).select_from(table(name)))
        """
    ) == []


def test_prose_that_never_reaches_a_sink_is_quiet():
    assert lines(
        """
        import logging

        def f(cur, n, table):
            msg = f"Selected {n} rows from {table}"
            logging.info(msg)
            print("DELETE FROM %s done" % table)
            raise RuntimeError(f"UPDATE {table} SET failed")
        """
    ) == []


def test_parameter_passed_straight_through_is_quiet():
    assert lines(
        """
        def run(cur, query, params):
            cur.execute(query, params)
        """
    ) == []


def test_imported_constant_named_like_sql_counts_as_sql():
    assert lines(
        """
        from app.queries import FIND_USER_SQL

        class Repo:
            def f(self, name):
                self.db.execute(FIND_USER_SQL % name)
        """
    ) == [6]


# -- options ----------------------------------------------------------------------------------
def test_extra_sink_by_method_name():
    source = """
    def f(db, name):
        db.query(f"SELECT * FROM users WHERE name = '{name}'")
        db.query(f"users:{name}")
    """
    assert lines(source) == []
    assert lines(source, {"extra-sinks": ["query"]}) == [3]


def test_extra_sink_by_qualified_name():
    source = """
    from app.db import run_sql
    from other import run_sql as other_run

    def f(name):
        run_sql(f"DELETE FROM users WHERE name = '{name}'")
        other_run(f"DELETE FROM users WHERE name = '{name}'")
    """
    assert lines(source) == []
    assert lines(source, {"extra-sinks": ["app.db.run_sql"]}) == [6]


def test_extra_sink_option_is_validated():
    with pytest.raises(ConfigError, match="extra-sinks"):
        run_rule(RULE, "x = 1", {"extra-sinks": "run_sql"})
    with pytest.raises(ConfigError, match="unknown option"):
        run_rule(RULE, "x = 1", {"sinks": ["run_sql"]})


# -- what looks like SQL ----------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "SELECT * FROM {}",
        "select id from {} where x = 1",
        "INSERT INTO {} VALUES (%s)",
        "insert or replace into t (a) values (?)",
        "UPDATE {} SET a = 1",
        "DELETE FROM t",
        "CREATE UNIQUE INDEX {} ON t (a)",
        "DROP TABLE IF EXISTS {}",
        "ALTER TABLE t ADD COLUMN {}",
        " AND name = '{}' WHERE a = {}",
        "WITH x AS (SELECT 1) SELECT * FROM x",
        "PRAGMA key = '{}'",
        "SELECT pg_try_advisory_lock({})",
        " ORDER BY {}",
    ],
)
def test_looks_like_sql(text):
    assert looks_like_sql(text)


@pytest.mark.parametrize(
    "text",
    [
        "ls -la {}",
        "/api/select/{}?from=now",
        "Selected {} rows",
        "Please select a file",
        "where is {}",
        "update available: {}",
        "Delete {}?",
        "jobs:{}",
    ],
)
def test_does_not_look_like_sql(text):
    assert not looks_like_sql(text)


def test_extra_sink_named_like_a_list_method():
    source = """
    def f(db, name):
        rows = []
        rows.insert(0, name)
        db.insert(f"INSERT INTO users (name) VALUES ('{name}')")
    """
    assert lines(source, {"extra-sinks": ["insert"]}) == [5]


def test_mogrify_built_values_are_quoted_by_the_driver():
    assert lines(
        """
        def bulk(cur, rows):
            values = b",".join(cur.mogrify("(%s, %s)", row) for row in rows)
            cur.execute(b"INSERT INTO t (a, b) VALUES " + values)
        """
    ) == []


# -- values proven constant by a check, a loop or the module's own functions ---------------------
def test_allow_list_guards_narrow_the_value():
    assert lines(
        """
        def f(cursor, col, direction, n, key):
            if col not in ("name", "created"):
                raise ValueError(col)
            cursor.execute(f"SELECT * FROM t ORDER BY {col}")
            if direction in {"ASC", "DESC"}:
                cursor.execute(f"SELECT * FROM t ORDER BY name {direction}")
            cursor.execute(f"SELECT * FROM t ORDER BY name {direction}")
            if not isinstance(n, int):
                return None
            cursor.execute(f"SELECT * FROM t LIMIT {n}")
            for k in key:
                if not k.isidentifier():
                    continue
                cursor.execute(f"SELECT {k} FROM t")
        """
    ) == [8]


def test_checks_that_prove_nothing_keep_the_finding():
    assert lines(
        """
        def f(cursor, col, allowed, other):
            if col not in allowed:
                raise ValueError(col)
            cursor.execute(f"SELECT * FROM t ORDER BY {col}")
            if other in ("a", "b") or other.startswith("x"):
                cursor.execute(f"SELECT * FROM t ORDER BY {other}")
            if other not in ("a", "b"):
                print("unexpected")
            cursor.execute(f"SELECT * FROM t ORDER BY {other}")
        """
    ) == [5, 7, 10]


def test_regular_expression_guard_needs_a_strict_pattern():
    assert lines(
        """
        import re

        STRICT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,63}$")
        LOOSE = re.compile(r"^.+$")
        SPACES = re.compile(r"[\\w ]+")

        def f(cursor, a, b, c, d):
            if not STRICT.fullmatch(a):
                raise ValueError(a)
            cursor.execute(f"SELECT {a} FROM t")
            if not LOOSE.fullmatch(b):
                raise ValueError(b)
            cursor.execute(f"SELECT {b} FROM t")
            if not SPACES.fullmatch(c):
                raise ValueError(c)
            cursor.execute(f"SELECT {c} FROM t")
            if not re.match(r"^[a-z_]+$", d):
                raise ValueError(d)
            cursor.execute(f"SELECT {d} FROM t")
        """
    ) == [14, 17]


def test_loop_over_a_local_list_of_constant_tuples():
    assert lines(
        """
        def f(conn, rows):
            tables = [("knowledge", "k"), ("prompt", "p")]
            for table, kind in tables:
                conn.execute(f'SELECT * FROM "{table}" WHERE kind = %s', (kind,))
            for i, (table, kind) in enumerate(tables):
                conn.execute(f'SELECT * FROM "{table}"')
            pairs = [(r.name, r.kind) for r in rows]
            for table, kind in pairs:
                conn.execute(f'SELECT * FROM "{table}"')
        """
    ) == [10]


def test_explain_of_a_whole_statement():
    assert lines(
        """
        def f(cursor, statement, x):
            cursor.execute(f"EXPLAIN {statement}")
            cursor.execute(f"EXPLAIN (TYPE IO, FORMAT JSON) {statement}")
            cursor.execute("EXPLAIN QUERY PLAN %s" % statement)
            cursor.execute(f"EXPLAIN SELECT * FROM t WHERE a = '{x}'")
            sql = f"SELECT * FROM t WHERE a = '{x}'"
            cursor.execute(f"EXPLAIN ANALYZE {sql}")
        """
    ) == [6, 8]


def test_sqlalchemy_orm_attribute_names():
    assert lines(
        """
        import sqlalchemy as sa

        def f(column, value, comparator, other):
            ref = f"{column.class_.__tablename__}.{column.key}"
            sa.text(f"({ref} = :value AND BINARY {ref} = :value)")
            sa.text(f"(BINARY {ref} {comparator} :values)")
            sa.text(f"SELECT * FROM t WHERE {other.key} = 1")
        """
    ) == [7, 8]


def test_attributes_set_to_numbers_or_validated_in_methods():
    assert lines(
        """
        class Store:
            def __init__(self, dim, strategy, table, mode):
                self.dim = int(dim)
                self.strategy = (strategy or "cosine").strip().lower()
                if self.strategy not in {"cosine", "euclidean"}:
                    raise ValueError(strategy)
                self.table = table
                self.mode = mode.lower()

            def init(self, cur):
                cur.execute(f"CREATE TABLE t (v VECTOR({self.dim})) DISTANCE={self.strategy}")
                cur.execute(f"SELECT * FROM {self.table}")
                cur.execute(f"SELECT * FROM t WHERE mode = '{self.mode}'")
        """
    ) == [13, 14]


def test_attribute_used_before_its_check_is_not_validated():
    assert lines(
        """
        class Store:
            def __init__(self, cur, mode):
                self.mode = mode
                cur.execute(f"SET mode = '{self.mode}'")
                if self.mode not in ("a", "b"):
                    raise ValueError(mode)

            def run(self, cur):
                cur.execute(f"SELECT * FROM t WHERE mode = '{self.mode}'")
        """
    ) == [5, 10]


def test_context_variable_set_only_to_constants():
    assert lines(
        """
        from contextvars import ContextVar

        MODE = ContextVar("MODE", default=None)
        USER = ContextVar("USER", default=None)

        def begin(flag, user):
            MODE.set("IMMEDIATE" if flag else "DEFERRED")
            USER.set(user)

        def run(conn):
            conn.exec_driver_sql(f"BEGIN {MODE.get()}")
            conn.exec_driver_sql(f"SET ROLE {USER.get()}")
        """
    ) == [13]


def test_names_quoted_by_postgres_in_a_catalog_query():
    assert lines(
        """
        from alembic import op

        def upgrade():
            q = "SELECT format('%I.%I', n.nspname, c.relname), i.indisvalid, c.relname FROM pg_index i"
            index = op.get_bind().exec_driver_sql(q).first()
            if index is not None and not index[1]:
                op.execute(f"REINDEX INDEX CONCURRENTLY {index[0]}")
                op.execute(f"REINDEX INDEX CONCURRENTLY {index[2]}")
            name = op.get_bind().exec_driver_sql("SELECT quote_ident(relname) FROM pg_class").scalar()
            op.execute(f"DROP INDEX {name}")
        """
    ) == [9]


def test_helper_of_the_module_returning_constants_is_followed():
    assert lines(
        """
        def _order(desc):
            return "DESC" if desc else "ASC"

        def _where(filters):
            return " AND ".join(f"{k} = %s" for k in filters), list(filters.values())

        class Repo:
            def _columns(self):
                return "id, name"

            def find(self, cursor, filters, desc):
                where, params = _where(filters)
                cursor.execute(f"SELECT {self._columns()} FROM t ORDER BY id {_order(desc)}")
                cursor.execute(f"SELECT * FROM t WHERE {where}", params)
        """
    ) == [15]


def test_nested_helper_called_with_literals():
    assert lines(
        """
        from sqlalchemy import text

        def f(session, dialect, who):
            if dialect == "sqlite":
                def author(path):
                    return f"json_extract(message, '{path}')"
                author_id = f"COALESCE({author('$.user_id')}, {author('$.user.id')})"
            else:
                raise NotImplementedError(dialect)
            session.execute(text(f"SELECT {author_id} FROM m"))
            session.execute(text(f"SELECT {author(who)} FROM m"))
        """
    ) == [12]


def test_private_function_parameters_bound_from_every_call():
    assert lines(
        """
        import sqlalchemy as sa

        def _indexes(conn, table_name):
            conn.execute(sa.text(f"PRAGMA index_list('{table_name}')"))

        def _drop(conn, table_name):
            conn.execute(sa.text(f"DROP TABLE {table_name}"))

        def _passed_around(conn, table_name):
            conn.execute(sa.text(f"DROP TABLE {table_name}"))

        def public(conn, table_name):
            conn.execute(sa.text(f"DROP TABLE {table_name}"))

        HOOKS = [_passed_around]

        def upgrade(conn, name):
            _indexes(conn, "user")
            _indexes(conn, table_name="team")
            _drop(conn, "user")
            _drop(conn, name)
            public(conn, "user")
        """
    ) == [8, 11, 14]


def test_private_method_parameters_and_results_of_sibling_methods():
    assert lines(
        """
        from sqlalchemy import text

        class Index:
            def setup(self, length):
                method, options = self._config(length)
                self._ensure(method, options)
                self._drop("fixed")

            def _config(self, length: int):
                method = "hnsw" if length > 2000 else "ivfflat"
                return method, f"WITH (lists = {length})"

            def _ensure(self, method, options):
                self.session.execute(text(f"CREATE INDEX i ON t USING {method} (v) {options}"))

            def _drop(self, name):
                self.session.execute(text(f"DROP INDEX {name}"))

            def drop(self, name):
                self._drop(name)
        """
    ) == [18]


def test_a_local_name_shadows_a_module_function():
    assert lines(
        """
        def build():
            return "1"

        def f(cursor, build):
            cursor.execute("SELECT * FROM t WHERE a = " + build())

        def g(cursor, factory):
            build = factory()
            cursor.execute("SELECT * FROM t WHERE a = " + build())

        def h(cursor):
            cursor.execute("SELECT * FROM t WHERE a = " + build())
        """
    ) == [6, 10]


def test_thousands_of_concatenated_literals_do_not_recurse():
    parts = "\n".join(f"    'part {i} '" for i in range(3000))
    source = f"TEXT = (\n{parts}\n)\n\ndef f(cur, x):\n    cur.execute('SELECT * FROM t WHERE a = ' + x)\n"
    assert lines(source) == [3005]


# -- dict keys: column names written by the model's author, values from outside ------------------
DICT_INSERT = """
from sqlalchemy import sql

def insert_default(session, table, created):
    row = {Experiment.id.name: 0, Experiment.created.name: created}
    columns = list(row.keys())
    values = ", ".join([repr(row.get(c)) for c in columns])
    session.execute(sql.text(f"INSERT INTO t ({', '.join(columns)}) VALUES ({values})"))
"""


def test_message_names_the_value_not_the_dict_keys():
    finding = only(DICT_INSERT)
    assert "from 'repr(row.get(c))' (line 7)" in finding.message


@pytest.mark.parametrize(
    "columns",
    [
        "list(row.keys())",
        "sorted(row)",
        "[k for k in row]",
        "tuple(row)",
    ],
)
def test_keys_of_a_dict_written_out_are_constants(columns):
    source = f"""
def insert(session, created):
    row = {{Experiment.id.name: 0, "created": created}}
    columns = {columns}
    session.execute(f"INSERT INTO t ({{', '.join(columns)}}) VALUES (:a, :b)", row)
"""
    assert lines(source) == []


def test_keys_of_a_dict_with_outside_keys_are_not():
    source = """
def insert(session, name, created):
    row = {name: created}
    session.execute(f"INSERT INTO t ({', '.join(row.keys())}) VALUES (:a)", row)
"""
    assert lines(source) == [4]


# -- snowfort-audit: intersections, unpacked loop tuples, named sanitizers, settings in units -----
def test_intersection_with_a_constant_set_holds_only_constants():
    source = """
ALLOWED = frozenset({"A", "B"})

def fetch(cursor, cols):
    wanted = tuple(sorted(cols & ALLOWED))
    cursor.execute(f"SELECT {', '.join(wanted)} FROM t")

def bad(cursor, names, more):
    cursor.execute(f"SELECT {', '.join(names & more)} FROM t")
"""
    assert lines(source) == [9]


def test_loop_tuples_are_unpacked_position_by_position():
    source = """
def grants(cursor, self):
    for role, check in [("ADMIN", self.a), ("OPS", lambda c: self.b(c))]:
        cursor.execute(f"SHOW GRANTS OF ROLE {role}")
    for role, check in [(self.x, "a"), ("B", "b")]:
        cursor.execute(f"SHOW GRANTS OF ROLE {role}")
"""
    assert lines(source) == [6]


def test_imported_helpers_named_for_escaping_are_trusted_local_ones_are_followed():
    source = """
from app.sql_safety import escape_string_literal, quote_identifier

def _quote_id(name):
    return f'"{name}"'

def show(cursor, name, role):
    cursor.execute(f"SHOW TABLES LIKE '{escape_string_literal(name)}'")
    cursor.execute(f"GRANT ROLE {quote_identifier(role)} TO USER x")
    cursor.execute(f"CREATE ROLE {_quote_id(role)}")
"""
    assert lines(source) == [10]


def test_settings_attributes_named_in_units_are_numbers_plain_names_are_not():
    source = """
def stale(cursor, thresholds, limit):
    cursor.execute(f"SELECT * FROM t WHERE age > {thresholds.lookback_days} AND n > {thresholds.row_threshold}")
    cursor.execute(f"SELECT * FROM t LIMIT {limit}")
"""
    assert lines(source) == [4]


def test_closures_see_what_every_call_passes_their_enclosing_private_function():
    source = """
def _fetcher(cursor, view):
    def fetch(days: int):
        cursor.execute(f"SELECT * FROM {view}")
    return fetch

def public_fetcher(cursor, view):
    def fetch():
        cursor.execute(f"SELECT * FROM {view}")
    return fetch

class Usage:
    VIEW = "QUERY_HISTORY"

    def rows(self, cursor):
        return _fetcher(cursor, self.VIEW)
"""
    assert lines(source) == [9]


def test_message_names_the_value_the_precise_walk_blames():
    source = """
def _quote_id(name):
    return f'"{name}"'

class Repo:
    def grant(self, role):
        self.db.execute(f"GRANT X ON {_quote_id('SNOWFLAKE')} TO ROLE {_quote_id(role)}")
"""
    assert "from '_quote_id(role)'" in only(source).message
