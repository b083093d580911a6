"""Walking LibCST trees fast: the child nodes that matter, in source order.

Whitespace, comments, punctuation and operators are left out: no rule visits them (a rule reads
`node.operator` or `node.asynchronous` from the parent), and leaving them out makes a walk an
order of magnitude cheaper than LibCST's own visitor, which rebuilds every node it passes.
"""

from __future__ import annotations

import dataclasses
import typing
from collections.abc import Callable, Iterator

import libcst as cst

_SKIPPED_TYPES: tuple[type, ...] = (
    cst.BaseParenthesizableWhitespace, cst.EmptyLine, cst.Newline, cst.TrailingWhitespace,
    cst.Comment, cst.Comma, cst.Colon, cst.Dot, cst.Semicolon, cst.AssignEqual, cst.LeftParen,
    cst.RightParen, cst.LeftSquareBracket, cst.RightSquareBracket, cst.LeftCurlyBrace,
    cst.RightCurlyBrace, cst.BaseBinaryOp, cst.BaseBooleanOp, cst.BaseCompOp, cst.BaseUnaryOp,
    cst.BaseAugOp, cst.ImportStar, cst.Asynchronous,
)
# Fields in source order where the dataclass order differs (decorators come first, etc.).
_FIELD_ORDER: dict[type, tuple[str, ...]] = {
    cst.FunctionDef: ("decorators", "name", "type_parameters", "params", "returns", "body"),
    cst.ClassDef: ("decorators", "name", "type_parameters", "bases", "keywords", "body"),
    cst.IfExp: ("body", "test", "orelse"),
    cst.ExceptHandler: ("type", "name", "body"),
    cst.ExceptStarHandler: ("type", "name", "body"),
    cst.Arg: ("keyword", "value"),
    cst.ImportFrom: ("relative", "module", "names"),
    cst.MatchCase: ("pattern", "guard", "body"),
    cst.TypeAlias: ("name", "type_parameters", "value"),
    cst.Parameters: (
        "posonly_params", "posonly_ind", "params", "star_arg", "kwonly_params", "star_kwarg"
    ),
}
_child_fields: dict[type, tuple[str, ...]] = {}
_skip: dict[type, bool] = {}


def _fields_of(node_type: type) -> tuple[str, ...]:
    fields = _child_fields.get(node_type)
    if fields is None:
        hints = typing.get_type_hints(node_type)
        names = _FIELD_ORDER.get(node_type) or tuple(f.name for f in dataclasses.fields(node_type))
        fields = tuple(
            name for name in names
            if hints.get(name) not in (str, bool, int)
            and not (name.startswith("whitespace") or name in _TRIVIA_FIELDS)
        )
        _child_fields[node_type] = fields
    return fields


_TRIVIA_FIELDS = frozenset({
    "leading_lines", "lines_after_decorators", "header", "footer", "lpar", "rpar", "comma",
    "semicolon", "trailing_whitespace", "newline", "operator", "equal", "colon", "dot",
    "lbracket", "rbracket", "lbrace", "rbrace", "asynchronous", "indent",
})


def is_skipped(node_type: type) -> bool:
    skipped = _skip.get(node_type)
    if skipped is None:
        skipped = _skip[node_type] = issubclass(node_type, _SKIPPED_TYPES)
    return skipped


# By type, whether a field's value is a child worth walking: LibCST's classes are ABCs, and an
# isinstance() against one goes through ABCMeta for every value of every node.
_walked: dict[type, bool] = {}


def _is_walked(kind: type) -> bool:
    walked = _walked[kind] = issubclass(kind, cst.CSTNode) and not is_skipped(kind)
    return walked


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    kids: list[cst.CSTNode] = []
    walked = _walked
    for name in _fields_of(type(node)):
        value = getattr(node, name)
        kind = type(value)
        if kind is tuple or kind is list:
            for item in value:
                item_kind = type(item)
                keep = walked.get(item_kind)
                if keep or (keep is None and _is_walked(item_kind)):
                    kids.append(item)
        else:
            keep = walked.get(kind)
            if keep or (keep is None and _is_walked(kind)):
                kids.append(value)
    return kids


def blocks(stmt: cst.BaseCompoundStatement) -> Iterator[cst.BaseSuite | cst.If]:
    """The blocks of a compound statement in source order. An `elif` comes as its own `If`
    statement (it is one in the tree), whose blocks follow from it in turn."""
    if isinstance(stmt, cst.Match):
        for case in stmt.cases:
            yield case.body
        return
    yield stmt.body
    for handler in getattr(stmt, "handlers", ()):
        yield handler.body
    orelse = getattr(stmt, "orelse", None)
    if isinstance(orelse, cst.If):
        yield orelse
    elif orelse is not None:
        yield orelse.body
    final = getattr(stmt, "finalbody", None)
    if final is not None:
        yield final.body


def walk(
    root: cst.CSTNode,
    enter: Callable[[cst.CSTNode], None],
    leave: Callable[[cst.CSTNode], None],
) -> None:
    """Depth-first, in source order: `enter` before a node's children, `leave` after them."""
    stack: list[tuple[cst.CSTNode, bool]] = [(root, False)]
    pop, push = stack.pop, stack.append
    while stack:
        node, leaving = pop()
        if leaving:
            leave(node)
            continue
        enter(node)
        push((node, True))
        for kid in reversed(children(node)):
            push((kid, False))


def scan(root: cst.CSTNode, visitor: object) -> None:
    """`root.visit(visitor)` for a read-only visitor, on the fast walk: its `visit_<Type>` (a
    False return skips the node's children) and `leave_<Type>` methods run for every node the
    walk passes, in source order (as the engine runs a rule's, for a rule's walk of a subtree). LibCST's own visit rebuilds every node it passes, whitespace
    included; a scan of a 10,000-line module with it takes seconds. Only for visitors whose
    methods are for nodes the walk passes (not whitespace, punctuation or operators)."""
    visits, leaves = _methods(type(visitor))
    stack: list[tuple[cst.CSTNode, bool]] = [(root, False)]
    pop, push = stack.pop, stack.append
    while stack:
        node, leaving = pop()
        name = type(node).__name__
        if leaving:
            leave = leaves.get(name)
            if leave is not None:
                leave(visitor, node)
            continue
        visit = visits.get(name)
        if visit is not None and visit(visitor, node) is False:
            continue
        push((node, True))
        for kid in reversed(children(node)):
            push((kid, False))


_visitor_methods: dict[type, tuple[dict[str, Callable], dict[str, Callable]]] = {}


def _methods(kind: type) -> tuple[dict[str, Callable], dict[str, Callable]]:
    found = _visitor_methods.get(kind)
    if found is None:
        found = _visitor_methods[kind] = (_own(kind, "visit_"), _own(kind, "leave_"))
    return found


def _own(kind: type, prefix: str) -> dict[str, Callable]:
    """The visitor's methods for node types, without the no-ops every CSTVisitor inherits."""
    found = {}
    for attr in dir(kind):
        if attr.startswith(prefix) and attr[len(prefix):] in _NODE_NAMES:
            method = getattr(kind, attr)
            if not getattr(method, "__module__", "").startswith("libcst"):
                found[attr[len(prefix):]] = method
    return found


_NODE_NAMES = frozenset(name for name in dir(cst) if isinstance(getattr(cst, name), type)
                        and issubclass(getattr(cst, name), cst.CSTNode))
