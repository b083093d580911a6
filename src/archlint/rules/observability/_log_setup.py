"""What a project's logging setup amounts to, decided once per scan from `LoggingCollector`'s
facts and the logging config files discovery lists (`ProjectModel.companions`): is a JSON
formatter configured anywhere, which configuration sites emit plain text, and what (if anything)
puts a request/correlation/trace id into log records. Read by ARC503 and ARC504.

Tests, test helpers and migrations (`rules/_scaffolding.py`) are left out: a JSON formatter or a
correlation filter that only the tests configure does not shape what production logs.
"""

from __future__ import annotations

import configparser
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from archlint.rules._classes import NameRef
from archlint.rules._scaffolding import is_scaffolding_path
from archlint.rules._texts import companion_named, instrumented_launch, read_text
from archlint.rules.architecture._project import structure
from archlint.rules.base import ProjectModel
from archlint.rules.observability._logging import (
    _CORRELATION_FILTERS,
    FILE,
    JSON,
    TEXT,
    UNKNOWN,
    ConfigSite,
    FileLogging,
    FormatterClass,
    LoggingCollector,
    classify_formatter_class,
    dict_config_style,
)

_LOGGING_FILE = re.compile(r"log.*\.(ini|conf|cfg|ya?ml|json)$", re.IGNORECASE)


def logging_facts(project: ProjectModel) -> list[tuple[str, FileLogging]]:
    """Every production file's logging facts (tests and migrations left out)."""
    return project.derived("logging.facts", lambda p: [
        (path, fact) for path, fact in p.of(LoggingCollector.kind)
        if not is_scaffolding_path(path)])


# -- formatter classes of the project -----------------------------------------------------------
class Formatters:
    """The project's own formatter classes, by absolute name, and which of them emit JSON."""

    def __init__(self, project: ProjectModel) -> None:
        self.modules = structure(project).modules
        self.classes: dict[str, tuple[str, FormatterClass]] = {}  # name -> (module, class)
        for path, fact in logging_facts(project):
            module = self.modules.module_of.get(path)
            if module is None:
                continue
            for cls in fact.formatters:
                self.classes[f"{module}.{cls.qualname}"] = (module, cls)
        self._json: dict[str, bool] = {}

    def absolute(self, ref: NameRef, module: str | None) -> str | None:
        if module is None:
            return ref.name if not ref.name.startswith(".") else None
        if not ref.imported:
            return f"{module}.{ref.name}"
        level = len(ref.name) - len(ref.name.lstrip("."))
        if not level:
            return ref.name
        return self.modules.relative_to(module, ref.name[level:], level)

    def style(self, ref: NameRef, module: str | None) -> str:
        """JSON, TEXT (a known text formatter, or a project class that is not JSON) or UNKNOWN."""
        name = self.absolute(ref, module)
        if name is None:
            return UNKNOWN
        if name in self.classes:
            return JSON if self.is_json(name) else TEXT
        return classify_formatter_class(name) or UNKNOWN

    def is_json(self, name: str, depth: int = 0) -> bool:
        if name in self._json:
            return self._json[name]
        self._json[name] = False  # a cycle in the bases is not JSON
        module, cls = self.classes[name]
        found = cls.dumps_json or classify_formatter_class(cls.qualname) == JSON
        for base in cls.bases:
            if found or depth > 20:
                break
            absolute = self.absolute(base, module)
            if absolute is None:
                continue
            if absolute in self.classes:
                found = self.is_json(absolute, depth + 1)
            else:
                found = classify_formatter_class(absolute) == JSON
        self._json[name] = found
        return found

    def json_classes(self) -> list[str]:
        return [name for name in self.classes if self.is_json(name)]


def formatters(project: ProjectModel) -> Formatters:
    return project.derived("logging.formatters", Formatters)


# -- configuration sites ------------------------------------------------------------------------
@dataclass(frozen=True)
class SiteStyle:
    style: str  # JSON | TEXT | UNKNOWN
    detail: str  # what was read, for the message
    file: str | None = None  # the config file it was read from (root-relative)


def site_style(project: ProjectModel, path: str, site: ConfigSite) -> SiteStyle:
    """What a configuration site emits, with its config file and formatter classes resolved."""
    table = formatters(project)
    module = table.modules.module_of.get(path)
    if site.style == FILE and site.file is not None:
        found = companion_named(project, site.file)
        text = read_text(project, found) if found is not None else None
        if found is None or text is None:
            return SiteStyle(UNKNOWN, "")
        style, pending, detail = config_file_style(found, text)
        return SiteStyle(_with_pending(table, style, pending, None), detail, found)
    if site.style == TEXT:
        return SiteStyle(_with_pending(table, TEXT, site.pending, module), site.detail)
    return SiteStyle(site.style if site.style in (JSON, TEXT) else UNKNOWN, site.detail)


def _with_pending(table: Formatters, style: str, pending: Iterable[NameRef],
                  module: str | None) -> str:
    if style != TEXT:
        return style
    styles = {table.style(ref, module) for ref in pending}
    if JSON in styles:
        return JSON
    return UNKNOWN if UNKNOWN in styles else TEXT


def config_file_style(path: str, text: str) -> tuple[str, tuple[NameRef, ...], str]:
    """(style, formatter classes to resolve, detail) of a logging config file."""
    suffix = PurePosixPath(path).suffix.lower()
    try:
        if suffix == ".json":
            config: Any = json.loads(text)
        elif suffix in (".yaml", ".yml"):
            config = simple_yaml(text)
        else:
            config = ini_config(text)
    except (ValueError, configparser.Error):
        return UNKNOWN, (), ""
    if isinstance(config, dict) and isinstance(config.get("logging"), dict) and \
            "formatters" not in config:
        config = config["logging"]  # an app config file with a logging section
    style, pending, detail = dict_config_style(config)
    return style, pending, f"{path}: {detail}" if detail else path


def ini_config(text: str) -> dict[str, Any]:
    """A `fileConfig` ini file as the dictConfig shape: formatters with their class and format,
    handlers with their class."""
    parser = configparser.RawConfigParser(strict=False, interpolation=None)
    parser.read_string(text)
    config: dict[str, Any] = {}
    names = [n.strip() for n in parser.get("formatters", "keys", fallback="").split(",")
             if n.strip()]
    if parser.has_section("formatters"):
        config["formatters"] = {
            name: {key: value for key, value in parser.items(f"formatter_{name}")
                   if key in ("class", "format")} if parser.has_section(f"formatter_{name}")
            else {}
            for name in names}
    handlers = [n.strip() for n in parser.get("handlers", "keys", fallback="").split(",")
                if n.strip()]
    if handlers:
        config["handlers"] = {
            name: {"class": parser.get(f"handler_{name}", "class", fallback="")}
            for name in handlers}
    return config


_YAML_LINE = re.compile(r"^(?P<indent>\s*)(?P<key>[^:#]+?|'[^']*'|\"[^\"]*\")\s*:(?:\s+(?P<value>.*))?$")


def simple_yaml(text: str) -> dict[str, Any]:
    """The nested mappings of a YAML logging config, read by indentation (a YAML library is not
    a dependency): `key: value` scalars and `key:` blocks; list items and anchors are skipped.
    Enough to find formatters and their `()`/`class`/`format` keys."""
    root: dict[str, Any] = {}
    stack: list[tuple[int, dict[str, Any]]] = [(-1, root)]
    for raw in text.splitlines():
        line = raw.split(" #")[0].rstrip() if not raw.lstrip().startswith("#") else ""
        if not line.strip() or line.lstrip().startswith(("-", "---", "...")):
            continue
        match = _YAML_LINE.match(line)
        if match is None:
            continue
        indent = len(match.group("indent"))
        key = match.group("key").strip().strip("'\"")
        value = (match.group("value") or "").strip()
        while stack and stack[-1][0] >= indent:
            stack.pop()
        if not stack:
            return root
        parent = stack[-1][1]
        if value and not value.startswith(("&", "|", ">")):
            parent[key] = _yaml_scalar(value)
        else:
            child: dict[str, Any] = {}
            parent[key] = child
            stack.append((indent, child))
    return root


def _yaml_scalar(value: str) -> Any:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        return value[1:-1]
    if value in ("true", "True"):
        return True
    if value in ("false", "False"):
        return False
    if value.isdigit():
        return int(value)
    if value == "{}":
        return {}
    return value


# -- JSON anywhere? -----------------------------------------------------------------------------
def json_evidence(project: ProjectModel) -> str | None:
    """Where a JSON formatter is configured in the project (for the quiet case), or None."""
    return project.derived("logging.json_evidence", _json_evidence)


def _json_evidence(project: ProjectModel) -> str | None:
    for path, fact in logging_facts(project):
        for use in fact.json_uses:
            return f"{use.what} ({path}:{use.span.line})"
        for site in fact.configs:
            if site_style(project, path, site).style == JSON:
                return f"{site.kind} ({path}:{site.span.line})"
    classes = formatters(project).json_classes()
    if classes:
        return f"the JSON formatter class {classes[0]}"
    for path in project.companions:
        if _LOGGING_FILE.search(PurePosixPath(path).name):
            text = read_text(project, path)
            if text is not None and config_file_style(path, text)[0] == JSON:
                return path
    return None


# -- correlation ids ----------------------------------------------------------------------------
def normalized(name: str) -> str:
    return re.sub(r"[^a-z0-9]", "", name.lower())


def carries_id(keys: Iterable[str], id_names: Iterable[str]) -> bool:
    """Any of `keys` names a correlation id: "request_id", "X-Request-ID", "otelTraceID"."""
    wanted = [normalized(n) for n in id_names if normalized(n)]
    return any(w in normalized(key) for key in keys for w in wanted)


@dataclass(frozen=True)
class Correlation:
    mechanism: str | None  # what puts an id into log records, with where; None: nothing
    middleware: str | None  # correlation middleware seen without its log filter


def correlation(project: ProjectModel, id_names: tuple[str, ...]) -> Correlation:
    key = "logging.correlation." + ",".join(id_names)
    return project.derived(key, lambda p: _correlation(p, id_names))


def _correlation(project: ProjectModel, id_names: tuple[str, ...]) -> Correlation:
    merge: str | None = None
    structlog_bound: str | None = None
    middleware: str | None = None
    for path, fact in logging_facts(project):
        for found in fact.mechanisms:
            where = f"{found.what} ({path}:{found.span.line})"
            if found.kind in ("filter", "otel"):
                return Correlation(where, None)
            if found.kind == "record" and carries_id(found.ids, id_names):
                return Correlation(where, None)
            if found.kind == "bind" and carries_id(found.ids, id_names):
                if found.what.startswith("loguru"):
                    return Correlation(where, None)  # loguru's records carry the context
                structlog_bound = structlog_bound or where
            elif found.kind == "merge":
                merge = merge or where
            elif found.kind == "middleware":
                middleware = middleware or where
    if merge is not None and structlog_bound is not None:
        return Correlation(f"{merge} with {structlog_bound}", None)
    launch = instrumented_launch(project)
    if launch is not None:
        return Correlation(f"opentelemetry-instrument ({launch.path}:{launch.line})", None)
    for path in project.companions:
        if _LOGGING_FILE.search(PurePosixPath(path).name):
            text = read_text(project, path) or ""
            for package, name, what in _CORRELATION_FILTERS:
                if package in text and name in text:
                    return Correlation(f"{what} ({path})", None)
    return Correlation(None, middleware)
