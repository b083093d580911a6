"""ARC609 permissive-cors."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import ClassVar

from archlint.model import Related, Severity
from archlint.rules._scaffolding import is_scaffolding_path
from archlint.rules.base import Invalid, ProjectRule, Valid
from archlint.rules.security._cors import (
    ALLOW_ALL,
    CREDENTIALS,
    REGEXES,
    CorsCollector,
    CorsSetting,
    FileCors,
)


@dataclass(frozen=True)
class CorsOptions:
    """Options of ARC609.

    `include-tests`: also report tests and test settings.
    """

    include_tests: bool = False


_WHY = (
    "any website a signed-in user visits can call this API with the user's cookies or "
    "credentials and read the answers"
)


class PermissiveCors(ProjectRule):
    """## What it does
    Flags CORS configured to let any origin make credentialed requests:

    - Starlette/FastAPI `CORSMiddleware` (through `app.add_middleware(...)`,
      `Middleware(...)`, a direct construction, or `super().__init__(...)` in a subclass) with
      `allow_credentials=True` and `allow_origins` containing `"*"`, or an
      `allow_origin_regex` that matches any origin (`.*`, `https?://.*`). Starlette then
      answers with the caller's own `Origin` and `Access-Control-Allow-Credentials: true`.
    - django-cors-headers: `CORS_ALLOW_ALL_ORIGINS = True` (or the legacy
      `CORS_ORIGIN_ALLOW_ALL`), or a `CORS_ALLOWED_ORIGIN_REGEXES` entry matching any origin,
      with `CORS_ALLOW_CREDENTIALS = True` in the same settings module or in one it
      star-imports or that star-imports it (`from .base import *`). The finding sits on the
      `CORS_ALLOW_ALL_ORIGINS` line and names the credentials setting.
    - flask-cors: `CORS(app, supports_credentials=True)` or `@cross_origin(
      supports_credentials=True)` whose origins are `*` (flask-cors's default when `origins`
      is not given) or a pattern matching any origin, also per resource in `resources={...}`.

    Values are followed through module constants and local variables (`ORIGINS = ["*"]`).

    ## Why is this bad?
    The Fetch standard forbids `Access-Control-Allow-Origin: *` with credentials for a reason:
    credentialed responses must name the one origin that may read them. Frameworks that
    "allow all" with credentials echo back whatever `Origin` the browser sends, so the
    same-origin policy no longer protects signed-in users: a malicious page reads their data
    and acts on their behalf (OWASP: CORS origin misconfiguration).

    ## Example
    ```python
    app.add_middleware(
        CORSMiddleware, allow_origins=["*"], allow_credentials=True, allow_methods=["*"]
    )
    ```

    ## Use instead
    ```python
    app.add_middleware(
        CORSMiddleware,
        allow_origins=["https://app.example.com"],
        allow_credentials=True,
        allow_methods=["GET", "POST"],
    )
    ```

    ## Options
    - `include-tests` (bool, default false): also report tests and test settings modules.

    ## What it does not flag
    - Any origin without credentials (`allow_origins=["*"]` alone): a public API.
    - Origins or credentials read at run time (settings objects, environment variables,
      parameters), and calls that pass `**options`: the code cannot tell.
    - django-cors-headers settings assigned under an `if` on `DEBUG` or a dev/local/test
      environment (a development-only setting; other conditions, such as "no origins
      configured", still count), and
      settings whose credentials flag lives in a module not linked by a star import.
    - Patterns that accept only the project's own domains (`https://.*\\.example\\.com`).
    - Other CORS libraries (Litestar's `CORSConfig`, sanic-cors, hand-written headers).
    - Tests and test settings (see `include-tests`).

    ## References
    - [Fetch standard, CORS protocol and credentials](https://fetch.spec.whatwg.org/#cors-protocol-and-credentials)
    - [OWASP Web Security Testing Guide: Testing Cross Origin Resource Sharing](https://owasp.org/www-project-web-security-testing-guide/latest/4-Web_Application_Security_Testing/11-Client-side_Testing/07-Testing_Cross_Origin_Resource_Sharing)
    - [OWASP ASVS 4.0, V14.5.3 Origin header allow list](https://owasp.org/www-project-application-security-verification-standard/)
    - [Starlette: CORSMiddleware](https://www.starlette.io/middleware/#corsmiddleware)
    - [django-cors-headers: CORS_ALLOW_ALL_ORIGINS](https://github.com/adamchainz/django-cors-headers#cors_allow_all_origins-bool)
    - [CWE-942: Permissive Cross-domain Policy with Untrusted Domains](https://cwe.mitre.org/data/definitions/942.html)
    """

    code = "ARC609"
    name = "permissive-cors"
    severity = Severity.WARNING
    cwe = 942
    security_severity = 6.5
    tags = ("security",)
    Options = CorsOptions
    collectors = (CorsCollector,)

    VALID: ClassVar = [
        """
        from fastapi import FastAPI
        from fastapi.middleware.cors import CORSMiddleware
        app = FastAPI()
        app.add_middleware(CORSMiddleware, allow_origins=["*"], allow_methods=["GET"])
        """,
        """
        from fastapi import FastAPI
        from fastapi.middleware.cors import CORSMiddleware
        from app.config import settings
        app = FastAPI()
        app.add_middleware(
            CORSMiddleware, allow_origins=settings.origins, allow_credentials=True
        )
        """,
        """
        CORS_ALLOW_ALL_ORIGINS = True
        CORS_ALLOW_CREDENTIALS = False
        """,
        Valid(
            """
            from flask import Flask
            from flask_cors import CORS
            app = Flask(__name__)
            CORS(app, origins=["https://app.example.com"], supports_credentials=True)
            """,
        ),
    ]

    INVALID: ClassVar = [
        Invalid(
            """
            from fastapi import FastAPI
            from fastapi.middleware.cors import CORSMiddleware
            ORIGINS = ["*"]
            app = FastAPI()
            app.add_middleware(CORSMiddleware, allow_origins=ORIGINS, allow_credentials=True)
            """,
            line=6,
            message='allow_origins=ORIGINS',
        ),
        Invalid(
            """
            from starlette.middleware import Middleware
            from starlette.middleware.cors import CORSMiddleware
            middleware = [
                Middleware(CORSMiddleware, allow_origin_regex="https?://.*", allow_credentials=True)
            ]
            """,
            line=5,
            message="matches any origin",
        ),
        Invalid(
            """
            from flask import Flask
            from flask_cors import CORS
            app = Flask(__name__)
            CORS(app, supports_credentials=True)
            """,
            line=5,
            message="defaults to '*'",
        ),
        Invalid(
            """
            from .base import *
            CORS_ALLOW_ALL_ORIGINS = True
            """,
            path="shop/settings/dev.py",
            files={"shop/settings/base.py": "CORS_ALLOW_CREDENTIALS = True\n"},
            line=3,
            message="CORS_ALLOW_CREDENTIALS = True",
        ),
    ]

    def check(self) -> None:
        files: dict[str, FileCors] = {}
        for path, fact in self.project.of(CorsCollector.kind):
            if not self.options.include_tests and is_scaffolding_path(path):
                continue
            files[path] = fact
            for site in fact.sites:
                via = ""
                if site.constants:
                    via = " (through " + ", ".join(n for n, _ in site.constants) + ")"
                self.report_at(
                    path, site.span,
                    f"{site.library} allows any origin with credentials: {site.origins} with "
                    f"{site.credentials}{via}; {_WHY}",
                    help="list the exact origins that may call with credentials, or drop "
                         "credentials for a public API",
                    related=[Related(span, f"{name} is set here") for name, span in site.constants],
                )
        for path, fact in files.items():
            self._check_django(path, fact, files)

    def _check_django(self, path: str, fact: FileCors, files: dict[str, FileCors]) -> None:
        for setting in fact.settings:
            if setting.name not in (*ALLOW_ALL, *REGEXES) or setting.value is not True:
                continue
            if setting.conditional:
                continue
            credentials = self._credentials(path, files)
            if credentials is None:
                continue
            where, found = credentials
            if found.value is not True:
                continue
            what = (f"{setting.name} = True" if setting.name in ALLOW_ALL
                    else f"{setting.name} has a pattern that matches any origin")
            place = "" if where == path else f" in {where}"
            self.report_at(
                path, setting.span,
                f"django-cors-headers: {what} with {CREDENTIALS} = True{place}: the middleware "
                f"echoes every request's Origin with Access-Control-Allow-Credentials; {_WHY}",
                help="set CORS_ALLOWED_ORIGINS to the exact origins, or CORS_ALLOW_CREDENTIALS "
                     "= False for a public API",
                related=[Related(found.span, f"{CREDENTIALS} is set here",
                                 None if where == path else where)],
            )

    def _credentials(self, path: str, files: dict[str, FileCors]
                     ) -> tuple[str, CorsSetting] | None:
        """The credentials setting that applies with `path`'s settings: its own (the last
        one), else one from a module it star-imports (transitively), else from a module that
        star-imports it."""
        seen: set[str] = set()
        queue = [path]
        while queue:
            current = queue.pop(0)
            if current in seen:
                continue
            seen.add(current)
            fact = files.get(current)
            if fact is None:
                continue
            own = [s for s in fact.settings if s.name == CREDENTIALS and not s.conditional]
            if own:
                return current, own[-1]
            queue.extend(p for p in (_star_target(current, m, files) for m in fact.star_imports)
                         if p is not None)
        for other, fact in files.items():
            if other == path or not any(
                _star_target(other, m, files) == path for m in fact.star_imports
            ):
                continue
            own = [s for s in fact.settings if s.name == CREDENTIALS and not s.conditional]
            if own:
                return other, own[-1]
        return None


def _star_target(importer: str, module: str, files: dict[str, FileCors]) -> str | None:
    """The file of the project that `from <module> import *` in `importer` reads, among the
    files that hold CORS facts."""
    level = len(module) - len(module.lstrip("."))
    parts = [p for p in module.lstrip(".").split(".") if p]
    if level:
        base = PurePosixPath(importer).parent
        for _ in range(level - 1):
            base = base.parent
        candidates = [base.joinpath(*parts).as_posix()]
    else:
        suffix = "/".join(parts)
        candidates = [p[: -len(".py")] for p in files
                      if p[: -len(".py")] == suffix or p[: -len(".py")].endswith("/" + suffix)
                      or p.endswith(f"/{suffix}/__init__.py") or p == f"{suffix}/__init__.py"]
        candidates = [c.removesuffix("/__init__") for c in candidates]
    for candidate in candidates:
        for path in (f"{candidate}.py", f"{candidate}/__init__.py"):
            if path in files:
                return path
    return None
