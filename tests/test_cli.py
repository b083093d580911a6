"""The command line, driven through typer's runner and, once, as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from _support import FIXTURES
from archlint import __version__
from archlint.cli import app

DEMO = FIXTURES / "projects" / "shop_api"
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def demo_json(*extra: str) -> tuple[int, dict]:
    result = invoke("check", str(DEMO), "--format", "json", "--no-cache", *extra)
    return result.exit_code, json.loads(result.stdout)


def test_demo_project_has_its_known_findings():
    code, data = demo_json()
    assert code == 1
    found = {(f["path"], f["line"], f["code"]) for f in data["findings"]}
    assert found == {
        ("src/shop/adapters/orders_repo.py", 34, "ARC301"),
        ("src/shop/adapters/orders_repo.py", 39, "ARC301"),
        ("src/shop/adapters/payments.py", 15, "ARC401"),
        ("src/shop/adapters/payments.py", 26, "ARC401"),
        ("src/shop/adapters/shipping.py", 17, "ARC401"),
        # the adapters call payments and shipping with no circuit breaker
        ("src/shop/adapters/payments.py", 15, "ARC402"),
        ("src/shop/adapters/payments.py", 23, "ARC402"),
        ("src/shop/adapters/payments.py", 26, "ARC402"),
        ("src/shop/adapters/shipping.py", 11, "ARC402"),
        ("src/shop/adapters/shipping.py", 18, "ARC402"),
        # the checkout use case imports concrete adapters instead of ports
        ("src/shop/services/checkout.py", 5, "ARC102"),
        ("src/shop/services/checkout.py", 6, "ARC102"),
        # nothing traces the app's endpoints nor the adapters' outbound calls (the health
        # check on payments.py:26 needs no span)
        ("src/shop/api/routes.py", 16, "ARC501"),
        ("src/shop/api/routes.py", 24, "ARC501"),
        ("src/shop/adapters/payments.py", 15, "ARC502"),
        ("src/shop/adapters/payments.py", 23, "ARC502"),
        ("src/shop/adapters/shipping.py", 11, "ARC502"),
        ("src/shop/adapters/shipping.py", 18, "ARC502"),
    }
    assert data["summary"]["files"] == 11 and data["notifications"] == []


def test_text_output_has_code_frames_help_and_summary():
    result = invoke("check", str(DEMO), "--no-cache")
    assert result.exit_code == 1
    out = result.stdout
    assert "orders_repo.py:34:13: ARC301" in out
    assert "cur.execute(query)" in out and "^" in out and "help:" in out
    assert "18 findings (7 errors, 11 warnings) in 11 files" in out


def test_concise_and_github_formats():
    concise = invoke("check", str(DEMO), "--format", "concise", "--no-cache").stdout
    assert any(line.endswith(".py:15:16: ARC401 " + line.split(" ARC401 ", 1)[-1])
               for line in concise.splitlines() if "payments.py:15" in line)
    github = invoke("check", str(DEMO), "--format", "github", "--no-cache").stdout
    assert "::error file=" in github and ",line=34," in github and "title=ARC301" in github


def test_select_ignore_and_exit_codes():
    code, data = demo_json("--select", "ARC4")
    assert code == 1 and {f["code"] for f in data["findings"]} == {"ARC401", "ARC402"}
    code, data = demo_json(
        "--ignore",
        "ARC1,ARC3,ARC5,external-call-without-timeout,external-call-without-circuit-breaker"
    )
    assert code == 0 and data["findings"] == []
    code, _ = demo_json("--exit-zero")
    assert code == 0
    code, _ = demo_json("--select", "ARC301", "--fail-on", "error")
    assert code == 1


def test_output_file(tmp_path):
    target = tmp_path / "report.json"
    result = invoke("check", str(DEMO), "--format", "json", "--output", str(target), "--no-cache")
    assert result.exit_code == 1 and result.stdout == ""
    assert json.loads(target.read_text(encoding="utf-8"))["summary"]["findings"] == 18


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (("check", "does/not/exist"), "does/not/exist: no such file or directory"),
        (("check", str(DEMO), "--select", "ARC9"), "--select: unknown rule selector 'ARC9'"),
        (("check", str(DEMO), "--output", "/no/such/dir/out.json"), "does not exist"),
        (("explain", "ARC000"), "unknown rule 'ARC000'"),
    ],
)
def test_usage_errors_exit_2_with_a_clear_message(args, needle):
    result = runner.invoke(app, list(args))
    assert result.exit_code == 2
    assert needle in " ".join(result.output.split())


def test_broken_config_exits_2_naming_file_and_key(tmp_path):
    (tmp_path / "pyproject.toml").write_text('[tool.archlint]\nselect = ["ARC"]\nfail = 1\n',
                                             encoding="utf-8")
    (tmp_path / "a.py").write_text("x = 1\n", encoding="utf-8")
    result = runner.invoke(app, ["check", str(tmp_path)])
    assert result.exit_code == 2
    text = " ".join(result.output.split())
    assert "pyproject.toml: tool.archlint.fail: unknown key" in text


def test_parse_errors_are_shown_and_fail_the_run(tmp_path):
    (tmp_path / "bad.py").write_text("import requests\ndef f(:\n", encoding="utf-8")
    (tmp_path / "good.py").write_text("import requests\nrequests.get('u')\n", encoding="utf-8")
    result = invoke("check", str(tmp_path), "--no-cache", "--format", "concise")
    assert result.exit_code == 1
    assert "bad.py:2:" in result.stdout and "parse-error" in result.stdout
    assert "good.py:2:1: ARC401" in result.stdout


def test_rules_and_explain():
    listing = invoke("rules").stdout
    assert "ARC301" in listing and "sql-string-building" in listing and "ARC401" in listing
    doc = invoke("explain", "external-call-without-timeout").stdout
    assert "ARC401" in doc and "What it does" in doc


def test_python_dash_m_entry_point():
    proc = subprocess.run([sys.executable, "-m", "archlint", "--version"], capture_output=True,
                          text=True, check=False)
    assert proc.returncode == 0 and proc.stdout.strip() == f"archlint {__version__}"


def test_sarif_from_the_cli_is_schema_valid_and_carries_related_locations():
    import jsonschema

    from _sarif_schema import sarif_schema

    result = invoke("check", str(DEMO), "--format", "sarif", "--no-cache")
    assert result.exit_code == 1
    log = json.loads(result.stdout)
    jsonschema.Draft4Validator(sarif_schema()).validate(log)
    run = log["runs"][0]
    assert {r["id"] for r in run["tool"]["driver"]["rules"]} >= {"ARC301", "ARC401"}
    sql = [r for r in run["results"] if r["ruleId"] == "ARC301"]
    assert sql and all(r["partialFingerprints"]["primaryLocationLineHash"] for r in sql)
    # the query in search() is built on other lines than the execute() call
    assert any(r.get("relatedLocations") for r in sql)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert all(u.endswith(".py") and not u.startswith("/") for u in uris)


def test_sarif_of_a_layer_chain_links_the_other_files_of_the_chain():
    import jsonschema

    from _sarif_schema import sarif_schema

    fixture = FIXTURES / "rules" / "ARC102"
    result = invoke("check", str(fixture), "--format", "sarif", "--no-cache", "--select", "ARC1")
    log = json.loads(result.stdout)
    jsonschema.Draft4Validator(sarif_schema()).validate(log)
    [chain] = [r for r in log["runs"][0]["results"] if "through" in r["message"]["text"]]
    assert chain["level"] == "warning"
    [related] = chain["relatedLocations"]
    uri = related["physicalLocation"]["artifactLocation"]["uri"]
    assert uri.endswith("src/shop/shared/clock.py") and "[shop.shared.clock imports" in (
        chain["message"]["text"]
    )


def test_off_by_default_rule_runs_only_when_selected_by_exact_code_or_name(tmp_path):
    (tmp_path / "customer.py").write_text(
        "class Customer:\n"
        "    def get_name(self):\n"
        "        return self._name\n"
        "\n"
        "    def set_name(self, name):\n"
        "        self._name = name\n",
        encoding="utf-8",
    )

    def codes(*select: str) -> list[str]:
        result = invoke("check", str(tmp_path), "--format", "json", "--no-cache", *select)
        return [f["code"] for f in json.loads(result.stdout)["findings"]]

    assert codes() == []
    assert codes("--select", "ARC") == []
    assert codes("--select", "ARC2") == []
    assert codes("--select", "ARC202") == ["ARC202"]
    assert codes("--select", "trivial-accessors") == ["ARC202"]
    # the most specific selector wins: the exact code beats an ignored prefix, not the reverse
    assert codes("--select", "ARC202", "--ignore", "ARC2") == ["ARC202"]
    assert codes("--select", "ARC202", "--ignore", "trivial-accessors") == []
