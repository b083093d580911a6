"""What a rule is: per-file `Rule`s and `Collector`s that run in one batched LibCST traversal, and
`ProjectRule`s that answer project-wide questions from the facts the collectors gathered.

A rule instance lives for one file. It reports CST nodes; the engine turns them into complete
findings (positions are resolved only for files that report something, because LibCST's
PositionProvider costs several times the parse).
"""

from __future__ import annotations

import ast
import dataclasses
import inspect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, ClassVar, TypeVar

import libcst as cst

from archlint.model import Finding, Fix, Related, RuleMeta, Severity, Span, file_digest
from archlint.rules._mentions import Mentions
from archlint.rules._names import NameTable
from archlint.rules._positions import Positions

T = TypeVar("T")

DOC_HEADINGS = (
    "What it does",
    "Why is this bad?",
    "Example",
    "Use instead",
    "Options",
    "What it does not flag",
    "References",
)


@dataclass(frozen=True)
class NoOptions:
    """The options of a rule that has none."""


@dataclass(frozen=True)
class Invalid:
    """An example the rule must flag: `line` is 1-based within `source`; `message` is a substring.
    Project rules may add other files of the project (`files`: path -> source) and project
    settings (`project`: keys of `[tool.archlint]`, such as "typing-imports" or "layers")."""

    source: str
    line: int
    message: str = ""
    options: Mapping[str, Any] = field(default_factory=dict)
    path: str = "example.py"
    files: Mapping[str, str] = field(default_factory=dict)
    project: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Valid:
    """An example that must stay quiet, for cases that need options, a path or other files."""

    source: str
    options: Mapping[str, Any] = field(default_factory=dict)
    path: str = "example.py"
    files: Mapping[str, str] = field(default_factory=dict)
    project: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class PendingReport:
    rule: Rule
    node: cst.CSTNode
    message: str
    help: str
    related: tuple[tuple[cst.CSTNode, str], ...]
    fix: Fix | None
    statements: tuple[cst.CSTNode, ...]  # enclosing statements when reported, outermost first


class FileContext:
    """What every per-file rule sees of the file being analysed."""

    def __init__(self, path: str, source: str, module: cst.Module,
                 tree: ast.Module | None = None) -> None:
        self.path = path
        self.source = source
        self.module = module
        self._ast = tree  # CPython's tree, when the file's AstCollectors already parsed it
        self.names = NameTable()
        self.pending: list[PendingReport] = []
        self.facts: dict[str, list[Any]] = {}
        # Maintained by the traversal: the statements and functions enclosing the visited node.
        self.statements: list[cst.CSTNode] = []
        self.functions: list[cst.FunctionDef] = []
        self.classes: list[cst.ClassDef] = []
        self._positions: Positions | None = None

    @property
    def current_function(self) -> cst.FunctionDef | None:
        return self.functions[-1] if self.functions else None

    def span_of(self, node: cst.CSTNode, hint: Sequence[cst.CSTNode] | None = None) -> Span:
        """Where a node is. `hint`: the statements around it, outermost first (default: those
        around the node being visited), which makes the lookup cheap."""
        if self._positions is None:
            self._positions = Positions(self.module, self.source, self._ast)
        return self._positions.span(node, self.statements if hint is None else hint)

    def code_of(self, node: cst.CSTNode) -> str:
        return self.module.code_for_node(node)


class _WordsIn:
    """`word in source`, each word searched once per file: checkers share most trigger words
    (every user of the external-call catalogue has the same thirty-odd)."""

    def __init__(self) -> None:
        self.source = ""
        self.found: dict[str, bool] = {}

    def __call__(self, word: str) -> bool:
        known = self.found.get(word)
        if known is None:
            known = self.found[word] = word in self.source
        return known


_LAST_WORDS = _WordsIn()


def _words_in(source: str) -> _WordsIn:
    if _LAST_WORDS.source is not source:
        _LAST_WORDS.source = source
        _LAST_WORDS.found = {}
    return _LAST_WORDS


class _Triggered:
    """Shared by everything that runs on a file: options, and the trigger words that decide
    whether the file is worth parsing at all."""

    triggers: ClassVar[tuple[str, ...]] = ()
    # Words that must all be in the file as well (ARC405 needs an `except`): checked first.
    requires: ClassVar[tuple[str, ...]] = ()
    Options: ClassVar[type] = NoOptions

    @classmethod
    def triggers_for(cls, options: Any) -> tuple[str, ...]:
        """Trigger words under these options (a rule whose options name more call sites adds
        them here, so that no file that could hold a finding is skipped)."""
        return cls.triggers

    @classmethod
    def wants(cls, source: str, options: Any) -> bool:
        """Cheap pre-filter: skip the parse when no enabled checker has a trigger word in the file
        (or a required word is missing)."""
        contains = _words_in(source)
        if not all(contains(word) for word in cls.requires):
            return False
        triggers = cls.triggers_for(options)
        return not triggers or any(contains(t) for t in triggers)

    @classmethod
    def gate(cls, mentions: Mentions, options: Any) -> bool:
        """Second pre-filter, for a file that has the trigger words: whether what its text
        reaches through its imports (`_mentions.py`, read from CPython's `ast`) can hold a
        finding. It spares a LibCST checker the LibCST parse; it must never be False for a
        file the checker would report on or take facts from."""
        return True

    @classmethod
    def has_gate(cls) -> bool:
        return cls.gate.__func__ is not _Triggered.gate.__func__  # type: ignore[attr-defined]


class _Checker(_Triggered):
    """Shared by Rule and Collector: the per-file state of a LibCST traversal."""

    def __init__(self, ctx: FileContext, options: Any) -> None:
        self.ctx = ctx
        self.options = options


class _Described:
    """What every rule, per file or per project, declares about itself."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    cwe: ClassVar[int | None] = None
    tags: ClassVar[tuple[str, ...]] = ()
    precision: ClassVar[str] = "high"
    default_enabled: ClassVar[bool] = True
    security_severity: ClassVar[float | None] = None
    VALID: ClassVar[Sequence[str | Valid]] = ()
    INVALID: ClassVar[Sequence[Invalid]] = ()
    scope: ClassVar[str]

    @classmethod
    def meta(cls) -> RuleMeta:
        return rule_meta(cls)


class Rule(_Checker, _Described):
    scope: ClassVar[str] = "file"

    def report(
        self,
        node: cst.CSTNode,
        message: str,
        *,
        help: str = "",
        related: Iterable[tuple[cst.CSTNode, str]] = (),
        fix: Fix | None = None,
    ) -> None:
        self.ctx.pending.append(
            PendingReport(self, node, message, help, tuple(related), fix,
                          tuple(self.ctx.statements))
        )


class Collector(_Checker):
    """Gathers facts for project rules during the same traversal; facts must be picklable."""

    kind: ClassVar[str]

    def add(self, fact: Any) -> None:
        self.ctx.facts.setdefault(self.kind, []).append(fact)


class AstCollector(_Triggered):
    """Gathers facts from CPython's `ast` of a file rather than LibCST's tree. Parsing with `ast`
    costs about a tenth of LibCST, so a file that only AstCollectors want (every file has
    imports; few have a finding) is never parsed by LibCST. Good for facts that need names and
    positions only."""

    kind: ClassVar[str]

    def __init__(self, path: str, source: str, tree: ast.Module, options: Any) -> None:
        self.path = path
        self.source = source
        self.tree = tree
        self.options = options
        self._lines: list[str] | None = None

    def collect(self) -> list[Any]:
        raise NotImplementedError

    def span_of(self, node: ast.expr | ast.stmt | ast.alias) -> Span:
        """`ast` counts columns in UTF-8 bytes; findings count code points."""
        end_line = node.end_lineno or node.lineno
        return Span(
            node.lineno,
            self._column(node.lineno, node.col_offset),
            end_line,
            self._column(end_line, node.end_col_offset or 0),
        )

    def _column(self, line: int, byte_offset: int) -> int:
        if self._lines is None:
            self._lines = self.source.split("\n")
        text = self._lines[line - 1] if 0 < line <= len(self._lines) else ""
        if text.isascii():
            return byte_offset
        return len(text.encode("utf-8")[:byte_offset].decode("utf-8", errors="ignore"))


@dataclass
class ProjectModel:
    """Facts of every file, merged: kind -> [(path, fact)]; the project settings that project
    rules read; and what rules derive from both once and share (`derived`)."""

    facts: dict[str, list[tuple[str, Any]]] = field(default_factory=dict)
    paths: list[str] = field(default_factory=list)
    root: Path | None = None
    layers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    contexts: Mapping[str, str] = field(default_factory=dict)
    source_roots: tuple[str, ...] = ()
    typing_imports: str = "ignore"
    whole_project: bool = True  # the scan covered the project root, not some files or folders
    # Root-relative non-Python files that say how the service runs (Dockerfile, Procfile, shell
    # scripts, logging configs: engine.discover.COMPANION_FILES); read through rules/_texts.py.
    companions: tuple[str, ...] = ()
    # Every other root-relative file a project rule looked at, with the digest of its bytes
    # then (None: missing): the cached project phase stands only while they are unchanged.
    reads: dict[str, str | None] = field(default_factory=dict)
    _derived: dict[str, Any] = field(default_factory=dict)

    def note_read(self, path: str) -> None:
        """Record that a project rule reads (or looks for) this root-relative file."""
        if self.root is not None and path not in self.reads:
            self.reads[path] = file_digest(self.root / path)

    def of(self, kind: str) -> list[tuple[str, Any]]:
        return self.facts.get(kind, [])

    def derived(self, key: str, build: Callable[[ProjectModel], T]) -> T:
        """`build(self)`, computed once per project however many rules ask."""
        if key not in self._derived:
            self._derived[key] = build(self)
        return self._derived[key]


class ProjectRule(_Described):
    """A rule that needs the whole project: it runs once, after every file's facts are merged."""

    Options: ClassVar[type] = NoOptions
    scope: ClassVar[str] = "project"
    collectors: ClassVar[tuple[type[Collector] | type[AstCollector], ...]] = ()
    # Project settings (ProjectModel fields) without which the rule cannot report anything, such
    # as ("contexts",): when one is empty the rule, and the collectors only it needs, do not run.
    needs: ClassVar[tuple[str, ...]] = ()

    def __init__(self, project: ProjectModel, options: Any) -> None:
        self.project = project
        self.options = options
        self.findings: list[Finding] = []
        self.notes: list[tuple[str, str]] = []  # (path, message): what the rule could not check

    def check(self) -> None:
        raise NotImplementedError

    def note(self, path: str, message: str) -> None:
        """Tell the user about something the rule could not check (a broken contract file, a
        contract type it cannot run); shown with the scan's other notifications."""
        self.notes.append((path, message))

    def report_at(
        self,
        path: str,
        span: Span,
        message: str,
        *,
        help: str = "",
        related: Iterable[Related] = (),
        statement_lines: tuple[int, int] | None = None,
        severity: Severity | None = None,
    ) -> None:
        self.findings.append(
            Finding(
                code=self.code,
                name=self.name,
                message=message,
                path=path,
                span=span,
                severity=severity or self.severity,
                help=help,
                related=tuple(related),
                statement_lines=statement_lines,
            )
        )


AnyRule = type[Rule] | type[ProjectRule]

_HEADING = re.compile(r"^## (.+?)\s*$", re.MULTILINE)


def doc_sections(doc: str) -> dict[str, str]:
    """Split a rule docstring into its `## Heading` sections."""
    text = inspect.cleandoc(doc or "")
    parts = _HEADING.split(text)
    return {parts[i].strip(): parts[i + 1].strip() for i in range(1, len(parts) - 1, 2)}


def rule_meta(cls: AnyRule) -> RuleMeta:
    docs = inspect.cleandoc(cls.__doc__ or "")
    what = doc_sections(docs).get("What it does", "")
    summary = what.split("\n\n")[0].replace("\n", " ").strip()
    family = cls.__module__.split(".")[-2] if cls.__module__.count(".") >= 3 else ""
    return RuleMeta(
        code=cls.code,
        name=cls.name,
        severity=cls.severity,
        summary=summary,
        docs=docs,
        family=family,
        cwe=cls.cwe,
        tags=tuple(cls.tags),
        precision=cls.precision,
        default_enabled=cls.default_enabled,
        scope=cls.scope,
        security_severity=cls.security_severity,
    )


def options_fields(options_cls: type) -> list[dataclasses.Field[Any]]:
    return list(dataclasses.fields(options_cls)) if dataclasses.is_dataclass(options_cls) else []
