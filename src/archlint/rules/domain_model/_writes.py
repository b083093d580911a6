"""Where code outside a class writes its fields: the evidence that turns "this class has no
behaviour" into "this is where its behaviour went".

Per file, from CPython's `ast`: every `x.field = ...` (also `+=`, annotated), `setattr(x,
"field", ...)` with a literal name, and `x.set_field(value)` call, where `x` is a plain name (not
`self`, whose writes are the class's own business), with what the function knows of `x`'s class:
a parameter annotation (`order: Order`, `Optional[Order]`, `"Order"`), a local built by a call
(`order = Order(...)`), or an annotated local. The project phase ties each write to a class.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

from archlint.model import Span
from archlint.rules._ast import SIMPLE_STATEMENTS, WordLines, children, dotted, statements_of
from archlint.rules._class_shape import returned
from archlint.rules._classes import NameRef, module_imports
from archlint.rules.base import AstCollector


@dataclass(frozen=True, slots=True)
class FieldWrite:
    function: str  # where the write is: "OrderService.place", "place_order", "<module>"
    receiver: str  # the name written through: "order"
    type_ref: NameRef | None  # what the function says `receiver` is, if anything
    attr: str  # the field written, or the setter called
    how: str  # "assign" | "setattr" | "call"
    span: Span
    # `receiver` came from a method reached from a typed name: `order = uow.orders.get(id)`
    # with `uow: UnitOfWork` gives (UnitOfWork, ("orders", "get")): the field types and the
    # method's return annotation tell.
    returned_by: tuple[NameRef, tuple[str, ...]] | None = None


_ASSIGNMENTS = (ast.Assign, ast.AnnAssign, ast.AugAssign)
# Nodes never inside an expression.
_OUTSIDE_EXPRESSIONS = (ast.stmt, ast.excepthandler, ast.withitem, ast.match_case, ast.pattern)

_Known = NameRef | tuple[NameRef, tuple[str, ...]] | None  # a class, a method's result, or nothing


class FieldWriteCollector(AstCollector):
    kind = "field-writes"
    triggers = ("=", "setattr", ".set")

    def collect(self) -> list[FieldWrite]:
        # Where a call can be a write: `setattr(...)` and `x.set_y(...)` have "set" in their text.
        self._set_lines = WordLines(self.source, ("set",))
        # And where an assignment to another object's attribute is: a function or class
        # without one or "set" is not entered, nor a file.
        self._assignment_lines = WordLines.at(
            stmt.lineno for stmt in statements_of(self.tree)
            if isinstance(stmt, _ASSIGNMENTS) and _assigns_attribute(stmt))
        if not (self._set_lines.everywhere or self._set_lines.numbers
                or self._assignment_lines.numbers):
            return []
        self._names = module_imports(self.tree)
        self._type_aliases = {
            stmt.targets[0].id: returned(stmt.value)
            for stmt in self.tree.body
            if isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
            and isinstance(stmt.targets[0], ast.Name) and isinstance(stmt.value, ast.Subscript)
            and returned(stmt.value)
        }
        self._found: list[FieldWrite] = []
        self._scope(self.tree.body, "<module>", {})
        return self._found

    def _scope(self, body: list[ast.stmt], where: str, types: dict[str, _Known]) -> None:
        """One function (or the module, or a class body): its statements, then the functions
        and classes defined in it, each under its qualified name ("OrderService.place")."""
        nested: list[ast.stmt] = []
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                nested.append(stmt)
                continue
            if isinstance(stmt, SIMPLE_STATEMENTS) and not self._set_lines.within(stmt):
                if isinstance(stmt, _ASSIGNMENTS):  # the others hold nothing to see
                    self._visit(stmt, where, types)
                continue
            for node in self._walk_statement(stmt, nested):
                self._visit(node, where, types)
        for stmt in nested:
            if not (self._set_lines.within(stmt) or self._assignment_lines.within(stmt)):
                continue  # nothing written in it, nor in what it defines
            name = stmt.name if where == "<module>" else f"{where}.{stmt.name}"  # type: ignore[attr-defined]
            if isinstance(stmt, ast.ClassDef):
                self._scope(stmt.body, name, {})
            else:
                self._scope(stmt.body, name, {**types, **self._parameter_types(stmt)})  # type: ignore[arg-type]

    def _parameter_types(self, func: ast.FunctionDef | ast.AsyncFunctionDef
                         ) -> dict[str, _Known]:
        args = func.args
        found: dict[str, _Known] = {}
        for arg in (*args.posonlyargs, *args.args, *args.kwonlyargs):
            found[arg.arg] = self._annotation(arg.annotation)
        return found

    def _annotation(self, annotation: ast.expr | None) -> NameRef | None:
        name = returned(annotation)
        name = self._type_aliases.get(name, name)  # UoW = Annotated[UnitOfWork, Depends(...)]
        return self._names.ref_name(name) if name else None

    def _visit(self, node: ast.AST, where: str, types: dict[str, _Known]) -> None:
        if isinstance(node, ast.Assign):
            if isinstance(node.value, ast.Call) and len(node.targets) == 1 and isinstance(
                node.targets[0], ast.Name
            ):
                func = node.value.func
                callee = dotted(func) or ""
                target = node.targets[0].id
                if callee.rpartition(".")[2][:1].isupper():  # `Order(...)` builds an Order
                    types[target] = self._names.ref(func)
                elif "." in callee and isinstance(types.get(callee.split(".")[0]), NameRef):
                    root, *path = callee.split(".")  # orders.get(...), uow.orders.get(...)
                    types[target] = (types[root], tuple(path))
                else:
                    types[target] = None  # the receiver's name may still tell
            elif len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
                types.pop(node.targets[0].id, None)
            for target in node.targets:
                self._write(target, where, types, "assign", node)
        elif isinstance(node, ast.AnnAssign):
            if isinstance(node.target, ast.Name):
                types[node.target.id] = self._annotation(node.annotation)
            self._write(node.target, where, types, "assign", node)
        elif isinstance(node, ast.AugAssign):
            self._write(node.target, where, types, "assign", node)
        elif isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "setattr" and len(node.args) >= 2:
                name = node.args[1]
                if isinstance(name, ast.Constant) and isinstance(name.value, str):
                    self._record(node.args[0], name.value, where, types, "setattr", node)
            elif (isinstance(func, ast.Attribute) and func.attr.startswith("set")
                  and len(node.args) + len(node.keywords) == 1):
                self._record(func.value, func.attr, where, types, "call", node)

    def _write(self, target: ast.expr, where: str, types: dict[str, _Known], how: str,
               node: ast.AST) -> None:
        if isinstance(target, ast.Attribute):
            self._record(target.value, target.attr, where, types, how, node)
        elif isinstance(target, (ast.Tuple, ast.List)):
            for element in target.elts:
                self._write(element, where, types, how, node)

    def _record(self, receiver: ast.expr, attr: str, where: str,
                types: dict[str, _Known], how: str, node: ast.AST) -> None:
        if not isinstance(receiver, ast.Name) or receiver.id in ("self", "cls"):
            return
        known = types.get(receiver.id)
        self._found.append(FieldWrite(
            where, receiver.id, known if isinstance(known, NameRef) else None, attr, how,
            self.span_of(node), known if isinstance(known, tuple) else None,  # type: ignore[arg-type]
        ))

    def _walk_statement(self, stmt: ast.stmt, nested: list[ast.stmt]) -> Iterator[ast.AST]:
        """The nodes of one statement in source order, handing functions and classes defined
        inside it (under `if`, `try`, ...) to `nested` instead of entering them. Expressions
        that cannot hold a write call are not entered (assignments are statements)."""
        stack: list[ast.AST] = [stmt]
        while stack:
            node = stack.pop()
            if node is not stmt and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                      ast.ClassDef, ast.Lambda)):
                if not isinstance(node, ast.Lambda):
                    nested.append(node)  # type: ignore[arg-type]
                continue
            yield node
            if isinstance(node, SIMPLE_STATEMENTS) and not self._set_lines.within(node):
                continue  # no write call in it: the statement is all there is to see
            inner = children(node)
            if isinstance(node, _OUTSIDE_EXPRESSIONS):
                # Their expressions have exact positions (before Python 3.12, those of nodes
                # inside f-strings may not: they are not asked).
                inner = [c for c in inner
                         if not isinstance(c, ast.expr) or self._set_lines.within(c)]
            stack.extend(reversed(inner))


def _assigns_attribute(stmt: ast.stmt) -> bool:
    """An assignment to an attribute of a name other than `self` and `cls` (also in a tuple
    or list of targets): what `_write` and `_record` look for."""
    if isinstance(stmt, ast.Assign):
        return any(_has_attribute(target) for target in stmt.targets)
    if isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
        return _has_attribute(stmt.target)
    return False


def _has_attribute(target: ast.expr) -> bool:
    if isinstance(target, (ast.Tuple, ast.List)):
        return any(_has_attribute(element) for element in target.elts)
    return isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name) \
        and target.value.id not in ("self", "cls")


def _is_none(expr: ast.expr) -> bool:
    return isinstance(expr, ast.Constant) and expr.value is None
