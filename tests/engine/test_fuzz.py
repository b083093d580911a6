"""hypothesmith-generated modules through every registered rule, by the engine's own path
(`analyze_source` with every checker, then the project phase): no exception escapes a rule.

25 examples per run; `ARCHLINT_FUZZ_EXAMPLES=500 pytest tests/engine/test_fuzz.py` for a
longer run."""

from __future__ import annotations

import os

import pytest

hypothesis = pytest.importorskip("hypothesis")
hypothesmith = pytest.importorskip("hypothesmith")

from hypothesis import HealthCheck, given, settings  # noqa: E402

from archlint.api import checker_specs  # noqa: E402
from archlint.config import Settings  # noqa: E402
from archlint.engine.project import build_model, run_project_rules  # noqa: E402
from archlint.engine.worker import analyze_source  # noqa: E402
from archlint.model import NotificationKind  # noqa: E402
from archlint.rules.registry import all_rules  # noqa: E402

EXAMPLES = int(os.environ.get("ARCHLINT_FUZZ_EXAMPLES", "25"))
SETTINGS = Settings(select=("ARC",), contexts={"billing": "app.billing", "orders": "app.orders"})
FILE_SPECS, PROJECT_RULES = checker_specs(SETTINGS, all_rules())


@settings(max_examples=EXAMPLES, deadline=None, database=None,
          suppress_health_check=list(HealthCheck))
@given(source=hypothesmith.from_grammar())
def test_no_rule_raises_on_generated_modules(source):
    path = "app/billing/module.py"
    result = analyze_source(source, path, FILE_SPECS)
    model = build_model([result], SETTINGS)
    _, notes = run_project_rules(PROJECT_RULES, model)
    errors = [n for n in [*result.notifications, *notes]
              if n.kind is NotificationKind.INTERNAL_ERROR]
    assert not errors, "\n".join(f"{n.message}\n{n.detail}" for n in errors)
