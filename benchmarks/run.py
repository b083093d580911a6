#!/usr/bin/env python3
"""Time archlint against bandit and ruff on the pinned corpus (see corpus.py).

Usage::

    python benchmarks/corpus.py                      # once: fetch the corpus
    python benchmarks/run.py                         # every corpus, every tool
    python benchmarks/run.py --only prefect --only label-studio --json results.json
    python benchmarks/run.py --tools bandit,ruff     # skip archlint
    python benchmarks/run.py --archlint ".venv/bin/archlint" --jobs 2 --repeat 5

Needs psutil (``pip install psutil``) in the interpreter that runs it; the tools
themselves are looked up on PATH, then next to that interpreter (so running it
with ``.venv/bin/python`` finds ``.venv/bin/archlint``); override with
``--archlint CMD``, ``--bandit CMD``, ``--ruff CMD`` (a CMD may have arguments,
e.g. ``--archlint "python -m archlint"``).  A tool that cannot be found gets
status ``n/a`` ("not available") in its rows instead of stopping the run.

How it measures
---------------
Each corpus folder ``benchmarks/.corpus/<name>-<version>/`` (only .py files) is
copied to a fresh temporary folder, and every tool scans that same copy, so all
tools see exactly the same files, no config file of this repository or of the
corpus is picked up, no .gitignore hides anything, and archlint's cache
(``<scanned dir>/.archlint_cache``) never lands in the corpus.  Tool output goes
to files outside the scanned folder.  The working directory of every command is
the temporary folder.  Rows (the ``tool`` column), in the order they run:

  archlint-cold   archlint check DIR --format json --output F --no-cache --exit-zero [--jobs N]
  archlint-fill   the same without --no-cache, after deleting DIR/.archlint_cache:
                  a cold run that also writes the cache (run once)
  archlint-warm   the same again, cache filled by the fill run: the cached re-run
  bandit          bandit -r DIR -q -f json -o F          (exit 1 = "found issues", normal)
  ruff-all        ruff check --no-cache --isolated --select ALL --exit-zero -q
                       --output-format json --output-file F DIR
  ruff-default    the same without --select ALL (ruff's default rule set)

ruff writes JSON to a file like the two others: its default terminal format
renders a code snippet per finding, which would more than double its time and
measure rendering rather than checking.

Columns:
  status       ok | n/a (tool not found) | error (unexpected exit code, or
               output not produced) | timeout | skipped (not in --tools)
  runs         number of timed runs (--repeat, or --bandit-repeat for bandit;
               1 for archlint-fill); runs stop at the first failure
  wall_s       best (lowest) wall-clock time of the runs, seconds, from process
               start to exit, interpreter start-up included
  cpu_s        user+system CPU seconds of that best run, process and all the
               children it waited for (os.wait4); cpu_s > wall_s means parallelism
  peak_rss_mb  highest, over all runs, of the summed RSS of the whole process tree
               (the process and all its descendants, psutil, sampled every
               --sample-ms ms, 20 by default), floored by the largest single
               process' max RSS (wait4's ru_maxrss) when that is above the
               harness' own peak RSS (Linux carries the spawning process' RSS
               into the child's ru_maxrss, so lower values prove nothing), so
               short runs are not under-reported.  MB = 10^6 bytes.  RSS sums
               count pages shared between forked workers more than once: for
               multi-process tools this is an upper bound of the real footprint;
               a run shorter than a few sampling intervals can be under-reported.
  files        .py files the tool reports it analysed: bandit from its metrics,
               ruff from `ruff check --show-files` (untimed), archlint from its
               JSON if it has a files count ("-" if not)
  findings     number of findings in the tool's JSON output ("-" if unknown)

Then per corpus:
  ratio A/B    wall=<wall_s(A)/wall_s(B)> peak_rss=<peak(A)/peak(B)> for
               archlint-cold/bandit, archlint-warm/ruff-all and
               archlint-warm/ruff-default; below 1 means archlint is faster /
               smaller; "n/a" when a side did not succeed
  archlint findings by rule   count per "code" of the findings of the
               archlint-cold run (also checks the warm run found the same and
               took every file from its cache, summary.files_from_cache; a
               difference is printed as a NOTE)
and at the end a summary table, one line per corpus.

Stable output format (FORMAT_VERSION below): the lines starting with "#" are a
header; "== corpus NAME-VERSION files=N lines=N" starts a corpus block; the
table rows are whitespace-separated with "-" for missing numbers; wall_s and
cpu_s have 3 decimals, peak_rss_mb 1.  Progress goes to stderr, results to
stdout.  ``--json FILE`` writes the same numbers (unrounded) with this shape::

  {"format": 1, "started": ISO8601, "finished": ISO8601,
   "host": {"python", "platform", "cpus", "memory_gb", "load_avg_1m_at_start"},
   "settings": {"repeat", "bandit_repeat", "jobs", "sample_ms", "timeout_s"},
   "tools": {"archlint"|"bandit"|"ruff": {"command": [...], "version": str} | null},
   "corpora": [{"corpus": "prefect-3.9.1", "name", "version", "files", "lines",
                "results": {ROW: {"status", "runs", "wall_s", "wall_s_all",
                                  "cpu_s", "peak_rss_mb", "files", "findings",
                                  "note", "command", "from_cache"}},
                "ratios": {"archlint-cold/bandit": {"wall", "peak_rss"}, ...},
                "archlint_findings_by_code": {CODE: N}, "notes": [str]}]}

Recorded commands name the temporary folder "{work}".
A change of this format bumps FORMAT_VERSION and says so in benchmarks/README.md.
Exit status: 0 when the benchmark ran (whatever the tools' statuses), 2 when
there is nothing to run (no corpus, bad arguments, psutil missing).
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as _dt
import json
import os
import platform
import resource
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path

try:
    import psutil
except ImportError:  # pragma: no cover - reported in main()
    psutil = None

FORMAT_VERSION = 1
BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_CORPUS_DIR = BENCH_DIR / ".corpus"
CACHE_DIR_NAME = ".archlint_cache"
ROWS = ["archlint-cold", "archlint-fill", "archlint-warm", "bandit", "ruff-all", "ruff-default"]
RATIOS = [
    ("archlint-cold", "bandit"),
    ("archlint-warm", "ruff-all"),
    ("archlint-warm", "ruff-default"),
]
TOOLS = ["archlint", "bandit", "ruff"]


def progress(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


# --------------------------------------------------------------------------- running


@dataclass
class RunResult:
    rc: int | None
    wall_s: float
    cpu_s: float | None
    peak_rss_bytes: int
    timed_out: bool
    stderr_tail: str


def _tree_rss(proc: psutil.Process) -> int:
    total = 0
    try:
        procs = [proc] + proc.children(recursive=True)
    except psutil.Error:
        return 0
    for p in procs:
        with contextlib.suppress(psutil.Error):
            total += p.memory_info().rss
    return total


def run_measured(cmd: list[str], cwd: Path, timeout_s: float, sample_s: float) -> RunResult:
    """Run cmd; return wall time, CPU time of the tree, and peak tree RSS."""
    with tempfile.TemporaryFile() as err_f:
        t0 = time.perf_counter()
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err_f,
            start_new_session=True,
        )
        peak = 0
        stop = threading.Event()

        def sampler() -> None:
            nonlocal peak
            try:
                ps = psutil.Process(proc.pid)
            except psutil.Error:
                return
            while not stop.is_set():
                peak = max(peak, _tree_rss(ps))
                stop.wait(sample_s)

        timed_out = False

        def on_timeout() -> None:
            nonlocal timed_out
            timed_out = True
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)

        th = threading.Thread(target=sampler, daemon=True)
        th.start()
        timer = threading.Timer(timeout_s, on_timeout)
        timer.start()
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        timer.cancel()
        stop.set()
        th.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        # leftover grandchildren (daemonised workers) would distort the next run
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
        cpu = ru.ru_utime + ru.ru_stime
        # ru_maxrss (KiB on Linux) is the largest single process of the tree, but Linux keeps
        # the pre-exec high-water mark, i.e. the RSS of this harness when it spawned the child.
        # Only a value above this harness' own peak is surely the tool's own.
        child_max = ru.ru_maxrss * 1024
        if child_max > resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024:
            peak = max(peak, child_max)
        err_f.seek(0)
        tail = err_f.read()[-4000:].decode("utf-8", "replace")
    return RunResult(proc.returncode, wall, cpu, peak, timed_out, tail)


def resolve_tool(spec: str | None, default: str) -> list[str] | None:
    argv = shlex.split(spec) if spec else [default]
    if not argv:
        return None
    exe = argv[0]
    found = shutil.which(exe) or shutil.which(exe, path=str(Path(sys.executable).parent))
    if found is None:
        return None
    return [found] + argv[1:]


def tool_version(cmd: list[str]) -> str:
    try:
        p = subprocess.run(
            cmd + ["--version"],
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as e:
        return f"unknown ({e})"
    if p.returncode != 0:
        last = (p.stderr or p.stdout).strip().splitlines()
        return f"unknown (--version exited {p.returncode}: {last[-1][:120] if last else ''})"
    text = (p.stdout or p.stderr).strip().splitlines()
    return text[0].strip() if text else "unknown"


# --------------------------------------------------------------------------- rows


@dataclass
class Row:
    tool: str
    status: str = "skipped"
    runs: int = 0
    wall_s: float | None = None
    wall_s_all: list[float] = field(default_factory=list)
    cpu_s: float | None = None
    peak_rss_mb: float | None = None
    files: int | None = None
    findings: int | None = None
    note: str = ""
    command: list[str] = field(default_factory=list)
    from_cache: int | None = None  # archlint rows: summary.files_from_cache of the last run


def load_json(path: Path):
    try:
        with path.open("rb") as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def find_count(doc, keys: tuple[str, ...]) -> int | None:
    """First int found under one of keys, top level, then one level down."""
    if not isinstance(doc, dict):
        return None
    for k in keys:
        v = doc.get(k)
        if isinstance(v, int) and not isinstance(v, bool):
            return v
        if isinstance(v, list) and k.startswith("files"):
            return len(v)
    for sub in ("summary", "stats", "statistics", "metrics", "meta"):
        if isinstance(doc.get(sub), dict):
            n = find_count(doc[sub], keys)
            if n is not None:
                return n
    return None


def archlint_parse(path: Path) -> dict:
    doc = load_json(path)
    if doc is None:
        return {"note": "output missing or not JSON"}
    files = find_count(
        doc, ("files_checked", "files_analyzed", "files_analysed", "files_scanned", "files")
    )
    findings = (
        doc.get("findings") if isinstance(doc, dict) else doc if isinstance(doc, list) else None
    )
    if not isinstance(findings, list):
        return {"files": files, "note": 'no "findings" list in output'}
    codes = Counter()
    for item in findings:
        code = None
        if isinstance(item, dict):
            for k in ("code", "rule", "rule_id", "check_id", "id"):
                if isinstance(item.get(k), str):
                    code = item[k]
                    break
        codes[code or "?"] += 1
    out = {"files": files, "findings": len(findings), "codes": dict(codes)}
    summary = doc.get("summary") if isinstance(doc, dict) else None
    if isinstance(summary, dict) and isinstance(summary.get("files_from_cache"), int):
        out["from_cache"] = summary["files_from_cache"]
    notifications = doc.get("notifications") if isinstance(doc, dict) else None
    if isinstance(notifications, list) and notifications:
        out["note"] = f"{len(notifications)} notifications in archlint's output"
    return out


def bandit_parse(path: Path) -> dict:
    doc = load_json(path)
    if not isinstance(doc, dict):
        return {"note": "output missing or not JSON"}
    metrics = doc.get("metrics") or {}
    files = len([k for k in metrics if k != "_totals"]) if isinstance(metrics, dict) else None
    results = doc.get("results")
    errors = doc.get("errors") or []
    return {
        "files": files,
        "findings": len(results) if isinstance(results, list) else None,
        "note": f"{len(errors)} files bandit could not parse" if errors else "",
    }


def ruff_parse(path: Path) -> dict:
    doc = load_json(path)
    return {"findings": len(doc) if isinstance(doc, list) else None}


PARSERS = {"archlint": archlint_parse, "bandit": bandit_parse, "ruff": ruff_parse}


def summarize(kind: str, path: Path) -> dict:
    """Parse a tool's JSON output in a child process.

    Loading a large JSON would grow this process, and a child's ru_maxrss (see
    run_measured) starts from the RSS of the process that spawned it, so the
    harness keeps itself small.
    """
    p = subprocess.run(
        [sys.executable, __file__, "--_summarize", kind, str(path)],
        check=False,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
    )
    try:
        return json.loads(p.stdout)
    except ValueError:
        return {"note": f"could not parse output: {p.stderr.strip()[-200:]}"}


def apply_summary(row: Row, summary: dict) -> None:
    row.files = summary.get("files", row.files)
    row.findings = summary.get("findings")
    row.note = summary.get("note", "")
    row.from_cache = summary.get("from_cache")


def _placeholders(arg: str, work: Path) -> str:
    """Recorded commands name the temporary folder {work}, so they compare across runs."""
    return arg.replace(str(work), "{work}")


def measure(
    row: Row,
    cmd: list[str],
    repeat: int,
    cwd: Path,
    args,
    ok_rcs: tuple[int, ...],
    out_file: Path | None,
    before_each=None,
) -> None:
    """Run cmd `repeat` times into row; the last run's output file stays for parsing."""
    row.command = [_placeholders(a, cwd) for a in cmd]
    row.status = "ok"
    peak = 0
    best: RunResult | None = None
    for i in range(repeat):
        if before_each:
            before_each()
        if out_file is not None and out_file.exists():
            out_file.unlink()
        progress(f"  {row.tool} run {i + 1}/{repeat} ...")
        r = run_measured(cmd, cwd, args.timeout, args.sample_ms / 1000.0)
        row.runs += 1
        peak = max(peak, r.peak_rss_bytes)
        row.wall_s_all.append(r.wall_s)
        if r.timed_out:
            row.status, row.note = "timeout", f"killed after {args.timeout:g} s"
            break
        if r.rc not in ok_rcs:
            row.status = "error"
            last = [ln for ln in r.stderr_tail.strip().splitlines() if ln.strip()]
            row.note = f"exit {r.rc}: " + (last[-1][:200] if last else "(no stderr)")
            break
        if out_file is not None and not out_file.exists():
            row.status, row.note = "error", f"no output file written (exit {r.rc})"
            break
        progress(f"    {r.wall_s:.3f} s, {r.peak_rss_bytes / 1e6:.0f} MB")
        if best is None or r.wall_s < best.wall_s:
            best = r
    row.peak_rss_mb = peak / 1e6 if peak else None
    if row.status == "ok" and best is not None:
        row.wall_s, row.cpu_s = best.wall_s, best.cpu_s


# --------------------------------------------------------------------------- corpus


def list_corpora(root: Path, only: list[str] | None) -> list[tuple[Path, dict]]:
    found = []
    if not root.is_dir():
        return found
    for d in sorted(root.iterdir()):
        if not d.is_dir() or d.name.startswith("."):
            continue
        meta = load_json(d / ".corpus.json")
        if not isinstance(meta, dict):
            progress(f"ignoring {d}: no .corpus.json (incomplete? re-run corpus.py)")
            continue
        if only and not ({d.name, meta.get("name")} & set(only)):
            continue
        found.append((d, meta))
    return found


def count_py(root: Path) -> tuple[int, int]:
    files = lines = 0
    for p in root.rglob("*.py"):
        if CACHE_DIR_NAME in p.parts:
            continue
        data = p.read_bytes()
        files += 1
        lines += data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
    return files, lines


def bench_corpus(
    src: Path, meta: dict, tools: dict[str, list[str] | None], args, selected: set[str]
) -> dict:
    label = src.name
    rows = {name: Row(name) for name in ROWS}
    notes: list[str] = []
    by_code: Counter | None = None
    with tempfile.TemporaryDirectory(prefix="archlint-bench-", dir=args.workdir) as tmp:
        work = Path(tmp)
        scan = work / label
        out = work / "out"
        out.mkdir()
        shutil.copytree(
            src, scan, ignore=shutil.ignore_patterns(".corpus.json", CACHE_DIR_NAME, "__pycache__")
        )
        files, lines = count_py(scan)
        if files != meta.get("files") or lines != meta.get("lines"):
            notes.append(
                f"corpus differs from its .corpus.json ({files} files/{lines} lines vs "
                f"{meta.get('files')}/{meta.get('lines')}); re-run corpus.py --force"
            )
        progress(f"{label}: {files} files, {lines} lines, copied to {scan}")

        # ---- archlint
        if "archlint" in selected:
            cmd0 = tools["archlint"]
            if cmd0 is None:
                for name in ("archlint-cold", "archlint-fill", "archlint-warm"):
                    rows[name].status, rows[name].note = "n/a", "archlint not available"
            else:
                of = out / "archlint.json"
                base = cmd0 + [
                    "check",
                    str(scan),
                    "--format",
                    "json",
                    "--output",
                    str(of),
                    "--exit-zero",
                ]
                if args.jobs is not None:
                    base += ["--jobs", str(args.jobs)]
                cache = scan / CACHE_DIR_NAME

                def clear_cache() -> None:
                    shutil.rmtree(cache, ignore_errors=True)

                cold = rows["archlint-cold"]
                measure(
                    cold,
                    base + ["--no-cache"],
                    args.repeat,
                    work,
                    args,
                    (0,),
                    of,
                    before_each=clear_cache,
                )
                cold_codes = None
                if cold.status == "ok":
                    summary = summarize("archlint", of)
                    apply_summary(cold, summary)
                    cold_codes = by_code = summary.get("codes")
                if cache.exists():
                    notes.append(f"archlint --no-cache still created {CACHE_DIR_NAME}")
                if cold.status == "ok":
                    fill = rows["archlint-fill"]
                    measure(fill, base, 1, work, args, (0,), of, before_each=clear_cache)
                    if fill.status == "ok":
                        apply_summary(fill, summarize("archlint", of))
                        if not cache.exists():
                            notes.append(
                                f"no {CACHE_DIR_NAME} in the scanned folder after a cached run: "
                                "the warm row may not be measuring a cache hit"
                            )
                        warm = rows["archlint-warm"]
                        measure(warm, base, args.repeat, work, args, (0,), of)
                        if warm.status == "ok":
                            summary = summarize("archlint", of)
                            apply_summary(warm, summary)
                            warm_codes = summary.get("codes")
                            if warm.from_cache is not None and warm.from_cache != warm.files:
                                notes.append(
                                    f"archlint warm run took {warm.from_cache} of {warm.files} "
                                    "files from its cache"
                                )
                            if cold_codes is not None and warm_codes != cold_codes:
                                notes.append(
                                    f"archlint warm run findings differ from cold run "
                                    f"({warm.findings} vs {cold.findings}): cache bug?"
                                )
                else:
                    for name in ("archlint-fill", "archlint-warm"):
                        rows[name].status, rows[name].note = "skipped", "archlint-cold failed"

        # ---- bandit
        if "bandit" in selected:
            row = rows["bandit"]
            if tools["bandit"] is None:
                row.status, row.note = "n/a", "bandit not available"
            else:
                of = out / "bandit.json"
                cmd = tools["bandit"] + ["-r", str(scan), "-q", "-f", "json", "-o", str(of)]
                measure(row, cmd, args.bandit_repeat, work, args, (0, 1), of)
                if row.status == "ok":
                    apply_summary(row, summarize("bandit", of))

        # ---- ruff
        if "ruff" in selected:
            ruff_files = None
            if tools["ruff"] is not None:
                p = subprocess.run(
                    tools["ruff"] + ["check", "--isolated", "--show-files", str(scan)],
                    check=False,
                    capture_output=True,
                    text=True,
                    cwd=work,
                    stdin=subprocess.DEVNULL,
                )
                if p.returncode == 0:
                    ruff_files = sum(
                        1 for ln in p.stdout.splitlines() if ln.strip().endswith((".py", ".pyi"))
                    )
            for name, extra in (("ruff-all", ["--select", "ALL"]), ("ruff-default", [])):
                row = rows[name]
                if tools["ruff"] is None:
                    row.status, row.note = "n/a", "ruff not available"
                    continue
                of = out / f"{name}.json"
                cmd = tools["ruff"] + [
                    "check",
                    "--no-cache",
                    "--isolated",
                    *extra,
                    "--exit-zero",
                    "-q",
                    "--output-format",
                    "json",
                    "--output-file",
                    str(of),
                    str(scan),
                ]
                measure(row, cmd, args.repeat, work, args, (0,), of)
                if row.status == "ok":
                    row.files = ruff_files
                    apply_summary(row, summarize("ruff", of))

    for r in rows.values():
        if r.status == "ok" and r.files is not None and r.files != files:
            notes.append(f"{r.tool} analysed {r.files} files, the corpus has {files}")

    ratios = {}
    for a, b in RATIOS:
        ra, rb = rows[a], rows[b]
        ok = ra.status == "ok" and rb.status == "ok" and ra.wall_s and rb.wall_s
        ratios[f"{a}/{b}"] = {
            "wall": ra.wall_s / rb.wall_s if ok else None,
            "peak_rss": (ra.peak_rss_mb / rb.peak_rss_mb)
            if ok and ra.peak_rss_mb and rb.peak_rss_mb
            else None,
        }
    return {
        "corpus": label,
        "name": meta.get("name"),
        "version": meta.get("version"),
        "files": files,
        "lines": lines,
        "results": {k: asdict(v) for k, v in rows.items()},
        "ratios": ratios,
        "archlint_findings_by_code": dict(sorted(by_code.items())) if by_code is not None else None,
        "notes": notes,
    }


# --------------------------------------------------------------------------- output


def fnum(v, fmt: str) -> str:
    return "-" if v is None else format(v, fmt)


def format_corpus(c: dict) -> str:
    out = [f"== corpus {c['corpus']} files={c['files']} lines={c['lines']}"]
    out.append(
        f"{'tool':<14} {'status':<8} {'runs':>4} {'wall_s':>10} {'cpu_s':>10} "
        f"{'peak_rss_mb':>11} {'files':>6} {'findings':>8}"
    )
    for name in ROWS:
        r = c["results"][name]
        out.append(
            f"{name:<14} {r['status']:<8} {r['runs']:>4} {fnum(r['wall_s'], '.3f'):>10} "
            f"{fnum(r['cpu_s'], '.3f'):>10} {fnum(r['peak_rss_mb'], '.1f'):>11} "
            f"{fnum(r['files'], 'd'):>6} {fnum(r['findings'], 'd'):>8}"
        )
    for key, v in c["ratios"].items():
        w = "n/a" if v["wall"] is None else f"{v['wall']:.3f}"
        m = "n/a" if v["peak_rss"] is None else f"{v['peak_rss']:.3f}"
        out.append(f"ratio {key:<28} wall={w} peak_rss={m}")
    for name in ROWS:
        r = c["results"][name]
        if r["note"]:
            out.append(f"NOTE {name}: {r['note']}")
    for n in c["notes"]:
        out.append(f"NOTE {n}")
    codes = c["archlint_findings_by_code"]
    out.append("archlint findings by rule:" + ("" if codes else " -"))
    if codes:
        for code, n in sorted(codes.items(), key=lambda kv: (-kv[1], kv[0])):
            out.append(f"  {code:<20} {n:>8}")
    return "\n".join(out)


def format_summary(corpora: list[dict]) -> str:
    cols = ["archlint-cold", "archlint-warm", "bandit", "ruff-all", "ruff-default"]
    out = ["== summary wall_s (best)"]
    out.append(
        f"{'corpus':<26} {'files':>6} {'lines':>8} "
        + " ".join(f"{c:>13}" for c in cols)
        + f" {'cold/bandit':>11} {'warm/ruff-all':>13}"
    )
    for c in corpora:
        cells = []
        for col in cols:
            r = c["results"][col]
            cells.append(f"{fnum(r['wall_s'], '.3f') if r['status'] == 'ok' else r['status']:>13}")
        r1 = c["ratios"]["archlint-cold/bandit"]["wall"]
        r2 = c["ratios"]["archlint-warm/ruff-all"]["wall"]
        out.append(
            f"{c['corpus']:<26} {c['files']:>6} {c['lines']:>8} "
            + " ".join(cells)
            + f" {fnum(r1, '.3f'):>11} {fnum(r2, '.3f'):>13}"
        )
    return "\n".join(out)


# --------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(
        description="Benchmark archlint against bandit and ruff on the corpus.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    ap.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="only this corpus (e.g. prefect or prefect-3.9.1); repeatable",
    )
    ap.add_argument("--corpus-dir", type=Path, default=DEFAULT_CORPUS_DIR)
    ap.add_argument(
        "--tools",
        default=",".join(TOOLS),
        help="comma list among archlint,bandit,ruff (default: all)",
    )
    ap.add_argument("--archlint", metavar="CMD", help='archlint command (default: "archlint")')
    ap.add_argument("--bandit", metavar="CMD", help='bandit command (default: "bandit")')
    ap.add_argument("--ruff", metavar="CMD", help='ruff command (default: "ruff")')
    ap.add_argument(
        "--jobs", type=int, help="pass --jobs N to archlint (default: archlint's own default)"
    )
    ap.add_argument(
        "--repeat",
        type=int,
        default=3,
        help="timed runs for archlint and ruff rows, best kept (default 3)",
    )
    ap.add_argument(
        "--bandit-repeat", type=int, default=1, help="timed runs for bandit (default 1: it is slow)"
    )
    ap.add_argument(
        "--sample-ms", type=float, default=20.0, help="RSS sampling interval (default 20)"
    )
    ap.add_argument("--timeout", type=float, default=3600.0, help="per run, seconds (default 3600)")
    ap.add_argument("--workdir", help="where the temporary copies go (default: system temp dir)")
    ap.add_argument(
        "--json", type=Path, metavar="FILE", help="also write the results as JSON to FILE"
    )
    args = ap.parse_args(argv)

    if psutil is None:
        print("error: psutil is required: pip install psutil", file=sys.stderr)
        return 2
    selected = {t.strip() for t in args.tools.split(",") if t.strip()}
    if not selected or selected - set(TOOLS):
        print(f"error: --tools takes a comma list among {','.join(TOOLS)}", file=sys.stderr)
        return 2
    if args.repeat < 1 or args.bandit_repeat < 1:
        print("error: --repeat and --bandit-repeat must be >= 1", file=sys.stderr)
        return 2

    corpora = list_corpora(args.corpus_dir, args.only)
    if args.only:
        matched = {n for d, m in corpora for n in (d.name, m.get("name"))}
        unmatched = [n for n in args.only if n not in matched]
        if corpora and unmatched:
            print(f"error: no corpus named {', '.join(unmatched)}", file=sys.stderr)
            return 2
    if not corpora:
        what = f" matching {', '.join(args.only)}" if args.only else ""
        print(
            f"error: no corpus{what} in {args.corpus_dir}; run benchmarks/corpus.py first",
            file=sys.stderr,
        )
        return 2

    specs = {"archlint": args.archlint, "bandit": args.bandit, "ruff": args.ruff}
    tools: dict[str, list[str] | None] = {}
    tool_info: dict[str, dict | None] = {}
    for t in TOOLS:
        cmd = resolve_tool(specs[t], t) if t in selected else None
        tools[t] = cmd
        tool_info[t] = {"command": cmd, "version": tool_version(cmd)} if cmd else None
        if t in selected and cmd is None:
            progress(f"{t} not available ({specs[t] or t!r} not found): its rows will say n/a")

    started = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
    host = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_gb": round(psutil.virtual_memory().total / 2**30, 1),
        "load_avg_1m_at_start": round(os.getloadavg()[0], 2),
    }
    settings = {
        "repeat": args.repeat,
        "bandit_repeat": args.bandit_repeat,
        "jobs": args.jobs,
        "sample_ms": args.sample_ms,
        "timeout_s": args.timeout,
    }

    def ver(t: str) -> str:
        return tool_info[t]["version"] if tool_info[t] else ("n/a" if t in selected else "skipped")

    header = [
        f"# archlint benchmark format={FORMAT_VERSION} started={started}",
        (
            f"# host python={host['python']} cpus={host['cpus']} memory_gb={host['memory_gb']}"
            f" load_avg_1m={host['load_avg_1m_at_start']}"
        ),
        f"# platform={host['platform']}",
        f"# archlint={ver('archlint')!r} bandit={ver('bandit')!r} ruff={ver('ruff')!r}",
        (
            f"# repeat={args.repeat} bandit_repeat={args.bandit_repeat}"
            f" jobs={args.jobs or 'default'} sample_ms={args.sample_ms:g}"
        ),
    ]
    print("\n".join(header), flush=True)

    results = []
    for src, meta in corpora:
        c = bench_corpus(src, meta, tools, args, selected)
        results.append(c)
        print(flush=True)
        print(format_corpus(c), flush=True)
    print()
    print(format_summary(results), flush=True)

    if args.json:
        doc = {
            "format": FORMAT_VERSION,
            "started": started,
            "finished": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
            "host": host,
            "settings": settings,
            "tools": tool_info,
            "corpora": results,
        }
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(doc, indent=2) + "\n")
        progress(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--_summarize":
        json.dump(PARSERS[sys.argv[2]](Path(sys.argv[3])), sys.stdout)
        sys.exit(0)
    sys.exit(main())
