from __future__ import annotations

from pathlib import Path

import pytest

from archlint.config import ConfigError, Settings, is_enabled, load_settings, settings_from_table
from archlint.rules.registry import by_code_or_name


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_found_by_walking_up_from_a_subfolder(tmp_path):
    write(tmp_path / "pyproject.toml", '[tool.archlint]\nignore = ["ARC401"]\n')
    sub = tmp_path / "src" / "pkg"
    sub.mkdir(parents=True)
    settings = load_settings(sub)
    assert settings.root == tmp_path and settings.ignore == ("ARC401",)
    assert settings.config_path == tmp_path / "pyproject.toml"


def test_pyproject_without_archlint_table_is_skipped(tmp_path):
    write(tmp_path / "archlint.toml", 'ignore = ["ARC3"]\n')
    write(tmp_path / "inner" / "pyproject.toml", "[project]\nname='x'\n")
    settings = load_settings(tmp_path / "inner")
    assert settings.config_path == tmp_path / "archlint.toml" and settings.ignore == ("ARC3",)


def test_no_config_uses_the_git_root(tmp_path):
    (tmp_path / ".git").mkdir()
    (tmp_path / "a").mkdir()
    settings = load_settings(tmp_path / "a")
    assert settings.root == tmp_path and settings.config_path is None


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ('[tool.archlint]\nselct = ["ARC"]\n', "tool.archlint.selct: unknown key"),
        ('[tool.archlint]\nselect = [\n', "invalid TOML"),
        ('[tool.archlint]\nselect = [1]\n', "tool.archlint.select: expected a list of strings"),
        ('[tool.archlint]\nselect = ["ARC9"]\n', "unknown rule selector 'ARC9'"),
        ('[tool.archlint]\ntyping-imports = "yes"\n', "tool.archlint.typing-imports"),
        ('[tool.archlint.rules.ARC301]\nno-such = 1\n', "tool.archlint.rules.ARC301.no-such: unknown option"),
        ('[tool.archlint.rules.ARC777]\n', "tool.archlint.rules.ARC777: unknown rule"),
        ('[tool.archlint.layers]\ndomian = ["x"]\n', "layers.domian: unknown layer"),
        ('[tool.archlint.per-file-ignores]\n"a/*" = ["nope"]\n', "unknown rule selector 'nope'"),
    ],
)
def test_bad_config_names_file_and_key(tmp_path, toml, needle):
    path = write(tmp_path / "pyproject.toml", toml)
    with pytest.raises(ConfigError) as info:
        load_settings(tmp_path)
    assert str(path) in str(info.value) and needle in str(info.value)


def test_rule_options_are_typed_and_validated(tmp_path):
    rule = by_code_or_name("ARC301")
    from dataclasses import fields

    first = fields(rule.Options)[0]
    key = first.name.replace("_", "-")
    write(tmp_path / "pyproject.toml", f'[tool.archlint.rules.sql-string-building]\n{key} = 12345\n')
    with pytest.raises(ConfigError, match=f"rules.sql-string-building.{key}: expected"):
        load_settings(tmp_path)


def test_explicit_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="config file not found"):
        load_settings(tmp_path, config_file=tmp_path / "nope.toml")


def test_selection_specificity_and_off_by_default_rules():
    arc301 = by_code_or_name("ARC301")
    s = settings_from_table({"select": ["ARC"], "ignore": ["ARC3"]}, root=Path("."))
    assert not is_enabled(arc301, s)
    s = settings_from_table({"select": ["ARC301"], "ignore": ["ARC3"]}, root=Path("."))
    assert is_enabled(arc301, s)
    s = settings_from_table({"ignore": ["sql-string-building"]}, root=Path("."))
    assert not is_enabled(arc301, s)
    assert is_enabled(arc301, Settings())


def test_fingerprint_changes_with_effective_config():
    a = settings_from_table({}, root=Path("."))
    b = settings_from_table({"ignore": ["ARC401"]}, root=Path("."))
    assert a.fingerprint() != b.fingerprint()
    assert a.fingerprint() == settings_from_table({}, root=Path(".")).fingerprint()


def test_off_by_default_rule_needs_its_exact_code_or_name():
    from _support import PrintCall

    class OffByDefault(PrintCall):
        code, name, default_enabled = "ARC997", "test-off-by-default", False

    assert not is_enabled(OffByDefault, Settings(select=("ARC",)))
    assert not is_enabled(OffByDefault, Settings(select=("ARC9",)))
    assert is_enabled(OffByDefault, Settings(select=("ARC997",)))
    assert is_enabled(OffByDefault, Settings(select=("ARC",), extend_select=("test-off-by-default",)))
