"""Every import of a file, as facts for the architecture rules and the import graph.

Relative imports stay relative here: what `from . import x` means depends on the module's name,
which only the project phase knows (it depends on `__init__.py` files and source roots).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from archlint.model import Span
from archlint.rules._ast import SIMPLE_STATEMENTS, WordLines, blocks, nodes_of
from archlint.rules.base import AstCollector


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
_TYPING_MODULES = ("typing", "typing_extensions")


class ImportCollector(AstCollector):
    """Imports from CPython's `ast`: imports need no more than names and positions, and most
    files have imports but no finding, so they are never parsed by LibCST for this."""

    kind = "imports"
    triggers = ("import",)

    def collect(self) -> list[ImportFact]:
        self._facts: list[ImportFact] = []
        self._typing_names = set(_TYPE_CHECKING)  # grows with `import typing as t` and the like
        # Blocks without "import" on their lines hold no import: they are not entered.
        self._import_lines = WordLines(self.source, ("import",))
        self._walk(self.tree.body, type_checking=False, in_function=False)
        if "import_module" in self.source or "__import__" in self.source:
            self._dynamic_imports()
        return self._facts

    def _walk(self, body: list[ast.stmt], *, type_checking: bool, in_function: bool) -> None:
        for stmt in body:
            if isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    self._add(alias.name, (), 0, "import", alias, type_checking, in_function)
                    if alias.asname and alias.name in _TYPING_MODULES:
                        self._typing_names.add(f"{alias.asname}.TYPE_CHECKING")
            elif isinstance(stmt, ast.ImportFrom):
                names = tuple(a.name for a in stmt.names)
                self._add(stmt.module or "", names, stmt.level, "from", stmt, type_checking,
                          in_function)
                if stmt.module in _TYPING_MODULES:
                    self._typing_names.update(
                        a.asname for a in stmt.names if a.name == "TYPE_CHECKING" and a.asname
                    )
            elif isinstance(stmt, ast.If) and self._typing_test(stmt.test) is not None:
                negated = self._typing_test(stmt.test)
                self._walk(stmt.body, type_checking=not negated or type_checking,
                           in_function=in_function)
                self._walk(stmt.orelse, type_checking=bool(negated) or type_checking,
                           in_function=in_function)
            elif not isinstance(stmt, SIMPLE_STATEMENTS) and self._import_lines.within(stmt):
                inner = in_function or isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef))
                for block in blocks(stmt):
                    self._walk(block, type_checking=type_checking, in_function=inner)

    def _typing_test(self, test: ast.expr) -> bool | None:
        """True for `not TYPE_CHECKING`, False for `TYPE_CHECKING` (also `t.TYPE_CHECKING` after
        `import typing as t`), None for any other test."""
        negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
        if negated:
            test = test.operand  # type: ignore[attr-defined]
        if isinstance(test, ast.Name):
            name = test.id
        elif isinstance(test, ast.Attribute) and isinstance(test.value, ast.Name):
            name = f"{test.value.id}.{test.attr}"
        else:
            return None
        return negated if name in self._typing_names else None

    def _dynamic_imports(self) -> None:
        """`importlib.import_module("x")` and `__import__("x")` with a literal name."""
        module_names = {"importlib"}
        function_names = {"__import__"}
        for fact in self._facts:
            if fact.module == "importlib" and fact.kind == "from" and "import_module" in fact.names:
                function_names.add("import_module")
        for node in nodes_of(self.tree, ast.Call):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            func = node.func
            called = (
                isinstance(func, ast.Name) and func.id in function_names
                or isinstance(func, ast.Attribute) and func.attr == "import_module"
                and isinstance(func.value, ast.Name) and func.value.id in module_names
            )
            first = node.args[0]
            if not called or not isinstance(first, ast.Constant) or not isinstance(first.value, str):
                continue
            if first.value and not first.value.startswith("."):
                self._add(first.value, (), 0, "dynamic", node, False, False)

    def _add(self, module: str, names: tuple[str, ...], level: int, kind: str,
             node: ast.stmt | ast.expr | ast.alias, type_checking: bool, in_function: bool) -> None:
        self._facts.append(
            ImportFact(module, names, level, kind, self.span_of(node), type_checking, in_function)
        )
