"""What several renderers share: display paths, source lines for code frames, the summary line."""

from __future__ import annotations

import os
from collections import Counter
from functools import lru_cache
from pathlib import Path

from archlint.model import Finding, NotificationKind, Report, Severity

NOT_PARSED = {NotificationKind.PARSE_ERROR, NotificationKind.DECODE_ERROR}


def display_path(report: Report, path: str) -> str:
    """Root-relative path -> relative to the current directory, as the user typed it."""
    if not path:
        return path
    full = Path(report.root) / path
    try:
        rel = os.path.relpath(full)
    except ValueError:  # another drive on Windows
        return str(full)
    return rel.replace(os.sep, "/")


@lru_cache(maxsize=256)
def source_lines(full_path: str) -> tuple[str, ...]:
    try:
        with open(full_path, "rb") as fh:
            data = fh.read()
    except OSError:
        return ()
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    return tuple(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"))


def lines_of(report: Report, finding: Finding) -> tuple[str, ...]:
    return source_lines(str(Path(report.root) / finding.path))


def summary_line(report: Report) -> str:
    counts = Counter(f.severity for f in report.findings)
    parts = [f"{counts[s]} {s.value}{'s' if counts[s] != 1 else ''}" for s in Severity if counts[s]]
    n = len(report.findings)
    text = f"{n} finding{'s' if n != 1 else ''}"
    if parts:
        text += f" ({', '.join(parts)})"
    files = report.files_scanned
    text += f" in {files} file{'s' if files != 1 else ''}"
    not_parsed = len({x.path for x in report.notifications if x.kind in NOT_PARSED})
    if not_parsed:
        text += f", {not_parsed} file{'s' if not_parsed != 1 else ''} not parsed"
    errors = sum(1 for x in report.notifications if x.kind not in NOT_PARSED)
    if errors:
        text += f", {errors} other problem{'s' if errors != 1 else ''}"
    if report.suppressed:
        text += f", {report.suppressed} suppressed"
    if report.baselined:
        text += f", {report.baselined} baselined"
    if report.baseline_stale:
        stale = report.baseline_stale
        text += (f", {stale} baseline entr{'ies' if stale != 1 else 'y'} matched nothing "
                 "(fixed? rewrite it with --write-baseline)")
    text += f", {report.duration_s:.1f} s"
    return text
