"""Classes as facts, what each module-level name is bound to, and which classes are ORM models.

Per file (phase 1), from CPython's `ast` (no LibCST parse), `ClassCollector` records every class that can be imported (module level or
nested in such a class; not classes made inside functions): its bases and decorators by the names
the file's imports give them, its keywords, its class-level assignments and methods. The
domain-model rules read the same facts. `BindingCollector` records what the module's top-level
names are bound to: imports (re-exports), `name = call()` (`Base = declarative_base()`,
`db = SQLAlchemy()`), `name = other.name` aliases, star imports and a literal `__all__`.

In the project phase (`orm_models(project)`), `Symbols` follows a dotted name through modules,
re-exports and aliases to the class it means, and `OrmModels` decides, once per project, which
classes are mapped to a table: SQLAlchemy declarative classes (under a `declarative_base()`
result, a `DeclarativeBase` subclass, an `@as_declarative` class or Flask-SQLAlchemy's
`db.Model`, or any class assigning `__tablename__`/`__table__`), SQLModel classes with
`table=True`, and Django models (through project-local abstract bases too). Nothing is imported.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Union

from archlint.model import Span
from archlint.rules._ast import blocks, dotted, simple_statements
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
        if isinstance(stmt, ast.Import):
            for alias in stmt.names:
                if alias.asname:
                    self.aliases[alias.asname] = alias.name
                else:
                    head = alias.name.split(".")[0]
                    self.aliases[head] = head
            return
        module = "." * stmt.level + (stmt.module or "")
        for alias in stmt.names:
            if alias.name == "*":
                self.stars.append(module)
                continue
            sep = "" if module.endswith(".") else "."
            self.aliases[alias.asname or alias.name] = (
                f"{module}{sep}{alias.name}" if module else alias.name
            )

    def ref(self, expr: ast.expr) -> NameRef | None:
        if isinstance(expr, ast.Subscript):  # Generic[T], Base[Any]: the class being subscripted
            expr = expr.value
        written = dotted(expr)
        if written is None:
            return None
        head, _, rest = written.partition(".")
        target = self.aliases.get(head)
        if target is None:
            return NameRef(written, False)
        return NameRef(f"{target}.{rest}" if rest else target, True)




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


def _module_imports(tree: ast.Module) -> _Imports:
    table = _Imports()
    for stmt in simple_statements(tree.body):
        if isinstance(stmt, (ast.Import, ast.ImportFrom)):
            table.add(stmt)
    return table


class ClassCollector(AstCollector):
    kind = "classes"
    triggers = ("class",)

    def collect(self) -> list[ClassFact]:
        names = _module_imports(self.tree)
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
        )

    def _name_span(self, node: ast.ClassDef) -> Span:
        """The class's name, found after `class` on the line `ast` gives (code-point columns)."""
        text = self.source.split("\n", node.lineno)[node.lineno - 1]
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
        table = _module_imports(self.tree)
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


class Symbols:
    def __init__(self, modules: ModuleMap, project: ProjectModel) -> None:
        self.modules = modules
        self.classes: dict[tuple[str, str], DefinedClass] = {}
        self.bindings: dict[str, ModuleBindings] = {}
        for path, fact in project.of(ClassCollector.kind):
            module = modules.module_of.get(path)
            if module is not None:
                self.classes.setdefault((module, fact.qualname), DefinedClass(module, path, fact))
        for path, fact in project.of(BindingCollector.kind):
            module = modules.module_of.get(path)
            if module is not None:
                self.bindings.setdefault(module, fact)

    def absolute(self, name: str, module: str) -> str | None:
        level = len(name) - len(name.lstrip("."))
        return self.modules.relative_to(module, name[level:], level)

    def of_ref(self, ref: NameRef, module: str, depth: int = 0) -> Symbol | None:
        """What a name used in `module` means."""
        if ref.imported:
            name = self.absolute(ref.name, module)
            return self.resolve(name, depth + 1) if name else None
        return self._in_module(module, ref.name.split("."), depth + 1)

    def resolve(self, name: str, depth: int = 0) -> Symbol | None:
        """What an absolute dotted name means, following re-exports, aliases and star imports."""
        if depth > _MAX_DEPTH:
            return None
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
        if depth > _MAX_DEPTH:
            return None
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
                described = _describe_callee(callee)
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


def _describe_callee(callee: Symbol | None) -> str | None:
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


# -- which classes are ORM models ---------------------------------------------------------------
DECLARATIVE_ROOTS = frozenset({
    "sqlalchemy.orm.DeclarativeBase", "sqlalchemy.orm.DeclarativeBaseNoMeta",
    "sqlalchemy.orm.decl_api.DeclarativeBase", "sqlalchemy.orm.decl_api.DeclarativeBaseNoMeta",
})
DECLARATIVE_FACTORIES = frozenset({
    "sqlalchemy.orm.declarative_base", "sqlalchemy.ext.declarative.declarative_base",
    "sqlalchemy.orm.decl_api.declarative_base", "sqlalchemy.orm.registry().generate_base",
    "sqlalchemy.orm.decl_api.registry().generate_base",
})
DECLARATIVE_DECORATORS = frozenset({
    "sqlalchemy.orm.as_declarative", "sqlalchemy.ext.declarative.as_declarative",
    "sqlalchemy.orm.decl_api.as_declarative",
})
MAPPING_DECORATORS = frozenset({
    "sqlalchemy.orm.registry().mapped", "sqlalchemy.orm.registry().mapped_as_dataclass",
    "sqlalchemy.orm.decl_api.registry().mapped",
})
FLASK_SQLALCHEMY = frozenset({"flask_sqlalchemy.SQLAlchemy", "flask_sqlalchemy.extension.SQLAlchemy"})
SQLMODEL_ROOTS = frozenset({"sqlmodel.SQLModel", "sqlmodel.main.SQLModel"})
DJANGO_ROOTS = frozenset({
    "django.db.models.Model", "django.db.models.base.Model",
    "django.contrib.auth.models.AbstractUser", "django.contrib.auth.models.AbstractBaseUser",
    "django.contrib.auth.base_user.AbstractBaseUser", "django.contrib.auth.models.User",
    "django.contrib.auth.models.PermissionsMixin", "django.contrib.gis.db.models.Model",
})

SQLALCHEMY, FLASK, SQLMODEL, DJANGO = "SQLAlchemy", "Flask-SQLAlchemy", "SQLModel", "Django"


@dataclass(frozen=True)
class Kind:
    """What a class is to an ORM: `orm` (None: no ORM class) and `role`: "root" (a declarative
    base or the ORM's own base), "abstract" (no table of its own), "model" (mapped to a table), or
    "data" (an SQLModel class without `table=True`)."""

    orm: str | None
    role: str = ""
    table: str | None = None
    table_source: str = ""  # how the table name was found: "__tablename__", "Meta.db_table", ...


_NONE = Kind(None)


@dataclass
class OrmModels:
    symbols: Symbols
    _kinds: dict[str, Kind] = field(default_factory=dict)

    def model(self, cls: DefinedClass) -> Kind | None:
        """The class's ORM kind when it is mapped to a table, else None."""
        kind = self.kind(cls)
        return kind if kind.role == "model" else None

    def kind(self, cls: DefinedClass) -> Kind:
        key = cls.key
        if key not in self._kinds:
            self._kinds[key] = _NONE  # a cycle of bases resolves to "not an ORM class"
            self._kinds[key] = self._classify(cls)
        return self._kinds[key]

    def _parent(self, symbol: Symbol | None) -> Kind:
        """What a base stands for: the Kind of a project class, the ORM's own root, or a
        "declarative-root" for DeclarativeBase itself (whose subclass is a base, not a model)."""
        if symbol is None:
            return _NONE
        if symbol.kind == "class" and symbol.cls is not None and not symbol.rest:
            return self.kind(symbol.cls)
        if symbol.kind == "external":
            if symbol.name in DECLARATIVE_ROOTS:
                return Kind(SQLALCHEMY, "declarative-root")
            if symbol.name in SQLMODEL_ROOTS:
                return Kind(SQLMODEL, "root")
            if symbol.name in DJANGO_ROOTS:
                return Kind(DJANGO, "root")
        if symbol.kind == "call":
            if symbol.name in DECLARATIVE_FACTORIES and not symbol.rest:
                return Kind(SQLALCHEMY, "root")
            if symbol.name in FLASK_SQLALCHEMY and symbol.rest == "Model":
                return Kind(FLASK, "root")
        return _NONE

    def _classify(self, cls: DefinedClass) -> Kind:
        fact, module = cls.fact, cls.module
        parents = [self._parent(self.symbols.of_ref(ref, module)) for ref in fact.bases]
        described = {
            _describe_callee(self.symbols.of_ref(ref, module)) for ref in fact.decorators
        }
        orms = [p.orm for p in parents if p.orm]
        if described & DECLARATIVE_DECORATORS:
            return Kind(SQLALCHEMY, "root")
        if described & MAPPING_DECORATORS:
            return Kind(SQLALCHEMY, "model", *self._sqlalchemy_table(fact, parents))
        if DJANGO in orms:
            return self._django(cls, parents)
        if SQLMODEL in orms:
            if dict(fact.keywords).get("table") != "True":
                return Kind(SQLMODEL, "data")
            table = fact.constant("__tablename__")
            if isinstance(table, str):
                return Kind(SQLMODEL, "model", table, "__tablename__")
            return Kind(SQLMODEL, "model", fact.name.lower(), "SQLModel's default name")
        if any(p.role == "declarative-root" for p in parents):
            return Kind(SQLALCHEMY, "root")
        orm = FLASK if FLASK in orms else SQLALCHEMY if SQLALCHEMY in orms else None
        if orm is None and not ({"__tablename__", "__table__"} & set(fact.attributes)):
            return _NONE
        if fact.constant("__abstract__") is True:
            return Kind(orm or SQLALCHEMY, "abstract")
        if orm is None and not fact.bases:
            return _NONE  # a plain class with a `__tablename__` attribute maps nothing
        table, source = self._sqlalchemy_table(fact, parents)
        if table is None and orm == FLASK and "__table__" not in fact.attributes:
            table, source = _snake(fact.name), "Flask-SQLAlchemy's default name"
        return Kind(orm or SQLALCHEMY, "model", table, source)

    @staticmethod
    def _sqlalchemy_table(fact: ClassFact, parents: list[Kind]) -> tuple[str | None, str]:
        table = fact.constant("__tablename__")
        if isinstance(table, str):
            return table, "__tablename__"
        if "__tablename__" in fact.attributes or "__table__" in fact.attributes:
            return None, ""
        for parent in parents:  # single-table inheritance: the parent's table
            if parent.role == "model" and parent.table:
                return parent.table, "inherited"
        return None, ""

    def _django(self, cls: DefinedClass, parents: list[Kind]) -> Kind:
        fact = cls.fact
        meta = self.symbols.classes.get((cls.module, f"{fact.qualname}.Meta"))
        options = dict(meta.fact.constants) if meta is not None else {}
        if options.get("abstract") is True:
            return Kind(DJANGO, "abstract")
        table = options.get("db_table")
        if isinstance(table, str):
            return Kind(DJANGO, "model", table, "Meta.db_table")
        if options.get("proxy") is True:
            for parent in parents:
                if parent.role == "model" and parent.table:
                    return Kind(DJANGO, "model", parent.table, "inherited")
        label = options.get("app_label")
        if not isinstance(label, str):
            label = _django_app_label(cls.module, self.symbols.modules)
        if label is None:
            return Kind(DJANGO, "model", None, "")
        return Kind(DJANGO, "model", f"{label}_{fact.name.lower()}", "Django's default name")


def _django_app_label(module: str, modules: ModuleMap) -> str | None:
    """Django's default app label: the last part of the app package. The app is the nearest
    package above the model's module that has `migrations` or an `apps` module (models in
    `io_storages/gcs/models.py` belong to the `io_storages` app); failing that, the package that
    holds `models`."""
    parts = module.split(".")
    for end in range(len(parts) - 1, 0, -1):
        package = ".".join(parts[:end])
        if f"{package}.migrations" in modules.packages or f"{package}.apps" in modules.path_of:
            return parts[end - 1]
    if "models" in parts[1:]:
        index = len(parts) - 1 - parts[::-1].index("models")
        return parts[index - 1] if index > 0 else None
    return None


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name).lower()


def orm_models(project: ProjectModel) -> OrmModels:
    def build(p: ProjectModel) -> OrmModels:
        return OrmModels(Symbols(structure(p).modules, p))

    return project.derived("architecture.orm-models", build)
