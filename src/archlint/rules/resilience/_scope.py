"""Which files the resilience rules about production call paths leave alone.

Circuit breakers and retry policies protect a running service from its dependencies. Tests,
test helpers and migrations never serve traffic, and one-shot scripts run once with a person
watching: a breaker there has nothing to protect. Tests and migrations are
`rules/_scaffolding.py`'s; this module adds one-shot scripts, which ARC402 also skips.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath

_SCRIPT_FOLDERS = frozenset({"scripts", "script", "bin", "examples", "example", "docs", "cli"})
_SCRIPT_FILES = frozenset(
    {"__main__.py", "setup.py", "manage.py", "noxfile.py", "fabfile.py", "cli.py"}
)


def is_script(path: str) -> bool:
    """Files that run once from a command line: `scripts/`, `bin/`, `examples/`, `docs/`, `cli/`
    folders, `cli.py`, `__main__.py`, `setup.py`, `manage.py`, `noxfile.py`, `fabfile.py`."""
    parts = PurePosixPath(path.replace("\\", "/")).parts
    if not parts:
        return False
    return parts[-1] in _SCRIPT_FILES or any(p in _SCRIPT_FOLDERS for p in parts[:-1])


def is_script_source(source: str) -> bool:
    """A module that parses its own command line and runs as a program: it imports argparse and
    has an `if __name__ == "__main__":` block (a web app's `main.py` that starts uvicorn under
    `__main__` does not parse arguments with argparse, and stays in scope)."""
    return "argparse" in source and "__main__" in source and _MAIN_GUARD.search(source) is not None


_MAIN_GUARD = re.compile(r"^if\s+__name__\s*==\s*[\"']__main__[\"']\s*:", re.MULTILINE)
