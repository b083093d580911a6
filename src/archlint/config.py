"""`[tool.archlint]` (pyproject.toml) or `archlint.toml` -> typed, validated Settings.

Every key is checked: an unknown key or a value of the wrong type is a ConfigError that names the
file, the key and what was expected. Per-rule options are parsed into each rule's own frozen
Options dataclass, so a rule receives typed values and never a raw dict.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import re
import sys
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archlint import __version__
from archlint.rules.base import AnyRule
from archlint.rules.registry import all_rules, by_code_or_name

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CONFIG_FILES = ("archlint.toml", "pyproject.toml")
DEFAULT_EXCLUDES = (
    ".git/",
    ".hg/",
    ".svn/",
    ".venv/",
    "venv/",
    ".tox/",
    ".nox/",
    "node_modules/",
    "__pycache__/",
    "build/",
    "dist/",
    ".eggs/",
    "*.egg-info/",
    "site-packages/",
    ".mypy_cache/",
    ".ruff_cache/",
    ".pytest_cache/",
    ".archlint_cache/",
)


# Always valid, even before a family has its first rule: "ARC" and the family prefixes.
FAMILY_SELECTORS = frozenset({"ALL", "ARC", "ARC1", "ARC2", "ARC3", "ARC4", "ARC5", "ARC6"})


class ConfigError(Exception):
    """A problem with the user's configuration; the message names the file and the key."""


@dataclass(frozen=True)
class Settings:
    root: Path = field(default_factory=Path.cwd)
    config_path: Path | None = None
    select: tuple[str, ...] = ("ARC",)
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    extend_exclude: tuple[str, ...] = ()
    per_file_ignores: tuple[tuple[str, tuple[str, ...]], ...] = ()
    respect_gitignore: bool = True
    typing_imports: str = "ignore"
    layers: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    contexts: Mapping[str, str] = field(default_factory=dict)
    source_roots: tuple[str, ...] = ()
    rule_options: Mapping[str, Any] = field(default_factory=dict)

    def enabled_rules(self) -> list[AnyRule]:
        return [rule for rule in all_rules() if is_enabled(rule, self)]

    def options_for(self, rule: AnyRule) -> Any:
        return self.rule_options.get(rule.code) or rule.Options()

    def with_selection(self, select: Sequence[str] | None = None,
                       extend_select: Sequence[str] = (),
                       ignore: Sequence[str] = ()) -> Settings:
        """These settings with a command line's choice on top, as `--select` (replaces the
        config's), `--extend-select` and `--ignore` (add to it) put it; the flake8 plugin's
        `--archlint-*` options mean the same."""
        changes: dict[str, tuple[str, ...]] = {}
        if select:
            changes["select"] = tuple(select)
        if extend_select:
            changes["extend_select"] = self.extend_select + tuple(extend_select)
        if ignore:
            changes["ignore"] = self.ignore + tuple(ignore)
        return dataclasses.replace(self, **changes) if changes else self

    def fingerprint(self, rules: Sequence[AnyRule] | None = None) -> str:
        """What the cache key needs of the effective config: anything that can change a result."""
        rules = self.enabled_rules() if rules is None else rules
        payload = {
            "version": __version__,
            "rules": [f"{r.__module__}.{r.__qualname__}" for r in rules],
            "options": {k: repr(v) for k, v in sorted(self.rule_options.items())},
            "typing_imports": self.typing_imports,
            "layers": {k: list(v) for k, v in self.layers.items()},
            "contexts": dict(self.contexts),
            "source_roots": list(self.source_roots),
        }
        return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()[:16]


# -- selection ---------------------------------------------------------------------------------
def _selector_score(selector: str, rule: AnyRule) -> int:
    """How specifically a selector names a rule: 0 = not at all; a full code or name beats a prefix."""
    if selector.lower() == rule.name or selector.upper() == rule.code:
        return 100
    if selector.upper() == "ALL":
        return 1
    if rule.code.startswith(selector.upper()):
        return len(selector)
    return 0


def is_enabled(rule: AnyRule, settings: Settings) -> bool:
    """ruff's convention: the most specific of select/ignore wins; ties go to ignore. Off-by-default
    rules need their exact code or name."""
    chosen = max((_selector_score(s, rule) for s in (*settings.select, *settings.extend_select)),
                 default=0)
    dropped = max((_selector_score(s, rule) for s in settings.ignore), default=0)
    if chosen == 0 or dropped >= chosen:
        return False
    return rule.default_enabled or chosen == 100


def check_selectors(selectors: Sequence[str], where: str) -> None:
    for selector in selectors:
        if selector.upper() in FAMILY_SELECTORS:
            continue
        if by_code_or_name(selector) is None and not any(
            r.code.startswith(selector.upper()) for r in all_rules()
        ):
            raise ConfigError(
                f"{where}: unknown rule selector {selector!r}; expected a code (ARC301), a code "
                f"prefix (ARC3) or a rule name (sql-string-building); see `archlint rules`"
            )


# -- finding and reading the file --------------------------------------------------------------
def find_config(start: Path) -> Path | None:
    """Walk up from `start` to the first archlint.toml, or pyproject.toml with [tool.archlint]."""
    start = start.resolve()
    here = start if start.is_dir() else start.parent
    for folder in (here, *here.parents):
        candidate = folder / "archlint.toml"
        if candidate.is_file():
            return candidate
        candidate = folder / "pyproject.toml"
        if candidate.is_file() and _has_archlint_table(candidate):
            return candidate
    return None


def _has_archlint_table(path: Path) -> bool:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        # Broken but meant for us: load it, so that the user sees the TOML error.
        return "tool.archlint" in text
    return isinstance(data.get("tool"), dict) and "archlint" in data["tool"]


def find_root(start: Path) -> Path:
    """Without a config file: the nearest folder with .git or pyproject.toml, else `start`."""
    start = start.resolve()
    here = start if start.is_dir() else start.parent
    for folder in (here, *here.parents):
        if (folder / ".git").exists() or (folder / "pyproject.toml").is_file():
            return folder
    return here


def load_settings(
    start: Path, *, config_file: Path | None = None, use_config: bool = True
) -> Settings:
    if config_file is not None:
        path: Path | None = config_file.resolve()
        if not path.is_file():
            raise ConfigError(f"{config_file}: config file not found")
    elif use_config:
        path = find_config(start)
    else:
        path = None
    if path is None:
        return Settings(root=find_root(start))
    table = _read_table(path)
    return settings_from_table(table, root=path.parent, config_path=path)


def _read_table(path: Path) -> Mapping[str, Any]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: config is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    if path.name == "pyproject.toml":
        table = data.get("tool", {}).get("archlint", {})
        prefix = "tool.archlint"
    else:
        table = data.get("tool", {}).get("archlint", data) if "tool" in data else data
        prefix = ""
    if not isinstance(table, dict):
        raise ConfigError(f"{path}: [{prefix or 'archlint'}] must be a table")
    return _Located(table, path, prefix)


class _Located(dict):
    """A config table that knows where it came from, for error messages."""

    def __init__(self, table: Mapping[str, Any], path: Path, prefix: str) -> None:
        super().__init__(table)
        self.path = path
        self.prefix = prefix

    def where(self, key: str) -> str:
        dotted = f"{self.prefix}.{key}" if self.prefix else key
        return f"{self.path}: {dotted}"


def settings_from_table(
    table: Mapping[str, Any], *, root: Path, config_path: Path | None = None
) -> Settings:
    located = (
        table
        if isinstance(table, _Located)
        else _Located(table, config_path or root / "archlint.toml", "tool.archlint")
    )
    known = {
        "select", "extend-select", "ignore", "exclude", "extend-exclude", "per-file-ignores",
        "respect-gitignore", "typing-imports", "layers", "contexts", "rules", "source-roots",
    }
    for key in located:
        if key not in known:
            raise ConfigError(
                f"{located.where(key)}: unknown key; expected one of {', '.join(sorted(known))}"
            )
    w = located.where
    select = _str_list(located.get("select", ["ARC"]), w("select"))
    extend_select = _str_list(located.get("extend-select", []), w("extend-select"))
    ignore = _str_list(located.get("ignore", []), w("ignore"))
    for key, values in (("select", select), ("extend-select", extend_select), ("ignore", ignore)):
        check_selectors(values, w(key))
    pfi_raw = located.get("per-file-ignores", {})
    if not isinstance(pfi_raw, dict):
        raise ConfigError(f"{w('per-file-ignores')}: expected a table of glob = [codes]")
    per_file_ignores = []
    for pattern, codes in pfi_raw.items():
        where = f"{w('per-file-ignores')}.{pattern!r}"
        values = _str_list(codes, where)
        check_selectors(values, where)
        per_file_ignores.append((_globs([pattern], where)[0], tuple(values)))
    typing_imports = located.get("typing-imports", "ignore")
    if typing_imports not in ("ignore", "report"):
        raise ConfigError(f"{w('typing-imports')}: expected \"ignore\" or \"report\", "
                          f"got {typing_imports!r}")
    respect_gitignore = located.get("respect-gitignore", True)
    if not isinstance(respect_gitignore, bool):
        raise ConfigError(f"{w('respect-gitignore')}: expected true or false")
    layers_raw = located.get("layers", {})
    if not isinstance(layers_raw, dict):
        raise ConfigError(f"{w('layers')}: expected a table of layer = [module patterns]")
    valid_layers = ("domain", "application", "infrastructure", "interface")
    layers = {}
    for name, patterns in layers_raw.items():
        if name not in valid_layers:
            raise ConfigError(f"{w('layers')}.{name}: unknown layer; expected one of "
                              f"{', '.join(valid_layers)}")
        layers[name] = tuple(_str_list(patterns, f"{w('layers')}.{name}"))
    contexts = _contexts(located.get("contexts", {}), w("contexts"))
    rules_raw = located.get("rules", {})
    if not isinstance(rules_raw, dict):
        raise ConfigError(f"{w('rules')}: expected a table of [rules.ARC301] tables")
    rule_options: dict[str, Any] = {}
    for key, options in rules_raw.items():
        rule = by_code_or_name(key)
        where = f"{w('rules')}.{key}"
        if rule is None:
            raise ConfigError(f"{where}: unknown rule; see `archlint rules`")
        if not isinstance(options, dict):
            raise ConfigError(f"{where}: expected a table of options")
        rule_options[rule.code] = parse_options(rule, options, where)
    return Settings(
        root=root,
        config_path=config_path or getattr(located, "path", None),
        select=tuple(select),
        extend_select=tuple(extend_select),
        ignore=tuple(ignore),
        exclude=_globs(_str_list(located.get("exclude", []), w("exclude")), w("exclude")),
        extend_exclude=_globs(_str_list(located.get("extend-exclude", []), w("extend-exclude")),
                              w("extend-exclude")),
        per_file_ignores=tuple(per_file_ignores),
        respect_gitignore=respect_gitignore,
        typing_imports=typing_imports,
        layers=layers,
        contexts=contexts,
        source_roots=tuple(_str_list(located.get("source-roots", []), w("source-roots"))),
        rule_options=rule_options,
    )


def _contexts(raw: Any, where: str) -> dict[str, str]:
    """Bounded contexts: name -> the dotted package that holds the context. Packages must be
    dotted names and must not nest or repeat: every module belongs to at most one context."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a table of context = \"package.module\"")
    contexts: dict[str, str] = {}
    for name, package in raw.items():
        key = f"{where}.{name}"
        if not isinstance(package, str):
            raise ConfigError(f"{key}: expected the context's package as a dotted name "
                              f"(\"app.billing\"), got {package!r}")
        package = package.strip()
        if not package or not all(part.isidentifier() for part in package.split(".")):
            raise ConfigError(f"{key}: {package!r} is not a dotted module name; expected the "
                              f"context's package, such as \"app.billing\"")
        for other, other_package in contexts.items():
            if package == other_package:
                raise ConfigError(f"{key}: package {package!r} is already context {other!r}; "
                                  "each context needs its own package")
            inner, outer = sorted((package, other_package), key=len, reverse=True)
            if inner.startswith(outer + "."):
                raise ConfigError(
                    f"{key}: package {package!r} and context {other!r} ({other_package!r}) "
                    f"nest: {inner!r} is inside {outer!r}; contexts must not overlap, so that "
                    "every module belongs to one context"
                )
        contexts[name] = package
    return contexts


MAX_WILDCARDS = 16


def _globs(patterns: list[str], where: str) -> tuple[str, ...]:
    """Glob patterns as pathspec will match them. A run of three or more `*` means `*` in
    gitignore syntax, and is written so: pathspec turns each `*` into a regex group that
    backtracks, so `"*" * 5000` would never finish matching. A pattern that still has more
    than MAX_WILDCARDS wildcards is refused for the same reason."""
    found = []
    for pattern in patterns:
        pattern = collapse_stars(pattern)
        if pattern.count("*") + pattern.count("?") > MAX_WILDCARDS:
            raise ConfigError(f"{where}: {pattern[:60]!r}... has more than {MAX_WILDCARDS} "
                              "wildcards; matching it could take hours")
        found.append(pattern)
    return tuple(found)


def collapse_stars(pattern: str) -> str:
    """`***` and longer runs of `*` mean `*` in gitignore syntax (`**` keeps its meaning)."""
    return re.sub(r"\*{3,}", "*", pattern)


def _str_list(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of strings, got {value!r}")
    return list(value)


# -- per-rule options --------------------------------------------------------------------------
def parse_options(rule: AnyRule, raw: Mapping[str, Any], where: str) -> Any:
    """Kebab-case keys onto the rule's Options dataclass, each value checked against its type."""
    options_cls = rule.Options
    fields = {f.name: f for f in dataclasses.fields(options_cls)}
    hints = typing.get_type_hints(options_cls)
    values: dict[str, Any] = {}
    for key, value in raw.items():
        attr = key.replace("-", "_")
        if attr not in fields:
            expected = ", ".join(f.replace("_", "-") for f in fields) or "no options"
            raise ConfigError(f"{where}.{key}: unknown option of {rule.code}; expected {expected}")
        values[attr] = _coerce(value, hints[attr], f"{where}.{key}")
    return options_cls(**values)


def _coerce(value: Any, hint: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        for arg in args:
            if arg is type(None) and value is None:
                return None
        errors = []
        for arg in args:
            if arg is type(None):
                continue
            try:
                return _coerce(value, arg, where)
            except ConfigError as exc:
                errors.append(str(exc))
        raise ConfigError(errors[0] if errors else f"{where}: invalid value {value!r}")
    if origin in (tuple, list, frozenset, set):
        if not isinstance(value, list):
            raise ConfigError(f"{where}: expected a list, got {value!r}")
        item = args[0] if args else Any
        items = [_coerce(v, item, where) for v in value]
        return tuple(items) if origin is tuple else origin(items)
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{where}: expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{where}: expected an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ConfigError(f"{where}: expected a number, got {value!r}")
        return float(value)
    if hint is str:
        if not isinstance(value, str):
            raise ConfigError(f"{where}: expected a string, got {value!r}")
        return value
    if typing.get_origin(hint) is typing.Literal:
        if value not in args:
            raise ConfigError(f"{where}: expected one of {', '.join(map(repr, args))}, "
                              f"got {value!r}")
        return value
    return value
