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


def children(node: cst.CSTNode) -> list[cst.CSTNode]:
    kids: list[cst.CSTNode] = []
    for name in _fields_of(type(node)):
        value = getattr(node, name)
        kind = type(value)
        if kind is tuple or kind is list:
            for item in value:
                if isinstance(item, cst.CSTNode) and not is_skipped(type(item)):
                    kids.append(item)
        elif isinstance(value, cst.CSTNode) and not is_skipped(kind):
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
