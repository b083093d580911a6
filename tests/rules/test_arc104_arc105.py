"""ARC104 cross-context-import and ARC105 shared-model-across-contexts: what each flags, what each
deliberately leaves alone, and the `contexts` config they both read."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from archlint.config import ConfigError, settings_from_table
from archlint.engine.project import build_model, run_project_rules
from archlint.engine.worker import analyze_source
from archlint.rules._classes import ClassCollector, ClassFact, NameRef
from archlint.rules.architecture.cross_context_import import CrossContextImport
from archlint.rules.architecture.shared_model_across_contexts import SharedModelAcrossContexts
from _support import run_rule

CONTEXTS = {"billing": "app.billing", "catalog": "app.catalog", "shipping": "app.shipping"}


def scan(rule, files: dict[str, str], *, contexts=CONTEXTS, options=None, **project):
    """Every finding of `rule` over a small project, as (path, line, message)."""
    files = {path: textwrap.dedent(text) for path, text in files.items()}
    files.setdefault("app/__init__.py", "")
    first, *rest = files
    table = {"contexts": contexts, **{k.replace("_", "-"): v for k, v in project.items()}}
    if contexts is None:
        del table["contexts"]
    result = run_rule(rule, files[first], options, first, {p: files[p] for p in rest}, table)
    assert not result.notifications, result.notifications
    return [(f.path, f.span.line, f.message) for f in result.findings]


# -- config ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("contexts", "fragment"),
    [
        ({"billing": "app.billing", "core": "app.billing.core"},
         "contexts.core: package 'app.billing.core' and context 'billing'"),
        ({"billing": "app.billing.core", "core": "app.billing"}, "contexts.core"),
        ({"billing": "app.billing", "invoicing": "app.billing"},
         "contexts.invoicing: package 'app.billing' is already context 'billing'"),
        ({"billing": "app/billing"}, "contexts.billing: 'app/billing' is not a dotted module"),
        ({"billing": ""}, "contexts.billing"),
        ({"billing": 3}, "contexts.billing: expected the context's package"),
        ("app.billing", "contexts: expected a table"),
    ],
)
def test_bad_contexts_are_config_errors_that_name_the_key(contexts, fragment):
    with pytest.raises(ConfigError) as error:
        settings_from_table({"contexts": contexts}, root=Path("/tmp/project"))
    assert fragment in str(error.value)


def test_sibling_packages_with_a_shared_prefix_do_not_nest():
    settings = settings_from_table(
        {"contexts": {"bill": "app.bill", "billing": "app.billing"}}, root=Path("/tmp/project")
    )
    assert dict(settings.contexts) == {"bill": "app.bill", "billing": "app.billing"}


# -- ARC104 ----------------------------------------------------------------------------------
BILLING = {
    "app/billing/__init__.py": "from app.billing.invoices import Invoice\n",
    "app/billing/api/__init__.py": "from app.billing.invoices import Invoice\n",
    "app/billing/api/schemas.py": "class InvoiceOut: ...\n",
    "app/billing/invoices.py": "class Invoice: ...\n",
    "app/billing/ledger/__init__.py": "",
    "app/billing/ledger/entries.py": "def post(): ...\n",
    "app/shared/money.py": "class Money: ...\n",
}


def arc104(source: str, path: str = "app/catalog/pricing.py", **kwargs):
    return scan(CrossContextImport, {path: source, **BILLING}, **kwargs)


def test_arc104_message_names_both_contexts_the_internal_module_and_the_entry():
    [(path, line, message)] = arc104("from app.billing.invoices import Invoice\n")
    assert (path, line) == ("app/catalog/pricing.py", 1)
    assert message == (
        "app.catalog.pricing (context 'catalog') imports app.billing.invoices, an internal "
        "module of context 'billing', instead of its public entry app.billing.api or the "
        "package app.billing"
    )


@pytest.mark.parametrize(
    "source",
    [
        "from app.billing import Invoice\n",  # the package's __init__ re-exports it
        "import app.billing\n",
        "from app.billing.api import Invoice\n",
        "from app.billing.api.schemas import InvoiceOut\n",  # inside the public entry package
        "from app.billing import api\n",
        "from ..billing.api import Invoice\n",
        "from app.shared.money import Money\n",  # outside every context: a shared kernel
        "from app.catalog.products import Product\n",  # its own context
        "from app.billing import does_not_exist\n",  # not a module: the package answers for it
        "import importlib\nname = 'app.billing.invoices'\nimportlib.import_module(name)\n",
    ],
)
def test_arc104_leaves_public_and_unrelated_imports_alone(source):
    assert arc104(source) == []


def test_arc104_imports_within_one_context_are_free():
    assert arc104("from app.billing.ledger.entries import post\nfrom . import invoices\n",
                  path="app/billing/payments.py") == []


def test_arc104_modules_outside_every_context_are_not_checked():
    assert arc104("from app.billing.invoices import Invoice\n", path="app/main.py") == []
    assert arc104("from app.billing.invoices import Invoice\n",
                  path="tests/test_pricing.py") == []


def test_arc104_without_contexts_is_quiet():
    assert arc104("from app.billing.invoices import Invoice\n", contexts=None) == []


def test_arc104_type_checking_imports_count_only_when_asked():
    source = """
    from typing import TYPE_CHECKING
    if TYPE_CHECKING:
        from app.billing.invoices import Invoice
    """
    assert arc104(source) == []
    [(_, line, message)] = arc104(source, typing_imports="report")
    assert line == 4 and message.endswith("(under TYPE_CHECKING)")


def test_arc104_one_finding_per_statement_naming_every_internal_module():
    found = arc104("from app.billing import invoices, ledger\n"
                   "import app.billing.invoices, app.billing.ledger.entries\n")
    assert [line for _, line, _ in found] == [1, 2]
    assert "imports app.billing.invoices and app.billing.ledger, internal modules of context " \
           "'billing'" in found[0][2]
    assert "app.billing.invoices and app.billing.ledger.entries" in found[1][2]


def test_arc104_one_statement_into_two_contexts_names_both():
    files = {"app/shipping/labels.py": "import app.billing.invoices, app.catalog.products\n",
             "app/catalog/products.py": "class Product: ...\n", **BILLING}
    [(_, _, message)] = scan(CrossContextImport, files)
    assert "context 'billing'" in message and "context 'catalog'" in message
    assert message.startswith("app.shipping.labels (context 'shipping')")


def test_arc104_a_context_package_init_is_part_of_its_context():
    found = arc104("from app.billing.invoices import Invoice\n", path="app/catalog/__init__.py")
    assert [(p, line) for p, line, _ in found] == [("app/catalog/__init__.py", 1)]


def test_arc104_function_level_relative_and_dynamic_imports_are_seen():
    source = """
    import importlib
    from ..billing import invoices

    def load():
        from app.billing.ledger import entries
        return importlib.import_module("app.billing.invoices")
    """
    assert [line for _, line, _ in arc104(source)] == [3, 6, 7]


def test_arc104_public_option_replaces_api():
    files = {**BILLING, "app/billing/facade.py": "from app.billing.invoices import Invoice\n"}
    source = "from app.billing.facade import Invoice\nfrom app.billing.api import Invoice\n"
    found = scan(CrossContextImport, {"app/catalog/pricing.py": source, **files},
                 options={"public": ["facade"]})
    assert [line for _, line, _ in found] == [2]
    assert "instead of its public entry app.billing.facade or the package app.billing" in found[0][2]


def test_arc104_bad_public_entry_is_a_note_not_a_crash():
    files = {"app/catalog/pricing.py": "from app.billing.api import Invoice\n", **BILLING}
    opts = CrossContextImport.Options(public=("api", "app/billing/x"))
    rule = CrossContextImport
    results = [analyze_source(text, path, [(c, c.Options()) for c in rule.collectors])
               for path, text in {"app/__init__.py": "", **files}.items()]
    settings = settings_from_table({"contexts": CONTEXTS}, root=Path("/nonexistent"))
    findings, notes = run_project_rules([(rule, opts)], build_model(results, settings))
    assert findings == []
    assert len(notes) == 1 and "'app/billing/x' is not a module name" in notes[0].message


# -- ARC105 ----------------------------------------------------------------------------------
def arc105(source: str, files: dict[str, str], path: str = "app/shipping/labels.py", **kwargs):
    return scan(SharedModelAcrossContexts, {path: source, **files}, **kwargs)


SQLA = {
    "app/db.py": "from sqlalchemy.orm import declarative_base\nBase = declarative_base()\n",
    "app/billing/__init__.py": "from .models import Invoice\n",
    "app/billing/models.py": """
        from sqlalchemy import Column, Integer
        from ..db import Base

        class Tracked(Base):
            __abstract__ = True

        class Invoice(Tracked):
            __tablename__ = "invoices"
            id = Column(Integer, primary_key=True)

        class CreditNote(Invoice):
            pass

        class Address:
            street = "x"
    """,
}


def test_arc105_message_names_model_table_owner_and_the_fix():
    result = run_rule(SharedModelAcrossContexts, "from app.billing.models import Invoice\n",
                      path="app/shipping/labels.py",
                      files={"app/__init__.py": "", **{p: textwrap.dedent(t)
                                                       for p, t in SQLA.items()}},
                      project={"contexts": CONTEXTS})
    [finding] = result.findings
    assert finding.message == (
        "app.shipping.labels (context 'shipping') imports Invoice, the SQLAlchemy model of table "
        "'invoices' owned by context 'billing' (defined in app.billing.models): two contexts "
        "sharing one table is a Shared Database, which is forbidden"
    )
    assert "refer to its rows by ID" in finding.help and "events" in finding.help
    [related] = finding.related
    assert related.path == "app/billing/models.py" and related.span.line == 8


@pytest.mark.parametrize(
    "source",
    [
        "from app.billing.models import Tracked\n",  # __abstract__: no table
        "from app.billing.models import Address\n",  # a plain class
        "from app.db import Base\n",  # the declarative base, outside every context
        "from app.billing import models\n",  # the module object: ARC104's business
        "import app.billing.models\n",
        "from app.billing.models import does_not_exist\n",
    ],
)
def test_arc105_leaves_classes_without_a_table_and_module_imports_alone(source):
    assert arc105(source, SQLA) == []


def test_arc105_own_context_outside_modules_and_no_contexts_are_quiet():
    source = "from app.billing.models import Invoice\n"
    assert arc105(source, SQLA, path="app/billing/services.py") == []
    assert arc105(source, SQLA, path="app/main.py") == []
    assert arc105(source, SQLA, contexts=None) == []


def test_arc105_models_outside_every_context_are_not_claimed_by_anyone():
    files = {"app/kernel/models.py": "from app.db import Base\n"
                                     "class Country(Base):\n    __tablename__ = 'countries'\n",
             **SQLA}
    assert arc105("from app.kernel.models import Country\n", files) == []


def test_arc105_type_checking_imports_count_only_when_asked():
    source = "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n" \
             "    from app.billing.models import Invoice\n"
    assert arc105(source, SQLA) == []
    assert [line for _, line, _ in arc105(source, SQLA, typing_imports="report")] == [3]


def test_arc105_follows_re_exports_through_other_contexts_to_the_owner():
    files = {**SQLA, "app/catalog/__init__.py": "from app.billing import Invoice as Bill\n"}
    found = arc105("from app.catalog import Bill\n", files)
    # catalog re-exporting billing's model is itself catalog importing it
    assert [(path, line) for path, line, _ in found] == [
        ("app/catalog/__init__.py", 1), ("app/shipping/labels.py", 1)]
    message = found[1][2]
    assert "owned by context 'billing' (defined in app.billing.models, re-exported by " \
           "app.catalog)" in message
    # billing reading its own model back through catalog is still billing's own table
    found = arc105("from app.catalog import Bill\n", files, path="app/billing/x.py")
    assert [path for path, _, _ in found] == ["app/catalog/__init__.py"]


def test_arc105_single_table_inheritance_shares_the_parent_table():
    [(_, _, message)] = arc105("from app.billing.models import CreditNote\n", SQLA)
    assert "CreditNote, the SQLAlchemy model of table 'invoices' (inherited from its parent " \
           "model)" in message


def test_arc105_star_import_respects_all():
    files = {**SQLA, "app/billing/__init__.py": "from .models import *\n__all__ = ['Address']\n"}
    assert arc105("from app.billing import *\n", files) == []
    files["app/billing/__init__.py"] = "from .models import *\n"
    [(_, _, message)] = arc105("from app.billing import *\n", files)
    assert "CreditNote" in message and "Invoice" in message and "Tracked" not in message


@pytest.mark.parametrize(
    ("models", "table"),
    [
        ("from sqlalchemy.orm import DeclarativeBase\n"
         "class Base(DeclarativeBase):\n    pass\n"
         "class Invoice(Base):\n    __tablename__ = 'invoices'\n", "table 'invoices'"),
        ("from sqlalchemy.orm import as_declarative\n"
         "@as_declarative()\nclass Base:\n    pass\n"
         "class Invoice(Base):\n    __tablename__ = 'invoices'\n", "table 'invoices'"),
        ("from sqlalchemy.orm import registry\n"
         "mapper_registry = registry()\nBase = mapper_registry.generate_base()\n"
         "class Invoice(Base):\n    __tablename__ = 'invoices'\n", "table 'invoices'"),
        ("from sqlalchemy.orm import registry\n"
         "mapper_registry = registry()\n"
         "@mapper_registry.mapped\nclass Invoice:\n    __tablename__ = 'invoices'\n",
         "table 'invoices'"),
        ("import flask_sqlalchemy\ndb = flask_sqlalchemy.SQLAlchemy()\n"
         "Model = db.Model\nclass InvoiceLine(Model):\n    pass\nInvoice = InvoiceLine\n",
         "table 'invoice_line' (Flask-SQLAlchemy's default name)"),
        ("from somewhere_unknown import Base\n"  # `__tablename__` alone marks a mapped class
         "class Invoice(Base):\n    __tablename__ = 'invoices'\n", "table 'invoices'"),
        ("import sqlmodel\nclass Invoice(sqlmodel.SQLModel, table=True):\n    id: int\n",
         "table 'invoice' (SQLModel's default name)"),
        ("from django.db import models\nclass Invoice(models.Model):\n"
         "    class Meta:\n        db_table = 'bills'\n", "table 'bills' (Meta.db_table)"),
        ("from django.db import models\nclass Invoice(models.Model):\n"
         "    class Meta:\n        app_label = 'money'\n",
         "table 'money_invoice' (Django's default name)"),
        ("from django.db import models\nclass Bill(models.Model):\n    pass\n"
         "class Invoice(Bill):\n    class Meta:\n        proxy = True\n",
         "table 'billing_bill' (inherited from its parent model)"),
        ("from django.contrib.auth.models import AbstractUser\n"
         "class Invoice(AbstractUser):\n    pass\n", "table 'billing_invoice'"),
    ],
    ids=["DeclarativeBase", "as_declarative", "generate_base", "registry.mapped",
         "flask-db.Model-alias", "tablename-heuristic", "sqlmodel", "django-db_table",
         "django-app_label", "django-proxy", "django-AbstractUser"],
)
def test_arc105_recognises_each_orm(models, table):
    files = {"app/billing/models.py": models}
    [(_, _, message)] = arc105("from app.billing.models import Invoice\n", files)
    assert "Invoice, the " in message or "InvoiceLine, the " in message
    assert table in message, message


@pytest.mark.parametrize(
    "models",
    [
        "from sqlalchemy.orm import DeclarativeBase\nclass Invoice(DeclarativeBase):\n    pass\n",
        "from sqlmodel import SQLModel\nclass Invoice(SQLModel):\n    id: int\n",
        "from django.db import models\nclass Invoice(models.Model):\n"
        "    class Meta:\n        abstract = True\n",
        "class Invoice:\n    __tablename__ = 'invoices'\n",  # no base: maps nothing
        "class Invoice(Invoice2):\n    pass\nclass Invoice2(Invoice):\n    pass\n",  # a cycle
        "from pydantic import BaseModel\nclass Invoice(BaseModel):\n    id: int\n",
    ],
    ids=["the-base-itself", "sqlmodel-schema", "django-abstract", "no-base", "cycle", "pydantic"],
)
def test_arc105_classes_without_a_table_of_their_own(models):
    assert arc105("from app.billing.models import Invoice\n",
                  {"app/billing/models.py": models}) == []


def test_arc105_django_model_through_a_project_local_abstract_base():
    files = {
        "app/core/models.py": """
            from django.db import models as m
            class TimeStamped(m.Model):
                class Meta:
                    abstract = True
        """,
        "app/billing/models.py": """
            from app.core import models as core
            class Invoice(core.TimeStamped):
                class Meta(core.TimeStamped.Meta):
                    db_table = "invoices"
        """,
    }
    [(_, _, message)] = arc105("from app.billing.models import Invoice\n", files)
    assert "the Django model of table 'invoices' (Meta.db_table)" in message
    assert arc105("from app.core.models import TimeStamped\n", files) == []


def test_arc105_re_export_cycles_end_quietly():
    files = {"app/billing/a.py": "from app.billing.b import Invoice\n",
             "app/billing/b.py": "from app.billing.a import Invoice\n"}
    assert arc105("from app.billing.a import Invoice\n", files) == []


# -- the class facts the ARC1xx/ARC2xx rules share ---------------------------------------------
def test_class_facts_qualify_bases_and_keep_nested_classes_but_not_local_ones():
    source = textwrap.dedent("""
        from django.db import models
        from .base import Base as B

        @dataclass(frozen=True)
        class Invoice(models.Model, B, Local, table=True):
            __tablename__ = "invoices"
            total: int = 0
            label = compute()

            class Meta:
                abstract = True

            def pay(self): ...

        def factory():
            class Hidden: ...
    """)
    result = analyze_source(source, "app/models.py", [(ClassCollector, ClassCollector.Options())])
    facts = {f.qualname: f for f in result.facts["classes"]}
    assert set(facts) == {"Invoice", "Invoice.Meta"}
    invoice: ClassFact = facts["Invoice"]
    assert invoice.bases == (NameRef("django.db.models.Model", True), NameRef(".base.Base", True),
                             NameRef("Local", False))
    assert invoice.keywords == (("table", "True"),)
    assert invoice.decorators == (NameRef("dataclass", False),)
    assert invoice.attributes == ("__tablename__", "total", "label")
    assert invoice.constants == (("__tablename__", "invoices"), ("total", 0))
    assert invoice.methods == ("pay",)
    assert invoice.span.line == 6
    assert facts["Invoice.Meta"].constant("abstract") is True


# -- tests and migrations, and Django's manage.py folder on sys.path ----------------------------
def test_tests_and_migrations_inside_a_context_reach_across_freely():
    from archlint.rules.architecture.cross_context_import import CrossContextImport
    from _support import run_rule

    contexts = {"contexts": {"billing": "app.billing", "catalog": "app.catalog"}}
    files = {"app/catalog/pricing.py": "PRICE = 1\n"}
    for path in ("app/billing/tests/test_invoice.py", "app/billing/conftest.py",
                 "app/billing/migrations/0002_price.py", "app/billing/test_tax.py"):
        result = run_rule(CrossContextImport, "from app.catalog.pricing import PRICE\n",
                          path=path, files=files, project=contexts)
        assert result.findings == [], path
    result = run_rule(CrossContextImport, "from app.catalog.pricing import PRICE\n",
                      path="app/billing/invoice.py", files=files, project=contexts)
    assert [f.span.line for f in result.findings] == [1]


def test_imports_through_a_nested_django_manage_py_folder_reach_the_project_modules():
    from archlint.rules.architecture.shared_model_across_contexts import SharedModelAcrossContexts
    from _support import run_rule

    # label-studio style: label_studio/manage.py puts label_studio/ on sys.path, so the apps
    # import each other as `projects.models`, not `label_studio.projects.models`
    files = {
        "site/__init__.py": "",
        "site/manage.py": "",
        "site/projects/__init__.py": "",
        "site/projects/models.py": (
            "from django.db import models\n\nclass Project(models.Model):\n    pass\n"
        ),
        "site/tasks/__init__.py": "",
    }
    contexts = {"contexts": {"projects": "site.projects", "tasks": "site.tasks"}}
    result = run_rule(SharedModelAcrossContexts, "from projects.models import Project\n",
                      path="site/tasks/models.py", files=files, project=contexts)
    assert [f.span.line for f in result.findings] == [1]
    assert "owned by context 'projects'" in result.findings[0].message


def test_django_default_table_uses_the_app_that_owns_a_nested_models_module():
    from archlint.rules.architecture.shared_model_across_contexts import SharedModelAcrossContexts
    from _support import run_rule

    files = {
        "shop/__init__.py": "",
        "shop/orders/__init__.py": "",
        "shop/storage/__init__.py": "",
        "shop/storage/migrations/__init__.py": "",
        "shop/storage/gcs/__init__.py": "",
        "shop/storage/gcs/models.py": (
            "from django.db import models\n\nclass Link(models.Model):\n    pass\n"
        ),
    }
    contexts = {"contexts": {"storage": "shop.storage", "orders": "shop.orders"}}
    result = run_rule(SharedModelAcrossContexts, "from shop.storage.gcs.models import Link\n",
                      path="shop/orders/sync.py", files=files, project=contexts)
    [finding] = result.findings
    assert "table 'storage_link' (Django's default name)" in finding.message
