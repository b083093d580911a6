"""archlint's SARIF against GitHub's ingestion rules: Microsoft's SARIF multitool validator
(``--rule-kind "Gh;Sarif"``, see ``tests/_sarif_multitool.py``) on the SARIF of every rule's
fixture and of every fixture project, made by the real api and the real CLI.

Needs npm (the validator comes from the npm registry); without it these tests skip, saying so.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _sarif_multitool import ACCEPTED_NOTES, Unavailable, install, problems, validate

from archlint.api import CheckOptions, check
from archlint.config import Settings, load_settings
from archlint.output.sarif import render_sarif
from archlint.rules.registry import all_rules

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "fixtures"


@pytest.fixture(scope="session")
def multitool() -> Path:
    try:
        return install()
    except Unavailable as exc:
        pytest.skip(f"GitHub ingestion rules not checked: sarif-multitool unavailable ({exc})")


def _settings(folder: Path) -> Settings:
    config = folder / "archlint.toml"
    return load_settings(folder, config_file=config) if config.is_file() else Settings(root=folder)


def _rule_fixture_sarif(rule: type) -> dict[str, Any]:
    """The rule's fixture (a file, or a project folder), scanned as the fixture test does."""
    folder = FIXTURES / "rules" / rule.code
    target = folder if folder.is_dir() else folder.with_suffix(".py")
    settings = _settings(folder) if folder.is_dir() else Settings(root=target.parent)
    report = check([target], settings, CheckOptions(jobs=1, use_cache=False), rules=[rule])
    assert report.findings, f"{rule.code}: its fixture gave no finding to validate"
    return json.loads(render_sarif(report))


def _report(issues: list) -> str:
    return "\n".join(map(str, issues[:30]))


def test_every_rule_fixture_and_project_passes_github_ingestion_rules(multitool, tmp_path):
    documents = {f"fixtures/rules/{rule.code}": _rule_fixture_sarif(rule) for rule in all_rules()}
    for project in sorted(p for p in (FIXTURES / "projects").iterdir() if p.is_dir()):
        # every rule, enabled or not: the whole driver (all descriptors, their help) is checked
        report = check(
            [project], _settings(project), CheckOptions(jobs=1, use_cache=False), rules=all_rules()
        )
        documents[f"fixtures/projects/{project.name}"] = json.loads(render_sarif(report))
    issues = validate(multitool, documents, tmp_path)
    bad = problems(issues)
    assert not bad, _report(bad)
    # The notes that remain are the accepted ones, on results that exist: the validator read them.
    assert {i.rule for i in issues} <= set(ACCEPTED_NOTES)
    assert any(i.rule == "SARIF2002" for i in issues)


def test_cli_sarif_passes_github_ingestion_rules(multitool, tmp_path):
    """What the GitHub Action runs: `archlint check --format sarif --output FILE`."""
    out = tmp_path / "shop.sarif"
    proc = subprocess.run(
        [sys.executable, "-m", "archlint", "check", str(FIXTURES / "projects" / "shop_api"),
         "--format", "sarif", "--output", str(out), "--no-cache", "--exit-zero"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(out.read_text(encoding="utf-8"))
    assert doc["runs"][0]["results"]
    bad = problems(validate(multitool, {"cli:shop_api": doc}, tmp_path / "v"))
    assert not bad, _report(bad)


def test_the_validator_catches_what_github_rejects(multitool, tmp_path):
    """The check can fail: a log broken the ways GitHub refuses gives those errors, on the right
    document (runs of several documents share one batch file)."""
    good = _rule_fixture_sarif(all_rules()[0])
    broken = json.loads(json.dumps(good))
    results = broken["runs"][0]["results"]
    assert len(results) >= 2
    results[0]["message"] = {"id": "default"}  # GitHub needs message.text
    results[1]["locations"][0]["physicalLocation"]["region"] = {"startColumn": 3}  # no startLine
    issues = validate(multitool, {"good": good, "broken": broken}, tmp_path)
    bad = problems(issues)
    assert bad and {i.document for i in bad} == {"broken"}, _report(bad)
    rules = {i.rule for i in bad}
    assert any(rule.startswith("GH") for rule in rules), rules
    assert any("results[0].message" in i.message for i in bad), _report(bad)
    assert any("results[1].locations[0]" in i.message for i in bad), _report(bad)
