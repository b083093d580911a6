"""ARC301's fix: a query built with an f-string, `%` or `.format()` right in the `execute()`
call, rewritten into a parameterised one for a DB-API driver whose placeholder style is known.

    cur.execute(f"SELECT * FROM users WHERE name = '{name}' AND age > {age}")
    cur.execute("SELECT * FROM users WHERE name = ? AND age > ?", (name, age))   # sqlite3

Offered only when the rewrite cannot change what the query means, as far as the text shows:
- the driver is known from the call (sqlite3 `?`; psycopg, psycopg2 and PyMySQL `%s`;
  asyncpg `$1`...), and the call passes nothing but the query;
- the query is one literal (no implicit concatenation, no bytes or raw prefix) and holds no
  placeholder or `%` of its own;
- every interpolated value is a plain expression (a name, an attribute, a subscript by a
  literal) with no conversion or format spec;
- every value sits where SQL takes a value: after a comparison, `(`, `,`, `LIKE`, `IN`,
  `VALUES`, `LIMIT`, `OFFSET`, `BETWEEN`/`AND`, `THEN`/`ELSE`, `SET x =`, optionally inside
  quotes that enclose nothing else (`'{name}'` becomes `?`; `'%{name}%'` is left alone). A
  value in the place of an identifier or keyword (`FROM {table}`, `ORDER BY {column}`) cannot
  be a parameter, and stops the fix.
The fix is unsafe: the driver now sends typed values, so a query that relied on the text
(`'{n}'` compared with a number column, a list formatted as `1, 2, 3`) may behave differently.
"""

from __future__ import annotations

import re
import string

import libcst as cst

from archlint.model import Edit, Fix
from archlint.rules.base import FileContext

# The callee's top package -> the placeholder for the n-th value (1-based)
_PLACEHOLDERS = {
    "sqlite3": lambda n: "?",
    "psycopg": lambda n: "%s",
    "psycopg2": lambda n: "%s",
    "pymysql": lambda n: "%s",
    "MySQLdb": lambda n: "%s",
    "asyncpg": lambda n: f"${n}",
}
# SQL that takes a value next: what may precede an interpolation
_VALUE_BEFORE = re.compile(
    r"(?:[=<>(,]|!=|\b(?:LIKE|ILIKE|IN|VALUES|LIMIT|OFFSET|BETWEEN|AND|THEN|ELSE|IS))\s*$",
    re.IGNORECASE)
_AND_NOT_BETWEEN = re.compile(r"\bAND\s*$", re.IGNORECASE)
_BETWEEN_OPEN = re.compile(r"\bBETWEEN\s+\S+\s+AND\s*$", re.IGNORECASE)
_PLACEHOLDER_TEXT = re.compile(r"\?|%|\$\d")


def placeholder_style(callee: str | None) -> str | None:
    """The driver package of a call's callee (`sqlite3.Cursor.execute` -> "sqlite3")."""
    if callee is None:
        return None
    root = callee.split(".", 1)[0]
    return root if root in _PLACEHOLDERS else None


def parameterise(ctx: FileContext, call: cst.Call, driver: str) -> Fix | None:
    """The fix for `call`, or None when the rewrite is not certain to keep the query."""
    if len(call.args) != 1 or call.args[0].keyword is not None or call.args[0].star:
        return None
    query = call.args[0].value
    split = _split(query)
    if split is None:
        return None
    quote_open, quote_close, pieces, values = split
    if any(_PLACEHOLDER_TEXT.search(p) for p in pieces):
        return None
    if not values or not all(_plain(v) for v in values):
        return None
    text = pieces[0]
    for index, value in enumerate(values):
        after = pieces[index + 1]
        if text.endswith("'") and after.startswith("'"):
            text, after = text[:-1], after[1:]  # '{name}' -> ?
        elif text.endswith(("'", '"')) or after.startswith(("'", '"')):
            return None  # inside a longer string literal: '%{name}%'
        if not _VALUE_BEFORE.search(text):
            return None
        if _AND_NOT_BETWEEN.search(text) and not _BETWEEN_OPEN.search(text):
            return None  # `WHERE a = 1 AND {cond}`: a condition, not a value
        text += _PLACEHOLDERS[driver](index + 1) + after
    codes = [ctx.code_of(v) for v in values]
    literal = f"{quote_open}{text}{quote_close}"
    if driver == "asyncpg":
        replacement = ", ".join((literal, *codes))
    else:
        replacement = f"{literal}, ({', '.join(codes)}{',' if len(codes) == 1 else ''})"
    edit = Edit(ctx.span_of(query), replacement)
    return Fix(f"pass the {len(codes)} value(s) as query parameters ({driver} placeholders)",
               (edit,), safe=False)


def _split(query: cst.BaseExpression
           ) -> tuple[str, str, list[str], list[cst.BaseExpression]] | None:
    """(opening quote, closing quote, the literal text around each value, the values)."""
    if isinstance(query, cst.FormattedString):
        if set(query.prefix.lower()) - {"f"}:
            return None  # rf"", bf"": leave them alone
        pieces, values = [""], []
        for part in query.parts:
            if isinstance(part, cst.FormattedStringText):
                pieces[-1] += part.value
            elif part.conversion is not None or part.format_spec is not None \
                    or part.equal is not None:
                return None
            else:
                values.append(part.expression)
                pieces.append("")
        return query.quote, query.quote, pieces, values  # the `f` dropped
    if isinstance(query, cst.Call) and isinstance(query.func, cst.Attribute) \
            and query.func.attr.value == "format" and isinstance(query.func.value,
                                                                  cst.SimpleString):
        literal = query.func.value
        if any(a.keyword is not None or a.star for a in query.args):
            return None
        return _from_format(literal, [a.value for a in query.args])
    if isinstance(query, cst.BinaryOperation) and isinstance(query.operator, cst.Modulo) \
            and isinstance(query.left, cst.SimpleString):
        right = query.right
        items = [e.value for e in right.elements] if isinstance(right, cst.Tuple) else [right]
        if any(isinstance(e, cst.StarredElement) for e in getattr(right, "elements", [])):
            return None
        return _from_percent(query.left, items)
    return None


def _quotes(literal: cst.SimpleString) -> tuple[str, str, str] | None:
    prefix = literal.prefix
    if prefix and set(prefix.lower()) - {"u"}:
        return None
    quote = literal.quote
    body = literal.value[len(prefix) + len(quote): len(literal.value) - len(quote)]
    return prefix + quote, quote, body


def _from_format(literal: cst.SimpleString, args: list[cst.BaseExpression]
                 ) -> tuple[str, str, list[str], list[cst.BaseExpression]] | None:
    found = _quotes(literal)
    if found is None:
        return None
    opening, closing, body = found
    pieces, values, auto = [""], [], 0
    try:
        parsed = list(string.Formatter().parse(body))
    except ValueError:
        return None
    for text, field, spec, conversion in parsed:
        pieces[-1] += text
        if field is None:
            continue
        if spec or conversion:
            return None
        if field == "":
            index, auto = auto, auto + 1
        elif field.isdigit():
            index = int(field)
        else:
            return None
        if index >= len(args):
            return None
        values.append(args[index])
        pieces.append("")
    if "{" in "".join(pieces) or "}" in "".join(pieces):
        return None  # `{{`: escaped braces in the text
    return opening, closing, pieces, values


def _from_percent(literal: cst.SimpleString, args: list[cst.BaseExpression]
                  ) -> tuple[str, str, list[str], list[cst.BaseExpression]] | None:
    found = _quotes(literal)
    if found is None:
        return None
    opening, closing, body = found
    pieces = body.split("%s")
    if len(pieces) - 1 != len(args) or "%" in "".join(pieces):
        return None  # `%d`, `%(name)s`, `%%`: not this simple shape
    return opening, closing, pieces, list(args)


def _plain(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Name):
        return True
    if isinstance(expr, cst.Attribute):
        return _plain(expr.value)
    if isinstance(expr, cst.Subscript) and len(expr.slice) == 1:
        index = expr.slice[0].slice
        return isinstance(index, cst.Index) and isinstance(
            index.value, (cst.SimpleString, cst.Integer)) and _plain(expr.value)
    return False
