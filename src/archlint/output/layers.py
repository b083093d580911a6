"""`archlint layers`: a LayerReport as a rich tree (modules per layer, with the reason) or JSON."""

from __future__ import annotations

import json
import posixpath
from collections import Counter

from rich.console import Console
from rich.markup import escape
from rich.tree import Tree

from archlint.model import LayerGroup, LayerReport

LAYERS_SCHEMA_VERSION = 1


def _count(n: int, what: str = "module") -> str:
    return f"{n} {what}{'' if n == 1 else 's'}"


def render_layers_text(report: LayerReport, console: Console, show_all: bool = False) -> None:
    placed = sum(len(g.modules) for g in report.layered)
    loose = sum(len(g.modules) for g in report.unlayered)
    source = (f"the patterns of [tool.archlint.layers] in {report.config_path}"
              if report.configured else "folder names")
    console.print(f"Layers of {escape(report.root)}, from {escape(source)}. Lowest first: a module "
                  f"may import its own layer and lower ones.", highlight=False)
    tree = Tree("layers", hide_root=True)
    for layer in report.layer_names:
        groups = [g for g in report.layered if g.layer == layer]
        count = sum(len(g.modules) for g in groups)
        branch = tree.add(f"[bold cyan]{layer}[/] ({_count(count)})")
        if not groups:
            branch.add("[dim](none)[/]")
        for group in groups:
            _group(branch, group, f"{_count(len(group.modules))}, {escape(group.reason)}",
                   show_all)
    if report.unlayered:
        branch = tree.add(f"[bold yellow]no layer[/] ({_count(loose)})")
        for group in report.unlayered:
            _group(branch, group, _count(len(group.modules)), show_all)
    if report.unnamed:
        branch = tree.add(f"[bold red]no module name[/] ({_count(len(report.unnamed), 'file')})")
        if show_all:
            for path in report.unnamed:
                branch.add(escape(path))
        else:
            folders = Counter(posixpath.dirname(p) or "." for p in report.unnamed)
            for folder, n in sorted(folders.items()):
                branch.add(f"{escape(folder)}/ ({_count(n, 'file')})")
    console.print(tree, highlight=False)
    summary = f"{_count(placed)} in layers, {loose} in no layer (tests, migrations, and modules " \
              f"under no layer folder or pattern)"
    if report.unnamed:
        summary += (f"; {_count(len(report.unnamed), 'file')} without a module name of its own "
                    f"(not a valid dotted name, or a second file for one name: set source-roots "
                    f"if names come out wrong)")
    console.print(summary + ".", highlight=False)
    if not report.configured:
        console.print(escape("To change a layer, list module patterns per layer in "
                             "[tool.archlint.layers]; `archlint init` writes a starter."),
                      style="dim", highlight=False)
    if not show_all and any(len(g.modules) > 1 for g in (*report.layered, *report.unlayered)):
        console.print("[dim]--all lists every module.[/]", highlight=False)
    for note in report.notifications:
        console.print(f"[yellow]warning[/]: {escape(note.path)}: {escape(note.message)}",
                      highlight=False)


def _group(branch: Tree, group: LayerGroup, detail: str, show_all: bool) -> None:
    label = group.root or "(top-level modules)"
    node = branch.add(f"[bold]{escape(label)}[/] ({detail})")
    if show_all:
        for module in group.modules:
            node.add(escape(module))


def render_layers_json(report: LayerReport) -> str:
    def group(g: LayerGroup) -> dict:
        reason = {"reason": g.reason} if g.layer is not None else {}
        return {"root": g.root, **reason, "modules": list(g.modules)}

    data = {
        "version": LAYERS_SCHEMA_VERSION,
        "root": report.root,
        "config": report.config_path,
        "source": "config" if report.configured else "folder-names",
        "layers": {
            layer: [group(g) for g in report.layered if g.layer == layer]
            for layer in report.layer_names
        },
        "unlayered": [group(g) for g in report.unlayered],
        "unnamed": list(report.unnamed),
        "notifications": [{"path": n.path, "message": n.message} for n in report.notifications],
    }
    return json.dumps(data, indent=2) + "\n"
