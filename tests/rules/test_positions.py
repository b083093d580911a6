"""The fast position lookup must give exactly what LibCST's PositionProvider gives, for every
node inside a statement, without falling back."""

from __future__ import annotations

import sys

import libcst as cst
import pytest
from libcst.metadata import MetadataWrapper, PositionProvider

from _support import FIXTURES, REPO
from archlint.model import Span
from archlint.rules._positions import Positions
from archlint.rules._tree import children

TRICKY = '''\
# header comment

import os  ;  import sys
x = 1; y = (2 +
     3)

@decorator(
    arg)

# comment between decorator lines is not allowed, so after:
async def f(a, b=1, *args, **kw):
    """doc"""
    if a:
        pass
    elif b:  # trailing
        for i in range(3):
            try:
                z = i
            except ValueError:
                continue
            else:
                break
            finally:
                q = {"k": [v for v in w]}
    else:
        while True:
            match a:
                case {"x": 1}:
                    return f"{a!r}"
                case _:
                    pass
    with open(p) as fh, other():
        data = fh.read(); more = 2

class K(
    Base,
):
\tattr = 1
\tdef m(self): return self.attr

if True: a = 1; b = 2
lambda: (yield)
'''


def _all_nodes(module):
    stack = [module]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(children(node))


def _check(source: str) -> int:
    module = cst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    positions = Positions(module, source)
    checked = 0
    for node in _all_nodes(module):
        if node is module:
            continue
        rng = expected[node]
        got = positions._fast(node, ())
        assert got == Span(rng.start.line, rng.start.column, rng.end.line, rng.end.column), (
            type(node).__name__, module.code_for_node(node)[:60])
        checked += 1
    return checked


def test_tricky_layouts():
    assert _check(TRICKY) > 150


@pytest.mark.skipif(sys.version_info < (3, 11), reason="CPython's ast reads except* from 3.11 on")
def test_except_star():
    assert _check("try:\n    pass\nexcept* ValueError:\n    x = 1\n") > 3


def test_except_star_before_311_falls_back_and_still_agrees():
    source = "try:\n    pass\nexcept* ValueError:\n    x = f(1)\n"
    module = cst.parse_module(source)
    expected = MetadataWrapper(module, unsafe_skip_copy=True).resolve(PositionProvider)
    positions = Positions(module, source)
    for node in _all_nodes(module):
        if node is not module:
            rng = expected[node]
            assert positions.span(node) == Span(rng.start.line, rng.start.column, rng.end.line,
                                                rng.end.column)


def test_crlf_free_source_with_tabs_and_unicode():
    assert _check("def f():\n\tx = 'é😀'; y = x\n\treturn y  # ü\n") > 5


SOURCES = sorted([*(REPO / "src" / "archlint").rglob("*.py"), *FIXTURES.rglob("*.py")], key=str)


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(REPO)))
def test_every_node_of_real_files(path):
    _check(path.read_text(encoding="utf-8"))


def test_hint_from_the_traversal_is_used_and_agrees():
    source = "def f():\n    a = 1\n    if a:\n        g(a, h(2))\n"
    module = cst.parse_module(source)
    func = module.body[0]
    if_stmt = func.body.body[1]
    line = if_stmt.body.body[0]
    call = line.body[0].value.args[1].value
    positions = Positions(module, source)
    assert positions.span(call, (func, if_stmt, line)) == Span(4, 13, 4, 17)
    assert positions._full is None  # no whole-file PositionProvider was needed


def test_falls_back_when_cpython_cannot_parse():
    source = "print 'py2'\n" if False else "x = 1\n"
    module = cst.parse_module(source)
    positions = Positions(module, source + "def (:\n")  # source text that ast rejects
    node = module.body[0]
    assert positions.span(node) == Span(1, 0, 1, 5)
    assert positions._full is not None
