"""The flake8 plugin, run by the real flake8 in a subprocess (the `ARC` entry point of the
installed package), on fixtures/integrations/flake8_project and on the per-file rule fixtures."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from _support import FIXTURES, REPO, expected_lines
from archlint.rules.base import Rule
from archlint.rules.registry import all_rules

PROJECT = FIXTURES / "integrations" / "flake8_project"
FORMAT = "%(path)s:%(row)d:%(col)d:%(code)s:%(text)s"
PER_FILE_CODES = {rule.code for rule in all_rules() if issubclass(rule, Rule)}


def flake8(*args: str, cwd: Path, stdin: str | None = None,
           jobs: str = "1") -> tuple[int, list[tuple], str]:
    """Run flake8 with archlint's codes only: (exit code, [(path, line, col, code, text)], all
    output). One job by default: the pool costs more than these few files."""
    done = subprocess.run(
        [sys.executable, "-m", "flake8", f"--jobs={jobs}", "--select", "ARC",
         f"--format={FORMAT}", *args],
        cwd=cwd, capture_output=True, text=True, input=stdin, timeout=120,
    )
    output = done.stdout + done.stderr
    assert "Traceback" not in output, output
    rows = []
    for line in done.stdout.splitlines():
        match = re.fullmatch(r"(.+?):(\d+):(\d+):(ARC\d{3}):(.*)", line)
        if match:
            path, row, col, code, text = match.groups()
            rows.append((Path(path).as_posix().removeprefix("./"), int(row), int(col), code,
                         text))
    return done.returncode, rows, output


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy, so that no config file above the repository (or written by a test) leaks in."""
    return Path(shutil.copytree(PROJECT, tmp_path / "project"))


def expected(root: Path) -> set[tuple[str, int, str]]:
    found = set()
    for path in sorted(root.rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        for code in set(re.findall(r"expect:\s*(ARC\d{3})", source)):
            found |= {(path.relative_to(root).as_posix(), line, code)
                      for line in expected_lines(source, code)}
    return found


def test_reports_the_per_file_findings_and_honours_every_suppression(project):
    code, rows, output = flake8(".", cwd=project)
    assert code == 1, output
    # payments.py: a noqa comment for ARC401 on the line and on the last line of a multi-line call,
    # `# archlint: ignore[ARC401]`; [tool.archlint]: ignore ARC402, per-file-ignores scripts/*
    assert {(path, line, code) for path, line, _, code, _ in rows} == expected(project)
    assert rows[0][2:4] == (16, "ARC401")  # 1-based column, as flake8 prints its own
    assert rows[0][4].startswith("requests.post() has no timeout")


def test_project_rules_never_run_under_flake8(project):
    """`archlint check` reports ARC101 (domain imports fastapi) on the same tree."""
    check = subprocess.run(
        [sys.executable, "-m", "archlint", "check", "--no-cache", "--format", "json", "."],
        cwd=project, capture_output=True, text=True, timeout=120,
    )
    findings = {(f["path"], f["code"]) for f in json.loads(check.stdout)["findings"]}
    assert ("app/domain/order.py", "ARC101") in findings
    _, rows, _ = flake8("app/domain/order.py", cwd=project)
    assert rows == []


def test_flake8_noqa_and_per_file_ignores_work_on_arc_codes(project):
    _, rows, _ = flake8("--disable-noqa", ".", cwd=project)
    lines = {(path, line) for path, line, _, code, _ in rows if code == "ARC401"}
    # without noqa: the two calls with noqa comments come back; `archlint: ignore` still holds
    assert lines == {("app/payments.py", 9), ("app/payments.py", 14), ("app/payments.py", 24)}

    _, rows, _ = flake8("--per-file-ignores=app/payments.py:ARC401", ".", cwd=project)
    assert rows == []
    _, rows, _ = flake8("--extend-ignore=ARC4", ".", cwd=project)
    assert rows == []


def test_flake8_options_override_tool_archlint(project):
    # --archlint-select replaces [tool.archlint] select, and ignore = ["ARC402"] still applies
    _, rows, _ = flake8("--archlint-select=ARC402", ".", cwd=project)
    assert rows == []
    _, rows, _ = flake8("--archlint-select=ARC402", "--archlint-ignore=ARC401", "app",
                        cwd=project)
    assert rows == []
    (project / "pyproject.toml").write_text('[tool.archlint]\nselect = ["ARC4"]\n')
    _, rows, _ = flake8("--archlint-select=ARC402", "app/payments.py", cwd=project)
    assert {code for *_, code, _ in rows} == {"ARC402"}
    assert {line for _, line, *_ in rows} == {9, 14, 18, 24}  # noqa names ARC401 only
    # the same from flake8's own config file
    (project / ".flake8").write_text("[flake8]\narchlint-ignore = ARC401\n")
    _, rows, _ = flake8("app/payments.py", cwd=project)
    assert {code for *_, code, _ in rows} == {"ARC402"}
    (project / ".flake8").write_text("[flake8]\narchlint-extend-select = ARC402\n")
    (project / "pyproject.toml").write_text('[tool.archlint]\nselect = ["ARC401"]\n')
    _, rows, _ = flake8("app/payments.py", cwd=project)
    assert {code for *_, code, _ in rows} == {"ARC401", "ARC402"}


def test_archlint_config_option_names_the_config_file(project, tmp_path):
    other = tmp_path / "strict.toml"
    other.write_text('select = ["ARC402"]\n')
    _, rows, _ = flake8(f"--archlint-config={other}", "app/payments.py", cwd=project)
    assert {(line, code) for _, line, _, code, _ in rows} == {
        (9, "ARC402"), (14, "ARC402"), (18, "ARC402"), (24, "ARC402")}


def test_an_unknown_selector_stops_flake8_with_a_message(project):
    code, rows, output = flake8("--archlint-select=ARC999", ".", cwd=project)
    assert code != 0 and rows == []
    assert "--archlint-select: unknown rule selector 'ARC999'" in output


def test_a_broken_config_is_reported_on_each_file_not_hidden(project):
    (project / "pyproject.toml").write_text('[tool.archlint]\nselct = ["ARC4"]\n')
    code, rows, _ = flake8("app/payments.py", cwd=project)
    assert code == 1
    [(path, line, col, rule, text)] = rows
    assert (line, col, rule) == (1, 1, "ARC000")
    assert "tool.archlint.selct: unknown key" in text


def test_source_from_stdin(project):
    source = (project / "app" / "payments.py").read_text()
    _, rows, _ = flake8("--stdin-display-name=app/payments.py", "-", cwd=project, stdin=source)
    assert {(line, code) for _, line, _, code, _ in rows} == {(9, "ARC401")}
    _, rows, _ = flake8("--stdin-display-name=app/payments.py", "-", cwd=project,
                        stdin="# archlint: skip-file\n" + source)
    assert rows == []


def test_same_findings_as_archlint_check_on_the_rule_fixtures():
    """Every per-file rule's fixture, through flake8 (two worker processes) and through
    `archlint check`: the same per-file findings at the same places, noqa comments included."""
    files = sorted(p.relative_to(REPO).as_posix() for p in (FIXTURES / "rules").glob("*.py"))
    _, rows, _ = flake8("--archlint-select=ARC", "--isolated", *files, cwd=REPO, jobs="2")
    check = subprocess.run(
        [sys.executable, "-m", "archlint", "check", "--no-cache", "--no-config", "--format",
         "json", *files], cwd=REPO, capture_output=True, text=True, timeout=120,
    )
    want = {(f["path"], f["line"], f["column"], f["code"])
            for f in json.loads(check.stdout)["findings"] if f["code"] in PER_FILE_CODES}
    assert len(want) > 100
    assert {(path, line, col, code) for path, line, col, code, _ in rows} == want
