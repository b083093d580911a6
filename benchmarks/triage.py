#!/usr/bin/env python3
"""Collect archlint's findings on the pinned corpus for human triage, and score the verdicts.

    python benchmarks/triage.py collect ARC301 ARC401   # (re)write benchmarks/triage/<CODE>.md
    python benchmarks/triage.py score                   # precision per rule from the verdicts
    python benchmarks/triage.py show ARC301 7           # code around finding #7, for review

`collect` runs `archlint check --select CODE --format json --no-cache` on every corpus folder
under benchmarks/.corpus/ (see corpus.py), keeps every finding (or a seeded random sample of
--sample per rule when there are more), and writes one markdown table per rule. Verdicts already
recorded for the same finding (corpus, path, line, message) are kept, so re-collecting after a
rule change shows what is new and what disappeared (listed at the end as "gone").

Free text under a final `## notes` heading is kept when the tables are regenerated.

Rules that need project settings (ARC104/ARC105 need bounded contexts) get them from an overlay,
`benchmarks/triage/overlays/<corpus folder>.toml` with the keys of `[tool.archlint]`: that corpus
is then scanned in a temporary copy holding the overlay as its `archlint.toml`.

A verdict is `true` (a reviewer would accept the finding and fix the code), `false` (wrong:
the rule misread the code) or `?` (not reviewed yet); the `why` column says why in one line.
"""

from __future__ import annotations

import argparse
import json
import random
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / ".corpus"
OVERLAYS = HERE / "triage" / "overlays"
TRIAGE = HERE / "triage"
ROW = re.compile(
    r"^\| (?P<n>\d+|-|gone) \| (?P<corpus>[^|]+) \| `(?P<loc>[^`]+)` \| (?P<msg>.*) \| "
    r"(?P<verdict>true|false|\?) \| (?P<why>.*) \|$"
)


TABLE_HEAD = ("| # | corpus | location | finding | verdict | why |", "|---|---|---|---|---|---|")


def _key(corpus: str, loc: str, msg: str) -> tuple[str, str, str]:
    return corpus.strip(), loc.strip(), msg.strip()


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def read_verdicts(
    code: str, sample_only: bool = False
) -> dict[tuple[str, str, str], tuple[str, str]]:
    path = TRIAGE / f"{code}.md"
    out = {}
    if path.exists():
        for line in path.read_text(encoding="utf-8").splitlines():
            m = ROW.match(line)
            if m and not (sample_only and m["n"] in ("-", "gone")):
                out[_key(m["corpus"], m["loc"], m["msg"])] = (m["verdict"], m["why"].strip())
    return out


def read_notes(code: str) -> list[str]:
    """Free text under a final `## notes` heading survives re-collection."""
    path = TRIAGE / f"{code}.md"
    if not path.exists():
        return []
    lines = path.read_text(encoding="utf-8").splitlines()
    for index, line in enumerate(lines):
        if line.strip().lower() == "## notes":
            return ["", *lines[index:]]
    return []


def run_archlint(archlint: str, folder: Path, code: str) -> list[dict]:
    """The findings of one rule on one corpus, with paths relative to the corpus folder. A
    corpus with an overlay (`triage/overlays/<corpus>.toml`, the keys of `[tool.archlint]`, e.g.
    the bounded contexts a triager assigned to a Django monolith) is scanned in a temporary copy
    that holds the overlay as its `archlint.toml`; the others with an empty one."""
    overlay = OVERLAYS / f"{folder.name}.toml"
    if not overlay.is_file():
        # An empty config in the corpus folder makes the corpus its own project root; without
        # it the root would be this repository (the nearest .git), and rules that must see the
        # whole project ("is tracing set up anywhere?") would take the scan for a partial one.
        config = folder / "archlint.toml"
        if not config.is_file():
            config.write_text("# the corpus is its own project root (benchmarks/triage.py)\n",
                              encoding="utf-8")
        return _findings(archlint, folder, folder, code, ["--config", str(config)])
    with tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / folder.name
        shutil.copytree(folder, copy, ignore=shutil.ignore_patterns(".archlint_cache"))
        shutil.copy(overlay, copy / "archlint.toml")
        return _findings(archlint, copy, copy, code, [])


def _findings(archlint: str, target: Path, base: Path, code: str, extra: list[str]) -> list[dict]:
    proc = subprocess.run(
        [*archlint.split(), "check", str(target), "--select", code, "--format", "json",
         "--no-cache", "--exit-zero", *extra],
        capture_output=True, text=True, check=False,
    )
    if proc.returncode != 0:
        sys.exit(f"archlint failed on {target}: {proc.stderr.strip()[-500:]}")
    data = json.loads(proc.stdout)
    for finding in data["findings"]:  # paths relative to the corpus folder, not the project root
        full = Path(data["root"]) / finding["path"]
        finding["path"] = full.resolve().relative_to(base.resolve()).as_posix()
    return data["findings"]


def collect(codes: list[str], archlint: str, sample: int, seed: int) -> None:
    folders = sorted(p for p in CORPUS.iterdir() if p.is_dir()) if CORPUS.exists() else []
    if not folders:
        sys.exit("no corpus: run `python benchmarks/corpus.py` first")
    TRIAGE.mkdir(exist_ok=True)
    for code in codes:
        found = []
        for folder in folders:
            for f in run_archlint(archlint, folder, code):
                found.append((folder.name, f"{f['path']}:{f['line']}", f["message"]))
        total = len(found)
        reported = {_key(c, loc, _escape(m)) for c, loc, m in found}
        if total > sample:
            found = sorted(random.Random(seed).sample(found, sample))
        old = read_verdicts(code)
        notes = read_notes(code)
        rows = []
        for n, (corpus, loc, msg) in enumerate(found, 1):
            verdict, why = old.get(_key(corpus, loc, _escape(msg)), ("?", ""))
            rows.append(f"| {n} | {corpus} | `{loc}` | {_escape(msg)} | {verdict} | {why} |")
        in_table = {_key(c, loc, _escape(m)) for c, loc, m in found}
        outside = [k for k in old if k in reported and k not in in_table]
        gone = [k for k in old if k not in reported]
        lines = [
            f"# {code} triage on the pinned corpus",
            "",
            f"{total} findings on {', '.join(f.name for f in folders)}"
            + (f"; a seeded sample of {sample} (seed {seed}) is triaged" if total > sample else
               "; every finding is triaged") + ".",
            "Regenerate with `python benchmarks/triage.py collect "
            f"{code}`; score with `python benchmarks/triage.py score`.",
            "",
            *TABLE_HEAD,
            *rows,
        ]
        for title, marker, keys in (
            ("triaged earlier, still reported, outside today's sample", "-", outside),
            ("gone (triaged earlier, no longer reported)", "gone", gone),
        ):
            if keys:
                lines += ["", f"## {title}", "", *TABLE_HEAD]
                lines += [f"| {marker} | {c} | `{loc}` | {m} | {old[(c, loc, m)][0]} | "
                          f"{old[(c, loc, m)][1]} |" for c, loc, m in keys]
        lines += notes
        (TRIAGE / f"{code}.md").write_text("\n".join(lines) + "\n", encoding="utf-8")
        print(f"{code}: {total} findings, {len(rows)} rows in triage/{code}.md")


def score() -> int:
    status = 0
    for path in sorted(TRIAGE.glob("ARC*.md")):
        verdicts = [v for v, _ in read_verdicts(path.stem, sample_only=True).values()]
        true, false, open_ = (verdicts.count(x) for x in ("true", "false", "?"))
        judged = true + false
        precision = f"{100 * true / judged:.1f}%" if judged else "n/a"
        print(f"{path.stem}: {true} true, {false} false, {open_} unreviewed; precision {precision}")
        status |= bool(open_)
    return status


def show(code: str, number: int) -> None:
    for line in (TRIAGE / f"{code}.md").read_text(encoding="utf-8").splitlines():
        m = ROW.match(line)
        if m and int(m["n"]) == number:
            corpus, loc = m["corpus"].strip(), m["loc"]
            path, _, lineno = loc.rpartition(":")
            text = (CORPUS / corpus / path).read_text(encoding="utf-8", errors="replace")
            lines = text.splitlines()
            at = int(lineno)
            for i in range(max(1, at - 12), min(len(lines), at + 6) + 1):
                print(f"{'>' if i == at else ' '}{i:5} {lines[i - 1]}")
            print(m["msg"])
            return
    sys.exit(f"no row {number} in triage/{code}.md")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    c = sub.add_parser("collect")
    c.add_argument("codes", nargs="+")
    c.add_argument("--archlint", default="archlint")
    c.add_argument("--sample", type=int, default=50)
    c.add_argument("--seed", type=int, default=2026)
    sub.add_parser("score")
    s = sub.add_parser("show")
    s.add_argument("code")
    s.add_argument("number", type=int)
    args = parser.parse_args()
    if args.command == "collect":
        collect(args.codes, args.archlint, args.sample, args.seed)
    elif args.command == "score":
        return score()
    else:
        show(args.code, args.number)
    return 0


if __name__ == "__main__":
    sys.exit(main())
