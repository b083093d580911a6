"""On-disk cache in `.archlint_cache/` at the project root: per-file results, their facts, and
the project phase's results.

A file's entry is valid for one path and the exact bytes of that file, under one effective
config and one build of archlint (both in the cache files' names): the build is the version plus
the sizes and times of archlint's own modules, so an edited rule in a development checkout does
not serve results of the code it replaced.

Facts (what project rules read) are most of the cache's weight and are needed only when the
project phase runs, so they live in a file of their own, read only then. The project phase's
own results are kept with what they were computed from: every scanned file and its digest, and
every other file the project rules read (`ProjectModel.reads`: Dockerfiles, import-linter
configs, logging configs), with its digest as it was. When none of that changed, a re-scan
reuses them and reads no facts at all.

A corrupt or unreadable cache is ignored and rebuilt; failing to write it never fails a scan.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from archlint import __version__
from archlint.engine.worker import FileResult
from archlint.model import Finding, Notification, content_digest, file_digest

CACHE_DIR = ".archlint_cache"
_FORMAT = 2


@dataclass(frozen=True)
class ProjectEntry:
    """The project phase's results and what they were computed from."""

    inputs: str  # digest of the scanned files, their digests, the companions, the scan's reach
    reads: Mapping[str, str | None]  # root-relative path -> digest when read (None: missing)
    findings: list[Finding]
    notifications: list[Notification]


def project_inputs(digests: Mapping[str, str], companions: Iterable[str], whole: bool) -> str:
    stamp = hashlib.blake2b(digest_size=16)
    for rel in sorted(digests):
        stamp.update(f"{rel}\0{digests[rel]}\n".encode())
    stamp.update(f"companions\0{sorted(companions)}\0whole\0{whole}".encode())
    return stamp.hexdigest()


class ResultCache:
    def __init__(self, root: Path, config_fingerprint: str, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self.root = root
        self.folder = root / CACHE_DIR
        name = f"{build_id()}-{config_fingerprint}.pickle"
        self.path = self.folder / f"results-{name}"
        self.facts_path = self.folder / f"facts-{name}"
        self.project_path = self.folder / f"project-{name}"
        self.entries: dict[str, tuple[str, FileResult]] = {}  # results without their facts
        self._facts: dict[str, tuple[str, dict[str, list[Any]]]] | None = None
        self.dirty = False
        self._facts_dirty = False
        self._project: ProjectEntry | None = None
        self._project_dirty = False
        if enabled:
            data = _load(self.path)
            if data is None:
                self.dirty = self.path.exists()
            elif isinstance(data.get("entries"), dict):
                self.entries = data["entries"]

    def get(self, rel: str, digest: str) -> FileResult | None:
        """The cached result of a file, without its facts (`with_facts` adds them)."""
        if not self.enabled:
            return None
        entry = self.entries.get(rel)
        if entry is not None and entry[0] == digest and isinstance(entry[1], FileResult):
            return entry[1]
        return None

    def with_facts(self, rel: str, digest: str, result: FileResult) -> FileResult | None:
        """`result` with its cached facts, or None when they are not in the cache."""
        facts = self._all_facts().get(rel)
        if facts is None or facts[0] != digest:
            return None
        return replace(result, facts=facts[1])

    def put(self, rel: str, digest: str, result: FileResult) -> None:
        if self.enabled:
            self.entries[rel] = (digest, replace(result, facts={}))
            self._all_facts()[rel] = (digest, result.facts)
            self.dirty = self._facts_dirty = True

    # -- the project phase ----------------------------------------------------------------------
    def project(self, inputs: str) -> ProjectEntry | None:
        """The project phase's results for these inputs, when every file they read still has
        the bytes it had."""
        if not self.enabled:
            return None
        data = _load(self.project_path)
        entry = data.get("project") if data is not None else None
        if not isinstance(entry, ProjectEntry) or entry.inputs != inputs:
            return None
        if any(file_digest(self.root / rel) != digest for rel, digest in entry.reads.items()):
            return None
        return entry

    def put_project(self, entry: ProjectEntry) -> None:
        if self.enabled:
            self._project = entry
            self._project_dirty = True

    # -- storage --------------------------------------------------------------------------------
    def _all_facts(self) -> dict[str, tuple[str, dict[str, list[Any]]]]:
        if self._facts is None:
            data = _load(self.facts_path) if self.enabled else None
            facts = data.get("facts") if data is not None else None
            self._facts = facts if isinstance(facts, dict) else {}
        return self._facts

    def save(self, root: Path) -> None:
        if not self.enabled or not (self.dirty or self._project_dirty):
            return
        try:
            self.folder.mkdir(exist_ok=True)
            marker = self.folder / ".gitignore"
            if not marker.exists():
                marker.write_text("# created by archlint\n*\n", encoding="utf-8")
            for stale in self.folder.glob("*-*.pickle"):
                if stale not in self._paths() and stale.stat().st_mtime < _week_ago():
                    stale.unlink(missing_ok=True)
            if self.dirty:
                # Forget files that are gone, so the cache does not grow forever.
                self.entries = {rel: e for rel, e in self.entries.items()
                                if (root / rel).exists()}
                _dump(self.path, {"entries": self.entries})
            if self._facts_dirty:
                facts = self._all_facts()
                _dump(self.facts_path, {"facts": {rel: f for rel, f in facts.items()
                                                  if rel in self.entries}})
            if self._project_dirty:
                _dump(self.project_path, {"project": self._project})
        except OSError:
            pass  # a read-only checkout still gets its results

    def _paths(self) -> tuple[Path, ...]:
        return self.path, self.facts_path, self.project_path


def _load(path: Path) -> dict[str, Any] | None:
    try:
        with open(path, "rb") as fh:
            data = pickle.load(fh)
    except FileNotFoundError:
        return None
    except Exception:  # corrupt, truncated, written by another version: start afresh
        return None
    if isinstance(data, dict) and data.get("format") == _FORMAT:
        return data
    return None


def _dump(path: Path, data: dict[str, Any]) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
    with os.fdopen(fd, "wb") as fh:
        pickle.dump({"format": _FORMAT, **data}, fh, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, path)


def build_id(package: Path = Path(__file__).resolve().parent.parent) -> str:
    stamp = hashlib.blake2b(digest_size=6)
    for module in sorted(package.rglob("*.py")):
        st = module.stat()
        stamp.update(f"{module.relative_to(package)}:{st.st_size}:{st.st_mtime_ns};".encode())
    return f"{__version__}-{stamp.hexdigest()}"


def _week_ago() -> float:
    return time.time() - 7 * 24 * 3600
