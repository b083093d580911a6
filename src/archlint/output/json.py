"""The JSON format: stable and documented in docs/json-format.md. Bump SCHEMA_VERSION on any
change that is not a pure addition."""

from __future__ import annotations

import json
from collections import Counter

from archlint import __version__
from archlint.model import Finding, Report, Span

SCHEMA_VERSION = 1


def _position(span: Span) -> dict[str, int]:
    return {
        "line": span.line,
        "column": span.column + 1,
        "end_line": span.end_line,
        "end_column": span.end_column + 1,
    }


def _finding(f: Finding) -> dict:
    return {
        "code": f.code,
        "name": f.name,
        "severity": f.severity.value,
        "message": f.message,
        "help": f.help,
        "path": f.path,
        **_position(f.span),
        "related": [
            {"path": r.path or f.path, "message": r.message, **_position(r.span)}
            for r in f.related
        ],
        "fix": None
        if f.fix is None
        else {
            "description": f.fix.description,
            "safe": f.fix.safe,
            "edits": [{"replacement": e.replacement, **_position(e.span)} for e in f.fix.edits],
        },
    }


def render_json(report: Report) -> str:
    payload = {
        "schema_version": SCHEMA_VERSION,
        "archlint_version": __version__,
        "root": report.root,
        "findings": [_finding(f) for f in report.findings],
        "notifications": [
            {
                "kind": n.kind.value,
                "path": n.path,
                "line": n.line,
                "column": None if n.column is None else n.column + 1,
                "message": n.message,
                "rule": n.rule,
            }
            for n in report.notifications
        ],
        "unused_suppressions": [
            {"path": path, "line": c.line, "codes": list(c.codes), "style": c.style}
            for path, c in report.unused_suppressions
        ],
        "summary": {
            "files": report.files_scanned,
            "files_from_cache": report.files_from_cache,
            "findings": len(report.findings),
            "suppressed": report.suppressed,
            "baselined": report.baselined,
            "baseline_stale": report.baseline_stale,
            "by_rule": dict(sorted(Counter(f.code for f in report.findings).items())),
            "by_severity": dict(Counter(f.severity.value for f in report.findings)),
            "duration_s": round(report.duration_s, 3),
        },
    }
    return json.dumps(payload, indent=2, ensure_ascii=False) + "\n"
