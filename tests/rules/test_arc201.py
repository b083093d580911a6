"""ARC201 anemic-domain-model beyond its examples: what counts as behaviour, value objects,
inheritance within the project, exemptions, options, and the evidence of where behaviour went."""

from __future__ import annotations

import pytest

from archlint.model import Severity
from archlint.rules.domain_model.anemic_domain_model import AnemicDomainModel
from _support import run_rule

DOMAIN = "app/domain/model.py"
RECORD = """
from dataclasses import dataclass

@dataclass
class Order:
    id: int
    status: str
    total: int

    def set_status(self, status):
        self.status = status
{extra}
"""
WRITER = {"app/application/checkout.py": (
    "from app.domain.model import Order\n\ndef place(order: Order):\n    order.total = 3\n"
)}


def arc201(source: str, options=None, path=DOMAIN, files=None, project=None):
    result = run_rule(AnemicDomainModel, source, options, path, files, project)
    assert not result.notifications, result.notifications
    return result.findings


def flagged(extra: str = "", **kwargs) -> bool:
    return bool(arc201(RECORD.format(extra=extra), **kwargs))


def test_a_record_with_setters_is_flagged_on_its_class_line_as_a_warning():
    [finding] = arc201(RECORD.format(extra=""))
    assert (finding.span.line, finding.span.column) == (5, 6)
    assert finding.severity is Severity.WARNING
    assert "its methods only read, store or convert them (set_status)" in finding.message


def test_a_record_nothing_changes_after_construction_is_a_value_in_effect():
    plain = RECORD.format(extra="").replace(
        "    def set_status(self, status):\n        self.status = status\n", "")
    assert arc201(plain) == []
    [finding] = arc201(plain, files=WRITER)
    assert "it has no methods of its own; place writes Order.total" in finding.message


@pytest.mark.parametrize(
    "method",
    [
        "    def place(self):\n        self.status = 'placed'\n",  # a named transition
        "    def total_with_tax(self):\n        return self.total * 1.2\n",  # computes
        "    def check(self):\n        assert self.total >= 0\n",  # validates
        "    def __post_init__(self):\n        if self.total < 0:\n            raise ValueError\n",
        "    @staticmethod\n    def tax(amount):\n        return amount * 0.2\n",  # not a factory
    ],
)
def test_any_behaviour_keeps_it_quiet(method):
    assert not flagged(method)


@pytest.mark.parametrize(
    "method",
    [
        "    def get_status(self):\n        return self.status\n",
        "    def set_status(self, value):\n        self.status = value\n",
        "    @property\n    def state(self):\n        '''The status.'''\n        return self.status\n",
        "    def to_dict(self):\n        return {'id': self.id}\n",
        "    @classmethod\n    def new(cls, id):\n        return cls(id, 'new', 0)\n",
        "    def __repr__(self):\n        return f'Order({self.id})'\n",
    ],
)
def test_accessors_converters_factories_and_dunders_are_not_behaviour(method):
    assert flagged(method)


@pytest.mark.parametrize(
    "decorator",
    ["@dataclass(frozen=True)", "@dataclass(unsafe_hash=True)"],
)
def test_value_objects_are_never_flagged(decorator):
    assert not arc201(RECORD.format(extra="").replace("@dataclass", decorator))


@pytest.mark.parametrize(
    "source",
    [
        "import attrs\n\n@attrs.frozen\nclass Money:\n    a: int\n    b: int\n    c: int\n",
        "from pydantic import BaseModel\n\nclass Money(BaseModel, frozen=True):\n"
        "    a: int\n    b: int\n    c: int\n",
        "from pydantic import BaseModel\n\nclass Money(BaseModel):\n    a: int\n    b: int\n"
        "    c: int\n\n    class Config:\n        allow_mutation = False\n",
        "from typing import NamedTuple\n\nclass Money(NamedTuple):\n    a: int\n    b: int\n"
        "    c: int\n",
        "import enum\n\nclass Status(enum.Enum):\n    A: int = 1\n    B: int = 2\n    C: int = 3\n",
        "class Failed(Exception):\n    def __init__(self, a, b, c):\n        self.a = a\n"
        "        self.b = b\n        self.c = c\n",
        "from typing import Protocol\n\nclass Repo(Protocol):\n    a: int\n    b: int\n    c: int\n",
        "from abc import ABC, abstractmethod\n\nclass Repo(ABC):\n    a: int\n    b: int\n"
        "    c: int\n\n    @abstractmethod\n    def get(self): ...\n",
        "from somelib import Base\n\nclass Thing(Base):\n    a: int\n    b: int\n    c: int\n",
        "class Value:\n    def __init__(self, a, b, c):\n        self.a = a\n        self.b = b\n"
        "        self.c = c\n\n    def __hash__(self):\n        return hash((self.a, self.b))\n",
    ],
    ids=["attrs-frozen", "pydantic-frozen", "pydantic-v1-immutable", "namedtuple", "enum",
         "exception", "protocol", "abc-port", "unknown-library-base", "own-hash"],
)
def test_what_is_not_an_entity_or_cannot_be_judged(source):
    assert arc201(source) == []


def test_suffixes_and_project_bases_named_with_them():
    for name in ("OrderPlacedEvent", "PlaceOrderCommand", "OrderDTO", "OrderSchema"):
        assert arc201(RECORD.format(extra="").replace("class Order", f"class {name}")) == []
    files = {"app/domain/events.py": "class DomainEvent:\n    pass\n"}
    source = ("from dataclasses import dataclass\nfrom app.domain.events import DomainEvent\n\n"
              "@dataclass\nclass OrderPlaced(DomainEvent):\n    a: int\n    b: int\n    c: int\n")
    assert arc201(source, files=files) == []


def test_behaviour_inherited_from_a_project_base_counts_and_so_do_its_fields():
    base_with_behaviour = (
        "class Entity:\n    id: int\n\n    def touch(self):\n        self.version = self.version + 1\n"
    )
    source = ("from app.domain.base import Entity\n\nclass Order(Entity):\n    status: str\n"
              "    total: int\n")
    assert arc201(source, files={"app/domain/base.py": base_with_behaviour}) == []
    plain_base = "class Entity:\n    id: int\n"
    [finding] = arc201(source + "\n    def set_total(self, total):\n        self.total = total\n",
                       files={"app/domain/base.py": plain_base})
    assert "holds 3 fields (status, total, id)" in finding.message


def test_orm_models_in_the_domain_layer_are_plumbing():
    source = ("from django.db import models\n\nclass Order(models.Model):\n"
              "    status: str\n    total: int\n    customer: int\n")
    assert arc201(source) == []


def test_options():
    assert arc201(RECORD.format(extra=""), {"min-fields": 4}) == []
    assert arc201(RECORD.format(extra="").replace("class Order", "class Order(Base)") +
                  "", {"ignore-bases": ["Base"]}) == []
    assert arc201(RECORD.format(extra=""), {"suffixes": ["Order"]}) == []
    assert arc201(RECORD.format(extra=""), path="app/application/model.py") == []
    assert len(arc201(RECORD.format(extra=""), {"all-layers": True},
                      path="app/application/model.py")) == 1


def test_evidence_names_the_writers_and_links_them():
    service = (
        "from app.domain.model import Order\n\n"
        "class Checkout:\n"
        "    def place(self, order: Order) -> None:\n"
        "        order.status = 'placed'\n"
        "        order.total = 10\n\n"
        "def cancel(repo, order_id):\n"
        "    order = repo.get(order_id)\n"  # untyped: the name says it is an Order
        "    setattr(order, 'status', 'cancelled')\n"
    )
    tests = "from app.domain.model import Order\n\ndef test_x(order: Order):\n    order.total = 1\n"
    [finding] = arc201(RECORD.format(extra=""), files={
        "app/application/checkout.py": service, "tests/test_checkout.py": tests})
    assert finding.related[0].message == "Checkout.place writes Order.status"
    assert "Checkout.place writes Order.status, Order.total; cancel writes Order.status" in (
        finding.message
    )
    assert [(r.path, r.span.line) for r in finding.related] == [
        ("app/application/checkout.py", 5), ("app/application/checkout.py", 6),
        ("app/application/checkout.py", 10),
    ]
    assert "move the rules in Checkout.place into methods of Order" in finding.help


def test_objects_from_a_typed_repository_or_unit_of_work_are_known():
    files = {
        "app/domain/ports.py": (
            "from typing import Protocol\nfrom app.domain.model import Order\n\n"
            "class OrderRepository(Protocol):\n    def get(self, id: int) -> Order | None: ...\n\n"
            "class UnitOfWork(Protocol):\n    orders: OrderRepository\n"
        ),
        "app/api/routes.py": (
            "from typing import Annotated\nfrom fastapi import Depends\n"
            "from app.domain.ports import UnitOfWork\n\n"
            "UoW = Annotated[UnitOfWork, Depends(lambda: None)]\n\n"
            "def close(id: int, uow: UoW):\n    o = uow.orders.get(id)\n    o.status = 'closed'\n"
        ),
    }
    [finding] = arc201(RECORD.format(extra=""), files=files)
    assert "close writes Order.status" in finding.message


def test_writes_to_fields_it_does_not_have_or_other_classes_are_not_evidence():
    service = (
        "from app.domain.model import Order\n\n"
        "def f(order: Order, other):\n"
        "    order.cache = 1\n"  # not a field
        "    other.status = 2\n"  # not an Order
    )
    [finding] = arc201(RECORD.format(extra=""), files={"app/application/s.py": service})
    assert "writes" not in finding.message and finding.related == ()


@pytest.mark.parametrize("path", ["app/domain/schemas.py", "app/domain/dto/order.py",
                                  "app/domain/events.py"])
def test_modules_named_for_data_carriers(path):
    assert arc201(RECORD.format(extra=""), path=path) == []
