"""What a name stands for, for the security rules that follow a flag or an options dict from
where it is set to where it is used: `VERIFY = False` at module level, `options = {...}` in the
function, then `requests.get(url, verify=VERIFY)` / `jwt.decode(t, options=options)`.

Deliberately small and flow-insensitive, like `_names.NameTable`: a name bound once (or always
to the same code) in the innermost enclosing function, else at module level, is followed; a name
bound twice to different values, a parameter, a loop or `with` target, an import or a name
changed with `+=` is unknown, and the rules stay quiet about it. Class bodies are not scopes
that methods see, as in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import libcst as cst

from archlint.rules._names import iter_statements
from archlint.rules._tree import blocks


@dataclass(frozen=True)
class Binding:
    value: cst.BaseExpression
    statement: cst.CSTNode  # the Assign/AnnAssign that binds it: a finding's related location
    name: str


_UNKNOWN = object()
_MODULE_CODE = cst.Module(body=[])


def _code(node: cst.CSTNode) -> str:
    return _MODULE_CODE.code_for_node(node)


def _bind(scope: dict[str, object], name: str, value: cst.BaseExpression,
          stmt: cst.CSTNode) -> None:
    previous = scope.get(name)
    if previous is None:
        scope[name] = Binding(value, stmt, name)
    elif not (isinstance(previous, Binding) and _code(previous.value) == _code(value)):
        scope[name] = _UNKNOWN


def _forget(scope: dict[str, object], target: cst.BaseExpression) -> None:
    if isinstance(target, cst.Name):
        scope[target.value] = _UNKNOWN
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            _forget(scope, element.value)
    elif isinstance(target, cst.StarredElement):
        _forget(scope, target.value)


def _collect(scope: dict[str, object], body: cst.BaseSuite | cst.Module) -> None:
    for small in iter_statements(body):
        if isinstance(small, cst.Assign):
            for target in small.targets:
                if isinstance(target.target, cst.Name):
                    _bind(scope, target.target.value, small.value, small)
                else:
                    _forget(scope, target.target)
        elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
            if small.value is not None:
                _bind(scope, small.target.value, small.value, small)
        elif isinstance(small, cst.AugAssign):
            _forget(scope, small.target)
        elif isinstance(small, (cst.Import, cst.ImportFrom)):
            if isinstance(small.names, cst.ImportStar):
                continue
            for alias in small.names:
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    scope[alias.asname.name.value] = _UNKNOWN
                elif isinstance(alias.name, cst.Name):
                    scope[alias.name.value] = _UNKNOWN
        elif isinstance(small, cst.Global):
            for item in small.names:
                scope[item.name.value] = _UNKNOWN
    _forget_compound_targets(scope, body)


def _forget_compound_targets(scope: dict[str, object], body: cst.BaseSuite | cst.Module) -> None:
    """`for x in ...`, `with ... as x`, nested `def x`/`class x`: names whose value is unknown."""
    stmts = body.body if isinstance(body, (cst.Module, cst.IndentedBlock)) else []
    for stmt in stmts:
        if isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            scope[stmt.name.value] = _UNKNOWN
            continue
        if isinstance(stmt, cst.For):
            _forget(scope, stmt.target)
        elif isinstance(stmt, cst.With):
            for item in stmt.items:
                if item.asname is not None:
                    _forget(scope, item.asname.name)
        elif isinstance(stmt, cst.Try):
            for handler in stmt.handlers:
                if handler.name is not None:
                    _forget(scope, handler.name.name)
        if isinstance(stmt, cst.BaseCompoundStatement):
            for block in blocks(stmt):
                _forget_compound_targets(scope, block)


class Scopes:
    """Name bindings of one module and of the functions met so far (built lazily, cached)."""

    def __init__(self, module: cst.Module) -> None:
        self._module: dict[str, object] = {}
        _collect(self._module, module)
        self._functions: dict[int, dict[str, object]] = {}

    def _function_scope(self, function: cst.FunctionDef) -> dict[str, object]:
        scope = self._functions.get(id(function))
        if scope is None:
            scope = {}
            params = function.params
            for p in (*params.posonly_params, *params.params, *params.kwonly_params):
                scope[p.name.value] = _UNKNOWN
            for star in (params.star_arg, params.star_kwarg):
                if isinstance(star, cst.Param):
                    scope[star.name.value] = _UNKNOWN
            _collect(scope, function.body)
            self._functions[id(function)] = scope
        return scope

    def lookup(self, name: str, functions: Sequence[cst.FunctionDef]) -> Binding | None:
        for function in reversed(functions):
            found = self._function_scope(function).get(name)
            if found is not None:
                return found if isinstance(found, Binding) else None
        found = self._module.get(name)
        return found if isinstance(found, Binding) else None

    def resolve(
        self, expr: cst.BaseExpression, functions: Sequence[cst.FunctionDef], depth: int = 4
    ) -> tuple[cst.BaseExpression, Binding | None]:
        """What `expr` evaluates to as far as names bound to code go: `(value, first binding
        followed)`; an expression that is not a followed name comes back as it is."""
        first: Binding | None = None
        while isinstance(expr, cst.Name) and depth > 0:
            binding = self.lookup(expr.value, functions)
            if binding is None:
                break
            first = first or binding
            expr = binding.value
            depth -= 1
        return expr, first


def is_false(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "False"


def is_true(expr: cst.BaseExpression) -> bool:
    return isinstance(expr, cst.Name) and expr.value == "True"


def string_value(expr: cst.BaseExpression) -> str | None:
    """The value of a plain or concatenated string literal (no f-strings)."""
    if isinstance(expr, (cst.SimpleString, cst.ConcatenatedString)):
        value = expr.evaluated_value
        return value if isinstance(value, str) else None
    return None


def dict_entries(
    expr: cst.BaseExpression,
) -> list[tuple[str, cst.BaseExpression, cst.CSTNode]] | None:
    """`{"k": v}` or `dict(k=v)`: [(key, value, entry node)]; None for anything else, or when a
    `**spread` or a non-literal key may hide entries."""
    entries: list[tuple[str, cst.BaseExpression, cst.CSTNode]] = []
    if isinstance(expr, cst.Dict):
        for element in expr.elements:
            if not isinstance(element, cst.DictElement):
                return None
            key = string_value(element.key)
            if key is None:
                return None
            entries.append((key, element.value, element))
        return entries
    if (
        isinstance(expr, cst.Call)
        and isinstance(expr.func, cst.Name)
        and expr.func.value == "dict"
    ):
        for arg in expr.args:
            if arg.keyword is None or arg.star:
                return None
            entries.append((arg.keyword.value, arg.value, arg))
        return entries
    return None


def sequence_items(expr: cst.BaseExpression) -> list[cst.BaseExpression] | None:
    """Items of a list, tuple or set literal (None if a `*spread` may hide some)."""
    if isinstance(expr, (cst.List, cst.Tuple, cst.Set)):
        items = []
        for element in expr.elements:
            if isinstance(element, cst.StarredElement):
                return None
            items.append(element.value)
        return items
    return None
