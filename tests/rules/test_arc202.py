"""ARC202 trivial-accessors: what counts as a trivial pair, the quiet cases, the fix, selection."""

from __future__ import annotations

import textwrap

import pytest
from _support import run_rule

from archlint.config import Settings, is_enabled
from archlint.model import Severity, Span
from archlint.rules.domain_model.trivial_accessors import TrivialAccessors as ARC202


def findings(source: str):
    result = run_rule(ARC202, source)
    assert not result.notifications, result.notifications
    return result.findings


def lines(source: str) -> list[int]:
    return sorted(f.span.line for f in findings(source))


def only(source: str):
    found = findings(source)
    assert len(found) == 1, [(f.span.line, f.message) for f in found]
    return found[0]


def apply(source: str, edits) -> str:
    """Apply a fix's edits (1-based lines, 0-based columns, end exclusive) to the source."""
    text = textwrap.dedent(source)
    starts = [0]
    for line in text.split("\n"):
        starts.append(starts[-1] + len(line) + 1)

    def offset(line: int, column: int) -> int:
        return starts[line - 1] + column

    for edit in sorted(edits, key=lambda e: e.span, reverse=True):
        span = edit.span
        begin, end = offset(span.line, span.column), offset(span.end_line, span.end_column)
        text = text[:begin] + edit.replacement + text[end:]
    return text


JAVA_PAIR = """
class Customer:
    def __init__(self, name):
        self._name = name

    def get_name(self):
        return self._name

    def set_name(self, name):
        self._name = name
"""

PROPERTY_PAIR = """
class Customer:
    def __init__(self, name):
        self._name = name

    def greet(self):
        return "hello " + self._name

    @property
    def name(self):
        return self._name

    @name.setter
    def name(self, value):
        self._name = value
"""


# -- metadata and selection ----------------------------------------------------------------------
def test_metadata():
    assert ARC202.severity is Severity.NOTE
    assert ARC202.default_enabled is False
    meta = ARC202.meta()
    assert meta.family == "domain_model" and meta.default_enabled is False
    assert meta.summary.startswith("Flags a class that wraps one private field")


@pytest.mark.parametrize(
    ("selector", "enabled"),
    [("ARC", False), ("ARC2", False), ("ARC20", False), ("ALL", False),
     ("ARC202", True), ("arc202", True), ("trivial-accessors", True)],
)
def test_off_by_default_needs_its_exact_code_or_name(selector, enabled):
    assert is_enabled(ARC202, Settings(select=(selector,))) is enabled


def test_run_rule_runs_it_although_it_is_off_by_default():
    assert lines(JAVA_PAIR) == [6]


@pytest.mark.parametrize(
    "source",
    ["class A:\n    def get_x(self):\n        return self._x\n",
     "class A:\n    @x.setter\n    def x(self, v):\n        self._x = v\n"],
)
def test_triggers(source):
    assert ARC202.wants(source, ARC202.Options())
    assert not ARC202.wants("class A:\n    x = 1\n", ARC202.Options())


# -- what is flagged -----------------------------------------------------------------------------
def test_java_pair_sits_on_the_getter_and_names_field_and_remedy():
    finding = only(JAVA_PAIR)
    assert (finding.span.line, finding.span.column) == (6, 8)
    assert finding.message == (
        "Customer.get_name()/set_name() only read and write `self._name`: use a plain "
        "attribute `name`, or give the setter a rule to enforce"
    )
    assert finding.help.startswith(
        "replace get_name/set_name with a plain attribute `name`: set `self.name` in __init__ "
        "where `self._name` is set today (line 4); callers change `obj.get_name()` to "
        "`obj.name`"
    )
    assert "`obj.set_name(v)` to `obj.name = v`" in finding.help
    assert [(r.span.line, r.message) for r in finding.related] == [
        (9, "trivial setter set_name() writes `self._name`")
    ]
    # callers of get_name/set_name live in other files: a description, no edits
    assert finding.fix is not None and finding.fix.edits == () and finding.fix.safe is False
    assert finding.fix.description.startswith("replace get_name/set_name")


def test_property_pair_is_reported_once_on_the_property_def():
    finding = only(PROPERTY_PAIR)
    assert finding.span.line == 10  # `def name` under `@property`, not the setter
    assert "property Customer.name and its setter only read and write `self._name`" in (
        finding.message)
    assert "callers keep working unchanged" in finding.help


def test_help_says_when_init_does_not_set_the_field():
    source = """
        class A:
            def get_x(self):
                return self._x

            def set_x(self, x):
                self._x = x
        """
    assert "set `self.x` in __init__ (it does not set `self._x` today)" in only(source).help


@pytest.mark.parametrize(
    "source",
    [
        # docstrings, annotations, a name-mangled field, any parameter names
        """
        class A:
            def get_x(this) -> int:
                "The x."
                return this.__x

            def set_x(this, new: int) -> None:
                '''Set x.'''
                this.__x = new
        """,
        # a trivial deleter belongs to the pair
        """
        class A:
            @property
            def x(self):
                return self._x

            @x.setter
            def x(self, v):
                self._x = v

            @x.deleter
            def x(self):
                del self._x
        """,
        # bases in the file that declare nothing of the pair, and member-less bases
        """
        from abc import ABC
        from typing import Generic, TypeVar

        T = TypeVar("T")

        class Root(ABC):
            def describe(self):
                return "root"

        class A(Root, Generic[T], metaclass=Meta):
            def get_x(self):
                return self._x

            def set_x(self, x):
                self._x = x
        """,
        # a class-level default on a plain class is still a plain field
        """
        class A:
            _x = None

            def get_x(self):
                return self._x

            def set_x(self, x):
                self._x = x
        """,
    ],
)
def test_flagged(source):
    assert len(findings(source)) == 1


def test_deleter_is_named_in_the_fix_and_deleted_with_the_pair():
    source = """
        class A:
            def __init__(self):
                self._x = 1

            @property
            def x(self):
                return self._x

            @x.setter
            def x(self, v):
                self._x = v

            @x.deleter
            def x(self):
                del self._x
        """
    fix = only(source).fix
    assert fix.description.startswith("replace the `x` property and its setter and deleter")
    assert apply(source, fix.edits) == textwrap.dedent("""
        class A:
            def __init__(self):
                self.x = 1
        """)


def test_two_pairs_two_findings_in_a_nested_class():
    source = """
        def factory():
            class A:
                def get_x(self):
                    return self._x

                def set_x(self, x):
                    self._x = x

                @property
                def y(self):
                    return self._y

                @y.setter
                def y(self, v):
                    self._y = v
            return A
        """
    assert lines(source) == [4, 11]


# -- quiet ---------------------------------------------------------------------------------------
QUIET = {
    "read-only property": """
        class A:
            @property
            def x(self):
                return self._x
        """,
    "lone getter": """
        class A:
            def get_x(self):
                return self._x
        """,
    "lone setter": """
        class A:
            def set_x(self, x):
                self._x = x
        """,
    "validating setter": """
        class A:
            def get_x(self):
                return self._x

            def set_x(self, x):
                if x is None:
                    raise ValueError
                self._x = x
        """,
    "asserting setter": """
        class A:
            @property
            def x(self):
                return self._x

            @x.setter
            def x(self, v):
                assert v > 0
                self._x = v
        """,
    "converting setter": """
        class A:
            def get_x(self):
                return self._x

            def set_x(self, x):
                self._x = x.strip()
        """,
    "logging setter": """
        class A:
            def get_x(self):
                return self._x

            def set_x(self, x):
                log.info("x changed")
                self._x = x
        """,
    "setter stores a constant": """
        class A:
            def get_x(self):
                return self._x

            def set_x(self, x):
                self._x = None
        """,
    "computing getter": """
        class A:
            def get_x(self):
                return self._x + 1

            def set_x(self, x):
                self._x = x
        """,
    "getter reads through another object": """
        class A:
            def get_x(self):
                return self._inner._x

            def set_x(self, x):
                self._inner._x = x
        """,
    "different fields": """
        class A:
            def get_x(self):
                return self._x

            def set_x(self, x):
                self._y = x
        """,
    "chained assignment": """
        class A:
            def get_x(self):
                return self._x

            def set_x(self, x):
                self._x = self._y = x
        """,
    "two statements on one line": """
        class A:
            def get_x(self):
                return self._x

            def set_x(self, x):
                self._x = x; self.changed = True
        """,
    "public field": """
        class A:
            def get_x(self):
                return self.x

            def set_x(self, x):
                self.x = x
        """,
    "dunder field": """
        class A:
            def get_dict(self):
                return self.__dict__

            def set_dict(self, d):
                self.__dict__ = d
        """,
    "static accessors": """
        class A:
            @staticmethod
            def get_x():
                return A._x

            @staticmethod
            def set_x(x):
                A._x = x
        """,
    "override decorator": """
        from typing import override

        class A:
            @override
            def get_x(self):
                return self._x

            @override
            def set_x(self, x):
                self._x = x
        """,
    "abstract property": """
        from abc import abstractmethod

        class A:
            @property
            @abstractmethod
            def x(self):
                return self._x

            @x.setter
            @abstractmethod
            def x(self, v):
                self._x = v
        """,
    "protocol": """
        import typing

        class A(typing.Protocol[T]):
            def get_x(self):
                return self._x

            def set_x(self, x):
                self._x = x
        """,
    "mixed: get_x and a setter property": """
        class A:
            def get_x(self):
                return self._x

            def set_x(self, x):
                self._x = x

            @property
            def x(self):
                return self._x
        """,
    "default argument": """
        class A:
            def get_x(self):
                return self._x

            def set_x(self, x=None):
                self._x = x
        """,
    "keyword-only argument": """
        class A:
            def get_x(self):
                return self._x

            def set_x(self, *, x):
                self._x = x
        """,
    "getter takes an argument": """
        class A:
            def get_x(self, default):
                return self._x

            def set_x(self, x):
                self._x = x
        """,
    "async accessors": """
        class A:
            async def get_x(self):
                return self._x

            async def set_x(self, x):
                self._x = x
        """,
    "deleter with logic": """
        class A:
            @property
            def x(self):
                return self._x

            @x.setter
            def x(self, v):
                self._x = v

            @x.deleter
            def x(self):
                self._x = None
        """,
    "property registered by name": """
        from qtpy.QtCore import Property

        class A:
            def get_x(self):
                return self._x

            def set_x(self, x):
                self._x = x

            x = Property(int, get_x, set_x)
        """,
    "class body rebinds the property name": """
        class A:
            @property
            def x(self):
                return self._x

            @x.setter
            def x(self, v):
                self._x = v

            x = other_property(x)
        """,
    "base in the file declares the accessors": """
        class Port:
            def get_x(self):
                raise NotImplementedError

            def set_x(self, x):
                raise NotImplementedError

        class A(Port):
            def get_x(self):
                return self._x

            def set_x(self, x):
                self._x = x
        """,
    "grand-subclass in the file overrides": """
        class A:
            @property
            def x(self):
                return self._x

            @x.setter
            def x(self, v):
                self._x = v

        class B(A):
            pass

        class C(B):
            @A.x.setter
            def x(self, v):
                self._x = abs(v)
        """,
    "pydantic private attribute": """
        from pydantic import BaseModel, PrivateAttr

        class A(BaseModel):
            _x: int = PrivateAttr(default=0)

            @property
            def x(self):
                return self._x

            @x.setter
            def x(self, v):
                self._x = v
        """,
    "attrs field": """
        import attrs

        @attrs.define
        class A:
            _x: int

            def get_x(self):
                return self._x

            def set_x(self, x):
                self._x = x
        """,
    "imported base: it may declare or reflect on the accessors": """
        from mlflow.entities._mlflow_object import _MlflowObject

        class Run(_MlflowObject):
            @property
            def status(self):
                return self._status

            @status.setter
            def status(self, value):
                self._status = value
        """,
    "in-file base with an imported base": """
        from lib import Entity

        class Base(Entity):
            pass

        class A(Base):
            def get_x(self):
                return self._x

            def set_x(self, x):
                self._x = x
        """,
    "class serialises its own __dict__": """
        class Model:
            def __init__(self, metadata=None):
                self._metadata = metadata

            @property
            def metadata(self):
                return self._metadata

            @metadata.setter
            def metadata(self, value):
                self._metadata = value

            def to_dict(self):
                return {k: v for k, v in self.__dict__.items() if not k.startswith("_")}
        """,
    "class serialises vars(self)": """
        class Model:
            def get_x(self):
                return self._x

            def set_x(self, x):
                self._x = x

            def dump(self):
                return dict(vars(self))
        """,
    "camelCase": """
        class A:
            def getX(self):
                return self._x

            def setX(self, x):
                self._x = x
        """,
    "the attribute name would be a keyword": """
        class A:
            def get_class(self):
                return self._class

            def set_class(self, value):
                self._class = value
        """,
    "defined twice": """
        class A:
            def get_x(self):
                return self._x

            def get_x(self):
                return self._x

            def set_x(self, x):
                self._x = x
        """,
    "getter property with a cached_property": """
        import functools

        class A:
            @functools.cached_property
            def x(self):
                return self._x
        """,
}


@pytest.mark.parametrize("source", list(QUIET.values()), ids=list(QUIET))
def test_quiet(source):
    assert findings(source) == []


# -- the fix ---------------------------------------------------------------------------------------
def test_property_pair_fix_deletes_the_accessors_and_renames_the_field():
    fix = only(PROPERTY_PAIR).fix
    assert fix is not None and fix.safe is False and fix.edits
    fixed = apply(PROPERTY_PAIR, fix.edits)
    assert fixed == textwrap.dedent("""
        class Customer:
            def __init__(self, name):
                self.name = name

            def greet(self):
                return "hello " + self.name
        """)
    compile(fixed, "fixed", "exec")


def test_fix_spans_are_exact():
    source = """
        class A:
            def __init__(self):
                self._x = 1

            # kept: a comment before the accessor
            @property
            def x(self):
                return self._x

            @x.setter
            def x(self, v):
                self._x = v"""
    edits = only(source).fix.edits
    assert [(e.span, e.replacement) for e in edits] == [
        (Span(4, 13, 4, 15), "x"),
        (Span(7, 0, 10, 0), ""),
        (Span(10, 0, 13, 19), ""),
    ]


@pytest.mark.parametrize(
    "extra",
    [
        # another object's private field, outside the class
        "\ndef peek(a):\n    return a._name\n",
        # `__slots__` names it
        "\nclass B:\n    __slots__ = ('_name',)\n",
        # reached through getattr
        "\ndef peek(a):\n    return getattr(a, '_name')\n",
    ],
)
def test_no_edits_when_the_field_is_mentioned_elsewhere(extra):
    finding = only(PROPERTY_PAIR + extra)
    assert finding.fix is not None and finding.fix.edits == ()
    assert finding.fix.description.startswith(
        "replace the `name` property and its setter with a plain attribute `name`")


def test_no_edits_when_the_class_would_be_left_empty():
    source = """
        class A:
            @property
            def x(self):
                return self._x

            @x.setter
            def x(self, v):
                self._x = v
        """
    assert only(source).fix.edits == ()


def test_no_edits_when_a_mangled_name_is_used_from_outside():
    source = """
        class A:
            def __init__(self):
                self.__x = 1

            @property
            def x(self):
                return self.__x

            @x.setter
            def x(self, v):
                self.__x = v

        def peek(a):
            return a._A__x
        """
    assert only(source).fix.edits == ()
