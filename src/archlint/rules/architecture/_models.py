"""Which classes are ORM models: SQLAlchemy declarative classes (under a `declarative_base()`
result, a `DeclarativeBase` subclass, an `@as_declarative` class or Flask-SQLAlchemy's
`db.Model`, or any class assigning `__tablename__`/`__table__`), SQLModel classes with
`table=True`, and Django models (through project-local abstract bases too), decided once per
project from the class facts of `rules/_classes.py`. Nothing is imported.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from archlint.rules._classes import (
    ClassFact,
    DefinedClass,
    Symbol,
    Symbols,
    describe_callee,
    symbols,
)
from archlint.rules.architecture._modules import ModuleMap
from archlint.rules.base import ProjectModel

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
            describe_callee(self.symbols.of_ref(ref, module)) for ref in fact.decorators
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
    return project.derived("architecture.orm-models", lambda p: OrmModels(symbols(p)))
