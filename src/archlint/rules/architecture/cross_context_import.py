"""ARC104 cross-context-import."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from archlint.model import Severity
from archlint.rules.architecture._contexts import Context, contexts
from archlint.rules.architecture._imports import ImportCollector
from archlint.rules.architecture._project import ResolvedImport, Structure, structure
from archlint.rules.base import Invalid, ProjectRule, Valid


@dataclass(frozen=True)
class CrossContextImportOptions:
    # Module names, relative to each context's package, that are its public entry; the package
    # itself (its `__init__`) is always public, and so is everything inside a public entry.
    public: tuple[str, ...] = ("api",)


@dataclass
class _Offence:
    imp: ResolvedImport
    importer_context: Context
    internals: dict[str, list[str]]  # context name -> internal modules, in import order
    owners: dict[str, Context]


class CrossContextImport(ProjectRule):
    """## What it does
    Flags a module of one bounded context (configured in `[tool.archlint.contexts]`, such as
    `billing = "app.billing"`) that imports an internal module of another context instead of
    that context's public entry: the context's package itself (`from app.billing import
    InvoiceService`, served by its `__init__`) or its `api` module (`app.billing.api`).
    `from app.billing import invoices`, where `invoices` is a submodule, imports the internal
    module `app.billing.invoices` and is flagged; so is `importlib.import_module` with a literal.

    ## Why is this bad?
    A bounded context owns its model and may change its insides freely only as long as other
    contexts depend on what it publishes, not on how it is built. An import of another context's
    internals welds the two together: a refactoring inside billing breaks catalog, and the
    boundary exists only on the diagram.

    ## Example
    ```python
    # app/catalog/pricing.py  (contexts: billing = "app.billing", catalog = "app.catalog")
    from app.billing.invoices import InvoiceService
    ```

    ## Use instead
    ```python
    # app/billing/api.py re-exports what other contexts may use
    from app.billing.invoices import InvoiceService as InvoiceService

    # app/catalog/pricing.py
    from app.billing.api import InvoiceService
    ```

    ## Options
    - `public` (list of module names, default `["api"]`): each context's public entry modules,
      relative to its package (`["api", "events"]` makes `app.billing.api` and
      `app.billing.events` public). The context package itself is always public. A public entry
      that is a package is public with everything inside it: `app.billing.api.schemas` is part
      of billing's published surface.
    Contexts come from `[tool.archlint.contexts]`: context name = package. `typing-imports =
    "report"` in `[tool.archlint]` also reports imports under `if TYPE_CHECKING:`.

    ## What it does not flag
    - Anything when no contexts are configured.
    - Imports within one context, however deep.
    - Imports of another context's package or public entry modules (and their submodules).
    - Modules outside every context (a composition root such as `app.main`, tests, scripts), and
      imports of modules outside every context (a shared kernel: leave it out of `contexts`).
    - Tests, test helpers and migrations, even inside a context's package (`app/billing/tests/`,
      `test_*.py`, `conftest.py`, `migrations/`): they reach across contexts by design.
    - Imports under `if TYPE_CHECKING:` (unless `typing-imports = "report"`).
    - A name that another context's package re-exports: `from app.billing import Invoice` goes
      through the public entry, whatever module defines `Invoice` (for ORM models that is ARC105).
    - `importlib.import_module()` with a computed name.

    ## References
    - Eric Evans, Domain-Driven Design, ch. 14 "Maintaining Model Integrity" (Bounded Context,
      Context Map).
    - Vaughn Vernon, Implementing Domain-Driven Design, ch. 2 and 3 (contexts and their
      integration).
    """

    code, name, severity = "ARC104", "cross-context-import", Severity.WARNING
    tags = ("architecture",)
    Options = CrossContextImportOptions
    needs = ("contexts",)
    collectors = (ImportCollector,)

    _CONTEXTS: ClassVar = {"contexts": {"billing": "app.billing", "catalog": "app.catalog"}}
    _BILLING: ClassVar = {
        "app/__init__.py": "",
        "app/billing/__init__.py": "from app.billing.invoices import InvoiceService\n",
        "app/billing/api/__init__.py": "from app.billing.invoices import InvoiceService\n",
        "app/billing/invoices.py": "class InvoiceService: ...\n",
        "app/billing/api/schemas.py": "class InvoiceOut: ...\n",
    }

    VALID: ClassVar = [
        Valid("from app.billing.api import InvoiceService\n", path="app/catalog/pricing.py",
              files=_BILLING, project=_CONTEXTS),
        Valid("from app.billing import InvoiceService\n", path="app/catalog/pricing.py",
              files=_BILLING, project=_CONTEXTS),
        Valid("from app.billing.api.schemas import InvoiceOut\n", path="app/catalog/pricing.py",
              files=_BILLING, project=_CONTEXTS),
        Valid("from app.billing.invoices import InvoiceService\n",
              path="app/billing/payments.py", files=_BILLING, project=_CONTEXTS),
        Valid("from app.billing.invoices import InvoiceService\n", path="app/main.py",
              files=_BILLING, project=_CONTEXTS),
        Valid("from app.billing.invoices import InvoiceService\n", path="app/catalog/pricing.py",
              files=_BILLING),
        Valid(
            """
            from typing import TYPE_CHECKING
            if TYPE_CHECKING:
                from app.billing.invoices import InvoiceService
            """,
            path="app/catalog/pricing.py",
            files=_BILLING,
            project=_CONTEXTS,
        ),
        Valid("from app.billing.facade import InvoiceService\n", path="app/catalog/pricing.py",
              options={"public": ["facade"]},
              files={**_BILLING, "app/billing/facade.py": "InvoiceService = 1\n"},
              project=_CONTEXTS),
    ]
    INVALID: ClassVar = [
        Invalid("from app.billing.invoices import InvoiceService\n", line=1,
                path="app/catalog/pricing.py", files=_BILLING, project=_CONTEXTS,
                message="app.catalog.pricing (context 'catalog') imports app.billing.invoices, "
                        "an internal module of context 'billing'"),
        Invalid("from app.billing import invoices\n", line=1, path="app/catalog/pricing.py",
                files=_BILLING, project=_CONTEXTS,
                message="instead of its public entry app.billing.api or the package app.billing"),
        Invalid("from ..billing.invoices import InvoiceService\n", line=1,
                path="app/catalog/pricing.py", files=_BILLING, project=_CONTEXTS,
                message="app.billing.invoices"),
        Invalid("import importlib\nmod = importlib.import_module('app.billing.invoices')\n",
                line=2, path="app/catalog/pricing.py", files=_BILLING, project=_CONTEXTS,
                message="app.billing.invoices"),
        Invalid(
            "if TYPE_CHECKING:\n    from app.billing.invoices import InvoiceService\n",
            line=2,
            path="app/catalog/pricing.py",
            files=_BILLING,
            project={**_CONTEXTS, "typing-imports": "report"},
            message="(under TYPE_CHECKING)",
        ),
        Invalid("from app.billing.api import InvoiceService\n", line=1,
                path="app/catalog/pricing.py", options={"public": []}, files=_BILLING,
                project=_CONTEXTS, message="instead of its public entry, the package app.billing"),
    ]

    def check(self) -> None:
        context_map = contexts(self.project)
        if not context_map:
            return
        public = self._public_entries()
        project = structure(self.project)
        report_typing = self.project.typing_imports == "report"
        offences: dict[tuple[str, int], _Offence] = {}
        for imp in project.imports:
            if imp.fact.type_checking and not report_typing:
                continue
            home = context_map.of(imp.importer)
            if home is None:
                continue
            for target in imp.targets:
                owner = context_map.of(target)
                if owner is None or owner == home or self._is_public(owner, target, public):
                    continue
                offence = offences.setdefault(
                    (imp.path, imp.fact.line), _Offence(imp, home, {}, {})
                )
                internals = offence.internals.setdefault(owner.name, [])
                if target not in internals:
                    internals.append(target)
                offence.owners[owner.name] = owner
        for offence in offences.values():
            self._report(offence, project, public)

    def _public_entries(self) -> tuple[str, ...]:
        entries = []
        for entry in self.options.public:
            if entry and all(part.isidentifier() for part in entry.split(".")):
                entries.append(entry)
            else:
                self.note("", f"[tool.archlint.rules.{self.code}] public: {entry!r} is not a "
                              "module name relative to a context's package (such as \"api\"); "
                              "ignored")
        return tuple(entries)

    @staticmethod
    def _is_public(context: Context, module: str, public: tuple[str, ...]) -> bool:
        if module == context.package:
            return True
        for entry in public:
            full = f"{context.package}.{entry}"
            if module == full or module.startswith(full + "."):
                return True
        return False

    def _report(self, offence: _Offence, project: Structure, public: tuple[str, ...]) -> None:
        imp, home = offence.imp, offence.importer_context
        clauses = []
        helps = []
        for name, internals in offence.internals.items():
            owner = offence.owners[name]
            existing = [
                f"{owner.package}.{entry}" for entry in public
                if f"{owner.package}.{entry}" in project.modules.modules
            ]
            if len(existing) == 1:
                entry_text = f"its public entry {existing[0]} or the package {owner.package}"
            elif existing:
                entry_text = (f"its public entries {', '.join(existing)} or the package "
                              f"{owner.package}")
            else:
                entry_text = f"its public entry, the package {owner.package}"
            listed = " and ".join(internals) if len(internals) < 3 else (
                ", ".join(internals[:-1]) + f" and {internals[-1]}"
            )
            what = "an internal module" if len(internals) == 1 else "internal modules"
            clauses.append(f"{listed}, {what} of context '{name}', instead of {entry_text}")
            target = existing[0] if existing else owner.package
            helps.append(
                f"import what {home.name} needs from {target}, and let {name} re-export it there "
                f"(or list the module in [tool.archlint.rules.{self.code}] public if {name} means "
                f"to publish it), so that {name}'s insides can change without breaking {home.name}"
            )
        typing_note = " (under TYPE_CHECKING)" if imp.fact.type_checking else ""
        message = (
            f"{imp.importer} (context '{home.name}') imports {'; and '.join(clauses)}"
            f"{typing_note}"
        )
        span = imp.fact.span
        self.report_at(imp.path, span, message, help="; ".join(helps),
                       statement_lines=(span.line, span.end_line))
