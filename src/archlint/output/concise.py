"""flake8-style lines: `path:line:col: ARC301 message` (1-based column, as flake8 prints)."""

from __future__ import annotations

from archlint.model import Report
from archlint.output.common import display_path, summary_line


def render_concise(report: Report) -> str:
    out = [
        f"{display_path(report, f.path)}:{f.span.line}:{f.span.column + 1}: {f.code} {f.message}"
        for f in report.findings
    ]
    out.extend(
        f"{display_path(report, n.path)}:{n.line or 1}:{(n.column or 0) + 1}: "
        f"{n.kind.value}: {n.message}"
        for n in report.notifications
    )
    for path, comment in report.unused_suppressions:
        codes = ", ".join(comment.codes) or "all"
        out.append(f"{display_path(report, path)}:{comment.line}:1: unused suppression ({codes})")
    out.append(summary_line(report))
    return "\n".join(out) + "\n"
