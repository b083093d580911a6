"""ARC101 framework-import-in-domain and ARC102 layer-violation beyond their examples: options,
configured layers, chains, one finding per line, and the cases they leave alone."""

from __future__ import annotations

import pytest

from archlint.model import Severity
from archlint.rules.architecture.framework_import_in_domain import FrameworkImportInDomain
from archlint.rules.architecture.layer_violation import LayerViolation
from _support import run_rule

DOMAIN = "app/domain/order.py"


def arc101(source: str, options=None, path=DOMAIN, files=None, project=None):
    result = run_rule(FrameworkImportInDomain, source, options, path, files, project)
    assert not result.notifications, result.notifications
    return result.findings


def arc102(source: str, path: str, files: dict, project=None):
    result = run_rule(LayerViolation, source, None, path, files, project)
    assert not result.notifications, result.notifications
    return result.findings


# -- ARC101 -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "module"),
    [
        ("import sqlalchemy.orm as orm\n", "sqlalchemy.orm"),
        ("from aiohttp import web\n", "aiohttp"),
        ("x = __import__('celery')\n", "celery"),
        ("import os, grpc\n", "grpc"),
        ("from starlette.responses import JSONResponse\n", "starlette.responses"),
    ],
)
def test_import_forms_name_the_module(source, module):
    [finding] = arc101(source)
    assert f"imports {module}," in finding.message
    assert finding.severity is Severity.ERROR


def test_deny_and_allow_options_with_sub_package_precision():
    source = "import structlog\nfrom django.utils.functional import cached_property\nimport django.db\n"
    found = arc101(source, {"deny": ["structlog"], "allow": ["django.utils"]})
    assert [f.span.line for f in found] == [1, 3]
    assert "denies" in found[0].message
    assert "django.db" in found[1].message


def test_allow_of_a_whole_library_beats_the_default_list():
    assert arc101("from pydantic import BaseModel\n", {"allow": ["pydantic"]}) == []


def test_project_modules_named_like_frameworks_are_not_libraries():
    # the project's own top-level `redis` package: importing it is ARC102's business, not ARC101's
    assert arc101("from redis.keys import order_key\n",
                  files={"redis/keys.py": "def order_key(): ...\n"}) == []


def test_relative_and_computed_imports_are_left_alone():
    source = "from . import events\nimport importlib\nname = 'redis'\nimportlib.import_module(name)\n"
    assert arc101(source, files={"app/domain/events.py": ""}) == []


@pytest.mark.parametrize(
    "path",
    ["app/application/orders.py", "app/domain/test_order.py", "tests/domain/order.py",
     "app/domain/migrations/0001_initial.py", "app/models.py"],
)
def test_modules_outside_the_domain_layer(path):
    assert arc101("import sqlalchemy\n", path=path) == []


def test_configured_layers_replace_folder_names():
    project = {"layers": {"domain": ["core.*"]}}
    assert [f.span.line for f in arc101("import httpx\n", path="core/billing/rules.py",
                                        project=project)] == [1]
    assert arc101("import httpx\n", path="app/domain/order.py", project=project) == []


# -- ARC102 -------------------------------------------------------------------------------------
def test_one_finding_per_line_and_the_direct_chain_wins():
    files = {
        "app/api/deps.py": "",
        "app/api/schemas.py": "",
        "app/shared/helpers.py": "from app.api import schemas\n",
    }
    source = "from app.api import deps\nfrom app.shared import helpers\nfrom app.api import deps, schemas\n"
    found = arc102(source, "app/domain/order.py", files)
    assert [(f.span.line, f.severity) for f in found] == [
        (1, Severity.ERROR), (2, Severity.WARNING), (3, Severity.ERROR)
    ]
    assert "more chain" in found[2].message  # deps and schemas, both from line 3


def test_indirect_chain_carries_its_links_as_related_locations():
    files = {
        "app/shared/a.py": "from app.shared import b\n",
        "app/shared/b.py": "\n\nfrom app.infrastructure import db\n",
        "app/infrastructure/db.py": "",
    }
    [finding] = arc102("from app.shared import a\n", "app/domain/order.py", files)
    assert "app.domain.order -> app.shared.a -> app.shared.b -> app.infrastructure.db" in (
        finding.message
    )
    assert [(r.path, r.span.line) for r in finding.related] == [
        ("app/shared/a.py", 1), ("app/shared/b.py", 3)
    ]


def test_nested_configured_layers_are_split_for_import_linter():
    # `app` is the application layer except `app.domain`: import-linter's layers may not nest
    project = {"layers": {"application": ["app"], "domain": ["app.domain"],
                          "interface": ["web"]}}
    files = {"app/services.py": "", "web/routes.py": "from app import services\n"}
    found = arc102("from app import services\n", "app/domain/order.py", files, project)
    assert [(f.span.line, "app.domain.order (domain layer) imports app.services (application "
             "layer)" in f.message) for f in found] == [(1, True)]


def test_one_layer_only_or_no_layers_is_quiet():
    assert arc102("import app.util\n", "app/domain/order.py", {"app/util.py": ""}) == []
    assert arc102("import lib.b\n", "lib/a.py", {"lib/b.py": ""}) == []


def test_chains_through_deferred_imports_count_only_for_declared_layers():
    files = {
        "app/shared/clock.py": "def now():\n    from app.infrastructure import db\n    return db\n",
        "app/infrastructure/db.py": "",
    }
    source = "from app.shared import clock\n"
    assert arc102(source, "app/domain/order.py", files) == []
    declared = {"layers": {"domain": ["app.domain"], "infrastructure": ["app.infrastructure"]}}
    [finding] = arc102(source, "app/domain/order.py", files, declared)
    assert "app.domain.order -> app.shared.clock -> app.infrastructure.db" in finding.message


def test_chains_that_leave_the_layered_package_count_only_for_declared_layers():
    files = {"hub.py": "from app.infrastructure import db\n", "app/infrastructure/db.py": ""}
    source = "import hub\n"
    assert arc102(source, "app/domain/order.py", files) == []
    declared = {"layers": {"domain": ["app.domain"], "infrastructure": ["app.infrastructure"]}}
    assert [f.span.line for f in arc102(source, "app/domain/order.py", files, declared)] == [1]


def test_importing_ports_in_an_interfaces_folder_is_dependency_inversion():
    files = {
        "app/__init__.py": "",
        "app/infrastructure/__init__.py": "",
        "app/interfaces/__init__.py": "from .readers import IReader\nfrom .repo import Repo\n",
        "app/interfaces/readers.py": (
            "from abc import ABC, abstractmethod\n\nclass IReader(ABC):\n"
            "    @abstractmethod\n    def read(self): ...\n"
        ),
        "app/interfaces/repo.py": (
            "from typing import Protocol\n\nclass Repo(Protocol):\n    name: str\n"
        ),
        "app/interfaces/routes.py": "def index():\n    return 'ok'\n",
    }
    source = ("from app.interfaces import IReader\nfrom app.interfaces.repo import Repo\n"
              "from app.interfaces.routes import index\n")
    found = arc102(source, "app/infrastructure/csv_reader.py", files)
    assert [f.span.line for f in found] == [3]
