"""Shared test helpers: paths, and running one rule the way the engine does (same worker code path)."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from archlint.config import parse_options
from archlint.engine.worker import FileResult, analyze_source
from archlint.rules.base import Rule

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"

EXPECT = re.compile(r"#\s*expect:\s*(?P<codes>ARC\d{3}(?:\s*,\s*ARC\d{3})*)")


def run_rule(
    rule: type[Rule], source: str, options: Mapping[str, Any] | None = None, path: str = "example.py"
) -> FileResult:
    opts = parse_options(rule, options or {}, f"test options of {rule.code}")
    return analyze_source(textwrap.dedent(source), path, [(rule, opts)])


def expected_lines(source: str, code: str) -> set[int]:
    lines = set()
    for number, line in enumerate(source.splitlines(), 1):
        match = EXPECT.search(line)
        if match and code in re.split(r"\s*,\s*", match.group("codes")):
            lines.add(number)
    return lines
