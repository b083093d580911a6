"""archlint's own layering (.importlinter), checked with the real import-linter."""

from __future__ import annotations

import os

from importlinter.cli import lint_imports

from _support import REPO


def test_import_contracts_are_kept(monkeypatch):
    monkeypatch.chdir(REPO)
    assert lint_imports(config_filename=os.fspath(REPO / ".importlinter"), no_cache=True) == 0
