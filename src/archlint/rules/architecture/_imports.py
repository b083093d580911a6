"""Every import of a file, as facts for the architecture rules and the import graph.

Relative imports stay relative here: what `from . import x` means depends on the module's name,
which only the project phase knows (it depends on `__init__.py` files and source roots).
"""

from __future__ import annotations

from dataclasses import dataclass

import libcst as cst

from archlint.model import Span
from archlint.rules._names import dotted
from archlint.rules.base import Collector


@dataclass(frozen=True, slots=True)
class ImportFact:
    """One imported module: `import a.b` gives module "a.b"; `from ..a import b, c` gives
    module "a", level 2, names ("b", "c"); `importlib.import_module("a.b")` gives "a.b" with
    kind "dynamic". `span` is where a finding about it belongs."""

    module: str
    names: tuple[str, ...]
    level: int
    kind: str  # "import" | "from" | "dynamic"
    span: Span
    type_checking: bool
    in_function: bool

    @property
    def line(self) -> int:
        return self.span.line

    def text(self) -> str:
        """The statement, rebuilt: what a message or grimp's line_contents shows."""
        if self.kind == "import":
            return f"import {self.module}"
        if self.kind == "dynamic":
            return f'importlib.import_module("{self.module}")'
        return f"from {'.' * self.level}{self.module} import {', '.join(self.names)}"


_TYPE_CHECKING = ("TYPE_CHECKING", "typing.TYPE_CHECKING", "typing_extensions.TYPE_CHECKING")


class ImportCollector(Collector):
    kind = "imports"
    triggers = ("import",)

    def __init__(self, ctx, options) -> None:
        super().__init__(ctx, options)
        self._typing_blocks: set[int] = set()
        self._typing_depth = 0

    # -- `if TYPE_CHECKING:` blocks (and the else of `if not TYPE_CHECKING:`) ------------------
    def visit_If(self, node: cst.If) -> None:
        test = node.test
        negated = isinstance(test, cst.UnaryOperation) and isinstance(test.operator, cst.Not)
        if negated:
            test = test.expression  # type: ignore[attr-defined]
        # `import typing as t` / `from typing import TYPE_CHECKING as TC` qualify through the
        # file's import aliases; a bare `TYPE_CHECKING` (often a local `TYPE_CHECKING = False`)
        # counts as written.
        if not {dotted(test), self.ctx.names.qualify(test)} & set(_TYPE_CHECKING):
            return
        if not negated:
            self._typing_blocks.add(id(node.body))
        elif isinstance(node.orelse, cst.Else):
            self._typing_blocks.add(id(node.orelse.body))

    def visit_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        if id(node) in self._typing_blocks:
            self._typing_depth += 1

    def leave_IndentedBlock(self, node: cst.IndentedBlock) -> None:
        if id(node) in self._typing_blocks:
            self._typing_depth -= 1

    def visit_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self.visit_IndentedBlock(node)  # type: ignore[arg-type]

    def leave_SimpleStatementSuite(self, node: cst.SimpleStatementSuite) -> None:
        self.leave_IndentedBlock(node)  # type: ignore[arg-type]

    # -- the imports ---------------------------------------------------------------------------
    def visit_Import(self, node: cst.Import) -> None:
        for alias in node.names:
            module = dotted(alias.name)
            if module:
                self._add(module, (), 0, "import", alias)

    def visit_ImportFrom(self, node: cst.ImportFrom) -> None:
        module = dotted(node.module) if node.module is not None else ""
        if module is None:
            return
        if isinstance(node.names, cst.ImportStar):
            names: tuple[str, ...] = ("*",)
        else:
            names = tuple(n for n in (dotted(a.name) for a in node.names) if n)
        self._add(module, names, len(node.relative), "from", node)

    def visit_Call(self, node: cst.Call) -> None:
        if not node.args:
            return
        builtin = isinstance(node.func, cst.Name) and node.func.value == "__import__"
        if not builtin and self.ctx.names.callee(node.func) != "importlib.import_module":
            return
        first = node.args[0]
        if first.keyword is None and not first.star and isinstance(first.value, cst.SimpleString):
            module = first.value.evaluated_value
            if isinstance(module, str) and module and not module.startswith("."):
                self._add(module, (), 0, "dynamic", node)

    def _add(self, module: str, names: tuple[str, ...], level: int, kind: str,
             node: cst.CSTNode) -> None:
        self.add(
            ImportFact(
                module=module,
                names=names,
                level=level,
                kind=kind,
                span=self.ctx.span_of(node),
                type_checking=self._typing_depth > 0,
                in_function=bool(self.ctx.functions),
            )
        )
