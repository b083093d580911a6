"""Baselines: record today's findings once, report only new ones from then on.

An entry names a finding by what it is, not where it is: the rule, the file, a hash of the
statement that holds it, and which copy of that statement it is. Line numbers are left out on
purpose: code that moves (a function added above it) stays baselined, while a second copy of the
same mistake in the same file is a new finding (its occurrence index is past the baselined ones).

The file format (documented in the README, "Baseline"):

    {"version": 1, "tool": "archlint",
     "entries": [{"rule": "ARC401", "path": "app/client.py",
                  "fingerprint": "<sha256 hex>", "occurrence": 0}, ...]}

`fingerprint`: sha256 of the statement's text with comments removed and every run of
whitespace collapsed to one space. `occurrence`: 0 for the first finding with the same rule,
path and fingerprint in file order, 1 for the next, and so on.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import tokenize
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from archlint.engine.worker import DecodeError, decode_source
from archlint.model import Finding

VERSION = 1


class BaselineError(Exception):
    """A baseline file that cannot be read or written; the message names the file."""


@dataclass(frozen=True, order=True)
class Entry:
    rule: str
    path: str
    fingerprint: str
    occurrence: int


@dataclass(frozen=True)
class Split:
    """Findings the baseline does not cover, how many it covered, and its entries that matched
    nothing in the files this scan looked at (fixed, or changed beyond recognition)."""

    new: list[Finding]
    baselined: int
    stale: list[Entry]


def normalise(statement: str) -> str:
    """The statement's tokens, one space apart: comments, line breaks and the spacing a
    formatter changes are gone; string contents are kept as written."""
    lines = statement.split("\n")
    out: list[str] = []
    depth, fstring_start = 0, (0, 0)
    try:
        for tok in tokenize.generate_tokens(io.StringIO(statement).readline):
            kind = tokenize.tok_name[tok.type]
            # Python 3.12 splits f-strings into parts: kept whole, so that a baseline written
            # under one Python version holds under another.
            if kind == "FSTRING_START":
                depth += 1
                if depth == 1:
                    fstring_start = tok.start
                continue
            if kind == "FSTRING_END":
                depth -= 1
                if depth == 0:
                    out.append(_slice(lines, fstring_start, tok.end))
                continue
            if depth or tok.type in _LAYOUT:
                continue
            out.append(tok.string)
    except (tokenize.TokenError, SyntaxError):
        # A statement cut short (the first lines of a compound statement up to the finding):
        # the tokens read so far stand for it, and the rest, whitespace collapsed.
        if not out:
            return " ".join(statement.split())
    return " ".join(out)


_LAYOUT = frozenset({tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT,
                     tokenize.DEDENT, tokenize.ENDMARKER})


def _slice(lines: Sequence[str], start: tuple[int, int], end: tuple[int, int]) -> str:
    (row, col), (end_row, end_col) = start, end
    if row == end_row:
        return lines[row - 1][col:end_col]
    return "\n".join([lines[row - 1][col:], *lines[row:end_row - 1], lines[end_row - 1][:end_col]])


def fingerprint(text: str) -> str:
    return hashlib.sha256(normalise(text).encode("utf-8")).hexdigest()


def statement_text(finding: Finding, lines: Sequence[str] | None) -> str:
    """The source of the statement that holds the finding (its reported lines when the rule gave
    no statement), or "" when the file cannot be read."""
    if lines is None:
        return ""
    first, last = finding.statement_lines or (finding.span.line, finding.span.end_line)
    first, last = max(first, 1), max(last, first)
    return "\n".join(lines[first - 1:last])


def entries_of(findings: Iterable[Finding], read_lines: Callable[[str], Sequence[str] | None]
               ) -> list[tuple[Finding, Entry]]:
    """Each finding with its entry; occurrences count in file order (line, column)."""
    cached: dict[str, Sequence[str] | None] = {}
    seen: Counter[tuple[str, str, str]] = Counter()
    out = []
    for finding in sorted(findings, key=lambda f: f.sort_key):
        if finding.path not in cached:
            cached[finding.path] = read_lines(finding.path)
        digest = fingerprint(statement_text(finding, cached[finding.path]))
        key = (finding.code, finding.path, digest)
        out.append((finding, Entry(finding.code, finding.path, digest, seen[key])))
        seen[key] += 1
    return out


def file_reader(root: Path) -> Callable[[str], Sequence[str] | None]:
    """Lines of a root-relative file, decoded exactly as the scan decoded it."""

    def read(path: str) -> Sequence[str] | None:
        try:
            with open(root.joinpath(*path.split("/")), "rb") as fh:
                return decode_source(fh.read()).split("\n")
        except (OSError, DecodeError):
            return None

    return read


def split(pairs: Sequence[tuple[Finding, Entry]], baseline: Iterable[Entry],
          scanned: Iterable[str]) -> Split:
    recorded = set(baseline)
    new = [finding for finding, entry in pairs if entry not in recorded]
    matched = {entry for _, entry in pairs if entry in recorded}
    covered = set(scanned)
    # An entry of a file this scan did not look at (pre-commit passes a few files) is not stale.
    stale = sorted(e for e in recorded - matched if e.path in covered)
    return Split(new=new, baselined=len(pairs) - len(new), stale=stale)


def load(path: Path) -> list[Entry]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise BaselineError(f"baseline {path}: cannot read: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise BaselineError(f"baseline {path}: not JSON: {exc}") from None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        found = data.get("version") if isinstance(data, dict) else None
        raise BaselineError(f"baseline {path}: expected \"version\": {VERSION}, found {found!r}; "
                            "write it again with --write-baseline")
    raw = data.get("entries")
    if not isinstance(raw, list):
        raise BaselineError(f"baseline {path}: \"entries\" must be a list")
    entries = []
    for index, item in enumerate(raw):
        try:
            entry = Entry(str(item["rule"]), str(item["path"]), str(item["fingerprint"]),
                          int(item["occurrence"]))
        except (TypeError, KeyError, ValueError):
            raise BaselineError(
                f"baseline {path}: entries[{index}] needs rule, path, fingerprint and an "
                "integer occurrence") from None
        entries.append(entry)
    return entries


def dump(path: Path, entries: Iterable[Entry]) -> None:
    """Write atomically, sorted, one entry a line: the file is reviewed in diffs."""
    rows = [json.dumps({"rule": e.rule, "path": e.path, "fingerprint": e.fingerprint,
                        "occurrence": e.occurrence}) for e in sorted(set(entries))]
    body = ",\n    ".join(rows)
    text = ('{\n  "version": %d,\n  "tool": "archlint",\n  "entries": [%s]\n}\n'
            % (VERSION, f"\n    {body}\n  " if rows else ""))
    folder = path.resolve().parent
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=folder)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
                fh.write(text)
            os.replace(tmp, path)
        except BaseException:
            os.unlink(tmp)
            raise
    except OSError as exc:
        raise BaselineError(f"baseline {path}: cannot write: {exc.strerror or exc}") from None

