"""The project's own import-linter contracts, read and checked with import-linter itself.

import-linter reads the configuration (its INI and TOML readers, in its own search order) and
checks each built-in contract type on a graph that archlint feeds from its import facts. What
comes back is import-linter's metadata (plain dicts, a different shape per contract type); this
module turns it into typed `Violation`s right here, so that the rule never handles those dicts.
Custom contract types are never imported: that would run the project's code.
"""

from __future__ import annotations

import configparser
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import grimp
from importlinter.adapters.user_options import IniFileUserOptionReader, TomlFileUserOptionReader
from importlinter.api import read_configuration  # also configures import-linter's adapters
from importlinter.application import use_cases
from importlinter.domain.contract import Contract, ContractCheck


def search_order() -> tuple[str, ...]:
    """import-linter's default config files, in the order it tries them: its INI reader first
    (setup.cfg, .importlinter), then its TOML reader (pyproject.toml)."""
    return (*IniFileUserOptionReader.potential_config_filenames,
            *TomlFileUserOptionReader.potential_config_filenames)


@dataclass(frozen=True)
class ContractsConfig:
    path: str  # as the user knows it: relative to the project root
    session_options: dict[str, Any]
    contracts_options: list[dict[str, Any]]

    def flag(self, key: str) -> bool:
        # import-linter's own reading: "True"/"true" (TOML booleans arrive as "True").
        return str(self.session_options.get(key)) in ("True", "true")

    @property
    def root_packages(self) -> tuple[str, ...]:
        roots = self.session_options.get("root_packages", ())
        return (roots,) if isinstance(roots, str) else tuple(roots)

    @property
    def custom_types(self) -> dict[str, str]:
        """`contract_types` entries ("name: dotted.path.Class"), name -> class path."""
        entries = self.session_options.get("contract_types", ())
        entries = [entries] if isinstance(entries, str) else entries
        return {
            name.strip(): target.strip()
            for name, _, target in (str(entry).partition(":") for entry in entries)
        }


class ConfigUnreadable(Exception):
    """A config file that import-linter could not read: the message says which and why."""

    def __init__(self, path: str, why: str) -> None:
        super().__init__(f"{path}: {why}")
        self.path = path


def read_configs(root: Path, explicit: tuple[str, ...] = ()
                 ) -> list[ContractsConfig | ConfigUnreadable]:
    """The configurations import-linter would check when run in `root`: the first default file
    that holds an import-linter section (a default file that cannot be read ends the search, as
    it stops lint-imports), or each of the `explicit` files."""
    if explicit:
        found: list[ContractsConfig | ConfigUnreadable] = []
        for name in explicit:
            try:
                config = _read(root, name)
            except ConfigUnreadable as exc:
                found.append(exc)
                continue
            found.append(config if config is not None else ConfigUnreadable(
                name,
                "no import-linter configuration in this file (ARC103's `config` option names it)"
                if (root / name).is_file() else
                "file not found (ARC103's `config` option names it)"
            ))
        return found
    for name in search_order():
        if (root / name).is_file():
            try:
                config = _read(root, name)
            except ConfigUnreadable as exc:
                return [exc]
            if config is not None:
                return [config]
    return []


def _read(root: Path, name: str) -> ContractsConfig | None:
    try:
        options = read_configuration(str(root / name))
    except FileNotFoundError:
        return None  # the file has no import-linter section
    except KeyError as exc:
        if exc.args and exc.args[0] == "root_package":
            raise ConfigUnreadable(
                name, "the [importlinter] section sets neither root_package nor root_packages"
            ) from None
        raise ConfigUnreadable(name, f"cannot read the import-linter configuration: missing "
                               f"{exc}") from None
    except (OSError, ValueError, configparser.Error) as exc:  # TOMLDecodeError is a ValueError
        detail = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ConfigUnreadable(name, f"cannot read the import-linter configuration: "
                               f"{detail}") from None
    return ContractsConfig(name, options["session_options"], options["contracts_options"])


def built_in_contract_types() -> dict[str, type[Contract]]:
    """The contract types the installed import-linter ships (its own list, so that a newer
    import-linter's types run too; types it lacks stay unknown, as they do for lint-imports)."""
    return dict(use_cases._get_built_in_contract_types())


# -- what a broken contract means, typed --------------------------------------------------------


@dataclass(frozen=True)
class Link:
    """One direct import: `lines` are where `importer` imports `imported` (None: unknown)."""

    importer: str
    imported: str
    lines: tuple[int | None, ...]

    @classmethod
    def of(cls, data: dict[str, Any]) -> Link:
        return cls(data["importer"], data["imported"], tuple(data.get("line_numbers") or (None,)))

    @property
    def expression(self) -> str:
        """How import-linter's ignore_imports names this import."""
        return f"{self.importer} -> {self.imported}"


@dataclass(frozen=True)
class Violation:
    """An import chain that breaks a contract; the finding belongs on its first link."""

    what: str  # what is forbidden: "shop.domain must not import shop.web"
    links: tuple[Link, ...]  # the chain, first import first
    fix: str  # what to do about it
    also: tuple[Link, ...] = ()  # other imports that explain it (the way back of a cycle)
    after: str = ""  # said after the chain: "; and back: a.y -> a.x"

    @property
    def chain(self) -> str:
        return _chain_text(self.links)


def _chain_text(links: tuple[Link, ...]) -> str:
    return " -> ".join([links[0].importer, *(link.imported for link in links)])


@dataclass(frozen=True)
class StrayModule:
    """A broken contract that no import line causes (a module that an exhaustive layers
    contract does not list)."""

    module: str
    what: str
    fix: str


Problem = Violation | StrayModule


def problems(kind: str, contract: Contract, check: ContractCheck,
             graph: grimp.ImportGraph) -> list[Problem]:
    """What made a contract of a built-in `kind` break, from its check's metadata. `graph` is
    the graph the contract checked (its ignored imports already removed)."""
    reader = _READERS.get(kind)
    return list(reader(contract, check.metadata, graph)) if reader else []


def _detailed(data: dict[str, Any], what: str, fix: str) -> Iterator[Violation]:
    """A DetailedChain (layers, independence): the chain, plus the chains that start at its
    other first imports (`extra_firsts`) and end at its other last ones (`extra_lasts`)."""
    chain = tuple(Link.of(link) for link in data["chain"])
    lasts = tuple(Link.of(link) for link in data.get("extra_lasts", ()))
    yield Violation(what, chain, fix, also=lasts)
    for first in data.get("extra_firsts", ()):
        yield Violation(what, (Link.of(first), *chain[1:]), fix, also=lasts)


def _forbidden(contract: Contract, metadata: dict[str, Any], graph) -> Iterator[Problem]:
    for data in metadata["invalid_chains"]:
        source, forbidden = data["downstream_module"], data["upstream_module"]
        fix = (f"move the code that needs {forbidden} out of {source}, or pass what it needs in "
               f"from outside (dependency inversion)")
        for chain in data["chains"]:
            yield Violation(f"{source} must not import {forbidden}",
                            tuple(Link.of(link) for link in chain), fix)


def _layers(contract: Contract, metadata: dict[str, Any], graph) -> Iterator[Problem]:
    for data in metadata["invalid_dependencies"]:
        lower, higher = data["importer"], data["imported"]
        what = f"{lower} must not import {higher}, a higher layer"
        fix = (f"move the code to the layer it belongs to, or invert the dependency: declare an "
               f"interface in {lower} and implement it in {higher}")
        for route in data["routes"]:
            yield from _detailed(route, what, fix)
    for module in sorted(metadata.get("undeclared_modules") or ()):
        yield StrayModule(
            module,
            f"{module} is not one of its layers, and the contract is exhaustive",
            "list it among the contract's layers, or in its exhaustive_ignores",
        )


def _independence(contract: Contract, metadata: dict[str, Any], graph) -> Iterator[Problem]:
    for data in metadata["invalid_chains"]:
        down, up = data["downstream_module"], data["upstream_module"]
        what = f"{down} must not import {up}: they are independent"
        fix = (f"move what both need into a module outside them that each may import, or let "
               f"{up} reach {down} through an interface or an event")
        for chain in data["chains"]:
            yield from _detailed(chain, what, fix)


def _protected(contract: Contract, metadata: dict[str, Any], graph) -> Iterator[Problem]:
    allowed = ", ".join(sorted(str(e) for e in getattr(contract, "allowed_importers", ()) or ()))
    for data in metadata["illegal_imports"]:
        top = data.top_level_module
        via = f" (via {data.original_expression})" if data.original_expression else ""
        for link in data.illegal_links:
            yield Violation(
                f"{top} is protected{via}: only {allowed or 'its allowed importers'} may import it",
                (Link.of(link),),
                f"go through {allowed} instead of importing {top} directly, or add the importer "
                f"to the contract's allowed_importers",
            )


def _private_modules(contract: Contract, metadata: dict[str, Any], graph) -> Iterator[Problem]:
    for data in metadata["illegal_imports"]:
        link = Link.of(data)
        parent = private_parent(link.imported) or link.imported.rpartition(".")[0]
        yield Violation(
            f"{link.imported} is private to {parent}; only {parent} and its descendants may "
            f"import it",
            (link,),
            f"import what you need from the public modules of {parent}, or make the module "
            f"public (no leading underscore)",
        )


def private_parent(module: str) -> str | None:
    """The package a private module belongs to: the parent of its innermost `_name` part
    (dunders such as __main__ are not private; a top-level module never is)."""
    parts = module.split(".")
    for index in range(len(parts) - 1, 0, -1):
        name = parts[index]
        if name.startswith("_") and not (name.startswith("__") and name.endswith("__")):
            return ".".join(parts[:index])
    return None


def _acyclic_siblings(contract: Contract, metadata: dict[str, Any],
                      graph: grimp.ImportGraph) -> Iterator[Problem]:
    for package, breakers in sorted(metadata["cycle_breakers_by_package"].items()):
        depth = package.count(".") + 2
        for importer, imported in sorted(breakers):
            down = ".".join(importer.split(".")[:depth])
            up = ".".join(imported.split(".")[:depth])
            back = _way_back(graph, up, down)
            yield Violation(
                f"{down} and {up} import each other, and no cycles are allowed among the "
                f"children of {package}",
                (_link(graph, importer, imported),),
                f"break the cycle: move what both need into a lower sibling, or invert one of "
                f"the dependencies ({down} -> {up} is the one import-linter would remove)",
                also=back,
                after=f"; and back: {_chain_text(back)}" if back else "",
            )


def _way_back(graph: grimp.ImportGraph, importer: str, imported: str) -> tuple[Link, ...]:
    chains = graph.find_shortest_chains(importer=importer, imported=imported, as_packages=True)
    if not chains:
        return ()
    chain = min(chains, key=lambda c: (len(c), c))
    return tuple(_link(graph, a, b) for a, b in zip(chain, chain[1:]))


def _link(graph: grimp.ImportGraph, importer: str, imported: str) -> Link:
    details = graph.get_import_details(importer=importer, imported=imported)
    lines = tuple(sorted({d["line_number"] for d in details})) or (None,)
    return Link(importer, imported, lines)


_READERS = {
    "forbidden": _forbidden,
    "layers": _layers,
    "independence": _independence,
    "protected": _protected,
    "private_modules": _private_modules,
    "acyclic_siblings": _acyclic_siblings,
}
