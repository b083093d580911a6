"""What a file reaches through its imports, read from CPython's `ast` and the text: the second
pre-filter of a LibCST rule, after its trigger words (`_Triggered.gate`).

Trigger words are cheap but loose: "requests" or "sqlalchemy" is in most backend modules, and on
the pinned corpus only one file in eight of those LibCST parsed for the resilience rules held
anything they report. What those rules check, they find through `NameTable`, which knows a
name only through an import: `requests.get`, a `Session` imported from `sqlalchemy.orm`, a value
built by `httpx.Client(...)`. So a file can hold a finding only if its text uses an imported name
in a dotted chain whose qualified form (or a prefix of it) is one the rule knows. `Mentions`
answers that question from the `ast` of the file (already parsed for the fact collectors) and
a search of its text, at a small fraction of a LibCST parse.

It errs towards parsing: chains are read from the raw text, comments and strings included, and
every import of a name counts, wherever it is and whichever is last.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable

from archlint.rules._ast import all_statements, import_bindings

Predicate = Callable[[str], bool]


class Mentions:
    """The imports of one file and the qualified names its text reaches through them."""

    def __init__(self, tree: ast.Module, source: str) -> None:
        self.source = source
        self._tree = tree
        self._imports: list[tuple[str, str]] | None = None
        self._answers: dict[str, bool] = {}

    @property
    def imports(self) -> list[tuple[str, str]]:
        """(local name, qualified target) of every import in the file, as `NameTable` binds
        them: `import a.b` binds `a`, `from .m import x as y` binds `y` to ".m.x"."""
        if self._imports is None:
            self._imports = _imports(self._tree)
        return self._imports

    def reaches(self, key: str, target: Predicate, accept: Predicate) -> bool:
        """Whether a dotted chain of the text that starts with an imported name whose target
        passes `target` (a cheap look at the import) qualifies to a name of which some prefix,
        dot by dot, passes `accept`. Answers are kept by `key`: rules that share a question
        (every user of the external-call catalogue) ask it once per file."""
        answer = self._answers.get(key)
        if answer is None:
            answer = self._answers[key] = self._reaches(target, accept)
        return answer

    def _reaches(self, target: Predicate, accept: Predicate) -> bool:
        targets: dict[str, list[str]] = {}
        for local, qualified in self.imports:
            if target(qualified):
                targets.setdefault(local, []).append(qualified)
        if not targets:
            return False
        chain = re.compile(rf"(?<![\w.])({_alternatives(set(targets))})"
                           rf"((?:\s*\.\s*[^\W\d]\w*)*)(?!\w)")
        seen: set[str] = set()
        for found in chain.finditer(self.source):
            rest = found.group(2)
            if rest:
                rest = "".join(rest.split())
            text = found.group(1) + rest
            if text in seen:
                continue
            seen.add(text)
            for qualified in targets[found.group(1)]:
                if _some_prefix(qualified + rest, accept):
                    return True
        return False

    def calls_any(self, methods: set[str] | frozenset[str] = frozenset(),
                  functions: set[str] | frozenset[str] = frozenset()) -> bool:
        """Whether the text calls one of `methods` as a method (`x.name(`) or one of
        `functions` by its bare name (`name(`): a call's name is always written out, wherever
        its value came from."""
        forms = []
        if methods:
            forms.append(rf"\.\s*(?:{_alternatives(methods)})")
        if functions:
            forms.append(rf"(?<![\w.])(?:{_alternatives(functions)})")
        if not forms:
            return False
        return re.search(rf"(?:{'|'.join(forms)})\s*\(", self.source) is not None


def _alternatives(names: set[str] | frozenset[str]) -> str:
    return "|".join(re.escape(name) for name in sorted(names, key=len, reverse=True))


def _some_prefix(qualified: str, accept: Predicate) -> bool:
    end = qualified.find(".", 1)
    while end != -1:
        if accept(qualified[:end]):
            return True
        end = qualified.find(".", end + 1)
    return accept(qualified)


def _imports(tree: ast.Module) -> list[tuple[str, str]]:
    return [(local, target) for stmt in all_statements(tree.body)
            if isinstance(stmt, (ast.Import, ast.ImportFrom))
            for local, target in import_bindings(stmt) if local != "*"]


def head_in(heads: frozenset[str]) -> Predicate:
    """A `target` predicate: the import's top package is one of `heads`."""
    return lambda qualified: qualified.lstrip(".").split(".", 1)[0] in heads
