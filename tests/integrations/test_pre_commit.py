"""The pre-commit hooks: the manifest checked by pre-commit itself, and the `archlint` hook run by
`pre-commit try-repo` (which pip-installs archlint into its own virtualenv) on a small git repo."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import yaml

from _support import FIXTURES, REPO

MANIFEST = REPO / ".pre-commit-hooks.yaml"
SERVICE = FIXTURES / "integrations" / "flake8_project" / "app" / "payments.py"
GIT_IDENTITY = ("-c", "user.name=archlint tests", "-c", "user.email=tests@archlint.invalid",
                "-c", "commit.gpgsign=false")


def run(*args: str | os.PathLike, cwd: Path, env: dict | None = None,
        timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run([os.fspath(a) for a in args], cwd=cwd, env=env, capture_output=True,
                          text=True, timeout=timeout)


def pre_commit(*args: str | os.PathLike, cwd: Path, home: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, PRE_COMMIT_HOME=os.fspath(home), PRE_COMMIT_COLOR="never")
    return run(sys.executable, "-m", "pre_commit", *args, cwd=cwd, env=env)


def git_repo(folder: Path, files: dict[str, str | Path]) -> Path:
    folder.mkdir(parents=True)
    run("git", "init", "-q", cwd=folder)
    for rel, content in files.items():
        target = folder / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            if content.is_dir():
                shutil.copytree(content, target,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
            else:
                shutil.copyfile(content, target)
        else:
            target.write_text(content, encoding="utf-8")
    assert run("git", "add", "-A", cwd=folder).returncode == 0
    return folder


def test_manifest_is_valid_and_declares_both_hooks():
    done = run(sys.executable, "-m", "pre_commit", "validate-manifest", MANIFEST, cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    hooks = {hook["id"]: hook for hook in yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))}
    assert hooks["archlint"]["entry"] == "archlint check"
    assert hooks["archlint-fix"]["entry"] == "archlint check --fix"
    for hook in hooks.values():
        assert hook["language"] == "python" and hook["types"] == ["python"]
        assert hook["pass_filenames"] is True


def test_archlint_hook_through_try_repo(tmp_path):
    """try-repo needs a git repo with a commit: a copy of this checkout's working tree (what pip
    needs to build archlint), so that uncommitted changes are what is tested."""
    archlint_repo = git_repo(tmp_path / "archlint", {
        name: REPO / name
        for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml", "src")
    })
    commit = run("git", *GIT_IDENTITY, "commit", "-q", "-m", "archlint", cwd=archlint_repo)
    assert commit.returncode == 0, commit.stderr
    project = git_repo(tmp_path / "project", {
        "service.py": SERVICE,
        "clean.py": "import requests\n\nrequests.get('https://example.org', timeout=5)\n",
    })
    home = tmp_path / "pre-commit-home"

    started = time.perf_counter()
    done = pre_commit("try-repo", archlint_repo, "archlint", "--files", "service.py",
                      cwd=project, home=home)
    first = time.perf_counter() - started
    output = done.stdout + done.stderr
    assert done.returncode == 1, output
    assert "archlint" in output and "Failed" in output
    assert "service.py:9:16: ARC401 requests.post() has no timeout" in output
    # noqa and archlint-ignore comments for ARC401 hold under the hook too
    assert "service.py:14:12: ARC401" not in output and "service.py:18:12: ARC401" not in output

    done = pre_commit("try-repo", archlint_repo, "archlint", "--files", "clean.py",
                      cwd=project, home=home)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Passed" in done.stdout
    print(f"try-repo: {first:.1f} s with a fresh hook environment")
