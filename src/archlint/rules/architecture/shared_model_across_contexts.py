"""ARC105 shared-model-across-contexts."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from archlint.model import Related, Severity
from archlint.rules._classes import BindingCollector, ClassCollector, DefinedClass
from archlint.rules.architecture._contexts import Context, contexts
from archlint.rules.architecture._imports import ImportCollector
from archlint.rules.architecture._models import Kind, OrmModels, orm_models
from archlint.rules.architecture._project import ResolvedImport, structure
from archlint.rules.base import Invalid, NoOptions, ProjectRule, Valid


@dataclass
class _Shared:
    imp: ResolvedImport
    home: Context
    models: list[tuple[DefinedClass, Kind, Context, str]] = field(default_factory=list)
    # (class, its ORM kind, the context that owns it, the module it was imported from)


class SharedModelAcrossContexts(ProjectRule):
    """## What it does
    Flags an import that brings an ORM model class of one bounded context (configured in
    `[tool.archlint.contexts]`) into another: a SQLAlchemy declarative class (under a
    `declarative_base()` result, a `DeclarativeBase` subclass, `@as_declarative`, Flask-SQLAlchemy's
    `db.Model`, or any class assigning `__tablename__`), an SQLModel class with `table=True`, or
    a Django model (also through project-local abstract bases). The model is found directly
    (`from app.billing.models import Invoice`) or through re-exports (`from app.billing import
    Invoice`, where `app/billing/__init__.py` re-exports it), star imports included. The message
    names the model, its table when known (`__tablename__`, `Meta.db_table`, or the ORM's
    default name) and the context that owns it.

    ## Why is this bad?
    A model class is a table. Two contexts that use one model share that table: neither can
    change its schema, its invariants or its storage without the other, and the data has two
    writers that do not know each other (the Shared Database integration style, forbidden here).
    Each context should own its tables and let others reach the data through its API or events.

    ## Example
    ```python
    # app/shipping/labels.py  (contexts: billing = "app.billing", shipping = "app.shipping")
    from app.billing.models import Invoice

    def label_for(invoice_id: int) -> str:
        invoice = session.get(Invoice, invoice_id)
        return invoice.address
    ```

    ## Use instead
    ```python
    # app/shipping/labels.py
    from app.billing.api import invoice_address  # billing's API answers by ID

    def label_for(invoice_id: int) -> str:
        return invoice_address(invoice_id)
    ```
    or keep a shipping-owned copy of what shipping needs, updated from an `InvoiceIssued` event.

    ## Options
    None. Contexts come from `[tool.archlint.contexts]`: context name = package.
    `typing-imports = "report"` in `[tool.archlint]` also reports imports under
    `if TYPE_CHECKING:`.

    ## What it does not flag
    - Anything when no contexts are configured; modules outside every context, and models
      defined outside every context (a shared kernel is a decision this rule leaves to you).
    - Tests, test helpers and migrations inside a context's package: they reach across contexts
      by design (a Django migration names other apps' models in its dependencies).
    - A context importing its own models, however they are re-exported.
    - Classes that map no table: declarative bases (`Base`), SQLAlchemy `__abstract__` classes
      and mixins, abstract Django models (`Meta.abstract = True`: a subclass gets its own table),
      SQLModel classes without `table=True` (schemas), and any class it cannot tie to an ORM.
    - Importing the module object (`from app.billing import models`, `import app.billing.models`):
      which of its classes get used is not visible here; ARC104 reports such an import of
      another context's internals.
    - Imports under `if TYPE_CHECKING:` (unless `typing-imports = "report"`): annotations share
      no table at run time.
    - Model classes of third-party packages (`django.contrib.auth.models.User`).
    - Relations written as strings (`ForeignKey("billing.Invoice")`, `relationship("Invoice")`)
      and raw SQL on another context's table: no import brings the model in.

    ## References
    - Sam Newman, Building Microservices, 2nd ed., ch. 3 (the shared database anti-pattern).
    - Eric Evans, Domain-Driven Design, ch. 14 (Bounded Context).
    - Gregor Hohpe & Bobby Woolf, Enterprise Integration Patterns, "Shared Database".
    """

    code, name, severity = "ARC105", "shared-model-across-contexts", Severity.WARNING
    tags = ("architecture",)
    Options = NoOptions
    needs = ("contexts",)
    collectors = (ImportCollector, ClassCollector, BindingCollector)

    _CONTEXTS: ClassVar = {"contexts": {"billing": "app.billing", "shipping": "app.shipping"}}
    _BILLING: ClassVar = {
        "app/__init__.py": "",
        "app/db.py": "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n",
        "app/billing/__init__.py": "from .models import Invoice\n",
        "app/billing/models.py": (
            "from sqlalchemy import Column, Integer\n"
            "from app.db import Base\n"
            "class Invoice(Base):\n"
            "    __tablename__ = 'invoices'\n"
            "    id = Column(Integer, primary_key=True)\n"
            "class InvoiceMixin:\n"
            "    pass\n"
        ),
    }
    _DJANGO: ClassVar = {
        "app/__init__.py": "",
        "app/common/models.py": (
            "from django.db import models\n"
            "class TimeStamped(models.Model):\n"
            "    created = models.DateTimeField()\n"
            "    class Meta:\n"
            "        abstract = True\n"
        ),
        "app/billing/__init__.py": "",
        "app/billing/models.py": (
            "from app.common.models import TimeStamped\n"
            "class Invoice(TimeStamped):\n"
            "    pass\n"
        ),
    }

    VALID: ClassVar = [
        Valid("from app.billing.models import Invoice\n", path="app/billing/services.py",
              files=_BILLING, project=_CONTEXTS),
        Valid("from app.billing.models import Invoice\n", path="app/main.py",
              files=_BILLING, project=_CONTEXTS),
        Valid("from app.billing.models import Invoice\n", path="app/shipping/labels.py",
              files=_BILLING),
        Valid("from app.billing.models import InvoiceMixin\nfrom app.db import Base\n",
              path="app/shipping/labels.py", files=_BILLING, project=_CONTEXTS),
        Valid(
            """
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from app.billing.models import Invoice
            """,
            path="app/shipping/labels.py",
            files=_BILLING,
            project=_CONTEXTS,
        ),
        Valid("from app.common.models import TimeStamped\n", path="app/shipping/models.py",
              files=_DJANGO, project={"contexts": {"billing": "app.billing",
                                                  "shipping": "app.shipping",
                                                  "common": "app.common"}}),
    ]
    INVALID: ClassVar = [
        Invalid("from app.billing.models import Invoice\n", line=1,
                path="app/shipping/labels.py", files=_BILLING, project=_CONTEXTS,
                message="imports Invoice, the SQLAlchemy model of table 'invoices' owned by "
                        "context 'billing'"),
        Invalid("from app.billing import Invoice\n", line=1, path="app/shipping/labels.py",
                files=_BILLING, project=_CONTEXTS, message="re-exported by app.billing"),
        Invalid("from app.billing.models import Invoice\n", line=1,
                path="app/shipping/labels.py", files=_DJANGO, project=_CONTEXTS,
                message="Django model of table 'billing_invoice' (Django's default name)"),
        Invalid(
            "from sqlmodel import SQLModel\n"
            "from app.billing.models import *\n",
            line=2,
            path="app/shipping/labels.py",
            files={
                "app/billing/models.py": (
                    "from sqlmodel import Field, SQLModel\n"
                    "class InvoiceBase(SQLModel):\n"
                    "    total: int\n"
                    "class Invoice(InvoiceBase, table=True):\n"
                    "    id: int = Field(primary_key=True)\n"
                ),
            },
            project=_CONTEXTS,
            message="Invoice, the SQLModel model of table 'invoice'",
        ),
        Invalid(
            "if TYPE_CHECKING:\n    from app.billing.models import Invoice\n",
            line=2,
            path="app/shipping/labels.py",
            files=_BILLING,
            project={**_CONTEXTS, "typing-imports": "report"},
            message="(under TYPE_CHECKING)",
        ),
    ]

    def check(self) -> None:
        context_map = contexts(self.project)
        if not context_map:
            return
        project = structure(self.project)
        models = orm_models(self.project)
        report_typing = self.project.typing_imports == "report"
        shared: dict[tuple[str, int], _Shared] = {}
        for imp in project.imports:
            if imp.fact.kind != "from" or (imp.fact.type_checking and not report_typing):
                continue
            home = context_map.of(imp.importer)
            if home is None:
                continue
            source = project.modules.absolute(imp.fact, imp.importer)
            if source is None:
                continue
            for cls, kind in self._models_named(models, source, imp.fact.names):
                owner = context_map.of(cls.module)
                if owner is None or owner == home:
                    continue
                entry = shared.setdefault((imp.path, imp.fact.line), _Shared(imp, home))
                if all(cls.key != known.key for known, *_ in entry.models):
                    entry.models.append((cls, kind, owner, source))
        for entry in shared.values():
            self._report(entry)

    @staticmethod
    def _models_named(models: OrmModels, source: str,
                      names: tuple[str, ...]) -> list[tuple[DefinedClass, Kind]]:
        symbols = models.symbols
        found = []
        for name in names:
            wanted = symbols.exported(source) if name == "*" else [name]
            for item in wanted:
                symbol = symbols.resolve(f"{source}.{item}")
                if symbol is None or symbol.kind != "class" or symbol.cls is None or symbol.rest:
                    continue
                kind = models.model(symbol.cls)
                if kind is not None:
                    found.append((symbol.cls, kind))
        return found

    def _report(self, entry: _Shared) -> None:
        imp, home = entry.imp, entry.home
        # Models of one owner, ORM and defining module read as one clause.
        groups: dict[tuple[str, str, str], list[tuple[DefinedClass, Kind]]] = {}
        related, owners = [], []
        for cls, kind, owner, source in entry.models:
            where = f"defined in {cls.module}"
            if source != cls.module:
                where += f", re-exported by {source}"
            groups.setdefault((owner.name, str(kind.orm), where), []).append((cls, kind))
            related.append(Related(cls.fact.span, f"{cls.fact.qualname} is defined here, in "
                                   f"context '{owner.name}'", cls.path))
            if owner.name not in owners:
                owners.append(owner.name)
        clauses = []
        for (owner_name, orm, where), members in groups.items():
            if len(members) == 1:
                cls, kind = members[0]
                clauses.append(f"{cls.fact.qualname}, the {orm} model of {_table_text(kind)} "
                               f"owned by context '{owner_name}' ({where})")
                continue
            listed = [f"{cls.fact.qualname} ({_table_text(kind, short=True)})"
                      for cls, kind in members]
            clauses.append(f"{', '.join(listed[:-1])} and {listed[-1]}, {orm} models owned by "
                           f"context '{owner_name}' ({where})")
        typing_note = " (under TYPE_CHECKING)" if imp.fact.type_checking else ""
        message = (
            f"{imp.importer} (context '{home.name}') imports {'; and '.join(clauses)}"
            f"{typing_note}: two contexts sharing one table is a Shared Database, which is "
            f"forbidden"
        )
        owner_text = " and ".join(owners)
        help_text = (
            f"keep the table private to {owner_text}: refer to its rows by ID and ask "
            f"{owner_text}'s public API for what {home.name} needs, or react to events "
            f"{owner_text} publishes (keeping a {home.name}-owned copy of what it needs)"
        )
        span = imp.fact.span
        self.report_at(imp.path, span, message, help=help_text, related=related,
                       statement_lines=(span.line, span.end_line))


def _table_text(kind: Kind, short: bool = False) -> str:
    """"table 'invoices' (Meta.db_table)", or in a list "table 'invoices', Meta.db_table"."""
    if kind.table is None:
        return "its table (name not literal)" if not short else "table name not literal"
    source = {"__tablename__": "", "inherited": "inherited from its parent model"}.get(
        kind.table_source, kind.table_source)
    if not source:
        return f"table '{kind.table}'"
    return f"table '{kind.table}', {source}" if short else f"table '{kind.table}' ({source})"
