"""ARC202 trivial-accessors."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar

import libcst as cst

from archlint.model import Edit, Fix, Severity, Span
from archlint.rules._names import dotted
from archlint.rules._tree import children
from archlint.rules.base import FileContext, Invalid, Rule
from archlint.rules.domain_model._accessors import (
    JAVA,
    AccessorPair,
    member_names,
    pair_names,
    positional_names,
    trivial_pairs,
)


@dataclass(frozen=True)
class TrivialAccessorsOptions:
    """Options of ARC202 (none yet)."""


class TrivialAccessors(Rule):
    """## What it does
    Flags a class that wraps one private field in accessors that do nothing but read and write
    it: a Java-style `get_x()`/`set_x(value)` pair, or a `@property x` with an `@x.setter`,
    where the getter is only `return self._x` and the setter only `self._x = value` (a
    docstring aside). The finding sits on the getter's `def` (the `@property` one), once per
    pair; the setter is a related location.

    Off by default: select it by its code or name (`--select ARC202`); `ARC` or `ARC2` does not
    switch it on.

    ## Why is this bad?
    A setter that stores whatever it is given enforces nothing: the field is as public as a
    plain attribute, with two extra methods to read and keep in sync. Java needs accessors
    because a public field cannot later become a method; in Python an attribute can turn into a
    `@property` whenever a rule appears, without changing a single caller. Until then the
    accessors are ceremony that hides where the real invariants of the model are (or that it has
    none).

    ## Example
    ```python
    class Customer:
        def __init__(self, name):
            self._name = name

        def get_name(self):
            return self._name

        def set_name(self, name):
            self._name = name
    ```

    ## Use instead
    ```python
    class Customer:
        def __init__(self, name):
            self.name = name
    ```
    or, when setting must be checked, a setter that enforces the rule:
    ```python
    class Customer:
        def __init__(self, name):
            self.name = name

        @property
        def name(self):
            return self._name

        @name.setter
        def name(self, value):
            if not value.strip():
                raise ValueError("a customer needs a name")
            self._name = value
    ```

    ## Options
    None.

    ## What it does not flag
    - A lone getter: a read-only `@property` (or a `get_x()` with no `set_x()`) over a private
      field is encapsulation, not boilerplate.
    - Accessors that do anything else: validate, convert (`int(value)`, `value.strip()`),
      raise, log, notify, compute, take a default or `*args`, are `async`, hold more than one
      statement, or read and write different fields; a pair whose deleter does more than
      `del self._x`; a getter/setter of a public field.
    - Accessors with any other decorator (`@abstractmethod`, `@override`, `@staticmethod`,
      `@cached_property`, a framework's registration), a `@property` with `@x.getter`, and
      methods referenced by name in the class body (`x = property(get_x, set_x)`,
      `Property(int, get_x, set_x)`): they are hooks something else calls.
    - Mixed pairs (`@property x` with a `set_x()` method, or `get_x()` with a setter property):
      reads that look like attributes and writes that look like actions are a deliberate API.
    - Classes with a base this file does not define (other than `object`, `ABC`, `Generic`,
      `Exception`): the base may declare the accessors abstract, define a read-only `x` a plain
      attribute would collide with, or reflect on the properties (mlflow's entities list their
      properties to serialise themselves). Protocol classes. Accessors that override a member
      of a base class defined in the same file, or that a subclass in the same file overrides
      (an interface or an extension point).
    - Classes that read their own `self.__dict__` or `vars(self)`: serialisation that filters
      on the leading underscore, where the private name is what keeps the field out.
    - A field declared in the body of a decorated class or a class with bases (dataclass, attrs,
      pydantic `PrivateAttr`, ORM columns): turning it public changes the schema, not just the
      spelling.
    - camelCase `getX`/`setX` (Qt and other frameworks' naming), and `get_class`/`set_class`
      style pairs whose attribute name would be a keyword.

    The finding's fix description says which plain attribute replaces the pair. For a property
    pair, the fix also carries edits (deleting the accessors, renaming `self._x` to `self.x` in
    the class) when every mention of the field in the file is such a `self._x` inside the class;
    they are marked unsafe, as subclasses and other modules that reach the private field cannot
    be seen from one file. A get/set pair gets no edits: its callers (`obj.get_x()`) live in
    other files.

    ## References
    - [Python docs: property](https://docs.python.org/3/library/functions.html#property)
    - [Martin Fowler: Anemic Domain Model](https://martinfowler.com/bliki/AnemicDomainModel.html)
    - [Python is not Java: getters and setters](https://dirtsimple.org/2004/12/python-is-not-java.html)
    """

    code = "ARC202"
    name = "trivial-accessors"
    severity = Severity.NOTE
    tags = ("domain-model",)
    default_enabled = False
    Options = TrivialAccessorsOptions
    triggers = ("def get_", ".setter")

    VALID: ClassVar = [
        # a read-only property over a private field is encapsulation
        """
        class Order:
            def __init__(self, total):
                self._total = total

            @property
            def total(self):
                return self._total
        """,
        # a lone trivial getter: read-only too
        """
        class Order:
            def __init__(self, total):
                self._total = total

            def get_total(self):
                return self._total
        """,
        # the setter enforces a rule
        """
        class Order:
            @property
            def total(self):
                return self._total

            @total.setter
            def total(self, value):
                if value < 0:
                    raise ValueError("negative total")
                self._total = value
        """,
        # the setter converts
        """
        class Order:
            def get_total(self):
                return self._total

            def set_total(self, value):
                self._total = int(value)
        """,
        # abstract accessors declare an interface
        """
        from abc import ABC, abstractmethod

        class Repository(ABC):
            @abstractmethod
            def get_name(self):
                return self._name

            @abstractmethod
            def set_name(self, name):
                self._name = name
        """,
        # a Protocol describes what others implement
        """
        from typing import Protocol

        class Named(Protocol):
            @property
            def name(self):
                return self._name

            @name.setter
            def name(self, value):
                self._name = value
        """,
        # mixed pair: a property to read, a method to write
        """
        class Order:
            @property
            def status(self):
                return self._status

            def set_status(self, status):
                self._status = status
        """,
        # the accessors are handed to property(): old-style property, a hook
        """
        class Order:
            def get_total(self):
                return self._total

            def set_total(self, value):
                self._total = value

            total = property(get_total, set_total)
        """,
        # a subclass in the same file overrides the setter: an extension point
        """
        class Base:
            def get_name(self):
                return self._name

            def set_name(self, name):
                self._name = name

        class Checked(Base):
            def set_name(self, name):
                if not name:
                    raise ValueError(name)
                self._name = name
        """,
        # a dataclass field kept private on purpose: the property hides it from the schema
        """
        from dataclasses import dataclass

        @dataclass
        class Order:
            _total: int = 0

            @property
            def total(self):
                return self._total

            @total.setter
            def total(self, value):
                self._total = value
        """,
    ]

    INVALID: ClassVar = [
        Invalid(
            """
            class Customer:
                def __init__(self, name):
                    self._name = name

                def get_name(self):
                    return self._name

                def set_name(self, name):
                    self._name = name
            """,
            line=6,
            message="Customer.get_name()/set_name() only read and write `self._name`",
        ),
        Invalid(
            """
            class Customer:
                def __init__(self, email):
                    self.__email = email

                @property
                def email(self):
                    \"\"\"The customer's email.\"\"\"
                    return self.__email

                @email.setter
                def email(self, value):
                    self.__email = value
            """,
            line=7,
            message="property Customer.email and its setter only read and write `self.__email`",
        ),
    ]

    def __init__(self, ctx: FileContext, options: TrivialAccessorsOptions) -> None:
        super().__init__(ctx, options)
        self._pairs: dict[int, tuple[cst.ClassDef, AccessorPair]] = {}  # getter id -> pair
        self._classes: dict[str, list[cst.ClassDef]] | None = None  # every class, by name

    def visit_ClassDef(self, node: cst.ClassDef) -> None:
        if _is_protocol(node):
            return
        code: list[str] = []  # the class's source, generated once and only when needed

        def class_code() -> str:
            if not code:
                code.append(self.ctx.code_of(node))
            return code[0]

        pairs = trivial_pairs(node, class_code)
        if not pairs or self._unseen_base(node) or _reads_own_dict(class_code()):
            return
        for pair in pairs:
            if self._shared_with_hierarchy(node, pair) or self._schema_field(node, pair):
                continue
            self._pairs[id(pair.getter)] = (node, pair)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        found = self._pairs.pop(id(node), None)
        if found is None:
            return
        cls, pair = found
        self._report(cls, pair)

    # -- what the class's surroundings say ------------------------------------------------------
    def _unseen_base(self, cls: cst.ClassDef) -> bool:
        """A base class not defined in this file (transitively), other than those that declare
        no members (`object`, `ABC`, `Generic[T]`, exceptions): what it does with the accessors
        cannot be seen. It may declare them abstract, or reflect on them (mlflow's entities
        list their properties to serialise themselves), or define a read-only `x` that a plain
        attribute would collide with."""
        todo, seen = [cls], set()
        while todo:
            current = todo.pop()
            for base in current.bases:
                if base.star:
                    return True  # `class A(*bases)`
                name = _base_name(base.value)
                if name in _MEMBERLESS_BASES:
                    continue
                found = self._index().get(name or "", [])
                if not found:
                    return True
                for candidate in found:
                    if id(candidate) not in seen:
                        seen.add(id(candidate))
                        todo.append(candidate)
        return False

    def _shared_with_hierarchy(self, cls: cst.ClassDef, pair: AccessorPair) -> bool:
        """The accessors override a member of a base class in this file, or a subclass in this
        file overrides them: an interface or an extension point, not boilerplate."""
        names = set(pair_names(pair))
        if not cls.bases and not self._subclasses(cls.name.value):
            return False
        for related in (*self._bases(cls), *self._descendants(cls.name.value)):
            if names & member_names(related):
                return True
        return False

    def _schema_field(self, cls: cst.ClassDef, pair: AccessorPair) -> bool:
        """A field declared in the class body of a decorated class or one with bases (dataclass,
        attrs, pydantic PrivateAttr, ORM column): making it public changes the schema."""
        if not (cls.decorators or cls.bases):
            return False
        return pair.field in member_names(cls, functions=False)

    def _index(self) -> dict[str, list[cst.ClassDef]]:
        if self._classes is None:
            self._classes = {}
            for cls in _all_classes(self.ctx.module):
                self._classes.setdefault(cls.name.value, []).append(cls)
        return self._classes

    def _bases(self, cls: cst.ClassDef) -> list[cst.ClassDef]:
        found: list[cst.ClassDef] = []
        todo = [cls]
        while todo:
            current = todo.pop()
            for base in current.bases:
                name = _base_name(base.value)
                for candidate in self._index().get(name or "", []):
                    if candidate is not cls and candidate not in found:
                        found.append(candidate)
                        todo.append(candidate)
        return found

    def _subclasses(self, name: str) -> list[cst.ClassDef]:
        return [
            c for group in self._index().values() for c in group
            if any(_base_name(b.value) == name for b in c.bases)
        ]

    def _descendants(self, name: str) -> list[cst.ClassDef]:
        found: list[cst.ClassDef] = []
        todo = [name]
        while todo:
            for sub in self._subclasses(todo.pop()):
                if sub not in found:
                    found.append(sub)
                    todo.append(sub.name.value)
        return found

    # -- the finding ------------------------------------------------------------------------------
    def _report(self, cls: cst.ClassDef, pair: AccessorPair) -> None:
        owner, field, public = cls.name.value, pair.field, pair.public
        init_line = self._init_line(cls, field)
        where = (f"set `self.{public}` in __init__ where `self.{field}` is set today (line "
                 f"{init_line})" if init_line
                 else f"set `self.{public}` in __init__ (it does not set `self.{field}` today)")
        if pair.style == JAVA:
            message = (
                f"{owner}.get_{public}()/set_{public}() only read and write `self.{field}`: "
                f"use a plain attribute `{public}`, or give the setter a rule to enforce"
            )
            description = (
                f"replace get_{public}/set_{public} with a plain attribute `{public}`: "
                f"{where}; callers change `obj.get_{public}()` to "
                f"`obj.{public}` and `obj.set_{public}(v)` to `obj.{public} = v`"
            )
            edits: tuple[Edit, ...] = ()
            setter_label = f"trivial setter set_{public}() writes `self.{field}`"
        else:
            message = (
                f"property {owner}.{public} and its setter only read and write "
                f"`self.{field}`: use a plain attribute `{public}`, or give the setter a rule "
                "to enforce"
            )
            accessors = "its setter and deleter" if pair.deleter is not None else "its setter"
            description = (
                f"replace the `{public}` property and {accessors} with a plain attribute "
                f"`{public}`: {where}; callers keep working unchanged"
            )
            edits = self._property_edits(cls, pair)
            setter_label = f"trivial setter {public}.setter writes `self.{field}`"
        help = (
            f"{description}; if a value must be checked, make the setter enforce that rule "
            "instead"
        )
        fix = Fix(description=description, edits=edits, safe=False)
        self.report(pair.getter.name, message, help=help,
                    related=[(pair.setter.name, setter_label)], fix=fix)

    def _init_line(self, cls: cst.ClassDef, field: str) -> int | None:
        for fn in _methods(cls):
            if fn.name.value != "__init__":
                continue
            for attr, _ in _self_attributes(fn, field):
                return self.ctx.span_of(attr).line
        return None

    def _property_edits(self, cls: cst.ClassDef, pair: AccessorPair) -> tuple[Edit, ...]:
        """Delete the accessors and rename `self._x` to `self.x` in the class, when that is
        every mention of `_x` in the file; else no edits (the description still says what to
        do)."""
        field, public = pair.field, pair.public
        removed = [f for f in (pair.getter, pair.setter, pair.deleter) if f is not None]
        body = cls.body.body if isinstance(cls.body, cst.IndentedBlock) else ()
        if len(body) <= len(removed):
            return ()  # the class would be left empty
        uses: list[tuple[cst.Attribute, bool]] = []  # (attribute, inside a removed accessor)
        for fn in _methods(cls):
            inside = any(fn is r for r in removed)
            uses.extend((attr, inside) for attr, _ in _self_attributes(fn, field))
        source = self.ctx.source
        mentions = len(re.findall(rf"(?<!\w){re.escape(field)}(?!\w)", source))
        owner = cls.name.value.lstrip("_")  # how Python mangles `__x` in class `_A`: `_A__x`
        mangled_use = field.startswith("__") and bool(owner) and f"_{owner}{field}" in source
        if mentions != len(uses) or mangled_use:
            return ()  # `other._x`, `getattr(self, "_x")`, `__slots__`, a subclass's use...
        edits = [self._deletion(fn) for fn in removed]
        edits.extend(
            Edit(self.ctx.span_of(attr.attr), public) for attr, inside in uses if not inside
        )
        return tuple(sorted(edits, key=lambda e: e.span))

    def _deletion(self, fn: cst.FunctionDef) -> Edit:
        """Whole lines from the first decorator (and the blank lines before it, when there are
        no comments among them) to the end of the function."""
        start = self.ctx.span_of(fn.decorators[0] if fn.decorators else fn).line
        if fn.leading_lines and all(line.comment is None for line in fn.leading_lines):
            start -= len(fn.leading_lines)
        end = self.ctx.span_of(fn).end_line
        lines = self.ctx.source.split("\n")
        if end < len(lines):
            return Edit(Span(start, 0, end + 1, 0), "")
        return Edit(Span(start, 0, end, len(lines[end - 1])), "")


# Bases that declare no members an accessor could implement or collide with.
_MEMBERLESS_BASES = frozenset({"object", "ABC", "Generic", "Exception", "BaseException"})


def _reads_own_dict(class_code: str) -> bool:
    """`self.__dict__` or `vars(self)` in the class: serialisation that filters on the leading
    underscore (`{k: v for k, v in self.__dict__.items() if not k.startswith("_")}`), where the
    private name is what keeps the field out, and a plain attribute would change the output."""
    return "__dict__" in class_code or re.search(r"\bvars\(\s*self\s*\)", class_code) is not None


def _is_protocol(cls: cst.ClassDef) -> bool:
    return any(_base_name(base.value) == "Protocol" for base in cls.bases)


def _base_name(expr: cst.BaseExpression) -> str | None:
    """`Base`, `module.Base`, `Base[T]` -> "Base"."""
    if isinstance(expr, cst.Subscript):
        expr = expr.value
    name = dotted(expr)
    return name.rsplit(".", 1)[-1] if name else None


def _all_classes(node: cst.CSTNode) -> Iterator[cst.ClassDef]:
    stack = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.ClassDef):
            yield current
        if isinstance(current, (cst.Module, cst.BaseCompoundStatement, cst.BaseSuite)):
            stack.extend(children(current))


def _methods(cls: cst.ClassDef) -> list[cst.FunctionDef]:
    if not isinstance(cls.body, cst.IndentedBlock):
        return []
    return [s for s in cls.body.body if isinstance(s, cst.FunctionDef)]


def _self_attributes(fn: cst.FunctionDef, field: str) -> Iterator[tuple[cst.Attribute, str]]:
    """`<self>._x` in a method (closures included, nested classes not), where `<self>` is the
    method's first parameter."""
    names = positional_names(fn)
    first = [*fn.params.posonly_params, *fn.params.params]
    self_name = names[0] if names else (first[0].name.value if first else None)
    if self_name is None:
        return
    stack: list[cst.CSTNode] = [fn.body]
    while stack:
        current = stack.pop()
        if isinstance(current, cst.ClassDef):
            continue
        if (
            isinstance(current, cst.Attribute)
            and current.attr.value == field
            and isinstance(current.value, cst.Name)
            and current.value.value == self_name
        ):
            yield current, self_name
        stack.extend(reversed(children(current)))


__all__ = ["TrivialAccessors", "TrivialAccessorsOptions"]
