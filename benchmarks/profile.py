#!/usr/bin/env python3
"""Where a cold scan spends its time: py-spy over one corpus, top functions by share of samples.

    python benchmarks/profile.py mlflow [--top 40] [--rate 200] [--archlint "<venv>/bin/python -m archlint"]
    python benchmarks/profile.py --raw saved.txt      # summarise a py-spy raw file again

The corpus (benchmarks/.corpus/<name>-*, see corpus.py) is copied to a temporary folder with an
empty `archlint.toml` (its own project root, as in triage.py), and `archlint check --no-cache
--jobs 1` runs under `py-spy record --format raw` (one process, so every sample is the scan's
own work; interpreter start-up and imports included). Needs py-spy (`pip install py-spy`).

Output, stable so that runs compare over time: a header line `# samples=N rate=R corpus=...`,
then `== inclusive` (share of samples with the function anywhere on the stack) and `== self`
(share with it on top), one `PERCENT function (file)` line each, most first. A function is named
by py-spy's frame label without line numbers, so the same function on different lines of a
stack counts once.
"""

from __future__ import annotations

import argparse
import shlex
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
CORPUS = HERE / ".corpus"


def frame_name(frame: str) -> str:
    """`check (archlint/api.py:65)` -> `check (api.py)`."""
    name, _, where = frame.partition(" (")
    where = where.rstrip(")").rsplit(":", 1)[0]
    return f"{name} ({where.rsplit('/', 1)[-1]})" if where else name


def summarise(raw: Path) -> tuple[int, Counter, Counter]:
    inclusive: Counter = Counter()
    own: Counter = Counter()
    total = 0
    for line in raw.read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not stack or not count.isdigit():
            continue
        samples = int(count)
        total += samples
        frames = [frame_name(f) for f in stack.split(";")]
        for name in set(frames):
            inclusive[name] += samples
        own[frames[-1]] += samples
    return total, inclusive, own


def report(total: int, inclusive: Counter, own: Counter, top: int, header: str) -> str:
    lines = [f"# samples={total} {header}", "== inclusive"]
    lines += [f"{100 * n / total:5.1f}% {name}" for name, n in inclusive.most_common(top)]
    lines.append("== self")
    lines += [f"{100 * n / total:5.1f}% {name}" for name, n in own.most_common(top)]
    return "\n".join(lines)


def record(corpus: str, archlint: list[str], rate: int, raw: Path) -> str:
    matches = sorted(p for p in CORPUS.glob(f"{corpus}*") if p.is_dir())
    if not matches:
        sys.exit(f"no corpus matching {corpus!r} under {CORPUS} (run benchmarks/corpus.py)")
    source = matches[0]
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    with tempfile.TemporaryDirectory(prefix="archlint-profile-") as tmp:
        copy = Path(tmp) / source.name
        shutil.copytree(source, copy, ignore=shutil.ignore_patterns(".archlint_cache"))
        (copy / "archlint.toml").write_text("# its own project root (profile.py)\n")
        out = Path(tmp) / "out.json"
        cmd = [spy, "record", "--format", "raw", "--rate", str(rate), "--output", str(raw),
               "--", *archlint, "check", str(copy), "--format", "json", "--output", str(out),
               "--no-cache", "--exit-zero", "--jobs", "1"]
        done = subprocess.run(cmd, capture_output=True, text=True, check=False)
        if done.returncode != 0 or not raw.is_file():
            sys.exit(f"py-spy failed ({done.returncode}): {done.stderr[-2000:]}")
    return f"rate={rate} corpus={source.name}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", help="corpus name prefix, e.g. mlflow")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--rate", type=int, default=200, help="samples per second")
    parser.add_argument("--archlint", default=f"{sys.executable} -m archlint")
    parser.add_argument("--raw", type=Path, help="summarise this py-spy raw file instead")
    parser.add_argument("--keep", type=Path, help="also keep the raw samples in this file")
    args = parser.parse_args(argv)
    if args.raw is not None:
        header = f"raw={args.raw.name}"
        raw = args.raw
    elif args.corpus:
        raw = args.keep or Path(tempfile.mkstemp(suffix=".txt")[1])
        header = record(args.corpus, shlex.split(args.archlint), args.rate, raw)
    else:
        parser.error("name a corpus, or give --raw")
    print(report(*summarise(raw), args.top, header))
    return 0


if __name__ == "__main__":
    sys.exit(main())
