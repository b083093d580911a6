"""Which layer a module sits in, and why.

Four layers, lowest first: domain < application < infrastructure < interface; a module may import
its own layer and lower ones. With `[tool.archlint.layers]` configured, its patterns alone decide;
otherwise the first folder on the module's path whose name is a layer's folder name does, but
only inside a layered package: one that holds the folders of at least two different layers
(`app/domain` and `app/api`), or a folder called `domain`. A lone `entities`, `adapters` or `api`
folder in a package that is not built in layers is just a name. Tests, test helpers and migrations sit in no layer: they exist to
reach across layers.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass

from archlint.rules._scaffolding import is_scaffolding as scaffolding
from archlint.rules.architecture._modules import glob_parts

LAYERS = ("domain", "application", "infrastructure", "interface")
FOLDER_NAMES: Mapping[str, tuple[str, ...]] = {
    "domain": ("domain", "entities"),
    "application": ("application", "use_cases", "usecases", "services", "service_layer"),
    "infrastructure": ("infrastructure", "infra", "adapters", "repositories", "persistence"),
    "interface": ("api", "interface", "interfaces", "entrypoints", "web", "routes", "controllers",
                  "presentation", "views"),
}
_LAYER_OF_FOLDER = {folder: layer for layer, names in FOLDER_NAMES.items() for folder in names}


def rank(layer: str) -> int:
    return LAYERS.index(layer)


@dataclass(frozen=True)
class Placement:
    layer: str
    root: str  # the module whose subtree the layer claims: "app.domain"
    reason: str  # 'folder "domain"' or 'pattern "app.domain"'
    # The layered package the root sits in ("app"; "" for top-level folders); None for configured
    # patterns, which may place layers anywhere.
    container: str | None = None


@dataclass(frozen=True)
class _Pattern:
    layer: str
    text: str
    parts: tuple[str, ...]
    literal: bool


class LayerModel:
    def __init__(self, patterns: Mapping[str, Iterable[str]] | None = None) -> None:
        self.configured = bool(patterns)
        self._patterns = [
            _pattern(layer, text)
            for layer in LAYERS
            for text in (patterns or {}).get(layer, ())
        ]

    def place_all(self, modules: Iterable[str], packages: Collection[str]) -> dict[str, Placement]:
        """Every module that sits in a layer; by folder names only inside layered packages."""
        placed = {}
        for module in modules:
            placement = self.place(module, module in packages)
            if placement is not None:
                placed[module] = placement
        if self.configured:
            return placed
        evidence: dict[str, set[str]] = {}
        for placement in placed.values():
            evidence.setdefault(placement.container or "", set()).update(
                (placement.layer, placement.reason)
            )
        return {m: p for m, p in placed.items() if _is_layered(evidence[p.container or ""])}

    def place(self, module: str, is_package: bool = False) -> Placement | None:
        """The layer a module would sit in, judged alone (see `place_all` for the project view)."""
        parts = module.split(".")
        if is_scaffolding(module):
            return None
        if self.configured:
            return self._by_pattern(parts)
        folders = parts if is_package else parts[:-1]
        for i, folder in enumerate(folders):
            layer = _LAYER_OF_FOLDER.get(folder)
            if layer is not None:
                return Placement(layer, ".".join(parts[: i + 1]), f'folder "{folder}"',
                                 container=".".join(parts[:i]))
        return None

    def _by_pattern(self, parts: list[str]) -> Placement | None:
        """The longest prefix of the module that a pattern matches; on a tie, a pattern without
        wildcards beats one with, then the lower layer."""
        for end in range(len(parts), 0, -1):
            prefix = tuple(parts[:end])
            matching = [p for p in self._patterns if glob_parts(p.parts, prefix)]
            if matching:
                best = min(matching, key=lambda p: (not p.literal, rank(p.layer)))
                return Placement(best.layer, ".".join(prefix), f'pattern "{best.text}"')
        return None


def _is_layered(evidence: set[str]) -> bool:
    """Two layers side by side, or a folder called `domain`: a name nobody picks by accident."""
    return len(evidence & set(LAYERS)) > 1 or 'folder "domain"' in evidence


def _pattern(layer: str, text: str) -> _Pattern:
    """A trailing `**` is dropped: a pattern claims its subtree anyway, so `app.**` means `app`
    and must not outrank `app.domain` as if it matched every leaf module itself."""
    parts = tuple(text.split("."))
    while len(parts) > 1 and parts[-1] == "**":
        parts = parts[:-1]
    literal = not any(c in part for part in parts for c in "*?[")
    return _Pattern(layer, text, parts, literal)


def is_scaffolding(module: str) -> bool:
    """Tests, test helpers and migrations (by module name): code that exists to reach across
    layers and contexts, so architecture rules neither place it nor blame it."""
    parts = module.split(".")
    return scaffolding(parts, parts[-1])
