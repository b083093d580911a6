"""ARC103 import-contract-broken."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

from importlinter.domain.contract import InvalidContractOptions

from archlint.model import Related, Severity, Span
from archlint.rules.architecture._contracts import (
    ConfigUnreadable,
    ContractsConfig,
    Link,
    StrayModule,
    Violation,
    built_in_contract_types,
    problems,
    read_configs,
    search_order,
)
from archlint.rules.architecture._imports import ImportCollector
from archlint.rules.architecture._project import structure
from archlint.rules.base import Invalid, ProjectRule, Valid

_MAX_RELATED = 10


@dataclass(frozen=True)
class ImportContractOptions:
    # import-linter config files (relative to the project root) to read instead of its default
    # search, as `lint-imports --config` would; each is read on its own.
    config: tuple[str, ...] = ()


@dataclass
class _Offence:
    """One broken contract's reason to report an import line."""

    contract: str
    config: str
    guidance: str
    violation: Violation


@dataclass
class _Line:
    path: str
    span: Span
    offences: list[_Offence] = field(default_factory=list)


_SHOP = {
    "shop/__init__.py": "",
    "shop/domain/__init__.py": "",
    "shop/web/__init__.py": "from shop.domain import order\n",
}
_CONTRACT = """\
[importlinter]
root_package = shop

[importlinter:contract:domain-pure]
name = the domain does not know the web
type = forbidden
source_modules = shop.domain
forbidden_modules = shop.web
"""


class ImportContractBroken(ProjectRule):
    """## What it does
    Checks the contracts of the project's own import-linter configuration (`.importlinter`,
    `setup.cfg` or `[tool.importlinter]` in `pyproject.toml`, found at the project root in
    import-linter's own search order) and reports every import line that breaks one: forbidden,
    layers, independence, protected, private_modules and acyclic_siblings contracts, with
    import-linter's own contract classes run on the import graph archlint builds from its scan.
    The finding sits on the import statement that starts the offending chain; the message names
    the contract, what it forbids and the whole chain (`shop.domain.order -> shop.util ->
    shop.web.app`).

    ## Why is this bad?
    A team that wrote an import contract has decided how its code may depend on itself; an
    import that breaks it erodes that architecture one shortcut at a time. Reported here, the
    breach shows up in the same report, SARIF upload and editor as every other finding, on the
    line that causes it.

    ## Example
    ```ini
    # .importlinter
    [importlinter:contract:domain-pure]
    name = the domain does not know the web
    type = forbidden
    source_modules = shop.domain
    forbidden_modules = shop.web
    ```
    ```python
    # shop/domain/order.py
    from shop.web.forms import OrderForm
    ```

    ## Use instead
    ```python
    # shop/domain/order.py: the domain states what it needs; the web layer adapts its forms
    from typing import Protocol

    class OrderInput(Protocol):
        quantity: int
    ```
    or, if the import is intended, list it in the contract's `ignore_imports`
    (`shop.domain.order -> shop.web.forms`).

    ## Options
    - `config` (list of paths relative to the project root): import-linter config files to read
      instead of the default search (`setup.cfg`, `.importlinter`, `pyproject.toml`), as
      `lint-imports --config` would.
    Each contract is checked on a graph that follows the config's own
    `include_external_packages` and `exclude_type_checking_imports`, not archlint's
    `typing-imports`.

    ## What it does not flag
    - Anything when the project has no import-linter configuration.
    - Contracts of custom types (`contract_types`): running them would mean importing the
      project's code; a note says which were skipped.
    - Contracts whose options are invalid, and configurations whose root packages are not among
      the scanned files: a note names the file and contract, and the other contracts still run.
    - `importlib.import_module("x")` calls, even with a literal: import-linter's graph holds
      import statements only, and an import that lint-imports does not see could not be listed
      in `ignore_imports` without breaking lint-imports.
    - Imports in files outside the scan, and modules outside the config's root packages (a
      chain through them is not one for import-linter either).
    - An exhaustive layers contract's undeclared module is not an import line: it is reported
      on the first line of that module's own file.

    ## References
    - import-linter's contract types:
      https://import-linter.readthedocs.io/en/stable/contract_types.html
    - Robert C. Martin, Clean Architecture, ch. 14 "Component Coupling".
    """

    code, name, severity = "ARC103", "import-contract-broken", Severity.ERROR
    tags = ("architecture",)
    Options = ImportContractOptions
    collectors = (ImportCollector,)

    VALID: ClassVar = [
        Valid("from shop.domain import order\n", path="shop/web/views.py",
              files={**_SHOP, ".importlinter": _CONTRACT}),
        Valid(  # the contract ignores this import on purpose
            "from shop.web import views\n",
            path="shop/domain/order.py",
            files={**_SHOP, ".importlinter": _CONTRACT
                   + "ignore_imports = shop.domain.order -> shop.web\n"},
        ),
        Valid(  # import-linter is not set up: nothing to check
            "from shop.web import views\n", path="shop/domain/order.py", files=_SHOP),
    ]
    INVALID: ClassVar = [
        Invalid("from shop.web import views\n", line=1, path="shop/domain/order.py",
                files={**_SHOP, ".importlinter": _CONTRACT},
                message='contract "the domain does not know the web"'),
        Invalid(
            "import shop.util\n",
            line=1,
            path="shop/domain/order.py",
            files={**_SHOP, "shop/util.py": "import shop.web\n",
                   "pyproject.toml": '[tool.importlinter]\nroot_package = "shop"\n\n'
                   '[[tool.importlinter.contracts]]\nname = "domain below web"\n'
                   'type = "layers"\nlayers = ["shop.web", "shop.domain"]\n'},
            message="shop.domain.order -> shop.util -> shop.web",
        ),
    ]

    def check(self) -> None:
        root = self.project.root
        if root is None:
            return
        self._lines: dict[tuple[str, int], _Line] = {}
        self._structure = structure(self.project)
        for name in self.options.config or search_order():
            self.project.note_read(name)
        for config in read_configs(root, self.options.config):
            if isinstance(config, ConfigUnreadable):
                self.note(config.path, f"{config}; its contracts were not checked")
                continue
            self._check_config(config)
        for line in sorted(self._lines.values(), key=lambda x: (x.path, x.span)):
            self._report(line)

    # -- running the contracts -----------------------------------------------------------------
    def _check_config(self, config: ContractsConfig) -> None:
        if not config.contracts_options:
            self.note(config.path, f"{config.path}: no import-linter contracts found (an "
                      f"[importlinter:contract:...] section, or [[tool.importlinter.contracts]])")
            return
        if not self._roots_exist(config):
            return
        built_in = built_in_contract_types()
        custom = config.custom_types
        for options in config.contracts_options:
            name = options.get("name")
            kind = options.get("type")
            label = f"contract {name!r}" if name else f"contract {options.get('id', '?')!r}"
            if not name or not kind:
                self.note(config.path, f"{config.path}: {label} has no "
                          f"{'name' if not name else 'type'}; it was not checked")
            elif kind in custom:
                self.note(config.path, f"{config.path}: {label} is of the custom type {kind!r} "
                          f"({custom[kind]}); archlint never imports project code, so it was "
                          f"not checked (lint-imports checks it)")
            elif kind not in built_in:
                self.note(config.path, f"{config.path}: {label} has the unknown type {kind!r} "
                          f"(the installed import-linter knows {', '.join(sorted(built_in))}); "
                          f"it was not checked")
            else:
                self._check_contract(config, kind, built_in[kind], options)

    def _roots_exist(self, config: ContractsConfig) -> bool:
        modules = self._structure.modules
        for root in config.root_packages:
            if root in modules.packages:
                continue
            if root in modules.path_of:
                self.note(config.path, f"{config.path}: root package {root!r} is a module, not a "
                          f"package; its contracts were not checked")
            elif self.project.whole_project:  # a scan of some files (pre-commit) just skips it
                self.note(config.path, f"{config.path}: root package {root!r} is not among the "
                          f"scanned modules; its contracts were not checked")
            return False
        return bool(config.root_packages)

    def _check_contract(self, config: ContractsConfig, kind: str, contract_class: type,
                        options: dict) -> None:
        name = options["name"]
        where = f"{config.path}: contract {name!r}"
        try:
            contract = contract_class(name=name, session_options=config.session_options,
                                      contract_options=options)
        except InvalidContractOptions as exc:
            errors = "; ".join(f"{key}: {error}" for key, error in sorted(exc.errors.items()))
            self.note(config.path, f"{where} has invalid options ({errors}); it was not checked")
            return
        except (ValueError, TypeError) as exc:
            self.note(config.path, f"{where} has invalid options ({exc}); it was not checked")
            return
        graph = self._structure.graph(
            typing_imports=not config.flag("exclude_type_checking_imports"),
            external=config.flag("include_external_packages"),
            roots=config.root_packages,
            dynamic=False,  # what lint-imports sees, so that both agree on ignore_imports
        )
        try:
            result = contract.check(graph, verbose=False)
        except Exception as exc:  # import-linter's own verdict on a contract it cannot check
            detail = str(exc).strip().replace("\n", " ") or type(exc).__name__
            self.note(config.path, f"{where} could not be checked: {detail}")
            return
        for warning in result.warnings:
            self.note(config.path, f"{where}: {warning}")
        if result.kept:
            return
        try:
            found = problems(kind, contract, result, graph)
        except (KeyError, AttributeError, TypeError):  # metadata of a shape this code predates
            found = []
        guidance = str(getattr(contract, "broken_contract_guidance", None) or "").strip()
        placed = False
        for problem in found:
            if isinstance(problem, StrayModule):
                placed |= self._stray(config, name, problem)
            else:
                placed |= self._add(_Offence(name, config.path, guidance, problem))
        if not placed:
            self.note(config.path, f"{where} is broken, but archlint could not place it on an "
                      f"import line; run lint-imports to see why")

    # -- placing what broke them ---------------------------------------------------------------
    def _add(self, offence: _Offence) -> bool:
        first = offence.violation.links[0]
        path = self._structure.modules.path_of.get(first.importer)
        if path is None:
            return False
        for number in first.lines:
            span = self._span(first, number)
            self._lines.setdefault((path, span.line), _Line(path, span)).offences.append(offence)
        return True

    def _span(self, link: Link, number: int | None) -> Span:
        if number is None:
            return Span(1, 0, 1, 0)  # import-linter knows the import but not its line
        facts = self._structure.imports_at(link.importer, number)
        for imp in facts:
            if any(t == link.imported or t.split(".")[0] == link.imported for t in imp.targets):
                return imp.fact.span
        return facts[0].fact.span if facts else Span(number, 0, number, 0)

    def _related(self, link: Link) -> list[Related]:
        path = self._structure.modules.path_of.get(link.importer)
        if path is None:
            return []
        return [Related(self._span(link, number), f"{link.importer} imports {link.imported}",
                        path=path) for number in link.lines]

    def _stray(self, config: ContractsConfig, name: str, stray: StrayModule) -> bool:
        path = self._structure.modules.path_of.get(stray.module)
        if path is None:
            return False
        self.report_at(
            path, Span(1, 0, 1, 0),
            f'import-linter contract "{name}" ({config.path}) is broken: {stray.what}',
            help=stray.fix, statement_lines=(1, 1),
        )
        return True

    def _report(self, line: _Line) -> None:
        first = line.offences[0]
        key = (first.config, first.contract)
        same = [o for o in line.offences if (o.config, o.contract) == key]
        chains = list(dict.fromkeys(o.violation.chain for o in same))
        more = f" (and {len(chains) - 1} more chain{'s' * (len(chains) > 2)} from this import)" \
            if len(chains) > 1 else ""
        others = list(dict.fromkeys(f'"{o.contract}"' for o in line.offences if o not in same))
        also = f"; it also breaks {', '.join(others)}" if others else ""
        violation = first.violation
        message = (f'import-linter contract "{first.contract}" ({first.config}) is broken: '
                   f"{violation.what}: {violation.chain}{violation.after}{more}{also}")
        link = first.violation.links[0]
        help = (f"{first.violation.fix}; if this import is intended, add "
                f"`{link.expression}` to the contract's ignore_imports in {first.config}")
        if first.guidance:
            help += f". The contract's guidance: {first.guidance}"
        # Related locations: the rest of the chain the message names, not of the other chains.
        related = list(dict.fromkeys(
            r for later in (*first.violation.links[1:], *first.violation.also)
            for r in self._related(later)
        ))
        self.report_at(
            line.path, line.span, message, help=help, related=related[:_MAX_RELATED],
            statement_lines=(line.span.line, line.span.end_line),
        )

