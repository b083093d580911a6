"""Finds every rule and collector by walking the family packages: adding a rule touches one module."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

import archlint.rules as rules_pkg
from archlint.rules.base import AnyRule, Collector, ProjectRule, Rule

FAMILIES = (
    "architecture",
    "domain_model",
    "data_access",
    "resilience",
    "observability",
    "security",
)


def _family_modules() -> list[str]:
    names = []
    for family in FAMILIES:
        try:
            pkg = importlib.import_module(f"{rules_pkg.__name__}.{family}")
        except ModuleNotFoundError:
            continue
        for info in pkgutil.iter_modules(pkg.__path__):
            if not info.name.startswith("_"):
                names.append(f"{pkg.__name__}.{info.name}")
    return sorted(names)


@lru_cache(maxsize=1)
def _discover() -> tuple[tuple[AnyRule, ...], tuple[type[Collector], ...]]:
    found_rules: list[AnyRule] = []
    found_collectors: list[type[Collector]] = []
    for name in _family_modules():
        module = importlib.import_module(name)
        for obj in vars(module).values():
            if not isinstance(obj, type) or obj.__module__ != module.__name__:
                continue
            if issubclass(obj, (Rule, ProjectRule)) and "code" in vars(obj):
                found_rules.append(obj)
            elif issubclass(obj, Collector) and "kind" in vars(obj):
                found_collectors.append(obj)
    found_rules.sort(key=lambda r: r.code)
    codes = [r.code for r in found_rules]
    names = [r.name for r in found_rules]
    dupes = {c for c in codes + names if (codes + names).count(c) > 1}
    if dupes:
        raise RuntimeError(f"rule codes or names registered twice: {sorted(dupes)}")
    return tuple(found_rules), tuple(found_collectors)


def all_rules() -> tuple[AnyRule, ...]:
    return _discover()[0]


def all_collectors() -> tuple[type[Collector], ...]:
    return _discover()[1]


def by_code_or_name(key: str) -> AnyRule | None:
    key_upper = key.upper()
    for rule in all_rules():
        if rule.code == key_upper or rule.name == key.lower():
            return rule
    return None
