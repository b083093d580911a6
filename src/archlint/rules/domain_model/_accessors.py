"""Trivial accessors of a class body: getters that only return one private field, setters that only
store their parameter into it, and the get_x/set_x or @property/@x.setter pairs they form.

Kept apart from ARC202 because ARC201 (anemic-domain-model) counts the same methods as "no
behaviour". Everything here reads the class's own body; nothing outside the class is resolved.
"""

from __future__ import annotations

import dataclasses
import keyword
import re
from collections.abc import Callable, Iterator, Sequence

import libcst as cst

from archlint.rules._names import dotted

JAVA, PROPERTY = "get/set", "property"


@dataclasses.dataclass(frozen=True)
class AccessorPair:
    """A trivial reader and writer of one private field. `style` is JAVA (`get_x`/`set_x`) or
    PROPERTY (`@property x` + `@x.setter`); `public` is the name the plain attribute would take."""

    style: str
    public: str
    field: str
    getter: cst.FunctionDef = dataclasses.field(repr=False)
    setter: cst.FunctionDef = dataclasses.field(repr=False)
    # a trivial `@x.deleter` (`del self._x`), if any
    deleter: cst.FunctionDef | None = dataclasses.field(default=None, repr=False)


def is_private(name: str) -> bool:
    """`_x` or `__x` (name-mangled); not a dunder, not `_` alone."""
    return name.startswith("_") and name.strip("_") != "" and not name.endswith("__")


def simple_statements(body: cst.BaseSuite) -> list[cst.BaseSmallStatement] | None:
    """The small statements of a function body without its docstring; None when the body holds a
    compound statement (an `if`, a `try`, a nested `def`...)."""
    if isinstance(body, cst.SimpleStatementSuite):
        small = list(body.body)
    else:
        small = []
        for statement in body.body:
            if not isinstance(statement, cst.SimpleStatementLine):
                return None
            small.extend(statement.body)
    if small and isinstance(small[0], cst.Expr) and isinstance(
        small[0].value, (cst.SimpleString, cst.ConcatenatedString)
    ):
        small = small[1:]
    return small


def positional_names(fn: cst.FunctionDef) -> list[str] | None:
    """Parameter names of a plain signature (positional, no defaults, no `*`/`**`/keyword-only);
    None for anything else: a default or a `*args` makes the method more than an accessor."""
    params = fn.params
    if isinstance(params.star_arg, cst.Param) or params.star_kwarg is not None:
        return None
    if params.kwonly_params:
        return None
    plain = [*params.posonly_params, *params.params]
    if any(p.default is not None for p in plain):
        return None
    return [p.name.value for p in plain]


def _self_field(expr: cst.BaseExpression, self_name: str) -> str | None:
    if (
        isinstance(expr, cst.Attribute)
        and isinstance(expr.value, cst.Name)
        and expr.value.value == self_name
        and is_private(expr.attr.value)
    ):
        return expr.attr.value
    return None


def getter_field(fn: cst.FunctionDef) -> str | None:
    """The private field a getter returns, when `return self._x` is all it does."""
    names = positional_names(fn)
    if fn.asynchronous is not None or names is None or len(names) != 1:
        return None
    small = simple_statements(fn.body)
    if not small or len(small) != 1 or not isinstance(small[0], cst.Return):
        return None
    value = small[0].value
    return _self_field(value, names[0]) if value is not None else None


def setter_field(fn: cst.FunctionDef) -> str | None:
    """The private field a setter stores its parameter into, when `self._x = value` is all it
    does (the parameter unchanged: `int(value)` or `value.strip()` is a conversion, a rule)."""
    names = positional_names(fn)
    if fn.asynchronous is not None or names is None or len(names) != 2:
        return None
    small = simple_statements(fn.body)
    if not small or len(small) != 1 or not isinstance(small[0], cst.Assign):
        return None
    assign = small[0]
    if len(assign.targets) != 1:
        return None
    value = assign.value
    if not isinstance(value, cst.Name) or value.value != names[1]:
        return None
    return _self_field(assign.targets[0].target, names[0])


def deleter_field(fn: cst.FunctionDef) -> str | None:
    """The private field a deleter removes, when `del self._x` is all it does."""
    names = positional_names(fn)
    if fn.asynchronous is not None or names is None or len(names) != 1:
        return None
    small = simple_statements(fn.body)
    if not small or len(small) != 1 or not isinstance(small[0], cst.Del):
        return None
    return _self_field(small[0].target, names[0])


def _decorator_names(fn: cst.FunctionDef) -> list[str | None]:
    return [dotted(d.decorator) for d in fn.decorators]


def _class_functions(cls: cst.ClassDef) -> list[cst.FunctionDef]:
    if not isinstance(cls.body, cst.IndentedBlock):
        return []
    return [s for s in cls.body.body if isinstance(s, cst.FunctionDef)]


def member_names(cls: cst.ClassDef, *, functions: bool = True) -> set[str]:
    """Names the class body defines directly: methods and nested classes (unless `functions` is
    false), assigned and annotated attributes."""
    names: set[str] = set()
    if not isinstance(cls.body, cst.IndentedBlock):
        return names
    for statement in cls.body.body:
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            if functions:
                names.add(statement.name.value)
        elif isinstance(statement, cst.SimpleStatementLine):
            for small in statement.body:
                targets: Sequence[cst.BaseExpression] = ()
                if isinstance(small, cst.Assign):
                    targets = [t.target for t in small.targets]
                elif isinstance(small, (cst.AnnAssign, cst.AugAssign)):
                    targets = [small.target]
                for target in targets:
                    names.update(_bound_names(target))
    return names


def _bound_names(target: cst.BaseExpression) -> Iterator[str]:
    if isinstance(target, cst.Name):
        yield target.value
    elif isinstance(target, (cst.Tuple, cst.List)):
        for element in target.elements:
            yield from _bound_names(element.value)


def _bare_uses(code: str, name: str) -> int:
    """How often `name` appears as a bare name (not after a dot) in `code`."""
    return len(re.findall(rf"(?<![\w.]){re.escape(name)}(?!\w)", code))


def trivial_pairs(cls: cst.ClassDef, class_code: Callable[[], str]) -> list[AccessorPair]:
    """The trivial get_x/set_x and @property/@x.setter pairs of a class, in source order of their
    getters. `class_code()` gives the class's source (asked for only when a get/set pair is
    found), used to see whether an accessor is referenced by name inside the class body
    (`x = property(get_x, set_x)`, a framework's registration): such methods are hooks, not
    boilerplate."""
    functions = _class_functions(cls)
    by_name: dict[str, list[cst.FunctionDef]] = {}
    for fn in functions:
        by_name.setdefault(fn.name.value, []).append(fn)
    members = member_names(cls)
    assigned = member_names(cls, functions=False)
    pairs: list[AccessorPair] = []
    for fn in functions:
        name = fn.name.value
        pair: AccessorPair | None = None
        if name.startswith("get_") and len(name) > 4:
            pair = _java_pair(name[4:], by_name, members, class_code)
        elif _decorator_names(fn) == ["property"]:
            pair = _property_pair(name, by_name, assigned)
        if pair is not None and pair.getter is fn:
            pairs.append(pair)
    return pairs


def _java_pair(
    public: str,
    by_name: dict[str, list[cst.FunctionDef]],
    members: set[str],
    class_code: Callable[[], str],
) -> AccessorPair | None:
    if not public.isidentifier() or keyword.iskeyword(public):
        return None  # `get_class`/`set_class`: no plain attribute can take that name
    getters, setters = by_name.get(f"get_{public}", []), by_name.get(f"set_{public}", [])
    if len(getters) != 1 or len(setters) != 1:
        return None  # no setter (a read-only accessor), or defined twice
    getter, setter = getters[0], setters[0]
    if getter.decorators or setter.decorators:
        return None  # @abstractmethod, @override, @staticmethod, a framework's registration...
    if public in members:
        return None  # a property or attribute `x` next to get_x/set_x: a mixed API
    field = getter_field(getter)
    if field is None or setter_field(setter) != field:
        return None
    code = class_code()
    if any(_bare_uses(code, n) != 1 for n in (f"get_{public}", f"set_{public}")):
        return None  # referenced by name in the class body: `x = property(get_x, set_x)`
    return AccessorPair(JAVA, public, field, getter, setter)


def _property_pair(
    public: str,
    by_name: dict[str, list[cst.FunctionDef]],
    assigned: set[str],
) -> AccessorPair | None:
    if public in assigned:
        return None  # `x = ...` in the class body as well: rebound, not a plain pair
    getter: cst.FunctionDef | None = None
    setter: cst.FunctionDef | None = None
    deleter: cst.FunctionDef | None = None
    for fn in by_name.get(public, []):
        decorators = _decorator_names(fn)
        if decorators == ["property"] and getter is None:
            getter = fn
        elif decorators == [f"{public}.setter"] and setter is None:
            setter = fn
        elif decorators == [f"{public}.deleter"] and deleter is None:
            deleter = fn
        else:
            return None  # stacked decorators, a second definition, @x.getter...
    if getter is None or setter is None:
        return None  # a read-only property is encapsulation, not boilerplate
    field = getter_field(getter)
    if field is None or setter_field(setter) != field:
        return None
    if deleter is not None and deleter_field(deleter) != field:
        return None  # a deleter with logic
    return AccessorPair(PROPERTY, public, field, getter, setter, deleter)


def pair_names(pair: AccessorPair) -> tuple[str, ...]:
    """The class members the pair defines."""
    if pair.style == JAVA:
        return (f"get_{pair.public}", f"set_{pair.public}")
    return (pair.public,)


__all__ = [
    "JAVA",
    "PROPERTY",
    "AccessorPair",
    "deleter_field",
    "getter_field",
    "is_private",
    "member_names",
    "pair_names",
    "setter_field",
    "trivial_pairs",
]
