"""The project's structure as the architecture rules see it, derived once per scan and shared:
module names, layers, every import resolved, and grimp import graphs fed from those imports (the
files are not parsed a second time, and nothing is imported)."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

import grimp

from archlint.rules.architecture._imports import ImportCollector, ImportFact
from archlint.rules.architecture._layers import LayerModel, Placement
from archlint.rules.architecture._modules import ModuleMap
from archlint.rules.base import ProjectModel


@dataclass(frozen=True)
class ResolvedImport:
    importer: str
    path: str
    fact: ImportFact
    targets: tuple[str, ...]


@dataclass
class Structure:
    modules: ModuleMap
    layers: LayerModel
    imports: list[ResolvedImport]
    _placements: dict[str, Placement] | None = None
    _graphs: dict[tuple[bool, bool, tuple[str, ...] | None, bool], grimp.ImportGraph] = field(
        default_factory=dict)
    _line_index: dict[tuple[str, int], list[ResolvedImport]] | None = None

    def placement(self, module: str) -> Placement | None:
        if self._placements is None:
            self._placements = self.layers.place_all(self.modules.modules, self.modules.packages)
        return self._placements.get(module)

    def imports_at(self, importer: str, line: int) -> list[ResolvedImport]:
        if self._line_index is None:
            self._line_index = {}
            for imp in self.imports:
                self._line_index.setdefault((imp.importer, imp.fact.line), []).append(imp)
        return self._line_index.get((importer, line), [])

    def graph(self, *, typing_imports: bool, external: bool = False,
              roots: tuple[str, ...] | None = None, dynamic: bool = True) -> grimp.ImportGraph:
        """A fresh copy each call: import-linter's contracts remove edges as they search.

        `roots`: only these packages and their descendants are the graph's own modules, the way
        grimp builds a graph for import-linter's `root_packages`; the project's other modules
        count as outside (dropped, or squashed like any library when `external`).
        `dynamic`: whether `importlib.import_module("x")` calls count (grimp's own builder, and
        so lint-imports, sees import statements only)."""
        roots = tuple(sorted(set(roots))) if roots is not None else None
        key = (typing_imports, external, roots, dynamic)
        if key not in self._graphs:
            self._graphs[key] = self._build_graph(typing_imports, external, roots, dynamic)
        return copy.deepcopy(self._graphs[key])

    def _build_graph(self, typing_imports: bool, external: bool,
                     roots: tuple[str, ...] | None, dynamic: bool) -> grimp.ImportGraph:
        def inside(module: str) -> bool:
            if roots is None:
                return self.modules.is_internal(module)
            return any(module == r or module.startswith(r + ".") for r in roots)

        graph = grimp.ImportGraph()
        for name in sorted(self.modules.modules):
            if inside(name):
                graph.add_module(name)
        squashed: set[str] = set()
        for imp in self.imports:
            if imp.fact.type_checking and not typing_imports:
                continue
            if imp.fact.kind == "dynamic" and not dynamic:
                continue
            if not inside(imp.importer):
                continue
            for target in imp.targets:
                if not inside(target):
                    if not external:
                        continue
                    target = target.split(".")[0]
                    if any(r.startswith(target + ".") for r in roots or ()):
                        continue  # an ancestor of a root package: grimp has no such edge
                    if target not in squashed:
                        graph.add_module(target, is_squashed=True)
                        squashed.add(target)
                if target == imp.importer:
                    continue
                graph.add_import(
                    importer=imp.importer,
                    imported=target,
                    line_number=imp.fact.line,
                    line_contents=imp.fact.text(),
                )
        return graph


def structure(project: ProjectModel) -> Structure:
    return project.derived("architecture.structure", _build)


def _build(project: ProjectModel) -> Structure:
    modules = ModuleMap(project.root, project.paths, project.source_roots, project.note_read)
    imports = []
    for path, fact in project.of(ImportCollector.kind):
        importer = modules.module_of.get(path)
        if importer is None:
            continue
        imports.append(ResolvedImport(importer, path, fact, tuple(modules.targets(fact, importer))))
    return Structure(modules, LayerModel(project.layers), imports)
