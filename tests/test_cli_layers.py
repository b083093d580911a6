"""`archlint layers` and `archlint init`, through typer's runner, on sample projects and on small
projects written into tmp_path."""

from __future__ import annotations

import json
import shutil
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from _support import FIXTURES
from archlint.cli import app
from archlint.config import load_settings

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

CLEAN_SHOP = FIXTURES / "projects" / "clean_shop"
ALLOCATION = FIXTURES / "projects" / "allocation"
runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def flat(text: str) -> str:
    return " ".join(text.split())


def layers_json(*args) -> dict:
    result = invoke("layers", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def layer_of_each_module(data: dict) -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for layer, groups in data["layers"].items():
        for group in groups:
            found.update(dict.fromkeys(group["modules"], layer))
    for group in data["unlayered"]:
        found.update(dict.fromkeys(group["modules"]))
    return found


def write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def copy(project: Path, tmp_path: Path) -> Path:
    return Path(shutil.copytree(project, tmp_path / project.name))


# -- archlint layers ---------------------------------------------------------------------------


def test_layers_of_the_src_layout_sample():
    result = invoke("layers", CLEAN_SHOP)
    assert result.exit_code == 0, result.output
    out = flat(result.stdout)
    assert "from folder names" in out
    for line in ('domain (4 modules) └── shop.domain (4 modules, folder "domain")',
                 'application (2 modules) └── shop.application (2 modules, folder '
                 '"application")',
                 'infrastructure (2 modules) └── shop.infrastructure (2 modules, folder '
                 '"infrastructure")',
                 'interface (2 modules) └── shop.api (2 modules, folder "api")',
                 "no layer (3 modules) ├── shop (2 modules) └── tests (1 module)"):
        assert line in out
    assert "shop.domain.order" not in out  # collapsed without --all
    full = flat(invoke("layers", CLEAN_SHOP, "--all").stdout)
    assert "shop.domain.order" in full and "shop.main" in full and "tests.test_order" in full


def test_layers_of_the_flat_cosmic_python_sample():
    data = layers_json(ALLOCATION)
    assert data["source"] == "folder-names"
    assert {layer: [(g["root"], g["reason"]) for g in groups]
            for layer, groups in data["layers"].items()} == {
        "domain": [("allocation.domain", 'folder "domain"')],
        "application": [("allocation.service_layer", 'folder "service_layer"')],
        "infrastructure": [("allocation.adapters", 'folder "adapters"')],
        "interface": [("allocation.entrypoints", 'folder "entrypoints"')],
    }
    modules = layer_of_each_module(data)
    assert modules["allocation.domain.model"] == "domain"
    assert modules["allocation.adapters.sqlalchemy_uow"] == "infrastructure"
    assert modules["allocation.config"] is None and modules["tests.unit.test_handlers"] is None


def test_layers_reads_the_config_and_discovers_files_like_check(tmp_path):
    write(tmp_path, {
        "pyproject.toml": '[tool.archlint]\nexclude = ["legacy/"]\n'
                          '[tool.archlint.layers]\ndomain = ["app.core"]\n'
                          'interface = ["app.http", "app.cli"]\n',
        ".gitignore": "generated/\n",
        "app/__init__.py": "",
        "app/core/rules.py": "",
        "app/http/views.py": "",
        "app/domain/order.py": "",  # a folder name, but with config only patterns count
        "legacy/app_old.py": "",
        "generated/client.py": "",
    })
    data = layers_json(tmp_path)
    assert data["source"] == "config"
    assert data["config"] == str(tmp_path / "pyproject.toml")
    assert data["layers"]["domain"] == [
        {"root": "app.core", "reason": 'pattern "app.core"', "modules": ["app.core.rules"]}]
    assert data["layers"]["interface"][0]["reason"] == 'pattern "app.http"'
    modules = layer_of_each_module(data)
    assert modules["app.domain.order"] is None
    assert "legacy.app_old" not in modules and "generated.client" not in modules
    # The same set of files as `check` scans.
    checked = json.loads(invoke("check", tmp_path, "--format", "json", "--no-cache").stdout)
    assert checked["summary"]["files"] == len(modules)
    text = flat(invoke("layers", tmp_path).stdout)
    assert f"from the patterns of [tool.archlint.layers] in {tmp_path / 'pyproject.toml'}" in text
    no_config = layers_json(tmp_path, "--no-config")
    assert layer_of_each_module(no_config)["app.domain.order"] == "domain"


def test_layers_never_parses_a_file(tmp_path):
    write(tmp_path, {"pyproject.toml": "", "app/domain/broken.py": "def f(:\n"})
    (tmp_path / "app/domain/latin1.py").write_bytes(b"x = '\xe9'\n")
    data = layers_json(tmp_path)
    assert data["layers"]["domain"][0]["modules"] == ["app.domain.broken", "app.domain.latin1"]
    assert data["notifications"] == []


def test_modules_in_no_layer_are_grouped_by_package(tmp_path):
    files = {"pyproject.toml": "", "shop/__init__.py": "", "shop/domain/__init__.py": "",
             "shop/settings.py": "", "manage.py": ""}
    files.update({f"tests/unit/test_{i}.py": "" for i in range(40)})
    files.update({f"shop/orders/migrations/m{i:04}.py": "" for i in range(30)})
    data = layers_json(write(tmp_path, files))
    groups = {g["root"]: len(g["modules"]) for g in data["unlayered"]}
    assert groups == {"": 1, "shop": 2, "shop.orders": 30, "tests.unit": 40}
    out = flat(invoke("layers", tmp_path).stdout)
    assert "tests.unit (40 modules)" in out and "shop.orders (30 modules)" in out
    assert "(top-level modules) (1 module)" in out
    assert "test_17" not in out and "--all lists every module" in out
    assert "tests.unit.test_17" in invoke("layers", tmp_path, "--all").stdout


def test_files_without_a_module_name_are_shown_by_folder(tmp_path):
    write(tmp_path, {"pyproject.toml": "", "app/api/routes.py": "",
                     "app/migrations/0001_initial.py": "", "app/migrations/0002_more.py": "",
                     "deploy-tools/run.py": ""})
    data = layers_json(tmp_path)
    assert data["unnamed"] == ["app/migrations/0001_initial.py",
                               "app/migrations/0002_more.py", "deploy-tools/run.py"]
    out = flat(invoke("layers", tmp_path).stdout)
    assert ("no module name (3 files) ├── app/migrations/ (2 files) "
            "└── deploy-tools/ (1 file)") in out


@pytest.mark.parametrize("args, needle", [
    (("layers", "does/not/exist"), "does/not/exist: no such file or directory"),
    (("layers", ".", "--config", "nope.toml"), "nope.toml: config file not found"),
])
def test_layers_usage_errors_exit_2(args, needle):
    result = invoke(*args)
    assert result.exit_code == 2
    assert needle in flat(result.output)


def test_layers_with_a_broken_config_exits_2(tmp_path):
    write(tmp_path, {"pyproject.toml": '[tool.archlint.layers]\ncore = ["app.core"]\n'})
    result = invoke("layers", tmp_path)
    assert result.exit_code == 2
    assert "tool.archlint.layers.core: unknown layer" in flat(result.output)


# -- archlint init -----------------------------------------------------------------------------


@pytest.mark.parametrize("sample", [CLEAN_SHOP, ALLOCATION], ids=["src-layout", "flat"])
def test_init_writes_the_layers_that_layers_showed(sample, tmp_path):
    project = copy(sample, tmp_path)
    before_bytes = (project / "pyproject.toml").read_bytes()
    shown = layers_json(project)

    result = invoke("init", project)
    assert result.exit_code == 0, result.output
    after_bytes = (project / "pyproject.toml").read_bytes()
    # Nothing outside the new table changed: the old file is a prefix of the new one.
    assert after_bytes.startswith(before_bytes)
    added = after_bytes[len(before_bytes):].decode()
    assert added.startswith("\n[tool.archlint]\n")
    assert added.strip() in result.stdout  # printed as written

    settings = load_settings(project)
    assert settings.config_path == project / "pyproject.toml"
    assert settings.select == ("ARC",)
    roots = {layer: [g["root"] for g in groups] for layer, groups in shown["layers"].items()}
    assert dict(settings.layers) == {layer: tuple(r) for layer, r in roots.items()}

    again = layers_json(project)
    assert again["source"] == "config"
    assert layer_of_each_module(again) == layer_of_each_module(shown)
    assert all(g["reason"] == f'pattern "{g["root"]}"'
               for groups in again["layers"].values() for g in groups)
    # The layers init wrote leave the architecture rules clean; the other families judge the
    # samples' code itself (the flat sample's engine, say, has no pool bounds: ARC302).
    check = invoke("check", project, "--no-cache", "--format", "json", "--select", "ARC1")
    assert check.exit_code == 0, check.output


def test_init_keeps_comments_other_tables_and_line_endings(tmp_path):
    original = (
        b"# top comment\r\n"
        b"[project]\r\n"
        b"name = \"x\"   # trailing comment, odd spacing\r\n"
        b"\r\n"
        b"[tool.ruff]\r\n"
        b"line-length = 100\r\n"
        b"[tool.ruff.lint]\r\n"
        b"select = [\r\n    \"E\",  # errors\r\n]\r\n"
        b"\r\n"
        b"[[tool.mypy.overrides]]\r\n"
        b"module = \"a.*\"\r\n"
        b"# last line comment, no newline"
    )
    write(tmp_path, {"app/domain/order.py": "", "app/adapters/db.py": ""})
    (tmp_path / "pyproject.toml").write_bytes(original)
    result = invoke("init", tmp_path)
    assert result.exit_code == 0, result.output
    written = (tmp_path / "pyproject.toml").read_bytes()
    assert written.startswith(original)
    added = written[len(original):]
    assert b"\n" not in added.replace(b"\r\n", b"")  # the file's own line endings
    data = tomllib.loads(written.decode())
    assert data["tool"]["ruff"]["lint"]["select"] == ["E"]
    assert data["tool"]["mypy"]["overrides"] == [{"module": "a.*"}]
    assert data["tool"]["archlint"] == {
        "select": ["ARC"],
        "layers": {"domain": ["app.domain"], "infrastructure": ["app.adapters"]},
    }


def test_init_refuses_when_archlint_is_configured(tmp_path):
    write(tmp_path, {"app/domain/order.py": ""})
    text = '[project]\nname = "x"\n\n[tool.archlint]\nignore = ["ARC401"]\n'
    (tmp_path / "pyproject.toml").write_text(text, encoding="utf-8")
    result = invoke("init", tmp_path)
    assert result.exit_code == 2
    assert f"archlint is already configured in {tmp_path / 'pyproject.toml'}" in flat(
        result.output)
    assert (tmp_path / "pyproject.toml").read_text(encoding="utf-8") == text


def test_init_refuses_beside_an_archlint_toml(tmp_path):
    write(tmp_path, {"pyproject.toml": '[project]\nname = "x"\n', "archlint.toml": "",
                     "app/domain/order.py": ""})
    result = invoke("init", tmp_path)
    assert result.exit_code == 2
    assert "archlint.toml" in flat(result.output)
    assert (tmp_path / "pyproject.toml").read_text(encoding="utf-8") == '[project]\nname = "x"\n'


def test_init_without_pyproject_writes_archlint_toml(tmp_path):
    (tmp_path / ".git").mkdir()  # the project root
    write(tmp_path, {"svc/domain/order.py": "", "svc/api/routes.py": ""})
    result = invoke("init", tmp_path / "svc")
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "pyproject.toml").exists()
    assert f"created {tmp_path / 'archlint.toml'}" in flat(result.stdout)
    settings = load_settings(tmp_path / "svc")
    assert settings.config_path == tmp_path / "archlint.toml"
    assert dict(settings.layers) == {"domain": ("svc.domain",), "interface": ("svc.api",)}


def test_init_dry_run_writes_nothing(tmp_path):
    write(tmp_path, {"pyproject.toml": '[project]\nname = "x"\n', "app/domain/order.py": ""})
    result = invoke("init", tmp_path, "--dry-run")
    assert result.exit_code == 0
    assert "would add to" in flat(result.stdout) and 'domain = ["app.domain"]' in result.stdout
    assert (tmp_path / "pyproject.toml").read_text(encoding="utf-8") == '[project]\nname = "x"\n'


def test_init_with_no_layer_folders_writes_select_and_a_hint(tmp_path):
    write(tmp_path, {"pyproject.toml": "", "app/models.py": "", "app/views.py": ""})
    result = invoke("init", tmp_path)
    assert result.exit_code == 0, result.output
    text = (tmp_path / "pyproject.toml").read_text(encoding="utf-8")
    assert "No layer folders were found" in text
    assert tomllib.loads(text) == {"tool": {"archlint": {"select": ["ARC"]}}}
    assert load_settings(tmp_path).layers == {}


@pytest.mark.parametrize("text, needle", [
    ('tool = { ruff = { line-length = 100 } }\n', "cannot append [tool.archlint]"),
    ('[project\nname = "x"\n', "invalid TOML"),
])
def test_init_leaves_a_pyproject_it_cannot_extend_alone(tmp_path, text, needle):
    write(tmp_path, {"pyproject.toml": text, "app/domain/order.py": ""})
    result = invoke("init", tmp_path)
    assert result.exit_code == 2
    assert needle in flat(result.output)
    assert (tmp_path / "pyproject.toml").read_text(encoding="utf-8") == text
