#!/usr/bin/env python3
"""Fetch the benchmark corpus: pinned releases of real open-source Python backends.

Each entry of ``CORPUS`` below is downloaded from PyPI as a wheel with
``python -m pip download --no-deps --only-binary=:all:`` (a wheel holds the
package's .py files, which is all the benchmark needs), its SHA-256 is checked
against the pinned value, and only the ``.py`` files of the wheel (not the
``*.dist-info`` metadata, not the bundled JS/CSS/HTML/images) are extracted to::

    benchmarks/.corpus/<name>-<version>/<top-level package>/...

next to which ``benchmarks/.corpus/<name>-<version>/.corpus.json`` records the
source and size of that corpus (``files`` = number of .py files, ``lines`` =
number of lines in them, ``bytes``).  The folder is git-ignored.

Usage::

    python benchmarks/corpus.py                 # fetch every corpus that is missing
    python benchmarks/corpus.py --only prefect  # just one (repeatable)
    python benchmarks/corpus.py --list          # show the pinned table and what is present
    python benchmarks/corpus.py --force         # re-extract even if present

It is idempotent: a corpus whose folder already holds a ``.corpus.json`` is
skipped.  Extraction goes to a temporary folder that is renamed into place at
the end, so an interrupted run never leaves a half corpus behind.  Exit status
is 0 on success, 1 when a download, hash check or extraction failed, 2 on bad
arguments.  Needs only the standard library and pip; needs network access to
PyPI (only for corpora not yet present).

To bump a version: change it in the table, set its sha256 to ``None``, run
``corpus.py --only NAME`` (it prints the hash it got), and pin that hash.
Bumping a version changes the benchmark's input: results from before and
after are not comparable.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

# name (PyPI project), version, sha256 of the py3-none-any wheel.
CORPUS: list[tuple[str, str, str | None]] = [
    ("prefect", "3.9.1", "0c662e26e971b617993eed1f3d02fb8bc3c2dd47bee521b495f6e4dfeb38ae74"),
    ("mlflow", "3.18.0", "be7d84ba0d0b12392f5b53260cdb3e6d7b7ef4b80c29da90a89b5a1f6db7102f"),
    (
        "apache-superset",
        "6.1.0",
        "4b5886b2d6389a32df790aeae2532ad72529bce1af93b6edf2d1b2a8bf658748",
    ),
    ("label-studio", "1.23.2", "c575b2552d0b271554224c5e56ab2ce9449c6e62a0b4851bc8c706d8fe651137"),
    ("open-webui", "0.12.4", "02e9caba96234db3fa17a92e56163b3f7f2b8ca8227fa886b85c178d696483f6"),
    # A FastAPI backend built in layers (fief/services over fief/repositories): ARC1xx triage.
    ("fief-server", "0.27.0", "e5361f33b37e31d928eae3f744b2dceddea72627c077ff3b2275faa55ec2e032"),
    # Packages with a `domain` folder of real domain classes: ARC201 (anemic-domain-model)
    # precision. Frozen dataclasses, Protocol ports, enums and rule objects (43 domain modules):
    (
        "snowfort-audit",
        "1.1.0",
        "1d7eec8211a0bd27c17a737f23e7fa66491bdb6daa9535287439d2db1ac0d8e3",
    ),
    # Pydantic value objects declared `class X(BaseModel, frozen=True)` (9 domain modules).
    ("dccd", "3.8.1", "1cc34d44971bf71fef327fe0d4352f911412e7b5e3d26ac632d11f9cb5667b2b"),
    # A FastAPI ERP backend (top-level package `src`): rich pydantic aggregates with state
    # transitions, value objects frozen through `model_config = {"frozen": True}` (10 modules).
    (
        "backend-systems",
        "1.0.0",
        "05704aef1392e72872563883dbde0e395f25b237c7cec4c213bdaf4e98b8fa8a",
    ),
    # Mutable result dataclasses and enums in peakpicker/domain (3 modules, 23 classes).
    (
        "hplc-peakpicker",
        "2.0.1",
        "80a27bef3644d3a80215aebb0d9d8c036b19a770200ed0ebc1e21bd0e3526098",
    ),
    # Async services for the resilience and data-access rules (ARC302/303/403/404/405), which
    # found almost nothing above. Chainlit's FastAPI server (66 modules): a DynamoDB data layer
    # calling sync boto3 inside `async def`, an asyncpg pool, SQLAlchemy engines, OAuth calls
    # through httpx under `except Exception: pass`.
    ("chainlit", "2.12.0", "17cbd2c408f775a123892984bf9170674b5c81a01f7a8af278912e2786253ffc"),
    # Rasa's Sanic server (296 modules): `requests` inside async channel handlers, sync
    # Redis/SQLAlchemy tracker and lock stores, a Kafka producer flushed in `async def`.
    ("rasa", "3.6.21", "77e713ce668c3309959669e22b6d0cdde0260b12d33cfa3b95b7807526e3a641"),
    # OpenHands' FastAPI app server (227 modules): subprocesses and sandbox polling in async
    # services, SQLAlchemy sync and async engines built per database backend.
    (
        "openhands-ai",
        "1.11.0",
        "833de097150d498ffc7e175869df4723aec4a6b3c0be27545ca37089e6452c8f",
    ),
    # PR-Agent (119 modules, async git-provider and LLM handlers): tenacity `@retry` on LLM
    # calls, the only retry decorators in the corpus (ARC404).
    ("pr-agent", "0.49.0", "657d2f8e495c5a256d091077a7a33ddaf8252dd16f97727da3de06f139c581ca"),
    # OAuth servers and clients for ARC601-ARC603: JupyterHub (Tornado) is an OAuth 2 provider
    # built on oauthlib and the client of it for every single-user server (HubOAuth);
    # OAuthenticator's authenticators build authorization and token requests for GitHub,
    # Google, GitLab, Azure AD, Bitbucket, CILogon and generic providers.
    ("jupyterhub", "6.1.1", "ae20ed7b3d7cef1dd5d51e28723fd53853d69f732e7a9e84a73136acab454248"),
    (
        "oauthenticator",
        "17.4.0",
        "2b59a8d71f0e2822fad243837eb325b4d12b365c6aedfd3cc88f73e9f00486e8",
    ),
    # Backends that issue their own JWTs, for ARC604/ARC605 (token lifetimes and rotation):
    # Langflow's FastAPI server (pydantic-settings token lifetimes, a /refresh endpoint),
    # LNbits (FastAPI, python-jose, settings-driven token expiry) and Karrio's Django server
    # (djangorestframework-simplejwt).
    (
        "langflow-base",
        "1.13.0",
        "e15db23e16cf27d6d1ac8fcc5030cf25ad3a04356a9581862b4e97de739dd3a2",
    ),
    ("lnbits", "1.6.2", "25649a8b40f58e30e19aa9bb3c391a92b26e47cf9f028818fcab10b38a849339"),
    (
        "karrio-server",
        "2026.1.32",
        "4f9bac5031ed2b25c85026fce831cd2fe5d4e8d8c278b26cbeac36e1f7f6a55f",
    ),
]

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_CORPUS_DIR = BENCH_DIR / ".corpus"
META_NAME = ".corpus.json"
META_FORMAT = 1


class CorpusError(Exception):
    pass


def log(msg: str) -> None:
    print(msg, flush=True)


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def download_wheel(name: str, version: str, dest: Path) -> Path:
    cmd = [
        sys.executable,
        "-m",
        "pip",
        "download",
        "--no-deps",
        "--only-binary=:all:",
        "--ignore-requires-python",
        "--disable-pip-version-check",
        "--no-input",
        "--quiet",
        "-d",
        str(dest),
        f"{name}=={version}",
    ]
    proc = subprocess.run(cmd, check=False, capture_output=True, text=True)
    wheels = sorted(dest.glob("*.whl"))
    if proc.returncode != 0 or not wheels:
        # pip prints harmless warnings about unreachable extra indexes; keep the real error lines.
        lines = [
            ln
            for ln in (proc.stderr + proc.stdout).splitlines()
            if ln.strip() and not ln.startswith("WARNING: Location ")
        ]
        lines = [ln if len(ln) <= 300 else ln[:300] + " ..." for ln in lines[-15:]]
        detail = "\n    ".join(lines) or f"pip exited with {proc.returncode} and no wheel"
        raise CorpusError(
            f"download of {name}=={version} failed:\n    {detail}\n  command: {' '.join(cmd)}"
        )
    if len(wheels) > 1:
        raise CorpusError(
            f"expected one wheel for {name}=={version}, got {[w.name for w in wheels]}"
        )
    return wheels[0]


def safe_member(filename: str) -> PurePosixPath | None:
    """Return the relative path to extract for a wheel member, or None to skip it."""
    if not filename.endswith(".py"):
        return None
    p = PurePosixPath(filename)
    if p.is_absolute() or ".." in p.parts or not p.parts:
        return None
    top = p.parts[0]
    if top.endswith((".dist-info", ".data")):
        return None
    if any(part in ("node_modules", "__pycache__") for part in p.parts):
        return None
    return p


def extract_python(wheel: Path, dest: Path) -> dict:
    files = lines = size = 0
    tops: set[str] = set()
    with zipfile.ZipFile(wheel) as zf:
        for info in zf.infolist():
            if info.is_dir():
                continue
            rel = safe_member(info.filename)
            if rel is None:
                continue
            data = zf.read(info)
            out = dest.joinpath(*rel.parts)
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_bytes(data)
            files += 1
            size += len(data)
            # "lines" = newline count, plus one for a last line without a newline
            lines += data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)
            if len(rel.parts) > 1:
                tops.add(rel.parts[0])
            else:
                tops.add(rel.name)
    if files == 0:
        raise CorpusError(f"{wheel.name} contains no .py files")
    return {"files": files, "lines": lines, "bytes": size, "top_level": sorted(tops)}


def read_meta(folder: Path) -> dict | None:
    try:
        return json.loads((folder / META_NAME).read_text())
    except (OSError, ValueError):
        return None


def fetch_one(
    name: str, version: str, sha: str | None, root: Path, force: bool, keep_wheel: bool
) -> str:
    folder = root / f"{name}-{version}"
    meta = read_meta(folder)
    if meta is not None and not force:
        log(
            f"  {name}-{version}: present ({meta.get('files')} files, "
            f"{meta.get('lines')} lines), skipped"
        )
        return "skipped"
    root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f".tmp-{name}-", dir=root) as tmp:
        tmpdir = Path(tmp)
        dl = tmpdir / "download"
        dl.mkdir()
        log(f"  {name}-{version}: downloading wheel from PyPI ...")
        wheel = download_wheel(name, version, dl)
        got = sha256_of(wheel)
        if sha is None:
            log(f"  {name}-{version}: WARNING no pinned sha256; got {got} (pin it in CORPUS)")
        elif got != sha:
            raise CorpusError(f"sha256 mismatch for {wheel.name}: expected {sha}, got {got}")
        staging = tmpdir / "tree"
        staging.mkdir()
        stats = extract_python(wheel, staging)
        meta = {
            "format": META_FORMAT,
            "name": name,
            "version": version,
            "source": "pypi-wheel",
            "wheel": wheel.name,
            "wheel_bytes": wheel.stat().st_size,
            "sha256": got,
            **stats,
        }
        (staging / META_NAME).write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")
        if keep_wheel:
            wheels_dir = root / ".wheels"
            wheels_dir.mkdir(exist_ok=True)
            shutil.copy2(wheel, wheels_dir / wheel.name)
        if folder.exists():
            shutil.rmtree(folder)
        os.replace(staging, folder)
    log(
        f"  {name}-{version}: extracted {stats['files']} .py files, {stats['lines']} lines, "
        f"{stats['bytes'] / 1e6:.1f} MB (wheel {meta['wheel_bytes'] / 1e6:.1f} MB) -> {folder}"
    )
    return "fetched"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description="Download and extract the pinned benchmark corpus.")
    ap.add_argument(
        "--only",
        action="append",
        metavar="NAME",
        help="only this corpus (PyPI name, e.g. prefect); repeatable",
    )
    ap.add_argument(
        "--dir",
        type=Path,
        default=DEFAULT_CORPUS_DIR,
        help=f"corpus folder (default: {DEFAULT_CORPUS_DIR})",
    )
    ap.add_argument(
        "--force", action="store_true", help="re-download and re-extract even if present"
    )
    ap.add_argument(
        "--keep-wheels", action="store_true", help="also keep the wheels in <dir>/.wheels/"
    )
    ap.add_argument("--list", action="store_true", help="print the pinned table and exit")
    args = ap.parse_args(argv)

    known = {n for n, _, _ in CORPUS}
    selected = CORPUS
    if args.only:
        unknown = [n for n in args.only if n not in known]
        if unknown:
            print(
                f"error: unknown corpus {', '.join(unknown)}; known: {', '.join(sorted(known))}",
                file=sys.stderr,
            )
            return 2
        selected = [c for c in CORPUS if c[0] in args.only]

    if args.list:
        for name, version, _ in selected:
            meta = read_meta(args.dir / f"{name}-{version}")
            state = f"{meta['files']} files, {meta['lines']} lines" if meta else "not present"
            print(f"{name:<18} {version:<10} {state}")
        return 0

    log(f"corpus folder: {args.dir}")
    failures = []
    counts = {"fetched": 0, "skipped": 0}
    for name, version, sha in selected:
        try:
            counts[fetch_one(name, version, sha, args.dir, args.force, args.keep_wheels)] += 1
        except (CorpusError, OSError, zipfile.BadZipFile) as e:
            failures.append(name)
            print(f"ERROR: {name}-{version}: {e}", file=sys.stderr, flush=True)
    log(
        f"done: {counts['fetched']} fetched, {counts['skipped']} already present, "
        f"{len(failures)} failed"
    )
    if failures:
        print(f"error: could not fetch: {', '.join(failures)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
