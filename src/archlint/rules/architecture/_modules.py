"""Which module each file is, without importing anything: the dotted name Python would give it.

A file's source root (the folder on `sys.path` that its top-level package sits in) is, in order:
1. the deepest configured `source-roots` folder that holds it (globs allowed: `services/*/src`);
2. the nearest folder named `src` above it (src layout, also `services/*/src` in a monorepo),
   unless that `src` has an `__init__.py` of its own (then it is a package named `src`);
3. the parent of the topmost regular package (`__init__.py`) above it (flat layout), even when a
   folder between that package and the file has no `__init__.py`;
4. the project root (namespace packages, scripts).

Django runs with the folder of `manage.py` on `sys.path` too: in a project whose `manage.py`
sits inside a package (`label_studio/manage.py`), `from core.utils import x` means
`label_studio.core.utils`. Imports are resolved that way as well (`canonical`).
"""

from __future__ import annotations

import fnmatch
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path, PurePosixPath

from archlint.rules.architecture._imports import ImportFact


class ModuleMap:
    def __init__(self, root: Path | None, paths: Iterable[str],
                 source_roots: Sequence[str] = (),
                 note_read: Callable[[str], None] = lambda path: None) -> None:
        self.root = root
        self._note_read = note_read  # files looked for on disk, for the project phase's cache
        self._source_roots = tuple(
            tuple(p for p in r.strip("/").split("/") if p not in ("", ".")) for r in source_roots
        )
        paths = list(paths)
        self._init_files = {p for p in paths if p.endswith("__init__.py")}
        self._on_disk: dict[str, bool] = {}  # an __init__.py the scan excluded still makes a package
        self.module_of: dict[str, str] = {}
        self.path_of: dict[str, str] = {}
        self.packages: set[str] = set()
        for path in paths:
            name = self._name(path)
            if name is None or name in self.path_of:
                continue  # not a Python module name, or a second file for a name: first wins
            self.module_of[path] = name
            self.path_of[name] = path
            if path.endswith("__init__.py"):
                self.packages.add(name)
        # Every ancestor of a module is a package, even without an __init__.py (namespace).
        for name in list(self.path_of):
            parts = name.split(".")
            for i in range(1, len(parts)):
                self.packages.add(".".join(parts[:i]))
        self.top_level = {name.split(".")[0] for name in self.path_of}
        self._path_roots = sorted(
            {name.rpartition(".")[0] for name in self.path_of if name.endswith(".manage")} - {""}
        )

    @property
    def modules(self) -> set[str]:
        return set(self.path_of) | self.packages

    def _name(self, path: str) -> str | None:
        pure = PurePosixPath(path)
        if pure.suffix != ".py":
            return None
        folders = pure.parts[:-1]
        start = self._source_root(folders)
        parts = list(folders[start:])
        if pure.name != "__init__.py":
            parts.append(pure.stem)
        if not parts or not all(p.isidentifier() for p in parts):
            return None
        return ".".join(parts)

    def _source_root(self, folders: tuple[str, ...]) -> int:
        """How many leading folders of a file's path are outside its module name."""
        for depth in range(len(folders), 0, -1):
            if any(glob_parts(pattern, folders[:depth]) for pattern in self._source_roots):
                return depth
        for depth in range(len(folders), 0, -1):
            # A `src` folder holding an __init__.py is a package (`from src.app import x`).
            if folders[depth - 1] == "src" and not self._is_regular_package(folders[:depth]):
                return depth
        # The topmost regular package decides, even when a folder between it and the file has
        # no __init__.py (a namespace portion inside a package is still part of its name).
        for depth in range(1, len(folders) + 1):
            if self._is_regular_package(folders[:depth]):
                return depth - 1
        return 0

    def _is_regular_package(self, folders: tuple[str, ...]) -> bool:
        if not folders:
            return False
        init = "/".join((*folders, "__init__.py"))
        if init in self._init_files:
            return True
        found = self._on_disk.get(init)
        if found is None:
            self._note_read(init)
            found = self._on_disk[init] = self.root is not None and (self.root / init).is_file()
        return found

    # -- what an import refers to -----------------------------------------------------------------
    def absolute(self, fact: ImportFact, importer: str) -> str | None:
        """The absolute module a (possibly relative) import names, or None when the dots climb
        above the top-level package."""
        module = self.relative_to(importer, fact.module, fact.level)
        return self.canonical(module) if module is not None else None

    def canonical(self, module: str) -> str:
        """The project's name for a module imported through a Django `manage.py` folder on
        `sys.path` (`core.utils` -> `label_studio.core.utils`); any other name as it is."""
        if not self._path_roots or self.is_internal(module):
            return module
        head = module.split(".")[0]
        for root in self._path_roots:
            if f"{root}.{head}" in self.packages or f"{root}.{head}" in self.path_of:
                return f"{root}.{module}"
        return module

    def relative_to(self, importer: str, name: str, level: int) -> str | None:
        """`name` written with `level` leading dots in module `importer`, made absolute (None
        when the dots climb above the top-level package). Also serves dotted names qualified
        through a relative import (`.models.Base`)."""
        if level == 0:
            return name
        is_package = self.path_of.get(importer, "").endswith("__init__.py")
        base = importer if is_package else importer.rpartition(".")[0]
        parts = base.split(".") if base else []
        climb = level - 1
        if climb >= len(parts):
            return None  # Python: "attempted relative import beyond top-level package"
        parts = parts[: len(parts) - climb]
        if name:
            parts.append(name)
        return ".".join(parts) if parts else None

    def targets(self, fact: ImportFact, importer: str) -> list[str]:
        """The modules an import makes the importer depend on: for `from a import b`, the
        module `a.b` when it is one, else `a`; project modules by their most specific known name,
        other libraries by their dotted name as written."""
        module = self.absolute(fact, importer)
        if module is None:
            return []
        candidates = [module]
        if fact.kind == "from":
            candidates = [
                f"{module}.{name}" if f"{module}.{name}" in self.path_of
                or f"{module}.{name}" in self.packages else module
                for name in fact.names
            ] or [module]
        found: list[str] = []
        for candidate in candidates:
            target = self.known_prefix(candidate) if self.is_internal(candidate) else candidate
            if target is not None and target not in found:
                found.append(target)
        return found

    def is_internal(self, module: str) -> bool:
        return module.split(".")[0] in self.top_level

    def known_prefix(self, module: str) -> str | None:
        parts = module.split(".")
        for i in range(len(parts), 0, -1):
            candidate = ".".join(parts[:i])
            if candidate in self.path_of or candidate in self.packages:
                return candidate
        return None


def glob_parts(pattern: tuple[str, ...], parts: tuple[str, ...]) -> bool:
    """A glob over path segments or dotted names, one part at a time: `*` stays within one
    part (fnmatch's `*` alone would let `services/*` match every folder below `services`), `**`
    is any number of parts."""
    if not pattern:
        return not parts
    head, rest = pattern[0], pattern[1:]
    if head == "**":
        return any(glob_parts(rest, parts[i:]) for i in range(len(parts) + 1))
    return bool(parts) and fnmatch.fnmatchcase(parts[0], head) and glob_parts(rest, parts[1:])
