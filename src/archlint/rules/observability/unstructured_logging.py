"""ARC504 unstructured-logging."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import ClassVar

from archlint.model import Severity
from archlint.rules._routes import RouteCollector, endpoint_framework, route_collectors
from archlint.rules._scaffolding import is_scaffolding_path
from archlint.rules.architecture._imports import ImportCollector
from archlint.rules.architecture._project import structure
from archlint.rules.base import Invalid, ProjectRule, Valid
from archlint.rules.observability._log_setup import json_evidence, site_style
from archlint.rules.observability._logging import (
    TERMINAL_LIBRARIES,
    TEXT,
    FileLogging,
    LoggingCollector,
)
from archlint.rules.resilience._scope import is_script

# Folders of command-line code besides _scope's script folders: Django management commands and
# `commands/` packages of a CLI.
_COMMAND_FOLDERS = frozenset({"commands", "management"})
# Functions and classes whose name says they write to the terminal (`print_telemetry_event`,
# `StdoutSink`, `_safe_print`): there print() is the point, not a stand-in for logging.
_CONSOLE_NAMES = re.compile(r"print|stdout|console|echo|terminal|tty|output", re.IGNORECASE)
_CONFIG_HELP = (
    "emit JSON so that the log pipeline can index fields: a python-json-logger formatter "
    "(\"()\": \"pythonjsonlogger.json.JsonFormatter\" in dictConfig, or "
    "handler.setFormatter(JsonFormatter())), ecs-logging's StdlibFormatter, structlog's "
    "JSONRenderer, or loguru's serialize=True"
)
_PRINT_HELP = (
    "log through a module logger instead (logger = logging.getLogger(__name__); "
    "logger.info(...)), so the line gets a level, a logger name, a timestamp and the project's "
    "formatter"
)


@dataclass(frozen=True)
class UnstructuredLoggingOptions:
    prints: bool = True  # part (b): report print() in backend modules
    print_to_stderr: bool = False  # report print(..., file=sys.stderr) too
    script_folders: tuple[str, ...] = ()  # further folders whose modules are scripts


class UnstructuredLogging(ProjectRule):
    """## What it does
    Flags logging that emits plain text, in two parts.

    (a) A logging configuration site that sets up plain-text output, when no JSON formatter is
    configured anywhere in the project: `logging.basicConfig(...)` (with or without `format=`),
    `logging.config.dictConfig(...)` and Django's `LOGGING = {...}` setting whose formatters
    are all plain text (`logging.Formatter`, a `format` string, colorlog, uvicorn's formatters,
    structlog's `ProcessorFormatter` with `ConsoleRenderer`/`KeyValueRenderer`, a formatter class
    of the project that does not build JSON), and `logging.config.fileConfig("logging.ini")`
    whose `[formatter_*]` sections are. A `dictConfig` of a name bound to a dict literal in the
    module is read, and so is a config file the call loads (`dictConfig(yaml.safe_load(open(
    "logging.yaml")))`, `json.load(...)`, `fileConfig("logging.ini")`), found among the logging
    config files discovery lists. One finding per configuration site, on the call or setting.

    JSON counts as configured when, outside tests, any of these exists: a python-json-logger,
    ecs-logging or json-log-formatter formatter (in code, a `dictConfig`/`LOGGING` dict or a
    logging config file), structlog's `JSONRenderer`, loguru's `logger.add(..., serialize=True)`,
    a `basicConfig`/`format` string shaped like JSON, or a formatter class of the project that
    derives from a JSON formatter, has "json" in its name, or whose `format()` calls
    `json.dumps`/`orjson.dumps`.

    (b) A call of the builtin `print()` in a backend module: it writes to stdout, outside
    logging altogether.

    ## Why is this bad?
    Log pipelines (Loki, Elasticsearch, Cloud Logging, Datadog) index JSON fields; plain text
    has to be parsed back with fragile patterns, and multi-line messages and tracebacks break
    into separate entries. JSON lines keep the level, logger, timestamp, request id and
    exception as fields that can be filtered and joined. `print()` has none of these: no level
    to filter on, no logger to silence, no formatter to make it JSON, and it is buffered
    differently from the log stream.

    ## Example
    ```python
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")

    @app.get("/orders")
    def list_orders():
        print("listing orders")
    ```

    ## Use instead
    ```python
    from pythonjsonlogger.json import JsonFormatter

    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter("%(asctime)s %(levelname)s %(name)s %(message)s"))
    logging.basicConfig(level=logging.INFO, handlers=[handler])
    logger = logging.getLogger(__name__)

    @app.get("/orders")
    def list_orders():
        logger.info("listing orders")
    ```

    ## Options
    - `prints` (bool, default true): report `print()` in backend modules (part b).
    - `print_to_stderr` (bool, default true): report `print(..., file=sys.stderr)` too.
    - `script_folders` (list of folder names): further folders whose modules are scripts,
      besides `scripts/`, `script/`, `bin/`, `examples/`, `docs/`, `cli/`, `commands/` and
      `management/`.

    ## What it does not flag
    - Configuration sites when a JSON formatter is configured anywhere in the project (an
      environment switch between JSON and text is fine), and sites the rule cannot read: a
      `basicConfig(handlers=[...])` (the handlers keep their own formatters), a dict built at run
      time, a config file it cannot find, a formatter class from a library it does not know.
    - Configuration sites and prints in scripts: files under `scripts/`, `script/`, `bin/`,
      `examples/`, `docs/`, `cli/`, `commands/`, `management/` (Django management commands),
      `manage.py`, `setup.py`, `__main__.py`, `cli.py`; modules that define a command line
      or talk to a terminal (typer, click, argparse, questionary, prompt_toolkit, python-fire,
      output styled with colorama, termcolor or pyboxen, a Django `BaseCommand`, `input()`,
      `isatty()`), and modules that only such code imports;
      code under `if __name__ == "__main__":` and the module's functions that block calls.
    - print() in functions or classes whose name says they write to the terminal or produce
      output (`print_event`, `StdoutSink`, `_write_output`, `console_*`).
    - print() in a project that registers no HTTP endpoint (a batch tool or library: print()
      is its interface); on a scan of some files, in files none of which registers one.
    - `print(..., file=f)` writing to a file object (not a log), a `print` the module rebinds
      (`from rich import print`), tests and migrations.
    - structlog's `configure(...)` and loguru's `logger.add(...)` with text output: they are
      not configuration sites of this rule, only evidence of JSON when they emit it.
    - Pre-formatted log messages (`logger.info(f"...")`): ruff's G004 covers them.
    - Part (a) on a scan of some files only (pre-commit): whether JSON is configured elsewhere
      cannot be told. Part (b) needs no other file and runs on any scan.

    ## References
    - [OpenTelemetry: Logs data model](https://opentelemetry.io/docs/specs/otel/logs/data-model/)
    - [The Twelve-Factor App: XI. Logs](https://12factor.net/logs)
    - [OWASP Logging Cheat Sheet](https://cheatsheetseries.owasp.org/cheatsheets/Logging_Cheat_Sheet.html)
    - [CWE-117: Improper Output Neutralization for Logs](https://cwe.mitre.org/data/definitions/117.html)
      (plain-text lines can be forged by newlines in values; JSON escapes them)
    """

    code, name, severity = "ARC504", "unstructured-logging", Severity.WARNING
    cwe = 117
    tags = ("observability", "logging")
    Options = UnstructuredLoggingOptions
    collectors = (LoggingCollector, ImportCollector, *route_collectors())

    VALID: ClassVar = [
        # a JSON formatter is configured
        Valid(
            """
            import logging
            from pythonjsonlogger.json import JsonFormatter
            handler = logging.StreamHandler()
            handler.setFormatter(JsonFormatter())
            logging.basicConfig(level=logging.INFO, handlers=[handler])
            """,
            path="app/logs.py",
        ),
        # JSON elsewhere in the project makes the plain site quiet
        Valid(
            "import logging\nlogging.basicConfig(format='%(message)s')\n",
            path="app/dev.py",
            files={"app/prod.py": "import structlog\nstructlog.configure(processors=["
                                  "structlog.processors.JSONRenderer()])\n"},
        ),
        # dictConfig of a file whose formatter is python-json-logger
        Valid(
            """
            import logging.config
            import yaml
            with open("logging.yaml") as f:
                logging.config.dictConfig(yaml.safe_load(f))
            """,
            path="app/main.py",
            files={"logging.yaml": "version: 1\nformatters:\n  json:\n"
                                   "    (): pythonjsonlogger.json.JsonFormatter\n"},
        ),
        # scripts and __main__ blocks print to their console
        Valid("print('done')\n", path="scripts/seed.py"),
        Valid(
            """
            def main():
                print("migrated")

            if __name__ == "__main__":
                main()
            """,
            path="app/tools.py",
        ),
        Valid(
            """
            import typer
            cli = typer.Typer()

            @cli.command()
            def seed():
                print("seeded")
            """,
            path="app/seed.py",
        ),
        # print into a file, and a rebound print
        Valid("def dump(rows, f):\n    print(*rows, file=f)\n", path="app/export.py"),
        Valid("from rich import print\nprint('[bold]hi')\n", path="app/ui.py"),
        Valid("print('x')\n", path="tests/test_views.py"),
        # a project that serves no HTTP: print() is a batch tool's interface
        Valid("def run(rows):\n    print(len(rows), 'rows')\n", path="tool/batch.py"),
        # a module only command-line code imports, and a function made to print
        Valid(
            """
            def report(rows):
                print(len(rows), "rows")

            def print_summary(rows):
                print(rows)
            """,
            path="shop/report.py",
            files={"shop/cli.py": "import argparse\nfrom shop.report import report\n",
                   "shop/api.py": "from fastapi import FastAPI\napp = FastAPI()\n"
                                  "@app.get('/')\ndef root():\n    print_summary([])\n"},
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            """
            import logging
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
            """,
            line=3,
            path="app/main.py",
            message="no JSON formatter is configured anywhere",
        ),
        Invalid(
            "import logging\nlogging.basicConfig(level=logging.INFO)\n",
            line=2,
            path="app/main.py",
            message="basicConfig() without format=",
        ),
        Invalid(
            """
            LOGGING = {
                "version": 1,
                "formatters": {"verbose": {"format": "{levelname} {message}", "style": "{"}},
                "handlers": {"console": {"class": "logging.StreamHandler",
                                         "formatter": "verbose"}},
            }
            """,
            line=2,
            path="shop/settings.py",
            message="'verbose' (logging.Formatter",
        ),
        Invalid(
            """
            import logging.config
            logging.config.fileConfig("logging.ini")
            """,
            line=3,
            path="app/main.py",
            files={"conf/logging.ini": "[formatters]\nkeys=plain\n\n[formatter_plain]\n"
                                      "format=%(asctime)s %(levelname)s %(message)s\n"},
            message="conf/logging.ini",
        ),
        Invalid(
            """
            from flask import Flask
            app = Flask(__name__)

            @app.route("/orders")
            def list_orders():
                print("listing orders")
                return []
            """,
            line=7,
            path="shop/views.py",
            message="print() writes to stdout in list_orders()",
        ),
        Invalid(
            """
            import sys
            def fail(error):
                print("failed:", error, file=sys.stderr)
            """,
            line=4,
            path="shop/services.py",
            options={"print_to_stderr": True},
            files={"shop/api.py": "from fastapi import FastAPI\napp = FastAPI()\n"
                                  "@app.get('/')\ndef root():\n    return {}\n"},
        ),
    ]

    def check(self) -> None:
        facts = [(path, fact) for path, fact in self.project.of(LoggingCollector.kind)
                 if not _scaffolding(path)]
        scripts = {path for path, fact in facts if self._is_script(path, fact)}
        if self.project.whole_project and json_evidence(self.project) is None:
            for path, fact in facts:
                if path not in scripts:
                    self._config_sites(path, fact)
        if self.options.prints and self._serves_http():
            if self.project.whole_project:
                scripts |= self._used_only_by_scripts(scripts)
            for path, fact in facts:
                if path not in scripts:
                    self._prints(path, fact)

    def _serves_http(self) -> bool:
        """The project (or, on a scan of some files, those files) registers an HTTP endpoint:
        print() in a batch tool or a library is its user interface, not a backend's log."""
        return any(endpoint_framework(self.project, path, endpoint) is not None
                   for path, routes in self.project.of(RouteCollector.kind)
                   for endpoint in routes.endpoints)

    def _used_only_by_scripts(self, scripts: set[str]) -> set[str]:
        """Modules that only command-line code imports (`pr_agent/doctor.py`, imported by
        `cli.py` alone): their prints are the command's output."""
        project = structure(self.project)
        modules = project.modules
        script_modules = {modules.module_of[p] for p in (*scripts, *self.project.paths)
                          if p in modules.module_of
                          and (p in scripts or self._is_script(p, None))}
        script_modules |= {imp.importer for imp in project.imports
                           if imp.fact.module.split(".")[0] in TERMINAL_LIBRARIES}
        importers: dict[str, set[str]] = {}
        for imp in project.imports:
            if _scaffolding(imp.path):
                continue
            for target in imp.targets:
                if target != imp.importer:
                    importers.setdefault(target, set()).add(imp.importer)
        for _ in range(10):  # a chain of helpers below a command, a few levels deep
            grown = {module for module, by in importers.items()
                     if module not in script_modules and by and by <= script_modules}
            if not grown:
                break
            script_modules |= grown
        return {modules.path_of[m] for m in script_modules if m in modules.path_of}

    def _is_script(self, path: str, fact: FileLogging | None) -> bool:
        folders = set(PurePosixPath(path.replace("\\", "/")).parts[:-1])
        return (is_script(path) or (fact is not None and fact.cli is not None)
                or bool(folders & _COMMAND_FOLDERS)
                or bool(folders & set(self.options.script_folders)))

    def _config_sites(self, path: str, fact: FileLogging) -> None:
        main_only = _run_by_main(fact)
        for site in fact.configs:
            if site.under_main or (site.function is not None and site.function in main_only):
                continue
            style = site_style(self.project, path, site)
            if style.style != TEXT:
                continue
            what = {"LOGGING": "Django's LOGGING setting"}.get(site.kind, f"{site.kind}()")
            self.report_at(
                path, site.span,
                f"{what} configures plain-text log output ({style.detail}) and no JSON "
                f"formatter is configured anywhere in the project (looked for python-json-logger, "
                f"ecs-logging, structlog's JSONRenderer, loguru serialize=True, and formatter "
                f"classes of the project that build JSON)",
                help=_CONFIG_HELP,
                statement_lines=(site.span.line, site.span.line),
            )

    def _prints(self, path: str, fact: FileLogging) -> None:
        main_only = _run_by_main(fact)
        for call in fact.prints:
            if call.under_main or (call.function is not None and call.function in main_only):
                continue
            if call.function is not None and _CONSOLE_NAMES.search(call.function):
                continue
            if call.stream == "other" or (call.stream == "stderr"
                                          and not self.options.print_to_stderr):
                continue
            where = f"in {call.function}()" if call.function else "at module level"
            stream = "stderr" if call.stream == "stderr" else "stdout"
            self.report_at(
                path, call.span,
                f"print() writes to {stream} {where} of a backend module, outside logging: no "
                f"level, logger name, timestamp or structured format, so the log pipeline cannot "
                f"filter or correlate it",
                help=_PRINT_HELP,
                statement_lines=(call.span.line, call.span.end_line),
            )


def _scaffolding(path: str) -> bool:
    """Tests and migrations, also migration folders named otherwise (prefect's
    `_migrations/versions/`)."""
    folders = PurePosixPath(path.replace("\\", "/")).parts[:-1]
    return is_scaffolding_path(path) or any(f.endswith("migrations") for f in folders)


def _run_by_main(fact: FileLogging) -> set[str]:
    """The module's functions that its `__main__` block runs (and what they call, and what is
    nested in them): script code. A function that an endpoint or another caller also reaches
    stays script code here; the `__main__` block says what the module is for."""
    if not fact.main_calls:
        return set()
    calls: dict[str, list[str]] = {}
    for caller, callee in fact.calls:
        calls.setdefault(caller, []).append(callee)
    found: set[str] = set()
    queue = deque(fact.main_calls)
    while queue:
        name = queue.popleft()
        if name in found:
            continue
        found.add(name)
        queue.extend(calls.get(name, ()))
        queue.extend(f for f in fact.functions if f.startswith(name + "."))
    return found
