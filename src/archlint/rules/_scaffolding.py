"""Code that exists to reach across a service's boundaries rather than to serve traffic: tests,
test helpers and migrations. Architecture rules neither place nor blame it; resilience rules
leave it alone. One definition, read by module name or by file path."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import PurePosixPath

FOLDERS = frozenset({"tests", "test", "testing", "migrations", "alembic"})


def is_test_module(name: str) -> bool:
    """`test_x`, `x_test`, `conftest` (a module's last name, without `.py`)."""
    return name.startswith("test_") or name.endswith("_test") or name == "conftest"


def is_scaffolding(names: Iterable[str], leaf: str) -> bool:
    """`leaf` is a test module, or one of `names` (folders or package names) is a test or
    migration folder."""
    return is_test_module(leaf) or any(name in FOLDERS for name in names)


def is_scaffolding_path(path: str) -> bool:
    """By file path: `tests/...`, `test_x.py`, `conftest.py`, `migrations/...`."""
    parts = PurePosixPath(path.replace("\\", "/")).parts
    if not parts:
        return False
    return is_scaffolding(parts[:-1], parts[-1].removesuffix(".py"))
