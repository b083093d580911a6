"""The architecture foundation: module names from paths (ModuleMap), what an import refers to
(`targets`), which layer a module sits in (LayerModel), and the import facts the collector
gathers, run through the engine the way a project rule sees them."""

from __future__ import annotations

from pathlib import Path

import pytest

from _support import run_rule
from archlint.model import Severity, Span
from archlint.rules.architecture._imports import ImportCollector, ImportFact
from archlint.rules.architecture._layers import LayerModel
from archlint.rules.architecture._modules import ModuleMap
from archlint.rules.architecture._project import structure
from archlint.rules.base import ProjectRule

# -- ModuleMap: file path -> dotted module name ------------------------------------------------


def names(paths, source_roots=(), root=None) -> dict[str, str | None]:
    modules = ModuleMap(root, paths, source_roots)
    return {path: modules.module_of.get(path) for path in paths}


def test_src_layout_drops_the_src_folder():
    got = names(["src/shop/__init__.py", "src/shop/domain/order.py", "src/shop/cli.py",
                 "tests/test_order.py"])
    assert got == {
        "src/shop/__init__.py": "shop",
        "src/shop/domain/order.py": "shop.domain.order",
        "src/shop/cli.py": "shop.cli",
        "tests/test_order.py": "tests.test_order",
    }


def test_src_folder_with_its_own_init_is_a_package_named_src():
    got = names(["src/__init__.py", "src/app/__init__.py", "src/app/models.py"])
    assert got["src/app/models.py"] == "src.app.models"
    assert got["src/__init__.py"] == "src"


def test_flat_layout_starts_at_the_topmost_regular_package():
    # The repository folder above the package ("my-repo") is not a package: it is sys.path.
    got = names(["my-repo/shop/__init__.py", "my-repo/shop/domain/__init__.py",
                 "my-repo/shop/domain/order.py", "my-repo/manage.py"])
    assert got["my-repo/shop/domain/order.py"] == "shop.domain.order"
    assert got["my-repo/shop/domain/__init__.py"] == "shop.domain"
    assert got["my-repo/shop/__init__.py"] == "shop"
    # A script beside the package is in no package; from the project root its name is invalid.
    assert got["my-repo/manage.py"] is None


def test_folder_without_init_inside_a_package_keeps_the_package_name():
    # `domain/` lacks an __init__.py; Python still imports it as shop.domain (namespace portion).
    got = names(["backend/shop/__init__.py", "backend/shop/models.py",
                 "backend/shop/domain/order.py"])
    assert got["backend/shop/models.py"] == "shop.models"
    assert got["backend/shop/domain/order.py"] == "shop.domain.order"


def test_namespace_packages_are_named_from_the_project_root():
    modules = ModuleMap(None, ["app/domain/order.py", "app/api/routes.py", "main.py"])
    assert modules.module_of == {
        "app/domain/order.py": "app.domain.order",
        "app/api/routes.py": "app.api.routes",
        "main.py": "main",
    }
    # Every ancestor of a module is a package, with or without an __init__.py.
    assert {"app", "app.domain", "app.api"} <= modules.packages
    assert modules.top_level == {"app", "main"}


def test_an_init_file_the_scan_excluded_still_makes_a_package(tmp_path: Path):
    (tmp_path / "repo" / "shop").mkdir(parents=True)
    (tmp_path / "repo" / "shop" / "__init__.py").write_text("")
    modules = ModuleMap(tmp_path, ["repo/shop/orders.py"])
    assert modules.module_of["repo/shop/orders.py"] == "shop.orders"


def test_monorepo_of_src_layouts():
    paths = [
        "services/billing/src/billing/__init__.py",
        "services/billing/src/billing/domain/invoice.py",
        "services/billing/tests/test_invoice.py",
        "services/catalog/src/catalog/__init__.py",
        "services/catalog/src/catalog/api/routes.py",
    ]
    modules = ModuleMap(None, paths)
    assert modules.module_of["services/billing/src/billing/domain/invoice.py"] == (
        "billing.domain.invoice")
    assert modules.module_of["services/catalog/src/catalog/api/routes.py"] == "catalog.api.routes"
    assert modules.module_of["services/billing/tests/test_invoice.py"] == (
        "services.billing.tests.test_invoice")
    assert {"billing", "catalog"} <= modules.top_level
    assert modules.is_internal("billing.domain") and not modules.is_internal("requests")


def test_configured_source_roots_with_globs_win_and_the_deepest_counts():
    paths = ["services/billing/app/domain/invoice.py", "services/catalog/app/api.py",
             "libs/common/money.py", "services/billing/app/src/vendored.py"]
    got = names(paths, source_roots=["services/*", "libs/common/", "services/billing/app"])
    assert got == {
        "services/billing/app/domain/invoice.py": "domain.invoice",  # deepest root wins
        "services/catalog/app/api.py": "app.api",
        "libs/common/money.py": "money",
        # A configured root beats the `src` convention below it.
        "services/billing/app/src/vendored.py": "src.vendored",
    }


@pytest.mark.parametrize("path", [
    "my-scripts/tool.py",        # hyphen in a folder
    "app/2fa/codes.py",          # folder starting with a digit
    "app/order.v2.py",           # dot in the file name
    "app/order-service.py",      # hyphen in the file name
    "app/README.md",             # not Python
    "app/stubs.pyi",             # a stub is not a module of its own
])
def test_files_that_are_not_module_names_get_none(path):
    modules = ModuleMap(None, [path, "app/ok.py"])
    assert path not in modules.module_of
    assert modules.module_of["app/ok.py"] == "app.ok"


def test_two_files_for_one_name_first_wins():
    modules = ModuleMap(None, ["src/app/core.py", "app/core.py"])
    assert modules.path_of["app.core"] == "src/app/core.py"
    assert "app/core.py" not in modules.module_of


# -- targets(): what an import makes a module depend on ----------------------------------------

PROJECT = [
    "src/shop/__init__.py",
    "src/shop/domain/__init__.py",
    "src/shop/domain/order.py",
    "src/shop/domain/events.py",
    "src/shop/services/__init__.py",
    "src/shop/services/checkout.py",
    "src/shop/adapters/__init__.py",
    "src/shop/adapters/repo.py",
]


def fact(module: str, *names: str, level: int = 0, kind: str | None = None) -> ImportFact:
    kind = kind or ("from" if names or level else "import")
    return ImportFact(module, tuple(names), level, kind, Span(1, 0, 1, 1), False, False)


@pytest.fixture(scope="module")
def shop() -> ModuleMap:
    return ModuleMap(None, PROJECT)


@pytest.mark.parametrize("imported, importer, expected", [
    # absolute
    (fact("shop.domain.order"), "shop.services.checkout", ["shop.domain.order"]),
    (fact("shop.domain.order", "Order"), "shop.services.checkout", ["shop.domain.order"]),
    # `from pkg import submodule` names the submodule; `from pkg import name` the package
    (fact("shop.domain", "order", "events"), "shop.services.checkout",
     ["shop.domain.order", "shop.domain.events"]),
    (fact("shop.domain", "Order"), "shop.services.checkout", ["shop.domain"]),
    (fact("shop.domain", "order", "Order"), "shop.services.checkout",
     ["shop.domain.order", "shop.domain"]),
    (fact("shop.domain", "*"), "shop.services.checkout", ["shop.domain"]),
    # a name below a known module is cut back to the most specific known module
    (fact("shop.domain.order.Order"), "shop.adapters.repo", ["shop.domain.order"]),
    (fact("shop.domain.gone"), "shop.adapters.repo", ["shop.domain"]),
    # relative, from a module
    (fact("", "events", level=1), "shop.domain.order", ["shop.domain.events"]),
    (fact("events", "OrderPlaced", level=1), "shop.domain.order", ["shop.domain.events"]),
    (fact("domain", "order", level=2), "shop.services.checkout", ["shop.domain.order"]),
    (fact("domain.order", "Order", level=2), "shop.services.checkout", ["shop.domain.order"]),
    (fact("", "domain", level=2), "shop.services.checkout", ["shop.domain"]),
    # relative, from a package __init__: `.` is the package itself
    (fact("", "order", level=1), "shop.domain", ["shop.domain.order"]),
    (fact("order", "Order", level=1), "shop.domain", ["shop.domain.order"]),
    (fact("services", "checkout", level=2), "shop.domain", ["shop.services.checkout"]),
    # beyond the top-level package: Python refuses, so nothing is resolved
    (fact("", "x", level=2), "shop", []),
    (fact("", "x", level=3), "shop.domain.order", []),
    (fact("x", "y", level=3), "shop.domain.order", []),
    # other libraries, by their dotted name as written
    (fact("sqlalchemy.orm", "Session"), "shop.adapters.repo", ["sqlalchemy.orm"]),
    (fact("requests"), "shop.adapters.repo", ["requests"]),
    (fact("os.path"), "shop.adapters.repo", ["os.path"]),
    (fact("redis.asyncio", kind="dynamic"), "shop.adapters.repo", ["redis.asyncio"]),
    (fact("shop.adapters.repo", kind="dynamic"), "shop.services.checkout",
     ["shop.adapters.repo"]),
])
def test_targets(shop, imported, importer, expected):
    assert shop.targets(imported, importer) == expected


def test_relative_import_in_a_top_level_script_resolves_to_nothing():
    modules = ModuleMap(None, ["main.py", "helpers.py"])
    assert modules.targets(fact("helpers", "x", level=1), "main") == []


# -- LayerModel: which layer, and why ----------------------------------------------------------


@pytest.mark.parametrize("module, layer, root", [
    ("shop.domain.order", "domain", "shop.domain"),
    ("shop.entities.user", "domain", "shop.entities"),
    ("shop.application.place_order", "application", "shop.application"),
    ("shop.use_cases.checkout", "application", "shop.use_cases"),
    ("shop.usecases.checkout", "application", "shop.usecases"),
    ("shop.services.checkout", "application", "shop.services"),
    ("allocation.service_layer.handlers", "application", "allocation.service_layer"),
    ("shop.infrastructure.db", "infrastructure", "shop.infrastructure"),
    ("shop.infra.db", "infrastructure", "shop.infra"),
    ("allocation.adapters.repository", "infrastructure", "allocation.adapters"),
    ("shop.repositories.orders", "infrastructure", "shop.repositories"),
    ("shop.persistence.orm", "infrastructure", "shop.persistence"),
    ("shop.api.routes", "interface", "shop.api"),
    ("shop.interface.cli", "interface", "shop.interface"),
    ("shop.interfaces.cli", "interface", "shop.interfaces"),
    ("allocation.entrypoints.flask_app", "interface", "allocation.entrypoints"),
    ("shop.web.app", "interface", "shop.web"),
    ("shop.routes.orders", "interface", "shop.routes"),
    ("shop.controllers.orders", "interface", "shop.controllers"),
    ("shop.presentation.pages", "interface", "shop.presentation"),
    ("shop.views.orders", "interface", "shop.views"),
    # the first matching folder wins
    ("shop.api.services.auth", "interface", "shop.api"),
    ("shop.domain.adapters.clock", "domain", "shop.domain"),
])
def test_layer_from_folder_names(module, layer, root):
    placement = LayerModel().place(module)
    assert placement is not None
    assert (placement.layer, placement.root) == (layer, root)
    assert placement.reason == f'folder "{root.rsplit(".", 1)[-1]}"'


def test_a_package_is_placed_by_its_own_folder_a_module_file_is_not():
    layers = LayerModel()
    assert layers.place("shop.domain", is_package=True).layer == "domain"
    # `shop/services.py` and Django's `models.py` are files, not layer folders.
    assert layers.place("shop.services") is None
    assert layers.place("shop.orders.models") is None


@pytest.mark.parametrize("module", [
    "tests.domain.test_order",
    "shop.domain.tests.helpers",
    "shop.domain.test_order",
    "shop.domain.order_test",
    "shop.domain.conftest",
    "shop.migrations.0001_initial",
    "shop.domain.migrations.m0001",
    "alembic.versions.abc",
    "shop.domain.testing",
])
def test_tests_and_migrations_are_in_no_layer(module):
    assert LayerModel().place(module) is None
    assert LayerModel({"domain": ["shop.domain", "tests.domain"]}).place(module) is None


def test_configured_patterns_alone_decide():
    layers = LayerModel({"domain": ["shop.core"], "interface": ["shop.http"]})
    assert layers.place("shop.core.order").layer == "domain"
    assert layers.place("shop.core.order").reason == 'pattern "shop.core"'
    assert layers.place("shop.http.routes").layer == "interface"
    # With config, folder names no longer count.
    assert layers.place("shop.domain.order") is None


def test_glob_patterns_single_and_double_star():
    layers = LayerModel({
        "domain": ["*.domain"],
        "application": ["shop.*.services"],
        "infrastructure": ["**.adapters"],
    })
    assert layers.place("billing.domain.invoice").root == "billing.domain"
    assert layers.place("shop.domain").layer == "domain"
    assert layers.place("x.y.domain.invoice") is None  # `*` is one name
    assert layers.place("shop.billing.services.pay").root == "shop.billing.services"
    assert layers.place("shop.services.pay") is None
    assert layers.place("adapters.db").root == "adapters"  # `**` may be no name at all
    assert layers.place("a.b.c.adapters.db").root == "a.b.c.adapters"
    assert layers.place("a.b.c.adapters.db").reason == 'pattern "**.adapters"'


def test_longest_prefix_wins():
    layers = LayerModel({"application": ["shop"], "domain": ["shop.core.model"],
                         "interface": ["shop.core"]})
    assert layers.place("shop.core.model.order").layer == "domain"
    assert layers.place("shop.core.views").layer == "interface"
    assert layers.place("shop.checkout").layer == "application"


def test_trailing_double_star_claims_the_package_like_the_plain_name():
    layers = LayerModel({"interface": ["shop.**"], "domain": ["shop.domain"]})
    placement = layers.place("shop.domain.order")
    assert (placement.layer, placement.root) == ("domain", "shop.domain")
    placement = layers.place("shop.api.routes")
    assert (placement.layer, placement.root, placement.reason) == (
        "interface", "shop", 'pattern "shop.**"')


def test_literal_beats_glob_at_the_same_length_then_the_lower_layer():
    layers = LayerModel({"infrastructure": ["shop.*"], "interface": ["shop.domain"]})
    assert layers.place("shop.domain.order").layer == "interface"
    assert layers.place("shop.db.orm").layer == "infrastructure"
    tie = LayerModel({"interface": ["shop.core"], "domain": ["shop.core"]})
    assert tie.place("shop.core.x").layer == "domain"


# -- ImportCollector, through the engine -------------------------------------------------------


class ShowImports(ProjectRule):
    """Test-only: one finding per import fact: what the collector and ModuleMap made of it."""

    code, name, severity = "ARC995", "test-show-imports", Severity.NOTE
    collectors = (ImportCollector,)

    def check(self) -> None:
        for imp in structure(self.project).imports:
            flags = [f for f, on in (("typing", imp.fact.type_checking),
                                     ("function", imp.fact.in_function)) if on]
            self.report_at(imp.path, imp.fact.span,
                           f"{imp.fact.kind} {imp.fact.module or '.'} [{','.join(flags)}] -> "
                           f"{','.join(imp.targets)}")


def imports(source: str, path: str = "app/domain/order.py", **kw) -> dict[int, list[str]]:
    result = run_rule(ShowImports, source, path=path, **kw)
    assert not result.notifications, result.notifications
    found: dict[int, list[str]] = {}
    for finding in result.findings:
        if finding.path == path:
                found.setdefault(finding.span.line, []).append(finding.message)
    return found


def test_type_checking_blocks_in_every_spelling():
    got = imports(
        """
        import typing
        import typing as t
        from typing import TYPE_CHECKING
        from typing import TYPE_CHECKING as TC
        if TYPE_CHECKING:
            import a
        if typing.TYPE_CHECKING:
            import b
        if t.TYPE_CHECKING:
            import c
        if TC:
            import d
        if TYPE_CHECKING: import e
        if TYPE_CHECKING:
            if sys.version_info >= (3, 11):
                import f
        import g
        """
    )
    assert got[7] == ["import a [typing] -> a"]
    assert got[9] == ["import b [typing] -> b"]
    assert got[11] == ["import c [typing] -> c"]
    assert got[13] == ["import d [typing] -> d"]
    assert got[14] == ["import e [typing] -> e"]
    assert got[17] == ["import f [typing] -> f"]
    assert got[18] == ["import g [] -> g"]


def test_if_not_type_checking_runs_its_body_and_not_its_else():
    got = imports(
        """
        from typing import TYPE_CHECKING
        if not TYPE_CHECKING:
            import runtime_only
        else:
            import typing_only
        if TYPE_CHECKING:
            import typing_too
        else:
            import runtime_too
        """
    )
    assert got[4] == ["import runtime_only [] -> runtime_only"]
    assert got[6] == ["import typing_only [typing] -> typing_only"]
    assert got[8] == ["import typing_too [typing] -> typing_too"]
    assert got[10] == ["import runtime_too [] -> runtime_too"]


def test_other_conditions_are_runtime():
    got = imports(
        """
        import sys
        if sys.version_info >= (3, 11):
            import tomllib
        TYPE_CHECKING_LATER = False
        if TYPE_CHECKING_LATER:
            import later
        """
    )
    assert got[4] == ["import tomllib [] -> tomllib"]
    assert got[7] == ["import later [] -> later"]


def test_function_level_imports():
    got = imports(
        """
        import os

        def load():
            import requests
            from sqlalchemy import orm
            return requests, orm

        class Repo:
            def get(self):
                from .events import OrderPlaced
                return OrderPlaced
        """,
        files={"app/domain/events.py": "X = 1\n"},
    )
    assert got[2] == ["import os [] -> os"]
    assert got[5] == ["import requests [function] -> requests"]
    assert got[6] == ["from sqlalchemy [function] -> sqlalchemy"]
    assert got[11] == ["from events [function] -> app.domain.events"]


def test_dynamic_imports_with_a_literal_name_only():
    got = imports(
        """
        import importlib
        from importlib import import_module
        a = importlib.import_module("redis")
        b = import_module("app.domain.events")
        c = __import__("requests.adapters")
        name = "x"
        d = importlib.import_module(name)
        e = importlib.import_module(f"plugins.{name}")
        f = importlib.import_module(".events", package="app.domain")
        g = importlib.import_module("plug" "ins")
        h = something.import_module("nope")
        """,
        files={"app/domain/events.py": "X = 1\n"},
    )
    assert got[4] == ["dynamic redis [] -> redis"]
    assert got[5] == ["dynamic app.domain.events [] -> app.domain.events"]
    assert got[6] == ["dynamic requests.adapters [] -> requests.adapters"]
    assert got[11] == ["dynamic plugins [] -> plugins"]  # adjacent literals are one literal
    for line in (8, 9, 10, 12):  # computed, relative, or not importlib
        assert line not in got


def test_relative_imports_resolve_against_the_importers_package():
    files = {
        "src/shop/__init__.py": "from . import domain\n",
        "src/shop/domain/__init__.py": "from .order import Order\n",
        "src/shop/domain/events.py": "X = 1\n",
        "src/shop/services/checkout.py": "from ..domain import events, Order\n",
    }
    got = imports("from . import events\nfrom .. import services\n",
                  path="src/shop/domain/order.py", files=files)
    assert got[1] == ["from . [] -> shop.domain.events"]
    assert got[2] == ["from . [] -> shop.services"]  # a folder without __init__.py: namespace
    init = run_rule(ShowImports, "X = 1\n", path="src/shop/domain/order.py", files=files)
    messages = {(f.path, f.message) for f in init.findings}
    assert ("src/shop/__init__.py", "from . [] -> shop.domain") in messages
    assert ("src/shop/domain/__init__.py", "from order [] -> shop.domain.order") in messages
    assert ("src/shop/services/checkout.py",
            "from domain [] -> shop.domain.events,shop.domain") in messages


def test_a_file_with_no_module_name_contributes_no_imports():
    got = imports("import requests\n", path="my-scripts/run.py")
    assert got == {}
