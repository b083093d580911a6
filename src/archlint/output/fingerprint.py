"""GitHub ``primaryLocationLineHash`` partial fingerprints.

Port of the rolling line hash computed by the ``upload-sarif`` step of the
GitHub CodeQL Action: repository ``github/codeql-action``, file
``src/fingerprints.ts`` (functions ``hash`` / ``computeFirstMod`` /
``outputHash`` / ``updateHash``), tested against that repository's
``src/fingerprints.test.ts`` vectors and ``src/testdata`` fixtures.

Why: GitHub code scanning de-duplicates and tracks alerts across runs by the
``partialFingerprints.primaryLocationLineHash`` value of each SARIF result.
If archlint emitted a different value than the action would compute (or none
at all), alerts would be closed and re-opened whenever unrelated code moves.

The algorithm, as implemented in the action:

* The file is processed as a sequence of UTF-16 code units (JavaScript
  ``charCodeAt``), so a non-BMP character counts as two units.
* Spaces (U+0020) and tabs (U+0009) are skipped everywhere; no other
  whitespace is.
* ``\\r\\n`` and lone ``\\r`` are both normalised to ``\\n``.
* After the last character a sentinel unit ``65535`` is appended, followed
  by ``0`` padding.
* The hash of line *n* (1-based) is the polynomial hash of the
  ``BLOCK_SIZE = 100`` units starting at the first unit of that line (the
  window runs on into the following lines / the sentinel / the padding)::

      h = sum(unit[i] * 37 ** (99 - i) for i in range(100))  mod 2**64

  The action computes it as a rolling hash with 64-bit two's-complement
  ``Long`` arithmetic (``hash = 37*hash + cur - 37**100 * dropped``), which
  is the same value modulo 2**64; ``toUnsigned()`` makes it non-negative.
* The output string is ``"<lowercase hex without leading zeros>:<k>"`` where
  *k* counts (1, 2, ...) how many lines so far, in file order, produced the
  same hex value.
* Every line gets a hash, including the empty line after a trailing newline
  (so ``"a\\n"`` has two lines), i.e. the number of lines is
  ``len(re.split(r"\\r\\n|\\r|\\n", text))``.

A location whose ``startLine`` is not one of those lines (< 1 or past the end
of the file) never matches the action's callback, so the action leaves the
result without a ``primaryLocationLineHash``; :func:`primary_location_line_hash`
returns ``None`` for it.

Input text: pass the file decoded as UTF-8 the way Node's ``"utf8"`` decoder
does it, i.e. ``data.decode("utf-8", errors="replace")``. Do *not* strip a
byte-order mark (``utf-8-sig``): Node keeps U+FEFF as a character. Python's
universal-newline translation is harmless, since ``\\r\\n``/``\\r`` are
normalised to ``\\n`` anyway.

This module needs only the standard library.
"""

from __future__ import annotations

import sys
from array import array
from operator import mul

__all__ = ["line_hashes", "primary_location_line_hash"]

BLOCK_SIZE = 100
MOD = 37
_MASK64 = (1 << 64) - 1
_EOF = 65535  # sentinel code unit the action feeds after the last character

# Weight of the i-th unit of a window: 37 ** (BLOCK_SIZE - 1 - i) mod 2**64.
_WEIGHTS: tuple[int, ...] = tuple(pow(MOD, BLOCK_SIZE - 1 - i, 1 << 64) for i in range(BLOCK_SIZE))
_LF_UNIT = b"\n\x00"  # U+000A as one UTF-16-LE code unit


def _code_units(text: str) -> tuple[array, list[int]]:
    """Normalise ``text`` like the action and return (units, line starts).

    ``units`` is an ``array('H')`` of the UTF-16 code units the action feeds
    into the hash, followed by the EOF sentinel. ``line starts`` holds, for
    every line, the index in ``units`` of its first unit.
    """
    # Order matters: the action only drops an LF that *immediately* follows a
    # CR (a space or tab in between resets its prevCR flag), so newlines are
    # normalised before spaces/tabs are removed.
    s = text.replace("\r\n", "\n").replace("\r", "\n")
    s = s.replace(" ", "").replace("\t", "")
    data = s.encode("utf-16-le", "surrogatepass")

    units = array("H")
    units.frombytes(data)
    if sys.byteorder == "big":
        units.byteswap()
    units.append(_EOF)

    starts = [0]
    if s.isascii():
        # One unit per character: positions in ``s`` are unit positions.
        find = s.find
        pos = find("\n")
        while pos != -1:
            starts.append(pos + 1)
            pos = find("\n", pos + 1)
    else:
        # Search the UTF-16-LE bytes; only even offsets are unit boundaries.
        find = data.find
        pos = find(_LF_UNIT)
        while pos != -1:
            if pos & 1:
                pos = find(_LF_UNIT, pos + 1)
                continue
            starts.append((pos >> 1) + 1)
            pos = find(_LF_UNIT, pos + 2)
    return units, starts


def _hashes(text: str, limit: int | None = None) -> list[str]:
    units, starts = _code_units(text)
    if limit is not None:
        del starts[limit:]
    weights = _WEIGHTS
    mask = _MASK64
    counts: dict[str, int] = {}
    out: list[str] = []
    append = out.append
    for p in starts:
        # The window past the sentinel is zero padding in the action, which
        # contributes nothing; ``map`` stops at the shorter slice.
        value = format(sum(map(mul, weights, units[p : p + BLOCK_SIZE])) & mask, "x")
        n = counts.get(value, 0) + 1
        counts[value] = n
        append(f"{value}:{n}")
    return out


def line_hashes(text: str) -> list[str]:
    """Return the ``primaryLocationLineHash`` of every line of ``text``.

    Index 0 is line 1. The list has one entry per line as split on
    ``\\r\\n``, ``\\r`` or ``\\n`` (a trailing newline yields a final empty line,
    and ``""`` has one line). Compute this once per file and index it when a
    file has several findings.
    """
    return _hashes(text)


def primary_location_line_hash(text: str, line: int) -> str | None:
    """Return the ``primaryLocationLineHash`` for 1-based ``line`` of ``text``.

    Returns ``None`` when ``line`` is not a line of the file (``line < 1`` or
    past the last line): the action emits no hash for such a line and leaves
    the result's fingerprint unset. Only lines ``1..line`` are hashed (the
    occurrence counter depends on the earlier lines only).
    """
    if line < 1:
        return None
    hashes = _hashes(text, limit=line)
    if line > len(hashes):
        return None
    return hashes[line - 1]
