"""The observability rules reason over the whole project: the same small shop API, written for
FastAPI, Flask and Django, in five variants (fixtures/projects/observability/<framework>_<variant>):

- bare: nothing instruments it; every rule of the family has findings;
- auto: launched under `opentelemetry-instrument` (Dockerfile CMD, Procfile, shell script):
  endpoints, outbound calls, log correlation and request metrics are covered; only the
  plain-text logging configuration remains;
- spans: a span in one handler only: that handler and the call inside the span are covered,
  the other handler is reported;
- filter: a logging filter puts a request id into every record: the log calls are covered;
- structlog: structlog with `merge_contextvars` and a request id bound per request, rendered as
  JSON: the log calls and the logging configuration are covered.

Each file marks what must be reported with `# expect: ARC50x`; nothing else may be."""

from __future__ import annotations

import pytest

from archlint.api import CheckOptions, check
from archlint.config import Settings
from archlint.rules.registry import all_rules
from _support import FIXTURES, expected_lines

MATRIX = FIXTURES / "projects" / "observability"
FAMILY = [rule for rule in all_rules() if rule.code.startswith("ARC50")]
CODES = ("ARC501", "ARC502", "ARC503", "ARC504", "ARC505")


def test_the_whole_family_is_registered():
    assert tuple(rule.code for rule in FAMILY) == CODES


@pytest.mark.parametrize("project", sorted(p.name for p in MATRIX.iterdir()))
def test_findings_are_exactly_the_marked_lines(project):
    folder = MATRIX / project
    expected = {
        (code, path.relative_to(folder).as_posix(), line)
        for path in folder.rglob("*.py")
        for code in CODES
        for line in expected_lines(path.read_text(encoding="utf-8"), code)
    }
    report = check([folder], Settings(root=folder), CheckOptions(jobs=1, use_cache=False),
                   rules=FAMILY)
    assert not report.notifications, report.notifications
    found = {(f.code, f.path, f.span.line) for f in report.findings}
    assert found == expected, {"missed": sorted(expected - found),
                               "unexpected": sorted(found - expected)}


def test_the_matrix_covers_every_framework_and_variant():
    names = {p.name for p in MATRIX.iterdir()}
    assert names == {f"{framework}_{variant}" for framework in ("fastapi", "flask", "django")
                     for variant in ("bare", "auto", "spans", "filter", "structlog")}
