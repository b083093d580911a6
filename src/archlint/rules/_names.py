"""A light resolver of import aliases and value origins, shared by every rule.

It answers two questions without LibCST's Scope/QualifiedName providers (too slow to run on every
file): what dotted name does this expression stand for (`r.get` -> `requests.get` after
`import requests as r`), and which call produced the value held in a name or `self` attribute
(`self.session = requests.Session()` -> `requests.Session`). It is deliberately flow-insensitive
within a function: the last binding seen in document order wins, and an assignment from anything
it cannot resolve forgets the name, so rules stay quiet rather than guess.
"""

from __future__ import annotations

from collections.abc import Iterator

import libcst as cst

from archlint.rules._tree import blocks


def dotted(expr: cst.BaseExpression) -> str | None:
    """`a.b.c` -> "a.b.c"; anything that is not a plain dotted name -> None."""
    parts: list[str] = []
    while isinstance(expr, cst.Attribute):
        parts.append(expr.attr.value)
        expr = expr.value
    if not isinstance(expr, cst.Name):
        return None
    parts.append(expr.value)
    return ".".join(reversed(parts))


def _module_name(node: cst.BaseExpression | None) -> str:
    return dotted(node) or "" if node is not None else ""


class NameTable:
    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}
        self._scopes: list[dict[str, str | None]] = [{}]
        self._class_attrs: list[dict[str, str | None]] = []

    # -- imports -----------------------------------------------------------------------------
    def add_import(self, node: cst.Import | cst.ImportFrom) -> None:
        if isinstance(node, cst.Import):
            for alias in node.names:
                full = dotted(alias.name)
                if full is None:
                    continue
                if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                    self.aliases[alias.asname.name.value] = full
                else:
                    # `import a.b` binds `a`; `a.b.x` then qualifies through it.
                    head = full.split(".")[0]
                    self.aliases[head] = head
            return
        module = "." * len(node.relative) + _module_name(node.module)
        if isinstance(node.names, cst.ImportStar):
            return
        for alias in node.names:
            name = dotted(alias.name)
            if name is None:
                continue
            local = name
            if alias.asname is not None and isinstance(alias.asname.name, cst.Name):
                local = alias.asname.name.value
            sep = "" if module.endswith(".") else "."
            self.aliases[local] = f"{module}{sep}{name}" if module else name

    def qualify(self, expr: cst.BaseExpression) -> str | None:
        """The imported dotted name an expression refers to, or None if it is not an import."""
        name = dotted(expr)
        if name is None:
            return None
        head, _, rest = name.partition(".")
        target = self.aliases.get(head)
        if target is None:
            return None
        return f"{target}.{rest}" if rest else target

    # -- value origins -----------------------------------------------------------------------
    def push_function(self) -> None:
        self._scopes.append({})

    def pop_function(self) -> None:
        self._scopes.pop()

    def push_class(self, attrs: dict[str, str | None]) -> None:
        self._class_attrs.append(attrs)

    def pop_class(self) -> None:
        self._class_attrs.pop()

    def bind(self, name: str, origin: str | None) -> None:
        self._scopes[-1][name] = origin

    def origin_of(self, expr: cst.BaseExpression) -> str | None:
        """The qualified callable whose result `expr` holds (a name, `self.x`, or a call itself;
        `await f()` holds what `f` produces: `conn = await asyncpg.connect()`)."""
        if isinstance(expr, cst.Await):
            expr = expr.expression
        if isinstance(expr, cst.Call):
            return self.callee(expr.func)
        if isinstance(expr, cst.Name):
            for scope in reversed(self._scopes):
                if expr.value in scope:
                    return scope[expr.value]
            return None
        if (
            isinstance(expr, cst.Attribute)
            and isinstance(expr.value, cst.Name)
            and expr.value.value == "self"
            and self._class_attrs
        ):
            return self._class_attrs[-1].get(expr.attr.value)
        return None

    def callee(self, func: cst.BaseExpression) -> str | None:
        """Qualified name of what a call invokes: `requests.get`, or `requests.Session.get` for a
        method of a value whose origin is known."""
        qualified = self.qualify(func)
        if qualified is not None:
            # A local binding shadows an import of the same head name.
            head = dotted(func)
            if head is not None and not self._is_local(head.split(".")[0]):
                return qualified
        if isinstance(func, cst.Attribute):
            owner = self.origin_of(func.value)
            if owner is not None:
                return f"{owner}.{func.attr.value}"
        return None

    def _is_local(self, name: str) -> bool:
        return any(name in scope for scope in self._scopes[1:])

    def annotation_origin(self, annotation: cst.Annotation | None) -> str | None:
        if annotation is None:
            return None
        ann = annotation.annotation
        if isinstance(ann, cst.SimpleString):
            return None
        if isinstance(ann, cst.Subscript):  # Optional[requests.Session] and friends
            inner = [
                e.slice.value
                for e in ann.slice
                if isinstance(e.slice, cst.Index)
            ]
            origins = {self.qualify(e) for e in inner} - {None}
            return origins.pop() if len(origins) == 1 else None
        if isinstance(ann, cst.BinaryOperation):  # requests.Session | None
            origins = {self.qualify(ann.left), self.qualify(ann.right)} - {None}
            return origins.pop() if len(origins) == 1 else None
        return self.qualify(ann)


def iter_statements(
    body: cst.BaseSuite | cst.Module | cst.If,
) -> Iterator[cst.BaseSmallStatement]:
    """Small statements of a block and its nested blocks, not entering functions or classes."""
    stmts = body.body if isinstance(body, (cst.Module, cst.IndentedBlock)) else [body]
    for stmt in stmts:
        if isinstance(stmt, cst.SimpleStatementLine):
            yield from stmt.body
        elif isinstance(stmt, cst.SimpleStatementSuite):
            yield from stmt.body
        elif isinstance(stmt, (cst.FunctionDef, cst.ClassDef)):
            continue
        elif isinstance(stmt, cst.BaseCompoundStatement):
            for block in blocks(stmt):
                yield from iter_statements(block)


def module_imports(module: cst.Module) -> Iterator[cst.Import | cst.ImportFrom]:
    for small in iter_statements(module):
        if isinstance(small, (cst.Import, cst.ImportFrom)):
            yield small


def self_attribute_origins(table: NameTable, cls: cst.ClassDef) -> dict[str, str | None]:
    """`self.x = <call>` (or `await <call>`, or a constructor parameter annotated with a type)
    anywhere in the class's methods, class-level `x = <call>`, and class-level annotated fields
    (`session: requests.Session`, as in dataclasses and pydantic models). An attribute given two
    different origins is unknown."""
    found: dict[str, str | None] = {}

    def record(attr: str, origin: str | None) -> None:
        if origin is None:
            return
        if attr in found and found[attr] != origin:
            found[attr] = None
        else:
            found[attr] = origin

    for small in iter_statements(cls.body):
        if isinstance(small, cst.Assign) and len(small.targets) == 1:
            target = small.targets[0].target
            if isinstance(target, cst.Name) and isinstance(small.value, cst.Call):
                record(target.value, table.callee(small.value.func))
        elif isinstance(small, cst.AnnAssign) and isinstance(small.target, cst.Name):
            record(small.target.value, table.annotation_origin(small.annotation))
    for stmt in cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ():
        if not isinstance(stmt, cst.FunctionDef):
            continue
        params = {
            p.name.value: table.annotation_origin(p.annotation)
            for p in (*stmt.params.params, *stmt.params.kwonly_params, *stmt.params.posonly_params)
        }
        for small in iter_statements(stmt.body):
            if isinstance(small, cst.Assign):
                targets = [t.target for t in small.targets]
                value: cst.BaseExpression | None = small.value
            elif isinstance(small, cst.AnnAssign):
                targets = [small.target]
                value = small.value
                ann = table.annotation_origin(small.annotation)
                if ann is not None:
                    for t in targets:
                        if _is_self_attr(t):
                            record(t.attr.value, ann)  # type: ignore[attr-defined]
                    continue
            else:
                continue
            if value is None:
                continue
            if isinstance(value, cst.Await):
                value = value.expression
            if isinstance(value, cst.Call):
                origin = table.callee(value.func)
            elif isinstance(value, cst.Name):
                origin = params.get(value.value)
            else:
                origin = None
            for t in targets:
                if _is_self_attr(t):
                    record(t.attr.value, origin)  # type: ignore[attr-defined]
    return found


def _is_self_attr(target: cst.BaseExpression) -> bool:
    return (
        isinstance(target, cst.Attribute)
        and isinstance(target.value, cst.Name)
        and target.value.value == "self"
    )


class NameTracker:
    """Keeps a FileContext's NameTable current during the traversal; dispatched before any rule."""

    def __init__(self, table: NameTable) -> None:
        self.table = table

    def visit_Import(self, node: cst.Import) -> None:
        self.table.add_import(node)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        self.table.add_import(node)

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        self.table.push_class(self_attribute_origins(self.table, node))

    def leave_ClassDef(self, node: cst.ClassDef) -> None:
        self.table.pop_class()

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.table.push_function()
        params = node.params
        for p in (*params.posonly_params, *params.params, *params.kwonly_params):
            self.table.bind(p.name.value, self.table.annotation_origin(p.annotation))
        for star in (params.star_arg, params.star_kwarg):
            if isinstance(star, cst.Param):
                self.table.bind(star.name.value, None)

    def leave_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.table.pop_function()

    def visit_Assign(self, node: cst.Assign) -> None:
        origin = self.table.origin_of(node.value)
        for target in node.targets:
            if isinstance(target.target, cst.Name):
                self.table.bind(target.target.value, origin)

    def visit_AnnAssign(self, node: cst.AnnAssign) -> None:
        if isinstance(node.target, cst.Name):
            origin = self.table.annotation_origin(node.annotation)
            if origin is None and node.value is not None:
                origin = self.table.origin_of(node.value)
            self.table.bind(node.target.value, origin)

    def visit_WithItem(self, node: cst.WithItem) -> None:
        if node.asname is not None and isinstance(node.asname.name, cst.Name):
            self.table.bind(node.asname.name.value, self.table.origin_of(node.item))
