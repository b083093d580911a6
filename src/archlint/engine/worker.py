"""Phase 1: one file in, one FileResult out. Read, decode (PEP 263), parse ONCE with LibCST, and run
every enabled per-file rule and fact collector in ONE traversal.

This module is what worker processes execute; it never imports or runs the analysed code.
"""

from __future__ import annotations

import ast
import ctypes
import io
import os
import re
import sys
import tokenize
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import libcst as cst

from archlint.engine.suppress import parse_suppressions, wants_suppression_scan
from archlint.model import Finding, Notification, NotificationKind, Related, SuppressionComment
from archlint.rules._mentions import Mentions
from archlint.rules._names import NameTracker, module_imports
from archlint.rules._tree import walk
from archlint.rules.base import AstCollector, Collector, FileContext, PendingReport, Rule

SKIP_FILE_MARKER = "archlint: skip-file"


@dataclass
class FileResult:
    path: str
    findings: list[Finding] = field(default_factory=list)
    facts: dict[str, list[Any]] = field(default_factory=dict)
    notifications: list[Notification] = field(default_factory=list)
    suppressions: list[SuppressionComment] = field(default_factory=list)
    parsed: bool = False
    skipped: bool = False  # `# archlint: skip-file`


Checker = Rule | Collector
CheckerSpec = tuple[type[Rule] | type[Collector] | type[AstCollector], Any]  # class and its options


class DecodeError(Exception):
    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.line = line


def decode_source(data: bytes) -> str:
    """Decode per PEP 263 (BOM, coding cookie, default UTF-8) and normalise line ends to "\\n"."""
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
    except SyntaxError as exc:
        raise DecodeError(f"cannot decode: {exc} (PEP 263); the file is neither utf-8 nor "
                          "declares its encoding") from None
    try:
        text = data.decode(encoding)
    except LookupError:
        raise DecodeError(f"cannot decode: unknown encoding {encoding!r} in the coding "
                          "cookie") from None
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise DecodeError(f"cannot decode line {line} as {encoding}: {exc.reason}; the file "
                          "declares no other encoding (PEP 263)", line) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text


class _Traversal:
    """Walks the tree once in source order and dispatches each node to the checkers with a
    `visit_<Type>`/`leave_<Type>` method; keeps the statement, function and class stacks of the
    FileContext; isolates a checker that raises."""

    def __init__(self, ctx: FileContext, checkers: Sequence[Checker], on_error: Callable) -> None:
        self.ctx = ctx
        self.on_error = on_error
        self.dead: set[int] = set()
        self.visit: dict[str, list[tuple[int, Callable]]] = {}
        self.leave: dict[str, list[tuple[int, Callable]]] = {}
        tracker = NameTracker(ctx.names)
        for index, checker in enumerate([tracker, *checkers]):
            for attr in dir(type(checker)):
                if attr.startswith("visit_"):
                    self.visit.setdefault(attr[6:], []).append((index - 1, getattr(checker, attr)))
                elif attr.startswith("leave_"):
                    self.leave.setdefault(attr[6:], []).append((index - 1, getattr(checker, attr)))
        self.checkers = checkers

    def _call(self, methods: list[tuple[int, Callable]], node: cst.CSTNode) -> None:
        for index, method in methods:
            if index in self.dead:
                continue
            try:
                method(node)
            except Exception as exc:  # a rule's bug must not cost the other rules their results
                if index < 0:
                    raise
                self.dead.add(index)
                self.on_error(self.checkers[index], exc, node)

    def run(self, module: cst.Module) -> None:
        walk(module, self._enter, self._leave)

    def _enter(self, node: cst.CSTNode) -> None:
        kind = type(node)
        role = _ROLES.get(kind)
        if role is None:
            role = _role(kind)
        if role:
            ctx = self.ctx
            ctx.statements.append(node)
            if role == _FUNCTION:
                ctx.functions.append(node)
            elif role == _CLASS:
                ctx.classes.append(node)
        methods = self.visit.get(kind.__name__)
        if methods:
            self._call(methods, node)

    def _leave(self, node: cst.CSTNode) -> None:
        kind = type(node)
        methods = self.leave.get(kind.__name__)
        if methods:
            self._call(methods, node)
        role = _ROLES[kind]
        if role:
            ctx = self.ctx
            if role == _FUNCTION:
                ctx.functions.pop()
            elif role == _CLASS:
                ctx.classes.pop()
            ctx.statements.pop()


# What a node type means to the FileContext's stacks, by type: LibCST's classes are ABCs, and
# isinstance() against them costs a trip through ABCMeta for each of a file's nodes.
_STATEMENT, _FUNCTION, _CLASS = 1, 2, 3
_ROLES: dict[type, int] = {}


def _role(kind: type) -> int:
    if issubclass(kind, cst.FunctionDef):
        role = _FUNCTION
    elif issubclass(kind, cst.ClassDef):
        role = _CLASS
    elif issubclass(kind, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        role = _STATEMENT
    else:
        role = 0
    _ROLES[kind] = role
    return role


def analyze_source(
    source: str,
    path: str,
    specs: Sequence[CheckerSpec],
    *,
    collect_suppressions: bool = True,
) -> FileResult:
    """Run the given checkers on decoded source. Never raises for bad input or a broken rule."""
    result = FileResult(path=path)
    if SKIP_FILE_MARKER in source and _has_skip_file_comment(source):
        result.skipped = True
        return result
    if collect_suppressions and wants_suppression_scan(source):
        result.suppressions = parse_suppressions(source)
    active = [(cls, opts) for cls, opts in specs if cls.wants(source, opts)]
    light = [(cls, opts) for cls, opts in active if issubclass(cls, AstCollector)]
    active = [(cls, opts) for cls, opts in active if not issubclass(cls, AstCollector)]
    tree = None
    if light:
        tree = _collect_from_ast(source, path, light, result, report_parse_error=not active)
    active, tree = _through_gates(source, path, active, tree, parsed_already=bool(light))
    if not active:
        return result
    too_deep = _too_deep_for_libcst(source, path, tree)
    if too_deep is not None:
        result.notifications.append(too_deep)
        return result
    try:
        module = _parse_unvalidated(source)
    except cst.ParserSyntaxError as exc:
        result.notifications.append(_parse_error(source, path, exc))
        return result
    except RecursionError:
        result.notifications.append(
            Notification(NotificationKind.PARSE_ERROR, path, "cannot parse: nested too deeply")
        )
        return result
    result.parsed = True
    ctx = FileContext(path, source, module, tree)
    for imp in module_imports(module):
        ctx.names.add_import(imp)

    def on_error(checker: Checker | type[Checker], exc: BaseException, node: object = None) -> None:
        label = getattr(checker, "code", None) or getattr(checker, "__name__", None) or type(
            checker).__name__
        result.notifications.append(
            Notification(
                NotificationKind.INTERNAL_ERROR,
                path,
                f"internal error in {label}: {type(exc).__name__}: {exc}",
                rule=label,
                detail=traceback.format_exc(),
            )
        )

    checkers: list[Checker] = []
    for cls, opts in active:
        try:
            checkers.append(cls(ctx, opts))
        except Exception as exc:  # a rule's bug costs only that rule
            on_error(cls, exc)

    try:
        _Traversal(ctx, checkers, on_error).run(module)
    except RecursionError:
        result.notifications.append(
            Notification(NotificationKind.PARSE_ERROR, path, "cannot analyse: nested too deeply")
        )
        return result
    except Exception as exc:  # the name tracker itself failed: report it, keep the scan going
        result.notifications.append(
            Notification(
                NotificationKind.INTERNAL_ERROR,
                path,
                f"internal error: {type(exc).__name__}: {exc}",
                detail=traceback.format_exc(),
            )
        )
        return result
    for kind, facts in ctx.facts.items():
        result.facts.setdefault(kind, []).extend(facts)
    for pending in ctx.pending:
        try:
            result.findings.append(_complete(ctx, pending))
        except Exception as exc:
            on_error(pending.rule, exc)
    return result


def _collect_from_ast(
    source: str,
    path: str,
    specs: Sequence[CheckerSpec],
    result: FileResult,
    *,
    report_parse_error: bool,
) -> ast.Module | None:
    """Run the AstCollectors on CPython's tree. A file CPython cannot parse is reported here
    only when LibCST will not try it next (LibCST's path reports it otherwise)."""
    try:
        tree = ast.parse(source, filename=path)
    except SyntaxError as err:
        if report_parse_error:
            result.notifications.append(
                Notification(NotificationKind.PARSE_ERROR, path, f"cannot parse: {err.msg}",
                             line=err.lineno, column=max((err.offset or 1) - 1, 0))
            )
        return None
    except (ValueError, RecursionError, MemoryError) as exc:
        if report_parse_error:
            result.notifications.append(
                Notification(NotificationKind.PARSE_ERROR, path, f"cannot parse: {exc}")
            )
        return None
    result.parsed = True
    for cls, opts in specs:
        try:
            facts = cls(path, source, tree, opts).collect()
        except Exception as exc:  # a collector's bug costs only its facts
            result.notifications.append(
                Notification(
                    NotificationKind.INTERNAL_ERROR,
                    path,
                    f"internal error in {cls.__name__}: {type(exc).__name__}: {exc}",
                    rule=cls.__name__,
                    detail=traceback.format_exc(),
                )
            )
            continue
        if facts:
            result.facts.setdefault(cls.kind, []).extend(facts)
    return tree


def _parse_unvalidated(source: str) -> cst.Module:
    """`cst.parse_module` without LibCST's check of every node it builds (`CSTNode.__post_init__`
    calls `_validate()`), a seventh of the parse: the native parser builds only valid trees, as
    LibCST's own PERF note there says. Nodes made anywhere else (fixes) are still checked."""
    post_init = cst.CSTNode.__dict__["__post_init__"]
    cst.CSTNode.__post_init__ = _no_check  # type: ignore[method-assign]
    try:
        return cst.parse_module(source)
    finally:
        cst.CSTNode.__post_init__ = post_init  # type: ignore[method-assign]


def _no_check(self: cst.CSTNode) -> None:
    return None


def _through_gates(source: str, path: str, specs: list[CheckerSpec], tree: ast.Module | None,
                   *, parsed_already: bool) -> tuple[list[CheckerSpec], ast.Module | None]:
    """The LibCST checkers whose gate lets this file through, and the file's `ast`. The tree
    the collectors used serves; without one (only LibCST checkers enabled) the file is parsed
    with `ast` for the gates, which costs a fraction of the LibCST parse it may spare, and
    positions use it later. A file `ast` cannot parse goes through ungated: LibCST reports it."""
    if not any(cls.has_gate() for cls, _ in specs):
        return specs, tree
    if tree is None and not parsed_already:
        try:
            tree = ast.parse(source, filename=path)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return specs, None
    if tree is None:
        return specs, None
    mentions = Mentions(tree, source)
    return [(cls, opts) for cls, opts in specs if _opens(cls, mentions, opts)], tree


def _opens(cls: type, mentions: Mentions, options: Any) -> bool:
    """A gate that raises lets the file through: the checker then runs, and its own errors are
    reported where they belong."""
    try:
        return bool(cls.gate(mentions, options))
    except Exception:
        return True


# LibCST's native parser recurses once per level of nesting and overflows its stack a few
# thousand levels down (x = a.b.b.b..., -(-(-...)), f()()()...): a segfault, not an exception,
# that would take the whole process with it where files are analysed in-process (-j 1, or a
# small project). Files nested deeper than this are reported and left to the AstCollectors.
MAX_NESTING = 1000
# A nesting of MAX_NESTING levels needs at least this many characters in one logical line (or
# in one bracketed region), or brackets this deep: below both, the depth is not measured.
_LONG_LOGICAL_LINE = 2 * MAX_NESTING
_DEEP_BRACKETS = 100
_NESTING_MARKS = re.compile(r"[(\[{]|[)\]}]|\\?\n")


def _may_nest_deeply(source: str) -> bool:
    """A cheap look at the text (strings and comments included, so it errs on the side of
    measuring): deep brackets, or a logical line long enough to hold a deep chain."""
    depth = start = 0
    for mark in _NESTING_MARKS.finditer(source):
        char = mark.group()
        if char in "([{":
            depth += 1
            if depth > _DEEP_BRACKETS:
                return True
        elif char in ")]}":
            depth = max(depth - 1, 0)
        elif char == "\n" and depth == 0:
            if mark.start() - start > _LONG_LOGICAL_LINE:
                return True
            start = mark.end()
    return len(source) - start > _LONG_LOGICAL_LINE


def _too_deep_for_libcst(source: str, path: str, tree: ast.Module | None) -> Notification | None:
    """A parse error for a file LibCST must not be given: nested deeper than MAX_NESTING, or
    so deep that CPython's own parser refuses it (CPython only compiles it to an AST here)."""
    if not _may_nest_deeply(source):
        return None
    if tree is None:
        try:
            tree = ast.parse(source, filename=path)
        except SyntaxError as err:
            return Notification(NotificationKind.PARSE_ERROR, path, f"cannot parse: {err.msg}",
                                line=err.lineno, column=max((err.offset or 1) - 1, 0))
        except (ValueError, RecursionError, MemoryError):
            return Notification(NotificationKind.PARSE_ERROR, path,
                                "cannot parse: nested too deeply for Python's own parser")
    deepest = _nesting(tree, MAX_NESTING)
    if deepest > MAX_NESTING:
        return Notification(
            NotificationKind.PARSE_ERROR, path,
            f"cannot analyse: the code is nested more than {MAX_NESTING} levels deep (a long "
            "chain of calls, attributes or operators, or deep brackets); only the import facts "
            "of this file were read",
        )
    return None


def _nesting(tree: ast.AST, limit: int) -> int:
    """The depth of the tree, counted without recursion; stops past `limit`."""
    stack = [(tree, 1)]
    children = ast.iter_child_nodes
    while stack:
        node, depth = stack.pop()
        if depth > limit:
            return depth
        stack.extend((child, depth + 1) for child in children(node))
    return 0


def _parse_error(source: str, path: str, exc: cst.ParserSyntaxError) -> Notification:
    """CPython's own message and line are clearer than LibCST's when CPython rejects the file too
    (it only compiles to an AST here: nothing is executed)."""
    line, column, message = exc.raw_line, exc.raw_column, exc.message
    try:
        ast.parse(source, filename=path)
    except SyntaxError as err:
        if err.lineno:
            line, column, message = err.lineno, max((err.offset or 1) - 1, 0), err.msg
    except (ValueError, RecursionError, MemoryError):
        pass
    return Notification(NotificationKind.PARSE_ERROR, path, f"cannot parse: {message}",
                        line=line, column=column)


def _complete(ctx: FileContext, pending: PendingReport) -> Finding:
    rule, hint = pending.rule, pending.statements
    span = ctx.span_of(pending.node, hint)
    statement_lines = None
    if hint:
        statement = hint[-1]
        stmt_span = ctx.span_of(statement, hint)
        if isinstance(statement, cst.SimpleStatementLine):
            statement_lines = (stmt_span.line, stmt_span.end_line)
        else:  # a compound statement: its header line, not the end of its body
            statement_lines = (stmt_span.line, span.end_line)
    return Finding(
        code=rule.code,
        name=rule.name,
        message=pending.message,
        path=ctx.path,
        span=span,
        severity=rule.severity,
        help=pending.help,
        related=tuple(Related(ctx.span_of(n, hint), msg) for n, msg in pending.related),
        fix=pending.fix,
        statement_lines=statement_lines,
    )


def _has_skip_file_comment(source: str) -> bool:
    return any(
        line.lstrip().startswith("#") and SKIP_FILE_MARKER in line
        for line in source.splitlines()
    )


def read_source(abs_path: str, rel_path: str) -> tuple[str | None, Notification | None]:
    try:
        with open(abs_path, "rb") as fh:
            data = fh.read()
    except OSError as exc:
        return None, Notification(
            NotificationKind.UNREADABLE, rel_path, f"cannot read: {exc.strerror or exc}"
        )
    try:
        return decode_source(data), None
    except DecodeError as exc:
        return None, Notification(NotificationKind.DECODE_ERROR, rel_path, str(exc), line=exc.line)


def analyze_file(abs_path: str, rel_path: str, specs: Sequence[CheckerSpec]) -> FileResult:
    source, problem = read_source(abs_path, rel_path)
    if source is None:
        assert problem is not None
        return FileResult(path=rel_path, notifications=[problem])
    try:
        return analyze_source(source, rel_path, specs)
    except Exception as exc:  # last line of defence: one file, never the scan
        return FileResult(path=rel_path, notifications=[Notification(
            NotificationKind.INTERNAL_ERROR, rel_path,
            f"internal error: {type(exc).__name__}: {exc}", detail=traceback.format_exc())])


# -- process-pool plumbing: the specs are sent once per worker, not once per file ---------------
_WORKER_SPECS: Sequence[CheckerSpec] = ()


def init_worker(specs: Sequence[CheckerSpec]) -> None:
    global _WORKER_SPECS
    _WORKER_SPECS = specs
    os.environ.setdefault("LIBCST_PARSER_TYPE", "native")


def analyze_batch(batch: Sequence[tuple[str, str]]) -> list[FileResult]:
    return [analyze_file_then_trim(a, r, _WORKER_SPECS) for a, r in batch]


def analyze_file_then_trim(abs_path: str, rel_path: str, specs: Sequence[CheckerSpec]) -> FileResult:
    result = analyze_file(abs_path, rel_path, specs)
    if file_size(abs_path) > TRIM_AFTER:
        _release_memory()
    return result


TRIM_AFTER = 64 * 1024  # bytes of source


def file_size(path: str) -> int:
    try:
        return os.path.getsize(path)
    except OSError:
        return 0


def _release_memory() -> None:
    """Hand the freed memory of a big syntax tree back to the OS. glibc keeps freed heap pages,
    so without this a worker stays at the size of the largest file it ever parsed."""
    if _malloc_trim is not None:
        _malloc_trim(0)


def _load_malloc_trim():
    try:
        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to trim
        return None


_malloc_trim = _load_malloc_trim() if sys.platform.startswith("linux") else None
