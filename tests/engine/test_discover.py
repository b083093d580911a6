from __future__ import annotations

import os
from pathlib import Path

import pytest

from archlint.config import Settings
from archlint.engine.discover import PathNotFound, discover
from archlint.model import NotificationKind


def touch(root: Path, *names: str) -> None:
    for name in names:
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n", encoding="utf-8")


def rels(root, settings=None, paths=None):
    settings = settings or Settings(root=root)
    return [rel for _, rel in discover(paths or [root], settings).files]


def test_default_excludes_and_gitignore(tmp_path):
    touch(tmp_path, "app/main.py", "app/notes.txt", ".venv/lib/x.py", "node_modules/p/y.py",
          "build/z.py", "app/__pycache__/c.py", "app/generated/g.py", "app/sub/keep.py",
          "app/sub/local_only.py", "pkg.egg-info/e.py")
    (tmp_path / ".gitignore").write_text("generated/\n", encoding="utf-8")
    (tmp_path / "app" / "sub" / ".gitignore").write_text("local_*.py\n", encoding="utf-8")
    assert rels(tmp_path) == ["app/main.py", "app/sub/keep.py"]


def test_exclude_and_extend_exclude(tmp_path):
    touch(tmp_path, "app/main.py", "app/migrations/0001.py", "tests/test_x.py")
    settings = Settings(root=tmp_path, exclude=("migrations/",), extend_exclude=("tests/",))
    assert rels(tmp_path, settings) == ["app/main.py"]


def test_gitignore_can_be_turned_off(tmp_path):
    touch(tmp_path, "gen/a.py")
    (tmp_path / ".gitignore").write_text("gen/\n", encoding="utf-8")
    assert rels(tmp_path, Settings(root=tmp_path, respect_gitignore=False)) == ["gen/a.py"]


def test_gitignore_above_the_scanned_folder_applies(tmp_path):
    touch(tmp_path, "app/gen/a.py", "app/b.py")
    (tmp_path / ".gitignore").write_text("gen/\n", encoding="utf-8")
    assert rels(tmp_path, paths=[tmp_path / "app"]) == ["app/b.py"]


def test_explicit_file_is_always_scanned(tmp_path):
    touch(tmp_path, "build/script.py")
    assert rels(tmp_path, paths=[tmp_path / "build" / "script.py"]) == ["build/script.py"]


def test_missing_path_is_an_error(tmp_path):
    with pytest.raises(PathNotFound, match="no such file"):
        discover([tmp_path / "nope"], Settings(root=tmp_path))


def test_symlink_loop_is_reported_not_fatal(tmp_path):
    touch(tmp_path, "a/b/ok.py")
    os.symlink(tmp_path / "a", tmp_path / "a" / "b" / "loop")
    found = discover([tmp_path], Settings(root=tmp_path))
    assert [rel for _, rel in found.files] == ["a/b/ok.py"]
    assert [n.kind for n in found.notifications] == [NotificationKind.SYMLINK_LOOP]


@pytest.mark.skipif(os.geteuid() == 0, reason="root can read any folder")
def test_unreadable_folder_is_reported(tmp_path):
    touch(tmp_path, "a/ok.py", "locked/x.py")
    (tmp_path / "locked").chmod(0)
    try:
        found = discover([tmp_path], Settings(root=tmp_path))
    finally:
        (tmp_path / "locked").chmod(0o755)
    assert [rel for _, rel in found.files] == ["a/ok.py"]
    assert found.notifications[0].kind is NotificationKind.UNREADABLE


def test_an_excluded_folder_named_explicitly_is_scanned(tmp_path):
    touch(tmp_path, "corpus/app/a.py", "corpus/.venv/lib.py", "corpus/app/gen/g.py", "other.py")
    (tmp_path / ".gitignore").write_text("corpus/\n", encoding="utf-8")
    (tmp_path / "corpus" / ".gitignore").write_text("gen/\n", encoding="utf-8")
    assert rels(tmp_path) == ["other.py"]
    assert rels(tmp_path, paths=[tmp_path / "corpus"]) == ["corpus/app/a.py"]
    assert rels(tmp_path, paths=[tmp_path / "corpus" / "app"]) == ["corpus/app/a.py"]


def test_companion_files_are_listed_beside_the_python_files_under_the_same_excludes(tmp_path):
    touch(tmp_path, "app/main.py", "Dockerfile", "deploy/Procfile", "docker/api.Dockerfile",
          "bin/start.sh", "conf/logging.ini", "docker-compose.prod.yml", "README.md",
          "conf/settings.ini", "node_modules/p/run.sh", "build/Dockerfile")
    (tmp_path / ".gitignore").write_text("private/\n", encoding="utf-8")
    touch(tmp_path, "private/Procfile")
    found = discover([tmp_path], Settings(root=tmp_path))
    assert [rel for _, rel in found.files] == ["app/main.py"]
    assert found.companions == ["Dockerfile", "bin/start.sh", "conf/logging.ini",
                                "deploy/Procfile", "docker-compose.prod.yml",
                                "docker/api.Dockerfile"]
