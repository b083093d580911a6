"""The engine's own walk must meet the same nodes, in the same order, as LibCST's visitor, minus
whitespace, punctuation and operators (which it deliberately never dispatches)."""

from __future__ import annotations

import libcst as cst
import pytest

from _support import FIXTURES, REPO
from archlint.rules._tree import children, is_skipped


class _Recorder(cst.CSTVisitor):
    def __init__(self) -> None:
        super().__init__()
        self.seen: list[cst.CSTNode] = []
        self.depth_skipped = 0

    def on_visit(self, node: cst.CSTNode) -> bool:
        if is_skipped(type(node)):
            return False  # skipped nodes hide their subtrees too (whitespace, comments inside)
        self.seen.append(node)
        return True


def _ours(module: cst.Module) -> list[cst.CSTNode]:
    out, stack = [], [module]
    while stack:
        node = stack.pop()
        out.append(node)
        stack.extend(reversed(children(node)))
    return out


SOURCES = sorted(
    [*(REPO / "src" / "archlint").rglob("*.py"), *(FIXTURES).rglob("*.py")], key=str
)

EXTRA = """
@decorator(arg)
async def f[T](a, /, b: int = 1, *args, c, d=2, **kw) -> T:
    x = [i async for i in y if i] or {k: v for k, v in z}
    async with a as b, c:
        y = (lambda q, *r: q)(1) if cond else other
    try:
        pass
    except* (ValueError, TypeError) as exc:
        raise
    match point:
        case Point(x=0, y=yy) if yy > 1:
            return f"{x!r:>{width}}"
    del a[1:2, ::3]
    global g
    return await h(*args, **kw)

type Alias[T] = list[T]
from ..pkg import (b as c)

class C(Base, metaclass=Meta):
    attr: int = 3
    x = y = 4
"""


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(REPO)))
def test_same_nodes_same_order_as_libcst(path):
    module = cst.parse_module(path.read_text(encoding="utf-8"))
    recorder = _Recorder()
    module.visit(recorder)
    assert _ours(module) == recorder.seen


def test_newer_syntax_forms():
    module = cst.parse_module(EXTRA)
    recorder = _Recorder()
    module.visit(recorder)
    assert _ours(module) == recorder.seen
