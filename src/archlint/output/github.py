"""GitHub Actions workflow commands: `::error file=...,line=...::message` annotations."""

from __future__ import annotations

from archlint.model import Report, Severity
from archlint.output.common import display_path

_COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.NOTE: "notice"}


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _prop(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


def render_github(report: Report) -> str:
    out = []
    for f in report.findings:
        props = ",".join(
            [
                f"file={_prop(display_path(report, f.path))}",
                f"line={f.span.line}",
                f"col={f.span.column + 1}",
                f"endLine={f.span.end_line}",
                f"endColumn={f.span.end_column + 1}",
                f"title={_prop(f'{f.code} ({f.name})')}",
            ]
        )
        message = f.message + (f"\nhelp: {f.help}" if f.help else "")
        out.append(f"::{_COMMAND[f.severity]} {props}::{_data(message)}")
    for n in report.notifications:
        props = f"file={_prop(display_path(report, n.path))}"
        if n.line:
            props += f",line={n.line}"
        out.append(f"::warning {props},title=archlint {n.kind.value}::{_data(n.message)}")
    return "\n".join(out) + ("\n" if out else "")
