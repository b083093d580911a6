"""ARC301 follows calls into the module's own functions: the index of a module's functions and
calls, guards that validate a value, and the help text per sink."""

from __future__ import annotations

import re

import libcst as cst

from archlint.rules._names import dotted, iter_statements
from archlint.rules._tree import children
from archlint.rules.base import FileContext
from archlint.rules.data_access._sql_values import (
    _NUMERIC_SPEC_END,
    _OPAQUE_CONST,
    _SAFE_ANNOTATIONS,
    _SQL_HINT,
    _SQL_KEYWORDS,
    _SQLISH_NAME,
    _UNKNOWN_V,
    _V,
    BUILT,
    CONST,
    DRIVER,
    EXTRA,
    PANDAS,
    PSYCOPG,
    RAWSQL,
    SCRIPT,
    SEQ,
    TEXT,
    UNKNOWN,
    _is_nonconst,
    _unknown,
)

# -- following calls ------------------------------------------------------------------------------
_MAX_DEPTH = 4  # calls followed into functions of the module, nested


# A call, and the function and class it is written in.
_Site = tuple[cst.Call, cst.FunctionDef | None, cst.ClassDef | None]


class _Index:
    """The functions and calls of a module, for following calls (built when first needed)."""

    def __init__(self, module: cst.Module) -> None:
        self.defs: dict[str, cst.FunctionDef] = {}  # module-level functions, defined once
        self.methods: dict[int, dict[str, cst.FunctionDef]] = {}
        self.owner: dict[int, cst.ClassDef] = {}  # the class a method is defined in
        self.name_calls: dict[str, list[_Site]] = {}  # name(...)
        self.self_calls: dict[str, list[_Site]] = {}  # self.name(...), cls.name(...)
        self.other_calls: dict[str, int] = {}  # obj.name(...) on anything but self/cls
        self.name_refs: dict[str, int] = {}  # a name used other than by calling it
        self.attr_refs: dict[str, int] = {}
        self.ctxvar_sets: dict[str, list[cst.Call]] = {}
        counts: dict[str, int] = {}
        for stmt in module.body:
            if isinstance(stmt, cst.FunctionDef):
                counts[stmt.name.value] = counts.get(stmt.name.value, 0) + 1
                self.defs[stmt.name.value] = stmt
        for small in iter_statements(module):  # a module-level assignment rebinds the name
            if isinstance(small, cst.Assign):
                for t in small.targets:
                    for name in _target_names(t.target):
                        counts[name] = 2
            elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                for name in _target_names(small.target):
                    counts[name] = 2
        for name, n in counts.items():
            if n != 1:
                self.defs.pop(name, None)
        skip: set[int] = set()
        called: set[int] = set()
        stack: list[tuple[cst.CSTNode, cst.FunctionDef | None, cst.ClassDef | None]] = [
            (module, None, None)
        ]
        while stack:
            node, fn, cls = stack.pop()
            t = type(node)
            if t is cst.Import or t is cst.ImportFrom:
                continue
            if t is cst.ClassDef:
                assert isinstance(node, cst.ClassDef)
                skip.add(id(node.name))
                body = node.body.body if isinstance(node.body, cst.IndentedBlock) else ()
                methods = self.methods.setdefault(id(node), {})
                for stmt in body:
                    if isinstance(stmt, cst.FunctionDef):
                        methods[stmt.name.value] = stmt
                        self.owner[id(stmt)] = node
                cls = node
            elif t is cst.FunctionDef:
                skip.add(id(node.name))  # type: ignore[attr-defined]
                fn = node  # type: ignore[assignment]
            elif t is cst.Param:
                skip.add(id(node.name))  # type: ignore[attr-defined]
            elif t is cst.Arg and node.keyword is not None:  # type: ignore[attr-defined]
                skip.add(id(node.keyword))  # type: ignore[attr-defined]
            elif t is cst.Call:
                assert isinstance(node, cst.Call)
                func = node.func
                called.add(id(func))
                site = (node, fn, cls)
                if isinstance(func, cst.Name):
                    self.name_calls.setdefault(func.value, []).append(site)
                elif isinstance(func, cst.Attribute):
                    attr = func.attr.value
                    receiver = func.value
                    if isinstance(receiver, cst.Name) and receiver.value in ("self", "cls"):
                        self.self_calls.setdefault(attr, []).append(site)
                    else:
                        self.other_calls[attr] = self.other_calls.get(attr, 0) + 1
                        if attr == "set" and isinstance(receiver, cst.Name):
                            self.ctxvar_sets.setdefault(receiver.value, []).append(node)
            elif t is cst.Attribute:
                skip.add(id(node.attr))  # type: ignore[attr-defined]
                if id(node) not in called:
                    attr = node.attr.value  # type: ignore[attr-defined]
                    self.attr_refs[attr] = self.attr_refs.get(attr, 0) + 1
            elif t is cst.Name and id(node) not in skip and id(node) not in called:
                name = node.value  # type: ignore[attr-defined]
                self.name_refs[name] = self.name_refs.get(name, 0) + 1
            for kid in children(node):
                stack.append((kid, fn, cls))

    def method(self, cls: cst.ClassDef | None, name: str) -> cst.FunctionDef | None:
        if cls is None:
            return None
        return self.methods.get(id(cls), {}).get(name)

    def private_call_sites(self, fn: cst.FunctionDef) -> list[_Site] | None:
        """Every call of a function or method that is only ever called (never passed around),
        by its name or through self/cls; None when that cannot be told."""
        name = fn.name.value
        cls = self.owner.get(id(fn))
        if self.name_refs.get(name):
            return None
        if cls is None:
            if self.defs.get(name) is not fn:
                return None
            return self.name_calls.get(name) or None
        if self.methods.get(id(cls), {}).get(name) is not fn:
            return None
        if self.attr_refs.get(name) or self.other_calls.get(name) or name in self.name_calls:
            return None
        sites = self.self_calls.get(name) or []
        if any(site_cls is not cls for _, _, site_cls in sites):
            return None
        return sites or None


class _Shared:
    """What the walks of one file share: the module index and what was learnt about calls."""

    def __init__(self) -> None:
        self._index: _Index | None = None
        self.summaries: dict[tuple, _V] = {}
        self.propagated: dict[int, dict[str, _V]] = {}
        self.confirmed: dict[int, frozenset[int]] = {}
        self.confirmed_values: dict[int, dict[int, _V]] = {}
        self.ctxvars: dict[str, _V | None] = {}
        self.orm_names: dict[int, frozenset[str]] = {}
        self.generators: dict[int, bool] = {}
        self.locals: dict[int, frozenset[str]] = {}
        self.active: set[int] = set()

    def local_names(self, fn: cst.FunctionDef) -> frozenset[str]:
        """Every name a function binds (parameters, assignments, loops, imports, ...)."""
        found = self.locals.get(id(fn))
        if found is None:
            names: set[str] = set()
            stack: list[cst.CSTNode] = [fn.params, fn.body]
            while stack:
                node = stack.pop()
                kind = type(node)  # leaf classes: `is` spares ABCMeta's isinstance per node
                targets: list[cst.BaseExpression] = []
                if kind in _NAMED:
                    names.add(node.name.value)  # type: ignore[attr-defined]
                elif kind is cst.Assign:
                    targets = [t.target for t in node.targets]  # type: ignore[attr-defined]
                elif kind in _ONE_TARGET:
                    targets = [node.target]  # type: ignore[attr-defined]
                elif kind is cst.AsName:
                    targets = [node.name]  # type: ignore[attr-defined]
                elif kind is cst.ImportAlias and node.asname is None:  # type: ignore[attr-defined]
                    names.add((dotted(node.name) or "").split(".")[0])  # type: ignore[attr-defined]
                elif kind is cst.Global or kind is cst.Nonlocal:
                    names.update(n.name.value for n in node.names)  # type: ignore[attr-defined]
                for t in targets:
                    names.update(_target_names(t))
                stack.extend(children(node))
            found = self.locals[id(fn)] = frozenset(names)
        return found

    def index(self, module: cst.Module) -> _Index:
        if self._index is None:
            self._index = _Index(module)
        return self._index


_NAMED = frozenset({cst.Param, cst.FunctionDef, cst.ClassDef})
_ONE_TARGET = frozenset({cst.AnnAssign, cst.AugAssign, cst.NamedExpr, cst.For, cst.CompFor})

def _is_generator(fn: cst.FunctionDef, shared: _Shared) -> bool:
    found = shared.generators.get(id(fn))
    if found is None:
        found = False
        stack: list[cst.CSTNode] = [fn.body]
        while stack:
            node = stack.pop()
            if isinstance(node, cst.Yield):
                found = True
                break
            if isinstance(node, (cst.FunctionDef, cst.ClassDef, cst.Lambda)):
                continue
            stack.extend(children(node))
        shared.generators[id(fn)] = found
    return found


def _is_method(fn: cst.FunctionDef) -> bool:
    return not any(dotted(d.decorator) == "staticmethod" for d in fn.decorators)


def _constant_part(v: _V | None) -> _V:
    """What a caller may learn of a function's return value: constants, and tuples of them."""
    if v is None:
        return _UNKNOWN_V
    if v.kind == CONST:
        return v
    if v.kind == SEQ:
        items = tuple(_constant_part(i) for i in v.items) if v.items is not None else None
        elem = v.elem
        if elem is not None and _is_nonconst(elem):
            elem = _UNKNOWN_V
        return _V(SEQ, elem=elem, items=items)
    return _UNKNOWN_V


def _with_node(v: _V, call: cst.Call) -> _V:
    if v.kind == UNKNOWN:
        return _unknown(call)
    if v.kind == SEQ:
        return _V(SEQ, elem=v.elem, node=call, items=v.items)
    return v


# -- validation guards ---------------------------------------------------------------------------
_STR_VALIDATORS = frozenset(
    {"isidentifier", "isalnum", "isalpha", "isdigit", "isdecimal", "isnumeric"}
)
_NUMERIC_TYPES = frozenset({"int", "float", "bool", "Decimal", "UUID"})


def _key(expr: cst.BaseExpression) -> str | None:
    """What a guard can narrow: a local name, or `self.x`."""
    if isinstance(expr, cst.Name):
        return expr.value
    if (
        isinstance(expr, cst.Attribute)
        and isinstance(expr.value, cst.Name)
        and expr.value.value in ("self", "cls")
    ):
        return f"self.{expr.attr.value}"
    return None


def _attribute_targets(target: cst.BaseExpression) -> list[cst.Attribute]:
    """The `self.x`/`cls.x` an assignment target binds, through tuple unpacking."""
    return [t for t in _target_leaves(target) if isinstance(t, cst.Attribute) and _key(t)]


def _safe_pattern(pattern: str, full: bool) -> bool:
    """A regular expression that, matched in full, admits no quote, whitespace, semicolon or
    other character that could end an identifier or a literal: no `.`, `\\s`, `\\S`, `\\W`,
    `\\D`, negated classes or escapes of arbitrary characters."""
    if not full and (pattern.endswith("\\$") or not pattern.endswith(("$", "\\Z"))):
        return False
    in_class = False
    i = 0
    while i < len(pattern):
        c = pattern[i]
        if c == "\\":
            nxt = pattern[i + 1 : i + 2]
            if nxt in ("s", "S", "W", "D", "N", "x", "u", "U", "") or nxt.isdigit():
                return False
            i += 2
            continue
        if c in "'\"`; \t\n":
            return False
        if in_class:
            if c == "]":
                in_class = False
        elif c == "[":
            in_class = True
            if pattern[i + 1 : i + 2] == "^":
                return False
            if pattern[i + 1 : i + 2] == "]":
                i += 1
        elif c == "." or (c == "|" and not full):
            return False
        i += 1
    return True


# -- rows fetched from the database ------------------------------------------------------------
_ROW_METHODS = frozenset({"first", "fetchone", "one", "one_or_none", "scalar"})
_SELECT_START = re.compile(r"(?is)\bselect\b(?:\s+distinct\b)?")
_QUOTING_CALL = re.compile(
    r"(?is)\s*(?:format\s*\(\s*'(?:[^'%]|%%|%I)*'"
    r"|quote_ident\s*\(|quote_literal\s*\(|quote_nullable\s*\()"
)
_ALIAS_ONLY = re.compile(r'(?is)\s*(?:(?:as\s+)?(?:\w+|"[^"]*"))?\s*')


def _outside_quotes(sql: str, start: int):
    """(index, character, parenthesis depth) of every character outside SQL quotes, from start."""
    depth, quote = 0, ""
    for i in range(start, len(sql)):
        c = sql[i]
        if quote:
            if c == quote:
                quote = ""
            continue
        if c in "'\"":
            quote = c
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        yield i, c, depth


def _select_columns(sql: str) -> list[str] | None:
    m = _SELECT_START.search(sql)
    if m is None:
        return None
    columns: list[str] = []
    start = end = m.end()
    for end, c, depth in _outside_quotes(sql, m.end()):
        if depth == 0 and c == ",":
            columns.append(sql[start:end])
            start = end + 1
        elif (
            depth == 0
            and sql[end : end + 4].lower() == "from"
            and not (sql[end - 1].isalnum() or sql[end - 1] == "_")
            and not (sql[end + 4 : end + 5].isalnum() or sql[end + 4 : end + 5] == "_")
        ):
            break
    else:
        end = len(sql)
    columns.append(sql[start:end])
    return columns


def _column_is_quoted(sql: str, index: int) -> bool:
    """Column `index` of the query's select list is rendered by PostgreSQL's own quoting:
    `format('%I.%I', ...)`, `quote_ident(...)`, `quote_literal(...)`."""
    columns = _select_columns(sql)
    if columns is None or not 0 <= index < len(columns):
        return False
    column = columns[index]
    if _QUOTING_CALL.match(column) is None:
        return False
    for i, c, depth in _outside_quotes(column, column.index("(")):
        if c == ")" and depth == 0:
            return _ALIAS_ONLY.fullmatch(column[i + 1 :]) is not None
    return False


def _integer_index(e: cst.Subscript) -> int | None:
    if len(e.slice) != 1:
        return None
    item = e.slice[0].slice
    if isinstance(item, cst.Index) and isinstance(item.value, cst.Integer):
        return int(item.value.value)
    return None


# -- helpers -------------------------------------------------------------------------------------
def _target_leaves(target: cst.BaseExpression) -> list[cst.BaseExpression]:
    """What an assignment target binds, tuple, list and starred unpacking taken apart."""
    if isinstance(target, (cst.Tuple, cst.List)):
        return [leaf for el in target.elements for leaf in _target_leaves(el.value)]
    if isinstance(target, cst.StarredElement):
        return _target_leaves(target.value)
    return [target]


def _target_names(target: cst.BaseExpression) -> list[str]:
    return [t.value for t in _target_leaves(target) if isinstance(t, cst.Name)]


def _loop_value(target: cst.BaseExpression, elem: _V) -> _V:
    """What each name of a loop target holds when the iterable yields `elem`: unpacking a
    sequence of tuples of constants (`for table, kind in [("a", "x"), ("b", "y")]`) gives
    constants."""
    if elem.kind == SEQ and isinstance(target, (cst.Tuple, cst.List)):
        elem = elem.elem if elem.elem is not None else _UNKNOWN_V
    return elem if elem.kind in (CONST, BUILT) else _UNKNOWN_V


def _hinted_const(name: str) -> _V:
    """An UPPER_CASE constant we cannot see: constant, and SQL if its name says so."""
    if _SQLISH_NAME.search(name):
        return _V(CONST, _SQL_HINT, known=False)
    return _OPAQUE_CONST


def _is_preparer(expr: cst.BaseExpression) -> bool:
    if isinstance(expr, cst.Attribute):
        return expr.attr.value.endswith("preparer")
    return isinstance(expr, cst.Name) and expr.value.endswith("preparer")


def _escapes_quotes(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.SimpleString) and expr.raw_value in ("'", '"', "\\'", '\\"')


def _numeric_spec(spec: object) -> bool:
    parts = list(spec)  # type: ignore[call-overload]
    if not parts or not all(isinstance(p, cst.FormattedStringText) for p in parts):
        return False
    text = "".join(p.value for p in parts)
    return bool(text) and text[-1] in _NUMERIC_SPEC_END


def _safe_annotation(annotation: cst.Annotation | None) -> bool:
    if annotation is None:
        return False
    ann = annotation.annotation
    candidates: list[cst.BaseExpression] = [ann]
    if isinstance(ann, cst.BinaryOperation) and isinstance(ann.operator, cst.BitOr):
        candidates = [ann.left, ann.right]
    elif isinstance(ann, cst.Subscript) and (dotted(ann.value) or "").endswith("Optional"):
        candidates = [e.slice.value for e in ann.slice if isinstance(e.slice, cst.Index)]
    seen = False
    for c in candidates:
        name = dotted(c)
        if name == "None":
            continue
        if name is None or name.rsplit(".", 1)[-1] not in _SAFE_ANNOTATIONS:
            return False
        seen = True
    return seen


def _sql_argument(node: cst.Call) -> cst.BaseExpression | None:
    for arg in node.args:
        if arg.star:
            return None
        if arg.keyword is None:
            return arg.value
        break
    for arg in node.args:
        if arg.keyword is not None and arg.keyword.value in _SQL_KEYWORDS:
            return arg.value
    return None


def _label(ctx: FileContext, func: cst.BaseExpression) -> str:
    code = " ".join(ctx.code_of(func).split())
    if len(code) <= 40:
        return code
    if isinstance(func, cst.Attribute):
        return f"...{func.attr.value}"
    return code[:37] + "..."


def _describe(ctx: FileContext, node: cst.CSTNode | None) -> str:
    if node is None:
        return "a non-constant value"
    code = " ".join(ctx.code_of(node).split())
    if len(code) > 40:
        code = code[:37] + "..."
    return f"'{code}'"


_IDENTIFIER_NAME = re.compile(
    r"(?i)(?:^|_)(?:table|tables|tbl|column|columns|col|cols|field|fields|schema|index|view|"
    r"order|sort|order_by|sort_by|ident|identifier|db|database)(?:_?name)?s?$"
)
_ASYNCPG_METHODS = frozenset({"fetch", "fetchrow", "fetchval"})
_DATABASES_METHODS = frozenset({"fetch_all", "fetch_one", "fetch_val", "execute_many", "iterate"})


def _help(
    ctx: FileContext, kind: str, label: str, root: str, entered: cst.CSTNode | None
) -> str:
    """What to do instead, in the sink's own parameter style."""
    value = "value"
    if entered is not None:
        code = " ".join(ctx.code_of(entered).split())
        if len(code) <= 30:
            value = code
    last = re.sub(r"\W+", "_", value.rsplit(".", 1)[-1]).strip("_")
    param = last if last.isidentifier() else "value"
    method = label.rsplit(".", 1)[-1]
    receiver = label.rsplit(".", 1)[0] if "." in label else "cursor"
    if kind == PSYCOPG or (_IDENTIFIER_NAME.search(param) and kind != EXTRA):
        if kind == PSYCOPG or root in ("psycopg", "psycopg2"):
            return (
                f"{value!s} names a table or column: compose with "
                f'sql.SQL("SELECT * FROM {{}}").format(sql.Identifier({value})), '
                "and pass values as execute() parameters"
            )
        return (
            f"{value} names a table or column, which cannot be a parameter: check it against an "
            "allow-list of known names (or quote it with the driver's identifier quoting, e.g. "
            "psycopg's sql.Identifier); pass values as parameters"
        )
    if kind == TEXT:
        return (
            f'use bind parameters: text("... WHERE id = :{param}") and pass '
            f'{{"{param}": {value}}} to execute()'
        )
    if kind == RAWSQL:
        return f'pass values as params: RawSQL("... WHERE id = %s", ({value},))'
    if kind == PANDAS:
        return (
            f'pass values with params=: {label}("... WHERE id = %(id)s", con, '
            f'params={{"id": {value}}})'
        )
    if kind == EXTRA:
        return (
            f'pass values with params=: {label}(where=["id = %s"], params=[{value}]), or better '
            "use filter()"
        )
    if kind == DRIVER and method == "raw":
        return f'pass a params list: {label}("... WHERE id = %s", [{value}])'
    if kind == SCRIPT:
        return (
            "executescript() takes no parameters: run the statement with execute() and pass "
            f'values as parameters: {receiver}.execute("... WHERE id = ?", ({value},))'
        )
    if root == "asyncpg" or method in _ASYNCPG_METHODS:
        return f'pass values as arguments: {label}("... WHERE id = $1", {value})'
    if root == "databases" or method in _DATABASES_METHODS:
        return (
            f'pass values as parameters: {label}(query="... WHERE id = :{param}", '
            f'values={{"{param}": {value}}})'
        )
    if "session" in receiver.lower():
        return (
            f'use text() with bind parameters: {label}(text("... WHERE id = :{param}"), '
            f'{{"{param}": {value}}})'
        )
    mark = "?" if root in ("sqlite3", "aiosqlite") else "%s"
    return f'pass values as parameters: {label}("... WHERE id = {mark}", ({value},))'
