"""Which files a scan covers: Python files under the given paths, minus default excludes, the
config's `exclude`/`extend-exclude` and every `.gitignore` on the way down (pathspec).

Beside them, under the same excludes, the few non-Python files that say how the service runs
(`COMPANION_FILES`: Dockerfiles, Procfiles, compose files, shell scripts, logging configs). They
are never parsed in phase 1; project rules read them as text (`rules/_texts.py`).

Symlinked folders are followed once; a link back into a folder being walked is a loop and is
reported, as is a folder that cannot be read. Neither stops the scan.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

import pathspec

from archlint.config import DEFAULT_EXCLUDES, Settings, collapse_stars
from archlint.model import Notification, NotificationKind

# How a service is launched (where `opentelemetry-instrument` runs it) and how its logging is
# configured when not in Python. Matched against the file name, case-insensitively.
COMPANION_FILES = pathspec.GitIgnoreSpec.from_lines([
    "dockerfile", "dockerfile.*", "*.dockerfile", "containerfile", "procfile", "procfile.*",
    "*.sh", "entrypoint", "docker-entrypoint",
    "docker-compose*.yml", "docker-compose*.yaml", "compose*.yml", "compose*.yaml",
    "*log*.ini", "*log*.conf", "*log*.cfg", "*log*.yaml", "*log*.yml", "*log*.json",
])


class PathNotFound(Exception):
    pass


@dataclass
class Discovery:
    files: list[tuple[str, str]] = field(default_factory=list)  # (absolute path, root-relative)
    companions: list[str] = field(default_factory=list)  # root-relative; see COMPANION_FILES
    notifications: list[Notification] = field(default_factory=list)


def relative(path: Path | str, root: Path) -> str:
    rel = os.path.relpath(os.path.abspath(path), root)
    return rel.replace(os.sep, "/")


def _spec(lines: list[str]) -> pathspec.PathSpec:
    # .gitignore files are read as found: a hostile run of `*` must not hang the scan
    return pathspec.GitIgnoreSpec.from_lines([collapse_stars(line) for line in lines])


def _read_gitignore(folder: str) -> pathspec.PathSpec | None:
    path = os.path.join(folder, ".gitignore")
    try:
        with open(path, encoding="utf-8", errors="replace") as fh:
            lines = fh.read().splitlines()
    except OSError:
        return None
    return _spec(lines) if lines else None


def discover(paths: list[Path], settings: Settings) -> Discovery:
    root = settings.root
    excluded = _spec([*DEFAULT_EXCLUDES, *settings.exclude, *settings.extend_exclude])
    found = Discovery()
    seen: set[str] = set()
    for given in paths:
        if not given.exists() and not given.is_symlink():
            raise PathNotFound(f"{given}: no such file or directory")
        if given.is_file():
            rel = relative(given, root)
            if rel not in seen:
                seen.add(rel)
                found.files.append((os.path.abspath(given), rel))
            continue
        start = Path(os.path.abspath(given))
        # Folders from the root down to the given one, whose .gitignore files apply too.
        chain = [p for p in reversed((start, *start.parents)) if _is_within(p, root)][:-1]
        spec = excluded
        for index, folder in enumerate([*chain[1:], start]):
            if _ignored(relative(folder, root), True, excluded, _gitignores(chain[: index + 1],
                                                                            root, settings)):
                # Named on the command line although excluded (a gitignored corpus, say): scan
                # it, keeping only the default excludes and the .gitignore files from there down.
                spec = _spec(list(DEFAULT_EXCLUDES))
                chain = chain[index + 1 :]
                break
        ignores = _gitignores(chain, root, settings)
        _walk(os.path.abspath(given), root, spec, ignores, settings, found, seen, set())
    found.files.sort(key=lambda item: item[1])
    found.companions.sort()
    return found


def is_excluded(path: Path, settings: Settings) -> bool:
    """Whether a scan of the root would skip this file: outside the root, or matched by the
    default excludes, the config's excludes or a .gitignore on the way down. For front doors
    that get one file at a time (the language server)."""
    path = Path(os.path.abspath(path))
    if not _is_within(path, settings.root):
        return True
    excluded = _spec([*DEFAULT_EXCLUDES, *settings.exclude, *settings.extend_exclude])
    folders = [p for p in reversed(path.parents) if _is_within(p, settings.root)]
    ignores = _gitignores(folders, settings.root, settings)
    for folder in folders[1:]:  # a folder excluded as a whole excludes what is in it
        if _ignored(relative(folder, settings.root), True, excluded, ignores):
            return True
    return _ignored(relative(path, settings.root), False, excluded, ignores)


def _gitignores(
    folders: list[Path], root: Path, settings: Settings
) -> list[tuple[str, pathspec.PathSpec]]:
    found: list[tuple[str, pathspec.PathSpec]] = []
    if not settings.respect_gitignore:
        return found
    for folder in folders:
        spec = _read_gitignore(str(folder))
        if spec is not None:
            found.append((relative(folder, root), spec))
    return found


def _is_within(path: Path, root: Path) -> bool:
    try:
        path.relative_to(root)
    except ValueError:
        return False
    return True


def _ignored(rel: str, is_dir: bool, excluded: pathspec.PathSpec,
             ignores: list[tuple[str, pathspec.PathSpec]]) -> bool:
    candidate = rel + "/" if is_dir else rel
    if excluded.match_file(candidate):
        return True
    for base, spec in ignores:
        if base in ("", "."):
            sub = candidate
        elif candidate.startswith(base + "/"):
            sub = candidate[len(base) + 1 :]
        else:
            continue
        if spec.match_file(sub):
            return True
    return False


def _walk(
    folder: str,
    root: Path,
    excluded: pathspec.PathSpec,
    ignores: list[tuple[str, pathspec.PathSpec]],
    settings: Settings,
    found: Discovery,
    seen: set[str],
    active: set[tuple[int, int]],
) -> None:
    try:
        stat = os.stat(folder)
    except OSError as exc:
        found.notifications.append(
            Notification(NotificationKind.UNREADABLE, relative(folder, root),
                         f"cannot read folder: {exc.strerror or exc}")
        )
        return
    key = (stat.st_dev, stat.st_ino)
    if key in active:
        found.notifications.append(
            Notification(NotificationKind.SYMLINK_LOOP, relative(folder, root),
                         "symlink loop: this folder links back to one of its parents; skipped")
        )
        return
    if settings.respect_gitignore:
        spec = _read_gitignore(folder)
        if spec is not None:
            ignores = [*ignores, (relative(folder, root), spec)]
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError as exc:
        found.notifications.append(
            Notification(NotificationKind.UNREADABLE, relative(folder, root),
                         f"cannot read folder: {exc.strerror or exc}")
        )
        return
    active = active | {key}
    for entry in entries:
        rel = relative(entry.path, root)
        try:
            is_dir = entry.is_dir()
        except OSError:
            is_dir = False
        if _ignored(rel, is_dir, excluded, ignores):
            continue
        if is_dir:
            _walk(entry.path, root, excluded, ignores, settings, found, seen, active)
        elif entry.name.endswith(".py") and rel not in seen:
            if entry.is_symlink() and not os.path.exists(entry.path):
                found.notifications.append(
                    Notification(NotificationKind.UNREADABLE, rel, "broken symlink; skipped")
                )
                continue
            seen.add(rel)
            found.files.append((entry.path, rel))
        elif COMPANION_FILES.match_file(entry.name.lower()) and rel not in seen:
            seen.add(rel)
            found.companions.append(rel)
