"""ARC101 framework-import-in-domain."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from archlint.model import Severity
from archlint.rules.architecture._imports import ImportCollector
from archlint.rules.architecture._project import ResolvedImport, structure
from archlint.rules.base import Invalid, ProjectRule, Valid

WEB = ("fastapi", "starlette", "flask", "django", "aiohttp.web", "litestar", "sanic", "quart",
       "falcon", "tornado", "pyramid", "bottle", "rest_framework", "ninja")
DATABASE = ("sqlalchemy", "sqlmodel", "django.db", "psycopg", "psycopg2", "asyncpg", "pymongo",
            "motor", "redis", "aioredis", "sqlite3", "pymysql", "MySQLdb", "aiomysql", "aiosqlite",
            "tortoise", "peewee", "pony", "mongoengine", "beanie", "odmantic", "elasticsearch",
            "alembic", "databases")
CLIENTS = ("requests", "httpx", "aiohttp", "urllib3", "boto3", "botocore", "aioboto3", "grpc",
           "kafka", "aiokafka", "confluent_kafka", "pika", "aio_pika", "celery", "kombu", "dramatiq",
           "rq", "nats", "google.cloud", "azure")
SERIALIZATION = ("pydantic", "marshmallow")
_KINDS = (
    (WEB, "a web framework"),
    (DATABASE, "a database or ORM library"),
    (CLIENTS, "an I/O client library"),
    (SERIALIZATION, "a serialization framework"),
)
_HELP = {
    "a web framework": (
        "keep HTTP in the interface layer: raise a domain exception here and map it to a response "
        "there"
    ),
    "a database or ORM library": (
        "define a repository interface (a Protocol) in the domain and implement it with {lib} in "
        "the infrastructure layer; map rows to domain objects there"
    ),
    "an I/O client library": (
        "define a port (a Protocol) for what the domain needs and implement it with {lib} in the "
        "infrastructure layer"
    ),
    "a serialization framework": (
        "model the domain with dataclasses or attrs and validate or serialize with {lib} at the "
        "interface edge (or allow it: [tool.archlint.rules.ARC101] serialization = false)"
    ),
    "denied by configuration": "move this dependency out of the domain layer, behind a port",
}


@dataclass(frozen=True)
class FrameworkImportOptions:
    deny: tuple[str, ...] = ()  # extra libraries (or sub-packages) the domain may not import
    allow: tuple[str, ...] = ()  # sub-packages that stay allowed: "django.utils.functional"
    serialization: bool = True  # pydantic and marshmallow count as frameworks


def _longest(prefixes: tuple[str, ...], module: str) -> int:
    """Length of the longest entry that is `module` or a package above it (0: none)."""
    best = 0
    for prefix in prefixes:
        if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best:
            best = len(prefix)
    return best


class FrameworkImportInDomain(ProjectRule):
    """## What it does
    Flags a module of the domain layer that imports a framework or infrastructure library: web
    frameworks (FastAPI, Starlette, Flask, Django, aiohttp.web, Litestar, Sanic), ORMs and
    database drivers (SQLAlchemy, SQLModel, `django.db`, psycopg, asyncpg, pymongo, motor, redis),
    I/O clients (requests, httpx, aiohttp, boto3, botocore, grpc, kafka, pika, celery) and
    serialization frameworks (pydantic, marshmallow). It sees `import x`, `from x import y`,
    `import x.y as z`, imports inside functions, and `importlib.import_module("x")` with a literal.

    ## Why is this bad?
    The domain layer holds the business rules. Once it imports a framework, the rules cannot be
    tested, reused or reasoned about without that framework, and every framework upgrade becomes
    a change to the business rules (Clean Architecture's dependency rule).

    ## Example
    ```python
    # app/domain/order.py
    from sqlalchemy.orm import Session

    class Order:
        def place(self, session: Session): ...
    ```

    ## Use instead
    ```python
    # app/domain/order.py
    from typing import Protocol

    class OrderRepository(Protocol):
        def add(self, order: "Order") -> None: ...
    ```
    and implement `OrderRepository` with SQLAlchemy in the infrastructure layer.

    ## Options
    - `deny` (list of modules): further libraries or sub-packages the domain may not import.
    - `allow` (list of modules): libraries or sub-packages that stay allowed; the longer of a
      matching `allow` and deny entry wins, so `allow = ["django.utils.functional"]` keeps
      `cached_property` usable while `django.db` stays denied.
    - `serialization` (bool, default true): count pydantic and marshmallow as frameworks.
    Which modules are the domain layer comes from `[tool.archlint.layers]` or folder names (see
    `archlint layers`). `typing-imports = "report"` in `[tool.archlint]` also reports imports
    under `if TYPE_CHECKING:`.

    ## What it does not flag
    - Modules outside the domain layer; tests, test helpers and migrations (no layer).
    - The standard library, `typing`, `dataclasses`, `attrs`, and any library not listed.
    - Imports under `if TYPE_CHECKING:` (unless `typing-imports = "report"`): they never run.
    - The project's own modules: a domain module importing a higher layer of the project is
      ARC102, not this rule.
    - Relative imports and `importlib.import_module()` with a computed name.

    ## References
    - Robert C. Martin, Clean Architecture, ch. 22 "The Clean Architecture" (the dependency rule).
    - Percival & Gregory, Architecture Patterns with Python, ch. 2 (Repository pattern).
    """

    code, name, severity = "ARC101", "framework-import-in-domain", Severity.ERROR
    tags = ("architecture",)
    Options = FrameworkImportOptions
    collectors = (ImportCollector,)

    VALID: ClassVar = [
        Valid(
            """
            from dataclasses import dataclass
            from typing import TYPE_CHECKING, Protocol
            import attrs
            if TYPE_CHECKING:
                from sqlalchemy.orm import Session
            """,
            path="app/domain/order.py",
        ),
        Valid("from sqlalchemy.orm import Session\n", path="app/infrastructure/orm.py"),
        Valid("import requests\n", path="tests/domain/test_order.py"),
        Valid(
            "from django.utils.functional import cached_property\n",
            options={"allow": ["django.utils.functional"]},
            path="app/domain/order.py",
        ),
        Valid("from pydantic import BaseModel\n", options={"serialization": False},
              path="app/domain/order.py"),
    ]
    INVALID: ClassVar = [
        Invalid("from sqlalchemy.orm import Session\n", line=1, path="app/domain/order.py",
                message="imports sqlalchemy.orm, a database or ORM library"),
        Invalid(
            """
            def load():
                import requests
                return requests
            """,
            line=3,
            path="app/domain/order.py",
            message="I/O client library",
        ),
        Invalid(
            """
            import importlib
            redis = importlib.import_module("redis")
            """,
            line=3,
            path="app/domain/cache.py",
            message="imports redis",
        ),
        Invalid(
            "from django.db import models\nfrom django.utils.functional import cached_property\n",
            line=1,
            options={"allow": ["django.utils.functional"]},
            path="app/domain/order.py",
            message="django.db",
        ),
        Invalid(
            "if TYPE_CHECKING:\n    from fastapi import Request\n",
            line=2,
            project={"typing-imports": "report"},
            path="app/domain/order.py",
            message="(under TYPE_CHECKING)",
        ),
    ]

    def check(self) -> None:
        project = structure(self.project)
        deny = tuple(
            lib for libs, _ in _KINDS for lib in libs
            if self.options.serialization or libs is not SERIALIZATION
        ) + self.options.deny
        report_typing = self.project.typing_imports == "report"
        for imp in project.imports:
            if imp.fact.type_checking and not report_typing:
                continue
            placement = project.placement(imp.importer)
            if placement is None or placement.layer != "domain":
                continue
            if imp.fact.level or project.modules.is_internal(
                project.modules.canonical(imp.fact.module)
            ):
                continue
            denied = self._denied(imp, deny)
            if denied is not None:
                self._report(imp, denied, placement.reason)

    def _denied(self, imp: ResolvedImport, deny: tuple[str, ...]) -> str | None:
        fact = imp.fact
        candidates = [fact.module]
        if fact.kind == "from":
            candidates = [f"{fact.module}.{name}" for name in fact.names if name != "*"] + [
                fact.module
            ]
        for module in candidates:
            denied = _longest(deny, module)
            if denied and denied > _longest(self.options.allow, module):
                return module if fact.kind != "from" else fact.module
        return None

    def _report(self, imp: ResolvedImport, module: str, reason: str) -> None:
        score, kind = max(((_longest(libs, module), label) for libs, label in _KINDS),
                          key=lambda pair: pair[0])
        if not score:
            kind = "denied by configuration"
        lib = module.split(".")[0]
        what = kind if kind != "denied by configuration" else "a library [tool.archlint.rules.ARC101] denies"
        typing_note = " (under TYPE_CHECKING)" if imp.fact.type_checking else ""
        message = (
            f"domain module {imp.importer} imports {module}, {what}{typing_note}; the domain layer "
            f"(by {reason}) must not depend on frameworks or infrastructure"
        )
        span = imp.fact.span
        self.report_at(
            imp.path,
            span,
            message,
            help=_HELP[kind].format(lib=lib),
            statement_lines=(span.line, span.end_line),
        )
