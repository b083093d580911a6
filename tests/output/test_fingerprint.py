"""Tests for archlint.output.fingerprint (GitHub ``primaryLocationLineHash``).

The literal vectors are copied from github/codeql-action:

* ``src/fingerprints.test.ts``, test ``"hash"`` (commit
  a7d3945ab4c0fd136ba0970df5a1b7ca4dadb07a; the same vectors appear in the
  later async/stream version compiled to ``lib/fingerprints.test.js``);
* ``src/fingerprints.test.ts``, test ``"addFingerprints"``, which hashes
  ``src/testdata/testFile1.js`` / ``src/testdata/testFile2.js`` and expects the
  values in ``src/testdata/fingerprinting.expected.sarif``.

The action's tests have no long-line vectors, so long lines, astral
characters and other edge cases are checked against ``_reference_hash``
below: a statement-by-statement transcription of ``hash()`` in
``src/fingerprints.ts`` (rolling window, ``Long`` arithmetic emulated with
``& 0xFFFF...``), deliberately written without any of the shortcuts the
implementation takes.
"""

from __future__ import annotations

import random
import re

import pytest

from archlint.output.fingerprint import line_hashes, primary_location_line_hash

# --------------------------------------------------------------------------- #
# Vectors from github/codeql-action src/fingerprints.test.ts, test("hash")
# --------------------------------------------------------------------------- #

_GREETINGS_TRAILING = [
    "e9496ae3ebfced30:1",
    "fb7c023a8b9ccb3f:1",
    "ce8ba1a563dcdaca:1",
    "e20e36e16fcb0cc8:1",
    "b3edc88f2938467e:1",
    "c8e28b0b4002a3a0:1",
    "c129715d7a2bc9a3:1",
]

ACTION_HASH_VECTORS = [
    # Try empty file
    pytest.param("", ["c129715d7a2bc9a3:1"], id="empty-file"),
    # Try various combinations of newline characters
    pytest.param(
        " a\nb\n  \t\tc\n d",
        [
            "271789c17abda88f:1",
            "54703d4cd895b18:1",
            "180aee12dab6264:1",
            "a23a3dc5e078b07b:1",
        ],
        id="leading-whitespace-lf-no-trailing-newline",
    ),
    pytest.param(
        " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End",
        [
            "8b7cf3e952e7aeb2:1",
            "b1ae1287ec4718d9:1",
            "bff680108adb0fcc:1",
            "c6805c5e1288b612:1",
            "b86d3392aea1be30:1",
            "e6ceba753e1a442:1",
        ],
        id="greetings-lf-no-trailing-newline",
    ),
    pytest.param(
        " hello; \t\nworld!!!\n\n\n  \t\tGreetings\n End\n",
        _GREETINGS_TRAILING,
        id="greetings-lf",
    ),
    pytest.param(
        " hello; \t\nworld!!!\r\r\r  \t\tGreetings\r End\r",
        _GREETINGS_TRAILING,
        id="greetings-cr",
    ),
    pytest.param(
        " hello; \t\r\nworld!!!\r\n\r\n\r\n  \t\tGreetings\r\n End\r\n",
        _GREETINGS_TRAILING,
        id="greetings-crlf",
    ),
    pytest.param(
        " hello; \t\nworld!!!\r\n\n\r  \t\tGreetings\r End\r\n",
        _GREETINGS_TRAILING,
        id="greetings-mixed-newlines",
    ),
    # Try repeating line that will generate identical hashes
    pytest.param(
        "Lorem ipsum dolor sit amet.\n" * 10,
        [
            "a7f2ff13bc495cf2:1",
            "a7f2ff13bc495cf2:2",
            "a7f2ff13bc495cf2:3",
            "a7f2ff13bc495cf2:4",
            "a7f2ff13bc495cf2:5",
            "a7f2ff13bc495cf2:6",
            "a7f2ff1481e87703:1",
            "a9cf91f7bbf1862b:1",
            "55ec222b86bcae53:1",
            "cc97dc7b1d7d8f7b:1",
            "c129715d7a2bc9a3:1",
        ],
        id="repeated-lines",
    ),
    pytest.param(
        "x = 2\nx = 1\nprint(x)\nx = 3\nprint(x)\nx = 4\nprint(x)\n",
        [
            "e54938cc54b302f1:1",
            "bb609acbe9138d60:1",
            "1131fd5871777f34:1",
            "5c482a0f8b35ea28:1",
            "54517377da7028d2:1",
            "2c644846cb18d53e:1",
            "f1b89f20de0d133:1",
            "c129715d7a2bc9a3:1",
        ],
        id="sample-program",
    ),
]


def _action_line_count(text: str) -> int:
    # The action's test asserts: index === input.split(/\r\n|\r|\n/).length
    return len(re.split(r"\r\n|\r|\n", text))


@pytest.mark.parametrize(("text", "expected"), ACTION_HASH_VECTORS)
def test_action_hash_vectors(text: str, expected: list[str]) -> None:
    hashes = line_hashes(text)
    assert hashes == expected
    assert len(hashes) == _action_line_count(text)


@pytest.mark.parametrize(("text", "expected"), ACTION_HASH_VECTORS)
def test_action_hash_vectors_per_line(text: str, expected: list[str]) -> None:
    for lineno, want in enumerate(expected, start=1):
        assert primary_location_line_hash(text, lineno) == want


# --------------------------------------------------------------------------- #
# Vectors from github/codeql-action src/fingerprints.test.ts, test("addFingerprints"):
# src/testdata/fingerprinting.input.sarif points at these two files and
# src/testdata/fingerprinting.expected.sarif holds the expected hashes.
# --------------------------------------------------------------------------- #

# src/testdata/testFile1.js
TEST_FILE_1_JS = "var a = 0;\nvar b = 0;\nvar c = 0;\nvar d = 0;\n"
# src/testdata/testFile2.js
TEST_FILE_2_JS = "var foo = 0;\nvar bar = 0;\nvar baz = 0;\nvar qux = 0;\n"


def test_action_fixture_testfile1_line1() -> None:
    # result "Unused variable a.", region.startLine 1 in testFile1.js
    assert primary_location_line_hash(TEST_FILE_1_JS, 1) == "5e4d5a9cf1294ad9:1"
    assert line_hashes(TEST_FILE_1_JS)[0] == "5e4d5a9cf1294ad9:1"


def test_action_fixture_testfile2_line2() -> None:
    # result "Unused variable bar.", artifact index 1 (testFile2.js), startLine 2
    assert primary_location_line_hash(TEST_FILE_2_JS, 2) == "f7592a95a9381ac0:1"
    assert line_hashes(TEST_FILE_2_JS)[1] == "f7592a95a9381ac0:1"


# --------------------------------------------------------------------------- #
# Reference transcription of hash() from github/codeql-action src/fingerprints.ts
# --------------------------------------------------------------------------- #

_M64 = (1 << 64) - 1


def _reference_hash(text: str) -> dict[int, str]:
    tab, space, lf, cr, eof = 9, 32, 10, 13, 65535
    block_size = 100
    mod = 37
    first_mod = 1
    for _ in range(block_size):
        first_mod = (first_mod * mod) & _M64

    window = [0] * block_size
    line_numbers = [-1] * block_size
    state = {"hash": 0, "index": 0}
    line_number = 0
    line_start = True
    prev_cr = False
    hash_counts: dict[str, int] = {}
    result: dict[int, str] = {}

    def output_hash() -> None:
        hash_value = format(state["hash"] & _M64, "x")  # toUnsigned().toString(16)
        hash_counts[hash_value] = hash_counts.get(hash_value, 0) + 1
        ln = line_numbers[state["index"]]
        assert ln not in result
        result[ln] = f"{hash_value}:{hash_counts[hash_value]}"
        line_numbers[state["index"]] = -1

    def update_hash(current: int) -> None:
        begin = window[state["index"]]
        window[state["index"]] = current
        state["hash"] = (mod * state["hash"] + current - first_mod * begin) & _M64
        state["index"] = (state["index"] + 1) % block_size

    # JavaScript strings are UTF-16: charCodeAt() yields code units.
    raw = text.encode("utf-16-le", "surrogatepass")
    units = [raw[i] | (raw[i + 1] << 8) for i in range(0, len(raw), 2)] + [eof]
    for current in units:
        if current in (space, tab) or (prev_cr and current == lf):
            prev_cr = False
            continue
        if current == cr:
            current = lf
            prev_cr = True
        else:
            prev_cr = False
        if line_numbers[state["index"]] != -1:
            output_hash()
        if line_start:
            line_start = False
            line_number += 1
            line_numbers[state["index"]] = line_number
        if current == lf:
            line_start = True
        update_hash(current)

    for _ in range(block_size):
        if line_numbers[state["index"]] != -1:
            output_hash()
        update_hash(0)
    return result


def _reference_list(text: str) -> list[str]:
    ref = _reference_hash(text)
    assert sorted(ref) == list(range(1, len(ref) + 1))
    return [ref[i] for i in range(1, len(ref) + 1)]


@pytest.mark.parametrize(("text", "expected"), ACTION_HASH_VECTORS)
def test_reference_transcription_matches_action_vectors(text: str, expected: list[str]) -> None:
    # Sanity check of the oracle itself before it is used below.
    assert _reference_list(text) == expected


EDGE_CASES = [
    pytest.param("x" * 99, id="line-99-chars"),
    pytest.param("x" * 100, id="line-100-chars"),
    pytest.param("x" * 101, id="line-101-chars"),
    pytest.param("x" * 150 + "\n" + "y" * 250 + "\n", id="long-lines"),
    pytest.param("".join(chr(33 + i % 90) for i in range(5000)), id="5000-char-line"),
    pytest.param(("a" * 120 + "\n") * 5 + "b\n" * 3, id="repeated-long-lines"),
    pytest.param(" \t" * 300 + "x" + "\t " * 300, id="whitespace-beyond-window"),
    pytest.param("  \n\t\n \t \n", id="whitespace-only-lines"),
    pytest.param("\n\n\n", id="only-newlines"),
    pytest.param("\r", id="lone-cr"),
    pytest.param("\r\n", id="lone-crlf"),
    pytest.param("\r\r\n\n", id="cr-crlf-lf"),
    pytest.param("a\r \nb", id="cr-space-lf-is-two-breaks"),
    pytest.param("a\r\t\nb", id="cr-tab-lf-is-two-breaks"),
    pytest.param("a\n\rb", id="lf-cr"),
    pytest.param("a\u00a0b\fc\vd\u2028e\u2029f\x85g", id="other-whitespace-kept"),
    pytest.param("\ufeffimport os\n", id="bom-kept"),
    pytest.param("caf\u00e9 = '\u4e2d\u6587'\nx = 1\n", id="bmp-non-ascii"),
    pytest.param("s = '\U0001f600'\n\U0001f600\U0001f600\nz\n", id="astral-surrogate-pairs"),
    pytest.param("\u0a0a\u0a00\n\u0100x\n", id="bytes-0a00-at-odd-offset"),
    pytest.param("a\ufffdb\uffff\n", id="replacement-and-ffff"),
    pytest.param("\x00\x00\n\x00", id="nul-chars"),
]


@pytest.mark.parametrize("text", EDGE_CASES)
def test_edge_cases_match_reference(text: str) -> None:
    hashes = line_hashes(text)
    assert hashes == _reference_list(text)
    assert len(hashes) == _action_line_count(text)


def test_long_line_only_first_100_units_count() -> None:
    # Beyond the 100-unit window nothing matters (spaces/tabs are not counted).
    base = "q" * 100
    assert line_hashes(base + "AAAA")[0] == line_hashes(base + "BBBB\nC")[0]
    assert line_hashes(" \t" + base + "A")[0] == line_hashes(base + "Z")[0]
    # ... but a short line's window runs into the following lines.
    assert line_hashes("a\nb")[0] != line_hashes("a\nc")[0]


def test_random_inputs_match_reference() -> None:
    rng = random.Random(20240601)
    alphabet = ["a", "b", "Z", "0", " ", "\t", "\n", "\r", "\r\n", "\u00e9", "\U0001f600", "{", "}"]
    for _ in range(200):
        n = rng.randrange(0, 400)
        weights = [10, 5, 3, 3, 12, 4, 4, 2, 2, 1, 1, 1, 1]
        text = "".join(rng.choices(alphabet, weights=weights, k=n))
        assert line_hashes(text) == _reference_list(text), repr(text)


def test_duplicate_counter_counts_in_file_order() -> None:
    # 30 identical lines: every line whose 100-unit window is identical shares
    # the hex value and gets occurrence indices 1, 2, 3, ... in file order.
    text = "same_line_content();\n" * 30
    hashes = line_hashes(text)
    assert hashes == _reference_list(text)
    seen: dict[str, int] = {}
    for h in hashes:
        value, k = h.rsplit(":", 1)
        seen[value] = seen.get(value, 0) + 1
        assert int(k) == seen[value]
    assert max(seen.values()) > 20


# --------------------------------------------------------------------------- #
# primary_location_line_hash: line selection / out-of-range handling
# --------------------------------------------------------------------------- #


def test_line_beyond_end_has_no_hash() -> None:
    # The action only calls back for lines 1..N; a startLine outside that range
    # never matches, so the result gets no primaryLocationLineHash.
    text = "a\nb\n"  # 3 lines: "a", "b", ""
    assert primary_location_line_hash(text, 3) == "c129715d7a2bc9a3:1"
    assert primary_location_line_hash(text, 4) is None
    assert primary_location_line_hash(text, 10_000) is None
    assert primary_location_line_hash(text, 0) is None
    assert primary_location_line_hash(text, -1) is None
    assert primary_location_line_hash("", 1) == "c129715d7a2bc9a3:1"
    assert primary_location_line_hash("", 2) is None


def test_single_line_agrees_with_full_list() -> None:
    text = "Lorem ipsum dolor sit amet.\n" * 10 + "tail"
    full = line_hashes(text)
    assert [primary_location_line_hash(text, i) for i in range(1, len(full) + 1)] == full


def test_ten_thousand_lines() -> None:
    rng = random.Random(7)
    lines = []
    for i in range(10_000):
        indent = "    " * rng.randrange(0, 4)
        lines.append(f"{indent}value_{i} = compute(arg_{i % 97}, {rng.randrange(10**6)})  # c")
    text = "\n".join(lines) + "\n"
    hashes = line_hashes(text)
    assert len(hashes) == 10_001
    # spot-check against the reference on a slice (the reference is slow)
    head = "\n".join(lines[:300]) + "\n"
    assert line_hashes(head)[:250] == _reference_list(head)[:250]
