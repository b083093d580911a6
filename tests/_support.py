"""Shared test helpers: paths, and running one rule the way the engine does (same worker code path)."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
import textwrap
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import libcst as cst

from archlint.config import parse_options, settings_from_table
from archlint.engine.discover import COMPANION_FILES
from archlint.engine.project import build_model, run_project_rules
from archlint.engine.worker import FileResult, analyze_source
from archlint.model import Severity
from archlint.rules.base import Collector, ProjectRule, Rule

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"

EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>ARC\d{3}(?:\s*,\s*ARC\d{3})*)")


def run_rule(
    rule: type[Rule] | type[ProjectRule],
    source: str,
    options: Mapping[str, Any] | None = None,
    path: str = "example.py",
    files: Mapping[str, str] | None = None,
    project: Mapping[str, Any] | None = None,
) -> FileResult:
    """One rule over one file, the way the engine runs it. A project rule sees `source` at
    `path` plus the other `files` of the project, under the `[tool.archlint]` keys in `project`;
    its findings and notes come back as one FileResult. Files that are not Python (a project
    rule's own config, such as `.importlinter`) are written, with the others, under a temporary
    project root; without them the root is a folder that does not exist."""
    opts = parse_options(rule, options or {}, f"test options of {rule.code}")
    if issubclass(rule, Rule):
        return analyze_source(textwrap.dedent(source), path, [(rule, opts)])
    sources = {p: text for p, text in {path: source, **(files or {})}.items() if p.endswith(".py")}
    collectors = [(c, c.Options()) for c in rule.collectors]
    results = [analyze_source(textwrap.dedent(text), p, collectors) for p, text in sources.items()]
    with _project_root(files or {}) as root:
        settings = settings_from_table(dict(project or {}), root=root)
        companions = [p for p in files or {} if COMPANION_FILES.match_file(Path(p).name.lower())]
        model = build_model(results, settings, companions=companions)
        findings, notes = run_project_rules([(rule, opts)], model)
    return FileResult(
        path=path,
        findings=sorted(findings, key=lambda f: f.sort_key),
        notifications=[n for r in results for n in r.notifications] + notes,
    )


@contextlib.contextmanager
def _project_root(files: Mapping[str, str]) -> Iterator[Path]:
    if all(p.endswith(".py") for p in files):
        yield Path("/nonexistent-project-root")
        return
    with tempfile.TemporaryDirectory(prefix="archlint-example-") as folder:
        root = Path(folder)
        for rel, text in files.items():
            (root / rel).parent.mkdir(parents=True, exist_ok=True)
            (root / rel).write_text(textwrap.dedent(text), encoding="utf-8")
        yield root


def expected_lines(source: str, code: str) -> set[int]:
    lines = set()
    for number, line in enumerate(source.splitlines(), 1):
        match = EXPECT.search(line)
        if match and code in re.split(r"\s*,\s*", match.group("codes")):
            lines.add(number)
    return lines


# -- test-only checkers: real Rule/Collector/ProjectRule subclasses, used to prove the engine ------


@dataclass(frozen=True)
class PrintOptions:
    word: str = "print"


class PrintCall(Rule):
    """Flags calls of a configurable name; crashes on purpose where a test asks it to."""

    code, name, severity = "ARC999", "test-print-call", Severity.WARNING
    Options = PrintOptions
    triggers = ("print", "boom", "CRASH_WORKER")

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Name):
            if node.func.value == "boom":
                raise ValueError("rule bug on purpose")
            if node.func.value == "CRASH_WORKER":
                os._exit(3)  # simulates a segfault in a worker process
            if node.func.value == self.options.word:
                self.report(node, f"{self.options.word}() called", help="use logging")


class FunctionNames(Collector):
    kind = "function-names"
    triggers = ("def ",)

    def visit_FunctionDef(self, node: cst.FunctionDef) -> None:
        self.add((node.name.value, self.ctx.span_of(node.name)))


class DuplicateFunctionNames(ProjectRule):
    """Flags a function name defined in two files."""

    code, name, severity = "ARC998", "test-duplicate-function", Severity.NOTE
    collectors = (FunctionNames,)

    def check(self) -> None:
        seen: dict[str, str] = {}
        for path, (name, span) in self.project.of("function-names"):
            if name in seen and seen[name] != path:
                self.report_at(path, span, f"{name} is also defined in {seen[name]}")
            seen.setdefault(name, path)


def spec(rule, **options):
    return (rule, rule.Options(**options))


class BrokenAtStart(Rule):
    """Raises in its constructor, as a rule with a bug in its set-up would."""

    code, name, severity = "ARC996", "test-broken-at-start", Severity.NOTE
    triggers = ("print",)

    def __init__(self, ctx, options) -> None:
        raise RecursionError("maximum recursion depth exceeded")
