"""ARC102 layer-violation."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import ClassVar

from importlinter.contracts.layers import LayersContract

from archlint.model import Related, Severity, Span
from archlint.rules._classes import BindingCollector, ClassCollector, DefinedClass, symbols
from archlint.rules.architecture._contracts import Link, Violation, problems
from archlint.rules.architecture._imports import ImportCollector
from archlint.rules.architecture._layers import LAYERS
from archlint.rules.architecture._project import Structure, structure
from archlint.rules.base import Invalid, NoOptions, ProjectModel, ProjectRule, Valid

_ORDER = " < ".join(LAYERS)


@dataclass(frozen=True)
class _Violation:
    path: str
    span: Span
    direct: bool
    chain: tuple[str, ...]  # importer first, the higher-layer module last
    related: tuple[Related, ...]


class LayerViolation(ProjectRule):
    """## What it does
    Flags a module that imports a module of a higher layer (domain < application < infrastructure
    < interface), directly or through a chain of other modules. The finding sits on the import in
    the module that starts the chain, and names the whole chain.

    ## Why is this bad?
    Dependencies must point down: the domain must not know the web API, the application must not
    know the database adapter. An upward import, even through a helper module, ties the business
    rules to delivery and storage details and makes cycles between layers a matter of time.

    ## Example
    ```python
    # app/domain/pricing.py
    from app.api.deps import current_user  # domain -> interface
    ```

    ## Use instead
    ```python
    # app/domain/pricing.py
    def price_for(customer: Customer) -> Money: ...   # the caller passes what the rule needs
    ```
    or define a Protocol in the lower layer and implement it in the higher one.

    ## Options
    None of its own. The layers come from `[tool.archlint.layers]` or from folder names (see
    `archlint layers`); `typing-imports = "report"` in `[tool.archlint]` also counts imports under
    `if TYPE_CHECKING:`.

    ## What it does not flag
    - Imports within a layer, and imports of lower layers.
    - Modules in no layer (tests, migrations, scripts, anything outside the layer folders) as
      importers; they may still carry a chain from one layer to another.
    - Imports under `if TYPE_CHECKING:` (unless `typing-imports = "report"`): they never run.
    - Third-party libraries: a framework imported by the domain is ARC101.
    - With layers detected from folder names: imports of modules that hold only abstractions
      (ABCs whose methods are all abstract, Protocols) or of packages that only re-export them:
      an adapter importing the port it implements is dependency inversion, even when the ports
      sit in a folder called `interfaces`.
    - With layers detected from folder names: packages that are not built in layers (a lone
      `entities` or `api` folder; see `archlint layers`), and chains that leave the layered
      package on the way (typically through a top-level `__init__` that imports half the
      project), and chains with a hop made only by imports inside functions (deferred on
      purpose, usually to break a cycle): they show import order, not design. Configure
      `[tool.archlint.layers]`, or write an import-linter contract (ARC103), to have every chain
      checked.

    ## References
    - Robert C. Martin, Clean Architecture, ch. 22 (the dependency rule).
    - import-linter's layers contract, which this rule runs over archlint's own import graph:
      https://import-linter.readthedocs.io/en/stable/contract_types.html#layers
    """

    code, name, severity = "ARC102", "layer-violation", Severity.ERROR
    tags = ("architecture",)
    Options = NoOptions
    collectors = (ImportCollector, ClassCollector, BindingCollector)

    VALID: ClassVar = [
        Valid(
            "from app.domain.order import Order\n",
            path="app/api/routes.py",
            files={"app/domain/order.py": "class Order: ...\n"},
        ),
        Valid(
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app.api import deps\n",
            path="app/domain/order.py",
            files={"app/api/deps.py": "x = 1\n"},
        ),
        Valid(
            "from app.api import deps\n",
            path="tests/domain/test_order.py",
            files={"app/api/deps.py": "x = 1\n", "app/domain/order.py": ""},
        ),
    ]
    INVALID: ClassVar = [
        Invalid(
            "from app.api.deps import current_user\n",
            line=1,
            path="app/domain/pricing.py",
            files={"app/api/deps.py": "def current_user(): ...\n"},
            message="app.domain.pricing (domain layer) imports app.api.deps (interface layer)",
        ),
        Invalid(
            "from app.shared import clock\n",
            line=1,
            path="app/domain/pricing.py",
            files={
                "app/shared/clock.py": "from app.infrastructure import db\n",
                "app/infrastructure/db.py": "",
            },
            message="app.domain.pricing -> app.shared.clock -> app.infrastructure.db",
        ),
        Invalid(
            "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from app.api import deps\n",
            line=3,
            path="app/domain/order.py",
            files={"app/api/deps.py": "x = 1\n"},
            project={"typing-imports": "report"},
        ),
    ]

    def check(self) -> None:
        project = structure(self.project)
        layers = _contract_layers(project)
        if len(layers) < 2:
            return
        contract = LayersContract(
            name="archlint layers",
            session_options={"root_packages": sorted(project.modules.top_level)},
            contract_options={"layers": layers},
        )
        graph = project.graph(typing_imports=self.project.typing_imports == "report")
        outcome = contract.check(graph, verbose=False)
        found: dict[tuple[str, int], list[_Violation]] = {}
        ports = _port_modules(self.project, project)
        for problem in problems("layers", contract, outcome, graph):
            if isinstance(problem, Violation):
                for violation in _violations(project, problem, ports):
                    found.setdefault((violation.path, violation.span.line), []).append(violation)
        for violations in found.values():
            self._report(project, violations)

    def _report(self, project: Structure, violations: list[_Violation]) -> None:
        violations.sort(key=lambda v: (not v.direct, len(v.chain), v.chain))
        first = violations[0]
        importer, target = first.chain[0], first.chain[-1]
        lower, higher = _layer(project, importer), _layer(project, target)
        if first.direct:
            message = (
                f"{importer} ({lower} layer) imports {target} ({higher} layer); a module may import "
                f"only its own and lower layers ({_ORDER})"
            )
        else:
            message = (
                f"{importer} ({lower} layer) depends on {target} ({higher} layer) through "
                f"{' -> '.join(first.chain)}; a module may import only its own and lower layers "
                f"({_ORDER})"
            )
        others = len({v.chain for v in violations}) - 1
        if others:
            message += f", and {others} more chain{'s' if others > 1 else ''} start here"
        help = (
            f"invert the dependency (define a Protocol in the {lower} layer and implement it in "
            f"the {higher} layer), or move what {importer} needs down into the {lower} layer"
        )
        self.report_at(
            first.path,
            first.span,
            message,
            help=help,
            related=first.related,
            statement_lines=(first.span.line, first.span.end_line),
            severity=Severity.ERROR if first.direct else Severity.WARNING,
        )


def _layer(project: Structure, module: str) -> str:
    placement = project.placement(module)
    return placement.layer if placement else "no"


def _contract_layers(project: Structure) -> list[str]:
    """import-linter layers, highest first, each the layer's root modules as non-independent
    siblings. A root that holds another layer's root (`app` as application with `app.domain` as
    domain, from patterns) is split into its children, as import-linter's layers may not nest."""
    roots: dict[str, str] = {}
    for module in project.modules.modules:
        placement = project.placement(module)
        if placement is not None:
            roots[placement.root] = placement.layer
    children: dict[str, list[str]] = {}
    for module in project.modules.modules:
        parent = module.rpartition(".")[0]
        if parent:
            children.setdefault(parent, []).append(module)
    flat: dict[str, set[str]] = {layer: set() for layer in LAYERS}

    def holds_root(module: str) -> bool:
        return any(r.startswith(module + ".") for r in roots)

    def place(module: str, layer: str) -> None:
        layer = roots.get(module, layer)
        if not holds_root(module):
            flat[layer].add(module)
            return
        for child in children.get(module, ()):
            place(child, layer)

    for root, layer in roots.items():
        if not any(root.startswith(other + ".") for other in roots):
            place(root, layer)
    return [" : ".join(sorted(flat[layer])) for layer in reversed(LAYERS) if flat[layer]]


def _violations(project: Structure, problem: Violation, ports: frozenset[str]
                ) -> Iterable[_Violation]:
    first, rest = problem.links[0], problem.links[1:]
    path = project.modules.path_of.get(first.importer)
    if path is None:
        return
    names = (first.importer, *(link.imported for link in problem.links))
    if _detected(project, first.importer) and (
        not _inside_container(project, first.importer, names[1:-1])
        or any(_lazy(project, link) for link in rest)
        or names[-1] in ports
    ):
        return
    related = tuple(r for r in (_related(project, link) for link in rest) if r is not None)
    for line in first.lines:
        if line is not None:
            yield _Violation(path, _span(project, first.importer, line), not rest, names, related)


def _port_modules(model: ProjectModel, project: Structure) -> frozenset[str]:
    """Modules that hold only abstractions (ABCs whose methods are all abstract, Protocols), and
    packages that only re-export such modules: depending on them is dependency inversion, not
    a violation, whatever their folder is called (`interfaces/` often holds ports)."""
    by_module = symbols(model).top_level
    ports = {m for m, classes in by_module.items() if all(_is_port(c) for c in classes)}
    # interfaces/__init__.py re-exporting the ports: one pass over the imports of packages
    reexported: dict[str, set[str]] = {}
    packages = project.modules.packages
    for imp in project.imports:
        if imp.importer in packages and imp.importer not in by_module:
            reexported.setdefault(imp.importer, set()).update(
                t for t in imp.targets if project.modules.is_internal(t))
    ports |= {module for module, targets in reexported.items() if targets and targets <= ports}
    return frozenset(ports)


def _is_port(cls: DefinedClass) -> bool:
    """An ABC whose methods are all abstract, or a Protocol."""
    members = cls.fact.shape.members
    return (bool(members) and all(m.kind == "abstract" for m in members)) or any(
        base.name.rpartition(".")[2] == "Protocol" for base in cls.fact.bases)


def _detected(project: Structure, module: str) -> bool:
    """Layers guessed from folder names, not declared in `[tool.archlint.layers]`: their indirect
    chains are held to a stricter standard (see the rule's docs)."""
    placement = project.placement(module)
    return placement is not None and placement.container is not None


def _inside_container(project: Structure, importer: str, middle: tuple[str, ...]) -> bool:
    """A chain between folder-detected layers counts only while it stays in their layered
    package: one that leaves it (typically through the top-level package's `__init__`, which
    imports half the project) shows import order, not design."""
    placement = project.placement(importer)
    container = placement.container if placement else ""
    if not container:
        return True
    return all(m == container or m.startswith(container + ".") for m in middle)


def _lazy(project: Structure, link: Link) -> bool:
    """A hop made only by imports inside functions: code that defers an import on purpose,
    usually to break a cycle, rather than a dependency of its design."""
    facts = [imp.fact for n in link.lines if n is not None
             for imp in project.imports_at(link.importer, n)]
    return bool(facts) and all(fact.in_function for fact in facts)


def _span(project: Structure, importer: str, line: int) -> Span:
    for imp in project.imports_at(importer, line):
        return imp.fact.span
    return Span(line, 0, line, 0)


def _related(project: Structure, link: Link) -> Related | None:
    path = project.modules.path_of.get(link.importer)
    lines = [n for n in link.lines if n is not None]
    if path is None or not lines:
        return None
    return Related(
        _span(project, link.importer, lines[0]),
        f"{link.importer} imports {link.imported}",
        path=path,
    )
