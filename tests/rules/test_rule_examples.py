"""Every registered rule's VALID/INVALID examples and fixture file run here, automatically, and a
rule without docs, examples or fixture fails the meta-tests."""

from __future__ import annotations

import dataclasses
import re
import textwrap

import pytest

from archlint.api import CheckOptions, check
from archlint.config import Settings, load_settings
from archlint.rules.base import DOC_HEADINGS, Rule, Valid, doc_sections
from archlint.rules.registry import all_rules
from _support import FIXTURES, expected_lines, run_rule

FILE_RULES = [r for r in all_rules() if issubclass(r, Rule)]
PROJECT_RULES = [r for r in all_rules() if not issubclass(r, Rule)]


def _examples(kind: str):
    for rule in all_rules():
        for index, example in enumerate(getattr(rule, kind)):
            yield pytest.param(rule, example, id=f"{rule.code}-{kind.lower()}-{index}")


def test_registry_is_not_empty():
    assert {"ARC301", "ARC401"} <= {r.code for r in all_rules()}


@pytest.mark.parametrize(("rule", "example"), list(_examples("VALID")))
def test_valid_example_is_quiet(rule, example):
    if isinstance(example, Valid):
        result = run_rule(rule, example.source, example.options, example.path, example.files,
                          example.project)
    else:
        result = run_rule(rule, example)
    assert not result.notifications, result.notifications
    assert result.findings == [], [f.message for f in result.findings]


@pytest.mark.parametrize(("rule", "example"), list(_examples("INVALID")))
def test_invalid_example_is_flagged(rule, example):
    result = run_rule(rule, example.source, example.options, example.path, example.files,
                      example.project)
    assert not result.notifications, result.notifications
    lines = [f.span.line for f in result.findings if f.path == example.path]
    assert example.line in lines, (lines, [f.message for f in result.findings])
    if example.message:
        messages = [f.message for f in result.findings if f.span.line == example.line]
        assert any(example.message in m for m in messages), messages


@pytest.mark.parametrize("rule", FILE_RULES, ids=lambda r: r.code)
def test_fixture_matches_expect_markers(rule):
    fixture = FIXTURES / "rules" / f"{rule.code}.py"
    assert fixture.is_file(), f"{rule.code} needs a fixture at {fixture}"
    source = fixture.read_text(encoding="utf-8")
    expected = expected_lines(source, rule.code)
    assert expected, f"{fixture} has no '# expect: {rule.code}' marker"
    result = run_rule(rule, source, path=f"fixtures/rules/{rule.code}.py")
    assert not result.notifications, result.notifications
    found = {f.span.line for f in result.findings if f.code == rule.code}
    assert found == expected, {
        "missed": sorted(expected - found),
        "unexpected": sorted(found - expected),
    }


@pytest.mark.parametrize("rule", PROJECT_RULES, ids=lambda r: r.code)
def test_project_fixture_matches_expect_markers(rule):
    """A project rule's fixture is a small project, `fixtures/rules/ARC102/`, scanned whole (with
    its own archlint.toml when it has one); `# expect:` markers may sit in any of its files."""
    folder = FIXTURES / "rules" / rule.code
    assert folder.is_dir(), f"{rule.code} needs a fixture project at {folder}"
    expected = {
        (path.relative_to(folder).as_posix(), line)
        for path in folder.rglob("*.py")
        for line in expected_lines(path.read_text(encoding="utf-8"), rule.code)
    }
    assert expected, f"{folder} has no '# expect: {rule.code}' marker"
    config = folder / "archlint.toml"
    settings = load_settings(folder, config_file=config) if config.is_file() else Settings(root=folder)
    report = check([folder], settings, CheckOptions(jobs=1, use_cache=False), rules=[rule])
    assert not report.notifications, report.notifications
    found = {(f.path, f.span.line) for f in report.findings if f.code == rule.code}
    assert found == expected, {
        "missed": sorted(expected - found),
        "unexpected": sorted(found - expected),
    }


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.code)
def test_rule_is_documented_and_declared(rule):
    assert re.fullmatch(r"ARC[1-6]\d\d", rule.code)
    assert re.fullmatch(r"[a-z]+(-[a-z0-9]+)+", rule.name)
    sections = doc_sections(rule.__doc__ or "")
    missing = [h for h in DOC_HEADINGS if not sections.get(h)]
    assert not missing, f"{rule.code} docstring lacks sections {missing}"
    assert rule.VALID and rule.INVALID, f"{rule.code} needs VALID and INVALID examples"
    assert dataclasses.is_dataclass(rule.Options)
    assert rule.Options.__dataclass_params__.frozen
    meta = rule.meta()
    assert meta.summary and meta.family
    if "security" in rule.tags:
        assert rule.cwe is not None and rule.security_severity is not None


def test_examples_are_dedented_python():
    for rule in FILE_RULES:
        for example in (*rule.VALID, *rule.INVALID):
            source = example if isinstance(example, str) else example.source
            compile(textwrap.dedent(source), rule.code, "exec")
