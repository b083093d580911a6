"""Small helpers over CPython's `ast`, for AstCollectors (the LibCST twins live in `_tree.py`
and `_names.py`)."""

from __future__ import annotations

import ast
import bisect
import re
import weakref
from collections import defaultdict
from collections.abc import Iterable, Iterator


def blocks(stmt: ast.stmt) -> list[list[ast.stmt]]:
    """The statement lists inside a compound statement, in source order."""
    if isinstance(stmt, SIMPLE_STATEMENTS):  # most statements: nothing to look up
        return []
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
    if isinstance(expr, ast.Name):  # the most common case, without building a list
        return expr.id
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
    inside it (they are visited on their own); no contexts and operators (see `walk`)."""
    stack = children(function)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef,
                                 ast.Lambda)):
            stack.extend(children(node))


# -- fast walks and a per-tree index -------------------------------------------------------------
# `ast.walk` and `ast.iter_child_nodes` go through `iter_fields` for every field of every node,
# names and numbers included; on a large project they were most of the collectors' time. These
# helpers read only the fields that can hold nodes, and leave out the expression contexts
# (`Load`, `Store`) and operators (`Add`, `Eq`): leaves that no collector looks at, a third of
# all nodes. Leaving out leaves keeps the order of every other node.

# Fields that hold an identifier, a number, a flag or a string in every node class.
_SCALAR_FIELDS = frozenset({"id", "attr", "arg", "asname", "module", "level", "kind",
                            "conversion", "is_async", "type_comment", "simple", "lineno", "tag",
                            "rest", "kwd_attrs"})
# Classes whose `name` is an identifier (Python 3.12's TypeAlias has a node there).
_NAMED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.alias, ast.ExceptHandler,
          ast.MatchAs, ast.MatchStar)
# Fields holding only contexts and operators: leaves left out.
_LEAF_FIELDS = frozenset({"ctx", "op", "ops"})


class _ChildFields(dict):  # type -> the names of its fields that can hold nodes
    def __missing__(self, cls: type) -> tuple[str, ...]:
        skipped = _SCALAR_FIELDS | _LEAF_FIELDS
        if issubclass(cls, _NAMED):
            skipped |= {"name"}
        if issubclass(cls, ast.Constant):
            skipped |= {"value"}
        fields = self[cls] = tuple(f for f in cls._fields if f not in skipped)
        return fields


_CHILD_FIELDS = _ChildFields()


def children(node: ast.AST) -> list[ast.AST]:
    """`ast.iter_child_nodes(node)` as a list, without contexts and operators."""
    found: list[ast.AST] = []
    for name in _CHILD_FIELDS[node.__class__]:
        value = getattr(node, name, None)
        if isinstance(value, ast.AST):
            found.append(value)
        elif isinstance(value, list):
            found += [item for item in value if isinstance(item, ast.AST)]
    return found


def walk(node: ast.AST) -> list[ast.AST]:
    """The nodes `ast.walk(node)` yields, in its order (breadth first), as a list, without
    contexts and operators."""
    order = [node]
    for current in order:  # the list grows while it is read: breadth first
        for name in _CHILD_FIELDS[current.__class__]:
            value = getattr(current, name, None)
            if isinstance(value, ast.AST):
                order.append(value)
            elif isinstance(value, list):
                for item in value:
                    if isinstance(item, ast.AST):
                        order.append(item)
    return order


class _TreeIndex:
    """What collectors of one module share, each part made when first asked: its nodes in
    `ast.walk` order (the module itself left out, so that the index does not keep its tree
    alive) with the positions of each node class; its statements, in source order and in
    `ast.walk` order."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = weakref.ref(tree)
        self.order: list[ast.AST] | None = None
        self.positions: dict[type, list[int]] = defaultdict(list)
        self.found: dict[tuple[type, ...], list[ast.AST]] = {}
        self.statements: list[ast.stmt] | None = None
        self.walked_statements: list[ast.stmt] | None = None

    def of(self, types: tuple[type, ...]) -> list[ast.AST]:
        found = self.found.get(types)
        if found is None:
            order = self._order()
            runs = [p for cls, p in self.positions.items() if issubclass(cls, types)]
            positions = runs[0] if len(runs) == 1 else sorted(p for run in runs for p in run)
            found = self.found[types] = [order[p] for p in positions]
        return found

    def _order(self) -> list[ast.AST]:
        if self.order is None:
            tree = self.tree()
            assert tree is not None  # the index lives only as long as its tree
            self.order = walk(tree)[1:]
            for position, cls in enumerate(map(type, self.order)):
                self.positions[cls].append(position)
        return self.order


_INDEXES: weakref.WeakKeyDictionary[ast.Module, _TreeIndex] = weakref.WeakKeyDictionary()


def _index(tree: ast.Module) -> _TreeIndex:
    index = _INDEXES.get(tree)
    if index is None:
        index = _INDEXES[tree] = _TreeIndex(tree)
    return index


def nodes_of(tree: ast.Module, *types: type) -> list[ast.AST]:
    """The nodes of `tree` that are instances of `types`, in `ast.walk` order: what
    `[n for n in ast.walk(tree) if isinstance(n, types)]` gives, from one walk shared by every
    collector of the file. The list is shared too: do not change it."""
    return _index(tree).of(types)


def statements_of(tree: ast.Module) -> list[ast.stmt]:
    """`list(all_statements(tree.body))`, made once per tree and shared: do not change it."""
    index = _index(tree)
    if index.statements is None:
        index.statements = []
        _add_statements(tree.body, index.statements)
    return index.statements


def statements_by_walk(tree: ast.Module) -> list[ast.stmt]:
    """The statements of `tree` in `ast.walk` order, without walking expressions: breadth
    first is by depth, then in source order (a statement in an `except` or `case` block is two
    levels below its `try` or `match`). Made once per tree and shared: do not change it."""
    index = _index(tree)
    if index.walked_statements is None:
        index.walked_statements = walked_statements(tree)
    return index.walked_statements


def walked_statements(node: ast.Module | ast.stmt) -> list[ast.stmt]:
    """The statements `ast.walk(node)` yields, in its order (`node` itself left out), without
    walking expressions."""
    found: list[tuple[int, ast.stmt]] = []
    if isinstance(node, ast.Module):
        _add_with_depths(node.body, 1, found)
    else:
        _add_with_depths([node], 0, found)
        del found[0]
    found.sort(key=lambda pair: pair[0])  # stable: source order within a depth
    return [stmt for _, stmt in found]


def _add_with_depths(body: list[ast.stmt], depth: int, found: list[tuple[int, ast.stmt]]
                     ) -> None:
    """Each statement with its depth in the tree, in source order (fields in their order:
    a `try`'s handlers come before its `else`)."""
    for stmt in body:
        found.append((depth, stmt))
        if isinstance(stmt, SIMPLE_STATEMENTS):
            continue
        for name in stmt._fields:
            value = getattr(stmt, name, None)
            if not isinstance(value, list) or not value:
                continue
            if isinstance(value[0], ast.stmt):
                _add_with_depths(value, depth + 1, found)
            elif isinstance(value[0], (ast.excepthandler, ast.match_case)):
                for part in value:  # an `except` or `case` block: two levels down
                    _add_with_depths(part.body, depth + 2, found)


def _add_statements(body: list[ast.stmt], found: list[ast.stmt]) -> None:
    """`all_statements` without generators (a third of the time)."""
    for stmt in body:
        found.append(stmt)
        if isinstance(stmt, SIMPLE_STATEMENTS):
            continue
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            _add_statements(stmt.body, found)
        else:
            for block in blocks(stmt):
                _add_statements(block, found)


class WordLines:
    """The lines of a source whose text holds one of some words, to pass over code that cannot
    matter without walking it. A non-ASCII line always counts (Python reads identifiers
    NFKC-normalised: other letters may spell the same name), and so does every line of a
    source with a "\\r" (which `ast` counts as a line end)."""

    def __init__(self, source: str, words: tuple[str, ...], ignore_case: bool = False) -> None:
        self.everywhere = "\r" in source
        if ignore_case:
            self.numbers = lines_with(source.lower(), tuple(w.lower() for w in words))
        else:
            self.numbers = lines_with(source, words)
        if not source.isascii():
            self.numbers = sorted({*self.numbers, *lines_with(source, (_NON_ASCII,))})

    @classmethod
    def at(cls, numbers: Iterable[int]) -> WordLines:
        """Lines given by their numbers (as `ast` counts them)."""
        lines = cls.__new__(cls)
        lines.everywhere = False
        lines.numbers = sorted(set(numbers))
        return lines

    def within(self, node: ast.expr | ast.stmt) -> bool:
        """Whether one of the node's lines holds a word."""
        return self.between(node.lineno, node.end_lineno or node.lineno)

    def between(self, first: int, last: int) -> bool:
        """Whether one of the lines `first` to `last` holds a word."""
        if self.everywhere:
            return True
        found = bisect.bisect_left(self.numbers, first)
        return found < len(self.numbers) and self.numbers[found] <= last


_NON_ASCII = re.compile(r"[^\x00-\x7f]")


def lines_with(source: str, words: tuple[str | re.Pattern[str], ...]) -> list[int]:
    """The numbers of the lines (split at "\\n") where one of the words occurs, in order."""
    return sorted({line for word in words for line in _lines_of(source, word)})


def _lines_of(source: str, word: str | re.Pattern[str]) -> Iterator[int]:
    """The numbers of the lines where `word` occurs: searched in the whole text (most lines do
    not have it), from the end of each line found."""
    line, counted = 1, 0
    start = _find(source, word, 0)
    while start >= 0:
        line += source.count("\n", counted, start)
        counted = start
        yield line
        end = source.find("\n", start)
        if end < 0:
            return
        start = _find(source, word, end)


def _find(source: str, word: str | re.Pattern[str], start: int) -> int:
    if isinstance(word, str):
        return source.find(word, start)
    match = word.search(source, start)
    return match.start() if match else -1


def import_bindings(stmt: ast.Import | ast.ImportFrom) -> Iterator[tuple[str, str]]:
    """(local name, qualified target) for each name an import binds, as LibCST's NameTable
    binds them: `import a.b` binds `a`; relative imports stay relative (".models.Base"). A
    star import gives ("*", its module)."""
    if isinstance(stmt, ast.Import):
        for alias in stmt.names:
            if alias.asname:
                yield alias.asname, alias.name
            else:
                head = alias.name.split(".")[0]
                yield head, head
        return
    module = "." * stmt.level + (stmt.module or "")
    sep = "" if module.endswith(".") else "."
    for alias in stmt.names:
        if alias.name == "*":
            yield "*", module
        else:
            yield alias.asname or alias.name, f"{module}{sep}{alias.name}" if module else alias.name
