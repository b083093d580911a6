"""`_classes.Symbols`: what a dotted name means across a project's modules."""

from __future__ import annotations

from archlint.engine.project import build_model
from archlint.engine.worker import analyze_source
from archlint.rules._classes import _MAX_STEPS, BindingCollector, ClassCollector, symbols


def project_of(files: dict[str, str]):
    specs = [(BindingCollector, BindingCollector.Options()),
             (ClassCollector, ClassCollector.Options())]
    return build_model([analyze_source(text, path, specs) for path, text in files.items()])


def test_star_imports_that_import_each_other_are_resolved_without_walking_every_path():
    """Twelve modules that each star-import all the others (CPython's Lib/ has such webs): a
    name defined in none of them used to be looked for along every path up to the depth limit,
    12**30 of them."""
    names = [f"m{i}" for i in range(12)]
    files = {f"pkg/{name}.py": "".join(f"from pkg.{other} import *\n" for other in names
                                       if other != name) for name in names}
    files["pkg/__init__.py"] = ""
    files["pkg/m5.py"] += "class Base:\n    pass\n"
    found = symbols(project_of(files))
    assert found.resolve("pkg.m0.Missing") is None
    assert found._steps <= _MAX_STEPS
    base = found.resolve("pkg.m0.Base")
    assert base is not None and base.kind == "class" and base.cls.module == "pkg.m5"
    assert found.resolve("pkg.m3.Base") == base


def test_a_re_export_chain_resolves_to_the_class():
    files = {"app/__init__.py": "from app.models import Order\n",
             "app/models/__init__.py": "from .order import *\n",
             "app/models/order.py": "class Order:\n    pass\n",
             "app/views.py": "import app\nX = app.Order\n"}
    found = symbols(project_of(files))
    symbol = found.resolve("app.Order")
    assert symbol is not None and symbol.kind == "class" and symbol.cls.module == "app.models.order"
