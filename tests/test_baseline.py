"""--write-baseline / --baseline through the real command line, on temporary copies of fixtures."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from _support import FIXTURES
from archlint.cli import app
from archlint.engine.baseline import normalise

runner = CliRunner()
PAYMENTS = "src/shop/adapters/payments.py"


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    root = tmp_path / "shop"
    shutil.copytree(FIXTURES / "projects" / "shop_api", root)
    return root


def check(root: Path, *args: str) -> tuple[int, dict]:
    result = runner.invoke(app, ["check", str(root), "--no-cache", "-f", "json", *args],
                           catch_exceptions=False)
    return result.exit_code, json.loads(result.stdout)


def found(data: dict) -> set[tuple[str, int, str]]:
    return {(f["path"], f["line"], f["code"]) for f in data["findings"]}


def edit(root: Path, path: str, old: str, new: str) -> None:
    file = root / path
    text = file.read_text()
    assert old in text
    file.write_text(text.replace(old, new, 1))


def test_written_baseline_silences_everything_and_has_the_documented_format(shop: Path):
    code, before = check(shop)
    assert code == 1 and len(before["findings"]) == 18
    baseline = shop / "baseline.json"
    code, data = check(shop, "--write-baseline", str(baseline))
    assert code == 0 and data["findings"] == [] and data["summary"]["baselined"] == 18
    written = json.loads(baseline.read_text())
    assert written["version"] == 1 and len(written["entries"]) == 18
    entry = written["entries"][0]
    assert set(entry) == {"rule", "path", "fingerprint", "occurrence"}
    assert len(entry["fingerprint"]) == 64 and entry["occurrence"] == 0
    code, data = check(shop, "--baseline", str(baseline))
    assert code == 0 and data["findings"] == [] and data["summary"]["baselined"] == 18


def test_moved_code_stays_baselined_and_reformatting_or_comments_do_not_matter(shop: Path):
    baseline = shop / "baseline.json"
    check(shop, "--write-baseline", str(baseline))
    # lines above move every finding; a comment and new spacing change no statement
    edit(shop, PAYMENTS, "class PaymentGateway:", "# billing\n\n\nclass PaymentGateway:")
    edit(shop, PAYMENTS, 'requests.get(f"{self.base_url}/health").ok',
         'requests.get(  f"{self.base_url}/health"  ).ok  # cheap probe')
    code, data = check(shop, "--baseline", str(baseline))
    assert code == 0 and data["findings"] == [] and data["summary"]["baselined"] == 18


def test_a_new_copy_of_a_baselined_mistake_in_the_same_file_is_reported(shop: Path):
    baseline = shop / "baseline.json"
    check(shop, "--write-baseline", str(baseline))
    edit(shop, PAYMENTS, '        return requests.get(f"{self.base_url}/health").ok',
         '        return requests.get(f"{self.base_url}/health").ok\n\n'
         '    def again(self) -> bool:\n'
         '        return requests.get(f"{self.base_url}/health").ok')
    code, data = check(shop, "--baseline", str(baseline))
    assert code == 1
    # the copy calls out with neither a timeout nor a circuit breaker
    assert {(p, c) for p, _, c in found(data)} == {(PAYMENTS, "ARC401"), (PAYMENTS, "ARC402")}
    assert len(data["findings"]) == 2 and data["summary"]["baselined"] == 18


def test_a_changed_statement_is_new_and_its_old_entry_is_stale(shop: Path):
    baseline = shop / "baseline.json"
    check(shop, "--write-baseline", str(baseline))
    edit(shop, PAYMENTS, 'requests.get(f"{self.base_url}/health").ok',
         'requests.get(f"{self.base_url}/healthz").ok')
    result = runner.invoke(app, ["check", str(shop), "--no-cache", "--baseline", str(baseline)],
                           catch_exceptions=False)
    assert result.exit_code == 1
    assert "payments.py:" in result.stdout and "ARC401" in result.stdout
    out = result.stdout.replace("\n", "")
    # ARC401 and ARC402 both report the changed call
    assert "16 baselined" in out and "2 baseline entries matched nothing" in out


def test_scanning_some_files_neither_reports_stale_entries_nor_drops_them(shop: Path):
    baseline = shop / "baseline.json"
    check(shop, "--write-baseline", str(baseline))
    everything = json.loads(baseline.read_text())["entries"]
    code, data = check(shop / PAYMENTS, "--baseline", str(baseline))
    assert code == 0 and data["summary"]["baseline_stale"] == 0
    # rewriting from a partial scan keeps the other files' entries
    code, data = check(shop / PAYMENTS, "--write-baseline", str(baseline))
    assert code == 0
    assert json.loads(baseline.read_text())["entries"] == everything


@pytest.mark.parametrize("content, expected", [
    ("{", "not JSON"),
    ('{"version": 7, "entries": []}', 'expected "version": 1'),
    ('{"version": 1, "entries": [{"rule": "ARC401"}]}', "entries[0] needs"),
])
def test_a_bad_baseline_is_a_clear_usage_error(shop: Path, content: str, expected: str):
    baseline = shop / "baseline.json"
    baseline.write_text(content)
    result = runner.invoke(app, ["check", str(shop), "--no-cache", "--baseline", str(baseline)])
    assert result.exit_code == 2
    stderr = result.stderr.replace("\n", "")  # rich wraps long lines
    assert expected in stderr and "baseline.json" in stderr


def test_a_missing_baseline_is_a_usage_error(shop: Path):
    result = runner.invoke(app, ["check", str(shop), "--baseline", str(shop / "nope.json")])
    assert result.exit_code == 2 and "cannot read" in result.stderr


def test_normalisation_drops_comments_and_whitespace_but_keeps_strings():
    assert normalise("x = f(a,  b)  # why\n") == normalise("x = f(a, b)")
    assert normalise("x = '# not a comment'") != normalise("x = ''")
    assert normalise("if x:  # partial\n") == "if x :"
    assert normalise("call(\n    a,\n    b,\n)") == normalise("call( a, b, )")
    assert normalise('f"{x}  y"') == 'f"{x}  y"'
    assert normalise("foo(a,  # cut short\n") == "foo ( a ,"
