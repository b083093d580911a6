"""Bounded contexts (`[tool.archlint.contexts]`: name -> package): which context a module is in.

The config guarantees that context packages neither repeat nor nest, so a module belongs to at
most one context: the one whose package is the module itself or a package above it. Tests and
migrations belong to none: they reach across contexts by design.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from archlint.rules.architecture._layers import is_scaffolding
from archlint.rules.base import ProjectModel


@dataclass(frozen=True)
class Context:
    name: str
    package: str

    def holds(self, module: str) -> bool:
        return module == self.package or module.startswith(self.package + ".")


class ContextMap:
    def __init__(self, contexts: Mapping[str, str]) -> None:
        # Longest package first: should nested packages ever reach here, the innermost wins.
        self.contexts = sorted(
            (Context(name, package) for name, package in contexts.items()),
            key=lambda c: len(c.package),
            reverse=True,
        )

    def __bool__(self) -> bool:
        return bool(self.contexts)

    def of(self, module: str) -> Context | None:
        if is_scaffolding(module):
            return None
        for context in self.contexts:
            if context.holds(module):
                return context
        return None


def contexts(project: ProjectModel) -> ContextMap:
    return project.derived("architecture.contexts", lambda p: ContextMap(p.contexts))
