"""CPython's own Lib/ (deliberately broken and oddly encoded files among them) through the real
`api.check` with every rule: each file is scanned or reported (parse or decode error), none lost,
no internal error, no worker crash.

The whole tree (~1,900 files) takes ~40 s on 2 cores. `ARCHLINT_STDLIB_QUICK=1` scans only the
odd files plus every 25th other one (~3 s). (The whole tree used to take minutes: star imports
that import each other sent the project phase's name resolution exponential; see
`_classes.Symbols.resolve`.)"""

from __future__ import annotations

import ast
import os
import sysconfig
import tokenize
import warnings
from pathlib import Path

import pytest

from archlint.api import CheckOptions, check
from archlint.config import DEFAULT_EXCLUDES, Settings
from archlint.engine.discover import discover
from archlint.model import NotificationKind
from archlint.rules.registry import all_rules

STDLIB = Path(sysconfig.get_paths()["stdlib"]).resolve()
ODD_FOLDERS = ("test/tokenizedata/", "lib2to3/tests/data/", "test/encoded_modules/")
EXCLUDED_FOLDERS = {entry.strip("/") for entry in DEFAULT_EXCLUDES if "*" not in entry}


def _is_odd(rel: str) -> bool:
    name = rel.rsplit("/", 1)[-1]
    return (rel.startswith(ODD_FOLDERS) or name.startswith(("bad", "badsyntax_"))
            or name == "test_grammar.py")


def _cpython_rejects(path: Path) -> bool:
    """Whether CPython itself cannot read or parse the file (compiled to an AST: never run)."""
    try:
        with tokenize.open(path) as fh, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # invalid escapes in Lib/test: not our concern
            ast.parse(fh.read(), filename=str(path))
    except (SyntaxError, ValueError, UnicodeDecodeError, LookupError):
        return True
    return False


def test_cpython_lib_is_scanned_end_to_end():
    settings = Settings(root=STDLIB, select=("ARC",))
    every = {rel for rel in (p.relative_to(STDLIB).as_posix() for p in STDLIB.rglob("*.py"))}
    found = discover([STDLIB], settings)
    discovered = [rel for _, rel in found.files]
    # nothing lost by discovery but what the default excludes leave out (site-packages/, venv/)
    assert all(set(rel.split("/")[:-1]) & EXCLUDED_FOLDERS for rel in every - set(discovered))
    if os.environ.get("ARCHLINT_STDLIB_QUICK"):
        chosen = [rel for i, rel in enumerate(discovered) if _is_odd(rel) or i % 25 == 0]
    else:
        chosen = discovered
    report = check([STDLIB / rel for rel in chosen], settings,
                   CheckOptions(use_cache=False, jobs=2), rules=all_rules())
    failed = [n for n in report.notifications
              if n.kind in (NotificationKind.INTERNAL_ERROR, NotificationKind.WORKER_CRASH)]
    assert not failed, "\n".join(f"{n.path}: {n.message}\n{n.detail}" for n in failed)
    assert report.files_scanned == len(chosen)
    reported = {n.path for n in report.notifications
                if n.kind in (NotificationKind.PARSE_ERROR, NotificationKind.DECODE_ERROR)}
    rejected = {rel for rel in chosen if _cpython_rejects(STDLIB / rel)}
    # every file CPython rejects is reported (archlint parses a file only when a rule wants it,
    # so a broken file with no trigger word is skipped quietly: that is no loss either)
    unreported = {rel for rel in rejected - reported
                  if any(word in (STDLIB / rel).read_bytes() for word in (b"import", b"def"))}
    assert not unreported
    assert reported, "the odd files of Lib/test must give parse or decode errors"
