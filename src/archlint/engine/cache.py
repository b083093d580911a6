"""On-disk cache of FileResults in `.archlint_cache/` at the project root.

An entry is valid for one file path and the exact bytes of that file, under one effective config
and one build of archlint (both in the cache file's name): the build is the version plus the
sizes and times of archlint's own modules, so an edited rule in a development checkout does not
serve results of the code it replaced. A corrupt or unreadable cache is ignored and
rebuilt; failing to write it never fails a scan.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
import time
from pathlib import Path

from archlint import __version__
from archlint.engine.worker import FileResult

CACHE_DIR = ".archlint_cache"
_FORMAT = 1


def content_digest(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class ResultCache:
    def __init__(self, root: Path, config_fingerprint: str, *, enabled: bool = True) -> None:
        self.enabled = enabled
        self.folder = root / CACHE_DIR
        self.path = self.folder / f"results-{build_id()}-{config_fingerprint}.pickle"
        self.entries: dict[str, tuple[str, FileResult]] = {}
        self.dirty = False
        if enabled:
            self._load()

    def _load(self) -> None:
        try:
            with open(self.path, "rb") as fh:
                data = pickle.load(fh)
        except FileNotFoundError:
            return
        except Exception:  # corrupt, truncated, written by another version: start afresh
            self.dirty = True
            return
        if isinstance(data, dict) and data.get("format") == _FORMAT:
            entries = data.get("entries")
            if isinstance(entries, dict):
                self.entries = entries

    def get(self, rel: str, digest: str) -> FileResult | None:
        if not self.enabled:
            return None
        entry = self.entries.get(rel)
        if entry is not None and entry[0] == digest and isinstance(entry[1], FileResult):
            return entry[1]
        return None

    def put(self, rel: str, digest: str, result: FileResult) -> None:
        if self.enabled:
            self.entries[rel] = (digest, result)
            self.dirty = True

    def save(self, root: Path) -> None:
        if not self.enabled or not self.dirty:
            return
        # Forget files that are gone, so the cache does not grow forever.
        self.entries = {rel: e for rel, e in self.entries.items() if (root / rel).exists()}
        try:
            self.folder.mkdir(exist_ok=True)
            marker = self.folder / ".gitignore"
            if not marker.exists():
                marker.write_text("# created by archlint\n*\n", encoding="utf-8")
            for stale in self.folder.glob("results-*.pickle"):
                if stale != self.path and stale.stat().st_mtime < _week_ago():
                    stale.unlink(missing_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, suffix=".tmp")
            with os.fdopen(fd, "wb") as fh:
                pickle.dump({"format": _FORMAT, "entries": self.entries}, fh,
                            protocol=pickle.HIGHEST_PROTOCOL)
            os.replace(tmp, self.path)
        except OSError:
            pass  # a read-only checkout still gets its results


def build_id(package: Path = Path(__file__).resolve().parent.parent) -> str:
    stamp = hashlib.blake2b(digest_size=6)
    for module in sorted(package.rglob("*.py")):
        st = module.stat()
        stamp.update(f"{module.relative_to(package)}:{st.st_size}:{st.st_mtime_ns};".encode())
    return f"{__version__}-{stamp.hexdigest()}"


def _week_ago() -> float:
    return time.time() - 7 * 24 * 3600
