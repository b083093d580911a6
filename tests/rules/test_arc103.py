"""ARC103 import-contract-broken: sample projects checked by archlint and by the real lint-imports
(same verdict per contract), and the configurations it must survive (notes, never a crash)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from importlinter.contracts.forbidden import ForbiddenContract

from archlint.api import CheckOptions, check
from archlint.config import settings_from_table
from archlint.model import Finding, NotificationKind
from archlint.rules.architecture._contracts import built_in_contract_types
from archlint.rules.architecture.import_contract_broken import ImportContractBroken
from _support import FIXTURES, REPO, expected_lines

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
SAMPLES = {  # sample project -> the folder lint-imports needs on PYTHONPATH
    "contracts_ini": "src",
    "contracts_toml": ".",
    "contracts_setupcfg": ".",
    "../rules/ARC103": ".",
}


def scan(root: Path, paths=None, **table):
    settings = settings_from_table(table, root=root)
    report = check(paths or [root], settings, CheckOptions(jobs=1, use_cache=False),
                   rules=[ImportContractBroken])
    notes = [n.message for n in report.notifications]
    assert all(n.kind is NotificationKind.RULE_NOTE for n in report.notifications), notes
    return report.findings, notes


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(textwrap.dedent(text), encoding="utf-8")
    return root


def broken_by_archlint(findings: list[Finding]) -> set[str]:
    names: set[str] = set()
    for finding in findings:
        first = re.match(r'import-linter contract "(.+?)" \(', finding.message)
        assert first, finding.message
        names.add(first.group(1))
        also = re.search(r"; it also breaks (.+)$", finding.message)
        if also:
            names.update(re.findall(r'"([^"]+)"', also.group(1)))
    return names


def lint_imports(project: Path, pythonpath: str) -> tuple[int, dict[str, bool]]:
    """Run the real tool; its verdict per contract (True: kept)."""
    env = {**os.environ, "PYTHONPATH": str(project / pythonpath), "COLUMNS": "300",
           "NO_COLOR": "1"}
    done = subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=project,
                          env=env, capture_output=True, text=True, timeout=120)
    verdicts = {}
    for line in done.stdout.splitlines():
        match = re.match(r"^(.+?) (KEPT|BROKEN)(?: \(.*\))?$", line.strip())
        if match:
            verdicts[match.group(1)] = match.group(2) == "KEPT"
    return done.returncode, verdicts


# -- sample projects: archlint's findings where the markers say, lint-imports' verdicts ---------


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_sample_project_findings_match_markers(sample):
    folder = (FIXTURES / "projects" / sample).resolve()
    expected = {
        (path.relative_to(folder).as_posix(), line)
        for path in folder.rglob("*.py")
        for line in expected_lines(path.read_text(encoding="utf-8"), "ARC103")
    }
    findings, notes = scan(folder)
    assert notes == []
    assert {(f.path, f.span.line) for f in findings} == expected


@pytest.mark.parametrize("sample", sorted(SAMPLES))
def test_sample_project_verdicts_match_lint_imports(sample):
    folder = (FIXTURES / "projects" / sample).resolve()
    code, verdicts = lint_imports(folder, SAMPLES[sample])
    assert verdicts, f"lint-imports printed no verdicts (exit {code})"
    findings, _ = scan(folder)
    assert broken_by_archlint(findings) == {name for name, kept in verdicts.items() if not kept}
    assert code == (1 if findings else 0)


def test_own_repository_keeps_its_contracts_like_lint_imports():
    findings, notes = scan(REPO, [REPO / "src"])
    assert (findings, notes) == ([], [])
    code, verdicts = lint_imports(REPO, "src")
    assert code == 0 and verdicts and all(verdicts.values()), verdicts


def test_own_repository_breach_is_found_like_lint_imports(tmp_path):
    """The test above can fail: the same check on a copy of archlint with one bad import."""
    shutil.copytree(REPO / "src", tmp_path / "src")
    shutil.copy(REPO / ".importlinter", tmp_path / ".importlinter")
    model = tmp_path / "src" / "archlint" / "model.py"
    model.write_text(model.read_text(encoding="utf-8") + "\nfrom archlint import config\n",
                     encoding="utf-8")
    line = len(model.read_text(encoding="utf-8").splitlines())
    findings, notes = scan(tmp_path, [tmp_path / "src"])
    assert notes == []
    assert ("src/archlint/model.py", line) in {(f.path, f.span.line) for f in findings}
    code, verdicts = lint_imports(tmp_path, "src")
    assert code == 1
    assert broken_by_archlint(findings) == {name for name, kept in verdicts.items() if not kept}


# -- findings: where, what, how often ---------------------------------------------------------

FORBIDDEN = """\
[importlinter]
root_package = app

[importlinter:contract:pure]
name = core stays pure
type = forbidden
source_modules = app.core
forbidden_modules =
    app.web
    app.db
"""


def test_message_names_contract_chain_and_help_names_ignore_imports(tmp_path):
    write(tmp_path, {
        ".importlinter": FORBIDDEN,
        "app/__init__.py": "", "app/web.py": "", "app/db.py": "",
        "app/core.py": "from app import util\n",
        "app/util.py": "import app.web\n",
    })
    [finding], notes = scan(tmp_path)
    assert notes == []
    assert (finding.path, finding.span.line, finding.span.column) == ("app/core.py", 1, 0)
    assert finding.message == (
        'import-linter contract "core stays pure" (.importlinter) is broken: app.core must not '
        "import app.web: app.core -> app.util -> app.web"
    )
    assert ("`app.core -> app.util` to the contract's ignore_imports in .importlinter"
            in finding.help)
    assert [(r.path, r.span.line, r.message) for r in finding.related] == [
        ("app/util.py", 1, "app.util imports app.web")
    ]


def test_one_finding_per_line_however_many_chains_start_there(tmp_path):
    write(tmp_path, {
        ".importlinter": FORBIDDEN,
        "app/__init__.py": "", "app/web.py": "", "app/db.py": "",
        "app/core.py": "import app.web, app.db\n\n\ndef late():\n    import app.web\n",
    })
    findings, _ = scan(tmp_path)
    assert [(f.path, f.span.line) for f in findings] == [("app/core.py", 1), ("app/core.py", 5)]
    assert "(and 1 more chain from this import)" in findings[0].message


def test_other_first_imports_of_a_chain_are_reported_too(tmp_path):
    """A layers route with two heads (import-linter's extra_firsts): both lines are reported."""
    write(tmp_path, {
        ".importlinter": """\
            [importlinter]
            root_package = app

            [importlinter:contract:layers]
            name = high above low
            type = layers
            layers =
                app.high
                app.low
            """,
        "app/__init__.py": "", "app/high.py": "", "app/low/__init__.py": "",
        "app/low/a.py": "from app import mid\n",
        "app/low/b.py": "\nfrom app import mid\n",
        "app/mid.py": "import app.high\n",
    })
    findings, _ = scan(tmp_path)
    assert {(f.path, f.span.line) for f in findings} == {("app/low/a.py", 1), ("app/low/b.py", 2)}
    assert all("-> app.mid -> app.high" in f.message for f in findings)


def test_two_contracts_on_one_line_give_one_finding(tmp_path):
    write(tmp_path, {
        ".importlinter": FORBIDDEN + textwrap.dedent("""
            [importlinter:contract:layers]
            name = web above core
            type = layers
            layers =
                app.web
                app.core
            """),
        "app/__init__.py": "", "app/web.py": "", "app/db.py": "",
        "app/core.py": "import app.web\n",
    })
    [finding], notes = scan(tmp_path)
    assert notes == []
    assert finding.message.endswith('; it also breaks "web above core"')


@pytest.mark.skipif(not hasattr(ForbiddenContract, "broken_contract_guidance"),
                    reason="broken_contract_guidance came with import-linter 2.14")
def test_the_contracts_own_guidance_is_in_the_help(tmp_path):
    write(tmp_path, {
        ".importlinter": FORBIDDEN + "broken_contract_guidance = ask the core team first\n",
        "app/__init__.py": "", "app/web.py": "", "app/db.py": "",
        "app/core.py": "import app.web\n",
    })
    [finding], _ = scan(tmp_path)
    assert finding.help.endswith("The contract's guidance: ask the core team first")


@pytest.mark.skipif("private_modules" not in built_in_contract_types(),
                    reason="the private_modules contract type came with import-linter 2.17")
def test_private_module_imported_from_outside_its_package(tmp_path):
    write(tmp_path, {
        ".importlinter": """\
            [importlinter]
            root_package = app

            [importlinter:contract:private]
            name = private stays private
            type = private_modules
            """,
        "app/__init__.py": "", "app/web.py": "from app.store import _cache\n",
        "app/store/__init__.py": "", "app/store/_cache.py": "",
        "app/store/api.py": "from app.store import _cache\nfrom . import _cache as again\n",
    })
    [finding], notes = scan(tmp_path)
    assert ((finding.path, finding.span.line), notes) == (("app/web.py", 1), [])
    assert ("app.store._cache is private to app.store; only app.store and its descendants may "
            "import it: app.web -> app.store._cache") in finding.message


# -- graph options: each config's own, not archlint's ------------------------------------------

TYPING = {
    "app/__init__.py": "", "app/web.py": "",
    "app/core.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import app.web\n",
}


@pytest.mark.parametrize(("exclude", "archlint_typing", "reported"), [
    ("True", "report", False),
    ("False", "ignore", True),
])
def test_type_checking_imports_follow_the_config_not_archlint(tmp_path, exclude,
                                                              archlint_typing, reported):
    config = FORBIDDEN.replace("root_package = app\n",
                               f"root_package = app\nexclude_type_checking_imports = {exclude}\n")
    write(tmp_path, {**TYPING, "app/db.py": "", ".importlinter": config})
    findings, notes = scan(tmp_path, **{"typing-imports": archlint_typing})
    assert notes == []
    assert [(f.path, f.span.line) for f in findings] == ([("app/core.py", 3)] if reported else [])


def test_forbidden_external_package_needs_include_external_packages(tmp_path):
    contract = """\
        [importlinter]
        root_package = app
        {session}
        [importlinter:contract:nohttp]
        name = no http in core
        type = forbidden
        source_modules = app.core
        forbidden_modules = requests
        """
    files = {"app/__init__.py": "", "app/core.py": "import os\nimport requests.adapters\n"}
    write(tmp_path, {**files, ".importlinter": contract.format(
        session="include_external_packages = True")})
    [finding], notes = scan(tmp_path)
    assert (finding.span.line, notes) == (2, [])
    assert "app.core -> requests" in finding.message

    write(tmp_path, {".importlinter": contract.format(session="")})
    findings, notes = scan(tmp_path)
    assert findings == []
    assert notes == [".importlinter: contract 'no http in core' could not be checked: The top "
                     "level configuration must have include_external_packages=True when there "
                     "are external forbidden modules."]


def test_import_module_calls_are_not_in_the_graph_as_for_lint_imports(tmp_path):
    write(tmp_path, {
        ".importlinter": FORBIDDEN,
        "app/__init__.py": "", "app/web.py": "", "app/db.py": "",
        "app/core.py": "import importlib\nweb = importlib.import_module('app.web')\n",
    })
    assert scan(tmp_path) == ([], [])


def test_modules_outside_the_root_packages_are_not_in_the_graph(tmp_path):
    """grimp builds the graph from the root packages only: a chain through `scripts` is not one."""
    write(tmp_path, {
        ".importlinter": FORBIDDEN,
        "app/__init__.py": "", "app/web.py": "", "app/db.py": "",
        "app/core.py": "import scripts.tool\n",
        "scripts/__init__.py": "", "scripts/tool.py": "import app.web\n",
    })
    assert scan(tmp_path) == ([], [])


# -- what it cannot check: a note, and the scan goes on ----------------------------------------


def test_custom_contract_type_is_skipped_with_a_note_and_never_imported(tmp_path):
    config = FORBIDDEN.replace(
        "root_package = app\n",
        "root_package = app\ncontract_types =\n    mine: app.contracts.MyContract\n",
    ) + "\n[importlinter:contract:custom]\nname = my own rule\ntype = mine\n"
    write(tmp_path, {
        ".importlinter": config,
        "app/__init__.py": "", "app/web.py": "", "app/db.py": "",
        "app/contracts.py": "raise SystemExit('archlint must never import this')\n",
        "app/core.py": "import app.web\n",
    })
    findings, notes = scan(tmp_path)
    assert [f.path for f in findings] == ["app/core.py"]
    assert notes == [
        ".importlinter: contract 'my own rule' is of the custom type 'mine' "
        "(app.contracts.MyContract); archlint never imports project code, so it was not checked "
        "(lint-imports checks it)"
    ]


@pytest.mark.parametrize(("contract", "note"), [
    ("name = no layers\ntype = layers\n",
     ".importlinter: contract 'no layers' has invalid options (layers: This is a required "
     "field.); it was not checked"),
    ("name = odd\ntype = telepathy\n",
     ".importlinter: contract 'odd' has the unknown type 'telepathy'"),
    ("name = missing module\ntype = forbidden\nsource_modules = app.nowhere\n"
     "forbidden_modules = app.web\n",
     ".importlinter: contract 'missing module' could not be checked: Module 'app.nowhere' does "
     "not exist."),
    ("name = stale ignore\ntype = independence\nmodules =\n    app.web\n    app.db\n"
     "ignore_imports = app.web -> app.db\n",
     ".importlinter: contract 'stale ignore' could not be checked: No matches for ignored "
     "import app.web -> app.db."),
    ("type = forbidden\n", ".importlinter: contract 'bad' has no name; it was not checked"),
])
def test_invalid_contract_is_noted_and_the_others_still_run(tmp_path, contract, note):
    write(tmp_path, {
        ".importlinter": FORBIDDEN + "\n[importlinter:contract:bad]\n" + contract,
        "app/__init__.py": "", "app/web.py": "", "app/db.py": "",
        "app/core.py": "import app.web\n",
    })
    findings, notes = scan(tmp_path)
    assert [f.path for f in findings] == ["app/core.py"]
    assert len(notes) == 1 and notes[0].startswith(note), notes


@pytest.mark.parametrize(("files", "note"), [
    ({".importlinter": "[importlinter\nroot_package = app\n"},
     ".importlinter: cannot read the import-linter configuration: File contains no section "
     "headers."),
    ({"pyproject.toml": "[tool.importlinter]\nroot_package = app\n[[oops\n"},
     "pyproject.toml: cannot read the import-linter configuration: "),
    ({".importlinter": "[importlinter]\ninclude_external_packages = True\n"},
     ".importlinter: the [importlinter] section sets neither root_package nor root_packages"),
    ({"setup.cfg": "[importlinter]\nroot_package = app\n"},
     "setup.cfg: no import-linter contracts found"),
    ({".importlinter": FORBIDDEN.replace("= app\n", "= nothere\n", 1)},
     ".importlinter: root package 'nothere' is not among the scanned modules"),
    ({".importlinter": FORBIDDEN.replace("= app\n", "= solo\n", 1), "solo.py": ""},
     ".importlinter: root package 'solo' is a module, not a package"),
])
def test_unusable_configuration_is_a_note_not_a_crash(tmp_path, files, note):
    write(tmp_path, {"app/__init__.py": "", "app/core.py": "import app.web\n", "app/web.py": "",
                     **files})
    findings, notes = scan(tmp_path)
    assert findings == []
    assert len(notes) == 1 and notes[0].startswith(note), notes


def test_no_configuration_no_findings(tmp_path):
    write(tmp_path, {"app/__init__.py": "", "app/core.py": "import app.web\n", "app/web.py": "",
                     "pyproject.toml": "[project]\nname = 'app'\n"})
    assert scan(tmp_path) == ([], [])


def test_config_option_reads_the_named_files_instead(tmp_path):
    write(tmp_path, {
        "app/__init__.py": "", "app/web.py": "", "app/db.py": "",
        "app/core.py": "import app.web\n",
        "contracts/strict.ini": FORBIDDEN,
        ".importlinter": FORBIDDEN.replace("app.web\n", "app.db\n"),
    })
    rules = {"rules": {"ARC103": {"config": ["contracts/strict.ini", "missing.ini"]}}}
    findings, notes = scan(tmp_path, **rules)
    assert [f.message.split(" is broken")[0] for f in findings] == [
        'import-linter contract "core stays pure" (contracts/strict.ini)'
    ]
    assert notes == ["missing.ini: file not found (ARC103's `config` option names it); its "
                     "contracts were not checked"]


def test_a_missing_root_package_is_noted_only_when_the_whole_project_was_scanned(tmp_path):
    from archlint.api import CheckOptions, check
    from archlint.config import Settings
    from archlint.rules.architecture.import_contract_broken import ImportContractBroken

    (tmp_path / ".importlinter").write_text(
        "[importlinter]\nroot_package = shop\n\n[importlinter:contract:one]\nname = one\n"
        "type = forbidden\nsource_modules = shop.a\nforbidden_modules = shop.b\n",
        encoding="utf-8",
    )
    (tmp_path / "scripts").mkdir()
    (tmp_path / "scripts" / "tool.py").write_text("import os\n", encoding="utf-8")
    settings = Settings(root=tmp_path)
    options = CheckOptions(jobs=1, use_cache=False)
    whole = check([tmp_path], settings, options, rules=[ImportContractBroken])
    assert [n.message for n in whole.notifications] == [
        ".importlinter: root package 'shop' is not among the scanned modules; its contracts "
        "were not checked"
    ]
    part = check([tmp_path / "scripts"], settings, options, rules=[ImportContractBroken])
    assert part.notifications == []
