"""The non-Python files that say how a service runs, read as text in the project phase: the
commands that launch it (Dockerfile CMD/ENTRYPOINT, Procfile processes, compose `command:` and
`entrypoint:`, shell entry scripts), the console scripts of the root pyproject.toml (one may be a
tracing launcher under the project's own name), and logging configs named by the code
(`fileConfig("x.ini")`).

Discovery lists them (`ProjectModel.companions`, names in `engine.discover.COMPANION_FILES`)
under the scan's excludes; nothing here runs or imports anything. A file that cannot be read
or decoded is skipped: these files only ever make a rule quieter, never louder, so missing one
can cost a finding but never invent one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

from archlint.rules.base import ProjectModel

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

MAX_TEXT_BYTES = 1_000_000  # a launch script or logging config is small; a larger file is data

_INSTRUMENT = re.compile(r"(?:^|[\s/;&|\"'(])opentelemetry-instrument(?=$|[\s\"';&|)])")
# Launchers of other tracers' agents, which instrument the frameworks and libraries they support
# as opentelemetry-instrument does: ddtrace-run (Datadog), newrelic-admin run-program/run-python.
_TRACING_LAUNCHERS = re.compile(
    r"(?:^|[\s/;&|\"'(])(?:opentelemetry-instrument|ddtrace-run"
    r"|newrelic-admin\s+run-(?:program|python))(?=$|[\s\"';&|)])")
_DOCKER_LAUNCH = re.compile(r"^\s*(CMD|ENTRYPOINT)\s+(.*)$", re.IGNORECASE | re.DOTALL)
_COMPOSE_KEY = re.compile(r"^(\s*)(command|entrypoint)\s*:\s*(.*)$")


@dataclass(frozen=True, slots=True)
class Command:
    path: str  # root-relative
    line: int  # where the command starts
    text: str  # the command line, continuation lines joined, exec-form arrays spaced out


def read_text(project: ProjectModel, path: str) -> str | None:
    """A root-relative file's text, or None when it is missing, unreadable or too big."""
    if project.root is None:
        return None
    project.note_read(path)
    try:
        full = project.root / path
        if full.stat().st_size > MAX_TEXT_BYTES:
            return None
        return full.read_text(encoding="utf-8", errors="replace")
    except (OSError, ValueError):
        return None


def launch_commands(project: ProjectModel) -> list[Command]:
    """Every command the project's launch files run, computed once per project."""
    return project.derived("texts.launch_commands", _launch_commands)


def instrumented_launch(project: ProjectModel) -> Command | None:
    """The first command that runs the service under `opentelemetry-instrument`, which
    instruments every installed library it has an instrumentor for (web frameworks, HTTP
    clients, database drivers, logging); also under a `[project.scripts]` entry of the
    project's that is the same launcher under another name."""
    aliases = _aliases(project, ("opentelemetry",))
    return next((c for c in launch_commands(project)
                 if _INSTRUMENT.search(c.text) or _runs_any(c.text, aliases)), None)


def tracing_launch(project: ProjectModel) -> Command | None:
    """The first command that runs the service under a tracing agent's launcher:
    `opentelemetry-instrument`, `ddtrace-run` or `newrelic-admin run-program`/`run-python`. Each
    traces every web framework and client library it supports, with no change to the code."""
    aliases = _aliases(project, ("opentelemetry", "ddtrace"))
    return next((c for c in launch_commands(project)
                 if _TRACING_LAUNCHERS.search(c.text) or _runs_any(c.text, aliases)), None)


# The console-script targets of the tracing launchers, by vendor: a project that declares one
# under its own name (`[project.scripts] serve-traced = "opentelemetry...:run"`) launches
# through that name.
_LAUNCHER_TARGETS = {
    "opentelemetry.instrumentation.auto_instrumentation:run": "opentelemetry",
    "ddtrace.commands.ddtrace_run:main": "ddtrace",
}


def script_entries(project: ProjectModel) -> dict[str, str]:
    """`[project.scripts]` and `[tool.poetry.scripts]` of the root pyproject.toml: name ->
    "module:function" (empty when there is none or it does not parse)."""
    return project.derived("texts.scripts", _script_entries)


def _script_entries(project: ProjectModel) -> dict[str, str]:
    text = read_text(project, "pyproject.toml")
    if text is None:
        return {}
    try:
        data = tomllib.loads(text)
    except (tomllib.TOMLDecodeError, ValueError):
        return {}
    found: dict[str, str] = {}
    tables = (data.get("project", {}).get("scripts"),
              data.get("tool", {}).get("poetry", {}).get("scripts"))
    for table in tables:
        if isinstance(table, dict):
            found.update({k: v for k, v in table.items() if isinstance(v, str)})
    return found


def _aliases(project: ProjectModel, vendors: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(name for name, target in script_entries(project).items()
                 if _LAUNCHER_TARGETS.get(target.replace(" ", "")) in vendors)


def _runs_any(text: str, names: tuple[str, ...]) -> bool:
    words = {w.rpartition("/")[2] for w in re.split(r"[\s;&|\"'()]+", text)}
    return any(name in words for name in names)


def companion_named(project: ProjectModel, name: str) -> str | None:
    """The launch or logging file a call names (`fileConfig("conf/logging.ini")`): the one whose
    path ends with that name, preferring the shortest path; None when none does."""
    wanted = PurePosixPath(name.replace("\\", "/")).parts
    wanted = tuple(p for p in wanted if p not in (".", ""))
    if not wanted or ".." in wanted:
        return None
    matches = [p for p in project.companions if PurePosixPath(p).parts[-len(wanted):] == wanted]
    return min(matches, key=lambda p: (p.count("/"), p)) if matches else None


def _launch_commands(project: ProjectModel) -> list[Command]:
    found: list[Command] = []
    for path in project.companions:
        name = PurePosixPath(path).name.lower()
        kind = _kind(name)
        if kind is None:
            continue
        text = read_text(project, path)
        if text is None:
            continue
        found.extend(_READERS[kind](path, text))
    return found


def _kind(name: str) -> str | None:
    if "dockerfile" in name or name == "containerfile":
        return "docker"
    if name.startswith("procfile"):
        return "procfile"
    if name.endswith((".yml", ".yaml")) and "compose" in name:
        return "compose"
    if name.endswith(".sh") or name in ("entrypoint", "docker-entrypoint"):
        return "shell"
    return None


def _logical_lines(text: str) -> Iterator[tuple[int, str]]:
    """Lines with backslash continuations joined, each with the number of its first line."""
    start, parts = 0, []
    for number, line in enumerate(text.splitlines(), 1):
        if not parts:
            start = number
        if line.rstrip().endswith("\\"):
            parts.append(line.rstrip()[:-1])
            continue
        parts.append(line)
        yield start, " ".join(p.strip() for p in parts)
        parts = []
    if parts:
        yield start, " ".join(p.strip() for p in parts)


def _exec_form(value: str) -> str:
    """`["opentelemetry-instrument", "uvicorn", "app:app"]` -> its words spaced out."""
    value = value.strip()
    if value.startswith("["):
        try:
            words = json.loads(value)
        except ValueError:
            return value
        if isinstance(words, list):
            return " ".join(str(w) for w in words)
    return value


def _docker(path: str, text: str) -> Iterator[Command]:
    for line, logical in _logical_lines(text):
        match = _DOCKER_LAUNCH.match(logical)
        if match:
            yield Command(path, line, _exec_form(match.group(2)))


def _procfile(path: str, text: str) -> Iterator[Command]:
    for line, logical in _logical_lines(text):
        name, colon, command = logical.partition(":")
        if colon and name.strip() and not name.lstrip().startswith("#"):
            yield Command(path, line, command.strip())


def _compose(path: str, text: str) -> Iterator[Command]:
    """`command:`/`entrypoint:` values of a compose file: a string, a flow list, or a block list
    on the lines below (read line by line: a YAML library is not a dependency)."""
    lines = text.splitlines()
    for index, raw in enumerate(lines):
        match = _COMPOSE_KEY.match(raw)
        if not match:
            continue
        indent, value = len(match.group(1)), match.group(3).strip()
        if value and not value.startswith(("|", ">")):
            yield Command(path, index + 1, _exec_form(value).strip("\"'"))
            continue
        words = []
        for below in lines[index + 1:]:
            stripped = below.strip()
            if stripped and len(below) - len(below.lstrip()) <= indent:
                break
            words.append(stripped[1:].strip().strip("\"'") if stripped.startswith("-")
                         else stripped)
        yield Command(path, index + 1, " ".join(w for w in words if w))


def _shell(path: str, text: str) -> Iterator[Command]:
    for line, logical in _logical_lines(text):
        stripped = logical.strip()
        if stripped and not stripped.startswith("#"):
            yield Command(path, line, stripped)


_READERS = {"docker": _docker, "procfile": _procfile, "compose": _compose, "shell": _shell}
