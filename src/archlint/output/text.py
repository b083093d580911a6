"""The human format: findings grouped by file, a code frame under each, the help line, then a
summary line and a table of counts by rule. Colour only when the console supports it."""

from __future__ import annotations

from collections import Counter
from itertools import groupby

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from archlint.model import Finding, Report, Severity
from archlint.output.common import display_path, lines_of, summary_line

_STYLE = {Severity.ERROR: "bold red", Severity.WARNING: "yellow", Severity.NOTE: "cyan"}


def render_text(report: Report, console: Console) -> None:
    for path, group in groupby(report.findings, key=lambda f: f.path):
        for finding in group:
            _finding(report, finding, console)
    if report.notifications:
        console.print("[bold]Files archlint could not fully analyse:[/]")
        for n in report.notifications:
            where = display_path(report, n.path) or "(project)"
            if n.line:
                where += f":{n.line}"
            console.print(f"  {escape(where)}: [magenta]{n.kind.value}[/]: {escape(n.message)}",
                          highlight=False)
        console.print()
    if report.unused_suppressions:
        console.print("[bold]Unused suppressions:[/]")
        for path, comment in report.unused_suppressions:
            codes = ", ".join(comment.codes) or "all rules"
            console.print(f"  {escape(display_path(report, path))}:{comment.line}: "
                          f"{comment.style} comment for {escape(codes)} suppressed nothing",
                          highlight=False)
        console.print()
    console.print(summary_line(report), highlight=False)
    if report.findings:
        console.print(_table(report))


def _finding(report: Report, f: Finding, console: Console) -> None:
    where = f"{display_path(report, f.path)}:{f.span.line}:{f.span.column + 1}"
    console.print(
        f"[bold]{escape(where)}[/]: [{_STYLE[f.severity]}]{f.code}[/] {escape(f.message)}",
        highlight=False,
        soft_wrap=True,
    )
    lines = lines_of(report, f)
    if lines and 0 < f.span.line <= len(lines):
        width = len(str(f.span.line))
        gutter = " " * width
        console.print(f"[blue]{gutter} |[/]", highlight=False)
        if f.span.line > 1:
            console.print(f"[blue]{f.span.line - 1:>{width}} |[/] {escape(lines[f.span.line - 2])}",
                          highlight=False, soft_wrap=True)
        text = lines[f.span.line - 1]
        console.print(f"[blue]{f.span.line:>{width}} |[/] {escape(text)}",
                      highlight=False, soft_wrap=True)
        end = f.span.end_column if f.span.end_line == f.span.line else len(text)
        carets = "^" * max(1, end - f.span.column)
        console.print(f"[blue]{gutter} |[/] {' ' * f.span.column}[{_STYLE[f.severity]}]{carets}[/]",
                      highlight=False, soft_wrap=True)
        for r in f.related:
            rel_where = f"{display_path(report, r.path or f.path)}:{r.span.line}"
            console.print(f"[blue]{gutter} =[/] note: {escape(r.message)} ({escape(rel_where)})",
                          highlight=False, soft_wrap=True)
        if f.help:
            console.print(f"[blue]{gutter} =[/] [bold]help[/]: {escape(f.help)}",
                          highlight=False, soft_wrap=True)
    elif f.help:
        console.print(f"  = help: {escape(f.help)}", highlight=False, soft_wrap=True)
    console.print()


def _table(report: Report) -> Table:
    counts = Counter((f.code, f.name, f.severity) for f in report.findings)
    table = Table(title=None, show_edge=False, pad_edge=False)
    table.add_column("rule")
    table.add_column("name")
    table.add_column("severity")
    table.add_column("count", justify="right")
    for (code, name, severity), count in sorted(counts.items()):
        table.add_row(code, name, f"[{_STYLE[severity]}]{severity.value}[/]", str(count))
    return table
