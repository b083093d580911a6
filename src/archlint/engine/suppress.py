"""Suppressions: `# noqa`, `# noqa: ARC301` (flake8-compatible, prefixes allowed),
`# archlint: ignore[ARC301] -- reason`, `# archlint: skip-file` (handled by the worker), and
per-file-ignores from the config.

A comment on the first or the last line of the statement that holds a finding suppresses it, so
multi-line calls can be silenced wherever a formatter leaves the comment.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import pathspec

from archlint.model import Finding, SuppressionComment

_NOQA = re.compile(r"#\s*noqa(?::[\s]?(?P<codes>[A-Z]+[0-9]*(?:[,\s]+[A-Z]+[0-9]*)*))?", re.I)
_ARCHLINT = re.compile(
    r"#\s*archlint:\s*ignore(?:\[(?P<codes>[^\]]*)\])?(?:\s*--\s*(?P<reason>.*))?", re.I
)


def wants_suppression_scan(source: str) -> bool:
    return "noqa" in source or "archlint:" in source


def _comments(source: str) -> Iterable[tuple[int, str]]:
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                yield tok.start[0], tok.string
    except (tokenize.TokenError, SyntaxError, IndentationError):
        # Unparsable source: fall back to a line scan; a '#' inside a string may then count.
        for number, line in enumerate(source.splitlines(), 1):
            if "#" in line:
                yield number, line[line.index("#") :]


def parse_suppressions(source: str) -> list[SuppressionComment]:
    found: list[SuppressionComment] = []
    for line, text in _comments(source):
        for match in _NOQA.finditer(text):
            codes = match.group("codes")
            found.append(SuppressionComment(line, _split(codes), "noqa"))
        for match in _ARCHLINT.finditer(text):
            found.append(
                SuppressionComment(
                    line,
                    _split(match.group("codes")),
                    "archlint",
                    (match.group("reason") or "").strip(),
                )
            )
    return found


def _split(codes: str | None) -> tuple[str, ...]:
    if not codes:
        return ()
    return tuple(c for c in re.split(r"[,\s]+", codes.strip()) if c)


def _matches(comment: SuppressionComment, finding: Finding) -> bool:
    if not comment.codes:
        return True
    for code in comment.codes:
        if comment.style == "noqa":
            if finding.code.startswith(code.upper()):
                return True
        elif code.upper() == finding.code or code.lower() == finding.name:
            return True
    return False


@dataclass
class SuppressionOutcome:
    kept: list[Finding] = field(default_factory=list)
    suppressed: int = 0
    used: set[tuple[str, int, str]] = field(default_factory=set)  # (path, line, style)


def selector_matches(selector: str, finding: Finding) -> bool:
    """A code, a code prefix or a rule name, as in `select`/`ignore`/per-file-ignores."""
    return finding.code.startswith(selector.upper()) or finding.name == selector.lower()


def apply_suppressions(
    findings: Iterable[Finding],
    comments: dict[str, Sequence[SuppressionComment]],
    per_file_ignores: Sequence[tuple[str, tuple[str, ...]]] = (),
) -> SuppressionOutcome:
    outcome = SuppressionOutcome()
    specs = [
        (pathspec.GitIgnoreSpec.from_lines([pattern]), codes)
        for pattern, codes in per_file_ignores
    ]
    by_line: dict[str, dict[int, list[SuppressionComment]]] = {}
    for path, items in comments.items():
        table = by_line.setdefault(path, {})
        for c in items:
            table.setdefault(c.line, []).append(c)
    for finding in findings:
        if any(
            spec.match_file(finding.path) and any(selector_matches(c, finding) for c in codes)
            for spec, codes in specs
        ):
            outcome.suppressed += 1
            continue
        table = by_line.get(finding.path, {})
        lines = {finding.span.line}
        if finding.statement_lines is not None:
            lines.update(finding.statement_lines)
        hit = None
        for line in sorted(lines):
            for comment in table.get(line, ()):
                if _matches(comment, finding):
                    hit = comment
                    break
            if hit:
                break
        if hit is None:
            outcome.kept.append(finding)
        else:
            outcome.suppressed += 1
            outcome.used.add((finding.path, hit.line, hit.style))
    return outcome


def unused_suppressions(
    comments: dict[str, Sequence[SuppressionComment]],
    used: set[tuple[str, int, str]],
    enabled_codes: set[str],
    enabled_names: set[str],
) -> list[tuple[str, SuppressionComment]]:
    """Comments that name an enabled archlint rule (or a bare `archlint: ignore`) and hid nothing.
    A bare `# noqa` is left alone: it may be there for another linter."""
    unused = []
    for path, items in sorted(comments.items()):
        for c in items:
            if (path, c.line, c.style) in used:
                continue
            if c.style == "noqa":
                ours = [x for x in c.codes if x.upper().startswith("ARC")]
                if any(code.startswith(x.upper()) for x in ours for code in enabled_codes):
                    unused.append((path, c))
            elif not c.codes or any(
                x.upper() in enabled_codes or x.lower() in enabled_names for x in c.codes
            ):
                unused.append((path, c))
    return unused
