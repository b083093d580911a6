"""ARC201 on the sample projects written in common DDD styles: every class a reviewer marked
anemic (`# expect: ARC201`) is reported with the code that changes it, and nothing else is."""

from __future__ import annotations

import pytest

from archlint.api import CheckOptions, check
from archlint.config import load_settings
from archlint.rules.domain_model.anemic_domain_model import AnemicDomainModel
from _support import FIXTURES, expected_lines


@pytest.mark.parametrize("project", ["ddd_fastapi", "django_ddd", "cosmic_allocation"])
def test_sample_project_findings_match_the_reviewers_markers(project):
    root = FIXTURES / "projects" / project
    expected = {
        (path.relative_to(root).as_posix(), line)
        for path in root.rglob("*.py")
        for line in expected_lines(path.read_text(encoding="utf-8"), "ARC201")
    }
    report = check([root], load_settings(root), CheckOptions(jobs=1, use_cache=False),
                   rules=[AnemicDomainModel])
    assert {(f.path, f.span.line) for f in report.findings} == expected
    assert all(" writes " in f.message for f in report.findings)  # each names its evidence
