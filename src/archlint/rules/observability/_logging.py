"""Logging as facts: how a project configures its log output, what puts a request id into its
log records, where it logs and where it prints. Read by ARC503 (log-without-correlation-id) and
ARC504 (unstructured-logging).

Per file (phase 1), from CPython's `ast` (no LibCST parse), `LoggingCollector` records one
`FileLogging` fact holding:

- `configs` (`ConfigSite`): `logging.basicConfig(...)`, `logging.config.dictConfig(...)` (a dict
  literal, a name bound to one in the file, or a config file it loads: `yaml.safe_load(open(
  "logging.yaml"))`, `json.load(...)`), `logging.config.fileConfig("logging.ini")`, and Django's
  `LOGGING = {...}` setting, each with its style: "json" (a JSON formatter is configured),
  "text" (every formatter is plain text), "unknown" (the rule cannot tell: computed values, a
  formatter class from a library it does not know), or "file" (decided in the project phase from
  the config file, read through `rules/_texts.py`). Formatter classes that may be the project's
  own (`"()": "app.logs.JsonFormatter"`) are kept as `pending` and resolved in the project phase.
- `json_uses` (`JsonUse`): other evidence of JSON output: a JSON formatter made in code
  (`handler.setFormatter(JsonFormatter())`), structlog's `JSONRenderer()`, loguru's
  `logger.add(..., serialize=True)`.
- `formatters` (`FormatterClass`): classes defined here that look like log formatters (a base
  named `*Formatter`, or a `format` method): their bases, and whether `format()` builds JSON
  (`json.dumps`, `orjson.dumps`).
- `mechanisms` (`Mechanism`): what puts a request/correlation/trace id into log records: a
  function that sets an attribute on a log record (`logging.Filter.filter`, a record factory),
  a structlog processor or loguru patcher that sets an `event_dict`/`record["extra"]` key,
  `asgi-correlation-id`'s `CorrelationIdFilter`, django-guid's `CorrelationId` filter,
  `structlog.contextvars.merge_contextvars` and `bind_contextvars(...)`, loguru's
  `contextualize(...)`, OpenTelemetry's `LoggingInstrumentor`. The id names involved are
  recorded, not judged: the rule compares them with its configured names. Correlation
  middleware that puts nothing into log records by itself (`CorrelationIdMiddleware`,
  django-guid's middleware) is recorded as kind "middleware", for the message only.
- `log_calls` (`LogCall`) with the function they are in and the id keys they pass
  (`extra={"request_id": ...}`, structlog/loguru keyword arguments, `.bind(request_id=...)`).
- `prints` (`PrintCall`): calls of the builtin `print()` (not a rebound `print`), with the
  function they are in, whether under `if __name__ == "__main__":`, and their `file=` stream.
- `functions` and `calls`: every function's qualified name ("f", "C.m", "create_app.index", as
  `rules/_routes.py` names handlers) and the functions of the same module each one calls
  (`f()`, `self.m()`, `C.m()`), so that rules can follow an endpoint into its helpers;
  `main_calls`: what the `__main__` block calls.
- `cli`: what makes the module command-line code: it imports a terminal library (typer,
  click, argparse, questionary, prompt_toolkit, python-fire; colorama, termcolor or pyboxen,
  which style output for a person at a terminal), defines a Django management
  command, reads `input()` or checks `isatty()`; or None.
"""

from __future__ import annotations

import ast
import bisect
import dataclasses
import re
from collections import ChainMap
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from archlint.model import Span
from archlint.rules._ast import (
    WordLines,
    children,
    lines_with,
    nodes_of,
    simple_statements,
    statements_by_walk,
    walk,
    walked_statements,
)
from archlint.rules._classes import NameRef, _Imports
from archlint.rules.base import AstCollector

JSON, TEXT, UNKNOWN, FILE = "json", "text", "unknown", "file"

LOG_METHODS = frozenset({
    "debug", "info", "warning", "warn", "error", "exception", "critical", "fatal", "log",
    "success", "trace",  # loguru
})
# Names that hold a logger in practice, whatever bound them (`from app.log import logger`).
LOGGER_NAMES = frozenset({"logger", "log", "_logger", "_log", "LOGGER", "LOG", "logging_",
                          "_LOGGER", "_LOG", "log_", "slog", "structlogger", "audit_logger"})
_LOGGER_FACTORIES = frozenset({
    "logging.getLogger", "logging.getLoggerClass", "logging.LoggerAdapter",
    "structlog.get_logger", "structlog.getLogger", "structlog.stdlib.get_logger",
    "structlog.wrap_logger", "structlog.stdlib.BoundLogger",
})
_LOGGER_OBJECTS = frozenset({"loguru.logger", "logging.root"})

# Formatter classes by what they emit (qualified names, also as written in dictConfig strings).
JSON_FORMATTERS = frozenset({
    "pythonjsonlogger.jsonlogger.JsonFormatter", "pythonjsonlogger.json.JsonFormatter",
    "pythonjsonlogger.orjson.OrjsonFormatter", "pythonjsonlogger.msgspec.MsgspecFormatter",
    "ecs_logging.StdlibFormatter", "ecs_logging.StructlogFormatter",
    "json_log_formatter.JSONFormatter", "json_log_formatter.VerboseJSONFormatter",
    "logstash_formatter.LogstashFormatterV1", "google.cloud.logging.handlers.StructuredLogHandler",
})
TEXT_FORMATTERS = frozenset({
    "logging.Formatter", "colorlog.ColoredFormatter", "colorlog.formatter.ColoredFormatter",
    "colorlog.TTYColoredFormatter", "uvicorn.logging.DefaultFormatter",
    "uvicorn.logging.AccessFormatter", "uvicorn.logging.ColourizedFormatter",
    "django.utils.log.ServerFormatter", "rich.logging.RichHandler",
})
_PROCESSOR_FORMATTERS = frozenset({"structlog.stdlib.ProcessorFormatter"})
_JSON_RENDERERS = frozenset({"JSONRenderer"})
_TEXT_RENDERERS = frozenset({"ConsoleRenderer", "KeyValueRenderer", "LogfmtRenderer",
                             "PlainFileRenderer"})
# Handlers that send structured records themselves (no formatter involved).
_STRUCTURED_HANDLER = re.compile(r"json|logstash|gelf|fluent|ecs_logging|StructuredLog", re.IGNORECASE)
# A format string that writes a JSON object: '{"time": "%(asctime)s", ...}' (not str.format's
# "{levelname} {message}").
_JSON_SHAPED = re.compile(r"""^\s*\{\s*(?:\\?["'])[^"']+(?:\\?["'])\s*:""")
_JSONISH = re.compile(r"json|ecs_logging|logstash", re.IGNORECASE)

_CORRELATION_FILTERS = (
    ("asgi_correlation_id", "CorrelationIdFilter", "asgi-correlation-id's CorrelationIdFilter"),
    ("django_guid", "CorrelationId", "django-guid's CorrelationId log filter"),
    ("flask_log_request_id", "RequestIDLogFilter", "flask-log-request-id's RequestIDLogFilter"),
    ("log_request_id", "RequestIDFilter", "django-log-request-id's RequestIDFilter"),
)
_CORRELATION_MIDDLEWARE = (
    ("asgi_correlation_id", "CorrelationIdMiddleware"),
    ("django_guid", "guid_middleware"),
    ("flask_log_request_id", "RequestID"),
    ("log_request_id", "RequestIDMiddleware"),
)
_MERGE_CONTEXTVARS = "structlog.contextvars.merge_contextvars"
_BIND_CONTEXTVARS = ("structlog.contextvars.bind_contextvars",
                     "structlog.contextvars.bound_contextvars")
_OTEL_LOGGING = "opentelemetry.instrumentation.logging.LoggingInstrumentor"
_CLI = ("typer.Typer", "typer.run", "click.command", "click.group", "argparse.ArgumentParser",
        "asyncclick.command", "asyncclick.group", "rich_click.command", "rich_click.group",
        "fire.Fire", "django.core.management.base.BaseCommand",
        "django.core.management.BaseCommand")
# Command-line parsing, prompts, and output styled for a person at a terminal (colours, boxes).
TERMINAL_LIBRARIES = frozenset({"click", "typer", "argparse", "questionary", "prompt_toolkit",
                                 "inquirer", "InquirerPy", "asyncclick", "rich_click", "fire",
                                 "colorama", "termcolor", "pyboxen", "boxen", "yaspin", "halo"})
# The libraries whose names `_reference` looks for (mechanisms, command-line code).
_REFERENCED_PACKAGES = frozenset(
    {_MERGE_CONTEXTVARS.partition(".")[0], _OTEL_LOGGING.partition(".")[0]}
    | {p for p, _, _ in _CORRELATION_FILTERS}
    | {p for p, _ in _CORRELATION_MIDDLEWARE} | {q.partition(".")[0] for q in _CLI})
_RECORDISH = re.compile(r"record|^rec$", re.IGNORECASE)
_DUMPS = frozenset({"json.dumps", "orjson.dumps", "ujson.dumps", "simplejson.dumps",
                    "rapidjson.dumps"})
_CONFIG_FILES = (".yaml", ".yml", ".json", ".ini", ".conf", ".cfg", ".toml")

Function = ast.FunctionDef | ast.AsyncFunctionDef
_LEAVES = (ast.Name, ast.Constant)  # expressions with no node inside (but a context)


@dataclass(frozen=True, slots=True)
class ConfigSite:
    kind: str  # "basicConfig" | "dictConfig" | "fileConfig" | "LOGGING"
    span: Span
    style: str  # JSON | TEXT | UNKNOWN | FILE
    detail: str  # what was read, for the message
    file: str | None = None  # the config file it loads, as written
    pending: tuple[NameRef, ...] = ()  # formatter classes that may be the project's own
    function: str | None = None  # the function it is in
    under_main: bool = False  # under `if __name__ == "__main__":`


@dataclass(frozen=True, slots=True)
class JsonUse:
    span: Span
    what: str


@dataclass(frozen=True, slots=True)
class FormatterClass:
    qualname: str
    bases: tuple[NameRef, ...]
    dumps_json: bool  # its format() builds JSON


@dataclass(frozen=True, slots=True)
class Mechanism:
    kind: str  # "record" | "filter" | "otel" | "merge" | "bind" | "middleware"
    span: Span
    what: str
    ids: tuple[str, ...] = ()  # the id names it sets; () for kinds that always count


@dataclass(frozen=True, slots=True)
class LogCall:
    function: str | None
    span: Span
    method: str
    id_keys: tuple[str, ...]  # extra= keys, keyword arguments, keys bound on the logger
    opaque: bool  # passes extra= or **kwargs the rule cannot read


@dataclass(frozen=True, slots=True)
class PrintCall:
    function: str | None
    span: Span
    under_main: bool
    stream: str | None  # None (stdout), "stdout", "stderr", "other" (a file object)


@dataclass(frozen=True, slots=True)
class FileLogging:
    configs: tuple[ConfigSite, ...]
    json_uses: tuple[JsonUse, ...]
    formatters: tuple[FormatterClass, ...]
    mechanisms: tuple[Mechanism, ...]
    log_calls: tuple[LogCall, ...]
    prints: tuple[PrintCall, ...]
    functions: tuple[str, ...]
    calls: tuple[tuple[str, str], ...]  # (caller, callee) qualified names in this module
    main_calls: tuple[str, ...]
    cli: str | None


# -- values of config dicts ---------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class CallValue:
    """A call inside a config dict (`structlog.processors.JSONRenderer()`)."""

    ref: NameRef | None
    keywords: tuple[tuple[str, Any], ...]


class _Unknown:
    def __repr__(self) -> str:
        return "UNKNOWN"


UNREADABLE = _Unknown()


def literal_value(node: ast.expr | None, names: _Imports) -> Any:
    """A config dict as plain Python: literals, lists, dicts with string keys, names (NameRef)
    and calls (CallValue); UNREADABLE for anything else."""
    if node is None:
        return UNREADABLE
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Dict):
        result: dict[str, Any] = {}
        for key, value in zip(node.keys, node.values):
            if key is None:  # `**other`: keys the rule cannot see
                result["**"] = UNREADABLE
            elif isinstance(key, ast.Constant) and isinstance(key.value, str):
                result[key.value] = literal_value(value, names)
        return result
    if isinstance(node, (ast.List, ast.Tuple)):
        return [literal_value(e, names) for e in node.elts]
    if isinstance(node, (ast.Name, ast.Attribute)):
        return names.ref(node) or UNREADABLE
    if isinstance(node, ast.Call):
        if isinstance(node.func, ast.Name) and node.func.id == "dict" and not node.args:
            return {k.arg: literal_value(k.value, names) for k in node.keywords if k.arg}
        return CallValue(names.ref(node.func),
                         tuple((k.arg, literal_value(k.value, names))
                               for k in node.keywords if k.arg))
    return UNREADABLE


def _ref_of(value: Any) -> NameRef | None:
    """The class a formatter entry names: `"()": "pkg.Json"`, `"class": "logging.Formatter"`,
    `"()": JsonFormatter` (a name)."""
    if isinstance(value, str):
        text = value.removeprefix("ext://").strip()
        return NameRef(text, True) if re.fullmatch(r"[\w.]+", text) else None
    if isinstance(value, NameRef):
        return value
    return None


def _renderer_style(value: Any) -> str:
    """structlog renderers in a processor list or a single processor value."""
    items = value if isinstance(value, list) else [value]
    styles = set()
    for item in items:
        ref = item.ref if isinstance(item, CallValue) else item
        if isinstance(ref, NameRef):
            last = ref.name.rpartition(".")[2]
            if last in _JSON_RENDERERS:
                styles.add(JSON)
            elif last in _TEXT_RENDERERS:
                styles.add(TEXT)
    if JSON in styles:
        return JSON
    return TEXT if TEXT in styles else UNKNOWN


def classify_formatter_class(name: str) -> str | None:
    """JSON or TEXT for a formatter class the rule knows by name, None otherwise."""
    if name in JSON_FORMATTERS or _JSONISH.search(name):
        return JSON
    if name in TEXT_FORMATTERS:
        return TEXT
    return None


def formatter_style(entry: Any) -> tuple[str, NameRef | None, str]:
    """(style, a class to resolve in the project phase, what it is) of one dictConfig formatter."""
    if not isinstance(entry, dict):
        return UNKNOWN, None, "a formatter the rule cannot read"
    factory = entry.get("()", entry.get("class"))
    fmt = entry.get("format", entry.get("fmt"))
    if factory is None:
        if isinstance(fmt, str) and _JSON_SHAPED.match(fmt):
            return JSON, None, "a JSON-shaped format string"
        return TEXT, None, "logging.Formatter" + (f" with format {fmt!r}"
                                                  if isinstance(fmt, str) else "")
    ref = _ref_of(factory)
    if ref is None:
        return UNKNOWN, None, "a formatter class the rule cannot read"
    if ref.imported and ref.name in _PROCESSOR_FORMATTERS or ref.name.endswith(
            "ProcessorFormatter"):
        style = _renderer_style(entry.get("processor", entry.get("processors")))
        return style, None, "structlog ProcessorFormatter"
    known = classify_formatter_class(ref.name) if ref.imported else (
        JSON if _JSONISH.search(ref.name) else None)
    if known is not None:
        return known, None, ref.name
    return TEXT, ref, ref.name  # TEXT unless the project phase finds a JSON formatter class


def dict_config_style(config: Any) -> tuple[str, tuple[NameRef, ...], str]:
    """(style, pending formatter classes, detail) of a dictConfig/LOGGING dict."""
    if not isinstance(config, dict) or config.get("incremental") is True:
        return UNKNOWN, (), ""
    formatters = config.get("formatters")
    handlers = config.get("handlers")
    if formatters is None:
        if not isinstance(handlers, dict) or not handlers:
            return UNKNOWN, (), ""  # levels only, or handlers the rule cannot read
        for handler in handlers.values():
            ref = _ref_of(handler.get("class", handler.get("()"))) if isinstance(
                handler, dict) else None
            if ref is None or _STRUCTURED_HANDLER.search(ref.name):
                return UNKNOWN, (), ""
        return TEXT, (), "handlers without a formatter (logging's default '%(message)s')"
    if not isinstance(formatters, dict) or "**" in formatters:
        return UNKNOWN, (), ""
    styles, pending, details = [], [], []
    for name, entry in formatters.items():
        style, ref, what = formatter_style(entry)
        styles.append(style)
        if ref is not None:
            pending.append(ref)
        details.append(f"'{name}' ({what})")
    if JSON in styles:
        return JSON, (), ""
    if UNKNOWN in styles:
        return UNKNOWN, (), ""
    if not styles:
        return UNKNOWN, (), ""
    return TEXT, tuple(pending), "formatters " + ", ".join(details)


# -- the collector ------------------------------------------------------------------------------
def _string(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def _keyword(call: ast.Call, name: str) -> ast.keyword | None:
    return next((k for k in call.keywords if k.arg == name), None)


def _config_strings(node: ast.AST, suffixes: tuple[str, ...]) -> list[str]:
    found = []
    for sub in walk(node):
        text = _string(sub) if isinstance(sub, ast.expr) else None
        if text and text.lower().endswith(suffixes) and "\n" not in text:
            found.append(text)
    return found


def _is_main_guard(node: ast.If) -> bool:
    test = node.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1
            and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = [test.left, test.comparators[0]]
    return (any(isinstance(s, ast.Name) and s.id == "__name__" for s in sides)
            and any(_string(s) == "__main__" for s in sides))


class LoggingCollector(AstCollector):
    kind = "logging"
    triggers = ("log", "LOG", "print")

    def collect(self) -> list[FileLogging]:
        self.names = _Imports()
        self.cli: str | None = None
        # Names bound anywhere in the file (`dictConfig(LOGGING_CONFIG)`, `config = yaml...`).
        self.values: dict[str, ast.expr] = {}
        self.print_shadowed = False
        for node in statements_by_walk(self.tree):  # in `ast.walk` order: the last binding wins
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                self.names.add(node)
            elif isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.values[target.id] = node.value
                        self.print_shadowed |= target.id == "print"
            elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) \
                    and node.value is not None:
                self.values[node.target.id] = node.value
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                self.print_shadowed |= node.name == "print"
        self.print_shadowed |= "print" in self.names.aliases
        # A module that talks to a terminal (prompts, command-line parsing) is command-line code.
        self.cli = next((name for name in self.names.aliases.values()
                         if name.split(".")[0] in TERMINAL_LIBRARIES), None)
        # Names matter only where they can name a mechanism or a command-line library: most
        # files import none.
        self.reference_roots = {alias for alias, name in self.names.aliases.items()
                                if name.partition(".")[0] in _REFERENCED_PACKAGES}
        # Lines that may put an id into a record (`record.x = ...`, `record["extra"][...]`):
        # functions without one are not walked for mechanisms.
        self.record_lines = lines_with(self.source, ("record", "extra"))
        self.setattr_lines: WordLines | None = None  # made when first needed
        # Module-level loggers (`logger = logging.getLogger(__name__)`), bound before use or not.
        self.loggers: dict[str, tuple[str, ...]] = {}
        for stmt in simple_statements(self.tree.body):
            if isinstance(stmt, (ast.Assign, ast.AnnAssign)) and stmt.value is not None:
                targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                keys = self._logger_keys(stmt.value)
                for target in targets:
                    if isinstance(target, ast.Name) and keys is not None:
                        self.loggers[target.id] = keys
        self.function_nodes: dict[str, Function] = {}
        self.configs: list[ConfigSite] = []
        self.json_uses: list[JsonUse] = []
        self.formatters: list[FormatterClass] = []
        self.mechanisms: list[Mechanism] = []
        self.log_calls: list[LogCall] = []
        self.prints: list[PrintCall] = []
        self.functions: list[str] = []
        self.calls: list[tuple[str, str]] = []
        self.raw_calls: list[tuple[str, tuple[str, ...], str, str | None]] = []
        self.main_raw: list[tuple[tuple[str, ...], str, str | None]] = []
        self._body(self.tree.body, (), None, None, False, [])
        self._module_assignments()
        self._resolve_calls()
        facts = FileLogging(
            tuple(self.configs), tuple(self.json_uses),
            tuple(self.formatters), tuple(self.mechanisms), tuple(self.log_calls),
            tuple(self.prints), tuple(self.functions), tuple(dict.fromkeys(self.calls)),
            tuple(dict.fromkeys(self._main_calls())), self.cli)
        if not (facts.configs or facts.json_uses or facts.formatters
                or facts.mechanisms or facts.log_calls or facts.prints):
            return []
        return [facts]

    # -- loggers ----------------------------------------------------------------------------
    def _logger_keys(self, expr: ast.expr, scope: Mapping[str, tuple[str, ...]] | None = None
                     ) -> tuple[str, ...] | None:
        """The id keys bound on a logger expression (() for a plain logger); None when it is
        not a logger."""
        if isinstance(expr, ast.Await):
            expr = expr.value
        if isinstance(expr, ast.Call):
            qualified = self.names.qualify(expr.func)
            if qualified in _LOGGER_FACTORIES:
                return ()
            if isinstance(expr.func, ast.Attribute) and expr.func.attr in (
                    "bind", "new", "opt", "patch", "getChild", "with_fields"):
                inner = self._logger_keys(expr.func.value, scope)
                if inner is None:
                    return None
                return (*inner, *self._keyword_names(expr))
            return None
        if isinstance(expr, ast.Name):
            if scope is not None and expr.id in scope:
                return scope[expr.id]
            if expr.id in self.loggers:
                return self.loggers[expr.id]
            qualified = self.names.qualify(expr)
            if qualified in _LOGGER_OBJECTS or expr.id in LOGGER_NAMES:
                return ()
            return None
        if isinstance(expr, ast.Attribute):
            qualified = self.names.qualify(expr)
            if qualified in _LOGGER_OBJECTS or expr.attr in LOGGER_NAMES:
                return ()
        return None

    def _keyword_names(self, call: ast.Call) -> tuple[str, ...]:
        names: list[str] = []
        for keyword in call.keywords:
            if keyword.arg is not None:
                names.append(keyword.arg)
            elif isinstance(keyword.value, ast.Dict):
                names.extend(k for k in map(_string, keyword.value.keys) if k)
        return tuple(names)

    # -- the walk ---------------------------------------------------------------------------
    def _body(self, body: list[ast.stmt], scope: tuple[str, ...], cls: str | None,
              function: str | None, under_main: bool,
              locals_: list[dict[str, tuple[str, ...]]]) -> None:
        """`scope`: the qualified name's parts so far; `cls`: the class `self` means here;
        `function`: the function the code runs in (None at module or class level);
        `locals_`: loggers bound in the enclosing functions, innermost last."""
        for stmt in body:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
                qualname = ".".join((*scope, stmt.name))
                self.functions.append(qualname)
                self.function_nodes[qualname] = stmt
                for decorator in stmt.decorator_list:
                    self._expression(decorator, scope, cls, function, under_main, locals_)
                self._function_mechanisms(stmt, qualname, cls)
                self._body(stmt.body, (*scope, stmt.name), cls, qualname, under_main,
                           [*locals_, {}])
            elif isinstance(stmt, ast.ClassDef):
                qualname = ".".join((*scope, stmt.name))
                for expr in (*stmt.bases, *stmt.decorator_list):
                    self._expression(expr, scope, cls, function, under_main, locals_)
                self._formatter_class(stmt, qualname)
                self._body(stmt.body, (*scope, stmt.name), qualname, function, under_main,
                           locals_)
            elif isinstance(stmt, ast.If) and not scope and _is_main_guard(stmt):
                self._body(stmt.body, scope, cls, function, True, locals_)
                self._body(stmt.orelse, scope, cls, function, under_main, locals_)
            else:
                if locals_ and isinstance(stmt, (ast.Assign, ast.AnnAssign)) and \
                        stmt.value is not None:
                    targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]
                    keys = self._logger_keys(stmt.value, self._scope(locals_))
                    for target in targets:
                        if isinstance(target, ast.Name):
                            if keys is not None:
                                locals_[-1][target.id] = keys
                            else:
                                locals_[-1].pop(target.id, None)
                statements: list[ast.stmt] = []  # a run of them, read in one call
                for child in children(stmt):
                    if isinstance(child, ast.stmt):
                        statements.append(child)
                        continue
                    if statements:
                        self._body(statements, scope, cls, function, under_main, locals_)
                        statements = []
                    if isinstance(child, ast.expr):
                        self._expression(child, scope, cls, function, under_main, locals_)
                    elif isinstance(child, (ast.excepthandler, ast.match_case)):
                        for sub in children(child):
                            if isinstance(sub, ast.expr):
                                self._expression(sub, scope, cls, function, under_main,
                                                 locals_)
                        self._body(child.body, scope, cls, function, under_main, locals_)
                    elif isinstance(child, ast.withitem):
                        self._expression(child.context_expr, scope, cls, function, under_main,
                                         locals_)
                if statements:
                    self._body(statements, scope, cls, function, under_main, locals_)

    @staticmethod
    def _scope(locals_: list[dict[str, tuple[str, ...]]]) -> Mapping[str, tuple[str, ...]]:
        """The loggers bound in the enclosing functions, the innermost binding of a name first
        (a view: no copy per statement)."""
        return ChainMap(*reversed(locals_))

    def _expression(self, expr: ast.expr, scope: tuple[str, ...], cls: str | None,
                    function: str | None, under_main: bool,
                    locals_: list[dict[str, tuple[str, ...]]]) -> None:
        """The calls, names and strings of an outermost expression (see `_body`)."""
        references = bool(self.reference_roots)
        # Many expressions are a lone name or constant: no walk for them.
        for node in (expr,) if isinstance(expr, _LEAVES) else walk(expr):
            kind = node.__class__  # `ast.parse` makes no subclasses: one lookup per node
            if kind is ast.Call:
                self._call(node, scope, function, cls, under_main, locals_)
            elif kind is ast.Constant:
                if isinstance(node.value, str):
                    self._string_mechanism(node)
            elif references and (kind is ast.Name or kind is ast.Attribute) and isinstance(
                    node.ctx, ast.Load):
                self._reference(node)

    def _reference(self, node: ast.Name | ast.Attribute) -> None:
        root = node
        while isinstance(root, ast.Attribute):
            root = root.value
        if not isinstance(root, ast.Name) or root.id not in self.reference_roots:
            return  # only names imported from those libraries can be a mechanism
        qualified = self.names.qualify(node)
        if qualified is None:
            return
        if qualified == _MERGE_CONTEXTVARS:
            self._mechanism("merge", node, "structlog.contextvars.merge_contextvars")
        elif qualified == _OTEL_LOGGING:
            self._mechanism("otel", node, "OpenTelemetry's LoggingInstrumentor")
        else:
            self._library_mechanism(qualified, node)
        self._cli_ref(node)

    def _cli_ref(self, node: ast.Name | ast.Attribute) -> None:
        if self.cli is None:
            qualified = self.names.qualify(node)
            if qualified is not None and qualified in _CLI:
                self.cli = qualified

    def _library_mechanism(self, qualified: str, node: ast.expr) -> None:
        top = qualified.partition(".")[0]
        for package, name, what in _CORRELATION_FILTERS:
            if top == package and qualified.rpartition(".")[2] == name:
                self._mechanism("filter", node, what)
                return
        for package, name in _CORRELATION_MIDDLEWARE:
            if top == package and qualified.rpartition(".")[2] == name:
                self._mechanism("middleware", node, qualified)
                return

    def _string_mechanism(self, node: ast.Constant) -> None:
        text = node.value
        if "." not in text or len(text) > 200 or " " in text:
            return
        text = text.removeprefix("ext://")
        if any(text.startswith(p + ".") for p, _, _ in _CORRELATION_FILTERS) or any(
                text.startswith(p + ".") for p, _ in _CORRELATION_MIDDLEWARE):
            self._library_mechanism(text, node)

    def _mechanism(self, kind: str, node: ast.AST, what: str, ids: tuple[str, ...] = ()) -> None:
        self.mechanisms.append(Mechanism(kind, self.span_of(node), what, ids))  # type: ignore[arg-type]

    # -- calls ------------------------------------------------------------------------------
    def _call(self, node: ast.Call, scope: tuple[str, ...], function: str | None,
              cls: str | None, under_main: bool,
              locals_: list[dict[str, tuple[str, ...]]]) -> None:
        func = node.func
        qualified = self.names.qualify(func)
        if self.cli is None and qualified is not None and qualified in _CLI:
            self.cli = qualified
        if self.cli is None and (
                (isinstance(func, ast.Name) and func.id == "input")
                or (isinstance(func, ast.Attribute) and func.attr == "isatty")):
            self.cli = "input()" if isinstance(func, ast.Name) else "isatty()"  # a terminal
        if isinstance(func, ast.Name) and func.id == "print" and not self.print_shadowed:
            self.prints.append(PrintCall(function, self.span_of(node), under_main,
                                         self._stream(node)))
        if function is not None or under_main:
            callee = self._local_callee(func, cls)
            if callee is not None:
                if function is not None:
                    self.raw_calls.append((function, scope, callee[0], callee[1]))
                else:
                    self.main_raw.append((scope, callee[0], callee[1]))
        if qualified is not None:
            before = len(self.configs)
            self._qualified_call(node, qualified, function)
            for index in range(before, len(self.configs)):
                self.configs[index] = dataclasses.replace(
                    self.configs[index], function=function, under_main=under_main)
        if isinstance(func, ast.Attribute):
            self._method_call(node, func, function, locals_)

    def _local_callee(self, func: ast.expr, cls: str | None) -> tuple[str, str | None] | None:
        """(name, class) of a call that may reach a function of this module: `f()`,
        `self.m()`/`cls.m()` (with the enclosing class), `C.m()`."""
        if isinstance(func, ast.Name):
            return (func.id, None) if func.id not in self.names.aliases else None
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            if func.value.id in ("self", "cls") and cls is not None:
                return func.attr, cls
            if func.value.id not in self.names.aliases:
                return f"{func.value.id}.{func.attr}", None
        return None

    def _stream(self, node: ast.Call) -> str | None:
        keyword = _keyword(node, "file")
        if keyword is None:
            return None
        qualified = self.names.qualify(keyword.value)
        if qualified in ("sys.stderr", "sys.__stderr__"):
            return "stderr"
        if qualified in ("sys.stdout", "sys.__stdout__"):
            return "stdout"
        return "other"

    def _qualified_call(self, node: ast.Call, qualified: str, function: str | None) -> None:
        if qualified == "logging.basicConfig":
            self._basic_config(node)
        elif qualified in ("logging.config.dictConfig", "logging.config.dictConfigClass"):
            self._dict_config(node, function)
        elif qualified == "logging.config.fileConfig":
            self._file_config(node, function)
        elif qualified in ("structlog.configure", "structlog.configure_once"):
            processors = _keyword(node, "processors")
            if processors is not None and _renderer_style(
                    literal_value(processors.value, self.names)) == JSON:
                self.json_uses.append(JsonUse(self.span_of(node), "structlog JSONRenderer"))
        elif qualified.rpartition(".")[2] in _JSON_RENDERERS and qualified.startswith(
                "structlog"):
            self.json_uses.append(JsonUse(self.span_of(node), "structlog JSONRenderer"))
        elif qualified in _BIND_CONTEXTVARS:
            self._mechanism("bind", node, "structlog.contextvars.bind_contextvars",
                            self._keyword_names(node))
        elif qualified.split(".")[0] in (
                "pythonjsonlogger", "ecs_logging", "json_log_formatter", "logstash_formatter",
                "google") and classify_formatter_class(qualified) == JSON:
            self.json_uses.append(JsonUse(self.span_of(node), qualified))

    def _method_call(self, node: ast.Call, func: ast.Attribute, function: str | None,
                     locals_: list[dict[str, tuple[str, ...]]]) -> None:
        method = func.attr
        if method in LOG_METHODS:
            scope = self._scope(locals_) if locals_ else None
            keys = self._logger_keys(func.value, scope)
            qualified = self.names.qualify(func.value)
            if keys is None and qualified == "logging":
                keys = ()
            if keys is not None:
                self._log_call(node, method, function, keys)
            return
        if method not in ("add", "contextualize", "configure"):
            return
        receiver = self._logger_keys(func.value)
        if method == "add" and receiver is not None:
            serialize = _keyword(node, "serialize")
            if serialize is not None and not (isinstance(serialize.value, ast.Constant)
                                              and not serialize.value.value):
                self.json_uses.append(JsonUse(self.span_of(node), "loguru serialize=True"))
        elif method == "contextualize" and receiver is not None:
            self._mechanism("bind", node, "loguru contextualize()", self._keyword_names(node))
        elif method == "configure" and receiver is not None:
            patcher = _keyword(node, "patcher")
            if patcher is not None:
                ids = tuple(n.value for n in walk(patcher.value)
                            if isinstance(n, ast.Constant) and isinstance(n.value, str))
                self._mechanism("record", node, "a loguru patcher", ids)

    def _log_call(self, node: ast.Call, method: str, function: str | None,
                  bound: tuple[str, ...]) -> None:
        keys = list(bound)
        opaque = False
        for keyword in node.keywords:
            if keyword.arg is None:
                if isinstance(keyword.value, ast.Dict):
                    keys.extend(k for k in map(_string, keyword.value.keys) if k)
                else:
                    opaque = True
            elif keyword.arg == "extra":
                value = literal_value(keyword.value, self.names)
                if isinstance(value, dict) and "**" not in value:
                    keys.extend(value)
                else:
                    opaque = True
            else:
                keys.append(keyword.arg)
        self.log_calls.append(LogCall(function, self.span_of(node), method, tuple(keys), opaque))

    # -- configuration sites ----------------------------------------------------------------
    def _basic_config(self, node: ast.Call) -> None:
        handlers = _keyword(node, "handlers")
        if handlers is not None:
            style, detail = self._handlers_style(handlers.value)
            self.configs.append(ConfigSite("basicConfig", self.span_of(node), style, detail))
            return
        if any(k.arg is None for k in node.keywords):
            self.configs.append(ConfigSite("basicConfig", self.span_of(node), UNKNOWN, ""))
            return
        fmt = _keyword(node, "format")
        if fmt is None:
            self.configs.append(ConfigSite(
                "basicConfig", self.span_of(node), TEXT,
                "basicConfig() without format= (logging's default '%(levelname)s:%(name)s:"
                "%(message)s')"))
            return
        text = _string(fmt.value)
        if text is not None and _JSON_SHAPED.match(text):
            self.configs.append(ConfigSite("basicConfig", self.span_of(node), JSON, ""))
            return
        shown = repr(text) if text is not None else "a format string"
        self.configs.append(ConfigSite("basicConfig", self.span_of(node), TEXT,
                                       f"basicConfig(format={shown})"))

    def _handlers_style(self, handlers: ast.expr) -> tuple[str, str]:
        """`basicConfig(handlers=[handler])`: the handlers keep their own formatters, read from
        `handler.setFormatter(logging.Formatter(...))` in this file. TEXT only when every handler
        is a name given a known plain-text formatter here; UNKNOWN when any cannot be told."""
        if not isinstance(handlers, (ast.List, ast.Tuple)) or not handlers.elts \
                or not all(isinstance(h, ast.Name) for h in handlers.elts):
            return UNKNOWN, ""
        styles: dict[str, str | None] = {}
        for call in nodes_of(self.tree, ast.Call):
            if isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute) \
                    and call.func.attr == "setFormatter" and isinstance(call.func.value, ast.Name) \
                    and call.args and isinstance(call.args[0], ast.Call):
                formatter = self.names.qualify(call.args[0].func)
                styles[call.func.value.id] = classify_formatter_class(formatter) \
                    if formatter else None
        found = [styles.get(h.id) for h in handlers.elts]  # type: ignore[union-attr]
        if JSON in found:
            return JSON, ""
        if all(style == TEXT for style in found):
            return TEXT, "basicConfig(handlers=...) whose handlers format with logging.Formatter"
        return UNKNOWN, ""

    def _dict_config(self, node: ast.Call, function: str | None) -> None:
        argument = node.args[0] if node.args else None
        if isinstance(argument, ast.Name) and isinstance(self.values.get(argument.id), ast.Dict):
            argument = self.values[argument.id]
        if isinstance(argument, ast.Dict):
            style, pending, detail = dict_config_style(literal_value(argument, self.names))
            self.configs.append(ConfigSite("dictConfig", self.span_of(node), style, detail,
                                           None, pending))
            return
        name = self._file_named(argument, function, (".yaml", ".yml", ".json"))
        self.configs.append(ConfigSite("dictConfig", self.span_of(node),
                                       FILE if name else UNKNOWN, "", name))

    def _file_config(self, node: ast.Call, function: str | None) -> None:
        argument = node.args[0] if node.args else None
        name = self._file_named(argument, function, (".ini", ".conf", ".cfg"))
        self.configs.append(ConfigSite("fileConfig", self.span_of(node),
                                       FILE if name else UNKNOWN, "", name))

    def _file_named(self, argument: ast.expr | None, function: str | None,
                    suffixes: tuple[str, ...]) -> str | None:
        """The config file a call loads: a string literal ending in a config suffix inside the
        argument (`yaml.safe_load(open("logging.yaml"))`, `Path(__file__).parent /
        "logging.ini"`), through one name bound in the file, or else the one such literal in the
        enclosing function (`with open("logging.yaml") as f: dictConfig(yaml.safe_load(f))`)."""
        if argument is None:
            return None
        places: list[ast.AST] = [argument]
        if isinstance(argument, ast.Name) and argument.id in self.values:
            places.append(self.values[argument.id])
        for place in places:
            found = _config_strings(place, suffixes)
            if found:
                return found[0]
        node = self.function_nodes.get(function) if function is not None else None
        found = _config_strings(node if node is not None else self.tree, suffixes)
        return found[0] if len(set(found)) == 1 else None

    def _module_assignments(self) -> None:
        """Django's `LOGGING = {...}` setting (a module-level dict literal that looks like a
        dictConfig: it has a version, handlers or formatters)."""
        for stmt in self.tree.body:
            targets: list[ast.expr] = []
            if isinstance(stmt, ast.Assign):
                targets, value = stmt.targets, stmt.value
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                targets, value = [stmt.target], stmt.value
            if not any(isinstance(t, ast.Name) and t.id == "LOGGING" for t in targets):
                continue
            if not isinstance(value, ast.Dict):
                continue
            config = literal_value(value, self.names)
            if not any(k in config for k in ("version", "handlers", "formatters")):
                continue
            style, pending, detail = dict_config_style(config)
            self.configs.append(ConfigSite("LOGGING", self.span_of(stmt), style, detail, None,
                                           pending))

    # -- functions that put an id into records, formatter classes ---------------------------
    def _function_mechanisms(self, node: Function, qualname: str, cls: str | None) -> None:
        params = [a.arg for a in (*node.args.posonlyargs, *node.args.args)]
        if cls is not None and params:
            params = params[1:]
        recordish = {p for p in params if _RECORDISH.search(p)}
        if node.name == "filter" and params:
            recordish.add(params[0])
        event_dicts = {p for p in params if p in ("event_dict", "event")} | (
            {params[2]} if len(params) == 3 and params[2].endswith("dict") else set())
        if not recordish and not event_dicts:
            first = bisect.bisect_left(self.record_lines, node.lineno)
            if first == len(self.record_lines) or \
                    self.record_lines[first] > (node.end_lineno or node.lineno):
                return
        # Only assignments (statements) and `setattr()` calls can set an id: without "setattr"
        # on its lines, the function's statements are all there is to read.
        if self.setattr_lines is None:
            self.setattr_lines = WordLines(self.source, ("setattr",))
        nodes = walk(node) if self.setattr_lines.between(
            min((d.lineno for d in node.decorator_list), default=node.lineno),
            node.end_lineno or node.lineno) else walked_statements(node)
        for stmt in nodes:
            if isinstance(stmt, ast.Assign):
                for target in stmt.targets:
                    if isinstance(target, ast.Name) and _RECORDISH.search(target.id) and \
                            isinstance(stmt.value, ast.Call):
                        recordish.add(target.id)  # `record = old_factory(*args, **kwargs)`
        ids: list[str] = []
        for stmt in nodes:
            targets: list[ast.expr] = []
            if isinstance(stmt, ast.Assign):
                targets = stmt.targets
            elif isinstance(stmt, (ast.AnnAssign, ast.AugAssign)):
                targets = [stmt.target]
            elif isinstance(stmt, ast.Call) and isinstance(stmt.func, ast.Name) and \
                    stmt.func.id == "setattr" and len(stmt.args) >= 2:
                holder, name = stmt.args[0], _string(stmt.args[1])
                if isinstance(holder, ast.Name) and holder.id in recordish and name:
                    ids.append(name)
                continue
            for target in targets:
                for sub in walk(target):
                    if isinstance(sub, ast.Attribute) and isinstance(sub.value, ast.Name) and \
                            sub.value.id in recordish:
                        ids.append(sub.attr)
                    elif isinstance(sub, ast.Subscript):
                        key = _string(sub.slice)
                        base = sub.value
                        if key is None:
                            continue
                        if isinstance(base, ast.Name) and base.id in event_dicts:
                            ids.append(key)  # structlog processor
                        elif isinstance(base, ast.Subscript) and _string(base.slice) == "extra":
                            ids.append(key)  # loguru patcher: record["extra"]["request_id"]
                        elif isinstance(base, ast.Attribute) and base.attr == "__dict__" and \
                                isinstance(base.value, ast.Name) and base.value.id in recordish:
                            ids.append(key)
        if ids:
            self._mechanism("record", node, f"{qualname}()", tuple(dict.fromkeys(ids)))

    def _formatter_class(self, node: ast.ClassDef, qualname: str) -> None:
        bases = tuple(r for b in node.bases for r in (self.names.ref(b),) if r is not None)
        methods = {s.name: s for s in node.body if isinstance(s, (ast.FunctionDef,
                                                                   ast.AsyncFunctionDef))}
        if not (any(b.name.endswith("Formatter") for b in bases) or "format" in methods):
            return
        dumps = False
        format_method = methods.get("format")
        if format_method is not None:
            for sub in walk(format_method):
                if isinstance(sub, ast.Call) and self.names.qualify(sub.func) in _DUMPS:
                    dumps = True
                    break
        self.formatters.append(FormatterClass(qualname, bases, dumps))

    # -- the module's own call graph --------------------------------------------------------
    def _resolve_calls(self) -> None:
        defined = set(self.functions)
        for caller, scope, name, cls in self.raw_calls:
            target = self._target(name, scope, cls, defined)
            if target is not None and target != caller:
                self.calls.append((caller, target))

    def _target(self, name: str, scope: tuple[str, ...], cls: str | None,
                defined: set[str]) -> str | None:
        if cls is not None:
            candidate = f"{cls}.{name}"
            return candidate if candidate in defined else None
        for depth in range(len(scope), -1, -1):  # nested functions first, then the module
            candidate = ".".join((*scope[:depth], name))
            if candidate in defined:
                return candidate
        return None

    def _main_calls(self) -> list[str]:
        defined = set(self.functions)
        return [t for scope, name, cls in self.main_raw
                for t in (self._target(name, scope, cls, defined),) if t is not None]
