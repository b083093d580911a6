"""Microsoft's SARIF multitool validator, run on archlint's SARIF with GitHub's ingestion rules.

The JSON schema (``tests/_sarif_schema.py``) says whether a log is SARIF; the multitool's ``Gh``
rules say whether GitHub code scanning takes it as it is (a region with a start line, a message
with text, relative or ``file:`` locations, at most 20 runs, ...), its ``Sarif`` rules check what
the schema cannot (consistent regions, ...). The tool is ``@microsoft/sarif-multitool`` from the
npm registry, pinned; its Linux and macOS packages ship a self-contained binary (no .NET needed).
It is installed once into a cache folder with ``npm install --prefix``; without npm (or without
network at the first install) it is unavailable and the tests that need it skip, saying why.

Two traps, both handled here:
- the tool exits 0 even when it finds errors: its output SARIF file is the verdict;
- its npm wrapper (``bin.js``) runs the binary through a shell, where the ``;`` of
  ``--rule-kind "Gh;Sarif"`` would end the command: the binary is run directly.

SARIF2006 (every URI reachable by an HTTP GET) is turned off by a policy file: the tests never
touch the network, and helpUris point at GitHub pages that this machine cannot reach. The tool
reports that rule as "explicitly disabled" (WRN999), a configuration notification, not a result.

Logs are validated in batches, several documents' runs in one log (at most ``RUNS_PER_LOG``,
under GitHub's limit of 20 runs per file): the tool spends about a quarter of a second on each
file it opens, and a few milliseconds on each run.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

PACKAGE = "@microsoft/sarif-multitool"
VERSION = "5.7.0"
RULE_KINDS = "Gh;Sarif"
RUNS_PER_LOG = 20
DEFAULT_CACHE = Path(__file__).resolve().parent.parent / ".pytest_cache" / "d" / "sarif-multitool"

# Notes (never errors or warnings) that archlint's SARIF draws by design, and why each is fine.
# Any other note fails the tests: a new one is a decision to take, not to wave through.
ACCEPTED_NOTES = {
    "SARIF2002": "message.text rather than message.id + arguments: GitHub shows message.text "
    "(GH1007 requires it), and archlint's messages are built per finding",
    "SARIF2003": "no versionControlProvenance: the upload action records the commit and ref",
    "SARIF2010": "no region.snippet: the result carries a contextRegion snippet of the lines "
    "around it, and GitHub shows the file itself",
    "SARIF2011": "no contextRegion where the file cannot be read or the span is long or out of "
    "range (hand-made reports in tests/output/test_sarif.py; real findings have one)",
    "SARIF2012": "rule names are kebab-case (as in `# noqa` comments and the configuration), "
    "not PascalCase; GitHub shows the rule id and shortDescription",
}

_POLICY = """<?xml version="1.0" encoding="utf-8"?>
<Properties>
  <Properties Key="SARIF2006.UrisShouldBeReachable.Options">
    <Property Key="RuleEnabled" Value="Disabled" Type="Driver.RuleEnabledState" />
  </Properties>
</Properties>
"""


class Unavailable(Exception):
    """The multitool cannot be had here: the message says why."""


@dataclass(frozen=True)
class Issue:
    """One thing the multitool said about one document."""

    document: str
    rule: str
    level: str
    message: str

    def __str__(self) -> str:
        return f"{self.document}: {self.level} {self.rule}: {self.message}"


def _binary_in(prefix: Path) -> Path | None:
    # The platform package (@microsoft/sarif-multitool-<platform>) exports its binary's path.
    try:
        proc = subprocess.run(
            ["node", "-p", f"require({PACKAGE!r})"],
            cwd=prefix, capture_output=True, text=True, timeout=60, check=False,
        )  # fmt: skip
    except (OSError, subprocess.TimeoutExpired):
        return None
    path = Path(proc.stdout.strip()) if proc.returncode == 0 else None
    return path if path is not None and path.is_file() else None


def install(cache: Path = DEFAULT_CACHE) -> Path:
    """The multitool binary, installed into ``cache`` the first time; raise Unavailable."""
    npm = shutil.which("npm")
    if npm is None or shutil.which("node") is None:
        raise Unavailable("npm/node not found on PATH")
    prefix = cache / VERSION
    binary = _binary_in(prefix) if prefix.is_dir() else None
    if binary is None:
        prefix.mkdir(parents=True, exist_ok=True)
        cmd = [npm, "install", "--prefix", str(prefix), "--no-audit", "--no-fund",
               "--loglevel=error", f"{PACKAGE}@{VERSION}"]  # fmt: skip
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise Unavailable(f"npm install {PACKAGE}@{VERSION} failed: {exc}") from None
        binary = _binary_in(prefix)
        if proc.returncode != 0 or binary is None:
            detail = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no binary"]
            raise Unavailable(f"npm install {PACKAGE}@{VERSION} failed (no network?): {detail[0]}")
    # Its postinstall script (chmod u+x) does not run where npm holds back install scripts.
    mode = binary.stat().st_mode
    if not mode & stat.S_IXUSR:
        binary.chmod(mode | stat.S_IXUSR)
    (prefix / "policy.xml").write_text(_POLICY, encoding="utf-8")
    return binary


def _format(rule: dict[str, Any], message: dict[str, Any]) -> str:
    if "text" in message:
        return message["text"]
    template = rule.get("messageStrings", {}).get(message.get("id", ""), {}).get("text", "")
    args = message.get("arguments", [])
    try:
        return template.format(*args) if template else " ".join(args)
    except (IndexError, KeyError):
        return f"{template} {args}"


def _read_verdict(out: Path, names: dict[str, list[str]]) -> list[Issue]:
    """The multitool's output log, as issues; ``names`` maps a batch file's URI to the document
    name of each of its runs (results name the run as ``runs[N]...`` in their first argument)."""
    issues: list[Issue] = []
    run = json.loads(out.read_text(encoding="utf-8"))["runs"][0]
    rules = run["tool"]["driver"].get("rules", [])
    for invocation in run.get("invocations", []):
        if not invocation.get("executionSuccessful", False):
            issues.append(Issue("(multitool)", "execution", "error", "the validator failed"))
        for note in invocation.get("toolExecutionNotifications", []):
            if note.get("level", "warning") == "error":
                text = note.get("message", {}).get("text", "")
                issues.append(Issue("(multitool)", "execution", "error", text))
    for result in run.get("results", []):
        rule = rules[result["ruleIndex"]] if "ruleIndex" in result else {}
        level = result.get("level") or rule.get("defaultConfiguration", {}).get("level", "warning")
        text = _format(rule, result.get("message", {}))
        uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        runs = names.get(uri, [uri])
        document = runs[0] if len(runs) == 1 else Path(uri).name
        where = text.split(":", 1)[0]
        if where.startswith("runs[") and len(runs) > 1:
            index = int(where[5 : where.index("]")])
            if index < len(runs):
                document = runs[index]
                text = text.replace(f"runs[{index}]", "runs[0]", 1)
        issues.append(Issue(document, result["ruleId"], level, text))
    return issues


def validate(binary: Path, documents: dict[str, dict[str, Any]], workdir: Path) -> list[Issue]:
    """Validate SARIF documents (name -> parsed log) with the GitHub and SARIF rule kinds."""
    workdir.mkdir(parents=True, exist_ok=True)
    names: dict[str, list[str]] = {}
    files: list[Path] = []
    batch: list[tuple[str, dict[str, Any]]] = []
    for name, doc in documents.items():
        batch += [(name, run) for run in doc["runs"]]
    template = next(iter(documents.values()), None)
    for start in range(0, len(batch), RUNS_PER_LOG):
        chunk = batch[start : start + RUNS_PER_LOG]
        assert template is not None
        log = {key: value for key, value in template.items() if key != "runs"}
        log["runs"] = [run for _, run in chunk]
        path = workdir / f"batch{start // RUNS_PER_LOG}.sarif"
        path.write_text(json.dumps(log, indent=2), encoding="utf-8")
        files.append(path)
        names[path.resolve().as_uri()] = [name for name, _ in chunk]
    if not files:
        return []
    out = workdir / "verdict.sarif"
    if out.exists():
        out.unlink()  # the tool refuses to overwrite an output file
    cmd = [str(binary), "validate", "--rule-kind", RULE_KINDS, "--level", "Error;Warning;Note",
           "--config", str(binary_policy(binary)), "--output", str(out),
           *map(str, files)]  # fmt: skip
    env = {**os.environ, "DOTNET_CLI_TELEMETRY_OPTOUT": "1"}
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False, env=env)
    if not out.is_file():
        raise AssertionError(f"the multitool wrote no verdict (exit {proc.returncode}):\n"
                             f"{proc.stdout[-2000:]}{proc.stderr[-2000:]}")  # fmt: skip
    return _read_verdict(out, names)


def binary_policy(binary: Path) -> Path:
    # install() writes it next to node_modules/: <prefix>/node_modules/@microsoft/<pkg>/<binary>
    return binary.parents[3] / "policy.xml"


def problems(issues: list[Issue]) -> list[Issue]:
    """The issues that fail a test: every error and warning, and notes not in ACCEPTED_NOTES."""
    return [i for i in issues if i.level in ("error", "warning") or i.rule not in ACCEPTED_NOTES]
