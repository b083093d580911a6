"""Small helpers over CPython's `ast`, for AstCollectors (the LibCST twins live in `_tree.py`
and `_names.py`)."""

from __future__ import annotations

import ast
from collections.abc import Iterator


def blocks(stmt: ast.stmt) -> list[list[ast.stmt]]:
    """The statement lists inside a compound statement, in source order."""
    found = [getattr(stmt, name, None) for name in ("body", "orelse", "finalbody")]
    found += [handler.body for handler in getattr(stmt, "handlers", ())]
    found += [case.body for case in getattr(stmt, "cases", ())]
    return [b for b in found if isinstance(b, list) and b and isinstance(b[0], ast.stmt)]


def simple_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Simple statements of a block and its nested blocks, not entering functions or classes."""
    for stmt in body:
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        nested = blocks(stmt)
        if nested:
            for block in nested:
                yield from simple_statements(block)
        else:
            yield stmt


def dotted(expr: ast.expr) -> str | None:
    """`a.b.c` for a chain of attributes on a name, else None."""
    parts = []
    while isinstance(expr, ast.Attribute):
        parts.append(expr.attr)
        expr = expr.value
    if not isinstance(expr, ast.Name):
        return None
    parts.append(expr.id)
    return ".".join(reversed(parts))


def argument(call: ast.Call, position: int | None, name: str) -> ast.expr | None:
    """The argument passed as keyword `name`, else at `position` (None: keyword only); None when
    absent or hidden in `*args`."""
    for keyword in call.keywords:
        if keyword.arg == name:
            return keyword.value
    if position is not None and position < len(call.args):
        arg = call.args[position]
        return None if isinstance(arg, ast.Starred) else arg
    return None


# Statements without blocks of statements inside: nothing to descend into.
SIMPLE_STATEMENTS = (ast.Expr, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Return, ast.Import,
           ast.ImportFrom, ast.Pass, ast.Raise, ast.Assert, ast.Delete, ast.Global,
           ast.Nonlocal, ast.Break, ast.Continue)


def all_statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement, in functions and classes too: statements are few next to expressions,
    so a collector that needs statements (imports, assignments, calls made as statements)
    should walk these rather than `ast.walk` the whole tree."""
    for stmt in body:
        yield stmt
        if isinstance(stmt, SIMPLE_STATEMENTS):
            continue
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            yield from all_statements(stmt.body)
        else:
            for block in blocks(stmt):
                yield from all_statements(block)


def own_nodes(function: ast.AST) -> Iterator[ast.AST]:
    """The nodes of a function's body and signature, not those of functions or classes defined
    inside it (they are visited on their own)."""
    stack = list(ast.iter_child_nodes(function))
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                 ast.Lambda)):
            stack.extend(ast.iter_child_nodes(node))
