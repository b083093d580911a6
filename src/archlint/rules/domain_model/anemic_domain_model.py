"""ARC201 anemic-domain-model."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

from archlint.model import Related, Severity
from archlint.rules._class_shape import ACCESSORS, Member
from archlint.rules._classes import (
    BindingCollector,
    ClassCollector,
    DefinedClass,
    NameRef,
    symbols,
)
from archlint.rules.architecture._layers import is_scaffolding
from archlint.rules.architecture._models import orm_models
from archlint.rules.architecture._project import structure
from archlint.rules.base import Invalid, ProjectRule, Valid
from archlint.rules.domain_model._writes import FieldWrite, FieldWriteCollector

SUFFIXES = ("Event", "Command", "Query", "DTO", "Dto", "Schema", "Request", "Response", "Message",
            "Settings", "Config")
# Library bases that add no behaviour of their own: a class on them is judged by its own body.
_PLAIN_BASES = frozenset({
    "object", "typing.Generic", "typing_extensions.Generic", "pydantic.BaseModel",
    "pydantic.main.BaseModel", "abc.ABC", "attr.AttrsInstance",
})
# Library bases that make a class something other than an entity.
_NOT_ENTITIES = (
    "enum.", "typing.NamedTuple", "typing.TypedDict", "typing_extensions.TypedDict",
    "typing.Protocol", "typing_extensions.Protocol", "collections.namedtuple",
)
# Modules named for what they carry: their classes are data by intent, like the suffixes.
_DATA_MODULES = frozenset({"schemas", "schema", "dto", "dtos", "serializers", "messages",
                           "events", "commands", "queries"})
_EVIDENCE_SHOWN = 3


@dataclass(frozen=True)
class AnemicDomainModelOptions:
    min_fields: int = 3  # fewer instance fields than this: too small to judge
    suffixes: tuple[str, ...] = SUFFIXES  # class names ending so are messages or data on purpose
    ignore_bases: tuple[str, ...] = ()  # base classes (simple or dotted names) that exempt a class
    all_layers: bool = False  # judge classes of every layer, not only the domain layer


@dataclass
class _Verdict:
    fields: tuple[str, ...]
    accessors: tuple[Member, ...]

    @property
    def mutable(self) -> bool:
        """It offers setters: changed from outside by design."""
        return any(m.kind == "setter" for m in self.accessors)


class AnemicDomainModel(ProjectRule):
    """## What it does
    Flags a class of the domain layer that holds state and has no behaviour: three or more
    instance fields (dataclass, attrs and pydantic fields, annotated class attributes, `self.x =`
    in `__init__`), and methods that are only `__init__`, dunders, trivial getters and setters
    (also as `@property` pairs) or `to_dict`/`from_dict`-style converters. The message names the
    fields and, where the project shows it, the code elsewhere that changes them
    ("OrderService.place writes Order.status, Order.total"), which SARIF also links.

    ## Why is this bad?
    An anemic domain model is a set of records whose rules live in services: every service that
    changes `status` must remember the same checks, and nothing stops one that forgets. Moving the
    code that writes the fields into methods of the class puts the invariants in one place
    (Fowler, "AnemicDomainModel").

    ## Example
    ```python
    # app/domain/order.py
    @dataclass
    class Order:
        id: int
        status: str
        total: Decimal

    # app/application/checkout.py
    def place(order: Order) -> None:
        order.status = "placed"
        order.total = sum(line.price for line in order.lines)
    ```

    ## Use instead
    ```python
    @dataclass
    class Order:
        id: int
        status: str
        total: Decimal

        def place(self) -> None:
            if self.status != "new":
                raise OrderAlreadyPlaced(self.id)
            self.status = "placed"
    ```

    ## Options
    - `min-fields` (int, default 3): classes with fewer instance fields are not judged.
    - `suffixes` (list): class names ending in one of these are messages, commands or data
      carriers by intent (default: Event, Command, Query, DTO, Dto, Schema, Request, Response,
      Message, Settings, Config); so are classes inheriting from a project class named so.
    - `ignore-bases` (list): base classes, by simple or dotted name, that exempt a class.
    - `all-layers` (bool, default false): judge classes in every layer, not only the domain.
    The heuristics start from PMD's DataClass rule (WOC < 1/3, NOPA+NOAM > 2..5, low WMC): here
    WOC is the share of methods that are behaviour (it must be 0), NOPA+NOAM the fields and
    accessors (3+ fields), and a method with any logic beyond one read or one store counts as
    behaviour, which is stricter than a WMC bound and keeps the rule quiet on small logic.

    ## What it does not flag
    - Classes with any behaviour: a method that computes, decides, validates or changes state
      under a rule; an `__init__`/`__post_init__` that validates (raises, asserts) or derives a
      field; behaviour inherited from a project base class.
    - Value objects: frozen dataclasses and attrs classes, frozen pydantic models, NamedTuples,
      `unsafe_hash=True` dataclasses and classes with their own `__hash__`, whatever their size.
    - Enums, exceptions, Protocols and ABCs (ports), TypedDicts, ORM models (plumbing), and
      classes on a library base that may carry behaviour archlint cannot see.
    - Names ending in a suffix of the list, and subclasses of a project class named so
      (`OrderPlaced(DomainEvent)`).
    - Classes in modules named for data they carry (`schemas`, `dto`, `serializers`,
      `messages`, `events`, `commands`, `queries`, as a package or module name).
    - Factory `classmethod`s/`staticmethod`s are neutral: neither behaviour nor accessors.
    - Tests and migrations; classes outside the domain layer (unless `all-layers`).

    ## References
    - Martin Fowler, "AnemicDomainModel" (2003), https://martinfowler.com/bliki/AnemicDomainModel.html
    - Eric Evans, Domain-Driven Design (2003), ch. 5 (Entities, Value Objects).
    - PMD, DataClass rule (design category), after Lanza & Marinescu, Object-Oriented Metrics in
      Practice (2006).
    """

    code, name, severity = "ARC201", "anemic-domain-model", Severity.WARNING
    tags = ("architecture", "domain-model")
    Options = AnemicDomainModelOptions
    collectors = (ClassCollector, BindingCollector, FieldWriteCollector)

    VALID: ClassVar = [
        Valid(
            """
            from dataclasses import dataclass

            @dataclass
            class Order:
                id: int
                status: str
                total: int

                def place(self) -> None:
                    if self.status != "new":
                        raise ValueError(self.status)
                    self.status = "placed"
            """,
            path="app/domain/order.py",
        ),
        Valid(
            """
            from dataclasses import dataclass

            @dataclass(frozen=True)
            class Money:
                amount: int
                currency: str
                scale: int
            """,
            path="app/domain/money.py",
        ),
        Valid(
            """
            from dataclasses import dataclass

            @dataclass
            class OrderPlacedEvent:
                order_id: int
                total: int
                at: str
            """,
            path="app/domain/events.py",
        ),
        Valid(
            """
            from dataclasses import dataclass

            @dataclass
            class Order:
                id: int
                status: str
                total: int
            """,
            path="app/application/dto.py",
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            """
            from dataclasses import dataclass

            @dataclass
            class Order:
                id: int
                status: str
                total: int

                def get_status(self) -> str:
                    return self.status

                def set_status(self, status: str) -> None:
                    self.status = status
            """,
            line=5,
            path="app/domain/order.py",
            message="Order holds 3 fields (id, status, total) and no behaviour",
        ),
        Invalid(
            """
            class Customer:
                def __init__(self, name, email, tier):
                    self.name = name
                    self.email = email
                    self.tier = tier
            """,
            line=2,
            path="app/domain/customer.py",
            files={
                "app/application/upgrade.py": (
                    "from app.domain.customer import Customer\n\n"
                    "class UpgradeService:\n"
                    "    def upgrade(self, customer: Customer) -> None:\n"
                    "        customer.tier = 'gold'\n"
                ),
            },
            message="UpgradeService.upgrade writes Customer.tier",
        ),
    ]

    def check(self) -> None:
        project = structure(self.project)
        self._symbols = symbols(self.project)
        self._orm = orm_models(self.project)
        self._visible: dict[str, list[DefinedClass]] = {}
        writes = self._writes_by_class()
        for (module, _), cls in sorted(self._symbols.classes.items()):
            if "." in cls.fact.qualname or is_scaffolding(module):
                continue
            if _DATA_MODULES & set(module.split(".")):
                continue
            placement = project.placement(module)
            if not self.options.all_layers and (placement is None or placement.layer != "domain"):
                continue
            verdict = self._judge(cls)
            evidence = writes.get(cls.key, [])
            # Nothing changes it after construction (no setter, no write found elsewhere): a
            # record that is a value in effect, even if nobody declared it frozen.
            if verdict is not None and (evidence or verdict.mutable):
                self._report(cls, verdict, evidence)

    # -- is it anemic? ----------------------------------------------------------------------------
    def _judge(self, cls: DefinedClass) -> _Verdict | None:
        if self._exempt_name(cls.fact.name):
            return None
        fields: list[str] = []
        members: list[Member] = []
        for ancestor in self._lineage(cls):
            if ancestor is None:
                return None  # a base whose behaviour archlint cannot see: stay quiet
            shape = ancestor.fact.shape
            if shape.frozen or shape.hashable:
                return None  # a value object
            if ancestor is not cls and self._exempt_name(ancestor.fact.name):
                return None  # OrderPlaced(DomainEvent)
            if self._orm.kind(ancestor).orm is not None:
                return None  # ORM plumbing
            fields += [f for f in shape.fields if f not in fields]
            members += shape.members
        if len(fields) < self.options.min_fields:
            return None
        if any(m.kind == "behaviour" for m in members):
            return None
        if members and all(m.kind == "abstract" for m in members):
            return None  # a port
        return _Verdict(tuple(fields), tuple(m for m in members if m.kind in ACCESSORS))

    def _exempt_name(self, name: str) -> bool:
        return name.endswith(tuple(self.options.suffixes))

    def _lineage(self, cls: DefinedClass, depth: int = 0) -> Iterator[DefinedClass | None]:
        """The class and its project ancestors; None for a base that rules the class out or
        that archlint cannot see into."""
        yield cls
        if depth > 20:
            return
        for ref in cls.fact.bases:
            simple = ref.name.rpartition(".")[2]
            if ref.name in self.options.ignore_bases or simple in self.options.ignore_bases:
                yield None
                continue
            symbol = self._symbols.of_ref(ref, cls.module)
            if symbol is not None and symbol.kind == "class" and not symbol.rest:
                yield from self._lineage(symbol.cls, depth + 1)  # type: ignore[arg-type]
                continue
            name = symbol.name if symbol is not None and symbol.kind == "external" else ref.name
            if name in _PLAIN_BASES:
                continue
            yield None  # an enum, exception, Protocol, TypedDict or unknown library class

    # -- where its behaviour went ------------------------------------------------------------------
    def _writes_by_class(self) -> dict[str, list[tuple[str, FieldWrite]]]:
        """Writes outside tests and the infrastructure layer, tied to the class their receiver
        is: by the function's own type information (an annotation, a constructor call, a typed
        repository's return annotation), else by a receiver named after a class the module can
        name (`order` for `Order`)."""
        found: dict[str, list[tuple[str, FieldWrite]]] = {}
        modules = self._symbols.modules
        project = structure(self.project)
        for path, write in self.project.of(FieldWriteCollector.kind):
            module = modules.module_of.get(path)
            if module is None or is_scaffolding(module):
                continue
            placement = project.placement(module)
            if placement is not None and placement.layer == "infrastructure":
                continue  # a repository filling an object from its row is mapping, not logic
            cls = self._receiver_class(module, write)
            if cls is None or write.function.split(".")[0] == cls.fact.name:
                continue
            shape = cls.fact.shape
            setters = {m.name for m in shape.members if m.kind == "setter"}
            if (write.how == "call" and write.attr in setters) or (
                write.how != "call" and write.attr in shape.fields
            ):
                found.setdefault(cls.key, []).append((path, write))
        return found

    def _receiver_class(self, module: str, write: FieldWrite) -> DefinedClass | None:
        if write.type_ref is not None:
            return self._class_of(write.type_ref, module)
        if write.returned_by is not None:  # order = uow.orders.get(...): follow the types
            root, path = write.returned_by
            return self._follow(self._class_of(root, module), path)
        for cls in self._visible_classes(module):
            if _names_the_class(write.receiver, cls.fact.name):
                return cls
        return None

    def _follow(self, cls: DefinedClass | None, path: tuple[str, ...]) -> DefinedClass | None:
        """The class a chain of fields ending in a method call returns, as annotated."""
        for index, name in enumerate(path):
            last = index == len(path) - 1
            found = None
            for ancestor in self._lineage(cls) if cls is not None else ():
                if ancestor is None:
                    continue
                shape = ancestor.fact.shape
                written = (next((m.returns for m in shape.members if m.name == name), "")
                           if last else shape.field_type(name))
                if written:
                    found = self._class_of(NameRef(written, False), ancestor.module)
                    break
            cls = found
        return cls

    def _class_of(self, ref: NameRef, module: str) -> DefinedClass | None:
        symbol = self._symbols.of_ref(ref, module)
        return symbol.cls if symbol is not None and symbol.kind == "class" and not symbol.rest \
            else None

    def _visible_classes(self, module: str) -> list[DefinedClass]:
        """The project classes a module can name: its own, those it imports, and those of the
        project modules it imports (`from app.domain import orders` shows `orders.Order`)."""
        if module in self._visible:
            return self._visible[module]
        found = list(self._symbols.top_level.get(module, ()))
        bindings = self._symbols.bindings.get(module)
        for local, _ in bindings.imports if bindings is not None else ():
            symbol = self._symbols.of_ref(NameRef(local, False), module)
            if symbol is None or symbol.rest:
                continue
            if symbol.kind == "class":
                found.append(symbol.cls)  # type: ignore[arg-type]
            elif symbol.kind == "module":
                found += self._symbols.top_level.get(symbol.name, ())
        self._visible[module] = found
        return found

    # -- the finding ----------------------------------------------------------------------------
    def _report(self, cls: DefinedClass, verdict: _Verdict,
                writes: list[tuple[str, FieldWrite]]) -> None:
        name = cls.fact.name
        shown = ", ".join(verdict.fields[:6]) + (", ..." if len(verdict.fields) > 6 else "")
        accessors = ", ".join(sorted({m.name for m in verdict.accessors}))
        methods = (f"its methods only read, store or convert them ({accessors})"
                   if accessors else "it has no methods of its own")
        message = (
            f"{name} holds {len(verdict.fields)} fields ({shown}) and no behaviour: {methods}"
        )
        by_function: dict[str, list[str]] = {}
        for _, write in writes:
            attrs = by_function.setdefault(write.function, [])
            attr = write.attr if write.how != "call" else f"{write.attr}()"
            if attr not in attrs:
                attrs.append(attr)
        related: list[Related] = []
        if by_function:
            top = sorted(by_function.items(), key=lambda kv: (-len(kv[1]), kv[0]))
            parts = [f"{function} {_what_it_does(name, attrs)}" for function, attrs in top[:2]]
            more = len(top) - 2
            message += "; " + "; ".join(parts) + (f", and {more} more function"
                                                  f"{'s' if more > 1 else ''}" if more > 0 else "")
            for path, write in writes[:_EVIDENCE_SHOWN]:
                attr = f"{write.attr}()" if write.how == "call" else write.attr
                related.append(Related(
                    write.span, f"{write.function} {_what_it_does(name, [attr])}", path=path
                ))
            first = top[0][0]
            help = (f"move the rules in {first} into methods of {name} (a method that checks and "
                    f"changes {', '.join(top[0][1][:2])} together), so that {name} guards its "
                    f"own invariants")
        else:
            help = (f"give {name} the operations that change its fields, with the checks they "
                    f"need; if it only carries data between layers, make it a frozen dataclass "
                    f"or name it as a DTO/Event/Command")
        span = cls.fact.span
        self.report_at(cls.path, span, message, help=help, related=related,
                       statement_lines=(span.line, span.line))


def _what_it_does(name: str, attrs: list[str]) -> str:
    """"writes Order.total and calls Order.set_status()"."""
    written = [f"{name}.{a}" for a in attrs if not a.endswith("()")]
    called = [f"{name}.{a}" for a in attrs if a.endswith("()")]
    return " and ".join(
        part for part in (f"writes {', '.join(written)}" if written else "",
                          f"calls {', '.join(called)}" if called else "") if part
    )


def _names_the_class(variable: str, class_name: str) -> bool:
    """`order`, `new_order` or `order_` for `Order`; `order_line` for `OrderLine`."""
    snake = "".join(f"_{c.lower()}" if c.isupper() else c for c in class_name).lstrip("_")
    return variable == snake or variable.endswith(f"_{snake}") or variable == f"{snake}_"
