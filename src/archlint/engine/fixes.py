"""Applying the edits findings carry (`Finding.fix`), for `check --fix` and `check --diff`.

One pass per file: the fixes the user asked for (safe ones; unsafe ones too with
`--unsafe-fixes`), in file order; a fix whose edits overlap an earlier accepted fix is left for
the next round (the caller re-checks and re-applies until nothing changes). The result must
parse, or the file is left alone. Writes are atomic (a temporary file in the same folder, then
`os.replace`) and keep the file's permissions, encoding, byte-order mark and line ends.
"""

from __future__ import annotations

import codecs
import difflib
import io
import os
import stat
import tempfile
import tokenize
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from archlint.engine.worker import DecodeError, decode_source
from archlint.model import Finding


@dataclass
class FileFix:
    """What fixing one file gives: the text before and after, and which findings were fixed."""

    path: str  # root-relative
    before: str
    after: str
    applied: list[Finding] = field(default_factory=list)
    refused: str = ""  # why the file was left alone ("" when it was not)

    @property
    def changed(self) -> bool:
        return not self.refused and self.after != self.before

    def diff(self) -> str:
        return "".join(difflib.unified_diff(
            self.before.splitlines(keepends=True), self.after.splitlines(keepends=True),
            fromfile=f"a/{self.path}", tofile=f"b/{self.path}"))


def wanted(findings: Iterable[Finding], unsafe: bool) -> dict[str, list[Finding]]:
    """The findings whose fix is to be applied, by path: fixes with edits, unsafe ones only when
    the user asked for them."""
    out: dict[str, list[Finding]] = {}
    for finding in findings:
        fix = finding.fix
        if fix is not None and fix.edits and (fix.safe or unsafe):
            out.setdefault(finding.path, []).append(finding)
    return out


def apply_edits(text: str, findings: Sequence[Finding]) -> tuple[str, list[Finding]]:
    """`text` with the fixes of `findings` applied (each fix whole or not at all), and the
    findings fixed. Positions are those of the scan: 1-based lines, 0-based code-point columns
    in the text as `decode_source` gives it."""
    lines = text.split("\n")
    starts = [0]
    for line in lines[:-1]:
        starts.append(starts[-1] + len(line) + 1)

    def offset(line: int, column: int) -> int | None:
        if 1 <= line <= len(lines) and 0 <= column <= len(lines[line - 1]):
            return starts[line - 1] + column
        return None

    taken: list[tuple[int, int]] = []
    chosen: list[tuple[int, int, str]] = []
    applied: list[Finding] = []
    for finding in sorted(findings, key=lambda f: (min(e.span for e in f.fix.edits), f.code)):
        ranges = []
        for edit in finding.fix.edits:
            begin = offset(edit.span.line, edit.span.column)
            end = offset(edit.span.end_line, edit.span.end_column)
            if begin is None or end is None or end < begin:
                break
            ranges.append((begin, end, edit.replacement))
        else:
            if _disjoint([(b, e) for b, e, _ in ranges], taken):
                taken.extend((b, e) for b, e, _ in ranges)
                chosen.extend(ranges)
                applied.append(finding)
    for begin, end, replacement in sorted(chosen, key=lambda r: (r[0], r[1]), reverse=True):
        text = text[:begin] + replacement + text[end:]
    return text, applied


def _disjoint(ranges: list[tuple[int, int]], taken: list[tuple[int, int]]) -> bool:
    everything = sorted(ranges + taken)
    for (b1, e1), (b2, e2) in zip(everything, everything[1:]):
        # Two insertions at one point, or an edit touching an insertion: order would matter.
        if b2 < e1 or b2 == b1 or (b2 == e1 and (b1 == e1 or b2 == e2)):
            return False
    return True


def fix_file(root: Path, path: str, findings: Sequence[Finding]) -> FileFix:
    """The fixed text of one file (nothing written)."""
    try:
        data = root.joinpath(*path.split("/")).read_bytes()
        before = decode_source(data)
    except (OSError, DecodeError) as exc:
        return FileFix(path, "", "", refused=f"cannot read: {exc}")
    after, applied = apply_edits(before, findings)
    result = FileFix(path, before, after, applied)
    if after != before:
        try:
            cst.parse_module(after)
        except cst.ParserSyntaxError as exc:
            result.refused = (f"the fixed file would not parse ({exc.message}, line "
                              f"{exc.raw_line}); left unchanged")
    return result


def write(root: Path, fixed: FileFix) -> str:
    """Write a fixed file atomically; "" on success, else why it was not written."""
    target = root.joinpath(*fixed.path.split("/"))
    try:
        data = target.read_bytes()
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        if decode_source(data) != fixed.before:
            return "the file changed since it was checked; left unchanged"
        newline = _newline(data)
        if newline is None:
            return "the file mixes line ends; left unchanged"
        encoded = fixed.after.replace("\n", newline).encode(encoding)
        if data.startswith(codecs.BOM_UTF8) and not encoded.startswith(codecs.BOM_UTF8):
            encoded = codecs.BOM_UTF8 + encoded
        mode = stat.S_IMODE(os.stat(target).st_mode)
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".archlint",
                                   dir=target.parent)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(encoded)
            os.chmod(tmp, mode)
            os.replace(tmp, target)
        except BaseException:
            os.unlink(tmp)
            raise
    except (OSError, SyntaxError, DecodeError, UnicodeEncodeError, LookupError) as exc:
        return f"cannot write: {exc}"
    return ""


def _newline(data: bytes) -> str | None:
    crlf = data.count(b"\r\n")
    if crlf == 0:
        return "\n" if b"\r" not in data else ("\r" if b"\n" not in data else None)
    if crlf == data.count(b"\n") == data.count(b"\r"):
        return "\r\n"
    return None

