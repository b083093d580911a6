#!/usr/bin/env python3
"""Every finding and notification of every sweep target, as text: proof that a change meant to
be invisible (a speed-up, a refactoring) changed no result.

    python benchmarks/snapshot.py OUT_DIR [--archlint CMD] [--only NAME ...]
    diff -r before/ after/        # nothing printed: nothing changed

The targets are sweep.py's (every pinned corpus, every fixture project, fixtures/rules), each
its own project root in a temporary copy. One file per target: the findings (code, path, line,
column, message, help, related) and then the notifications (kind, path, message), sorted, so
that two snapshots compare with diff.
"""

from __future__ import annotations

import argparse
import json
import shlex
import subprocess
import sys
import tempfile
from pathlib import Path

import sweep


def lines_of(report: dict) -> list[str]:
    findings = sorted(
        f"{f['code']} {f['path']}:{f['line']}:{f['column']} {f['message']} | {f['help']} | "
        f"{f['related']}" for f in report["findings"])
    notes = sorted(f"{n.get('kind')} {n.get('path')} {n.get('message')}"
                   for n in report.get("notifications", []))
    return [*findings, "--", *notes]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--archlint", default=f"{sys.executable} -m archlint")
    parser.add_argument("--only", action="append", default=[])
    args = parser.parse_args(argv)
    archlint = shlex.split(args.archlint)
    args.out.mkdir(parents=True, exist_ok=True)
    for name, folder, overlay in sweep.targets(args.only):
        with sweep.as_own_root(folder, overlay) as root, tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "out.json"
            subprocess.run([*archlint, "check", str(root), "--format", "json", "--output",
                            str(out), "--no-cache", "--exit-zero"], capture_output=True,
                           check=False)
            if not out.is_file():
                print(f"{name}: no output", file=sys.stderr)
                return 1
            report = json.loads(out.read_text(encoding="utf-8"))
        lines = lines_of(report)
        (args.out / f"{name.replace('/', '__')}.txt").write_text("\n".join(lines) + "\n",
                                                                  encoding="utf-8")
        print(f"{name}: {len(report['findings'])} findings", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
