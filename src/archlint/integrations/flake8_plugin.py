"""The flake8 plugin: entry point `ARC` in `flake8.extension` (extra `archlint[flake8]`).

It runs archlint's per-file rules (scope "file") on each file flake8 hands it, through the
engine's own worker path (`analyze_source`), so a finding is the same one `archlint check`
reports. Project rules (layers, contracts, bounded contexts, "is tracing set up anywhere?") need
the whole repository and never run here.

Configuration: `[tool.archlint]` (or `archlint.toml`) found by walking up from the checked file,
as `archlint check` finds it; its select/ignore/per-rule options apply. The flake8 options
`--archlint-select`, `--archlint-extend-select`, `--archlint-ignore` (also `archlint-select =`
in `.flake8`/`setup.cfg`/`tox.ini`) override it as `archlint check --select/...` does, and
`--archlint-config FILE` names the config file.

Suppressions: flake8 applies `# noqa`, `--per-file-ignores`, `--extend-ignore` itself. The plugin
also applies archlint's own comments (`# archlint: ignore[ARC301]`, `# archlint: skip-file`), the
`per-file-ignores` of `[tool.archlint]`, and archlint's reading of `# noqa` (the first or last
line of a multi-line statement), unless flake8 runs with `--disable-noqa`.

A file archlint could not check (LibCST cannot parse what CPython did, a rule raised, the config
is broken) is reported as `ARC000` on its line (line 1 for a config error), never silently.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, ClassVar

from archlint import __version__
from archlint.api import check_source
from archlint.config import ConfigError, Settings, check_selectors, load_settings
from archlint.model import Notification
from archlint.rules.base import AnyRule, Rule

NOT_CHECKED = "ARC000"  # archlint could not check (part of) the file: never a rule's code
STDIN_NAMES = ("stdin", "-")


@dataclasses.dataclass(frozen=True)
class PluginOptions:
    """What flake8's command line and config file say, in archlint's terms."""

    select: tuple[str, ...] | None = None  # None: the config's select
    extend_select: tuple[str, ...] = ()
    ignore: tuple[str, ...] = ()
    config: Path | None = None
    disable_noqa: bool = False


class ArchlintChecker:
    """flake8 calls `run()` once per file with the tree it parsed (unused: archlint parses the
    file's lines with LibCST, the same way `archlint check` does) and the file's lines."""

    name = "archlint"
    version = __version__
    options: ClassVar[PluginOptions] = PluginOptions()

    def __init__(self, tree: ast.AST, lines: Sequence[str], filename: str) -> None:
        self.lines = lines
        self.filename = filename

    @classmethod
    def add_options(cls, parser: Any) -> None:
        for flag, what in (
            ("--archlint-select", "archlint rules to run (codes, prefixes or names); replaces "
                                  "the select of [tool.archlint]"),
            ("--archlint-extend-select", "archlint rules to run in addition to those selected"),
            ("--archlint-ignore", "archlint rules to skip, added to the ignore of "
                                  "[tool.archlint]"),
        ):
            parser.add_option(flag, default=None, parse_from_config=True,
                              comma_separated_list=True, help=f"{what}.")
        parser.add_option("--archlint-config", default=None, parse_from_config=True,
                          normalize_paths=True,
                          help="archlint's config file (pyproject.toml or archlint.toml); "
                               "default: found by walking up from each checked file")

    @classmethod
    def parse_options(cls, options: Any) -> None:
        select = _selectors(options.archlint_select)
        extend_select = _selectors(options.archlint_extend_select) or ()
        ignore = _selectors(options.archlint_ignore) or ()
        try:
            for flag, values in (("--archlint-select", select or ()),
                                 ("--archlint-extend-select", extend_select),
                                 ("--archlint-ignore", ignore)):
                check_selectors(values, flag)
        except ConfigError as exc:
            from flake8.exceptions import ExecutionError

            raise ExecutionError(f"archlint: {exc}") from None
        cls.options = PluginOptions(
            select=select,
            extend_select=extend_select,
            ignore=ignore,
            config=Path(options.archlint_config) if options.archlint_config else None,
            disable_noqa=bool(getattr(options, "disable_noqa", False)),
        )

    def run(self) -> Iterator[tuple[int, int, str, type]]:
        try:
            settings, specs = _settings_for(self._folder(), self.options)
        except ConfigError as exc:
            yield 1, 0, f"{NOT_CHECKED} archlint did not run: {exc}", type(self)
            return
        if not specs:
            return
        path = self._relative_path(settings.root)
        report = check_source("".join(self.lines), path, settings, rules=specs,
                              honour_noqa=not self.options.disable_noqa)
        for finding in report.findings:
            yield (finding.span.line, finding.span.column,
                   f"{finding.code} {_one_line(finding.message)}", type(self))
        for note in report.notifications:
            yield note.line or 1, note.column or 0, _not_checked(note), type(self)

    def _folder(self) -> Path:
        if self.filename in STDIN_NAMES:
            return Path.cwd()
        return Path(self.filename).absolute().parent

    def _relative_path(self, root: Path) -> str:
        """The root-relative "/" path the rules see under `archlint check` (some rules look at
        it: tests, migrations, scripts)."""
        if self.filename in STDIN_NAMES:
            return "stdin.py"
        try:
            return Path(self.filename).resolve().relative_to(root.resolve()).as_posix()
        except ValueError:  # outside the project root (only with --archlint-config)
            return Path(self.filename).as_posix()


def _selectors(values: Sequence[str] | str | None) -> tuple[str, ...] | None:
    if values is None:
        return None
    if isinstance(values, str):
        values = [values]
    return tuple(v.strip() for value in values for v in value.split(",") if v.strip())


@functools.lru_cache(maxsize=256)
def _settings_for(folder: Path, options: PluginOptions) -> tuple[Settings, list[AnyRule]]:
    """The settings for the files of a folder: their project's config (cached: flake8 asks once
    per file), with flake8's options on top, as `archlint check --select/--extend-select/
    --ignore` puts them; and the enabled per-file rules."""
    settings = _with_options(load_settings(folder, config_file=options.config), options)
    return settings, [rule for rule in settings.enabled_rules() if issubclass(rule, Rule)]


def _with_options(settings: Settings, options: PluginOptions) -> Settings:
    return settings.with_selection(options.select, options.extend_select or (),
                                   options.ignore or ())


def _one_line(message: str) -> str:
    return " ".join(message.split())


def _not_checked(note: Notification) -> str:
    return f"{NOT_CHECKED} archlint could not check this file: {_one_line(note.message)}"
