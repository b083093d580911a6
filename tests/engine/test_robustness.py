"""Hostile input through the real engine and every registered rule: each odd file gets a clear
notification (or is analysed), nothing escapes, nothing else is lost, archlint never runs code.

Already covered elsewhere (not repeated here): non-UTF-8 without a cookie, BOM and CRLF/CR
decoding (test_worker.py), symlink loops and unreadable folders (test_discover.py), --output
into a missing folder and a config with an unknown key (test_cli.py), a per-file rule that
raises (test_worker.py)."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from archlint.api import CheckOptions, check
from archlint.cli import app
from archlint.config import Settings
from archlint.engine.discover import discover
from archlint.engine.worker import MAX_NESTING
from archlint.model import NotificationKind
from archlint.rules.registry import all_rules

GOOD = "import requests\n\n\ndef fetch(url):\n    return requests.get(url)\n"  # ARC401 on line 5
runner = CliRunner()


def every_rule_check(root: Path, jobs: int = 1):
    settings = Settings(root=root, select=("ARC",))
    return check([root], settings, CheckOptions(jobs=jobs, use_cache=False), rules=all_rules())


def write(root: Path, name: str, data: bytes | str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        path.write_text(data, encoding="utf-8")
    else:
        path.write_bytes(data)


def no_internal_errors(report) -> None:
    bad = [n for n in report.notifications
           if n.kind in (NotificationKind.INTERNAL_ERROR, NotificationKind.WORKER_CRASH)]
    assert not bad, "\n".join(f"{n.path}: {n.message}\n{n.detail}" for n in bad)


# A request in each file opens the resilience rules' gates, so LibCST would be handed the file.
CALL = "import requests\nrequests.get(u)\n"
NESTED = {
    # chains LibCST's native parser would recurse into until its stack overflows (a segfault)
    "deep_attributes.py": CALL + "x = a" + ".b" * 20_000 + "\n",
    "deep_calls.py": CALL + "x = f" + "()" * 20_000 + "\n",
    "deep_unary.py": CALL + "x = " + "-" * 50_000 + "1\n",
    "deep_operators.py": CALL + "x = (1" + "\n + 1" * 20_000 + ")\n",
    # past CPython's own limits: its message is the clearest
    "deep_parens.py": CALL + "x = " + "(" * 3000 + "1" + ")" * 3000 + "\n",
    "deep_blocks.py": CALL + "".join("    " * i + "if x:\n" for i in range(120))
    + "    " * 120 + "pass\n",
}


@pytest.mark.parametrize("jobs", [1, 2])
def test_odd_files_each_get_a_clear_notification_and_nothing_else_is_lost(tmp_path, jobs):
    """In-process (-j 1, and any project under 16 files) a crash in the parser would end the
    whole run: deep nesting must be refused before LibCST sees it."""
    write(tmp_path, "good.py", GOOD)
    write(tmp_path, "empty.py", b"")
    write(tmp_path, "bom.py", b"\xef\xbb\xbf" + GOOD.encode())
    write(tmp_path, "crlf.py", GOOD.replace("\n", "\r\n").encode())
    write(tmp_path, "cr.py", GOOD.replace("\n", "\r").encode())
    write(tmp_path, "latin1.py", b"import requests\nname = '\xe9'\n")
    write(tmp_path, "nul.py", b"import requests\nx = 1\x00\nrequests.get(u)\n")
    for name, text in NESTED.items():
        write(tmp_path, name, text)
    filler = {f"pad/m{i:02}.py": "x = 1\n" for i in range(20 if jobs > 1 else 0)}
    for name, text in filler.items():
        write(tmp_path, name, text)
    report = every_rule_check(tmp_path, jobs=jobs)
    no_internal_errors(report)
    assert report.files_scanned == 7 + len(NESTED) + len(filler)
    kinds = {n.path: n.kind for n in report.notifications if n.kind is not NotificationKind.RULE_NOTE}
    parse = NotificationKind.PARSE_ERROR
    assert kinds == {
        "latin1.py": NotificationKind.DECODE_ERROR,
        "nul.py": parse,
        **{name: parse for name in NESTED},
    }
    timeouts = {f.path: f.span.line for f in report.findings if f.code == "ARC401"}
    # the same finding on the same line whatever the BOM and line ends
    assert timeouts == {"good.py": 5, "bom.py": 5, "crlf.py": 5, "cr.py": 5}
    messages = {n.path: n.message for n in report.notifications}
    assert "\\0" in messages["nul.py"] or "null bytes" in messages["nul.py"]
    assert "too many nested parentheses" in messages["deep_parens.py"]
    assert "indentation" in messages["deep_blocks.py"]
    assert all("nested" in messages[name] for name in NESTED if name.startswith("deep_") and
               name not in ("deep_parens.py", "deep_blocks.py"))


def test_nesting_under_the_limit_is_analysed(tmp_path):
    depth = MAX_NESTING // 4
    write(tmp_path, "chain.py", "import requests\nx = a" + ".b" * depth + "\n"
          "requests.get(url)\n")
    report = every_rule_check(tmp_path)
    no_internal_errors(report)
    assert [(f.code, f.span.line) for f in report.findings if f.code == "ARC401"] == [
        ("ARC401", 3)]


def test_a_huge_file_is_scanned(tmp_path):
    """10 MB: a vendored data blob in a module that also calls out; one LibCST node holds it."""
    blob = "DATA = (\n" + ("    '" + "a" * 100_000 + "'\n") * 101 + ")\n"
    text = "import requests\n" + blob + "requests.get(url)\n"
    assert len(text) > 10_000_000
    write(tmp_path, "huge.py", text)
    report = every_rule_check(tmp_path)
    no_internal_errors(report)
    assert [n for n in report.notifications if n.kind is not NotificationKind.RULE_NOTE] == []
    last = text.count("\n")
    assert [(f.code, f.span.line) for f in report.findings if f.code == "ARC401"] == [
        ("ARC401", last)]


def test_unreadable_file_is_reported_and_the_others_scanned(tmp_path):
    write(tmp_path, "good.py", GOOD)
    write(tmp_path, "locked.py", GOOD)
    if os.geteuid() == 0:  # root reads any file: a file whose read fails instead (EIO)
        (tmp_path / "locked.py").unlink()
        if not Path("/proc/self/mem").exists():
            pytest.skip("root and no /proc/self/mem: no way to make a file unreadable")
        os.symlink("/proc/self/mem", tmp_path / "locked.py")
    else:
        (tmp_path / "locked.py").chmod(0)
    try:
        report = every_rule_check(tmp_path)
    finally:
        if not (tmp_path / "locked.py").is_symlink():
            (tmp_path / "locked.py").chmod(0o644)
    no_internal_errors(report)
    [note] = [n for n in report.notifications if n.path == "locked.py"]
    assert note.kind is NotificationKind.UNREADABLE and "cannot read" in note.message
    assert [f.path for f in report.findings if f.code == "ARC401"] == ["good.py"]
    result = runner.invoke(app, ["check", str(tmp_path), "--no-cache", "-j", "1",
                                 "--format", "concise"])
    assert result.exit_code == 1 and "locked.py" in result.output


MARKER_CODE = """\
import os, sys, pathlib
pathlib.Path({marker!r}).write_text("ran")
os.system("touch " + {marker!r} + ".shell")
import requests
requests.get("http://localhost")
sys.exit(7)
"""


def test_archlint_never_runs_the_code_it_scans(tmp_path):
    marker = tmp_path.parent / f"{tmp_path.name}-marker"
    project = tmp_path / "proj"
    code = MARKER_CODE.format(marker=str(marker))
    for name in ("app/__init__.py", "app/settings.py", "conftest.py", "setup.py", "manage.py",
                 "app/__main__.py", "app/migrations/0001_initial.py", "sitecustomize.py"):
        write(project, name, code)
    write(project, "archlint.toml", "")
    report = every_rule_check(project, jobs=2)
    no_internal_errors(report)
    assert report.files_scanned == 8
    result = runner.invoke(app, ["check", str(project), "--no-cache", "--format", "json"])
    assert result.exit_code in (0, 1) and json.loads(result.stdout)["summary"]["files"] == 8
    assert not marker.exists() and not Path(f"{marker}.shell").exists()


# -- a broken or hostile config: exit 2, a message naming the file and the key -------------------
@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ("exclude = [1]\n", "exclude: expected a list of strings"),
        ("select = 3\n", "select: expected a list of strings"),
        ("layers = 3\n", "layers: expected a table"),
        ("rules = []\n", "rules: expected a table"),
        ("[rules]\nARC301 = 1\n", "rules.ARC301: expected a table of options"),
        ('per-file-ignores = ["a"]\n', "per-file-ignores: expected a table"),
        ('respect-gitignore = "no"\n', "respect-gitignore: expected true or false"),
        ('[contexts]\nbilling = 3\n', "contexts"),
        ('source-roots = [1, 2]\n', "source-roots: expected a list of strings"),
    ],
)
def test_config_of_the_wrong_types_exits_2_naming_the_key(tmp_path, toml, needle):
    write(tmp_path, "archlint.toml", toml)
    write(tmp_path, "a.py", GOOD)
    result = runner.invoke(app, ["check", str(tmp_path), "--no-cache"])
    assert result.exit_code == 2, result.output
    text = " ".join(result.output.split())
    assert "archlint.toml" in text and needle in text


def test_config_that_is_not_text_exits_2(tmp_path):
    write(tmp_path, "archlint.toml", b"\xff\xfe\x00garbage\x00")
    write(tmp_path, "a.py", GOOD)
    result = runner.invoke(app, ["check", str(tmp_path), "--no-cache"])
    assert result.exit_code == 2 and "archlint.toml" in " ".join(result.output.split())


def test_huge_globs_in_the_config_are_slow_to_nobody(tmp_path):
    """Thousands of patterns and one very long one: matched like any other, in reasonable time."""
    patterns = [f"gen{i}/**/*.py" for i in range(5000)] + ["**/skip_me.py"]
    write(tmp_path, "archlint.toml", "exclude = " + json.dumps(patterns) + "\n")
    write(tmp_path, "a.py", GOOD)
    write(tmp_path, "gen7/deep/b.py", GOOD)
    write(tmp_path, "x/skip_me.py", GOOD)
    result = runner.invoke(app, ["check", str(tmp_path), "--no-cache", "--format", "json"])
    assert result.exit_code == 1, result.output
    data = json.loads(result.stdout)
    assert {f["path"] for f in data["findings"] if f["code"] == "ARC401"} == {"a.py"}


# -- a rule that raises: an internal error for that rule and file, everything else kept ---------
def test_a_rule_that_raises_is_an_internal_error_and_every_other_result_comes_out(
        tmp_path, monkeypatch):
    from archlint.rules.resilience.external_call_without_timeout import (
        ExternalCallWithoutTimeout as ARC401,
    )
    from archlint.rules.architecture.framework_import_in_domain import (
        FrameworkImportInDomain as ARC101,
    )

    def broken_visit(self, node):
        raise KeyError("bug on purpose")

    def broken_check(self):
        raise RuntimeError("project bug on purpose")

    monkeypatch.setattr(ARC401, "visit_Call", broken_visit)
    monkeypatch.setattr(ARC101, "check", broken_check)
    write(tmp_path, "archlint.toml", "")
    write(tmp_path, "client.py", GOOD)
    write(tmp_path, "repo.py", "def find(cur, name):\n    cur.execute(f\"SELECT {name}\")\n")
    result = runner.invoke(app, ["check", str(tmp_path), "--no-cache", "-j", "1", "--debug",
                                 "--format", "json"], catch_exceptions=False)
    assert result.exit_code == 2  # an internal error fails the run whatever the findings
    data = json.loads(result.stdout)
    errors = {(n["rule"], n["path"]) for n in data["notifications"]
              if n["kind"] == "internal-error"}
    assert errors == {("ARC401", "client.py"), ("ARC101", "")}
    # the other rules' results are all there: ARC301 in repo.py, ARC402 on the same call
    codes = {(f["code"], f["path"]) for f in data["findings"]}
    assert ("ARC301", "repo.py") in codes and ("ARC402", "client.py") in codes
    assert not any(code == "ARC401" for code, _ in codes)
    # --debug: the tracebacks, on stderr, name the rule's own code
    stderr = result.stderr
    assert "Traceback" in stderr and "KeyError: 'bug on purpose'" in stderr
    assert "RuntimeError: project bug on purpose" in stderr
    assert "client.py (ARC401)" in stderr
    quiet = runner.invoke(app, ["check", str(tmp_path), "--no-cache", "-j", "1"])
    assert quiet.exit_code == 2 and "Traceback" not in quiet.stderr


if sys.platform != "linux":  # pragma: no cover
    pytestmark = pytest.mark.skip("Linux-only file system tricks")


def test_hostile_globs_neither_hang_nor_change_meaning(tmp_path):
    import time

    from archlint.config import ConfigError, settings_from_table

    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "main.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / "app" / "skip_me.py").write_text("x = 1\n", encoding="utf-8")
    (tmp_path / ".gitignore").write_text("*" * 5000 + "x\n", encoding="utf-8")
    started = time.perf_counter()
    settings = settings_from_table({"exclude": ["skip" + "*" * 5000 + ".py"]}, root=tmp_path)
    assert settings.exclude == ("skip*.py",)
    found = discover([tmp_path], settings)
    assert [rel for _, rel in found.files] == ["app/main.py"]
    assert time.perf_counter() - started < 10
    with pytest.raises(ConfigError, match="more than 16 wildcards"):
        settings_from_table({"extend-exclude": ["*a" * 20]}, root=tmp_path)
