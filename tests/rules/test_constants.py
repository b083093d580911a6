"""Constant folding across modules (archlint.rules._constants), run through the engine on small
projects: numbers, arithmetic, timedelta, environment defaults, pydantic-settings fields, names
imported from other modules, re-exports, star imports, factories and Django settings."""

from __future__ import annotations

import textwrap

import pytest

from archlint.engine.project import build_model
from archlint.engine.worker import analyze_source
from archlint.rules._constants import (
    BOOL,
    DURATION,
    INSTANT,
    NUMBER,
    ConstantCollector,
    Constants,
    FileConstants,
    constants,
)


def project(files: dict[str, str]) -> Constants:
    specs = [(ConstantCollector, ConstantCollector.Options())]
    results = [analyze_source(textwrap.dedent(text), path, specs)
               for path, text in files.items()]
    for result in results:
        assert not result.notifications, result.notifications
    return constants(build_model(results))


def fold(source: str, expr: str, module: str = "app"):
    return project({f"{module.replace('.', '/')}.py": source}).evaluate(module, expr)


@pytest.mark.parametrize(("source", "expr", "kind", "value"), [
    ("X = 60", "X", NUMBER, 60),
    ("X = 60 * 24 * 8", "X", NUMBER, 11520),
    ("X = -5", "X", NUMBER, -5),
    ("X = 2 ** 10 // 4 % 1000", "X", NUMBER, 256),
    ("A = 15\nB = A * 60", "B", NUMBER, 900),
    ("from datetime import timedelta\nT = timedelta(hours=1)", "T", DURATION, 3600),
    ("from datetime import timedelta\nT = timedelta(1, 30)", "T", DURATION, 86430),
    ("import datetime\nT = datetime.timedelta(minutes=5) * 3", "T", DURATION, 900),
    ("from datetime import timedelta as td\nM = 30\nT = td(minutes=M) + td(seconds=1)", "T",
     DURATION, 1801),
    ("from datetime import timedelta\nT = timedelta(days=1).total_seconds()", "T", NUMBER, 86400),
    ("import os\nX = int(os.getenv('TTL', '60'))", "X", NUMBER, 60),
    ("import os\nX = os.environ.get('TTL', 15)", "X", NUMBER, 15),
    ("X = True", "X", BOOL, True),
    ("from pydantic import Field\nclass S:\n    X: int = Field(default=30)", "S.X", NUMBER, 30),
    ("from pydantic import Field\nclass S:\n    X: int = Field(45, ge=0)", "S.X", NUMBER, 45),
])
def test_folds_module_constants(source, expr, kind, value) -> None:
    folded = fold(source, expr)
    assert folded is not None
    assert (folded.kind, folded.value) == (kind, value)


@pytest.mark.parametrize(("source", "expr"), [
    ("import os\nX = int(os.getenv('TTL'))", "X"),  # no default
    ("X = compute()", "X"),
    ("X = [1, 2]", "X"),
    ("X = 'a' * 3", "X"),
    ("from datetime import timedelta\nT = timedelta(minutes=unknown)", "T"),
    ("X = 1 / 0", "X"),
    ("X = 60", "Y"),
])
def test_does_not_fold_what_it_cannot_know(source, expr) -> None:
    assert fold(source, expr) is None


def test_environment_default_names_the_variable() -> None:
    folded = fold("import os\nX = int(os.getenv('ACCESS_TTL', '3600'))", "X")
    assert folded is not None and folded.env == "ACCESS_TTL" and folded.value == 3600


def test_instants_are_now_plus_an_offset() -> None:
    source = """\
        import time
        from datetime import datetime, timedelta, timezone
        TTL = timedelta(hours=2)
    """
    table = project({"app.py": source})
    for expr, seconds in [
        ("datetime.utcnow() + TTL", 7200),
        ("datetime.now(timezone.utc) + timedelta(minutes=10)", 600),
        ("int((datetime.now() + TTL).timestamp())", 7200),
        ("time.time() + 300", 300),
        ("int(time.time()) + 60 * 60", 3600),
    ]:
        folded = table.evaluate("app", expr)
        assert folded is not None and folded.kind == INSTANT, expr
        assert folded.seconds == seconds, expr


def test_follows_names_imported_by_name_two_modules_away() -> None:
    table = project({
        "shop/__init__.py": "",
        "shop/core/__init__.py": "",
        "shop/core/config.py": "ACCESS_TOKEN_EXPIRE_MINUTES = 60\n",
        "shop/core/security.py": (
            "from datetime import timedelta\n"
            "from .config import ACCESS_TOKEN_EXPIRE_MINUTES\n"
            "EXPIRES = timedelta(minutes=ACCESS_TOKEN_EXPIRE_MINUTES)\n"),
        "shop/api/__init__.py": "",
        "shop/api/login.py": "from shop.core.security import EXPIRES\n",
    })
    folded = table.evaluate("shop.api.login", "EXPIRES")
    assert folded is not None and folded.kind == DURATION and folded.value == 3600
    assert [o.constant.name for o in folded.origins] == ["EXPIRES", "ACCESS_TOKEN_EXPIRE_MINUTES"]
    assert folded.origins[-1].path == "shop/core/config.py"


def test_follows_settings_instances_of_pydantic_settings_classes() -> None:
    table = project({
        "app/__init__.py": "",
        "app/core/__init__.py": "",
        "app/core/config.py": textwrap.dedent("""\
            from pydantic_settings import BaseSettings

            class Base(BaseSettings):
                ALGORITHM: str = "HS256"
                ACCESS_TOKEN_EXPIRE_MINUTES: int = 60 * 24 * 8

            class Settings(Base):
                PROJECT_NAME: str = "shop"

            settings = Settings()
        """),
        "app/api/__init__.py": "",
        "app/api/login.py": "from app.core.config import settings\n",
        "app/api/deps.py": textwrap.dedent("""\
            from functools import lru_cache
            from app.core import config

            @lru_cache
            def get_settings():
                return config.Settings()
        """),
    })
    folded = table.evaluate("app.api.login", "settings.ACCESS_TOKEN_EXPIRE_MINUTES")
    assert folded is not None and folded.value == 11520
    located = table.locate("app.api.login", "settings.ACCESS_TOKEN_EXPIRE_MINUTES")
    assert located is not None and located.constant.name == "Base.ACCESS_TOKEN_EXPIRE_MINUTES"
    folded = table.evaluate("app.api.deps", "get_settings().ACCESS_TOKEN_EXPIRE_MINUTES")
    assert folded is not None and folded.value == 11520


def test_follows_re_exports_and_star_imports() -> None:
    table = project({
        "pkg/__init__.py": "from .settings import *\n",
        "pkg/settings/__init__.py": "from .base import *\n",
        "pkg/settings/base.py": "TTL = 900\n",
        "pkg/user.py": "from pkg import TTL\nimport pkg.settings as conf\n",
    })
    assert table.evaluate("pkg.user", "TTL").value == 900
    assert table.evaluate("pkg.user", "conf.TTL").value == 900


def test_django_settings_through_django_conf() -> None:
    table = project({
        "manage.py": ("import os\n"
                      "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'shop.settings')\n"),
        "shop/__init__.py": "",
        "shop/settings.py": (
            "from datetime import timedelta\n"
            "SIMPLE_JWT = {'ACCESS_TOKEN_LIFETIME': timedelta(hours=1)}\n"
            "TOKEN_TTL = timedelta(minutes=20)\n"),
        "shop/auth.py": "from django.conf import settings\n",
    })
    assert table.django_modules == ["shop.settings"]
    located = table.locate("shop.auth", "settings.SIMPLE_JWT")
    assert located is not None and located.constant.is_dict
    (entry,) = located.constant.entries
    assert entry.key == "ACCESS_TOKEN_LIFETIME"
    assert table.evaluate(located.module, entry.value).value == 3600
    assert table.evaluate("shop.auth", "settings.TOKEN_TTL").value == 1200


def test_django_settings_that_disagree_do_not_fold() -> None:
    table = project({
        "a/settings.py": "TTL = 60\n",
        "b/settings.py": "TTL = 600\n",
        "c.py": "from django.conf import settings\n",
    })
    assert table.evaluate("c", "settings.TTL") is None


def test_the_last_assignment_wins_and_facts_record_spans() -> None:
    table = project({"app.py": "X = 1\nif DEBUG:\n    X = 2\n"})
    assert table.evaluate("app", "X").value == 2
    (located,) = list(table.all())
    assert located.constant.span.line == 3


def test_locals_shadowing_is_the_callers_job_and_unknown_names_stay_unknown() -> None:
    table = project({"app.py": "def f(X):\n    return X\n"})
    assert table.evaluate("app", "X") is None


def test_files_without_constants_record_nothing() -> None:
    result = analyze_source("import os\n\ndef f():\n    x = 1\n", "m.py",
                            [(ConstantCollector, ConstantCollector.Options())])
    assert result.facts.get("constants", []) == [] or isinstance(
        result.facts["constants"][0], FileConstants)


def test_decouple_reads_fold_to_their_cast_default() -> None:
    table = project({"s.py": (
        "import decouple\nfrom decouple import config as cfg\n"
        "config = decouple.AutoConfig()\n"
        "A = config('A', default='30', cast=int)\n"
        "B = cfg('B', default=2.5, cast=float)\n")})
    assert (table.evaluate("s", "A").value, table.evaluate("s", "A").env) == (30, "A")
    assert table.evaluate("s", "B").value == 2.5


def test_dict_entries_are_kept_even_when_other_entries_do_not_fold() -> None:
    table = project({"s.py": "D = {'A': ('x',), 'B': 5, 'C': [1]}\n"})
    (located,) = list(table.all())
    assert [e.key for e in located.constant.entries] == ["B"]
