"""The GitHub Action (action.yml at the repository root) and the code-scanning workflow using it.

Static checks read the YAML (inputs declared and used, SARIF format, the upload step). The
end-to-end test runs the composite action's own shell steps here, the way a runner does
(`bash --noprofile --norc -eo pipefail`, inputs and expressions given through env, GITHUB_ENV and
GITHUB_OUTPUT files), on a copy of a fixture project: the install step really builds archlint
from this checkout into a fresh virtualenv (pip, about 15 s), the scan step really writes SARIF.
Only the upload step (`uses: github/codeql-action/upload-sarif`) cannot run off GitHub: the test
checks that it would run, and with which file and category.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

REPO = Path(__file__).resolve().parent.parent
ACTION = REPO / "action.yml"
WORKFLOW = REPO / ".github" / "workflows" / "code-scanning.yml"
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def load(path: Path) -> dict[str, Any]:
    # PyYAML reads a bare `on:` key as True: give it back its name
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in doc:
        doc["on"] = doc.pop(True)
    return doc


@pytest.fixture(scope="module")
def action() -> dict[str, Any]:
    return load(ACTION)


def steps(action: dict[str, Any]) -> list[dict[str, Any]]:
    return action["runs"]["steps"]


def expressions(node: Any) -> list[str]:
    if isinstance(node, dict):
        return [e for value in node.values() for e in expressions(value)]
    if isinstance(node, list):
        return [e for value in node for e in expressions(value)]
    return EXPRESSION.findall(node) if isinstance(node, str) else []


# ---------------------------------------------------------------------------------------------
# action.yml
# ---------------------------------------------------------------------------------------------


def test_action_metadata(action):
    assert action["name"] and action["description"]
    assert action["runs"]["using"] == "composite"
    expected = {"paths", "args", "sarif-file", "upload", "category", "fail-on-findings"}
    assert expected <= set(action["inputs"])
    for name, spec in action["inputs"].items():
        assert spec.get("description"), f"input {name} has no description"
        assert spec.get("required", False) is False and "default" in spec, name
    defaults = {name: spec["default"] for name, spec in action["inputs"].items()}
    assert defaults["fail-on-findings"] == "false"  # findings never fail the job unless asked
    assert defaults["upload"] == "true"
    assert defaults["sarif-file"].endswith(".sarif")
    for step in steps(action):
        assert step.get("name")
        if "run" in step:
            assert step.get("shell") == "bash"  # composite run steps must name their shell


def test_every_input_used_is_declared_and_every_declared_input_is_used(action):
    used = set()
    for expr in expressions(action["runs"]) + expressions(action.get("outputs", {})):
        used.update(re.findall(r"\binputs\.([A-Za-z0-9_-]+)", expr))
    assert used == set(action["inputs"])


def test_no_expression_inside_a_script(action):
    """Inputs reach the scripts through env: pasted into a script, `${{ inputs.args }}` would be
    run as shell code (script injection)."""
    for step in steps(action):
        assert "${{" not in step.get("run", ""), step["name"]


def test_install_and_scan_steps(action):
    install, scan = [s for s in steps(action) if "run" in s][:2]
    assert install["env"]["ARCHLINT_ACTION_PATH"] == "${{ github.action_path }}"
    assert '"$ARCHLINT_ACTION_PATH"' in install["run"] and "pip install" in install["run"]
    assert scan["id"] == "scan"
    assert re.search(r'"\$ARCHLINT_BIN" check .*--format sarif --output "\$ARCHLINT_SARIF_FILE"',
                     scan["run"])  # fmt: skip
    assert "--exit-zero" in scan["run"]
    outputs = action["outputs"]
    assert outputs["sarif-file"]["value"] == "${{ steps.scan.outputs.sarif-file }}"


def test_upload_step(action):
    (upload,) = (s for s in steps(action) if "uses" in s)
    assert upload["uses"].startswith("github/codeql-action/upload-sarif@v")
    assert upload["if"] == "${{ inputs.upload == 'true' }}"
    assert upload["with"] == {
        "sarif_file": "${{ steps.scan.outputs.sarif-file }}",
        "category": "${{ inputs.category }}",
    }


# ---------------------------------------------------------------------------------------------
# .github/workflows/code-scanning.yml
# ---------------------------------------------------------------------------------------------


def test_code_scanning_workflow_uses_the_action(action):
    workflow = load(WORKFLOW)
    assert {"push", "pull_request"} <= set(workflow["on"])
    (job,) = workflow["jobs"].values()
    assert job["permissions"]["security-events"] == "write"  # upload-sarif needs it
    uses = [s for s in job["steps"] if s.get("uses") == "./"]
    assert len(uses) == 1, "the workflow runs this repository's own action (uses: ./)"
    assert set(uses[0].get("with", {})) <= set(action["inputs"])
    assert job["steps"][0]["uses"].startswith("actions/checkout@")


# ---------------------------------------------------------------------------------------------
# The action's steps, run here
# ---------------------------------------------------------------------------------------------


class Runner:
    """Runs a composite action's `run:` steps like a GitHub runner would, on this machine."""

    def __init__(self, action: dict[str, Any], workspace: Path, temp: Path) -> None:
        self.action = action
        self.workspace = workspace
        self.temp = temp
        self.env_file = temp / "github_env"
        self.env_file.touch()
        self.skipped_uses: list[dict[str, Any]] = []

    def github_env(self) -> dict[str, str]:
        pairs = (line.split("=", 1) for line in self.env_file.read_text().splitlines() if line)
        return dict(pairs)

    def evaluate(self, expr: str, inputs: dict[str, str], outputs: dict[str, str]) -> str:
        """The few expression shapes action.yml uses: a context value, `==`/`!=` a literal."""
        match = re.fullmatch(r"(\S+)\s*(==|!=)\s*'([^']*)'", expr)
        if match:
            left = self.evaluate(match[1], inputs, outputs)
            equal = left.lower() == match[3].lower()  # GitHub compares strings ignoring case
            return "true" if equal == (match[2] == "==") else "false"
        if expr.startswith("inputs."):
            return inputs[expr.removeprefix("inputs.")]
        if expr.startswith("steps.scan.outputs."):
            return outputs.get(expr.removeprefix("steps.scan.outputs."), "")
        if expr == "github.action_path":
            return str(REPO)
        raise AssertionError(f"the test's runner does not know the expression {expr!r}")

    def render(self, value: str, inputs: dict[str, str], outputs: dict[str, str]) -> str:
        return EXPRESSION.sub(lambda m: self.evaluate(m[1], inputs, outputs), str(value))

    def run(self, given: dict[str, str], only: tuple[str, ...] = ()) -> tuple[int, dict, str]:
        """Run the steps (those named in `only`, if given); return (exit code of the first
        failing step or 0, the scan step's outputs, the combined log)."""
        inputs = {name: str(spec["default"]) for name, spec in self.action["inputs"].items()}
        inputs.update(given)
        outputs: dict[str, str] = {}
        log = []
        for step in steps(self.action):
            if only and step["name"] not in only:
                continue
            if "if" in step and self.render(step["if"], inputs, outputs) != "true":
                continue
            if "uses" in step:
                self.skipped_uses.append(
                    {k: self.render(v, inputs, outputs) for k, v in step.get("with", {}).items()}
                )
                continue
            out_file = self.temp / f"output_{len(log)}"
            out_file.write_text("")
            env = {
                **os.environ,
                **self.github_env(),
                "GITHUB_ENV": str(self.env_file),
                "GITHUB_OUTPUT": str(out_file),
                "GITHUB_WORKSPACE": str(self.workspace),
                "RUNNER_TEMP": str(self.temp),
            }
            env.pop("VIRTUAL_ENV", None)
            env.update({k: self.render(v, inputs, outputs) for k, v in step.get("env", {}).items()})
            proc = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
                cwd=self.workspace, env=env, capture_output=True, text=True, timeout=600,
                check=False,
            )  # fmt: skip
            log.append(f"--- {step['name']} (exit {proc.returncode})\n{proc.stdout}{proc.stderr}")
            if step.get("id") == "scan":
                outputs.update(
                    line.split("=", 1) for line in out_file.read_text().splitlines() if line
                )
            if proc.returncode != 0:
                return proc.returncode, outputs, "\n".join(log)
        return 0, outputs, "\n".join(log)


@pytest.fixture(scope="module")
def installed(action, tmp_path_factory) -> Runner:
    """The install step, run once: archlint built from this checkout into a fresh virtualenv."""
    if shutil.which("bash") is None:
        pytest.skip("bash not found: the action's steps are bash scripts")
    temp = tmp_path_factory.mktemp("runner")
    workspace = tmp_path_factory.mktemp("workspace")
    runner = Runner(action, workspace, temp)
    code, _, log = runner.run({"python": sys.executable}, only=(steps(action)[0]["name"],))
    assert code == 0, log
    binary = Path(runner.github_env()["ARCHLINT_BIN"])
    assert binary.is_file() and binary.is_relative_to(temp)
    return runner


@pytest.fixture
def workspace(installed: Runner, tmp_path: Path) -> Runner:
    """A fresh checkout (a copy of the shop_api fixture project, a git root) for one run."""
    root = tmp_path / "checkout"
    shutil.copytree(REPO / "fixtures" / "projects" / "shop_api", root)
    (root / ".git").mkdir()
    installed.workspace = root
    installed.skipped_uses = []
    return installed


def scan_steps(action: dict[str, Any]) -> tuple[str, ...]:
    return tuple(s["name"] for s in steps(action)[1:])


def test_action_writes_sarif_and_uploads_without_failing_on_findings(action, workspace):
    code, outputs, log = workspace.run({"category": "backend"}, only=scan_steps(action))
    assert code == 0, log
    assert outputs == {"sarif-file": "archlint.sarif", "exit-code": "0"}
    sarif = json.loads((workspace.workspace / "archlint.sarif").read_text(encoding="utf-8"))
    results = sarif["runs"][0]["results"]
    assert results, "the shop_api fixture has findings"
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results}
    assert all(uri.startswith("src/shop/") for uri in uris), uris  # relative to the git root
    assert workspace.skipped_uses == [{"sarif_file": "archlint.sarif", "category": "backend"}]


def test_action_fails_on_findings_when_asked_but_uploads_first(action, workspace):
    code, outputs, log = workspace.run(
        {"fail-on-findings": "true", "sarif-file": "out/results.sarif", "paths": "src",
         "args": "--select ARC1"},
        only=scan_steps(action),
    )  # fmt: skip
    assert code == 1, log
    assert outputs["exit-code"] == "1"
    assert "archlint reported findings (exit code 1)" in log
    assert (workspace.workspace / "out" / "results.sarif").is_file()
    assert workspace.skipped_uses == [{"sarif_file": "out/results.sarif", "category": "archlint"}]
    sarif = json.loads((workspace.workspace / "out" / "results.sarif").read_text(encoding="utf-8"))
    assert {r["ruleId"][:4] for r in sarif["runs"][0]["results"]} == {"ARC1"}


def test_action_without_upload_and_with_a_bad_argument(action, workspace):
    code, _, log = workspace.run({"upload": "false"}, only=scan_steps(action))
    assert code == 0, log
    assert workspace.skipped_uses == []
    code, outputs, log = workspace.run({"args": "--select NOPE"}, only=scan_steps(action))
    assert code == 2, log  # a usage error fails the job even without fail-on-findings
    assert outputs["exit-code"] == "2" and "NOPE" in log
    assert workspace.skipped_uses == []  # nothing to upload
    code, _, log = workspace.run({"fail-on-findings": "maybe"}, only=scan_steps(action))
    assert code == 2 and "fail-on-findings must be true or false" in log
