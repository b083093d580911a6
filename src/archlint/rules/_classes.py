"""Classes and module-level names as facts, and what a dotted name means across the project.

Per file (phase 1), from CPython's `ast` (no LibCST parse), `ClassCollector` records every class
that can be imported (module level or nested in such a class; not classes made inside
functions): its bases and decorators by the names the file's imports give them, its keywords, its
class-level assignments and methods, and its shape (fields, what each method does, frozen-ness:
see `_class_shape.py`). `BindingCollector` records what the module's top-level names are bound
to: imports (re-exports), `name = call()` (`Base = declarative_base()`, `db = SQLAlchemy()`),
`name = other.name` aliases, star imports and a literal `__all__`.

In the project phase, `Symbols` follows a dotted name through modules, re-exports and aliases to
the class it means (`symbols(project)`, built once per scan). The ORM rules (ARC105) and the
domain-model rules (ARC2xx) both read these facts. Nothing is imported.
"""

from __future__ import annotations

import ast
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Union

from archlint.model import Span
from archlint.rules._ast import (
    blocks,
    dotted,
    import_bindings,
    simple_statements,
    statements_of,
)
from archlint.rules._class_shape import ClassShape, class_shape
from archlint.rules.architecture._modules import ModuleMap
from archlint.rules.architecture._project import structure
from archlint.rules.base import AstCollector, ProjectModel

Literal = Union[str, int, bool, None]


@dataclass(frozen=True, slots=True)
class NameRef:
    """A name as a file uses it: `imported` names are qualified through the file's imports
    ("sqlalchemy.orm.DeclarativeBase", or ".base.Base" through a relative import); the others are
    dotted as written and refer to the file's own top-level names ("Base", "db.Model")."""

    name: str
    imported: bool


@dataclass(frozen=True, slots=True)
class ClassFact:
    qualname: str  # "Invoice", or "Invoice.Meta" for a class nested in a class
    span: Span  # the class name
    bases: tuple[NameRef, ...]
    keywords: tuple[tuple[str, str], ...]  # class keywords and their source: ("table", "True")
    decorators: tuple[NameRef, ...]  # what decorates it (the called function for `@d(...)`)
    attributes: tuple[str, ...]  # names assigned in the class body
    constants: tuple[tuple[str, Literal], ...]  # those assigned a literal: ("__tablename__", "x")
    methods: tuple[str, ...]
    shape: ClassShape = ClassShape()  # fields, method kinds, frozen-ness (`_class_shape.py`)

    @property
    def name(self) -> str:
        return self.qualname.rpartition(".")[2]

    def constant(self, name: str, default: object = None) -> object:
        return dict(self.constants).get(name, default)


@dataclass(frozen=True, slots=True)
class ModuleBindings:
    imports: tuple[tuple[str, str], ...]  # local name -> qualified (relative kept: ".models.X")
    star_imports: tuple[str, ...]  # modules imported with `*` (relative kept: ".models")
    calls: tuple[tuple[str, NameRef], ...]  # `name = f(...)`: name -> f
    aliases: tuple[tuple[str, NameRef], ...]  # `name = other` / `name = a.b`: name -> other
    all_names: tuple[str, ...] | None  # a literal `__all__`


class _Imports:
    """The names a file's module-level imports bind (`import a.b` binds `a`; relative imports
    stay relative: ".models.Base"), as LibCST's NameTable keeps them for per-file rules."""

    def __init__(self) -> None:
        self.aliases: dict[str, str] = {}
        self.stars: list[str] = []

    def add(self, stmt: ast.Import | ast.ImportFrom) -> None:
        for local, target in import_bindings(stmt):
            if local == "*":
                self.stars.append(target)
            else:
                self.aliases[local] = target

    def qualify(self, expr: ast.expr) -> str | None:
        """The imported dotted name an expression refers to, or None if it is not imported:
        `ref(expr).name` for an imported ref, without making the NameRef (collectors ask this
        of every call)."""
        if isinstance(expr, ast.Subscript):
            expr = expr.value
        written = dotted(expr)
        return self._imported(written) if written is not None else None

    def ref_name(self, written: str) -> NameRef:
        """A dotted name as written in the file, qualified through its imports."""
        imported = self._imported(written)
        return NameRef(written, False) if imported is None else NameRef(imported, True)

    def _imported(self, written: str) -> str | None:
        head, _, rest = written.partition(".")
        target = self.aliases.get(head)
        if target is None:
            return None
        return f"{target}.{rest}" if rest else target

    def ref(self, expr: ast.expr) -> NameRef | None:
        if isinstance(expr, ast.Subscript):  # Generic[T], Base[Any]: the class being subscripted
            expr = expr.value
        written = dotted(expr)
        return self.ref_name(written) if written is not None else None


def file_imports(statements: list[ast.stmt]) -> _Imports:
    """The file's imports, those inside functions too (`def init(): from fastapi import FastAPI`
    is how app factories often start). The first import of a name in the file wins: usually the
    module-level one."""
    table = _Imports()
    for stmt in reversed(statements):  # earlier imports overwrite later ones
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            table.add(stmt)
    return table


def _literal(expr: ast.expr | None) -> tuple[bool, Literal]:
    if isinstance(expr, ast.Constant) and (
        expr.value is None or isinstance(expr.value, (str, int, bool))
    ):
        return True, expr.value
    return False, None




def _targets(stmt: ast.stmt) -> Iterator[tuple[str, ast.expr | None]]:
    if isinstance(stmt, ast.Assign):
        for target in stmt.targets:
            if isinstance(target, ast.Name):
                yield target.id, stmt.value
    elif isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name):
        yield stmt.target.id, stmt.value


def tree_imports(tree: ast.Module) -> _Imports:
    """`file_imports` of every statement of the tree, made once per tree and shared by the
    collectors of the file: do not change it."""
    table = _FILE_IMPORTS.get(tree)
    if table is None:
        table = _FILE_IMPORTS[tree] = file_imports(statements_of(tree))
    return table


_FILE_IMPORTS: weakref.WeakKeyDictionary[ast.Module, _Imports] = weakref.WeakKeyDictionary()


def module_imports(tree: ast.Module) -> _Imports:
    """The imports of the module's own code (not of its functions and classes), the last
    import of a name winning; made once per tree and shared by the collectors of the file:
    do not change it."""
    table = _MODULE_IMPORTS.get(tree)
    if table is None:
        table = _MODULE_IMPORTS[tree] = _Imports()
        for stmt in simple_statements(tree.body):
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                table.add(stmt)
    return table


_MODULE_IMPORTS: weakref.WeakKeyDictionary[ast.Module, _Imports] = weakref.WeakKeyDictionary()


class ClassCollector(AstCollector):
    kind = "classes"
    triggers = ("class",)

    def collect(self) -> list[ClassFact]:
        names = module_imports(self.tree)
        self._source_lines: list[str] | None = None
        facts: list[ClassFact] = []
        self._classes(self.tree.body, (), names, facts)
        return facts

    def _classes(self, body: list[ast.stmt], outer: tuple[str, ...], names: _Imports,
                 facts: list[ClassFact]) -> None:
        """Classes that can be imported: at module level (also under `if`/`try`) or nested in
        such a class; not those made at run time inside a function."""
        for stmt in body:
            if isinstance(stmt, ast.ClassDef):
                qualname = (*outer, stmt.name)
                facts.append(self._fact(stmt, ".".join(qualname), names))
                self._classes(stmt.body, qualname, names, facts)
            elif not isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                for block in blocks(stmt):
                    self._classes(block, outer, names, facts)

    def _fact(self, node: ast.ClassDef, qualname: str, names: _Imports) -> ClassFact:
        attributes: list[str] = []
        constants: list[tuple[str, Literal]] = []
        for stmt in simple_statements(node.body):
            for name, value in _targets(stmt):
                attributes.append(name)
                known, literal = _literal(value)
                if value is not None and known:
                    constants.append((name, literal))
        decorators = [
            ref for d in node.decorator_list
            for ref in (names.ref(d.func if isinstance(d, ast.Call) else d),) if ref is not None
        ]
        return ClassFact(
            qualname=qualname,
            span=self._name_span(node),
            bases=tuple(ref for b in node.bases if not isinstance(b, ast.Starred)
                        for ref in (names.ref(b),) if ref is not None),
            keywords=tuple((k.arg, ast.unparse(k.value)) for k in node.keywords if k.arg),
            decorators=tuple(decorators),
            attributes=tuple(attributes),
            constants=tuple(constants),
            methods=tuple(s.name for s in node.body
                          if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))),
            shape=class_shape(node, names.qualify),
        )

    def _name_span(self, node: ast.ClassDef) -> Span:
        """The class's name, found after `class` on the line `ast` gives (code-point columns)."""
        if self._source_lines is None:
            self._source_lines = self.source.split("\n")  # once: a file has many classes
        text = self._source_lines[node.lineno - 1]
        keyword = text.find("class", max(node.col_offset - 1, 0))
        column = text.find(node.name, keyword + 5 if keyword >= 0 else 0)
        if column < 0:
            return self.span_of(node)
        return Span(node.lineno, column, node.lineno, column + len(node.name))




class BindingCollector(AstCollector):
    kind = "bindings"
    # Every binding it records names an import or a class of the file (`Model = db.Model` needs
    # `db` imported or made by an imported call; `Invoice = InvoiceLine` needs the class).
    triggers = ("import", "class")

    def collect(self) -> list[ModuleBindings]:
        table = module_imports(self.tree)
        calls: list[tuple[str, NameRef]] = []
        aliases: list[tuple[str, NameRef]] = []
        all_names: tuple[str, ...] | None = None
        for stmt in simple_statements(self.tree.body):
            for name, value in _targets(stmt):
                if value is None:
                    continue
                if isinstance(value, ast.Call):
                    ref = table.ref(value.func)
                    if ref is not None:
                        calls.append((name, ref))
                elif isinstance(value, (ast.Name, ast.Attribute)):
                    ref = table.ref(value)
                    if ref is not None:
                        aliases.append((name, ref))
                elif name == "__all__" and isinstance(value, (ast.List, ast.Tuple)):
                    items = [_literal(e) for e in value.elts]
                    if all(known and isinstance(v, str) for known, v in items):
                        all_names = tuple(str(v) for _, v in items)
        return [ModuleBindings(
            imports=tuple(table.aliases.items()),
            star_imports=tuple(table.stars),
            calls=tuple(calls),
            aliases=tuple(aliases),
            all_names=all_names,
        )]


# -- the project phase: what a dotted name means ------------------------------------------------
@dataclass(frozen=True)
class DefinedClass:
    module: str
    path: str
    fact: ClassFact

    @property
    def key(self) -> str:
        return f"{self.module}.{self.fact.qualname}"


@dataclass(frozen=True)
class Symbol:
    """What a dotted name means: a project class, a project module, a third-party name, or the
    value some module-level call produced (`callee`, plus the attribute path read from it)."""

    kind: str  # "class" | "module" | "external" | "call"
    name: str = ""  # module or external dotted name; for "call", the callee described
    cls: DefinedClass | None = None
    rest: str = ""  # attributes read from the class or the call's value: "Model" in `db.Model`


_MAX_DEPTH = 30
# Modules looked into for one name, at most: a name found nowhere in a web of star imports that
# import each other (CPython's Lib/) is given up on, as if it could not be told.
_MAX_STEPS = 2_000
_UNKNOWN = object()


class Symbols:
    def __init__(self, modules: ModuleMap, project: ProjectModel) -> None:
        self.modules = modules
        self.classes: dict[tuple[str, str], DefinedClass] = {}
        self.bindings: dict[str, ModuleBindings] = {}
        self.top_level: dict[str, list[DefinedClass]] = {}  # module -> its non-nested classes
        for path, fact in project.of(ClassCollector.kind):
            module = modules.module_of.get(path)
            if module is not None and (module, fact.qualname) not in self.classes:
                cls = self.classes[(module, fact.qualname)] = DefinedClass(module, path, fact)
                if "." not in fact.qualname:
                    self.top_level.setdefault(module, []).append(cls)
        for path, fact in project.of(BindingCollector.kind):
            module = modules.module_of.get(path)
            if module is not None:
                self.bindings.setdefault(module, fact)
        self._known: dict[str, Symbol | None] = {}
        self._active: set[str] = set()
        self._cut = False
        self._steps = 0

    def absolute(self, name: str, module: str) -> str | None:
        level = len(name) - len(name.lstrip("."))
        return self.modules.relative_to(module, name[level:], level)

    def of_ref(self, ref: NameRef, module: str, depth: int = 0) -> Symbol | None:
        """What a name used in `module` means."""
        if depth == 0:
            self._steps = 0
        if ref.imported:
            name = self.absolute(ref.name, module)
            return self.resolve(name, depth + 1) if name else None
        return self._in_module(module, ref.name.split("."), depth + 1)

    def resolve(self, name: str, depth: int = 0) -> Symbol | None:
        """What an absolute dotted name means, following re-exports, aliases and star imports.

        Answers are kept; a name met again while it is being resolved (star imports that
        import each other, as CPython's own Lib/ has) answers None on that path, and answers
        that such a cut or the depth limit shaped are not kept. Without this, every cycle of
        star imports was walked again at each depth up to the limit: exponential."""
        if depth == 0:
            self._steps = 0
        if depth > _MAX_DEPTH:
            self._cut = True
            return None
        known = self._known.get(name, _UNKNOWN)
        if known is not _UNKNOWN:
            return known  # type: ignore[return-value]
        if name in self._active:
            self._cut = True
            return None
        outer_cut, self._cut = self._cut, False
        self._active.add(name)
        try:
            found = self._resolve(name, depth)
        finally:
            self._active.discard(name)
        if not self._cut:
            self._known[name] = found
        self._cut = self._cut or outer_cut
        return found

    def _resolve(self, name: str, depth: int) -> Symbol | None:
        name = self.modules.canonical(name)
        if not self.modules.is_internal(name):
            return Symbol("external", name)
        parts = name.split(".")
        for i in range(len(parts), 0, -1):
            module = ".".join(parts[:i])
            if module in self.modules.path_of or module in self.modules.packages:
                if i == len(parts):
                    return Symbol("module", module)
                return self._in_module(module, parts[i:], depth)
        return None

    def _in_module(self, module: str, rest: list[str], depth: int) -> Symbol | None:
        if depth > _MAX_DEPTH or self._steps >= _MAX_STEPS:
            self._cut = True
            return None
        self._steps += 1
        for j in range(len(rest), 0, -1):
            cls = self.classes.get((module, ".".join(rest[:j])))
            if cls is not None:
                return Symbol("class", cls.key, cls, ".".join(rest[j:]))
        bindings = self.bindings.get(module)
        if bindings is None:
            return None
        head, tail = rest[0], rest[1:]
        for local, qualified in bindings.imports:
            if local == head:
                target = self.absolute(qualified, module)
                if not target:
                    return None
                return self._then(self.resolve(target, depth + 1), tail, depth + 1)
        for local, ref in bindings.aliases:
            if local == head:
                return self._then(self.of_ref(ref, module, depth + 1), tail, depth + 1)
        for local, ref in bindings.calls:
            if local == head:
                callee = self.of_ref(ref, module, depth + 1)
                described = describe_callee(callee)
                if described is None:
                    return None
                return Symbol("call", described, rest=".".join(tail))
        for star in bindings.star_imports:
            target = self.absolute(star, module)
            if target:
                found = self.resolve(".".join((target, *rest)), depth + 1)
                if found is not None:
                    return found
        return None

    def _then(self, symbol: Symbol | None, tail: list[str], depth: int) -> Symbol | None:
        """`symbol` followed by the attributes `tail`."""
        if symbol is None or not tail:
            return symbol
        if symbol.kind == "external":
            return Symbol("external", ".".join((symbol.name, *tail)))
        if symbol.kind == "module":
            return self.resolve(".".join((symbol.name, *tail)), depth + 1)
        if symbol.kind == "class" and symbol.cls is not None and not symbol.rest:
            qualname = symbol.cls.fact.qualname.split(".")
            return self._in_module(symbol.cls.module, [*qualname, *tail], depth + 1)
        rest = ".".join(filter(None, (symbol.rest, *tail)))
        return Symbol(symbol.kind, symbol.name, symbol.cls, rest)

    def exported(self, module: str, depth: int = 0) -> list[str]:
        """The names `from module import *` binds: `__all__`, else every public top-level name."""
        bindings = self.bindings.get(module)
        if bindings is not None and bindings.all_names is not None:
            return list(bindings.all_names)
        names = [q for (m, q) in self.classes if m == module and "." not in q]
        if bindings is not None:
            names += [local for local, _ in (*bindings.imports, *bindings.calls,
                                             *bindings.aliases)]
            if depth < 5:
                for star in bindings.star_imports:
                    target = self.absolute(star, module)
                    if target:
                        names += self.exported(target, depth + 1)
        return sorted({n for n in names if not n.startswith("_")})



def describe_callee(callee: Symbol | None) -> str | None:
    """A callee as the ORM tables below name it: "sqlalchemy.orm.declarative_base", or
    "sqlalchemy.orm.registry().generate_base" for a method of a value a call produced."""
    if callee is None:
        return None
    if callee.kind == "external":
        return callee.name
    if callee.kind == "call":
        return f"{callee.name}().{callee.rest}" if callee.rest else None
    if callee.kind == "class" and not callee.rest:
        return callee.name
    return None


def symbols(project: ProjectModel) -> Symbols:
    """The project's classes and module bindings, resolved once per scan."""
    return project.derived("classes.symbols", lambda p: Symbols(structure(p).modules, p))
