"""Positions of CST nodes without running LibCST's PositionProvider over the whole file.

PositionProvider regenerates the code of the entire module (0.5-1 s for a 10,000-line file).
Here only the innermost statement that holds the node is regenerated, as a one-statement module;
where that statement starts is read from CPython's `ast` (a fraction of the cost), by walking the
same path of statement blocks in both trees. Each line of the small module is the source line
minus the indentation it lost, so columns are shifted back line by line. Every result is checked
against the source text; anything unexpected falls back to the full PositionProvider.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping, Sequence

import libcst as cst
from libcst.metadata import CodeRange, MetadataWrapper, PositionProvider

from archlint.model import Span
from archlint.rules._tree import blocks, children

_STATEMENT = (cst.SimpleStatementLine, cst.BaseCompoundStatement)


class _Fallback(Exception):
    pass


class Positions:
    def __init__(self, module: cst.Module, source: str, tree: ast.Module | None = None) -> None:
        self.module = module
        self.lines = source.split("\n")
        self.source = source
        self._parents: dict[cst.CSTNode, cst.CSTNode] = {}
        self._walked: set[cst.CSTNode] = set()
        self._ast: ast.Module | None = tree
        self._statements: dict[tuple[cst.CSTNode, bool],
                               tuple[int, Mapping[cst.CSTNode, CodeRange], list[str]]] = {}
        self._full: Mapping[cst.CSTNode, CodeRange] | None = None

    def span(self, node: cst.CSTNode, hint: Sequence[cst.CSTNode] = ()) -> Span:
        """`hint`: the statements that enclosed the traversal when the node was met, outermost
        first; the search for the node's own statements starts there."""
        if self._full is None:
            try:
                return self._fast(node, hint)
            except (_Fallback, SyntaxError, ValueError, RecursionError, MemoryError):
                wrapper = MetadataWrapper(self.module, unsafe_skip_copy=True)
                self._full = wrapper.resolve(PositionProvider)
        rng = self._full[node]
        return Span(rng.start.line, rng.start.column, rng.end.line, rng.end.column)

    # -- the fast path ------------------------------------------------------------------------
    def _fast(self, node: cst.CSTNode, hint: Sequence[cst.CSTNode]) -> Span:
        path = self._statement_path(node, hint)
        if not path:
            raise _Fallback
        innermost = path[-1]
        key = (innermost, self._in_body(node, innermost))
        cached = self._statements.get(key)
        if cached is None:
            cached = self._statements[key] = self._render(path, node)
        base, ranges, text_lines = cached
        rng = ranges.get(node)
        if rng is None:
            raise _Fallback
        line, column = self._absolute(base, text_lines, rng.start.line, rng.start.column)
        if node is innermost and len(path) > 1 and getattr(path[-2], "orelse", None) is node:
            column -= len("el")  # an `elif`: rendered alone it reads `if`, but it starts at `elif`
        end_line, end_column = self._absolute(base, text_lines, rng.end.line, rng.end.column)
        return Span(line, column, end_line, end_column)

    def _absolute(self, base: int, text_lines: list[str], line: int, column: int) -> tuple[int, int]:
        absolute = base + line - 1
        if not 0 < absolute <= len(self.lines) or line > len(text_lines):
            raise _Fallback
        source_line, text_line = self.lines[absolute - 1], text_lines[line - 1]
        if not source_line.endswith(text_line):
            raise _Fallback
        return absolute, column + len(source_line) - len(text_line)

    def _render(self, path: list[cst.CSTNode], node: cst.CSTNode
                ) -> tuple[int, Mapping[cst.CSTNode, CodeRange], list[str]]:
        statement = path[-1]
        target = self._ast_statement(path)
        first = target.lineno
        decorators = getattr(target, "decorator_list", None)
        if decorators:
            first = min(first, *(d.lineno for d in decorators))
        leading = getattr(statement, "leading_lines", ())
        base = first - len(leading)
        shown = statement if self._in_body(node, statement) else _header_only(statement)
        mini = self.module.with_changes(body=[shown], header=[], footer=[])
        ranges = MetadataWrapper(mini, unsafe_skip_copy=True).resolve(PositionProvider)
        return base, ranges, mini.code.split("\n")

    # -- which statements hold the node --------------------------------------------------------
    def _statement_path(self, node: cst.CSTNode, hint: Sequence[cst.CSTNode]) -> list[cst.CSTNode]:
        for depth in range(len(hint) - 1, -1, -1):
            root = hint[depth]
            if node is root or self._find(node, root):
                return [*hint[: depth + 1], *self._statements_between(node, root)]
        if not self._find(node, self.module):
            raise _Fallback
        return self._statements_between(node, self.module)

    def _find(self, node: cst.CSTNode, root: cst.CSTNode) -> bool:
        if root not in self._walked:
            self._walked.add(root)
            stack = [root]
            parents = self._parents
            while stack:
                current = stack.pop()
                for kid in children(current):
                    parents[kid] = current
                    stack.append(kid)
        current = node
        while current in self._parents:
            current = self._parents[current]
            if current is root:
                return True
        return False

    def _in_body(self, node: cst.CSTNode, statement: cst.CSTNode) -> bool:
        """Whether the node is the statement, or in its body (the block itself, or the small
        statements of a one-line suite, `if x: a = 1`); True when that cannot be told."""
        body = getattr(statement, "body", None)
        current: cst.CSTNode | None = node
        while current is not statement:
            if current is None or current is body:
                return True
            current = self._parents.get(current)
        return node is statement

    def _statements_between(self, node: cst.CSTNode, root: cst.CSTNode) -> list[cst.CSTNode]:
        found = []
        current = node
        while current is not root:
            if isinstance(current, _STATEMENT):
                found.append(current)
            current = self._parents[current]
        return found[::-1]

    # -- the same statement in CPython's ast ---------------------------------------------------
    def _ast_statement(self, path: list[cst.CSTNode]) -> ast.stmt:
        if self._ast is None:
            self._ast = ast.parse(self.source)
        cst_block: Sequence[cst.CSTNode] = self.module.body
        ast_block: list[ast.stmt] = self._ast.body
        target: ast.stmt | None = None
        parent: cst.CSTNode | None = None
        for statement in path:
            if target is not None and parent is not None:
                cst_block, ast_block = _enclosing_block(target, statement, parent)
            target = _match(cst_block, ast_block, statement)
            parent = statement
        if target is None:
            raise _Fallback
        return target


def _header_only(statement: cst.CSTNode) -> cst.CSTNode:
    """A compound statement whose every part but its body comes before the body, with the body
    cut to `pass`: a node of its header (a decorator, an `if` test, a `with` item) is placed
    alike, and a function's body can be thousands of lines to render for nothing."""
    kind = type(statement)
    if not isinstance(getattr(statement, "body", None), cst.IndentedBlock):
        return statement  # a one-line suite shares the header's line: short, and kept whole
    if kind in _HEADER_FIRST or (kind in _HEADER_FIRST_WITHOUT_ELSE
                                 and getattr(statement, "orelse", None) is None):
        block = statement.body  # its header keeps a comment that ends the header's line
        return statement.with_changes(body=block.with_changes(body=_PASS, footer=()))
    return statement


_HEADER_FIRST = frozenset({cst.FunctionDef, cst.ClassDef, cst.With})
_HEADER_FIRST_WITHOUT_ELSE = frozenset({cst.If, cst.For, cst.While})
_PASS = (cst.SimpleStatementLine(body=[cst.Pass()]),)


def _match(cst_block: Sequence[cst.CSTNode], ast_block: list[ast.stmt],
           statement: cst.CSTNode) -> ast.stmt:
    index = 0
    for item in cst_block:
        if item is statement:
            if index >= len(ast_block):
                raise _Fallback
            return ast_block[index]
        index += len(item.body) if isinstance(item, cst.SimpleStatementLine) else 1
    raise _Fallback


def _enclosing_block(
    ast_parent: ast.stmt, statement: cst.CSTNode, cst_parent: cst.CSTNode
) -> tuple[Sequence[cst.CSTNode], list[ast.stmt]]:
    for cst_block, ast_block in zip(_cst_blocks(cst_parent), _ast_blocks(ast_parent)):
        if any(item is statement for item in cst_block):
            return cst_block, ast_block
    raise _Fallback


def _cst_blocks(node: cst.CSTNode) -> Iterator[Sequence[cst.CSTNode]]:
    for block in blocks(node):  # type: ignore[arg-type]
        if isinstance(block, cst.If):
            yield (block,)
        else:
            yield block.body if isinstance(block, cst.IndentedBlock) else ()


def _ast_blocks(node: ast.stmt) -> Iterator[list[ast.stmt]]:
    if isinstance(node, ast.Match):
        for case in node.cases:
            yield case.body
        return
    yield node.body  # type: ignore[attr-defined]
    for handler in getattr(node, "handlers", ()):
        yield handler.body
    if getattr(node, "orelse", None):
        yield node.orelse  # type: ignore[attr-defined]
    if getattr(node, "finalbody", None):
        yield node.finalbody  # type: ignore[attr-defined]
