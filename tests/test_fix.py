"""check --fix / --diff / --unsafe-fixes through the real command line, on temporary files."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import libcst as cst
import pytest
from typer.testing import CliRunner

from archlint.cli import app

runner = CliRunner()

SOURCE = '''\
import httpx
import requests


def a(url):
    return requests.get(url, verify=False)


def b(url, data):
    return requests.post(
        url,
        verify=False,
        json=data,
    )


def c():
    return httpx.Client(verify=False,)


def d(url):
    return requests.get(verify=False, url=url, timeout=None)


def e(url):
    return requests.get(url, stream=True)


def f(url, **kwargs):
    return requests.get(url, **kwargs)
'''

ALL_FIXED = '''\
import httpx
import requests


def a(url):
    return requests.get(url, timeout=10)


def b(url, data):
    return requests.post(
        url,
        json=data,
        timeout=10,
    )


def c():
    return httpx.Client()


def d(url):
    return requests.get(url=url, timeout=10)


def e(url):
    return requests.get(url, stream=True, timeout=10)


def f(url, **kwargs):
    return requests.get(url, **kwargs)
'''


def run(root: Path, *args: str):
    return runner.invoke(app, ["check", str(root), "--no-cache", "--select", "ARC401,ARC607",
                               *args], catch_exceptions=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    (tmp_path / "client.py").write_text(SOURCE)
    return tmp_path


def test_fix_applies_safe_fixes_only(project: Path):
    result = run(project, "--fix", "-f", "json")
    text = (project / "client.py").read_text()
    # ARC401's timeout is safe, except on a streaming call; dropping verify=False is not
    assert "requests.get(url, verify=False, timeout=10)" in text
    assert "requests.get(verify=False, url=url, timeout=10)" in text
    assert "stream=True)" in text and "verify=False,)" in text
    assert "fixed 3 findings" in result.stderr and "5 more with --unsafe-fixes" in result.stderr
    remaining = sorted(f["code"] for f in json.loads(result.stdout)["findings"])
    assert remaining == ["ARC401"] + ["ARC607"] * 4  # the streaming call keeps its finding
    assert result.exit_code == 1


def test_unsafe_fixes_fix_everything_in_rounds_and_a_second_run_changes_nothing(project: Path):
    os.chmod(project / "client.py", 0o640)
    result = run(project, "--fix", "--unsafe-fixes")
    assert result.exit_code == 0, result.stdout
    assert (project / "client.py").read_text() == ALL_FIXED
    assert stat.S_IMODE(os.stat(project / "client.py").st_mode) == 0o640
    cst.parse_module(ALL_FIXED)
    again = run(project, "--fix", "--unsafe-fixes")
    assert again.exit_code == 0 and "fixed 0 findings" in again.stderr
    assert (project / "client.py").read_text() == ALL_FIXED
    assert not [p for p in project.iterdir() if p.name.endswith(".archlint")]  # no temp left


def test_diff_shows_without_writing(project: Path):
    result = run(project, "--diff", "--unsafe-fixes")
    assert result.exit_code == 1
    assert "--- a/client.py" in result.stdout and "+++ b/client.py" in result.stdout
    assert "-    return httpx.Client(verify=False,)" in result.stdout
    assert "+    return httpx.Client()" in result.stdout
    assert (project / "client.py").read_text() == SOURCE
    (project / "client.py").write_text(ALL_FIXED)
    clean = run(project, "--diff", "--unsafe-fixes")
    assert clean.exit_code == 0 and clean.stdout == ""


def test_crlf_line_ends_are_kept(project: Path):
    (project / "client.py").write_bytes(SOURCE.replace("\n", "\r\n").encode())
    run(project, "--fix", "--unsafe-fixes")
    assert (project / "client.py").read_bytes() == ALL_FIXED.replace("\n", "\r\n").encode()


def test_option_misuse_is_a_usage_error(project: Path):
    assert run(project, "--unsafe-fixes").exit_code == 2
    assert run(project, "--fix", "--diff").exit_code == 2


def test_trivial_accessor_fix_is_unsafe_and_carried_in_sarif(tmp_path: Path):
    (tmp_path / "m.py").write_text(
        "class Account:\n"
        "    def __init__(self, owner):\n"
        "        self._owner = owner\n\n"
        "    @property\n"
        "    def owner(self):\n"
        "        return self._owner\n\n"
        "    @owner.setter\n"
        "    def owner(self, value):\n"
        "        self._owner = value\n\n"
        "    def describe(self):\n"
        "        return self._owner\n")
    args = ["check", str(tmp_path), "--no-cache", "--select", "ARC202"]
    sarif = json.loads(runner.invoke(app, [*args, "-f", "sarif"]).stdout)
    (result,) = sarif["runs"][0]["results"]
    (fix,) = result["fixes"]
    assert fix["properties"]["safe"] is False
    assert fix["artifactChanges"][0]["replacements"]
    assert runner.invoke(app, [*args, "--fix"]).exit_code == 1  # unsafe: not applied
    assert runner.invoke(app, [*args, "--fix", "--unsafe-fixes"]).exit_code == 0
    assert (tmp_path / "m.py").read_text() == (
        "class Account:\n"
        "    def __init__(self, owner):\n"
        "        self.owner = owner\n\n"
        "    def describe(self):\n"
        "        return self.owner\n")


def test_sarif_carries_the_timeout_fix(project: Path):
    result = run(project, "-f", "sarif")
    results = json.loads(result.stdout)["runs"][0]["results"]
    fixes = [r["fixes"][0] for r in results if r["ruleId"] == "ARC401" and "fixes" in r]
    assert fixes and fixes[0]["properties"]["safe"] is True
    change = fixes[0]["artifactChanges"][0]
    assert change["artifactLocation"]["uri"] == "client.py"
    assert change["replacements"][0]["insertedContent"]["text"] == ", timeout=10"


def test_a_fix_that_would_not_parse_leaves_the_file_alone(tmp_path: Path):
    from archlint.engine.fixes import apply_edits, fix_file
    from archlint.model import Edit, Finding, Fix, Severity, Span

    (tmp_path / "x.py").write_text("x = f(a)\n")
    broken = Finding("ARC999", "t", "m", "x.py", Span(1, 0, 1, 1), Severity.NOTE,
                     fix=Fix("break it", (Edit(Span(1, 6, 1, 7), "("),)))
    result = fix_file(tmp_path, "x.py", [broken])
    assert result.refused.startswith("the fixed file would not parse")
    # overlapping fixes: the first in file order wins, the other waits for the next round
    one = Finding("A", "t", "m", "x.py", Span(1, 0, 1, 1), Severity.NOTE,
                  fix=Fix("a", (Edit(Span(1, 4, 1, 8), "g(b)"),)))
    two = Finding("B", "t", "m", "x.py", Span(1, 0, 1, 1), Severity.NOTE,
                  fix=Fix("b", (Edit(Span(1, 6, 1, 7), "c"),)))
    text, applied = apply_edits("x = f(a)\n", [two, one])
    assert text == "x = g(b)\n" and applied == [one]


SQL = '''\
import sqlite3

conn = sqlite3.connect("shop.db")


def find(name, age, table):
    cur = conn.cursor()
    cur.execute(f"SELECT * FROM users WHERE name = '{name}' AND age > {age}")
    cur.execute("SELECT * FROM users WHERE id = {}".format(age))
    cur.execute("SELECT * FROM users WHERE name = '%s'" % name)
    cur.execute(f"SELECT * FROM {table} WHERE name = '{name}'")
    cur.execute(f"SELECT * FROM users WHERE name LIKE '%{name}%'")
'''

SQL_FIXED = '''\
import sqlite3

conn = sqlite3.connect("shop.db")


def find(name, age, table):
    cur = conn.cursor()
    cur.execute("SELECT * FROM users WHERE name = ? AND age > ?", (name, age))
    cur.execute("SELECT * FROM users WHERE id = ?", (age,))
    cur.execute("SELECT * FROM users WHERE name = ?", (name,))
    cur.execute(f"SELECT * FROM {table} WHERE name = '{name}'")
    cur.execute(f"SELECT * FROM users WHERE name LIKE '%{name}%'")
'''


def test_arc301_queries_become_parameterised_only_where_every_value_is_a_value(tmp_path: Path):
    (tmp_path / "repo.py").write_text(SQL)
    safe_only = run(tmp_path, "--fix", "--select", "ARC301")
    assert (tmp_path / "repo.py").read_text() == SQL  # the rewrite is unsafe: asked for only
    assert "3 more with --unsafe-fixes" in safe_only.stderr
    result = run(tmp_path, "--fix", "--unsafe-fixes", "--select", "ARC301", "-f", "json")
    assert (tmp_path / "repo.py").read_text() == SQL_FIXED
    cst.parse_module(SQL_FIXED)
    remaining = [f["line"] for f in json.loads(result.stdout)["findings"]]
    assert remaining == [11, 12]  # a table name and a LIKE pattern are left to the reader
    again = run(tmp_path, "--fix", "--unsafe-fixes", "--select", "ARC301")
    assert "fixed 0 findings" in again.stderr
    assert (tmp_path / "repo.py").read_text() == SQL_FIXED
