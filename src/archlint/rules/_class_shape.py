"""What a class is made of, read from CPython's `ast`: its instance fields, what each of its
methods does, and whether its instances are immutable values.

Method kinds follow the anemic-model literature (Fowler's AnemicDomainModel; PMD's DataClass
metrics count the same things as accessors vs. functional methods):
- `dunder` and `init`: Python's protocol methods, and an `__init__`/`__post_init__` that only
  stores its arguments (one that validates or derives a field is `behaviour`);
- `getter`: returns one field (`return self._x`), as a method or a `@property`;
- `setter`: stores its one argument in one field, as a method or a `@x.setter`;
- `converter`: `to_dict`/`from_dict`/`as_json`-style translation to or from another shape;
- `factory`: a `classmethod`/`staticmethod` that builds an instance; `abstract`: no body;
- `behaviour`: everything else (computes, decides, validates, changes state under a rule).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from archlint.rules._ast import dotted, walk

NEUTRAL = frozenset({"dunder", "init", "factory", "abstract"})
ACCESSORS = frozenset({"getter", "setter", "converter"})

_CONVERTER = re.compile(
    r"(?:to|as|from)_[a-z0-9_]+|dict|json|serialize|deserialize|model_dump|asdict|__json__"
)
_FIELD_CALLS = frozenset({
    "attr.ib", "attr.attrib", "attrs.field", "attr.field", "dataclasses.field", "field",
    "pydantic.Field", "Field", "pydantic.fields.Field",
})
_ABSTRACT = frozenset({"abstractmethod", "abc.abstractmethod", "typing.overload", "overload"})
_CLASS_LEVEL_NON_FIELDS = frozenset({"model_config", "__slots__", "__tablename__", "__table_args__",
                                     "__mapper_args__", "__abstract__", "Meta", "Config"})


@dataclass(frozen=True, slots=True)
class Member:
    name: str
    kind: str  # see the module docstring
    field: str = ""  # what a getter reads or a setter writes
    line: int = 0
    returns: str = ""  # the return annotation's class, as written: "Order" for `-> Order | None`


@dataclass(frozen=True, slots=True)
class ClassShape:
    fields: tuple[str, ...] = ()  # instance fields, in declaration order
    members: tuple[Member, ...] = ()
    frozen: bool = False  # frozen dataclass/attrs class, frozen pydantic model
    hashable: bool = False  # value semantics: unsafe_hash=True, or a __hash__ of its own
    # the class of a field when the code says it: `orders: OrderRepository`, `self.orders =
    # SqlOrderRepository(session)`, `self.orders = orders` with `orders: OrderRepository`
    field_types: tuple[tuple[str, str], ...] = ()

    def field_type(self, name: str) -> str:
        return dict(self.field_types).get(name, "")

    def kinds(self) -> set[str]:
        return {m.kind for m in self.members}


def class_shape(node: ast.ClassDef, qualify: Callable[[ast.expr], str | None]) -> ClassShape:
    """`qualify` names an expression through the file's imports ("dataclasses.dataclass")."""
    fields: list[str] = []
    members: list[Member] = []
    types: dict[str, str] = {}
    hashable = False
    for stmt in node.body:
        if isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
            if not _is_classvar(stmt.annotation) and stmt.target.id not in _CLASS_LEVEL_NON_FIELDS:
                _add(fields, stmt.target.id)
                types.setdefault(stmt.target.id, returned(stmt.annotation))
        elif isinstance(stmt, ast.Assign) and isinstance(stmt.value, ast.Call):
            if (qualify(stmt.value.func) or dotted(stmt.value.func)) in _FIELD_CALLS:
                for target in stmt.targets:
                    if isinstance(target, ast.Name):
                        _add(fields, target.id)
        elif isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            member = replace(_member(stmt, node.name, qualify), returns=returned(stmt.returns))
            members.append(member)
            if stmt.name in ("__init__", "__post_init__"):
                for name in _self_assignments(stmt):
                    _add(fields, name)
                for name, type_name in _self_types(stmt):
                    types.setdefault(name, type_name)
            hashable |= stmt.name == "__hash__" and _hashes_values(stmt)
    return ClassShape(
        fields=tuple(fields),
        members=tuple(members),
        frozen=_is_frozen(node, qualify),
        hashable=hashable or _decorator_flag(node, "unsafe_hash"),
        field_types=tuple((name, t) for name, t in types.items() if t),
    )


def returned(annotation: ast.expr | None) -> str:
    """The one class an annotation names: `Order`, `Optional[Order]`, `Order | None`, `"Order"`,
    `Annotated[Order, ...]` ("" for anything else: `list[Order]` is not an Order)."""
    if isinstance(annotation, ast.Constant) and isinstance(annotation.value, str):
        try:
            annotation = ast.parse(annotation.value, mode="eval").body
        except SyntaxError:
            return ""
    if isinstance(annotation, ast.BinOp) and isinstance(annotation.op, ast.BitOr):
        parts = [p for p in (annotation.left, annotation.right)
                 if not (isinstance(p, ast.Constant) and p.value is None)]
        return returned(parts[0]) if len(parts) == 1 else ""
    if isinstance(annotation, ast.Subscript):
        wrapper = (dotted(annotation.value) or "").rpartition(".")[2]
        if wrapper == "Annotated" and isinstance(annotation.slice, ast.Tuple):
            return returned(annotation.slice.elts[0])  # Annotated[Session, Depends(...)]
        return returned(annotation.slice) if wrapper == "Optional" else ""
    return dotted(annotation) or "" if annotation is not None else ""


def _hashes_values(func: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    """A `__hash__` over the object's values (value semantics), not over one identifier (an
    entity's identity: `hash(self.id)`)."""
    read = {node.attr for node in walk(func) if isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name) and node.value.id == "self"}
    return len(read) != 1


def _add(names: list[str], name: str) -> None:
    if name not in names:
        names.append(name)


def _is_classvar(annotation: ast.expr) -> bool:
    target = annotation.value if isinstance(annotation, ast.Subscript) else annotation
    name = dotted(target) or ""
    return name.rpartition(".")[2] == "ClassVar"


def _self_assignments(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    found = []
    for node in walk(func):
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
            targets = [node.target]
        else:
            continue
        found += [name for name in map(_self_attr, targets) if name is not None]
    return found


def _self_types(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[tuple[str, str]]:
    """What an `__init__` says its fields are: `self.x: T = ...`, `self.x = T(...)` (a class,
    by its capitalised name), `self.x = param` with `param: T`."""
    params = {a.arg: returned(a.annotation) for a in (*func.args.posonlyargs, *func.args.args,
                                                        *func.args.kwonlyargs)}
    found = []
    for node in walk(func):
        if isinstance(node, ast.AnnAssign) and _self_attr(node.target):
            found.append((_self_attr(node.target), returned(node.annotation)))
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and _self_attr(node.targets[0]):
            value = node.value
            if isinstance(value, ast.Call) and (dotted(value.func) or "").rpartition(".")[2][:1] \
                    .isupper():
                found.append((_self_attr(node.targets[0]), dotted(value.func)))
            elif isinstance(value, ast.Name) and params.get(value.id):
                found.append((_self_attr(node.targets[0]), params[value.id]))
    return [(name, t) for name, t in found if name and t]  # type: ignore[misc]


def _self_attr(expr: ast.expr) -> str | None:
    if (isinstance(expr, ast.Attribute) and isinstance(expr.value, ast.Name)
            and expr.value.id == "self"):
        return expr.attr
    return None


# -- frozen-ness --------------------------------------------------------------------------------
def _decorator_flag(node: ast.ClassDef, keyword: str) -> bool:
    return any(
        isinstance(d, ast.Call) and any(
            k.arg == keyword and isinstance(k.value, ast.Constant) and k.value.value is True
            for k in d.keywords
        )
        for d in node.decorator_list
    )


def _is_frozen(node: ast.ClassDef, qualify: Callable[[ast.expr], str | None]) -> bool:
    if _decorator_flag(node, "frozen"):  # @dataclass(frozen=True), @attr.s(frozen=True), ...
        return True
    for decorator in node.decorator_list:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        name = qualify(target) or dotted(target) or ""
        if name in ("attr.frozen", "attrs.frozen", "attr.attrs.frozen"):
            return True
    for keyword in node.keywords:  # class Money(BaseModel, frozen=True)
        if keyword.arg == "frozen" and _is_true(keyword.value):
            return True
    for stmt in node.body:
        if (isinstance(stmt, (ast.Assign, ast.AnnAssign)) and _assigns(stmt, "model_config")
                and stmt.value is not None and _config_is_frozen(stmt.value)):
            return True
        if isinstance(stmt, ast.ClassDef) and stmt.name == "Config":  # pydantic v1
            for inner in stmt.body:
                if isinstance(inner, ast.Assign) and (
                    _assigns(inner, "frozen") and _is_true(inner.value)
                    or _assigns(inner, "allow_mutation") and _is_false(inner.value)
                ):
                    return True
    return False


def _assigns(stmt: ast.Assign | ast.AnnAssign, name: str) -> bool:
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    return any(isinstance(t, ast.Name) and t.id == name for t in targets)


def _config_is_frozen(value: ast.expr) -> bool:
    if isinstance(value, ast.Call):  # ConfigDict(frozen=True)
        return any(k.arg == "frozen" and _is_true(k.value) for k in value.keywords)
    if isinstance(value, ast.Dict):  # {"frozen": True}
        return any(isinstance(k, ast.Constant) and k.value == "frozen" and _is_true(v)
                   for k, v in zip(value.keys, value.values))
    return False


def _is_true(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is True


def _is_false(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is False


# -- methods ------------------------------------------------------------------------------------
def _member(func: ast.FunctionDef | ast.AsyncFunctionDef, class_name: str,
            qualify: Callable[[ast.expr], str | None]) -> Member:
    name, line = func.name, func.lineno
    decorators = [qualify(d) or dotted(d) or "" for d in
                  (x.func if isinstance(x, ast.Call) else x for x in func.decorator_list)]
    body = _without_docstring(func.body)
    if any(d in _ABSTRACT for d in decorators) or _is_empty(body):
        return Member(name, "abstract", line=line)
    if name in ("__init__", "__post_init__"):
        stores_only = all(_stores_argument(stmt, func, name) for stmt in body)
        return Member(name, "init" if stores_only else "behaviour", line=line)
    if name.startswith("__") and name.endswith("__"):
        return Member(name, "dunder", line=line)
    if any(d in ("staticmethod", "classmethod") for d in decorators):
        return Member(name, "factory" if _builds(body, class_name) else "behaviour", line=line)
    read = _returns_field(body)
    if read is not None:
        return Member(name, "getter", read, line)
    written = _stores_parameter(body, func)
    if written is not None:
        return Member(name, "setter", written, line)
    if _CONVERTER.fullmatch(name):
        return Member(name, "converter", line=line)
    return Member(name, "behaviour", line=line)


def _without_docstring(body: list[ast.stmt]) -> list[ast.stmt]:
    if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) and (
        isinstance(body[0].value.value, str)
    ):
        return body[1:]
    return body


def _is_empty(body: list[ast.stmt]) -> bool:
    """No body at all: `...`, `pass`, or `raise NotImplementedError`."""
    if not body:
        return True
    if len(body) != 1:
        return False
    stmt = body[0]
    if isinstance(stmt, ast.Pass):
        return True
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Constant) and (
        stmt.value.value is Ellipsis
    ):
        return True
    if isinstance(stmt, ast.Raise) and stmt.exc is not None:
        exc = stmt.exc.func if isinstance(stmt.exc, ast.Call) else stmt.exc
        return dotted(exc) == "NotImplementedError"
    return False


def _parameters(func: ast.FunctionDef | ast.AsyncFunctionDef) -> list[str]:
    args = func.args
    return [a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)][1:]


def _returns_field(body: list[ast.stmt]) -> str | None:
    if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None:
        return _self_attr(body[0].value)
    return None


def _stores_parameter(body: list[ast.stmt], func: ast.FunctionDef | ast.AsyncFunctionDef
                      ) -> str | None:
    params = _parameters(func)
    if len(body) != 1 or len(params) != 1 or not isinstance(body[0], ast.Assign):
        return None
    stmt = body[0]
    if len(stmt.targets) != 1 or not (isinstance(stmt.value, ast.Name)
                                      and stmt.value.id == params[0]):
        return None
    return _self_attr(stmt.targets[0])


def _stores_argument(stmt: ast.stmt, func: ast.FunctionDef | ast.AsyncFunctionDef,
                     name: str) -> bool:
    """A statement of an `__init__` that only stores what it was given (or an empty default),
    or calls the parent's `__init__`."""
    if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):  # super().__init__(...)
        call = stmt.value.func
        return isinstance(call, ast.Attribute) and call.attr in ("__init__", "__post_init__")
    if name == "__post_init__" or not isinstance(stmt, (ast.Assign, ast.AnnAssign)):
        return False
    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
    if not all(_self_attr(t) is not None for t in targets):
        return False
    return _is_plain_value(stmt.value, set(_parameters(func)))


def _is_plain_value(value: ast.expr | None, params: set[str]) -> bool:
    """What an `__init__` stores without deriving anything: an argument (or a part of one), a
    constant, an empty container, a default built from constants (`Decimal("0.00")`,
    `uuid4()`), or `arg or default` / `arg if arg is not None else default`."""
    if value is None or isinstance(value, ast.Constant):
        return True
    if isinstance(value, (ast.Name, ast.Attribute)):
        return dotted(value) is not None
    if isinstance(value, (ast.List, ast.Set, ast.Tuple)):
        return not value.elts
    if isinstance(value, ast.Dict):
        return not value.keys
    if isinstance(value, ast.BoolOp) and isinstance(value.op, ast.Or):  # items or []
        return all(_is_plain_value(v, params) for v in value.values)
    if isinstance(value, ast.IfExp) and _is_none_test(value.test):
        return _is_plain_value(value.body, params) and _is_plain_value(value.orelse, params)
    if isinstance(value, ast.Call) and dotted(value.func) is not None:
        arguments = [*value.args, *(k.value for k in value.keywords)]
        return all(isinstance(a, ast.Constant) or dotted(a) is not None and not (
            isinstance(a, ast.Name) and a.id in params) for a in arguments)
    return False


def _is_none_test(test: ast.expr) -> bool:
    return (isinstance(test, ast.Compare) and len(test.comparators) == 1
            and isinstance(test.ops[0], (ast.Is, ast.IsNot))
            and isinstance(test.comparators[0], ast.Constant) and test.comparators[0].value is None)


def _builds(body: list[ast.stmt], class_name: str) -> bool:
    """A factory: it returns `cls(...)` or `ClassName(...)`."""
    for node in body:
        for inner in walk(node):
            if isinstance(inner, ast.Return) and isinstance(inner.value, ast.Call):
                callee = dotted(inner.value.func)
                if callee in ("cls", class_name) or (callee or "").endswith(f".{class_name}"):
                    return True
    return False
