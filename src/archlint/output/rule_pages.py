"""The rule pages under docs/rules/: one Markdown page per rule, from the rule's own docs, at
the address every finding links to (`RuleMeta.help_uri`: SARIF `helpUri`, the language
server's `codeDescription.href`).

    archlint explain --write-pages docs/rules     # rewrite the pages

The suite checks that the committed pages match the rules (tests/output/test_rule_pages.py).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from archlint.model import RuleMeta


def rule_page(meta: RuleMeta) -> str:
    facts = [f"severity: {meta.severity.value}", f"family: {meta.family}",
             f"scope: {'whole project' if meta.scope == 'project' else 'one file'}",
             f"precision: {meta.precision}",
             "on by default" if meta.default_enabled else "off by default"]
    if meta.cwe:
        facts.append(f"[CWE-{meta.cwe}](https://cwe.mitre.org/data/definitions/{meta.cwe}.html)")
    return (f"# {meta.code} {meta.name}\n\n{meta.summary}\n\n{' · '.join(facts)}\n\n"
            f"{meta.docs.strip()}\n\n"
            f"Suppress one finding with `# noqa: {meta.code}` or "
            f"`# archlint: ignore[{meta.code}] -- why`; `archlint explain {meta.code}` shows "
            "this page in a terminal.\n")


def write_pages(folder: Path, metas: Iterable[RuleMeta]) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for meta in metas:
        page = folder / f"{meta.code}.md"
        page.write_text(rule_page(meta), encoding="utf-8")
        written.append(page)
    return written

