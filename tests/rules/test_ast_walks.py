"""The fast walks and shared per-tree facts of `rules/_ast.py`, and the text gates collectors
put in front of them: each must give what the plain `ast` walk it replaces gives."""

from __future__ import annotations

import ast
import gc
import re
import textwrap

import pytest

from archlint.engine.worker import analyze_source
from archlint.rules._ast import (
    WordLines,
    _INDEXES,
    all_statements,
    children,
    lines_with,
    nodes_of,
    own_nodes,
    statements_by_walk,
    statements_of,
    walk,
    walked_statements,
)
from archlint.rules._classes import _Imports
from archlint.rules._routes import _CALL_NEEDLE, _needle_starts
from archlint.rules.domain_model._writes import FieldWriteCollector
from archlint.rules.observability._tracing import TracingCollector

# Every kind of block and most kinds of expression, nested.
SOURCE = textwrap.dedent('''
    """Docstring."""
    import os, a.b as c
    from .x import y as z
    from .w import *
    X: int = 1

    @decorate(arg=lambda q: q + 1)
    class C(Base, metaclass=M):
        attr = [i * 2 for i in range(3) if i]

        async def m(self, a: int = 1, *args, k=2, **kw) -> "C":
            async with ctx() as (u, v), other():
                async for item in aiter():
                    await f(item)
            global G
            return {k: v async for k, v in g()}

    def f(x, /, y=None):
        def inner():
            nonlocal x
            x += 1
            del x
        try:
            if x and not y or -x < y <= 3:
                assert x, f"{x!r:>{y}} {y.attr}"
            elif x:
                raise ValueError() from None
            else:
                pass
        except (KeyError, ValueError) as e:
            while e:
                if e:
                    break
                continue
        else:
            for i in x[1:2, ::3]:
                if i:
                    import inner_module
        finally:
            with open("f") as fh:
                print(*fh, sep="")
        match x:
            case {"a": 1, **rest} if rest:
                y = {**rest}
            case [1, *others] | Point(x=0, y=_) as p:
                y = (yield p)
            case str() | None:
                y = (z := 1) if y else ~z
        return [a @ b for a, b in zip(x, y)]
''')

LEAVES = (ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop)


@pytest.fixture
def tree() -> ast.Module:
    return ast.parse(SOURCE)


def test_walk_is_ast_walk_without_contexts_and_operators(tree: ast.Module) -> None:
    expected = [n for n in ast.walk(tree) if not isinstance(n, LEAVES)]
    assert walk(tree) == expected
    for node in expected:
        assert walk(node) == [n for n in ast.walk(node) if not isinstance(n, LEAVES)]
        assert children(node) == [n for n in ast.iter_child_nodes(node)
                                  if not isinstance(n, LEAVES)]


def test_nodes_of_is_the_filtered_walk_and_shared(tree: ast.Module) -> None:
    for types in [(ast.Call,), (ast.Import, ast.ImportFrom, ast.Assign), (ast.expr,),
                  (ast.stmt, ast.arg), (ast.MatchAs,), (ast.TypeIgnore,)]:
        expected = [n for n in ast.walk(tree) if isinstance(n, types)]
        assert nodes_of(tree, *types) == expected
        assert nodes_of(tree, *types) is nodes_of(tree, *types)  # made once per tree


def test_the_index_does_not_keep_its_tree_alive() -> None:
    tree = ast.parse(SOURCE)
    nodes_of(tree, ast.Call)
    statements_by_walk(tree)
    assert tree in _INDEXES
    before = len(_INDEXES)
    del tree
    gc.collect()
    assert len(_INDEXES) == before - 1


def test_statement_lists(tree: ast.Module) -> None:
    assert statements_of(tree) == list(all_statements(tree.body))
    in_walk_order = [n for n in ast.walk(tree) if isinstance(n, ast.stmt)]
    assert statements_by_walk(tree) == in_walk_order
    # an `except` block holds deeper statements than the `else` after it: walk order, not
    # source order
    for node in in_walk_order:
        assert walked_statements(node) == [n for n in ast.walk(node)
                                           if isinstance(n, ast.stmt) and n is not node]


def test_own_nodes_keeps_its_nodes(tree: ast.Module) -> None:
    function = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef)
                    and n.name == "f")
    seen = {id(n) for n in own_nodes(function)}
    # what the old stack walk reached, contexts and operators aside
    stack, expected = list(ast.iter_child_nodes(function)), set()
    while stack:
        node = stack.pop()
        if not isinstance(node, LEAVES):
            expected.add(id(node))
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                 ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))
    assert seen == expected


# -- text gates -----------------------------------------------------------------------------------
def test_word_lines() -> None:
    source = "a = 1\nsettings.x = 2\n# ñ\nreset()\nSET = 3"
    lines = WordLines(source, ("set",))
    assert lines.numbers == [2, 3, 4]  # line 3 is not ASCII: it may spell a name otherwise
    assert WordLines(source, ("set",), ignore_case=True).numbers == [2, 3, 4, 5]
    assert lines.between(2, 2) and not lines.between(5, 9) and not lines.between(1, 1)
    node = ast.parse(source).body[1]
    assert lines.within(node)
    assert WordLines("a = 1\r\nb = 2", ("zzz",)).between(1, 1)  # "\r": ast's lines differ
    assert WordLines.at([4, 2, 2]).numbers == [2, 4]


def test_lines_with_finds_every_line_once() -> None:
    source = "setset set\n\nx\nset\n" * 3
    expected = [n for n, line in enumerate(source.split("\n"), 1) if "set" in line]
    assert lines_with(source, ("set",)) == expected
    assert lines_with(source, ("x", re.compile("t s"))) == sorted(
        n for n, line in enumerate(source.split("\n"), 1) if "x" in line or "t s" in line)


def test_qualify_is_the_imported_ref() -> None:
    module = ast.parse("import a.b as ab\nfrom .m import n\nimport os\n")
    names = _Imports()
    for stmt in module.body:
        names.add(stmt)
    for text in ("ab.c", "n", "n.x", "os.path.join", "local", "local.x", "ab[int]", "f()"):
        expr = ast.parse(text, mode="eval").body
        ref = names.ref(expr)
        assert names.qualify(expr) == (ref.name if ref is not None and ref.imported else None)


def test_route_needles_are_the_regex_matches() -> None:
    source = ("xpath(1) path (2) re_path(3) éRoute(4) APIRoute(5)\n_url(6) url\n(7)"
              " register_blueprint(8) mount (9) Mount.x(10) before_request(11) route(")
    assert _needle_starts(source) == [m.start() for m in _CALL_NEEDLE.finditer(source)]


# -- what the gates must not lose -------------------------------------------------------------------
def facts(collector: type, source: str) -> list:
    result = analyze_source(textwrap.dedent(source), "app.py",
                            [(collector, collector.Options())])
    assert not result.notifications, result.notifications
    return result.facts.get(collector.kind, [])


def test_field_writes_in_every_place_the_gates_look() -> None:
    writes = facts(FieldWriteCollector, '''
        def place(order: Order):
            order.status = "placed"
            if order.total:
                setattr(order, "paid", True)
            log(f"{order.set_note('x')}")
            ｓetattr(order, "spelled", 1)
            self.ignored = 1
        ''')
    assert [(w.function, w.attr, w.how) for w in writes] == [
        ("place", "status", "assign"), ("place", "paid", "setattr"),
        ("place", "set_note", "call"), ("place", "spelled", "setattr")]


def test_tracing_finds_an_instrumentor_spelled_in_other_letters() -> None:
    fact, = facts(TracingCollector, '''
        from opentelemetry.instrumentation.fastapi import FastAPIＩnstrumentor
        FastAPIＩnstrumentor.instrument_app(app)
        ''')
    assert [i.what for i in fact.instrumentations] == [
        "FastAPIInstrumentor.instrument_app(app)"]
