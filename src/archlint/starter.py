"""`archlint init`: a starter `[tool.archlint]` table, added to the project's pyproject.toml.

The table is appended to the file's bytes as they are, so that nothing outside it changes (not a
comment, not a blank line, not a line ending); tomlkit renders the table, and the result is
parsed again before it is written. Without a pyproject.toml the table goes to a new
`archlint.toml` (same keys, at the top level): creating a pyproject.toml would change how pip
builds a setup.py project (PEP 517 build isolation) just to hold archlint's settings.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import tomlkit

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

_NOTE = (
    "Written by `archlint init` from this project's folder names; `archlint layers` shows "
    "the result.",
    "With this table the patterns alone decide: add a new layer package here.",
)


class StarterError(Exception):
    """Why the starter table was not written; the message names the file."""


@dataclass(frozen=True)
class Starter:
    path: Path
    text: str  # the table as written
    created: bool  # a new file (archlint.toml) rather than an addition to pyproject.toml


def starter_table(layer_roots: Mapping[str, Sequence[str]]) -> dict:
    """The `[tool.archlint]` keys: every rule family, and each layer's root modules."""
    table: dict = {"select": ["ARC"]}
    layers = {layer: list(roots) for layer, roots in layer_roots.items() if roots}
    if layers:
        table["layers"] = layers
    return table


def _render(table: Mapping, in_pyproject: bool) -> str:
    doc = tomlkit.document()
    if in_pyproject:
        body = tomlkit.table()
        tool = tomlkit.table(is_super_table=True)
        tool.add("archlint", body)
        doc.add("tool", tool)
    else:
        body = doc  # archlint.toml: the same keys at the top level
    for line in _NOTE:
        body.add(tomlkit.comment(line))
    if "layers" not in table:
        body.add(tomlkit.comment("No layer folders were found: list module patterns per layer "
                                 "under layers, e.g. domain = [\"app.domain\"]."))
    body.add("select", list(table["select"]))
    if "layers" in table:
        layers = tomlkit.table()
        for layer, roots in table["layers"].items():
            array = tomlkit.array()
            array.extend(roots)
            array.multiline(len(roots) > 3)
            layers.add(layer, array)
        body.add("layers", layers)
    return tomlkit.dumps(doc)


def write_starter(root: Path, layer_roots: Mapping[str, Sequence[str]],
                  dry_run: bool = False) -> Starter:
    table = starter_table(layer_roots)
    pyproject = root / "pyproject.toml"
    if (root / "archlint.toml").exists():
        raise StarterError(f"{root / 'archlint.toml'} already exists; edit it instead "
                           f"(`archlint layers` shows the layers it gives)")
    if not pyproject.is_file():
        text = _render(table, in_pyproject=False)
        if not dry_run:
            (root / "archlint.toml").write_text(text, encoding="utf-8")
        return Starter(root / "archlint.toml", text, created=True)

    original = pyproject.read_bytes()
    before = _parse(original, pyproject)
    tool = before.get("tool", {})
    if isinstance(tool, dict) and "archlint" in tool:
        raise StarterError(f"{pyproject} already has [tool.archlint]; edit it instead "
                           f"(`archlint layers` shows the layers it gives)")
    text = _render(table, in_pyproject=True)
    newline = b"\r\n" if b"\r\n" in original else b"\n"
    lead = b""
    if original and not original.endswith(b"\n"):
        lead += newline
    if original.strip():
        lead += newline  # one blank line between the file and the new table
    added = text.encode("utf-8").replace(b"\n", newline)
    result = original + lead + added
    try:
        after = _parse(result, pyproject)
    except StarterError:
        after = {}
    if after.get("tool", {}).get("archlint") != table:
        raise StarterError(f"{pyproject}: cannot append [tool.archlint] (is `tool` an inline "
                           f"table?); add this table by hand:\n{text}")
    if not dry_run:
        pyproject.write_bytes(result)
    return Starter(pyproject, text, created=False)


def _parse(data: bytes, path: Path) -> dict:
    try:
        return tomllib.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise StarterError(f"{path}: not UTF-8 text; not changed") from None
    except tomllib.TOMLDecodeError as exc:
        raise StarterError(f"{path}: invalid TOML ({exc}); fix it first, nothing was "
                           f"written") from None
