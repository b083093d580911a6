"""Every finding links to its rule's page (SARIF `helpUri`, the language server's
`codeDescription.href`): the pages exist in docs/rules/ and say what the rules' docs say."""

from __future__ import annotations

from typer.testing import CliRunner

from archlint.cli import app
from archlint.output.rule_pages import rule_page
from archlint.rules.registry import all_rules
from _support import REPO

PAGES = REPO / "docs" / "rules"


def test_every_rule_has_its_page_and_the_pages_are_current():
    expected = {f"{rule.code}.md": rule_page(rule.meta()) for rule in all_rules()}
    found = {page.name: page.read_text(encoding="utf-8") for page in PAGES.glob("*.md")}
    assert sorted(found) == sorted(expected), "run `archlint explain --write-pages docs/rules`"
    stale = [name for name, text in expected.items() if found[name] != text]
    assert not stale, f"stale pages {stale}: run `archlint explain --write-pages docs/rules`"


def test_the_link_every_finding_carries_points_at_a_page_here():
    for rule in all_rules():
        uri = rule.meta().help_uri
        assert uri.endswith(f"/docs/rules/{rule.code}.md")
        assert (PAGES / f"{rule.code}.md").is_file()


def test_write_pages_writes_one_page_per_rule(tmp_path):
    result = CliRunner().invoke(app, ["explain", "--write-pages", str(tmp_path / "pages")])
    assert result.exit_code == 0, result.stdout
    assert len(list((tmp_path / "pages").glob("ARC*.md"))) == len(all_rules())
    assert CliRunner().invoke(app, ["explain"]).exit_code == 2
